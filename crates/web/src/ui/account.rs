//! The account's settings: name, default language, time zone.

use super::ctx::{Chrome, Ctx, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, field_errors, locale_options, time_zone_options};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use switchboard_app::Actor;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::AccountUpdateInput;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    t: Tr,
    c: Chrome,
    slug: String,
    created: String,
    f: FormView,
    locales: Vec<Opt>,
    time_zones: Vec<Opt>,
    can_manage: bool,
}

async fn render(state: &WebState, c: &Ctx, actor: &Actor, f: Option<FormView>, status: StatusCode) -> UiResult {
    let account = state.app.account(actor).await.or_page(c)?;
    let f = f.unwrap_or_else(|| {
        FormView::new()
            .with("name", &account.name)
            .with("default_locale", account.default_locale.code())
            .with("time_zone", &account.time_zone)
    });
    let page = AccountPage {
        t: c.t,
        c: c.chrome("settings"),
        slug: account.slug,
        created: account.created_at.format_local(c.time_zone()),
        locales: locale_options(f.v("default_locale")),
        time_zones: time_zone_options(f.v("time_zone")),
        f,
        can_manage: actor.can(Permission::AccountManage),
    };
    Ok(c.render(status, &page))
}

pub async fn page(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    render(&state, &c, &actor, None, StatusCode::OK).await
}

pub async fn update(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let input = AccountUpdateInput {
        name: form.field("name"),
        default_locale: form.filled("default_locale"),
        time_zone: form.filled("time_zone"),
    };
    match state.app.update_account(&actor, &input).await {
        Ok(_) => Ok(c.done("/settings/account", "flash.account_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            render(&state, &c, &actor, Some(f), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
