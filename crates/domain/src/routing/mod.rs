//! Routing: business hours, routing rules (where a new conversation goes) and the router (which
//! agent takes which waiting conversation). Pure policies; the app loads and stores their state.

pub mod board;
pub mod hours;
pub mod rules;
pub mod settings;
