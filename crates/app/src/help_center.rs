//! The public help center's read layer: what anyone may see of an account's knowledge base without
//! signing in. Every function here finds the account by its slug, acts as the system actor
//! `help-center` inside it, and only ever returns PUBLISHED articles and FAQ entries; a draft, an
//! archived article, an unknown slug or another account's article is `NotFound`.
//!
//! Language: the caller passes the reader's preferred language (or none: the account's default).
//! Lists show the articles of that language; when the account has no published article in it, they
//! show all published articles instead, so a help center is never empty for lack of translations.
//! Search looks in both languages and puts hits in the reader's language first.

use crate::kb_common::{ARTICLE, FAQ};
use crate::{Actor, App, AppError, KbSearch};
use std::collections::HashMap;
use switchboard_domain::entities::Account;
use switchboard_domain::kb::{Article, Category, KbStatus};
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, CategoryId};
use switchboard_store::AnyConnection;
use switchboard_store::repo::kb_articles::{self, ArticleFilter};
use switchboard_store::repo::{accounts, kb_categories, kb_faqs};

/// The longest search query the help center accepts (longer: 422 on `q`).
pub const HELP_QUERY_MAX_CHARS: usize = 200;
/// At most this many published articles are listed on the home and category pages.
pub const HELP_ARTICLE_CAP: usize = 1000;
const HELP_PAGE_SIZE: i64 = 250;
const HOME_LIST_LEN: usize = 6;
const SEARCH_LIMIT: i64 = 20;
const DESCRIPTION_CHARS: usize = 160;
const SYSTEM_LABEL: &str = "help-center";

/// The account a help center belongs to, as readers see it.
#[derive(Debug, Clone)]
pub struct HelpAccount {
    pub id: AccountId,
    pub name: String,
    pub slug: String,
    /// The language of this page: the reader's choice, else the account's default.
    pub locale: Locale,
}

/// An article in a list: no body.
#[derive(Debug, Clone)]
pub struct HelpArticleLink {
    pub title: String,
    pub slug: String,
    pub locale: Locale,
    pub view_count: i64,
}

/// A category with the number of published articles in it and below it.
#[derive(Debug, Clone)]
pub struct HelpCategoryLink {
    pub name: String,
    pub slug: String,
    pub article_count: usize,
    /// 0 for a top-level category.
    pub depth: usize,
}

/// The home page: the category tree (depth-first, empty categories left out) and article lists.
#[derive(Debug, Clone)]
pub struct HelpHome {
    pub account: HelpAccount,
    pub categories: Vec<HelpCategoryLink>,
    pub popular: Vec<HelpArticleLink>,
    pub recent: Vec<HelpArticleLink>,
    /// True when the lists show every language because none is in the page's language.
    pub other_languages: bool,
}

/// A category page: where it is, its sub-categories and its own articles.
#[derive(Debug, Clone)]
pub struct HelpCategoryPage {
    pub account: HelpAccount,
    pub name: String,
    pub slug: String,
    /// From the top-level category down to the parent.
    pub breadcrumbs: Vec<HelpCategoryLink>,
    pub subcategories: Vec<HelpCategoryLink>,
    pub articles: Vec<HelpArticleLink>,
    pub other_languages: bool,
}

/// An article page.
#[derive(Debug, Clone)]
pub struct HelpArticlePage {
    pub account: HelpAccount,
    pub title: String,
    pub slug: String,
    /// The body rendered from Markdown and sanitized when it was saved.
    pub body_html: String,
    /// The first words of the body, for `<meta name="description">`.
    pub description: String,
    pub locale: Locale,
    pub updated_at_ms: i64,
    /// From the top-level category down to the article's own.
    pub breadcrumbs: Vec<HelpCategoryLink>,
}

/// One search hit: an article (linked) or a FAQ entry (question and answer shown in place).
#[derive(Debug, Clone)]
pub enum HelpHit {
    Article { title: String, slug: String, snippet: String, locale: Locale },
    Faq { question: String, answer: String, snippet: String, locale: Locale },
}

#[derive(Debug, Clone)]
pub struct HelpSearchResults {
    pub account: HelpAccount,
    /// The query as searched (trimmed); empty: nothing was searched.
    pub query: String,
    pub hits: Vec<HelpHit>,
}

fn link(a: &Article) -> HelpArticleLink {
    HelpArticleLink { title: a.title.clone(), slug: a.slug.clone(), locale: a.locale, view_count: a.view_count }
}

