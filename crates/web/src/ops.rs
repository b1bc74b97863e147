//! Operations: `/healthz` (process up), `/readyz` (database reachable, migrations current),
//! `/metrics` (Prometheus), request metrics, and the security headers of every answer.

use crate::WebState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// The process's Prometheus recorder. The `metrics` facade is process-wide by design, so the
/// recorder is installed once and shared by every router built in this process.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0],
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub fn router() -> Router<WebState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(render_metrics))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(state): State<WebState>) -> Response {
    if !state.app.db().ping().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable", "reason": "database unreachable" })),
        )
            .into_response();
    }
    match state.app.db().migration_status().await {
        Ok(status) if status.is_current() => {
            Json(serde_json::json!({ "status": "ready", "schema_version": status.current })).into_response()
        }
        Ok(status) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable", "reason": "migrations pending", "schema_version": status.current, "expected": status.latest })),
        )
            .into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable", "reason": "schema unreadable" })))
            .into_response(),
    }
}

async fn render_metrics(State(state): State<WebState>) -> Response {
    let (open, idle) = state.app.db().pool_stats();
    let backend = state.app.db().backend().name();
    metrics::gauge!("db_pool_connections", "backend" => backend, "state" => "open").set(open as f64);
    metrics::gauge!("db_pool_connections", "backend" => backend, "state" => "idle").set(idle as f64);
    metrics::gauge!("db_pool_connections", "backend" => backend, "state" => "in_use")
        .set(open.saturating_sub(idle as u32) as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// Counts requests by route and status, and their latency.
pub async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let response = next.run(request).await;
    let route = route.unwrap_or_else(|| {
        if response.status() == StatusCode::NOT_FOUND { "unmatched".into() } else { "other".into() }
    });
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A strict Content-Security-Policy and the other protective headers on every answer.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "same-origin");
    // A handler that sets its own policy with `frame-ancestors` (the widget's chat page) decides who
    // may frame it; X-Frame-Options cannot name origins, so it is left out there.
    let own_framing = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|policy| policy.contains("frame-ancestors") && !policy.contains("frame-ancestors 'none'"));
    if !own_framing {
        set(headers, "x-frame-options", "DENY");
    }
    response
}
