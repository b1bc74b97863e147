//! The inbox: channels, conversations and messages. Every read and write is limited to the actor's
//! data scope; a conversation outside it is not found.

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError, Page, PageRequest};
use switchboard_domain::conversations::*;
use switchboard_domain::permissions::{DataScope, Permission};
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::{channels, inbox, outbox, queue, teams, users};

fn now() -> Timestamp {
    Timestamp::from_unix_ms(switchboard_store::now_ms())
}

/// The most messages one page returns.
const MESSAGE_PAGE: i64 = 200;

impl App {
    pub(crate) async fn emit(
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
        let rows = channels::list_channels(&mut conn, actor.account_id, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |c| c.id.as_i64()))
    }

    pub async fn create_channel(&self, actor: &Actor, input: &NewChannelInput) -> Result<Channel, AppError> {
        actor.require(Permission::ChannelsManage)?;
        let (name, kind) = input.validate()?;
        let at = now();
        let widget = kind == ChannelKind::WebWidget;
        let channel = Channel {
            id: ChannelId::from_i64(self.db().new_id()),
            kind,
            name: name.to_string(),
            active: true,
            public_key: widget.then(crate::widget::new_public_key),
            identity_secret: widget.then(|| crate::tokens::new_secret(crate::widget::IDENTITY_SECRET_PREFIX)),
            settings: Default::default(),
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db().begin().await?;
        channels::insert_channel(&mut tx, actor.account_id, &channel).await?;
        let mut shown = channel.clone();
        shown.identity_secret = None;
        record(self, &mut tx, actor, "channel.create", ("channel", Some(channel.id.as_i64())), NOTHING, Some(&shown))
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
        let tokens = new.message.as_deref().map(switchboard_text::tokenize).unwrap_or_default();
        let mut tx = self.db().begin().await?;
        if channels::get_channel(&mut tx, actor.account_id, new.channel_id).await?.is_none() {
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
                            phone: None,
                            external_id,
                            verified: false,
                            attributes: Default::default(),
                            vip_level: 0,
                            tags: Vec::new(),
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
            contact_name: contact.name.clone(),
            contact_verified: contact.verified,
            status: ConversationStatus::Open,
            assignee_id: None,
            assignee_name: None,
            team_id: new.team_id,
            priority: new.priority,
            tags: new.tags,
            last_seq: 0,
            customer_read_seq: 0,
            agent_read_seq: 0,
            page_url: None,
            page_title: None,
            locale: None,
            prechat: Default::default(),
            last_message: None,
            bot: None,
            queued_at: None,
            offered_to: None,
            offer_expires_at: None,
            contact_vip_level: contact.vip_level,
            created_at: at,
            updated_at: at,
            last_message_at: None,
            first_response_at: None,
            resolved_at: None,
        };
        inbox::insert_conversation(&mut tx, actor.account_id, &conversation).await?;
        self.enqueue_new(&mut tx, actor.account_id, &mut conversation, None).await?;
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
                    author_name: contact.name.clone(),
                    text,
                    attachments: Vec::new(),
                    bot: None,
                    private: false,
                    client_id: None,
                    created_at: at,
                };
                inbox::insert_message(&mut tx, actor.account_id, &message, &tokens).await?;
                self.emit(
                    &mut tx,
                    actor.account_id,
                    "message.created",
                    serde_json::to_value(&message).unwrap_or_default(),
                )
                .await?;
                conversation.last_seq = seq;
                conversation.last_message_at = Some(at);
                conversation.last_message = Some(message.text.chars().take(200).collect());
                Some(message)
            }
            None => None,
        };
        tx.commit().await?;
        self.committed(actor.account_id);
        if conversation.queued_at.is_some() {
            self.routing_needed(actor.account_id);
        }
        Ok((conversation, message))
    }

    /// The user and data scope every conversation query of the actor is limited by.
    pub(crate) fn scope(actor: &Actor) -> (Option<UserId>, DataScope) {
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
        Ok(inbox::list_messages(&mut conn, actor.account_id, id, after_seq.max(0), MESSAGE_PAGE, true).await?)
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
        // Tokenized before the transaction: no CPU work while holding the write lock.
        let tokens = switchboard_text::tokenize(&new.text);
        let mut tx = self.db().begin().await?;
        let mut conversation =
            inbox::get_conversation(&mut tx, actor.account_id, user, scope, id).await?.ok_or(AppError::NotFound)?;
        // Taking the sequence locks the conversation: a concurrent resend waits here, then finds ours.
        let seq = inbox::next_seq_read_by(&mut tx, actor.account_id, id, at, new.from_customer, new.private).await?;
        if let Some(client_id) = &new.client_id
            && let Some(existing) = inbox::message_by_client_id(&mut tx, actor.account_id, id, client_id).await?
        {
            tx.rollback().await?;
            return Ok((existing, false));
        }
        let message_id = MessageId::from_i64(self.db().new_id());
        let uploader = ("user", user.map(|u| u.as_i64()).unwrap_or(0));
        let attachments =
            self.attach(&mut tx, actor.account_id, uploader, &conversation, message_id, &new.attachments).await?;
        let (author_kind, author_id, author_name) = if new.from_customer {
            let channel = channels::get_channel(&mut tx, actor.account_id, conversation.channel_id).await?;
            if channel.is_none_or(|c| c.kind != ChannelKind::Api) {
                return Err(AppError::field(
                    "from_customer",
                    "only an api channel's conversations take customer messages",
                ));
            }
            (AuthorKind::Customer, Some(conversation.contact_id.as_i64()), conversation.contact_name.clone())
        } else if let Some(user) = user {
            (AuthorKind::Agent, Some(user.as_i64()), actor.name.clone())
        } else {
            (AuthorKind::System, None, actor.name.clone())
        };
        let message = Message {
            id: message_id,
            conversation_id: id,
            seq,
            author_kind,
            author_id,
            author_name,
            text: new.text,
            attachments,
            bot: None,
            private: new.private,
            client_id: new.client_id,
            created_at: at,
        };
        inbox::insert_message(&mut tx, actor.account_id, &message, &tokens).await?;
        let by_customer = author_kind == AuthorKind::Customer;
        let status = if by_customer { conversation.status.on_customer_message() } else { conversation.status };
        let first_response =
            !message.private && author_kind == AuthorKind::Agent && conversation.first_response_at.is_none();
        let reopened = status != conversation.status;
        if first_response || reopened {
            if first_response {
                conversation.first_response_at = Some(at);
            }
            if reopened {
                conversation.status = status;
                conversation.resolved_at = None;
            }
            conversation.updated_at = at;
            conversation.last_seq = seq;
            conversation.last_message_at = Some(at);
            conversation.last_message = Some(message.text.chars().take(200).collect());
            inbox::update_conversation_activity(&mut tx, actor.account_id, &conversation).await?;
            if reopened {
                // Read again: routing may have assigned it since this request read it.
                if let Some(fresh) =
                    inbox::get_conversation(&mut tx, actor.account_id, None, DataScope::Account, id).await?
                {
                    conversation = fresh;
                }
                let payload = serde_json::to_value(&conversation).unwrap_or_default();
                self.emit(&mut tx, actor.account_id, "conversation.updated", payload).await?;
            }
        }
        self.emit(&mut tx, actor.account_id, "message.created", serde_json::to_value(&message).unwrap_or_default())
            .await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok((message, true))
    }

    /// An agent has read the conversation up to `seq`; everyone following it is told.
    pub async fn mark_conversation_read(&self, actor: &Actor, id: ConversationId, seq: i64) -> Result<i64, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let (user, scope) = Self::scope(actor);
        let mut tx = self.db().begin().await?;
        let conversation =
            inbox::get_conversation(&mut tx, actor.account_id, user, scope, id).await?.ok_or(AppError::NotFound)?;
        if seq <= conversation.agent_read_seq {
            tx.rollback().await?;
            return Ok(conversation.agent_read_seq);
        }
        let read = inbox::mark_read(&mut tx, actor.account_id, id, false, seq).await?;
        let payload = serde_json::json!({"conversation_id": id, "by": "agent", "seq": read});
        self.emit(&mut tx, actor.account_id, "conversation.read", payload).await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(read)
    }

    /// A contact with their channels and the conversations of theirs the actor may see; a contact
    /// with none of those is not found (unless the actor sees the whole account).
    pub async fn get_contact(&self, actor: &Actor, id: ContactId) -> Result<ContactDetail, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let (user, scope) = Self::scope(actor);
        let mut conn = self.db().read().await?;
        let contact = inbox::get_contact(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let mut conversations = Vec::new();
        for c in inbox::contact_conversations(&mut conn, actor.account_id, id, 50).await? {
            if scope == DataScope::Account
                || inbox::get_conversation(&mut conn, actor.account_id, user, scope, c.id).await?.is_some()
            {
                conversations.push(c);
            }
        }
        if conversations.is_empty() && scope != DataScope::Account {
            return Err(AppError::NotFound);
        }
        let mut channels: Vec<Channel> = Vec::new();
        for c in &conversations {
            if !channels.iter().any(|ch| ch.id == c.channel_id)
                && let Some(channel) = channels::get_channel(&mut conn, actor.account_id, c.channel_id).await?
            {
                channels.push(channel);
            }
        }
        let channels = channels.into_iter().map(|c| ChannelSummary { id: c.id, name: c.name, kind: c.kind }).collect();
        let conversations = conversations
            .into_iter()
            .map(|c| ContactConversation {
                id: c.id,
                status: c.status,
                channel_id: c.channel_id,
                created_at: c.created_at,
                last_message_at: c.last_message_at,
            })
            .collect();
        Ok(ContactDetail { contact, channels, conversations })
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
        // One assignment at a time per account, routing passes included, on every node.
        switchboard_store::dialect::lock_account(&mut tx, actor.account_id.as_i64()).await?;
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
        // Assigned by hand: out of the queue. Left without an agent in a team: back in its queue.
        let at = conversation.updated_at.unix_ms();
        match (conversation.assignee_id, conversation.team_id) {
            (Some(agent), _) => {
                queue::dequeue(&mut tx, actor.account_id, id).await?;
                queue::set_last_agent(&mut tx, actor.account_id, conversation.contact_id, agent, at).await?;
                conversation.queued_at = None;
            }
            (None, Some(team)) if conversation.status == ConversationStatus::Open => {
                let (_, vip, _) = queue::contact_facts(&mut tx, actor.account_id, conversation.contact_id).await?;
                let rank = switchboard_domain::routing::board::queue_rank(conversation.priority, vip);
                queue::enqueue(&mut tx, actor.account_id, id, team, rank, at).await?;
                conversation.queued_at = Some(conversation.queued_at.unwrap_or(conversation.updated_at));
            }
            _ => {
                queue::dequeue(&mut tx, actor.account_id, id).await?;
                conversation.queued_at = None;
            }
        }
        let saved = self.save_conversation(tx, actor, conversation).await?;
        self.queue_changed(actor.account_id, saved.team_id);
        self.routing_needed(actor.account_id);
        Ok(saved)
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
        if resolve {
            queue::dequeue(&mut tx, actor.account_id, id).await?;
            conversation.queued_at = None;
            conversation.offered_to = None;
        }
        let saved = self.save_conversation(tx, actor, conversation).await?;
        // A resolved conversation frees a place for someone waiting.
        self.queue_changed(actor.account_id, saved.team_id);
        self.routing_needed(actor.account_id);
        Ok(saved)
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
