//! The bot's unanswered questions under `/api/v1/bot/unanswered` (permission `kb.manage`): the
//! questions it could not answer and the answers customers rated down, to dismiss or add to the FAQ.

use crate::WebState;
use crate::api::{PageParams, Query, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use switchboard_app::{AppError, Page};
use switchboard_domain::FieldErrors;
use switchboard_domain::bot_feedback::{AddToFaqInput, UnansweredOrder, UnansweredQuestion, UnansweredStatus};
use switchboard_domain::kb::Faq;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_unanswered))
        .routes(routes!(get_unanswered))
        .routes(routes!(dismiss_unanswered))
        .routes(routes!(add_to_faq))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnansweredParams {
    /// `open` (default), `dismissed` or `resolved`.
    pub status: Option<String>,
    /// `recent` (last seen first, the default) or `frequent` (most occurrences first).
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl UnansweredParams {
    /// The status and order asked for; a bad value is a 422 naming its parameter.
    pub fn parse(&self) -> Result<(UnansweredStatus, UnansweredOrder), AppError> {
        let mut errors = FieldErrors::new();
        let status = match self.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(UnansweredStatus::Open),
            Some(text) => UnansweredStatus::parse(text),
        };
        if status.is_none() {
            errors.add("status", "must be open, dismissed or resolved");
        }
        let order = UnansweredOrder::parse(self.sort.as_deref().unwrap_or(""));
        if order.is_none() {
            errors.add("sort", "must be recent or frequent");
        }
        match (status, order) {
            (Some(status), Some(order)) => Ok((status, order)),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// List the questions the bot could not answer and the answers rated down.
#[utoipa::path(get, path = "/bot/unanswered", tag = "bot", params(UnansweredParams),
    responses((status = 200, body = Page<UnansweredQuestion>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_unanswered(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<UnansweredParams>,
) -> Result<Json<Page<UnansweredQuestion>>, ApiError> {
    let page = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.request()?;
    let (status, order) = params.parse()?;
    Ok(Json(s.app.list_unanswered(&actor, status, order, &page).await?))
}

/// One unanswered question.
#[utoipa::path(get, path = "/bot/unanswered/{id}", tag = "bot",
    responses((status = 200, body = UnansweredQuestion), (status = 404, body = ErrorBody)))]
async fn get_unanswered(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<UnansweredQuestion>, ApiError> {
    Ok(Json(s.app.get_unanswered(&actor, path_id(&id)?).await?))
}

/// Take a question off the list without changing the FAQ.
#[utoipa::path(post, path = "/bot/unanswered/{id}/dismiss", tag = "bot",
    responses((status = 200, body = UnansweredQuestion), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn dismiss_unanswered(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<UnansweredQuestion>, ApiError> {
    Ok(Json(s.app.dismiss_unanswered(&actor, path_id(&id)?).await?))
}

/// The outcome of "Add to FAQ".
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedToFaq {
    pub item: UnansweredQuestion,
    pub faq: Faq,
}

/// Add the question to the FAQ: a new entry (`mode: new`, with its `answer`), or a similar
/// question of an existing entry (`mode: similar`, `entry_id`); the item is then resolved.
#[utoipa::path(post, path = "/bot/unanswered/{id}/faq", tag = "bot", request_body = AddToFaqInput,
    responses((status = 200, body = AddedToFaq), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_to_faq(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AddToFaqInput>,
) -> Result<Json<AddedToFaq>, ApiError> {
    let (item, faq) = s.app.add_unanswered_to_faq(&actor, path_id(&id)?, &input).await?;
    Ok(Json(AddedToFaq { item, faq }))
}
