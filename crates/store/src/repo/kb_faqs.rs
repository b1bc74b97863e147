//! Knowledge-base FAQ entries.

use crate::error::StoreError;
use crate::repo::kb_articles::status;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::kb::{Faq, KbStatus};
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, CategoryId, FaqId};

const COLUMNS: &str = "id, external_id, category_id, question, similar_questions, answer, locale, status, version, created_at, updated_at";

/// Filters of the FAQ list; every one optional.
#[derive(Debug, Clone, Default)]
pub struct FaqFilter {
    pub category_id: Option<CategoryId>,
    pub status: Option<KbStatus>,
    pub locale: Option<Locale>,
    /// Part of the question (case-insensitive).
    pub query: Option<String>,
}

fn faq(row: &AnyRow) -> Result<Faq, StoreError> {
    let similar: String = get(row, "similar_questions")?;
    Ok(Faq {
        id: FaqId::from_i64(get(row, "id")?),
        external_id: get(row, "external_id")?,
        category_id: get::<Option<i64>>(row, "category_id")?.map(CategoryId::from_i64),
        question: get(row, "question")?,
        similar: serde_json::from_str(&similar).map_err(|e| StoreError::Corrupt(format!("faq similar: {e}")))?,
        answer: get(row, "answer")?,
        locale: Locale::parse(&get::<String>(row, "locale")?).unwrap_or_default(),
        status: status(&get::<String>(row, "status")?)?,
        version: get(row, "version")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

fn similar_json(f: &Faq) -> String {
    serde_json::to_string(&f.similar).unwrap_or_else(|_| "[]".into())
}

pub async fn insert(conn: &mut AnyConnection, account: AccountId, f: &Faq) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO kb_faqs (account_id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(f.id.as_i64())
        .bind(f.external_id.as_deref())
        .bind(f.category_id.map(|c| c.as_i64()))
        .bind(&f.question)
        .bind(similar_json(f))
        .bind(&f.answer)
        .bind(f.locale.code())
        .bind(f.status.name())
        .bind(f.version)
        .bind(f.created_at.unix_ms())
        .bind(f.updated_at.unix_ms())
        .execute(conn)
        .await
        .map_err(|e| StoreError::from(e).on_unique("external_id"))?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, account: AccountId, f: &Faq) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE kb_faqs SET external_id = $3, category_id = $4, question = $5, similar_questions = $6, answer = $7, locale = $8, \
         status = $9, version = $10, updated_at = $11 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(f.id.as_i64())
    .bind(f.external_id.as_deref())
    .bind(f.category_id.map(|c| c.as_i64()))
    .bind(&f.question)
    .bind(similar_json(f))
    .bind(&f.answer)
    .bind(f.locale.code())
    .bind(f.status.name())
    .bind(f.version)
    .bind(f.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("external_id"))?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, account: AccountId, id: FaqId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM kb_faqs WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_by_id(conn: &mut AnyConnection, account: AccountId, id: FaqId) -> Result<Option<Faq>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kb_faqs WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(faq).transpose()
}

pub async fn get_by_external_id(
    conn: &mut AnyConnection,
    account: AccountId,
    external_id: &str,
) -> Result<Option<Faq>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kb_faqs WHERE account_id = $1 AND external_id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(external_id).fetch_optional(conn).await?;
    row.as_ref().map(faq).transpose()
}

/// Entries with these ids (any order; missing ids are skipped).
pub async fn get_many(conn: &mut AnyConnection, account: AccountId, ids: &[i64]) -> Result<Vec<Faq>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // `+account_id`: the ids pick the rows (SQLite would otherwise walk the account's index, every entry).
    let sql = format!("SELECT {COLUMNS} FROM kb_faqs WHERE +account_id = $1 AND id IN ({{ids}})");
    super::with_ids(&sql, account, ids).fetch_all(conn).await?.iter().map(faq).collect()
}

pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    filter: &FaqFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Faq>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM kb_faqs WHERE account_id = $1 AND id > $2 \
         AND ($3 IS NULL OR category_id = $3) AND ($4 IS NULL OR status = $4) AND ($5 IS NULL OR locale = $5) \
         AND ($6 IS NULL OR LOWER(question) LIKE $6 ESCAPE '\\') ORDER BY id LIMIT $7"
    );
    let query = filter.query.as_ref().map(|q| format!("%{}%", super::like_escape(&q.trim().to_lowercase())));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(after.unwrap_or(0))
        .bind(filter.category_id.map(|c| c.as_i64()))
        .bind(filter.status.map(|s| s.name()))
        .bind(filter.locale.map(|l| l.code()))
        .bind(query)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(faq).collect()
}
