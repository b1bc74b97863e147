//! Static files embedded in the binary, served with long-lived caching: their URLs carry a hash of
//! their content, so a changed file is fetched anew and an unchanged one never is.
//!
//! ES modules import each other by relative URL, which cannot carry a per-file hash; they are served
//! under a folder named by the hash of all of them together (`/static/m/<hash>/ws-main.js`), so a page
//! and every module it imports always come from the same version.

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
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    let hash =
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{hash:016x}")
}

/// The URL of an embedded ES module, in the versioned folder of all modules (see the module docs).
pub fn module_url(name: &str) -> String {
    format!("/static/m/{}/{name}", modules_version())
}

/// The hash of every module's name and content together.
fn modules_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let all: Vec<u8> = FILES
            .iter()
            .filter(|(name, _, _)| is_module(name))
            .flat_map(|(name, _, bytes)| name.as_bytes().iter().chain(bytes.iter()).copied())
            .collect();
        content_hash(&all)
    })
}

/// The ES modules: the workspace's `ws-*.js` and routing's `rt-*.js` (which import the workspace's
/// socket and helpers).
fn is_module(name: &str) -> bool {
    (name.starts_with("ws-") || name.starts_with("rt-")) && name.ends_with(".js")
}

const FILES: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../static/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../static/app.js")),
    ("htmx-2.0.4.min.js", "text/javascript; charset=utf-8", include_bytes!("../static/htmx-2.0.4.min.js")),
    ("htmx-LICENSE.txt", "text/plain; charset=utf-8", include_bytes!("../static/htmx-LICENSE.txt")),
    ("api-docs.css", "text/css; charset=utf-8", include_bytes!("../static/api-docs.css")),
    ("widget-frame.css", "text/css; charset=utf-8", include_bytes!("../static/widget-frame.css")),
    ("widget-bot.js", "text/javascript; charset=utf-8", include_bytes!("../static/widget-bot.js")),
    ("widget-frame.js", "text/javascript; charset=utf-8", include_bytes!("../static/widget-frame.js")),
    ("help.css", "text/css; charset=utf-8", include_bytes!("../static/help.css")),
    ("channels.css", "text/css; charset=utf-8", include_bytes!("../static/channels.css")),
    ("channels.js", "text/javascript; charset=utf-8", include_bytes!("../static/channels.js")),
    ("workspace.css", "text/css; charset=utf-8", include_bytes!("../static/workspace.css")),
    ("ws-main.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-main.js")),
    ("ws-dom.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-dom.js")),
    ("ws-api.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-api.js")),
    ("ws-socket.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-socket.js")),
    ("ws-list.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-list.js")),
    ("ws-conversation.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-conversation.js")),
    ("ws-composer.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-composer.js")),
    ("ws-contact.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-contact.js")),
    ("ws-notify.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-notify.js")),
    ("ws-keys.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-keys.js")),
    ("ws-quick.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-quick.js")),
    ("ws-suggest.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-suggest.js")),
    ("kb-admin.css", "text/css; charset=utf-8", include_bytes!("../static/kb-admin.css")),
    ("kb-editor.js", "text/javascript; charset=utf-8", include_bytes!("../static/kb-editor.js")),
    ("routing.css", "text/css; charset=utf-8", include_bytes!("../static/routing.css")),
    ("rt-board.js", "text/javascript; charset=utf-8", include_bytes!("../static/rt-board.js")),
    ("rt-rule.js", "text/javascript; charset=utf-8", include_bytes!("../static/rt-rule.js")),
    ("ws-presence.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-presence.js")),
    ("ws-offer.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-offer.js")),
    ("ws-transfer.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-transfer.js")),
    ("ws-search.js", "text/javascript; charset=utf-8", include_bytes!("../static/ws-search.js")),
];

pub fn router() -> Router<WebState> {
    Router::new().route("/static/{file}", get(serve)).route("/static/m/{version}/{file}", get(serve_module))
}

/// A module from the versioned folder. An outdated version (a page loaded before an upgrade) still
/// gets the current file, but uncached.
async fn serve_module(Path((version, file)): Path<(String, String)>) -> Response {
    if !is_module(&file) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let mut response = serve(Path(file)).await;
    if version != modules_version() {
        response.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-cache"));
    }
    response
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
