//! Routing: settings, rules, team queues, capacity, presence, the queue board, transfers and offers.

use super::{Query, path_id};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_app::{
    CapacityInput, ContactRoutingInput, PresenceReportRow, QueueBoard, QueuePosition, RuleTestInput, TeamQueue,
    TeamQueueInput, TransferInput,
};
use switchboard_domain::conversations::{Contact, Conversation};
use switchboard_domain::routing::rules::{RoutingOutcome, RoutingRule, RoutingRuleInput};
use switchboard_domain::routing::settings::RoutingSettings;
use switchboard_domain::{ContactId, ConversationId, RoutingRuleId, TeamId, UserId};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(update_rule, delete_rule))
        .routes(routes!(test_rules))
        .routes(routes!(list_team_queues))
        .routes(routes!(update_team_queue))
        .routes(routes!(set_capacity))
        .routes(routes!(board))
        .routes(routes!(presence_report))
        .routes(routes!(set_my_presence))
        .routes(routes!(transfer))
        .routes(routes!(accept_offer))
        .routes(routes!(decline_offer))
        .routes(routes!(queue_position))
        .routes(routes!(update_contact_routing))
}

/// The account's routing settings: default team and capacity, stickiness, presence and inactivity
/// timers, business hours.
#[utoipa::path(get, path = "/routing/settings", tag = "routing",
    responses((status = 200, body = RoutingSettings), (status = 403, body = ErrorBody)))]
async fn get_settings(State(s): State<WebState>, ApiActor(actor): ApiActor) -> Result<Json<RoutingSettings>, ApiError> {
    Ok(Json(s.app.routing_settings(&actor).await?))
}

/// Replace the routing settings (fields left out take their defaults). Needs `routing.manage`.
#[utoipa::path(put, path = "/routing/settings", tag = "routing", request_body = RoutingSettings,
    responses((status = 200, body = RoutingSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<RoutingSettings>,
) -> Result<Json<RoutingSettings>, ApiError> {
    Ok(Json(s.app.update_routing_settings(&actor, &input).await?))
}

/// The routing rules in evaluation order.
#[utoipa::path(get, path = "/routing/rules", tag = "routing",
    responses((status = 200, body = Vec<RoutingRule>), (status = 403, body = ErrorBody)))]
async fn list_rules(State(s): State<WebState>, ApiActor(actor): ApiActor) -> Result<Json<Vec<RoutingRule>>, ApiError> {
    Ok(Json(s.app.routing_rules(&actor).await?))
}

/// Add a rule (at `position`, else last). A rule naming a team, channel or pre-chat field that does
/// not exist is refused (422 naming the condition).
#[utoipa::path(post, path = "/routing/rules", tag = "routing", request_body = RoutingRuleInput,
    responses((status = 201, body = RoutingRule), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_rule(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<RoutingRuleInput>,
) -> Result<(StatusCode, Json<RoutingRule>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.save_routing_rule(&actor, None, &input).await?)))
}

/// Change a rule (the whole rule), or move it with `position`.
#[utoipa::path(patch, path = "/routing/rules/{id}", tag = "routing", params(("id" = String, Path)),
    request_body = RoutingRuleInput,
    responses((status = 200, body = RoutingRule), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_rule(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RoutingRuleInput>,
) -> Result<Json<RoutingRule>, ApiError> {
    Ok(Json(s.app.save_routing_rule(&actor, Some(path_id::<RoutingRuleId>(&id)?), &input).await?))
}

#[utoipa::path(delete, path = "/routing/rules/{id}", tag = "routing", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_rule(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_routing_rule(&actor, path_id::<RoutingRuleId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the rules would do with a sample conversation: the team, priority, tags and matching rules.
#[utoipa::path(post, path = "/routing/rules/test", tag = "routing", request_body = RuleTestInput,
    responses((status = 200, body = RoutingOutcome), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn test_rules(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<RuleTestInput>,
) -> Result<Json<RoutingOutcome>, ApiError> {
    Ok(Json(s.app.test_routing_rules(&actor, &input).await?))
}

/// Every team's queue settings and members' proficiency.
#[utoipa::path(get, path = "/routing/teams", tag = "routing",
    responses((status = 200, body = Vec<TeamQueue>), (status = 403, body = ErrorBody)))]
