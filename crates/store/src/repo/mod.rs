//! Repositories: plain functions over a connection (a pooled reader or a write transaction).
//! Every function on tenant data takes the `AccountId` first.

pub mod accounts;
pub mod audit;
pub mod credentials;
pub mod inbox;
pub mod kb_articles;
pub mod kb_categories;
pub mod kb_faqs;
pub mod kb_versions;
pub mod outbox;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod teams;
pub mod throttle;
pub mod tokens;
pub mod users;

/// `$first, $first+1, ...` placeholders for an IN list of `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `text` escaped for a LIKE pattern (`%`, `_` and `\` match themselves); use `ESCAPE '\'`.
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
