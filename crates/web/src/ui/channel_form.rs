//! The channel edit form and a widget's settings, both ways: settings shown as form fields, a posted
//! form read back into `WidgetSettings`, and the service's field errors (`settings.allowed_origins[1]`,
//! `settings.prechat_fields[2].label`) placed beside the fields and pre-chat rows they name.
//!
//! Pre-chat rows are `pf{row}.key`, `.kind`, `.label`, `.required`, `.options` (one per line) and
//! `.remove`; `pf_count` says how many rows the form had. Blank and removed rows are left out of the
//! settings, so a settings index and a form row can differ: `Parsed::prechat_rows` maps one to the other.

use super::forms::{Check, FormData, FormView, Opt, indexed, message};
use crate::i18n::Tr;
use switchboard_domain::FieldErrors;
use switchboard_domain::TeamId;
use switchboard_domain::conversations::{Channel, ChannelUpdateInput};
use switchboard_domain::values::Name;
use switchboard_domain::widget::{
    DEFAULT_UPLOAD_BYTES, KNOWN_UPLOAD_TYPES, LauncherPosition, PrechatField, PrechatKind, WidgetSettings,
};

/// Empty pre-chat rows offered below the existing ones.
pub const BLANK_ROWS: usize = 1;
/// The most pre-chat rows a form may ask for (the settings allow 20 fields).
pub const MAX_ROWS: usize = 25;
const MIB: f64 = 1024.0 * 1024.0;

/// The simple fields of the form, by name; errors of any other field are listed above the form.
pub const SHOWN_FIELDS: &[&str] = &[
    "name",
    "active",
    "allowed_origins",
    "greeting",
    "offline_message",
    "color",
    "position",
    "prechat_fields",
    "upload_mb",
    "upload_types",
    "team_id",
    "require_identity",
    "bot_enabled",
    "bot_name",
];

pub const KINDS: &[(PrechatKind, &str)] = &[
    (PrechatKind::Name, "name"),
    (PrechatKind::Email, "email"),
    (PrechatKind::Phone, "phone"),
    (PrechatKind::Text, "text"),
    (PrechatKind::Textarea, "textarea"),
    (PrechatKind::Select, "select"),
];

fn kind_name(kind: PrechatKind) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, name)| *name).unwrap_or("text")
}

fn kind_parse(text: &str) -> Option<PrechatKind> {
    KINDS.iter().find(|(_, name)| *name == text.trim()).map(|(k, _)| *k)
}

fn kind_label(t: Tr, kind: &str) -> &'static str {
    match kind {
        "name" => t.t("ch.pf.kind_name"),
        "email" => t.t("ch.pf.kind_email"),
        "phone" => t.t("ch.pf.kind_phone"),
        "textarea" => t.t("ch.pf.kind_textarea"),
        "select" => t.t("ch.pf.kind_select"),
        _ => t.t("ch.pf.kind_text"),
    }
}

