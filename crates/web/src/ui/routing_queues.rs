//! Settings → Routing → Team queues (each team's policy, mode and offer timeout, overflow, queue
//! limit and members' proficiency; one form per team) and → Agents (each agent's own capacity, or the
//! account's default).

use super::ctx::{Ctx, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, field_errors, indexed};
use super::routing::{Tab, routing_message, tabs, whole};
use super::routing_settings::routing_chrome;
use super::teams::all_users;
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchboard_app::{Actor, AppError, CapacityInput, TeamMemberSkill, TeamQueue, TeamQueueInput};
use switchboard_domain::permissions::Permission;
use switchboard_domain::routing::settings::TeamRoutingSettings;
use switchboard_domain::{FieldErrors, TeamId, UserId};

/// A member's proficiency select.
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub levels: Vec<Opt>,
    pub error: Option<String>,
}

/// One team's form.
pub struct TeamCard {
    pub id: String,
    pub name: String,
    pub f: FormView,
    pub policies: Vec<Opt>,
    pub modes: Vec<Opt>,
    pub overflow: Vec<Opt>,
    pub members: Vec<MemberRow>,
    pub extra: Vec<String>,
}

#[derive(Template)]
#[template(path = "routing_teams.html")]
struct TeamsPage {
    t: Tr,
    c: super::Chrome,
    tabs: Vec<Tab>,
    teams: Vec<TeamCard>,
}

fn view_of(queue: &TeamQueue) -> FormView {
    let r = &queue.routing;
    let mut f = FormView::new()
        .with("policy", &r.policy)
        .with("mode", &r.mode)
        .with("offer_timeout_seconds", r.offer_timeout_seconds.to_string())
        .with("overflow_team_id", r.overflow_team_id.map(|t| t.to_string()).unwrap_or_default())
        .with("overflow_after_seconds", r.overflow_after_seconds.map(|s| s.to_string()).unwrap_or_default())
        .with("max_queue", r.max_queue.map(|s| s.to_string()).unwrap_or_default());
    for member in &queue.members {
        f = f.with(&format!("m{}", member.user_id), member.proficiency.to_string());
    }
    f
}

fn card(t: Tr, queue: &TeamQueue, all: &[TeamQueue], names: &[(UserId, String)], f: FormView) -> TeamCard {
    let policies = vec![
        Opt::new("least_busy", t.t("rt.team.least_busy"), f.v("policy")),
        Opt::new("round_robin", t.t("rt.team.round_robin"), f.v("policy")),
    ];
    let modes =
        vec![Opt::new("auto", t.t("rt.team.auto"), f.v("mode")), Opt::new("offer", t.t("rt.team.offer"), f.v("mode"))];
    let mut overflow = vec![Opt::new("", t.t("rt.team.no_overflow"), f.v("overflow_team_id"))];
    overflow.extend(
        all.iter()
            .filter(|q| q.team_id != queue.team_id)
            .map(|q| Opt::new(q.team_id.to_string(), q.name.clone(), f.v("overflow_team_id"))),
    );
    let members = queue
        .members
        .iter()
        .map(|m| {
            let key = format!("m{}", m.user_id);
            MemberRow {
                user_id: m.user_id.to_string(),
                name: names.iter().find(|(id, _)| *id == m.user_id).map(|(_, n)| n.clone()).unwrap_or_default(),
                levels: (1..=5).map(|l| Opt::new(l.to_string(), l.to_string(), f.v(&key))).collect(),
                error: f.err(&key).map(str::to_string),
            }
        })
        .collect();
    let shown = ["policy", "mode", "offer_timeout_seconds", "overflow_team_id", "overflow_after_seconds", "max_queue"];
    let is_member = |k: &str| k.strip_prefix('m').is_some_and(|id| id.parse::<UserId>().is_ok());
    let extra = f.errors.iter().filter(|(k, _)| !shown.contains(&k.as_str()) && !is_member(k)).map(|(_, v)| v.clone());
    TeamCard {
        id: queue.team_id.to_string(),
        name: queue.name.clone(),
        extra: extra.collect(),
        policies,
        modes,
        overflow,
        members,
        f,
    }
}

/// The teams page; `changed` is the team whose posted form (with its errors) is shown again.
async fn teams_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    changed: Option<(TeamId, FormView)>,
    status: StatusCode,
) -> UiResult {
    let t = c.t;
    let queues = state.app.team_queues(actor).await.or_page(c)?;
    let names: Vec<(UserId, String)> = all_users(state, actor).await.into_iter().map(|u| (u.id, u.name)).collect();
    let teams = queues
        .iter()
        .map(|q| {
            let f = match &changed {
                Some((id, f)) if *id == q.team_id => f.clone(),
                _ => view_of(q),
            };
            card(t, q, &queues, &names, f)
        })
        .collect();
    let page = TeamsPage { t, c: routing_chrome(c), tabs: tabs(t, "teams"), teams };
    Ok(c.render(status, &page))
}

