//! Routing end to end through the API: rules and their refusals, queues with presence and capacity,
//! VIP before others, transfers with a note, offers declined and timed out, overflow, inactivity.

use crate::on_both_backends;
use crate::realtime::{Socket, next, send};
use crate::support::{Caller, TestApp, code};
use serde_json::{Value, json};
use std::time::Duration;
use switchboard_app::SignIn;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Opens the workspace as `role` of `slug` would (a signed-in session): the agent is present, so
/// routing may give them conversations.
pub async fn open_workspace(t: &TestApp, slug: &str, role: &str) -> Socket {
    open_session(t, slug, role, json!({ "type": "hello", "ref": "h", "auth": { "kind": "session" } })).await
}

/// A signed-in session's socket that said `hello`, answered `welcome`.
pub async fn open_session(t: &TestApp, slug: &str, role: &str, hello: Value) -> Socket {
    let attempt = SignIn {
        account: slug.into(),
        email: format!("{role}@{slug}.test"),
        password: format!("{role}-password-1"),
        ip: "10.1.2.3".into(),
        user_agent: "routing test".into(),
    };
    let signed_in = t.app.sign_in(&attempt).await.expect("sign in");
    let url = format!("{}/ws?csrf={}", t.base.replace("http://", "ws://"), signed_in.csrf_token);
    let mut request = url.into_client_request().expect("request");
    let cookie = format!("{}={}", switchboard_web::SESSION_COOKIE, signed_in.session_secret);
    request.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    send(&mut socket, hello).await;
    let welcome = next(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    socket
}

pub async fn team(t: &TestApp, admin: &Caller, name: &str, members: &[&Caller]) -> String {
    let ids: Vec<&str> = members.iter().map(|m| m.user_id.as_str()).collect();
    let (status, team) = t.post(admin, "/api/v1/teams", json!({ "name": name, "member_ids": ids })).await;
    assert_eq!(status, 201, "{team}");
    team["id"].as_str().unwrap().to_string()
}

/// A new conversation from `email` on `channel`; its id.
pub async fn arrive(t: &TestApp, admin: &Caller, channel: &str, email: &str) -> String {
    let body = json!({ "channel_id": channel, "contact": { "name": email, "email": email }, "message": "在吗？" });
    let (status, created) = t.post(admin, "/api/v1/conversations", body).await;
    assert_eq!(status, 201, "{created}");
    created["conversation"]["id"].as_str().unwrap().to_string()
}

/// Waits (up to ten seconds) until the conversation satisfies `done`; returns it.
pub async fn wait_for(t: &TestApp, caller: &Caller, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        let (_, conversation) = t.get(caller, &format!("/api/v1/conversations/{id}")).await;
        if done(&conversation) {
            return conversation;
        }
        last = conversation;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("conversation {id} never got there: {last}");
}

async fn rules_queues_capacity_vip_and_transfer(t: TestApp) {
    let acme = t.tenant("acme").await;
    let (admin, agent, supervisor) = (&acme.admin, &acme.agent, &acme.supervisor);
    let general = team(&t, admin, "General", &[agent]).await;
    let vip = team(&t, admin, "VIP", &[supervisor]).await;
    let gone = team(&t, admin, "Gone", &[]).await;
    t.delete(admin, &format!("/api/v1/teams/{gone}")).await;

    // Rules naming what does not exist are refused with the field.
    let bad_team = json!({ "name": "x", "actions": { "team_id": gone } });
    let (status, body) = t.post(admin, "/api/v1/routing/rules", bad_team).await;
    assert_eq!((status.as_u16(), code(&body)), (422, "validation_failed"), "{body}");
    assert!(body["error"]["fields"]["actions.team_id"].as_str().unwrap().contains("no such team"), "{body}");
    let bad_field = json!({ "name": "x", "conditions": [{ "kind": "prechat", "key": "order_no", "op": "equals",
        "value": "1" }], "actions": { "add_tags": ["x"] } });
    let (status, body) = t.post(admin, "/api/v1/routing/rules", bad_field).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["conditions[0]"].as_str().unwrap().contains("order_no"), "{body}");

    let (status, settings) = t
        .json(admin, reqwest::Method::PUT, "/api/v1/routing/settings", Some(json!({ "default_team_id": general })))
        .await;
    assert_eq!(status, 200, "{settings}");
    let rule = json!({ "name": "VIP first", "conditions": [{ "kind": "vip_level", "at_least": 1 }],
        "actions": { "team_id": vip, "priority": "high", "add_tags": ["vip"] } });
    let (status, rule) = t.post(admin, "/api/v1/routing/rules", rule).await;
    assert_eq!(status, 201, "{rule}");
    let (_, tried) = t.post(admin, "/api/v1/routing/rules/test", json!({ "vip_level": 2 })).await;
    assert_eq!((tried["team_id"].as_str(), tried["priority"].as_str()), (Some(vip.as_str()), Some("high")), "{tried}");
    let (_, tried) = t.post(admin, "/api/v1/routing/rules/test", json!({})).await;
    assert_eq!((tried["team_id"].as_str(), tried["default_team"].as_bool()), (Some(general.as_str()), Some(true)));
    // A team routing still uses cannot be deleted.
    let (status, refused) = t.delete(admin, &format!("/api/v1/teams/{vip}")).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["error"]["fields"]["team"].as_str().unwrap().contains("VIP first"), "{refused}");

    // Nobody online: conversations wait in line, first come first served.
    let (_, channel) = t.post(admin, "/api/v1/channels", json!({ "name": "App", "kind": "api" })).await;
    let channel = channel["id"].as_str().unwrap().to_string();
    let first = arrive(&t, admin, &channel, "a@example.com").await;
    let second = arrive(&t, admin, &channel, "b@example.com").await;
    let (_, place) = t.get(admin, &format!("/api/v1/conversations/{second}/queue")).await;
    assert_eq!((place["team_id"].as_str(), place["position"].as_i64()), (Some(general.as_str()), Some(2)), "{place}");

    // The agent may hold one conversation; going online takes the first in line only.
    let capacity = json!({ "capacity": 1 });
    let url = format!("/api/v1/routing/agents/{}/capacity", agent.user_id);
    assert_eq!(t.json(admin, reqwest::Method::PUT, &url, Some(capacity)).await.0, 204);
    let _agent_socket = open_workspace(&t, "acme", "agent").await;
    let taken = wait_for(&t, admin, &first, |c| c["assignee_id"].as_str() == Some(&agent.user_id)).await;
    assert!(taken["queued_at"].is_null(), "{taken}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, waiting) = t.get(admin, &format!("/api/v1/conversations/{second}")).await;
    assert!(waiting["assignee_id"].is_null() && !waiting["queued_at"].is_null(), "over capacity: {waiting}");
    let (_, messages) = t.get(admin, &format!("/api/v1/conversations/{first}/messages")).await;
    let joined = messages.as_array().unwrap().iter().any(|m| m["author_kind"] == "system");
    assert!(joined, "the customer is told an agent joined: {messages}");
    // Resolving frees the place.
    t.post(agent, &format!("/api/v1/conversations/{first}/resolve"), json!({})).await;
    wait_for(&t, admin, &second, |c| c["assignee_id"].as_str() == Some(&agent.user_id)).await;

    // A VIP customer goes to the VIP team with high priority.
    let vip_contact = t.get(admin, &format!("/api/v1/conversations/{second}")).await.1["contact_id"].clone();
    let url = format!("/api/v1/contacts/{}/routing", vip_contact.as_str().unwrap());
    let (status, contact) = t.patch(admin, &url, json!({ "vip_level": 3, "tags": ["big-buyer"] })).await;
    assert_eq!((status.as_u16(), contact["vip_level"].as_i64()), (200, Some(3)), "{contact}");
    let vip_conversation = arrive(&t, admin, &channel, "b@example.com").await;
    let (_, routed) = t.get(admin, &format!("/api/v1/conversations/{vip_conversation}")).await;
    assert_eq!(
        (routed["team_id"].as_str(), routed["priority"].as_str()),
        (Some(vip.as_str()), Some("high")),
        "{routed}"
    );
    assert!(routed["tags"].as_array().unwrap().contains(&json!("vip")), "{routed}");

    // The agent transfers their conversation to the VIP team with a note; the supervisor there gets it
    // and sees the note with the history.
    let _supervisor_socket = open_workspace(&t, "acme", "supervisor").await;
    wait_for(&t, admin, &vip_conversation, |c| c["assignee_id"].as_str() == Some(&supervisor.user_id)).await;
    let transfer = json!({ "to_team_id": vip, "note": "老客户，想改收货地址" });
    let (status, moved) = t.post(agent, &format!("/api/v1/conversations/{second}/transfer"), transfer).await;
    assert_eq!(status, 200, "{moved}");
    wait_for(&t, admin, &second, |c| c["assignee_id"].as_str() == Some(&supervisor.user_id)).await;
    let (_, messages) = t.get(supervisor, &format!("/api/v1/conversations/{second}/messages")).await;
    let messages = messages.as_array().unwrap().clone();
    let note = messages.iter().find(|m| m["private"] == true).expect("the transfer note");
    assert_eq!(note["text"], "老客户，想改收货地址");
    assert!(messages.iter().any(|m| m["text"] == "在吗？"), "the whole history");
    // Someone else's conversation is not found; naming both an agent and a team is refused.
    let to_full = json!({ "to_agent_id": agent.user_id });
    let (status, body) = t.post(agent, &format!("/api/v1/conversations/{vip_conversation}/transfer"), to_full).await;
    assert_eq!(status, 404, "the agent cannot see the supervisor's conversation: {body}");
    let both = json!({ "to_agent_id": agent.user_id, "to_team_id": vip });
    let (status, body) = t.post(supervisor, &format!("/api/v1/conversations/{second}/transfer"), both).await;
    assert_eq!(status, 422, "{body}");

    // The board and the presence report.
    let (_, board) = t.get(supervisor, "/api/v1/routing/board").await;
    let vip_row = board["teams"].as_array().unwrap().iter().find(|r| r["name"] == "VIP").unwrap().clone();
    assert_eq!(vip_row["agents_free"].as_i64().unwrap() + vip_row["agents_full"].as_i64().unwrap(), 1, "{board}");
    let today = chrono_today();
    let (status, report) = t.get(supervisor, &format!("/api/v1/routing/presence-report?date={today}")).await;
    assert_eq!(status, 200, "{report}");
    let row = report.as_array().unwrap().iter().find(|r| r["user_id"] == agent.user_id.as_str()).unwrap().clone();
    assert!(row["online_seconds"].as_i64().unwrap() >= 0, "{row}");
    let (status, body) = t.get(supervisor, "/api/v1/routing/presence-report?date=yesterday").await;
    assert_eq!(status, 422, "{body}");
}

