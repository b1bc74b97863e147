//! The website widget channel: its settings and their validation, the pre-chat form and its answers,
//! allowed origins, and verified identities (HMAC-SHA256 of the user id with the channel's secret).

use crate::errors::FieldErrors;
use crate::ids::TeamId;
use crate::values::Email;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Upload limit when the channel does not set one.
pub const DEFAULT_UPLOAD_BYTES: i64 = 10 * 1024 * 1024;
/// The largest upload limit a channel may set.
pub const MAX_UPLOAD_BYTES: i64 = 50 * 1024 * 1024;
/// File types a widget accepts unless the channel says otherwise; also every type the server can check.
pub const KNOWN_UPLOAD_TYPES: &[&str] =
    &["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"];

/// What a pre-chat field asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrechatKind {
    Name,
    Email,
    Phone,
    Text,
    Textarea,
    Select,
}

/// One field of the pre-chat form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrechatField {
    /// `[a-z0-9_]{1,40}`, unique in the form; `name`, `email` and `phone` fill the contact.
    pub key: String,
    pub kind: PrechatKind,
    pub label: String,
    #[serde(default)]
    pub required: bool,
    /// The choices of a `select`.
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum LauncherPosition {
    #[default]
    Right,
    Left,
}

/// The settings of a `web_widget` channel (docs/widget.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WidgetSettings {
    /// Origins (`https://shop.example.com`, or `https://*.example.com`) whose pages may show the widget.
    pub allowed_origins: Vec<String>,
    pub greeting: String,
    /// `#rrggbb`.
    pub color: String,
    pub position: LauncherPosition,
    pub prechat_fields: Vec<PrechatField>,
    /// Shown instead of the greeting when no agent is online.
    pub offline_message: String,
    pub upload_max_bytes: i64,
    pub upload_types: Vec<String>,
    /// The team new conversations go to.
    pub team_id: Option<TeamId>,
    /// Only verified customers may chat.
    pub require_identity: bool,
    /// The FAQ bot answers first and hands over to a person when it should.
    pub bot_enabled: bool,
    /// The bot's name as customers see it.
    pub bot_name: String,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            greeting: String::new(),
            color: "#1f6feb".into(),
            position: LauncherPosition::Right,
            prechat_fields: Vec::new(),
            offline_message: String::new(),
            upload_max_bytes: DEFAULT_UPLOAD_BYTES,
            upload_types: KNOWN_UPLOAD_TYPES.iter().map(|t| t.to_string()).collect(),
            team_id: None,
            require_identity: false,
            bot_enabled: false,
            bot_name: String::new(),
        }
    }
}

/// Lowercased `scheme://host[:port]` of an origin or URL, or None when it is not http(s).
pub fn normalize_origin(text: &str) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    let (scheme, rest) = text.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let valid = !authority.is_empty()
        && !authority.contains('@')
        && authority.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*' | '[' | ']'));
    valid.then(|| format!("{scheme}://{authority}"))
}

fn valid_pattern(origin: &str) -> bool {
    let Some((_, authority)) = origin.split_once("://") else { return false };
    let host =
        authority.rsplit_once(':').map(|(h, p)| if p.chars().all(|c| c.is_ascii_digit()) { h } else { authority });
    let host = host.unwrap_or(authority);
    match host.strip_prefix("*.") {
        Some(rest) => !rest.is_empty() && !rest.contains('*') && rest.contains('.'),
        None => !host.contains('*'),
    }
}

