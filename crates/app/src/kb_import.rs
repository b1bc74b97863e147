//! FAQ import and export: JSON Lines in the format of the bot evaluation set
//! (`{"id","category","question","similar":[],"answer","lang"}`) or CSV with the header
//! `id,category,question,similar,answer,lang` (`similar` joined with `|`).
//!
//! `id` is the entry's external id: importing it again updates the entry instead of adding one.
//! `category` names a category, created when missing. Every good line is written in its own
//! transaction (all of it or nothing); bad lines are reported with their line numbers and reasons
//! and do not stop the others. A dry run reads and checks everything and writes nothing.

use crate::audit::{NOTHING, record};
use crate::kb_common::FAQ;
use crate::kb_csv;
use crate::{Actor, App, AppError, PageRequest};
use std::collections::HashMap;
use switchboard_domain::kb::{Faq, ImportLineError, ImportReport};
use switchboard_domain::kb_requests::{CategoryChange, FaqImport, FaqImportLine};
use switchboard_domain::permissions::Permission;
use switchboard_domain::values::Locale;
use switchboard_domain::{CategoryId, FaqId};
use switchboard_store::AnyConnection;
use switchboard_store::repo::{kb_categories, kb_faqs};

const CSV_COLUMNS: [&str; 6] = ["id", "category", "question", "similar", "answer", "lang"];

/// The file formats of import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaqFormat {
    Jsonl,
    Csv,
}

impl FaqFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Some(Self::Jsonl),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Csv => "csv",
        }
    }
}

/// An exported file.
pub struct FaqExport {
    pub file_name: String,
    pub content_type: &'static str,
    pub body: String,
    pub rows: usize,
}

/// A line of a file: its number, and the entry or why it is unreadable.
type ParsedLine = (usize, Result<FaqImportLine, String>);

/// The lines of a file.
fn parse_lines(text: &str, format: FaqFormat) -> Result<Vec<ParsedLine>, AppError> {
    match format {
        FaqFormat::Jsonl => Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let parsed = serde_json::from_str::<FaqImportLine>(l.trim_start_matches('\u{feff}'))
                    .map_err(|e| format!("not a valid entry: {e}"));
                (i + 1, parsed)
            })
            .collect()),
        FaqFormat::Csv => {
            let mut records = kb_csv::parse(text.trim_start_matches('\u{feff}')).into_iter();
            let header = match records.next() {
                Some(Ok(header)) => header.fields.iter().map(|h| h.trim().to_ascii_lowercase()).collect::<Vec<_>>(),
                Some(Err(_)) | None => return Err(AppError::field("file", "the CSV file has no header line")),
            };
            let mut index = HashMap::new();
            for column in CSV_COLUMNS {
                match header.iter().position(|h| h == column) {
                    Some(i) => {
                        index.insert(column, i);
                    }
                    None if column == "similar" || column == "category" => {}
                    None => {
                        return Err(AppError::field("file", format!("the CSV header has no `{column}` column")));
                    }
                }
            }
            Ok(records
                .map(|record| match record {
                    Err((line, reason)) => (line, Err(reason)),
                    Ok(record) if record.fields.len() != header.len() => (
                        record.line,
                        Err(format!("has {} fields, the header has {}", record.fields.len(), header.len())),
                    ),
                    Ok(record) => {
                        let get = |c: &str| index.get(c).map(|i| record.fields[*i].clone()).unwrap_or_default();
                        let similar_text = get("similar");
                        let similar =
                            similar_text.split('|').map(str::trim).filter(|s| !s.is_empty()).map(String::from);
                        let entry = FaqImportLine {
                            id: get("id"),
                            category: get("category"),
                            question: get("question"),
                            similar: similar.collect(),
                            answer: get("answer"),
                            lang: get("lang"),
                        };
                        (record.line, Ok(entry))
                    }
                })
                .collect())
        }
    }
}

