use super::{PageParams, Query};
use crate::WebState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiActor;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_app::Page;
use switchboard_domain::entities::AuditEntry;
use switchboard_domain::requests::AuditFilter;
use switchboard_domain::{FieldErrors, Timestamp};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(list_audit)).routes(routes!(export_audit))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// An action (`user.update`) or a prefix (`user.`).
    pub action: Option<String>,
    /// The acting user's id.
    pub actor_id: Option<String>,
    /// `user`, `team`, `role`, `token`, `account`, ...
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// RFC 3339 time, inclusive.
    pub from: Option<String>,
    /// RFC 3339 time, exclusive.
    pub to: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl AuditParams {
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let mut errors = FieldErrors::new();
        let mut time =
            |field: &str, text: &Option<String>| match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => None,
                Some(t) => {
                    let parsed = Timestamp::parse_rfc3339(t);
                    if parsed.is_none() {
                        errors.add(field, "must be an RFC 3339 time such as 2026-11-21T08:00:00Z");
                    }
                    parsed
                }
            };
        let from = time("from", &self.from);
        let to = time("to", &self.to);
        for (field, value) in [("actor_id", &self.actor_id), ("target_id", &self.target_id)] {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty())
                && v.trim().parse::<i64>().is_err()
            {
                errors.add(field, "is not a valid id");
            }
        }
        errors.into_result()?;
        Ok(AuditFilter {
            action: self.action.clone(),
            actor_id: self.actor_id.clone(),
            target_kind: self.target_kind.clone(),
            target_id: self.target_id.clone(),
            from,
            to,
        })
    }
}

/// Browse the audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_audit(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AuditParams>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let page = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.request()?;
    Ok(Json(s.app.audit_list(&actor, &params.filter()?, &page).await?))
}

/// Export the (filtered) audit log as CSV. The export is itself recorded in the log.
#[utoipa::path(get, path = "/audit/export.csv", tag = "audit", params(AuditParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)))]
async fn export_audit(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let export = s.app.audit_export(&actor, &params.filter()?).await?;
    let disposition = format!("attachment; filename=\"{}\"", export.file_name);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        export.csv,
    )
        .into_response())
}
