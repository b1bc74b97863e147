//! Knowledge-base requests as every door builds them (REST, CLI import, demo): raw inputs with
//! optional fields, validated into changes that name every bad field.

use crate::errors::FieldErrors;
use crate::ids::CategoryId;
use crate::kb::KbStatus;
use crate::values::{Locale, Name, Slug};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

/// Absent → `None`; `null` → `Some(None)`; a value → `Some(Some(v))` (for fields that can be cleared).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 100_000;
pub const TAGS_MAX: usize = 20;
pub const TAG_MAX: usize = 40;
pub const QUESTION_MAX: usize = 500;
pub const SIMILAR_MAX: usize = 50;
pub const ANSWER_MAX: usize = 10_000;
pub const EXTERNAL_ID_MAX: usize = 100;

fn text(e: &mut FieldErrors, field: &str, value: &str, max: usize, allow_empty: bool) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() && !allow_empty {
        e.add(field, "is required");
        return None;
    }
    if trimmed.chars().count() > max {
        e.add(field, format!("must be at most {max} characters"));
        return None;
    }
    Some(trimmed.to_string())
}

fn required_text(
    e: &mut FieldErrors,
    field: &str,
    value: &Option<String>,
    max: usize,
    creating: bool,
) -> Option<String> {
    match value {
        Some(v) => text(e, field, v, max, false),
        None if creating => {
            e.add(field, "is required");
            None
        }
        None => None,
    }
}

fn locale(e: &mut FieldErrors, value: &Option<String>) -> Option<Locale> {
    value.as_deref().filter(|v| !v.trim().is_empty()).and_then(|v| e.check("locale", Locale::parse(v)))
}

fn slug(e: &mut FieldErrors, value: &Option<String>) -> Option<Slug> {
    value.as_deref().filter(|v| !v.trim().is_empty()).and_then(|v| e.check("slug", Slug::parse(v)))
}

fn status(e: &mut FieldErrors, value: &Option<String>) -> Option<KbStatus> {
    let text = value.as_deref()?;
    let parsed = KbStatus::parse(text);
    if parsed.is_none() {
        e.add("status", "must be draft, published or archived");
    }
    parsed
}

/// A slug made from a name; `None` when the name has no ASCII letters or digits (Chinese names),
/// so the caller picks a fallback.
pub fn slug_from_name(name: &str) -> Option<Slug> {
    let has_ascii = name.chars().any(|c| c.is_ascii_alphanumeric());
    has_ascii.then(|| Slug::from_name(name))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CategoryInput {
    pub name: Option<String>,
    /// Made from the name when omitted.
    pub slug: Option<String>,
    /// The parent category; `null` moves the category to the top level.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<CategoryId>>,
    /// Order among siblings (smaller first); new categories go last.
    pub position: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CategoryChange {
    pub name: Option<Name>,
    pub slug: Option<Slug>,
    pub parent_id: Option<Option<CategoryId>>,
    pub position: Option<i64>,
}

impl CategoryInput {
    pub fn validate(&self, creating: bool) -> Result<CategoryChange, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match (&self.name, creating) {
            (Some(v), _) => e.check("name", Name::parse(v)),
            (None, true) => {
                e.add("name", "is required");
                None
            }
            (None, false) => None,
        };
        if let Some(p) = self.position
            && !(0..=1_000_000).contains(&p)
        {
            e.add("position", "must be between 0 and 1000000");
        }
        let change =
            CategoryChange { name, slug: slug(&mut e, &self.slug), parent_id: self.parent_id, position: self.position };
        e.into_result().map(|_| change)
    }
}

/// New order of sibling categories: `ids` in the order they should appear.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CategoryReorderInput {
    #[serde(default)]
    pub ids: Vec<CategoryId>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ArticleInput {
    pub title: Option<String>,
    /// Made from the title when omitted.
    pub slug: Option<String>,
    /// Markdown.
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `null` removes the article from its category.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub category_id: Option<Option<CategoryId>>,
    /// `zh-CN` or `en` (default: the account's language).
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleChange {
    pub title: Option<String>,
    pub slug: Option<Slug>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    pub category_id: Option<Option<CategoryId>>,
    pub locale: Option<Locale>,
}

fn tags(e: &mut FieldErrors, value: &Option<Vec<String>>) -> Option<Vec<String>> {
    let list = value.as_ref()?;
    let mut out: Vec<String> = Vec::new();
    for tag in list {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > TAG_MAX || tag.contains('|') || tag.chars().any(char::is_control) {
            e.add("tags", format!("each tag must be at most {TAG_MAX} characters, without `|`"));
            return None;
        }
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_string());
        }
    }
    if out.len() > TAGS_MAX {
        e.add("tags", format!("at most {TAGS_MAX} tags"));
        return None;
    }
    Some(out)
}

