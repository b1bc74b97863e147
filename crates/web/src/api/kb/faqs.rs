use super::{Filters, text, version_number};
use crate::WebState;
use crate::api::{PageParams, Query, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, JsonBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_app::{AppError, FaqFilter, FaqFormat, Page};
use switchboard_domain::FaqId;
use switchboard_domain::kb::{Faq, ImportReport, KbVersion};
use switchboard_domain::kb_requests::FaqInput;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_faqs, create_faq))
        .routes(routes!(import_faqs))
        .routes(routes!(export_faqs))
        .routes(routes!(get_faq, update_faq, delete_faq))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(restore_version))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FaqListParams {
    pub category_id: Option<String>,
    /// `draft`, `published` or `archived`.
    pub status: Option<String>,
    /// `zh-CN` or `en`.
    pub locale: Option<String>,
    /// Part of the question.
    pub q: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// List FAQ entries, oldest first, with filters.
#[utoipa::path(get, path = "/kb/faq", tag = "kb", params(FaqListParams),
    responses((status = 200, body = Page<Faq>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_faqs(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<FaqListParams>,
) -> Result<Json<Page<Faq>>, ApiError> {
    let page = PageParams { limit: params.limit.clone(), cursor: params.cursor.clone() }.request()?;
    let mut f = Filters::default();
    let filter = FaqFilter {
        category_id: f.id("category_id", &params.category_id),
        status: f.status(&params.status),
        locale: f.locale(&params.locale),
        query: text(&params.q),
    };
    f.finish()?;
    Ok(Json(s.app.list_kb_faqs(&actor, &filter, &page).await?))
}

/// Create a FAQ entry (published unless `status` says otherwise).
#[utoipa::path(post, path = "/kb/faq", tag = "kb", request_body = FaqInput,
    responses((status = 201, body = Faq), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_faq(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    JsonBody(input): JsonBody<FaqInput>,
) -> Result<(StatusCode, Json<Faq>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.app.create_kb_faq(&actor, &input).await?)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `jsonl` (default) or `csv`.
    pub format: Option<String>,
    /// `true`: check everything, write nothing.
    pub dry_run: Option<String>,
}

fn format(text: Option<&str>) -> Result<FaqFormat, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(FaqFormat::Jsonl),
        Some(t) => FaqFormat::parse(t).ok_or_else(|| AppError::field("format", "must be jsonl or csv").into()),
    }
}

/// Import FAQ entries from JSON Lines (`{"id","category","question","similar":[],"answer","lang"}` per
/// line) or CSV (`id,category,question,similar,answer,lang`, similar joined with `|`). Entries are
/// matched by `id` (their external id): re-importing updates them. Bad lines are reported with
/// their numbers; the good ones are imported, each completely or not at all.
#[utoipa::path(post, path = "/kb/faq/import", tag = "kb", params(ImportParams),
    request_body(content = String, content_type = "application/jsonl"),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_faqs(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<ImportParams>,
    request: Request,
) -> Result<Json<ImportReport>, ApiError> {
    let format = format(params.format.as_deref())?;
    let dry_run = match params.dry_run.as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => return Err(AppError::field("dry_run", "must be true or false").into()),
    };
    let bytes = Bytes::from_request(request, &s).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            AppError::BadRequest(rejection.body_text()).into()
        }
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| AppError::BadRequest("the body is not UTF-8 text".into()))?;
    let report = s.app.import_kb_faqs(&actor, text, format, dry_run, &mut |_, _| {}).await?;
    Ok(Json(report))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `jsonl` (default) or `csv`.
    pub format: Option<String>,
}

/// Export every FAQ entry as JSON Lines or CSV (the import formats). The export is audited.
#[utoipa::path(get, path = "/kb/faq/export", tag = "kb", params(ExportParams),
    responses((status = 200, content_type = "application/jsonl", body = String), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_faqs(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let export = s.app.export_kb_faqs(&actor, format(params.format.as_deref())?).await?;
    let disposition = format!("attachment; filename=\"{}\"", export.file_name);
    Ok((
        [(header::CONTENT_TYPE, export.content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)],
        export.body,
    )
        .into_response())
}

/// One FAQ entry.
#[utoipa::path(get, path = "/kb/faq/{id}", tag = "kb", params(("id" = String, Path)),
    responses((status = 200, body = Faq), (status = 404, body = ErrorBody)))]
async fn get_faq(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Faq>, ApiError> {
    Ok(Json(s.app.get_kb_faq(&actor, path_id::<FaqId>(&id)?).await?))
}

/// Change a FAQ entry; a change of content saves a new version.
#[utoipa::path(patch, path = "/kb/faq/{id}", tag = "kb", params(("id" = String, Path)), request_body = FaqInput,
    responses((status = 200, body = Faq), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_faq(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<FaqInput>,
) -> Result<Json<Faq>, ApiError> {
    Ok(Json(s.app.update_kb_faq(&actor, path_id::<FaqId>(&id)?, &input).await?))
}

/// Delete a FAQ entry and its versions.
#[utoipa::path(delete, path = "/kb/faq/{id}", tag = "kb", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_faq(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.app.delete_kb_faq(&actor, path_id::<FaqId>(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The entry's saved versions, newest first.
#[utoipa::path(get, path = "/kb/faq/{id}/versions", tag = "kb", params(("id" = String, Path), PageParams),
    responses((status = 200, body = Page<KbVersion>), (status = 404, body = ErrorBody)))]
async fn list_versions(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<Page<KbVersion>>, ApiError> {
    let id = path_id::<FaqId>(&id)?;
    Ok(Json(s.app.list_kb_faq_versions(&actor, id, &params.request()?).await?))
}

/// One saved version of the entry.
#[utoipa::path(get, path = "/kb/faq/{id}/versions/{version}", tag = "kb",
    params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = KbVersion), (status = 404, body = ErrorBody)))]
async fn get_version(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<KbVersion>, ApiError> {
    let id = path_id::<FaqId>(&id)?;
    Ok(Json(s.app.get_kb_faq_version(&actor, id, version_number(&version)?).await?))
}

/// Make a saved version's content current again (itself saved as a new version).
#[utoipa::path(post, path = "/kb/faq/{id}/versions/{version}/restore", tag = "kb",
    params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = Faq), (status = 404, body = ErrorBody)))]
async fn restore_version(
    State(s): State<WebState>,
    ApiActor(actor): ApiActor,
    Path((id, version)): Path<(String, String)>,
) -> Result<Json<Faq>, ApiError> {
    let id = path_id::<FaqId>(&id)?;
    Ok(Json(s.app.restore_kb_faq_version(&actor, id, version_number(&version)?).await?))
}
