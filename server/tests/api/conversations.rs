//! Conversations through the API: idempotent sends with gapless sequences, data scopes,
//! assignment rights, status changes, first-response time, events and bad input.

use crate::on_both_backends;
use crate::support::{Caller, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn new_conversation(t: &TestApp, admin: &Caller, team: Option<&str>) -> String {
    let (_, channel) = t
        .post(admin, "/api/v1/channels", json!({ "name": format!("API {}", rand::random::<u32>()), "kind": "api" }))
        .await;
    let mut body = json!({
        "channel_id": channel["id"],
        "contact": { "name": "王小明", "external_id": "crm-42" },
        "message": "我买的耳机还没发货",
        "priority": "high",
        "tags": ["Shipping", "vip"]
    });
    if let Some(team) = team {
        body["team_id"] = json!(team);
    }
    let (status, created) = t.post(admin, "/api/v1/conversations", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["conversation"]["id"].as_str().unwrap().to_string()
}

async fn sends_are_idempotent_and_sequences_gapless(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let mut events = t.app.subscribe_events();
    let id = new_conversation(&t, &tenant.admin, None).await;
    let (_, conversation) = t.get(&tenant.admin, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(conversation["tags"], json!(["shipping", "vip"]));
    assert_eq!(conversation["priority"], "high");
    assert!(conversation["first_response_at"].is_null());
    let send = json!({ "text": "您好，我来帮您查 <b>一下</b>", "client_id": "c-1" });
    let (first, reply) = t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/messages"), send.clone()).await;
    assert_eq!(first, StatusCode::CREATED);
    assert_eq!(reply["seq"], 2);
    // The same client id again (a retry after a lost answer): the stored message, nothing new.
    let (again, same) = t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/messages"), send).await;
    assert_eq!(again, StatusCode::OK);
    assert_eq!(same["id"], reply["id"]);
    let (_, note) = t
        .post(
            &tenant.admin,
            &format!("/api/v1/conversations/{id}/messages"),
            json!({ "text": "客户很着急", "private": true }),
        )
        .await;
    assert_eq!(note["seq"], 3);
    let (_, all) = t.get(&tenant.admin, &format!("/api/v1/conversations/{id}/messages")).await;
    let seqs: Vec<i64> = all.as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(all[0]["author_kind"], "customer");
    assert_eq!(all[1]["text"], "您好，我来帮您查 <b>一下</b>", "text is stored as written; escaping is the UI's job");
    let (_, after) = t.get(&tenant.admin, &format!("/api/v1/conversations/{id}/messages?after_seq=2")).await;
    assert_eq!(after.as_array().unwrap().len(), 1);
    let (_, conversation) = t.get(&tenant.admin, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(conversation["last_seq"], 3);
    assert!(conversation["first_response_at"].is_string());
    // The same contact (by external id) is found, not duplicated.
    let other = new_conversation(&t, &tenant.admin, None).await;
    let (_, second) = t.get(&tenant.admin, &format!("/api/v1/conversations/{other}")).await;
    assert_eq!(second["contact_id"], conversation["contact_id"]);
    // Each write is an event, in order.
    let mut topics = Vec::new();
    while topics.len() < 4 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
        if event.account_id == tenant.account_id
            && (event.topic.starts_with("conversation.") || event.topic.starts_with("message."))
        {
            topics.push(event.topic.clone());
        }
    }
    assert_eq!(topics, ["conversation.created", "message.created", "message.created", "message.created"]);
}

async fn agents_see_their_own_and_their_teams_waiting_conversations(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (_, sales) = t
        .post(
            &tenant.admin,
            "/api/v1/teams",
            json!({ "name": "Sales", "member_ids": [tenant.agent.user_id, tenant.supervisor.user_id] }),
        )
        .await;
    let (_, support) = t.post(&tenant.admin, "/api/v1/teams", json!({ "name": "Support" })).await;
    let sales = sales["id"].as_str().unwrap().to_string();
    let support = support["id"].as_str().unwrap().to_string();
    let waiting_in_sales = new_conversation(&t, &tenant.admin, Some(&sales)).await;
    let in_support = new_conversation(&t, &tenant.admin, Some(&support)).await;
    let taken_in_sales = new_conversation(&t, &tenant.admin, Some(&sales)).await;
    let (_, other_agent) = t
        .post(
            &tenant.admin,
            "/api/v1/users",
            json!({ "name": "Bo", "email": "bo@acme.test", "password": "bo-password-1", "team_ids": [sales] }),
        )
        .await;
    let (status, _) = t
        .post(
            &tenant.admin,
            &format!("/api/v1/conversations/{taken_in_sales}/assign"),
            json!({ "assignee_id": other_agent["id"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids = |page: &Value| -> Vec<String> {
        page["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
    };

    let (_, agent_view) = t.get(&tenant.agent, "/api/v1/conversations").await;
    assert_eq!(ids(&agent_view), std::slice::from_ref(&waiting_in_sales));
    assert_eq!(t.get(&tenant.agent, &format!("/api/v1/conversations/{in_support}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&tenant.agent, &format!("/api/v1/conversations/{taken_in_sales}/messages")).await.0,
        StatusCode::NOT_FOUND
    );
    let reply = json!({ "text": "hi" });
    assert_eq!(
        t.post(&tenant.agent, &format!("/api/v1/conversations/{in_support}/messages"), reply).await.0,
        StatusCode::NOT_FOUND
    );

    let (_, supervisor_view) = t.get(&tenant.supervisor, "/api/v1/conversations").await;
    assert_eq!(ids(&supervisor_view), [taken_in_sales.clone(), waiting_in_sales.clone()]);
    let (_, admin_view) = t.get(&tenant.admin, "/api/v1/conversations").await;
    assert_eq!(ids(&admin_view).len(), 3);
    let (_, unassigned) = t.get(&tenant.admin, "/api/v1/conversations?unassigned=true").await;
    assert_eq!(ids(&unassigned).len(), 2);

    // An agent may take a waiting conversation, but not give it to someone else.
    let mine = json!({ "assignee_id": tenant.agent.user_id });
    let (status, taken) =
        t.post(&tenant.agent, &format!("/api/v1/conversations/{waiting_in_sales}/assign"), mine).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(taken["assignee_id"], tenant.agent.user_id.as_str());
    let theirs = json!({ "assignee_id": other_agent["id"] });
    let (status, body) =
        t.post(&tenant.agent, &format!("/api/v1/conversations/{waiting_in_sales}/assign"), theirs.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        t.post(&tenant.supervisor, &format!("/api/v1/conversations/{waiting_in_sales}/assign"), theirs).await.0,
        StatusCode::OK
    );
    let (status, body) = t
        .post(
            &tenant.supervisor,
            &format!("/api/v1/conversations/{waiting_in_sales}/assign"),
            json!({ "team_id": "999" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["team_id"].is_string());
}

async fn status_changes_and_bad_input(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let id = new_conversation(&t, &tenant.admin, None).await;
    let (status, resolved) = t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/resolve"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resolved["status"], "resolved");
    assert!(resolved["resolved_at"].is_string());
    let (status, body) = t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/resolve"), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["status"].is_string());
    let (_, reopened) = t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/reopen"), json!({})).await;
    assert_eq!(reopened["status"], "open");
    assert!(reopened["resolved_at"].is_null());
    let (_, filtered) = t.get(&tenant.admin, "/api/v1/conversations?status=resolved").await;
    assert_eq!(filtered["data"].as_array().unwrap().len(), 0);

    let too_long = json!({ "text": "字".repeat(10_001) });
    let (status, body) = t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/messages"), too_long).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["text"].as_str().unwrap().contains("10000"));
    let (status, body) =
        t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/messages"), json!({ "text": "  " })).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    let (status, body) =
        t.post(&tenant.admin, "/api/v1/conversations", json!({ "channel_id": "123", "contact": {} })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["contact.name"].is_string());
    let (status, body) = t
        .post(&tenant.admin, "/api/v1/conversations", json!({ "channel_id": "123", "contact": { "name": "x" } }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["fields"]["channel_id"], "no such channel");
    let (status, body) = t.get(&tenant.admin, &format!("/api/v1/conversations/{id}/messages?after_seq=-1")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["after_seq"].is_string());
    // The messages accepted before the bad requests are all still there.
    let (_, messages) = t.get(&tenant.admin, &format!("/api/v1/conversations/{id}/messages")).await;
    assert_eq!(messages.as_array().unwrap().len(), 1);
}

async fn integrators_relay_customer_messages_and_lists_have_views(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let admin = &tenant.admin;
    let id = new_conversation(&t, admin, None).await;
    t.post(admin, &format!("/api/v1/conversations/{id}/resolve"), json!({})).await;
    let body = json!({ "from_customer": true, "text": "还在吗？", "client_id": "crm-msg-2" });
    let (status, message) = t.post(admin, &format!("/api/v1/conversations/{id}/messages"), body).await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    assert_eq!((message["author_kind"].as_str(), message["author_name"].as_str()), (Some("customer"), Some("王小明")));
    let (_, conversation) = t.get(admin, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(conversation["status"], "open", "a customer's message reopens it");
    assert_eq!(conversation["last_message"], "还在吗？");
    let note = json!({ "from_customer": true, "private": true, "text": "x" });
    let (status, _) = t.post(admin, &format!("/api/v1/conversations/{id}/messages"), note).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, widget) = t.post(admin, "/api/v1/channels", json!({ "name": "Site", "kind": "web_widget" })).await;
    let body = json!({ "channel_id": widget["id"], "contact": { "name": "Ann" }, "message": "hi" });
    let (_, created) = t.post(admin, "/api/v1/conversations", body).await;
    let on_widget = format!("/api/v1/conversations/{}/messages", created["conversation"]["id"].as_str().unwrap());
    let (status, body) = t.post(admin, &on_widget, json!({ "from_customer": true, "text": "spoofed" })).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    // Views: mine, unassigned, my teams.
    t.post(admin, &format!("/api/v1/conversations/{id}/assign"), json!({ "assignee_id": admin.user_id })).await;
    let ids = |v: &Value| {
        v["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let (_, mine) = t.get(admin, "/api/v1/conversations?view=mine").await;
    assert_eq!(ids(&mine), vec![id.clone()]);
    let (_, unassigned) = t.get(admin, "/api/v1/conversations?view=unassigned").await;
    assert!(!ids(&unassigned).contains(&id) && !ids(&unassigned).is_empty());
    let (_, teams) = t.get(admin, "/api/v1/conversations?view=teams").await;
    assert!(ids(&teams).is_empty(), "the admin is in no team: {teams}");
    let (status, bad) = t.get(admin, "/api/v1/conversations?view=everything").await;
    assert_eq!((status, code(&bad)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
}

on_both_backends!(
    integrators_relay_customer_messages_and_lists_have_views,
    sends_are_idempotent_and_sequences_gapless,
    agents_see_their_own_and_their_teams_waiting_conversations,
    status_changes_and_bad_input,
);
