//! Search over messages and contacts, limited to the actor's data scope by the same SQL condition
//! the inbox lists with (`inbox::scope_condition`). Message tokens live on the message row
//! (`messages.search_tokens`, written by `inbox::insert_message`); the backend's index (FTS5 /
//! GIN) finds the messages holding every query token, newest first, and the caller ranks them.

use crate::dialect::{backend_of, message_match, message_order, message_window_query};
use crate::error::StoreError;
use crate::repo::inbox::{CONTACT, CONVERSATION, contact, conversation, scope_condition};
use crate::repo::{like_escape, with_ids};
use crate::rows::{flag, get, time};
use sqlx::AnyConnection;
use switchboard_domain::conversations::{AuthorKind, Contact, Conversation, ConversationStatus};
use switchboard_domain::permissions::DataScope;
use switchboard_domain::ids::{ID_EPOCH_MS, compose_id};
use switchboard_domain::{AccountId, ChannelId, Timestamp, UserId};

/// Who searches, for what, and which messages count.
#[derive(Debug, Clone)]
pub struct MessageQuery<'a> {
    pub user: Option<UserId>,
    pub scope: DataScope,
    /// A message must hold every one of these tokens.
    pub tokens: &'a [String],
    pub status: Option<ConversationStatus>,
    pub channel_id: Option<ChannelId>,
    /// Messages written at or after this time.
    pub from: Option<Timestamp>,
    /// Messages written before this time.
    pub to: Option<Timestamp>,
    /// Internal notes count too.
    pub include_private: bool,
    /// At most this many messages (the newest matching ones).
    pub cap: i64,
}

/// A message holding every query token.
#[derive(Debug, Clone)]
pub struct MessageCandidate {
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub author_kind: AuthorKind,
    pub author_name: String,
    pub private: bool,
    pub text: String,
    /// The stored tokens, space-joined.
    pub tokens: String,
    pub created_at: Timestamp,
}

/// The first window of `candidates`: the last day.
const FIRST_WINDOW_MS: i64 = 24 * 3600 * 1000;
/// A window is at most this many times as long as everything searched before it.
const MAX_WINDOW_GROWTH: i64 = 8;

/// The newest messages in scope holding every token of the query, newest first, at most `cap`.
///
/// Message ids are time-ordered (`switchboard_domain::ids`), so the newest matches are found in
/// windows of ids walked from now backwards: the last day first, then a window sized from the rate
/// of matches found so far (at most eight times as long as everything before it), until `cap`
/// matches are in hand or the oldest message is passed. Each window is one query that the backend
/// can answer from its own index without reading matches outside the window: a rowid range of
/// FTS5's lists on SQLite, the primary key's range beside the GIN index on PostgreSQL (whose planner
/// would otherwise fetch and sort every match of a common word). The result is the same as one
/// query over everything: the windows do not overlap and are taken newest first.
pub async fn candidates(
    conn: &mut AnyConnection,
    account: AccountId,
    q: &MessageQuery<'_>,
) -> Result<Vec<MessageCandidate>, StoreError> {
    if q.tokens.is_empty() || q.cap <= 0 {
        return Ok(Vec::new());
    }
    let now = crate::now_ms();
    let mut found: Vec<MessageCandidate> = Vec::new();
    // The window is [id of `now - reach`, upper], upper starting at the newest id (a node whose clock
    // runs ahead writes ids "from the future", and they count as new).
    let newest = sqlx::query("SELECT MAX(id) AS id FROM messages").fetch_one(&mut *conn).await?;
    let Some(mut upper) = get::<Option<i64>>(&newest, "id")? else {
        return Ok(found);
    };
    let mut reach = FIRST_WINDOW_MS;
    loop {
        let start_ms = now.saturating_sub(reach);
        let lower = if start_ms <= ID_EPOCH_MS { i64::MIN } else { compose_id(start_ms, 0, 0) };
        let wanted = q.cap - found.len() as i64;
        found.extend(candidates_between(conn, account, q, (lower, upper), wanted).await?);
        if found.len() as i64 >= q.cap || lower == i64::MIN {
            return Ok(found);
        }
        upper = lower - 1;
        reach = next_reach(reach, found.len() as i64, q.cap);
    }
}

