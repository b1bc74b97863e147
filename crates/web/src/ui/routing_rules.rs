//! Settings → Routing → Rules: the ordered list (move up and down, enable and disable, delete with
//! a confirmation), the editor with its condition builder, and "try it": a sample conversation
//! evaluated by the rules, with the outcome shown below the form.

use super::ctx::{Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, field_errors};
use super::routing::{Tab, routing_message, tabs, team_options};
use super::routing_rule_form::{self as rule_form, ConditionRow, RowValues};
use super::routing_settings::routing_chrome;
use super::teams::ConfirmPage;
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use switchboard_app::{Actor, AppError, PageRequest, RuleTestInput, TeamQueue};
use switchboard_domain::permissions::Permission;
use switchboard_domain::routing::rules::{RoutingOutcome, RoutingRule, RoutingRuleInput};
use switchboard_domain::{ChannelId, RoutingRuleId};

/// One rule in the list.
pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub conditions: Vec<String>,
    pub actions: Vec<String>,
    pub first: bool,
    pub last: bool,
}

/// What "try it" found.
pub struct Outcome {
    pub team: Option<String>,
    pub default_team: bool,
    pub priority: Option<&'static str>,
    pub tags: String,
    pub matched: Vec<String>,
}

#[derive(Template)]
#[template(path = "routing_rules.html")]
struct ListPage {
    t: Tr,
    c: super::Chrome,
    tabs: Vec<Tab>,
    rules: Vec<RuleRow>,
    test: FormView,
    channels: Vec<Opt>,
    outcome: Option<Outcome>,
}

#[derive(Template)]
#[template(path = "routing_rule_form.html")]
struct EditPage {
    t: Tr,
    c: super::Chrome,
    tabs: Vec<Tab>,
    editing: Option<String>,
    f: FormView,
    rows: Vec<ConditionRow>,
    /// A blank row for the page's script to copy when adding a condition.
    blank: Vec<ConditionRow>,
    teams: Vec<Opt>,
    priorities: Vec<Opt>,
    extra: Vec<String>,
}

/// The account's channels as (id, name).
async fn channel_names(state: &WebState, actor: &Actor) -> Vec<(String, String)> {
    let request = PageRequest { cursor: None, limit: Some(PageRequest::MAX_LIMIT) };
    match state.app.list_channels(actor, &request).await {
        Ok(page) => page.data.into_iter().map(|ch| (ch.id.to_string(), ch.name)).collect(),
        Err(_) => Vec::new(),
    }
}

fn team_name(queues: &[TeamQueue], id: impl ToString) -> String {
    let id = id.to_string();
    queues.iter().find(|q| q.team_id.to_string() == id).map(|q| q.name.clone()).unwrap_or(id)
}

fn rule_rows(t: Tr, rules: &[RoutingRule], queues: &[TeamQueue], channels: &[(String, String)]) -> Vec<RuleRow> {
    let count = rules.len();
    rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let mut actions = Vec::new();
            if let Some(team) = rule.actions.team_id {
                actions.push(t.t("rt.rule.to_team").replace("{team}", &team_name(queues, team)));
            }
            if let Some(priority) = rule.actions.priority {
                actions.push(
                    t.t("rt.rule.set_priority").replace("{priority}", t.t(rule_form::priority_key(priority.name()))),
                );
            }
            if !rule.actions.add_tags.is_empty() {
                actions.push(t.t("rt.rule.add_tags").replace("{tags}", &rule.actions.add_tags.join(", ")));
            }
            RuleRow {
                id: rule.id.to_string(),
                name: rule.name.clone(),
                enabled: rule.enabled,
                conditions: rule.conditions.iter().map(|c| rule_form::describe(t, c, channels)).collect(),
                actions,
                first: i == 0,
                last: i + 1 == count,
            }
        })
        .collect()
}

