//! The knowledge base under `/api/v1/kb`: categories, articles, FAQ entries, versions, search,
//! FAQ import and export.

mod articles;
mod categories;
mod faqs;
mod search;

use crate::WebState;
use crate::error::ApiError;
use switchboard_domain::FieldErrors;
use switchboard_domain::kb::KbStatus;
use switchboard_domain::values::Locale;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .merge(categories::router())
        .merge(articles::router())
        .merge(faqs::router())
        .merge(search::router())
}

/// Shared parsing of list filters: each bad value is a 422 naming its parameter.
#[derive(Default)]
pub(crate) struct Filters {
    errors: FieldErrors,
}

impl Filters {
    pub fn id<T: std::str::FromStr>(&mut self, field: &str, text: &Option<String>) -> Option<T> {
        let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        let parsed = text.parse::<T>().ok();
        if parsed.is_none() {
            self.errors.add(field, "is not a valid id");
        }
        parsed
    }
    pub fn status(&mut self, text: &Option<String>) -> Option<KbStatus> {
        let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        let parsed = KbStatus::parse(text);
        if parsed.is_none() {
            self.errors.add("status", "must be draft, published or archived");
        }
        parsed
    }
    pub fn locale(&mut self, text: &Option<String>) -> Option<Locale> {
        let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        self.errors.check("locale", Locale::parse(text))
    }
    pub fn finish(self) -> Result<(), ApiError> {
        Ok(self.errors.into_result()?)
    }
}

/// A version number from the path; anything else names nothing (404).
pub(crate) fn version_number(text: &str) -> Result<i64, ApiError> {
    text.trim().parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| switchboard_app::AppError::NotFound.into())
}

pub(crate) fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}
