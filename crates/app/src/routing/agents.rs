//! Agents' presence: the state an agent chooses (online, busy, away, offline) and what the system
//! decides for them — away after an idle time or a missed offer, offline once every session has been
//! gone for a grace period. Only `online` agents get new conversations. Every change of the effective
//! state is an event (`presence.updated`) and an interval in the presence log (time per state per day).

use super::{agent_capacity, now_ms};
use crate::{Actor, App, AppError};
use serde::Serialize;
use switchboard_domain::permissions::Permission;
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::routing::{self, AgentStatusRow};
use switchboard_store::repo::{queue, visitors};
use utoipa::ToSchema;

/// States a user may choose.
pub const PRESENCE_STATES: &[&str] = &["online", "busy", "away", "offline"];

/// An agent as supervisors see them.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgentPresence {
    pub user_id: UserId,
    pub name: String,
    /// `online`, `busy`, `away` or `offline`.
    pub state: String,
    /// What the agent chose (the system may have made them away or offline).
    pub chosen: String,
    /// Why the system made them away: `idle` or `missed_offer`.
    pub auto_away: Option<String>,
    pub since: Timestamp,
    /// Open conversations assigned plus offers awaiting an answer.
    pub load: u32,
    pub capacity: u32,
    /// The agent's own limit (None: the account's default applies).
    pub own_capacity: Option<u32>,
}

/// Time one agent spent in each state on a day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PresenceReportRow {
    pub user_id: UserId,
    pub name: String,
    pub online_seconds: i64,
    pub busy_seconds: i64,
    pub away_seconds: i64,
}

/// Why a status is being recomputed.
pub(crate) enum Change<'a> {
    Connected,
    Disconnected,
    Chosen(&'a str),
    Activity,
    /// The presence timers (idle, grace) are checked.
    Timers,
    MissedOffer,
}

/// The effective state from the chosen one, the automatic away and whether a session is there.
fn effective(status: &AgentStatusRow, connected: bool) -> String {
    if !connected || status.chosen == "offline" {
        "offline".into()
    } else if status.auto_away.is_some() && status.chosen == "online" {
        "away".into()
    } else {
        status.chosen.clone()
    }
}

