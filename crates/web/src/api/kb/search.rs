use super::{Filters, text};
use crate::WebState;
use crate::api::Query;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiActor;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchboard_app::KbSearch;
use switchboard_domain::kb::SearchHit;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for, in any language (Chinese is segmented into words).
    pub q: Option<String>,
    /// `article` or `faq` (default: both).
    pub kind: Option<String>,
    /// `zh-CN` or `en`.
    pub locale: Option<String>,
    /// `draft`, `published` or `archived` (default: drafts and published).
    pub status: Option<String>,
    /// Hits to return, 1–50 (default 10).
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub data: Vec<SearchHit>,
}

/// Search articles and FAQ entries: ranked hits (BM25, the same on every database) with snippets.
#[utoipa::path(get, path = "/kb/search", tag = "kb", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let mut f = Filters::default();
    let locale = f.locale(&params.locale);
    let status = f.status(&params.status);
    let limit = match text(&params.limit) {
        None => None,
        Some(t) => match t.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return Err(switchboard_app::AppError::field("limit", "must be a whole number from 1 to 50").into());
            }
        },
    };
    f.finish()?;
    let request = KbSearch { query: params.q.unwrap_or_default(), kind: text(&params.kind), locale, status, limit };
    Ok(Json(SearchResults { data: s.app.search_kb(&actor, &request).await? }))
}
