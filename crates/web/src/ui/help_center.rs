//! The public help center (docs/help-center.md): `/help/{account}` with its categories, articles
//! and search, readable without signing in, in zh-CN or en, without JavaScript. The app's
//! `help_*` functions decide what is public (published content only); these handlers choose the
//! language, render, and set short browser-cache headers.

use super::ctx::Ctx;
use super::help_pages::{ArticlePage, CategoryPage, ErrorPage, Frame, HomePage, SearchPage, article_path};
use crate::WebState;
use crate::auth;
use crate::i18n::Tr;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_app::AppError;
use switchboard_domain::values::Locale;

/// Seconds a browser may reuse a help-center page without asking again.
const PAGE_MAX_AGE: u32 = 60;
const YEAR_SECONDS: i64 = 365 * 24 * 3600;

/// The query string of every help-center page; unknown parameters are ignored.
#[derive(Debug, Default, Deserialize)]
pub(super) struct HelpQuery {
    /// `zh-CN` or `en`: switches the language and remembers it in a cookie.
    lang: Option<String>,
    /// The search query (search page only).
    q: Option<String>,
    /// `thanks` after a "was this helpful?" answer (article page only).
    feedback: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct FeedbackForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    /// `yes` or `no`.
    helpful: Option<String>,
}

/// The reader's language for one request: `?lang=`, else the remembered choice, else the
/// browser's `Accept-Language`; none of them: the account's default (decided by the app).
struct Language {
    preferred: Option<Locale>,
    /// Set when `?lang=` chose it: remember it on this browser.
    remember: Option<Locale>,
}

fn language(query: &HelpQuery, headers: &HeaderMap) -> Language {
    if let Some(locale) = query.lang.as_deref().and_then(|l| Locale::parse(l).ok()) {
        return Language { preferred: Some(locale), remember: Some(locale) };
    }
    let remembered = auth::cookie(headers, super::ctx::LOCALE_COOKIE).and_then(|v| Locale::parse(v).ok());
    let browser =
        || headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language);
    Language { preferred: remembered.or_else(browser), remember: None }
}

/// The answer to a malformed query string: 400 in the reader's language.
fn bad_query(c: &Ctx, headers: &HeaderMap) -> Response {
    let lang = language(&HelpQuery::default(), headers);
    error_page(c, Tr::new(lang.preferred.unwrap_or_default()), AppError::BadRequest(String::new()))
}

/// Renders a page for the browser cache and remembers a language chosen with `?lang=`.
fn finish<T: askama::Template>(c: &Ctx, lang: &Language, status: StatusCode, page: &T) -> Response {
    let mut response = c.render_public(status, page, PAGE_MAX_AGE);
    if let Some(locale) = lang.remember {
        c.set_cookie(&mut response, super::ctx::LOCALE_COOKIE, locale.code(), Some(YEAR_SECONDS), true);
    }
    response
}

/// The help center's own error page (404 for anything unknown or unpublished, never a 500 body
/// with details).
fn error_page(c: &Ctx, t: Tr, error: AppError) -> Response {
    let (status, title, message) = match &error {
        AppError::NotFound => (StatusCode::NOT_FOUND, "help.not_found_title", "help.not_found_text"),
        AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "help.bad_request_title", "help.query_too_long"),
        AppError::BadRequest(_) | AppError::TooLarge { .. } => {
            (StatusCode::BAD_REQUEST, "help.bad_request_title", "help.bad_request_text")
        }
        other => {
            tracing::error!(error = %other, "a help-center page failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "help.error_title", "help.error_text")
        }
    };
    let page = ErrorPage {
        t,
        f: Frame::bare(t, t.t(title).to_string()),
        status: status.as_u16(),
        title: t.t(title),
        message: t.t(message),
    };
    let mut response = c.render(status, &page);
    response.headers_mut().insert(header::VARY, axum::http::HeaderValue::from_static("Cookie, Accept-Language"));
    response
}

/// The page for an error of the app, in the language the reader asked for.
fn failed(c: &Ctx, lang: &Language, error: AppError) -> Response {
    error_page(c, Tr::new(lang.preferred.unwrap_or_default()), error)
}

pub(super) async fn home(
    State(state): State<WebState>,
    c: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<HelpQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_query(&c, &headers);
    };
    let lang = language(&query, &headers);
    match state.app.help_center_home(&slug, lang.preferred).await {
        Ok(home) => {
            let t = Tr::new(home.account.locale);
            let page = HomePage::new(t, &state, home);
            finish(&c, &lang, StatusCode::OK, &page)
        }
        Err(error) => failed(&c, &lang, error),
    }
}

