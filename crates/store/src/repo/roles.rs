use crate::error::StoreError;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::entities::Role;
use switchboard_domain::permissions::{BuiltinRole, DataScope, Permission};
use switchboard_domain::{AccountId, RoleId};

const SELECT: &str = "SELECT id, name, builtin, permissions, data_scope, created_at, updated_at FROM roles";

fn role(row: &AnyRow) -> Result<Role, StoreError> {
    role_columns(row, "")
}

/// Decodes a role from columns named `{prefix}id`, `{prefix}name`, ... (for joins).
pub(crate) fn role_columns(row: &AnyRow, prefix: &str) -> Result<Role, StoreError> {
    let c = |name: &str| format!("{prefix}{name}");
    let names: String = get(row, &c("permissions"))?;
    let builtin: Option<String> = get(row, &c("builtin"))?;
    let builtin = builtin.as_deref().and_then(BuiltinRole::parse);
    // Built-in roles always carry the permissions of this binary, so upgrades extend them.
    let permissions = match builtin {
        Some(b) => b.permissions(),
        None => names.split_whitespace().filter_map(Permission::parse).collect(),
    };
    let scope: String = get(row, &c("data_scope"))?;
    Ok(Role {
        id: RoleId::from_i64(get(row, &c("id"))?),
        name: get(row, &c("name"))?,
        builtin,
        permissions,
        data_scope: DataScope::parse(&scope).unwrap_or(DataScope::Own),
        created_at: time(row, &c("created_at"))?,
        updated_at: time(row, &c("updated_at"))?,
    })
}

/// The columns `role_columns` reads, from table alias `alias`, renamed with `prefix`.
pub(crate) fn role_select(alias: &str, prefix: &str) -> String {
    ["id", "name", "builtin", "permissions", "data_scope", "created_at", "updated_at"]
        .iter()
        .map(|c| format!("{alias}.{c} AS {prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn permission_text(permissions: &[Permission]) -> String {
    permissions.iter().map(|p| p.name()).collect::<Vec<_>>().join(" ")
}

pub async fn insert(conn: &mut AnyConnection, account: AccountId, r: &Role) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO roles (account_id, id, name, builtin, permissions, data_scope, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(account.as_i64())
    .bind(r.id.as_i64())
    .bind(&r.name)
    .bind(r.builtin.map(|b| b.key()))
    .bind(permission_text(&r.permissions))
    .bind(r.data_scope.name())
    .bind(r.created_at.unix_ms())
    .bind(r.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("name"))?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, account: AccountId, r: &Role) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE roles SET name = $3, permissions = $4, data_scope = $5, updated_at = $6 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(r.id.as_i64())
    .bind(&r.name)
    .bind(permission_text(&r.permissions))
    .bind(r.data_scope.name())
    .bind(r.updated_at.unix_ms())
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("name"))?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, account: AccountId, id: RoleId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM roles WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_by_id(conn: &mut AnyConnection, account: AccountId, id: RoleId) -> Result<Option<Role>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(role).transpose()
}

pub async fn get_builtin(
    conn: &mut AnyConnection,
    account: AccountId,
    key: BuiltinRole,
) -> Result<Option<Role>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND builtin = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(key.key()).fetch_optional(conn).await?;
    row.as_ref().map(role).transpose()
}

pub async fn get_by_name(conn: &mut AnyConnection, account: AccountId, name: &str) -> Result<Option<Role>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND name = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(name).fetch_optional(conn).await?;
    row.as_ref().map(role).transpose()
}

pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Role>, StoreError> {
    let sql = format!("{SELECT} WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(after.unwrap_or(0))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(role).collect()
}

pub async fn users_with_role(conn: &mut AnyConnection, account: AccountId, id: RoleId) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE account_id = $1 AND role_id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .fetch_one(conn)
        .await?;
    get(&row, "n")
}
