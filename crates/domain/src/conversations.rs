//! Channels, contacts, conversations and messages: the entities of the inbox, their inputs, and the
//! conversation status rules.

use crate::attachments::{AttachmentRef, MAX_ATTACHMENTS};
use crate::errors::{FieldErrors, ValidationError};
use crate::ids::*;
use crate::time::Timestamp;
use crate::values::{Email, Name};
use crate::widget::WidgetSettings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Where conversations come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// The chat widget on a website or app.
    WebWidget,
    /// An integrator's platform, through the REST API.
    Api,
}

impl ChannelKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::WebWidget => "web_widget",
            Self::Api => "api",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "web_widget" => Some(Self::WebWidget),
            "api" => Some(Self::Api),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Channel {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
    pub active: bool,
    /// `wc_…`: the key of a widget's embed snippet (public by design); None for other kinds.
    pub public_key: Option<String>,
    /// `whs_…`: the HMAC key of verified identities; shown to `channels.manage` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<String>,
    /// The widget's settings (docs/widget.md); defaults for other kinds.
    pub settings: WidgetSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The customer's id in the company's own systems.
    pub external_id: Option<String>,
    /// The identity was proven (an HMAC from the company's server), not just claimed.
    pub verified: bool,
    /// Other answers and attributes (pre-chat form fields, ...).
    pub attributes: BTreeMap<String, String>,
    /// 0 for everyone, 1-9 for VIP customers (routing serves higher levels first).
    pub vip_level: u8,
    /// Labels routing rules can test, e.g. `wholesale`.
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Pending,
    Resolved,
    Closed,
}

impl ConversationStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "open" => Some(Self::Open),
            "pending" => Some(Self::Pending),
            "resolved" => Some(Self::Resolved),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
    /// Resolving is allowed from open and pending.
    pub fn resolve(self) -> Result<Self, ValidationError> {
        match self {
            Self::Open | Self::Pending => Ok(Self::Resolved),
            Self::Resolved | Self::Closed => Err(ValidationError::Invalid("the conversation is already resolved")),
        }
    }
    /// Reopening is allowed from resolved and closed.
    pub fn reopen(self) -> Result<Self, ValidationError> {
        match self {
            Self::Resolved | Self::Closed => Ok(Self::Open),
            Self::Open | Self::Pending => Err(ValidationError::Invalid("the conversation is not resolved")),
        }
    }
    /// A customer writing into a pending or resolved conversation brings it back to open.
    pub fn on_customer_message(self) -> Self {
        match self {
            Self::Closed => Self::Closed,
            _ => Self::Open,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "low" => Some(Self::Low),
            "normal" => Some(Self::Normal),
            "high" => Some(Self::High),
            "urgent" => Some(Self::Urgent),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Conversation {
    pub id: ConversationId,
    pub channel_id: ChannelId,
    pub contact_id: ContactId,
    /// The contact's name (read with the conversation).
    pub contact_name: String,
    pub contact_verified: bool,
    pub status: ConversationStatus,
    pub assignee_id: Option<UserId>,
    /// The assignee's name (read with the conversation).
    pub assignee_name: Option<String>,
    pub team_id: Option<TeamId>,
    pub priority: Priority,
    pub tags: Vec<String>,
    /// The sequence of the last message (messages are numbered 1, 2, 3, ... per conversation).
    pub last_seq: i64,
    /// Messages up to this sequence were read by the customer.
    pub customer_read_seq: i64,
    /// Messages up to this sequence were read by an agent.
    pub agent_read_seq: i64,
    /// The page the customer was on (widget).
    pub page_url: Option<String>,
    pub page_title: Option<String>,
    /// The customer's language, e.g. `zh-CN`.
    pub locale: Option<String>,
    /// The pre-chat form's answers.
    pub prechat: BTreeMap<String, String>,
    /// The start of the last message's text (agents' lists; may be an internal note).
    pub last_message: Option<String>,
    /// `answering` while the FAQ bot handles the conversation, `handed_over` after it passed it to a
    /// person, None when no bot took part.
    pub bot: Option<String>,
    /// Waiting in its team's queue since (None: not waiting).
    pub queued_at: Option<Timestamp>,
    /// Offered to this agent, who has not yet accepted.
    pub offered_to: Option<UserId>,
    /// When the offer to `offered_to` lapses.
    pub offer_expires_at: Option<Timestamp>,
    /// The contact's VIP level, 0-9 (read with the conversation).
    pub contact_vip_level: u8,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_message_at: Option<Timestamp>,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Customer,
    Agent,
    Bot,
    System,
}

impl AuthorKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
            Self::Bot => "bot",
            Self::System => "system",
        }
    }
    pub fn parse(text: &str) -> Self {
        match text {
            "customer" => Self::Customer,
            "agent" => Self::Agent,
            "bot" => Self::Bot,
            _ => Self::System,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    /// Gapless per conversation, from 1.
    pub seq: i64,
    pub author_kind: AuthorKind,
    #[schema(value_type = Option<String>)]
    pub author_id: Option<i64>,
    /// The author's name when the message was written.
    pub author_name: String,
    pub text: String,
    pub attachments: Vec<AttachmentRef>,
    /// What the bot decided (bot messages): `{"kind": "answer" | "clarify" | "handoff", …}`.
    #[schema(value_type = Option<Object>)]
    pub bot: Option<serde_json::Value>,
    /// An internal note: never shown to the customer.
    pub private: bool,
    /// The sender's idempotency key: a resend with the same key stores nothing new.
    pub client_id: Option<String>,
    pub created_at: Timestamp,
}

/// The longest message text accepted.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewChannelInput {
    pub name: Option<String>,
    /// `web_widget` or `api`.
    pub kind: Option<String>,
}

