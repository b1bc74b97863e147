//! Routing rules: an ordered list of conditions on a new conversation and what to do when they hold.
//!
//! Every matching rule adds its tags; the first matching rule that names a team decides the team, the
//! first that sets a priority decides the priority. A conversation no rule sends anywhere goes to the
//! account's default team.

use super::hours::{BusinessHours, parse_clock};
use crate::conversations::Priority;
use crate::values::Name;
use crate::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// How a text condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextMatch {
    Equals,
    NotEquals,
    Contains,
    StartsWith,
}

impl TextMatch {
    /// Case-insensitive comparison of `actual` (absent = empty) with `expected`.
    pub fn holds(self, actual: Option<&str>, expected: &str) -> bool {
        let actual = actual.unwrap_or("").trim().to_lowercase();
        let expected = expected.trim().to_lowercase();
        match self {
            Self::Equals => actual == expected,
            Self::NotEquals => actual != expected,
            Self::Contains => actual.contains(&expected),
            Self::StartsWith => actual.starts_with(&expected),
        }
    }
}

/// One condition of a rule; a rule matches when all of its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// The conversation came through one of these channels.
    Channel { channel_ids: Vec<ChannelId> },
    /// The contact has this tag.
    ContactTag { tag: String },
    /// The contact's VIP level is at least this (0 = everyone).
    VipLevel { at_least: u8 },
    /// A custom attribute of the contact.
    ContactAttribute { key: String, op: TextMatch, value: String },
    /// An answer of the widget's pre-chat form (for example the question type).
    Prechat { key: String, op: TextMatch, value: String },
    /// The page the customer was on.
    PageUrl { op: TextMatch, value: String },
    /// The customer's language: "zh" matches "zh-CN".
    Locale { prefix: String },
    /// The local time (account time zone) is in `from`..`to` ("HH:MM"; wraps past midnight when
    /// `to` < `from`) on one of `weekdays` (1 = Monday; empty = every day).
    TimeOfDay {
        from: String,
        to: String,
        #[serde(default)]
        weekdays: Vec<u8>,
    },
    /// Inside (`open: true`) or outside the account's business hours.
    BusinessHours { open: bool },
}

/// What a matching rule does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RuleActions {
    pub team_id: Option<TeamId>,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub add_tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoutingRule {
    pub id: RoutingRuleId,
    pub name: String,
    /// Rules are evaluated in ascending position.
    pub position: i64,
    pub enabled: bool,
    pub conditions: Vec<Condition>,
    pub actions: RuleActions,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A rule as written by an admin.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RoutingRuleInput {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub conditions: Option<Vec<Condition>>,
    pub actions: Option<RuleActions>,
    /// Where in the list (0 = first); absent keeps the place or appends.
    pub position: Option<i64>,
}

/// A validated rule, before the app checks that the teams, channels and fields it names exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRule {
    pub name: String,
    pub enabled: bool,
    pub conditions: Vec<Condition>,
    pub actions: RuleActions,
}

/// The most conditions one rule may have.
pub const MAX_CONDITIONS: usize = 20;

impl RoutingRuleInput {
    pub fn validate(&self) -> Result<ValidRule, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", Name::parse(self.name.as_deref().unwrap_or("")));
        let conditions = self.conditions.clone().unwrap_or_default();
        if conditions.len() > MAX_CONDITIONS {
            e.add("conditions", format!("at most {MAX_CONDITIONS} conditions"));
        }
        for (i, condition) in conditions.iter().enumerate() {
            if let Some(message) = condition.problem() {
                e.add(format!("conditions[{i}]"), message);
            }
        }
        let mut actions = self.actions.clone().unwrap_or_default();
        actions.add_tags = crate::conversations::tags(&mut e, &actions.add_tags);
        if actions.team_id.is_none() && actions.priority.is_none() && actions.add_tags.is_empty() {
            e.add("actions", "a rule must route to a team, set a priority or add a tag");
        }
        match name {
            Some(name) if e.is_empty() => Ok(ValidRule {
                name: name.as_str().to_string(),
                enabled: self.enabled.unwrap_or(true),
                conditions,
                actions,
            }),
            _ => Err(e),
        }
    }
}

