use super::{PageParams, Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_app::Page;
use switchboard_domain::TeamId;
use switchboard_domain::entities::Team;
use switchboard_domain::requests::TeamInput;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(list_teams, create_team)).routes(routes!(get_team, update_team, delete_team))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamListParams {
    /// Part of the team's name.
    pub q: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// List teams (the skill groups of routing).
#[utoipa::path(get, path = "/teams", tag = "teams", params(TeamListParams),
    responses((status = 200, body = Page<Team>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_teams(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<TeamListParams>,
) -> Result<Json<Page<Team>>, ApiError> {
    let page = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.request()?;
    let q = params.q.as_deref().filter(|q| !q.trim().is_empty());
    Ok(Json(s.app.list_teams(&actor, q, &page).await?))
}

/// Create a team, optionally with members.
#[utoipa::path(post, path = "/teams", tag = "teams", request_body = TeamInput,
    responses((status = 201, body = Team), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_team(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<TeamInput>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_team(&actor, &input).await?)))
}

/// One team with its members.
#[utoipa::path(get, path = "/teams/{id}", tag = "teams", params(("id" = String, Path)),
    responses((status = 200, body = Team), (status = 404, body = ErrorBody)))]
async fn get_team(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Team>, ApiError> {
    Ok(Json(s.app.get_team(&actor, path_id::<TeamId>(&id)?).await?))
}

/// Change a team; `member_ids` replaces the members.
#[utoipa::path(patch, path = "/teams/{id}", tag = "teams", params(("id" = String, Path)), request_body = TeamInput,
    responses((status = 200, body = Team), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_team(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TeamInput>,
) -> Result<Json<Team>, ApiError> {
    Ok(Json(s.app.update_team(&actor, path_id::<TeamId>(&id)?, &input).await?))
}

/// Delete a team (its members stay users).
#[utoipa::path(delete, path = "/teams/{id}", tag = "teams", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_team(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_team(&actor, path_id::<TeamId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
