//! The WebSocket gateway at `/ws`: the realtime protocol of docs/protocol.md for API tokens and agent
//! sessions. Sends go through the same app service as the REST API and are acknowledged only once
//! durable; deliveries come from the node's event hub and are resumed from the database, so a client
//! that subscribes with the last sequence it holds gets exactly what it missed, each message once.

mod frames;

use crate::WebState;
use crate::auth::{Authenticated, ClientInfo};
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use frames::*;
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_app::{Actor, AppError};
use switchboard_domain::ConversationId;
use switchboard_domain::conversations::NewMessageInput;
use switchboard_domain::events::Event;
use tokio::sync::broadcast;

/// Largest frame accepted; a larger one closes the connection with 1009.
pub const FRAME_LIMIT: usize = 64 * 1024;
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
const HEARTBEAT: Duration = Duration::from_secs(25);
const SENDS_PER_10S: u32 = 30;
const VIOLATIONS_PER_MINUTE: usize = 10;

pub fn router() -> Router<WebState> {
    Router::new().route("/ws", get(upgrade))
}

#[derive(Debug, Deserialize)]
struct WsQuery {
    /// The page's CSRF token, required to use the session cookie (a foreign page cannot know it).
    csrf: Option<String>,
}

async fn upgrade(
    State(state): State<WebState>,
    upgrade: WebSocketUpgrade,
    session: Option<Extension<Authenticated>>,
    client: ClientInfo,
    Query(query): Query<WsQuery>,
) -> Response {
    let session_actor = session.and_then(|Extension(auth)| match (&auth.csrf_token, &query.csrf) {
        (Some(expected), Some(given)) if expected == given => Some(auth.actor),
        _ => None,
    });
    upgrade.protocols(["switchboard.v1"]).max_message_size(FRAME_LIMIT).max_frame_size(FRAME_LIMIT).on_upgrade(
        move |socket| async move {
            Connection::run(state, socket, session_actor, client).await;
        },
    )
}

struct Connection {
    state: WebState,
    socket: WebSocket,
    actor: Option<Actor>,
    /// Subscribed conversations and the last sequence this client has.
    subscriptions: HashMap<ConversationId, i64>,
    violations: VecDeque<Instant>,
    sends: VecDeque<Instant>,
    last_heard: Instant,
}

fn close(code: u16, reason: &'static str) -> WsMessage {
    WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))
}

fn app_error_code(error: &AppError) -> (&'static str, Option<serde_json::Value>) {
    match error {
        AppError::Validation(f) | AppError::Conflict(f) => {
            ("validation_failed", Some(serde_json::to_value(f).unwrap_or_default()))
        }
        AppError::NotFound => ("not_found", None),
        AppError::Forbidden(_) => ("forbidden", None),
        AppError::Unauthenticated | AppError::InvalidCredentials => ("unauthenticated", None),
        AppError::Throttled { .. } => ("rate_limited", None),
        AppError::BadRequest(_) => ("malformed_frame", None),
        AppError::Internal(_) => ("internal", None),
    }
}

impl Connection {
    async fn run(state: WebState, socket: WebSocket, session_actor: Option<Actor>, client: ClientInfo) {
        // Subscribe to the hub first: nothing that happens from now on can be missed.
        let events = state.app.subscribe_events();
        let mut connection = Connection {
            state,
            socket,
            actor: None,
            subscriptions: HashMap::new(),
            violations: VecDeque::new(),
            sends: VecDeque::new(),
            last_heard: Instant::now(),
        };
        if connection.hello(session_actor, &client).await {
            connection.serve(events).await;
        }
    }

    async fn send(&mut self, frame: &ServerFrame<'_>) -> bool {
        match serde_json::to_string(frame) {
            Ok(text) => self.socket.send(WsMessage::Text(text.into())).await.is_ok(),
            Err(_) => false,
        }
    }