async fn list_team_queues(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<TeamQueue>>, ApiError> {
    Ok(Json(s.app.team_queues(&actor).await?))
}

/// Change a team's queue: policy (least_busy / round_robin), mode (auto / offer), offer timeout,
/// overflow team and wait, maximum queue length; members' proficiency (1-5).
#[utoipa::path(patch, path = "/routing/teams/{id}", tag = "routing", params(("id" = String, Path)),
    request_body = TeamQueueInput,
    responses((status = 200, body = TeamQueue), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_team_queue(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TeamQueueInput>,
) -> Result<Json<TeamQueue>, ApiError> {
    Ok(Json(s.app.update_team_queue(&actor, path_id::<TeamId>(&id)?, &input).await?))
}

/// Set an agent's own limit of concurrent conversations (`null`: the account's default).
#[utoipa::path(put, path = "/routing/agents/{id}/capacity", tag = "routing", params(("id" = String, Path)),
    request_body = CapacityInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_capacity(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CapacityInput>,
) -> Result<StatusCode, ApiError> {
    s.app.set_agent_capacity(&actor, path_id::<UserId>(&id)?, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The queue board: per team, waiting conversations, the longest wait and agents by state; and every agent.
#[utoipa::path(get, path = "/routing/board", tag = "routing",
    responses((status = 200, body = QueueBoard), (status = 403, body = ErrorBody)))]
async fn board(State(s): State<WebState>, ApiActor(actor): ApiActor) -> Result<Json<QueueBoard>, ApiError> {
    Ok(Json(s.app.queue_board(&actor).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The day, `YYYY-MM-DD` in the account's time zone.
    pub date: String,
}

/// Seconds each agent spent online, busy and away on a day.
#[utoipa::path(get, path = "/routing/presence-report", tag = "routing", params(ReportParams),
    responses((status = 200, body = Vec<PresenceReportRow>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn presence_report(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<ReportParams>,
) -> Result<Json<Vec<PresenceReportRow>>, ApiError> {
    Ok(Json(s.app.presence_report(&actor, &params.date).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PresenceInput {
    /// `online`, `busy`, `away` or `offline`.
    pub state: String,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PresenceState {
    /// Your effective state (offline while you have no workspace open).
    pub state: String,
}

/// Choose your presence.
#[utoipa::path(put, path = "/presence/me", tag = "routing", request_body = PresenceInput,
    responses((status = 200, body = PresenceState), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_my_presence(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<PresenceInput>,
) -> Result<Json<PresenceState>, ApiError> {
    Ok(Json(PresenceState { state: s.app.set_presence(&actor, input.state.trim()).await? }))
}

/// Transfer a conversation to an agent (who is online or busy and has room; supervisors may insist)
/// or to a team's queue, with an internal note the receiver sees.
#[utoipa::path(post, path = "/conversations/{id}/transfer", tag = "routing", params(("id" = String, Path)),
    request_body = TransferInput,
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transfer(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TransferInput>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(s.app.transfer_conversation(&actor, path_id::<ConversationId>(&id)?, &input).await?))
}

/// Accept a conversation offered to you.
#[utoipa::path(post, path = "/conversations/{id}/offer/accept", tag = "routing", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn accept_offer(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Conversation>, ApiError> {
    Ok(Json(s.app.accept_offer(&actor, path_id::<ConversationId>(&id)?).await?))
}

/// Decline a conversation offered to you: it goes back to the queue and is not offered to you again.
#[utoipa::path(post, path = "/conversations/{id}/offer/decline", tag = "routing", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn decline_offer(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.decline_offer(&actor, path_id::<ConversationId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A waiting conversation's place in its team's queue and the estimated wait (404 when not waiting).
#[utoipa::path(get, path = "/conversations/{id}/queue", tag = "routing", params(("id" = String, Path)),
    responses((status = 200, body = QueuePosition), (status = 404, body = ErrorBody)))]
async fn queue_position(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<QueuePosition>, ApiError> {
    let id = path_id::<ConversationId>(&id)?;
    s.app.get_conversation(&actor, id).await?;
    let position = s.app.queue_position(actor.account_id, id).await?;
    Ok(Json(position.ok_or(switchboard_app::AppError::NotFound)?))
}

/// Set a contact's VIP level (0-9) and tags, which routing rules read.
#[utoipa::path(patch, path = "/contacts/{id}/routing", tag = "routing", params(("id" = String, Path)),
    request_body = ContactRoutingInput,
    responses((status = 200, body = Contact), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_contact_routing(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ContactRoutingInput>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(s.app.update_contact_routing(&actor, path_id::<ContactId>(&id)?, &input).await?))
}
