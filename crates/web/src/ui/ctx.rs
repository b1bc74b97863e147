//! What every page needs: the request's language, the signed-in actor and its CSRF token, the
//! flash message, the page chrome (header, navigation), cookies, redirects and error pages.

use crate::WebState;
use crate::assets::asset_url;
use crate::auth::{self, Authenticated, ClientInfo};
use crate::i18n::Tr;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use switchboard_app::{Actor, AppError};
use switchboard_domain::permissions::Permission;
use switchboard_domain::values::Locale;

/// The language chosen on this browser, for pages before sign-in.
pub const LOCALE_COOKIE: &str = "sb_locale";
/// A catalogue key (`flash.*`) shown once on the next page.
pub const FLASH_COOKIE: &str = "sb_flash";
const YEAR_SECONDS: i64 = 365 * 24 * 3600;

/// The context of one UI request. Extracting it never fails.
#[derive(Clone)]
pub struct Ctx {
    pub t: Tr,
    /// The signed-in user (cookie sessions only: API tokens do not browse the UI).
    pub actor: Option<Actor>,
    csrf: Option<String>,
    pub client: ClientInfo,
    /// Path and query of this request.
    pub here: String,
    flash: Option<String>,
    /// The double-submit token of anonymous forms (the `sb_pre` cookie).
    pre: String,
    pre_is_new: bool,
    secure_cookies: bool,
}

/// A catalogue key a flash cookie may name: `flash.*`, or `<area>.flash.*` in an area's own block.
fn is_flash_key(key: &str) -> bool {
    key.starts_with("flash.") || key.split_once('.').is_some_and(|(_, rest)| rest.starts_with("flash."))
}

fn valid_token(text: &str) -> bool {
    (16..=128).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn fresh_token() -> String {
    let bytes: [u8; 24] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The page language: the user's own, else the browser's choice (cookie), else its
/// `Accept-Language`, else English.
fn page_locale(parts: &Parts, actor: Option<&Actor>) -> Locale {
    if let Some(actor) = actor {
        return actor.locale;
    }
    if let Some(locale) = auth::cookie(&parts.headers, LOCALE_COOKIE).and_then(|v| Locale::parse(v).ok()) {
        return locale;
    }
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or(Locale::En)
}

impl FromRequestParts<WebState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let (actor, csrf) = match parts.extensions.get::<Authenticated>() {
            Some(Authenticated { actor, csrf_token: Some(csrf) }) => (Some(actor.clone()), Some(csrf.clone())),
            _ => (None, None),
        };
        let t = Tr::new(page_locale(parts, actor.as_ref()));
        let flash = auth::cookie(&parts.headers, FLASH_COOKIE)
            .filter(|key| is_flash_key(key) && t.t(key) != *key)
            .map(|key| t.t(key).to_string());
        let existing =
            auth::cookie(&parts.headers, auth::PRE_SESSION_COOKIE).filter(|v| valid_token(v)).map(str::to_string);
        let pre_is_new = existing.is_none();
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        Ok(Ctx {
            t,
            actor,
            csrf,
            client: parts.extensions.get::<ClientInfo>().cloned().unwrap_or_default(),
            here,
            flash,
            pre: existing.unwrap_or_else(fresh_token),
            pre_is_new,
            secure_cookies: state.config.secure_cookies(),
        })
    }
}

/// A signed-in user's request; anyone else is sent to the sign-in page (and back here after).
pub struct Signed {
    pub c: Ctx,
    pub actor: Actor,
}

impl FromRequestParts<WebState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let Ok(c) = Ctx::from_request_parts(parts, state).await;
        match c.actor.clone() {
            Some(actor) => Ok(Signed { c, actor }),
            None if parts.method == Method::GET => Err(Redirect::to(&login_url(&c.here)).into_response()),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// `/login?next=<path>`.
pub fn login_url(next: &str) -> String {
    if next == "/" {
        return "/login".into();
    }
    format!("/login?next={}", form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>())
}

/// A local path to go to after a form: starts with one `/`, no scheme, no backslash, no control
/// characters. Anything else is `/`.
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() <= 2000
        && !next.chars().any(char::is_control);
    if ok { next.to_string() } else { "/".into() }
}

