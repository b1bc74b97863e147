//! Failed sign-ins per identity and per IP, shared by every node through the database.

use crate::error::StoreError;
use crate::rows::get;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThrottleState {
    pub failures: i64,
    pub window_started_at: i64,
    pub locked_until: i64,
}

pub async fn get_state(conn: &mut AnyConnection, scope: &str, key: &str) -> Result<ThrottleState, StoreError> {
    let row = sqlx::query(
        "SELECT failures, window_started_at, locked_until FROM sign_in_throttle WHERE scope = $1 AND throttle_key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => Ok(ThrottleState {
            failures: get(&row, "failures")?,
            window_started_at: get(&row, "window_started_at")?,
            locked_until: get(&row, "locked_until")?,
        }),
        None => Ok(ThrottleState::default()),
    }
}

pub async fn put_state(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    state: ThrottleState,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (scope, throttle_key, failures, window_started_at, locked_until) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (scope, throttle_key) DO UPDATE SET failures = $3, window_started_at = $4, locked_until = $5",
    )
    .bind(scope)
    .bind(key)
    .bind(state.failures)
    .bind(state.window_started_at)
    .bind(state.locked_until)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear(conn: &mut AnyConnection, scope: &str, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE scope = $1 AND throttle_key = $2")
        .bind(scope)
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
