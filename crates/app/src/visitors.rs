//! Widget visitors: who they are (a token kept by their browser, or a verified identity from the
//! company's server), and what they may do — write in, read and follow their own conversations.

use crate::tokens::{new_secret, secret_hash};
use crate::widget::WidgetConfig;
use crate::{App, AppError};
use std::collections::BTreeMap;
use switchboard_domain::conversations::*;
use switchboard_domain::widget::identity_verifies;
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::throttle::{self, ThrottleState};
use switchboard_store::repo::{inbox, visitors};

/// Prefix of a visitor token.
pub const VISITOR_TOKEN_PREFIX: &str = "vt_";
/// The most conversations a visitor's `welcome` lists.
const WELCOME_CONVERSATIONS: i64 = 20;
const MESSAGE_PAGE: i64 = 200;

fn now() -> Timestamp {
    Timestamp::from_unix_ms(switchboard_store::now_ms())
}

/// A visitor's claim of who they are in the company's systems.
#[derive(Debug, Clone, Default)]
pub struct IdentityClaim {
    pub user_id: String,
    pub hash: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// The page a visitor is on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageInfo {
    pub url: String,
    pub title: String,
}

impl PageInfo {
    /// Keeps only an http(s) URL (at most 2,000 characters) and a title of at most 300.
    pub fn clean(url: Option<&str>, title: Option<&str>) -> Option<Self> {
        let url = url?.trim();
        let scheme_ok = url.len() <= 2000 && (url.starts_with("https://") || url.starts_with("http://"));
        let title: String = title.unwrap_or("").chars().filter(|c| !c.is_control()).take(300).collect();
        scheme_ok.then(|| Self { url: url.to_string(), title: title.trim().to_string() })
    }
}

/// A connected widget visitor.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub account_id: AccountId,
    pub channel_id: ChannelId,
    pub visitor_id: VisitorId,
    pub contact_id: ContactId,
    pub name: String,
    pub verified: bool,
    /// The token to give the browser (the one it sent, or a fresh one).
    pub token: String,
    pub locale: Option<String>,
    pub page: Option<PageInfo>,
    pub settings: switchboard_domain::widget::WidgetSettings,
}

/// The outcome of a visitor's hello.
pub struct VisitorHello {
    pub visitor: Visitor,
    /// An identity was claimed and did not verify (the visitor continues anonymous).
    pub identity_refused: bool,
}

/// A visitor's message.
#[derive(Debug, Clone, Default)]
pub struct VisitorMessageInput {
    pub conversation_id: Option<ConversationId>,
    pub message: NewMessageInput,
    pub prechat: Option<BTreeMap<String, String>>,
}