/// A slug as URLs carry it (`a-z`, `0-9`, `-`, at most 100 characters); anything else finds nothing.
fn plausible_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The articles of `locale`, or all of them when none is in that language (then `true`).
fn in_language(articles: Vec<Article>, locale: Locale) -> (Vec<Article>, bool) {
    if articles.iter().any(|a| a.locale == locale) {
        (articles.into_iter().filter(|a| a.locale == locale).collect(), false)
    } else {
        let other = !articles.is_empty();
        (articles, other)
    }
}

/// The category tree: children by parent (ordered by position, as stored), and published article
/// counts including every sub-category.
struct Tree {
    categories: Vec<Category>,
    children: HashMap<Option<CategoryId>, Vec<usize>>,
    totals: HashMap<CategoryId, usize>,
}

impl Tree {
    fn new(categories: Vec<Category>, articles: &[Article]) -> Self {
        let mut children: HashMap<Option<CategoryId>, Vec<usize>> = HashMap::new();
        for (i, c) in categories.iter().enumerate() {
            children.entry(c.parent_id).or_default().push(i);
        }
        let by_id: HashMap<CategoryId, &Category> = categories.iter().map(|c| (c.id, c)).collect();
        let mut totals: HashMap<CategoryId, usize> = HashMap::new();
        for article in articles {
            // Each ancestor counts the article once; the depth bound stops a corrupt cycle.
            let mut cursor = article.category_id;
            let mut steps = 0;
            while let Some(id) = cursor
                && steps < 64
            {
                *totals.entry(id).or_default() += 1;
                cursor = by_id.get(&id).and_then(|c| c.parent_id);
                steps += 1;
            }
        }
        Self { categories, children, totals }
    }

    fn link(&self, c: &Category, depth: usize) -> HelpCategoryLink {
        HelpCategoryLink {
            name: c.name.clone(),
            slug: c.slug.clone(),
            article_count: self.totals.get(&c.id).copied().unwrap_or(0),
            depth,
        }
    }

    /// The non-empty categories under `parent`, depth-first, down to `max_depth` levels below it.
    fn flatten(&self, parent: Option<CategoryId>, depth: usize, max_depth: usize, out: &mut Vec<HelpCategoryLink>) {
        if depth >= max_depth || depth >= 64 {
            return;
        }
        for &i in self.children.get(&parent).map(Vec::as_slice).unwrap_or(&[]) {
            let c = &self.categories[i];
            if self.totals.get(&c.id).copied().unwrap_or(0) == 0 {
                continue;
            }
            out.push(self.link(c, depth));
            self.flatten(Some(c.id), depth + 1, max_depth, out);
        }
    }

    /// The ancestors of `id` from the top down, `id` itself included.
    fn path_to(&self, id: Option<CategoryId>) -> Vec<HelpCategoryLink> {
        let by_id: HashMap<CategoryId, &Category> = self.categories.iter().map(|c| (c.id, c)).collect();
        let mut path = Vec::new();
        let mut cursor = id;
        while let Some(current) = cursor
            && path.len() < 64
        {
            let Some(c) = by_id.get(&current) else { break };
            path.push(self.link(c, 0));
            cursor = c.parent_id;
        }
        path.reverse();
        for (depth, link) in path.iter_mut().enumerate() {
            link.depth = depth;
        }
        path
    }
}

