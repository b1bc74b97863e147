//! Settings → Routing (`routing.manage`): the account's settings and business hours
//! (`routing_settings`), the rules and their editor (`routing_rules`, `routing_rule_form`), team
//! queues and agents' capacity (`routing_queues`); and the supervisors' queue board
//! (`routing_board`). This file holds what they share: the tabs, the team choices, and the routing
//! services' messages in the page's language.

use super::forms::{Opt, message};
use crate::i18n::Tr;
use switchboard_app::TeamQueue;

/// One tab of the routing settings.
pub struct Tab {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// The routing settings' tabs, `current` one of `settings`, `rules`, `teams`, `agents`.
pub fn tabs(t: Tr, current: &str) -> Vec<Tab> {
    [
        ("/settings/routing", "rt.tab.settings", "settings"),
        ("/settings/routing/rules", "rt.tab.rules", "rules"),
        ("/settings/routing/teams", "rt.tab.teams", "teams"),
        ("/settings/routing/agents", "rt.tab.agents", "agents"),
    ]
    .into_iter()
    .map(|(href, key, id)| Tab { href, label: t.t(key), active: id == current })
    .collect()
}

/// A select of teams headed by `none` (value ""), `current` selected.
pub fn team_options(queues: &[TeamQueue], current: &str, none: &str) -> Vec<Opt> {
    let mut options = vec![Opt::new("", none, current)];
    options.extend(queues.iter().map(|q| Opt::new(q.team_id.to_string(), q.name.clone(), current)));
    options
}

/// A number typed in a form: `None` when it is not a whole number in range.
pub fn whole(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok()
}

/// A routing message in the page's language (the services speak English); others as `forms::message`.
pub fn routing_message(t: Tr, text: &str) -> String {
    let fixed: &[(&str, &'static str)] = &[
        ("must be a whole number", "rt.err.number"),
        ("must be longer than auto_pending_minutes (or 0)", "rt.err.close_after_pending"),
        ("must be after open", "rt.err.after_open"),
        ("open and close are HH:MM", "rt.err.clock"),
        ("must be a date YYYY-MM-DD", "rt.err.date"),
        ("must be 1 (Monday) to 7 (Sunday)", "rt.err.weekday"),
        ("weekdays are 1 (Monday) to 7 (Sunday)", "rt.err.weekday"),
        ("no such team", "rt.err.no_team"),
        ("no such team (it may have been deleted)", "rt.err.no_team"),
        ("name at least one channel", "rt.err.channels"),
        ("the tag is 1-40 characters", "rt.err.tag"),
        ("the field key is 1-64 characters and the value at most 500", "rt.err.key_value"),
        ("the URL text is 1-500 characters", "rt.err.url"),
        ("the language is like zh or zh-CN", "rt.err.locale"),
        ("from and to are different HH:MM times", "rt.err.from_to"),
        ("a rule must route to a team, set a priority or add a tag", "rt.err.no_action"),
        ("must be least_busy or round_robin", "rt.err.choice"),
        ("must be auto or offer", "rt.err.choice"),
        ("a team cannot overflow to itself", "rt.err.overflow_self"),
        ("is required with a backup team", "rt.err.overflow_wait"),
        ("must be at least 1 (or absent for no limit)", "rt.err.max_queue"),
        ("is not a member of this team", "rt.err.not_member"),
        ("must be an RFC 3339 time", "rt.err.at"),
        ("must be a time like 2026-11-20 14:30", "rt.err.at"),
        ("must be one of the choices", "rt.err.choice"),
    ];
    if let Some((_, key)) = fixed.iter().find(|(english, _)| *english == text) {
        return t.t(key).to_string();
    }
    let numbers = |text: &str| -> Option<(u64, u64)> {
        let (low, high) = text.strip_prefix("must be ")?.split_once(" to ")?;
        Some((low.parse().ok()?, high.parse().ok()?))
    };
    if let Some((low, high)) = numbers(text) {
        return t.t("rt.err.range").replace("{min}", &low.to_string()).replace("{max}", &high.to_string());
    }
    if let Some(n) = text.strip_prefix("must be at most ").and_then(|n| n.parse::<u64>().ok()) {
        return t.t("rt.err.at_most").replace("{n}", &n.to_string());
    }
    if let Some(n) = text.strip_prefix("must be at least ").and_then(|n| n.parse::<u64>().ok()) {
        return t.t("rt.err.at_least").replace("{n}", &n.to_string());
    }
    if let Some(n) = text.strip_prefix("at most ").and_then(|r| r.strip_suffix(" conditions")) {
        return t.t("rt.err.too_many").replace("{n}", n);
    }
    if text.starts_with("no such channel") {
        return t.t("rt.err.no_channel").to_string();
    }
    if let Some(key) =
        text.strip_prefix("no widget's pre-chat form has the field \u{201c}").and_then(|r| r.strip_suffix('\u{201d}'))
    {
        return t.t("rt.err.no_prechat").replace("{key}", key);
    }
    message(t, text)
}

#[cfg(test)]
mod tests {
    use super::super::forms::indexed;
    use super::*;
    use switchboard_domain::values::Locale;

    #[test]
    fn routing_messages_are_translated() {
        let zh = Tr::new(Locale::ZhCn);
        for english in [
            "must be 1 to 100",
            "must be at most 3600",
            "no widget's pre-chat form has the field \u{201c}order_no\u{201d}",
            "a rule must route to a team, set a priority or add a tag",
            "must be after open",
        ] {
            let shown = routing_message(zh, english);
            assert_ne!(shown, english, "{english}");
            assert!(!shown.contains("rt.err"), "{shown}");
        }
        assert!(routing_message(zh, "must be 1 to 100").contains("100"));
        assert!(
            routing_message(zh, "no widget's pre-chat form has the field \u{201c}order_no\u{201d}")
                .contains("order_no")
        );
        assert_eq!(indexed("conditions[2]", "conditions"), Some((2, "")));
        assert_eq!(indexed("business_hours.intervals[1].close", "business_hours.intervals"), Some((1, ".close")));
    }
}
