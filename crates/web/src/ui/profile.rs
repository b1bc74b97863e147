//! One's own profile: name, language, time zone, password, and the signed-in sessions.

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, field_errors, locale_options, time_zone_options};
use crate::WebState;
use crate::auth::SESSION_COOKIE;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use switchboard_app::{Actor, AppError};
use switchboard_domain::requests::ProfileUpdateInput;
use switchboard_domain::{SessionId, UserId};

pub struct SessionRow {
    pub id: String,
    pub ip: String,
    pub user_agent: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    t: Tr,
    c: Chrome,
    email: String,
    /// The profile form.
    f: FormView,
    /// The password form.
    p: FormView,
    locales: Vec<Opt>,
    time_zones: Vec<Opt>,
    sessions: Vec<SessionRow>,
}

fn own_id(c: &Ctx, actor: &Actor) -> Result<UserId, Fail> {
    actor.user_id().ok_or_else(|| c.fail(AppError::Forbidden("profile")))
}

/// The page, with the forms as given (or as stored when `None`).
async fn render(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    status: StatusCode,
    f: Option<FormView>,
    p: FormView,
) -> UiResult {
    let user = state.app.get_user(actor, own_id(c, actor)?).await.or_page(c)?;
    let sessions = state.app.my_sessions(actor).await.or_page(c)?;
    let zone = c.time_zone();
    let f = f.unwrap_or_else(|| {
        FormView::new().with("name", &user.name).with("locale", user.locale.code()).with("time_zone", &user.time_zone)
    });
    let sessions = sessions
        .into_iter()
        .map(|s| SessionRow {
            id: s.id.to_string(),
            ip: s.ip,
            user_agent: s.user_agent.chars().take(120).collect(),
            created: s.created_at.format_local(zone),
            last_seen: s.last_seen_at.format_local(zone),
            current: s.current,
        })
        .collect();
    let page = ProfilePage {
        t: c.t,
        c: c.chrome("settings"),
        email: user.email,
        locales: locale_options(f.v("locale")),
        time_zones: time_zone_options(f.v("time_zone")),
        f,
        p,
        sessions,
    };
    Ok(c.render(status, &page))
}

pub async fn page(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    render(&state, &c, &actor, StatusCode::OK, None, FormView::new()).await
}

pub async fn update(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let input = ProfileUpdateInput {
        name: form.field("name"),
        locale: form.filled("locale"),
        time_zone: form.filled("time_zone"),
        current_password: None,
        new_password: None,
    };
    match state.app.update_profile(&actor, &input).await {
        Ok(user) => {
            let mut response = c.done("/settings/profile", "flash.profile_saved");
            c.set_locale_cookie(&mut response, user.locale);
            Ok(response)
        }
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            render(&state, &c, &actor, StatusCode::UNPROCESSABLE_ENTITY, Some(f), FormView::new()).await
        }
    }
}

pub async fn change_password(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let mut p = FormView::new();
    if form.value("new_password") != form.value("new_password_confirm") {
        p.error("new_password_confirm", c.t.t("profile.password_mismatch"));
    } else if form.value("new_password").is_empty() {
        p.error("new_password", c.t.t("err.required"));
    } else {
        let input = ProfileUpdateInput {
            current_password: form.field("current_password"),
            new_password: form.field("new_password"),
            ..Default::default()
        };
        match state.app.update_profile(&actor, &input).await {
            Ok(_) => return Ok(c.done("/settings/profile", "flash.password_changed")),
            Err(error) => {
                let errors = field_errors(error).map_err(|e| c.fail(e))?;
                p.add_errors(c.t, &errors, str::to_string);
            }
        }
    }
    render(&state, &c, &actor, StatusCode::UNPROCESSABLE_ENTITY, None, p).await
}

pub async fn revoke_session(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    let Ok(id) = id.parse::<SessionId>() else { return Err(c.not_found()) };
    state.app.revoke_my_session(&actor, id).await.or_page(&c)?;
    if actor.session_id() == Some(id) {
        let mut response = Redirect::to("/login").into_response();
        c.set_cookie(&mut response, SESSION_COOKIE, "", Some(0), true);
        return Ok(response);
    }
    Ok(c.done("/settings/profile", "flash.session_revoked"))
}
