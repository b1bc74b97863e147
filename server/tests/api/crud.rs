//! Users, teams, roles and tokens through the API, and cursor pagination.

use crate::on_both_backends;
use crate::support::{TestApp, code, team_body};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashSet;

async fn user_lifecycle(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (status, team) = t.post(&tenant.admin, "/api/v1/teams", team_body("Sales")).await;
    assert_eq!(status, StatusCode::CREATED);
    let team_id = team["id"].as_str().unwrap().to_string();
    let new_user = json!({ "name": "李娜", "email": "Li.Na@Acme.test", "password": "long enough 1", "role": "agent", "locale": "zh-CN", "team_ids": [team_id] });
    let (status, user) = t.post(&tenant.admin, "/api/v1/users", new_user.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["email"], "li.na@acme.test");
    assert_eq!(user["locale"], "zh-CN");
    assert_eq!(user["team_ids"], json!([team_id]));
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    let id = user["id"].as_str().unwrap().to_string();
    // The same email again is a conflict naming the field.
    let (status, body) = t.post(&tenant.admin, "/api/v1/users", new_user).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["fields"]["email"], "is already taken");
    // Filters.
    let (_, found) = t.get(&tenant.admin, "/api/v1/users?q=li.na").await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    let (_, members) = t.get(&tenant.admin, &format!("/api/v1/users?team_id={team_id}")).await;
    assert_eq!(members["data"][0]["id"], id);
    // Update, then deactivate: the deactivated user's token stops working.
    let (status, changed) =
        t.patch(&tenant.admin, &format!("/api/v1/users/{id}"), json!({ "name": "李娜娜", "role": "supervisor" })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["name"], "李娜娜");
    let (status, _) =
        t.patch(&tenant.admin, &format!("/api/v1/users/{}", tenant.agent.user_id), json!({ "active": false })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.get(&tenant.agent, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "unauthenticated");
    let (_, inactive) = t.get(&tenant.admin, "/api/v1/users?active=false").await;
    assert_eq!(inactive["data"].as_array().unwrap().len(), 1);
    // The last active admin cannot be demoted or deactivate themself.
    let (status, body) =
        t.patch(&tenant.admin, &format!("/api/v1/users/{}", tenant.admin.user_id), json!({ "role": "agent" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["role"].as_str().unwrap().contains("admin"));
    let (status, _) =
        t.patch(&tenant.admin, &format!("/api/v1/users/{}", tenant.admin.user_id), json!({ "active": false })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Password reset validates the new password.
    let (status, body) =
        t.post(&tenant.admin, &format!("/api/v1/users/{id}/password"), json!({ "password": "short" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["password"].is_string());
    let (status, _) = t
        .post(&tenant.admin, &format!("/api/v1/users/{id}/password"), json!({ "password": "a new long password" }))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Unknown team ids are refused, not dropped.
    let (status, body) = t.patch(&tenant.admin, &format!("/api/v1/users/{id}"), json!({ "team_ids": ["999"] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["team_ids"].is_string());
}

async fn team_and_role_lifecycle(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (_, team) =
        t.post(&tenant.admin, "/api/v1/teams", json!({ "name": "VIP", "member_ids": [tenant.agent.user_id] })).await;
    let team_id = team["id"].as_str().unwrap().to_string();
    assert_eq!(team["member_ids"], json!([tenant.agent.user_id]));
    let (status, _) = t.post(&tenant.admin, "/api/v1/teams", json!({ "name": "VIP" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, team) = t
        .patch(
            &tenant.admin,
            &format!("/api/v1/teams/{team_id}"),
            json!({ "description": "VIP desk", "member_ids": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(team["member_ids"], json!([]));
    let (status, _) = t.delete(&tenant.admin, &format!("/api/v1/teams/{team_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(&tenant.admin, &format!("/api/v1/teams/{team_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, roles) = t.get(&tenant.admin, "/api/v1/roles").await;
    assert_eq!(roles["data"].as_array().unwrap().len(), 3);
    let builtin = roles["data"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = t.patch(&tenant.admin, &format!("/api/v1/roles/{builtin}"), json!({ "name": "x" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = t
        .post(&tenant.admin, "/api/v1/roles", json!({ "name": "QA", "permissions": ["users.read", "users.fly"] }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["permissions"].as_str().unwrap().contains("users.fly"));
    let (status, role) = t
        .post(
            &tenant.admin,
            "/api/v1/roles",
            json!({ "name": "QA", "permissions": ["users.read", "audit.read"], "data_scope": "teams" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let role_id = role["id"].as_str().unwrap().to_string();
    // A user with the custom role can read the audit log but not manage users.
    let (_, qa) = t
        .post(
            &tenant.admin,
            "/api/v1/users",
            json!({ "name": "Q", "email": "q@acme.test", "password": "qa-password-1", "role": role_id }),
        )
        .await;
    let (_, token) = t.post(&tenant.admin, "/api/v1/tokens", json!({ "name": "qa", "user_id": qa["id"] })).await;
    let qa_caller = crate::support::Caller {
        token: token["secret"].as_str().unwrap().into(),
        user_id: qa["id"].as_str().unwrap().into(),
        account_slug: "acme".into(),
    };
    assert_eq!(t.get(&qa_caller, "/api/v1/audit").await.0, StatusCode::OK);
    assert_eq!(t.post(&qa_caller, "/api/v1/teams", team_body("no")).await.0, StatusCode::FORBIDDEN);
    // A role in use cannot be deleted.
    let (status, _) = t.delete(&tenant.admin, &format!("/api/v1/roles/{role_id}")).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

async fn tokens_are_shown_once_scoped_and_revocable(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (status, created) = t
        .post(
            &tenant.admin,
            "/api/v1/tokens",
            json!({ "name": "read-only", "scopes": ["users.read"], "expires_in_days": 30 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("sbt_"));
    let id = created["token"]["id"].as_str().unwrap().to_string();
    let caller = crate::support::Caller {
        token: secret.clone(),
        user_id: tenant.admin.user_id.clone(),
        account_slug: "acme".into(),
    };
    assert_eq!(t.get(&caller, "/api/v1/users").await.0, StatusCode::OK);
    assert_eq!(t.post(&caller, "/api/v1/teams", team_body("x")).await.0, StatusCode::FORBIDDEN);
    let (_, list) = t.get(&tenant.admin, "/api/v1/tokens").await;
    let listed = list["data"].as_array().unwrap().iter().find(|tk| tk["id"] == id).unwrap().clone();
    assert!(listed.get("secret").is_none());
    assert!(listed["last_used_at"].is_string(), "last use is recorded: {listed}");
    // An agent cannot give a token more than the agent has.
    let (status, body) =
        t.post(&tenant.agent, "/api/v1/tokens", json!({ "name": "x", "scopes": ["users.manage"] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["scopes"].is_string());
    // An agent sees only their own tokens and cannot revoke the admin's (404).
    let (_, agent_list) = t.get(&tenant.agent, "/api/v1/tokens").await;
    assert!(agent_list["data"].as_array().unwrap().iter().all(|tk| tk["user_id"] == tenant.agent.user_id.as_str()));
    assert_eq!(t.delete(&tenant.agent, &format!("/api/v1/tokens/{id}")).await.0, StatusCode::NOT_FOUND);
    let (status, revoked) = t.delete(&tenant.admin, &format!("/api/v1/tokens/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(t.get(&caller, "/api/v1/users").await.0, StatusCode::UNAUTHORIZED);
    let bogus = crate::support::Caller { token: "sbt_0000".into(), ..caller };
    assert_eq!(t.get(&bogus, "/api/v1/users").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(t.client.get(t.url("/api/v1/users")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

async fn cursor_pagination_visits_every_item_once(t: TestApp) {
    let tenant = t.tenant("acme").await;
    for i in 0..7 {
        let (status, _) = t.post(&tenant.admin, "/api/v1/teams", team_body(&format!("Team {i}"))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = HashSet::new();
    let mut pages = 0;
    let mut path = "/api/v1/teams?limit=3".to_string();
    loop {
        let (status, page) = t.get(&tenant.admin, &path).await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        for team in page["data"].as_array().unwrap() {
            assert!(seen.insert(team["id"].as_str().unwrap().to_string()), "seen twice");
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/teams?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (7, 3));
    let (status, body) = t.get(&tenant.admin, "/api/v1/teams?cursor=garbage!").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["cursor"].is_string());
}

on_both_backends!(
    user_lifecycle,
    team_and_role_lifecycle,
    tokens_are_shown_once_scoped_and_revocable,
    cursor_pagination_visits_every_item_once
);
