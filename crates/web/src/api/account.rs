use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::State;
use switchboard_domain::entities::Account;
use switchboard_domain::requests::AccountUpdateInput;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(get_account, update_account))
}

/// The account of the caller.
#[utoipa::path(get, path = "/account", tag = "account", responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
async fn get_account(State(s): State<WebState>, ApiActor(actor): ApiActor) -> Result<Json<Account>, ApiError> {
    Ok(Json(s.app.account(&actor).await?))
}

/// Change the account's name, default language or time zone.
#[utoipa::path(patch, path = "/account", tag = "account", request_body = AccountUpdateInput,
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_account(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<AccountUpdateInput>,
) -> Result<Json<Account>, ApiError> {
    Ok(Json(s.app.update_account(&actor, &input).await?))
}
