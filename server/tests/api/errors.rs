//! The error shapes: 400 malformed JSON, 422 naming the field, 413, 404 and 405 in JSON, 415.

use crate::on_both_backends;
use crate::support::{TestApp, code};
use reqwest::StatusCode;
use serde_json::json;

async fn malformed_json_is_400(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let response = t
        .client
        .post(t.url("/api/v1/teams"))
        .bearer_auth(&tenant.admin.token)
        .header("content-type", "application/json")
        .body("{\"name\": \"Sales\",")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(code(&body), "malformed_json");
    assert!(body["error"]["request_id"].as_str().is_some_and(|id| !id.is_empty()));
}

async fn missing_or_invalid_fields_are_422_naming_them(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (status, body) = t.post(&tenant.admin, "/api/v1/users", json!({ "email": "not-an-email" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&body), "validation_failed");
    let fields = &body["error"]["fields"];
    assert_eq!(fields["name"], "is required");
    assert!(fields["email"].as_str().unwrap().contains("email"));
    assert_eq!(fields["password"], "is required");
    // A value of the wrong type names its field too.
    let (status, body) = t.post(&tenant.admin, "/api/v1/teams", json!({ "name": 42 })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["name"].as_str().unwrap().contains("invalid type"));
    // Query parameters as well.
    let (status, body) = t.get(&tenant.admin, "/api/v1/users?limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["limit"].is_string());
    let (status, body) = t.get(&tenant.admin, "/api/v1/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["from"].is_string());
}

async fn oversized_body_is_413_and_nothing_is_written(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let big = "x".repeat(100 * 1024);
    let (status, body) = t.post(&tenant.admin, "/api/v1/teams", json!({ "name": "Big", "description": big })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&body), "payload_too_large");
    let (_, teams) = t.get(&tenant.admin, "/api/v1/teams").await;
    assert_eq!(teams["data"].as_array().unwrap().len(), 0);
}

async fn unknown_routes_and_methods_answer_json(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (status, body) = t.get(&tenant.admin, "/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "not_found");
    let (status, body) = t.delete(&tenant.admin, "/api/v1/users").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code(&body), "method_not_allowed");
    let response =
        t.client.post(t.url("/api/v1/teams")).bearer_auth(&tenant.admin.token).body("name=x").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Unknown and malformed ids are simply not found.
    let (status, _) = t.get(&tenant.admin, "/api/v1/users/123").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(&tenant.admin, "/api/v1/users/abc").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn health_readiness_and_metrics(t: TestApp) {
    let health = t.client.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready: serde_json::Value = t.client.get(t.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let metrics = t.client.get(t.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/readyz\""));
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
    assert!(metrics.contains("db_pool_connections"));
    let doc: serde_json::Value =
        t.client.get(t.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/users"]["get"].is_object());
    let docs_page = t.client.get(t.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs_page.status(), StatusCode::OK);
    assert!(docs_page.text().await.unwrap().contains("/api/v1/users"));
}

on_both_backends!(
    malformed_json_is_400,
    missing_or_invalid_fields_are_422_naming_them,
    oversized_body_is_413_and_nothing_is_written,
    unknown_routes_and_methods_answer_json,
    health_readiness_and_metrics,
);
