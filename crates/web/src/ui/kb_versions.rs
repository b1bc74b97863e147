//! Version history of an article or FAQ entry: the versions (who, when, why), a line diff of one
//! version against the current content, and "restore this version" (the service saves the old
//! content as a new version and audits it).

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::QueryData;
use super::kb_common::{self, Tab, path_id, version_number};
use super::kb_diff::{self, DiffLine};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use switchboard_app::{Actor, AppError, Page, PageRequest};
use switchboard_domain::kb::{ArticleContent, FaqContent, KbVersion};
use switchboard_domain::permissions::Permission;
use switchboard_domain::{ArticleId, CategoryId, FaqId};

/// What the history belongs to.
struct Subject {
    /// `articles` or `faq`: the tab and the path segment.
    kind: &'static str,
    id: String,
    title: String,
    version: i64,
    /// The current content as the diff shows it.
    text: String,
    /// Category names, for the diff text of old versions.
    names: HashMap<CategoryId, String>,
}

impl Subject {
    fn base(&self) -> String {
        format!("/kb/{}/{}", self.kind, self.id)
    }
}

pub struct VersionRow {
    pub version: i64,
    pub who: String,
    pub when: String,
    pub reason: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "kb_versions.html")]
struct HistoryPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    base: String,
    title: String,
    rows: Vec<VersionRow>,
    next_page: Option<String>,
    first_page: Option<String>,
}

#[derive(Template)]
#[template(path = "kb_diff.html")]
struct DiffPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    base: String,
    title: String,
    version: i64,
    current_version: i64,
    who: String,
    when: String,
    lines: Vec<DiffLine>,
    inserted: usize,
    removed: usize,
    can_restore: bool,
}

/// Why a version was made, in the page's language.
fn reason(t: Tr, reason: &str) -> String {
    if let Some(n) = reason.strip_prefix("restore of version ") {
        return t.t("kbadmin.reason.restore").replace("{n}", n);
    }
    match reason {
        "create" => t.t("kbadmin.reason.create").to_string(),
        "update" => t.t("kbadmin.reason.update").to_string(),
        "import" => t.t("kbadmin.reason.import").to_string(),
        other => other.to_string(),
    }
}

fn tab(kind: &str) -> &'static str {
    if kind == "faq" { "faq" } else { "articles" }
}

fn history(c: &Ctx, actor: &Actor, subject: &Subject, page: Page<KbVersion>, cursor: Option<String>) -> UiResult {
    let t = c.t;
    let base = subject.base();
    let rows = page
        .data
        .into_iter()
        .map(|v| VersionRow {
            current: v.version == subject.version,
            version: v.version,
            who: v.author_name,
            when: v.created_at.format_local(c.time_zone()),
            reason: reason(t, &v.reason),
        })
        .collect();
    let page = HistoryPage {
        t,
        c: kb_common::chrome(c, false),
        tabs: kb_common::tabs(t, tab(subject.kind), actor.can(Permission::KbManage)),
        next_page: page.next_cursor.map(|cur| {
            format!("{base}/versions?cursor={}", form_urlencoded::byte_serialize(cur.as_bytes()).collect::<String>())
        }),
        first_page: cursor.map(|_| format!("{base}/versions")),
        base,
        title: subject.title.clone(),
        rows,
    };
    Ok(c.render(StatusCode::OK, &page))
}

fn diff(c: &Ctx, actor: &Actor, subject: &Subject, version: KbVersion, old_text: &str) -> UiResult {
    let t = c.t;
    let lines = kb_diff::diff_lines(old_text, &subject.text);
    let (inserted, removed) = kb_diff::counts(&lines);
    let page = DiffPage {
        t,
        c: kb_common::chrome(c, false),
        tabs: kb_common::tabs(t, tab(subject.kind), actor.can(Permission::KbManage)),
        base: subject.base(),
        title: subject.title.clone(),
        version: version.version,
        current_version: subject.version,
        who: version.author_name,
        when: version.created_at.format_local(c.time_zone()),
        lines,
        inserted,
        removed,
        can_restore: actor.can(Permission::KbManage) && version.version != subject.version,
    };
    Ok(c.render(StatusCode::OK, &page))
}

/// A version's stored content as `T`.
fn content<T: serde::de::DeserializeOwned>(c: &Ctx, version: &KbVersion) -> Result<T, Fail> {
    serde_json::from_value(version.content.clone())
        .map_err(|e| c.fail(AppError::Internal(format!("version {} does not read: {e}", version.version))))
}

async fn category_names(state: &WebState, c: &Ctx, actor: &Actor) -> Result<HashMap<CategoryId, String>, Fail> {
    Ok(kb_common::names(&kb_common::tree(state.app.list_kb_categories(actor).await.or_page(c)?)))
}

/// A labelled line of the diff text: `Title: Returns`.
fn labelled(t: Tr, key: &str, value: &str) -> String {
    format!("{}: {value}\n", t.t(key))
}

