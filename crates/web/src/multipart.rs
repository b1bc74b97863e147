//! `multipart/form-data` bodies (RFC 7578) as browsers send a form with a file: read whole (the
//! body limit applies first), split at the boundary, each part's name, file name and bytes. Small
//! and strict on purpose: the UI's one upload form needs no streaming parser (docs/decisions.md).

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One field of the form: a value, or a file with its name.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub data: Vec<u8>,
}

/// The boundary named by a `multipart/form-data` content type.
pub fn boundary(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (key.trim().eq_ignore_ascii_case("boundary") && (1..=70).contains(&value.len())).then(|| value.to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// A parameter of a `Content-Disposition` header: `name="x"`.
fn disposition_param(value: &str, key: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The parts of a body; an error says what is malformed.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, &'static str> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or("no multipart boundary in the body")? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err("a multipart boundary is not followed by a line break");
        }
        at += 2;
        let headers_end = find(body, b"\r\n\r\n", at).ok_or("a multipart part has no end of headers")?;
        let head = std::str::from_utf8(&body[at..headers_end]).map_err(|_| "multipart headers are not UTF-8")?;
        let disposition = head
            .split("\r\n")
            .find_map(|line| {
                let (k, v) = line.split_once(':')?;
                k.trim().eq_ignore_ascii_case("content-disposition").then_some(v.trim())
            })
            .ok_or("a multipart part has no Content-Disposition")?;
        let name = disposition_param(disposition, "name").ok_or("a multipart part has no name")?;
        let data_start = headers_end + 4;
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let data_end = find(body, &closing, data_start).ok_or("a multipart part is not closed")?;
        parts.push(Part {
            name,
            file_name: disposition_param(disposition, "filename"),
            data: body[data_start..data_end].to_vec(),
        });
        at = data_end + closing.len();
    }
}

/// A `multipart/form-data` request body as its parts.
pub struct MultipartForm(pub Vec<Part>);

impl MultipartForm {
    /// The first part called `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.0.iter().find(|p| p.name == name)
    }

    /// The text of field `name` (empty when absent or not UTF-8).
    pub fn text(&self, name: &str) -> String {
        self.part(name).and_then(|p| std::str::from_utf8(&p.data).ok()).unwrap_or_default().to_string()
    }
}

impl<S: Send + Sync> FromRequest<S> for MultipartForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let Some(boundary) = boundary(request.headers()) else {
            return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the form as multipart/form-data").into_response());
        };
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        parse(&bytes, &boundary).map(Self).map_err(|e| (StatusCode::BAD_REQUEST, e).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_read() {
        let body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntok\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"faq.csv\"\r\n\
                    Content-Type: text/csv\r\n\r\nid,question\r\n1,\"a\r\nb\"\r\n--XyZ--\r\n";
        let parts = parse(body.as_bytes(), "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].data.as_slice()), ("_csrf", b"tok".as_slice()));
        assert_eq!(parts[1].file_name.as_deref(), Some("faq.csv"));
        assert_eq!(parts[1].data, b"id,question\r\n1,\"a\r\nb\"");
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(parse(b"nothing here", "b").is_err());
        assert!(parse(b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nopen", "b").is_err());
        assert!(parse(b"--b\r\nX: y\r\n\r\nv\r\n--b--", "b").is_err());
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "multipart/form-data; boundary=\"----abc\"".parse().unwrap());
        assert_eq!(boundary(&headers).as_deref(), Some("----abc"));
        headers.insert(header::CONTENT_TYPE, "text/plain; boundary=x".parse().unwrap());
        assert_eq!(boundary(&headers), None);
    }
}
