//! Search over conversations' messages and over contacts, within the actor's data scope.
//!
//! Messages: the database's full-text index finds the newest messages holding every query word
//! (at most `MESSAGE_CANDIDATE_CAP`; those of the last 30 days when they span `RECENT_ENOUGH`
//! conversations), BM25 over their stored tokens ranks them — the same ranking on
//! SQLite and PostgreSQL — and conversations are ranked by their best message, ties newest first.
//! Why a cap of the newest matches rather than ranking every match: docs/decisions.md.

use crate::{Actor, App, AppError, Page, PageRequest};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use switchboard_domain::conversations::{Contact, ConversationStatus};
use switchboard_domain::message_search::{MessageMatch, MessageSearchHit};
use switchboard_domain::permissions::Permission;
use switchboard_domain::widget::phone_digits;
use switchboard_domain::{AccountId, ChannelId, MessageId, Timestamp};
use switchboard_store::AnyConnection;
use switchboard_store::repo::message_search::{self, ContactQuery, MessageCandidate, MessageQuery, RecentEnough};
use switchboard_text::rank::{Candidate, Collection, bm25};

/// At most this many matching messages (the newest) are ranked per search.
pub const MESSAGE_CANDIDATE_CAP: i64 = 1000;
/// Fewer are enough when the last 30 days alone hold matches in 100 conversations (five pages of 20):
/// older messages are searched only when the recent ones do not fill the pages people read.
pub const RECENT_ENOUGH: RecentEnough = RecentEnough { span_ms: 30 * 24 * 3600 * 1000, conversations: 100 };
/// Matching messages shown per conversation.
const MATCHES_SHOWN: usize = 3;
const SNIPPET_CHARS: usize = 120;
const QUERY_MAX_CHARS: usize = 500;
/// How long an account's message count (BM25's collection size) is reused.
const COUNT_TTL: Duration = Duration::from_secs(600);

/// What to search for in messages.
#[derive(Debug, Clone, Default)]
pub struct MessageSearch {
    pub query: String,
    pub status: Option<ConversationStatus>,
    pub channel_id: Option<ChannelId>,
    /// Messages written at or after this time.
    pub from: Option<Timestamp>,
    /// Messages written before this time.
    pub to: Option<Timestamp>,
    /// Conversations per page, 1..=50 (default 20).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Per-node cache of each account's message count.
#[derive(Debug, Default)]
pub(crate) struct MessageCounts(std::sync::Mutex<HashMap<AccountId, (Instant, i64)>>);

/// The tokens a message must all hold: the query's, less any that contains another query token
/// (jieba's search mode and the letter/digit split add the whole word beside its parts: `退款申请`
/// beside `退款`, `申请`; `iphone15` beside `iphone`, `15`). Requiring the parts finds `申请退款`
/// too; the whole word still counts in the ranking.
pub fn required_tokens(tokens: &[String]) -> Vec<String> {
    tokens.iter().filter(|t| !tokens.iter().any(|other| other != *t && t.contains(other.as_str()))).cloned().collect()
}

fn check_query(query: &str) -> Result<(), AppError> {
    if query.trim().is_empty() {
        return Err(AppError::field("q", "is required"));
    }
    if query.chars().count() > QUERY_MAX_CHARS {
        return Err(AppError::field("q", "must be at most 500 characters"));
    }
    Ok(())
}

fn check_limit(limit: Option<i64>, default: i64) -> Result<i64, AppError> {
    let limit = limit.unwrap_or(default);
    if (1..=50).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::field("limit", "must be a whole number from 1 to 50"))
    }
}

/// Conversations ranked by their best message: BM25 order, ties to the newer message.
struct Ranked<'a> {
    conversation_id: i64,
    score: f64,
    matches: Vec<(&'a MessageCandidate, f64)>,
}

fn rank<'a>(tokens: &[String], found: &'a [MessageCandidate], documents: i64) -> Vec<Ranked<'a>> {
    let candidates: Vec<Candidate<'_>> = found.iter().map(|c| Candidate { id: c.id, tokens: &c.tokens }).collect();
    let total: usize = found.iter().map(|c| c.tokens.split(' ').filter(|t| !t.is_empty()).count()).sum();
    let average_length = if found.is_empty() { 0.0 } else { total as f64 / found.len() as f64 };
    let by_id: HashMap<i64, &MessageCandidate> = found.iter().map(|c| (c.id, c)).collect();
    let mut ranked: Vec<Ranked<'a>> = Vec::new();
    let mut position: HashMap<i64, usize> = HashMap::new();
    for (id, score) in bm25(tokens, &candidates, Collection { documents, average_length }) {
        let Some(message) = by_id.get(&id).copied() else { continue };
        match position.get(&message.conversation_id) {
            Some(&at) => ranked[at].matches.push((message, score)),
            None => {
                position.insert(message.conversation_id, ranked.len());
                ranked.push(Ranked {
                    conversation_id: message.conversation_id,
                    score,
                    matches: vec![(message, score)],
                });
            }
        }
    }
    ranked
}

