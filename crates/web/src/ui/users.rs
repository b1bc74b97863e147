//! Users: the list with search and filters, creation, editing, deactivation, password reset.

use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{Check, FormData, FormView, Opt, QueryData, field_errors, locale_options, time_zone_options};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::HashMap;
use switchboard_app::{Actor, AppError, PageRequest, UserFilter};
use switchboard_domain::entities::{Role, User};
use switchboard_domain::permissions::{BuiltinRole, Permission};
use switchboard_domain::requests::{NewUserInput, UserUpdateInput};
use switchboard_domain::{RoleId, TeamId, UserId};

/// A role's name as shown: built-in roles in the reader's language.
pub fn role_label(t: Tr, role: &Role) -> String {
    match role.builtin {
        Some(BuiltinRole::Agent) => t.t("role.agent").to_string(),
        Some(BuiltinRole::Supervisor) => t.t("role.supervisor").to_string(),
        Some(BuiltinRole::Admin) => t.t("role.admin").to_string(),
        None => role.name.clone(),
    }
}

/// The account's roles when the actor may read them (one page of 200 covers any real account).
async fn roles(state: &WebState, actor: &Actor) -> Vec<Role> {
    if !actor.can(Permission::RolesRead) {
        return Vec::new();
    }
    let page = PageRequest { cursor: None, limit: Some(PageRequest::MAX_LIMIT) };
    state.app.list_roles(actor, &page).await.map(|p| p.data).unwrap_or_default()
}

/// Role choices: the account's roles, or the built-in ones by key when roles cannot be read.
fn role_options(t: Tr, roles: &[Role], current: &str) -> Vec<Opt> {
    if roles.is_empty() {
        return BuiltinRole::ALL
            .iter()
            .map(|b| {
                Opt::new(
                    b.key(),
                    t.t(match b {
                        BuiltinRole::Agent => "role.agent",
                        BuiltinRole::Supervisor => "role.supervisor",
                        BuiltinRole::Admin => "role.admin",
                    }),
                    current,
                )
            })
            .collect();
    }
    roles.iter().map(|r| Opt::new(r.id.to_string(), role_label(t, r), current)).collect()
}

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub last_sign_in: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    t: Tr,
    c: Chrome,
    q: FormView,
    role_filter: Vec<Opt>,
    active_filter: Vec<Opt>,
    rows: Vec<UserRow>,
    next_page: Option<String>,
    first_page: Option<String>,
    can_manage: bool,
    show_roles: bool,
}

/// The query string of the list's filters (and a cursor).
fn list_url(q: &FormData, cursor: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for key in ["q", "role", "active"] {
        if let Some(v) = q.filled(key) {
            query.append_pair(key, &v);
        }
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    format!("/settings/users?{}", query.finish())
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(q): QueryData) -> UiResult {
    let t = c.t;
    let active = match q.value("active").as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    let filter = UserFilter {
        query: q.filled("q").map(|v| v.trim().to_string()),
        role_id: q.filled("role").and_then(|r| r.parse::<RoleId>().ok()),
        team_id: None,
        active,
    };
    let cursor = q.filled("cursor");
    let page = state
        .app
        .list_users(&actor, &filter, &PageRequest { cursor: cursor.clone(), limit: Some(50) })
        .await
        .or_page(&c)?;
    let roles = roles(&state, &actor).await;
    let names: HashMap<RoleId, String> = roles.iter().map(|r| (r.id, role_label(t, r))).collect();
    let zone = c.time_zone();
    let rows = page
        .data
        .iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            name: u.name.clone(),
            email: u.email.clone(),
            role: names.get(&u.role_id).cloned().unwrap_or_default(),
            active: u.active,
            last_sign_in: u.last_sign_in_at.map(|at| at.format_local(zone)).unwrap_or_default(),
        })
        .collect();
    let mut role_filter = vec![Opt::new("", t.t("users.any_role"), &q.value("role"))];
    role_filter.extend(roles.iter().map(|r| Opt::new(r.id.to_string(), role_label(t, r), &q.value("role"))));
    let current_active = q.value("active");
    let active_filter = vec![
        Opt::new("", t.t("users.any_status"), &current_active),
        Opt::new("true", t.t("users.active"), &current_active),
        Opt::new("false", t.t("users.inactive"), &current_active),
    ];
    let list = ListPage {
        t,
        c: c.chrome_htmx("settings"),
        q: q.view(),
        role_filter,
        active_filter,
        rows,
        next_page: page.next_cursor.as_deref().map(|cur| list_url(&q, Some(cur))),
        first_page: cursor.map(|_| list_url(&q, None)),
        can_manage: actor.can(Permission::UsersManage),
        show_roles: !roles.is_empty(),
    };
    Ok(c.render(StatusCode::OK, &list))
}

pub struct EditInfo {
    pub id: String,
    pub created: String,
    pub last_sign_in: String,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    t: Tr,
    c: Chrome,
    editing: Option<EditInfo>,
    f: FormView,
    /// The password-reset form.
    p: FormView,
    roles: Vec<Opt>,
    locales: Vec<Opt>,
    time_zones: Vec<Opt>,
    teams: Vec<Check>,
    can_manage: bool,
}