/// One entry of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub icon: &'static str,
    pub active: bool,
}

/// The page frame: header, navigation, language switch, flash message.
pub struct Chrome {
    pub signed_in: bool,
    pub user_name: String,
    /// The first letter of the name, for the avatar.
    pub initial: String,
    /// The token for the forms of this page: the session's, or the anonymous double-submit one.
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
    /// This page's path, sent with the language switch.
    pub here: String,
    pub other_locale: &'static str,
    pub other_locale_label: &'static str,
    /// Versioned URLs of the static files.
    pub css_url: String,
    pub js_url: String,
    pub favicon_url: String,
    /// Set when the page loads htmx.
    pub htmx_url: Option<String>,
    /// The page's own style sheet and ES module, when it has them.
    pub page_css_url: Option<String>,
    pub module_url: Option<String>,
}

const ICON_HOME: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 11l9-7 9 7v9a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z"/></svg>"#;
const ICON_INBOX: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 13l3-8h12l3 8v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z"/><path d="M3 13h5l1 3h6l1-3h5"/></svg>"#;
const ICON_TICKET: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 6h16v4a2 2 0 0 0 0 4v4H4v-4a2 2 0 0 0 0-4z"/><path d="M14 6v12"/></svg>"#;
const ICON_BOOK: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5a2 2 0 0 1 2-2h13v16H6a2 2 0 0 0-2 2z"/><path d="M4 19V5"/></svg>"#;
const ICON_PEOPLE: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0"/><path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6.5 6.5 0 0 1 3.5 6"/></svg>"#;
const ICON_CHART: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 20V4M4 20h16"/><path d="M8 16v-5M12 16V8M16 16v-8"/></svg>"#;
const ICON_QUEUE: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 6h10M4 12h16M4 18h7"/><circle cx="18" cy="6" r="2"/><circle cx="15" cy="18" r="2"/></svg>"#;
const ICON_GEAR: &str = r#"<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="3"/><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1"/></svg>"#;

impl Ctx {
    pub fn signed_in(&self) -> bool {
        self.actor.is_some()
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.actor.as_ref().is_some_and(|a| a.can(permission))
    }

    /// The actor's time zone, for showing times (UTC before sign-in).
    pub fn time_zone(&self) -> &str {
        self.actor.as_ref().map(|a| a.time_zone.as_str()).unwrap_or("UTC")
    }

