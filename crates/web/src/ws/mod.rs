//! The WebSocket gateway at `/ws`: the realtime protocol of docs/protocol.md for API tokens, agent
//! sessions and widget visitors. Sends go through the same app services as the REST API and are
//! acknowledged only once durable; deliveries come from the node's event hub and are resumed from the
//! database, so a client that subscribes with the last sequence it holds gets exactly what it missed,
//! each message once.

mod deliver;
pub(crate) mod fanout;
mod frames;
mod requests;

use crate::WebState;
use crate::auth::{Authenticated, ClientInfo};
use crate::widget::{is_own_origin, request_origin};
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use fanout::{Delivery, Registration};
use frames::*;
use serde::Deserialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};
use switchboard_app::{Actor, AppError, IdentityClaim, PageInfo, Principal, Visitor};
use switchboard_domain::{AccountId, ConversationId};

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

/// Where the upgrade came from: a visitor must come from the widget's iframe or an allowed page.
struct Origin {
    origin: Option<String>,
    own: bool,
}

async fn upgrade(
    State(state): State<WebState>,
    upgrade: WebSocketUpgrade,
    session: Option<Extension<Authenticated>>,
    client: ClientInfo,
    headers: HeaderMap,
    Query(query): Query<WsQuery>,
) -> Response {
    let session_actor = session.and_then(|Extension(auth)| match (&auth.csrf_token, &query.csrf) {
        (Some(expected), Some(given)) if expected == given => Some(auth.actor),
        _ => None,
    });
    let origin = request_origin(&headers).map(str::to_string);
    let own = origin.as_deref().is_some_and(|o| is_own_origin(&state, &headers, o));
    let origin = Origin { origin, own };
    // Small buffers: an idle connection should cost kilobytes, not the 128 KiB defaults.
    let upgrade = upgrade.read_buffer_size(4 * 1024).write_buffer_size(0).max_write_buffer_size(4 * FRAME_LIMIT);
    upgrade.protocols(["switchboard.v1"]).max_message_size(FRAME_LIMIT).max_frame_size(FRAME_LIMIT).on_upgrade(
        move |socket| async move {
            Connection::run(state, socket, session_actor, client, origin).await;
        },
    )
}

/// A visitor's hello, as read from the frame.
struct VisitorHelloFrame {
    channel: String,
    token: Option<String>,
    claim: Option<IdentityClaim>,
    locale: Option<String>,
    page: Option<PageInfo>,
}

/// Who is connected.
#[derive(Clone)]
enum Who {
    User(Actor),
    Visitor(Visitor),
}

impl Who {
    fn account(&self) -> AccountId {
        match self {
            Who::User(actor) => actor.account_id,
            Who::Visitor(visitor) => visitor.account_id,
        }
    }
}

/// An agent's inbox subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InboxView {
    Mine,
    Unassigned,
    Teams,
    All,
}

impl InboxView {
    fn parse(value: &serde_json::Value) -> Option<Self> {
        match value.get("view").and_then(|v| v.as_str()) {
            Some("mine") => Some(Self::Mine),
            Some("unassigned") => Some(Self::Unassigned),
            Some("teams") => Some(Self::Teams),
            Some("all") => Some(Self::All),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Self::Mine => "mine",
            Self::Unassigned => "unassigned",
            Self::Teams => "teams",
            Self::All => "all",
        }
    }
}

struct Connection {
    state: WebState,
    socket: WebSocket,
    who: Option<Who>,
    /// Distinguishes this connection's own signals when they come back from the hub.
    id: u64,
    /// What the fanout delivers to this connection.
    registration: Registration,
    /// Subscribed conversations and the last sequence this client has.
    subscriptions: HashMap<ConversationId, i64>,
    inbox: Option<InboxView>,
    /// Agents: whether a conversation is in the inbox view (from events, or looked up once).
    in_view: HashMap<ConversationId, bool>,
    /// Conversations this actor was found allowed to see (typing checks).
    allowed: HashSet<ConversationId>,
    last_typing: HashMap<ConversationId, Instant>,
    violations: VecDeque<Instant>,
    sends: VecDeque<Instant>,
    last_heard: Instant,
    /// The user counts as present for routing (a workspace, or a console that said `agent: true`).
    agent_console: bool,
    /// Whether this connection makes its user present (the hello's `presence`, default true).
    presence: bool,
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
        AppError::TooLarge { .. } => ("validation_failed", None),
        AppError::Busy => ("rate_limited", None),
        AppError::Internal(_) => ("internal", None),
    }
}