/// Everything the user form shows around the values.
async fn form_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    editing: Option<EditInfo>,
    f: FormView,
    p: FormView,
    team_ids: &[String],
) -> FormPage {
    let t = c.t;
    let roles = roles(state, actor).await;
    let teams = if actor.can(Permission::TeamsRead) {
        let page = PageRequest { cursor: None, limit: Some(PageRequest::MAX_LIMIT) };
        state.app.list_teams(actor, None, &page).await.map(|p| p.data).unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut locales = vec![Opt::new("", t.t("users.account_default"), f.v("locale"))];
    locales.extend(locale_options(f.v("locale")));
    let mut time_zones = vec![Opt::new("", t.t("users.account_default"), f.v("time_zone"))];
    time_zones.extend(time_zone_options(f.v("time_zone")));
    FormPage {
        t,
        c: c.chrome("settings"),
        editing,
        roles: role_options(t, &roles, f.v("role")),
        locales,
        time_zones,
        teams: teams
            .into_iter()
            .map(|team| Check {
                checked: team_ids.contains(&team.id.to_string()),
                value: team.id.to_string(),
                label: team.name,
                hint: team.description,
            })
            .collect(),
        can_manage: actor.can(Permission::UsersManage),
        f,
        p,
    }
}

fn team_ids(c: &Ctx, form: &FormData) -> Result<Vec<TeamId>, AppError> {
    form.values("team_ids")
        .iter()
        .map(|v| v.parse::<TeamId>().map_err(|_| AppError::field("team_ids", c.t.t("err.no_such_team"))))
        .collect()
}

pub async fn new_form(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::UsersManage).or_page(&c)?;
    let f = FormView::new().with("role", if actor.can(Permission::RolesRead) { String::new() } else { "agent".into() });
    let page = form_page(&state, &c, &actor, None, f, FormView::new(), &[]).await;
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let result = match team_ids(&c, &form) {
        Ok(team_ids) => {
            let input = NewUserInput {
                name: form.field("name"),
                email: form.field("email"),
                password: form.field("password"),
                role: form.field("role"),
                locale: form.filled("locale"),
                time_zone: form.filled("time_zone"),
                team_ids,
            };
            state.app.create_user(&actor, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(c.done("/settings/users", "flash.user_created")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            let page = form_page(&state, &c, &actor, None, f, FormView::new(), &form.values("team_ids")).await;
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

fn edit_info(c: &Ctx, actor: &Actor, user: &User) -> EditInfo {
    EditInfo {
        id: user.id.to_string(),
        created: user.created_at.format_local(c.time_zone()),
        last_sign_in: user.last_sign_in_at.map(|at| at.format_local(c.time_zone())).unwrap_or_default(),
        is_self: actor.user_id() == Some(user.id),
    }
}

fn parse_id(c: &Ctx, id: &str) -> Result<UserId, Fail> {
    id.parse::<UserId>().map_err(|_| c.not_found())
}

/// The edit page: with the form as sent (and its checked teams), or as stored when `None`.
async fn edit_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    id: UserId,
    sent: Option<(FormView, Vec<String>)>,
    p: FormView,
    status: StatusCode,
) -> UiResult {
    let user = state.app.get_user(actor, id).await.or_page(c)?;
    let (f, team_ids) = match sent {
        Some(sent) => sent,
        None => {
            let mut f = FormView::new()
                .with("name", &user.name)
                .with("email", &user.email)
                .with("role", user.role_id.to_string())
                .with("locale", user.locale.code())
                .with("time_zone", &user.time_zone);
            if user.active {
                f = f.with("active", "true");
            }
            (f, user.team_ids.iter().map(|t| t.to_string()).collect())
        }
    };
    let page = form_page(state, c, actor, Some(edit_info(c, actor, &user)), f, p, &team_ids).await;
    Ok(c.render(status, &page))
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let id = parse_id(&c, &id)?;
    edit_page(&state, &c, &actor, id, None, FormView::new(), StatusCode::OK).await
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    let id = parse_id(&c, &id)?;
    let result = match team_ids(&c, &form) {
        Ok(teams) => {
            let input = UserUpdateInput {
                name: form.field("name"),
                email: form.field("email"),
                role: form.filled("role"),
                locale: form.filled("locale"),
                time_zone: form.filled("time_zone"),
                active: Some(form.has("active")),
                team_ids: form.has("teams_shown").then_some(teams),
            };
            state.app.update_user(&actor, id, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(c.done("/settings/users", "flash.user_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            let sent = Some((f, form.values("team_ids")));
            edit_page(&state, &c, &actor, id, sent, FormView::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn reset_password(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    let id = parse_id(&c, &id)?;
    let mut p = FormView::new();
    if form.value("password") != form.value("password_confirm") {
        p.error("password_confirm", c.t.t("profile.password_mismatch"));
    } else {
        match state.app.reset_password(&actor, id, &form.value("password")).await {
            Ok(()) => return Ok(c.done(&format!("/settings/users/{id}"), "flash.password_reset")),
            Err(error) => {
                let errors = field_errors(error).map_err(|e| c.fail(e))?;
                p.add_errors(c.t, &errors, str::to_string);
            }
        }
    }
    edit_page(&state, &c, &actor, id, None, p, StatusCode::UNPROCESSABLE_ENTITY).await
}