/// A byte count as megabytes for the form: `10`, `1.5`, `0.001`.
pub fn megabytes(bytes: i64) -> String {
    let text = format!("{:.3}", bytes as f64 / MIB);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The form as a stored channel fills it.
pub fn view_of(channel: &Channel) -> FormView {
    let s = &channel.settings;
    let mut f = FormView::new()
        .with("name", &channel.name)
        .with("active", if channel.active { "true" } else { "" })
        .with("allowed_origins", s.allowed_origins.join("\n"))
        .with("greeting", &s.greeting)
        .with("offline_message", &s.offline_message)
        .with("color", &s.color)
        .with("color_was", &s.color)
        .with("position", if s.position == LauncherPosition::Left { "left" } else { "right" })
        .with("upload_mb", megabytes(s.upload_max_bytes))
        .with("team_id", s.team_id.map(|id| id.to_string()).unwrap_or_default())
        .with("require_identity", if s.require_identity { "true" } else { "" })
        .with("bot_enabled", if s.bot_enabled { "true" } else { "" })
        .with("bot_name", &s.bot_name)
        .with("pf_count", (s.prechat_fields.len() + BLANK_ROWS).to_string());
    for (row, field) in s.prechat_fields.iter().enumerate() {
        f = f
            .with(&format!("pf{row}.key"), &field.key)
            .with(&format!("pf{row}.kind"), kind_name(field.kind))
            .with(&format!("pf{row}.label"), &field.label)
            .with(&format!("pf{row}.required"), if field.required { "true" } else { "" })
            .with(&format!("pf{row}.options"), field.options.join("\n"));
    }
    f
}

/// How many pre-chat rows the form shows.
pub fn row_count(f: &FormView) -> usize {
    f.v("pf_count").parse::<usize>().unwrap_or(BLANK_ROWS).min(MAX_ROWS)
}

/// A posted form read back.
pub struct Parsed {
    pub input: ChannelUpdateInput,
    /// The form row of each pre-chat field in `input.settings`, in order.
    pub prechat_rows: Vec<usize>,
    /// The non-blank lines of the origins box, in order (as `settings.allowed_origins`).
    pub origin_lines: Vec<String>,
    /// What is wrong before the service is asked (a limit that is not a number, an unknown team id).
    pub errors: FieldErrors,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// The colour chosen: the text box when it was changed, else the picker when that was changed (a
/// browser without the page's script sends both, and only one of them moved).
pub fn chosen_color(form: &FormData) -> String {
    let text = form.value("color").trim().to_string();
    let was = form.value("color_was");
    let pick = form.value("color_pick");
    if text != was.trim() || pick.is_empty() || pick.eq_ignore_ascii_case(&picker_value(&was)) { text } else { pick }
}

/// The value of the colour picker for a colour text (a picker needs a valid `#rrggbb`).
pub fn picker_value(color: &str) -> String {
    let color = color.trim().to_ascii_lowercase();
    let valid = color.len() == 7 && color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if valid { color } else { WidgetSettings::default().color }
}

/// Reads a posted edit form. `widget`: the channel has settings to read.
pub fn read(form: &FormData, widget: bool) -> Parsed {
    let mut errors = FieldErrors::new();
    let input = ChannelUpdateInput { name: form.field("name"), active: Some(form.has("active")), settings: None };
    let mut parsed = Parsed { input, prechat_rows: Vec::new(), origin_lines: Vec::new(), errors: FieldErrors::new() };
    if !widget {
        return parsed;
    }
    let origin_lines = lines(&form.value("allowed_origins"));
    let upload_max_bytes = match form.value("upload_mb").trim().replace(',', ".").parse::<f64>() {
        Ok(mb) if mb.is_finite() && mb > 0.0 && mb <= 1024.0 => (mb * MIB).round() as i64,
        _ => {
            errors.add("upload_mb", "upload_mb");
            DEFAULT_UPLOAD_BYTES
        }
    };
    let team_id = match form.filled("team_id") {
        None => None,
        Some(text) => text.trim().parse::<TeamId>().map_err(|_| errors.add("team_id", "no such team")).ok(),
    };
    let mut prechat_fields = Vec::new();
    let rows = form.value("pf_count").parse::<usize>().unwrap_or(0).min(MAX_ROWS);
    for row in 0..rows {
        let value = |part: &str| form.value(&format!("pf{row}.{part}"));
        let (key, label, options) = (value("key").trim().to_string(), value("label"), lines(&value("options")));
        let blank = key.is_empty() && label.trim().is_empty() && options.is_empty();
        if blank || form.has(&format!("pf{row}.remove")) {
            continue;
        }
        let kind = kind_parse(&value("kind")).unwrap_or_else(|| {
            errors.add(format!("pf{row}.kind"), "is required");
            PrechatKind::Text
        });
        let required = form.has(&format!("pf{row}.required"));
        prechat_fields.push(PrechatField { key, kind, label, required, options });
        parsed.prechat_rows.push(row);
    }
    let settings = WidgetSettings {
        allowed_origins: origin_lines.clone(),
        greeting: form.value("greeting"),
        color: chosen_color(form),
        position: if form.value("position") == "left" { LauncherPosition::Left } else { LauncherPosition::Right },
        prechat_fields,
        offline_message: form.value("offline_message"),
        upload_max_bytes,
        upload_types: form.values("upload_types"),
        team_id,
        require_identity: form.has("require_identity"),
        bot_enabled: form.has("bot_enabled"),
        bot_name: form.value("bot_name"),
    };
    parsed.input.settings = Some(settings);
    parsed.origin_lines = origin_lines;
    parsed.errors = errors;
    parsed
}

impl Parsed {
    /// Every error the domain's own checks find, without saving: the local ones, the name's, and
    /// the settings' (teams are taken to exist; the service checks them when saving).
    pub fn check(&self) -> FieldErrors {
        let mut all = FieldErrors::new();
        for (field, text) in self.errors.iter() {
            all.add(field.clone(), text.clone());
        }
        if let Some(name) = &self.input.name {
            all.check("name", Name::parse(name));
        }
        if let Some(settings) = &self.input.settings
            && let Err(errors) = settings.clone().validate(|_| true)
        {
            for (field, text) in errors.iter() {
                all.add(field.clone(), text.clone());
            }
        }
        all
    }

    /// Places field errors (the service's names or the form's own) beside the fields of `f`.
    pub fn place_errors(&self, t: Tr, errors: &FieldErrors, f: &mut FormView) {
        for (field, text) in errors.iter() {
            let (target, shown) = self.target(t, field, text);
            match f.errors.get_mut(&target) {
                Some(existing) if !existing.contains(&shown) => {
                    existing.push(' ');
                    existing.push_str(&shown);
                }
                Some(_) => {}
                None => f.error(&target, shown),
            }
        }
    }

    /// The form field an error belongs to, and its message in the page's language.
    fn target(&self, t: Tr, field: &str, text: &str) -> (String, String) {
        let field = field.strip_prefix("settings.").unwrap_or(field);
        if let Some(i) = indexed(field, "allowed_origins") {
            let line = self.origin_lines.get(i.0).map(String::as_str).unwrap_or("");
            return ("allowed_origins".into(), t.t("ch.err.origin").replace("{origin}", line));
        }
        if let Some((i, rest)) = indexed(field, "prechat_fields") {
            let row = self.prechat_rows.get(i).copied().unwrap_or(i);
            let part = rest.trim_start_matches('.');
            return (format!("pf{row}.{part}"), channel_message(t, text));
        }
        if field.starts_with("upload_types") {
            return ("upload_types".into(), channel_message(t, text));
        }
        if field == "upload_max_bytes" || field == "upload_mb" {
            return ("upload_mb".into(), t.t("ch.err.upload_mb").to_string());
        }
        (field.to_string(), channel_message(t, text))
    }
}

/// A widget settings message in the page's language (the domain speaks English).
pub fn channel_message(t: Tr, text: &str) -> String {
    let fixed: &[(&str, &'static str)] = &[
        ("at most 50 origins", "ch.err.too_many_origins"),
        ("must be a colour like #1f6feb", "ch.err.color"),
        ("no such team", "err.no_such_team"),
        ("at most 20 fields", "ch.err.too_many_fields"),
        ("must be 1-40 characters of a-z, 0-9 and _", "ch.err.key"),
        ("is used twice", "ch.err.key_twice"),
        ("must be 1-100 characters", "ch.err.label"),
        ("a select needs 1-50 options", "ch.err.options"),
        ("each option is at most 100 characters", "ch.err.option_long"),
    ];
    if let Some((_, key)) = fixed.iter().find(|(english, _)| *english == text) {
        return t.t(key).to_string();
    }
    if text.starts_with("must be one of ") {
        return t.t("ch.err.upload_type").to_string();
    }
    if let Some(key) = text.strip_prefix("the field `").and_then(|r| r.strip_suffix("` must be of its own kind")) {
        return t.t("ch.err.own_kind").replace("{key}", key);
    }
    message(t, text)
}

/// One pre-chat row as the template shows it.
pub struct PrechatRow {
    pub row: usize,
    pub key: String,
    pub kinds: Vec<Opt>,
    pub label: String,
    pub required: bool,
    pub options: String,
    pub key_error: Option<String>,
    pub kind_error: Option<String>,
    pub label_error: Option<String>,
    pub options_error: Option<String>,
    /// Errors naming the row as a whole.
    pub row_error: Option<String>,
}

impl PrechatRow {
    pub fn invalid(&self) -> bool {
        self.key_error.is_some()
            || self.kind_error.is_some()
            || self.label_error.is_some()
            || self.options_error.is_some()
            || self.row_error.is_some()
    }
}

/// The pre-chat rows of a form view.
pub fn prechat_rows(t: Tr, f: &FormView, count: usize) -> Vec<PrechatRow> {
    (0..count)
        .map(|row| {
            let name = |part: &str| format!("pf{row}.{part}");
            let value = |part: &str| f.v(&name(part)).to_string();
            let error = |part: &str| f.err(&name(part)).map(str::to_string);
            let kind = value("kind");
            let current = if kind.is_empty() { "text" } else { kind.as_str() };
            PrechatRow {
                row,
                key: value("key"),
                kinds: KINDS.iter().map(|(_, k)| Opt::new(*k, kind_label(t, k), current)).collect(),
                label: value("label"),
                required: !value("required").is_empty(),
                options: value("options"),
                key_error: error("key"),
                kind_error: error("kind"),
                label_error: error("label"),
                options_error: error("options"),
                row_error: f.err(&format!("pf{row}")).map(str::to_string),
            }
        })
        .collect()
}

/// The accepted-type checkboxes.
pub fn upload_type_checks(t: Tr, checked: &[String]) -> Vec<Check> {
    KNOWN_UPLOAD_TYPES
        .iter()
        .map(|kind| Check {
            value: kind.to_string(),
            label: match *kind {
                "image/png" => "PNG".into(),
                "image/jpeg" => "JPEG".into(),
                "image/gif" => "GIF".into(),
                "image/webp" => "WebP".into(),
                "application/pdf" => "PDF".into(),
                "text/plain" => t.t("ch.upload_text").to_string(),
                other => other.to_string(),
            },
            hint: kind.to_string(),
            checked: checked.iter().any(|c| c == kind),
        })
        .collect()
}

/// Errors of fields the form does not show, for the alert above it.
pub fn extra_errors(f: &FormView) -> Vec<String> {
    f.errors
        .iter()
        .filter(|(k, _)| !SHOWN_FIELDS.contains(&k.as_str()) && !k.starts_with("pf"))
        .map(|(_, v)| v.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::values::Locale;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData::parse(form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish().as_bytes())
    }

    #[test]
    fn megabytes_are_short() {
        assert_eq!(megabytes(10 * 1024 * 1024), "10");
        assert_eq!(megabytes(1536 * 1024), "1.5");
        assert_eq!(megabytes(1024), "0.001");
    }

    #[test]
    fn blank_and_removed_rows_are_skipped_and_errors_find_their_row() {
        let posted = form(&[
            ("name", "Site"),
            ("allowed_origins", "https://ok.example.com\n\n  shop.example.com  \n"),
            ("color", "#ABCDEF"),
            ("color_was", "#abcdef"),
            ("upload_mb", "2,5"),
            ("pf_count", "4"),
            ("pf0.key", "gone"),
            ("pf0.label", "Gone"),
            ("pf0.remove", "1"),
            ("pf1.key", ""),
            ("pf1.label", ""),
            ("pf2.key", "topic"),
            ("pf2.kind", "select"),
            ("pf2.label", "Topic"),
            ("pf2.options", "\n"),
            ("pf3.key", "name"),
            ("pf3.kind", "name"),
            ("pf3.label", "Name"),
            ("pf3.required", "true"),
        ]);
        let parsed = read(&posted, true);
        let settings = parsed.input.settings.clone().unwrap();
        assert_eq!(settings.upload_max_bytes, 2_621_440);
        assert_eq!(settings.prechat_fields.len(), 2);
        assert!(settings.prechat_fields[1].required);
        assert_eq!(parsed.prechat_rows, vec![2, 3]);
        let errors = parsed.check();
        let named = |field: &str| errors.iter().any(|(k, _)| k == field);
        assert!(named("settings.allowed_origins[1]"), "{errors:?}");
        assert!(named("settings.prechat_fields[0].options"), "{errors:?}");
        let mut f = posted.view();
        parsed.place_errors(Tr::new(Locale::En), &errors, &mut f);
        assert!(f.err("allowed_origins").unwrap().contains("shop.example.com"));
        assert!(f.err("pf2.options").is_some());
        assert!(f.err("pf0.options").is_none());
    }

    #[test]
    fn the_colour_comes_from_whichever_box_moved() {
        let pick = |text: &str, was: &str, pick: &str| {
            read(&form(&[("color", text), ("color_was", was), ("color_pick", pick), ("upload_mb", "1")]), true)
                .input
                .settings
                .unwrap()
                .color
        };
        assert_eq!(pick("#111111", "#1f6feb", "#1f6feb"), "#111111");
        assert_eq!(pick("#1f6feb", "#1f6feb", "#222222"), "#222222");
        assert_eq!(pick("blue", "blue", "#1f6feb"), "blue", "an untouched invalid text is not replaced silently");
    }
}
