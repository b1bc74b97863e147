//! The rule editor's form, both ways: a stored rule as form rows, a posted form read back into a
//! `RoutingRuleInput`, and the service's errors (`conditions[2]`, `actions.team_id`) placed beside
//! the row or field they name.
//!
//! Condition rows are `c{row}.kind`, `.channels` (repeated), `.key`, `.op`, `.value`, `.from`, `.to`,
//! `.days` (repeated), `.open` and `.remove`; `c_count` says how many rows the form had. Each kind
//! reads the fields it needs (the page's script shows only those). Blank and removed rows are left
//! out, so a condition index and a form row can differ: `Parsed::condition_rows` maps one to the other.

use super::forms::{Check, FormData, FormView, Opt, indexed};
use super::routing::routing_message;
use crate::i18n::Tr;
use switchboard_domain::conversations::Priority;
use switchboard_domain::routing::rules::{Condition, RoutingRule, RoutingRuleInput, RuleActions, TextMatch};
use switchboard_domain::{ChannelId, FieldErrors, TeamId};

/// The kinds of condition, as the form names them.
pub const KINDS: [&str; 9] = [
    "channel",
    "contact_tag",
    "vip_level",
    "contact_attribute",
    "prechat",
    "page_url",
    "locale",
    "time_of_day",
    "business_hours",
];
const OPS: [(TextMatch, &str); 4] = [
    (TextMatch::Equals, "equals"),
    (TextMatch::NotEquals, "not_equals"),
    (TextMatch::Contains, "contains"),
    (TextMatch::StartsWith, "starts_with"),
];
/// The most condition rows a form may have (a rule has at most 20 conditions).
pub const MAX_ROWS: usize = 25;
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];

/// One condition row as the template shows it.
pub struct ConditionRow {
    pub row: usize,
    pub kinds: Vec<Opt>,
    pub channels: Vec<Check>,
    pub key: String,
    pub ops: Vec<Opt>,
    pub value: String,
    pub from: String,
    pub to: String,
    pub days: Vec<Check>,
    pub open: Vec<Opt>,
    pub error: Option<String>,
}

/// What a row holds, before it is shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowValues {
    pub kind: String,
    pub channels: Vec<String>,
    pub key: String,
    pub op: String,
    pub value: String,
    pub from: String,
    pub to: String,
    pub days: Vec<String>,
    pub open: String,
}

fn op_name(op: TextMatch) -> &'static str {
    OPS.iter().find(|(o, _)| *o == op).map(|(_, name)| *name).unwrap_or("equals")
}

fn op_parse(text: &str) -> Option<TextMatch> {
    OPS.iter().find(|(_, name)| *name == text.trim()).map(|(op, _)| *op)
}

/// The form row of a stored condition.
pub fn row_of(condition: &Condition) -> RowValues {
    let text = |kind: &str, op: TextMatch, key: &str, value: &str| RowValues {
        kind: kind.into(),
        key: key.into(),
        op: op_name(op).into(),
        value: value.into(),
        ..RowValues::default()
    };
    match condition {
        Condition::Channel { channel_ids } => RowValues {
            kind: "channel".into(),
            channels: channel_ids.iter().map(|c| c.to_string()).collect(),
            ..RowValues::default()
        },
        Condition::ContactTag { tag } => {
            RowValues { kind: "contact_tag".into(), value: tag.clone(), ..RowValues::default() }
        }
        Condition::VipLevel { at_least } => {
            RowValues { kind: "vip_level".into(), value: at_least.to_string(), ..RowValues::default() }
        }
        Condition::ContactAttribute { key, op, value } => text("contact_attribute", *op, key, value),
        Condition::Prechat { key, op, value } => text("prechat", *op, key, value),
        Condition::PageUrl { op, value } => text("page_url", *op, "", value),
        Condition::Locale { prefix } => {
            RowValues { kind: "locale".into(), value: prefix.clone(), ..RowValues::default() }
        }
        Condition::TimeOfDay { from, to, weekdays } => RowValues {
            kind: "time_of_day".into(),
            from: from.clone(),
            to: to.clone(),
            days: weekdays.iter().map(|d| d.to_string()).collect(),
            ..RowValues::default()
        },
        Condition::BusinessHours { open } => {
            RowValues { kind: "business_hours".into(), open: open.to_string(), ..RowValues::default() }
        }
    }
}

