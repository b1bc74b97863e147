//! What the knowledge-base services share: category checks, versions, and the search index rows
//! written in the same transaction as the object.

use crate::{Actor, App, AppError};
use serde::Serialize;
use switchboard_domain::kb::{Article, Faq, KbVersion};
use switchboard_domain::{AccountId, CategoryId, Timestamp};
use switchboard_store::AnyConnection;
use switchboard_store::repo::{kb_categories, kb_versions, search};

pub(crate) const ARTICLE: &str = "article";
pub(crate) const FAQ: &str = "faq";

pub(crate) fn now() -> Timestamp {
    Timestamp::from_unix_ms(switchboard_store::now_ms())
}

/// A category an object names must exist in the account (422 on `field` otherwise).
pub(crate) async fn check_category(
    conn: &mut AnyConnection,
    account: AccountId,
    id: Option<CategoryId>,
    field: &str,
) -> Result<(), AppError> {
    match id {
        Some(id) if kb_categories::get_by_id(conn, account, id).await?.is_none() => {
            Err(AppError::field(field, "names a category that does not exist"))
        }
        _ => Ok(()),
    }
}

/// Stores one version of an object: its number, who saved it and why, and the content.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn save_version<C: Serialize>(
    conn: &mut AnyConnection,
    actor: &Actor,
    kind: &str,
    object_id: i64,
    version: i64,
    reason: &str,
    content: &C,
    at: Timestamp,
) -> Result<(), AppError> {
    let version = KbVersion {
        object_kind: kind.to_string(),
        object_id,
        version,
        author_id: actor.user_id(),
        author_name: actor.name.clone(),
        reason: reason.to_string(),
        created_at: at,
        content: serde_json::to_value(content).map_err(|e| AppError::Internal(e.to_string()))?,
    };
    kb_versions::insert(conn, actor.account_id, &version).await?;
    Ok(())
}

fn repeat(tokens: Vec<String>, times: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len() * times);
    for _ in 0..times {
        out.extend(tokens.iter().cloned());
    }
    out
}

/// An article's index tokens: the title counts three times, tags twice, then the body's text.
pub(crate) fn article_tokens(a: &Article) -> Vec<String> {
    let mut tokens = repeat(switchboard_text::tokenize(&a.title), 3);
    tokens.extend(repeat(switchboard_text::tokenize(&a.tags.join(" ")), 2));
    tokens.extend(switchboard_text::tokenize(&switchboard_text::plain_text(&a.body)));
    tokens
}

/// A FAQ entry's index tokens: the question three times, the other phrasings twice, the answer once.
pub(crate) fn faq_tokens(f: &Faq) -> Vec<String> {
    let mut tokens = repeat(switchboard_text::tokenize(&f.question), 3);
    tokens.extend(repeat(switchboard_text::tokenize(&f.similar.join("\n")), 2));
    tokens.extend(switchboard_text::tokenize(&f.answer));
    tokens
}

pub(crate) async fn index_article(conn: &mut AnyConnection, account: AccountId, a: &Article) -> Result<(), AppError> {
    let tokens = article_tokens(a);
    let doc = search::SearchDocument {
        object_id: a.id.as_i64(),
        kind: ARTICLE,
        locale: a.locale.code(),
        status: a.status.name(),
        tokens: &tokens,
        updated_at: a.updated_at.unix_ms(),
    };
    search::upsert(conn, account, &doc).await?;
    Ok(())
}

pub(crate) async fn index_faq(conn: &mut AnyConnection, account: AccountId, f: &Faq) -> Result<(), AppError> {
    let tokens = faq_tokens(f);
    let doc = search::SearchDocument {
        object_id: f.id.as_i64(),
        kind: FAQ,
        locale: f.locale.code(),
        status: f.status.name(),
        tokens: &tokens,
        updated_at: f.updated_at.unix_ms(),
    };
    search::upsert(conn, account, &doc).await?;
    Ok(())
}

impl App {
    /// The account's default language, for objects created without one.
    pub(crate) async fn account_locale(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
    ) -> Result<switchboard_domain::values::Locale, AppError> {
        let account = switchboard_store::repo::accounts::get_by_id(conn, account).await?.ok_or(AppError::NotFound)?;
        Ok(account.default_locale)
    }
}
