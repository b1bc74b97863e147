//! The website widget's public HTTP endpoints (docs/widget.md): its configuration (with CORS for the
//! loader, refused for pages of origins the channel does not allow), visitors' uploads, and signed
//! file downloads. The loader script and the chat page are in `widget_page.rs`.

use crate::WebState;
use crate::api::contacts::{content_type, upload_body};
use crate::error::ApiError;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use switchboard_app::{AppError, Uploader, WidgetConfig};
use switchboard_domain::AttachmentId;
use switchboard_domain::widget::normalize_origin;

pub fn router() -> axum::Router<WebState> {
    axum::Router::new()
        .route("/widget/{key}/config", get(config))
        .route("/widget/{key}/attachments", post(upload))
        .route("/files/{id}/{signature}/{name}", get(download))
        .route("/widget/{key}/messages/{id}/rating", post(rate))
}

/// Whether `origin` is this server's own (the widget's iframe), judged from the request's host and
/// the configured public URL.
pub fn is_own_origin(state: &WebState, headers: &HeaderMap, origin: &str) -> bool {
    let Some(origin) = normalize_origin(origin) else { return false };
    if normalize_origin(&state.config.public_url).as_deref() == Some(origin.as_str()) {
        return true;
    }
    let forwarded = state.config.trust_forwarded_for.then(|| headers.get("x-forwarded-host")).flatten();
    let host = forwarded.or_else(|| headers.get(header::HOST)).and_then(|v| v.to_str().ok());
    host.is_some_and(|host| origin.split_once("://").is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)))
}

/// The `Origin` of a request, when it has one.
pub fn request_origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

fn origin_refused() -> Response {
    let body = serde_json::json!({"error": {"code": "origin_not_allowed",
        "message": "this website is not allowed to use this chat widget"}});
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

/// The widget's public configuration; `Access-Control-Allow-Origin` for allowed pages, 403 for others.
async fn config(State(state): State<WebState>, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let mut response = match config_response(&state, &key, &headers).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    // Refusals carry the header too, so the loader can read why instead of seeing a network error.
    if let Some(value) = request_origin(&headers).and_then(|o| HeaderValue::from_str(o).ok()) {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    response
}

async fn config_response(state: &WebState, key: &str, headers: &HeaderMap) -> Result<Response, ApiError> {
    let widget = state.app.widget_config(key).await?;
    if let Some(origin) = request_origin(headers)
        && !is_own_origin(state, headers, origin)
        && !widget.origin_allowed(origin)
    {
        return Ok(origin_refused());
    }
    let mut response = Json(&widget.public).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct UploadQuery {
    name: Option<String>,
}

/// The visitor of `Authorization: Visitor vt_…` on this widget.
async fn visitor_of(
    state: &WebState,
    widget: &WidgetConfig,
    headers: &HeaderMap,
) -> Result<switchboard_app::Visitor, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Visitor "))
        .map(str::trim)
        .ok_or(ApiError::App(AppError::Unauthenticated))?;
    Ok(state.app.visitor_from_token(widget, token).await?)
}

/// The visitor of a request on widget `key`, or the refusal to answer when the page's origin is
/// not allowed.
async fn allowed_visitor(
    state: &WebState,
    key: &str,
    headers: &HeaderMap,
) -> Result<Result<switchboard_app::Visitor, Response>, ApiError> {
    let widget = state.app.widget_config(key).await?;
    if let Some(origin) = request_origin(headers)
        && !is_own_origin(state, headers, origin)
        && !widget.origin_allowed(origin)
    {
        return Ok(Err(origin_refused()));
    }
    Ok(Ok(visitor_of(state, &widget, headers).await?))
}

/// A visitor's upload: the body is the file, `Content-Type` its type.
async fn upload(
    State(state): State<WebState>,
    Path(key): Path<String>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let visitor = match allowed_visitor(&state, &key, &headers).await? {
        Ok(visitor) => visitor,
        Err(refused) => return Ok(refused),
    };
    let bytes = upload_body(body).await?;
    let name = query.name.unwrap_or_default();
    let uploaded =
        state.app.upload_attachment(Uploader::Visitor(&visitor), &name, &content_type(&headers), &bytes).await?;
    Ok((StatusCode::CREATED, Json(uploaded)).into_response())
}

/// A visitor rates a bot answer of their own conversation: `{"rating": "up" | "down"}`.
async fn rate(
    State(state): State<WebState>,
    Path((key, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let visitor = match allowed_visitor(&state, &key, &headers).await? {
        Ok(visitor) => visitor,
        Err(refused) => return Ok(refused),
    };
    let id = crate::api::path_id::<switchboard_domain::MessageId>(&id)?;
    let input: switchboard_domain::bot_feedback::RateInput =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("the body is not a rating: {e}")))?;
    let rated = state.app.visitor_rate(&visitor, id, &input).await?;
    Ok(Json(rated).into_response())
}

/// A file by its signed link. Images show inline; everything else downloads. Served so that a
/// browser never runs it: `nosniff` and a sandboxing CSP.
async fn download(
    State(state): State<WebState>,
    Path((id, signature, _name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = id.parse::<AttachmentId>().map_err(|_| ApiError::App(AppError::NotFound))?;
    let file = state.app.download_attachment(id, &signature).await?;
    let inline = file.content_type.starts_with("image/");
    let encoded = switchboard_domain::attachments::percent_encode(&file.file_name);
    let disposition = format!("{}; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" });
    let mut response = Body::from(file.bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    Ok(response)
}