/// The values of form row `row`.
pub fn posted_row(form: &FormData, row: usize) -> RowValues {
    let value = |part: &str| form.value(&format!("c{row}.{part}")).trim().to_string();
    RowValues {
        kind: value("kind"),
        channels: form.values(&format!("c{row}.channels")),
        key: value("key"),
        op: value("op"),
        value: form.value(&format!("c{row}.value")),
        from: value("from"),
        to: value("to"),
        days: form.values(&format!("c{row}.days")),
        open: value("open"),
    }
}

/// The condition a row describes, or why it cannot be read.
pub fn condition_of(row: &RowValues) -> Result<Condition, &'static str> {
    let op = || op_parse(&row.op).ok_or("must be one of the choices");
    Ok(match row.kind.as_str() {
        "channel" => Condition::Channel {
            channel_ids: row
                .channels
                .iter()
                .map(|c| c.trim().parse::<ChannelId>().map_err(|_| "no such channel"))
                .collect::<Result<_, _>>()?,
        },
        "contact_tag" => Condition::ContactTag { tag: row.value.trim().to_string() },
        "vip_level" => Condition::VipLevel {
            at_least: row.value.trim().parse::<u8>().ok().filter(|v| *v <= 9).ok_or("must be 0 to 9")?,
        },
        "contact_attribute" => {
            Condition::ContactAttribute { key: row.key.clone(), op: op()?, value: row.value.trim().to_string() }
        }
        "prechat" => Condition::Prechat { key: row.key.clone(), op: op()?, value: row.value.trim().to_string() },
        "page_url" => Condition::PageUrl { op: op()?, value: row.value.trim().to_string() },
        "locale" => Condition::Locale { prefix: row.value.trim().to_string() },
        "time_of_day" => Condition::TimeOfDay {
            from: row.from.clone(),
            to: row.to.clone(),
            weekdays: row
                .days
                .iter()
                .map(|d| d.trim().parse::<u8>().map_err(|_| "weekdays are 1 (Monday) to 7 (Sunday)"))
                .collect::<Result<_, _>>()?,
        },
        "business_hours" => Condition::BusinessHours { open: row.open != "false" },
        _ => return Err("must be one of the choices"),
    })
}

/// The form as a stored rule (or a new one) fills it.
pub fn view_of(rule: Option<&RoutingRule>) -> FormView {
    let Some(rule) = rule else { return FormView::new().with("enabled", "true") };
    FormView::new()
        .with("name", &rule.name)
        .with("enabled", if rule.enabled { "true" } else { "" })
        .with("team_id", rule.actions.team_id.map(|t| t.to_string()).unwrap_or_default())
        .with("priority", rule.actions.priority.map(|p| p.name()).unwrap_or(""))
        .with("tags", rule.actions.add_tags.join(", "))
}

/// A posted form read back.
pub struct Parsed {
    pub input: RoutingRuleInput,
    /// The rows as posted (blank and removed ones included), for showing them again.
    pub rows: Vec<RowValues>,
    /// The form row of each condition in `input`, in order.
    pub condition_rows: Vec<usize>,
    pub errors: FieldErrors,
}

