use super::{Filters, text, version_number};
use crate::WebState;
use crate::api::{PageParams, Query, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_app::{ArticleFilter, Page};
use switchboard_domain::ArticleId;
use switchboard_domain::kb::{Article, KbStatus, KbVersion};
use switchboard_domain::kb_requests::{ArticleInput, FeedbackInput};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, update_article, delete_article))
        .routes(routes!(publish_article))
        .routes(routes!(archive_article))
        .routes(routes!(article_feedback))
        .routes(routes!(article_view))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(restore_version))
        .routes(routes!(preview_article))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListParams {
    pub category_id: Option<String>,
    /// `draft`, `published` or `archived`.
    pub status: Option<String>,
    /// `zh-CN` or `en`.
    pub locale: Option<String>,
    /// One tag, exactly.
    pub tag: Option<String>,
    /// Part of the title.
    pub q: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// List articles, oldest first, with filters.
#[utoipa::path(get, path = "/kb/articles", tag = "kb", params(ArticleListParams),
    responses((status = 200, body = Page<Article>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_articles(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<ArticleListParams>,
) -> Result<Json<Page<Article>>, ApiError> {
    let page = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.request()?;
    let mut f = Filters::default();
    let filter = ArticleFilter {
        category_id: f.id("category_id", &params.category_id),
        status: f.status(&params.status),
        locale: f.locale(&params.locale),
        tag: text(&params.tag),
        query: text(&params.q),
    };
    f.finish()?;
    Ok(Json(s.app.list_kb_articles(&actor, &filter, &page).await?))
}

/// Create an article (a draft). The Markdown body is rendered and sanitized into `body_html`.
#[utoipa::path(post, path = "/kb/articles", tag = "kb", request_body = ArticleInput,
    responses((status = 201, body = Article), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_article(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<ArticleInput>,
) -> Result<(StatusCode, Json<Article>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_kb_article(&actor, &input).await?)))
}

/// One article.
#[utoipa::path(get, path = "/kb/articles/{id}", tag = "kb", params(("id" = String, Path)),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
async fn get_article(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Article>, ApiError> {
    Ok(Json(s.app.get_kb_article(&actor, path_id::<ArticleId>(&id)?).await?))
}

/// Change an article; a change of content saves a new version.
#[utoipa::path(patch, path = "/kb/articles/{id}", tag = "kb", params(("id" = String, Path)), request_body = ArticleInput,
    responses((status = 200, body = Article), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_article(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ArticleInput>,
) -> Result<Json<Article>, ApiError> {
    Ok(Json(s.app.update_kb_article(&actor, path_id::<ArticleId>(&id)?, &input).await?))
}

/// Delete an article and its versions.
#[utoipa::path(delete, path = "/kb/articles/{id}", tag = "kb", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_article(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_kb_article(&actor, path_id::<ArticleId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publish an article.
#[utoipa::path(post, path = "/kb/articles/{id}/publish", tag = "kb", params(("id" = String, Path)),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
async fn publish_article(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Article>, ApiError> {
    Ok(Json(s.app.set_kb_article_status(&actor, path_id::<ArticleId>(&id)?, KbStatus::Published).await?))
}

/// Archive an article (hidden from customers and default searches; kept with its versions).
#[utoipa::path(post, path = "/kb/articles/{id}/archive", tag = "kb", params(("id" = String, Path)),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
async fn archive_article(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Article>, ApiError> {
    Ok(Json(s.app.set_kb_article_status(&actor, path_id::<ArticleId>(&id)?, KbStatus::Archived).await?))
}

/// Record a "was this helpful?" vote.
#[utoipa::path(post, path = "/kb/articles/{id}/feedback", tag = "kb", params(("id" = String, Path)), request_body = FeedbackInput,
    responses((status = 200, body = Article), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn article_feedback(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<FeedbackInput>,
) -> Result<Json<Article>, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    let helpful = input.helpful.ok_or_else(|| switchboard_app::AppError::field("helpful", "is required"))?;
    Ok(Json(s.app.kb_article_feedback(&actor, id, helpful).await?))
}

/// Count one view of an article (reading it through the API does not count).
#[utoipa::path(post, path = "/kb/articles/{id}/view", tag = "kb", params(("id" = String, Path)),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
async fn article_view(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Article>, ApiError> {
    Ok(Json(s.app.kb_article_viewed(&actor, path_id::<ArticleId>(&id)?).await?))
}

/// The article's saved versions, newest first.
#[utoipa::path(get, path = "/kb/articles/{id}/versions", tag = "kb", params(("id" = String, Path), PageParams),
    responses((status = 200, body = Page<KbVersion>), (status = 404, body = ErrorBody)))]
async fn list_versions(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<Page<KbVersion>>, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    Ok(Json(s.app.list_kb_article_versions(&actor, id, &params.request()?).await?))
}

/// One saved version of the article.
#[utoipa::path(get, path = "/kb/articles/{id}/versions/{version}", tag = "kb",
    params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = KbVersion), (status = 404, body = ErrorBody)))]
async fn get_version(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<KbVersion>, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    Ok(Json(s.app.get_kb_article_version(&actor, id, version_number(&version)?).await?))
}

/// Make a saved version's content current again (itself saved as a new version).
#[utoipa::path(post, path = "/kb/articles/{id}/versions/{version}/restore", tag = "kb",
    params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn restore_version(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<Article>, ApiError> {
    let id = path_id::<ArticleId>(&id)?;
    Ok(Json(s.app.restore_kb_article_version(&actor, id, version_number(&version)?).await?))
}

/// A Markdown body to preview.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PreviewInput {
    /// Markdown, at most 100,000 characters.
    pub body: Option<String>,
}

/// The preview: the body as a saved article would show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOutput {
    /// Rendered and sanitized exactly like `Article.body_html` (no scripts, frames, event handlers
    /// or `javascript:` links).
    pub html: String,
}

/// Render a Markdown body as an article would show it, without saving anything (the editor's preview).
#[utoipa::path(post, path = "/kb/articles/preview", tag = "kb", request_body = PreviewInput,
    responses((status = 200, body = PreviewOutput), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn preview_article(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<PreviewInput>,
) -> Result<Json<PreviewOutput>, ApiError> {
    let html = s.app.preview_kb_article_body(&actor, input.body.as_deref().unwrap_or(""))?;
    Ok(Json(PreviewOutput { html }))
}
