//! Knowledge-base search: the database's full-text index finds the candidates (any query token),
//! BM25 over their stored tokens ranks them — the same ranking on SQLite and PostgreSQL — and the
//! hits carry highlighted snippets.

use crate::kb_common::{ARTICLE, FAQ};
use crate::{Actor, App, AppError};
use std::collections::HashMap;
use switchboard_domain::kb::{KbStatus, SearchHit};
use switchboard_domain::permissions::Permission;
use switchboard_domain::values::Locale;
use switchboard_store::repo::search::{self, SearchScope};
use switchboard_store::repo::{kb_articles, kb_faqs};
use switchboard_text::rank::{Candidate, Collection, bm25};

/// At most this many candidates are ranked (the newest, when more match). Enough for any
/// knowledge base; message search will rank in the database instead (see docs/decisions.md).
pub const CANDIDATE_CAP: i64 = 2000;
const SNIPPET_CHARS: usize = 120;

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct KbSearch {
    pub query: String,
    /// `article` or `faq`; none: both.
    pub kind: Option<String>,
    pub locale: Option<Locale>,
    /// Only this status; none: drafts and published entries.
    pub status: Option<KbStatus>,
    /// 1..=50 (default 10).
    pub limit: Option<i64>,
}

/// Text a snippet is cut from: the first of `texts` that has a match, else the first.
fn pick_snippet(texts: &[&str], tokens: &[String]) -> String {
    let source = texts
        .iter()
        .find(|t| !switchboard_text::snippet::match_ranges(t, tokens).is_empty())
        .or(texts.first())
        .copied()
        .unwrap_or("");
    switchboard_text::snippet(source, tokens, SNIPPET_CHARS)
}

impl App {
    pub async fn search_kb(&self, actor: &Actor, request: &KbSearch) -> Result<Vec<SearchHit>, AppError> {
        actor.require(Permission::KbRead)?;
        if request.query.trim().is_empty() {
            return Err(AppError::field("q", "is required"));
        }
        if request.query.chars().count() > 500 {
            return Err(AppError::field("q", "must be at most 500 characters"));
        }
        if let Some(kind) = &request.kind
            && kind != ARTICLE
            && kind != FAQ
        {
            return Err(AppError::field("kind", "must be article or faq"));
        }
        let limit = request.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err(AppError::field("limit", "must be a whole number from 1 to 50"));
        }
        let tokens = switchboard_text::tokenize_query(&request.query);
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let scope = SearchScope {
            kind: request.kind.clone(),
            locale: request.locale.map(|l| l.code().to_string()),
            status: request.status.map(|s| s.name().to_string()),
        };
        let mut conn = self.db().read().await?;
        let found = search::candidates(&mut conn, actor.account_id, &scope, &tokens, CANDIDATE_CAP).await?;
        let (documents, total_length) = search::collection(&mut conn, actor.account_id, &scope).await?;
        let candidates: Vec<Candidate<'_>> =
            found.iter().map(|c| Candidate { id: c.object_id, tokens: &c.tokens }).collect();
        let average_length = if documents > 0 { total_length as f64 / documents as f64 } else { 0.0 };
        let ranked = bm25(&tokens, &candidates, Collection { documents, average_length });
        let top: Vec<(i64, f64)> = ranked.into_iter().take(limit as usize).collect();
        let kinds: HashMap<i64, &str> = found.iter().map(|c| (c.object_id, c.kind.as_str())).collect();
        let ids_of = |kind: &str| -> Vec<i64> {
            top.iter().filter(|(id, _)| kinds.get(id).copied() == Some(kind)).map(|(id, _)| *id).collect()
        };
        let articles = kb_articles::get_many(&mut conn, actor.account_id, &ids_of(ARTICLE)).await?;
        let faqs = kb_faqs::get_many(&mut conn, actor.account_id, &ids_of(FAQ)).await?;
        let mut hits = Vec::with_capacity(top.len());
        for (id, score) in top {
            if let Some(a) = articles.iter().find(|a| a.id.as_i64() == id) {
                let body = switchboard_text::plain_text(&a.body);
                hits.push(SearchHit {
                    kind: ARTICLE.into(),
                    id,
                    title: a.title.clone(),
                    snippet: pick_snippet(&[&body, &a.title], &tokens),
                    locale: a.locale,
                    status: a.status,
                    score,
                });
            } else if let Some(f) = faqs.iter().find(|f| f.id.as_i64() == id) {
                let similar = f.similar.join(" · ");
                hits.push(SearchHit {
                    kind: FAQ.into(),
                    id,
                    title: f.question.clone(),
                    snippet: pick_snippet(&[&f.answer, &similar, &f.question], &tokens),
                    locale: f.locale,
                    status: f.status,
                    score,
                });
            }
        }
        Ok(hits)
    }
}
