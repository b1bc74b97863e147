use super::{PageParams, Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_app::Page;
use switchboard_domain::conversations::*;
use switchboard_domain::{ConversationId, FieldErrors, TeamId, UserId};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, create_channel))
        .routes(routes!(list_conversations, create_conversation))
        .routes(routes!(get_conversation))
        .routes(routes!(list_messages, send_message))
        .routes(routes!(assign))
        .routes(routes!(resolve))
        .routes(routes!(reopen))
}

/// The account's channels.
#[utoipa::path(get, path = "/channels", tag = "conversations", params(PageParams),
    responses((status = 200, body = Page<Channel>), (status = 403, body = ErrorBody)))]
async fn list_channels(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<PageParams>,
) -> Result<Json<Page<Channel>>, ApiError> {
    Ok(Json(s.app.list_channels(&actor, &params.request()?).await?))
}

/// Create a channel (`api` for an integrator's platform, `web_widget` for the website chat).
#[utoipa::path(post, path = "/channels", tag = "conversations", request_body = NewChannelInput,
    responses((status = 201, body = Channel), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_channel(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<NewChannelInput>,
) -> Result<(StatusCode, Json<Channel>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_channel(&actor, &input).await?)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationListParams {
    /// `mine` (assigned to you), `unassigned`, `teams` (your teams) or `all` (everything you may see).
    pub view: Option<String>,
    /// `open`, `pending`, `resolved` or `closed`.
    pub status: Option<String>,
    /// Only conversations assigned to this user.
    pub assignee_id: Option<String>,
    /// `true`: only unassigned conversations.
    pub unassigned: Option<String>,
    pub team_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn conversation_filter(p: &ConversationListParams, me: Option<UserId>) -> Result<ConversationFilter, ApiError> {
    let mut e = FieldErrors::new();
    let status = match p.status.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => ConversationStatus::parse(v).or_else(|| {
            e.add("status", "must be open, pending, resolved or closed");
            None
        }),
        None => None,
    };
    let mut id = |field: &str, v: &Option<String>| match v.as_deref().filter(|v| !v.is_empty()) {
        Some(t) => t.parse::<i64>().ok().filter(|n| *n > 0).or_else(|| {
            e.add(field, "is not a valid id");
            None
        }),
        None => None,
    };
    let assignee_id = id("assignee_id", &p.assignee_id).map(UserId::from_i64);
    let team_id = id("team_id", &p.team_id).map(TeamId::from_i64);
    let unassigned = match p.unassigned.as_deref() {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            e.add("unassigned", "must be true or false");
            false
        }
    };
    let mut filter = ConversationFilter { status, assignee_id, unassigned, team_id, my_teams: false };
    match p.view.as_deref().filter(|v| !v.is_empty()) {
        None | Some("all") => {}
        Some("mine") => match me {
            Some(me) => filter.assignee_id = Some(me),
            None => e.add("view", "`mine` needs a user"),
        },
        Some("unassigned") => filter.unassigned = true,
        Some("teams") => filter.my_teams = true,
        Some(_) => e.add("view", "must be mine, unassigned, teams or all"),
    }
    e.into_result()?;
    Ok(filter)
}

/// Conversations the caller may see (by data scope), newest first.
#[utoipa::path(get, path = "/conversations", tag = "conversations", params(ConversationListParams),
    responses((status = 200, body = Page<Conversation>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_conversations(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<ConversationListParams>,
) -> Result<Json<Page<Conversation>>, ApiError> {
    let page = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.request()?;
    Ok(Json(s.app.list_conversations(&actor, &conversation_filter(&params, actor.user_id())?, &page).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedConversation {
    pub conversation: Conversation,
    /// The customer's first message, when one was given.
    pub message: Option<Message>,
}

/// Open a conversation for a contact (by id, or found/created by external id or email).
#[utoipa::path(post, path = "/conversations", tag = "conversations", request_body = NewConversationInput,
    responses((status = 201, body = CreatedConversation), (status = 422, body = ErrorBody)))]
async fn create_conversation(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<NewConversationInput>,
) -> Result<(StatusCode, Json<CreatedConversation>), ApiError> {
    let (conversation, message) = s.app.create_conversation(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedConversation { conversation, message })))
}

/// One conversation.
#[utoipa::path(get, path = "/conversations/{id}", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)))]
async fn get_conversation(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(s.app.get_conversation(&actor, path_id::<ConversationId>(&id)?).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageListParams {
    /// Only messages with a greater sequence number (resume from the last one you have).
    pub after_seq: Option<String>,
}

/// A conversation's messages in order, at most 200 per call after `after_seq`.
#[utoipa::path(get, path = "/conversations/{id}/messages", tag = "conversations", params(("id" = String, Path), MessageListParams),
    responses((status = 200, body = Vec<Message>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_messages(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(params): Query<MessageListParams>,
) -> Result<Json<Vec<Message>>, ApiError> {
    let after = match params.after_seq.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| FieldErrors::single("after_seq", "must be a whole number, 0 or more"))?,
        None => 0,
    };
    Ok(Json(s.app.list_messages(&actor, path_id::<ConversationId>(&id)?, after).await?))
}

/// Reply, or add an internal note (`private: true`). Answered 201 with the stored message once it is
/// durable; a resend with the same `client_id` is answered 200 with the message already stored.
#[utoipa::path(post, path = "/conversations/{id}/messages", tag = "conversations", params(("id" = String, Path)), request_body = NewMessageInput,
    responses((status = 201, body = Message), (status = 200, body = Message), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn send_message(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<NewMessageInput>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let (message, created) = s.app.send_message(&actor, path_id::<ConversationId>(&id)?, &input).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(message)))
}

/// Assign to an agent and/or a team (yourself: `conversations.reply`; others: `conversations.assign`).
#[utoipa::path(post, path = "/conversations/{id}/assign", tag = "conversations", params(("id" = String, Path)), request_body = AssignInput,
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AssignInput>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(s.app.assign_conversation(&actor, path_id::<ConversationId>(&id)?, &input).await?))
}

/// Mark resolved.
#[utoipa::path(post, path = "/conversations/{id}/resolve", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resolve(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(s.app.resolve_conversation(&actor, path_id::<ConversationId>(&id)?).await?))
}

/// Reopen a resolved or closed conversation.
#[utoipa::path(post, path = "/conversations/{id}/reopen", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reopen(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(s.app.reopen_conversation(&actor, path_id::<ConversationId>(&id)?).await?))
}
