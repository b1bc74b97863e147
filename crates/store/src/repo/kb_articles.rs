//! Knowledge-base articles.

use crate::error::StoreError;
use crate::rows::{get, opt_time, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::kb::{Article, KbStatus};
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, ArticleId, CategoryId, UserId};

const COLUMNS: &str = "id, category_id, title, slug, body, body_html, tags, status, locale, author_id, version, \
     view_count, helpful_count, not_helpful_count, created_at, updated_at, published_at";

/// Filters of the article list; every one optional.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub category_id: Option<CategoryId>,
    pub status: Option<KbStatus>,
    pub locale: Option<Locale>,
    pub tag: Option<String>,
    /// Part of the title (case-insensitive).
    pub query: Option<String>,
}

pub(crate) fn status(text: &str) -> Result<KbStatus, StoreError> {
    KbStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown KB status `{text}`")))
}

/// `|a|b|` for the tags column.
fn join_tags(tags: &[String]) -> String {
    if tags.is_empty() { String::new() } else { format!("|{}|", tags.join("|")) }
}

fn split_tags(text: &str) -> Vec<String> {
    text.split('|').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn article(row: &AnyRow) -> Result<Article, StoreError> {
    Ok(Article {
        id: ArticleId::from_i64(get(row, "id")?),
        category_id: get::<Option<i64>>(row, "category_id")?.map(CategoryId::from_i64),
        title: get(row, "title")?,
        slug: get(row, "slug")?,
        body: get(row, "body")?,
        body_html: get(row, "body_html")?,
        tags: split_tags(&get::<String>(row, "tags")?),
        status: status(&get::<String>(row, "status")?)?,
        locale: Locale::parse(&get::<String>(row, "locale")?).unwrap_or_default(),
        author_id: get::<Option<i64>>(row, "author_id")?.map(UserId::from_i64),
        version: get(row, "version")?,
        view_count: get(row, "view_count")?,
        helpful_count: get(row, "helpful_count")?,
        not_helpful_count: get(row, "not_helpful_count")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        published_at: opt_time(row, "published_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, account: AccountId, a: &Article) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO kb_articles (account_id, {COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(a.id.as_i64())
        .bind(a.category_id.map(|c| c.as_i64()))
        .bind(&a.title)
        .bind(&a.slug)
        .bind(&a.body)
        .bind(&a.body_html)
        .bind(join_tags(&a.tags))
        .bind(a.status.name())
        .bind(a.locale.code())
        .bind(a.author_id.map(|u| u.as_i64()))
        .bind(a.version)
        .bind(a.view_count)
        .bind(a.helpful_count)
        .bind(a.not_helpful_count)
        .bind(a.created_at.unix_ms())
        .bind(a.updated_at.unix_ms())
        .bind(a.published_at.map(|t| t.unix_ms()))
        .execute(conn)
        .await
        .map_err(|e| StoreError::from(e).on_unique("slug"))?;
    Ok(())
}

/// Saves content, status and version (not the counters, which change on their own).
pub async fn update(conn: &mut AnyConnection, account: AccountId, a: &Article) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE kb_articles SET category_id = $3, title = $4, slug = $5, body = $6, body_html = $7, tags = $8, \
         status = $9, locale = $10, version = $11, updated_at = $12, published_at = $13 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(a.id.as_i64())
    .bind(a.category_id.map(|c| c.as_i64()))
    .bind(&a.title)
    .bind(&a.slug)
    .bind(&a.body)
    .bind(&a.body_html)
    .bind(join_tags(&a.tags))
    .bind(a.status.name())
    .bind(a.locale.code())
    .bind(a.version)
    .bind(a.updated_at.unix_ms())
    .bind(a.published_at.map(|t| t.unix_ms()))
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("slug"))?;
    Ok(())
}

/// Adds one to a counter: `view_count`, `helpful_count` or `not_helpful_count`.
pub async fn increment(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ArticleId,
    counter: Counter,
) -> Result<(), StoreError> {
    let column = match counter {
        Counter::Views => "view_count",
        Counter::Helpful => "helpful_count",
        Counter::NotHelpful => "not_helpful_count",
    };
    let sql = format!("UPDATE kb_articles SET {column} = {column} + 1 WHERE account_id = $1 AND id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Views,
    Helpful,
    NotHelpful,
}

pub async fn delete(conn: &mut AnyConnection, account: AccountId, id: ArticleId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM kb_articles WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_by_id(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ArticleId,
) -> Result<Option<Article>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kb_articles WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(article).transpose()
}

pub async fn get_by_slug(
    conn: &mut AnyConnection,
    account: AccountId,
    slug: &str,
) -> Result<Option<Article>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kb_articles WHERE account_id = $1 AND slug = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(slug).fetch_optional(conn).await?;
    row.as_ref().map(article).transpose()
}

/// Articles with these ids (any order; missing ids are skipped).
pub async fn get_many(conn: &mut AnyConnection, account: AccountId, ids: &[i64]) -> Result<Vec<Article>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // `+account_id`: the ids pick the rows (SQLite would otherwise walk the account's index, every article).
    let sql = format!("SELECT {COLUMNS} FROM kb_articles WHERE +account_id = $1 AND id IN ({{ids}})");
    super::with_ids(&sql, account, ids).fetch_all(conn).await?.iter().map(article).collect()
}

pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    filter: &ArticleFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Article>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM kb_articles WHERE account_id = $1 AND id > $2 \
         AND ($3 IS NULL OR category_id = $3) AND ($4 IS NULL OR status = $4) AND ($5 IS NULL OR locale = $5) \
         AND ($6 IS NULL OR LOWER(tags) LIKE $6 ESCAPE '\\') AND ($7 IS NULL OR LOWER(title) LIKE $7 ESCAPE '\\') \
         ORDER BY id LIMIT $8"
    );
    let tag = filter.tag.as_ref().map(|t| format!("%|{}|%", super::like_escape(&t.trim().to_lowercase())));
    let query = filter.query.as_ref().map(|q| format!("%{}%", super::like_escape(&q.trim().to_lowercase())));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(after.unwrap_or(0))
        .bind(filter.category_id.map(|c| c.as_i64()))
        .bind(filter.status.map(|s| s.name()))
        .bind(filter.locale.map(|l| l.code()))
        .bind(tag)
        .bind(query)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(article).collect()
}
