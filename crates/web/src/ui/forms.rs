//! Forms: reading urlencoded bodies and queries (repeated keys included), redisplaying what was
//! typed with a message beside each bad field, and the options of the common selects.

use crate::i18n::Tr;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use switchboard_app::AppError;
use switchboard_domain::FieldErrors;
use switchboard_domain::values::Locale;

/// The fields of an urlencoded form body or query string, in order, repeated keys kept.
#[derive(Debug, Clone, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(bytes: &[u8]) -> Self {
        Self(form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The first value of `name`, if sent (even empty).
    pub fn field(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// The first value of `name`, or empty.
    pub fn value(&self, name: &str) -> String {
        self.field(name).unwrap_or_default()
    }

    /// The value of `name` when it is not blank.
    pub fn filled(&self, name: &str) -> Option<String> {
        self.field(name).filter(|v| !v.trim().is_empty())
    }

    /// Every value of `name` (checkbox groups).
    pub fn values(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The fields as the form shows them again (passwords and the CSRF token left out).
    pub fn view(&self) -> FormView {
        let mut values = BTreeMap::new();
        for (k, v) in &self.0 {
            if !k.contains("password") && k != crate::auth::CSRF_FIELD {
                values.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        FormView { values, errors: BTreeMap::new() }
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the form as application/x-www-form-urlencoded")
                .into_response());
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        Ok(Self::parse(&bytes))
    }
}

/// The query string as `FormData`.
pub struct QueryData(pub FormData);

impl<S: Send + Sync> FromRequestParts<S> for QueryData {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryData(FormData::parse(parts.uri.query().unwrap_or("").as_bytes())))
    }
}

/// A form as shown: its values and the message beside each bad field.
#[derive(Debug, Clone, Default)]
pub struct FormView {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

impl FormView {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a starting value.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.values.insert(name.to_string(), value.into());
        self
    }

    /// The value to show in field `name`.
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// The message for field `name`, if it is wrong.
    pub fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Errors of fields the form does not show (`shown` is a comma-separated list), to list above it.
    pub fn extra(&self, shown: &str) -> Vec<String> {
        let shown: Vec<&str> = shown.split(',').collect();
        self.errors.iter().filter(|(k, _)| !shown.contains(&k.as_str())).map(|(_, v)| v.clone()).collect()
    }

    /// Adds a message (already translated) for a field.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.entry(field.to_string()).or_insert_with(|| message.into());
    }

    /// Adds a service's field errors, translated, with their keys renamed by `rename`.
    pub fn add_errors(&mut self, t: Tr, errors: &FieldErrors, rename: impl Fn(&str) -> String) {
        for (field, text) in errors.iter() {
            self.error(&rename(field), message(t, text));
        }
    }
}

/// Field errors of a service answer, or the error itself when it is something else.
pub fn field_errors(error: AppError) -> Result<FieldErrors, AppError> {
    match error {
        AppError::Validation(e) | AppError::Conflict(e) => Ok(e),
        other => Err(other),
    }
}

/// `name[3].rest` → (3, ".rest").
pub fn indexed<'a>(field: &'a str, name: &str) -> Option<(usize, &'a str)> {
    let rest = field.strip_prefix(name)?.strip_prefix('[')?;
    let (index, rest) = rest.split_once(']')?;
    Some((index.parse().ok()?, rest))
}

/// Whole minutes (rounded up) in a number of seconds, at least 1.
pub fn minutes(seconds: i64) -> i64 {
    ((seconds + 59) / 60).max(1)
}

