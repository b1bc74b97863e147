//! The home page, the honest placeholders of the areas still to come, and the settings hub.

use super::ctx::{Chrome, Ctx, OrPage, Signed, UiResult, login_url};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use switchboard_domain::permissions::Permission;

/// A link card.
pub struct Card {
    pub href: &'static str,
    pub title: &'static str,
    pub text: &'static str,
    /// "Available" or what it is waiting for.
    pub badge: &'static str,
    pub ready: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Tr,
    c: Chrome,
    welcome: String,
    account_name: Option<String>,
    cards: Vec<Card>,
    next_steps: Vec<Card>,
}

pub async fn home(State(state): State<WebState>, c: Ctx) -> UiResult {
    if state.app.needs_setup().await.or_page(&c)? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let Some(actor) = c.actor.clone() else {
        return Ok(Redirect::to(&login_url("/")).into_response());
    };
    let t = c.t;
    let account_name =
        if actor.can(Permission::AccountRead) { state.app.account(&actor).await.ok().map(|a| a.name) } else { None };
    let soon = t.t("home.coming");
    let area = |href, title, text| Card { href, title, text, badge: soon, ready: false };
    let cards = vec![
        Card {
            href: "/inbox",
            title: t.t("nav.inbox"),
            text: t.t("inbox.lead"),
            badge: t.t("home.available"),
            ready: true,
        },
        area("/tickets", t.t("nav.tickets"), t.t("tickets.lead")),
        Card {
            href: "/kb",
            title: t.t("nav.kb"),
            text: t.t("kb.lead"),
            badge: if actor.can(Permission::KbRead) { t.t("home.available") } else { soon },
            ready: actor.can(Permission::KbRead),
        },
        area("/customers", t.t("nav.customers"), t.t("customers.lead")),
        area("/reports", t.t("nav.reports"), t.t("reports.lead")),
        Card {
            href: "/settings",
            title: t.t("nav.settings"),
            text: t.t("home.settings_text"),
            badge: t.t("home.available"),
            ready: true,
        },
    ];
    let ready = |href, title, text| Card { href, title, text, badge: "", ready: true };
    let mut next_steps = Vec::new();
    if actor.can(Permission::UsersManage) {
        next_steps.push(ready("/settings/users/new", t.t("home.step_users"), t.t("home.step_users_text")));
    }
    if actor.can(Permission::TeamsManage) {
        next_steps.push(ready("/settings/teams/new", t.t("home.step_teams"), t.t("home.step_teams_text")));
    }
    next_steps.push(ready("/settings/profile", t.t("home.step_profile"), t.t("home.step_profile_text")));
    if actor.can(Permission::TokensCreate) {
        next_steps.push(ready("/settings/tokens", t.t("home.step_api"), t.t("home.step_api_text")));
    }
    let welcome = t.t("home.welcome").replace("{name}", &actor.name);
    let page = HomePage { t, c: c.chrome("home"), welcome, account_name, cards, next_steps };
    Ok(c.render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "placeholder.html")]
struct PlaceholderPage {
    t: Tr,
    c: Chrome,
    title: &'static str,
    lead: &'static str,
    points: Vec<&'static str>,
    coming: &'static str,
}

fn placeholder(c: &Ctx, section: &str, keys: [&'static str; 6]) -> Response {
    let t = c.t;
    let [title, lead, a, b, d, coming] = keys.map(|k| t.t(k));
    let page = PlaceholderPage { t, c: c.chrome(section), title, lead, points: vec![a, b, d], coming };
    c.render(StatusCode::OK, &page)
}

pub async fn tickets(Signed { c, .. }: Signed) -> Response {
    placeholder(
        &c,
        "tickets",
        ["nav.tickets", "tickets.lead", "tickets.point1", "tickets.point2", "tickets.point3", "tickets.coming"],
    )
}

/// The knowledge base opens on its articles (agents without `kb.read` are refused there).
pub async fn kb(Signed { .. }: Signed) -> Response {
    Redirect::to("/kb/articles").into_response()
}

pub async fn customers(Signed { c, .. }: Signed) -> Response {
    placeholder(
        &c,
        "customers",
        [
            "nav.customers",
            "customers.lead",
            "customers.point1",
            "customers.point2",
            "customers.point3",
            "customers.coming",
        ],
    )
}

pub async fn reports(Signed { c, .. }: Signed) -> Response {
    placeholder(
        &c,
        "reports",
        ["nav.reports", "reports.lead", "reports.point1", "reports.point2", "reports.point3", "reports.coming"],
    )
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    t: Tr,
    c: Chrome,
    cards: Vec<Card>,
}

pub async fn settings(Signed { c, actor }: Signed) -> Response {
    let t = c.t;
    let card = |href, title, text| Card { href, title, text, badge: "", ready: true };
    let mut cards = vec![card("/settings/profile", t.t("settings.profile"), t.t("settings.profile_text"))];
    let mut add = |allowed: bool, href, title, text| {
        if allowed {
            cards.push(card(href, title, text));
        }
    };
    add(actor.can(Permission::UsersRead), "/settings/users", t.t("settings.users"), t.t("settings.users_text"));
    add(actor.can(Permission::TeamsRead), "/settings/teams", t.t("settings.teams"), t.t("settings.teams_text"));
    add(actor.can(Permission::ChannelsRead), "/settings/channels", t.t("ch.title"), t.t("ch.hub_text"));
    add(actor.can(Permission::RoutingManage), "/settings/routing", t.t("rt.title"), t.t("rt.hub_text"));
    add(actor.can(Permission::RolesRead), "/settings/roles", t.t("settings.roles"), t.t("settings.roles_text"));
    add(
        actor.can(Permission::TokensCreate) || actor.can(Permission::TokensManage),
        "/settings/tokens",
        t.t("settings.tokens"),
        t.t("settings.tokens_text"),
    );
    add(actor.can(Permission::KbManage), "/settings/bot/unanswered", t.t("botfb.title"), t.t("botfb.hub_text"));
    add(actor.can(Permission::AuditRead), "/settings/audit", t.t("settings.audit"), t.t("settings.audit_text"));
    add(actor.can(Permission::AccountRead), "/settings/account", t.t("settings.account"), t.t("settings.account_text"));
    add(true, "/api/docs", t.t("settings.api_docs"), t.t("settings.api_docs_text"));
    let page = SettingsPage { t, c: c.chrome("settings"), cards };
    c.render(StatusCode::OK, &page)
}
