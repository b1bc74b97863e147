use super::{PageParams, Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchboard_app::{CreatedToken, Page};
use switchboard_domain::TokenId;
use switchboard_domain::entities::ApiToken;
use switchboard_domain::requests::NewTokenInput;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(list_tokens, create_token)).routes(routes!(revoke_token))
}

/// Your API tokens; with `tokens.manage`, every token of the account. Secrets are never listed.
#[utoipa::path(get, path = "/tokens", tag = "tokens", params(PageParams),
    responses((status = 200, body = Page<ApiToken>), (status = 403, body = ErrorBody)))]
async fn list_tokens(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<PageParams>,
) -> Result<Json<Page<ApiToken>>, ApiError> {
    Ok(Json(s.app.list_tokens(&actor, &params.request()?).await?))
}

/// Create a token. The `secret` in the answer is shown this once; only its hash is stored.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewTokenInput,
    responses((status = 201, body = CreatedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<NewTokenInput>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_token(&actor, &input).await?)))
}

/// Revoke a token; it stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 200, body = ApiToken), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ApiToken>, ApiError> {
    Ok(Json(s.app.revoke_token(&actor, path_id::<TokenId>(&id)?).await?))
}