/// The message of a field error in the page's language. The services speak English; the known
/// messages are translated, anything else is shown as it is.
pub fn message(t: Tr, text: &str) -> String {
    let fixed: &[(&str, &'static str)] = &[
        ("is required", "err.required"),
        ("is not an email address", "err.email"),
        ("is not a known time zone", "err.time_zone"),
        ("must be zh-CN or en", "err.locale"),
        ("is already taken", "err.taken"),
        ("must not contain control characters", "err.control"),
        ("must not be only spaces", "err.blank_password"),
        ("may only contain a-z, 0-9 and inner hyphens", "err.slug"),
        ("is required to set a new password", "err.current_password_required"),
        ("is not your current password", "err.current_password_wrong"),
        ("you cannot deactivate yourself", "err.deactivate_self"),
        ("the account must keep at least one active admin", "err.last_admin"),
        ("no such role", "err.no_such_role"),
        ("no such user", "err.no_such_user"),
        ("names a team that does not exist", "err.no_such_team"),
        ("names a user that does not exist", "err.no_such_user"),
        ("built-in roles cannot be changed", "err.builtin_role"),
        ("built-in roles cannot be deleted", "err.builtin_role"),
        ("must be between 1 and 3650", "err.expiry_range"),
        ("is required: this server hosts several accounts", "err.account_required"),
        ("this instance is already set up", "err.already_set_up"),
        ("the user is deactivated", "err.user_inactive"),
        ("must be own, teams or account", "err.data_scope"),
        ("is not a valid id", "err.invalid_id"),
        ("is not a valid cursor", "err.cursor"),
    ];
    if let Some((_, key)) = fixed.iter().find(|(english, _)| *english == text) {
        return t.t(key).to_string();
    }
    let number = |prefix: &str, suffix: &str| text.strip_prefix(prefix)?.strip_suffix(suffix)?.parse::<u64>().ok();
    if let Some(n) = number("must be at most ", " characters") {
        return t.t("err.too_long").replace("{n}", &n.to_string());
    }
    if let Some(n) = number("must be at least ", " characters") {
        return t.t("err.too_short").replace("{n}", &n.to_string());
    }
    if let Some(n) = number("", " users still have this role") {
        return t.t("err.role_in_use").replace("{n}", &n.to_string());
    }
    if let Some(name) = text.strip_prefix('`').and_then(|r| r.strip_suffix("` is more than the user may do")) {
        return t.t("err.scope_too_wide").replace("{name}", name);
    }
    if let Some(name) = text.strip_prefix("unknown permission `").and_then(|r| r.strip_suffix('`')) {
        return t.t("err.unknown_permission").replace("{name}", name);
    }
    text.to_string()
}

/// One `<option>` of a select.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        let selected = value == current;
        Self { value, label: label.into(), selected }
    }
}

/// The UI languages, each named in its own language.
pub fn locale_options(current: &str) -> Vec<Opt> {
    Locale::ALL.iter().map(|l| Opt::new(l.code(), super::ctx::locale_name(*l), current)).collect()
}

/// Common time zones, Asia/Shanghai first and UTC last, each with its current UTC offset. A zone
/// not in the list but currently chosen is kept as an option.
pub const TIME_ZONES: &[&str] = &[
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
];

fn utc_offset(zone: &str) -> String {
    let Ok(tz) = jiff::tz::TimeZone::get(zone) else { return String::new() };
    let seconds = tz.to_offset(jiff::Timestamp::now()).seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

pub fn time_zone_options(current: &str) -> Vec<Opt> {
    let mut zones: Vec<&str> = TIME_ZONES.to_vec();
    if !current.is_empty() && !zones.contains(&current) && jiff::tz::TimeZone::get(current).is_ok() {
        zones.insert(0, current);
    }
    zones
        .into_iter()
        .map(|zone| {
            let label = if zone == "UTC" { "UTC".to_string() } else { format!("{zone} ({})", utc_offset(zone)) };
            Opt::new(zone, label, current)
        })
        .collect()
}

/// A checkbox of a group.
#[derive(Debug, Clone)]
pub struct Check {
    pub value: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_and_views() {
        let form = FormData::parse(b"name=A+B&team_ids=1&team_ids=2&password=secret&_csrf=x&empty=");
        assert_eq!(form.value("name"), "A B");
        assert_eq!(form.values("team_ids"), vec!["1", "2"]);
        assert_eq!(form.filled("empty"), None);
        assert!(form.has("empty"));
        let view = form.view();
        assert_eq!(view.v("name"), "A B");
        assert_eq!(view.v("password"), "");
        assert_eq!(view.v("_csrf"), "");
    }

    #[test]
    fn known_messages_are_translated() {
        let zh = Tr::new(Locale::ZhCn);
        assert_ne!(message(zh, "is required"), "is required");
        assert!(message(zh, "must be at least 8 characters").contains('8'));
        assert_eq!(message(zh, "something new"), "something new");
        assert_eq!(message(Tr::new(Locale::En), "must be at most 120 characters"), "Must be at most 120 characters.");
    }

    #[test]
    fn time_zones_start_with_shanghai_and_keep_the_current_one() {
        let options = time_zone_options("Asia/Shanghai");
        assert_eq!(options[0].value, "Asia/Shanghai");
        assert!(options[0].selected);
        assert!(options[0].label.contains("UTC+08:00"));
        assert!(options.iter().any(|o| o.value == "UTC"));
        assert_eq!(time_zone_options("Africa/Nairobi")[0].value, "Africa/Nairobi");
    }
}
