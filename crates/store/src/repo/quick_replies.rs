//! Quick replies.

use crate::error::StoreError;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::quick_replies::{QuickReply, QuickReplyScope};
use switchboard_domain::*;

const SELECT: &str =
    "SELECT id, owner_id, team_id, shortcut, title, body, category, created_at, updated_at FROM quick_replies";

fn quick_reply(row: &AnyRow) -> Result<QuickReply, StoreError> {
    let owner_id = get::<Option<i64>>(row, "owner_id")?.map(UserId::from_i64);
    let team_id = get::<Option<i64>>(row, "team_id")?.map(TeamId::from_i64);
    let scope = match (owner_id, team_id) {
        (Some(_), _) => QuickReplyScope::Personal,
        (None, Some(_)) => QuickReplyScope::Team,
        (None, None) => QuickReplyScope::Account,
    };
    Ok(QuickReply {
        id: QuickReplyId::from_i64(get(row, "id")?),
        scope,
        owner_id,
        team_id,
        shortcut: get(row, "shortcut")?,
        title: get(row, "title")?,
        body: get(row, "body")?,
        category: get(row, "category")?,
        rendered: None,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

/// The quick replies a user sees: their own, their teams', and the account's; by shortcut.
pub async fn visible(
    conn: &mut AnyConnection,
    account: AccountId,
    user: Option<UserId>,
) -> Result<Vec<QuickReply>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE account_id = $1 AND (owner_id = $2 OR (owner_id IS NULL AND team_id IS NULL) \
         OR (owner_id IS NULL AND team_id IN (SELECT team_id FROM team_members WHERE account_id = $1 AND user_id = $2))) \
         ORDER BY shortcut, id LIMIT 1000"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(user.map(|u| u.as_i64()).unwrap_or(0))
        .fetch_all(conn)
        .await?;
    rows.iter().map(quick_reply).collect()
}

pub async fn get_one(
    conn: &mut AnyConnection,
    account: AccountId,
    id: QuickReplyId,
) -> Result<Option<QuickReply>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(quick_reply).transpose()
}

/// Inserts or replaces (by id) a quick reply.
pub async fn save(conn: &mut AnyConnection, account: AccountId, q: &QuickReply, new: bool) -> Result<(), StoreError> {
    let sql = if new {
        "INSERT INTO quick_replies (account_id, id, owner_id, team_id, shortcut, title, body, category, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    } else {
        "UPDATE quick_replies SET owner_id = $3, team_id = $4, shortcut = $5, title = $6, body = $7, category = $8, \
         updated_at = $10 WHERE account_id = $1 AND id = $2 AND created_at = $9"
    };
    sqlx::query(sql)
        .bind(account.as_i64())
        .bind(q.id.as_i64())
        .bind(q.owner_id.map(|u| u.as_i64()))
        .bind(q.team_id.map(|t| t.as_i64()))
        .bind(&q.shortcut)
        .bind(&q.title)
        .bind(&q.body)
        .bind(&q.category)
        .bind(q.created_at.unix_ms())
        .bind(q.updated_at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, account: AccountId, id: QuickReplyId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM quick_replies WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}
