//! Knowledge base → Categories: the tree, indented; a new category (name, parent); rename and move
//! to another parent; up and down among siblings; delete, refused with the reason while the
//! category still holds anything.

use super::ctx::{Chrome, Ctx, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, field_errors};
use super::kb_common::{self, Tab, path_id};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashSet;
use switchboard_app::{Actor, AppError};
use switchboard_domain::CategoryId;
use switchboard_domain::kb::Category;
use switchboard_domain::kb_requests::{CategoryInput, CategoryReorderInput};
use switchboard_domain::permissions::Permission;

/// A row of the tree and whether it may move up / down among its siblings.
pub struct CategoryRow {
    pub category: Category,
    pub indent: String,
    pub up: bool,
    pub down: bool,
}

#[derive(Template)]
#[template(path = "kb_categories.html")]
struct ListPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    rows: Vec<CategoryRow>,
    can_manage: bool,
    /// The "new category" form.
    f: FormView,
    parents: Vec<Opt>,
    /// Why a deletion was refused.
    refusal: Option<String>,
}

/// The parent select's value: the category's parent id, or empty for the top level.
fn parent_input(c: &Ctx, form: &FormData) -> Result<Option<CategoryId>, AppError> {
    match form.filled("parent_id") {
        None => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(|_| AppError::field("parent_id", c.t.t("err.invalid_id"))),
    }
}

async fn render_list(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    f: FormView,
    refusal: Option<String>,
    status: StatusCode,
) -> UiResult {
    let t = c.t;
    let rows = kb_common::tree(state.app.list_kb_categories(actor).await.or_page(c)?);
    let shown = rows
        .iter()
        .map(|row| {
            let siblings: Vec<CategoryId> =
                rows.iter().filter(|r| r.category.parent_id == row.category.parent_id).map(|r| r.category.id).collect();
            let at = siblings.iter().position(|id| *id == row.category.id).unwrap_or(0);
            CategoryRow {
                category: row.category.clone(),
                indent: row.indent(),
                up: at > 0,
                down: at + 1 < siblings.len(),
            }
        })
        .collect();
    let can_manage = actor.can(Permission::KbManage);
    let page = ListPage {
        t,
        c: kb_common::chrome(c, false),
        tabs: kb_common::tabs(t, "categories", can_manage),
        parents: kb_common::category_options(&rows, f.v("parent_id"), t.t("kbadmin.cat.top_level"), &HashSet::new()),
        rows: shown,
        can_manage,
        f,
        refusal,
    };
    Ok(c.render(status, &page))
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    render_list(&state, &c, &actor, FormView::new(), None, StatusCode::OK).await
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let result = match parent_input(&c, &form) {
        Ok(parent) => {
            let input = CategoryInput { name: form.field("name"), parent_id: Some(parent), ..Default::default() };
            state.app.create_kb_category(&actor, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(c.done("/kb/categories", "kbadmin.flash.category_created")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            kb_common::add_errors(c.t, &mut f, &errors);
            render_list(&state, &c, &actor, f, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "kb_category_form.html")]
struct EditPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    id: String,
    f: FormView,
    parents: Vec<Opt>,
    can_manage: bool,
}

async fn edit_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    id: CategoryId,
    f: FormView,
) -> Result<EditPage, AppError> {
    let rows = kb_common::tree(state.app.list_kb_categories(actor).await?);
    let inside = kb_common::subtree(&rows, id);
    let can_manage = actor.can(Permission::KbManage);
    Ok(EditPage {
        t: c.t,
        c: kb_common::chrome(c, false),
        tabs: kb_common::tabs(c.t, "categories", can_manage),
        id: id.to_string(),
        parents: kb_common::category_options(&rows, f.v("parent_id"), c.t.t("kbadmin.cat.top_level"), &inside),
        f,
        can_manage,
    })
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let category = state.app.get_kb_category(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    let f = FormView::new()
        .with("name", &category.name)
        .with("slug", &category.slug)
        .with("parent_id", category.parent_id.map(|p| p.to_string()).unwrap_or_default());
    let page = edit_page(&state, &c, &actor, category.id, f).await.or_page(&c)?;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    let id: CategoryId = path_id(&c, &id)?;
    let result = match parent_input(&c, &form) {
        Ok(parent) => {
            let input = CategoryInput {
                name: form.field("name"),
                slug: form.filled("slug"),
                parent_id: Some(parent),
                position: None,
            };
            state.app.update_kb_category(&actor, id, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(c.done("/kb/categories", "kbadmin.flash.category_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            kb_common::add_errors(c.t, &mut f, &errors);
            let page = edit_page(&state, &c, &actor, id, f).await.or_page(&c)?;
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// Moves a category one place up or down among its siblings (`direction=up|down`).
pub async fn move_one(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let id: CategoryId = path_id(&c, &id)?;
    let all = state.app.list_kb_categories(&actor).await.or_page(&c)?;
    let Some(parent) = all.iter().find(|cat| cat.id == id).map(|cat| cat.parent_id) else {
        return Err(c.not_found());
    };
    let mut siblings: Vec<CategoryId> = all.iter().filter(|cat| cat.parent_id == parent).map(|cat| cat.id).collect();
    let at = siblings.iter().position(|s| *s == id).unwrap_or(0);
    let other = match form.value("direction").as_str() {
        "up" if at > 0 => at - 1,
        "down" if at + 1 < siblings.len() => at + 1,
        "up" | "down" => return Ok(c.done("/kb/categories", "kbadmin.flash.category_moved")),
        _ => return Err(c.fail(AppError::field("direction", "must be up or down"))),
    };
    siblings.swap(at, other);
    state.app.reorder_kb_categories(&actor, &CategoryReorderInput { ids: siblings }).await.or_page(&c)?;
    Ok(c.done("/kb/categories", "kbadmin.flash.category_moved"))
}

pub async fn confirm_delete(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let category = state.app.get_kb_category(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    let keys = ("kbadmin.cat.delete_title", "kbadmin.cat.delete_question");
    let base = format!("/kb/categories/{}", category.id);
    Ok(kb_common::confirm_delete(&c, keys, &category.name, &base, "/kb/categories"))
}

/// Deletes an empty category; one that still holds something is refused (409) on the list page.
pub async fn delete(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let id: CategoryId = path_id(&c, &id)?;
    match state.app.delete_kb_category(&actor, id).await {
        Ok(()) => Ok(c.done("/kb/categories", "kbadmin.flash.category_deleted")),
        Err(AppError::Conflict(_)) => {
            let name = state.app.get_kb_category(&actor, id).await.map(|cat| cat.name).unwrap_or_default();
            let refusal = c.t.t("kbadmin.cat.not_empty").replace("{name}", &name);
            render_list(&state, &c, &actor, FormView::new(), Some(refusal), StatusCode::CONFLICT).await
        }
        Err(other) => Err(c.fail(other)),
    }
}
