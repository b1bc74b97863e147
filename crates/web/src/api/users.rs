use super::{PageParams, Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_app::{Page, UserFilter};
use switchboard_domain::entities::User;
use switchboard_domain::requests::{NewUserInput, UserUpdateInput};
use switchboard_domain::{RoleId, TeamId, UserId};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(reset_password))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Part of the name or email.
    pub q: Option<String>,
    /// Only users with this role id.
    pub role_id: Option<String>,
    /// Only members of this team id.
    pub team_id: Option<String>,
    /// `true` or `false`.
    pub active: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn filter(params: &UserListParams) -> Result<UserFilter, ApiError> {
    let mut errors = switchboard_domain::FieldErrors::new();
    let mut id = |field: &str, text: &Option<String>| match text.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match t.parse::<i64>() {
            Ok(v) if v > 0 => Some(v),
            _ => {
                errors.add(field, "is not a valid id");
                None
            }
        },
    };
    let role_id = id("role_id", &params.role_id).map(RoleId::from_i64);
    let team_id = id("team_id", &params.team_id).map(TeamId::from_i64);
    let active = match params.active.as_deref() {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.add("active", "must be true or false");
            None
        }
    };
    errors.into_result()?;
    Ok(UserFilter { query: params.q.clone().filter(|q| !q.trim().is_empty()), role_id, team_id, active })
}

/// List the account's users.
#[utoipa::path(get, path = "/users", tag = "users", params(UserListParams),
    responses((status = 200, body = Page<User>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_users(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<UserListParams>,
) -> Result<Json<Page<User>>, ApiError> {
    let page = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.request()?;
    Ok(Json(s.app.list_users(&actor, &filter(&params)?, &page).await?))
}

/// Create a user. `role` is a role id or `agent`, `supervisor`, `admin`.
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserInput,
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<NewUserInput>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_user(&actor, &input).await?)))
}

/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(s.app.get_user(&actor, path_id::<UserId>(&id)?).await?))
}

/// Change a user; `"active": false` deactivates (their sessions and tokens end).
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = String, Path)), request_body = UserUpdateInput,
    responses((status = 200, body = User), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<UserUpdateInput>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(s.app.update_user(&actor, path_id::<UserId>(&id)?, &input).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordReset {
    pub password: Option<String>,
}

/// Set a new password for a user; their other sessions end.
#[utoipa::path(post, path = "/users/{id}/password", tag = "users", params(("id" = String, Path)), request_body = PasswordReset,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    s.app.reset_password(&actor, path_id::<UserId>(&id)?, input.password.as_deref().unwrap_or("")).await?;
    Ok(StatusCode::NO_CONTENT)
}
