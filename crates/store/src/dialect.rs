//! The few places where SQLite and PostgreSQL need different SQL. Everything else is one text.

use crate::db::Backend;
use sqlx::AnyConnection;
use switchboard_domain::ids::{ID_NODE_BITS, ID_SEQUENCE_BITS};

/// Quotes an identifier for either backend (`"name"`, doubling inner quotes).
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The backend a connection talks to.
pub fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") { Backend::Postgres } else { Backend::Sqlite }
}

/// An aggregate joining the integer `expr` of a group into "1,2,3" (order unspecified).
pub fn join_ids(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => format!("group_concat({expr}, ',')"),
        Backend::Postgres => format!("string_agg(CAST({expr} AS TEXT), ',')"),
    }
}

/// Parses what `join_ids` produced (NULL for an empty group) into sorted ids.
pub fn split_ids(joined: Option<&str>) -> Vec<i64> {
    let mut ids: Vec<i64> = joined.unwrap_or("").split(',').filter_map(|v| v.trim().parse().ok()).collect();
    ids.sort_unstable();
    ids
}

/// Full-text candidates: `FROM`/`WHERE` text selecting `d.*` of `search_documents d` whose tokens
/// contain any token of the query bound as `$1` (made by `text_query`).
pub fn text_match(backend: Backend) -> &'static str {
    match backend {
        // CROSS JOIN: SQLite reads the index first (its planner may otherwise walk every document of
        // the account and probe the index once per document: 24 s for 100,000 articles).
        Backend::Sqlite => {
            "FROM search_fts CROSS JOIN search_documents d WHERE d.object_id = search_fts.rowid AND search_fts MATCH $1"
        }
        Backend::Postgres => "FROM search_documents d WHERE d.tsv @@ CAST($1 AS tsquery)",
    }
}

/// The newest-first key of `text_match` (the index's own row id on SQLite, as `message_order`).
pub fn text_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "search_fts.rowid",
        Backend::Postgres => "d.object_id",
    }
}

/// The query for `text_match`: any of the tokens (an OR). Tokens are the tokenizer's (letters and
/// digits), quoted anyway so no token can ever be read as an operator.
pub fn text_query(backend: Backend, tokens: &[String]) -> String {
    quoted_tokens(backend, tokens, false)
}

fn quoted_tokens(backend: Backend, tokens: &[String], all: bool) -> String {
    let (quoted, joiner): (Vec<String>, &str) = match backend {
        Backend::Sqlite => (
            tokens.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect(),
            if all { " AND " } else { " OR " },
        ),
        Backend::Postgres => (
            tokens.iter().map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"))).collect(),
            if all { " & " } else { " | " },
        ),
    };
    quoted.join(joiner)
}

/// Message search: `FROM`/`WHERE` text joining `messages m` and `conversations` for the messages
/// whose tokens contain every token of the query bound as `$3` (made by `message_window_query`); the
/// caller appends its conditions with `AND` and then `ORDER BY {message_order} DESC`.
pub fn message_match(backend: Backend) -> &'static str {
    match backend {
        // CROSS JOIN: the index first, newest first, as `text_match`.
        Backend::Sqlite => {
            "FROM message_fts CROSS JOIN messages m CROSS JOIN conversations WHERE m.id = message_fts.rowid \
             AND conversations.id = m.conversation_id AND message_fts MATCH $3"
        }
        Backend::Postgres => {
            "FROM messages m JOIN conversations ON conversations.id = m.conversation_id \
             WHERE m.search_tsv @@ CAST($3 AS tsquery)"
        }
    }
}

/// Serializes one account's routing passes across nodes until the transaction ends: PostgreSQL takes
/// a transaction-scoped advisory lock in a key space of its own (two 32-bit keys: "routing", and the
/// account id folded to 32 bits; an unrelated account sharing a fold only waits a little); SQLite's
/// single writer already serializes every write transaction.
pub async fn lock_account(conn: &mut AnyConnection, account: i64) -> Result<(), crate::StoreError> {
    if backend_of(conn) == Backend::Postgres {
        let folded = ((account >> 32) ^ account) as i32;
        sqlx::query("SELECT pg_advisory_xact_lock(CAST($1 AS INTEGER), CAST($2 AS INTEGER))")
            .bind(0x726f_7574_i32)
            .bind(folded)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The newest-first key of `message_match` (the index's own row id on SQLite, so FTS5 walks its
/// lists backwards and stops at the limit).
pub fn message_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "message_fts.rowid",
        Backend::Postgres => "m.id",
    }
}

/// The query for `message_match`: every token (an AND), quoted like `text_query`.
pub fn text_query_all(backend: Backend, tokens: &[String]) -> String {
    quoted_tokens(backend, tokens, true)
}

/// One window of message search: the ids from `lower` to `upper` (both included), the day (from the
/// id epoch) it starts on, and on PostgreSQL the lexeme of the block of days it is (`~w<n>` or `~q<n>`,
/// migration 12); none for "everything up to `upper`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageWindow {
    pub lower: i64,
    pub upper: i64,
    pub first_day: i64,
    pub block: Option<String>,
}