impl WidgetSettings {
    /// Whether a page of `origin` may show the widget.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let Some(origin) = normalize_origin(origin) else { return false };
        self.allowed_origins.iter().any(|allowed| {
            if *allowed == origin {
                return true;
            }
            let (Some((scheme, pattern)), Some((o_scheme, o_rest))) =
                (allowed.split_once("://"), origin.split_once("://"))
            else {
                return false;
            };
            match pattern.strip_prefix("*.") {
                Some(suffix) => scheme == o_scheme && o_rest.ends_with(&format!(".{suffix}")),
                None => false,
            }
        })
    }

    /// Validates settings as given by an admin; the errors name `settings.<field>`.
    pub fn validate(mut self, team_exists: impl Fn(TeamId) -> bool) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut origins = Vec::new();
        for (i, origin) in self.allowed_origins.iter().enumerate() {
            match normalize_origin(origin).filter(|o| valid_pattern(o)) {
                Some(o) if origin.trim().trim_end_matches('/').eq_ignore_ascii_case(&o) => {
                    if !origins.contains(&o) {
                        origins.push(o);
                    }
                }
                _ => e.add(
                    format!("settings.allowed_origins[{i}]"),
                    "must be an origin such as https://shop.example.com (scheme, host and port only)",
                ),
            }
        }
        if origins.len() > 50 {
            e.add("settings.allowed_origins", "at most 50 origins");
        }
        self.allowed_origins = origins;
        self.greeting = self.greeting.trim().to_string();
        if self.greeting.chars().count() > 500 {
            e.add("settings.greeting", "must be at most 500 characters");
        }
        self.bot_name = self.bot_name.trim().to_string();
        if self.bot_name.chars().count() > 60 {
            e.add("settings.bot_name", "must be at most 60 characters");
        }
        self.offline_message = self.offline_message.trim().to_string();
        if self.offline_message.chars().count() > 500 {
            e.add("settings.offline_message", "must be at most 500 characters");
        }
        let color = self.color.trim().to_ascii_lowercase();
        if color.len() != 7 || !color.starts_with('#') || !color[1..].chars().all(|c| c.is_ascii_hexdigit()) {
            e.add("settings.color", "must be a colour like #1f6feb");
        }
        self.color = color;
        if !(1024..=MAX_UPLOAD_BYTES).contains(&self.upload_max_bytes) {
            e.add("settings.upload_max_bytes", format!("must be between 1024 and {MAX_UPLOAD_BYTES}"));
        }
        for (i, kind) in self.upload_types.iter().enumerate() {
            if !KNOWN_UPLOAD_TYPES.contains(&kind.as_str()) {
                e.add(
                    format!("settings.upload_types[{i}]"),
                    format!("must be one of {}", KNOWN_UPLOAD_TYPES.join(", ")),
                );
            }
        }
        self.upload_types.dedup();
        if self.team_id.is_some_and(|t| !team_exists(t)) {
            e.add("settings.team_id", "no such team");
        }
        let mut keys: Vec<&str> = Vec::new();
        if self.prechat_fields.len() > 20 {
            e.add("settings.prechat_fields", "at most 20 fields");
        }
        for (i, field) in self.prechat_fields.iter_mut().enumerate() {
            let at = format!("settings.prechat_fields[{i}]");
            let key_ok = !field.key.is_empty()
                && field.key.len() <= 40
                && field.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok {
                e.add(format!("{at}.key"), "must be 1-40 characters of a-z, 0-9 and _");
            } else if keys.contains(&field.key.as_str()) {
                e.add(format!("{at}.key"), "is used twice");
            }
            keys.push(&field.key);
            field.label = field.label.trim().to_string();
            if field.label.is_empty() || field.label.chars().count() > 100 {
                e.add(format!("{at}.label"), "must be 1-100 characters");
            }
            let expected = match field.key.as_str() {
                "name" => Some(PrechatKind::Name),
                "email" => Some(PrechatKind::Email),
                "phone" => Some(PrechatKind::Phone),
                _ => None,
            };
            if expected.is_some_and(|k| k != field.kind) {
                e.add(format!("{at}.kind"), format!("the field `{}` must be of its own kind", field.key));
            }
            field.options = field.options.iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
            if field.kind == PrechatKind::Select {
                if field.options.is_empty() || field.options.len() > 50 {
                    e.add(format!("{at}.options"), "a select needs 1-50 options");
                }
                if field.options.iter().any(|o| o.chars().count() > 100) {
                    e.add(format!("{at}.options"), "each option is at most 100 characters");
                }
            } else {
                field.options.clear();
            }
        }
        if e.is_empty() { Ok(self) } else { Err(e) }
    }

    /// Checks a visitor's pre-chat answers against the form; errors name `prechat.<key>`.
    pub fn validate_prechat(&self, answers: &BTreeMap<String, String>) -> Result<PrechatAnswers, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut valid = PrechatAnswers::default();
        for field in &self.prechat_fields {
            let at = format!("prechat.{}", field.key);
            let value = answers.get(&field.key).map(|v| v.trim()).unwrap_or("");
            if value.is_empty() {
                if field.required {
                    e.add(at, "is required");
                }
                continue;
            }
            let limit = if field.kind == PrechatKind::Textarea { 2000 } else { 200 };
            if value.chars().count() > limit || value.chars().any(|c| c.is_control() && c != '\n') {
                e.add(at, format!("must be at most {limit} characters"));
                continue;
            }
            match field.kind {
                PrechatKind::Email => match Email::parse(value) {
                    Ok(email) => valid.email = Some(email.to_string()),
                    Err(_) => e.add(at, "is not a valid email address"),
                },
                PrechatKind::Phone => match normalize_phone(value) {
                    Some(phone) => valid.phone = Some(phone),
                    None => e.add(at, "is not a valid phone number"),
                },
                PrechatKind::Select if !field.options.iter().any(|o| o == value) => {
                    e.add(at, "is not one of the choices")
                }
                PrechatKind::Name => valid.name = Some(value.to_string()),
                _ => {}
            }
            valid.answers.insert(field.key.clone(), value.to_string());
        }
        if e.is_empty() { Ok(valid) } else { Err(e) }
    }
}

/// Accepted pre-chat answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrechatAnswers {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Every answer given, by field key.
    pub answers: BTreeMap<String, String>,
}

/// `+`, digits, spaces, dashes and parentheses; 5-20 digits. Returns the number without separators.
pub fn normalize_phone(text: &str) -> Option<String> {
    let text = text.trim();
    if !text.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')')) {
        return None;
    }
    if text.chars().skip(1).any(|c| c == '+') {
        return None;
    }
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    (5..=20).contains(&digits.len()).then(|| if text.starts_with('+') { format!("+{digits}") } else { digits })
}

