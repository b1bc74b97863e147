//! Knowledge base → FAQ: the list (text search through the knowledge-base search, category, status
//! and language) and the editor (canonical question, other phrasings one per line, answer,
//! category, language, status), read-only without `kb.manage`.

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, QueryData, field_errors};
use super::kb_articles::unix_lines;
use super::kb_common::{self, Tab, path_id};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::{HashMap, HashSet};
use switchboard_app::{Actor, AppError, FaqFilter, KbSearch, PageRequest};
use switchboard_domain::kb::{Faq, KbStatus};
use switchboard_domain::kb_requests::FaqInput;
use switchboard_domain::permissions::Permission;
use switchboard_domain::{CategoryId, FaqId, FieldErrors};

const SEARCH_LIMIT: i64 = 50;

pub struct FaqRow {
    pub id: String,
    pub question: String,
    pub similar: usize,
    pub category: String,
    pub locale: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub updated: String,
    pub snippet: Option<String>,
}

#[derive(Template)]
#[template(path = "kb_faqs.html")]
struct ListPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    /// Where the filters go.
    list_path: &'static str,
    q: FormView,
    statuses: Vec<Opt>,
    locales: Vec<Opt>,
    categories: Vec<Opt>,
    rows: Vec<FaqRow>,
    searching: bool,
    next_page: Option<String>,
    first_page: Option<String>,
    can_manage: bool,
}

fn row(t: Tr, c: &Ctx, f: Faq, names: &HashMap<CategoryId, String>) -> FaqRow {
    FaqRow {
        id: f.id.to_string(),
        similar: f.similar.len(),
        category: f.category_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
        locale: super::ctx::locale_name(f.locale),
        status: f.status.name(),
        status_label: kb_common::status_label(t, f.status),
        updated: f.updated_at.format_local(c.time_zone()),
        question: f.question,
        snippet: None,
    }
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(q): QueryData) -> UiResult {
    let t = c.t;
    let tree = kb_common::tree(state.app.list_kb_categories(&actor).await.or_page(&c)?);
    let names = kb_common::names(&tree);
    let mut view = q.view();
    let filters = kb_common::ListFilters::read(&q);
    let (status, locale, category_id) = (filters.status, filters.locale, filters.category_id);
    let (text, cursor) = (filters.text.clone(), filters.cursor.clone());
    let (mut rows, mut next_cursor) = (Vec::new(), None);
    if let Some(text) = &text {
        let request =
            KbSearch { query: text.clone(), kind: Some("faq".into()), locale, status, limit: Some(SEARCH_LIMIT) };
        match state.app.search_kb(&actor, &request).await {
            Ok(hits) => {
                let ids: Vec<i64> = hits.iter().map(|hit| hit.id).collect();
                let mut faqs = state.app.get_kb_faqs(&actor, &ids).await.or_page(&c)?;
                for hit in hits {
                    let Some(at) = faqs.iter().position(|f| f.id.as_i64() == hit.id) else { continue };
                    let faq = faqs.swap_remove(at);
                    if category_id.is_none() || faq.category_id == category_id {
                        rows.push(FaqRow { snippet: Some(hit.snippet), ..row(t, &c, faq, &names) });
                    }
                }
            }
            Err(error) => kb_common::add_errors(t, &mut view, &field_errors(error).map_err(|e| c.fail(e))?),
        }
    } else {
        let filter = FaqFilter { category_id, status, locale, query: None };
        let request = PageRequest { cursor: cursor.clone(), limit: Some(50) };
        let page = state.app.list_kb_faqs(&actor, &filter, &request).await.or_page(&c)?;
        rows = page.data.into_iter().map(|f| row(t, &c, f, &names)).collect();
        next_cursor = page.next_cursor;
    }
    let can_manage = actor.can(Permission::KbManage);
    let page = ListPage {
        t,
        c: kb_common::chrome(&c, false),
        tabs: kb_common::tabs(t, "faq", can_manage),
        statuses: kb_common::status_options(t, view.v("status"), Some(t.t("kbadmin.any_status"))),
        locales: kb_common::locale_options(view.v("locale"), Some(t.t("kbadmin.any_locale"))),
        categories: kb_common::category_options(
            &tree,
            view.v("category_id"),
            t.t("kbadmin.any_category"),
            &HashSet::new(),
        ),
        list_path: "/kb/faq",
        searching: text.is_some(),
        next_page: next_cursor.as_deref().map(|cur| filters.url("/kb/faq", Some(cur))),
        first_page: cursor.map(|_| filters.url("/kb/faq", None)),
        q: view,
        rows,
        can_manage,
    };
    let status = if page.q.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(c.render(status, &page))
}

