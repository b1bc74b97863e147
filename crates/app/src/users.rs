//! Users: list, create, change, deactivate, reset passwords; and one's own profile.

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError, Page, PageRequest, UserFilter};
use switchboard_domain::entities::{Role, User};
use switchboard_domain::permissions::{BuiltinRole, Permission};
use switchboard_domain::requests::{NewUserInput, ProfileUpdateInput, RoleRef, UserUpdateInput};
use switchboard_domain::values::NewPassword;
use switchboard_domain::{AccountId, TeamId, Timestamp, UserId};
use switchboard_store::AnyConnection;
use switchboard_store::repo::{roles, sessions, teams, tokens, users};

fn now() -> Timestamp {
    Timestamp::from_unix_ms(switchboard_store::now_ms())
}

/// Finds the role a request names, as a 422 on `role` when there is none in this account.
pub(crate) async fn resolve_role(
    conn: &mut AnyConnection,
    account: AccountId,
    role: &RoleRef,
) -> Result<Role, AppError> {
    let found = match role {
        RoleRef::Id(id) => roles::get_by_id(conn, account, *id).await?,
        RoleRef::Key(key) => match BuiltinRole::parse(key) {
            Some(builtin) => roles::get_builtin(conn, account, builtin).await?,
            None => roles::get_by_name(conn, account, key).await?,
        },
    };
    found.ok_or_else(|| AppError::field("role", "no such role"))
}

async fn check_teams(conn: &mut AnyConnection, account: AccountId, ids: &[TeamId]) -> Result<Vec<TeamId>, AppError> {
    let mut unique: Vec<TeamId> = ids.to_vec();
    unique.sort();
    unique.dedup();
    let found = teams::existing_ids(conn, account, &unique).await?;
    if found.len() != unique.len() {
        return Err(AppError::field("team_ids", "names a team that does not exist"));
    }
    Ok(unique)
}

