//! Authentication for every request, before any handler runs: an API token (`Authorization:
//! Bearer`) or the session cookie. Unsafe requests authenticated by the cookie must carry the
//! session's CSRF token (`X-CSRF-Token` header, or `_csrf` in a form body, urlencoded or
//! multipart). Unauthenticated form posts (sign-in, setup) use a double-submit token: the `sb_pre`
//! cookie and the `_csrf` field.

use crate::WebState;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use switchboard_app::{Actor, AppError};

pub const SESSION_COOKIE: &str = "sb_session";
pub const PRE_SESSION_COOKIE: &str = "sb_pre";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated actor of a request, put in the request's extensions.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    /// The session's CSRF token; `None` for API tokens.
    pub csrf_token: Option<String>,
}

/// Where the request came from, for the audit log and throttling.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

/// A bearer token was sent but is not valid: the API answers 401 instead of treating it as anonymous.
#[derive(Debug, Clone, Copy)]
pub struct RejectedToken;

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

fn client_info(request: &Request, state: &WebState) -> ClientInfo {
    let forwarded = state
        .config
        .trust_forwarded_for
        .then(|| request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.split(',').next_back())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let ip = forwarded
        .or_else(|| request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()))
        .unwrap_or_else(|| "unknown".to_string());
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    ClientInfo { ip, user_agent }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A form post: urlencoded, or multipart (a form with a file).
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
        || crate::multipart::boundary(headers).is_some()
}

fn same(a: &str, b: &str) -> bool {
    // Constant-time comparison of two tokens.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads the `_csrf` field of a form body and puts the body back.
async fn form_token(request: Request, limit: usize) -> Result<(Request, Option<String>), ApiError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::PayloadTooLarge)?;
    let token = match crate::multipart::boundary(&parts.headers) {
        Some(boundary) => crate::multipart::parse(&bytes, &boundary)
            .ok()
            .and_then(|fields| fields.into_iter().find(|p| p.name == CSRF_FIELD))
            .and_then(|p| String::from_utf8(p.data).ok()),
        None => form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned()),
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

pub async fn authenticate(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let client = client_info(&request, &state);
    // Only what is needed from the headers, so the request can be rebuilt around a read body.
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    // The widget's endpoints and the help center act for visitors only: an agent's cookie in the
    // same browser is ignored (the help center's forms use the anonymous double-submit token).
    let path = request.uri().path();
    let public_path = path.starts_with("/widget/") || path.starts_with("/files/") || path.starts_with("/help/");
    let session = cookie(headers, SESSION_COOKIE).filter(|_| !public_path).map(str::to_string);
    let pre_session = cookie(headers, PRE_SESSION_COOKIE).map(str::to_string);
    let csrf_header = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let form = is_form(headers);
    let unsafe_method = is_unsafe(request.method());
    if let Some(secret) = &bearer {
        match state.app.authenticate_token(secret, &client.ip, &client.user_agent).await {
            Ok(actor) => {
                request.extensions_mut().insert(Authenticated { actor, csrf_token: None });
            }
            Err(AppError::Unauthenticated) => {
                request.extensions_mut().insert(RejectedToken);
            }
            Err(other) => return ApiError::from(other).into_response(),
        }
    } else if let Some(secret) = &session {
        match state.app.authenticate_session(secret, &client.ip, &client.user_agent).await {
            Ok((actor, csrf)) => {
                if unsafe_method {
                    let mut sent = csrf_header;
                    if sent.is_none() && form {
                        match form_token(request, state.config.max_body_bytes).await {
                            Ok((rebuilt, token)) => {
                                request = rebuilt;
                                sent = token;
                            }
                            Err(e) => return e.into_response(),
                        }
                    }
                    if !sent.as_deref().is_some_and(|s| same(s, &csrf)) {
                        return ApiError::CsrfFailed.into_response();
                    }
                }
                request.extensions_mut().insert(Authenticated { actor, csrf_token: Some(csrf) });
            }
            Err(AppError::Unauthenticated) => {}
            Err(other) => return ApiError::from(other).into_response(),
        }
    }
    let authenticated = request.extensions().get::<Authenticated>().is_some();
    if unsafe_method && !authenticated && bearer.is_none() && form {
        let expected = pre_session;
        match form_token(request, state.config.max_body_bytes).await {
            Ok((rebuilt, sent)) => {
                request = rebuilt;
                let ok = matches!((&expected, &sent), (Some(e), Some(s)) if !e.is_empty() && same(e, s));
                if !ok {
                    // A page form posted after its session ended: back to sign-in rather than an error.
                    if session.is_some() && !request.uri().path().starts_with("/api/") {
                        return axum::response::Redirect::to("/login").into_response();
                    }
                    return ApiError::CsrfFailed.into_response();
                }
            }
            Err(e) => return e.into_response(),
        }
    }
    request.extensions_mut().insert(client);
    next.run(request).await
}
