//! Channels: where conversations come from (web widget, API, email, …), with their settings.

use crate::error::StoreError;
use crate::rows::{flag, get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::conversations::*;
use switchboard_domain::*;

const CHANNEL: &str =
    "SELECT id, kind, name, active, public_key, identity_secret, settings, created_at, updated_at FROM channels";

fn channel(row: &AnyRow) -> Result<Channel, StoreError> {
    let settings: String = get(row, "settings")?;
    Ok(Channel {
        id: ChannelId::from_i64(get(row, "id")?),
        kind: ChannelKind::parse(&get::<String>(row, "kind")?).unwrap_or(ChannelKind::Api),
        name: get(row, "name")?,
        active: flag(row, "active")?,
        public_key: get(row, "public_key")?,
        identity_secret: get(row, "identity_secret")?,
        settings: serde_json::from_str(&settings).unwrap_or_default(),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub async fn insert_channel(conn: &mut AnyConnection, account: AccountId, c: &Channel) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO channels (account_id, id, kind, name, active, public_key, identity_secret, settings, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(c.kind.name())
    .bind(&c.name)
    .bind(i64::from(c.active))
    .bind(c.public_key.as_deref())
    .bind(c.identity_secret.as_deref())
    .bind(serde_json::to_string(&c.settings).unwrap_or_else(|_| "{}".into()))
    .bind(c.created_at.unix_ms())
    .bind(c.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("name"))?;
    Ok(())
}

pub async fn get_channel(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ChannelId,
) -> Result<Option<Channel>, StoreError> {
    let sql = format!("{CHANNEL} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(channel).transpose()
}

/// A channel by its public key, in whichever account it is (the key names the account), with that account.
pub async fn channel_by_public_key(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<(AccountId, Channel)>, StoreError> {
    let sql = format!("SELECT account_id, {} WHERE public_key = $1", &CHANNEL["SELECT ".len()..]);
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(key).fetch_optional(conn).await?;
    match row {
        Some(row) => Ok(Some((AccountId::from_i64(get(&row, "account_id")?), channel(&row)?))),
        None => Ok(None),
    }
}

/// Saves a channel's name, state, settings and secret.
pub async fn update_channel(conn: &mut AnyConnection, account: AccountId, c: &Channel) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE channels SET name = $3, active = $4, identity_secret = $5, settings = $6, updated_at = $7 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(&c.name)
    .bind(i64::from(c.active))
    .bind(c.identity_secret.as_deref())
    .bind(serde_json::to_string(&c.settings).unwrap_or_else(|_| "{}".into()))
    .bind(c.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("name"))?;
    Ok(())
}

pub async fn list_channels(
    conn: &mut AnyConnection,
    account: AccountId,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Channel>, StoreError> {
    let sql = format!("{CHANNEL} WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(after.unwrap_or(0))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(channel).collect()
}
