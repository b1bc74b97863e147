//! Transfers (to an agent or a team, with an internal note the receiver sees) and offers (accept,
//! decline, or time out).

use super::queue::SystemNote;
use super::{agent_capacity, now_ms};
use crate::{Actor, App, AppError};
use serde::Deserialize;
use std::collections::HashMap;
use switchboard_domain::conversations::*;
use switchboard_domain::permissions::{DataScope, Permission};
use switchboard_domain::routing::board;
use switchboard_domain::*;
use switchboard_store::repo::{inbox, queue, routing, teams, users};
use utoipa::ToSchema;

/// Where a conversation goes: exactly one of an agent or a team, with an optional note for them.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TransferInput {
    pub to_agent_id: Option<UserId>,
    pub to_team_id: Option<TeamId>,
    /// An internal note the receiver sees with the history (never the customer).
    pub note: Option<String>,
}

/// The longest transfer note.
const MAX_NOTE_CHARS: usize = 2000;

impl App {
    /// Hands a conversation to another agent (who must be online or busy and have room, unless a
    /// supervisor insists) or to a team's queue, with an internal note. The customer is told.
    pub async fn transfer_conversation(
        &self,
        actor: &Actor,
        id: ConversationId,
        input: &TransferInput,
    ) -> Result<Conversation, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            return Err(AppError::field("note", format!("must be at most {MAX_NOTE_CHARS} characters")));
        }
        if input.to_agent_id.is_some() == input.to_team_id.is_some() {
            return Err(AppError::field("to_agent_id", "name exactly one of to_agent_id and to_team_id"));
        }
        let (user, scope) =
            (actor.user_id(), if actor.user_id().is_none() { DataScope::Account } else { actor.data_scope });
        let now = now_ms();
        let at = Timestamp::from_unix_ms(now);
        let mut tx = self.db().begin().await?;
        switchboard_store::dialect::lock_account(&mut tx, actor.account_id.as_i64()).await?;
        let mut conversation =
            inbox::get_conversation(&mut tx, actor.account_id, user, scope, id).await?.ok_or(AppError::NotFound)?;
        if conversation.assignee_id != actor.user_id() {
            actor.require(Permission::ConversationsAssign)?;
        }
        if matches!(conversation.status, ConversationStatus::Resolved | ConversationStatus::Closed) {
            return Err(AppError::field("status", "reopen the conversation before transferring it"));
        }
        let settings = routing::settings(&mut tx, actor.account_id).await?;
        let target_name = if let Some(agent) = input.to_agent_id {
            let target = users::get_by_id(&mut tx, actor.account_id, agent)
                .await?
                .filter(|u| u.active)
                .ok_or_else(|| AppError::field("to_agent_id", "no such active user"))?;
            let status = routing::agent_status(&mut tx, actor.account_id, agent).await?.ok_or(AppError::NotFound)?;
            let load = queue::agent_loads(&mut tx, actor.account_id).await?.get(&agent).copied().unwrap_or(0);
            let supervisor = actor.can(Permission::RoutingMonitor);
            if !supervisor && !matches!(status.state.as_str(), "online" | "busy") {
                return Err(AppError::Conflict(FieldErrors::single(
                    "to_agent_id",
                    format!("{} is {}", target.name, status.state),
                )));
            }
            if !supervisor && load >= agent_capacity(&status, &settings) {
                return Err(AppError::Conflict(FieldErrors::single(
                    "to_agent_id",
                    format!("{} has no room", target.name),
                )));
            }
            queue::dequeue(&mut tx, actor.account_id, id).await?;
            conversation.assignee_id = Some(agent);
            conversation.updated_at = at;
            inbox::update_conversation(&mut tx, actor.account_id, &conversation).await?;
            queue::set_last_agent(&mut tx, actor.account_id, conversation.contact_id, agent, now).await?;
            target.name
        } else {
            let team = input.to_team_id.ok_or_else(|| AppError::field("to_team_id", "is required"))?;
            let team = teams::get_by_id(&mut tx, actor.account_id, team)
                .await?
                .ok_or_else(|| AppError::field("to_team_id", "no such team"))?;
            // A full line refuses transfers as it refuses new customers, unless a supervisor insists.
            let max_queue = routing::team_settings(&mut tx, actor.account_id)
                .await?
                .into_iter()
                .find(|(t, ..)| *t == team.id)
                .and_then(|(_, _, s)| s.max_queue);
            if let Some(max) = max_queue
                && conversation.team_id != Some(team.id)
                && !actor.can(Permission::RoutingMonitor)
                && queue::waiting_count(&mut tx, actor.account_id, team.id).await? >= i64::from(max)
            {
                return Err(AppError::Conflict(FieldErrors::single(
                    "to_team_id",
                    format!("{}'s queue is full ({max} waiting)", team.name),
                )));
            }
            conversation.assignee_id = None;
            conversation.team_id = Some(team.id);
            conversation.updated_at = at;
            inbox::update_conversation(&mut tx, actor.account_id, &conversation).await?;
            let (_, vip, _) = queue::contact_facts(&mut tx, actor.account_id, conversation.contact_id).await?;
            let rank = board::queue_rank(conversation.priority, vip);
            queue::dequeue(&mut tx, actor.account_id, id).await?;
            queue::enqueue(&mut tx, actor.account_id, id, team.id, rank, now).await?;
            team.name
        };
        if let Some(note) = note {
            self.transfer_note(&mut tx, actor, &conversation, &note, at).await?;
        }
        self.queue_changed(actor.account_id, conversation.team_id);
        self.system_message(&mut tx, actor.account_id, &conversation, SystemNote::Transferred(target_name)).await?;
        let payload = serde_json::json!({"conversation_id": id, "by": actor.user_id(), "to_agent_id": input.to_agent_id,
            "to_team_id": input.to_team_id});
        self.emit(&mut tx, actor.account_id, "conversation.transferred", payload).await?;
        let updated = self.emit_conversation(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        self.committed(actor.account_id);
        self.routing_needed(actor.account_id);
        Ok(updated)
    }

    async fn transfer_note(
        &self,
        conn: &mut switchboard_store::AnyConnection,
        actor: &Actor,
        conversation: &Conversation,
        note: &str,
        at: Timestamp,
    ) -> Result<(), AppError> {
        let seq = inbox::next_seq(conn, actor.account_id, conversation.id, at).await?;
        let message = Message {
            id: MessageId::from_i64(self.db().new_id()),
            conversation_id: conversation.id,
            seq,
            author_kind: if actor.user_id().is_some() { AuthorKind::Agent } else { AuthorKind::System },
            author_id: actor.user_id().map(|u| u.as_i64()),
            author_name: actor.name.clone(),
            text: note.to_string(),
            attachments: Vec::new(),
            bot: Some(serde_json::json!({"kind": "transfer_note"})),
            private: true,
            client_id: None,
            created_at: at,
        };
        inbox::insert_message(conn, actor.account_id, &message, &switchboard_text::tokenize(&message.text)).await?;
        self.emit(conn, actor.account_id, "message.created", serde_json::to_value(&message).unwrap_or_default())
            .await?;
        Ok(())
    }

    /// The agent takes a conversation offered to them.
    pub async fn accept_offer(&self, actor: &Actor, id: ConversationId) -> Result<Conversation, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let Some(agent) = actor.user_id() else { return Err(AppError::NotFound) };
        let now = now_ms();
        let mut tx = self.db().begin().await?;
        let conversation = inbox::get_conversation(&mut tx, actor.account_id, None, DataScope::Account, id)
            .await?
            .filter(|c| c.offered_to == Some(agent))
            .ok_or(AppError::NotFound)?;
        // The same write as a routing pass's: guarded assignment, last agent, "joined" note, events.
        let contacts = HashMap::from([(id, conversation.contact_id)]);
        if self.assign_all(&mut tx, actor.account_id, &[(id, agent)], &contacts, now).await?.is_empty() {
            return Err(AppError::Conflict(FieldErrors::single("conversation", "the offer is no longer open")));
        }
        let updated = inbox::get_conversation(&mut tx, actor.account_id, None, DataScope::Account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(updated)
    }

    /// The agent passes on an offer: it goes back to the queue (keeping its place) and is never
    /// offered to them again.
    pub async fn decline_offer(&self, actor: &Actor, id: ConversationId) -> Result<(), AppError> {
        actor.require(Permission::ConversationsReply)?;
        let Some(agent) = actor.user_id() else { return Err(AppError::NotFound) };
        self.return_offer(actor.account_id, id, agent).await?.then_some(()).ok_or(AppError::NotFound)
    }

    /// Puts an offer back in line; true when it was still open.
    pub(crate) async fn return_offer(
        &self,
        account: AccountId,
        id: ConversationId,
        agent: UserId,
    ) -> Result<bool, AppError> {
        let mut tx = self.db().begin().await?;
        if !queue::return_offer(&mut tx, account, id, agent).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        let payload = serde_json::json!({"conversation_id": id, "agent_id": agent});
        self.emit(&mut tx, account, "conversation.offer_withdrawn", payload).await?;
        let back = self.emit_conversation(&mut tx, account, id).await?;
        self.queue_changed(account, back.and_then(|c| c.team_id));
        tx.commit().await?;
        self.committed(account);
        self.routing_needed(account);
        Ok(true)
    }
}