/// How far back the next window reaches, having searched the last `reach` ms and found `found`
/// of the `cap` matches wanted: far enough to find the rest at the rate seen so far, with half as
/// much again to spare; at least twice and at most `MAX_WINDOW_GROWTH` + 1 times as far as before.
fn next_reach(reach: i64, found: i64, cap: i64) -> i64 {
    let extra = if found == 0 {
        reach.saturating_mul(MAX_WINDOW_GROWTH)
    } else {
        let needed = (cap - found) as f64 * reach as f64 / found as f64 * 1.5;
        (needed as i64).clamp(reach, reach.saturating_mul(MAX_WINDOW_GROWTH))
    };
    reach.saturating_add(extra)
}

/// The newest matches in scope whose ids are within `ids` (both ends included), at most `limit`.
async fn candidates_between(
    conn: &mut AnyConnection,
    account: AccountId,
    q: &MessageQuery<'_>,
    ids: (i64, i64),
    limit: i64,
) -> Result<Vec<MessageCandidate>, StoreError> {
    let backend = backend_of(conn);
    let key = message_order(backend);
    let sql = format!(
        "SELECT m.id AS id, m.conversation_id AS conversation_id, m.seq AS seq, m.author_kind AS author_kind, \
         m.author_name AS author_name, m.private AS private, m.text AS text, m.search_tokens AS tokens, \
         m.created_at AS created_at {} AND m.account_id = $1 AND conversations.account_id = $1 AND {} \
         AND ($4 IS NULL OR conversations.status = $4) AND ($5 IS NULL OR conversations.channel_id = $5) \
         AND ($6 IS NULL OR m.created_at >= $6) AND ($7 IS NULL OR m.created_at < $7) AND ($8 = 1 OR m.private = 0) \
         AND {key} >= $10 AND {key} <= $11 ORDER BY {key} DESC LIMIT $9",
        message_match(backend),
        scope_condition(q.scope),
    );
    // Not a prepared statement kept for reuse: PostgreSQL plans each search with its own words
    // and window (a generic plan cannot know whether a word is rare or in every tenth message).
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .persistent(false)
        .bind(account.as_i64())
        .bind(q.user.map(|u| u.as_i64()).unwrap_or(0))
        .bind(message_window_query(backend, q.tokens, account.as_i64(), ids))
        .bind(q.status.map(|s| s.name()))
        .bind(q.channel_id.map(|c| c.as_i64()))
        .bind(q.from.map(|t| t.unix_ms()))
        .bind(q.to.map(|t| t.unix_ms()))
        .bind(i64::from(q.include_private))
        .bind(limit)
        .bind(ids.0)
        .bind(ids.1)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(MessageCandidate {
                id: get(r, "id")?,
                conversation_id: get(r, "conversation_id")?,
                seq: get(r, "seq")?,
                author_kind: AuthorKind::parse(&get::<String>(r, "author_kind")?),
                author_name: get(r, "author_name")?,
                private: flag(r, "private")?,
                text: get(r, "text")?,
                tokens: get::<Option<String>>(r, "tokens")?.unwrap_or_default(),
                created_at: time(r, "created_at")?,
            })
        })
        .collect()
}

/// How many messages the account has (for BM25's collection size): the sum of its conversations'
/// last sequence numbers, which every message advances by one.
pub async fn message_count(conn: &mut AnyConnection, account: AccountId) -> Result<i64, StoreError> {
    let row =
        sqlx::query("SELECT CAST(COALESCE(SUM(last_seq), 0) AS BIGINT) AS n FROM conversations WHERE account_id = $1")
            .bind(account.as_i64())
            .fetch_one(conn)
            .await?;
    get(&row, "n")
}

