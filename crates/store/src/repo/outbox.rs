//! The outbox: events appended in the writing transaction, read back in sequence order per account.

use crate::error::StoreError;
use crate::rows::get;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::events::Event;
use switchboard_domain::{AccountId, Timestamp};

/// Starts an account's event stream; called in the transaction that creates the account.
pub async fn start_stream(conn: &mut AnyConnection, account: AccountId) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO outbox_heads (account_id, last_seq) VALUES ($1, 0)")
        .bind(account.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends an event with the account's next sequence number (in the caller's transaction).
pub async fn append(
    conn: &mut AnyConnection,
    account: AccountId,
    id: i64,
    topic: &str,
    payload: serde_json::Value,
    at: Timestamp,
) -> Result<Event, StoreError> {
    let mut appended =
        crate::repo::bulk::append_events(conn, account, vec![(id, topic.to_string(), payload)], at).await?;
    appended.pop().ok_or_else(|| StoreError::Corrupt("no event appended".into()))
}

fn event(row: &AnyRow) -> Result<Event, StoreError> {
    let payload: String = get(row, "payload")?;
    Ok(Event {
        account_id: AccountId::from_i64(get(row, "account_id")?),
        seq: get(row, "seq")?,
        id: get(row, "id")?,
        topic: get(row, "topic")?,
        payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(format!("event payload: {e}")))?,
        at: Timestamp::from_unix_ms(get(row, "created_at")?),
    })
}

/// The account's events after `after_seq`, in order, at most `limit`.
pub async fn read_after(
    conn: &mut AnyConnection,
    account: AccountId,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id, seq, id, topic, payload, created_at FROM outbox WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(account.as_i64())
    .bind(after_seq)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(event).collect()
}

/// Every account's last sequence (what a node compares with what it has delivered).
pub async fn heads(conn: &mut AnyConnection) -> Result<Vec<(AccountId, i64)>, StoreError> {
    let rows = sqlx::query("SELECT account_id, last_seq FROM outbox_heads").fetch_all(conn).await?;
    rows.iter().map(|r| Ok((AccountId::from_i64(get(r, "account_id")?), get(r, "last_seq")?))).collect()
}

/// Deletes up to `limit` events written before `before_ms` (delivered long ago: every node's hub and
/// every catch-up reads far newer ones); returns how many went.
pub async fn prune_before(conn: &mut AnyConnection, before_ms: i64, limit: i64) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
    )
    .bind(before_ms)
    .bind(limit)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