impl Connection {
    async fn run(state: WebState, socket: WebSocket, session_actor: Option<Actor>, client: ClientInfo, origin: Origin) {
        // Registered first: nothing routed to what this connection follows can be missed.
        let registration = state.fanout.register();
        let mut connection = Connection {
            state,
            socket,
            who: None,
            id: rand::random(),
            registration,
            subscriptions: HashMap::new(),
            inbox: None,
            in_view: HashMap::new(),
            allowed: HashSet::new(),
            last_typing: HashMap::new(),
            violations: VecDeque::new(),
            sends: VecDeque::new(),
            last_heard: Instant::now(),
            agent_console: false,
            presence: true,
        };
        if connection.hello(session_actor, &client, &origin).await {
            let workspace = match &connection.who {
                Some(Who::User(actor))
                    if connection.presence
                        && (matches!(actor.principal, Principal::User { .. }) || connection.agent_console) =>
                {
                    Some(actor.clone())
                }
                _ => None,
            };
            if let Some(actor) = &workspace
                && let Err(error) = connection.state.app.presence_connected(actor).await
            {
                tracing::warn!(%error, "recording presence failed");
            }
            connection.serve().await;
            if let Some(actor) = &workspace
                && let Err(error) = connection.state.app.presence_disconnected(actor).await
            {
                tracing::warn!(%error, "recording presence failed");
            }
        }
    }

    async fn send_json(&mut self, value: &impl serde::Serialize) -> bool {
        match serde_json::to_string(value) {
            Ok(text) => self.socket.send(WsMessage::Text(text.into())).await.is_ok(),
            Err(_) => false,
        }
    }