impl NewChannelInput {
    pub fn validate(&self) -> Result<(Name, ChannelKind), FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match &self.name {
            Some(v) => e.check("name", Name::parse(v)),
            None => {
                e.add("name", "is required");
                None
            }
        };
        let kind = match self.kind.as_deref() {
            Some(v) => ChannelKind::parse(v).or_else(|| {
                e.add("kind", "must be web_widget or api");
                None
            }),
            None => Some(ChannelKind::Api),
        };
        match (name, kind) {
            (Some(name), Some(kind)) if e.is_empty() => Ok((name, kind)),
            _ => Err(e),
        }
    }
}

/// The customer of a new conversation: an existing contact, or one found or made from these details.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContactInput {
    pub id: Option<ContactId>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone)]
pub enum ContactRef {
    Existing(ContactId),
    Details { name: Name, email: Option<Email>, external_id: Option<String> },
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewConversationInput {
    pub channel_id: Option<ChannelId>,
    pub contact: Option<ContactInput>,
    pub team_id: Option<TeamId>,
    /// `low`, `normal` (default), `high` or `urgent`.
    pub priority: Option<String>,
    pub tags: Option<Vec<String>>,
    /// The customer's first message, if any.
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewConversation {
    pub channel_id: ChannelId,
    pub contact: ContactRef,
    pub team_id: Option<TeamId>,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub message: Option<String>,
}

pub fn tags(e: &mut FieldErrors, tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > 40 || tag.contains([',', ' ']) {
            e.add("tags", "each tag is 1-40 characters without spaces or commas");
            break;
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

fn message_text(e: &mut FieldErrors, field: &str, text: &str) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        e.add(field, "is required");
        None
    } else if trimmed.chars().count() > MAX_MESSAGE_CHARS {
        e.add(field, format!("must be at most {MAX_MESSAGE_CHARS} characters"));
        None
    } else {
        Some(trimmed.to_string())
    }
}

impl NewConversationInput {
    pub fn validate(&self) -> Result<NewConversation, FieldErrors> {
        let mut e = FieldErrors::new();
        if self.channel_id.is_none() {
            e.add("channel_id", "is required");
        }
        let contact = match &self.contact {
            None => {
                e.add("contact", "is required");
                None
            }
            Some(ContactInput { id: Some(id), .. }) => Some(ContactRef::Existing(*id)),
            Some(c) => {
                let name = match c.name.as_deref() {
                    Some(v) => e.check("contact.name", Name::parse(v)),
                    None => {
                        e.add("contact.name", "is required");
                        None
                    }
                };
                let email = c
                    .email
                    .as_deref()
                    .filter(|v| !v.trim().is_empty())
                    .and_then(|v| e.check("contact.email", Email::parse(v)));
                let external_id = c.external_id.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
                if external_id.as_ref().is_some_and(|v| v.chars().count() > 200) {
                    e.add("contact.external_id", "must be at most 200 characters");
                }
                name.map(|name| ContactRef::Details { name, email, external_id })
            }
        };
        let priority = match self.priority.as_deref() {
            Some(v) => Priority::parse(v).or_else(|| {
                e.add("priority", "must be low, normal, high or urgent");
                None
            }),
            None => Some(Priority::Normal),
        };
        let tags = tags(&mut e, self.tags.as_deref().unwrap_or(&[]));
        let message = self.message.as_deref().and_then(|m| message_text(&mut e, "message", m));
        match (self.channel_id, contact, priority) {
            (Some(channel_id), Some(contact), Some(priority)) if e.is_empty() => {
                Ok(NewConversation { channel_id, contact, team_id: self.team_id, priority, tags, message })
            }
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewMessageInput {
    /// `true`: the customer wrote it (an integrator relaying its platform's messages; `api` channels only).
    pub from_customer: Option<bool>,
    /// May be empty when `attachments` is not.
    pub text: Option<String>,
    /// Ids of files uploaded before (at most 10).
    pub attachments: Option<Vec<AttachmentId>>,
    /// An internal note for agents only.
    pub private: Option<bool>,
    /// Idempotency key chosen by the sender (at most 64 characters).
    pub client_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub from_customer: bool,
    pub text: String,
    pub attachments: Vec<AttachmentId>,
    pub private: bool,
    pub client_id: Option<String>,
}

impl NewMessageInput {
    pub fn validate(&self) -> Result<NewMessage, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut attachments: Vec<AttachmentId> = Vec::new();
        for id in self.attachments.iter().flatten() {
            if !attachments.contains(id) {
                attachments.push(*id);
            }
        }
        if attachments.len() > MAX_ATTACHMENTS {
            e.add("attachments", format!("at most {MAX_ATTACHMENTS} files per message"));
        }
        let text = match self.text.as_deref() {
            Some(t) if t.trim().is_empty() && !attachments.is_empty() => Some(String::new()),
            Some(t) => message_text(&mut e, "text", t),
            None if !attachments.is_empty() => Some(String::new()),
            None => {
                e.add("text", "is required");
                None
            }
        };
        let client_id = self.client_id.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        if client_id.as_ref().is_some_and(|v| v.chars().count() > 64 || v.chars().any(char::is_control)) {
            e.add("client_id", "must be at most 64 characters without control characters");
        }
        match text {
            Some(text) if e.is_empty() => {
                let from_customer = self.from_customer.unwrap_or(false);
                if from_customer && self.private == Some(true) {
                    return Err(FieldErrors::single("private", "a customer's message cannot be an internal note"));
                }
                Ok(NewMessage { from_customer, text, attachments, private: self.private.unwrap_or(false), client_id })
            }
            _ => Err(e),
        }
    }
}

/// Changes to a channel; absent fields stay as they are, `settings` is replaced as a whole.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ChannelUpdateInput {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub settings: Option<WidgetSettings>,
}

/// A channel named in a contact's details.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChannelSummary {
    pub id: ChannelId,
    pub name: String,
    pub kind: ChannelKind,
}

/// One of a contact's conversations.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContactConversation {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub channel_id: ChannelId,
    pub created_at: Timestamp,
    pub last_message_at: Option<Timestamp>,
}

/// A contact with the channels they used and their conversations (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContactDetail {
    #[serde(flatten)]
    pub contact: Contact,
    pub channels: Vec<ChannelSummary>,
    pub conversations: Vec<ContactConversation>,
}

