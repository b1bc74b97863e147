//! Multi-row statements, for work that writes many rows at once (a routing pass assigning thousands of
//! waiting conversations): one statement per kind of row instead of one per row, which on PostgreSQL
//! is one network round trip instead of thousands. Integer tuples are written into the SQL as
//! literals (they are `i64`s, nothing else can reach the text); everything else is bound.

use crate::error::StoreError;
use crate::repo::inbox::{CONVERSATION, conversation};
use crate::rows::get;
use sqlx::AnyConnection;
use switchboard_domain::conversations::{Conversation, Message};
use switchboard_domain::events::Event;
use switchboard_domain::*;

/// Rows per statement: keeps every statement far below both databases' limits on bound parameters
/// (SQLite 32,766; PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// `(1, 2), (3, 4)`: integer tuples as a VALUES list (columns `column1`, `column2`, … on both databases).
fn int_values<const N: usize>(rows: &[[i64; N]]) -> String {
    let mut sql = String::with_capacity(rows.len() * N * 21);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (j, value) in row.iter().enumerate() {
            if j > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&value.to_string());
        }
        sql.push(')');
    }
    sql
}

/// `($first, $first+1, …), (…)`: placeholders for `rows` rows of `columns` bound values each.
fn placeholders(rows: usize, columns: usize, first: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (0..columns).map(|c| format!("${}", first + r * columns + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Assigns waiting conversations to agents, each only if it still waits and is not offered to someone
/// else (the only assignment write: routing passes and accepted offers use it), and in the same statement takes each one's next message
/// sequence for the note that announces the agent. Returns `(conversation, sequence taken)` for those
/// assigned; a conversation another node took meanwhile is left out.
pub async fn assign_waiting(
    conn: &mut AnyConnection,
    account: AccountId,
    pairs: &[(ConversationId, UserId)],
    at: i64,
) -> Result<Vec<(ConversationId, i64)>, StoreError> {
    let mut taken = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<[i64; 2]> = chunk.iter().map(|(c, a)| [c.as_i64(), a.as_i64()]).collect();
        let sql = format!(
            "UPDATE conversations SET assignee_id = v.column2, assigned_at = $2, updated_at = $2, queued_at = NULL, \
             team_since = NULL, offered_to = NULL, offer_expires_at = NULL, declined_by = '', \
             last_seq = last_seq + 1, last_message_at = $2 \
             FROM (VALUES {}) AS v WHERE conversations.account_id = $1 AND conversations.id = v.column1 \
             AND conversations.queued_at IS NOT NULL \
             AND (conversations.offered_to IS NULL OR conversations.offered_to = v.column2) \
             RETURNING conversations.id AS id, conversations.last_seq AS last_seq",
            int_values(&rows)
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(at).fetch_all(&mut *conn).await?;
        for row in &done {
            taken.push((ConversationId::from_i64(get(row, "id")?), get(row, "last_seq")?));
        }
    }
    Ok(taken)
}

/// Records, per contact, the agent who last served them (sticky routing reads it). A contact named
/// twice keeps the last pair.
pub async fn set_last_agents(
    conn: &mut AnyConnection,
    account: AccountId,
    pairs: &[(ContactId, UserId)],
    at: i64,
) -> Result<(), StoreError> {
    let mut latest = std::collections::HashMap::with_capacity(pairs.len());
    for (contact, agent) in pairs {
        latest.insert(contact.as_i64(), agent.as_i64());
    }
    let rows: Vec<[i64; 2]> = latest.into_iter().map(|(contact, agent)| [contact, agent]).collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE contacts SET last_agent_id = v.column2, last_served_at = $2 FROM (VALUES {}) AS v \
             WHERE contacts.account_id = $1 AND contacts.id = v.column1",
            int_values(chunk)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(at).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets each agent's `last_assigned_at` (round-robin reads it).
pub async fn set_last_assigned(
    conn: &mut AnyConnection,
    account: AccountId,
    agents: &[(UserId, i64)],
) -> Result<(), StoreError> {
    let rows: Vec<[i64; 2]> = agents.iter().map(|(agent, at)| [agent.as_i64(), *at]).collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE agent_status SET last_assigned_at = v.column2 FROM (VALUES {}) AS v \
             WHERE agent_status.account_id = $1 AND agent_status.user_id = v.column1",
            int_values(chunk)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The account's conversations with these ids (any order; unknown ids are left out). No data scope:
/// for the system's own work, never for a person's request.
pub async fn conversations(
    conn: &mut AnyConnection,
    account: AccountId,
    ids: &[ConversationId],
) -> Result<Vec<Conversation>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let list: Vec<String> = chunk.iter().map(|id| id.as_i64().to_string()).collect();
        let sql = format!("{CONVERSATION} WHERE account_id = $1 AND id IN ({})", list.join(", "));
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).fetch_all(&mut *conn).await?;
        for row in &rows {
            found.push(conversation(row)?);
        }
    }
    Ok(found)
}

/// Inserts messages, each with its search tokens (the caller took their sequences).
pub async fn insert_messages(
    conn: &mut AnyConnection,
    account: AccountId,
    messages: &[(&Message, &[String])],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 14;
    for chunk in messages.chunks(ROWS_PER_STATEMENT / 2) {
        let sql = format!(
            "INSERT INTO messages (account_id, id, conversation_id, seq, author_kind, author_id, text, private, \
             client_id, created_at, author_name, attachments, meta, search_tokens) VALUES {}",
            placeholders(chunk.len(), COLUMNS, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (m, tokens) in chunk {
            query = query
                .bind(account.as_i64())
                .bind(m.id.as_i64())
                .bind(m.conversation_id.as_i64())
                .bind(m.seq)
                .bind(m.author_kind.name())
                .bind(m.author_id)
                .bind(m.text.clone())
                .bind(i64::from(m.private))
                .bind(m.client_id.clone())
                .bind(m.created_at.unix_ms())
                .bind(m.author_name.clone())
                .bind(serde_json::to_string(&m.attachments).unwrap_or_else(|_| "[]".into()))
                .bind(m.bot.as_ref().map(|b| b.to_string()).unwrap_or_default())
                .bind(crate::repo::search::index_text(tokens).0);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends events `(id, topic, payload)` in order, taking the account's next sequence numbers with one
/// update of its stream head (in the caller's transaction).
pub async fn append_events(
    conn: &mut AnyConnection,
    account: AccountId,
    events: Vec<(i64, String, serde_json::Value)>,
    at: Timestamp,
) -> Result<Vec<Event>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let head = sqlx::query("UPDATE outbox_heads SET last_seq = last_seq + $2 WHERE account_id = $1 RETURNING last_seq")
        .bind(account.as_i64())
        .bind(count)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("account {account} has no event stream")))?;
    let last: i64 = get(&head, "last_seq")?;
    let appended: Vec<Event> = events
        .into_iter()
        .enumerate()
        .map(|(i, (id, topic, payload))| Event {
            account_id: account,
            seq: last - count + 1 + i64::try_from(i).unwrap_or(0),
            id,
            topic,
            payload,
            at,
        })
        .collect();
    const COLUMNS: usize = 6;
    for chunk in appended.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO outbox (account_id, seq, id, topic, payload, created_at) VALUES {}",
            placeholders(chunk.len(), COLUMNS, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for event in chunk {
            query = query
                .bind(account.as_i64())
                .bind(event.seq)
                .bind(event.id)
                .bind(event.topic.clone())
                .bind(event.payload.to_string())
                .bind(at.unix_ms());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(appended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_placeholders_are_written_row_by_row() {
        assert_eq!(int_values(&[[1, 2], [-3, 40]]), "(1, 2), (-3, 40)");
        assert_eq!(placeholders(2, 3, 2), "($2, $3, $4), ($5, $6, $7)");
    }
}
