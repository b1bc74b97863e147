//! Knowledge base → Articles: the list (status, language, category, text search through the
//! knowledge-base search) and the editor (title, category, language, tags, status, Markdown body
//! with a live preview rendered by the server's sanitizer), read-only without `kb.manage`.

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, QueryData, field_errors};
use super::kb_common::{self, Tab, path_id};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashSet;
use switchboard_app::{Actor, AppError, ArticleFilter, KbSearch, PageRequest};
use switchboard_domain::kb::{Article, KbStatus};
use switchboard_domain::kb_requests::ArticleInput;
use switchboard_domain::permissions::Permission;
use switchboard_domain::{CategoryId, FieldErrors};

/// Search hits shown at most (the search ranks; the list pages).
const SEARCH_LIMIT: i64 = 50;

pub struct ArticleRow {
    pub id: String,
    pub title: String,
    pub category: String,
    pub locale: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub views: i64,
    pub helpful: i64,
    pub not_helpful: i64,
    pub updated: String,
    /// Search only: words around the matches, escaped, matches in `<mark>`.
    pub snippet: Option<String>,
}

#[derive(Template)]
#[template(path = "kb_articles.html")]
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
    rows: Vec<ArticleRow>,
    searching: bool,
    next_page: Option<String>,
    first_page: Option<String>,
    can_manage: bool,
}

fn row(t: Tr, c: &Ctx, a: Article, names: &std::collections::HashMap<CategoryId, String>) -> ArticleRow {
    ArticleRow {
        id: a.id.to_string(),
        category: a.category_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
        locale: super::ctx::locale_name(a.locale),
        status: a.status.name(),
        status_label: kb_common::status_label(t, a.status),
        views: a.view_count,
        helpful: a.helpful_count,
        not_helpful: a.not_helpful_count,
        updated: a.updated_at.format_local(c.time_zone()),
        title: a.title,
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
            KbSearch { query: text.clone(), kind: Some("article".into()), locale, status, limit: Some(SEARCH_LIMIT) };
        match state.app.search_kb(&actor, &request).await {
            Ok(hits) => {
                let ids: Vec<i64> = hits.iter().map(|hit| hit.id).collect();
                let mut articles = state.app.get_kb_articles(&actor, &ids).await.or_page(&c)?;
                for hit in hits {
                    let Some(at) = articles.iter().position(|a| a.id.as_i64() == hit.id) else { continue };
                    let article = articles.swap_remove(at);
                    if category_id.is_none() || article.category_id == category_id {
                        rows.push(ArticleRow { snippet: Some(hit.snippet), ..row(t, &c, article, &names) });
                    }
                }
            }
            Err(error) => kb_common::add_errors(t, &mut view, &field_errors(error).map_err(|e| c.fail(e))?),
        }
    } else {
        let filter = ArticleFilter { category_id, status, locale, tag: None, query: None };
        let request = PageRequest { cursor: cursor.clone(), limit: Some(50) };
        let page = state.app.list_kb_articles(&actor, &filter, &request).await.or_page(&c)?;
        rows = page.data.into_iter().map(|a| row(t, &c, a, &names)).collect();
        next_cursor = page.next_cursor;
    }
    let can_manage = actor.can(Permission::KbManage);
    let page = ListPage {
        t,
        c: kb_common::chrome(&c, false),
        tabs: kb_common::tabs(t, "articles", can_manage),
        statuses: kb_common::status_options(t, view.v("status"), Some(t.t("kbadmin.any_status"))),
        locales: kb_common::locale_options(view.v("locale"), Some(t.t("kbadmin.any_locale"))),
        categories: kb_common::category_options(
            &tree,
            view.v("category_id"),
            t.t("kbadmin.any_category"),
            &HashSet::new(),
        ),
        list_path: "/kb/articles",
        searching: text.is_some(),
        next_page: next_cursor.as_deref().map(|cur| filters.url("/kb/articles", Some(cur))),
        first_page: cursor.map(|_| filters.url("/kb/articles", None)),
        q: view,
        rows,
        can_manage,
    };
    let status = if page.q.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(c.render(status, &page))
}

/// The counters and dates of a saved article.
pub struct Stats {
    pub views: i64,
    pub helpful: i64,
    pub not_helpful: i64,
    pub version: i64,
    pub updated: String,
    pub published: Option<String>,
}

#[derive(Template)]
#[template(path = "kb_article_form.html")]
struct EditPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    /// The article's id when editing.
    editing: Option<String>,
    f: FormView,
    categories: Vec<Opt>,
    locales: Vec<Opt>,
    statuses: Vec<Opt>,
    can_manage: bool,
    stats: Option<Stats>,
    /// The body as readers will see it: sanitized HTML.
    preview_html: String,
    /// The article in the public help center, when it is published.
    help_url: Option<String>,
}

/// The form of a saved article.
fn view_of(article: &Article) -> FormView {
    FormView::new()
        .with("title", &article.title)
        .with("slug", &article.slug)
        .with("category_id", article.category_id.map(|c| c.to_string()).unwrap_or_default())
        .with("locale", article.locale.code())
        .with("tags", article.tags.join(", "))
        .with("status", article.status.name())
        .with("body", &article.body)
}

