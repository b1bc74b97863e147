//! Sign-in, sign-out, and the language switch.

use super::ctx::{Chrome, Ctx, OrPage, UiResult, safe_next};
use super::forms::{FormData, FormView, QueryData, field_errors, minutes};
use crate::WebState;
use crate::auth::SESSION_COOKIE;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use switchboard_app::{AppError, SignIn, SignedIn};
use switchboard_domain::requests::ProfileUpdateInput;
use switchboard_domain::values::Locale;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    c: Chrome,
    f: FormView,
    /// Shown when the server hosts several accounts.
    ask_account: bool,
    /// Wrong credentials or throttling, above the form.
    problem: Option<String>,
}

/// The account field is shown only when this server hosts several accounts: with one, the
/// sign-in needs no slug and the form stays as simple as it can be.
async fn several_accounts(state: &WebState) -> bool {
    state.app.account_count().await.map(|n| n > 1).unwrap_or(true)
}

pub async fn login_form(State(state): State<WebState>, c: Ctx, QueryData(q): QueryData) -> UiResult {
    if state.app.needs_setup().await.or_page(&c)? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let next = safe_next(&q.value("next"));
    if c.signed_in() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = LoginPage {
        t: c.t,
        c: c.chrome("login"),
        f: FormView::new().with("next", next),
        ask_account: several_accounts(&state).await,
        problem: None,
    };
    Ok(c.render(StatusCode::OK, &page))
}

/// Sets the session cookie (until the session's absolute end) and remembers the user's language.
pub fn start_session(c: &Ctx, response: &mut Response, signed: &SignedIn) {
    let now = switchboard_store::now_ms();
    let max_age = ((signed.expires_at.unix_ms() - now) / 1000).max(0);
    c.set_cookie(response, SESSION_COOKIE, &signed.session_secret, Some(max_age), true);
    c.set_locale_cookie(response, signed.user.locale);
}

pub async fn login(State(state): State<WebState>, c: Ctx, form: FormData) -> UiResult {
    let attempt = SignIn {
        account: form.value("account"),
        email: form.value("email"),
        password: form.value("password"),
        ip: c.client.ip.clone(),
        user_agent: c.client.user_agent.clone(),
    };
    let next = safe_next(&form.value("next"));
    let mut f = form.view();
    let mut ask_account = form.has("account");
    let mut retry_after = None;
    let (status, problem) = match state.app.sign_in(&attempt).await {
        Ok(signed) => {
            let mut response = Redirect::to(&next).into_response();
            start_session(&c, &mut response, &signed);
            return Ok(response);
        }
        Err(AppError::InvalidCredentials) => (StatusCode::UNAUTHORIZED, Some(c.t.t("login.invalid").to_string())),
        Err(AppError::Throttled { retry_after_seconds }) => {
            retry_after = Some(retry_after_seconds);
            let text = c.t.t("login.throttled").replace("{n}", &minutes(retry_after_seconds).to_string());
            (StatusCode::TOO_MANY_REQUESTS, Some(text))
        }
        Err(other) => {
            let errors = field_errors(other).map_err(|e| c.fail(e))?;
            ask_account |= errors.get("account").is_some();
            f.add_errors(c.t, &errors, str::to_string);
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
    };
    ask_account |= several_accounts(&state).await;
    let page = LoginPage { t: c.t, c: c.chrome("login"), f, ask_account, problem };
    let mut response = c.render(status, &page);
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
    Ok(response)
}

pub async fn logout(State(state): State<WebState>, c: Ctx) -> Response {
    if let Some(actor) = &c.actor
        && let Err(error) = state.app.sign_out(actor).await
    {
        tracing::warn!(%error, "sign-out failed");
    }
    let mut response = Redirect::to("/login").into_response();
    c.set_cookie(&mut response, SESSION_COOKIE, "", Some(0), true);
    response
}

/// The path of a same-origin `Referer` (the origin is this request's `Host`).
fn referer_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let rest = referer.strip_prefix("http://").or_else(|| referer.strip_prefix("https://"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    (authority.eq_ignore_ascii_case(host) && path.starts_with('/')).then(|| safe_next(path))
}

/// `POST /locale`: remembers the language on this browser and, when signed in, in the profile
/// (so every device of the user follows). Then back to the page it came from.
pub async fn switch_locale(State(state): State<WebState>, c: Ctx, headers: HeaderMap, form: FormData) -> UiResult {
    let Ok(locale) = Locale::parse(&form.value("locale")) else {
        return Err(c.fail(AppError::field("locale", "must be zh-CN or en")));
    };
    if let Some(actor) = &c.actor {
        let input = ProfileUpdateInput { locale: Some(locale.code().to_string()), ..Default::default() };
        state.app.update_profile(actor, &input).await.or_page(&c)?;
    }
    let back =
        referer_path(&headers).or_else(|| form.filled("back").map(|b| safe_next(&b))).unwrap_or_else(|| "/".into());
    let mut response = Redirect::to(&back).into_response();
    c.set_locale_cookie(&mut response, locale);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_same_origin_referers_are_followed() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert(header::REFERER, HeaderValue::from_static("http://127.0.0.1:8080/settings/users?q=a"));
        assert_eq!(referer_path(&headers).as_deref(), Some("/settings/users?q=a"));
        headers.insert(header::REFERER, HeaderValue::from_static("https://evil.example/settings"));
        assert_eq!(referer_path(&headers), None);
        headers.insert(header::REFERER, HeaderValue::from_static("http://127.0.0.1:8080//evil.example"));
        assert_eq!(referer_path(&headers).as_deref(), Some("/"));
    }
}