fn category_name(names: &HashMap<CategoryId, String>, id: Option<CategoryId>) -> String {
    id.map(|id| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))).unwrap_or_else(|| "—".into())
}

/// An article's content as the diff compares it: its fields one per line, then the body.
fn article_text(t: Tr, names: &HashMap<CategoryId, String>, a: &ArticleContent) -> String {
    let mut text = labelled(t, "kbadmin.title", &a.title);
    text.push_str(&labelled(t, "kbadmin.category", &category_name(names, a.category_id)));
    text.push_str(&labelled(t, "kbadmin.locale", super::ctx::locale_name(a.locale)));
    text.push_str(&labelled(t, "kbadmin.tags", &a.tags.join(", ")));
    text.push_str(&labelled(t, "kbadmin.slug", &a.slug));
    text.push('\n');
    text.push_str(&a.body);
    text
}

/// A FAQ entry's content as the diff compares it: question, fields, other phrasings, answer.
fn faq_text(t: Tr, names: &HashMap<CategoryId, String>, f: &FaqContent) -> String {
    let mut text = labelled(t, "kbadmin.question", &f.question);
    text.push_str(&labelled(t, "kbadmin.category", &category_name(names, f.category_id)));
    text.push_str(&labelled(t, "kbadmin.locale", super::ctx::locale_name(f.locale)));
    text.push_str(&format!("{}:\n", t.t("kbadmin.similar")));
    for s in &f.similar {
        text.push_str(&format!("  - {s}\n"));
    }
    text.push('\n');
    text.push_str(&f.answer);
    text
}

async fn article_subject(state: &WebState, c: &Ctx, actor: &Actor, id: &str) -> Result<(ArticleId, Subject), Fail> {
    let article = state.app.get_kb_article(actor, path_id(c, id)?).await.or_page(c)?;
    let names = category_names(state, c, actor).await?;
    let subject = Subject {
        kind: "articles",
        id: article.id.to_string(),
        text: article_text(c.t, &names, &article.content()),
        names,
        title: article.title,
        version: article.version,
    };
    Ok((article.id, subject))
}

async fn faq_subject(state: &WebState, c: &Ctx, actor: &Actor, id: &str) -> Result<(FaqId, Subject), Fail> {
    let faq = state.app.get_kb_faq(actor, path_id(c, id)?).await.or_page(c)?;
    let names = category_names(state, c, actor).await?;
    let subject = Subject {
        kind: "faq",
        id: faq.id.to_string(),
        text: faq_text(c.t, &names, &faq.content()),
        names,
        title: faq.question,
        version: faq.version,
    };
    Ok((faq.id, subject))
}

pub async fn article_history(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    QueryData(q): QueryData,
) -> UiResult {
    let (id, subject) = article_subject(&state, &c, &actor, &id).await?;
    let request = PageRequest { cursor: q.filled("cursor"), limit: Some(50) };
    let page = state.app.list_kb_article_versions(&actor, id, &request).await.or_page(&c)?;
    history(&c, &actor, &subject, page, request.cursor)
}

pub async fn article_diff(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path((id, version)): Path<(String, String)>,
) -> UiResult {
    let (id, subject) = article_subject(&state, &c, &actor, &id).await?;
    let version = state.app.get_kb_article_version(&actor, id, version_number(&c, &version)?).await.or_page(&c)?;
    let old = article_text(c.t, &subject.names, &content(&c, &version)?);
    diff(&c, &actor, &subject, version, &old)
}

pub async fn article_restore(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path((id, version)): Path<(String, String)>,
) -> UiResult {
    let id: ArticleId = path_id(&c, &id)?;
    state.app.restore_kb_article_version(&actor, id, version_number(&c, &version)?).await.or_page(&c)?;
    Ok(c.done(&format!("/kb/articles/{id}"), "kbadmin.flash.restored"))
}

pub async fn faq_history(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    QueryData(q): QueryData,
) -> UiResult {
    let (id, subject) = faq_subject(&state, &c, &actor, &id).await?;
    let request = PageRequest { cursor: q.filled("cursor"), limit: Some(50) };
    let page = state.app.list_kb_faq_versions(&actor, id, &request).await.or_page(&c)?;
    history(&c, &actor, &subject, page, request.cursor)
}

pub async fn faq_diff(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path((id, version)): Path<(String, String)>,
) -> UiResult {
    let (id, subject) = faq_subject(&state, &c, &actor, &id).await?;
    let version = state.app.get_kb_faq_version(&actor, id, version_number(&c, &version)?).await.or_page(&c)?;
    let old = faq_text(c.t, &subject.names, &content(&c, &version)?);
    diff(&c, &actor, &subject, version, &old)
}

pub async fn faq_restore(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path((id, version)): Path<(String, String)>,
) -> UiResult {
    let id: FaqId = path_id(&c, &id)?;
    state.app.restore_kb_faq_version(&actor, id, version_number(&c, &version)?).await.or_page(&c)?;
    Ok(c.done(&format!("/kb/faq/{id}"), "kbadmin.flash.restored"))
}