impl App {
    /// Authenticates a widget visitor on an (already origin-checked) widget.
    pub async fn visitor_hello(
        &self,
        widget: &WidgetConfig,
        token: Option<&str>,
        identity: Option<&IdentityClaim>,
        locale: Option<&str>,
        page: Option<PageInfo>,
        ip: &str,
    ) -> Result<VisitorHello, AppError> {
        let account = widget.account_id;
        let channel = &widget.channel;
        let verified_id = identity.and_then(|claim| {
            let secret = channel.identity_secret.as_deref()?;
            let user_id = claim.user_id.trim();
            let ok = !user_id.is_empty() && user_id.len() <= 200 && identity_verifies(secret, user_id, &claim.hash);
            ok.then(|| user_id.to_string())
        });
        let identity_refused = identity.is_some() && verified_id.is_none();
        if verified_id.is_none() && channel.settings.require_identity {
            return Err(AppError::Unauthenticated);
        }
        let at = now();
        let mut tx = self.db().begin().await?;
        let known = match token.filter(|t| t.starts_with(VISITOR_TOKEN_PREFIX) && t.len() <= 100) {
            Some(t) => visitors::find_visitor(&mut tx, account, channel.id, &secret_hash(t)).await?.map(|v| (v, t)),
            None => None,
        };
        let verified_contact = match &verified_id {
            Some(user_id) => Some(self.verified_contact(&mut tx, account, user_id, identity, at).await?),
            None => None,
        };
        let (row, token) = match known {
            Some((row, token)) => (row, token.to_string()),
            None => {
                self.count_new_visitor(&mut tx, ip).await?;
                let contact = match &verified_contact {
                    Some(c) => c.clone(),
                    None => self.anonymous_contact(&mut tx, account, at).await?,
                };
                let row = visitors::VisitorRow {
                    id: VisitorId::from_i64(self.db().new_id()),
                    channel_id: channel.id,
                    contact_id: contact.id,
                };
                let token = new_secret(VISITOR_TOKEN_PREFIX);
                visitors::insert_visitor(&mut tx, account, &row, &secret_hash(&token), at).await?;
                (row, token)
            }
        };
        // A verified identity decides the contact; an anonymous visitor keeps theirs.
        let contact_id = verified_contact.as_ref().map(|c| c.id).unwrap_or(row.contact_id);
        let page_ref = page.as_ref().map(|p| (p.url.as_str(), p.title.as_str()));
        visitors::touch_visitor(&mut tx, account, row.id, contact_id, page_ref, at).await?;
        let contact = inbox::get_contact(&mut tx, account, contact_id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        let locale = locale.map(|l| l.trim().chars().take(20).collect::<String>()).filter(|l| !l.is_empty());
        let visitor = Visitor {
            account_id: account,
            channel_id: channel.id,
            visitor_id: row.id,
            contact_id,
            name: contact.name,
            verified: contact.verified,
            token,
            locale,
            page,
            settings: channel.settings.clone(),
        };
        Ok(VisitorHello { visitor, identity_refused })
    }

    /// Counts a new visitor against the IP's allowance for the minute; refuses over it.
    async fn count_new_visitor(&self, conn: &mut AnyConnection, ip: &str) -> Result<(), AppError> {
        let limit = self.settings().new_visitors_per_ip_per_minute;
        if limit <= 0 || ip.is_empty() {
            return Ok(());
        }
        let now = switchboard_store::now_ms();
        let mut state = throttle::get_state(conn, "new_visitor", ip).await?;
        if now - state.window_started_at >= 60_000 {
            state = ThrottleState { failures: 0, window_started_at: now, locked_until: 0 };
        }
        if state.failures >= limit {
            let retry = (state.window_started_at + 60_000 - now).max(1000) / 1000;
            return Err(AppError::Throttled { retry_after_seconds: retry });
        }
        state.failures += 1;
        throttle::put_state(conn, "new_visitor", ip, state).await?;
        Ok(())
    }

    async fn verified_contact(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        user_id: &str,
        claim: Option<&IdentityClaim>,
        at: Timestamp,
    ) -> Result<Contact, AppError> {
        let name = claim.and_then(|c| c.name.as_deref()).map(str::trim).filter(|n| !n.is_empty() && n.len() <= 200);
        let email = claim
            .and_then(|c| c.email.as_deref())
            .and_then(|e| switchboard_domain::values::Email::parse(e).ok())
            .map(|e| e.to_string());
        if let Some(mut contact) = inbox::find_contact(conn, account, Some(user_id), None).await? {
            let changed = !contact.verified
                || name.is_some_and(|n| n != contact.name)
                || (email.is_some() && email != contact.email);
            if changed {
                contact.verified = true;
                if let Some(name) = name {
                    contact.name = name.to_string();
                }
                if email.is_some() {
                    contact.email = email;
                }
                contact.updated_at = at;
                inbox::update_contact(conn, account, &contact).await?;
            }
            return Ok(contact);
        }
        let contact = Contact {
            id: ContactId::from_i64(self.db().new_id()),
            name: name.unwrap_or(user_id).to_string(),
            email,
            phone: None,
            external_id: Some(user_id.to_string()),
            verified: true,
            attributes: BTreeMap::new(),
            vip_level: 0,
            tags: Vec::new(),
            created_at: at,
            updated_at: at,
        };
        inbox::insert_contact(conn, account, &contact).await?;
        Ok(contact)
    }

    async fn anonymous_contact(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        at: Timestamp,
    ) -> Result<Contact, AppError> {
        let id = ContactId::from_i64(self.db().new_id());
        let contact = Contact {
            id,
            name: format!("Visitor {}", id.as_i64() % 100_000),
            email: None,
            phone: None,
            external_id: None,
            verified: false,
            attributes: BTreeMap::new(),
            vip_level: 0,
            tags: Vec::new(),
            created_at: at,
            updated_at: at,
        };
        inbox::insert_contact(conn, account, &contact).await?;
        Ok(contact)
    }

    /// The visitor's conversations, newest first.
    pub async fn visitor_conversations(&self, visitor: &Visitor) -> Result<Vec<VisitorConversation>, AppError> {
        let mut conn = self.db().read().await?;
        let rows =
            inbox::contact_conversations(&mut conn, visitor.account_id, visitor.contact_id, WELCOME_CONVERSATIONS)
                .await?;
        drop(conn);
        let mut list = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut shown = VisitorConversation::from(row);
            if row.queued_at.is_some() && row.offered_to.is_none() {
                shown.queue = self.queue_position(visitor.account_id, row.id).await?.map(|p| p.info());
            }
            list.push(shown);
        }
        Ok(list)
    }