async fn list_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    test: FormView,
    outcome: Option<RoutingOutcome>,
    status: StatusCode,
) -> UiResult {
    let t = c.t;
    let rules = state.app.routing_rules(actor).await.or_page(c)?;
    let queues = state.app.team_queues(actor).await.or_page(c)?;
    let channels = channel_names(state, actor).await;
    let outcome = outcome.map(|o| Outcome {
        team: o.team_id.map(|id| team_name(&queues, id)),
        default_team: o.default_team,
        priority: o.priority.map(|p| t.t(rule_form::priority_key(p.name()))),
        tags: o.add_tags.join(", "),
        matched: o
            .matched
            .iter()
            .map(|id| rules.iter().find(|r| r.id == *id).map(|r| r.name.clone()).unwrap_or_else(|| id.to_string()))
            .collect(),
    });
    let mut channel_options = vec![Opt::new("", t.t("rt.test.any_channel"), test.v("channel_id"))];
    channel_options.extend(channels.iter().map(|(id, name)| Opt::new(id.clone(), name.clone(), test.v("channel_id"))));
    let page = ListPage {
        t,
        c: routing_chrome(c),
        tabs: tabs(t, "rules"),
        rules: rule_rows(t, &rules, &queues, &channels),
        test,
        channels: channel_options,
        outcome,
    };
    Ok(c.render(status, &page))
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    list_page(&state, &c, &actor, FormView::new(), None, StatusCode::OK).await
}

async fn edit_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    editing: Option<String>,
    f: FormView,
    rows: &[RowValues],
    status: StatusCode,
) -> UiResult {
    let t = c.t;
    let queues = state.app.team_queues(actor).await.or_page(c)?;
    let channels = channel_names(state, actor).await;
    let mut shown: Vec<String> =
        ["name", "enabled", "team_id", "priority", "tags", "actions"].map(String::from).to_vec();
    shown.extend((0..rule_form::MAX_ROWS + 1).map(|row| format!("c{row}")));
    let extra = f.extra(&shown.join(","));
    let blank = rule_form::show_rows(t, &[], &FormView::new(), &channels);
    let mut chrome = routing_chrome(c);
    chrome.module_url = Some(crate::assets::module_url("rt-rule.js"));
    let page = EditPage {
        t,
        c: chrome,
        tabs: tabs(t, "rules"),
        editing,
        rows: rule_form::show_rows(t, rows, &f, &channels),
        blank,
        teams: team_options(&queues, f.v("team_id"), t.t("rt.rule.team_keep")),
        priorities: rule_form::priority_options(t, f.v("priority")),
        extra,
        f,
    };
    Ok(c.render(status, &page))
}

fn parse_id(c: &Ctx, id: &str) -> Result<RoutingRuleId, Fail> {
    id.parse::<RoutingRuleId>().map_err(|_| c.not_found())
}

async fn find_rule(state: &WebState, c: &Ctx, actor: &Actor, id: RoutingRuleId) -> Result<RoutingRule, Fail> {
    let rules = state.app.routing_rules(actor).await.or_page(c)?;
    rules.into_iter().find(|r| r.id == id).ok_or_else(|| c.not_found())
}

pub async fn new_form(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    edit_page(&state, &c, &actor, None, rule_form::view_of(None), &[], StatusCode::OK).await
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let rule = find_rule(&state, &c, &actor, parse_id(&c, &id)?).await?;
    let rows: Vec<RowValues> = rule.conditions.iter().map(rule_form::row_of).collect();
    edit_page(&state, &c, &actor, Some(rule.id.to_string()), rule_form::view_of(Some(&rule)), &rows, StatusCode::OK)
        .await
}

