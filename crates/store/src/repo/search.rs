//! The full-text index shared by every searchable kind (KB articles and FAQ entries now; messages
//! and contacts later): one `search_documents` row per object, keyed by its id (ids are unique
//! across kinds), holding the application tokenizer's tokens. Written in the same transaction as
//! the object. The backend's own index (FTS5 / GIN tsvector) finds candidates; ranking is done by
//! the caller from the stored tokens, identically on both backends.

use crate::dialect::{backend_of, text_match, text_order, text_query};
use crate::error::StoreError;
use crate::rows::get;
use sqlx::AnyConnection;
use switchboard_domain::AccountId;

/// What is indexed for one object.
#[derive(Debug, Clone)]
pub struct SearchDocument<'a> {
    pub object_id: i64,
    /// `article`, `faq`, ...
    pub kind: &'a str,
    pub locale: &'a str,
    /// The object's status, so searches can leave out archived objects.
    pub status: &'a str,
    /// Tokens, as the tokenizer made them.
    pub tokens: &'a [String],
    pub updated_at: i64,
}

/// Which documents a search looks at.
#[derive(Debug, Clone, Default)]
pub struct SearchScope {
    pub kind: Option<String>,
    pub locale: Option<String>,
    /// Only this status; none means every status but `archived`.
    pub status: Option<String>,
}

/// A document that has at least one of the query's tokens.
#[derive(Debug, Clone)]
pub struct SearchCandidate {
    pub object_id: i64,
    pub kind: String,
    pub tokens: String,
}

/// Longer "words" (hashes, base64 blobs) are not worth indexing, and PostgreSQL refuses lexemes
/// over 2 KB.
const MAX_TOKEN_CHARS: usize = 64;

/// The tokens as an index stores them: space-joined, empty and over-long ones left out; and their count.
pub fn index_text(tokens: &[String]) -> (String, i64) {
    let kept: Vec<&str> =
        tokens.iter().map(String::as_str).filter(|t| !t.is_empty() && t.chars().count() <= MAX_TOKEN_CHARS).collect();
    (kept.join(" "), kept.len() as i64)
}

/// Inserts or replaces the object's document.
pub async fn upsert(conn: &mut AnyConnection, account: AccountId, doc: &SearchDocument<'_>) -> Result<(), StoreError> {
    let (tokens, length) = index_text(doc.tokens);
    sqlx::query(
        "INSERT INTO search_documents (object_id, account_id, kind, locale, status, tokens, length, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (object_id) DO UPDATE SET locale = $4, status = $5, tokens = $6, length = $7, updated_at = $8 \
         WHERE search_documents.account_id = $2",
    )
    .bind(doc.object_id)
    .bind(account.as_i64())
    .bind(doc.kind)
    .bind(doc.locale)
    .bind(doc.status)
    .bind(tokens)
    .bind(length)
    .bind(doc.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes only the status of a document (publish, archive).
pub async fn set_status(
    conn: &mut AnyConnection,
    account: AccountId,
    object_id: i64,
    status: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE search_documents SET status = $3 WHERE account_id = $1 AND object_id = $2")
        .bind(account.as_i64())
        .bind(object_id)
        .bind(status)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, account: AccountId, object_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM search_documents WHERE account_id = $1 AND object_id = $2")
        .bind(account.as_i64())
        .bind(object_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The conditions of a `SearchScope`, with the account and the scope's three values bound as
/// `$first` .. `$first+3`.
fn scope_sql(first: usize) -> String {
    let (a, k, l, s) = (first, first + 1, first + 2, first + 3);
    format!(
        "d.account_id = ${a} AND (${k} IS NULL OR d.kind = ${k}) AND (${l} IS NULL OR d.locale = ${l}) \
         AND ((${s} IS NULL AND d.status <> 'archived') OR d.status = ${s})"
    )
}

/// Documents in scope having any of `tokens`, newest first, at most `cap` of them.
///
/// Newest first in the index's own order (`text_order`): SQLite's FTS5 walks its lists backwards
/// and stops at the cap instead of sorting every match; PostgreSQL plans each search with its words
/// (not a kept prepared statement), so a common word walks the primary key backwards and a rare one
/// takes the GIN index's few matches.
pub async fn candidates(
    conn: &mut AnyConnection,
    account: AccountId,
    scope: &SearchScope,
    tokens: &[String],
    cap: i64,
) -> Result<Vec<SearchCandidate>, StoreError> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let backend = backend_of(conn);
    let sql = format!(
        "SELECT d.object_id AS object_id, d.kind AS kind, d.tokens AS tokens {} AND {} \
         ORDER BY {} DESC LIMIT $6",
        text_match(backend),
        scope_sql(2),
        text_order(backend),
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .persistent(false)
        .bind(text_query(backend, tokens))
        .bind(account.as_i64())
        .bind(scope.kind.as_deref())
        .bind(scope.locale.as_deref())
        .bind(scope.status.as_deref())
        .bind(cap)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SearchCandidate { object_id: get(r, "object_id")?, kind: get(r, "kind")?, tokens: get(r, "tokens")? })
        })
        .collect()
}

/// (number of documents in scope, their total length in tokens), for BM25: a sum over the few
/// groups of `search_collections` (kept by triggers, migration 12), not a count of the documents.
pub async fn collection(
    conn: &mut AnyConnection,
    account: AccountId,
    scope: &SearchScope,
) -> Result<(i64, i64), StoreError> {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(d.documents), 0) AS BIGINT) AS n, \
         CAST(COALESCE(SUM(d.total_length), 0) AS BIGINT) AS total FROM search_collections d WHERE {}",
        scope_sql(1)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(scope.kind.as_deref())
        .bind(scope.locale.as_deref())
        .bind(scope.status.as_deref())
        .fetch_one(conn)
        .await?;
    Ok((get(&row, "n")?, get(&row, "total")?))
}
