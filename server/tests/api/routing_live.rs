//! What the workspace and the queue board need from the socket for routing, on both backends: an
//! `activity` frame answered `ok`; an offer reaching its agent whatever inbox view they follow, with
//! when it lapses and the contact's VIP level; a monitoring connection (`presence: false`) that does
//! not make its user present; `presence.updated` with the reason, load and capacity.

use crate::on_both_backends;
use crate::realtime::{Socket, next, send};
use crate::routing::{arrive, open_session, open_workspace, team, wait_for};
use crate::support::{Caller, TestApp};
use serde_json::{Value, json};

/// The next frame for which `wanted` holds (others are skipped).
async fn next_where(socket: &mut Socket, wanted: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let frame = next(socket).await;
        if wanted(&frame) {
            return frame;
        }
        assert_ne!(frame["type"], "closed", "the socket closed: {frame}");
    }
    panic!("the frame never came");
}

async fn offers_activity_and_a_monitoring_socket(t: TestApp) {
    let acme = t.tenant("acme").await;
    let (admin, agent, supervisor) = (&acme.admin, &acme.agent, &acme.supervisor);
    // The supervisor is in the team: conversation events of a team reach its supervisors.
    let front = team(&t, admin, "Front", &[agent, supervisor]).await;
    let settings = json!({ "routing": { "mode": "offer", "offer_timeout_seconds": 60 } });
    assert_eq!(t.patch(admin, &format!("/api/v1/routing/teams/{front}"), settings).await.0, 200);
    t.json(admin, reqwest::Method::PUT, "/api/v1/routing/settings", Some(json!({ "default_team_id": front }))).await;
    let (_, channel) = t.post(admin, "/api/v1/channels", json!({ "name": "App", "kind": "api" })).await;
    let channel = channel["id"].as_str().unwrap().to_string();

    // The supervisor watches the board: the socket hears presence, but the supervisor stays offline.
    let hello = json!({ "type": "hello", "ref": "h", "auth": { "kind": "session" }, "presence": false });
    let mut monitor = open_session(&t, "acme", "supervisor", hello).await;
    send(&mut monitor, json!({ "type": "subscribe", "ref": "s", "inbox": { "view": "all" } })).await;
    next_where(&mut monitor, |f| f["type"] == "subscribed").await;
    let (_, people) = t.get(admin, "/api/v1/presence").await;
    let sue = people.as_array().unwrap().iter().find(|p| p["user_id"] == supervisor.user_id.as_str()).unwrap().clone();
    assert_eq!(sue["state"], "offline", "a monitoring socket does not make its user present: {sue}");

    // The agent opens the workspace ("mine" view) and works: `activity` is answered `ok`.
    let mut workspace = open_workspace(&t, "acme", "agent").await;
    let online =
        next_where(&mut monitor, |f| f["topic"] == "presence.updated" && f["user_id"] == agent.user_id.as_str()).await;
    assert_eq!(online["state"], "online", "{online}");
    assert!(
        online["capacity"].as_u64().is_some() && online["load"] == 0 && online.get("auto_away").is_some(),
        "{online}"
    );
    send(&mut workspace, json!({ "type": "subscribe", "ref": "s", "inbox": { "view": "mine" } })).await;
    next_where(&mut workspace, |f| f["type"] == "subscribed").await;
    send(&mut workspace, json!({ "type": "activity", "ref": "a1" })).await;
    let ok = next_where(&mut workspace, |f| f["ref"] == "a1").await;
    assert_eq!(ok["type"], "ok", "{ok}");

    // A customer arrives: the offer reaches the agent although "mine" holds only assigned ones.
    let id = arrive(&t, admin, &channel, "vip@example.com").await;
    let offer = next_where(&mut workspace, |f| {
        f["topic"] == "conversation.updated" && f["conversation"]["offered_to"] == agent.user_id.as_str()
    })
    .await;
    let conversation = &offer["conversation"];
    assert_eq!(conversation["id"], id.as_str());
    assert!(conversation["offer_expires_at"].is_string() && conversation["contact_vip_level"] == 0, "{conversation}");
    // The board's socket hears it too, and the board counts the offer.
    next_where(&mut monitor, |f| f["topic"] == "conversation.updated" && f["conversation_id"] == id.as_str()).await;
    let (_, board) = t.get(supervisor, "/api/v1/routing/board").await;
    let row = board["teams"].as_array().unwrap().iter().find(|r| r["team_id"] == front.as_str()).unwrap().clone();
    assert_eq!(row["offered"], 1, "{row}");

    // Declined: the withdrawal reaches the agent as well (no longer offered to them).
    let (status, _) = t.post(agent, &format!("/api/v1/conversations/{id}/offer/decline"), json!({})).await;
    assert_eq!(status, 204);
    let withdrawn = next_where(&mut workspace, |f| {
        f["topic"] == "conversation.updated"
            && f["conversation_id"] == id.as_str()
            && f["conversation"]["offered_to"].is_null()
    })
    .await;
    assert!(withdrawn["conversation"]["queued_at"].is_string(), "back in line: {withdrawn}");
    wait_for(&t, admin, &id, |c| c["offered_to"].is_null()).await;
}

/// The agent's state as the presence list shows it, once the socket's own presence has been recorded
/// (the server answers a socket's frames only after that).
async fn presence_after(t: &TestApp, admin: &Caller, socket: &mut Socket, user: &str) -> String {
    send(socket, json!({ "type": "activity", "ref": "p" })).await;
    next_where(socket, |f| f["ref"] == "p").await;
    let (_, people) = t.get(admin, "/api/v1/presence").await;
    let person = people.as_array().unwrap().iter().find(|p| p["user_id"] == user).unwrap().clone();
    person["state"].as_str().unwrap().to_string()
}

async fn a_chosen_offline_survives_a_reload_not_a_new_session(t: TestApp) {
    let acme = t.tenant("acme").await;
    let (admin, agent) = (&acme.admin, &acme.agent);
    let settings = json!({ "offline_grace_seconds": 1 });
    let (status, body) = t.json(admin, reqwest::Method::PUT, "/api/v1/routing/settings", Some(settings)).await;
    assert_eq!(status, 200, "{body}");
    let mut workspace = open_workspace(&t, "acme", "agent").await;
    assert_eq!(presence_after(&t, admin, &mut workspace, &agent.user_id).await, "online");
    let offline = Some(json!({ "state": "offline" }));
    assert_eq!(t.json(agent, reqwest::Method::PUT, "/api/v1/presence/me", offline).await.0, 200);
    // A second tab, then a reload: the choice holds.
    let mut second = open_workspace(&t, "acme", "agent").await;
    assert_eq!(
        presence_after(&t, admin, &mut second, &agent.user_id).await,
        "offline",
        "a second tab keeps the choice"
    );
    drop(workspace);
    let mut reloaded = open_workspace(&t, "acme", "agent").await;
    assert_eq!(presence_after(&t, admin, &mut reloaded, &agent.user_id).await, "offline", "a reload keeps the choice");
    // Every session gone for longer than the grace period: the next sign-in starts a working session online.
    drop((second, reloaded));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let mut next_session = open_workspace(&t, "acme", "agent").await;
    assert_eq!(
        presence_after(&t, admin, &mut next_session, &agent.user_id).await,
        "online",
        "a new session starts online"
    );
}

on_both_backends!(offers_activity_and_a_monitoring_socket, a_chosen_offline_survives_a_reload_not_a_new_session);
