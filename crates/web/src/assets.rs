//! Static files embedded in the binary, served with long-lived caching (their names carry a version).

use crate::WebState;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Files are cached for a year; their URLs carry the binary's version so an upgrade is fetched anew.
const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The URL of an embedded static file, for templates: `/static/app.css?v=0.1.0`.
pub fn asset_url(name: &str) -> String {
    format!("/static/{name}?v={ASSET_VERSION}")
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
