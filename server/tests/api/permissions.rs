//! The permission matrix: every endpoint × every built-in role, from ONE table. The table is
//! checked against the OpenAPI document, so an endpoint without an entry fails this test.

use crate::on_both_backends;
use crate::support::{Caller, Tenant, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use switchboard_app::{Actor, SignIn};
use switchboard_domain::conversations::{AssignInput, ContactInput, NewChannelInput, NewConversationInput};
use switchboard_domain::kb_requests::{ArticleInput, CategoryInput, FaqInput};
use switchboard_domain::requests::{NewTokenInput, NewUserInput, RoleInput, TeamInput};
use switchboard_domain::routing::rules::{RoutingRuleInput, RuleActions};
use switchboard_store::repo::queue;

/// (method, path, agent, supervisor, admin): may that role call it?
const MATRIX: &[(&str, &str, bool, bool, bool)] = &[
    ("GET", "/api/v1/account", true, true, true),
    ("PATCH", "/api/v1/account", false, false, true),
    ("GET", "/api/v1/me", true, true, true),
    ("PATCH", "/api/v1/me", true, true, true),
    ("GET", "/api/v1/me/sessions", true, true, true),
    ("DELETE", "/api/v1/me/sessions/{id}", true, true, true),
    ("GET", "/api/v1/users", true, true, true),
    ("POST", "/api/v1/users", false, false, true),
    ("GET", "/api/v1/users/{id}", true, true, true),
    ("PATCH", "/api/v1/users/{id}", false, false, true),
    ("POST", "/api/v1/users/{id}/password", false, false, true),
    ("GET", "/api/v1/teams", true, true, true),
    ("POST", "/api/v1/teams", false, false, true),
    ("GET", "/api/v1/teams/{id}", true, true, true),
    ("PATCH", "/api/v1/teams/{id}", false, false, true),
    ("DELETE", "/api/v1/teams/{id}", false, false, true),
    ("GET", "/api/v1/roles", false, true, true),
    ("POST", "/api/v1/roles", false, false, true),
    ("GET", "/api/v1/roles/{id}", false, true, true),
    ("PATCH", "/api/v1/roles/{id}", false, false, true),
    ("DELETE", "/api/v1/roles/{id}", false, false, true),
    ("GET", "/api/v1/permissions", true, true, true),
    ("GET", "/api/v1/tokens", true, true, true),
    ("POST", "/api/v1/tokens", true, true, true),
    ("DELETE", "/api/v1/tokens/{id}", true, true, true),
    ("GET", "/api/v1/audit", false, false, true),
    ("GET", "/api/v1/audit/export.csv", false, false, true),
    ("GET", "/api/v1/channels", true, true, true),
    ("POST", "/api/v1/channels", false, false, true),
    ("GET", "/api/v1/channels/{id}", true, true, true),
    ("PATCH", "/api/v1/channels/{id}", false, false, true),
    ("POST", "/api/v1/channels/{id}/secret", false, false, true),
    ("GET", "/api/v1/contacts/{id}", true, true, true),
    ("POST", "/api/v1/conversations/{id}/read", true, true, true),
    ("GET", "/api/v1/presence", true, true, true),
    ("POST", "/api/v1/attachments", true, true, true),
    ("GET", "/api/v1/conversations/{id}/suggestions", true, true, true),
    ("GET", "/api/v1/quick-replies", true, true, true),
    ("POST", "/api/v1/quick-replies", true, true, true),
    ("PATCH", "/api/v1/quick-replies/{id}", true, true, true),
    ("DELETE", "/api/v1/quick-replies/{id}", true, true, true),
    ("GET", "/api/v1/conversations", true, true, true),
    ("POST", "/api/v1/conversations", true, true, true),
    ("GET", "/api/v1/conversations/{id}", true, true, true),
    ("GET", "/api/v1/conversations/{id}/messages", true, true, true),
    ("POST", "/api/v1/conversations/{id}/messages", true, true, true),
    ("POST", "/api/v1/conversations/{id}/assign", true, true, true),
    ("POST", "/api/v1/conversations/{id}/resolve", true, true, true),
    ("POST", "/api/v1/conversations/{id}/reopen", true, true, true),
    ("GET", "/api/v1/kb/categories", true, true, true),
    ("POST", "/api/v1/kb/categories", false, true, true),
    ("POST", "/api/v1/kb/categories/reorder", false, true, true),
    ("GET", "/api/v1/kb/categories/{id}", true, true, true),
    ("PATCH", "/api/v1/kb/categories/{id}", false, true, true),
    ("DELETE", "/api/v1/kb/categories/{id}", false, true, true),
    ("GET", "/api/v1/kb/articles", true, true, true),
    ("POST", "/api/v1/kb/articles", false, true, true),
    ("GET", "/api/v1/kb/articles/{id}", true, true, true),
    ("PATCH", "/api/v1/kb/articles/{id}", false, true, true),
    ("DELETE", "/api/v1/kb/articles/{id}", false, true, true),
    ("POST", "/api/v1/kb/articles/{id}/publish", false, true, true),
    ("POST", "/api/v1/kb/articles/{id}/archive", false, true, true),
    ("POST", "/api/v1/kb/articles/{id}/feedback", true, true, true),
    ("POST", "/api/v1/kb/articles/{id}/view", true, true, true),
    ("GET", "/api/v1/kb/articles/{id}/versions", true, true, true),
    ("GET", "/api/v1/kb/articles/{id}/versions/{version}", true, true, true),
    ("POST", "/api/v1/kb/articles/{id}/versions/{version}/restore", false, true, true),
    ("POST", "/api/v1/kb/articles/preview", false, true, true),
    ("GET", "/api/v1/kb/faq", true, true, true),
    ("POST", "/api/v1/kb/faq", false, true, true),
    ("POST", "/api/v1/kb/faq/import", false, true, true),
    ("GET", "/api/v1/kb/faq/export", false, true, true),
    ("GET", "/api/v1/kb/faq/{id}", true, true, true),
    ("PATCH", "/api/v1/kb/faq/{id}", false, true, true),
    ("DELETE", "/api/v1/kb/faq/{id}", false, true, true),
    ("GET", "/api/v1/kb/faq/{id}/versions", true, true, true),
    ("GET", "/api/v1/kb/faq/{id}/versions/{version}", true, true, true),
    ("POST", "/api/v1/kb/faq/{id}/versions/{version}/restore", false, true, true),
    ("GET", "/api/v1/kb/search", true, true, true),
    ("GET", "/api/v1/routing/settings", false, true, true),
    ("PUT", "/api/v1/routing/settings", false, false, true),
    ("GET", "/api/v1/routing/rules", false, true, true),
    ("POST", "/api/v1/routing/rules", false, false, true),
    ("PATCH", "/api/v1/routing/rules/{id}", false, false, true),
    ("DELETE", "/api/v1/routing/rules/{id}", false, false, true),
    ("POST", "/api/v1/routing/rules/test", false, false, true),
    ("GET", "/api/v1/routing/teams", true, true, true),
    ("PATCH", "/api/v1/routing/teams/{id}", false, false, true),
    ("PUT", "/api/v1/routing/agents/{id}/capacity", false, false, true),
    ("GET", "/api/v1/routing/board", false, true, true),
    ("GET", "/api/v1/routing/presence-report", false, true, true),
    ("PUT", "/api/v1/presence/me", true, true, true),
    ("POST", "/api/v1/conversations/{id}/transfer", true, true, true),
    ("POST", "/api/v1/conversations/{id}/offer/accept", true, true, true),
    ("POST", "/api/v1/conversations/{id}/offer/decline", true, true, true),
    ("GET", "/api/v1/conversations/{id}/queue", true, true, true),
    ("PATCH", "/api/v1/contacts/{id}/routing", false, true, true),
    ("GET", "/api/v1/bot/unanswered", false, true, true),
    ("GET", "/api/v1/bot/unanswered/{id}", false, true, true),
    ("POST", "/api/v1/bot/unanswered/{id}/dismiss", false, true, true),
    ("POST", "/api/v1/bot/unanswered/{id}/faq", false, true, true),
    ("GET", "/api/v1/search/messages", true, true, true),
    ("GET", "/api/v1/search/contacts", true, true, true),
];

/// An open item on the bot's list of unanswered questions (written as the bot would).
pub async fn unanswered_item(t: &TestApp, tenant: &Tenant, question: &str) -> String {
    let id = t.app.db().new_id();
    let at = switchboard_store::now_ms();
    let key = question.to_lowercase().replace('?', "");
    t.sql(&format!(
        "INSERT INTO bot_unanswered (account_id, id, kind, reason, question, question_key, guesses, occurrences, \
         conversation_id, status, first_seen, last_seen) VALUES ({}, {id}, 'unanswered', 'no_match', '{question}', \
         '{key}', '[]', 1, 1, 'open', {at}, {at})",
        tenant.account_id
    ))
    .await;
    id.to_string()
}

/// A channel of the tenant, for conversation fixtures.
async fn channel(t: &TestApp, tenant: &Tenant) -> String {
    let system = Actor::system(tenant.account_id, "test");
    let input = NewChannelInput { name: Some(format!("Channel {}", rand::random::<u32>())), kind: Some("api".into()) };
    t.app.create_channel(&system, &input).await.unwrap().id.to_string()
}

/// A conversation of the tenant assigned to `caller` (so every role's data scope includes it),
/// resolved when `resolved`.
pub async fn conversation_for(t: &TestApp, tenant: &Tenant, caller: &Caller, resolved: bool) -> String {
    let system = Actor::system(tenant.account_id, "test");
    let input = NewConversationInput {
        channel_id: Some(channel(t, tenant).await.parse().unwrap()),
        contact: Some(ContactInput {
            name: Some("王小明".into()),
            email: Some("xm@example.com".into()),
            ..Default::default()
        }),
        message: Some("我的快递还没到".into()),
        ..Default::default()
    };
    let (conversation, _) = t.app.create_conversation(&system, &input).await.unwrap();
    let assign = AssignInput { assignee_id: Some(caller.user_id.parse().unwrap()), ..Default::default() };
    t.app.assign_conversation(&system, conversation.id, &assign).await.unwrap();
    if resolved {
        t.app.resolve_conversation(&system, conversation.id).await.unwrap();
    }
    conversation.id.to_string()
}

/// Replaces the path parameters of a documented path (`{id}` with `id`, `{version}` with 1) and
/// adds the query a endpoint cannot do without.
pub fn fill(path: &str, id: &str) -> String {
    let url = path.replace("{id}", id).replace("{version}", "1");
    if url.ends_with("/kb/search") || url.contains("/search/") {
        format!("{url}?q=refund")
    } else if url.ends_with("/attachments") {
        format!("{url}?conversation_id={id}&name=note.txt")
    } else if url.ends_with("/presence-report") {
        format!("{url}?date=2026-11-21")
    } else {
        url
    }
}

/// Every (method, path) of the OpenAPI document.
pub async fn documented_endpoints(t: &TestApp) -> BTreeSet<(String, String)> {
    let doc: Value = t.client.get(t.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut endpoints = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                endpoints.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    endpoints
}

/// Fresh objects for one call: the id that `{id}` stands for, and a valid body.
pub async fn target(
    t: &TestApp,
    tenant: &Tenant,
    caller: &Caller,
    method: &str,
    path: &str,
) -> (String, Option<Value>) {
    let system = Actor::system(tenant.account_id, "test");
    let n: u32 = rand::random();
    let id = if path.starts_with("/api/v1/users/") {
        let input = NewUserInput {
            name: Some("Target".into()),
            email: Some(format!("target{n}@x.test")),
            password: Some("target-password".into()),
            ..Default::default()
        };
        t.app.create_user(&system, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/teams/") {
        t.app
            .create_team(&system, &TeamInput { name: Some(format!("Team {n}")), ..Default::default() })
            .await
            .unwrap()
            .id
            .to_string()
    } else if path.starts_with("/api/v1/roles/") {
        t.app
            .create_role(&system, &RoleInput { name: Some(format!("Role {n}")), ..Default::default() })
            .await
            .unwrap()
            .id
            .to_string()
    } else if path.starts_with("/api/v1/tokens/") {
        // A second token of the caller's own, so revoking it leaves the caller signed in.
        let input = NewTokenInput {
            name: Some("spare".into()),
            user_id: Some(caller.user_id.parse().unwrap()),
            ..Default::default()
        };
        t.app.create_token(&system, &input).await.unwrap().token.id.to_string()
    } else if path.contains("/offer/") || path.ends_with("/queue") {
        // Waiting in a team's queue, and for an offer offered to the caller.
        let id = conversation_for(t, tenant, caller, false).await;
        // A team of the caller's, so the waiting conversation is in every role's data scope.
        let members = Some(vec![caller.user_id.parse().unwrap()]);
        let input = TeamInput { name: Some(format!("Queue {n}")), member_ids: members, ..Default::default() };
        let team = t.app.create_team(&system, &input).await.unwrap().id;
        let conversation = id.parse().unwrap();
        let mut tx = t.app.db().begin().await.unwrap();
        queue::enqueue(&mut tx, tenant.account_id, conversation, team, 10, 1).await.unwrap();
        if path.contains("/offer/") {
            let caller_id = caller.user_id.parse().unwrap();
            queue::offer(&mut tx, tenant.account_id, conversation, caller_id, i64::MAX / 2).await.unwrap();
        }
        tx.commit().await.unwrap();
        id
    } else if path.starts_with("/api/v1/conversations/") || path == "/api/v1/attachments" {
        conversation_for(t, tenant, caller, path.ends_with("/reopen")).await
    } else if path.starts_with("/api/v1/routing/rules/") {
        let input = RoutingRuleInput {
            name: Some(format!("Rule {n}")),
            actions: Some(RuleActions { add_tags: vec!["vip".into()], ..Default::default() }),
            ..Default::default()
        };
        t.app.save_routing_rule(&system, None, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/routing/teams/") {
        let input = TeamInput { name: Some(format!("Team {n}")), ..Default::default() };
        t.app.create_team(&system, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/routing/agents/") {
        caller.user_id.clone()
    } else if path.starts_with("/api/v1/channels/") {
        let input = NewChannelInput { name: Some(format!("Widget {n}")), kind: Some("web_widget".into()) };
        t.app.create_channel(&system, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/quick-replies/") {
        let body = json!({ "shortcut": format!("s{n}"), "title": "Hello", "body": "您好 {{contact.name}}" });
        let (_, created) = t.post(caller, "/api/v1/quick-replies", body).await;
        created["id"].as_str().unwrap_or_default().to_string()
    } else if path.starts_with("/api/v1/contacts/") {
        let conversation = conversation_for(t, tenant, caller, false).await;
        t.app.get_conversation(&system, conversation.parse().unwrap()).await.unwrap().contact_id.to_string()
    } else if path.starts_with("/api/v1/kb/categories/") && path.contains("{id}") {
        let input = CategoryInput { name: Some(format!("Category {n}")), ..Default::default() };
        t.app.create_kb_category(&system, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/kb/articles/") {
        let input = ArticleInput {
            title: Some(format!("Article {n}")),
            body: Some("Returns within **7 days**.".into()),
            ..Default::default()
        };
        t.app.create_kb_article(&system, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/kb/faq/") && path.contains("{id}") {
        let input = FaqInput {
            question: Some(format!("Question {n}?")),
            answer: Some("An answer.".into()),
            ..Default::default()
        };
        t.app.create_kb_faq(&system, &input).await.unwrap().id.to_string()
    } else if path.starts_with("/api/v1/bot/unanswered/") {
        unanswered_item(t, tenant, &format!("Question {n}?")).await
    } else if path.starts_with("/api/v1/me/sessions/") {
        let email = t.app.get_user(&system, caller.user_id.parse().unwrap()).await.unwrap().email;
        let password = format!("{}-password-1", email.split('@').next().unwrap());
        let attempt = SignIn {
            account: tenant.slug.clone(),
            email,
            password,
            ip: format!("10.9.{}.{}", n % 250, n % 200),
            user_agent: "t".into(),
        };
        t.app.sign_in(&attempt).await.unwrap().session_id.to_string()
    } else {
        String::new()
    };
    let body = match (method, path) {
        ("PATCH", "/api/v1/account") => Some(json!({ "name": "Renamed" })),
        ("PATCH", "/api/v1/me") => Some(json!({ "name": "Me Renamed" })),
        ("POST", "/api/v1/users") => {
            Some(json!({ "name": "New", "email": format!("new{n}@x.test"), "password": "new-password-1" }))
        }
        ("PATCH", "/api/v1/users/{id}") => Some(json!({ "name": "Changed" })),
        ("POST", "/api/v1/users/{id}/password") => Some(json!({ "password": "another-password" })),
        ("POST", "/api/v1/teams") => Some(json!({ "name": format!("New team {n}") })),
        ("PATCH", "/api/v1/teams/{id}") => Some(json!({ "description": "changed" })),
        ("POST", "/api/v1/roles") => Some(json!({ "name": format!("New role {n}"), "permissions": ["users.read"] })),
        ("PATCH", "/api/v1/roles/{id}") => Some(json!({ "permissions": ["teams.read"] })),
        ("POST", "/api/v1/tokens") => Some(json!({ "name": "made in test" })),
        ("POST", "/api/v1/channels") => Some(json!({ "name": format!("Channel {n}"), "kind": "api" })),
        ("POST", "/api/v1/conversations") => Some(json!({
            "channel_id": channel(t, tenant).await,
            "contact": { "name": "Lisa", "email": "lisa@example.com" },
            "message": "Where is my parcel?"
        })),
        ("POST", "/api/v1/conversations/{id}/messages") => {
            Some(json!({ "text": "您好，我来帮您查一下", "client_id": format!("c-{n}") }))
        }
        ("POST", "/api/v1/conversations/{id}/assign") => Some(json!({ "assignee_id": caller.user_id })),
        ("POST", "/api/v1/conversations/{id}/read") => Some(json!({ "seq": 1 })),
        ("POST", "/api/v1/quick-replies") => Some(json!({ "shortcut": format!("q{n}"), "title": "Hi", "body": "Hi" })),
        ("PATCH", "/api/v1/quick-replies/{id}") => Some(json!({ "title": "Changed" })),
        ("PATCH", "/api/v1/channels/{id}") => Some(json!({ "settings": { "greeting": "您好" } })),
        ("POST", "/api/v1/kb/categories") => Some(json!({ "name": format!("Category {n}") })),
        ("POST", "/api/v1/kb/categories/reorder") => {
            let input = CategoryInput { name: Some(format!("Sorted {n}")), ..Default::default() };
            let id = t.app.create_kb_category(&system, &input).await.unwrap().id;
            Some(json!({ "ids": [id] }))
        }
        ("PATCH", "/api/v1/kb/categories/{id}") => Some(json!({ "name": format!("Renamed {n}") })),
        ("POST", "/api/v1/kb/articles") => Some(json!({ "title": format!("New article {n}"), "body": "# Hi" })),
        ("PATCH", "/api/v1/kb/articles/{id}") => Some(json!({ "body": "Changed body" })),
        ("POST", "/api/v1/kb/articles/preview") => Some(json!({ "body": "# Hi <script>x()</script>" })),
        ("POST", "/api/v1/kb/articles/{id}/feedback") => Some(json!({ "helpful": true })),
        ("POST", "/api/v1/kb/faq") => Some(json!({ "question": format!("New question {n}?"), "answer": "Yes." })),
        ("POST", "/api/v1/kb/faq/import") => Some(
            json!({ "id": format!("ext-{n}"), "category": "orders", "question": "Q?", "answer": "A.", "lang": "en" }),
        ),
        ("PATCH", "/api/v1/kb/faq/{id}") => Some(json!({ "answer": "Changed answer." })),
        ("PUT", "/api/v1/routing/settings") => Some(json!({ "default_capacity": 4 })),
        ("POST", "/api/v1/routing/rules") | ("PATCH", "/api/v1/routing/rules/{id}") => {
            Some(json!({ "name": format!("Rule {n}"), "conditions": [{ "kind": "vip_level", "at_least": 1 }],
                "actions": { "priority": "high", "add_tags": ["vip"] } }))
        }
        ("POST", "/api/v1/routing/rules/test") => Some(json!({ "vip_level": 2 })),
        ("PATCH", "/api/v1/routing/teams/{id}") => Some(json!({ "routing": { "policy": "round_robin" } })),
        ("PUT", "/api/v1/routing/agents/{id}/capacity") => Some(json!({ "capacity": 3 })),
        ("PUT", "/api/v1/presence/me") => Some(json!({ "state": "busy" })),
        ("POST", "/api/v1/conversations/{id}/transfer") => {
            let input = TeamInput { name: Some(format!("To {n}")), ..Default::default() };
            let team = t.app.create_team(&system, &input).await.unwrap().id;
            Some(json!({ "to_team_id": team, "note": "客户要求退款，请跟进" }))
        }
        ("PATCH", "/api/v1/contacts/{id}/routing") => Some(json!({ "vip_level": 2, "tags": ["wholesale"] })),
        ("POST", "/api/v1/bot/unanswered/{id}/faq") => Some(json!({ "mode": "new", "answer": "Yes." })),
        _ => None,
    };
    (id, body)
}

async fn every_endpoint_by_every_role(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let table: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, ..)| (m.to_string(), p.to_string())).collect();
    let documented = documented_endpoints(&t).await;
    let missing: Vec<_> = documented.difference(&table).collect();
    let stale: Vec<_> = table.difference(&documented).collect();
    assert!(missing.is_empty(), "endpoints without a permission-matrix entry: {missing:?}");
    assert!(stale.is_empty(), "matrix entries for endpoints that do not exist: {stale:?}");
    for (method, path, agent, supervisor, admin) in MATRIX {
        for (role, caller, allowed) in [
            ("agent", &tenant.agent, agent),
            ("supervisor", &tenant.supervisor, supervisor),
            ("admin", &tenant.admin, admin),
        ] {
            let (id, body) = target(&t, &tenant, caller, method, path).await;
            let url = fill(path, &id);
            let response = if *path == "/api/v1/attachments" {
                // An upload's body is the file itself.
                let request = t.client.post(t.url(&url)).bearer_auth(&caller.token);
                request.header("content-type", "text/plain").body("请看附件").send().await.unwrap()
            } else {
                t.call(caller, Method::from_bytes(method.as_bytes()).unwrap(), &url, body).await
            };
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if *allowed {
                assert!(status.is_success(), "{role} {method} {path}: expected success, got {status} {text}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}: expected 403, got {text}");
                assert_eq!(code(&serde_json::from_str(&text).unwrap_or(Value::Null)), "forbidden");
            }
        }
    }
}

on_both_backends!(every_endpoint_by_every_role);
