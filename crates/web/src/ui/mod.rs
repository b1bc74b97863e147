//! The server-rendered UI: askama templates (compile-time checked), every string in zh-CN and en,
//! forms that work without JavaScript (POST, then 303 to a GET), htmx only as an enhancement.
//! Handlers translate between forms and `App` services; the services authorize.

mod account;
mod audit;
mod bot_unanswered;
mod channel_form;
mod channels;
mod ctx;
mod forms;
mod help_center;
mod help_pages;
mod home;
mod kb_articles;
mod kb_categories;
mod kb_common;
mod kb_diff;
mod kb_faqs;
mod kb_import;
mod kb_versions;
mod profile;
mod roles;
mod routing;
mod routing_board;
mod routing_queues;
mod routing_rule_form;
mod routing_rules;
mod routing_settings;
mod session;
mod setup;
mod teams;
mod tokens;
mod users;
mod workspace;

#[cfg(test)]
mod tests;

use crate::WebState;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

pub use ctx::{Chrome, Ctx, Signed};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(home::home))
        .route("/inbox", get(workspace::page))
        .route("/tickets", get(home::tickets))
        .route("/kb", get(home::kb))
        .route("/customers", get(home::customers))
        .route("/reports", get(home::reports))
        .route("/settings", get(home::settings))
        .route("/setup", get(setup::form).post(setup::submit))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/locale", post(session::switch_locale))
        .route("/settings/profile", get(profile::page).post(profile::update))
        .route("/settings/profile/password", post(profile::change_password))
        .route("/settings/profile/sessions/{id}/revoke", post(profile::revoke_session))
        .route("/settings/users", get(users::list).post(users::create))
        .route("/settings/users/new", get(users::new_form))
        .route("/settings/users/{id}", get(users::edit_form).post(users::update))
        .route("/settings/users/{id}/password", post(users::reset_password))
        .route("/settings/teams", get(teams::list).post(teams::create))
        .route("/settings/teams/new", get(teams::new_form))
        .route("/settings/teams/{id}", get(teams::edit_form).post(teams::update))
        .route("/settings/teams/{id}/delete", get(teams::confirm_delete).post(teams::delete))
        .route("/settings/roles", get(roles::list).post(roles::create))
        .route("/settings/roles/new", get(roles::new_form))
        .route("/settings/roles/{id}", get(roles::edit_form).post(roles::update))
        .route("/settings/roles/{id}/delete", get(roles::confirm_delete).post(roles::delete))
        .route("/settings/tokens", get(tokens::page).post(tokens::create))
        .route("/settings/tokens/{id}/revoke", post(tokens::revoke))
        .route("/settings/audit", get(audit::page))
        .route("/settings/audit/export.csv", get(audit::export))
        .route("/settings/channels", get(channels::list).post(channels::create))
        .route("/settings/channels/{id}", get(channels::edit_form).post(channels::update))
        .route("/settings/channels/{id}/secret", get(channels::confirm_rotate).post(channels::rotate))
        .route("/settings/account", get(account::page).post(account::update))
        .route("/favicon.ico", get(favicon))
        .route("/help/{account}", get(help_center::home))
        .route("/help/{account}/search", get(help_center::search))
        .route("/help/{account}/c/{category}", get(help_center::category))
        .route("/help/{account}/a/{article}", get(help_center::article))
        .route("/help/{account}/a/{article}/feedback", post(help_center::feedback))
        .route("/settings/bot/unanswered", get(bot_unanswered::list))
        .route("/settings/bot/unanswered/{id}/dismiss", post(bot_unanswered::dismiss))
        .route("/settings/bot/unanswered/{id}/faq", get(bot_unanswered::faq_form).post(bot_unanswered::add_to_faq))
        .route("/settings/routing", get(routing_settings::page).post(routing_settings::save))
        .route("/settings/routing/rules", get(routing_rules::list).post(routing_rules::create))
        .route("/settings/routing/rules/new", get(routing_rules::new_form))
        .route("/settings/routing/rules/test", post(routing_rules::test))
        .route("/settings/routing/rules/{id}", get(routing_rules::edit_form).post(routing_rules::update))
        .route("/settings/routing/rules/{id}/move", post(routing_rules::move_rule))
        .route("/settings/routing/rules/{id}/toggle", post(routing_rules::toggle))
        .route("/settings/routing/rules/{id}/delete", get(routing_rules::confirm_delete).post(routing_rules::delete))
        .route("/settings/routing/teams", get(routing_queues::teams))
        .route("/settings/routing/teams/{id}", post(routing_queues::save_team))
        .route("/settings/routing/agents", get(routing_queues::agents))
        .route("/settings/routing/agents/{id}", post(routing_queues::save_capacity))
        .route("/routing/board", get(routing_board::page))
        .merge(kb_router())
}

/// The knowledge base's admin pages (`kb.read` to see, `kb.manage` to change).
fn kb_router() -> Router<WebState> {
    Router::new()
        .route("/kb/articles", get(kb_articles::list).post(kb_articles::create))
        .route("/kb/articles/new", get(kb_articles::new_form))
        .route("/kb/articles/{id}", get(kb_articles::edit_form).post(kb_articles::update))
        .route("/kb/articles/{id}/delete", get(kb_articles::confirm_delete).post(kb_articles::delete))
        .route("/kb/articles/{id}/versions", get(kb_versions::article_history))
        .route("/kb/articles/{id}/versions/{version}", get(kb_versions::article_diff))
        .route("/kb/articles/{id}/versions/{version}/restore", post(kb_versions::article_restore))
        .route("/kb/faq", get(kb_faqs::list).post(kb_faqs::create))
        .route("/kb/faq/new", get(kb_faqs::new_form))
        .route("/kb/faq/{id}", get(kb_faqs::edit_form).post(kb_faqs::update))
        .route("/kb/faq/{id}/delete", get(kb_faqs::confirm_delete).post(kb_faqs::delete))
        .route("/kb/faq/{id}/versions", get(kb_versions::faq_history))
        .route("/kb/faq/{id}/versions/{version}", get(kb_versions::faq_diff))
        .route("/kb/faq/{id}/versions/{version}/restore", post(kb_versions::faq_restore))
        .route("/kb/categories", get(kb_categories::list).post(kb_categories::create))
        .route("/kb/categories/{id}", get(kb_categories::edit_form).post(kb_categories::update))
        .route("/kb/categories/{id}/move", post(kb_categories::move_one))
        .route("/kb/categories/{id}/delete", get(kb_categories::confirm_delete).post(kb_categories::delete))
        .route("/kb/import", get(kb_import::form).post(kb_import::submit))
}

/// The icon of every page (SVG; browsers ask for `/favicon.ico` by default, so it lives there).
async fn favicon() -> Response {
    let headers = [
        (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
        (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
    ];
    (headers, include_bytes!("../../static/favicon.svg").as_slice()).into_response()
}

/// The answer to an unknown path. It has no request at hand, so it speaks both languages.
pub async fn not_found_page() -> Response {
    use askama::Template;
    let page = ctx::NotFoundPage { css_url: crate::assets::asset_url("app.css"), favicon_url: "/favicon.ico".into() };
    match page.render() {
        Ok(html) => (axum::http::StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(_) => (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
