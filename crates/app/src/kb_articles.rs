//! Knowledge-base articles: Markdown bodies rendered and sanitized on save, every content change
//! kept as a version (restorable), published or archived, with view and helpfulness counters.

use crate::audit::{NOTHING, record};
use crate::kb_common::{ARTICLE, check_category, index_article, now, save_version};
use crate::{Actor, App, AppError, Page, PageRequest};
use switchboard_domain::kb::{Article, ArticleContent, KbStatus, KbVersion};
use switchboard_domain::kb_requests::{ArticleInput, BODY_MAX, slug_from_name};
use switchboard_domain::permissions::Permission;
use switchboard_domain::{AccountId, ArticleId};
use switchboard_store::AnyConnection;
use switchboard_store::repo::kb_articles::{self, ArticleFilter, Counter};
use switchboard_store::repo::{kb_versions, search};

/// A free slug made from the title, or `article-N` for titles without ASCII letters.
async fn free_slug(
    conn: &mut AnyConnection,
    account: AccountId,
    title: &str,
    id: ArticleId,
) -> Result<String, AppError> {
    let base = match slug_from_name(title) {
        Some(slug) => slug.as_str().chars().take(32).collect::<String>().trim_end_matches('-').to_string(),
        None => format!("article-{}", id.as_i64() % 1_000_000),
    };
    for n in 1..100 {
        let candidate = if n == 1 { base.clone() } else { format!("{base}-{n}") };
        if kb_articles::get_by_slug(conn, account, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", id.as_i64() % 1_000_000))
}

impl App {
    pub async fn list_kb_articles(
        &self,
        actor: &Actor,
        filter: &ArticleFilter,
        page: &PageRequest,
    ) -> Result<Page<Article>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        let rows = kb_articles::list(&mut conn, actor.account_id, filter, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |a| a.id.as_i64()))
    }

    pub async fn get_kb_article(&self, actor: &Actor, id: ArticleId) -> Result<Article, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        kb_articles::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)
    }

    /// The account's articles with these ids, in no particular order (unknown ids left out): one read
    /// for a page of search hits.
    pub async fn get_kb_articles(&self, actor: &Actor, ids: &[i64]) -> Result<Vec<Article>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        Ok(kb_articles::get_many(&mut conn, actor.account_id, ids).await?)
    }

    pub async fn create_kb_article(&self, actor: &Actor, input: &ArticleInput) -> Result<Article, AppError> {
        actor.require(Permission::KbManage)?;
        let change = input.validate(true)?;
        let mut tx = self.db().begin().await?;
        let category_id = change.category_id.flatten();
        check_category(&mut tx, actor.account_id, category_id, "category_id").await?;
        let id = ArticleId::from_i64(self.db().new_id());
        let title = change.title.unwrap_or_default();
        let slug = match change.slug {
            Some(slug) => slug.as_str().to_string(),
            None => free_slug(&mut tx, actor.account_id, &title, id).await?,
        };
        let locale = match change.locale {
            Some(locale) => locale,
            None => self.account_locale(&mut tx, actor.account_id).await?,
        };
        let body = change.body.unwrap_or_default();
        let at = now();
        let article = Article {
            id,
            category_id,
            title,
            slug,
            body_html: switchboard_text::render_markdown(&body),
            body,
            tags: change.tags.unwrap_or_default(),
            status: KbStatus::Draft,
            locale,
            author_id: actor.user_id(),
            version: 1,
            view_count: 0,
            helpful_count: 0,
            not_helpful_count: 0,
            created_at: at,
            updated_at: at,
            published_at: None,
        };
        kb_articles::insert(&mut tx, actor.account_id, &article).await?;
        save_version(&mut tx, actor, ARTICLE, id.as_i64(), 1, "create", &article.content(), at).await?;
        index_article(&mut tx, actor.account_id, &article).await?;
        record(self, &mut tx, actor, "kb.article.create", (ARTICLE, Some(id.as_i64())), NOTHING, Some(&article))
            .await?;
        tx.commit().await?;
        Ok(article)
    }

    /// Changes an article's content. A change of content is a new version; an unchanged save is not.
    pub async fn update_kb_article(
        &self,
        actor: &Actor,
        id: ArticleId,
        input: &ArticleInput,
    ) -> Result<Article, AppError> {
        actor.require(Permission::KbManage)?;
        let change = input.validate(false)?;
        let mut tx = self.db().begin().await?;
        let before = kb_articles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let mut content = before.content();
        if let Some(title) = change.title {
            content.title = title;
        }
        if let Some(slug) = change.slug {
            content.slug = slug.as_str().to_string();
        }
        if let Some(body) = change.body {
            content.body = body;
        }
        if let Some(tags) = change.tags {
            content.tags = tags;
        }
        if let Some(category) = change.category_id {
            check_category(&mut tx, actor.account_id, category, "category_id").await?;
            content.category_id = category;
        }
        if let Some(locale) = change.locale {
            content.locale = locale;
        }
        let after = self.save_article_content(&mut tx, actor, &before, content, "update").await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Applies content to an article as its next version (no-op when nothing changed), re-indexes it
    /// and records `kb.article.<reason>`.
    async fn save_article_content(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        before: &Article,
        content: ArticleContent,
        reason: &str,
    ) -> Result<Article, AppError> {
        if content == before.content() {
            return Ok(before.clone());
        }
        let at = now();
        let after = Article {
            title: content.title.clone(),
            slug: content.slug.clone(),
            body_html: switchboard_text::render_markdown(&content.body),
            body: content.body.clone(),
            tags: content.tags.clone(),
            category_id: content.category_id,
            locale: content.locale,
            version: before.version + 1,
            updated_at: at,
            ..before.clone()
        };
        kb_articles::update(conn, actor.account_id, &after).await?;
        let action = reason.split(' ').next().unwrap_or(reason);
        save_version(conn, actor, ARTICLE, after.id.as_i64(), after.version, reason, &content, at).await?;
        index_article(conn, actor.account_id, &after).await?;
        let target = (ARTICLE, Some(after.id.as_i64()));
        record(self, conn, actor, &format!("kb.article.{action}"), target, Some(before), Some(&after)).await?;
        Ok(after)
    }

    pub async fn delete_kb_article(&self, actor: &Actor, id: ArticleId) -> Result<(), AppError> {
        actor.require(Permission::KbManage)?;
        let mut tx = self.db().begin().await?;
        let before = kb_articles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        search::delete(&mut tx, actor.account_id, id.as_i64()).await?;
        kb_versions::delete_all(&mut tx, actor.account_id, id.as_i64()).await?;
        kb_articles::delete(&mut tx, actor.account_id, id).await?;
        record(self, &mut tx, actor, "kb.article.delete", (ARTICLE, Some(id.as_i64())), Some(&before), NOTHING).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes (or archives) an article. Status is not content: no new version.
    pub async fn set_kb_article_status(
        &self,
        actor: &Actor,
        id: ArticleId,
        status: KbStatus,
    ) -> Result<Article, AppError> {
        actor.require(Permission::KbManage)?;
        let mut tx = self.db().begin().await?;
        let before = kb_articles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let at = now();
        let mut after = before.clone();
        after.status = status;
        after.updated_at = at;
        if status == KbStatus::Published {
            after.published_at = Some(at);
        }
        kb_articles::update(&mut tx, actor.account_id, &after).await?;
        search::set_status(&mut tx, actor.account_id, id.as_i64(), status.name()).await?;
        let action = match status {
            KbStatus::Published => "kb.article.publish",
            KbStatus::Archived => "kb.article.archive",
            KbStatus::Draft => "kb.article.unpublish",
        };
        record(self, &mut tx, actor, action, (ARTICLE, Some(id.as_i64())), Some(&before), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn list_kb_article_versions(
        &self,
        actor: &Actor,
        id: ArticleId,
        page: &PageRequest,
    ) -> Result<Page<KbVersion>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        kb_articles::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let rows =
            kb_versions::list(&mut conn, actor.account_id, ARTICLE, id.as_i64(), page.after()?, page.limit() + 1)
                .await?;
        Ok(page.page(rows, |v| v.version))
    }

    pub async fn get_kb_article_version(
        &self,
        actor: &Actor,
        id: ArticleId,
        version: i64,
    ) -> Result<KbVersion, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        kb_versions::get_one(&mut conn, actor.account_id, ARTICLE, id.as_i64(), version)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Makes an old version's content current again, as a new version.
    pub async fn restore_kb_article_version(
        &self,
        actor: &Actor,
        id: ArticleId,
        version: i64,
    ) -> Result<Article, AppError> {
        actor.require(Permission::KbManage)?;
        let mut tx = self.db().begin().await?;
        let before = kb_articles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let old = kb_versions::get_one(&mut tx, actor.account_id, ARTICLE, id.as_i64(), version)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut content: ArticleContent = serde_json::from_value(old.content)
            .map_err(|e| AppError::Internal(format!("version {version} of article {id}: {e}")))?;
        if content.category_id.is_some()
            && check_category(&mut tx, actor.account_id, content.category_id, "category_id").await.is_err()
        {
            // The category was deleted since: restore the rest, outside any category.
            content.category_id = None;
        }
        let after = self
            .save_article_content(&mut tx, actor, &before, content, &format!("restore of version {version}"))
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A reader's "was this helpful?" vote. Counters are not audited (like a view).
    pub async fn kb_article_feedback(&self, actor: &Actor, id: ArticleId, helpful: bool) -> Result<Article, AppError> {
        let counter = if helpful { Counter::Helpful } else { Counter::NotHelpful };
        self.count_kb_article(actor, id, counter).await
    }

    /// Counts one view of an article.
    pub async fn kb_article_viewed(&self, actor: &Actor, id: ArticleId) -> Result<Article, AppError> {
        self.count_kb_article(actor, id, Counter::Views).await
    }

    async fn count_kb_article(&self, actor: &Actor, id: ArticleId, counter: Counter) -> Result<Article, AppError> {
        actor.require(Permission::KbRead)?;
        let mut tx = self.db().begin().await?;
        kb_articles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        kb_articles::increment(&mut tx, actor.account_id, id, counter).await?;
        let article = kb_articles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(article)
    }

    /// A Markdown body rendered exactly as a saved article's would be: through the same sanitizer
    /// (the editor's live preview). Nothing is stored.
    pub fn preview_kb_article_body(&self, actor: &Actor, body: &str) -> Result<String, AppError> {
        actor.require(Permission::KbManage)?;
        if body.chars().count() > BODY_MAX {
            return Err(AppError::field("body", format!("must be at most {BODY_MAX} characters")));
        }
        Ok(switchboard_text::render_markdown(body))
    }

    /// An article by slug (for the demo and, later, the help center).
    pub async fn kb_article_by_slug(&self, actor: &Actor, slug: &str) -> Result<Option<Article>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        Ok(kb_articles::get_by_slug(&mut conn, actor.account_id, slug).await?)
    }
}
