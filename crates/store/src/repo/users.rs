use crate::db::Backend;
use crate::error::StoreError;
use crate::rows::{flag, get, opt_time, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::entities::User;
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, RoleId, TeamId, Timestamp, UserId};

/// `SELECT <every user column and the team ids> FROM users`.
fn select(conn: &AnyConnection) -> String {
    format!("SELECT {} FROM users", user_select(crate::dialect::backend_of(conn), "users", ""))
}

fn user(row: &AnyRow) -> Result<User, StoreError> {
    user_columns(row, "")
}

/// Decodes a user from columns named `{prefix}id`, `{prefix}name`, ... (for joins).
pub(crate) fn user_columns(row: &AnyRow, prefix: &str) -> Result<User, StoreError> {
    let c = |name: &str| format!("{prefix}{name}");
    Ok(User {
        id: UserId::from_i64(get(row, &c("id"))?),
        name: get(row, &c("name"))?,
        email: get(row, &c("email"))?,
        role_id: RoleId::from_i64(get(row, &c("role_id"))?),
        locale: Locale::parse(&get::<String>(row, &c("locale"))?).unwrap_or_default(),
        time_zone: get(row, &c("time_zone"))?,
        active: flag(row, &c("active"))?,
        team_ids: match sqlx::Row::try_get::<Option<String>, _>(row, c("team_ids").as_str()) {
            Ok(joined) => crate::dialect::split_ids(joined.as_deref()).into_iter().map(TeamId::from_i64).collect(),
            Err(_) => Vec::new(),
        },
        created_at: time(row, &c("created_at"))?,
        updated_at: time(row, &c("updated_at"))?,
        last_sign_in_at: opt_time(row, &c("last_sign_in_at"))?,
    })
}

/// The columns `user_columns` reads, from table alias `alias`, renamed with `prefix`, including the
/// user's team ids aggregated in the same query.
pub(crate) fn user_select(backend: Backend, alias: &str, prefix: &str) -> String {
    let mut columns: Vec<String> = [
        "id",
        "name",
        "email",
        "role_id",
        "locale",
        "time_zone",
        "active",
        "created_at",
        "updated_at",
        "last_sign_in_at",
    ]
    .iter()
    .map(|c| format!("{alias}.{c} AS {prefix}{c}"))
    .collect();
    columns.push(format!(
        "(SELECT {} FROM team_members tm WHERE tm.account_id = {alias}.account_id AND tm.user_id = {alias}.id) AS {prefix}team_ids",
        crate::dialect::join_ids(backend, "tm.team_id")
    ));
    columns.join(", ")
}

pub async fn insert(
    conn: &mut AnyConnection,
    account: AccountId,
    u: &User,
    password_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO users (account_id, id, name, email, password_hash, role_id, locale, time_zone, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(account.as_i64())
    .bind(u.id.as_i64())
    .bind(&u.name)
    .bind(&u.email)
    .bind(password_hash)
    .bind(u.role_id.as_i64())
    .bind(u.locale.code())
    .bind(&u.time_zone)
    .bind(i64::from(u.active))
    .bind(u.created_at.unix_ms())
    .bind(u.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("email"))?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, account: AccountId, u: &User) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET name = $3, email = $4, role_id = $5, locale = $6, time_zone = $7, active = $8, updated_at = $9 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(u.id.as_i64())
    .bind(&u.name)
    .bind(&u.email)
    .bind(u.role_id.as_i64())
    .bind(u.locale.code())
    .bind(&u.time_zone)
    .bind(i64::from(u.active))
    .bind(u.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("email"))?;
    Ok(())
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    account: AccountId,
    id: UserId,
    hash: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $3, updated_at = $4 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(hash)
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_last_sign_in(
    conn: &mut AnyConnection,
    account: AccountId,
    id: UserId,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET last_sign_in_at = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_by_id(conn: &mut AnyConnection, account: AccountId, id: UserId) -> Result<Option<User>, StoreError> {
    let sql = format!("{} WHERE account_id = $1 AND id = $2", select(conn));
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(id.as_i64())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(user).transpose()
}

/// The user with this email and their password hash.
pub async fn get_by_email_with_hash(
    conn: &mut AnyConnection,
    account: AccountId,
    email: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let sql = "SELECT id, name, email, role_id, locale, time_zone, active, created_at, updated_at, last_sign_in_at, password_hash \
               FROM users WHERE account_id = $1 AND email = $2";
    let row = sqlx::query(sql).bind(account.as_i64()).bind(email).fetch_optional(conn).await?;
    match row {
        Some(row) => Ok(Some((user(&row)?, get(&row, "password_hash")?))),
        None => Ok(None),
    }
}

pub async fn password_hash(
    conn: &mut AnyConnection,
    account: AccountId,
    id: UserId,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.map(|r| get(&r, "password_hash")).transpose()
}

/// Filters for listing users; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Substring of the name or email (case-insensitive).
    pub query: Option<String>,
    pub role_id: Option<RoleId>,
    pub team_id: Option<TeamId>,
    pub active: Option<bool>,
}

pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    filter: &UserFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<User>, StoreError> {
    let sql = format!(
        "{} WHERE account_id = $1 AND id > $2 \
         AND ($3 IS NULL OR LOWER(name) LIKE $3 ESCAPE '\\' OR email LIKE $3 ESCAPE '\\') \
         AND ($4 IS NULL OR role_id = $4) \
         AND ($5 IS NULL OR id IN (SELECT user_id FROM team_members WHERE account_id = $1 AND team_id = $5)) \
         AND ($6 IS NULL OR active = $6) \
         ORDER BY id LIMIT $7",
        select(conn)
    );
    let pattern = filter.query.as_ref().map(|q| format!("%{}%", super::like_escape(&q.trim().to_lowercase())));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(after.unwrap_or(0))
        .bind(pattern)
        .bind(filter.role_id.map(|r| r.as_i64()))
        .bind(filter.team_id.map(|t| t.as_i64()))
        .bind(filter.active.map(i64::from))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(user).collect()
}

/// How many active users hold a role with this id (used to keep at least one active admin).
pub async fn count_active_with_role(
    conn: &mut AnyConnection,
    account: AccountId,
    role: RoleId,
) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE account_id = $1 AND role_id = $2 AND active = $3")
        .bind(account.as_i64())
        .bind(role.as_i64())
        .bind(1i64)
        .fetch_one(conn)
        .await?;
    get(&row, "n")
}

/// Replaces the user's team memberships.
pub async fn set_teams(
    conn: &mut AnyConnection,
    account: AccountId,
    id: UserId,
    teams: &[TeamId],
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM team_members WHERE account_id = $1 AND user_id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(&mut *conn)
        .await?;
    for team in teams {
        sqlx::query("INSERT INTO team_members (account_id, team_id, user_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(account.as_i64())
            .bind(team.as_i64())
            .bind(id.as_i64())
            .bind(at.unix_ms())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
