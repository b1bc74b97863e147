//! Switchboard storage: one SQL code path for SQLite and PostgreSQL (through `sqlx::Any`),
//! embedded migrations, and repositories. Every repository call takes the `AccountId` of the
//! actor; there is no query of tenant data without it.

mod db;
pub mod dialect;
mod error;
mod id_generator;
mod migrate;
pub mod repo;
mod rows;

pub use db::{Backend, Db, DbOptions, ReadConn, WriteTx};
pub use error::StoreError;
pub use id_generator::IdGenerator;
pub use migrate::{MIGRATIONS, MigrationStatus};
pub use sqlx::AnyConnection;
pub use sqlx::Error as SqlxError;

/// Current time as Unix milliseconds (the unit of every timestamp column).
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
