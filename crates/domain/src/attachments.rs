//! Files attached to messages: what a message carries, and the checks an upload must pass (size,
//! accepted type, and content that really is of that type).

use crate::ids::AttachmentId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An attachment as a message shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentRef {
    pub id: AttachmentId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// A signed download link, relative to the server.
    pub url: String,
}

/// At most this many attachments per message.
pub const MAX_ATTACHMENTS: usize = 10;

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRefusal {
    /// Over the limit (413).
    TooLarge { limit: i64 },
    /// Empty body (422).
    Empty,
    /// A type the channel does not accept, or content that is not what it claims (422).
    Type(String),
    /// A bad file name (422).
    Name(&'static str),
}

/// The type the bytes really are, among the types the server can check.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if looks_like_plain_text(bytes) {
        Some("text/plain")
    } else {
        None
    }
}

/// UTF-8 without NULs and without markup a browser would run if it ever sniffed it as HTML.
fn looks_like_plain_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    if text.contains('\0') {
        return false;
    }
    let head: String = text.chars().take(1024).collect::<String>().to_ascii_lowercase();
    !["<html", "<script", "<!doctype", "<svg", "<body", "<iframe"].iter().any(|tag| head.contains(tag))
}

/// A file name safe to store and to put in a header: no path, no control characters, at most 120
/// characters; empty or dot-only names are refused.
pub fn clean_file_name(name: &str) -> Result<String, UploadRefusal> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        return Err(UploadRefusal::Name("is required"));
    }
    Ok(cleaned.chars().take(120).collect())
}

/// A file name percent-encoded for a URL path or an RFC 5987 `filename*` (unreserved bytes kept).
pub fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Checks an upload against the channel's limits; returns the verified content type.
pub fn check_upload(
    declared_type: &str,
    bytes: &[u8],
    max_bytes: i64,
    accepted_types: &[String],
) -> Result<&'static str, UploadRefusal> {
    if bytes.len() as i64 > max_bytes {
        return Err(UploadRefusal::TooLarge { limit: max_bytes });
    }
    if bytes.is_empty() {
        return Err(UploadRefusal::Empty);
    }
    let declared = declared_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !accepted_types.contains(&declared) {
        return Err(UploadRefusal::Type(format!("{declared} files are not accepted here")));
    }
    match sniff_content_type(bytes) {
        Some(actual) if actual == declared => Ok(actual),
        _ => Err(UploadRefusal::Type(format!("the content is not a valid {declared} file"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn types() -> Vec<String> {
        vec!["image/png".into(), "text/plain".into()]
    }

    #[test]
    fn uploads_are_checked_by_size_type_and_content() {
        assert_eq!(check_upload("image/png", PNG, 1024, &types()), Ok("image/png"));
        assert_eq!(check_upload("text/plain; charset=utf-8", "你好".as_bytes(), 1024, &types()), Ok("text/plain"));
        assert_eq!(check_upload("image/png", PNG, 4, &types()), Err(UploadRefusal::TooLarge { limit: 4 }));
        assert_eq!(check_upload("image/png", b"", 1024, &types()), Err(UploadRefusal::Empty));
        assert!(matches!(check_upload("application/pdf", b"%PDF-1.7", 1024, &types()), Err(UploadRefusal::Type(_))));
        // An executable or an HTML page claiming to be a picture or text.
        assert!(matches!(check_upload("image/png", b"MZ\x90\0", 1024, &types()), Err(UploadRefusal::Type(_))));
        let html = b"<!DOCTYPE html><script>alert(1)</script>";
        assert!(matches!(check_upload("text/plain", html, 1024, &types()), Err(UploadRefusal::Type(_))));
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\a\\发票 2026.pdf").unwrap(), "发票 2026.pdf");
        assert_eq!(clean_file_name("a\"b\r\n.png").unwrap(), "ab.png");
        assert_eq!(clean_file_name(".htaccess").unwrap(), "htaccess");
        assert!(clean_file_name("..").is_err());
        assert!(clean_file_name("").is_err());
        assert_eq!(clean_file_name(&"x".repeat(300)).unwrap().chars().count(), 120);
    }
}
