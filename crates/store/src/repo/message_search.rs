//! Search over messages and contacts, limited to the actor's data scope by the same SQL condition
//! the inbox lists with (`inbox::scope_condition`). Message tokens live on the message row
//! (`messages.search_tokens`, written by `inbox::insert_message`); the backend's index (FTS5 /
//! GIN) finds the messages holding every query token, newest first, and the caller ranks them.

use crate::dialect::{
    MessageWindow, backend_of, id_day, message_match, message_order, message_window_query, message_windows,
};
use crate::error::StoreError;
use crate::repo::inbox::{CONTACT, CONVERSATION, contact, conversation, scope_condition};
use crate::repo::{like_escape, with_ids};
use crate::rows::{flag, get, time};
use sqlx::AnyConnection;
use std::collections::HashSet;
use switchboard_domain::conversations::{AuthorKind, Contact, Conversation, ConversationStatus};
use switchboard_domain::ids::compose_id;
use switchboard_domain::permissions::DataScope;
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

/// When the newest matches may be enough before `cap` of them are found.
#[derive(Debug, Clone, Copy)]
pub struct RecentEnough {
    /// Once the windows read reach back this far (ms before now)...
    pub span_ms: i64,
    /// ...and the matches found are in at least this many conversations, no older window is read.
    pub conversations: usize,
}

/// The newest messages in scope holding every token of the query, newest first: at most `cap`, and
/// fewer when `recent` says the recent ones are enough.
///
/// Message ids are time-ordered (`switchboard_domain::ids`), so the newest matches are found in
/// windows of ids walked from the newest backwards (`dialect::message_windows`: whole blocks of 8 and
/// then 64 days), until `cap` matches are in hand, or `recent` is satisfied, or the oldest message is
/// passed. Each window is one query the backend answers from its own index without reading matches
/// outside the window: a rowid range of FTS5's lists on SQLite; on PostgreSQL the window's block lexeme
/// beside the words, so GIN intersects them before any row is read (its planner, given one query over
/// everything, fetched and sorted every match of a common word). The windows do not overlap and are
/// read newest first, so up to `cap` the result is what one query over everything would give.
pub async fn candidates(
    conn: &mut AnyConnection,
    account: AccountId,
    q: &MessageQuery<'_>,
    recent: Option<RecentEnough>,
) -> Result<Vec<MessageCandidate>, StoreError> {
    let mut found: Vec<MessageCandidate> = Vec::new();
    if q.tokens.is_empty() || q.cap <= 0 {
        return Ok(found);
    }
    // The newest id, not now: a node whose clock runs ahead writes ids "from the future".
    let newest = sqlx::query("SELECT MAX(id) AS id FROM messages").fetch_one(&mut *conn).await?;
    let Some(newest) = get::<Option<i64>>(&newest, "id")? else {
        return Ok(found);
    };
    let recent_from = recent.map(|r| compose_id(crate::now_ms().saturating_sub(r.span_ms), 0, 0));
    let days_to_newest = id_day(newest) + 1;
    for window in message_windows(newest) {
        found.extend(candidates_in(conn, account, q, &window, q.cap - found.len() as i64).await?);
        let conversations = || found.iter().map(|m| m.conversation_id).collect::<HashSet<_>>().len();
        let recent_read = recent_from.is_some_and(|from| window.lower <= from);
        let seen = Seen { matches: found.len() as i64, days_read: days_to_newest - window.first_day };
        match next_step(&window, seen, q.cap, recent.filter(|_| recent_read), conversations) {
            Step::Stop => break,
            Step::NextWindow => {}
            Step::Rest => {
                let rest = MessageWindow::up_to(window.lower.saturating_sub(1));
                found.extend(candidates_in(conn, account, q, &rest, q.cap - found.len() as i64).await?);
                break;
            }
        }
    }
    Ok(found)
}

/// What the windows read so far found.
#[derive(Debug, Clone, Copy)]
struct Seen {
    matches: i64,
    /// Days from the start of the last window read to the newest message's, that one included.
    days_read: i64,
}

#[derive(Debug, PartialEq, Eq)]
enum Step {
    Stop,
    NextWindow,
    /// Everything older than the last window, in one query.
    Rest,
}

/// After reading `window`: stop with `cap` matches, at the oldest message, or when `recent` (given once
/// the windows reach its span) is satisfied; read the rest in one query when, at the rate seen so far,
/// the older days hold fewer matches than are still wanted (a rare word is one short list, cheaper read
/// at once than block by block); else read the next window.
fn next_step(
    window: &MessageWindow,
    seen: Seen,
    cap: i64,
    recent: Option<RecentEnough>,
    conversations: impl Fn() -> usize,
) -> Step {
    let wanted = cap - seen.matches;
    if wanted <= 0 || window.first_day == 0 {
        return Step::Stop;
    }
    if recent.is_some_and(|r| conversations() >= r.conversations) {
        return Step::Stop;
    }
    if seen.matches.saturating_mul(window.first_day) / seen.days_read.max(1) < wanted {
        return Step::Rest;
    }
    Step::NextWindow
}

/// The newest matches in scope within one window, at most `limit`.
async fn candidates_in(
    conn: &mut AnyConnection,
    account: AccountId,
    q: &MessageQuery<'_>,
    window: &MessageWindow,
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
        .bind(message_window_query(backend, q.tokens, account.as_i64(), window))
        .bind(q.status.map(|s| s.name()))
        .bind(q.channel_id.map(|c| c.as_i64()))
        .bind(q.from.map(|t| t.unix_ms()))
        .bind(q.to.map(|t| t.unix_ms()))
        .bind(i64::from(q.include_private))
        .bind(limit)
        .bind(window.lower)
        .bind(window.upper)
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
    // `with_ids` binds the account as $1 and the ids from $2; the user follows them. `+account_id`: the
    // ids pick the rows (SQLite may otherwise walk an index of the account's conversations).
    let user_param = ids.len() + 2;
    let sql = format!(
        "{CONVERSATION} WHERE +account_id = $1 AND id IN ({{ids}}) AND {}",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_stops_widens_or_reads_the_rest() {
        let block = |first_day| MessageWindow { lower: 1, upper: 2, first_day, block: None };
        let seen = |matches, days_read| Seen { matches, days_read };
        let recent = RecentEnough { span_ms: 1, conversations: 100 };
        // Enough matches, or the oldest day read.
        assert_eq!(next_step(&block(100), seen(1000, 8), 1000, None, || 0), Step::Stop);
        assert_eq!(next_step(&block(0), seen(3, 800), 1000, None, || 0), Step::Stop);
        // Dense: 400 in 8 days, and 100 days older: the next block.
        assert_eq!(next_step(&block(100), seen(400, 8), 1000, None, || 0), Step::NextWindow);
        // ... unless the recent ones are in enough conversations.
        assert_eq!(next_step(&block(100), seen(400, 8), 1000, Some(recent), || 100), Step::Stop);
        assert_eq!(next_step(&block(100), seen(400, 8), 1000, Some(recent), || 99), Step::NextWindow);
        // Sparse: 10 in 8 days would be 125 in the 100 older days, fewer than the 990 wanted.
        assert_eq!(next_step(&block(100), seen(10, 8), 1000, None, || 0), Step::Rest);
        assert_eq!(next_step(&block(100), seen(0, 8), 1000, None, || 0), Step::Rest);
    }
}
