//! The agent workspace at `/inbox`: the page frame is rendered here (views and filters the actor may
//! use, the panels, the strings of the scripts); the conversation list, the chat and the contact
//! panel are rendered by the `ws-*.js` modules from the REST API and the realtime protocol (`/ws`).

use super::ctx::{Signed, UiResult};
use crate::assets::{asset_url, module_url};
use crate::i18n::Tr;
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_app::AppError;
use switchboard_domain::permissions::{DataScope, Permission};

/// What the address may ask for: `/inbox?view=mine&status=open&c=123`.
#[derive(Debug, Default, Deserialize)]
pub struct WorkspaceQuery {
    view: Option<String>,
    status: Option<String>,
    c: Option<String>,
}

/// One tab of the list: an inbox view or a status filter.
pub struct Tab {
    pub id: &'static str,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "workspace.html")]
struct WorkspacePage {
    t: Tr,
    c: super::Chrome,
    views: Vec<Tab>,
    statuses: Vec<Tab>,
    view: &'static str,
    status: &'static str,
    /// The conversation to open first (digits only), or empty.
    open_id: String,
    user_id: String,
    team_ids: String,
    time_zone: String,
    can_assign: bool,
    /// The `ws.*` strings of the page's language, as JSON, for the scripts.
    strings: String,
}

pub const STATUSES: [&str; 4] = ["open", "pending", "resolved", "closed"];

/// The views the actor may use: their own and the unassigned ones always; their teams' when they
/// are in a team; everything in their data scope when that is more than their own.
pub fn views_for(data_scope: DataScope, in_teams: bool) -> Vec<&'static str> {
    let mut views = vec!["mine", "unassigned"];
    if in_teams {
        views.push("teams");
    }
    if data_scope != DataScope::Own {
        views.push("all");
    }
    views
}

pub async fn page(Signed { c, actor }: Signed, Query(query): Query<WorkspaceQuery>) -> UiResult {
    if !actor.can(Permission::ConversationsReply) {
        return Err(c.fail(AppError::Forbidden(Permission::ConversationsReply.name())));
    }
    let t = c.t;
    let allowed = views_for(actor.data_scope, !actor.team_ids.is_empty());
    let view = allowed.iter().copied().find(|v| Some(*v) == query.view.as_deref()).unwrap_or("mine");
    let status = STATUSES.iter().copied().find(|s| Some(*s) == query.status.as_deref()).unwrap_or("open");
    let open_id = query.c.filter(|id| !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()));
    let tab = |id: &'static str, key: &'static str, current: &str| Tab { id, label: t.t(key), active: id == current };
    let views = allowed.iter().map(|v| tab(v, view_key(v), view)).collect();
    let statuses = STATUSES.iter().map(|s| tab(s, status_key(s), status)).collect();
    let strings = serde_json::to_string(&script_strings(t)).unwrap_or_else(|_| "{}".into());
    let mut chrome = c.chrome("inbox");
    chrome.page_css_url = Some(asset_url("workspace.css"));
    chrome.module_url = Some(module_url("ws-main.js"));
    let page = WorkspacePage {
        t,
        c: chrome,
        views,
        statuses,
        view,
        status,
        open_id: open_id.unwrap_or_default(),
        user_id: actor.user_id().map(|u| u.to_string()).unwrap_or_default(),
        team_ids: actor.team_ids.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(","),
        time_zone: actor.time_zone.clone(),
        can_assign: actor.can(Permission::ConversationsAssign),
        strings,
    };
    Ok(c.render(StatusCode::OK, &page))
}

/// The strings the scripts translate: the workspace's (`ws.*`), the assistance's (`assist.*`) and
/// the bot feedback's (`botfb.ws.*`), routing's (`rt.ws.*`, `rt.priority.*`) and message search's
/// (`msearch.*`).
fn script_strings(t: Tr) -> std::collections::BTreeMap<&'static str, &'static str> {
    let mut strings = t.prefixed("ws.");
    strings.extend(t.prefixed("assist."));
    strings.extend(t.prefixed("botfb.ws."));
    strings.extend(t.prefixed("rt.ws."));
    strings.extend(t.prefixed("rt.priority."));
    strings.extend(t.prefixed("msearch."));
    strings
}

fn view_key(view: &str) -> &'static str {
    match view {
        "mine" => "ws.view.mine",
        "unassigned" => "ws.view.unassigned",
        "teams" => "ws.view.teams",
        _ => "ws.view.all",
    }
}

fn status_key(status: &str) -> &'static str {
    match status {
        "open" => "ws.status.open",
        "pending" => "ws.status.pending",
        "resolved" => "ws.status.resolved",
        _ => "ws.status.closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_follow_the_data_scope_and_teams() {
        assert_eq!(views_for(DataScope::Own, false), ["mine", "unassigned"]);
        assert_eq!(views_for(DataScope::Own, true), ["mine", "unassigned", "teams"]);
        assert_eq!(views_for(DataScope::Teams, true), ["mine", "unassigned", "teams", "all"]);
        assert_eq!(views_for(DataScope::Account, false), ["mine", "unassigned", "all"]);
    }

    /// Every `ws.*` and `assist.*` key the scripts translate exists in both languages (the scripts
    /// get only those keys).
    #[test]
    fn every_key_the_scripts_use_exists_in_both_languages() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/static");
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !(name.starts_with("ws-") && name.ends_with(".js")) {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for piece in text.split("t(\"").skip(1) {
                // Keys built from values (`"ws.status." + status`) are families, checked below.
                let key = piece.split('"').next().filter(|k| {
                    ["ws.", "assist.", "botfb.ws.", "rt.ws.", "rt.priority.", "msearch."]
                        .iter()
                        .any(|p| k.starts_with(p))
                        && !k.ends_with('.')
                });
                if let Some(key) = key {
                    keys.push((name.clone(), key.to_string()));
                }
            }
        }
        assert!(keys.len() > 40, "the scripts' keys were found: {}", keys.len());
        let families: [(&str, &[&str]); 6] = [
            ("ws.status.", &STATUSES),
            ("assist.quick.scope.", &["personal", "team", "account"]),
            (
                "assist.handoff.reason.",
                &["explicit_request", "complaint_angry", "account_specific", "out_of_scope", "ambiguous", "unresolved"],
            ),
            ("ws.channel.", &["api", "web_widget"]),
            ("ws.presence.", &["online", "busy", "away", "offline"]),
            ("rt.priority.", &["low", "normal", "high", "urgent"]),
        ];
        for (prefix, values) in families {
            keys.extend(values.iter().map(|v| ("(family)".to_string(), format!("{prefix}{v}"))));
        }
        for locale in switchboard_domain::values::Locale::ALL {
            let strings = script_strings(Tr::new(locale));
            let missing: Vec<_> = keys.iter().filter(|(_, k)| !strings.contains_key(k.as_str())).collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }
}
