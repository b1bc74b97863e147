use super::path_id;
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use switchboard_app::AppError;
use switchboard_domain::SessionId;
use switchboard_domain::entities::{SessionInfo, User};
use switchboard_domain::permissions::{DataScope, Permission};
use switchboard_domain::requests::ProfileUpdateInput;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    /// What the caller may do (a token's scopes narrow its user's role).
    pub permissions: Vec<Permission>,
    pub data_scope: DataScope,
}

/// The caller: user, permissions and data scope.
#[utoipa::path(get, path = "/me", tag = "me", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn get_me(State(s): State<WebState>, ApiActor(actor): ApiActor) -> Result<Json<Me>, ApiError> {
    let id = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let user = s.app.get_user(&actor, id).await?;
    Ok(Json(Me { user, permissions: actor.permissions.clone(), data_scope: actor.data_scope }))
}

/// Change your name, language, time zone or password (with the current one).
#[utoipa::path(patch, path = "/me", tag = "me", request_body = ProfileUpdateInput,
    responses((status = 200, body = User), (status = 422, body = ErrorBody)))]
async fn update_me(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<ProfileUpdateInput>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(s.app.update_profile(&actor, &input).await?))
}

/// Your signed-in web sessions.
#[utoipa::path(get, path = "/me/sessions", tag = "me", responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = ErrorBody)))]
async fn list_sessions(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    Ok(Json(s.app.my_sessions(&actor).await?))
}

/// End one of your sessions (sign out elsewhere).
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "me", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_session(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.revoke_my_session(&actor, path_id::<SessionId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
