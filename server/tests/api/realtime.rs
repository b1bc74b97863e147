//! The WebSocket protocol (docs/protocol.md) against the real router: durable acks, idempotent
//! resends, exactly-once resumption, live delivery, bad frames and access.

use crate::on_both_backends;
use crate::support::{Caller, TestApp};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(t: &TestApp, caller: &Caller) -> Socket {
    let url = format!("{}/ws", t.base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    send(&mut socket, json!({ "type": "hello", "ref": "h", "auth": { "kind": "token", "token": caller.token } })).await;
    let welcome = next(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    socket
}

pub async fn send(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.expect("send");
}

/// The next text frame as JSON (pings from the server are skipped).
pub async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a frame in time");
        match message {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).expect("json");
                if value["type"] != "ping" {
                    return value;
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return json!({ "type": "closed", "code": frame.map(|f| u16::from(f.code)) });
            }
            Some(Ok(_)) => {}
            other => return json!({ "type": "closed", "error": format!("{other:?}") }),
        }
    }
}

async fn conversation(t: &TestApp, admin: &Caller) -> String {
    let (_, channel) = t.post(admin, "/api/v1/channels", json!({ "name": "API", "kind": "api" })).await;
    let body = json!({ "channel_id": channel["id"], "contact": { "name": "Lisa" }, "message": "hello?" });
    let (_, created) = t.post(admin, "/api/v1/conversations", body).await;
    created["conversation"]["id"].as_str().unwrap().to_string()
}

async fn acks_resends_resumption_and_live_delivery(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let id = conversation(&t, &tenant.admin).await;
    let mut agent_socket = connect(&t, &tenant.admin).await;
    send(
        &mut agent_socket,
        json!({ "type": "subscribe", "ref": "s", "conversations": [{ "id": id, "after_seq": 0 }] }),
    )
    .await;
    assert_eq!(next(&mut agent_socket).await["type"], "subscribed");
    let first = next(&mut agent_socket).await;
    assert_eq!((first["type"].as_str(), first["seq"].as_i64()), (Some("event"), Some(1)));

    // A send is acknowledged once durable; the same client id again stores nothing new.
    let frame = json!({ "type": "send", "ref": "m1", "conversation_id": id, "client_id": "c-1", "text": "您好" });
    send(&mut agent_socket, frame.clone()).await;
    // (Conversation events of the creation may still be arriving; only the ack and the message count here.)
    let mut frames = Vec::new();
    while frames.len() < 2 {
        let frame = next(&mut agent_socket).await;
        if frame["type"] == "ack" || frame["topic"] == "message.created" {
            frames.push(frame);
        }
    }
    frames.sort_by_key(|f| f["type"].as_str().unwrap_or("").to_string());
    let (ack, echoed) = (&frames[0], &frames[1]);
    assert_eq!(ack["type"], "ack", "{frames:?}");
    assert_eq!(ack["message"]["seq"], 2);
    assert_eq!(echoed["seq"], 2, "the subscriber gets its own message once");
    send(&mut agent_socket, frame).await;
    let again = next(&mut agent_socket).await;
    assert_eq!((again["type"].as_str(), &again["message"]["id"]), (Some("ack"), &ack["message"]["id"]));

    // Disconnected, three messages arrive by REST; on resume exactly those, in order, once.
    agent_socket.close(None).await.ok();
    for i in 0..3 {
        let (status, _) = t
            .post(
                &tenant.admin,
                &format!("/api/v1/conversations/{id}/messages"),
                json!({ "text": format!("later {i}") }),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED);
    }
    let mut resumed = connect(&t, &tenant.admin).await;
    send(&mut resumed, json!({ "type": "subscribe", "conversations": [{ "id": id, "after_seq": 2 }] })).await;
    assert_eq!(next(&mut resumed).await["type"], "subscribed");
    let seqs: Vec<i64> = [next(&mut resumed).await, next(&mut resumed).await, next(&mut resumed).await]
        .iter()
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4, 5]);
    // Live: a message written elsewhere arrives once, and nothing else is pending.
    t.post(&tenant.admin, &format!("/api/v1/conversations/{id}/messages"), json!({ "text": "live" })).await;
    let live = next(&mut resumed).await;
    assert_eq!((live["seq"].as_i64(), live["message"]["text"].as_str()), (Some(6), Some("live")));
    send(&mut resumed, json!({ "type": "ping", "t": 7 })).await;
    assert_eq!(next(&mut resumed).await, json!({ "type": "pong", "t": 7 }));
}

async fn bad_frames_and_foreign_conversations(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let other = t.tenant("other").await;
    let theirs = conversation(&t, &other.admin).await;
    // A wrong token: refused and closed.
    let url = format!("{}/ws", t.base.replace("http://", "ws://"));
    let (mut stranger, _) = tokio_tungstenite::connect_async(url.clone()).await.unwrap();
    send(&mut stranger, json!({ "type": "hello", "auth": { "kind": "token", "token": "sbt_nope" } })).await;
    assert_eq!(next(&mut stranger).await["code"], "unauthenticated");
    assert_eq!(next(&mut stranger).await["code"], 4401);

    let mut socket = connect(&t, &tenant.admin).await;
    socket.send(Message::Text("{not json".into())).await.unwrap();
    assert_eq!(next(&mut socket).await["code"], "malformed_frame");
    send(&mut socket, json!({ "type": "fly" })).await;
    assert_eq!(next(&mut socket).await["code"], "malformed_frame");
    // Another account's conversation does not exist for this actor.
    send(&mut socket, json!({ "type": "subscribe", "ref": "x", "conversations": [{ "id": theirs }] })).await;
    assert_eq!(next(&mut socket).await["code"], "not_found");
    assert_eq!(next(&mut socket).await["conversations"], json!([]));
    send(&mut socket, json!({ "type": "send", "ref": "y", "conversation_id": theirs, "text": "hi" })).await;
    assert_eq!(next(&mut socket).await["code"], "not_found");
    let (_, messages) = t.get(&other.admin, &format!("/api/v1/conversations/{theirs}/messages")).await;
    assert_eq!(messages.as_array().unwrap().len(), 1, "nothing was written into the other account");
    // An invalid message names the field; the connection stays usable.
    let mine = conversation(&t, &tenant.admin).await;
    send(&mut socket, json!({ "type": "send", "ref": "z", "conversation_id": mine, "text": "   " })).await;
    let invalid = next(&mut socket).await;
    assert_eq!(
        (invalid["code"].as_str(), invalid["fields"]["text"].as_str()),
        (Some("validation_failed"), Some("is required"))
    );
    send(&mut socket, json!({ "type": "ping", "t": 1 })).await;
    assert_eq!(next(&mut socket).await["type"], "pong");
    // A frame over 64 KiB closes the connection with 1009, and the server stays up.
    let big = json!({ "type": "send", "conversation_id": mine, "text": "x".repeat(70_000) });
    let _ = socket.send(Message::Text(big.to_string().into())).await;
    let closed = next(&mut socket).await;
    assert_eq!(closed["type"], "closed", "{closed}");
    assert_eq!(t.client.get(t.url("/healthz")).send().await.unwrap().status(), reqwest::StatusCode::OK);
}

on_both_backends!(acks_resends_resumption_and_live_delivery, bad_frames_and_foreign_conversations);