impl App {
    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, AppError> {
        actor.require(Permission::UsersRead)?;
        let mut conn = self.db().read().await?;
        let rows = users::list(&mut conn, actor.account_id, filter, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |u| u.id.as_i64()))
    }

    pub async fn get_user(&self, actor: &Actor, id: UserId) -> Result<User, AppError> {
        if actor.user_id() != Some(id) {
            actor.require(Permission::UsersRead)?;
        }
        let mut conn = self.db().read().await?;
        users::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn create_user(&self, actor: &Actor, input: &NewUserInput) -> Result<User, AppError> {
        actor.require(Permission::UsersManage)?;
        let new = input.validate()?;
        let password_hash = crate::passwords::hash(new.password.expose().to_string()).await?;
        let mut tx = self.db().begin().await?;
        let account =
            switchboard_store::repo::accounts::get_by_id(&mut tx, actor.account_id).await?.ok_or(AppError::NotFound)?;
        let role = resolve_role(&mut tx, actor.account_id, &new.role).await?;
        let team_ids = check_teams(&mut tx, actor.account_id, &new.team_ids).await?;
        let at = now();
        let user = User {
            id: UserId::from_i64(self.db().new_id()),
            name: new.name.to_string(),
            email: new.email.to_string(),
            role_id: role.id,
            locale: new.locale.unwrap_or(account.default_locale),
            time_zone: new.time_zone.map(|t| t.as_str().to_string()).unwrap_or(account.time_zone),
            active: true,
            team_ids: team_ids.clone(),
            created_at: at,
            updated_at: at,
            last_sign_in_at: None,
        };
        users::insert(&mut tx, actor.account_id, &user, &password_hash).await?;
        users::set_teams(&mut tx, actor.account_id, user.id, &team_ids, at).await?;
        record(self, &mut tx, actor, "user.create", ("user", Some(user.id.as_i64())), NOTHING, Some(&user)).await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(user)
    }

    pub async fn update_user(&self, actor: &Actor, id: UserId, input: &UserUpdateInput) -> Result<User, AppError> {
        actor.require(Permission::UsersManage)?;
        let change = input.validate()?;
        let mut tx = self.db().begin().await?;
        let before = users::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let mut after = before.clone();
        if let Some(name) = change.name {
            after.name = name.to_string();
        }
        if let Some(email) = change.email {
            after.email = email.to_string();
        }
        if let Some(role) = &change.role {
            after.role_id = resolve_role(&mut tx, actor.account_id, role).await?.id;
        }
        if let Some(locale) = change.locale {
            after.locale = locale;
        }
        if let Some(tz) = change.time_zone {
            after.time_zone = tz.as_str().to_string();
        }
        if let Some(active) = change.active {
            if !active && actor.user_id() == Some(id) {
                return Err(AppError::field("active", "you cannot deactivate yourself"));
            }
            after.active = active;
        }
        if let Some(team_ids) = &change.team_ids {
            after.team_ids = check_teams(&mut tx, actor.account_id, team_ids).await?;
        }
        self.keep_an_admin(&mut tx, actor.account_id, &before, &after).await?;
        after.updated_at = now();
        users::update(&mut tx, actor.account_id, &after).await?;
        if change.team_ids.is_some() {
            users::set_teams(&mut tx, actor.account_id, id, &after.team_ids, after.updated_at).await?;
        }
        if before.active && !after.active {
            sessions::revoke_all_of_user(&mut tx, actor.account_id, id, None, after.updated_at).await?;
            tokens::revoke_all_of_user(&mut tx, actor.account_id, id, after.updated_at).await?;
        }
        let action = if before.active && !after.active { "user.deactivate" } else { "user.update" };
        record(self, &mut tx, actor, action, ("user", Some(id.as_i64())), Some(&before), Some(&after)).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(after)
    }

    /// Refuses a change that would leave the account without an active admin.
    async fn keep_an_admin(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        before: &User,
        after: &User,
    ) -> Result<(), AppError> {
        let admin = roles::get_builtin(conn, account, BuiltinRole::Admin).await?.ok_or(AppError::NotFound)?;
        let was_admin = before.active && before.role_id == admin.id;
        let stays_admin = after.active && after.role_id == admin.id;
        if was_admin && !stays_admin && users::count_active_with_role(conn, account, admin.id).await? <= 1 {
            let field = if after.active { "role" } else { "active" };
            return Err(AppError::field(field, "the account must keep at least one active admin"));
        }
        Ok(())
    }

    /// An admin sets a new password for a user; the user's sessions end.
    pub async fn reset_password(&self, actor: &Actor, id: UserId, password: &str) -> Result<(), AppError> {
        actor.require(Permission::UsersManage)?;
        let password = NewPassword::parse(password).map_err(|e| AppError::field("password", e.to_string()))?;
        let hash = crate::passwords::hash(password.expose().to_string()).await?;
        let mut tx = self.db().begin().await?;
        let user = users::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let at = now();
        users::set_password_hash(&mut tx, actor.account_id, id, &hash, at).await?;
        sessions::revoke_all_of_user(&mut tx, actor.account_id, id, actor.session_id(), at).await?;
        let detail = serde_json::json!({ "email": user.email });
        record(self, &mut tx, actor, "user.reset_password", ("user", Some(id.as_i64())), NOTHING, Some(&detail))
            .await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(())
    }

    /// The signed-in user changes their own name, language, time zone or password.
    pub async fn update_profile(&self, actor: &Actor, input: &ProfileUpdateInput) -> Result<User, AppError> {
        let id = actor.user_id().ok_or(AppError::Forbidden("profile"))?;
        let change = input.validate()?;
        let new_hash = match &change.password_change {
            Some((current, new)) => {
                let stored = {
                    let mut conn = self.db().read().await?;
                    users::password_hash(&mut conn, actor.account_id, id).await?
                };
                if !crate::passwords::verify(current.clone(), stored).await {
                    return Err(AppError::field("current_password", "is not your current password"));
                }
                Some(crate::passwords::hash(new.expose().to_string()).await?)
            }
            None => None,
        };
        let mut tx = self.db().begin().await?;
        let before = users::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let mut after = before.clone();
        if let Some(name) = change.name {
            after.name = name.to_string();
        }
        if let Some(locale) = change.locale {
            after.locale = locale;
        }
        if let Some(tz) = change.time_zone {
            after.time_zone = tz.as_str().to_string();
        }
        after.updated_at = now();
        users::update(&mut tx, actor.account_id, &after).await?;
        record(self, &mut tx, actor, "user.update_profile", ("user", Some(id.as_i64())), Some(&before), Some(&after))
            .await?;
        if let Some(hash) = new_hash {
            users::set_password_hash(&mut tx, actor.account_id, id, &hash, after.updated_at).await?;
            sessions::revoke_all_of_user(&mut tx, actor.account_id, id, actor.session_id(), after.updated_at).await?;
            record(self, &mut tx, actor, "user.change_password", ("user", Some(id.as_i64())), NOTHING, NOTHING).await?;
        }
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(after)
    }

    /// Operator command: find a user of an account by email.
    pub async fn user_by_email(&self, account: AccountId, email: &str) -> Result<Option<User>, AppError> {
        let mut conn = self.db().read().await?;
        let email = email.trim().to_lowercase();
        Ok(users::get_by_email_with_hash(&mut conn, account, &email).await?.map(|(u, _)| u))
    }
}
