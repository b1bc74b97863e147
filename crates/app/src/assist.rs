//! What helps an agent answer: quick replies (their own, their teams', the account's; variables
//! filled in for the conversation) and suggestions from the knowledge base for the customer's last
//! message.

use crate::audit::{NOTHING, record};
use crate::kb_search::KbSearch;
use crate::{Actor, App, AppError};
use serde::Serialize;
use std::collections::BTreeMap;
use switchboard_domain::conversations::AuthorKind;
use switchboard_domain::kb::{KbStatus, SearchHit};
use switchboard_domain::permissions::Permission;
use switchboard_domain::quick_replies::{QuickReply, QuickReplyInput, QuickReplyScope, render};
use switchboard_domain::*;
use switchboard_store::repo::{accounts, inbox, quick_replies, teams};
use utoipa::ToSchema;

/// A FAQ answer that fits the customer's question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FaqSuggestion {
    pub entry_id: String,
    pub question: String,
    pub answer: String,
    /// 0..1; higher is better.
    pub score: f32,
}

/// Suggestions for a conversation's last customer message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestions {
    /// The text they were found for.
    pub query: String,
    pub faq: Vec<FaqSuggestion>,
    pub articles: Vec<SearchHit>,
}

impl App {
    /// The quick replies the actor sees; with a conversation, each with its variables filled in.
    pub async fn list_quick_replies(
        &self,
        actor: &Actor,
        conversation: Option<ConversationId>,
    ) -> Result<Vec<QuickReply>, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let values = match conversation {
            Some(id) => Some(self.reply_variables(actor, id).await?),
            None => None,
        };
        let mut conn = self.db().read().await?;
        let mut list = quick_replies::visible(&mut conn, actor.account_id, actor.user_id()).await?;
        if let Some(values) = values {
            for reply in &mut list {
                reply.rendered = Some(render(&reply.body, &values));
            }
        }
        Ok(list)
    }

    async fn reply_variables(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> Result<BTreeMap<&'static str, String>, AppError> {
        let conversation = self.get_conversation(actor, id).await?;
        let mut conn = self.db().read().await?;
        let contact = inbox::get_contact(&mut conn, actor.account_id, conversation.contact_id).await?;
        let account = accounts::get_by_id(&mut conn, actor.account_id).await?;
        let mut values = BTreeMap::new();
        if let Some(contact) = contact {
            values.insert("contact.name", contact.name);
            values.insert("contact.email", contact.email.unwrap_or_default());
            values.insert("contact.phone", contact.phone.unwrap_or_default());
        }
        values.insert("agent.name", actor.name.clone());
        values.insert("conversation.id", id.to_string());
        if let Some(account) = account {
            values.insert("account.name", account.name);
        }
        Ok(values)
    }

    /// Whether the actor may change this quick reply (their own; shared ones with the permission).
    fn may_change(actor: &Actor, reply: &QuickReply) -> Result<(), AppError> {
        match reply.scope {
            QuickReplyScope::Personal if reply.owner_id == actor.user_id() => Ok(()),
            QuickReplyScope::Personal => Err(AppError::NotFound),
            _ => actor.require(Permission::QuickRepliesManage),
        }
    }

    pub async fn save_quick_reply(
        &self,
        actor: &Actor,
        id: Option<QuickReplyId>,
        input: &QuickReplyInput,
    ) -> Result<QuickReply, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let mut tx = self.db().begin().await?;
        let current = match id {
            Some(id) => {
                let found = quick_replies::get_one(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
                Self::may_change(actor, &found)?;
                Some(found)
            }
            None => None,
        };
        let valid = input.apply(current.as_ref())?;
        let (scope, team_id) = (valid.scope, valid.team_id);
        if scope != QuickReplyScope::Personal {
            actor.require(Permission::QuickRepliesManage)?;
        }
        if let Some(team) = team_id
            && teams::existing_ids(&mut tx, actor.account_id, &[team]).await?.is_empty()
        {
            return Err(AppError::field("team_id", "no such team"));
        }
        let owner_id = match scope {
            QuickReplyScope::Personal => Some(
                current
                    .as_ref()
                    .and_then(|c| c.owner_id)
                    .or(actor.user_id())
                    .ok_or(AppError::Forbidden("conversations.reply"))?,
            ),
            _ => None,
        };
        let at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        let reply = QuickReply {
            id: current.as_ref().map(|c| c.id).unwrap_or_else(|| QuickReplyId::from_i64(self.db().new_id())),
            scope,
            owner_id,
            team_id,
            shortcut: valid.shortcut,
            title: valid.title,
            body: valid.body,
            category: valid.category,
            rendered: None,
            created_at: current.as_ref().map(|c| c.created_at).unwrap_or(at),
            updated_at: at,
        };
        quick_replies::save(&mut tx, actor.account_id, &reply, current.is_none()).await?;
        let action = if current.is_some() { "quick_reply.update" } else { "quick_reply.create" };
        record(self, &mut tx, actor, action, ("quick_reply", Some(reply.id.as_i64())), current.as_ref(), Some(&reply))
            .await?;
        tx.commit().await?;
        Ok(reply)
    }

    pub async fn delete_quick_reply(&self, actor: &Actor, id: QuickReplyId) -> Result<(), AppError> {
        actor.require(Permission::ConversationsReply)?;
        let mut tx = self.db().begin().await?;
        let found = quick_replies::get_one(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        Self::may_change(actor, &found)?;
        quick_replies::delete(&mut tx, actor.account_id, id).await?;
        record(self, &mut tx, actor, "quick_reply.delete", ("quick_reply", Some(id.as_i64())), Some(&found), NOTHING)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// FAQ answers and articles for the conversation's last customer message (or `query`).
    pub async fn suggestions(
        &self,
        actor: &Actor,
        id: ConversationId,
        query: Option<&str>,
    ) -> Result<Suggestions, AppError> {
        actor.require(Permission::KbRead)?;
        let query = match query.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => q.chars().take(500).collect::<String>(),
            None => {
                let conversation = self.get_conversation(actor, id).await?;
                let after = (conversation.last_seq - 50).max(0);
                let messages = self.list_messages(actor, id, after).await?;
                let last =
                    messages.iter().rev().find(|m| m.author_kind == AuthorKind::Customer && !m.text.trim().is_empty());
                match last {
                    Some(m) => m.text.chars().take(500).collect(),
                    None => return Ok(Suggestions { query: String::new(), faq: Vec::new(), articles: Vec::new() }),
                }
            }
        };
        self.get_conversation(actor, id).await?;
        let bot = self.faq_bot(actor.account_id).await?;
        let explained = bot.explain(&query);
        let faq = explained
            .ranked
            .iter()
            .take(3)
            .filter(|(c, ..)| c.score > 0.0)
            .filter_map(|(c, ..)| {
                bot.entry(&c.entry_id).map(|e| FaqSuggestion {
                    entry_id: c.entry_id.clone(),
                    question: e.question.clone(),
                    answer: e.answer.clone(),
                    score: c.score,
                })
            })
            .collect();
        let search = KbSearch {
            query: query.clone(),
            kind: Some("article".into()),
            status: Some(KbStatus::Published),
            limit: Some(3),
            ..Default::default()
        };
        let articles = self.search_kb(actor, &search).await.unwrap_or_default();
        Ok(Suggestions { query, faq, articles })
    }
}
