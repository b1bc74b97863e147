//! Knowledge-base categories: a tree per account, siblings ordered by `position`.

use crate::error::StoreError;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::kb::Category;
use switchboard_domain::{AccountId, CategoryId};

const SELECT: &str = "SELECT id, parent_id, name, slug, position, created_at, updated_at FROM kb_categories";

fn category(row: &AnyRow) -> Result<Category, StoreError> {
    Ok(Category {
        id: CategoryId::from_i64(get(row, "id")?),
        parent_id: get::<Option<i64>>(row, "parent_id")?.map(CategoryId::from_i64),
        name: get(row, "name")?,
        slug: get(row, "slug")?,
        position: get(row, "position")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, account: AccountId, c: &Category) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO kb_categories (account_id, id, parent_id, name, slug, position, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(c.parent_id.map(|p| p.as_i64()))
    .bind(&c.name)
    .bind(&c.slug)
    .bind(c.position)
    .bind(c.created_at.unix_ms())
    .bind(c.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("slug"))?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, account: AccountId, c: &Category) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE kb_categories SET parent_id = $3, name = $4, slug = $5, position = $6, updated_at = $7 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(c.parent_id.map(|p| p.as_i64()))
    .bind(&c.name)
    .bind(&c.slug)
    .bind(c.position)
    .bind(c.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("slug"))?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, account: AccountId, id: CategoryId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM kb_categories WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_by_id(
    conn: &mut AnyConnection,
    account: AccountId,
    id: CategoryId,
) -> Result<Option<Category>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(category).transpose()
}

pub async fn get_by_name(
    conn: &mut AnyConnection,
    account: AccountId,
    name: &str,
) -> Result<Option<Category>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND name = $2 ORDER BY id LIMIT 1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(name).fetch_optional(conn).await?;
    row.as_ref().map(category).transpose()
}

pub async fn slug_taken(conn: &mut AnyConnection, account: AccountId, slug: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT id FROM kb_categories WHERE account_id = $1 AND slug = $2")
        .bind(account.as_i64())
        .bind(slug)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Every category of the account, in tree order's raw material: by parent, position, id.
pub async fn list_all(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<Category>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 ORDER BY position, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).fetch_all(conn).await?;
    rows.iter().map(category).collect()
}

/// The next free position among the children of `parent`.
pub async fn next_position(
    conn: &mut AnyConnection,
    account: AccountId,
    parent: Option<CategoryId>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(MAX(position) + 1, 0) AS BIGINT) AS p FROM kb_categories \
         WHERE account_id = $1 AND (($2 IS NULL AND parent_id IS NULL) OR parent_id = $2)",
    )
    .bind(account.as_i64())
    .bind(parent.map(|p| p.as_i64()))
    .fetch_one(conn)
    .await?;
    get(&row, "p")
}

pub async fn set_position(
    conn: &mut AnyConnection,
    account: AccountId,
    id: CategoryId,
    position: i64,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE kb_categories SET position = $3, updated_at = $4 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(position)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many sub-categories, articles and FAQ entries the category holds.
pub async fn content_count(conn: &mut AnyConnection, account: AccountId, id: CategoryId) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM kb_categories WHERE account_id = $1 AND parent_id = $2) \
              + (SELECT COUNT(*) FROM kb_articles WHERE account_id = $1 AND category_id = $2) \
              + (SELECT COUNT(*) FROM kb_faqs WHERE account_id = $1 AND category_id = $2) AS n",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .fetch_one(conn)
    .await?;
    get(&row, "n")
}
