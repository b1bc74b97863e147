//! Settings → Routing → Settings: default team and capacity, stickiness, presence and inactivity
//! timers, and business hours as a weekly table (rows `bh{row}.day`, `.on`, `.open`, `.close`;
//! `bh_count` rows; a day may have several rows) with holidays one per line.

use super::ctx::{Chrome, Ctx, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, field_errors, indexed};
use super::routing::{Tab, routing_message, tabs, team_options, whole};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use switchboard_app::{Actor, AppError};
use switchboard_domain::permissions::Permission;
use switchboard_domain::routing::hours::{BusinessHours, OpeningHours};
use switchboard_domain::routing::settings::RoutingSettings;
use switchboard_domain::{FieldErrors, TeamId};

/// The number fields, in the order of the form.
pub const NUMBERS: [&str; 6] = [
    "default_capacity",
    "sticky_window_minutes",
    "idle_away_minutes",
    "offline_grace_seconds",
    "auto_pending_minutes",
    "auto_close_minutes",
];
/// The most business-hours rows a form may have.
const MAX_ROWS: usize = 50;

/// One row of the business-hours table.
pub struct HoursRow {
    pub row: usize,
    pub day: String,
    pub day_label: &'static str,
    /// The first row of its day (the day's name is shown once).
    pub first: bool,
    pub on: bool,
    pub open: String,
    pub close: String,
    pub error: Option<String>,
}

/// A number field with its hint.
pub struct NumberField {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub unit: &'static str,
}

#[derive(Template)]
#[template(path = "routing_settings.html")]
struct SettingsPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    f: FormView,
    teams: Vec<Opt>,
    numbers: Vec<NumberField>,
    hours: Vec<HoursRow>,
    extra: Vec<String>,
}

pub fn weekday_label(t: Tr, day: &str) -> &'static str {
    match day {
        "1" => t.t("rt.day.1"),
        "2" => t.t("rt.day.2"),
        "3" => t.t("rt.day.3"),
        "4" => t.t("rt.day.4"),
        "5" => t.t("rt.day.5"),
        "6" => t.t("rt.day.6"),
        _ => t.t("rt.day.7"),
    }
}

/// The form as stored settings fill it: every weekday has at least one row.
fn view_of(settings: &RoutingSettings) -> FormView {
    let mut f = FormView::new()
        .with("default_team_id", settings.default_team_id.map(|id| id.to_string()).unwrap_or_default())
        .with("default_capacity", settings.default_capacity.to_string())
        .with("sticky_window_minutes", settings.sticky_window_minutes.to_string())
        .with("idle_away_minutes", settings.idle_away_minutes.to_string())
        .with("offline_grace_seconds", settings.offline_grace_seconds.to_string())
        .with("auto_pending_minutes", settings.auto_pending_minutes.to_string())
        .with("auto_close_minutes", settings.auto_close_minutes.to_string())
        .with("holidays", settings.business_hours.holidays.join("\n"));
    let mut row = 0;
    for day in 1..=7u8 {
        let intervals: Vec<&OpeningHours> =
            settings.business_hours.intervals.iter().filter(|i| i.weekday == day).collect();
        let shown: Vec<(bool, &str, &str)> = if intervals.is_empty() {
            vec![(false, "09:00", "18:00")]
        } else {
            intervals.iter().map(|i| (true, i.open.as_str(), i.close.as_str())).collect()
        };
        for (on, open, close) in shown {
            f = f
                .with(&format!("bh{row}.day"), day.to_string())
                .with(&format!("bh{row}.on"), if on { "true" } else { "" })
                .with(&format!("bh{row}.open"), open)
                .with(&format!("bh{row}.close"), close);
            row += 1;
        }
    }
    f.with("bh_count", row.to_string())
}

fn hours_rows(t: Tr, f: &FormView) -> Vec<HoursRow> {
    let count = f.v("bh_count").parse::<usize>().unwrap_or(0).min(MAX_ROWS);
    let mut last_day = String::new();
    (0..count)
        .map(|row| {
            let day = f.v(&format!("bh{row}.day")).to_string();
            let first = day != last_day;
            last_day = day.clone();
            HoursRow {
                row,
                day_label: weekday_label(t, &day),
                first,
                on: !f.v(&format!("bh{row}.on")).is_empty(),
                open: f.v(&format!("bh{row}.open")).to_string(),
                close: f.v(&format!("bh{row}.close")).to_string(),
                error: f.err(&format!("bh{row}")).map(str::to_string),
                day,
            }
        })
        .collect()
}

/// A posted form read back: the settings, the form row of each interval, and what is wrong already.
struct Parsed {
    settings: RoutingSettings,
    interval_rows: Vec<usize>,
    errors: FieldErrors,
}