pub fn read(form: &FormData) -> Parsed {
    let mut errors = FieldErrors::new();
    let count = form.value("c_count").parse::<usize>().unwrap_or(0).min(MAX_ROWS);
    let mut rows = Vec::new();
    let mut conditions = Vec::new();
    let mut condition_rows = Vec::new();
    for row in 0..count {
        let values = posted_row(form, row);
        let removed = form.has(&format!("c{row}.remove"));
        if !values.kind.is_empty() && !removed {
            match condition_of(&values) {
                Ok(condition) => {
                    conditions.push(condition);
                    condition_rows.push(row);
                }
                Err(message) => errors.add(format!("c{row}"), message),
            }
        }
        if !removed {
            rows.push(values);
        } else {
            rows.push(RowValues::default());
        }
    }
    let team_id = match form.filled("team_id") {
        Some(text) => text.trim().parse::<TeamId>().map_err(|_| errors.add("team_id", "no such team")).ok(),
        None => None,
    };
    let priority = match form.filled("priority") {
        Some(text) => Priority::parse(&text).or_else(|| {
            errors.add("priority", "must be one of the choices");
            None
        }),
        None => None,
    };
    let add_tags =
        form.value("tags").split([',', '，']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
    let input = RoutingRuleInput {
        name: form.field("name"),
        enabled: Some(form.has("enabled")),
        conditions: Some(conditions),
        actions: Some(RuleActions { team_id, priority, add_tags }),
        position: None,
    };
    Parsed { input, rows, condition_rows, errors }
}

impl Parsed {
    /// The form field (`c{row}`, `team_id`, `priority`, `tags`, `actions`, `name`) an error belongs to.
    pub fn field_of(&self, field: &str) -> String {
        if let Some((i, _)) = indexed(field, "conditions") {
            return format!("c{}", self.condition_rows.get(i).copied().unwrap_or(i));
        }
        match field {
            "actions.team_id" => "team_id".into(),
            "actions.priority" => "priority".into(),
            f if f.starts_with("actions.add_tags") || f.starts_with("add_tags") || f.starts_with("tags") => {
                "tags".into()
            }
            other => other.to_string(),
        }
    }

    /// Places field errors beside the fields and rows of `f`.
    pub fn place_errors(&self, t: Tr, errors: &FieldErrors, f: &mut FormView) {
        for (field, text) in errors.iter() {
            f.error(&self.field_of(field), routing_message(t, text));
        }
    }
}

/// The rows to show: `values` (plus one blank row to fill in), with their errors from `f`.
pub fn show_rows(t: Tr, values: &[RowValues], f: &FormView, channels: &[(String, String)]) -> Vec<ConditionRow> {
    let mut all: Vec<RowValues> = values.to_vec();
    all.push(RowValues::default());
    all.into_iter()
        .enumerate()
        .map(|(row, v)| {
            let kind_label = |k: &str| t.t(kind_key(k));
            let mut kinds = vec![Opt::new("", t.t("rt.rule.kind_choose"), &v.kind)];
            kinds.extend(KINDS.iter().map(|k| Opt::new(*k, kind_label(k), &v.kind)));
            let op = if v.op.is_empty() { "equals" } else { v.op.as_str() };
            ConditionRow {
                row,
                kinds,
                channels: channels
                    .iter()
                    .map(|(id, name)| Check {
                        value: id.clone(),
                        label: name.clone(),
                        hint: String::new(),
                        checked: v.channels.contains(id),
                    })
                    .collect(),
                key: v.key.clone(),
                ops: OPS.iter().map(|(_, name)| Opt::new(*name, t.t(op_key(name)), op)).collect(),
                value: v.value.clone(),
                from: v.from.clone(),
                to: v.to.clone(),
                days: (1..=7u8)
                    .map(|d| Check {
                        value: d.to_string(),
                        label: super::routing_settings::weekday_label(t, &d.to_string()).to_string(),
                        hint: String::new(),
                        checked: v.days.contains(&d.to_string()),
                    })
                    .collect(),
                open: vec![
                    Opt::new("true", t.t("rt.rule.hours_open"), if v.open == "false" { "false" } else { "true" }),
                    Opt::new("false", t.t("rt.rule.hours_closed"), &v.open),
                ],
                error: f.err(&format!("c{row}")).map(str::to_string),
            }
        })
        .collect()
}

pub fn kind_key(kind: &str) -> &'static str {
    match kind {
        "channel" => "rt.kind.channel",
        "contact_tag" => "rt.kind.contact_tag",
        "vip_level" => "rt.kind.vip_level",
        "contact_attribute" => "rt.kind.contact_attribute",
        "prechat" => "rt.kind.prechat",
        "page_url" => "rt.kind.page_url",
        "locale" => "rt.kind.locale",
        "time_of_day" => "rt.kind.time_of_day",
        _ => "rt.kind.business_hours",
    }
}

fn op_key(op: &str) -> &'static str {
    match op {
        "not_equals" => "rt.op.not_equals",
        "contains" => "rt.op.contains",
        "starts_with" => "rt.op.starts_with",
        _ => "rt.op.equals",
    }
}

