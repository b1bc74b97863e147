//! Roles: the three built-in ones, and custom roles made of named permissions.

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError, Page, PageRequest};
use switchboard_domain::entities::Role;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::RoleInput;
use switchboard_domain::{FieldErrors, RoleId, Timestamp};
use switchboard_store::repo::roles;

impl App {
    pub async fn list_roles(&self, actor: &Actor, page: &PageRequest) -> Result<Page<Role>, AppError> {
        actor.require(Permission::RolesRead)?;
        let mut conn = self.db().read().await?;
        let rows = roles::list(&mut conn, actor.account_id, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |r| r.id.as_i64()))
    }

    pub async fn get_role(&self, actor: &Actor, id: RoleId) -> Result<Role, AppError> {
        actor.require(Permission::RolesRead)?;
        let mut conn = self.db().read().await?;
        roles::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn create_role(&self, actor: &Actor, input: &RoleInput) -> Result<Role, AppError> {
        actor.require(Permission::RolesManage)?;
        let change = input.validate(true)?;
        let at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        let role = Role {
            id: RoleId::from_i64(self.db().new_id()),
            name: change.name.map(|n| n.to_string()).unwrap_or_default(),
            builtin: None,
            permissions: change.permissions.unwrap_or_default(),
            data_scope: change.data_scope.unwrap_or(switchboard_domain::permissions::DataScope::Own),
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db().begin().await?;
        roles::insert(&mut tx, actor.account_id, &role).await?;
        record(self, &mut tx, actor, "role.create", ("role", Some(role.id.as_i64())), NOTHING, Some(&role)).await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(role)
    }

    pub async fn update_role(&self, actor: &Actor, id: RoleId, input: &RoleInput) -> Result<Role, AppError> {
        actor.require(Permission::RolesManage)?;
        let change = input.validate(false)?;
        let mut tx = self.db().begin().await?;
        let before = roles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        if before.builtin.is_some() {
            return Err(AppError::Conflict(FieldErrors::single("role", "built-in roles cannot be changed")));
        }
        let mut after = before.clone();
        if let Some(name) = change.name {
            after.name = name.to_string();
        }
        if let Some(permissions) = change.permissions {
            after.permissions = permissions;
        }
        if let Some(scope) = change.data_scope {
            after.data_scope = scope;
        }
        after.updated_at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        roles::update(&mut tx, actor.account_id, &after).await?;
        record(self, &mut tx, actor, "role.update", ("role", Some(id.as_i64())), Some(&before), Some(&after)).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(after)
    }

    pub async fn delete_role(&self, actor: &Actor, id: RoleId) -> Result<(), AppError> {
        actor.require(Permission::RolesManage)?;
        let mut tx = self.db().begin().await?;
        let before = roles::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        if before.builtin.is_some() {
            return Err(AppError::Conflict(FieldErrors::single("role", "built-in roles cannot be deleted")));
        }
        let holders = roles::users_with_role(&mut tx, actor.account_id, id).await?;
        if holders > 0 {
            return Err(AppError::Conflict(FieldErrors::single(
                "role",
                format!("{holders} users still have this role"),
            )));
        }
        roles::delete(&mut tx, actor.account_id, id).await?;
        record(self, &mut tx, actor, "role.delete", ("role", Some(id.as_i64())), Some(&before), NOTHING).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(())
    }
}
