//! FAQ entries: a canonical question, its other phrasings and an answer; versioned like articles.

use crate::audit::{NOTHING, record};
use crate::kb_common::{FAQ, check_category, index_faq, now, save_version};
use crate::{Actor, App, AppError, Page, PageRequest};
use switchboard_domain::FaqId;
use switchboard_domain::kb::{Faq, FaqContent, KbStatus, KbVersion};
use switchboard_domain::kb_requests::{FaqChange, FaqInput};
use switchboard_domain::permissions::Permission;
use switchboard_store::AnyConnection;
use switchboard_store::repo::kb_faqs::{self, FaqFilter};
use switchboard_store::repo::{kb_versions, search};

impl App {
    pub async fn list_kb_faqs(
        &self,
        actor: &Actor,
        filter: &FaqFilter,
        page: &PageRequest,
    ) -> Result<Page<Faq>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        let rows = kb_faqs::list(&mut conn, actor.account_id, filter, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |f| f.id.as_i64()))
    }

    pub async fn get_kb_faq(&self, actor: &Actor, id: FaqId) -> Result<Faq, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        kb_faqs::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)
    }

    /// The account's FAQ entries with these ids, in no particular order (unknown ids left out).
    pub async fn get_kb_faqs(&self, actor: &Actor, ids: &[i64]) -> Result<Vec<Faq>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        Ok(kb_faqs::get_many(&mut conn, actor.account_id, ids).await?)
    }

    pub async fn create_kb_faq(&self, actor: &Actor, input: &FaqInput) -> Result<Faq, AppError> {
        actor.require(Permission::KbManage)?;
        let change = input.validate(true)?;
        let mut tx = self.db().begin().await?;
        let faq = self.insert_kb_faq(&mut tx, actor, change, "create").await?;
        tx.commit().await?;
        Ok(faq)
    }

    /// Creates an entry in the caller's transaction (also used by the import).
    pub(crate) async fn insert_kb_faq(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        change: FaqChange,
        reason: &str,
    ) -> Result<Faq, AppError> {
        let category_id = change.category_id.flatten();
        check_category(conn, actor.account_id, category_id, "category_id").await?;
        let locale = match change.locale {
            Some(locale) => locale,
            None => self.account_locale(conn, actor.account_id).await?,
        };
        let at = now();
        let faq = Faq {
            id: FaqId::from_i64(self.db().new_id()),
            external_id: change.external_id,
            category_id,
            question: change.question.unwrap_or_default(),
            similar: change.similar.unwrap_or_default(),
            answer: change.answer.unwrap_or_default(),
            locale,
            status: change.status.unwrap_or(KbStatus::Published),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        kb_faqs::insert(conn, actor.account_id, &faq).await?;
        save_version(conn, actor, FAQ, faq.id.as_i64(), 1, reason, &faq.content(), at).await?;
        index_faq(conn, actor.account_id, &faq).await?;
        record(self, conn, actor, "kb.faq.create", (FAQ, Some(faq.id.as_i64())), NOTHING, Some(&faq)).await?;
        Ok(faq)
    }

    pub async fn update_kb_faq(&self, actor: &Actor, id: FaqId, input: &FaqInput) -> Result<Faq, AppError> {
        actor.require(Permission::KbManage)?;
        let change = input.validate(false)?;
        let mut tx = self.db().begin().await?;
        let before = kb_faqs::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let after = self.change_kb_faq(&mut tx, actor, &before, change, "update").await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Applies a change to an entry in the caller's transaction: a change of content is a new
    /// version; status and external id are not content. Returns the entry as it is after.
    pub(crate) async fn change_kb_faq(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        before: &Faq,
        change: FaqChange,
        reason: &str,
    ) -> Result<Faq, AppError> {
        let mut content = before.content();
        if let Some(question) = change.question {
            content.question = question;
        }
        if let Some(similar) = change.similar {
            content.similar = similar;
        }
        if let Some(answer) = change.answer {
            content.answer = answer;
        }
        if let Some(category) = change.category_id {
            check_category(conn, actor.account_id, category, "category_id").await?;
            content.category_id = category;
        }
        if let Some(locale) = change.locale {
            content.locale = locale;
        }
        let status = change.status.unwrap_or(before.status);
        let external_id = change.external_id.or_else(|| before.external_id.clone());
        self.save_faq(conn, actor, before, content, status, external_id, reason).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn save_faq(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        before: &Faq,
        content: FaqContent,
        status: KbStatus,
        external_id: Option<String>,
        reason: &str,
    ) -> Result<Faq, AppError> {
        let content_changed = content != before.content();
        if !content_changed && status == before.status && external_id == before.external_id {
            return Ok(before.clone());
        }
        let at = now();
        let after = Faq {
            question: content.question.clone(),
            similar: content.similar.clone(),
            answer: content.answer.clone(),
            category_id: content.category_id,
            locale: content.locale,
            status,
            external_id,
            version: if content_changed { before.version + 1 } else { before.version },
            updated_at: at,
            ..before.clone()
        };
        kb_faqs::update(conn, actor.account_id, &after).await?;
        if content_changed {
            save_version(conn, actor, FAQ, after.id.as_i64(), after.version, reason, &content, at).await?;
        }
        index_faq(conn, actor.account_id, &after).await?;
        let action = if reason.starts_with("restore") { "kb.faq.restore" } else { "kb.faq.update" };
        record(self, conn, actor, action, (FAQ, Some(after.id.as_i64())), Some(before), Some(&after)).await?;
        Ok(after)
    }

    pub async fn delete_kb_faq(&self, actor: &Actor, id: FaqId) -> Result<(), AppError> {
        actor.require(Permission::KbManage)?;
        let mut tx = self.db().begin().await?;
        let before = kb_faqs::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        search::delete(&mut tx, actor.account_id, id.as_i64()).await?;
        kb_versions::delete_all(&mut tx, actor.account_id, id.as_i64()).await?;
        kb_faqs::delete(&mut tx, actor.account_id, id).await?;
        record(self, &mut tx, actor, "kb.faq.delete", (FAQ, Some(id.as_i64())), Some(&before), NOTHING).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_kb_faq_versions(
        &self,
        actor: &Actor,
        id: FaqId,
        page: &PageRequest,
    ) -> Result<Page<KbVersion>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        kb_faqs::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let rows =
            kb_versions::list(&mut conn, actor.account_id, FAQ, id.as_i64(), page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |v| v.version))
    }

    pub async fn get_kb_faq_version(&self, actor: &Actor, id: FaqId, version: i64) -> Result<KbVersion, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        kb_versions::get_one(&mut conn, actor.account_id, FAQ, id.as_i64(), version).await?.ok_or(AppError::NotFound)
    }

    /// Makes an old version's content current again, as a new version.
    pub async fn restore_kb_faq_version(&self, actor: &Actor, id: FaqId, version: i64) -> Result<Faq, AppError> {
        actor.require(Permission::KbManage)?;
        let mut tx = self.db().begin().await?;
        let before = kb_faqs::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let old = kb_versions::get_one(&mut tx, actor.account_id, FAQ, id.as_i64(), version)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut content: FaqContent = serde_json::from_value(old.content)
            .map_err(|e| AppError::Internal(format!("version {version} of FAQ entry {id}: {e}")))?;
        if content.category_id.is_some()
            && check_category(&mut tx, actor.account_id, content.category_id, "category_id").await.is_err()
        {
            content.category_id = None;
        }
        let reason = format!("restore of version {version}");
        let after =
            self.save_faq(&mut tx, actor, &before, content, before.status, before.external_id.clone(), &reason).await?;
        tx.commit().await?;
        Ok(after)
    }
}
