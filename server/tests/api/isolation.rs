//! Account isolation: for every endpoint, an actor of account A addressing account B's objects
//! gets 404 and changes nothing; A's lists never show B's objects.

use crate::on_both_backends;
use crate::permissions::{documented_endpoints, fill, target};
use crate::support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn another_accounts_objects_are_not_found(t: TestApp) {
    let a = t.tenant("alpha").await;
    let b = t.tenant("bravo").await;
    let mut checked = 0;
    for (method, path) in documented_endpoints(&t).await {
        if !path.contains("{id}") {
            continue;
        }
        // B's object, addressed by A's admin (who may do everything within A).
        let (id, body) = target(&t, &b, &b.admin, &method, &path).await;
        let url = fill(&path, &id);
        // Where B's object can be read back (tokens and sessions are only listed).
        let readback = match path.as_str() {
            p if p.starts_with("/api/v1/me/sessions/") => "/api/v1/me/sessions".to_string(),
            p if p.starts_with("/api/v1/tokens/") => "/api/v1/tokens".to_string(),
            p if p.starts_with("/api/v1/quick-replies/") => "/api/v1/quick-replies".to_string(),
            p if p.starts_with("/api/v1/routing/rules/") => "/api/v1/routing/rules".to_string(),
            p if p.starts_with("/api/v1/routing/teams/") => "/api/v1/routing/teams".to_string(),
            p if p.starts_with("/api/v1/routing/agents/") => format!("/api/v1/users/{id}"),
            // A sub-resource (`/users/{id}/password`) is read back through its parent; a password
            // change would show there as a new `updated_at`.
            p => p[..p.find("{id}").unwrap_or(p.len()) + 4].replace("{id}", &id),
        };
        let (_, before) = t.get(&b.admin, &readback).await;
        let body = body.or_else(|| (method == "PATCH" || method == "POST").then(|| json!({})));
        let (status, answer) = t.json(&a.admin, Method::from_bytes(method.as_bytes()).unwrap(), &url, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path} across accounts: {answer}");
        let (_, after) = t.get(&b.admin, &readback).await;
        // Reading is not a change: drop the times that reading itself refreshes.
        let strip = |mut v: Value| {
            let list = if v.is_array() { v.as_array_mut() } else { v.get_mut("data").and_then(Value::as_array_mut) };
            for item in list.into_iter().flatten() {
                item["last_seen_at"] = Value::Null;
                item["last_used_at"] = Value::Null;
            }
            v
        };
        assert_eq!(strip(before), strip(after), "{method} {path} changed B's object");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} endpoints with ids were checked");
    // Lists of A never contain B's objects, and references to B's objects are refused.
    let lists = [
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/roles",
        "/api/v1/tokens",
        "/api/v1/audit",
        "/api/v1/channels",
        "/api/v1/conversations",
        "/api/v1/kb/articles",
        "/api/v1/kb/faq",
    ];
    for list in lists {
        let (_, mine) = t.get(&a.admin, list).await;
        let (_, theirs) = t.get(&b.admin, list).await;
        for item in theirs["data"].as_array().unwrap() {
            assert!(!mine["data"].as_array().unwrap().iter().any(|m| m["id"] == item["id"]), "{list} leaks {item}");
        }
    }
    let (_, b_team) = t.post(&b.admin, "/api/v1/teams", json!({ "name": "B team" })).await;
    let (status, body) = t
        .post(
            &a.admin,
            "/api/v1/users",
            json!({ "name": "X", "email": "x@alpha.test", "password": "long-password", "team_ids": [b_team["id"]] }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = t.post(&a.admin, "/api/v1/tokens", json!({ "name": "x", "user_id": b.agent.user_id })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) =
        t.post(&a.admin, "/api/v1/teams", json!({ "name": "mix", "member_ids": [b.agent.user_id] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, b_channel) = t.post(&b.admin, "/api/v1/channels", json!({ "name": "B chat", "kind": "api" })).await;
    let body = json!({ "channel_id": b_channel["id"], "contact": { "name": "x" }, "message": "hi" });
    let (status, answer) = t.post(&a.admin, "/api/v1/conversations", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
}

on_both_backends!(another_accounts_objects_are_not_found);
