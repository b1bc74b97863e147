//! Channels: one channel's details and settings (the website widget's allowed origins, pre-chat
//! form, upload limits, ...), and the widget's identity secret.

use super::path_id;
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use switchboard_domain::ChannelId;
use switchboard_domain::conversations::{Channel, ChannelUpdateInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(get_channel, update_channel)).routes(routes!(rotate_secret))
}

/// One channel. `identity_secret` is included for holders of `channels.manage` only.
#[utoipa::path(get, path = "/channels/{id}", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = Channel), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_channel(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Channel>, ApiError> {
    Ok(Json(s.app.get_channel(&actor, path_id::<ChannelId>(&id)?).await?))
}

/// Rename, (de)activate, or replace the settings of a channel (validated field by field: 422 names
/// e.g. `settings.allowed_origins[1]`).
#[utoipa::path(patch, path = "/channels/{id}", tag = "conversations", params(("id" = String, Path)),
    request_body = ChannelUpdateInput,
    responses((status = 200, body = Channel), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_channel(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ChannelUpdateInput>,
) -> Result<Json<Channel>, ApiError> {
    Ok(Json(s.app.update_channel(&actor, path_id::<ChannelId>(&id)?, &input).await?))
}

/// Replace a widget's identity secret: hashes made with the old one stop verifying at once.
#[utoipa::path(post, path = "/channels/{id}/secret", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = Channel), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn rotate_secret(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Channel>, ApiError> {
    Ok(Json(s.app.rotate_channel_secret(&actor, path_id::<ChannelId>(&id)?).await?))
}
