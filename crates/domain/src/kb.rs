//! The knowledge base: a tree of categories, articles (Markdown, versioned, published or not) and
//! FAQ entries (a canonical question, its other phrasings and an answer), each with its versions.

use crate::ids::{ArticleId, CategoryId, FaqId, UserId};
use crate::time::Timestamp;
use crate::values::Locale;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an article or FAQ entry is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KbStatus {
    /// Being written; agents see it, customers do not.
    Draft,
    /// Visible to customers and used by the bot.
    Published,
    /// Kept for history; hidden from customers, the bot and default searches.
    Archived,
}

impl KbStatus {
    pub const ALL: [KbStatus; 3] = [Self::Draft, Self::Published, Self::Archived];
    pub fn name(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == text.trim().to_ascii_lowercase())
    }
}

/// A node of the category tree. Siblings are ordered by `position`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Category {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub name: String,
    /// Locale-independent identifier for URLs (`returns`, `shipping`).
    pub slug: String,
    pub position: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A help-center article.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Article {
    pub id: ArticleId,
    pub category_id: Option<CategoryId>,
    pub title: String,
    /// Readable identifier for URLs, unique in the account.
    pub slug: String,
    /// The body as written, Markdown.
    pub body: String,
    /// The body rendered to HTML and sanitized (no scripts, frames, event handlers or `javascript:` links).
    pub body_html: String,
    pub tags: Vec<String>,
    pub status: KbStatus,
    pub locale: Locale,
    pub author_id: Option<UserId>,
    /// The number of the current version (1 for a new article).
    pub version: i64,
    pub view_count: i64,
    pub helpful_count: i64,
    pub not_helpful_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
}

/// A FAQ entry: what the bot answers and what suggestions come from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Faq {
    pub id: FaqId,
    /// The id the entry has in an imported file (`faq-001`); re-importing updates the entry.
    pub external_id: Option<String>,
    pub category_id: Option<CategoryId>,
    /// The canonical question.
    pub question: String,
    /// Other phrasings of the question.
    pub similar: Vec<String>,
    pub answer: String,
    pub locale: Locale,
    pub status: KbStatus,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The content of an article that versions keep (not its counters or status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ArticleContent {
    pub title: String,
    pub slug: String,
    pub body: String,
    pub tags: Vec<String>,
    pub category_id: Option<CategoryId>,
    pub locale: Locale,
}

impl Article {
    pub fn content(&self) -> ArticleContent {
        ArticleContent {
            title: self.title.clone(),
            slug: self.slug.clone(),
            body: self.body.clone(),
            tags: self.tags.clone(),
            category_id: self.category_id,
            locale: self.locale,
        }
    }
}

/// The content of a FAQ entry that versions keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FaqContent {
    pub question: String,
    pub similar: Vec<String>,
    pub answer: String,
    pub category_id: Option<CategoryId>,
    pub locale: Locale,
}

impl Faq {
    pub fn content(&self) -> FaqContent {
        FaqContent {
            question: self.question.clone(),
            similar: self.similar.clone(),
            answer: self.answer.clone(),
            category_id: self.category_id,
            locale: self.locale,
        }
    }
}

/// One saved version of an article or FAQ entry: who saved it, when, and the content then.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KbVersion {
    /// `article` or `faq`.
    pub object_kind: String,
    #[schema(value_type = String)]
    #[serde(serialize_with = "as_text")]
    pub object_id: i64,
    /// 1 for the first version; every change, including a restore, adds one.
    pub version: i64,
    pub author_id: Option<UserId>,
    pub author_name: String,
    /// What made this version: `create`, `update`, `restore` (of version N), `import`.
    pub reason: String,
    pub created_at: Timestamp,
    /// `ArticleContent` or `FaqContent`.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

fn as_text<S: serde::Serializer>(value: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// One ranked search hit.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchHit {
    /// `article` or `faq`.
    pub kind: String,
    #[schema(value_type = String)]
    #[serde(serialize_with = "as_text")]
    pub id: i64,
    pub title: String,
    /// A few words around the matches, HTML-escaped, matches wrapped in `<mark>`.
    pub snippet: String,
    pub locale: Locale,
    pub status: KbStatus,
    /// BM25 score (higher is better), computed the same way on every backend.
    pub score: f64,
}

/// The outcome of importing FAQ entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ImportReport {
    /// Lines read (blank lines and the CSV header not counted).
    pub lines: usize,
    pub created: usize,
    pub updated: usize,
    /// Lines whose entry was already exactly as in the file.
    pub unchanged: usize,
    /// True when nothing was written.
    pub dry_run: bool,
    pub errors: Vec<ImportLineError>,
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ImportLineError {
    /// 1-based line number in the file (for CSV, the line where the record starts).
    pub line: usize,
    pub reason: String,
}
