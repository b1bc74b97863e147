//! Switchboard's HTTP face: the REST API under `/api/v1` (with its OpenAPI document and reference
//! page), the server-rendered UI, and the operational endpoints. Handlers translate; the rules live
//! in `switchboard-app`.

pub mod api;
pub mod assets;
mod auth;
mod error;
mod extract;
pub mod i18n;
mod multipart;
mod ops;
mod request_id;
pub mod ui;
pub mod widget;
mod widget_page;
pub mod ws;

pub use auth::{Authenticated, SESSION_COOKIE};
pub use error::{ApiError, ErrorBody};
pub use ops::metrics_handle;

use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use switchboard_app::App;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL users reach this server at; `https://` makes cookies `Secure`.
    pub public_url: String,
    /// Largest request body accepted, in bytes (larger: 413).
    pub max_body_bytes: usize,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Seconds before a request is answered 503.
    pub request_timeout_seconds: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            max_body_bytes: 1024 * 1024,
            trust_forwarded_for: false,
            request_timeout_seconds: 30,
        }
    }
}

impl WebConfig {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: PrometheusHandle,
    /// Routes events to the WebSocket connections that follow them.
    pub(crate) fanout: Arc<ws::fanout::Fanout>,
}

impl WebState {
    /// Call inside the Tokio runtime: it starts the task that routes events to sockets.
    pub fn new(app: App, config: WebConfig) -> Self {
        let fanout = Arc::new(ws::fanout::Fanout::default());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(fanout.clone().run(app.clone()));
        }
        Self { app, config: Arc::new(config), metrics: metrics_handle(), fanout }
    }
}

/// The whole HTTP application.
pub fn router(state: WebState) -> Router {
    let (api, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(api::finish_document(openapi));
    let max_body = state.config.max_body_bytes;
    let timeout = std::time::Duration::from_secs(state.config.request_timeout_seconds);
    Router::new()
        .merge(api)
        .merge(api::docs_router(openapi))
        .merge(ui::router())
        .merge(assets::router())
        .merge(ops::router())
        .merge(ws::router())
        .merge(widget::router())
        .merge(widget_page::router())
        .fallback(error::not_found_fallback)
        .method_not_allowed_fallback(error::method_not_allowed_fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(ops::security_headers))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(axum::middleware::from_fn(ops::record_metrics))
        .layer(axum::middleware::from_fn(request_id::with_request_id))
        .with_state(state)
}