impl MessageWindow {
    /// Every message up to `upper`, in one window.
    pub fn up_to(upper: i64) -> MessageWindow {
        MessageWindow { lower: i64::MIN, upper, first_day: 0, block: None }
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Days in the short (`~w`) and long (`~q`) blocks of migration 12, counted from the id epoch.
const SHORT_BLOCK_DAYS: i64 = 8;
const LONG_BLOCK_DAYS: i64 = 64;

/// The day (from the id epoch) of an id's time.
pub fn id_day(id: i64) -> i64 {
    (id.max(0) >> (ID_NODE_BITS + ID_SEQUENCE_BITS)) / DAY_MS
}

/// The first id of a day.
fn day_start_id(day: i64) -> i64 {
    (day * DAY_MS) << (ID_NODE_BITS + ID_SEQUENCE_BITS)
}

/// The windows message search reads, newest first, from the newest id down to the oldest: whole
/// blocks of days, each one lexeme on PostgreSQL. The block holding `newest` first (up to `newest`),
/// then 8-day blocks back to a multiple of 64 days, then 64-day blocks; the first block takes every id
/// below it too (ids are never before the epoch, whose day 0 starts every block list).
pub fn message_windows(newest: i64) -> Vec<MessageWindow> {
    let mut windows = Vec::new();
    let mut upper = newest;
    let mut day = id_day(newest) + 1;
    while day > 0 {
        let (length, letter) =
            if day % LONG_BLOCK_DAYS == 0 { (LONG_BLOCK_DAYS, 'q') } else { (SHORT_BLOCK_DAYS, 'w') };
        let start = (day - 1) / length * length;
        let lower = if start == 0 { i64::MIN } else { day_start_id(start) };
        windows.push(MessageWindow {
            lower,
            upper,
            first_day: start,
            block: Some(format!("~{letter}{}", start / length)),
        });
        upper = lower.saturating_sub(1);
        day = start;
    }
    windows
}

/// Message search's query for one account's messages in a window: every token (`text_query_all`);
/// on PostgreSQL also the account's lexeme and the window's block lexeme if it has one (migration 12),
/// so GIN reads only the window's postings. SQLite's FTS5 takes the window as a rowid range instead.
pub fn message_window_query(backend: Backend, tokens: &[String], account: i64, window: &MessageWindow) -> String {
    let words = text_query_all(backend, tokens);
    match (backend, &window.block) {
        (Backend::Postgres, Some(block)) => format!("{words} & '~a{account}' & '{block}'"),
        (Backend::Postgres, None) => format!("{words} & '~a{account}'"),
        (Backend::Sqlite, _) => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        assert_eq!(split_ids(Some("3,1,2")), vec![1, 2, 3]);
        assert_eq!(split_ids(None), Vec::<i64>::new());
        assert!(join_ids(Backend::Postgres, "team_id").contains("string_agg"));
        let tokens = vec!["退款".to_string(), "a\"b".to_string()];
        assert_eq!(text_query(Backend::Sqlite, &tokens), "\"退款\" OR \"a\"\"b\"");
        assert_eq!(text_query(Backend::Postgres, &tokens), "'退款' | 'a\"b'");
        assert_eq!(text_query_all(Backend::Sqlite, &tokens), "\"退款\" AND \"a\"\"b\"");
        assert_eq!(text_query_all(Backend::Postgres, &["it's".to_string()]), "'it''s'");
    }

    #[test]
    fn message_windows_are_whole_blocks_newest_first() {
        let newest = day_start_id(130) + 77;
        let windows = message_windows(newest);
        let blocks: Vec<&str> = windows.iter().filter_map(|w| w.block.as_deref()).collect();
        // Day 130 is in the 8-day block 16 (days 128-135); 128 = 2 × 64, then 64-day blocks 1 and 0.
        assert_eq!(blocks, ["~w16", "~q1", "~q0"]);
        assert_eq!((windows[0].lower, windows[0].upper), (day_start_id(128), newest));
        assert_eq!((windows[1].lower, windows[1].upper), (day_start_id(64), day_start_id(128) - 1));
        assert_eq!((windows[2].lower, windows[2].upper), (i64::MIN, day_start_id(64) - 1));
        let blocks: Vec<String> = message_windows(day_start_id(150)).into_iter().filter_map(|w| w.block).collect();
        assert_eq!(blocks, ["~w18", "~w17", "~w16", "~q1", "~q0"]);
        let tokens = vec!["退款".to_string()];
        let window = &windows[0];
        assert_eq!(message_window_query(Backend::Sqlite, &tokens, 7, window), "\"退款\"");
        assert_eq!(message_window_query(Backend::Postgres, &tokens, 7, window), "'退款' & '~a7' & '~w16'");
        assert_eq!(windows.iter().map(|w| w.first_day).collect::<Vec<_>>(), [128, 64, 0]);
        let rest = MessageWindow::up_to(windows[0].lower - 1);
        assert_eq!(message_window_query(Backend::Postgres, &tokens, 7, &rest), "'退款' & '~a7'");
    }
}
