use crate::error::StoreError;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use switchboard_domain::entities::Team;
use switchboard_domain::{AccountId, TeamId, Timestamp, UserId};

const SELECT: &str = "SELECT id, name, description, created_at, updated_at FROM teams";

fn team(row: &AnyRow) -> Result<Team, StoreError> {
    Ok(Team {
        id: TeamId::from_i64(get(row, "id")?),
        name: get(row, "name")?,
        description: get(row, "description")?,
        member_ids: Vec::new(),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

async fn with_members(
    conn: &mut AnyConnection,
    account: AccountId,
    mut teams: Vec<Team>,
) -> Result<Vec<Team>, StoreError> {
    if teams.is_empty() {
        return Ok(teams);
    }
    let ids: Vec<i64> = teams.iter().map(|t| t.id.as_i64()).collect();
    let sql = "SELECT team_id, user_id FROM team_members WHERE account_id = $1 AND team_id IN ({ids}) ORDER BY user_id";
    let query = super::with_ids(sql, account, &ids);
    let mut members: HashMap<i64, Vec<UserId>> = HashMap::new();
    for row in query.fetch_all(conn).await? {
        members.entry(get(&row, "team_id")?).or_default().push(UserId::from_i64(get(&row, "user_id")?));
    }
    for t in &mut teams {
        t.member_ids = members.remove(&t.id.as_i64()).unwrap_or_default();
    }
    Ok(teams)
}

pub async fn insert(conn: &mut AnyConnection, account: AccountId, t: &Team) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO teams (account_id, id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(account.as_i64())
    .bind(t.id.as_i64())
    .bind(&t.name)
    .bind(&t.description)
    .bind(t.created_at.unix_ms())
    .bind(t.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("name"))?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, account: AccountId, t: &Team) -> Result<(), StoreError> {
    sqlx::query("UPDATE teams SET name = $3, description = $4, updated_at = $5 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(t.id.as_i64())
        .bind(&t.name)
        .bind(&t.description)
        .bind(t.updated_at.unix_ms())
        .execute(conn)
        .await
        .map_err(|e| StoreError::from(e).on_unique("name"))?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, account: AccountId, id: TeamId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM team_members WHERE account_id = $1 AND team_id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM teams WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_by_id(conn: &mut AnyConnection, account: AccountId, id: TeamId) -> Result<Option<Team>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(id.as_i64())
        .fetch_optional(&mut *conn)
        .await?;
    match row.as_ref().map(team).transpose()? {
        Some(t) => Ok(with_members(conn, account, vec![t]).await?.pop()),
        None => Ok(None),
    }
}

pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    query: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Team>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE account_id = $1 AND id > $2 AND ($3 IS NULL OR LOWER(name) LIKE $3 ESCAPE '\\') ORDER BY id LIMIT $4"
    );
    let pattern = query.map(|q| format!("%{}%", super::like_escape(&q.trim().to_lowercase())));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(after.unwrap_or(0))
        .bind(pattern)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let teams = rows.iter().map(team).collect::<Result<Vec<_>, _>>()?;
    with_members(conn, account, teams).await
}

/// Of the given ids, those that are teams of this account.
pub async fn existing_ids(
    conn: &mut AnyConnection,
    account: AccountId,
    ids: &[TeamId],
) -> Result<Vec<TeamId>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.iter().map(|id| id.as_i64()).collect();
    let sql = "SELECT id FROM teams WHERE account_id = $1 AND id IN ({ids})";
    let rows = super::with_ids(sql, account, &ids).fetch_all(conn).await?;
    rows.iter().map(|r| Ok(TeamId::from_i64(get(r, "id")?))).collect()
}

/// Of the given ids, those that are users of this account.
pub async fn existing_user_ids(
    conn: &mut AnyConnection,
    account: AccountId,
    ids: &[UserId],
) -> Result<Vec<UserId>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.iter().map(|id| id.as_i64()).collect();
    let sql = "SELECT id FROM users WHERE account_id = $1 AND id IN ({ids})";
    let rows = super::with_ids(sql, account, &ids).fetch_all(conn).await?;
    rows.iter().map(|r| Ok(UserId::from_i64(get(r, "id")?))).collect()
}

/// Replaces the team's members.
pub async fn set_members(
    conn: &mut AnyConnection,
    account: AccountId,
    id: TeamId,
    members: &[UserId],
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM team_members WHERE account_id = $1 AND team_id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(&mut *conn)
        .await?;
    for user in members {
        sqlx::query("INSERT INTO team_members (account_id, team_id, user_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(account.as_i64())
            .bind(id.as_i64())
            .bind(user.as_i64())
            .bind(at.unix_ms())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