/// The priority choices, "no change" first.
pub fn priority_options(t: Tr, current: &str) -> Vec<Opt> {
    let mut options = vec![Opt::new("", t.t("rt.rule.priority_keep"), current)];
    options.extend(PRIORITIES.iter().map(|p| Opt::new(*p, t.t(priority_key(p)), current)));
    options
}

pub fn priority_key(priority: &str) -> &'static str {
    match priority {
        "low" => "rt.priority.low",
        "high" => "rt.priority.high",
        "urgent" => "rt.priority.urgent",
        _ => "rt.priority.normal",
    }
}

/// A condition in a sentence, for the list of rules.
pub fn describe(t: Tr, condition: &Condition, channels: &[(String, String)]) -> String {
    let v = row_of(condition);
    let kind = t.t(kind_key(&v.kind));
    let detail = match condition {
        Condition::Channel { channel_ids } => channel_ids
            .iter()
            .map(|id| {
                let id = id.to_string();
                channels.iter().find(|(c, _)| *c == id).map(|(_, n)| n.clone()).unwrap_or(id)
            })
            .collect::<Vec<_>>()
            .join(", "),
        Condition::ContactAttribute { .. } | Condition::Prechat { .. } => {
            format!("{} {} \u{201c}{}\u{201d}", v.key, t.t(op_key(&v.op)), v.value)
        }
        Condition::PageUrl { .. } => format!("{} \u{201c}{}\u{201d}", t.t(op_key(&v.op)), v.value),
        Condition::VipLevel { at_least } => format!("\u{2265} {at_least}"),
        Condition::TimeOfDay { weekdays, .. } => {
            let days: Vec<&str> =
                weekdays.iter().map(|d| super::routing_settings::weekday_label(t, &d.to_string())).collect();
            format!("{}\u{2013}{} {}", v.from, v.to, days.join(" "))
        }
        Condition::BusinessHours { open } => {
            t.t(if *open { "rt.rule.hours_open" } else { "rt.rule.hours_closed" }).to_string()
        }
        _ => v.value.clone(),
    };
    format!("{kind}: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_come_back_from_their_rows() {
        let conditions = vec![
            Condition::Channel { channel_ids: vec![ChannelId::from_i64(7)] },
            Condition::ContactTag { tag: "vip".into() },
            Condition::VipLevel { at_least: 2 },
            Condition::ContactAttribute { key: "plan".into(), op: TextMatch::Equals, value: "gold".into() },
            Condition::Prechat { key: "topic".into(), op: TextMatch::Contains, value: "退款".into() },
            Condition::PageUrl { op: TextMatch::StartsWith, value: "https://shop.example/cart".into() },
            Condition::Locale { prefix: "zh".into() },
            Condition::TimeOfDay { from: "22:00".into(), to: "06:00".into(), weekdays: vec![6, 7] },
            Condition::BusinessHours { open: false },
        ];
        for condition in &conditions {
            assert_eq!(condition_of(&row_of(condition)).as_ref(), Ok(condition));
        }
        assert_eq!(KINDS.len(), conditions.len(), "every kind has a row form");
    }

    #[test]
    fn removed_and_blank_rows_shift_the_error_rows() {
        let body = "name=R&c_count=4&c0.kind=locale&c0.value=zh&c1.kind=contact_tag&c1.value=x&c1.remove=true\
                    &c2.kind=&c3.kind=prechat&c3.key=order&c3.op=equals&c3.value=1&team_id=&priority=high&tags=a%2C+b";
        let parsed = read(&FormData::parse(body.as_bytes()));
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.condition_rows, vec![0, 3]);
        assert_eq!(parsed.field_of("conditions[1]"), "c3");
        assert_eq!(parsed.field_of("actions.team_id"), "team_id");
        let actions = parsed.input.actions.unwrap_or_default();
        assert_eq!(actions.add_tags, vec!["a", "b"]);
        assert_eq!(actions.priority, Some(Priority::High));
        let bad = read(&FormData::parse(b"name=R&c_count=1&c0.kind=vip_level&c0.value=12"));
        assert!(bad.errors.get("c0").is_some());
    }
}