pub async fn teams(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    teams_page(&state, &c, &actor, None, StatusCode::OK).await
}

/// A posted team form read back: the input, the member of each `members[i]`, and what is wrong already.
fn read_team(form: &FormData) -> (TeamQueueInput, Vec<UserId>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let mut optional = |name: &str| match form.filled(name) {
        None => None,
        Some(text) => whole(&text).or_else(|| {
            errors.add(name, "must be a whole number");
            None
        }),
    };
    let offer_timeout = optional("offer_timeout_seconds");
    let overflow_after_seconds = optional("overflow_after_seconds");
    let max_queue = optional("max_queue");
    let overflow_team_id = form
        .filled("overflow_team_id")
        .and_then(|id| id.trim().parse::<TeamId>().map_err(|_| errors.add("overflow_team_id", "no such team")).ok());
    let settings = TeamRoutingSettings {
        policy: form.value("policy"),
        mode: form.value("mode"),
        offer_timeout_seconds: offer_timeout.unwrap_or(TeamRoutingSettings::default().offer_timeout_seconds),
        overflow_team_id,
        overflow_after_seconds,
        max_queue,
    };
    let mut members = Vec::new();
    let mut order = Vec::new();
    for id in form.values("member_ids") {
        let Ok(user_id) = id.parse::<UserId>() else { continue };
        let level = form.value(&format!("m{user_id}")).parse::<u8>().unwrap_or(0);
        members.push(TeamMemberSkill { user_id, proficiency: level });
        order.push(user_id);
    }
    (TeamQueueInput { routing: Some(settings), members: Some(members) }, order, errors)
}

pub async fn save_team(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let team = id.parse::<TeamId>().map_err(|_| c.not_found())?;
    let (input, order, errors) = read_team(&form);
    let result = if errors.is_empty() {
        state.app.update_team_queue(&actor, team, &input).await.map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    match result {
        Ok(()) => Ok(c.done(&format!("/settings/routing/teams#team-{team}"), "rt.flash.team_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            for (field, text) in errors.iter() {
                let target = match indexed(field, "members") {
                    Some((i, _)) => order.get(i).map(|u| format!("m{u}")).unwrap_or_else(|| field.clone()),
                    None => field.strip_prefix("routing.").unwrap_or(field).to_string(),
                };
                f.error(&target, routing_message(c.t, text));
            }
            teams_page(&state, &c, &actor, Some((team, f)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// One agent's row.
pub struct AgentRow {
    pub id: String,
    pub name: String,
    pub load: u32,
    pub capacity: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "routing_agents.html")]
struct AgentsPage {
    t: Tr,
    c: super::Chrome,
    tabs: Vec<Tab>,
    agents: Vec<AgentRow>,
    default_capacity: u32,
}

async fn agents_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    changed: Option<(UserId, String, String)>,
    status: StatusCode,
) -> UiResult {
    let t = c.t;
    let settings = state.app.routing_settings(actor).await.or_page(c)?;
    let agents = state
        .app
        .list_presence(actor)
        .await
        .or_page(c)?
        .into_iter()
        .map(|a| {
            let (capacity, error) = match &changed {
                Some((id, typed, error)) if *id == a.user_id => (typed.clone(), Some(error.clone())),
                _ => (a.own_capacity.map(|n| n.to_string()).unwrap_or_default(), None),
            };
            AgentRow { id: a.user_id.to_string(), name: a.name, load: a.load, capacity, error }
        })
        .collect();
    let page = AgentsPage {
        t,
        c: routing_chrome(c),
        tabs: tabs(t, "agents"),
        agents,
        default_capacity: settings.default_capacity,
    };
    Ok(c.render(status, &page))
}

pub async fn agents(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    agents_page(&state, &c, &actor, None, StatusCode::OK).await
}

pub async fn save_capacity(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let user = id.parse::<UserId>().map_err(|_| c.not_found())?;
    let typed = form.value("capacity");
    let result = match form.filled("capacity") {
        None => state.app.set_agent_capacity(&actor, user, &CapacityInput { capacity: None }).await,
        Some(text) => match whole(&text) {
            Some(n) => state.app.set_agent_capacity(&actor, user, &CapacityInput { capacity: Some(n) }).await,
            None => Err(AppError::field("capacity", "must be a whole number")),
        },
    };
    match result {
        Ok(()) => Ok(c.done("/settings/routing/agents", "rt.flash.capacity_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let text = errors.iter().map(|(_, text)| routing_message(c.t, text)).collect::<Vec<_>>().join(" ");
            agents_page(&state, &c, &actor, Some((user, typed, text)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
