//! The bot's unanswered questions for admins (`kb.manage`): the list (open, most recent or most
//! frequent first; dismissed; added to the FAQ), "Dismiss", and "Add to FAQ" with its prefilled form.

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, QueryData, field_errors, locale_options};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchboard_app::PageRequest;
use switchboard_domain::UnansweredId;
use switchboard_domain::bot_feedback::*;
use switchboard_domain::permissions::Permission;

const LIST: &str = "/settings/bot/unanswered";

pub struct GuessRow {
    pub entry_id: String,
    pub question: String,
}

pub struct ItemRow {
    pub id: String,
    pub question: String,
    pub rated_down: bool,
    /// The reason, in words.
    pub reason: &'static str,
    pub guesses: Vec<GuessRow>,
    pub occurrences: i64,
    pub last_seen: String,
    pub conversation_url: String,
}

/// A tab of the list: a status or an order.
pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "bot_unanswered.html")]
struct ListPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    sorts: Vec<Tab>,
    open: bool,
    rows: Vec<ItemRow>,
    next_page: Option<String>,
    first_page: Option<String>,
}

fn reason_label(t: Tr, reason: &str) -> &'static str {
    match reason {
        "no_match" => t.t("botfb.reason.no_match"),
        "unresolved" => t.t("botfb.reason.unresolved"),
        "clarify_ignored" => t.t("botfb.reason.clarify_ignored"),
        _ => t.t("botfb.reason.rated_down"),
    }
}

fn list_url(status: &str, sort: &str, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("status", status).append_pair("sort", sort);
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    format!("{LIST}?{}", query.finish())
}

fn row(c: &Ctx, item: UnansweredQuestion) -> ItemRow {
    ItemRow {
        id: item.id.to_string(),
        rated_down: item.kind == UnansweredKind::RatedDown,
        reason: reason_label(c.t, &item.reason),
        guesses: item.guesses.into_iter().map(|g| GuessRow { entry_id: g.entry_id, question: g.question }).collect(),
        occurrences: item.occurrences,
        last_seen: item.last_seen.format_local(c.time_zone()),
        conversation_url: format!("/inbox?view=all&c={}", item.conversation_id),
        question: item.question,
    }
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(q): QueryData) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let t = c.t;
    let status = UnansweredStatus::parse(&q.value("status")).unwrap_or(UnansweredStatus::Open);
    let sort = if q.value("sort") == "frequent" { "frequent" } else { "recent" };
    let order = UnansweredOrder::parse(sort).unwrap_or_default();
    let cursor = q.filled("cursor");
    let request = PageRequest { cursor: cursor.clone(), limit: Some(50) };
    let page = state.app.list_unanswered(&actor, status, order, &request).await.or_page(&c)?;
    let tab =
        |s: UnansweredStatus, key| Tab { href: list_url(s.name(), sort, None), label: t.t(key), active: s == status };
    let tabs = vec![
        tab(UnansweredStatus::Open, "botfb.status.open"),
        tab(UnansweredStatus::Resolved, "botfb.status.resolved"),
        tab(UnansweredStatus::Dismissed, "botfb.status.dismissed"),
    ];
    let order_tab = |s: &str, key| Tab { href: list_url(status.name(), s, None), label: t.t(key), active: s == sort };
    let sorts = vec![order_tab("recent", "botfb.sort.recent"), order_tab("frequent", "botfb.sort.frequent")];
    let page_view = ListPage {
        t,
        c: c.chrome("settings"),
        tabs,
        sorts,
        open: status == UnansweredStatus::Open,
        next_page: page.next_cursor.as_deref().map(|cur| list_url(status.name(), sort, Some(cur))),
        first_page: cursor.map(|_| list_url(status.name(), sort, None)),
        rows: page.data.into_iter().map(|item| row(&c, item)).collect(),
    };
    Ok(c.render(StatusCode::OK, &page_view))
}

fn parse_id(c: &Ctx, id: &str) -> Result<UnansweredId, Fail> {
    id.parse::<UnansweredId>().map_err(|_| c.not_found())
}

pub async fn dismiss(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    state.app.dismiss_unanswered(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    Ok(c.done(LIST, "botfb.flash.dismissed"))
}

#[derive(Template)]
#[template(path = "bot_unanswered_faq.html")]
struct FaqFormPage {
    t: Tr,
    c: Chrome,
    item: ItemRow,
    /// Which form was sent: `new` or `similar`.
    mode: String,
    f: FormView,
    locales: Vec<Opt>,
}

async fn form_page(state: &WebState, c: &Ctx, id: UnansweredId, mode: &str, f: FormView) -> Result<FaqFormPage, Fail> {
    let actor = c.actor.clone().ok_or_else(|| c.not_found())?;
    let item = state.app.get_unanswered(&actor, id).await.or_page(c)?;
    let locale = f.v("locale").to_string();
    let f = if f.v("question").is_empty() { f.with("question", &item.question) } else { f };
    let f = if f.v("similar").is_empty() { f.with("similar", &item.question) } else { f };
    let f = match (f.v("entry_id").is_empty(), item.guesses.first()) {
        (true, Some(first)) => f.with("entry_id", &first.entry_id),
        _ => f,
    };
    let locale = if locale.is_empty() { actor.locale.code().to_string() } else { locale };
    Ok(FaqFormPage {
        t: c.t,
        c: c.chrome("settings"),
        item: row(c, item),
        mode: mode.to_string(),
        f,
        locales: locale_options(&locale),
    })
}

pub async fn faq_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let page = form_page(&state, &c, parse_id(&c, &id)?, "new", FormView::new()).await?;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn add_to_faq(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    let id = parse_id(&c, &id)?;
    let mode = if form.value("mode") == "similar" { "similar" } else { "new" };
    let input = AddToFaqInput {
        mode: Some(mode.into()),
        question: form.field("question"),
        answer: form.field("answer"),
        locale: form.field("locale"),
        entry_id: form.field("entry_id"),
        similar: form.field("similar"),
        category_id: None,
    };
    match state.app.add_unanswered_to_faq(&actor, id, &input).await {
        Ok(_) => Ok(c.done(LIST, "botfb.flash.added")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            let page = form_page(&state, &c, id, mode, f).await?;
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
