//! Saved versions of knowledge-base articles and FAQ entries.

use crate::error::StoreError;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::kb::KbVersion;
use switchboard_domain::{AccountId, UserId};

const SELECT: &str =
    "SELECT object_kind, object_id, version, author_id, author_name, reason, content, created_at FROM kb_versions";

fn version(row: &AnyRow) -> Result<KbVersion, StoreError> {
    let content: String = get(row, "content")?;
    Ok(KbVersion {
        object_kind: get(row, "object_kind")?,
        object_id: get(row, "object_id")?,
        version: get(row, "version")?,
        author_id: get::<Option<i64>>(row, "author_id")?.map(UserId::from_i64),
        author_name: get(row, "author_name")?,
        reason: get(row, "reason")?,
        created_at: time(row, "created_at")?,
        content: serde_json::from_str(&content).map_err(|e| StoreError::Corrupt(format!("kb version: {e}")))?,
    })
}

pub async fn insert(conn: &mut AnyConnection, account: AccountId, v: &KbVersion) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO kb_versions (account_id, object_kind, object_id, version, author_id, author_name, reason, content, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(account.as_i64())
    .bind(&v.object_kind)
    .bind(v.object_id)
    .bind(v.version)
    .bind(v.author_id.map(|u| u.as_i64()))
    .bind(&v.author_name)
    .bind(&v.reason)
    .bind(v.content.to_string())
    .bind(v.created_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("version"))?;
    Ok(())
}

/// Versions of one object, newest first, below `before` (a version number) when given.
pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    kind: &str,
    object_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<KbVersion>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE account_id = $1 AND object_kind = $2 AND object_id = $3 AND version < $4 \
         ORDER BY version DESC LIMIT $5"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(kind)
        .bind(object_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(version).collect()
}

pub async fn get_one(
    conn: &mut AnyConnection,
    account: AccountId,
    kind: &str,
    object_id: i64,
    number: i64,
) -> Result<Option<KbVersion>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND object_kind = $2 AND object_id = $3 AND version = $4");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(kind)
        .bind(object_id)
        .bind(number)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(version).transpose()
}

pub async fn delete_all(conn: &mut AnyConnection, account: AccountId, object_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM kb_versions WHERE account_id = $1 AND object_id = $2")
        .bind(account.as_i64())
        .bind(object_id)
        .execute(conn)
        .await?;
    Ok(())
}
