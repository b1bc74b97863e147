//! Knowledge-base categories: a tree (parent, position among siblings), each with a slug.

use crate::audit::{NOTHING, record};
use crate::kb_common::now;
use crate::{Actor, App, AppError};
use switchboard_domain::kb::Category;
use switchboard_domain::kb_requests::{CategoryInput, CategoryReorderInput, slug_from_name};
use switchboard_domain::permissions::Permission;
use switchboard_domain::{AccountId, CategoryId, FieldErrors};
use switchboard_store::AnyConnection;
use switchboard_store::repo::kb_categories;

/// A free slug made from `name`, or `category-N` for names without ASCII letters.
async fn free_slug(
    conn: &mut AnyConnection,
    account: AccountId,
    name: &str,
    id: CategoryId,
) -> Result<String, AppError> {
    let base = match slug_from_name(name) {
        Some(slug) => slug.as_str().to_string(),
        None => format!("category-{}", id.as_i64() % 1_000_000),
    };
    let base: String = base.chars().take(32).collect::<String>().trim_end_matches('-').to_string();
    for n in 1..100 {
        let candidate = if n == 1 { base.clone() } else { format!("{base}-{n}") };
        if !kb_categories::slug_taken(conn, account, &candidate).await? {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", id.as_i64() % 1_000_000))
}

/// The parent must exist and must not be the category itself or one of its descendants.
async fn check_parent(
    conn: &mut AnyConnection,
    account: AccountId,
    id: CategoryId,
    parent: Option<CategoryId>,
) -> Result<(), AppError> {
    let mut cursor = parent;
    let mut steps = 0;
    while let Some(current) = cursor {
        if current == id {
            return Err(AppError::field("parent_id", "would put the category inside itself"));
        }
        let Some(found) = kb_categories::get_by_id(conn, account, current).await? else {
            return Err(AppError::field("parent_id", "names a category that does not exist"));
        };
        cursor = found.parent_id;
        steps += 1;
        if steps > 64 {
            return Err(AppError::field("parent_id", "the tree is deeper than 64 levels"));
        }
    }
    Ok(())
}

impl App {
    /// Every category of the account, ordered by position then id (build the tree with `parent_id`).
    pub async fn list_kb_categories(&self, actor: &Actor) -> Result<Vec<Category>, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        Ok(kb_categories::list_all(&mut conn, actor.account_id).await?)
    }

    pub async fn get_kb_category(&self, actor: &Actor, id: CategoryId) -> Result<Category, AppError> {
        actor.require(Permission::KbRead)?;
        let mut conn = self.db().read().await?;
        kb_categories::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn create_kb_category(&self, actor: &Actor, input: &CategoryInput) -> Result<Category, AppError> {
        actor.require(Permission::KbManage)?;
        let change = input.validate(true)?;
        let mut tx = self.db().begin().await?;
        let category = self.insert_kb_category(&mut tx, actor, &change).await?;
        tx.commit().await?;
        Ok(category)
    }

    /// Creates a category inside the caller's transaction (also used by the FAQ import).
    pub(crate) async fn insert_kb_category(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        change: &switchboard_domain::kb_requests::CategoryChange,
    ) -> Result<Category, AppError> {
        let id = CategoryId::from_i64(self.db().new_id());
        let parent_id = change.parent_id.flatten();
        check_parent(conn, actor.account_id, id, parent_id).await?;
        let name = change.name.as_ref().map(|n| n.to_string()).unwrap_or_default();
        let slug = match &change.slug {
            Some(slug) => slug.as_str().to_string(),
            None => free_slug(conn, actor.account_id, &name, id).await?,
        };
        let position = match change.position {
            Some(p) => p,
            None => kb_categories::next_position(conn, actor.account_id, parent_id).await?,
        };
        let at = now();
        let category = Category { id, parent_id, name, slug, position, created_at: at, updated_at: at };
        kb_categories::insert(conn, actor.account_id, &category).await?;
        record(self, conn, actor, "kb.category.create", ("kb_category", Some(id.as_i64())), NOTHING, Some(&category))
            .await?;
        Ok(category)
    }

    pub async fn update_kb_category(
        &self,
        actor: &Actor,
        id: CategoryId,
        input: &CategoryInput,
    ) -> Result<Category, AppError> {
        actor.require(Permission::KbManage)?;
        let change = input.validate(false)?;
        let mut tx = self.db().begin().await?;
        let before = kb_categories::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let mut after = before.clone();
        if let Some(name) = change.name {
            after.name = name.to_string();
        }
        if let Some(slug) = change.slug {
            after.slug = slug.as_str().to_string();
        }
        if let Some(parent) = change.parent_id {
            check_parent(&mut tx, actor.account_id, id, parent).await?;
            if parent != before.parent_id && change.position.is_none() {
                after.position = kb_categories::next_position(&mut tx, actor.account_id, parent).await?;
            }
            after.parent_id = parent;
        }
        if let Some(position) = change.position {
            after.position = position;
        }
        after.updated_at = now();
        kb_categories::update(&mut tx, actor.account_id, &after).await?;
        record(
            self,
            &mut tx,
            actor,
            "kb.category.update",
            ("kb_category", Some(id.as_i64())),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes an empty category; one with sub-categories, articles or FAQ entries is refused (409).
    pub async fn delete_kb_category(&self, actor: &Actor, id: CategoryId) -> Result<(), AppError> {
        actor.require(Permission::KbManage)?;
        let mut tx = self.db().begin().await?;
        let before = kb_categories::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        if kb_categories::content_count(&mut tx, actor.account_id, id).await? > 0 {
            return Err(AppError::Conflict(FieldErrors::single(
                "id",
                "the category still holds sub-categories, articles or FAQ entries; move or delete them first",
            )));
        }
        kb_categories::delete(&mut tx, actor.account_id, id).await?;
        record(self, &mut tx, actor, "kb.category.delete", ("kb_category", Some(id.as_i64())), Some(&before), NOTHING)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Orders sibling categories as listed (positions 0, 1, 2, ...). All must share one parent.
    pub async fn reorder_kb_categories(
        &self,
        actor: &Actor,
        input: &CategoryReorderInput,
    ) -> Result<Vec<Category>, AppError> {
        actor.require(Permission::KbManage)?;
        if input.ids.is_empty() {
            return Err(AppError::field("ids", "is required"));
        }
        let mut unique = input.ids.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != input.ids.len() {
            return Err(AppError::field("ids", "lists a category twice"));
        }
        let mut tx = self.db().begin().await?;
        let mut parent = None;
        for (i, id) in input.ids.iter().enumerate() {
            let Some(category) = kb_categories::get_by_id(&mut tx, actor.account_id, *id).await? else {
                return Err(AppError::field("ids", "names a category that does not exist"));
            };
            if i > 0 && parent != category.parent_id {
                return Err(AppError::field("ids", "the categories must share one parent"));
            }
            parent = category.parent_id;
        }
        let at = now().unix_ms();
        for (position, id) in input.ids.iter().enumerate() {
            kb_categories::set_position(&mut tx, actor.account_id, *id, position as i64, at).await?;
        }
        let detail = serde_json::json!({ "parent_id": parent, "ids": input.ids });
        record(self, &mut tx, actor, "kb.category.reorder", ("kb_category", None), NOTHING, Some(&detail)).await?;
        let all = kb_categories::list_all(&mut tx, actor.account_id).await?;
        tx.commit().await?;
        Ok(all)
    }
}
