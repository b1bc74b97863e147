//! Widget visitors (a browser's token → a contact), per-node presence of users, and the
//! installation's shared secrets.

use crate::error::StoreError;
use crate::rows::get;
use sqlx::AnyConnection;
use switchboard_domain::*;

/// A visitor as the widget connection needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorRow {
    pub id: VisitorId,
    pub channel_id: ChannelId,
    pub contact_id: ContactId,
}

pub async fn find_visitor(
    conn: &mut AnyConnection,
    account: AccountId,
    channel: ChannelId,
    token_hash: &str,
) -> Result<Option<VisitorRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, channel_id, contact_id FROM visitors WHERE account_id = $1 AND channel_id = $2 AND token_hash = $3",
    )
    .bind(account.as_i64())
    .bind(channel.as_i64())
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => Ok(Some(VisitorRow {
            id: VisitorId::from_i64(get(&row, "id")?),
            channel_id: ChannelId::from_i64(get(&row, "channel_id")?),
            contact_id: ContactId::from_i64(get(&row, "contact_id")?),
        })),
        None => Ok(None),
    }
}

pub async fn insert_visitor(
    conn: &mut AnyConnection,
    account: AccountId,
    visitor: &VisitorRow,
    token_hash: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO visitors (account_id, id, channel_id, contact_id, token_hash, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(account.as_i64())
    .bind(visitor.id.as_i64())
    .bind(visitor.channel_id.as_i64())
    .bind(visitor.contact_id.as_i64())
    .bind(token_hash)
    .bind(at.unix_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a visit: the contact the visitor now is (a verified identity may change it) and the page.
pub async fn touch_visitor(
    conn: &mut AnyConnection,
    account: AccountId,
    id: VisitorId,
    contact: ContactId,
    page: Option<(&str, &str)>,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE visitors SET contact_id = $3, last_seen_at = $4, page_url = COALESCE($5, page_url), \
         page_title = COALESCE($6, page_title) WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .bind(contact.as_i64())
    .bind(at.unix_ms())
    .bind(page.map(|p| p.0))
    .bind(page.map(|p| p.1))
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a user's connection on a node up (`delta` 1) or down (-1), and optionally sets the state.
pub async fn change_presence(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
    node: i64,
    delta: i64,
    state: Option<&str>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE presence SET connections = CASE WHEN connections + $4 < 0 THEN 0 ELSE connections + $4 END, \
         state = COALESCE($5, state), updated_at = $6 WHERE account_id = $1 AND user_id = $2 AND node_id = $3",
    )
    .bind(account.as_i64())
    .bind(user.as_i64())
    .bind(node)
    .bind(delta)
    .bind(state)
    .bind(at.unix_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        sqlx::query(
            "INSERT INTO presence (account_id, user_id, node_id, connections, state, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(account.as_i64())
        .bind(user.as_i64())
        .bind(node)
        .bind(delta.max(0))
        .bind(state.unwrap_or("online"))
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Each user's presence in the account: the state they chose where they have a connection on a live
/// node, else `offline`. `(user id, name, state)`, by name.
pub async fn presence(
    conn: &mut AnyConnection,
    account: AccountId,
    now_ms: i64,
) -> Result<Vec<(UserId, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, (SELECT p.state FROM presence p WHERE p.account_id = $1 AND p.user_id = u.id \
         AND p.connections > 0 AND p.node_id IN (SELECT node FROM node_leases WHERE expires_at > $2) \
         ORDER BY p.updated_at DESC LIMIT 1) AS state FROM users u WHERE u.account_id = $1 AND u.active = 1 ORDER BY u.name",
    )
    .bind(account.as_i64())
    .bind(now_ms)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let state: Option<String> = get(row, "state")?;
            Ok((UserId::from_i64(get(row, "id")?), get(row, "name")?, state.unwrap_or_else(|| "offline".into())))
        })
        .collect()
}

/// Whether any agent of the account is online (routing's effective state).
pub async fn anyone_online(conn: &mut AnyConnection, account: AccountId) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM agent_status WHERE account_id = $1 AND state = 'online'")
        .bind(account.as_i64())
        .fetch_one(conn)
        .await?;
    Ok(get::<i64>(&row, "n")? > 0)
}

/// The installation's secret called `name`, made from `fresh` by the first node that asks.
pub async fn instance_secret(conn: &mut AnyConnection, name: &str, fresh: &str, at: i64) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO instance_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("SELECT value FROM instance_secrets WHERE name = $1").bind(name).fetch_one(conn).await?;
    get(&row, "value")
}

/// One user's presence: the state of their newest live connection, or `offline`.
pub async fn user_presence(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
    now_ms: i64,
) -> Result<String, StoreError> {
    let row = sqlx::query(
        "SELECT state FROM presence WHERE account_id = $1 AND user_id = $2 AND connections > 0 \
         AND node_id IN (SELECT node FROM node_leases WHERE expires_at > $3) ORDER BY updated_at DESC LIMIT 1",
    )
    .bind(account.as_i64())
    .bind(user.as_i64())
    .bind(now_ms)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => get(&row, "state"),
        None => Ok("offline".into()),
    }
}

/// Forgets a node's presence rows (the node starts afresh, or ended cleanly).
pub async fn clear_node_presence(conn: &mut AnyConnection, node: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM presence WHERE node_id = $1").bind(node).execute(conn).await?;
    Ok(())
}
