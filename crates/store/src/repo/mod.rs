//! Repositories: plain functions over a connection (a pooled reader or a write transaction).
//! Every function on tenant data takes the `AccountId` first.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod bot_feedback;
pub mod bulk;
pub mod channels;
pub mod credentials;
pub mod inbox;
pub mod kb_articles;
pub mod kb_categories;
pub mod kb_faqs;
pub mod kb_versions;
pub mod message_search;
pub mod outbox;
pub mod queue;
pub mod quick_replies;
pub mod roles;
pub mod routing;
pub mod search;
pub mod sessions;
pub mod teams;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod visitors;

/// A query whose `{ids}` becomes `$2, $3, ...` for the given ids, with `$1` bound to the account:
/// `with_ids("SELECT id FROM teams WHERE account_id = $1 AND id IN ({ids})", account, ids)`.
/// An empty IN list is not valid SQL: callers return early when there are no ids.
pub(crate) fn with_ids(
    sql: &str,
    account: switchboard_domain::AccountId,
    ids: &[i64],
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let list = (2..2 + ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let query = sqlx::query(sqlx::AssertSqlSafe(sql.replace("{ids}", &list))).bind(account.as_i64());
    ids.iter().fold(query, |query, id| query.bind(*id))
}

/// `text` escaped for a LIKE pattern (`%`, `_` and `\` match themselves); use `ESCAPE '\'`.
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
