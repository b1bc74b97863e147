//! Ratings of bot answers and the list of questions the bot could not answer (docs/bot.md).

use crate::error::StoreError;
use crate::repo::inbox::{MESSAGE, message};
use crate::rows::{get, opt_time, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::bot_feedback::*;
use switchboard_domain::conversations::Message;
use switchboard_domain::*;

/// A message of the account by its id.
pub async fn message_by_id(
    conn: &mut AnyConnection,
    account: AccountId,
    id: MessageId,
) -> Result<Option<Message>, StoreError> {
    let sql = format!("{MESSAGE} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(message).transpose()
}

/// Replaces a message's bot metadata.
pub async fn set_message_meta(
    conn: &mut AnyConnection,
    account: AccountId,
    id: MessageId,
    meta: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE messages SET meta = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(meta.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The rating stored for a message and whether its "down" was already counted.
pub async fn rating(
    conn: &mut AnyConnection,
    account: AccountId,
    message: MessageId,
) -> Result<Option<(BotRating, bool)>, StoreError> {
    let row = sqlx::query("SELECT rating, reported FROM bot_ratings WHERE account_id = $1 AND message_id = $2")
        .bind(account.as_i64())
        .bind(message.as_i64())
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let rating = BotRating::parse(&get::<String>(&row, "rating")?).unwrap_or(BotRating::Up);
    Ok(Some((rating, get::<i64>(&row, "reported")? != 0)))
}

/// Stores a message's rating (insert or change).
pub async fn save_rating(
    conn: &mut AnyConnection,
    account: AccountId,
    rated: &RatedMessage,
    reported: bool,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO bot_ratings (account_id, message_id, conversation_id, rating, reported, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (message_id) DO UPDATE SET rating = excluded.rating, \
         reported = excluded.reported, updated_at = excluded.updated_at",
    )
    .bind(account.as_i64())
    .bind(rated.message_id.as_i64())
    .bind(rated.conversation_id.as_i64())
    .bind(rated.rating.name())
    .bind(i64::from(reported))
    .bind(at.unix_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// One occurrence of a question the bot did not answer well.
pub struct Occurrence<'a> {
    pub id: UnansweredId,
    pub kind: UnansweredKind,
    pub reason: &'a str,
    pub question: &'a str,
    pub key: &'a str,
    pub guesses: &'a [BotGuess],
    pub conversation_id: ConversationId,
    pub message_id: Option<MessageId>,
    pub at: Timestamp,
}

/// Counts an occurrence on the open item of the same question and kind, or opens one.
pub async fn record(conn: &mut AnyConnection, account: AccountId, o: &Occurrence<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO bot_unanswered (account_id, id, kind, reason, question, question_key, guesses, occurrences, \
         conversation_id, message_id, status, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, 'open', $10, $10) \
         ON CONFLICT (account_id, kind, question_key) WHERE status = 'open' DO UPDATE SET \
         occurrences = bot_unanswered.occurrences + 1, reason = excluded.reason, question = excluded.question, \
         guesses = excluded.guesses, conversation_id = excluded.conversation_id, \
         message_id = excluded.message_id, last_seen = excluded.last_seen",
    )
    .bind(account.as_i64())
    .bind(o.id.as_i64())
    .bind(o.kind.name())
    .bind(o.reason)
    .bind(o.question)
    .bind(o.key)
    .bind(serde_json::to_string(o.guesses).unwrap_or_else(|_| "[]".into()))
    .bind(o.conversation_id.as_i64())
    .bind(o.message_id.map(|m| m.as_i64()))
    .bind(o.at.unix_ms())
    .execute(conn)
    .await?;
    Ok(())
}

const ITEM: &str = "SELECT id, kind, reason, question, guesses, occurrences, conversation_id, message_id, status, \
     faq_id, first_seen, last_seen, closed_by, closed_at FROM bot_unanswered";

fn item(row: &AnyRow) -> Result<UnansweredQuestion, StoreError> {
    Ok(UnansweredQuestion {
        id: UnansweredId::from_i64(get(row, "id")?),
        kind: UnansweredKind::parse(&get::<String>(row, "kind")?).unwrap_or(UnansweredKind::Unanswered),
        reason: get(row, "reason")?,
        question: get(row, "question")?,
        guesses: serde_json::from_str(&get::<String>(row, "guesses")?).unwrap_or_default(),
        occurrences: get(row, "occurrences")?,
        conversation_id: ConversationId::from_i64(get(row, "conversation_id")?),
        message_id: get::<Option<i64>>(row, "message_id")?.map(MessageId::from_i64),
        status: UnansweredStatus::parse(&get::<String>(row, "status")?).unwrap_or(UnansweredStatus::Open),
        faq_id: get::<Option<i64>>(row, "faq_id")?.map(FaqId::from_i64),
        first_seen: time(row, "first_seen")?,
        last_seen: time(row, "last_seen")?,
        closed_by: get::<Option<i64>>(row, "closed_by")?.map(UserId::from_i64),
        closed_at: opt_time(row, "closed_at")?,
    })
}

/// Items of one status, most recent or most frequent first, `limit` from `offset`.
pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    status: UnansweredStatus,
    order: UnansweredOrder,
    offset: i64,
    limit: i64,
) -> Result<Vec<UnansweredQuestion>, StoreError> {
    let order = match order {
        UnansweredOrder::Recent => "last_seen DESC, id DESC",
        UnansweredOrder::Frequent => "occurrences DESC, last_seen DESC, id DESC",
    };
    let sql = format!("{ITEM} WHERE account_id = $1 AND status = $2 ORDER BY {order} LIMIT $3 OFFSET $4");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(status.name())
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    rows.iter().map(item).collect()
}

pub async fn get_item(
    conn: &mut AnyConnection,
    account: AccountId,
    id: UnansweredId,
) -> Result<Option<UnansweredQuestion>, StoreError> {
    let sql = format!("{ITEM} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(item).transpose()
}

/// Closes an open item (dismissed, or resolved into an FAQ entry). False when it was not open.
pub async fn close(
    conn: &mut AnyConnection,
    account: AccountId,
    id: UnansweredId,
    status: UnansweredStatus,
    faq: Option<FaqId>,
    by: Option<UserId>,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE bot_unanswered SET status = $3, faq_id = $4, closed_by = $5, closed_at = $6 \
         WHERE account_id = $1 AND id = $2 AND status = 'open'",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .bind(status.name())
    .bind(faq.map(|f| f.as_i64()))
    .bind(by.map(|u| u.as_i64()))
    .bind(at.unix_ms())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