fn read(form: &FormData) -> Parsed {
    let mut errors = FieldErrors::new();
    let mut number = |name: &str| {
        whole(&form.value(name)).unwrap_or_else(|| {
            errors.add(name, "must be a whole number");
            0
        })
    };
    let mut settings = RoutingSettings {
        default_capacity: number("default_capacity"),
        sticky_window_minutes: number("sticky_window_minutes"),
        idle_away_minutes: number("idle_away_minutes"),
        offline_grace_seconds: number("offline_grace_seconds"),
        auto_pending_minutes: number("auto_pending_minutes"),
        auto_close_minutes: number("auto_close_minutes"),
        ..RoutingSettings::default()
    };
    settings.default_team_id = match form.filled("default_team_id") {
        Some(text) => text.trim().parse::<TeamId>().map_err(|_| errors.add("default_team_id", "no such team")).ok(),
        None => None,
    };
    let mut hours = BusinessHours::default();
    let mut interval_rows = Vec::new();
    let rows = form.value("bh_count").parse::<usize>().unwrap_or(0).min(MAX_ROWS);
    for row in 0..rows {
        if !form.has(&format!("bh{row}.on")) {
            continue;
        }
        let value = |part: &str| form.value(&format!("bh{row}.{part}")).trim().to_string();
        hours.intervals.push(OpeningHours {
            weekday: value("day").parse::<u8>().unwrap_or(0),
            open: value("open"),
            close: value("close"),
        });
        interval_rows.push(row);
    }
    hours.holidays =
        form.value("holidays").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    settings.business_hours = hours;
    Parsed { settings, interval_rows, errors }
}

impl Parsed {
    /// The form field a service error belongs to.
    fn field_of(&self, field: &str) -> String {
        if let Some((i, _)) = indexed(field, "business_hours.intervals") {
            return format!("bh{}", self.interval_rows.get(i).copied().unwrap_or(i));
        }
        if field.starts_with("business_hours.holidays") {
            return "holidays".into();
        }
        field.to_string()
    }
}

async fn render(state: &WebState, c: &Ctx, actor: &Actor, f: FormView, status: StatusCode) -> UiResult {
    let t = c.t;
    let queues = state.app.team_queues(actor).await.or_page(c)?;
    let teams = team_options(&queues, f.v("default_team_id"), t.t("rt.set.no_default_team"));
    let number = |name, unit| NumberField {
        name,
        label: t.t(match name {
            "default_capacity" => "rt.set.default_capacity",
            "sticky_window_minutes" => "rt.set.sticky",
            "idle_away_minutes" => "rt.set.idle_away",
            "offline_grace_seconds" => "rt.set.offline_grace",
            "auto_pending_minutes" => "rt.set.auto_pending",
            _ => "rt.set.auto_close",
        }),
        hint: t.t(match name {
            "default_capacity" => "rt.set.default_capacity_hint",
            "sticky_window_minutes" => "rt.set.sticky_hint",
            "idle_away_minutes" => "rt.set.idle_away_hint",
            "offline_grace_seconds" => "rt.set.offline_grace_hint",
            "auto_pending_minutes" => "rt.set.auto_pending_hint",
            _ => "rt.set.auto_close_hint",
        }),
        unit,
    };
    let (minutes, seconds, chats) = (t.t("rt.unit.minutes"), t.t("rt.unit.seconds"), t.t("rt.unit.conversations"));
    let numbers = NUMBERS
        .iter()
        .map(|name| {
            let unit = match *name {
                "default_capacity" => chats,
                "offline_grace_seconds" => seconds,
                _ => minutes,
            };
            number(*name, unit)
        })
        .collect();
    let mut shown: Vec<String> = NUMBERS.iter().map(|n| n.to_string()).collect();
    shown.extend(["default_team_id".to_string(), "holidays".to_string()]);
    shown.extend((0..MAX_ROWS).map(|row| format!("bh{row}")));
    let extra = f.extra(&shown.join(","));
    let page = SettingsPage {
        t,
        c: routing_chrome(c),
        tabs: tabs(t, "settings"),
        hours: hours_rows(t, &f),
        f,
        teams,
        numbers,
        extra,
    };
    Ok(c.render(status, &page))
}

/// The chrome of the routing settings pages (their style sheet and script).
pub fn routing_chrome(c: &Ctx) -> Chrome {
    let mut chrome = c.chrome("settings");
    chrome.page_css_url = Some(crate::assets::asset_url("routing.css"));
    chrome
}

pub async fn page(State(state): State<WebState>, Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let settings = state.app.routing_settings(&actor).await.or_page(&c)?;
    render(&state, &c, &actor, view_of(&settings), StatusCode::OK).await
}

pub async fn save(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    actor.require(Permission::RoutingManage).or_page(&c)?;
    let parsed = read(&form);
    let result = if parsed.errors.is_empty() {
        state.app.update_routing_settings(&actor, &parsed.settings).await.map(|_| ())
    } else {
        Err(AppError::Validation(parsed.errors.clone()))
    };
    match result {
        Ok(()) => Ok(c.done("/settings/routing", "rt.flash.settings_saved")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            for (field, text) in errors.iter() {
                f.error(&parsed.field_of(field), routing_message(c.t, text));
            }
            render(&state, &c, &actor, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_hours_come_back_from_the_form() {
        let mut settings = RoutingSettings::default();
        settings.business_hours.intervals = vec![
            OpeningHours { weekday: 1, open: "09:00".into(), close: "12:00".into() },
            OpeningHours { weekday: 1, open: "13:00".into(), close: "18:00".into() },
            OpeningHours { weekday: 6, open: "10:00".into(), close: "24:00".into() },
        ];
        settings.business_hours.holidays = vec!["2026-10-01".into()];
        let f = view_of(&settings);
        assert_eq!(f.v("bh_count"), "8", "Monday has two rows, every other day one");
        let mut pairs: Vec<(String, String)> = f.values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        pairs.retain(|(_, v)| !v.is_empty());
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let parsed = read(&FormData::parse(body.as_bytes()));
        assert!(parsed.errors.is_empty());
        assert_eq!(parsed.settings, settings);
        assert_eq!(parsed.interval_rows, vec![0, 1, 6]);
        assert_eq!(parsed.field_of("business_hours.intervals[2].close"), "bh6");
    }
}
