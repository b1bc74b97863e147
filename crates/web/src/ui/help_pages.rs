//! The help center's pages: the frame every page shares (title, description, canonical link,
//! language alternates, search box, language switch), the page templates, their URLs, and the
//! search snippets made safe to show.

use super::ctx::locale_name;
use crate::WebState;
use crate::assets::asset_url;
use crate::i18n::Tr;
use askama::Template;
use switchboard_app::{
    HelpArticleLink, HelpArticlePage, HelpCategoryLink, HelpCategoryPage, HelpHit, HelpHome, HelpSearchResults,
};
use switchboard_domain::Timestamp;
use switchboard_domain::values::Locale;

pub fn home_path(slug: &str) -> String {
    format!("/help/{slug}")
}

pub fn category_path(slug: &str, category: &str) -> String {
    format!("/help/{slug}/c/{category}")
}

pub fn article_path(slug: &str, article: &str) -> String {
    format!("/help/{slug}/a/{article}")
}

pub fn search_path(slug: &str) -> String {
    format!("/help/{slug}/search")
}

/// `"{n} articles"` in the page's language (`"1 article"` in English).
fn count_label(t: Tr, n: usize) -> String {
    if n == 1 {
        t.t("help.article_count_one").to_string()
    } else {
        t.t("help.article_count").replace("{n}", &n.to_string())
    }
}

