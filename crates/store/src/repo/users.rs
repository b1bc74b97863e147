use super::placeholders;
use crate::error::StoreError;
use crate::rows::{flag, get, opt_time, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use switchboard_domain::entities::User;
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, RoleId, TeamId, Timestamp, UserId};

const SELECT: &str =
    "SELECT id, name, email, role_id, locale, time_zone, active, created_at, updated_at, last_sign_in_at FROM users";

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
        team_ids: Vec::new(),
        created_at: time(row, &c("created_at"))?,
        updated_at: time(row, &c("updated_at"))?,
        last_sign_in_at: opt_time(row, &c("last_sign_in_at"))?,
    })
}

/// The columns `user_columns` reads, from table alias `alias`, renamed with `prefix`.
pub(crate) fn user_select(alias: &str, prefix: &str) -> String {
    ["id", "name", "email", "role_id", "locale", "time_zone", "active", "created_at", "updated_at", "last_sign_in_at"]
        .iter()
        .map(|c| format!("{alias}.{c} AS {prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ids of the teams a user belongs to.
pub async fn team_ids(conn: &mut AnyConnection, account: AccountId, user: UserId) -> Result<Vec<TeamId>, StoreError> {
    let rows = sqlx::query("SELECT team_id FROM team_members WHERE account_id = $1 AND user_id = $2 ORDER BY team_id")
        .bind(account.as_i64())
        .bind(user.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(TeamId::from_i64(get(r, "team_id")?))).collect()
}

/// Fills `team_ids` of the given users with one query.
async fn with_teams(
    conn: &mut AnyConnection,
    account: AccountId,
    mut users: Vec<User>,
) -> Result<Vec<User>, StoreError> {
    if users.is_empty() {
        return Ok(users);
    }
    let sql = format!(
        "SELECT user_id, team_id FROM team_members WHERE account_id = $1 AND user_id IN ({}) ORDER BY team_id",
        placeholders(2, users.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64());
    for u in &users {
        query = query.bind(u.id.as_i64());
    }
    let mut teams: HashMap<i64, Vec<TeamId>> = HashMap::new();
    for row in query.fetch_all(conn).await? {
        teams.entry(get(&row, "user_id")?).or_default().push(TeamId::from_i64(get(&row, "team_id")?));
    }
    for u in &mut users {
        u.team_ids = teams.remove(&u.id.as_i64()).unwrap_or_default();
    }
    Ok(users)
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
    let sql = format!("{SELECT} WHERE account_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(id.as_i64())
        .fetch_optional(&mut *conn)
        .await?;
    match row.as_ref().map(user).transpose()? {
        Some(u) => Ok(with_teams(conn, account, vec![u]).await?.pop()),
        None => Ok(None),
    }
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
        "{SELECT} WHERE account_id = $1 AND id > $2 \
         AND ($3 IS NULL OR LOWER(name) LIKE $3 ESCAPE '\\' OR email LIKE $3 ESCAPE '\\') \
         AND ($4 IS NULL OR role_id = $4) \
         AND ($5 IS NULL OR id IN (SELECT user_id FROM team_members WHERE account_id = $1 AND team_id = $5)) \
         AND ($6 IS NULL OR active = $6) \
         ORDER BY id LIMIT $7"
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
    let users = rows.iter().map(user).collect::<Result<Vec<_>, _>>()?;
    with_teams(conn, account, users).await
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
