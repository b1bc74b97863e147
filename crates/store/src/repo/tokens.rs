use crate::error::StoreError;
use crate::rows::{get, opt_time, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::entities::ApiToken;
use switchboard_domain::permissions::Permission;
use switchboard_domain::{AccountId, Timestamp, TokenId, UserId};

const SELECT: &str = "SELECT account_id, id, user_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at FROM api_tokens";

pub(crate) fn token(row: &AnyRow) -> Result<ApiToken, StoreError> {
    let scopes: Option<String> = get(row, "scopes")?;
    Ok(ApiToken {
        id: TokenId::from_i64(get(row, "id")?),
        user_id: UserId::from_i64(get(row, "user_id")?),
        name: get(row, "name")?,
        prefix: get(row, "prefix")?,
        scopes: scopes.unwrap_or_default().split_whitespace().filter_map(Permission::parse).collect(),
        created_at: time(row, "created_at")?,
        expires_at: opt_time(row, "expires_at")?,
        last_used_at: opt_time(row, "last_used_at")?,
        revoked_at: opt_time(row, "revoked_at")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    account: AccountId,
    t: &ApiToken,
    secret_hash: &str,
) -> Result<(), StoreError> {
    let scopes = t.scopes.iter().map(|p| p.name()).collect::<Vec<_>>().join(" ");
    sqlx::query(
        "INSERT INTO api_tokens (account_id, id, user_id, name, prefix, secret_hash, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(account.as_i64())
    .bind(t.id.as_i64())
    .bind(t.user_id.as_i64())
    .bind(&t.name)
    .bind(&t.prefix)
    .bind(secret_hash)
    .bind(scopes)
    .bind(t.created_at.unix_ms())
    .bind(t.expires_at.map(|e| e.unix_ms()))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_by_id(
    conn: &mut AnyConnection,
    account: AccountId,
    id: TokenId,
) -> Result<Option<ApiToken>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(token).transpose()
}

/// Tokens of the account, or of one user; newest last.
pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    user: Option<UserId>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<ApiToken>, StoreError> {
    let sql =
        format!("{SELECT} WHERE account_id = $1 AND ($2 IS NULL OR user_id = $2) AND id > $3 ORDER BY id LIMIT $4");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(user.map(|u| u.as_i64()))
        .bind(after.unwrap_or(0))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(token).collect()
}

pub async fn revoke(
    conn: &mut AnyConnection,
    account: AccountId,
    id: TokenId,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes every token of a user (on deactivation).
pub async fn revoke_all_of_user(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE account_id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(account.as_i64())
        .bind(user.as_i64())
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn touch(conn: &mut AnyConnection, account: AccountId, id: TokenId, at: Timestamp) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}
