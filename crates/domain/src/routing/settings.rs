//! The account's and each team's routing settings, as admins write them.

use super::board::{AssignMode, AssignPolicy};
use super::hours::BusinessHours;
use crate::{FieldErrors, TeamId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Account-wide routing settings. Every field has a default; a PATCH names only what changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RoutingSettings {
    /// Where a conversation goes when no rule names a team.
    pub default_team_id: Option<TeamId>,
    /// Concurrent conversations per agent unless the agent has their own limit.
    pub default_capacity: u32,
    /// A returning customer goes to the agent who last served them within this many minutes
    /// (when that agent is in the team, online and has room); 0 turns it off.
    pub sticky_window_minutes: u32,
    /// An online agent without activity for this long becomes away; 0 turns it off.
    pub idle_away_minutes: u32,
    /// An agent whose every session has gone becomes offline after this long.
    pub offline_grace_seconds: u32,
    /// An open conversation whose customer has not answered the agent for this long becomes pending; 0: never.
    pub auto_pending_minutes: u32,
    /// ... and is closed after this long of customer silence; 0: never.
    pub auto_close_minutes: u32,
    pub business_hours: BusinessHours,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        Self {
            default_team_id: None,
            default_capacity: 5,
            sticky_window_minutes: 24 * 60,
            idle_away_minutes: 15,
            offline_grace_seconds: 60,
            auto_pending_minutes: 10,
            auto_close_minutes: 60,
            business_hours: BusinessHours::default(),
        }
    }
}

/// The most concurrent conversations one agent may be given.
pub const MAX_CAPACITY: u32 = 100;

impl RoutingSettings {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if self.default_capacity == 0 || self.default_capacity > MAX_CAPACITY {
            e.add("default_capacity", format!("must be 1 to {MAX_CAPACITY}"));
        }
        if self.offline_grace_seconds > 3600 {
            e.add("offline_grace_seconds", "must be at most 3600");
        }
        if self.auto_close_minutes != 0 && self.auto_close_minutes <= self.auto_pending_minutes {
            e.add("auto_close_minutes", "must be longer than auto_pending_minutes (or 0)");
        }
        self.business_hours.validate(&mut e, "business_hours");
        e.into_result()
    }
}

/// A team's queue: how agents get its conversations, its backup team and its length limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TeamRoutingSettings {
    /// `least_busy` or `round_robin`.
    pub policy: String,
    /// `auto` (assign at once) or `offer` (the agent accepts within `offer_timeout_seconds`).
    pub mode: String,
    pub offer_timeout_seconds: u32,
    /// The backup team a conversation moves to after waiting `overflow_after_seconds` here.
    pub overflow_team_id: Option<TeamId>,
    pub overflow_after_seconds: Option<u32>,
    /// Beyond this many waiting, new customers are offered to leave a message instead.
    pub max_queue: Option<u32>,
}

impl Default for TeamRoutingSettings {
    fn default() -> Self {
        Self {
            policy: "least_busy".into(),
            mode: "auto".into(),
            offer_timeout_seconds: 30,
            overflow_team_id: None,
            overflow_after_seconds: None,
            max_queue: None,
        }
    }
}

impl TeamRoutingSettings {
    pub fn policy(&self) -> AssignPolicy {
        if self.policy == "round_robin" { AssignPolicy::RoundRobin } else { AssignPolicy::LeastBusy }
    }
    pub fn mode(&self) -> AssignMode {
        if self.mode == "offer" { AssignMode::Offer } else { AssignMode::Auto }
    }
    /// Checks the values; `team` is the team these settings belong to (it may not overflow to itself).
    pub fn validate(&self, team: Option<TeamId>) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if !["least_busy", "round_robin"].contains(&self.policy.as_str()) {
            e.add("routing.policy", "must be least_busy or round_robin");
        }
        if !["auto", "offer"].contains(&self.mode.as_str()) {
            e.add("routing.mode", "must be auto or offer");
        }
        if !(5..=600).contains(&self.offer_timeout_seconds) {
            e.add("routing.offer_timeout_seconds", "must be 5 to 600");
        }
        match (self.overflow_team_id, self.overflow_after_seconds) {
            (Some(to), _) if Some(to) == team => e.add("routing.overflow_team_id", "a team cannot overflow to itself"),
            (Some(_), None) => e.add("routing.overflow_after_seconds", "is required with a backup team"),
            (_, Some(0)) => e.add("routing.overflow_after_seconds", "must be at least 1"),
            _ => {}
        }
        if self.max_queue == Some(0) {
            e.add("routing.max_queue", "must be at least 1 (or absent for no limit)");
        }
        e.into_result()
    }
}
