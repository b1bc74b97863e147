//! What message and contact search return.

use crate::conversations::{AuthorKind, Contact, Conversation};
use crate::{MessageId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

/// A conversation with messages matching the query, ranked by its best message.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MessageSearchHit {
    pub conversation: Conversation,
    /// The best message's BM25 score (higher is better), the same on every backend.
    pub score: f64,
    /// How many of the conversation's messages matched (among the newest matches searched).
    pub match_count: i64,
    /// The best matching messages (at most three), best first.
    pub matches: Vec<MessageMatch>,
}

/// One matching message, with a snippet around the match.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MessageMatch {
    pub message_id: MessageId,
    /// The message's sequence in its conversation.
    pub seq: i64,
    pub author_kind: AuthorKind,
    pub author_name: String,
    /// An internal note (agents only).
    pub private: bool,
    pub created_at: Timestamp,
    /// A few words around the matches, HTML-escaped, matches wrapped in `<mark>`.
    pub snippet: String,
    pub score: f64,
}

/// Contacts found by name, email, phone or external id.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContactSearchResults {
    pub data: Vec<Contact>,
}
