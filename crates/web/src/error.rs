//! ONE mapping from errors to HTTP answers. API errors are JSON:
//! `{"error": {"code", "message", "fields"?, "request_id"}}` with a stable machine-readable `code`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use switchboard_app::AppError;
use switchboard_domain::FieldErrors;
use utoipa::ToSchema;

#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    MalformedJson(String),
    UnsupportedMediaType,
    PayloadTooLarge,
    CsrfFailed,
    RouteNotFound,
    MethodNotAllowed,
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::App(AppError::Validation(e))
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `malformed_json`, `validation_failed`, `conflict`, `not_found`,
    /// `forbidden`, `unauthenticated`, `invalid_credentials`, `csrf_failed`, `throttled`,
    /// `payload_too_large`, `unsupported_media_type`, `method_not_allowed`, `internal`.
    pub code: &'static str,
    pub message: String,
    /// For `validation_failed` and `conflict`: field name → what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::App(e) => match e {
                AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
                AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
                AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
                AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
                AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
                AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
                AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
                AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
                AppError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
                AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
                AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            },
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::CsrfFailed => (StatusCode::FORBIDDEN, "csrf_failed"),
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::App(AppError::Internal(_)) => {
                "internal error; the request id identifies it in the server log".into()
            }
            ApiError::App(AppError::Validation(_)) => "some fields are missing or invalid".into(),
            ApiError::App(AppError::Conflict(_)) => "conflicts with existing data".into(),
            ApiError::App(AppError::Forbidden(p)) => format!("this needs the permission `{p}`"),
            ApiError::App(other) => other.to_string(),
            ApiError::MalformedJson(detail) => format!("the body is not valid JSON: {detail}"),
            ApiError::UnsupportedMediaType => "send the body as application/json".into(),
            ApiError::PayloadTooLarge => "the request body is too large".into(),
            ApiError::CsrfFailed => "missing or wrong CSRF token; reload the page and try again".into(),
            ApiError::RouteNotFound => "no such endpoint".into(),
            ApiError::MethodNotAllowed => "this endpoint does not accept that method".into(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (_, code) = self.status_and_code();
        let fields = match self {
            ApiError::App(e) => e.field_errors().map(|f| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail { code, message: self.message(), fields, request_id: crate::request_id::current() },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        if let ApiError::App(AppError::Internal(detail)) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut response = (status, axum::Json(self.body())).into_response();
        if let ApiError::App(AppError::Throttled { retry_after_seconds }) = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if let ApiError::App(AppError::Busy) = &self {
            tracing::warn!("answered 503: the database pool is exhausted");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

pub async fn not_found_fallback(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::RouteNotFound.into_response()
    } else {
        crate::ui::not_found_page().await
    }
}

pub async fn method_not_allowed_fallback() -> Response {
    ApiError::MethodNotAllowed.into_response()
}
