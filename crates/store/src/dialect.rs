//! The few places where SQLite and PostgreSQL need different SQL. Everything else is one text.

use crate::db::Backend;
use switchboard_domain::ids::{ID_NODE_BITS, ID_SEQUENCE_BITS};
use sqlx::AnyConnection;

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
        Backend::Sqlite => {
            "FROM search_fts JOIN search_documents d ON d.object_id = search_fts.rowid WHERE search_fts MATCH $1"
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
        Backend::Sqlite => {
            "FROM message_fts JOIN messages m ON m.id = message_fts.rowid \
             JOIN conversations ON conversations.id = m.conversation_id WHERE message_fts MATCH $3"
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

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Days per period lexeme (`~m`) of migration 12.
const PERIOD_DAYS: i64 = 30;

/// Message search's query for one account's messages with ids in `ids` (both ends included): every
/// token, as `text_query_all`. On PostgreSQL also the account's lexeme and the lexemes of the days and
/// 30-day periods covering the window (migration 12), so GIN reads only the window's postings; the
/// caller still compares the ids, as the lexemes cover whole days. SQLite's FTS5 takes the window as a
/// rowid range instead.
pub fn message_window_query(backend: Backend, tokens: &[String], account: i64, ids: (i64, i64)) -> String {
    let words = text_query_all(backend, tokens);
    if backend == Backend::Sqlite {
        return words;
    }
    let day = |id: i64| (id.max(0) >> (ID_NODE_BITS + ID_SEQUENCE_BITS)) / DAY_MS;
    let (first, last) = (day(ids.0), day(ids.1));
    let mut spans = Vec::new();
    let first_period = (first + PERIOD_DAYS - 1) / PERIOD_DAYS;
    let end_period = (last + 1) / PERIOD_DAYS;
    if first_period < end_period {
        spans.extend((first..first_period * PERIOD_DAYS).map(|d| format!("'~d{d}'")));
        spans.extend((first_period..end_period).map(|m| format!("'~m{m}'")));
        spans.extend((end_period * PERIOD_DAYS..=last).map(|d| format!("'~d{d}'")));
    } else {
        spans.extend((first..=last).map(|d| format!("'~d{d}'")));
    }
    format!("{words} & '~a{account}' & ({})", spans.join(" | "))
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
    fn message_windows_name_their_days_and_periods() {
        let id = |day: i64| (day * DAY_MS) << (ID_NODE_BITS + ID_SEQUENCE_BITS);
        let tokens = vec!["退款".to_string()];
        assert_eq!(message_window_query(Backend::Sqlite, &tokens, 7, (id(1), id(2))), "\"退款\"");
        assert_eq!(
            message_window_query(Backend::Postgres, &tokens, 7, (id(28), id(31) - 1)),
            "'退款' & '~a7' & ('~d28' | '~d29' | '~d30')"
        );
        assert_eq!(
            message_window_query(Backend::Postgres, &tokens, 7, (id(29), id(91) + 5)),
            "'退款' & '~a7' & ('~d29' | '~m1' | '~m2' | '~d90' | '~d91')"
        );
        assert_eq!(
            message_window_query(Backend::Postgres, &tokens, 7, (i64::MIN, id(60) - 1)),
            "'退款' & '~a7' & ('~m0' | '~m1')"
        );
    }
}