/// The conversations with these ids that the user may see under their scope (any order).
pub async fn conversations_by_ids(
    conn: &mut AnyConnection,
    account: AccountId,
    user: Option<UserId>,
    scope: DataScope,
    ids: &[i64],
) -> Result<Vec<Conversation>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // `with_ids` binds the account as $1 and the ids from $2; the user follows them.
    let user_param = ids.len() + 2;
    let sql = format!(
        "{CONVERSATION} WHERE account_id = $1 AND id IN ({{ids}}) AND {}",
        scope_condition(scope).replace("$2", &format!("${user_param}"))
    );
    let rows = with_ids(&sql, account, ids).bind(user.map(|u| u.as_i64()).unwrap_or(0)).fetch_all(conn).await?;
    rows.iter().map(conversation).collect()
}

/// What a contact search looks for.
#[derive(Debug, Clone)]
pub struct ContactQuery<'a> {
    pub user: Option<UserId>,
    pub scope: DataScope,
    /// Lower-case text found anywhere in the name, email or external id.
    pub text: &'a str,
    /// Digits found anywhere in the phone number's digits (empty: the phone is not searched).
    pub digits: &'a str,
    pub limit: i64,
}

/// Contacts matching the query, those whose name, email, external id or phone *starts* with it
/// first, then newest first. Outside the account scope, only contacts with a conversation the user
/// may see.
pub async fn search_contacts(
    conn: &mut AnyConnection,
    account: AccountId,
    q: &ContactQuery<'_>,
) -> Result<Vec<Contact>, StoreError> {
    let matches = |text: &str, digits: &str| {
        format!(
            "LOWER(name) LIKE {text} ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE {text} ESCAPE '\\' \
             OR LOWER(COALESCE(external_id, '')) LIKE {text} ESCAPE '\\' OR ($4 <> '' AND phone_digits LIKE {digits})"
        )
    };
    let sql = format!(
        "{CONTACT} WHERE account_id = $1 AND ({}) AND ($6 = 1 OR EXISTS (SELECT 1 FROM conversations \
         WHERE conversations.account_id = $1 AND conversations.contact_id = contacts.id AND {})) \
         ORDER BY CASE WHEN {} THEN 0 ELSE 1 END, id DESC LIMIT $9",
        matches("$3", "$5"),
        scope_condition(q.scope),
        matches("$7", "$8"),
    );
    let text = like_escape(q.text);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(q.user.map(|u| u.as_i64()).unwrap_or(0))
        .bind(format!("%{text}%"))
        .bind(q.digits)
        .bind(format!("%{}%", q.digits))
        .bind(i64::from(q.scope == DataScope::Account))
        .bind(format!("{text}%"))
        .bind(format!("{}%", q.digits))
        .bind(q.limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(contact).collect()
}

/// A message stored before message search existed, not indexed yet.
#[derive(Debug, Clone)]
pub struct UnindexedMessage {
    pub account_id: AccountId,
    pub id: i64,
    pub text: String,
}

/// Up to `limit` messages of any account without search tokens, oldest first (the start-up backfill,
/// which works for every account).
pub async fn unindexed_messages(conn: &mut AnyConnection, limit: i64) -> Result<Vec<UnindexedMessage>, StoreError> {
    let rows =
        sqlx::query("SELECT account_id, id, text FROM messages WHERE search_tokens IS NULL ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(UnindexedMessage {
                account_id: AccountId::from_i64(get(r, "account_id")?),
                id: get(r, "id")?,
                text: get(r, "text")?,
            })
        })
        .collect()
}

/// Stores a message's search tokens.
pub async fn set_message_tokens(
    conn: &mut AnyConnection,
    account: AccountId,
    id: i64,
    tokens: &[String],
) -> Result<(), StoreError> {
    sqlx::query("UPDATE messages SET search_tokens = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id)
        .bind(crate::repo::search::index_text(tokens).0)
        .execute(conn)
        .await?;
    Ok(())
}
