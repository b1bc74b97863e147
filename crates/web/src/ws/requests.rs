//! What a client asks over the socket: subscribe, send, typing, read, presence, rate, activity.

use super::frames::*;
use super::{Connection, InboxView, SENDS_PER_10S, Who};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use switchboard_app::{AppError, VisitorMessageInput};
use switchboard_domain::conversations::NewMessageInput;
use switchboard_domain::{AttachmentId, ConversationId};

/// A typing `start` is relayed at most this often per conversation.
const TYPING_EVERY: Duration = Duration::from_secs(2);

impl Connection {
    pub(super) async fn frame(&mut self, text: &str) -> bool {
        let frame = match serde_json::from_str::<ClientFrame>(text) {
            Ok(frame) => frame,
            Err(error) => {
                let message = error.to_string();
                let message = message.split(" at line").next().unwrap_or(&message).to_string();
                return self.violation(None, "malformed_frame", message).await;
            }
        };
        if self.who.is_none() {
            return false;
        }
        match frame {
            ClientFrame::Hello { r#ref, .. } => {
                self.violation(r#ref.as_deref(), "malformed_frame", "already authenticated".into()).await
            }
            ClientFrame::Ping { t } => self.send(&ServerFrame::Pong { t }).await,
            ClientFrame::Pong => true,
            ClientFrame::Subscribe { r#ref, conversations, inbox } => {
                self.subscribe(r#ref.as_deref(), conversations, inbox).await
            }
            ClientFrame::Send { r#ref, conversation_id, client_id, text, attachments, private, prechat } => {
                self.send_message(r#ref.as_deref(), conversation_id, client_id, text, attachments, private, prechat)
                    .await
            }
            ClientFrame::Typing { conversation_id, state, private } => {
                self.typing(conversation_id, state, private).await
            }
            ClientFrame::Read { r#ref, conversation_id, seq } => {
                self.read(r#ref.as_deref(), conversation_id, seq).await
            }
            ClientFrame::Presence { r#ref, state } => {
                let Some(Who::User(actor)) = self.who.clone() else {
                    return self.error(r#ref.as_deref(), "forbidden", "only users have a presence".into(), None).await;
                };
                match self.state.app.set_presence(&actor, &state).await {
                    Ok(_) => self.send(&ServerFrame::Ok { r#ref: r#ref.as_deref() }).await,
                    Err(error) => self.app_error(r#ref.as_deref(), &error).await,
                }
            }
            ClientFrame::Rate { r#ref, message_id, rating } => {
                let Some(Who::Visitor(visitor)) = self.who.clone() else {
                    return self.error(r#ref.as_deref(), "forbidden", "only customers rate answers".into(), None).await;
                };
                if let Some(refused) = self.over_send_limit(r#ref.as_deref()).await {
                    return refused;
                }
                let input = switchboard_domain::bot_feedback::RateInput { rating };
                match self.state.app.visitor_rate(&visitor, message_id, &input).await {
                    Ok(_) => self.send(&ServerFrame::Ok { r#ref: r#ref.as_deref() }).await,
                    Err(error) => self.app_error(r#ref.as_deref(), &error).await,
                }
            }
            ClientFrame::Activity { r#ref } => {
                let Some(Who::User(actor)) = self.who.clone() else {
                    return self.error(r#ref.as_deref(), "forbidden", "only users have a presence".into(), None).await;
                };
                match self.state.app.presence_activity(&actor).await {
                    Ok(_) => self.send(&ServerFrame::Ok { r#ref: r#ref.as_deref() }).await,
                    Err(error) => self.app_error(r#ref.as_deref(), &error).await,
                }
            }
        }
    }

    /// Whether the actor may see the conversation (remembered once found).
    pub(super) async fn may_see(&mut self, id: ConversationId) -> Result<(), AppError> {
        if self.allowed.contains(&id) {
            return Ok(());
        }
        match self.who.clone() {
            Some(Who::User(actor)) => self.state.app.get_conversation(&actor, id).await.map(|_| ()),
            Some(Who::Visitor(visitor)) => self.state.app.visitor_conversation(&visitor, id).await.map(|_| ()),
            None => Err(AppError::Unauthenticated),
        }?;
        if self.allowed.len() > 10_000 {
            self.allowed.clear();
        }
        self.allowed.insert(id);
        Ok(())
    }

    async fn subscribe(
        &mut self,
        r#ref: Option<&str>,
        conversations: Vec<Subscription>,
        inbox: Option<serde_json::Value>,
    ) -> bool {
        if let Some(inbox) = inbox {
            if !matches!(self.who, Some(Who::User(_))) {
                return self.error(r#ref, "forbidden", "inbox views are for agents".into(), None).await;
            }
            if inbox.is_null() {
                self.inbox = None;
                self.registration.set_inbox(None);
            } else {
                match InboxView::parse(&inbox) {
                    Some(view) => {
                        self.inbox = Some(view);
                        self.in_view.clear();
                        let account = self.who.as_ref().map(|w| w.account());
                        self.registration.set_inbox(account);
                    }
                    None => {
                        let message = "inbox.view must be mine, unassigned, teams or all".to_string();
                        return self.violation(r#ref, "malformed_frame", message).await;
                    }
                }
            }
        }
        let mut subscribed = Vec::new();
        for subscription in conversations {
            match self.may_see(subscription.id).await {
                Ok(()) => {
                    if !self.subscriptions.contains_key(&subscription.id) {
                        self.registration.follow(subscription.id);
                    }
                    self.subscriptions.insert(subscription.id, subscription.after_seq.max(0));
                    subscribed.push(subscription.id);
                }
                Err(error) => {
                    let (code, fields) = super::app_error_code(&error);
                    let message = format!("conversation {}: {error}", subscription.id);
                    if !self.error(r#ref, code, message, fields).await {
                        return false;
                    }
                }
            }
        }
        let view = self.inbox.map(InboxView::name);
        let frame = ServerFrame::Subscribed { r#ref, conversations: subscribed.clone(), inbox: view };
        if !self.send(&frame).await {
            return false;
        }
        let visitor_account = match &self.who {
            Some(Who::Visitor(visitor)) => Some(visitor.account_id),
            _ => None,
        };
        for id in subscribed {
            if !self.catch_up(id).await {
                return false;
            }
            // A waiting customer hears their place in line at once (then as it moves).
            if let Some(account) = visitor_account
                && let Ok(Some(place)) = self.state.app.queue_position(account, id).await
            {
                let frame = serde_json::json!({"type": "event", "topic": "queue", "conversation_id": id,
                    "position": place.position, "estimated_wait_seconds": place.estimated_wait_seconds});
                if !self.send_json(&frame).await {
                    return false;
                }
            }
        }
        true
    }

    /// Counts a write (`send`, `rate`) against the limit of `SENDS_PER_10S` per 10 s; over it, the
    /// client is told when to retry and `Some(connection still fine)` is returned.
    async fn over_send_limit(&mut self, r#ref: Option<&str>) -> Option<bool> {
        let now = Instant::now();
        while self.sends.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(10)) {
            self.sends.pop_front();
        }
        if self.sends.len() as u32 >= SENDS_PER_10S {
            let retry = self.sends.front().map(|t| 10_000u64.saturating_sub(now.duration_since(*t).as_millis() as u64));
            let frame = serde_json::json!({"type": "error", "ref": r#ref, "code": "rate_limited",
                "message": "too many messages; wait a moment", "retry_after_ms": retry.unwrap_or(1000)});
            return Some(self.send_json(&frame).await);
        }
        self.sends.push_back(now);
        None
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_message(
        &mut self,
        r#ref: Option<&str>,
        conversation_id: Option<ConversationId>,
        client_id: Option<String>,
        text: Option<String>,
        attachments: Option<Vec<AttachmentId>>,
        private: Option<bool>,
        prechat: Option<BTreeMap<String, String>>,
    ) -> bool {
        if let Some(refused) = self.over_send_limit(r#ref).await {
            return refused;
        }
        let input = NewMessageInput { from_customer: None, text, attachments, private, client_id };
        let result = match self.who.clone() {
            Some(Who::User(actor)) => match conversation_id {
                Some(id) => self.state.app.send_message(&actor, id, &input).await,
                None => Err(AppError::field("conversation_id", "is required")),
            },
            Some(Who::Visitor(visitor)) => {
                let input = VisitorMessageInput { conversation_id, message: input, prechat };
                self.state.app.visitor_send(&visitor, &input).await
            }
            None => return false,
        };
        match result {
            Ok((message, _)) => {
                let id = message.conversation_id;
                self.allowed.insert(id);
                let newly_followed = matches!(self.who, Some(Who::Visitor(_))) && !self.subscriptions.contains_key(&id);
                if newly_followed {
                    // A visitor follows the conversations they write in, from their own message on.
                    self.registration.follow(id);
                    self.subscriptions.insert(id, message.seq);
                }
                if !self.send(&ServerFrame::Ack { r#ref, conversation_id: id, message: &message }).await {
                    return false;
                }
                // Whatever was written between the commit and following it (a quick bot answer).
                !newly_followed || self.catch_up(id).await
            }
            Err(error) => self.app_error(r#ref, &error).await,
        }
    }

    async fn typing(&mut self, id: ConversationId, state: TypingState, private: bool) -> bool {
        let now = Instant::now();
        if state == TypingState::Start
            && self.last_typing.get(&id).is_some_and(|t| now.duration_since(*t) < TYPING_EVERY)
        {
            return true;
        }
        if let Err(error) = self.may_see(id).await {
            return self.app_error(None, &error).await;
        }
        match state {
            TypingState::Start => self.last_typing.insert(id, now),
            TypingState::Stop => self.last_typing.remove(&id),
        };
        let typing = state == TypingState::Start;
        match self.who.clone() {
            Some(Who::User(actor)) => self.state.app.agent_typing(&actor, id, typing, private, self.id),
            Some(Who::Visitor(visitor)) => self.state.app.visitor_typing(&visitor, id, typing, self.id),
            None => return false,
        }
        true
    }

    async fn read(&mut self, r#ref: Option<&str>, id: ConversationId, seq: i64) -> bool {
        let result = match self.who.clone() {
            Some(Who::User(actor)) => self.state.app.mark_conversation_read(&actor, id, seq).await,
            Some(Who::Visitor(visitor)) => self.state.app.visitor_read(&visitor, id, seq).await,
            None => return false,
        };
        match result {
            Ok(_) => self.send(&ServerFrame::Ok { r#ref }).await,
            Err(error) => self.app_error(r#ref, &error).await,
        }
    }
}
