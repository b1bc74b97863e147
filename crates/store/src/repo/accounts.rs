use crate::error::StoreError;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::entities::Account;
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, Timestamp};

const COLUMNS: &str = "id, name, slug, default_locale, time_zone, created_at";

fn account(row: &AnyRow) -> Result<Account, StoreError> {
    Ok(Account {
        id: AccountId::from_i64(get(row, "id")?),
        name: get(row, "name")?,
        slug: get(row, "slug")?,
        default_locale: Locale::parse(&get::<String>(row, "default_locale")?).unwrap_or_default(),
        time_zone: get(row, "time_zone")?,
        created_at: time(row, "created_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, a: &Account) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO accounts (id, account_id, name, slug, default_locale, time_zone, created_at, updated_at) \
         VALUES ($1, $1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(a.id.as_i64())
    .bind(&a.name)
    .bind(&a.slug)
    .bind(a.default_locale.code())
    .bind(&a.time_zone)
    .bind(a.created_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("slug"))?;
    Ok(())
}

pub async fn get_by_id(conn: &mut AnyConnection, id: AccountId) -> Result<Option<Account>, StoreError> {
    let sql = const_format("WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(account).transpose()
}

pub async fn get_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Option<Account>, StoreError> {
    let sql = const_format("WHERE slug = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(conn).await?;
    row.as_ref().map(account).transpose()
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Account>, StoreError> {
    let sql = const_format("ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(account).collect()
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts").fetch_one(conn).await?;
    get(&row, "n")
}

pub async fn update(conn: &mut AnyConnection, a: &Account, at: Timestamp) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET name = $2, default_locale = $3, time_zone = $4, updated_at = $5 WHERE id = $1")
        .bind(a.id.as_i64())
        .bind(&a.name)
        .bind(a.default_locale.code())
        .bind(&a.time_zone)
        .bind(at.unix_ms())
        .execute(conn)
        .await?;
    Ok(())
}

fn const_format(tail: &str) -> String {
    format!("SELECT {COLUMNS} FROM accounts {tail}")
}
