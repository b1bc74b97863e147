//! The supervisors' queue board at `/routing/board` (`routing.monitor`): per team the waiting
//! conversations, the longest wait, open offers and agents by state; every agent's state, load and
//! capacity. Rendered here once; `rt-board.js` keeps it live (WebSocket events, then
//! `GET /api/v1/routing/board`) and lists a team's waiting conversations to assign or take over.

use super::ctx::{OrPage, Signed, UiResult};
use crate::WebState;
use crate::assets::{asset_url, module_url};
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use switchboard_app::{AgentPresence, TeamBoard};
use switchboard_domain::permissions::Permission;

/// A number of seconds as `m:ss` or `h:mm:ss`.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// An agent as the board shows them.
pub struct AgentLine {
    pub id: String,
    pub name: String,
    pub state: String,
    pub state_label: &'static str,
    /// Why the system made them away, in words.
    pub reason: Option<&'static str>,
    pub since_seconds: i64,
    pub since: String,
    pub load: u32,
    pub capacity: u32,
}

/// A team row.
pub struct TeamLine {
    pub board: TeamBoard,
    pub id: String,
    pub longest: String,
}

#[derive(Template)]
#[template(path = "routing_board.html")]
struct BoardPage {
    t: Tr,
    c: super::Chrome,
    teams: Vec<TeamLine>,
    agents: Vec<AgentLine>,
    user_id: String,
    time_zone: String,
    can_assign: bool,
    strings: String,
}

pub fn state_key(state: &str) -> &'static str {
    match state {
        "online" => "rt.state.online",
        "busy" => "rt.state.busy",
        "away" => "rt.state.away",
        _ => "rt.state.offline",
    }
}

fn agent_line(t: Tr, agent: AgentPresence, now_ms: i64) -> AgentLine {
    let since_seconds = ((now_ms - agent.since.unix_ms()) / 1000).max(0);
    let reason = match (agent.state.as_str(), agent.auto_away.as_deref()) {
        ("away", Some("idle")) => Some(t.t("rt.board.away_idle")),
        ("away", Some("missed_offer")) => Some(t.t("rt.board.away_missed_offer")),
        _ => None,
    };
    AgentLine {
        id: agent.user_id.to_string(),
        state_label: t.t(state_key(&agent.state)),
        reason,
        since: clock(since_seconds),
        since_seconds,
        load: agent.load,
        capacity: agent.capacity,
        name: agent.name,
        state: agent.state,
    }
}

/// The strings `rt-board.js` translates.
fn script_strings(t: Tr) -> std::collections::BTreeMap<&'static str, &'static str> {
    let mut strings = t.prefixed("rt.board.");
    strings.extend(t.prefixed("rt.state."));
    strings.extend(t.prefixed("rt.priority."));
    strings
}

pub async fn page(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    let board = state.app.queue_board(&actor).await.or_page(&c)?;
    let t = c.t;
    let now = board.at.unix_ms();
    let teams = board
        .teams
        .into_iter()
        .map(|team| TeamLine { id: team.team_id.to_string(), longest: clock(team.longest_wait_seconds), board: team })
        .collect();
    let agents = board.agents.into_iter().map(|a| agent_line(t, a, now)).collect();
    let mut chrome = c.chrome("routing");
    chrome.page_css_url = Some(asset_url("routing.css"));
    chrome.module_url = Some(module_url("rt-board.js"));
    let page = BoardPage {
        t,
        c: chrome,
        teams,
        agents,
        user_id: actor.user_id().map(|u| u.to_string()).unwrap_or_default(),
        time_zone: actor.time_zone.clone(),
        can_assign: actor.can(Permission::ConversationsAssign),
        strings: serde_json::to_string(&script_strings(t)).unwrap_or_else(|_| "{}".into()),
    };
    Ok(c.render(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_like_a_clock() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(65), "1:05");
        assert_eq!(clock(3723), "1:02:03");
        assert_eq!(clock(-5), "0:00");
    }

    /// Every key the board's script translates exists in both languages (the script gets only its keys).
    #[test]
    fn the_board_scripts_keys_exist_in_both_languages() {
        let text = include_str!("../../static/rt-board.js");
        let keys: Vec<&str> = text
            .split("t(\"")
            .skip(1)
            .filter_map(|p| p.split('"').next())
            .filter(|k| !k.ends_with('.') && !k.ends_with('_'))
            .collect();
        assert!(keys.len() > 10, "{keys:?}");
        let families = ["rt.board.away_idle", "rt.board.away_missed_offer", "rt.state.online", "rt.priority.urgent"];
        for locale in switchboard_domain::values::Locale::ALL {
            let strings = script_strings(Tr::new(locale));
            let missing: Vec<_> = keys.iter().chain(families.iter()).filter(|k| !strings.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }
}