pub(super) async fn category(
    State(state): State<WebState>,
    c: Ctx,
    Path((slug, key)): Path<(String, String)>,
    query: Result<Query<HelpQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_query(&c, &headers);
    };
    let lang = language(&query, &headers);
    match state.app.help_category(&slug, &key, lang.preferred).await {
        Ok(found) => {
            let t = Tr::new(found.account.locale);
            let page = CategoryPage::new(t, &state, found);
            finish(&c, &lang, StatusCode::OK, &page)
        }
        Err(error) => failed(&c, &lang, error),
    }
}

/// An article. Each page load served (not `HEAD`, not the thank-you view after an answer) counts
/// one view; a copy the browser reuses from its cache does not.
pub(super) async fn article(
    State(state): State<WebState>,
    c: Ctx,
    method: Method,
    Path((slug, article_slug)): Path<(String, String)>,
    query: Result<Query<HelpQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_query(&c, &headers);
    };
    let lang = language(&query, &headers);
    let found = match state.app.help_article(&slug, &article_slug, lang.preferred).await {
        Ok(found) => found,
        Err(error) => return failed(&c, &lang, error),
    };
    let thanks = query.feedback.as_deref() == Some("thanks");
    if method == Method::GET
        && !thanks
        && let Err(error) = state.app.help_article_viewed(&slug, &article_slug).await
    {
        // A lost view is not worth a failed page.
        tracing::warn!(%error, "a help-center view was not counted");
    }
    let t = Tr::new(found.account.locale);
    let page = ArticlePage::new(t, &state, found, c.anonymous_token().to_string(), thanks);
    finish(&c, &lang, StatusCode::OK, &page)
}

/// "Was this helpful?": a plain form post (the double-submit token is checked by the middleware
/// and again here), counted, then back to the article with a thank-you.
pub(super) async fn feedback(
    State(state): State<WebState>,
    c: Ctx,
    Path((slug, article_slug)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<Form<FeedbackForm>, FormRejection>,
) -> Response {
    let lang = language(&HelpQuery::default(), &headers);
    let t = Tr::new(lang.preferred.unwrap_or_default());
    let Ok(Form(form)) = form else {
        return error_page(&c, t, AppError::BadRequest(String::new()));
    };
    if !form.csrf.as_deref().is_some_and(|sent| c.anonymous_token_matches(sent)) {
        return (StatusCode::FORBIDDEN, "missing or wrong form token; reload the page and try again").into_response();
    }
    let helpful = match form.helpful.as_deref() {
        Some("yes") => true,
        Some("no") => false,
        _ => return error_page(&c, t, AppError::BadRequest(String::new())),
    };
    match state.app.help_article_feedback(&slug, &article_slug, helpful).await {
        Ok(()) => {
            Redirect::to(&format!("{}?feedback=thanks#feedback", article_path(&slug, &article_slug))).into_response()
        }
        Err(error) => failed(&c, &lang, error),
    }
}

pub(super) async fn search(
    State(state): State<WebState>,
    c: Ctx,
    Path(slug): Path<String>,
    query: Result<Query<HelpQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_query(&c, &headers);
    };
    let lang = language(&query, &headers);
    let q = query.q.clone().unwrap_or_default();
    match state.app.help_search(&slug, &q, lang.preferred).await {
        Ok(results) => {
            let t = Tr::new(results.account.locale);
            let page = SearchPage::new(t, &state, results, None);
            finish(&c, &lang, StatusCode::OK, &page)
        }
        Err(AppError::Validation(_)) => {
            // Too long: the search page again, with the query cut and the reason beside the box.
            match state.app.help_search(&slug, "", lang.preferred).await {
                Ok(mut empty) => {
                    let t = Tr::new(empty.account.locale);
                    empty.query = q.trim().chars().take(switchboard_app::HELP_QUERY_MAX_CHARS).collect();
                    let page = SearchPage::new(t, &state, empty, Some(t.t("help.query_too_long")));
                    finish(&c, &lang, StatusCode::UNPROCESSABLE_ENTITY, &page)
                }
                Err(error) => failed(&c, &lang, error),
            }
        }
        Err(error) => failed(&c, &lang, error),
    }
}

/// The language switch: this page in the other language (`?lang=`), keeping the search query.
pub(super) fn switch_href(path: &str, query: Option<&str>, to: Locale) -> String {
    let mut params = form_urlencoded::Serializer::new(String::new());
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        params.append_pair("q", q);
    }
    params.append_pair("lang", to.code());
    format!("{path}?{}", params.finish())
}
