//! Search over conversations' messages and over contacts (`/search/...`).

use super::Query;
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiActor;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_app::{MessageSearch, Page};
use switchboard_domain::conversations::ConversationStatus;
use switchboard_domain::message_search::{ContactSearchResults, MessageSearchHit};
use switchboard_domain::{ChannelId, FieldErrors, Timestamp};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(search_messages)).routes(routes!(search_contacts))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageSearchParams {
    /// Words to find, in any language (Chinese is segmented into words); a message must hold all of them.
    pub q: Option<String>,
    /// Only conversations with this status: `open`, `pending`, `resolved` or `closed`.
    pub status: Option<String>,
    /// Only conversations of this channel.
    pub channel_id: Option<String>,
    /// Messages written at or after this RFC 3339 time.
    pub from: Option<String>,
    /// Messages written before this RFC 3339 time.
    pub to: Option<String>,
    /// Conversations per page, 1–50 (default 20).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// A limit parameter: absent, or a whole number (the service checks its range).
fn limit(e: &mut FieldErrors, text: &Option<String>) -> Option<i64> {
    let parsed = given(text).map(str::parse::<i64>)?;
    parsed.map_err(|_| e.add("limit", "must be a whole number from 1 to 50")).ok()
}

impl MessageSearchParams {
    fn request(self) -> Result<MessageSearch, ApiError> {
        let mut e = FieldErrors::new();
        let status = given(&self.status).and_then(|v| {
            ConversationStatus::parse(v).or_else(|| {
                e.add("status", "must be open, pending, resolved or closed");
                None
            })
        });
        let channel_id = given(&self.channel_id).and_then(|v| {
            v.parse::<ChannelId>().ok().or_else(|| {
                e.add("channel_id", "is not a valid id");
                None
            })
        });
        let mut time = |field: &str, text: &Option<String>| {
            given(text).and_then(|t| {
                Timestamp::parse_rfc3339(t).or_else(|| {
                    e.add(field, "must be an RFC 3339 time such as 2026-11-21T08:00:00Z");
                    None
                })
            })
        };
        let from = time("from", &self.from);
        let to = time("to", &self.to);
        let limit = limit(&mut e, &self.limit);
        e.into_result()?;
        Ok(MessageSearch {
            query: self.q.unwrap_or_default(),
            status,
            channel_id,
            from,
            to,
            limit,
            cursor: self.cursor,
        })
    }
}

/// Search messages: conversations you may see whose messages (customers', agents', the bot's and
/// internal notes) hold every word of `q`, ranked by their best message (BM25, the same on every
/// database; ties newest first), each with up to three matching messages and highlighted snippets.
/// The newest 1,000 matching messages are ranked.
#[utoipa::path(get, path = "/search/messages", tag = "search", params(MessageSearchParams),
    responses((status = 200, body = Page<MessageSearchHit>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search_messages(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<MessageSearchParams>,
) -> Result<Json<Page<MessageSearchHit>>, ApiError> {
    Ok(Json(s.app.search_messages(&actor, &params.request()?).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactSearchParams {
    /// Part of a name, email address, external id or phone number (any formatting: `138 0013 8000`,
    /// `+86-13800138000`).
    pub q: Option<String>,
    /// Contacts to return, 1–50 (default 20).
    pub limit: Option<String>,
}

/// Search contacts you may see by name, email, external id or phone; those starting with `q` first.
#[utoipa::path(get, path = "/search/contacts", tag = "search", params(ContactSearchParams),
    responses((status = 200, body = ContactSearchResults), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search_contacts(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<ContactSearchParams>,
) -> Result<Json<ContactSearchResults>, ApiError> {
    let mut e = FieldErrors::new();
    let limit = limit(&mut e, &params.limit);
    e.into_result()?;
    let data = s.app.search_contacts(&actor, params.q.as_deref().unwrap_or(""), limit).await?;
    Ok(Json(ContactSearchResults { data }))
}
