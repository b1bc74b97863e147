//! The server-rendered UI.

use crate::WebState;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};

pub fn router() -> Router<WebState> {
    Router::new()
}

pub async fn not_found_page() -> Response {
    let css = crate::assets::asset_url("app.css");
    let page = format!("<!doctype html><title>Not found</title><link rel=stylesheet href=\"{css}\"><h1>404</h1>");
    (axum::http::StatusCode::NOT_FOUND, Html(page)).into_response()
}
