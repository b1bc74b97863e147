//! API tokens: one's own (or, with `tokens.manage`, all of the account), creation with optional
//! scopes and expiry, the secret shown once, revocation.

use super::ctx::{Chrome, Ctx, OrPage, Signed, UiResult};
use super::forms::{Check, FormData, FormView, QueryData, field_errors};
use super::roles::permission_checks;
use super::teams::all_users;
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use switchboard_app::{Actor, AppError, PageRequest};
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::NewTokenInput;
use switchboard_domain::{TokenId, UserId};

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub owner: String,
    pub scopes: String,
    pub scope_count: usize,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    /// `active`, `revoked` or `expired`.
    pub status: &'static str,
    pub status_label: &'static str,
}

/// A token just created, with its secret.
pub struct Created {
    pub name: String,
    pub secret: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    t: Tr,
    c: Chrome,
    rows: Vec<TokenRow>,
    next_page: Option<String>,
    first_page: Option<String>,
    show_owner: bool,
    can_create: bool,
    f: FormView,
    scopes: Vec<Check>,
    created: Option<Created>,
}

/// What the page shows besides the list: the page of the list, the creation form as sent, or the
/// token just created.
struct Shown {
    cursor: Option<String>,
    f: FormView,
    checked: Vec<String>,
    created: Option<Created>,
    status: StatusCode,
}

impl Shown {
    fn list(cursor: Option<String>) -> Self {
        Self { cursor, f: FormView::new(), checked: Vec::new(), created: None, status: StatusCode::OK }
    }
}

async fn render(state: &WebState, c: &Ctx, actor: &Actor, shown: Shown) -> UiResult {
    let Shown { cursor, f, checked, created, status } = shown;
    let t = c.t;
    let page =
        state.app.list_tokens(actor, &PageRequest { cursor: cursor.clone(), limit: Some(50) }).await.or_page(c)?;
    let show_owner = actor.can(Permission::TokensManage);
    let names: HashMap<UserId, String> = if show_owner {
        all_users(state, actor).await.into_iter().map(|u| (u.id, u.name)).collect()
    } else {
        HashMap::new()
    };
    let now = switchboard_store::now_ms();
    let zone = c.time_zone();
    let rows = page
        .data
        .into_iter()
        .map(|token| {
            let (status, status_label) = if token.revoked_at.is_some() {
                ("revoked", t.t("tokens.revoked"))
            } else if token.expires_at.is_some_and(|at| at.unix_ms() <= now) {
                ("expired", t.t("tokens.expired"))
            } else {
                ("active", t.t("tokens.active"))
            };
            TokenRow {
                id: token.id.to_string(),
                owner: names.get(&token.user_id).cloned().unwrap_or_else(|| token.user_id.to_string()),
                scopes: token.scopes.iter().map(|p| p.name()).collect::<Vec<_>>().join(", "),
                scope_count: token.scopes.len(),
                created: token.created_at.format_local(zone),
                expires: token
                    .expires_at
                    .map(|at| at.format_local(zone))
                    .unwrap_or_else(|| t.t("tokens.never").to_string()),
                last_used: token
                    .last_used_at
                    .map(|at| at.format_local(zone))
                    .unwrap_or_else(|| t.t("tokens.never").to_string()),
                status,
                status_label,
                name: token.name,
                prefix: token.prefix,
            }
        })
        .collect();
    // Only what the actor may do can be given to a token.
    let scopes = permission_checks(t, &checked)
        .into_iter()
        .filter(|check| Permission::parse(&check.value).is_some_and(|p| actor.can(p)))
        .collect();
    let tokens = TokensPage {
        t,
        c: c.chrome("settings"),
        rows,
        next_page: page.next_cursor.map(|cur| {
            format!("/settings/tokens?cursor={}", form_urlencoded::byte_serialize(cur.as_bytes()).collect::<String>())
        }),
        first_page: cursor.map(|_| "/settings/tokens".to_string()),
        show_owner,
        can_create: actor.can(Permission::TokensCreate),
        f,
        scopes,
        created,
    };
    Ok(c.render(status, &tokens))
}

pub async fn page(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(q): QueryData) -> UiResult {
    render(&state, &c, &actor, Shown::list(q.filled("cursor"))).await
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let days = match form.filled("expires_in_days") {
        None => Ok(None),
        Some(text) => text
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::field("expires_in_days", "must be between 1 and 3650")),
    };
    let scopes = form.values("scopes");
    let result = match days {
        Ok(expires_in_days) => {
            let input = NewTokenInput {
                name: form.field("name"),
                scopes: (!scopes.is_empty()).then(|| scopes.clone()),
                expires_in_days,
                user_id: None,
            };
            state.app.create_token(&actor, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => {
            // Shown in this answer only (never stored, never redirected through a cookie).
            let shown = Created { name: created.token.name, secret: created.secret };
            render(&state, &c, &actor, Shown { created: Some(shown), ..Shown::list(None) }).await
        }
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            render(
                &state,
                &c,
                &actor,
                Shown { f, checked: scopes, status: StatusCode::UNPROCESSABLE_ENTITY, ..Shown::list(None) },
            )
            .await
        }
    }
}

pub async fn revoke(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let Ok(id) = id.parse::<TokenId>() else { return Err(c.not_found()) };
    state.app.revoke_token(&actor, id).await.or_page(&c)?;
    Ok(c.done("/settings/tokens", "flash.token_revoked"))
}