/// What one good line does: create, update, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl App {
    /// Imports FAQ entries; `progress(done, total)` is called after every line.
    pub async fn import_kb_faqs(
        &self,
        actor: &Actor,
        text: &str,
        format: FaqFormat,
        dry_run: bool,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<ImportReport, AppError> {
        actor.require(Permission::KbManage)?;
        let lines = parse_lines(text, format)?;
        let mut report = ImportReport { lines: lines.len(), dry_run, ..Default::default() };
        let mut seen: HashMap<String, usize> = HashMap::new();
        let total = lines.len();
        for (done, (line, parsed)) in lines.into_iter().enumerate() {
            let outcome = match parsed.and_then(|entry| entry.validate().map_err(|e| e.to_string())) {
                Err(reason) => Err(reason),
                Ok(entry) => match seen.get(&entry.external_id) {
                    Some(first) => Err(format!("id `{}` already appeared on line {first}", entry.external_id)),
                    None => {
                        seen.insert(entry.external_id.clone(), line);
                        self.import_one(actor, entry, dry_run).await.map_err(|e| match e.field_errors() {
                            Some(fields) => fields.to_string(),
                            None => e.to_string(),
                        })
                    }
                },
            };
            match outcome {
                Ok(Outcome::Created) => report.created += 1,
                Ok(Outcome::Updated) => report.updated += 1,
                Ok(Outcome::Unchanged) => report.unchanged += 1,
                Err(reason) => report.errors.push(ImportLineError { line, reason }),
            }
            progress(done + 1, total);
        }
        if !dry_run {
            let mut tx = self.db().begin().await?;
            record(self, &mut tx, actor, "kb.faq.import", (FAQ, None), NOTHING, Some(&report)).await?;
            tx.commit().await?;
        }
        Ok(report)
    }

    /// One line in its own transaction (none in a dry run).
    async fn import_one(&self, actor: &Actor, entry: FaqImport, dry_run: bool) -> Result<Outcome, AppError> {
        if dry_run {
            let mut conn = self.db().read().await?;
            let category = match &entry.category {
                Some(name) => {
                    kb_categories::get_by_name(&mut conn, actor.account_id, name.as_str()).await?.map(|c| c.id)
                }
                None => None,
            };
            let existing = find_existing(&mut conn, actor, &entry.external_id).await?;
            return Ok(match existing {
                None => Outcome::Created,
                Some(faq) if same(&faq, &entry, category) => Outcome::Unchanged,
                Some(_) => Outcome::Updated,
            });
        }
        let mut tx = self.db().begin().await?;
        let category = match &entry.category {
            None => None,
            Some(name) => match kb_categories::get_by_name(&mut tx, actor.account_id, name.as_str()).await? {
                Some(found) => Some(found.id),
                None => {
                    let change =
                        CategoryChange { name: Some(name.clone()), slug: None, parent_id: None, position: None };
                    Some(self.insert_kb_category(&mut tx, actor, &change).await?.id)
                }
            },
        };
        let mut change = entry.change.clone();
        change.category_id = Some(category);
        let outcome = match find_existing(&mut tx, actor, &entry.external_id).await? {
            None => {
                self.insert_kb_faq(&mut tx, actor, change, "import").await?;
                Outcome::Created
            }
            Some(faq) if same(&faq, &entry, category) => Outcome::Unchanged,
            Some(faq) => {
                change.status = None;
                self.change_kb_faq(&mut tx, actor, &faq, change, "import").await?;
                Outcome::Updated
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Every FAQ entry of the account as a file. The export is audited.
    pub async fn export_kb_faqs(&self, actor: &Actor, format: FaqFormat) -> Result<FaqExport, AppError> {
        actor.require(Permission::KbManage)?;
        let mut conn = self.db().read().await?;
        let categories: HashMap<CategoryId, String> =
            kb_categories::list_all(&mut conn, actor.account_id).await?.into_iter().map(|c| (c.id, c.name)).collect();
        let mut entries: Vec<Faq> = Vec::new();
        let mut page = PageRequest { cursor: None, limit: Some(PageRequest::MAX_LIMIT) };
        loop {
            let filter = kb_faqs::FaqFilter::default();
            let rows = kb_faqs::list(&mut conn, actor.account_id, &filter, page.after()?, page.limit() + 1).await?;
            let batch = page.page(rows, |f| f.id.as_i64());
            entries.extend(batch.data);
            match batch.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        drop(conn);
        let lines: Vec<FaqImportLine> = entries
            .iter()
            .map(|f| FaqImportLine {
                id: f.external_id.clone().unwrap_or_else(|| f.id.to_string()),
                category: f.category_id.and_then(|c| categories.get(&c).cloned()).unwrap_or_default(),
                question: f.question.clone(),
                similar: f.similar.clone(),
                answer: f.answer.clone(),
                lang: match f.locale {
                    Locale::ZhCn => "zh".into(),
                    Locale::En => "en".into(),
                },
            })
            .collect();
        let mut body = String::new();
        match format {
            FaqFormat::Jsonl => {
                for line in &lines {
                    body.push_str(&serde_json::to_string(line).map_err(|e| AppError::Internal(e.to_string()))?);
                    body.push('\n');
                }
            }
            FaqFormat::Csv => {
                body.push_str(&CSV_COLUMNS.join(","));
                body.push('\n');
                for l in &lines {
                    let cells = [&l.id, &l.category, &l.question, &l.similar.join("|"), &l.answer, &l.lang];
                    body.push_str(&cells.iter().map(|c| kb_csv::field(c)).collect::<Vec<_>>().join(","));
                    body.push('\n');
                }
            }
        }
        let mut tx = self.db().begin().await?;
        let detail = serde_json::json!({ "rows": lines.len(), "format": format.extension() });
        record(self, &mut tx, actor, "kb.faq.export", (FAQ, None), NOTHING, Some(&detail)).await?;
        tx.commit().await?;
        let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
        Ok(FaqExport {
            file_name: format!("faq-{stamp}.{}", format.extension()),
            content_type: match format {
                FaqFormat::Jsonl => "application/jsonl; charset=utf-8",
                FaqFormat::Csv => "text/csv; charset=utf-8",
            },
            body,
            rows: lines.len(),
        })
    }
}

/// The entry with this external id; failing that, an entry without one whose own id it is (an
/// export of entries made in the app carries their ids).
async fn find_existing(conn: &mut AnyConnection, actor: &Actor, external_id: &str) -> Result<Option<Faq>, AppError> {
    if let Some(found) = kb_faqs::get_by_external_id(conn, actor.account_id, external_id).await? {
        return Ok(Some(found));
    }
    match external_id.parse::<FaqId>() {
        Ok(id) => Ok(kb_faqs::get_by_id(conn, actor.account_id, id).await?.filter(|f| f.external_id.is_none())),
        Err(_) => Ok(None),
    }
}

fn same(faq: &Faq, entry: &FaqImport, category: Option<CategoryId>) -> bool {
    let c = &entry.change;
    faq.external_id.as_deref() == Some(entry.external_id.as_str())
        && c.question.as_deref() == Some(faq.question.as_str())
        && c.answer.as_deref() == Some(faq.answer.as_str())
        && c.similar.as_ref() == Some(&faq.similar)
        && c.locale.is_none_or(|l| l == faq.locale)
        && faq.category_id == category
}