/// Today's date in Shanghai (the tenant's zone), YYYY-MM-DD.
fn chrono_today() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    switchboard_domain::routing::hours::local_clock(switchboard_domain::Timestamp::from_unix_ms(now), "Asia/Shanghai").2
}

async fn offers_overflow_and_inactivity(t: TestApp) {
    let acme = t.tenant("acme").await;
    let (admin, agent, supervisor) = (&acme.admin, &acme.agent, &acme.supervisor);
    let front = team(&t, admin, "Front", &[agent]).await;
    let backup = team(&t, admin, "Backup", &[supervisor]).await;
    let settings = json!({ "routing": { "mode": "offer", "offer_timeout_seconds": 5 } });
    let (status, body) = t.patch(admin, &format!("/api/v1/routing/teams/{front}"), settings).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = t
        .patch(
            admin,
            &format!("/api/v1/routing/teams/{front}"),
            json!({ "routing": { "overflow_team_id": front,
            "overflow_after_seconds": 5 } }),
        )
        .await;
    assert_eq!(status, 422, "a team cannot overflow to itself: {body}");
    t.json(admin, reqwest::Method::PUT, "/api/v1/routing/settings", Some(json!({ "default_team_id": front }))).await;
    let (_, channel) = t.post(admin, "/api/v1/channels", json!({ "name": "App", "kind": "api" })).await;
    let channel = channel["id"].as_str().unwrap().to_string();

    // Offered to the online agent, who declines: back in line, never offered to them again.
    let _agent_socket = open_workspace(&t, "acme", "agent").await;
    let first = arrive(&t, admin, &channel, "c@example.com").await;
    wait_for(&t, admin, &first, |c| c["offered_to"].as_str() == Some(&agent.user_id)).await;
    let (status, _) = t.post(agent, &format!("/api/v1/conversations/{first}/offer/decline"), json!({})).await;
    assert_eq!(status, 204);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, back) = t.get(admin, &format!("/api/v1/conversations/{first}")).await;
    assert!(back["offered_to"].is_null() && !back["queued_at"].is_null(), "{back}");
    // Accepting an offer that is not yours is not found.
    let (status, _) = t.post(supervisor, &format!("/api/v1/conversations/{first}/offer/accept"), json!({})).await;
    assert_eq!(status, 404);

    // A second one is offered; accepting assigns it.
    let second = arrive(&t, admin, &channel, "d@example.com").await;
    wait_for(&t, admin, &second, |c| c["offered_to"].as_str() == Some(&agent.user_id)).await;
    let (status, accepted) = t.post(agent, &format!("/api/v1/conversations/{second}/offer/accept"), json!({})).await;
    assert_eq!((status.as_u16(), accepted["assignee_id"].as_str()), (200, Some(agent.user_id.as_str())), "{accepted}");

    // A third offer runs out: back in line, and the agent is made away.
    let third = arrive(&t, admin, &channel, "e@example.com").await;
    wait_for(&t, admin, &third, |c| c["offered_to"].as_str() == Some(&agent.user_id)).await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    let (_, board) = t.get(admin, "/api/v1/routing/board").await;
    let me =
        board["agents"].as_array().unwrap().iter().find(|a| a["user_id"] == agent.user_id.as_str()).unwrap().clone();
    assert_eq!((me["state"].as_str(), me["auto_away"].as_str()), (Some("away"), Some("missed_offer")), "{me}");
    let (_, third_now) = t.get(admin, &format!("/api/v1/conversations/{third}")).await;
    assert!(third_now["offered_to"].is_null(), "{third_now}");

    // Overflow: after waiting a second, Front's conversations move to Backup, where the supervisor is.
    let overflow = json!({ "routing": { "mode": "offer", "offer_timeout_seconds": 5, "overflow_team_id": backup,
        "overflow_after_seconds": 1 } });
    assert_eq!(t.patch(admin, &format!("/api/v1/routing/teams/{front}"), overflow).await.0, 200);
    let _supervisor_socket = open_workspace(&t, "acme", "supervisor").await;
    let moved = wait_for(&t, admin, &first, |c| c["assignee_id"].as_str() == Some(&supervisor.user_id)).await;
    assert_eq!(moved["team_id"].as_str(), Some(backup.as_str()), "{moved}");

    // Inactivity: the agent answered and the customer went quiet: pending, then closed, each with a note.
    let url = format!("/api/v1/conversations/{second}/messages");
    t.post(agent, &url, json!({ "text": "请问还有其他问题吗？" })).await;
    let later = |minutes: i64| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
            + minutes * 60_000
    };
    t.app.sweep_inactivity(later(11)).await.unwrap();
    let (_, pending) = t.get(admin, &format!("/api/v1/conversations/{second}")).await;
    assert_eq!(pending["status"], "pending", "{pending}");
    t.app.sweep_inactivity(later(61)).await.unwrap();
    let (_, closed) = t.get(admin, &format!("/api/v1/conversations/{second}")).await;
    assert_eq!(closed["status"], "closed", "{closed}");
    let (_, messages) = t.get(admin, &url).await;
    let notes = messages.as_array().unwrap().iter().filter(|m| m["author_kind"] == "system").count();
    assert!(notes >= 3, "joined, pending and closed notes: {messages}");
}

