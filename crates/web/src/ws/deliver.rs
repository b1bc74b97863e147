//! What the server pushes: stored events (messages, conversation changes, read positions, presence)
//! to the connections that follow them, each message once and in order, and typing signals.

use super::{Connection, InboxView, Who};
use switchboard_app::{Actor, Signal};
use switchboard_domain::events::Event;
use switchboard_domain::permissions::DataScope;
use switchboard_domain::{ConversationId, TeamId, UserId};

fn id_of<T: std::str::FromStr>(value: Option<&serde_json::Value>) -> Option<T> {
    value.and_then(|v| v.as_str()).and_then(|v| v.parse::<T>().ok())
}

/// Whether a conversation with this assignee and team is in the actor's data scope and the view.
fn in_view(actor: &Actor, view: InboxView, assignee: Option<UserId>, team: Option<TeamId>) -> bool {
    let Some(me) = actor.user_id() else { return true };
    let mine = assignee == Some(me);
    let my_team = team.is_some_and(|t| actor.team_ids.contains(&t));
    let in_scope = match actor.data_scope {
        DataScope::Account => true,
        DataScope::Teams => mine || my_team,
        DataScope::Own => mine || (assignee.is_none() && my_team),
    };
    in_scope
        && match view {
            InboxView::Mine => mine,
            InboxView::Unassigned => assignee.is_none(),
            InboxView::Teams => my_team,
            InboxView::All => true,
        }
}

impl Connection {
    /// Sends the subscription's messages after the client's last sequence, from the database.
    pub(super) async fn catch_up(&mut self, id: ConversationId) -> bool {
        let Some(who) = self.who.clone() else { return false };
        loop {
            let after = self.subscriptions.get(&id).copied().unwrap_or(0);
            let batch = match &who {
                Who::User(actor) => self.state.app.list_messages(actor, id, after).await,
                Who::Visitor(visitor) => self.state.app.visitor_messages(visitor, id, after).await,
            };
            let batch = match batch {
                Ok(batch) => batch,
                // The conversation is no longer this actor's to see: the subscription ends, said so.
                Err(error @ (switchboard_app::AppError::NotFound | switchboard_app::AppError::Forbidden(_))) => {
                    self.subscriptions.remove(&id);
                    let (code, fields) = super::app_error_code(&error);
                    return self.error(None, code, format!("conversation {id}: {error}"), fields).await;
                }
                // The server could not read now (overloaded, database away): rather than drop the
                // subscription, end the connection so the client reconnects and resumes exactly once.
                Err(error) => {
                    tracing::warn!(%error, conversation = %id, "catching up a subscription failed; closing the connection");
                    let close = axum::extract::ws::CloseFrame { code: 1011, reason: "try again".into() };
                    let _ = self.socket.send(axum::extract::ws::Message::Close(Some(close))).await;
                    return false;
                }
            };
            if batch.is_empty() {
                return true;
            }
            for message in &batch {
                let frame = serde_json::json!({"type": "event", "topic": "message.created",
                    "conversation_id": id, "seq": message.seq, "message": message});
                if !self.send_json(&frame).await {
                    return false;
                }
                self.subscriptions.insert(id, message.seq);
            }
        }
    }

