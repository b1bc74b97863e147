use super::{PageParams, Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use switchboard_app::Page;
use switchboard_domain::RoleId;
use switchboard_domain::entities::Role;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::RoleInput;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role, update_role, delete_role))
        .routes(routes!(list_permissions))
}

/// List roles: the built-in agent, supervisor and admin, and custom roles.
#[utoipa::path(get, path = "/roles", tag = "roles", params(PageParams),
    responses((status = 200, body = Page<Role>), (status = 403, body = ErrorBody)))]
async fn list_roles(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<PageParams>,
) -> Result<Json<Page<Role>>, ApiError> {
    Ok(Json(s.app.list_roles(&actor, &params.request()?).await?))
}

/// Create a custom role from named permissions and a data scope (`own`, `teams`, `account`).
#[utoipa::path(post, path = "/roles", tag = "roles", request_body = RoleInput,
    responses((status = 201, body = Role), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_role(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<RoleInput>,
) -> Result<(StatusCode, Json<Role>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_role(&actor, &input).await?)))
}

/// One role.
#[utoipa::path(get, path = "/roles/{id}", tag = "roles", params(("id" = String, Path)),
    responses((status = 200, body = Role), (status = 404, body = ErrorBody)))]
async fn get_role(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Role>, ApiError> {
    Ok(Json(s.app.get_role(&actor, path_id::<RoleId>(&id)?).await?))
}

/// Change a custom role (built-in roles answer 409).
#[utoipa::path(patch, path = "/roles/{id}", tag = "roles", params(("id" = String, Path)), request_body = RoleInput,
    responses((status = 200, body = Role), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_role(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RoleInput>,
) -> Result<Json<Role>, ApiError> {
    Ok(Json(s.app.update_role(&actor, path_id::<RoleId>(&id)?, &input).await?))
}

/// Delete a custom role no user holds.
#[utoipa::path(delete, path = "/roles/{id}", tag = "roles", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_role(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_role(&actor, path_id::<RoleId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionInfo {
    pub name: &'static str,
    pub description: &'static str,
}

/// The catalogue of permissions roles are made of.
#[utoipa::path(get, path = "/permissions", tag = "roles", responses((status = 200, body = Vec<PermissionInfo>), (status = 401, body = ErrorBody)))]
async fn list_permissions(ApiActor(_actor): ApiActor) -> Json<Vec<PermissionInfo>> {
    Json(Permission::ALL.iter().map(|p| PermissionInfo { name: p.name(), description: p.description() }).collect())
}
