//! Static files embedded in the binary, served with long-lived caching: their URLs carry a hash of
//! their content, so a changed file is fetched anew and an unchanged one never is.

use crate::WebState;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The URL of an embedded static file, for templates: `/static/app.css?v=<content hash>`.
pub fn asset_url(name: &str) -> String {
    static HASHES: std::sync::OnceLock<std::collections::HashMap<&'static str, String>> = std::sync::OnceLock::new();
    let hashes = HASHES.get_or_init(|| FILES.iter().map(|(file, _, bytes)| (*file, content_hash(bytes))).collect());
    match hashes.get(name) {
        Some(hash) => format!("/static/{name}?v={hash}"),
        None => format!("/static/{name}"),
    }
}

/// FNV-1a over the bytes, as 16 hex digits: enough to tell versions of a file apart.
fn content_hash(bytes: &[u8]) -> String {
    let hash =
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{hash:016x}")
}

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../static/app.js")),
    ("htmx-2.0.4.min.js", "text/javascript; charset=utf-8", include_bytes!("../static/htmx-2.0.4.min.js")),
    ("htmx-LICENSE.txt", "text/plain; charset=utf-8", include_bytes!("../static/htmx-LICENSE.txt")),
    ("api-docs.css", "text/css; charset=utf-8", include_bytes!("../static/api-docs.css")),
];

pub fn router() -> Router<WebState> {
    Router::new().route("/static/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
