//! Contacts, presence, read positions and agents' uploads.

use super::{Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use switchboard_app::{AppError, Uploader};
use switchboard_domain::attachments::AttachmentRef;
use switchboard_domain::conversations::ContactDetail;
use switchboard_domain::widget::MAX_UPLOAD_BYTES;
use switchboard_domain::{ContactId, ConversationId, FieldErrors};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_contact))
        .routes(routes!(mark_read))
        .routes(routes!(list_presence))
        .routes(routes!(upload))
}

/// A contact with the channels they used and their conversations you may see.
#[utoipa::path(get, path = "/contacts/{id}", tag = "conversations", params(("id" = String, Path)),
    responses((status = 200, body = ContactDetail), (status = 404, body = ErrorBody)))]
async fn get_contact(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ContactDetail>, ApiError> {
    Ok(Json(s.app.get_contact(&actor, path_id::<ContactId>(&id)?).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReadInput {
    /// Everything up to this sequence has been read.
    pub seq: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadPosition {
    /// The agents' read position after the call (it never moves back).
    pub agent_read_seq: i64,
}

/// Mark the conversation read up to `seq` (for agents; the customer sees "Read").
#[utoipa::path(post, path = "/conversations/{id}/read", tag = "conversations", params(("id" = String, Path)),
    request_body = ReadInput,
    responses((status = 200, body = ReadPosition), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mark_read(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ReadInput>,
) -> Result<Json<ReadPosition>, ApiError> {
    let seq =
        input.seq.filter(|s| *s >= 0).ok_or_else(|| FieldErrors::single("seq", "must be a whole number, 0 or more"))?;
    let agent_read_seq = s.app.mark_conversation_read(&actor, path_id::<ConversationId>(&id)?, seq).await?;
    Ok(Json(ReadPosition { agent_read_seq }))
}

/// Every active user's presence: `online`, `busy`, `away` or `offline`.
#[utoipa::path(get, path = "/presence", tag = "conversations",
    responses((status = 200, body = Vec<switchboard_app::AgentPresence>), (status = 403, body = ErrorBody)))]
async fn list_presence(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<switchboard_app::AgentPresence>>, ApiError> {
    Ok(Json(s.app.list_presence(&actor).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The conversation the file will be sent in.
    pub conversation_id: Option<String>,
    /// The file's name.
    pub name: Option<String>,
}

/// Reads a raw upload body up to the largest limit any channel may have (413 beyond it).
pub(crate) async fn upload_body(body: Body) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_UPLOAD_BYTES as usize)
        .await
        .map_err(|_| ApiError::App(AppError::TooLarge { limit: MAX_UPLOAD_BYTES }))
}

pub(crate) fn content_type(headers: &HeaderMap) -> String {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// Upload a file to send in a conversation: the body is the file, `Content-Type` its type. The
/// channel's size and type limits apply, and the content must really be of that type. Send it with
/// `attachments: [id]` in a message.
#[utoipa::path(post, path = "/attachments", tag = "conversations", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file's bytes"),
    responses((status = 201, body = AttachmentRef), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn upload(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<AttachmentRef>), ApiError> {
    let conversation = params
        .conversation_id
        .as_deref()
        .ok_or_else(|| FieldErrors::single("conversation_id", "is required"))
        .and_then(|id| {
            id.parse::<ConversationId>().map_err(|_| FieldErrors::single("conversation_id", "is not a valid id"))
        })?;
    let name = params.name.unwrap_or_default();
    let bytes = upload_body(body).await?;
    let uploaded =
        s.app.upload_attachment(Uploader::User(&actor, conversation), &name, &content_type(&headers), &bytes).await?;
    Ok((StatusCode::CREATED, Json(uploaded)))
}
