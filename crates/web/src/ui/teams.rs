//! Teams (skill groups): list, create, edit name, description and members, delete.

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{Check, FormData, FormView, QueryData, field_errors};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchboard_app::{Actor, AppError, PageRequest, UserFilter};
use switchboard_domain::entities::User;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::TeamInput;
use switchboard_domain::{TeamId, UserId};

pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub members: usize,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct ListPage {
    t: Tr,
    c: Chrome,
    q: String,
    rows: Vec<TeamRow>,
    next_page: Option<String>,
    first_page: Option<String>,
    can_manage: bool,
}

fn list_url(q: &str, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    format!("/settings/teams?{}", query.finish())
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(query): QueryData) -> UiResult {
    let q = query.value("q").trim().to_string();
    let cursor = query.filled("cursor");
    let request = PageRequest { cursor: cursor.clone(), limit: Some(50) };
    let page = state.app.list_teams(&actor, Some(q.as_str()).filter(|q| !q.is_empty()), &request).await.or_page(&c)?;
    let rows = page
        .data
        .into_iter()
        .map(|team| TeamRow {
            id: team.id.to_string(),
            members: team.member_ids.len(),
            name: team.name,
            description: team.description,
        })
        .collect();
    let list = ListPage {
        t: c.t,
        c: c.chrome("settings"),
        next_page: page.next_cursor.as_deref().map(|cur| list_url(&q, Some(cur))),
        first_page: cursor.map(|_| list_url(&q, None)),
        q,
        rows,
        can_manage: actor.can(Permission::TeamsManage),
    };
    Ok(c.render(StatusCode::OK, &list))
}

/// Every user of the account (pages of 200, at most 10 pages), for the member checkboxes.
pub async fn all_users(state: &WebState, actor: &Actor) -> Vec<User> {
    let mut users = Vec::new();
    if !actor.can(Permission::UsersRead) {
        return users;
    }
    let mut cursor = None;
    for _ in 0..10 {
        let request = PageRequest { cursor, limit: Some(PageRequest::MAX_LIMIT) };
        let Ok(page) = state.app.list_users(actor, &UserFilter::default(), &request).await else { break };
        users.extend(page.data);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    users
}

#[derive(Template)]
#[template(path = "team_form.html")]
struct FormPage {
    t: Tr,
    c: Chrome,
    /// The team's id when editing.
    editing: Option<String>,
    f: FormView,
    members: Vec<Check>,
    can_manage: bool,
}

async fn form_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    editing: Option<String>,
    f: FormView,
    checked: &[String],
) -> FormPage {
    let members = all_users(state, actor)
        .await
        .into_iter()
        .map(|u| Check {
            checked: checked.contains(&u.id.to_string()),
            value: u.id.to_string(),
            label: u.name,
            hint: u.email,
        })
        .collect();
    FormPage { t: c.t, c: c.chrome("settings"), editing, f, members, can_manage: actor.can(Permission::TeamsManage) }
}

fn input(c: &Ctx, form: &FormData) -> Result<TeamInput, AppError> {
    let members = if form.has("members_shown") {
        let ids: Result<Vec<UserId>, _> = form.values("member_ids").iter().map(|v| v.parse::<UserId>()).collect();
        Some(ids.map_err(|_| AppError::field("member_ids", c.t.t("err.no_such_user")))?)
    } else {
        None
    };
    Ok(TeamInput { name: form.field("name"), description: form.field("description"), member_ids: members })
}

pub async fn new_form(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::TeamsManage).or_page(&c)?;
    let page = form_page(&state, &c, &actor, None, FormView::new(), &[]).await;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let result = match input(&c, &form) {
        Ok(input) => state.app.create_team(&actor, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(c.done("/settings/teams", "flash.team_created")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            let page = form_page(&state, &c, &actor, None, f, &form.values("member_ids")).await;
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

fn parse_id(c: &Ctx, id: &str) -> Result<TeamId, Fail> {
    id.parse::<TeamId>().map_err(|_| c.not_found())
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let team = state.app.get_team(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    let f = FormView::new().with("name", &team.name).with("description", &team.description);
    let checked: Vec<String> = team.member_ids.iter().map(|m| m.to_string()).collect();
    let page = form_page(&state, &c, &actor, Some(team.id.to_string()), f, &checked).await;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    let id = parse_id(&c, &id)?;
    let result = match input(&c, &form) {
        Ok(input) => state.app.update_team(&actor, id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(c.done("/settings/teams", "flash.team_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            let page = form_page(&state, &c, &actor, Some(id.to_string()), f, &form.values("member_ids")).await;
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The confirmation step of a deletion (works without JavaScript).
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub t: Tr,
    pub c: Chrome,
    pub title: String,
    pub question: String,
    pub action: String,
    pub button: &'static str,
    pub cancel: String,
}

pub async fn confirm_delete(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    actor.require(Permission::TeamsManage).or_page(&c)?;
    let team = state.app.get_team(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    let t = c.t;
    let page = ConfirmPage {
        t,
        c: c.chrome("settings"),
        title: t.t("teams.delete_title").to_string(),
        question: t.t("teams.delete_question").replace("{name}", &team.name),
        action: format!("/settings/teams/{}/delete", team.id),
        button: t.t("teams.delete"),
        cancel: format!("/settings/teams/{}", team.id),
    };
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn delete(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    state.app.delete_team(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    Ok(c.done("/settings/teams", "flash.team_deleted"))
}
