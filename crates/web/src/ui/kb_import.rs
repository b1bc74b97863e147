//! Knowledge base → Import: a JSON Lines or CSV file of FAQ entries (uploaded, or pasted), a dry
//! run that checks without writing, and the result: counts and every bad line with its number and
//! reason (the import service's report). Export links for both formats.

use super::ctx::{Chrome, OrPage, Signed, UiResult};
use super::forms::{FormView, Opt};
use super::kb_common::{self, Tab};
use crate::WebState;
use crate::i18n::Tr;
use crate::multipart::MultipartForm;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use switchboard_app::{AppError, FaqFormat};
use switchboard_domain::kb::ImportReport;
use switchboard_domain::permissions::Permission;

#[derive(Template)]
#[template(path = "kb_import.html")]
struct ImportPage {
    t: Tr,
    c: Chrome,
    tabs: Vec<Tab>,
    f: FormView,
    formats: Vec<Opt>,
    report: Option<ImportReport>,
    /// The bad lines: number and reason, in the page's language where the reason is a field's.
    bad_lines: Vec<(usize, String)>,
    /// The name of the file the report is about.
    file_name: String,
}

fn page(c: &super::ctx::Ctx, f: FormView, report: Option<ImportReport>, file_name: String) -> ImportPage {
    let t = c.t;
    let format = f.v("format").to_string();
    ImportPage {
        t,
        c: kb_common::chrome(c, false),
        tabs: kb_common::tabs(t, "import", true),
        formats: vec![
            Opt::new("", t.t("kbadmin.import.format_auto"), &format),
            Opt::new("jsonl", "JSON Lines (.jsonl)", &format),
            Opt::new("csv", "CSV (.csv)", &format),
        ],
        f,
        bad_lines: report
            .as_ref()
            .map(|r| r.errors.iter().map(|e| (e.line, reason(t, &e.reason))).collect())
            .unwrap_or_default(),
        report,
        file_name,
    }
}

/// A line's reason as the page shows it: `question: is required; lang: …` with the known fields
/// and messages translated; other reasons (a malformed line) as the service gave them.
fn reason(t: Tr, text: &str) -> String {
    let field = |name: &str| match name {
        "question" => Some(t.t("kbadmin.question")),
        "answer" => Some(t.t("kbadmin.answer")),
        "similar" => Some(t.t("kbadmin.similar")),
        "category" => Some(t.t("kbadmin.category")),
        "lang" => Some(t.t("kbadmin.locale")),
        "id" => Some("id"),
        _ => None,
    };
    let parts: Option<Vec<String>> = text
        .split("; ")
        .map(|part| {
            let (name, message) = part.split_once(": ")?;
            Some(format!("{}: {}", field(name)?, kb_common::message(t, message)))
        })
        .collect();
    parts.map(|p| p.join("; ")).unwrap_or_else(|| text.to_string())
}

pub async fn form(Signed { c, actor }: Signed) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let f = FormView::new().with("dry_run", "true");
    Ok(c.render(StatusCode::OK, &page(&c, f, None, String::new())))
}

/// The format chosen, else the file name's extension, else the first character (`{` is JSON).
fn format_of(chosen: &str, file_name: &str, text: &str) -> FaqFormat {
    if let Some(format) = FaqFormat::parse(chosen) {
        return format;
    }
    let lower = file_name.to_ascii_lowercase();
    let json_name = lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json");
    let json_text = text.trim_start_matches('\u{feff}').trim_start().starts_with('{');
    if lower.ends_with(".csv") || !(json_name || json_text) { FaqFormat::Csv } else { FaqFormat::Jsonl }
}

pub async fn submit(State(state): State<WebState>, Signed { c, actor }: Signed, form: MultipartForm) -> UiResult {
    actor.require(Permission::KbManage).or_page(&c)?;
    let t = c.t;
    let dry_run = !form.text("dry_run").is_empty();
    let mut f = FormView::new().with("format", form.text("format")).with("dry_run", if dry_run { "true" } else { "" });
    let file = form.part("file").filter(|p| !p.data.is_empty());
    let pasted = form.text("text");
    let (bytes, file_name) = match file {
        Some(part) => (part.data.clone(), part.file_name.clone().unwrap_or_default()),
        None => (pasted.clone().into_bytes(), String::new()),
    };
    f.values.insert("text".into(), if file.is_some() { String::new() } else { pasted });
    if bytes.iter().all(u8::is_ascii_whitespace) {
        f.error("file", t.t("kbadmin.import.no_file"));
        return Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page(&c, f, None, file_name)));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        f.error("file", t.t("kbadmin.import.not_utf8"));
        return Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page(&c, f, None, file_name)));
    };
    let format = format_of(&form.text("format"), &file_name, &text);
    match state.app.import_kb_faqs(&actor, &text, format, dry_run, &mut |_, _| {}).await {
        Ok(report) => Ok(c.render(StatusCode::OK, &page(&c, f, Some(report), file_name))),
        Err(AppError::Validation(errors)) => {
            // The file as a whole is unreadable (a CSV without its header): said beside the file.
            for (_, text) in errors.iter() {
                f.error("file", kb_common::message(t, text));
            }
            Ok(c.render(StatusCode::UNPROCESSABLE_ENTITY, &page(&c, f, None, file_name)))
        }
        Err(other) => Err(c.fail(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_reasons_are_translated_and_others_kept() {
        let zh = Tr::new(switchboard_domain::values::Locale::ZhCn);
        let text = reason(zh, "question: is required; lang: must be zh-CN or en");
        assert!(text.starts_with("问题: ") && !text.contains("is required"), "{text}");
        assert_eq!(reason(zh, "not a valid entry: expected value"), "not a valid entry: expected value");
    }

    #[test]
    fn the_format_comes_from_the_choice_the_name_or_the_content() {
        assert_eq!(format_of("csv", "faq.jsonl", "{}"), FaqFormat::Csv);
        assert_eq!(format_of("", "FAQ.CSV", "{}"), FaqFormat::Csv);
        assert_eq!(format_of("", "faq.jsonl", "id,q"), FaqFormat::Jsonl);
        assert_eq!(format_of("", "", "\u{feff} {\"id\":1}"), FaqFormat::Jsonl);
        assert_eq!(format_of("", "", "id,question,answer"), FaqFormat::Csv);
    }
}
