//! First-run setup: the company (account) and its first admin, open only until an account exists.
//! The admin is signed in right away.

use super::ctx::{Chrome, Ctx, OrPage, UiResult};
use super::forms::{FormData, FormView, Opt, field_errors, locale_options, time_zone_options};
use super::session::start_session;
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use switchboard_app::accounts::Origin;
use switchboard_app::{AppError, SignIn};
use switchboard_domain::requests::{NewAccountInput, NewUserInput};

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    t: Tr,
    c: Chrome,
    f: FormView,
    locales: Vec<Opt>,
    time_zones: Vec<Opt>,
}

fn page(c: &Ctx, f: FormView) -> SetupPage {
    let locale = match f.v("locale") {
        "" => c.t.lang().to_string(),
        chosen => chosen.to_string(),
    };
    let zone = match f.v("time_zone") {
        "" => "Asia/Shanghai".to_string(),
        chosen => chosen.to_string(),
    };
    SetupPage {
        t: c.t,
        c: c.chrome("setup"),
        locales: locale_options(&locale),
        time_zones: time_zone_options(&zone),
        f,
    }
}

pub async fn form(State(state): State<WebState>, c: Ctx) -> UiResult {
    if !state.app.needs_setup().await.or_page(&c)? {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(c.render(StatusCode::OK, &page(&c, FormView::new())))
}

/// Field errors of the services are keyed `account.*` and `admin.*`; the one language and time
/// zone fields of the form serve both.
fn field_name(key: &str) -> String {
    match key {
        "account.default_locale" | "admin.locale" => "locale".into(),
        "account.time_zone" | "admin.time_zone" => "time_zone".into(),
        "account.slug" => "account.name".into(),
        other => other.to_string(),
    }
}

pub async fn submit(State(state): State<WebState>, c: Ctx, form: FormData) -> UiResult {
    if !state.app.needs_setup().await.or_page(&c)? {
        return Ok(Redirect::to("/login").into_response());
    }
    let locale = form.filled("locale");
    let time_zone = form.filled("time_zone");
    let account = NewAccountInput {
        name: form.field("account.name"),
        slug: None,
        default_locale: locale.clone(),
        time_zone: time_zone.clone(),
    };
    let admin = NewUserInput {
        name: form.field("admin.name"),
        email: form.field("admin.email"),
        password: form.field("admin.password"),
        role: None,
        locale,
        time_zone,
        team_ids: Vec::new(),
    };
    let mut f = form.view();
    if form.value("admin.password") != form.value("admin.password_confirm") {
        f.error("admin.password_confirm", c.t.t("setup.password_mismatch"));
        if let Err(e) = account.validate() {
            f.add_errors(c.t, &e, |k| field_name(&format!("account.{k}")));
        }
        if let Err(e) = admin.validate() {
            f.add_errors(c.t, &e, |k| field_name(&format!("admin.{k}")));
        }
        return Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page(&c, f)));
    }
    let origin = Origin { label: "setup".into(), ip: c.client.ip.clone(), user_agent: c.client.user_agent.clone() };
    let created = match state.app.create_account(&account, &admin, &origin, true).await {
        Ok((account, _)) => account,
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            if errors.get("account").is_some() {
                // Someone finished the setup first.
                return Ok(Redirect::to("/login").into_response());
            }
            f.add_errors(c.t, &errors, field_name);
            return Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page(&c, f)));
        }
    };
    let attempt = SignIn {
        account: created.slug.clone(),
        email: form.value("admin.email"),
        password: form.value("admin.password"),
        ip: c.client.ip.clone(),
        user_agent: c.client.user_agent.clone(),
    };
    match state.app.sign_in(&attempt).await {
        Ok(signed) => {
            let mut response = c.done("/", "flash.setup_done");
            start_session(&c, &mut response, &signed);
            Ok(response)
        }
        // The account exists; signing in by hand is all that is left.
        Err(AppError::Throttled { .. } | AppError::InvalidCredentials) => Ok(Redirect::to("/login").into_response()),
        Err(other) => Err(c.fail(other)),
    }
}
