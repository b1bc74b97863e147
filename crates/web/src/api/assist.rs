//! Quick replies and knowledge-base suggestions for agents.

use super::{Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_app::Suggestions;
use switchboard_domain::quick_replies::{QuickReply, QuickReplyInput};
use switchboard_domain::{ConversationId, FieldErrors, QuickReplyId};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_quick_replies, create_quick_reply))
        .routes(routes!(update_quick_reply, delete_quick_reply))
        .routes(routes!(suggestions))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuickReplyParams {
    /// Fill in the variables for this conversation (`rendered`).
    pub conversation_id: Option<String>,
}

/// Your quick replies, your teams' and the account's, by shortcut.
#[utoipa::path(get, path = "/quick-replies", tag = "conversations", params(QuickReplyParams),
    responses((status = 200, body = Vec<QuickReply>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_quick_replies(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<QuickReplyParams>,
) -> Result<Json<Vec<QuickReply>>, ApiError> {
    let conversation = match params.conversation_id.as_deref().filter(|v| !v.is_empty()) {
        Some(id) => Some(
            id.parse::<ConversationId>().map_err(|_| FieldErrors::single("conversation_id", "is not a valid id"))?,
        ),
        None => None,
    };
    Ok(Json(s.app.list_quick_replies(&actor, conversation).await?))
}

/// Create a quick reply: `personal` for yourself, `team` or `account` with `quick_replies.manage`.
/// Variables: `{{contact.name}}`, `{{contact.email}}`, `{{contact.phone}}`, `{{agent.name}}`,
/// `{{conversation.id}}`, `{{account.name}}`.
#[utoipa::path(post, path = "/quick-replies", tag = "conversations", request_body = QuickReplyInput,
    responses((status = 201, body = QuickReply), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_quick_reply(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<QuickReplyInput>,
) -> Result<(StatusCode, Json<QuickReply>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.save_quick_reply(&actor, None, &input).await?)))
}

/// Change a quick reply (your own; shared ones with `quick_replies.manage`).
#[utoipa::path(patch, path = "/quick-replies/{id}", tag = "conversations", params(("id" = String, Path)),
    request_body = QuickReplyInput,
    responses((status = 200, body = QuickReply), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_quick_reply(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<QuickReplyInput>,
) -> Result<Json<QuickReply>, ApiError> {
    Ok(Json(s.app.save_quick_reply(&actor, Some(path_id::<QuickReplyId>(&id)?), &input).await?))
}

/// Delete a quick reply (your own; shared ones with `quick_replies.manage`).
#[utoipa::path(delete, path = "/quick-replies/{id}", tag = "conversations", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_quick_reply(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_quick_reply(&actor, path_id::<QuickReplyId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionParams {
    /// Search for this instead of the customer's last message.
    pub q: Option<String>,
}

/// FAQ answers and published articles that fit the customer's last message.
#[utoipa::path(get, path = "/conversations/{id}/suggestions", tag = "conversations",
    params(("id" = String, Path), SuggestionParams),
    responses((status = 200, body = Suggestions), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn suggestions(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(params): Query<SuggestionParams>,
) -> Result<Json<Suggestions>, ApiError> {
    Ok(Json(s.app.suggestions(&actor, path_id::<ConversationId>(&id)?, params.q.as_deref()).await?))
}
