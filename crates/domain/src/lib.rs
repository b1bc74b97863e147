//! Switchboard's rules: typed ids, validated values, entities, permissions and pure policies.
//! Nothing here does IO or is async, so property tests are cheap.

pub mod attachments;
pub mod audit;
pub mod bot_feedback;
pub mod conversations;
pub mod entities;
pub mod errors;
pub mod events;
pub mod ids;
pub mod kb;
pub mod kb_requests;
pub mod message_search;
pub mod permissions;
pub mod quick_replies;
pub mod requests;
pub mod routing;
pub mod time;
pub mod values;
pub mod widget;

pub use errors::{FieldErrors, ValidationError};
pub use ids::*;
pub use time::Timestamp;
