use crate::WebState;
use crate::api::path_id;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchboard_domain::CategoryId;
use switchboard_domain::kb::Category;
use switchboard_domain::kb_requests::{CategoryInput, CategoryReorderInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(reorder_categories))
        .routes(routes!(get_category, update_category, delete_category))
}

/// Every category of the knowledge base, ordered by position (build the tree with `parent_id`).
#[utoipa::path(get, path = "/kb/categories", tag = "kb",
    responses((status = 200, body = Vec<Category>), (status = 403, body = ErrorBody)))]
async fn list_categories(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<Category>>, ApiError> {
    Ok(Json(s.app.list_kb_categories(&actor).await?))
}

/// Create a category; it goes last among its siblings unless `position` is given.
#[utoipa::path(post, path = "/kb/categories", tag = "kb", request_body = CategoryInput,
    responses((status = 201, body = Category), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_category(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<CategoryInput>,
) -> Result<(StatusCode, Json<Category>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_kb_category(&actor, &input).await?)))
}

/// Put sibling categories in the order given; answers every category.
#[utoipa::path(post, path = "/kb/categories/reorder", tag = "kb", request_body = CategoryReorderInput,
    responses((status = 200, body = Vec<Category>), (status = 422, body = ErrorBody)))]
async fn reorder_categories(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<CategoryReorderInput>,
) -> Result<Json<Vec<Category>>, ApiError> {
    Ok(Json(s.app.reorder_kb_categories(&actor, &input).await?))
}

/// One category.
#[utoipa::path(get, path = "/kb/categories/{id}", tag = "kb", params(("id" = String, Path)),
    responses((status = 200, body = Category), (status = 404, body = ErrorBody)))]
async fn get_category(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Category>, ApiError> {
    Ok(Json(s.app.get_kb_category(&actor, path_id::<CategoryId>(&id)?).await?))
}

/// Rename, re-slug, move (`parent_id`, `null` for the top level) or re-position a category.
#[utoipa::path(patch, path = "/kb/categories/{id}", tag = "kb", params(("id" = String, Path)), request_body = CategoryInput,
    responses((status = 200, body = Category), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_category(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CategoryInput>,
) -> Result<Json<Category>, ApiError> {
    Ok(Json(s.app.update_kb_category(&actor, path_id::<CategoryId>(&id)?, &input).await?))
}

/// Delete an empty category (one holding sub-categories, articles or FAQ entries is a 409).
#[utoipa::path(delete, path = "/kb/categories/{id}", tag = "kb", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_category(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_kb_category(&actor, path_id::<CategoryId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