fn escape(text: &str, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// A search snippet as HTML with nothing but `<mark>` in it. The app escapes snippets already;
/// this does not rely on it: every text piece is decoded and escaped again, and the only tags
/// written are `<mark>` and `</mark>`, balanced.
pub fn safe_snippet(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 16);
    let mut open = false;
    for (i, part) in snippet.split("<mark>").enumerate() {
        if i > 0 && !open {
            out.push_str("<mark>");
            open = true;
        }
        for (j, text) in part.split("</mark>").enumerate() {
            if j > 0 && open {
                out.push_str("</mark>");
                open = false;
            }
            escape(&unescape(text), &mut out);
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

/// A link in the language list of `<head>`.
pub struct Alternate {
    pub hreflang: &'static str,
    pub href: String,
}

/// What every help-center page shows around its content.
pub struct Frame {
    pub lang: &'static str,
    pub title: String,
    pub description: String,
    /// Absolute URL of the page without parameters; empty on error pages.
    pub canonical: String,
    pub alternates: Vec<Alternate>,
    pub noindex: bool,
    pub css_url: String,
    pub account_name: String,
    pub home_href: String,
    /// Empty on error pages without an account: no search box then.
    pub search_href: String,
    pub query: String,
    pub other_lang_href: String,
    pub other_lang_code: &'static str,
    pub other_lang_label: &'static str,
}

impl Frame {
    /// The frame of a page at `path` of the help center `slug`.
    pub fn new(t: Tr, slug: &str, account_name: &str, path: &str, title: String) -> Self {
        let other = t.other();
        Self {
            lang: t.lang(),
            title,
            description: t.t("help.home_description").replace("{name}", account_name),
            canonical: String::new(),
            alternates: Vec::new(),
            noindex: false,
            css_url: asset_url("help.css"),
            account_name: account_name.to_string(),
            home_href: home_path(slug),
            search_href: search_path(slug),
            query: String::new(),
            other_lang_href: super::help_center::switch_href(path, None, other),
            other_lang_code: other.code(),
            other_lang_label: locale_name(other),
        }
    }

    /// The frame of an error page that belongs to no help center.
    pub fn bare(t: Tr, title: String) -> Self {
        Self {
            account_name: String::new(),
            home_href: String::new(),
            search_href: String::new(),
            noindex: true,
            other_lang_href: "?lang=".to_string() + t.other().code(),
            ..Self::new(t, "", "", "", title)
        }
    }

    /// Sets the canonical URL and the language alternates of `path` on this server.
    fn located(mut self, state: &WebState, path: &str) -> Self {
        let base = state.config.public_url.trim_end_matches('/');
        self.canonical = format!("{base}{path}");
        self.alternates = Locale::ALL
            .iter()
            .map(|l| Alternate { hreflang: l.code(), href: format!("{base}{path}?lang={}", l.code()) })
            .collect();
        self
    }

    /// `"{page} · {account} Help Center"`.
    fn titled(t: Tr, page: &str, account: &str) -> String {
        let center = t.t("help.title").replace("{name}", account);
        if page.is_empty() { center } else { format!("{page} · {center}") }
    }
}

/// An article in a list, ready to show.
pub struct ArticleItem {
    pub href: String,
    pub title: String,
    /// The article's language, shown when it is not the page's.
    pub other_lang: Option<&'static str>,
    pub lang: &'static str,
}

fn items(slug: &str, page_locale: Locale, links: Vec<HelpArticleLink>) -> Vec<ArticleItem> {
    links
        .into_iter()
        .map(|a| ArticleItem {
            href: article_path(slug, &a.slug),
            other_lang: (a.locale != page_locale).then(|| locale_name(a.locale)),
            lang: a.locale.code(),
            title: a.title,
        })
        .collect()
}

/// A category in a list or the breadcrumbs, ready to show.
pub struct CategoryItem {
    pub href: String,
    pub name: String,
    pub count: String,
    pub depth: usize,
}

fn categories(t: Tr, slug: &str, links: Vec<HelpCategoryLink>) -> Vec<CategoryItem> {
    links
        .into_iter()
        .map(|c| CategoryItem {
            href: category_path(slug, &c.slug),
            count: count_label(t, c.article_count),
            depth: c.depth,
            name: c.name,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "help_home.html")]
pub struct HomePage {
    pub t: Tr,
    pub f: Frame,
    pub categories: Vec<CategoryItem>,
    pub popular: Vec<ArticleItem>,
    pub recent: Vec<ArticleItem>,
    pub other_languages: bool,
}

impl HomePage {
    pub fn new(t: Tr, state: &WebState, home: HelpHome) -> Self {
        let slug = home.account.slug.clone();
        let path = home_path(&slug);
        let f = Frame::new(t, &slug, &home.account.name, &path, Frame::titled(t, "", &home.account.name))
            .located(state, &path);
        let locale = home.account.locale;
        Self {
            t,
            f,
            categories: categories(t, &slug, home.categories),
            popular: items(&slug, locale, home.popular),
            recent: items(&slug, locale, home.recent),
            other_languages: home.other_languages,
        }
    }
}

#[derive(Template)]
#[template(path = "help_category.html")]
pub struct CategoryPage {
    pub t: Tr,
    pub f: Frame,
    pub name: String,
    pub breadcrumbs: Vec<CategoryItem>,
    pub subcategories: Vec<CategoryItem>,
    pub articles: Vec<ArticleItem>,
    pub other_languages: bool,
}

impl CategoryPage {
    pub fn new(t: Tr, state: &WebState, page: HelpCategoryPage) -> Self {
        let slug = page.account.slug.clone();
        let path = category_path(&slug, &page.slug);
        let mut f = Frame::new(t, &slug, &page.account.name, &path, Frame::titled(t, &page.name, &page.account.name))
            .located(state, &path);
        f.description =
            t.t("help.category_description").replace("{category}", &page.name).replace("{name}", &page.account.name);
        Self {
            t,
            f,
            breadcrumbs: categories(t, &slug, page.breadcrumbs),
            subcategories: categories(t, &slug, page.subcategories),
            articles: items(&slug, page.account.locale, page.articles),
            other_languages: page.other_languages,
            name: page.name,
        }
    }
}

#[derive(Template)]
#[template(path = "help_article.html")]
pub struct ArticlePage {
    pub t: Tr,
    pub f: Frame,
    pub title: String,
    /// Rendered from Markdown and sanitized by the app when saved.
    pub body_html: String,
    pub article_lang: &'static str,
    pub updated_iso: String,
    pub updated_date: String,
    pub breadcrumbs: Vec<CategoryItem>,
    pub feedback_action: String,
    pub csrf: String,
    pub thanks: bool,
}

impl ArticlePage {
    pub fn new(t: Tr, state: &WebState, page: HelpArticlePage, csrf: String, thanks: bool) -> Self {
        let slug = page.account.slug.clone();
        let path = article_path(&slug, &page.slug);
        let mut f = Frame::new(t, &slug, &page.account.name, &path, Frame::titled(t, &page.title, &page.account.name))
            .located(state, &path);
        if !page.description.is_empty() {
            f.description = page.description.clone();
        }
        let updated_iso = Timestamp::from_unix_ms(page.updated_at_ms).to_rfc3339();
        Self {
            t,
            f,
            updated_date: updated_iso.chars().take(10).collect(),
            updated_iso,
            breadcrumbs: categories(t, &slug, page.breadcrumbs),
            feedback_action: format!("{path}/feedback"),
            csrf,
            thanks,
            article_lang: page.locale.code(),
            title: page.title,
            body_html: page.body_html,
        }
    }
}

/// A search hit, ready to show.
pub struct HitItem {
    pub is_faq: bool,
    /// Articles: their page. FAQ entries: empty (the answer is shown in place).
    pub href: String,
    pub title: String,
    /// Safe HTML: escaped text and `<mark>` (see `safe_snippet`).
    pub snippet_html: String,
    pub answer: String,
    pub lang: &'static str,
    pub other_lang: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "help_search.html")]
pub struct SearchPage {
    pub t: Tr,
    pub f: Frame,
    pub hits: Vec<HitItem>,
    /// The heading: "Results for …", "Nothing found for …", or the prompt for an empty query.
    pub summary: String,
    pub error: Option<&'static str>,
}

impl SearchPage {
    pub fn new(t: Tr, state: &WebState, results: HelpSearchResults, error: Option<&'static str>) -> Self {
        let slug = results.account.slug.clone();
        let path = search_path(&slug);
        let mut f = Frame::new(
            t,
            &slug,
            &results.account.name,
            &path,
            Frame::titled(t, t.t("help.search_title"), &results.account.name),
        )
        .located(state, &path);
        f.noindex = true;
        f.other_lang_href = super::help_center::switch_href(&path, Some(&results.query), t.other());
        f.query = results.query.clone();
        let page_locale = results.account.locale;
        let hits: Vec<HitItem> = results
            .hits
            .into_iter()
            .map(|hit| match hit {
                HelpHit::Article { title, slug: article, snippet, locale } => HitItem {
                    is_faq: false,
                    href: article_path(&slug, &article),
                    title,
                    snippet_html: safe_snippet(&snippet),
                    answer: String::new(),
                    lang: locale.code(),
                    other_lang: (locale != page_locale).then(|| locale_name(locale)),
                },
                HelpHit::Faq { question, answer, snippet, locale } => HitItem {
                    is_faq: true,
                    href: String::new(),
                    title: question,
                    snippet_html: safe_snippet(&snippet),
                    answer,
                    lang: locale.code(),
                    other_lang: (locale != page_locale).then(|| locale_name(locale)),
                },
            })
            .collect();
        let summary = if results.query.is_empty() {
            t.t("help.search_prompt").to_string()
        } else if hits.is_empty() {
            t.t("help.no_results").replace("{q}", &results.query)
        } else {
            t.t("help.results_for").replace("{q}", &results.query)
        };
        Self { t, f, hits, summary, error }
    }
}

#[derive(Template)]
#[template(path = "help_error.html")]
pub struct ErrorPage {
    pub t: Tr,
    pub f: Frame,
    pub status: u16,
    pub title: &'static str,
    pub message: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_keep_only_marks() {
        assert_eq!(
            safe_snippet("&lt;b&gt;x&lt;/b&gt; &amp; <mark>refund</mark>"),
            "&lt;b&gt;x&lt;/b&gt; &amp; <mark>refund</mark>"
        );
        assert_eq!(safe_snippet("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(safe_snippet("<mark>a<mark>b</mark></mark>c<mark>d"), "<mark>ab</mark>c<mark>d</mark>");
        assert_eq!(safe_snippet("<mark>\"<img src=x onerror=1>"), "<mark>&quot;&lt;img src=x onerror=1&gt;</mark>");
    }

    #[test]
    fn language_switch_keeps_the_query() {
        let href = super::super::help_center::switch_href("/help/acme/search", Some("退款 & more"), Locale::En);
        assert_eq!(href, "/help/acme/search?q=%E9%80%80%E6%AC%BE+%26+more&lang=en");
    }
}
