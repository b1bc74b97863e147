//! The frames of the realtime protocol (docs/protocol.md), as the server reads and writes them.

use serde::{Deserialize, Serialize};
use switchboard_domain::ConversationId;
use switchboard_domain::conversations::Message;

/// A frame from the client. Unknown types and wrong fields are `malformed_frame` errors.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello {
        r#ref: Option<String>,
        auth: Auth,
    },
    Send {
        r#ref: Option<String>,
        conversation_id: ConversationId,
        client_id: Option<String>,
        text: Option<String>,
        private: Option<bool>,
    },
    Subscribe {
        r#ref: Option<String>,
        conversations: Vec<Subscription>,
    },
    Ping {
        t: Option<i64>,
    },
    Pong,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Auth {
    Token { token: String },
    Session,
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
    },
    Ack {
        r#ref: Option<&'a str>,
        conversation_id: ConversationId,
        message: &'a Message,
    },
    Subscribed {
        r#ref: Option<&'a str>,
        conversations: Vec<ConversationId>,
    },
    Event {
        topic: &'a str,
        conversation_id: ConversationId,
        seq: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<serde_json::Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation: Option<serde_json::Value>,
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
