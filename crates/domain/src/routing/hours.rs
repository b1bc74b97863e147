//! Business hours: a weekly schedule in the account's time zone, with holidays.

use crate::{FieldErrors, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One opening interval on a weekday. `weekday` is 1 (Monday) to 7 (Sunday); times are "HH:MM",
/// `close` after `open` ("24:00" allowed for the end of the day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpeningHours {
    pub weekday: u8,
    pub open: String,
    pub close: String,
}

/// When people are at work. No intervals at all means "always open".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BusinessHours {
    #[serde(default)]
    pub intervals: Vec<OpeningHours>,
    /// Closed days, "YYYY-MM-DD" in the account's time zone.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// Minutes since midnight of "HH:MM" (00:00 to 24:00).
pub fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// The weekday (1 = Monday), the minute of the day and the date ("YYYY-MM-DD") of `at` in `time_zone`
/// (UTC when the zone is unknown).
pub fn local_clock(at: Timestamp, time_zone: &str) -> (u8, u16, String) {
    let instant = jiff::Timestamp::from_millisecond(at.unix_ms()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let zone = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let local = instant.to_zoned(zone);
    let weekday = local.weekday().to_monday_one_offset() as u8;
    let minute = local.hour() as u16 * 60 + local.minute() as u16;
    (weekday, minute, local.date().to_string())
}

impl BusinessHours {
    pub fn validate(&self, errors: &mut FieldErrors, field: &str) {
        for (i, interval) in self.intervals.iter().enumerate() {
            let open = parse_clock(&interval.open);
            let close = parse_clock(&interval.close);
            if !(1..=7).contains(&interval.weekday) {
                errors.add(format!("{field}.intervals[{i}].weekday"), "must be 1 (Monday) to 7 (Sunday)");
            }
            match (open, close) {
                (Some(open), Some(close)) if open < close => {}
                (Some(_), Some(_)) => errors.add(format!("{field}.intervals[{i}].close"), "must be after open"),
                _ => errors.add(format!("{field}.intervals[{i}]"), "open and close are HH:MM"),
            }
        }
        for (i, day) in self.holidays.iter().enumerate() {
            if day.parse::<jiff::civil::Date>().is_err() {
                errors.add(format!("{field}.holidays[{i}]"), "must be a date YYYY-MM-DD");
            }
        }
    }

    /// Whether `at` falls in the opening hours (in `time_zone`).
    pub fn is_open(&self, at: Timestamp, time_zone: &str) -> bool {
        if self.intervals.is_empty() {
            return true;
        }
        let (weekday, minute, date) = local_clock(at, time_zone);
        if self.holidays.iter().any(|h| h.trim() == date) {
            return false;
        }
        self.intervals.iter().any(|i| {
            i.weekday == weekday
                && parse_clock(&i.open).is_some_and(|open| minute >= open)
                && parse_clock(&i.close).is_some_and(|close| minute < close)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn weekdays_hours_and_holidays_in_the_accounts_zone() {
        let hours = BusinessHours {
            intervals: (1..=5)
                .map(|d| OpeningHours { weekday: d, open: "09:00".into(), close: "18:00".into() })
                .collect(),
            holidays: vec!["2026-10-01".into()],
        };
        // Friday 2026-11-20 01:30 UTC is 09:30 in Shanghai: open; 17:59 open; 18:00 closed.
        assert!(hours.is_open(at("2026-11-20T01:30:00Z"), "Asia/Shanghai"));
        assert!(hours.is_open(at("2026-11-20T09:59:00Z"), "Asia/Shanghai"));
        assert!(!hours.is_open(at("2026-11-20T10:00:00Z"), "Asia/Shanghai"));
        // The same instant is 01:30 in UTC: closed.
        assert!(!hours.is_open(at("2026-11-20T01:30:00Z"), "UTC"));
        // Saturday, and a holiday (a Thursday).
        assert!(!hours.is_open(at("2026-11-21T03:00:00Z"), "Asia/Shanghai"));
        assert!(!hours.is_open(at("2026-10-01T03:00:00Z"), "Asia/Shanghai"));
        assert!(BusinessHours::default().is_open(at("2026-11-21T03:00:00Z"), "UTC"));
    }

    #[test]
    fn bad_hours_name_the_field() {
        let hours = BusinessHours {
            intervals: vec![
                OpeningHours { weekday: 8, open: "09:00".into(), close: "18:00".into() },
                OpeningHours { weekday: 1, open: "18:00".into(), close: "09:00".into() },
                OpeningHours { weekday: 1, open: "9am".into(), close: "24:00".into() },
            ],
            holidays: vec!["2026-13-01".into()],
        };
        let mut errors = FieldErrors::new();
        hours.validate(&mut errors, "business_hours");
        assert!(errors.get("business_hours.intervals[0].weekday").is_some());
        assert_eq!(errors.get("business_hours.intervals[1].close"), Some("must be after open"));
        assert!(errors.get("business_hours.intervals[2]").is_some());
        assert!(errors.get("business_hours.holidays[0]").is_some());
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("24:01"), None);
    }
}
