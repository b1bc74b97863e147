//! Integration tests through the real HTTP router, each on SQLite and on PostgreSQL.

mod assist;
mod audit;
mod auth;
mod bot_feedback;
mod bot_generative;
mod conversations;
mod crud;
mod errors;
mod events;
mod isolation;
mod kb;
mod kb_search;
mod message_search;
mod permissions;
mod realtime;
mod routing;
mod routing_live;
pub mod support;
mod widget;