    /// The frame of a page in `section` (`home`, `inbox`, ..., `settings`).
    pub fn chrome(&self, section: &str) -> Chrome {
        let t = self.t;
        let items: [(&'static str, &'static str, &'static str, &str); 7] = [
            ("/", t.t("nav.home"), ICON_HOME, "home"),
            ("/inbox", t.t("nav.inbox"), ICON_INBOX, "inbox"),
            ("/tickets", t.t("nav.tickets"), ICON_TICKET, "tickets"),
            ("/kb", t.t("nav.kb"), ICON_BOOK, "kb"),
            ("/customers", t.t("nav.customers"), ICON_PEOPLE, "customers"),
            ("/reports", t.t("nav.reports"), ICON_CHART, "reports"),
            ("/settings", t.t("nav.settings"), ICON_GEAR, "settings"),
        ];
        let nav = if self.signed_in() {
            let mut nav: Vec<NavItem> = items
                .into_iter()
                .filter(|(_, _, _, id)| *id != "kb" || self.can(Permission::KbRead))
                .map(|(href, label, icon, id)| NavItem { href, label, icon, active: id == section })
                .collect();
            if self.can(Permission::RoutingMonitor) || self.can(Permission::RoutingManage) {
                let board = NavItem {
                    href: "/routing/board",
                    label: t.t("rt.nav"),
                    icon: ICON_QUEUE,
                    active: section == "routing",
                };
                nav.insert(nav.len() - 1, board);
            }
            nav
        } else {
            Vec::new()
        };
        let other = t.other();
        Chrome {
            signed_in: self.signed_in(),
            user_name: self.actor.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            initial: self
                .actor
                .as_ref()
                .and_then(|a| a.name.chars().next())
                .map(|ch| ch.to_uppercase().collect())
                .unwrap_or_default(),
            csrf: self.csrf.clone().unwrap_or_else(|| self.pre.clone()),
            nav,
            flash: self.flash.clone(),
            here: self.here.clone(),
            other_locale: other.code(),
            other_locale_label: locale_name(other),
            css_url: asset_url("app.css"),
            js_url: asset_url("app.js"),
            favicon_url: "/favicon.ico".into(),
            htmx_url: None,
            page_css_url: None,
            module_url: None,
        }
    }

    /// The chrome of a page that loads htmx (filters that refresh as one types).
    pub fn chrome_htmx(&self, section: &str) -> Chrome {
        Chrome { htmx_url: Some(asset_url("htmx-2.0.4.min.js")), ..self.chrome(section) }
    }

    /// Renders a page. Shown flash messages are cleared; anonymous pages get their `sb_pre`
    /// cookie; nothing is cached (pages show personal data and CSRF tokens).
    pub fn render<T: Template>(&self, status: StatusCode, page: &T) -> Response {
        let html = match page.render() {
            Ok(html) => html,
            Err(error) => {
                tracing::error!(%error, "a page did not render");
                return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
            }
        };
        let mut response = (status, Html(html)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.flash.is_some() {
            self.set_cookie(&mut response, FLASH_COOKIE, "", Some(0), true);
        }
        if !self.signed_in() && self.pre_is_new {
            let pre = self.pre.clone();
            self.set_cookie(&mut response, auth::PRE_SESSION_COOKIE, &pre, None, true);
        }
        response
    }

    /// Renders a public page that shows no personal data (the help center): the browser may keep it
    /// `max_age` seconds. It varies by cookie (language, form token) and `Accept-Language`, so it is
    /// `private`: a shared cache must not hand one reader's form token to another. Errors stay `no-store`.
    pub fn render_public<T: Template>(&self, status: StatusCode, page: &T, max_age: u32) -> Response {
        let mut response = self.render(status, page);
        if response.status().is_success()
            && let Ok(value) = HeaderValue::from_str(&format!("private, max-age={max_age}"))
        {
            response.headers_mut().insert(header::CACHE_CONTROL, value);
        }
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
        response
    }

    /// The token of anonymous forms (`_csrf`), equal to the `sb_pre` cookie this page sets or had.
    pub fn anonymous_token(&self) -> &str {
        &self.pre
    }

    /// True when `sent` is the `sb_pre` cookie the browser sent (the double-submit check).
    pub fn anonymous_token_matches(&self, sent: &str) -> bool {
        // Constant time, like the middleware's check.
        !self.pre_is_new
            && sent.len() == self.pre.len()
            && sent.bytes().zip(self.pre.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    /// Appends a `Set-Cookie` (Path=/, SameSite=Lax, Secure behind https).
    pub fn set_cookie(&self, response: &mut Response, name: &str, value: &str, max_age: Option<i64>, http_only: bool) {
        let mut text = format!("{name}={value}; Path=/; SameSite=Lax");
        if let Some(seconds) = max_age {
            text.push_str(&format!("; Max-Age={seconds}"));
        }
        if http_only {
            text.push_str("; HttpOnly");
        }
        if self.secure_cookies {
            text.push_str("; Secure");
        }
        if let Ok(value) = HeaderValue::from_str(&text) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }

    /// Remembers the language on this browser for a year.
    pub fn set_locale_cookie(&self, response: &mut Response, locale: Locale) {
        self.set_cookie(response, LOCALE_COOKIE, locale.code(), Some(YEAR_SECONDS), true);
    }

    /// 303 to `location`, showing the flash message `key` (`flash.*` or `<area>.flash.*`) there.
    pub fn done(&self, location: &str, key: &'static str) -> Response {
        let mut response = Redirect::to(location).into_response();
        self.set_cookie(&mut response, FLASH_COOKIE, key, Some(60), true);
        response
    }

    /// The page for an error a service answered.
    pub fn fail(&self, error: AppError) -> Fail {
        Fail(Box::new(self.error_page(error)))
    }

    fn error_page(&self, error: AppError) -> Response {
        let t = self.t;
        let (status, title, message) = match &error {
            AppError::Forbidden(_) => {
                (StatusCode::FORBIDDEN, t.t("error.forbidden_title"), t.t("error.forbidden_text").to_string())
            }
            AppError::NotFound => {
                (StatusCode::NOT_FOUND, t.t("error.not_found_title"), t.t("error.not_found_text").to_string())
            }
            AppError::Unauthenticated => return Redirect::to(&login_url(&self.here)).into_response(),
            AppError::Throttled { retry_after_seconds } => (
                StatusCode::TOO_MANY_REQUESTS,
                t.t("error.throttled_title"),
                t.t("error.throttled_text").replace("{n}", &super::forms::minutes(*retry_after_seconds).to_string()),
            ),
            AppError::Validation(fields) | AppError::Conflict(fields) => {
                let status = if matches!(error, AppError::Conflict(_)) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                let text = fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", super::forms::message(t, v)))
                    .collect::<Vec<_>>()
                    .join("; ");
                (status, t.t("error.invalid_title"), text)
            }
            AppError::BadRequest(text) => (StatusCode::BAD_REQUEST, t.t("error.invalid_title"), text.clone()),
            AppError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, t.t("error.invalid_title"), error.to_string()),
            AppError::Busy => {
                (StatusCode::SERVICE_UNAVAILABLE, t.t("error.internal_title"), t.t("error.internal_text").to_string())
            }
            AppError::InvalidCredentials => return Redirect::to("/login").into_response(),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, t.t("error.internal_title"), t.t("error.internal_text").to_string())
            }
        };
        let page = ErrorPage {
            t,
            c: self.chrome(""),
            status: status.as_u16(),
            title,
            message,
            request_id: crate::request_id::current(),
        };
        self.render(status, &page)
    }

    pub fn not_found(&self) -> Fail {
        self.fail(AppError::NotFound)
    }
}

/// An error page (or redirect) that ends a handler early; boxed, as responses are large.
pub struct Fail(Box<Response>);

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// Turns a service's error into its error page, so handlers can use `?`.
pub trait OrPage<T> {
    fn or_page(self, c: &Ctx) -> Result<T, Fail>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self, c: &Ctx) -> Result<T, Fail> {
        self.map_err(|e| c.fail(e))
    }
}

/// What a UI handler answers: a page or redirect, or an error page.
pub type UiResult = Result<Response, Fail>;

pub fn locale_name(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => "中文",
        Locale::En => "English",
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: Tr,
    pub c: Chrome,
    pub status: u16,
    pub title: &'static str,
    pub message: String,
    pub request_id: Option<String>,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    pub css_url: String,
    pub favicon_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next("/settings/users?q=a"), "/settings/users?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "evil", "", "/a\nb"] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(login_url("/settings?x=1&y=2"), "/login?next=%2Fsettings%3Fx%3D1%26y%3D2");
    }

    #[test]
    fn tokens_are_checked_before_they_are_echoed() {
        assert!(valid_token(&fresh_token()));
        assert!(!valid_token("short"));
        assert!(!valid_token("\"><script>alert(1)</script>aaaaaaaa"));
    }
}