impl ArticleInput {
    pub fn validate(&self, creating: bool) -> Result<ArticleChange, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = required_text(&mut e, "title", &self.title, TITLE_MAX, creating);
        let body = match &self.body {
            Some(v) if v.chars().count() > BODY_MAX => {
                e.add("body", format!("must be at most {BODY_MAX} characters"));
                None
            }
            Some(v) => Some(v.clone()),
            None if creating => Some(String::new()),
            None => None,
        };
        let change = ArticleChange {
            title,
            slug: slug(&mut e, &self.slug),
            body,
            tags: tags(&mut e, &self.tags),
            category_id: self.category_id,
            locale: locale(&mut e, &self.locale),
        };
        e.into_result().map(|_| change)
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FaqInput {
    pub question: Option<String>,
    pub similar: Option<Vec<String>>,
    pub answer: Option<String>,
    /// `null` removes the entry from its category.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub category_id: Option<Option<CategoryId>>,
    /// `zh-CN` or `en` (default: the account's language).
    pub locale: Option<String>,
    /// `draft`, `published` (the default for a new entry) or `archived`.
    pub status: Option<String>,
    /// The entry's id in an external file; unique in the account.
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FaqChange {
    pub question: Option<String>,
    pub similar: Option<Vec<String>>,
    pub answer: Option<String>,
    pub category_id: Option<Option<CategoryId>>,
    pub locale: Option<Locale>,
    pub status: Option<KbStatus>,
    pub external_id: Option<String>,
}

impl FaqInput {
    pub fn validate(&self, creating: bool) -> Result<FaqChange, FieldErrors> {
        let mut e = FieldErrors::new();
        let question = required_text(&mut e, "question", &self.question, QUESTION_MAX, creating);
        let answer = required_text(&mut e, "answer", &self.answer, ANSWER_MAX, creating);
        let similar = match &self.similar {
            Some(list) => {
                let mut out: Vec<String> = Vec::new();
                for s in list {
                    match text(&mut e, "similar", s, QUESTION_MAX, true) {
                        Some(s) if !s.is_empty() && !out.contains(&s) => out.push(s),
                        _ => {}
                    }
                }
                if out.len() > SIMILAR_MAX {
                    e.add("similar", format!("at most {SIMILAR_MAX} phrasings"));
                }
                Some(out)
            }
            None => None,
        };
        let external_id = match self.external_id.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) if v.chars().count() > EXTERNAL_ID_MAX || v.chars().any(char::is_control) => {
                e.add("external_id", format!("must be at most {EXTERNAL_ID_MAX} characters"));
                None
            }
            other => other.map(str::to_string),
        };
        let change = FaqChange {
            question,
            similar,
            answer,
            category_id: self.category_id,
            locale: locale(&mut e, &self.locale),
            status: status(&mut e, &self.status),
            external_id,
        };
        e.into_result().map(|_| change)
    }
}

/// A reader's vote on an article.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FeedbackInput {
    pub helpful: Option<bool>,
}

/// One FAQ entry of an import file: JSON Lines `{"id","category","question","similar":[],"answer","lang"}`
/// or a CSV row `id,category,question,similar,answer,lang` (similar separated by `|`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct FaqImportLine {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub similar: Vec<String>,
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub lang: String,
}

/// A validated import line.
#[derive(Debug, Clone)]
pub struct FaqImport {
    pub external_id: String,
    pub category: Option<Name>,
    pub change: FaqChange,
}

impl FaqImportLine {
    pub fn validate(&self) -> Result<FaqImport, FieldErrors> {
        let mut e = FieldErrors::new();
        let external_id = text(&mut e, "id", &self.id, EXTERNAL_ID_MAX, false);
        let category = match self.category.trim() {
            "" => None,
            name => e.check("category", Name::parse(name)),
        };
        let input = FaqInput {
            question: Some(self.question.clone()),
            similar: Some(self.similar.clone()),
            answer: Some(self.answer.clone()),
            category_id: None,
            locale: Some(self.lang.clone()).filter(|l| !l.trim().is_empty()),
            status: None,
            external_id: external_id.clone(),
        };
        let change = match input.validate(true) {
            Ok(change) => Some(change),
            Err(errors) => {
                for (field, message) in errors.iter() {
                    let field = if field == "locale" { "lang" } else { field.as_str() };
                    e.add(field, message.clone());
                }
                None
            }
        };
        match (external_id, change) {
            (Some(external_id), Some(change)) if e.is_empty() => Ok(FaqImport { external_id, category, change }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_and_faq_inputs_name_bad_fields() {
        let bad = ArticleInput {
            title: Some("  ".into()),
            tags: Some(vec!["a|b".into()]),
            locale: Some("fr".into()),
            ..Default::default()
        };
        let e = bad.validate(true).unwrap_err();
        assert!(e.get("title").is_some() && e.get("tags").is_some() && e.get("locale").is_some());
        let e = FaqInput { status: Some("gone".into()), ..Default::default() }.validate(true).unwrap_err();
        assert!(e.get("question").is_some() && e.get("answer").is_some() && e.get("status").is_some());
        let patch: ArticleInput = serde_json::from_str(r#"{"category_id": null}"#).unwrap();
        assert_eq!(patch.validate(false).unwrap().category_id, Some(None));
    }

    #[test]
    fn import_lines_validate_lang_and_id() {
        let line = FaqImportLine {
            id: "faq-1".into(),
            question: "怎么退款".into(),
            answer: "原路退回".into(),
            lang: "zh".into(),
            ..Default::default()
        };
        assert_eq!(line.validate().unwrap().change.locale, Some(Locale::ZhCn));
        let e = FaqImportLine { lang: "xx".into(), ..line.clone() }.validate().unwrap_err();
        assert!(e.get("lang").is_some());
        let e = FaqImportLine { id: String::new(), ..line }.validate().unwrap_err();
        assert!(e.get("id").is_some());
        assert!(slug_from_name("退款").is_none());
        assert_eq!(slug_from_name("Returns & refunds").unwrap().as_str(), "returns-refunds");
    }
}