/// What a widget visitor sees of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VisitorConversation {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub last_seq: i64,
    pub agent_read_seq: i64,
    pub assignee_name: Option<String>,
    /// While waiting for a person: the place in line (1 = next) and an estimated wait in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueInfo>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A waiting customer's place in line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct QueueInfo {
    pub position: i64,
    pub estimated_wait_seconds: Option<i64>,
}

impl From<&Conversation> for VisitorConversation {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id,
            status: c.status,
            last_seq: c.last_seq,
            agent_read_seq: c.agent_read_seq,
            assignee_name: c.assignee_name.clone(),
            queue: None,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Assign to an agent, to a team, or both; `null` (or absent) leaves that part unchanged,
/// `unassign: true` removes the agent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AssignInput {
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub unassign: Option<bool>,
}

/// Which conversations to list.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    /// Only conversations of the teams the user is in.
    pub my_teams: bool,
    /// Only these assigned to this user.
    pub assignee_id: Option<UserId>,
    pub unassigned: bool,
    pub team_id: Option<TeamId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_rules() {
        assert_eq!(ConversationStatus::Open.resolve(), Ok(ConversationStatus::Resolved));
        assert!(ConversationStatus::Resolved.resolve().is_err());
        assert_eq!(ConversationStatus::Closed.reopen(), Ok(ConversationStatus::Open));
        assert!(ConversationStatus::Open.reopen().is_err());
        assert_eq!(ConversationStatus::Resolved.on_customer_message(), ConversationStatus::Open);
    }

    #[test]
    fn message_inputs() {
        let ok =
            NewMessageInput { text: Some("  你好 ".into()), client_id: Some("c-1".into()), ..Default::default() };
        assert_eq!(ok.validate().unwrap().text, "你好");
        let long = NewMessageInput { text: Some("x".repeat(MAX_MESSAGE_CHARS + 1)), ..Default::default() };
        assert!(long.validate().unwrap_err().get("text").is_some());
        let empty = NewMessageInput { text: Some("   ".into()), ..Default::default() };
        assert_eq!(empty.validate().unwrap_err().get("text"), Some("is required"));
        // A file alone is a message; eleven files are too many.
        let file = AttachmentId::from_i64(7);
        let only_file = NewMessageInput { text: Some(" ".into()), attachments: Some(vec![file]), ..Default::default() };
        assert_eq!(only_file.validate().unwrap().attachments, vec![file]);
        let many: Vec<AttachmentId> = (1..=11).map(AttachmentId::from_i64).collect();
        let too_many = NewMessageInput { text: Some("x".into()), attachments: Some(many), ..Default::default() };
        assert!(too_many.validate().unwrap_err().get("attachments").is_some());
    }
}
