//! Roles: the built-in ones (read-only) and custom roles made of permissions and a data scope.

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{Check, FormData, FormView, Opt, field_errors};
use super::teams::ConfirmPage;
use super::users::role_label;
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchboard_app::PageRequest;
use switchboard_domain::RoleId;
use switchboard_domain::permissions::{DataScope, Permission};
use switchboard_domain::requests::RoleInput;

/// A permission's description in the reader's language (`perm.<name>` in the catalogue).
pub fn permission_text(t: Tr, permission: Permission) -> String {
    let key = format!("perm.{}", permission.name());
    match t.t(&key) {
        text if text == key => permission.description().to_string(),
        text => text.to_string(),
    }
}

pub fn scope_label(t: Tr, scope: DataScope) -> &'static str {
    match scope {
        DataScope::Own => t.t("scope.own"),
        DataScope::Teams => t.t("scope.teams"),
        DataScope::Account => t.t("scope.account"),
    }
}

/// One checkbox per permission of the catalogue.
pub fn permission_checks(t: Tr, checked: &[String]) -> Vec<Check> {
    Permission::ALL
        .iter()
        .map(|p| Check {
            value: p.name().to_string(),
            label: p.name().to_string(),
            hint: permission_text(t, *p),
            checked: checked.iter().any(|c| c == p.name()),
        })
        .collect()
}

pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub builtin: bool,
    pub permissions: usize,
    pub scope: &'static str,
}

#[derive(Template)]
#[template(path = "roles.html")]
struct ListPage {
    t: Tr,
    c: Chrome,
    rows: Vec<RoleRow>,
    total_permissions: usize,
    can_manage: bool,
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    let page = PageRequest { cursor: None, limit: Some(PageRequest::MAX_LIMIT) };
    let roles = state.app.list_roles(&actor, &page).await.or_page(&c)?;
    let rows = roles
        .data
        .iter()
        .map(|r| RoleRow {
            id: r.id.to_string(),
            name: role_label(c.t, r),
            builtin: r.builtin.is_some(),
            permissions: r.permissions.len(),
            scope: scope_label(c.t, r.data_scope),
        })
        .collect();
    let list = ListPage {
        t: c.t,
        c: c.chrome("settings"),
        rows,
        total_permissions: Permission::ALL.len(),
        can_manage: actor.can(Permission::RolesManage),
    };
    Ok(c.render(StatusCode::OK, &list))
}

#[derive(Template)]
#[template(path = "role_form.html")]
struct FormPage {
    t: Tr,
    c: Chrome,
    editing: Option<String>,
    /// Built-in roles are shown, not edited.
    locked: bool,
    f: FormView,
    permissions: Vec<Check>,
    scopes: Vec<Opt>,
}

fn form_page(c: &Ctx, editing: Option<String>, locked: bool, f: FormView, checked: &[String]) -> FormPage {
    let t = c.t;
    let current = match f.v("data_scope") {
        "" => "own".to_string(),
        v => v.to_string(),
    };
    let scopes = [DataScope::Own, DataScope::Teams, DataScope::Account]
        .into_iter()
        .map(|s| Opt::new(s.name(), scope_label(t, s), &current))
        .collect();
    FormPage { t, c: c.chrome("settings"), editing, locked, permissions: permission_checks(t, checked), scopes, f }
}

fn input(form: &FormData) -> RoleInput {
    RoleInput {
        name: form.field("name"),
        permissions: Some(form.values("permissions")),
        data_scope: form.filled("data_scope"),
    }
}

fn parse_id(c: &Ctx, id: &str) -> Result<RoleId, Fail> {
    id.parse::<RoleId>().map_err(|_| c.not_found())
}

pub async fn new_form(Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::RolesManage).or_page(&c)?;
    Ok(c.render(StatusCode::OK, &form_page(&c, None, false, FormView::new(), &[])))
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    match state.app.create_role(&actor, &input(&form)).await {
        Ok(_) => Ok(c.done("/settings/roles", "flash.role_created")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&c, None, false, f, &form.values("permissions"))))
        }
    }
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let role = state.app.get_role(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    let f = FormView::new().with("name", role_label(c.t, &role)).with("data_scope", role.data_scope.name());
    let checked: Vec<String> = role.permissions.iter().map(|p| p.name().to_string()).collect();
    let locked = role.builtin.is_some() || !actor.can(Permission::RolesManage);
    Ok(c.render(StatusCode::OK, &form_page(&c, Some(role.id.to_string()), locked, f, &checked)))
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    let id = parse_id(&c, &id)?;
    match state.app.update_role(&actor, id, &input(&form)).await {
        Ok(_) => Ok(c.done("/settings/roles", "flash.role_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            let page = form_page(&c, Some(id.to_string()), false, f, &form.values("permissions"));
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

pub async fn confirm_delete(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    actor.require(Permission::RolesManage).or_page(&c)?;
    let role = state.app.get_role(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    let t = c.t;
    let page = ConfirmPage {
        t,
        c: c.chrome("settings"),
        title: t.t("roles.delete_title").to_string(),
        question: t.t("roles.delete_question").replace("{name}", &role_label(t, &role)),
        action: format!("/settings/roles/{}/delete", role.id),
        button: t.t("roles.delete"),
        cancel: format!("/settings/roles/{}", role.id),
    };
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn delete(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let id = parse_id(&c, &id)?;
    match state.app.delete_role(&actor, id).await {
        Ok(()) => Ok(c.done("/settings/roles", "flash.role_deleted")),
        // Still in use, or built in: say why on the error page.
        Err(error) => Err(c.fail(error)),
    }
}