/// The first `DESCRIPTION_CHARS` characters of an article's text, cut at a word where possible.
fn description(body: &str) -> String {
    let text = switchboard_text::plain_text(body).split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= DESCRIPTION_CHARS {
        return text;
    }
    let cut: String = text.chars().take(DESCRIPTION_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if at > DESCRIPTION_CHARS / 2 => cut[..at].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

impl App {
    /// The account of a help center, by slug; `NotFound` for anything unknown or malformed.
    async fn help_account(
        &self,
        conn: &mut AnyConnection,
        slug: &str,
        preferred: Option<Locale>,
    ) -> Result<(Account, HelpAccount), AppError> {
        if !plausible_slug(slug) {
            return Err(AppError::NotFound);
        }
        let account = accounts::get_by_slug(conn, slug).await?.ok_or(AppError::NotFound)?;
        let help = HelpAccount {
            id: account.id,
            name: account.name.clone(),
            slug: account.slug.clone(),
            locale: preferred.unwrap_or(account.default_locale),
        };
        Ok((account, help))
    }

    /// Every published article of the account (up to `HELP_ARTICLE_CAP`), oldest first.
    async fn published_articles(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<Article>, AppError> {
        let filter = ArticleFilter { status: Some(KbStatus::Published), ..Default::default() };
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = kb_articles::list(conn, account, &filter, after, HELP_PAGE_SIZE).await?;
            let full = page.len() as i64 == HELP_PAGE_SIZE;
            after = page.last().map(|a| a.id.as_i64());
            all.extend(page.into_iter().filter(|a| a.status == KbStatus::Published));
            if !full || all.len() >= HELP_ARTICLE_CAP {
                all.truncate(HELP_ARTICLE_CAP);
                return Ok(all);
            }
        }
    }

    /// The help center's home page.
    pub async fn help_center_home(&self, slug: &str, preferred: Option<Locale>) -> Result<HelpHome, AppError> {
        let mut conn = self.db().read().await?;
        let (_, account) = self.help_account(&mut conn, slug, preferred).await?;
        let articles = Self::published_articles(&mut conn, account.id).await?;
        let (articles, other_languages) = in_language(articles, account.locale);
        let tree = Tree::new(kb_categories::list_all(&mut conn, account.id).await?, &articles);
        let mut categories = Vec::new();
        tree.flatten(None, 0, 2, &mut categories);
        let mut popular: Vec<&Article> = articles.iter().filter(|a| a.view_count > 0).collect();
        popular.sort_by(|a, b| b.view_count.cmp(&a.view_count).then_with(|| a.title.cmp(&b.title)));
        let mut recent: Vec<&Article> = articles.iter().collect();
        recent.sort_by_key(|a| std::cmp::Reverse((a.published_at.map(|t| t.unix_ms()).unwrap_or(0), a.id.as_i64())));
        Ok(HelpHome {
            account,
            categories,
            popular: popular.into_iter().take(HOME_LIST_LEN).map(link).collect(),
            recent: recent.into_iter().take(HOME_LIST_LEN).map(link).collect(),
            other_languages,
        })
    }

    /// A category page, by the category's slug or its numeric id.
    pub async fn help_category(
        &self,
        slug: &str,
        category_key: &str,
        preferred: Option<Locale>,
    ) -> Result<HelpCategoryPage, AppError> {
        let mut conn = self.db().read().await?;
        let (_, account) = self.help_account(&mut conn, slug, preferred).await?;
        if !plausible_slug(category_key) {
            return Err(AppError::NotFound);
        }
        let categories = kb_categories::list_all(&mut conn, account.id).await?;
        let category = categories
            .iter()
            .find(|c| c.slug == category_key)
            .or_else(|| categories.iter().find(|c| c.id.as_i64().to_string() == category_key))
            .cloned()
            .ok_or(AppError::NotFound)?;
        let articles = Self::published_articles(&mut conn, account.id).await?;
        let (articles, other_languages) = in_language(articles, account.locale);
        let tree = Tree::new(categories, &articles);
        let mut breadcrumbs = tree.path_to(Some(category.id));
        breadcrumbs.pop();
        let mut subcategories = Vec::new();
        tree.flatten(Some(category.id), 0, 1, &mut subcategories);
        let mut own: Vec<&Article> = articles.iter().filter(|a| a.category_id == Some(category.id)).collect();
        own.sort_by(|a, b| a.title.cmp(&b.title));
        Ok(HelpCategoryPage {
            account,
            name: category.name,
            slug: category.slug,
            breadcrumbs,
            subcategories,
            articles: own.into_iter().map(link).collect(),
            other_languages,
        })
    }

    /// A published article, by its slug. Reading it counts nothing (see `help_article_viewed`).
    pub async fn help_article(
        &self,
        slug: &str,
        article_slug: &str,
        preferred: Option<Locale>,
    ) -> Result<HelpArticlePage, AppError> {
        let mut conn = self.db().read().await?;
        let (_, account) = self.help_account(&mut conn, slug, preferred).await?;
        let article = Self::published_article(&mut conn, account.id, article_slug).await?;
        let tree = Tree::new(kb_categories::list_all(&mut conn, account.id).await?, std::slice::from_ref(&article));
        Ok(HelpArticlePage {
            breadcrumbs: tree.path_to(article.category_id),
            account,
            description: description(&article.body),
            title: article.title,
            slug: article.slug,
            body_html: article.body_html,
            locale: article.locale,
            updated_at_ms: article.updated_at.unix_ms(),
        })
    }

    async fn published_article(
        conn: &mut AnyConnection,
        account: AccountId,
        article_slug: &str,
    ) -> Result<Article, AppError> {
        if !plausible_slug(article_slug) {
            return Err(AppError::NotFound);
        }
        kb_articles::get_by_slug(conn, account, article_slug)
            .await?
            .filter(|a| a.status == KbStatus::Published)
            .ok_or(AppError::NotFound)
    }

    /// The article's id, when the slugs name a published article; the system actor of its account.
    async fn help_counted_article(
        &self,
        slug: &str,
        article_slug: &str,
    ) -> Result<(Actor, switchboard_domain::ArticleId), AppError> {
        let mut conn = self.db().read().await?;
        let (account, _) = self.help_account(&mut conn, slug, None).await?;
        let article = Self::published_article(&mut conn, account.id, article_slug).await?;
        Ok((Actor::system(account.id, SYSTEM_LABEL), article.id))
    }

    /// Counts one view of a published article (the knowledge base's own view counter).
    pub async fn help_article_viewed(&self, slug: &str, article_slug: &str) -> Result<(), AppError> {
        let (actor, id) = self.help_counted_article(slug, article_slug).await?;
        self.kb_article_viewed(&actor, id).await.map(|_| ())
    }

    /// A reader's "was this helpful?" answer on a published article.
    pub async fn help_article_feedback(&self, slug: &str, article_slug: &str, helpful: bool) -> Result<(), AppError> {
        let (actor, id) = self.help_counted_article(slug, article_slug).await?;
        self.kb_article_feedback(&actor, id, helpful).await.map(|_| ())
    }

    /// Searches the published articles and FAQ entries of both languages, the page's first.
    /// An empty query searches nothing; one over `HELP_QUERY_MAX_CHARS` characters is refused (422).
    pub async fn help_search(
        &self,
        slug: &str,
        query: &str,
        preferred: Option<Locale>,
    ) -> Result<HelpSearchResults, AppError> {
        let query = query.trim();
        if query.chars().count() > HELP_QUERY_MAX_CHARS {
            return Err(AppError::field("q", "must be at most 200 characters"));
        }
        let account = {
            let mut conn = self.db().read().await?;
            self.help_account(&mut conn, slug, preferred).await?.1
        };
        let mut results = HelpSearchResults { account, query: query.to_string(), hits: Vec::new() };
        if query.is_empty() {
            return Ok(results);
        }
        let actor = Actor::system(results.account.id, SYSTEM_LABEL);
        let request = KbSearch {
            query: query.to_string(),
            status: Some(KbStatus::Published),
            limit: Some(SEARCH_LIMIT),
            ..Default::default()
        };
        let found = self.search_kb(&actor, &request).await?;
        let ids = |kind: &str| found.iter().filter(|h| h.kind == kind).map(|h| h.id).collect::<Vec<_>>();
        let mut conn = self.db().read().await?;
        let articles = kb_articles::get_many(&mut conn, results.account.id, &ids(ARTICLE)).await?;
        let faqs = kb_faqs::get_many(&mut conn, results.account.id, &ids(FAQ)).await?;
        let mut hits = Vec::with_capacity(found.len());
        for hit in found {
            let article = articles.iter().find(|a| a.id.as_i64() == hit.id && hit.kind == ARTICLE);
            let faq = faqs.iter().find(|f| f.id.as_i64() == hit.id && hit.kind == FAQ);
            match (article, faq) {
                (Some(a), _) if a.status == KbStatus::Published => hits.push(HelpHit::Article {
                    title: a.title.clone(),
                    slug: a.slug.clone(),
                    snippet: hit.snippet,
                    locale: a.locale,
                }),
                (_, Some(f)) if f.status == KbStatus::Published => hits.push(HelpHit::Faq {
                    question: f.question.clone(),
                    answer: f.answer.clone(),
                    snippet: hit.snippet,
                    locale: f.locale,
                }),
                _ => {}
            }
        }
        let locale = results.account.locale;
        // A stable sort: the page's language first, ranking kept within each language.
        hits.sort_by_key(|h| match h {
            HelpHit::Article { locale: l, .. } | HelpHit::Faq { locale: l, .. } => *l != locale,
        });
        results.hits = hits;
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_urls_are_plain() {
        assert!(plausible_slug("returns-and-refunds-2"));
        for bad in ["", "A", "a b", "a/b", "退货", "a%20b", &"a".repeat(101)] {
            assert!(!plausible_slug(bad), "{bad:?}");
        }
    }

    #[test]
    fn descriptions_are_short_plain_text() {
        assert_eq!(description("# Title\n\nSome *bold* text."), "Title Some bold text.");
        let long = "word ".repeat(100);
        let cut = description(&long);
        assert!(cut.chars().count() <= DESCRIPTION_CHARS + 1 && cut.ends_with('…'), "{cut}");
    }
}
