//! Authentication lookups: a credential's hash to its token or session, user and role in ONE query.
//! The credential names the account, so these are the lookups that do not start from an account.

use super::roles::{role_columns, role_select};
use super::users::{user_columns, user_select};
use crate::error::StoreError;
use sqlx::AnyConnection;
use std::sync::OnceLock;
use switchboard_domain::AccountId;
use switchboard_domain::entities::{ApiToken, Role, User};

/// Who a credential belongs to.
#[derive(Debug, Clone)]
pub struct Holder {
    pub account_id: AccountId,
    pub user: User,
    pub role: Role,
}

fn join(backend: crate::db::Backend, table: &str, columns: &str) -> String {
    format!(
        "SELECT {columns}, {}, {} FROM {table} c \
         JOIN users u ON u.id = c.user_id AND u.account_id = c.account_id \
         JOIN roles r ON r.id = u.role_id AND r.account_id = u.account_id \
         WHERE c.secret_hash = $1",
        user_select(backend, "u", "u_"),
        role_select("r", "r_")
    )
}

/// The API token with this secret hash, and its holder.
pub async fn token(conn: &mut AnyConnection, secret_hash: &str) -> Result<Option<(ApiToken, Holder)>, StoreError> {
    static SQL: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    let backend = crate::dialect::backend_of(conn);
    let sql = SQL[backend as usize].get_or_init(|| {
        join(backend, "api_tokens", "c.account_id, c.id, c.user_id, c.name, c.prefix, c.scopes, c.created_at, c.expires_at, c.last_used_at, c.revoked_at")
    });
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(secret_hash).fetch_optional(conn).await?;
    let Some(row) = row else { return Ok(None) };
    let account_id = AccountId::from_i64(crate::rows::get(&row, "account_id")?);
    let token = super::tokens::token(&row)?;
    Ok(Some((token, Holder { account_id, user: user_columns(&row, "u_")?, role: role_columns(&row, "r_")? })))
}

/// The session with this secret hash, and its holder.
pub async fn session(
    conn: &mut AnyConnection,
    secret_hash: &str,
) -> Result<Option<(super::sessions::SessionRow, Holder)>, StoreError> {
    static SQL: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    let backend = crate::dialect::backend_of(conn);
    let sql = SQL[backend as usize].get_or_init(|| {
        join(backend, "sessions", "c.account_id, c.id, c.user_id, c.csrf_token, c.ip, c.user_agent, c.created_at, c.last_seen_at, c.expires_at, c.revoked_at")
    });
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(secret_hash).fetch_optional(conn).await?;
    let Some(row) = row else { return Ok(None) };
    let session = super::sessions::session(&row)?;
    Ok(Some((
        session.clone(),
        Holder { account_id: session.account_id, user: user_columns(&row, "u_")?, role: role_columns(&row, "r_")? },
    )))
}