async fn edit_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    article: Option<&Article>,
    f: FormView,
    preview_html: String,
) -> Result<EditPage, Fail> {
    let t = c.t;
    let tree = kb_common::tree(state.app.list_kb_categories(actor).await.or_page(c)?);
    let can_manage = actor.can(Permission::KbManage);
    let help_url = match article.filter(|a| a.status == KbStatus::Published) {
        Some(a) => state.app.account(actor).await.ok().map(|acc| super::help_pages::article_path(&acc.slug, &a.slug)),
        None => None,
    };
    let zone = c.time_zone();
    Ok(EditPage {
        t,
        c: kb_common::chrome(c, can_manage),
        tabs: kb_common::tabs(t, "articles", can_manage),
        editing: article.map(|a| a.id.to_string()),
        categories: kb_common::category_options(&tree, f.v("category_id"), t.t("kbadmin.no_category"), &HashSet::new()),
        locales: kb_common::locale_options(f.v("locale"), None),
        statuses: kb_common::status_options(t, f.v("status"), None),
        can_manage,
        stats: article.map(|a| Stats {
            views: a.view_count,
            helpful: a.helpful_count,
            not_helpful: a.not_helpful_count,
            version: a.version,
            updated: a.updated_at.format_local(zone),
            published: a.published_at.map(|p| p.format_local(zone)),
        }),
        preview_html,
        help_url,
        f,
    })
}

/// Tags typed as a list separated by commas (ASCII or full-width) or line breaks.
pub fn split_tags(text: &str) -> Vec<String> {
    text.split([',', '，', '\n']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// Line breaks as browsers send them (CRLF) stored as `\n`, so saving unchanged text is no change.
pub fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The posted form as the service's input and the chosen status; or the fields that are wrong.
fn read(c: &Ctx, form: &FormData) -> Result<(ArticleInput, KbStatus), FieldErrors> {
    let mut errors = FieldErrors::new();
    let category_id = match form.filled("category_id") {
        None => None,
        Some(text) => {
            let parsed = text.trim().parse::<CategoryId>().ok();
            if parsed.is_none() {
                errors.add("category_id", c.t.t("err.invalid_id"));
            }
            parsed
        }
    };
    let status = KbStatus::parse(&form.value("status"));
    if status.is_none() {
        errors.add("status", "must be draft, published or archived");
    }
    let input = ArticleInput {
        title: form.field("title"),
        slug: form.filled("slug"),
        body: form.field("body").map(|b| unix_lines(&b)),
        tags: Some(split_tags(&form.value("tags"))),
        category_id: Some(category_id),
        locale: form.filled("locale"),
    };
    match (status, errors.is_empty()) {
        (Some(status), true) => Ok((input, status)),
        _ => Err(errors),
    }
}

/// Saves the form: the content (a new version when it changed), then the status when it changed.
async fn save(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    existing: Option<&Article>,
    form: &FormData,
) -> Result<Article, AppError> {
    let (input, status) = read(c, form).map_err(AppError::Validation)?;
    let saved = match existing {
        Some(article) => state.app.update_kb_article(actor, article.id, &input).await?,
        None => state.app.create_kb_article(actor, &input).await?,
    };
    if saved.status == status {
        return Ok(saved);
    }
    state.app.set_kb_article_status(actor, saved.id, status).await
}

/// The form shown again with the service's field errors (422), what was typed kept.
async fn redisplay(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    existing: Option<&Article>,
    form: &FormData,
    error: AppError,
) -> UiResult {
    let errors = field_errors(error).map_err(|e| c.fail(e))?;
    let mut f = form.view();
    kb_common::add_errors(c.t, &mut f, &errors);
    let preview = state.app.preview_kb_article_body(actor, &unix_lines(f.v("body"))).unwrap_or_default();
    let page = edit_page(state, c, actor, existing, f, preview).await?;
    Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn new_form(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let f = FormView::new().with("status", KbStatus::Draft.name()).with("locale", actor.locale.code());
    let page = edit_page(&state, &c, &actor, None, f, String::new()).await?;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    match save(&state, &c, &actor, None, &form).await {
        Ok(article) => Ok(c.done(&format!("/kb/articles/{}", article.id), "kbadmin.flash.article_created")),
        Err(error) => redisplay(&state, &c, &actor, None, &form, error).await,
    }
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let article = state.app.get_kb_article(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    let page = edit_page(&state, &c, &actor, Some(&article), view_of(&article), article.body_html.clone()).await?;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let article = state.app.get_kb_article(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    match save(&state, &c, &actor, Some(&article), &form).await {
        Ok(saved) => Ok(c.done(&format!("/kb/articles/{}", saved.id), "kbadmin.flash.article_saved")),
        Err(error) => redisplay(&state, &c, &actor, Some(&article), &form, error).await,
    }
}

pub async fn confirm_delete(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let article = state.app.get_kb_article(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    let base = format!("/kb/articles/{}", article.id);
    let keys = ("kbadmin.article.delete_title", "kbadmin.article.delete_question");
    Ok(kb_common::confirm_delete(&c, keys, &article.title, &base, &base))
}

pub async fn delete(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    state.app.delete_kb_article(&actor, path_id(&c, &id)?).await.or_page(&c)?;
    Ok(c.done("/kb/articles", "kbadmin.flash.article_deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_on_either_comma_and_lines() {
        assert_eq!(split_tags("退款, refund，售后\n\n ,x "), vec!["退款", "refund", "售后", "x"]);
        assert_eq!(unix_lines("a\r\nb\n"), "a\nb\n");
    }
}