    async fn error(
        &mut self,
        r#ref: Option<&str>,
        code: &'static str,
        message: String,
        fields: Option<serde_json::Value>,
    ) -> bool {
        self.send(&ServerFrame::Error { r#ref, code, message, fields }).await
    }

    /// Waits for a valid `hello`; false when the connection must end.
    async fn hello(&mut self, session_actor: Option<Actor>, client: &ClientInfo) -> bool {
        let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
        loop {
            let incoming = match tokio::time::timeout_at(deadline, self.socket.recv()).await {
                Ok(Some(Ok(WsMessage::Text(text)))) => text,
                Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => continue,
                Ok(Some(Ok(WsMessage::Binary(_)))) => {
                    let _ = self.socket.send(close(1003, "binary frames are not accepted")).await;
                    return false;
                }
                Ok(Some(Err(_))) => {
                    let _ = self.socket.send(close(1009, "frame too large")).await;
                    return false;
                }
                Ok(None | Some(Ok(WsMessage::Close(_)))) => return false,
                Err(_) => {
                    let _ = self.socket.send(close(4401, "no hello")).await;
                    return false;
                }
            };
            let (r#ref, auth) = match serde_json::from_str::<ClientFrame>(&incoming) {
                Ok(ClientFrame::Hello { r#ref, auth }) => (r#ref, auth),
                _ => {
                    let _ = self.error(None, "unauthenticated", "the first frame must be hello".into(), None).await;
                    let _ = self.socket.send(close(4401, "no hello")).await;
                    return false;
                }
            };
            let actor = match auth {
                Auth::Token { token } => {
                    self.state.app.authenticate_token(&token, &client.ip, &client.user_agent).await.ok()
                }
                Auth::Session => session_actor.clone(),
            };
            let Some(actor) = actor else {
                let _ =
                    self.error(r#ref.as_deref(), "unauthenticated", "the credentials are not valid".into(), None).await;
                let _ = self.socket.send(close(4401, "unauthenticated")).await;
                return false;
            };
            let info = ActorInfo {
                kind: actor.kind().name(),
                id: actor.user_id().map(|u| u.to_string()),
                name: actor.name.clone(),
            };
            self.actor = Some(actor);
            let welcome = ServerFrame::Welcome {
                r#ref: r#ref.as_deref(),
                protocol: 1,
                actor: info,
                heartbeat_seconds: HEARTBEAT.as_secs(),
                limits: Limits { frame_bytes: FRAME_LIMIT, sends_per_10s: SENDS_PER_10S },
            };
            return self.send(&welcome).await;
        }
    }

    async fn serve(&mut self, mut events: broadcast::Receiver<Arc<Event>>) {
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.tick().await;
        loop {
            tokio::select! {
                incoming = self.socket.recv() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => {
                        self.last_heard = Instant::now();
                        if !self.frame(&text).await {
                            return;
                        }
                    }
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => self.last_heard = Instant::now(),
                    Some(Ok(WsMessage::Binary(_))) => {
                        if !self.violation(None, "malformed_frame", "binary frames are not accepted".into()).await {
                            return;
                        }
                    }
                    Some(Err(_)) => {
                        let _ = self.socket.send(close(1009, "frame too large")).await;
                        return;
                    }
                    None | Some(Ok(WsMessage::Close(_))) => return,
                },
                event = events.recv() => match event {
                    Ok(event) => {
                        if !self.event(&event).await {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Missed some: every subscription catches up from the database.
                        let ids: Vec<ConversationId> = self.subscriptions.keys().copied().collect();
                        for id in ids {
                            if !self.catch_up(id).await {
                                return;
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = heartbeat.tick() => {
                    if self.last_heard.elapsed() > HEARTBEAT * 3 {
                        let _ = self.socket.send(close(1001, "no heartbeat")).await;
                        return;
                    }
                    let t = switchboard_store::now_ms() / 1000;
                    if !self.send(&ServerFrame::Ping { t }).await {
                        return;
                    }
                }
            }
        }
    }

    /// Counts a protocol violation and answers it; false when the connection must close.
    async fn violation(&mut self, r#ref: Option<&str>, code: &'static str, message: String) -> bool {
        let now = Instant::now();
        self.violations.push_back(now);
        while self.violations.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60)) {
            self.violations.pop_front();
        }
        if self.violations.len() > VIOLATIONS_PER_MINUTE {
            let _ = self.socket.send(close(4400, "too many protocol violations")).await;
            return false;
        }
        self.error(r#ref, code, message, None).await
    }

    async fn frame(&mut self, text: &str) -> bool {
        let frame = match serde_json::from_str::<ClientFrame>(text) {
            Ok(frame) => frame,
            Err(error) => {
                let message = error.to_string();
                let message = message.split(" at line").next().unwrap_or(&message).to_string();
                return self.violation(None, "malformed_frame", message).await;
            }
        };
        let Some(actor) = self.actor.clone() else { return false };
        match frame {
            ClientFrame::Hello { r#ref, .. } => {
                self.violation(r#ref.as_deref(), "malformed_frame", "already authenticated".into()).await
            }
            ClientFrame::Ping { t } => self.send(&ServerFrame::Pong { t }).await,
            ClientFrame::Pong => true,
            ClientFrame::Subscribe { r#ref, conversations } => {
                let mut subscribed = Vec::new();
                for subscription in conversations {
                    match self.state.app.get_conversation(&actor, subscription.id).await {
                        Ok(_) => {
                            self.subscriptions.insert(subscription.id, subscription.after_seq.max(0));
                            subscribed.push(subscription.id);
                        }
                        Err(error) => {
                            let (code, fields) = app_error_code(&error);
                            if !self
                                .error(
                                    r#ref.as_deref(),
                                    code,
                                    format!("conversation {}: {error}", subscription.id),
                                    fields,
                                )
                                .await
                            {
                                return false;
                            }
                        }
                    }
                }
                if !self
                    .send(&ServerFrame::Subscribed { r#ref: r#ref.as_deref(), conversations: subscribed.clone() })
                    .await
                {
                    return false;
                }
                for id in subscribed {
                    if !self.catch_up(id).await {
                        return false;
                    }
                }
                true
            }
            ClientFrame::Send { r#ref, conversation_id, client_id, text, private } => {
                let now = Instant::now();
                while self.sends.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(10)) {
                    self.sends.pop_front();
                }
                if self.sends.len() as u32 >= SENDS_PER_10S {
                    return self
                        .error(r#ref.as_deref(), "rate_limited", "too many messages; wait a moment".into(), None)
                        .await;
                }
                self.sends.push_back(now);
                let input = NewMessageInput { text, private, client_id };
                match self.state.app.send_message(&actor, conversation_id, &input).await {
                    Ok((message, _)) => {
                        self.send(&ServerFrame::Ack { r#ref: r#ref.as_deref(), conversation_id, message: &message })
                            .await
                    }
                    Err(error) => {
                        let (code, fields) = app_error_code(&error);
                        let text = if code == "internal" {
                            "the server failed; retrying with the same client_id is safe".into()
                        } else {
                            error.to_string()
                        };
                        self.error(r#ref.as_deref(), code, text, fields).await
                    }
                }
            }
        }
    }

    /// Sends the subscription's messages after the client's last sequence, from the database.
    async fn catch_up(&mut self, id: ConversationId) -> bool {
        let Some(actor) = self.actor.clone() else { return false };
        loop {
            let after = self.subscriptions.get(&id).copied().unwrap_or(0);
            let batch = match self.state.app.list_messages(&actor, id, after).await {
                Ok(batch) => batch,
                Err(error) => {
                    self.subscriptions.remove(&id);
                    let (code, fields) = app_error_code(&error);
                    return self.error(None, code, format!("conversation {id}: {error}"), fields).await;
                }
            };
            if batch.is_empty() {
                return true;
            }
            for message in &batch {
                let value = serde_json::to_value(message).unwrap_or_default();
                let frame = ServerFrame::Event {
                    topic: "message.created",
                    conversation_id: id,
                    seq: Some(message.seq),
                    message: Some(value),
                    conversation: None,
                };
                if !self.send(&frame).await {
                    return false;
                }
                self.subscriptions.insert(id, message.seq);
            }
        }
    }

    /// Delivers a hub event to this client if it concerns a subscribed conversation.
    async fn event(&mut self, event: &Event) -> bool {
        let Some(actor) = &self.actor else { return true };
        if event.account_id != actor.account_id {
            return true;
        }
        match event.topic.as_str() {
            "message.created" => {
                let id = event
                    .payload
                    .get("conversation_id")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse::<ConversationId>().ok());
                let seq = event.payload.get("seq").and_then(|v| v.as_i64());
                let (Some(id), Some(seq)) = (id, seq) else { return true };
                let Some(last) = self.subscriptions.get(&id).copied() else { return true };
                if seq <= last {
                    true
                } else if seq == last + 1 {
                    self.subscriptions.insert(id, seq);
                    let frame = ServerFrame::Event {
                        topic: "message.created",
                        conversation_id: id,
                        seq: Some(seq),
                        message: Some(event.payload.clone()),
                        conversation: None,
                    };
                    self.send(&frame).await
                } else {
                    self.catch_up(id).await
                }
            }
            "conversation.updated" => {
                let id =
                    event.payload.get("id").and_then(|v| v.as_str()).and_then(|v| v.parse::<ConversationId>().ok());
                let Some(id) = id.filter(|id| self.subscriptions.contains_key(id)) else { return true };
                let frame = ServerFrame::Event {
                    topic: "conversation.updated",
                    conversation_id: id,
                    seq: None,
                    message: None,
                    conversation: Some(event.payload.clone()),
                };
                self.send(&frame).await
            }
            _ => true,
        }
    }
}
