//! The frames of the realtime protocol (docs/protocol.md), as the server reads and writes them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use switchboard_domain::conversations::{Message, VisitorConversation};
use switchboard_domain::{AttachmentId, ConversationId};

/// A frame from the client. Unknown types and wrong fields are `malformed_frame` errors.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello {
        r#ref: Option<String>,
        auth: Auth,
        locale: Option<String>,
        page: Option<PageFrame>,
        /// With a token: this connection is an agent's console, so its user is present for routing
        /// (a signed-in workspace always is; integrations are not).
        agent: Option<bool>,
        /// `false`: this connection does not make the user present (a monitoring screen).
        presence: Option<bool>,
    },
    Send {
        r#ref: Option<String>,
        conversation_id: Option<ConversationId>,
        client_id: Option<String>,
        text: Option<String>,
        attachments: Option<Vec<AttachmentId>>,
        private: Option<bool>,
        prechat: Option<BTreeMap<String, String>>,
    },
    Subscribe {
        r#ref: Option<String>,
        #[serde(default)]
        conversations: Vec<Subscription>,
        /// Absent: unchanged; null: stop; `{"view": …}`: follow that view.
        #[serde(default)]
        inbox: Option<serde_json::Value>,
    },
    Typing {
        conversation_id: ConversationId,
        state: TypingState,
        #[serde(default)]
        private: bool,
    },
    Read {
        r#ref: Option<String>,
        conversation_id: ConversationId,
        seq: i64,
    },
    Presence {
        r#ref: Option<String>,
        state: String,
    },
    /// A visitor rates a bot answer: `rating` is `up` or `down`.
    Rate {
        r#ref: Option<String>,
        message_id: switchboard_domain::MessageId,
        rating: Option<String>,
    },
    /// The user is working (keys, pointer): keeps them from becoming away for inactivity.
    Activity {
        r#ref: Option<String>,
    },
    Ping {
        t: Option<i64>,
    },
    Pong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypingState {
    Start,
    Stop,
}

#[derive(Debug, Deserialize)]
pub struct PageFrame {
    pub url: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Auth {
    Token { token: String },
    Session,
    Visitor { channel: String, visitor_token: Option<String>, identity: Option<IdentityFrame> },
}

#[derive(Debug, Deserialize)]
pub struct IdentityFrame {
    pub user_id: String,
    pub hash: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Subscription {
    pub id: ConversationId,
    #[serde(default)]
    pub after_seq: i64,
}

#[derive(Debug, Serialize)]
pub struct Limits {
    pub frame_bytes: usize,
    pub sends_per_10s: u32,
}

/// A frame to the client.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Welcome {
        r#ref: Option<&'a str>,
        protocol: u32,
        actor: ActorInfo,
        heartbeat_seconds: u64,
        limits: Limits,
        #[serde(skip_serializing_if = "Option::is_none")]
        visitor_token: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        verified: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        conversations: Option<Vec<VisitorConversation>>,
    },
    Ack {
        r#ref: Option<&'a str>,
        conversation_id: ConversationId,
        message: &'a Message,
    },
    Subscribed {
        r#ref: Option<&'a str>,
        conversations: Vec<ConversationId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        inbox: Option<&'a str>,
    },
    /// An answer to `read`, `presence`, `rate` or `activity`.
    Ok {
        r#ref: Option<&'a str>,
    },
    Ping {
        t: i64,
    },
    Pong {
        t: Option<i64>,
    },
    Error {
        r#ref: Option<&'a str>,
        code: &'static str,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        fields: Option<serde_json::Value>,
    },
}

#[derive(Debug, Serialize)]
pub struct ActorInfo {
    pub kind: &'static str,
    pub id: Option<String>,
    pub name: String,
}
