//! The REST API under `/api/v1`. Every handler is annotated for OpenAPI and registered through
//! `OpenApiRouter`, so the document at `/api/v1/openapi.json` is generated from the routes themselves.

mod account;
mod assist;
mod audit;
mod bot;
mod channels;
pub(crate) mod contacts;
mod conversations;
mod kb;
mod me;
pub mod reference;
mod roles;
mod routing;
mod search;
mod teams;
mod tokens;
mod users;

use crate::WebState;
use crate::error::ErrorBody;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;
use switchboard_app::PageRequest;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "REST API of Switchboard, the self-hosted omnichannel customer-service platform.\n\n\
            Authenticate with an API token: `Authorization: Bearer sbt_…` (create one under Settings → API tokens \
            or with `switchboard token create`). Browser sessions also work; their unsafe requests need the \
            `X-CSRF-Token` header.\n\nLists are paginated with `limit` (1–200, default 50) and the opaque \
            `cursor` from the previous page's `next_cursor`. Errors are `{\"error\": {\"code\", \"message\", \
            \"fields\", \"request_id\"}}` with a stable `code`; another account's objects answer 404.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/", description = "this server")),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// Every API route, with its OpenAPI description.
pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(
        "/api/v1",
        OpenApiRouter::new()
            .merge(account::router())
            .merge(me::router())
            .merge(users::router())
            .merge(teams::router())
            .merge(roles::router())
            .merge(tokens::router())
            .merge(audit::router())
            .merge(conversations::router())
            .merge(channels::router())
            .merge(assist::router())
            .merge(contacts::router())
            .merge(routing::router())
            .merge(kb::router())
            .merge(bot::router())
            .merge(search::router()),
    )
}

/// Adds the security schemes and applies them to every operation.
pub fn finish_document(mut doc: OpenApiDoc) -> OpenApiDoc {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("sbt_…").build()),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::SESSION_COOKIE))),
    );
    let requirement = |name: &str| utoipa::openapi::security::SecurityRequirement::new(name, Vec::<String>::new());
    doc.security = Some(vec![requirement("bearer"), requirement("session")]);
    doc
}

/// `/api/v1/openapi.json` and the reference page `/api/docs`.
pub fn docs_router(doc: Arc<OpenApiDoc>) -> Router<WebState> {
    let json_doc = doc.clone();
    Router::new()
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = json_doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/api/docs", get(move |state| reference::page(state, doc.clone())))
}

/// `?limit=&cursor=` of list endpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn request(&self) -> Result<PageRequest, crate::ApiError> {
        let limit = match self.limit.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (1..=PageRequest::MAX_LIMIT).contains(&n) => Some(n),
                _ => {
                    return Err(
                        switchboard_app::AppError::field("limit", "must be a whole number from 1 to 200").into()
                    );
                }
            },
        };
        Ok(PageRequest { cursor: self.cursor.clone(), limit })
    }
}

/// Parses an id from the path; a malformed id is simply not found.
pub fn path_id<T: std::str::FromStr>(text: &str) -> Result<T, crate::ApiError> {
    text.parse::<T>().map_err(|_| switchboard_app::AppError::NotFound.into())
}

/// Query parameters arrive as text and are checked here, so a bad one is a 422 naming it.
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Query<T> {
    type Rejection = crate::ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, crate::ApiError> {
        let text = parts.uri.query().unwrap_or("");
        let pairs: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
            .collect();
        let value = serde_json::Value::Object(pairs);
        serde_path_to_error::deserialize(value).map(Query).map_err(|e| {
            let field = e.path().to_string();
            switchboard_domain::FieldErrors::single(
                if field == "." { "query".into() } else { field },
                e.inner().to_string(),
            )
            .into()
        })
    }
}
