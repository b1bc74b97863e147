//! The API reference page, rendered on the server from the OpenAPI document (no script, nothing
//! fetched). The UI module owns its template.

use crate::WebState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;
use utoipa::openapi::OpenApi;

pub async fn page(State(_state): State<WebState>, doc: Arc<OpenApi>) -> Response {
    let mut html = String::from("<!doctype html><title>Switchboard API</title><h1>Switchboard API</h1><ul>");
    for (path, item) in &doc.paths.paths {
        html.push_str(&format!(
            "<li>{} ({} operations)</li>",
            path,
            [&item.get, &item.post, &item.patch, &item.delete, &item.put].iter().filter(|o| o.is_some()).count()
        ));
    }
    html.push_str("</ul>");
    Html(html).into_response()
}
