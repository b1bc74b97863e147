//! What the knowledge-base admin pages share: their frame and tabs, the category tree and the
//! selects built from it, status and language options, and ids from paths.

use super::ctx::{Chrome, Ctx, Fail};
use super::forms::{FormData, FormView, Opt};
use super::teams::ConfirmPage;
use crate::assets::asset_url;
use crate::i18n::Tr;
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::{HashMap, HashSet};
use switchboard_domain::kb::{Category, KbStatus};
use switchboard_domain::values::Locale;
use switchboard_domain::{CategoryId, FieldErrors};

/// The deepest indentation the tree shows (deeper levels line up with it).
const MAX_DEPTH: usize = 6;

/// The frame of a knowledge-base page: its style sheet, and the editor's script when `editor`.
pub fn chrome(c: &Ctx, editor: bool) -> Chrome {
    Chrome {
        page_css_url: Some(asset_url("kb-admin.css")),
        module_url: editor.then(|| asset_url("kb-editor.js")),
        ..c.chrome("kb")
    }
}

/// The tabs above every knowledge-base page.
pub struct Tab {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub fn tabs(t: Tr, active: &str, can_manage: bool) -> Vec<Tab> {
    let mut all = vec![
        ("/kb/articles", t.t("kbadmin.tab.articles"), "articles"),
        ("/kb/faq", t.t("kbadmin.tab.faq"), "faq"),
        ("/kb/categories", t.t("kbadmin.tab.categories"), "categories"),
    ];
    if can_manage {
        all.push(("/kb/import", t.t("kbadmin.tab.import"), "import"));
    }
    all.into_iter().map(|(href, label, id)| Tab { href, label, active: id == active }).collect()
}

/// A category in tree order, with its depth.
pub struct TreeRow {
    pub category: Category,
    pub depth: usize,
}

impl TreeRow {
    /// The CSS class that indents it (`depth-0` … `depth-6`).
    pub fn indent(&self) -> String {
        format!("depth-{}", self.depth.min(MAX_DEPTH))
    }
}

/// The categories depth first, siblings in their order. A category whose parent is missing is
/// shown at the top level; none is shown twice.
pub fn tree(categories: Vec<Category>) -> Vec<TreeRow> {
    let ids: HashSet<CategoryId> = categories.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<CategoryId>, Vec<Category>> = HashMap::new();
    for category in categories {
        let parent = category.parent_id.filter(|p| ids.contains(p) && *p != category.id);
        children.entry(parent).or_default().push(category);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(Category, usize)> =
        children.remove(&None).unwrap_or_default().into_iter().rev().map(|c| (c, 0)).collect();
    while let Some((category, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(category.id)) {
            stack.extend(kids.into_iter().rev().map(|c| (c, depth + 1)));
        }
        out.push(TreeRow { category, depth });
    }
    out
}

/// The category and everything below it.
pub fn subtree(rows: &[TreeRow], id: CategoryId) -> HashSet<CategoryId> {
    let mut inside = HashSet::from([id]);
    let mut grew = true;
    while grew {
        grew = false;
        for row in rows {
            if row.category.parent_id.is_some_and(|p| inside.contains(&p)) && inside.insert(row.category.id) {
                grew = true;
            }
        }
    }
    inside
}

/// A select of categories in tree order, indented, after a first option labelled `none`.
/// Categories in `exclude` are left out (a category cannot move inside itself).
pub fn category_options(rows: &[TreeRow], current: &str, none: &str, exclude: &HashSet<CategoryId>) -> Vec<Opt> {
    let mut options = vec![Opt::new("", none, current)];
    options.extend(rows.iter().filter(|r| !exclude.contains(&r.category.id)).map(|r| {
        let label = format!("{}{}", "\u{2003}".repeat(r.depth.min(MAX_DEPTH)), r.category.name);
        Opt::new(r.category.id.to_string(), label, current)
    }));
    options
}

/// Category names by id, for list columns.
pub fn names(rows: &[TreeRow]) -> HashMap<CategoryId, String> {
    rows.iter().map(|r| (r.category.id, r.category.name.clone())).collect()
}

pub fn status_label(t: Tr, status: KbStatus) -> &'static str {
    match status {
        KbStatus::Draft => t.t("kbadmin.status.draft"),
        KbStatus::Published => t.t("kbadmin.status.published"),
        KbStatus::Archived => t.t("kbadmin.status.archived"),
    }
}

/// The status select; with `any`, a first option for "every status".
pub fn status_options(t: Tr, current: &str, any: Option<&str>) -> Vec<Opt> {
    let mut options: Vec<Opt> = any.map(|label| Opt::new("", label, current)).into_iter().collect();
    options.extend(KbStatus::ALL.iter().map(|s| Opt::new(s.name(), status_label(t, *s), current)));
    options
}

/// The content language select; with `any`, a first option for "every language".
pub fn locale_options(current: &str, any: Option<&str>) -> Vec<Opt> {
    let mut options: Vec<Opt> = any.map(|label| Opt::new("", label, current)).into_iter().collect();
    options.extend(Locale::ALL.iter().map(|l| Opt::new(l.code(), super::ctx::locale_name(*l), current)));
    options
}

/// The message of a knowledge-base field error in the page's language (the common ones through
/// `forms::message`).
pub fn message(t: Tr, text: &str) -> String {
    let known: &[(&str, &'static str)] = &[
        ("names a category that does not exist", "kbadmin.err.no_category"),
        ("would put the category inside itself", "kbadmin.err.inside_itself"),
        ("at most 20 tags", "kbadmin.err.tag_count"),
        ("at most 50 phrasings", "kbadmin.err.similar_count"),
        ("must be draft, published or archived", "kbadmin.err.status"),
        ("the CSV file has no header line", "kbadmin.err.csv_header"),
    ];
    match known.iter().find(|(english, _)| *english == text) {
        Some((_, key)) => t.t(key).to_string(),
        None if text.starts_with("each tag must be at most") => t.t("kbadmin.err.tag").to_string(),
        None => super::forms::message(t, text),
    }
}

/// Puts a service's field errors beside the fields of the same name.
pub fn add_errors(t: Tr, f: &mut FormView, errors: &FieldErrors) {
    for (field, text) in errors.iter() {
        f.error(field, message(t, text));
    }
}

/// The filters of the article and FAQ lists, read from the query string (unknown values ignored).
pub struct ListFilters {
    pub status: Option<KbStatus>,
    pub locale: Option<Locale>,
    pub category_id: Option<CategoryId>,
    /// Text to search for: the list is then the search's ranked hits.
    pub text: Option<String>,
    pub cursor: Option<String>,
    /// The filters as a query string, without the cursor.
    query: String,
}

impl ListFilters {
    pub fn read(q: &FormData) -> Self {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for key in ["q", "status", "locale", "category_id"] {
            if let Some(v) = q.filled(key) {
                query.append_pair(key, v.trim());
            }
        }
        Self {
            status: q.filled("status").and_then(|s| KbStatus::parse(&s)),
            locale: q.filled("locale").and_then(|l| Locale::parse(&l).ok()),
            category_id: q.filled("category_id").and_then(|id| id.trim().parse().ok()),
            text: q.filled("q").map(|v| v.trim().to_string()),
            cursor: q.filled("cursor"),
            query: query.finish(),
        }
    }

    /// The list at `base` with these filters, from `cursor` (the first page without one).
    pub fn url(&self, base: &str, cursor: Option<&str>) -> String {
        let mut url = format!("{base}?{}", self.query);
        if let Some(cursor) = cursor {
            let cursor: String = form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
            url.push_str(if self.query.is_empty() { "cursor=" } else { "&cursor=" });
            url.push_str(&cursor);
        }
        url
    }
}

/// The confirmation page of a deletion: `{name}` in the question's text is the object's name; the
/// form posts to `{base}/delete`, cancelling goes back to `cancel`.
pub fn confirm_delete(c: &Ctx, keys: (&'static str, &'static str), name: &str, base: &str, cancel: &str) -> Response {
    let t = c.t;
    let page = ConfirmPage {
        t,
        c: chrome(c, false),
        title: t.t(keys.0).to_string(),
        question: t.t(keys.1).replace("{name}", name),
        action: format!("{base}/delete"),
        button: t.t("kbadmin.delete"),
        cancel: cancel.to_string(),
    };
    c.render(StatusCode::OK, &page)
}

/// An id from a path; anything unparsable names nothing (404).
pub fn path_id<T: std::str::FromStr>(c: &Ctx, text: &str) -> Result<T, Fail> {
    text.parse::<T>().map_err(|_| c.not_found())
}

/// A version number from a path (1 or more), else 404.
pub fn version_number(c: &Ctx, text: &str) -> Result<i64, Fail> {
    text.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| c.not_found())
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::Timestamp;

    fn category(id: i64, parent: Option<i64>, name: &str) -> Category {
        Category {
            id: CategoryId::from_i64(id),
            parent_id: parent.map(CategoryId::from_i64),
            name: name.into(),
            slug: name.to_lowercase(),
            position: 0,
            created_at: Timestamp::from_unix_ms(0),
            updated_at: Timestamp::from_unix_ms(0),
        }
    }

    #[test]
    fn the_tree_is_depth_first_and_survives_orphans() {
        let rows = tree(vec![
            category(1, None, "Orders"),
            category(2, None, "Billing"),
            category(3, Some(1), "Returns"),
            category(4, Some(3), "Refunds"),
            category(5, Some(99), "Orphan"),
        ]);
        let shown: Vec<(String, usize)> = rows.iter().map(|r| (r.category.name.clone(), r.depth)).collect();
        let expected = [("Orders", 0), ("Returns", 1), ("Refunds", 2), ("Billing", 0), ("Orphan", 0)];
        assert_eq!(shown, expected.map(|(n, d)| (n.to_string(), d)));
        let inside = subtree(&rows, CategoryId::from_i64(1));
        assert_eq!(inside.len(), 3);
        let options = category_options(&rows, "2", "—", &inside);
        assert_eq!(options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>(), vec!["", "2", "5"]);
        assert!(options[1].selected);
    }
}