    async fn send(&mut self, frame: &ServerFrame<'_>) -> bool {
        self.send_json(frame).await
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

    async fn app_error(&mut self, r#ref: Option<&str>, error: &AppError) -> bool {
        if matches!(error, AppError::Busy) {
            let frame = serde_json::json!({"type": "error", "ref": r#ref, "code": "rate_limited",
                "message": "the server is busy; retry in a moment (same client_id)", "retry_after_ms": 1000});
            return self.send_json(&frame).await;
        }
        let (code, fields) = app_error_code(error);
        let text = if code == "internal" {
            tracing::error!(%error, "a realtime request failed");
            "the server failed; retrying with the same client_id is safe".into()
        } else {
            error.to_string()
        };
        self.error(r#ref, code, text, fields).await
    }

    /// Waits for a valid `hello`; false when the connection must end.
    async fn hello(&mut self, session_actor: Option<Actor>, client: &ClientInfo, origin: &Origin) -> bool {
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
            let (r#ref, auth, locale, page) = match serde_json::from_str::<ClientFrame>(&incoming) {
                Ok(ClientFrame::Hello { r#ref, auth, locale, page, agent, presence }) => {
                    self.agent_console = agent == Some(true);
                    self.presence = presence.unwrap_or(true);
                    (r#ref, auth, locale, page)
                }
                _ => {
                    let _ = self.error(None, "unauthenticated", "the first frame must be hello".into(), None).await;
                    let _ = self.socket.send(close(4401, "no hello")).await;
                    return false;
                }
            };
            let r#ref = r#ref.as_deref();
            let who = match auth {
                Auth::Token { token } => {
                    self.state.app.authenticate_token(&token, &client.ip, &client.user_agent).await.ok().map(Who::User)
                }
                Auth::Session => session_actor.clone().map(Who::User),
                Auth::Visitor { channel, visitor_token, identity } => {
                    let page = page.and_then(|p| PageInfo::clean(p.url.as_deref(), p.title.as_deref()));
                    let claim = identity.map(|i| IdentityClaim {
                        user_id: i.user_id,
                        hash: i.hash,
                        name: i.name,
                        email: i.email,
                    });
                    let hello = VisitorHelloFrame { channel, token: visitor_token, claim, locale, page };
                    return self.visitor_hello(r#ref, hello, origin, &client.ip).await;
                }
            };
            let Some(who) = who else {
                let _ = self.error(r#ref, "unauthenticated", "the credentials are not valid".into(), None).await;
                let _ = self.socket.send(close(4401, "unauthenticated")).await;
                return false;
            };
            let Who::User(actor) = &who else { return false };
            self.registration.set_user(actor.account_id);
            let info = ActorInfo {
                kind: actor.kind().name(),
                id: actor.user_id().map(|u| u.to_string()),
                name: actor.name.clone(),
            };
            self.who = Some(who);
            let welcome = ServerFrame::Welcome {
                r#ref,
                protocol: 1,
                actor: info,
                heartbeat_seconds: HEARTBEAT.as_secs(),
                limits: Limits { frame_bytes: FRAME_LIMIT, sends_per_10s: SENDS_PER_10S },
                visitor_token: None,
                verified: None,
                conversations: None,
            };
            return self.send(&welcome).await;
        }
    }

    async fn visitor_hello(
        &mut self,
        r#ref: Option<&str>,
        hello: VisitorHelloFrame,
        origin: &Origin,
        ip: &str,
    ) -> bool {
        let VisitorHelloFrame { channel, token, claim, locale, page } = hello;
        let widget = match self.state.app.widget_config(&channel).await {
            Ok(widget) => widget,
            Err(_) => {
                let _ = self.error(r#ref, "unauthenticated", "no such widget".into(), None).await;
                let _ = self.socket.send(close(4401, "unauthenticated")).await;
                return false;
            }
        };
        let allowed = match &origin.origin {
            Some(o) => origin.own || widget.origin_allowed(o),
            None => false,
        };
        if !allowed {
            let message = "this website is not allowed to use this chat widget".to_string();
            let _ = self.error(r#ref, "origin_not_allowed", message, None).await;
            let _ = self.socket.send(close(4403, "origin not allowed")).await;
            return false;
        }
        let hello =
            self.state.app.visitor_hello(&widget, token.as_deref(), claim.as_ref(), locale.as_deref(), page, ip).await;
        let hello = match hello {
            Ok(hello) => hello,
            Err(error) => {
                let (code, message, close_code) = match error {
                    AppError::Unauthenticated => {
                        ("identity_invalid", "a verified identity is required".to_string(), 4401)
                    }
                    AppError::Throttled { retry_after_seconds } => {
                        let message =
                            format!("too many new visitors from this address; retry in {retry_after_seconds} s");
                        ("rate_limited", message, 4429)
                    }
                    other => ("internal", other.to_string(), 1011),
                };
                let _ = self.error(r#ref, code, message, None).await;
                let _ = self.socket.send(close(close_code, "refused")).await;
                return false;
            }
        };
        if hello.identity_refused {
            let message = "the identity hash does not verify; continuing anonymously".to_string();
            if !self.error(r#ref, "identity_invalid", message, None).await {
                return false;
            }
        }
        let visitor = hello.visitor;
        let conversations = match self.state.app.visitor_conversations(&visitor).await {
            Ok(list) => list,
            Err(error) => {
                let _ = self.app_error(r#ref, &error).await;
                return false;
            }
        };
        self.allowed.extend(conversations.iter().map(|c| c.id));
        let info = ActorInfo { kind: "visitor", id: Some(visitor.contact_id.to_string()), name: visitor.name.clone() };
        let token = visitor.token.clone();
        let verified = visitor.verified;
        self.who = Some(Who::Visitor(visitor));
        let welcome = ServerFrame::Welcome {
            r#ref,
            protocol: 1,
            actor: info,
            heartbeat_seconds: HEARTBEAT.as_secs(),
            limits: Limits { frame_bytes: FRAME_LIMIT, sends_per_10s: SENDS_PER_10S },
            visitor_token: Some(&token),
            verified: Some(verified),
            conversations: Some(conversations),
        };
        self.send(&welcome).await
    }

    async fn serve(&mut self) {
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
                delivery = self.registration.queue.recv() => match delivery {
                    Some(Delivery::Event(event)) => {
                        if !self.event(&event).await {
                            return;
                        }
                    }
                    Some(Delivery::Signal(signal)) => {
                        if !self.signal(&signal).await {
                            return;
                        }
                    }
                    None => return,
                },
                _ = self.registration.wake.notified() => {
                    if self.registration.take_lagged() {
                        // Missed some: every subscription catches up from the database.
                        self.in_view.clear();
                        let ids: Vec<ConversationId> = self.subscriptions.keys().copied().collect();
                        for id in ids {
                            if !self.catch_up(id).await {
                                return;
                            }
                        }
                    }
                }
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
}