    /// Delivers a hub event to this client if it concerns what the client follows.
    pub(super) async fn event(&mut self, event: &Event) -> bool {
        let Some(who) = self.who.clone() else { return true };
        if event.account_id != who.account() {
            return true;
        }
        let payload = &event.payload;
        match event.topic.as_str() {
            "message.created" => {
                let (Some(id), Some(seq)) = (
                    id_of::<ConversationId>(payload.get("conversation_id")),
                    payload.get("seq").and_then(|v| v.as_i64()),
                ) else {
                    return true;
                };
                let private = payload.get("private").and_then(|v| v.as_bool()).unwrap_or(false);
                if let Some(last) = self.subscriptions.get(&id).copied() {
                    if seq <= last {
                        return true;
                    }
                    if seq != last + 1 {
                        return self.catch_up(id).await;
                    }
                    self.subscriptions.insert(id, seq);
                    if private && matches!(who, Who::Visitor(_)) {
                        return true;
                    }
                    let frame = serde_json::json!({"type": "event", "topic": "message.created",
                        "conversation_id": id, "seq": seq, "message": payload});
                    return self.send_json(&frame).await;
                }
                // Not followed one by one: an inbox view may still want it, for previews and counts.
                if self.inbox_contains(&who, id).await {
                    let frame = serde_json::json!({"type": "event", "topic": "message.created",
                        "conversation_id": id, "seq": seq, "message": payload});
                    return self.send_json(&frame).await;
                }
                true
            }
            "conversation.created" | "conversation.updated" => {
                let Some(id) = id_of::<ConversationId>(payload.get("id")) else { return true };
                match &who {
                    Who::Visitor(visitor) => {
                        let own = id_of::<switchboard_domain::ContactId>(payload.get("contact_id"))
                            == Some(visitor.contact_id);
                        if !own || !self.subscriptions.contains_key(&id) || event.topic != "conversation.updated" {
                            return true;
                        }
                        let Ok(conversation) = serde_json::from_value::<ConversationView>(payload.clone()) else {
                            return true;
                        };
                        let frame = serde_json::json!({"type": "event", "topic": event.topic,
                            "conversation_id": id, "conversation": conversation.for_visitor()});
                        self.send_json(&frame).await
                    }
                    Who::User(actor) => {
                        let was = self.in_view.get(&id).copied().unwrap_or(false);
                        // An offer to this agent reaches them whatever view they are in.
                        let offered = self.inbox.is_some()
                            && actor.user_id().is_some()
                            && id_of::<UserId>(payload.get("offered_to")) == actor.user_id();
                        let now = offered
                            || match self.inbox {
                                Some(view) => in_view(
                                    actor,
                                    view,
                                    id_of::<UserId>(payload.get("assignee_id")),
                                    id_of::<TeamId>(payload.get("team_id")),
                                ),
                                None => false,
                            };
                        if self.inbox.is_some() {
                            self.remember_in_view(id, now);
                        }
                        let followed = self.subscriptions.contains_key(&id) && event.topic == "conversation.updated";
                        if !(was || now || followed) {
                            return true;
                        }
                        let frame = serde_json::json!({"type": "event", "topic": event.topic,
                            "conversation_id": id, "conversation": payload, "in_view": now});
                        self.send_json(&frame).await
                    }
                }
            }
            "conversation.read" => {
                let Some(id) = id_of::<ConversationId>(payload.get("conversation_id")) else { return true };
                // A customer is told what agents read, not what they read themselves.
                let own =
                    matches!(who, Who::Visitor(_)) && payload.get("by").and_then(|v| v.as_str()) == Some("customer");
                let follows = self.subscriptions.contains_key(&id)
                    || (matches!(who, Who::User(_)) && self.in_view.get(&id).copied().unwrap_or(false));
                if own {
                    return true;
                }
                if !follows {
                    return true;
                }
                let frame = serde_json::json!({"type": "event", "topic": "conversation.read", "conversation_id": id,
                    "by": payload.get("by"), "seq": payload.get("seq")});
                self.send_json(&frame).await
            }
            "message.rated" => {
                // To whoever follows the conversation: the customer's other tabs, the agents' transcripts.
                let Some(id) = id_of::<ConversationId>(payload.get("conversation_id")) else { return true };
                if !self.subscriptions.contains_key(&id) {
                    return true;
                }
                let frame = serde_json::json!({"type": "event", "topic": "message.rated", "conversation_id": id,
                    "message_id": payload.get("message_id"), "seq": payload.get("seq"), "rating": payload.get("rating")});
                self.send_json(&frame).await
            }
            "presence.updated" => {
                if !matches!(who, Who::User(_)) {
                    return true;
                }
                let frame = serde_json::json!({"type": "event", "topic": "presence.updated",
                    "user_id": payload.get("user_id"), "name": payload.get("name"), "state": payload.get("state"),
                    "since": payload.get("since"), "auto_away": payload.get("auto_away"),
                    "load": payload.get("load"), "capacity": payload.get("capacity")});
                self.send_json(&frame).await
            }
            _ => true,
        }
    }

    fn remember_in_view(&mut self, id: ConversationId, visible: bool) {
        if self.in_view.len() > 20_000 {
            self.in_view.clear();
        }
        self.in_view.insert(id, visible);
    }

    /// Whether the conversation is in this agent's inbox view (looked up once, then kept current
    /// from `conversation.*` events).
    async fn inbox_contains(&mut self, who: &Who, id: ConversationId) -> bool {
        let (Who::User(actor), Some(view)) = (who, self.inbox) else { return false };
        if let Some(known) = self.in_view.get(&id) {
            return *known;
        }
        let visible = match self.state.app.get_conversation(actor, id).await {
            Ok(c) => in_view(actor, view, c.assignee_id, c.team_id),
            Err(_) => false,
        };
        self.remember_in_view(id, visible);
        visible
    }

    /// Relays a typing signal to the other participants of a followed conversation, and a waiting
    /// customer's place in line to that customer.
    pub(super) async fn signal(&mut self, signal: &Signal) -> bool {
        let Some(who) = self.who.clone() else { return true };
        if signal.account_id != who.account() {
            return true;
        }
        if signal.topic == "queue" {
            if !matches!(who, Who::Visitor(_)) || !self.subscriptions.contains_key(&signal.conversation_id) {
                return true;
            }
            let frame = serde_json::json!({"type": "event", "topic": "queue", "conversation_id": signal.conversation_id,
                "position": signal.payload.get("position"),
                "estimated_wait_seconds": signal.payload.get("estimated_wait_seconds")});
            return self.send_json(&frame).await;
        }
        if signal.topic != "typing" {
            return true;
        }
        let payload = &signal.payload;
        if payload.get("source").and_then(|v| v.as_u64()) == Some(self.id) {
            return true;
        }
        let id = signal.conversation_id;
        let follows = match &who {
            Who::Visitor(_) => {
                self.subscriptions.contains_key(&id)
                    && !payload.get("private").and_then(|v| v.as_bool()).unwrap_or(false)
            }
            Who::User(_) => self.subscriptions.contains_key(&id) || self.in_view.get(&id).copied().unwrap_or(false),
        };
        if !follows {
            return true;
        }
        let frame = serde_json::json!({"type": "event", "topic": "typing", "conversation_id": id,
            "state": payload.get("state"), "by": payload.get("by")});
        self.send_json(&frame).await
    }
}

/// The part of a conversation event a visitor may see.
#[derive(serde::Deserialize)]
struct ConversationView {
    #[serde(flatten)]
    full: serde_json::Map<String, serde_json::Value>,
}

impl ConversationView {
    fn for_visitor(&self) -> serde_json::Value {
        let keep = ["id", "status", "last_seq", "agent_read_seq", "assignee_name", "created_at", "updated_at"];
        let shown: serde_json::Map<String, serde_json::Value> =
            self.full.iter().filter(|(k, _)| keep.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        serde_json::Value::Object(shown)
    }
}