impl App {
    /// Conversations whose messages (customers', agents', the bot's, internal notes) hold every word
    /// of the query, best first, within the actor's data scope.
    pub async fn search_messages(
        &self,
        actor: &Actor,
        request: &MessageSearch,
    ) -> Result<Page<MessageSearchHit>, AppError> {
        actor.require(Permission::ConversationsReply)?;
        check_query(&request.query)?;
        let limit = check_limit(request.limit, 20)?;
        if let (Some(from), Some(to)) = (request.from, request.to)
            && to <= from
        {
            return Err(AppError::field("to", "must be after from"));
        }
        let page = PageRequest { cursor: request.cursor.clone(), limit: Some(limit) };
        let offset = page.after()?.unwrap_or(0).max(0) as usize;
        let tokens = switchboard_text::tokenize_query(&request.query);
        let required = required_tokens(&tokens);
        let (user, scope) = Self::scope(actor);
        let mut conn = self.db().read().await?;
        let query = MessageQuery {
            user,
            scope,
            tokens: &required,
            status: request.status,
            channel_id: request.channel_id,
            from: request.from,
            to: request.to,
            // Internal notes are for staff, who see them in every conversation they may open
            // (`list_messages`); customers have no search.
            include_private: true,
            cap: MESSAGE_CANDIDATE_CAP,
        };
        let found = message_search::candidates(&mut conn, actor.account_id, &query, Some(RECENT_ENOUGH)).await?;
        if found.is_empty() {
            return Ok(Page { data: Vec::new(), next_cursor: None });
        }
        let documents = self.message_count(&mut conn, actor.account_id).await?;
        let ranked = rank(&tokens, &found, documents);
        let window: Vec<&Ranked<'_>> = ranked.iter().skip(offset).take(limit as usize + 1).collect();
        let ids: Vec<i64> = window.iter().map(|r| r.conversation_id).collect();
        let conversations =
            message_search::conversations_by_ids(&mut conn, actor.account_id, user, scope, &ids).await?;
        let mut rows = Vec::with_capacity(window.len());
        for (index, r) in window.iter().enumerate() {
            let Some(conversation) = conversations.iter().find(|c| c.id.as_i64() == r.conversation_id) else {
                continue;
            };
            let matches = r
                .matches
                .iter()
                .take(MATCHES_SHOWN)
                .map(|(m, score)| MessageMatch {
                    message_id: MessageId::from_i64(m.id),
                    seq: m.seq,
                    author_kind: m.author_kind,
                    author_name: m.author_name.clone(),
                    private: m.private,
                    created_at: m.created_at,
                    snippet: switchboard_text::snippet(&m.text, &tokens, SNIPPET_CHARS),
                    score: *score,
                })
                .collect();
            let hit = MessageSearchHit {
                conversation: conversation.clone(),
                score: r.score,
                match_count: r.matches.len() as i64,
                matches,
            };
            rows.push((offset + index + 1, hit));
        }
        let page = page.page(rows, |(position, _)| *position as i64);
        Ok(Page { data: page.data.into_iter().map(|(_, hit)| hit).collect(), next_cursor: page.next_cursor })
    }

    /// The account's message count, read at most every ten minutes per node (BM25 needs only its
    /// order of magnitude).
    async fn message_count(&self, conn: &mut AnyConnection, account: AccountId) -> Result<i64, AppError> {
        let cached = self.message_counts.0.lock().ok().and_then(|m| m.get(&account).copied());
        if let Some((at, count)) = cached
            && at.elapsed() < COUNT_TTL
        {
            return Ok(count);
        }
        let count = message_search::message_count(conn, account).await?;
        if let Ok(mut counts) = self.message_counts.0.lock() {
            counts.insert(account, (Instant::now(), count));
        }
        Ok(count)
    }

    /// Contacts whose name, email or external id contains the query (case-insensitive), or whose
    /// phone number's digits contain the query's digits whatever the formatting; those starting
    /// with it first. Outside the account scope, only contacts with a conversation the actor may see.
    pub async fn search_contacts(
        &self,
        actor: &Actor,
        query: &str,
        limit: Option<i64>,
    ) -> Result<Vec<Contact>, AppError> {
        actor.require(Permission::ConversationsReply)?;
        check_query(query)?;
        let limit = check_limit(limit, 20)?;
        let text = query.trim().to_lowercase();
        let phone_like = text.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'));
        let digits = if phone_like { phone_digits(&text) } else { String::new() };
        let digits = if digits.len() >= 3 { digits } else { String::new() };
        let (user, scope) = Self::scope(actor);
        let mut conn = self.db().read().await?;
        let q = ContactQuery { user, scope, text: &text, digits: &digits, limit };
        Ok(message_search::search_contacts(&mut conn, actor.account_id, &q).await?)
    }

    /// Indexes up to `batch` messages stored before message search existed; returns how many. The
    /// server calls it at start until it returns 0 (a one-off backfill: new messages are indexed as
    /// they are written).
    pub async fn index_pending_messages(&self, batch: i64) -> Result<usize, AppError> {
        let pending = {
            let mut conn = self.db().read().await?;
            message_search::unindexed_messages(&mut conn, batch).await?
        };
        if pending.is_empty() {
            return Ok(0);
        }
        let tokens: Vec<Vec<String>> = pending.iter().map(|m| switchboard_text::tokenize(&m.text)).collect();
        let mut tx = self.db().begin().await?;
        for (message, tokens) in pending.iter().zip(&tokens) {
            message_search::set_message_tokens(&mut tx, message.account_id, message.id, tokens).await?;
        }
        tx.commit().await?;
        Ok(pending.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn whole_words_beside_their_parts_are_not_required() {
        assert_eq!(required_tokens(&strings(&["退款", "申请", "退款申请"])), strings(&["退款", "申请"]));
        assert_eq!(required_tokens(&strings(&["iphone15", "iphone", "15", "坏"])), strings(&["iphone", "15", "坏"]));
        assert_eq!(required_tokens(&strings(&["order", "refund"])), strings(&["order", "refund"]));
    }
}