/// The digits of a phone number, for finding it whatever its formatting (`+86 138-0013-8000` →
/// `8613800138000`).
pub fn phone_digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Whether `hash` (hex) is HMAC-SHA256(`user_id`, `secret`), compared in constant time.
pub fn identity_verifies(secret: &str, user_id: &str, hash: &str) -> bool {
    let Ok(expected) = hex::decode(hash.trim()) else { return false };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(user_id.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

/// The HMAC a company's server computes for a user id (the example on the admin page, and tests).
pub fn identity_hash(secret: &str, user_id: &str) -> String {
    match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(user_id.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(origins: &[&str]) -> WidgetSettings {
        WidgetSettings { allowed_origins: origins.iter().map(|o| o.to_string()).collect(), ..Default::default() }
    }

    #[test]
    fn origins_match_exactly_or_by_subdomain_pattern() {
        let s = settings(&["https://shop.example.com", "https://*.example.cn", "http://127.0.0.1:9000"])
            .validate(|_| true)
            .unwrap();
        assert!(s.origin_allowed("https://shop.example.com"));
        assert!(s.origin_allowed("HTTPS://Shop.Example.com"));
        assert!(s.origin_allowed("https://m.example.cn"));
        assert!(s.origin_allowed("http://127.0.0.1:9000"));
        assert!(!s.origin_allowed("http://shop.example.com"));
        assert!(!s.origin_allowed("https://example.cn"));
        assert!(!s.origin_allowed("https://evil-example.cn"));
        assert!(!s.origin_allowed("https://shop.example.com.evil.com"));
        assert!(!s.origin_allowed("http://127.0.0.1:9001"));
        assert!(!s.origin_allowed("null"));
    }

    #[test]
    fn bad_settings_name_their_fields() {
        let mut s = settings(&["https://ok.example.com", "shop.example.com", "https://x.com/path", "https://*"]);
        s.color = "blue".into();
        s.upload_max_bytes = 10;
        s.upload_types = vec!["application/x-msdownload".into()];
        s.prechat_fields = vec![
            PrechatField {
                key: "Bad Key".into(),
                kind: PrechatKind::Text,
                label: "x".into(),
                required: false,
                options: vec![],
            },
            PrechatField {
                key: "q".into(),
                kind: PrechatKind::Select,
                label: "Type".into(),
                required: true,
                options: vec![],
            },
            PrechatField {
                key: "email".into(),
                kind: PrechatKind::Text,
                label: "E".into(),
                required: false,
                options: vec![],
            },
        ];
        s.team_id = Some(TeamId::from_i64(5));
        let e = s.validate(|_| false).unwrap_err();
        for field in [
            "settings.allowed_origins[1]",
            "settings.allowed_origins[2]",
            "settings.allowed_origins[3]",
            "settings.color",
            "settings.upload_max_bytes",
            "settings.upload_types[0]",
            "settings.prechat_fields[0].key",
            "settings.prechat_fields[1].options",
            "settings.prechat_fields[2].kind",
            "settings.team_id",
        ] {
            assert!(e.get(field).is_some(), "{field} missing in {e:?}");
        }
        assert!(e.get("settings.allowed_origins[0]").is_none());
    }

    #[test]
    fn prechat_answers_are_checked_against_the_form() {
        let mut s = WidgetSettings::default();
        let field = |key: &str, kind, required, options: &[&str]| PrechatField {
            key: key.into(),
            kind,
            label: key.into(),
            required,
            options: options.iter().map(|o| o.to_string()).collect(),
        };
        s.prechat_fields = vec![
            field("name", PrechatKind::Name, true, &[]),
            field("email", PrechatKind::Email, false, &[]),
            field("phone", PrechatKind::Phone, true, &[]),
            field("question_type", PrechatKind::Select, true, &["退货", "发票"]),
        ];
        let answers = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let ok = s
            .validate_prechat(&answers(&[
                ("name", " 王小明 "),
                ("phone", "+86 138-0013-8000"),
                ("question_type", "退货"),
            ]))
            .unwrap();
        assert_eq!(ok.name.as_deref(), Some("王小明"));
        assert_eq!(ok.phone.as_deref(), Some("+8613800138000"));
        assert_eq!(ok.answers.get("question_type").map(String::as_str), Some("退货"));
        let e = s
            .validate_prechat(&answers(&[("email", "not-an-email"), ("phone", "call me"), ("question_type", "其他")]))
            .unwrap_err();
        for f in ["prechat.name", "prechat.email", "prechat.phone", "prechat.question_type"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }

    #[test]
    fn identity_hash_verifies_only_with_the_secret_and_the_user() {
        let hash = identity_hash("whs_secret", "u-991");
        assert!(identity_verifies("whs_secret", "u-991", &hash));
        assert!(identity_verifies("whs_secret", "u-991", &hash.to_uppercase()));
        assert!(!identity_verifies("whs_secret", "u-992", &hash));
        assert!(!identity_verifies("whs_other", "u-991", &hash));
        assert!(!identity_verifies("whs_secret", "u-991", "zz"));
        assert!(!identity_verifies("whs_secret", "u-991", ""));
    }
}
