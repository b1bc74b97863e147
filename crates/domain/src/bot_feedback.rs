//! Feedback on the FAQ bot: customers' ratings of its answers, and the questions it could not answer
//! (or answered and was rated down), kept for admins to turn into FAQ entries (docs/bot.md).

use crate::{ConversationId, FaqId, FieldErrors, MessageId, Timestamp, UnansweredId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A customer's verdict on one bot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BotRating {
    Up,
    Down,
}

impl BotRating {
    pub fn name(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "up" => Some(Self::Up),
            "down" => Some(Self::Down),
            _ => None,
        }
    }
}

/// A customer rates a bot answer: `{"rating": "up" | "down"}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RateInput {
    pub rating: Option<String>,
}

impl RateInput {
    pub fn validate(&self) -> Result<BotRating, FieldErrors> {
        self.rating
            .as_deref()
            .and_then(BotRating::parse)
            .ok_or_else(|| FieldErrors::single("rating", "must be up or down"))
    }
}

/// What a rating changed: sent to the conversation's followers as `message.rated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RatedMessage {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub seq: i64,
    pub rating: BotRating,
}

/// Why a question is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnansweredKind {
    /// The bot found no answer (no match, a second unresolved turn, a "did you mean" not chosen).
    Unanswered,
    /// The bot answered and the customer rated the answer down.
    RatedDown,
}

impl UnansweredKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Unanswered => "unanswered",
            Self::RatedDown => "rated_down",
        }
    }
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "unanswered" => Some(Self::Unanswered),
            "rated_down" => Some(Self::RatedDown),
            _ => None,
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnansweredStatus {
    Open,
    Dismissed,
    /// Added to the FAQ.
    Resolved,
}

impl UnansweredStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Dismissed => "dismissed",
            Self::Resolved => "resolved",
        }
    }
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "open" => Some(Self::Open),
            "dismissed" => Some(Self::Dismissed),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }
}

/// One of the bot's guesses: an FAQ entry (its id as the bot knows it: the external id, else the
/// entry's id), its question and score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BotGuess {
    pub entry_id: String,
    pub question: String,
    pub score: f32,
}

/// A customer question the bot could not answer well, grouped by its normalized text.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnansweredQuestion {
    pub id: UnansweredId,
    pub kind: UnansweredKind,
    /// The latest occurrence's detail: `no_match`, `unresolved`, `clarify_ignored` or `rated_down`.
    pub reason: String,
    /// The customer's words (the latest occurrence).
    pub question: String,
    /// The bot's guesses (for a rated-down answer: the entry it answered with first).
    pub guesses: Vec<BotGuess>,
    /// How many times this question (normalized) came up while the item was open.
    pub occurrences: i64,
    /// The conversation of the latest occurrence.
    pub conversation_id: ConversationId,
    /// The bot's message of the latest occurrence.
    pub message_id: Option<MessageId>,
    pub status: UnansweredStatus,
    /// The FAQ entry it was added to.
    pub faq_id: Option<FaqId>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    #[schema(value_type = Option<String>)]
    pub closed_by: Option<UserId>,
    pub closed_at: Option<Timestamp>,
}

/// A question key keeps at most this many characters (it is indexed; long messages share a prefix).
pub const QUESTION_KEY_CHARS: usize = 200;

/// The grouping key of a question: normalized (half-width, lower-case), letters and digits only,
/// runs of anything else as one space, at most `QUESTION_KEY_CHARS`. `退款多久到账？` and
/// ` 退款多久到账` are the same question.
pub fn question_key(text: &str, normalize: impl Fn(&str) -> String) -> String {
    let mut key = String::new();
    let mut gap = false;
    for c in normalize(text).chars().take(QUESTION_KEY_CHARS * 4) {
        if c.is_alphanumeric() {
            if gap && !key.is_empty() {
                key.push(' ');
            }
            key.push(c);
            gap = false;
        } else {
            gap = true;
        }
    }
    key.chars().take(QUESTION_KEY_CHARS).collect()
}

/// The list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnansweredOrder {
    /// Last seen first.
    #[default]
    Recent,
    /// Most occurrences first.
    Frequent,
}

impl UnansweredOrder {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "recent" | "" => Some(Self::Recent),
            "frequent" => Some(Self::Frequent),
            _ => None,
        }
    }
}

/// "Add to FAQ": a new entry whose question is the customer's (or the admin's edit of it), or the
/// customer's question added as a similar question to an existing entry.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AddToFaqInput {
    /// `new` (default) or `similar`.
    pub mode: Option<String>,
    /// `new`: the entry's question (default: the customer's question).
    pub question: Option<String>,
    /// `new`: the answer (required).
    pub answer: Option<String>,
    /// `new`: the category.
    #[schema(value_type = Option<String>)]
    pub category_id: Option<crate::CategoryId>,
    /// `new`: `zh-CN` or `en` (default: the account's language).
    pub locale: Option<String>,
    /// `similar`: the entry to extend: an FAQ entry id, or one of the item's guesses' `entry_id`.
    pub entry_id: Option<String>,
    /// `similar`: the phrasing to add (default: the customer's question).
    pub similar: Option<String>,
}

/// What "Add to FAQ" does, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum AddToFaq {
    New { question: Option<String>, answer: String },
    Similar { entry_id: String, similar: Option<String> },
}

fn filled(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

impl AddToFaqInput {
    pub fn validate(&self) -> Result<AddToFaq, FieldErrors> {
        match self.mode.as_deref().map(str::trim).unwrap_or("new") {
            "new" | "" => match filled(&self.answer) {
                Some(answer) => Ok(AddToFaq::New { question: filled(&self.question), answer }),
                None => Err(FieldErrors::single("answer", "is required")),
            },
            "similar" => match filled(&self.entry_id) {
                Some(entry_id) => Ok(AddToFaq::Similar { entry_id, similar: filled(&self.similar) }),
                None => Err(FieldErrors::single("entry_id", "is required")),
            },
            _ => Err(FieldErrors::single("mode", "must be new or similar")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_group_by_their_words_only() {
        let lower = |s: &str| s.to_lowercase();
        assert_eq!(question_key("退款多久到账？", lower), "退款多久到账");
        assert_eq!(question_key("  退款多久到账", lower), "退款多久到账");
        assert_eq!(question_key("Where is   my Parcel?!", lower), "where is my parcel");
        assert_eq!(question_key("？！", lower), "");
        assert_eq!(question_key(&"退款".repeat(5000), lower).chars().count(), QUESTION_KEY_CHARS);
    }

    #[test]
    fn ratings_and_requests_validate() {
        assert_eq!(RateInput { rating: Some("down".into()) }.validate(), Ok(BotRating::Down));
        assert!(RateInput { rating: Some("meh".into()) }.validate().is_err());
        assert!(RateInput::default().validate().is_err());
        let new = AddToFaqInput { answer: Some(" Yes. ".into()), ..Default::default() };
        assert_eq!(new.validate(), Ok(AddToFaq::New { question: None, answer: "Yes.".into() }));
        assert!(AddToFaqInput::default().validate().is_err());
        let similar = AddToFaqInput { mode: Some("similar".into()), ..Default::default() };
        assert!(similar.validate().is_err());
        let bad = AddToFaqInput { mode: Some("merge".into()), ..Default::default() };
        assert!(bad.validate().is_err());
    }
}
