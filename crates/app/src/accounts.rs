//! Accounts (tenants): creation with the built-in roles and the first admin, settings.

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError};
use switchboard_domain::entities::{Account, Role, User};
use switchboard_domain::permissions::{BuiltinRole, Permission};
use switchboard_domain::requests::{AccountUpdateInput, NewAccountInput, NewUserInput};
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, FieldErrors, RoleId, Timestamp, UserId};
use switchboard_store::repo::{accounts, audit as audit_repo, roles, users};

/// Where a new account comes from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub label: String,
    pub ip: String,
    pub user_agent: String,
}

impl App {
    /// Creates an account, its built-in roles and its first admin, in one transaction.
    /// With `only_if_first`, refuses (409) when any account exists: the first-run setup page.
    pub async fn create_account(
        &self,
        account: &NewAccountInput,
        admin: &NewUserInput,
        origin: &crate::accounts::Origin,
        only_if_first: bool,
    ) -> Result<(Account, User), AppError> {
        let mut errors = FieldErrors::new();
        let account_input = account.validate().map_err(|e| {
            for (k, v) in e.iter() {
                errors.add(format!("account.{k}"), v.clone());
            }
        });
        let admin_input = admin.validate().map_err(|e| {
            for (k, v) in e.iter() {
                errors.add(format!("admin.{k}"), v.clone());
            }
        });
        let (Ok(new_account), Ok(new_admin)) = (account_input, admin_input) else {
            return Err(AppError::Validation(errors));
        };
        let password_hash = crate::passwords::hash(new_admin.password.expose().to_string()).await?;
        let now = Timestamp::from_unix_ms(switchboard_store::now_ms());
        let mut tx = self.db().begin().await?;
        if only_if_first && accounts::count(&mut tx).await? > 0 {
            return Err(AppError::Conflict(FieldErrors::single("account", "this instance is already set up")));
        }
        let account_id = AccountId::from_i64(self.db().new_id());
        let created = Account {
            id: account_id,
            name: new_account.name.to_string(),
            slug: new_account.slug.as_str().to_string(),
            default_locale: new_account.default_locale,
            time_zone: new_account.time_zone.as_str().to_string(),
            created_at: now,
        };
        accounts::insert(&mut tx, &created).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(FieldErrors::single("account.slug", "is already taken")),
            other => other,
        })?;
        audit_repo::start_chain(&mut tx, account_id).await?;
        switchboard_store::repo::outbox::start_stream(&mut tx, account_id).await?;
        let mut admin_role = None;
        for builtin in BuiltinRole::ALL {
            let role = Role {
                id: RoleId::from_i64(self.db().new_id()),
                name: builtin_role_name(builtin, created.default_locale).to_string(),
                builtin: Some(builtin),
                permissions: builtin.permissions(),
                data_scope: builtin.data_scope(),
                created_at: now,
                updated_at: now,
            };
            roles::insert(&mut tx, account_id, &role).await?;
            if builtin == BuiltinRole::Admin {
                admin_role = Some(role.id);
            }
        }
        let admin_role = admin_role.ok_or_else(|| AppError::Internal("admin role missing".into()))?;
        let user = User {
            id: UserId::from_i64(self.db().new_id()),
            name: new_admin.name.to_string(),
            email: new_admin.email.to_string(),
            role_id: admin_role,
            locale: new_admin.locale.unwrap_or(created.default_locale),
            time_zone: new_admin.time_zone.map(|t| t.as_str().to_string()).unwrap_or_else(|| created.time_zone.clone()),
            active: true,
            team_ids: Vec::new(),
            created_at: now,
            updated_at: now,
            last_sign_in_at: None,
        };
        users::insert(&mut tx, account_id, &user, &password_hash).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict(FieldErrors::single("admin.email", "is already taken")),
            other => other,
        })?;
        let mut actor = Actor::system(account_id, &origin.label);
        actor.ip = origin.ip.clone();
        actor.user_agent = origin.user_agent.clone();
        record(
            self,
            &mut tx,
            &actor,
            "account.create",
            ("account", Some(account_id.as_i64())),
            NOTHING,
            Some(&created),
        )
        .await?;
        record(self, &mut tx, &actor, "user.create", ("user", Some(user.id.as_i64())), NOTHING, Some(&user)).await?;
        tx.commit().await?;
        self.committed(account_id);
        Ok((created, user))
    }

    pub async fn account(&self, actor: &Actor) -> Result<Account, AppError> {
        actor.require(Permission::AccountRead)?;
        let mut conn = self.db().read().await?;
        accounts::get_by_id(&mut conn, actor.account_id).await?.ok_or(AppError::NotFound)
    }

    pub async fn update_account(&self, actor: &Actor, input: &AccountUpdateInput) -> Result<Account, AppError> {
        actor.require(Permission::AccountManage)?;
        let change = input.validate()?;
        let mut tx = self.db().begin().await?;
        let before = accounts::get_by_id(&mut tx, actor.account_id).await?.ok_or(AppError::NotFound)?;
        let mut after = before.clone();
        if let Some(name) = change.name {
            after.name = name.to_string();
        }
        if let Some(locale) = change.default_locale {
            after.default_locale = locale;
        }
        if let Some(tz) = change.time_zone {
            after.time_zone = tz.as_str().to_string();
        }
        accounts::update(&mut tx, &after, Timestamp::from_unix_ms(switchboard_store::now_ms())).await?;
        record(
            self,
            &mut tx,
            actor,
            "account.update",
            ("account", Some(after.id.as_i64())),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(after)
    }

    /// Instance-level listing for the operator (CLI); not reachable from the web.
    pub async fn list_accounts_for_operator(&self) -> Result<Vec<Account>, AppError> {
        let mut conn = self.db().read().await?;
        Ok(accounts::list(&mut conn).await?)
    }

    /// How many accounts this server hosts (the sign-in page asks for the account when more than one).
    pub async fn account_count(&self) -> Result<i64, AppError> {
        let mut conn = self.db().read().await?;
        Ok(accounts::count(&mut conn).await?)
    }

    pub async fn account_by_slug(&self, slug: &str) -> Result<Option<Account>, AppError> {
        let mut conn = self.db().read().await?;
        Ok(accounts::get_by_slug(&mut conn, slug.trim()).await?)
    }

    /// True until the first account exists (the setup page is open only then).
    pub async fn needs_setup(&self) -> Result<bool, AppError> {
        let mut conn = self.db().read().await?;
        Ok(accounts::count(&mut conn).await? == 0)
    }
}

/// The name a built-in role gets in a new account, in the account's language.
pub fn builtin_role_name(role: BuiltinRole, locale: Locale) -> &'static str {
    match (role, locale) {
        (BuiltinRole::Agent, Locale::ZhCn) => "客服",
        (BuiltinRole::Supervisor, Locale::ZhCn) => "主管",
        (BuiltinRole::Admin, Locale::ZhCn) => "管理员",
        (BuiltinRole::Agent, Locale::En) => "Agent",
        (BuiltinRole::Supervisor, Locale::En) => "Supervisor",
        (BuiltinRole::Admin, Locale::En) => "Admin",
    }
}
