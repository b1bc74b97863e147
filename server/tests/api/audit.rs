//! The audit log: every change recorded with before/after, filterable, exportable, and the hash
//! chain catches a row altered directly in the database.

use crate::on_both_backends;
use crate::support::{TestApp, team_body};
use reqwest::StatusCode;
use serde_json::json;

async fn changes_are_recorded_with_before_and_after(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (_, team) = t.post(&tenant.admin, "/api/v1/teams", team_body("Sales")).await;
    let id = team["id"].as_str().unwrap().to_string();
    t.patch(&tenant.admin, &format!("/api/v1/teams/{id}"), json!({ "name": "Pre-sales" })).await;
    t.delete(&tenant.admin, &format!("/api/v1/teams/{id}")).await;
    let (status, log) = t.get(&tenant.admin, "/api/v1/audit?action=team.").await;
    assert_eq!(status, StatusCode::OK);
    let entries = log["data"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["team.delete", "team.update", "team.create"]);
    let update = &entries[1];
    assert_eq!(update["before"]["name"], "Sales");
    assert_eq!(update["after"]["name"], "Pre-sales");
    assert_eq!(update["actor_kind"], "token");
    assert_eq!(update["actor_id"], tenant.admin.user_id.parse::<i64>().unwrap());
    assert_eq!(update["target_id"], id.parse::<i64>().unwrap());
    assert_eq!(update["ip"], "127.0.0.1");
    // Filters by target and time.
    let (_, by_target) = t.get(&tenant.admin, &format!("/api/v1/audit?target_kind=team&target_id={id}")).await;
    assert_eq!(by_target["data"].as_array().unwrap().len(), 3);
    let (_, future) = t.get(&tenant.admin, "/api/v1/audit?from=2999-01-01T00:00:00Z").await;
    assert_eq!(future["data"].as_array().unwrap().len(), 0);
    // CSV export, itself audited.
    let response = t.call(&tenant.admin, reqwest::Method::GET, "/api/v1/audit/export.csv?action=team.", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let csv = response.text().await.unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.starts_with("seq,time,actor_kind"));
    let (_, exports) = t.get(&tenant.admin, "/api/v1/audit?action=audit.export").await;
    assert_eq!(exports["data"][0]["after"]["rows"], 3);
}

async fn an_altered_row_breaks_the_chain(t: TestApp) {
    let tenant = t.tenant("acme").await;
    for name in ["One", "Two", "Three"] {
        t.post(&tenant.admin, "/api/v1/teams", team_body(name)).await;
    }
    let (checked, broken) = t.app.audit_verify(tenant.account_id).await.unwrap();
    assert!(broken.is_none());
    assert!(checked >= 9, "{checked}");
    let (_, log) = t.get(&tenant.admin, "/api/v1/audit?action=team.create").await;
    let seq = log["data"][1]["seq"].as_i64().unwrap();
    t.sql(&format!(
        "UPDATE audit_log SET after_json = REPLACE(after_json, 'Two', 'Tw0') WHERE account_id = {} AND seq = {seq}",
        tenant.account_id
    ))
    .await;
    let (_, broken) = t.app.audit_verify(tenant.account_id).await.unwrap();
    let link = broken.expect("the altered row is found");
    assert_eq!(link.seq, seq);
    assert!(link.reason.contains("altered"), "{}", link.reason);
    // Deleting the last row is caught by the chain head.
    let other = t.tenant("other").await;
    t.post(&other.admin, "/api/v1/teams", team_body("X")).await;
    t.sql(&format!(
        "DELETE FROM audit_log WHERE account_id = {} AND seq = (SELECT MAX(seq) FROM audit_log WHERE account_id = {})",
        other.account_id, other.account_id
    ))
    .await;
    let (_, broken) = t.app.audit_verify(other.account_id).await.unwrap();
    assert!(broken.expect("a removed entry is found").reason.contains("removed"));
}

on_both_backends!(changes_are_recorded_with_before_and_after, an_altered_row_breaks_the_chain);