async fn a_full_queue_takes_messages_and_refuses_transfers(t: TestApp) {
    let acme = t.tenant("acme").await;
    let (admin, agent, supervisor) = (&acme.admin, &acme.agent, &acme.supervisor);
    let front = team(&t, admin, "Front", &[agent, supervisor]).await;
    let full = team(&t, admin, "Returns", &[]).await;
    let settings = json!({ "routing": { "max_queue": 1 } });
    assert_eq!(t.patch(admin, &format!("/api/v1/routing/teams/{full}"), settings).await.0, 200);
    let put = |team: &str| Some(json!({ "default_team_id": team }));
    assert_eq!(t.json(admin, reqwest::Method::PUT, "/api/v1/routing/settings", put(&full)).await.0, 200);
    let (_, channel) = t.post(admin, "/api/v1/channels", json!({ "name": "App", "kind": "api" })).await;
    let channel = channel["id"].as_str().unwrap().to_string();

    // Nobody serves Returns: the first customer waits in line, the second finds it full and is asked
    // to leave a message; their conversation waits as pending, not in the queue.
    let first = arrive(&t, admin, &channel, "first@example.com").await;
    wait_for(&t, admin, &first, |c| c["queued_at"].is_string()).await;
    let second = arrive(&t, admin, &channel, "second@example.com").await;
    let pending = wait_for(&t, admin, &second, |c| c["status"] == "pending").await;
    assert!(pending["queued_at"].is_null(), "{pending}");
    let (_, messages) = t.get(admin, &format!("/api/v1/conversations/{second}/messages")).await;
    let told = messages.as_array().unwrap().iter().any(|m| m["author_kind"] == "system");
    assert!(told, "the customer is asked to leave a message: {messages}");

    // An agent cannot push a conversation into the full line; a supervisor can.
    assert_eq!(t.json(admin, reqwest::Method::PUT, "/api/v1/routing/settings", put(&front)).await.0, 200);
    let _workspace = open_workspace(&t, "acme", "agent").await;
    let third = arrive(&t, admin, &channel, "third@example.com").await;
    wait_for(&t, admin, &third, |c| c["assignee_id"].as_str() == Some(&agent.user_id)).await;
    let to_full = json!({ "to_team_id": full });
    let (status, body) = t.post(agent, &format!("/api/v1/conversations/{third}/transfer"), to_full.clone()).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("to_team_id"), "the error names the field: {body}");
    let (status, body) = t.post(supervisor, &format!("/api/v1/conversations/{third}/transfer"), to_full).await;
    assert_eq!(status, 200, "a supervisor may insist: {body}");
    assert_eq!(body["team_id"], full.as_str(), "{body}");
}

on_both_backends!(
    rules_queues_capacity_vip_and_transfer,
    offers_overflow_and_inactivity,
    a_full_queue_takes_messages_and_refuses_transfers
);
