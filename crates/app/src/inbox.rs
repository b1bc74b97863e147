//! The inbox: channels, conversations and messages. Every read and write is limited to the actor's
//! data scope; a conversation outside it is not found.

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError, Page, PageRequest};
use switchboard_domain::conversations::*;
use switchboard_domain::permissions::{DataScope, Permission};
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::{inbox, outbox, teams, users};

fn now() -> Timestamp {
    Timestamp::from_unix_ms(switchboard_store::now_ms())
}

/// The most messages one page returns.
const MESSAGE_PAGE: i64 = 200;

impl App {
    async fn emit(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        topic: &str,
        payload: serde_json::Value,
    ) -> Result<(), AppError> {
        outbox::append(conn, account, self.db().new_id(), topic, payload, now()).await?;
        Ok(())
    }

    pub async fn list_channels(&self, actor: &Actor, page: &PageRequest) -> Result<Page<Channel>, AppError> {
        actor.require(Permission::ChannelsRead)?;
        let mut conn = self.db().read().await?;
        let rows = inbox::list_channels(&mut conn, actor.account_id, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |c| c.id.as_i64()))
    }

    pub async fn create_channel(&self, actor: &Actor, input: &NewChannelInput) -> Result<Channel, AppError> {
        actor.require(Permission::ChannelsManage)?;
        let (name, kind) = input.validate()?;
        let at = now();
        let channel = Channel {
            id: ChannelId::from_i64(self.db().new_id()),
            kind,
            name: name.to_string(),
            active: true,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db().begin().await?;
        inbox::insert_channel(&mut tx, actor.account_id, &channel).await?;
        record(self, &mut tx, actor, "channel.create", ("channel", Some(channel.id.as_i64())), NOTHING, Some(&channel))
            .await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(channel)
    }

    /// Opens a conversation for a contact (found by id, external id or email, or created), with the
    /// customer's first message if given.
    pub async fn create_conversation(
        &self,
        actor: &Actor,
        input: &NewConversationInput,
    ) -> Result<(Conversation, Option<Message>), AppError> {
        actor.require(Permission::ConversationsReply)?;
        let new = input.validate()?;
        let at = now();
        let mut tx = self.db().begin().await?;
        if inbox::get_channel(&mut tx, actor.account_id, new.channel_id).await?.is_none() {
            return Err(AppError::field("channel_id", "no such channel"));
        }
        if let Some(team) = new.team_id
            && teams::existing_ids(&mut tx, actor.account_id, &[team]).await?.is_empty()
        {
            return Err(AppError::field("team_id", "no such team"));
        }
        let contact = match new.contact {
            ContactRef::Existing(id) => inbox::get_contact(&mut tx, actor.account_id, id)
                .await?
                .ok_or_else(|| AppError::field("contact.id", "no such contact"))?,
            ContactRef::Details { name, email, external_id } => {
                let email = email.map(|e| e.to_string());
                match inbox::find_contact(&mut tx, actor.account_id, external_id.as_deref(), email.as_deref()).await? {
                    Some(found) => found,
                    None => {
                        let contact = Contact {
                            id: ContactId::from_i64(self.db().new_id()),
                            name: name.to_string(),
                            email,
                            external_id,
                            created_at: at,
                            updated_at: at,
                        };
                        inbox::insert_contact(&mut tx, actor.account_id, &contact).await?;
                        contact
                    }
                }
            }
        };
        let mut conversation = Conversation {
            id: ConversationId::from_i64(self.db().new_id()),
            channel_id: new.channel_id,
            contact_id: contact.id,
            status: ConversationStatus::Open,
            assignee_id: None,
            team_id: new.team_id,
            priority: new.priority,
            tags: new.tags,
            last_seq: 0,
            created_at: at,
            updated_at: at,
            last_message_at: None,
            first_response_at: None,
            resolved_at: None,
        };
        inbox::insert_conversation(&mut tx, actor.account_id, &conversation).await?;
        self.emit(
            &mut tx,
            actor.account_id,
            "conversation.created",
            serde_json::to_value(&conversation).unwrap_or_default(),
        )
        .await?;
        let message = match new.message {
            Some(text) => {
                let seq = inbox::next_seq(&mut tx, actor.account_id, conversation.id, at).await?;
                let message = Message {
                    id: MessageId::from_i64(self.db().new_id()),
                    conversation_id: conversation.id,
                    seq,
                    author_kind: AuthorKind::Customer,
                    author_id: Some(contact.id.as_i64()),
                    text,
                    private: false,
                    client_id: None,
                    created_at: at,
                };
                inbox::insert_message(&mut tx, actor.account_id, &message).await?;
                self.emit(
                    &mut tx,
                    actor.account_id,
                    "message.created",
                    serde_json::to_value(&message).unwrap_or_default(),
                )
                .await?;
                conversation.last_seq = seq;
                conversation.last_message_at = Some(at);
                Some(message)
            }
            None => None,
        };
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok((conversation, message))
    }

    fn scope(actor: &Actor) -> (Option<UserId>, DataScope) {
        (actor.user_id(), if actor.user_id().is_none() { DataScope::Account } else { actor.data_scope })
    }

    pub async fn get_conversation(&self, actor: &Actor, id: ConversationId) -> Result<Conversation, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let (user, scope) = Self::scope(actor);
        let mut conn = self.db().read().await?;
        inbox::get_conversation(&mut conn, actor.account_id, user, scope, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list_conversations(
        &self,
        actor: &Actor,
        filter: &ConversationFilter,
        page: &PageRequest,
    ) -> Result<Page<Conversation>, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let (user, scope) = Self::scope(actor);
        let mut conn = self.db().read().await?;
        let rows = inbox::list_conversations(
            &mut conn,
            actor.account_id,
            user,
            scope,
            filter,
            page.after()?,
            page.limit() + 1,
        )
        .await?;
        Ok(page.page(rows, |c| c.id.as_i64()))
    }

    /// Messages after `after_seq` (at most 200 per call), in order.
    pub async fn list_messages(
        &self,
        actor: &Actor,
        id: ConversationId,
        after_seq: i64,
    ) -> Result<Vec<Message>, AppError> {
        self.get_conversation(actor, id).await?;
        let mut conn = self.db().read().await?;
        Ok(inbox::list_messages(&mut conn, actor.account_id, id, after_seq.max(0), MESSAGE_PAGE).await?)
    }

    /// An agent's reply or internal note. Idempotent: a resend with the same `client_id` returns the
    /// message already stored (and `false`), never a second one.
    pub async fn send_message(
        &self,
        actor: &Actor,
        id: ConversationId,
        input: &NewMessageInput,
    ) -> Result<(Message, bool), AppError> {
        actor.require(Permission::ConversationsReply)?;
        let new = input.validate()?;
        let (user, scope) = Self::scope(actor);
        let at = now();
        let mut tx = self.db().begin().await?;
        let mut conversation =
            inbox::get_conversation(&mut tx, actor.account_id, user, scope, id).await?.ok_or(AppError::NotFound)?;
        // Taking the sequence locks the conversation: a concurrent resend waits here, then finds ours.
        let seq = inbox::next_seq(&mut tx, actor.account_id, id, at).await?;
        if let Some(client_id) = &new.client_id
            && let Some(existing) = inbox::message_by_client_id(&mut tx, actor.account_id, id, client_id).await?
        {
            tx.rollback().await?;
            return Ok((existing, false));
        }
        let message = Message {
            id: MessageId::from_i64(self.db().new_id()),
            conversation_id: id,
            seq,
            author_kind: if user.is_some() { AuthorKind::Agent } else { AuthorKind::System },
            author_id: user.map(|u| u.as_i64()),
            text: new.text,
            private: new.private,
            client_id: new.client_id,
            created_at: at,
        };
        inbox::insert_message(&mut tx, actor.account_id, &message).await?;
        if !message.private && message.author_kind == AuthorKind::Agent && conversation.first_response_at.is_none() {
            conversation.first_response_at = Some(at);
            conversation.updated_at = at;
            inbox::update_conversation(&mut tx, actor.account_id, &conversation).await?;
        }
        self.emit(&mut tx, actor.account_id, "message.created", serde_json::to_value(&message).unwrap_or_default())
            .await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok((message, true))
    }

    /// Assigns to an agent and/or a team. Taking a conversation oneself needs `conversations.reply`;
    /// giving it to someone else or to a team needs `conversations.assign`.
    pub async fn assign_conversation(
        &self,
        actor: &Actor,
        id: ConversationId,
        input: &AssignInput,
    ) -> Result<Conversation, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let to_self = input.assignee_id.is_some() && input.assignee_id == actor.user_id() && input.team_id.is_none();
        if !to_self {
            actor.require(Permission::ConversationsAssign)?;
        }
        let (user, scope) = Self::scope(actor);
        let mut tx = self.db().begin().await?;
        let mut conversation =
            inbox::get_conversation(&mut tx, actor.account_id, user, scope, id).await?.ok_or(AppError::NotFound)?;
        if let Some(assignee) = input.assignee_id {
            match users::get_by_id(&mut tx, actor.account_id, assignee).await? {
                Some(u) if u.active => conversation.assignee_id = Some(assignee),
                _ => return Err(AppError::field("assignee_id", "no such active user")),
            }
        } else if input.unassign == Some(true) {
            conversation.assignee_id = None;
        }
        if let Some(team) = input.team_id {
            if teams::existing_ids(&mut tx, actor.account_id, &[team]).await?.is_empty() {
                return Err(AppError::field("team_id", "no such team"));
            }
            conversation.team_id = Some(team);
        }
        conversation.updated_at = now();
        self.save_conversation(tx, actor, conversation).await
    }

    pub async fn resolve_conversation(&self, actor: &Actor, id: ConversationId) -> Result<Conversation, AppError> {
        self.change_status(actor, id, true).await
    }

    pub async fn reopen_conversation(&self, actor: &Actor, id: ConversationId) -> Result<Conversation, AppError> {
        self.change_status(actor, id, false).await
    }

    async fn change_status(&self, actor: &Actor, id: ConversationId, resolve: bool) -> Result<Conversation, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let (user, scope) = Self::scope(actor);
        let mut tx = self.db().begin().await?;
        let mut conversation =
            inbox::get_conversation(&mut tx, actor.account_id, user, scope, id).await?.ok_or(AppError::NotFound)?;
        let at = now();
        let next = if resolve { conversation.status.resolve() } else { conversation.status.reopen() };
        conversation.status = next.map_err(|e| AppError::field("status", e.to_string()))?;
        conversation.resolved_at = if resolve { Some(at) } else { None };
        conversation.updated_at = at;
        self.save_conversation(tx, actor, conversation).await
    }

    /// Saves a changed conversation with its `conversation.updated` event and commits.
    async fn save_conversation(
        &self,
        mut tx: switchboard_store::WriteTx,
        actor: &Actor,
        conversation: Conversation,
    ) -> Result<Conversation, AppError> {
        inbox::update_conversation(&mut tx, actor.account_id, &conversation).await?;
        let payload = serde_json::to_value(&conversation).unwrap_or_default();
        self.emit(&mut tx, actor.account_id, "conversation.updated", payload).await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(conversation)
    }
}