#[derive(Template)]
#[template(path = "kb_faq_form.html")]
struct EditPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    editing: Option<String>,
    f: FormView,
    categories: Vec<Opt>,
    locales: Vec<Opt>,
    statuses: Vec<Opt>,
    can_manage: bool,
    /// The id the entry has in imported files.
    external_id: Option<String>,
    version: Option<i64>,
}

fn view_of(faq: &Faq) -> FormView {
    FormView::new()
        .with("question", &faq.question)
        .with("similar", faq.similar.join("\n"))
        .with("answer", &faq.answer)
        .with("category_id", faq.category_id.map(|c| c.to_string()).unwrap_or_default())
        .with("locale", faq.locale.code())
        .with("status", faq.status.name())
}

async fn edit_page(state: &WebState, c: &Ctx, actor: &Actor, faq: Option<&Faq>, f: FormView) -> Result<EditPage, Fail> {
    let t = c.t;
    let tree = kb_common::tree(state.app.list_kb_categories(actor).await.or_page(c)?);
    let can_manage = actor.can(Permission::KbManage);
    Ok(EditPage {
        t,
        c: kb_common::chrome(c, false),
        tabs: kb_common::tabs(t, "faq", can_manage),
        editing: faq.map(|q| q.id.to_string()),
        categories: kb_common::category_options(&tree, f.v("category_id"), t.t("kbadmin.no_category"), &HashSet::new()),
        locales: kb_common::locale_options(f.v("locale"), None),
        statuses: kb_common::status_options(t, f.v("status"), None),
        can_manage,
        external_id: faq.and_then(|q| q.external_id.clone()),
        version: faq.map(|q| q.version),
        f,
    })
}

/// The posted form as the service's input.
fn read(c: &Ctx, form: &FormData) -> Result<FaqInput, FieldErrors> {
    let category_id = match form.filled("category_id") {
        None => None,
        Some(text) => Some(
            text.trim()
                .parse::<CategoryId>()
                .map_err(|_| FieldErrors::single("category_id", c.t.t("err.invalid_id")))?,
        ),
    };
    let similar = unix_lines(&form.value("similar")).lines().map(str::to_string).collect();
    Ok(FaqInput {
        question: form.field("question"),
        similar: Some(similar),
        answer: form.field("answer").map(|a| unix_lines(&a)),
        category_id: Some(category_id),
        locale: form.filled("locale"),
        status: Some(form.value("status")),
        external_id: None,
    })
}

async fn save(state: &WebState, c: &Ctx, actor: &Actor, id: Option<FaqId>, form: &FormData) -> Result<Faq, AppError> {
    let input = read(c, form).map_err(AppError::Validation)?;
    match id {
        Some(id) => state.app.update_kb_faq(actor, id, &input).await,
        None => state.app.create_kb_faq(actor, &input).await,
    }
}

async fn redisplay(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    faq: Option<&Faq>,
    form: &FormData,
    error: AppError,
) -> UiResult {
    let errors = field_errors(error).map_err(|e| c.fail(e))?;
    let mut f = form.view();
    kb_common::add_errors(c.t, &mut f, &errors);
    let page = edit_page(state, c, actor, faq, f).await?;
    Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn new_form(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let f = FormView::new().with("status", KbStatus::Published.name()).with("locale", actor.locale.code());
    let page = edit_page(&state, &c, &actor, None, f).await?;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    match save(&state, &c, &actor, None, &form).await {
        Ok(faq) => Ok(c.done(&format!("/kb/faq/{}", faq.id), "kbadmin.flash.faq_created")),
        Err(error) => redisplay(&state, &c, &actor, None, &form, error).await,
    }
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let faq = state.app.get_kb_faq(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    let page = edit_page(&state, &c, &actor, Some(&faq), view_of(&faq)).await?;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let faq = state.app.get_kb_faq(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    match save(&state, &c, &actor, Some(faq.id), &form).await {
        Ok(saved) => Ok(c.done(&format!("/kb/faq/{}", saved.id), "kbadmin.flash.faq_saved")),
        Err(error) => redisplay(&state, &c, &actor, Some(&faq), &form, error).await,
    }
}

pub async fn confirm_delete(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let faq = state.app.get_kb_faq(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    let base = format!("/kb/faq/{}", faq.id);
    let keys = ("kbadmin.faq.delete_title", "kbadmin.faq.delete_question");
    Ok(kb_common::confirm_delete(&c, keys, &faq.question, &base, &base))
}

pub async fn delete(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    state.app.delete_kb_faq(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    Ok(c.done("/kb/faq", "kbadmin.flash.faq_deleted"))
}