    /// One of the visitor's own conversations.
    pub async fn visitor_conversation(&self, visitor: &Visitor, id: ConversationId) -> Result<Conversation, AppError> {
        let mut conn = self.db().read().await?;
        inbox::contact_conversation(&mut conn, visitor.account_id, visitor.contact_id, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The visitor's messages after `after_seq`, without internal notes.
    pub async fn visitor_messages(
        &self,
        visitor: &Visitor,
        id: ConversationId,
        after_seq: i64,
    ) -> Result<Vec<Message>, AppError> {
        let mut conn = self.db().read().await?;
        if inbox::contact_conversation(&mut conn, visitor.account_id, visitor.contact_id, id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        Ok(inbox::list_messages(&mut conn, visitor.account_id, id, after_seq.max(0), MESSAGE_PAGE, false).await?)
    }

    /// A visitor writes. Without a conversation id the message goes to their newest open or pending
    /// conversation, else opens one (with the pre-chat answers). Idempotent by `client_id` across all
    /// of the contact's conversations. Returns the message and whether it is new.
    pub async fn visitor_send(
        &self,
        visitor: &Visitor,
        input: &VisitorMessageInput,
    ) -> Result<(Message, bool), AppError> {
        let new = input.message.validate()?;
        if new.private {
            return Err(AppError::field("private", "customers cannot write internal notes"));
        }
        let account = visitor.account_id;
        let at = now();
        // Tokenized before the transaction: no CPU work while holding the write lock.
        let tokens = switchboard_text::tokenize(&new.text);
        let mut tx = self.db().begin().await?;
        let mut conversation = match input.conversation_id {
            // The common case: no write but the message's own, no lock but the conversation's.
            Some(id) => {
                let found = inbox::contact_conversation(&mut tx, account, visitor.contact_id, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if found.status == ConversationStatus::Closed {
                    return Err(AppError::field("conversation_id", "the conversation is closed; start a new one"));
                }
                found
            }
            None => {
                // Locks the contact: two resends of a first message cannot both open a conversation.
                let mut contact =
                    inbox::get_contact(&mut tx, account, visitor.contact_id).await?.ok_or(AppError::NotFound)?;
                contact.updated_at = at;
                inbox::update_contact(&mut tx, account, &contact).await?;
                if let Some(client_id) = &new.client_id
                    && let Some(existing) =
                        inbox::customer_message_by_client_id(&mut tx, account, contact.id, client_id).await?
                {
                    tx.rollback().await?;
                    return Ok((existing, false));
                }
                let open = inbox::contact_conversations(&mut tx, account, contact.id, 1)
                    .await?
                    .into_iter()
                    .find(|c| matches!(c.status, ConversationStatus::Open | ConversationStatus::Pending));
                match open {
                    Some(c) => c,
                    None => {
                        self.open_visitor_conversation(&mut tx, visitor, &mut contact, input.prechat.as_ref(), at)
                            .await?
                    }
                }
            }
        };
        // Taking the sequence locks the conversation: a concurrent resend waits here, then finds ours.
        let seq = inbox::next_seq_read_by(&mut tx, account, conversation.id, at, true, false).await?;
        if input.conversation_id.is_some()
            && let Some(client_id) = &new.client_id
            && let Some(existing) = inbox::message_by_client_id(&mut tx, account, conversation.id, client_id).await?
        {
            tx.rollback().await?;
            return Ok((existing, false));
        }
        let id = MessageId::from_i64(self.db().new_id());
        let uploader = ("visitor", visitor.visitor_id.as_i64());
        let attachments = self.attach(&mut tx, account, uploader, &conversation, id, &new.attachments).await?;
        let message = Message {
            id,
            conversation_id: conversation.id,
            seq,
            author_kind: AuthorKind::Customer,
            author_id: Some(conversation.contact_id.as_i64()),
            author_name: conversation.contact_name.clone(),
            text: new.text,
            attachments,
            bot: None,
            private: false,
            client_id: new.client_id,
            created_at: at,
        };
        inbox::insert_message(&mut tx, account, &message, &tokens).await?;
        let page_changed = visitor.page.as_ref().is_some_and(|p| conversation.page_url.as_deref() != Some(&p.url));
        let bot_answers = conversation.bot.as_deref() == Some(crate::bot::ANSWERING);
        let next_status = if bot_answers { conversation.status } else { conversation.status.on_customer_message() };
        if next_status != conversation.status || page_changed {
            conversation.status = next_status;
            conversation.resolved_at = None;
            if let Some(page) = &visitor.page {
                conversation.page_url = Some(page.url.clone());
                conversation.page_title = Some(page.title.clone());
            }
            conversation.updated_at = at;
            conversation.last_seq = seq;
            conversation.last_message_at = Some(at);
            conversation.last_message = Some(message.text.chars().take(200).collect());
            inbox::update_conversation_activity(&mut tx, account, &conversation).await?;
            let scope = switchboard_domain::permissions::DataScope::Account;
            // Read again: routing may have assigned it since this request read it.
            if let Some(fresh) = inbox::get_conversation(&mut tx, account, None, scope, conversation.id).await? {
                conversation = fresh;
            }
            let payload = serde_json::to_value(&conversation).unwrap_or_default();
            self.emit(&mut tx, account, "conversation.updated", payload).await?;
        }
        self.emit(&mut tx, account, "message.created", serde_json::to_value(&message).unwrap_or_default()).await?;
        tx.commit().await?;
        self.committed(account);
        if conversation.queued_at.is_some() {
            self.routing_needed(account);
        }
        if bot_answers {
            self.spawn_bot_reply(visitor, &conversation, &message);
        }
        Ok((message, true))
    }

    async fn open_visitor_conversation(
        &self,
        tx: &mut AnyConnection,
        visitor: &Visitor,
        contact: &mut Contact,
        prechat: Option<&BTreeMap<String, String>>,
        at: Timestamp,
    ) -> Result<Conversation, AppError> {
        let account = visitor.account_id;
        let first = inbox::contact_conversations(tx, account, contact.id, 1).await?.is_empty();
        let empty = BTreeMap::new();
        // The form is required on a contact's first conversation (unless verified); later it is optional.
        let answers = match prechat {
            Some(given) => Some(visitor.settings.validate_prechat(given)?),
            None if first && !contact.verified => Some(visitor.settings.validate_prechat(&empty)?),
            None => None,
        };
        if let Some(answers) = &answers {
            if let Some(name) = &answers.name
                && !contact.verified
            {
                contact.name = name.clone();
            }
            if answers.email.is_some() && !contact.verified {
                contact.email = answers.email.clone();
            }
            if answers.phone.is_some() {
                contact.phone = answers.phone.clone();
            }
            for (key, value) in &answers.answers {
                if !matches!(key.as_str(), "name" | "email" | "phone") {
                    contact.attributes.insert(key.clone(), value.clone());
                }
            }
            inbox::update_contact(tx, account, contact).await?;
        }
        let mut conversation = Conversation {
            id: ConversationId::from_i64(self.db().new_id()),
            channel_id: visitor.channel_id,
            contact_id: contact.id,
            contact_name: contact.name.clone(),
            contact_verified: contact.verified,
            // While the bot answers, the conversation waits (pending) rather than asking for a person.
            status: if visitor.settings.bot_enabled { ConversationStatus::Pending } else { ConversationStatus::Open },
            assignee_id: None,
            assignee_name: None,
            // Routing chooses the team (the channel's team is its fallback).
            team_id: None,
            priority: Priority::Normal,
            tags: Vec::new(),
            last_seq: 0,
            customer_read_seq: 0,
            agent_read_seq: 0,
            page_url: visitor.page.as_ref().map(|p| p.url.clone()),
            page_title: visitor.page.as_ref().map(|p| p.title.clone()),
            locale: visitor.locale.clone(),
            prechat: answers.map(|a| a.answers).unwrap_or_default(),
            last_message: None,
            bot: visitor.settings.bot_enabled.then(|| crate::bot::ANSWERING.to_string()),
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
        inbox::insert_conversation(tx, account, &conversation).await?;
        if !visitor.settings.bot_enabled {
            self.enqueue_new(tx, account, &mut conversation, visitor.settings.team_id).await?;
        }
        self.emit(tx, account, "conversation.created", serde_json::to_value(&conversation).unwrap_or_default()).await?;
        Ok(conversation)
    }

    /// The visitor has read up to `seq`.
    pub async fn visitor_read(&self, visitor: &Visitor, id: ConversationId, seq: i64) -> Result<i64, AppError> {
        let mut tx = self.db().begin().await?;
        if inbox::contact_conversation(&mut tx, visitor.account_id, visitor.contact_id, id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let read = inbox::mark_read(&mut tx, visitor.account_id, id, true, seq).await?;
        let payload = serde_json::json!({"conversation_id": id, "by": "customer", "seq": read});
        self.emit(&mut tx, visitor.account_id, "conversation.read", payload).await?;
        tx.commit().await?;
        self.committed(visitor.account_id);
        Ok(read)
    }

    /// Relays the visitor's typing in one of their conversations (checked by the caller).
    /// `source` names the connection, so it does not get its own signal back.
    pub fn visitor_typing(&self, visitor: &Visitor, id: ConversationId, typing: bool, source: u64) {
        let by = serde_json::json!({"kind": "customer", "name": visitor.name});
        let state = if typing { "start" } else { "stop" };
        let payload = serde_json::json!({"state": state, "by": by, "private": false, "source": source});
        self.signal(visitor.account_id, "typing", id, payload);
    }
}

impl App {
    /// Relays an agent's typing in a conversation they may see (checked by the caller); a private
    /// one (writing a note) is not shown to the customer.
    pub fn agent_typing(&self, actor: &crate::Actor, id: ConversationId, typing: bool, private: bool, source: u64) {
        let by = serde_json::json!({"kind": "agent", "id": actor.user_id(), "name": actor.name});
        let state = if typing { "start" } else { "stop" };
        let payload = serde_json::json!({"state": state, "by": by, "private": private, "source": source});
        self.signal(actor.account_id, "typing", id, payload);
    }
}