impl Condition {
    /// Why the condition cannot be evaluated, if it cannot.
    fn problem(&self) -> Option<&'static str> {
        let key_ok = |key: &str| !key.trim().is_empty() && key.chars().count() <= 64;
        let value_ok = |value: &str| value.chars().count() <= 500;
        match self {
            Self::Channel { channel_ids } if channel_ids.is_empty() => Some("name at least one channel"),
            Self::ContactTag { tag } if tag.trim().is_empty() || tag.chars().count() > 40 => {
                Some("the tag is 1-40 characters")
            }
            Self::ContactAttribute { key, value, .. } | Self::Prechat { key, value, .. }
                if !key_ok(key) || !value_ok(value) =>
            {
                Some("the field key is 1-64 characters and the value at most 500")
            }
            Self::PageUrl { value, .. } if value.trim().is_empty() || !value_ok(value) => {
                Some("the URL text is 1-500 characters")
            }
            Self::Locale { prefix } if prefix.trim().is_empty() || prefix.len() > 16 => {
                Some("the language is like zh or zh-CN")
            }
            Self::TimeOfDay { from, to, weekdays } => {
                if parse_clock(from).is_none() || parse_clock(to).is_none() || from == to {
                    Some("from and to are different HH:MM times")
                } else if weekdays.iter().any(|d| !(1..=7).contains(d)) {
                    Some("weekdays are 1 (Monday) to 7 (Sunday)")
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The pre-chat field this condition reads, if any (checked against the widget settings).
    pub fn prechat_key(&self) -> Option<&str> {
        match self {
            Self::Prechat { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// What routing knows about a new conversation.
#[derive(Debug, Clone, Default)]
pub struct RoutingFacts {
    pub channel_id: Option<ChannelId>,
    pub contact_tags: Vec<String>,
    pub vip_level: u8,
    pub contact_attributes: BTreeMap<String, String>,
    pub prechat: BTreeMap<String, String>,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    pub at: Option<Timestamp>,
}

/// The account-wide context of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct RoutingContext<'a> {
    pub time_zone: &'a str,
    pub business_hours: Option<&'a BusinessHours>,
    pub default_team: Option<TeamId>,
}

/// The result of evaluating the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoutingOutcome {
    pub team_id: Option<TeamId>,
    pub priority: Option<Priority>,
    pub add_tags: Vec<String>,
    /// The rules that matched, in order.
    pub matched: Vec<RoutingRuleId>,
    /// The team came from the default, not from a rule.
    pub default_team: bool,
}

impl Condition {
    pub fn holds(&self, facts: &RoutingFacts, context: &RoutingContext<'_>) -> bool {
        let at = facts.at.unwrap_or(Timestamp::from_unix_ms(0));
        match self {
            Self::Channel { channel_ids } => facts.channel_id.is_some_and(|c| channel_ids.contains(&c)),
            Self::ContactTag { tag } => {
                let tag = tag.trim().to_lowercase();
                facts.contact_tags.iter().any(|t| t.to_lowercase() == tag)
            }
            Self::VipLevel { at_least } => facts.vip_level >= *at_least,
            Self::ContactAttribute { key, op, value } => {
                op.holds(facts.contact_attributes.get(key.trim()).map(String::as_str), value)
            }
            Self::Prechat { key, op, value } => op.holds(facts.prechat.get(key.trim()).map(String::as_str), value),
            Self::PageUrl { op, value } => op.holds(facts.page_url.as_deref(), value),
            Self::Locale { prefix } => {
                let prefix = prefix.trim().to_lowercase();
                facts.locale.as_deref().is_some_and(|l| {
                    let l = l.to_lowercase();
                    l == prefix || l.starts_with(&format!("{prefix}-"))
                })
            }
            Self::TimeOfDay { from, to, weekdays } => {
                let (weekday, minute, _) = super::hours::local_clock(at, context.time_zone);
                let (Some(from), Some(to)) = (parse_clock(from), parse_clock(to)) else { return false };
                let in_window = if from < to { minute >= from && minute < to } else { minute >= from || minute < to };
                in_window && (weekdays.is_empty() || weekdays.contains(&weekday))
            }
            Self::BusinessHours { open } => {
                let is_open = context.business_hours.is_none_or(|h| h.is_open(at, context.time_zone));
                is_open == *open
            }
        }
    }
}

/// Evaluates the enabled rules in order (see the module comment).
pub fn evaluate(rules: &[RoutingRule], facts: &RoutingFacts, context: &RoutingContext<'_>) -> RoutingOutcome {
    let mut outcome = RoutingOutcome::default();
    let mut ordered: Vec<&RoutingRule> = rules.iter().filter(|r| r.enabled).collect();
    ordered.sort_by_key(|r| (r.position, r.id));
    for rule in ordered {
        if !rule.conditions.iter().all(|c| c.holds(facts, context)) {
            continue;
        }
        outcome.matched.push(rule.id);
        if outcome.team_id.is_none() {
            outcome.team_id = rule.actions.team_id;
        }
        if outcome.priority.is_none() {
            outcome.priority = rule.actions.priority;
        }
        for tag in &rule.actions.add_tags {
            if !outcome.add_tags.contains(tag) {
                outcome.add_tags.push(tag.clone());
            }
        }
    }
    if outcome.team_id.is_none() && context.default_team.is_some() {
        outcome.team_id = context.default_team;
        outcome.default_team = true;
    }
    outcome
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