/// Saves a posted editor (`id` None: a new rule); "add a condition" without the script shows the
/// form again with one more row.
async fn save(state: &WebState, c: &Ctx, actor: &Actor, id: Option<RoutingRuleId>, form: &FormData) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(c)?;
    let parsed = rule_form::read(form);
    let editing = id.map(|id| id.to_string());
    if form.has("add_condition") {
        let mut rows = parsed.rows.clone();
        rows.retain(|r| !r.kind.is_empty());
        return edit_page(state, c, actor, editing, form.view(), &rows, StatusCode::OK).await;
    }
    let result = if parsed.errors.is_empty() {
        state.app.save_routing_rule(actor, id, &parsed.input).await.map(|_| ())
    } else {
        Err(AppError::Validation(parsed.errors.clone()))
    };
    match result {
        Ok(()) => Ok(c.done("/settings/routing/rules", "rt.flash.rule_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            parsed.place_errors(c.t, &errors, &mut f);
            edit_page(state, c, actor, editing, f, &parsed.rows, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    save(&state, &c, &actor, None, &form).await
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    let id = parse_id(&c, &id)?;
    save(&state, &c, &actor, Some(id), &form).await
}

/// The whole rule as an input, for changing one thing of it.
fn input_of(rule: &RoutingRule) -> RoutingRuleInput {
    RoutingRuleInput {
        name: Some(rule.name.clone()),
        enabled: Some(rule.enabled),
        conditions: Some(rule.conditions.clone()),
        actions: Some(rule.actions.clone()),
        position: None,
    }
}

/// Moves a rule one place up or down (`direction` = `up` | `down`).
pub async fn move_rule(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let id = parse_id(&c, &id)?;
    let rules = state.app.routing_rules(&actor).await.or_page(&c)?;
    let place = rules.iter().position(|r| r.id == id).ok_or_else(|| c.not_found())?;
    let to = match form.value("direction").as_str() {
        "up" => place.saturating_sub(1),
        _ => (place + 1).min(rules.len().saturating_sub(1)),
    };
    let mut input = input_of(&rules[place]);
    input.position = Some(i64::try_from(to).unwrap_or(0));
    state.app.save_routing_rule(&actor, Some(id), &input).await.or_page(&c)?;
    Ok(c.done("/settings/routing/rules", "rt.flash.rule_moved"))
}

pub async fn toggle(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let rule = find_rule(&state, &c, &actor, parse_id(&c, &id)?).await?;
    let mut input = input_of(&rule);
    input.enabled = Some(!rule.enabled);
    state.app.save_routing_rule(&actor, Some(rule.id), &input).await.or_page(&c)?;
    Ok(c.done("/settings/routing/rules", if rule.enabled { "rt.flash.rule_disabled" } else { "rt.flash.rule_enabled" }))
}

pub async fn confirm_delete(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let rule = find_rule(&state, &c, &actor, parse_id(&c, &id)?).await?;
    let t = c.t;
    let page = ConfirmPage {
        t,
        c: c.chrome("settings"),
        title: t.t("rt.rule.delete_title").to_string(),
        question: t.t("rt.rule.delete_question").replace("{name}", &rule.name),
        action: format!("/settings/routing/rules/{}/delete", rule.id),
        button: t.t("rt.rule.delete"),
        cancel: "/settings/routing/rules".into(),
    };
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn delete(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    state.app.delete_routing_rule(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    Ok(c.done("/settings/routing/rules", "rt.flash.rule_deleted"))
}

/// `key=value` lines.
fn pairs(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// "2026-11-20 14:30" in `zone` as RFC 3339.
fn local_time(text: &str, zone: &str) -> Option<String> {
    let civil: jiff::civil::DateTime = text.trim().replace(' ', "T").parse().ok()?;
    let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    Some(civil.to_zoned(zone).ok()?.timestamp().to_string())
}

/// "Try it": the rules evaluated for the posted sample conversation.
pub async fn test(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let mut f = form.view();
    let zone = match state.app.account(&actor).await {
        Ok(account) => account.time_zone,
        Err(_) => actor.time_zone.clone(),
    };
    let at = match form.filled("at") {
        Some(text) => match local_time(&text, &zone) {
            Some(at) => Some(at),
            None => {
                f.error("at", routing_message(c.t, "must be a time like 2026-11-20 14:30"));
                None
            }
        },
        None => None,
    };
    let vip_level = form.value("vip_level").trim().parse::<u8>().unwrap_or(0);
    let input = RuleTestInput {
        channel_id: form.filled("channel_id").and_then(|id| id.trim().parse::<ChannelId>().ok()),
        contact_tags: form
            .value("contact_tags")
            .split([',', '，'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect(),
        vip_level,
        contact_attributes: pairs(&form.value("contact_attributes")),
        prechat: pairs(&form.value("prechat")),
        page_url: form.filled("page_url"),
        locale: form.filled("locale"),
        at,
    };
    if f.has_errors() {
        return list_page(&state, &c, &actor, f, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.app.test_routing_rules(&actor, &input).await {
        Ok(outcome) => list_page(&state, &c, &actor, f, Some(outcome), StatusCode::OK).await,
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            for (field, text) in errors.iter() {
                f.error(field, routing_message(c.t, text));
            }
            list_page(&state, &c, &actor, f, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_times_are_read_in_the_accounts_zone() {
        assert_eq!(local_time("2026-11-20 09:30", "Asia/Shanghai").as_deref(), Some("2026-11-20T01:30:00Z"));
        assert_eq!(local_time("2026-11-20T09:30", "UTC").as_deref(), Some("2026-11-20T09:30:00Z"));
        assert_eq!(local_time("tomorrow", "UTC"), None);
        let parsed = pairs("plan = gold\nbad line\n=x\nlevel=2");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed["plan"], "gold");
    }
}