impl App {
    /// Forgets what an earlier holder of this node number left (call once at start).
    pub async fn reset_node_presence(&self) -> Result<(), AppError> {
        let mut tx = self.db().begin().await?;
        visitors::clear_node_presence(&mut tx, i64::from(self.db().node())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies a change to a user's status, logging and announcing a change of the effective state.
    pub(crate) async fn change_agent_status(
        &self,
        account: AccountId,
        user: UserId,
        change: Change<'_>,
    ) -> Result<String, AppError> {
        let now = now_ms();
        let node = i64::from(self.db().node());
        let mut tx = self.db().begin().await?;
        let settings = routing::settings(&mut tx, account).await?;
        let was_connected = matches!(change, Change::Connected)
            && visitors::user_presence(&mut tx, account, user, now).await? != "offline";
        match change {
            Change::Connected => {
                visitors::change_presence(&mut tx, account, user, node, 1, None, Timestamp::from_unix_ms(now)).await?
            }
            Change::Disconnected => {
                visitors::change_presence(&mut tx, account, user, node, -1, None, Timestamp::from_unix_ms(now)).await?
            }
            _ => {}
        }
        let Some(mut status) = routing::agent_status(&mut tx, account, user).await? else {
            return Err(AppError::NotFound);
        };
        let before = status.clone();
        let connected = visitors::user_presence(&mut tx, account, user, now).await? != "offline";
        match change {
            Change::Connected => {
                // A new working session starts online; another tab, a reload or a dropped connection
                // back within the grace period keeps what the agent chose (also "offline").
                let grace = i64::from(settings.offline_grace_seconds) * 1000;
                let resumed = was_connected || status.disconnected_at.is_some_and(|gone| now - gone < grace);
                if status.chosen == "offline" && !resumed {
                    status.chosen = "online".into();
                }
                status.disconnected_at = None;
                status.last_activity_at = now;
            }
            Change::Disconnected if !connected => status.disconnected_at = Some(now),
            Change::Disconnected => {}
            Change::Chosen(state) => {
                status.chosen = state.to_string();
                status.auto_away = None;
                status.last_activity_at = now;
            }
            Change::Activity => {
                status.last_activity_at = now;
                if status.auto_away.as_deref() == Some("idle") {
                    status.auto_away = None;
                }
            }
            Change::MissedOffer => status.auto_away = Some("missed_offer".into()),
            Change::Timers => {
                let idle = i64::from(settings.idle_away_minutes) * 60_000;
                if idle > 0 && status.auto_away.is_none() && now - status.last_activity_at >= idle {
                    status.auto_away = Some("idle".into());
                }
            }
        }
        // Still within the grace period after the last session went: keep the state shown.
        let grace = i64::from(settings.offline_grace_seconds) * 1000;
        let present = connected || status.disconnected_at.is_some_and(|gone| now - gone < grace);
        status.state = effective(&status, present);
        if status.state != before.state {
            status.state_since = now;
            routing::log_state(&mut tx, account, self.db().new_id(), user, &status.state, now).await?;
        }
        if status != before || before.state_since == 0 {
            if before.state_since == 0 && status.state == before.state {
                status.state_since = now;
            }
            routing::save_agent_status(&mut tx, account, &status, now).await?;
        }
        if status.state != before.state {
            let loads = queue::agent_loads(&mut tx, account).await?;
            let payload = serde_json::json!({"user_id": user, "name": status.name, "state": status.state,
                "since": Timestamp::from_unix_ms(status.state_since), "auto_away": status.auto_away,
                "load": loads.get(&user).copied().unwrap_or(0), "capacity": agent_capacity(&status, &settings)});
            self.emit(&mut tx, account, "presence.updated", payload).await?;
        }
        tx.commit().await?;
        if status.state != before.state {
            self.committed(account);
            if status.state == "online" {
                self.routing_needed(account);
            }
        }
        Ok(status.state)
    }

    pub async fn presence_connected(&self, actor: &Actor) -> Result<String, AppError> {
        let Some(user) = actor.user_id() else { return Ok("offline".into()) };
        self.change_agent_status(actor.account_id, user, Change::Connected).await
    }

    pub async fn presence_disconnected(&self, actor: &Actor) -> Result<String, AppError> {
        let Some(user) = actor.user_id() else { return Ok("offline".into()) };
        self.change_agent_status(actor.account_id, user, Change::Disconnected).await
    }

    /// The user chooses `online`, `busy`, `away` or `offline`.
    pub async fn set_presence(&self, actor: &Actor, state: &str) -> Result<String, AppError> {
        if !PRESENCE_STATES.contains(&state) {
            return Err(AppError::field("state", "must be online, busy, away or offline"));
        }
        let Some(user) = actor.user_id() else { return Err(AppError::Forbidden("only users have a presence")) };
        self.change_agent_status(actor.account_id, user, Change::Chosen(state)).await
    }

    /// The user did something in the workspace (keeps them from becoming away).
    pub async fn presence_activity(&self, actor: &Actor) -> Result<String, AppError> {
        let Some(user) = actor.user_id() else { return Ok("offline".into()) };
        self.change_agent_status(actor.account_id, user, Change::Activity).await
    }

    /// Every active user's presence, load and capacity.
    pub async fn list_presence(&self, actor: &Actor) -> Result<Vec<AgentPresence>, AppError> {
        actor.require(Permission::ConversationsReply)?;
        let mut conn = self.db().read().await?;
        agent_presence(&mut conn, actor.account_id).await
    }

    /// Seconds each agent spent online, busy and away on `date` ("YYYY-MM-DD" in the account's zone).
    pub async fn presence_report(&self, actor: &Actor, date: &str) -> Result<Vec<PresenceReportRow>, AppError> {
        actor.require(Permission::RoutingMonitor).or_else(|_| actor.require(Permission::RoutingManage))?;
        let day: jiff::civil::Date = date.parse().map_err(|_| AppError::field("date", "must be YYYY-MM-DD"))?;
        let mut conn = self.db().read().await?;
        let zone_name = super::queue::account_time_zone(&mut conn, actor.account_id).await?;
        let zone = jiff::tz::TimeZone::get(&zone_name).unwrap_or(jiff::tz::TimeZone::UTC);
        let start = day.to_zoned(zone.clone()).map_err(|_| AppError::field("date", "must be a valid day"))?;
        let end = day
            .tomorrow()
            .and_then(|d| d.to_zoned(zone))
            .map_err(|_| AppError::field("date", "must be a valid day"))?;
        let (from, to) = (start.timestamp().as_millisecond(), end.timestamp().as_millisecond().min(now_ms()));
        let times = routing::time_in_states(&mut conn, actor.account_id, from, to.max(from)).await?;
        let statuses = routing::agent_statuses(&mut conn, actor.account_id).await?;
        Ok(statuses
            .into_iter()
            .map(|s| {
                let seconds = |state: &str| {
                    times.iter().filter(|(u, st, _)| *u == s.user_id && st == state).map(|(_, _, ms)| ms / 1000).sum()
                };
                PresenceReportRow {
                    user_id: s.user_id,
                    name: s.name.clone(),
                    online_seconds: seconds("online"),
                    busy_seconds: seconds("busy"),
                    away_seconds: seconds("away"),
                }
            })
            .collect())
    }
}

pub(crate) async fn agent_presence(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<Vec<AgentPresence>, AppError> {
    let settings = routing::settings(conn, account).await?;
    let loads = queue::agent_loads(conn, account).await?;
    Ok(routing::agent_statuses(conn, account)
        .await?
        .into_iter()
        .map(|s| AgentPresence {
            user_id: s.user_id,
            load: loads.get(&s.user_id).copied().unwrap_or(0),
            capacity: agent_capacity(&s, &settings),
            own_capacity: s.capacity,
            name: s.name,
            state: s.state,
            chosen: s.chosen,
            auto_away: s.auto_away,
            since: Timestamp::from_unix_ms(s.state_since),
        })
        .collect())
}
