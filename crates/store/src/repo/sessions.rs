use crate::error::StoreError;
use crate::rows::{get, opt_time, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::{AccountId, SessionId, Timestamp, UserId};

/// A stored web session. The cookie holds a secret; only its hash is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub account_id: AccountId,
    pub id: SessionId,
    pub user_id: UserId,
    pub csrf_token: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

const SELECT: &str = "SELECT account_id, id, user_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at FROM sessions";

pub(crate) fn session(row: &AnyRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        account_id: AccountId::from_i64(get(row, "account_id")?),
        id: SessionId::from_i64(get(row, "id")?),
        user_id: UserId::from_i64(get(row, "user_id")?),
        csrf_token: get(row, "csrf_token")?,
        ip: get(row, "ip")?,
        user_agent: get(row, "user_agent")?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        expires_at: time(row, "expires_at")?,
        revoked_at: opt_time(row, "revoked_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, s: &SessionRow, secret_hash: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (account_id, id, user_id, secret_hash, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(s.account_id.as_i64())
    .bind(s.id.as_i64())
    .bind(s.user_id.as_i64())
    .bind(secret_hash)
    .bind(&s.csrf_token)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .bind(s.created_at.unix_ms())
    .bind(s.last_seen_at.unix_ms())
    .bind(s.expires_at.unix_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list_active_for_user(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<SessionRow>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE account_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(user.as_i64())
        .bind(now.unix_ms())
        .fetch_all(conn)
        .await?;
    rows.iter().map(session).collect()
}

pub async fn touch(
    conn: &mut AnyConnection,
    account: AccountId,
    id: SessionId,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes one session of a user; returns false when there was none to revoke.
pub async fn revoke(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
    id: SessionId,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $4 WHERE account_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(account.as_i64())
    .bind(user.as_i64())
    .bind(id.as_i64())
    .bind(at.unix_ms())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every session of a user but `keep` (on password change or deactivation).
pub async fn revoke_all_of_user(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
    keep: Option<SessionId>,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET revoked_at = $4 WHERE account_id = $1 AND user_id = $2 AND id <> $3 AND revoked_at IS NULL")
        .bind(account.as_i64())
        .bind(user.as_i64())
        .bind(keep.map(|k| k.as_i64()).unwrap_or(0))
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}
