//! The one `Actor` per request: who acts, in which account, with which permissions.

use crate::AppError;
use switchboard_domain::entities::ActorKind;
use switchboard_domain::permissions::{DataScope, Permission};
use switchboard_domain::values::Locale;
use switchboard_domain::{AccountId, SessionId, TeamId, TokenId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in person (web session).
    User { user_id: UserId, session_id: SessionId },
    /// An API token acting for its user.
    Token { token_id: TokenId, user_id: UserId },
    /// The operator at the command line, or the system itself.
    System { label: String },
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: AccountId,
    pub principal: Principal,
    /// Shown in the audit log: the user's name, or the system label.
    pub name: String,
    pub permissions: Vec<Permission>,
    pub data_scope: DataScope,
    pub team_ids: Vec<TeamId>,
    pub locale: Locale,
    pub time_zone: String,
    pub ip: String,
    pub user_agent: String,
}

impl Actor {
    /// The system acting in an account with every permission (CLI, setup, jobs).
    pub fn system(account_id: AccountId, label: &str) -> Self {
        Self {
            account_id,
            principal: Principal::System { label: label.to_string() },
            name: label.to_string(),
            permissions: Permission::ALL.to_vec(),
            data_scope: DataScope::Account,
            team_ids: Vec::new(),
            locale: Locale::En,
            time_zone: "UTC".to_string(),
            ip: String::new(),
            user_agent: String::new(),
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// Refuses with 403 when the actor lacks the permission.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) { Ok(()) } else { Err(AppError::Forbidden(permission.name())) }
    }

    /// The user behind a session or token.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.principal {
            Principal::User { user_id, .. } | Principal::Token { user_id, .. } => Some(*user_id),
            Principal::System { .. } => None,
        }
    }

    pub fn session_id(&self) -> Option<SessionId> {
        match &self.principal {
            Principal::User { session_id, .. } => Some(*session_id),
            _ => None,
        }
    }

    pub fn kind(&self) -> ActorKind {
        match self.principal {
            Principal::User { .. } => ActorKind::User,
            Principal::Token { .. } => ActorKind::Token,
            Principal::System { .. } => ActorKind::System,
        }
    }

    /// The id recorded in the audit log: the user for sessions and tokens.
    pub fn audit_id(&self) -> Option<i64> {
        self.user_id().map(|u| u.as_i64())
    }
}
