//! The entities of the foundation: accounts, users, teams, roles, tokens, sessions, audit entries.
//! They are what services return; the web layer shows them as they are (no secrets inside).

use crate::ids::*;
use crate::permissions::{BuiltinRole, DataScope, Permission};
use crate::time::Timestamp;
use crate::values::Locale;
use serde::Serialize;
use utoipa::ToSchema;

/// A tenant: one company with its own users, channels and data.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub slug: String,
    pub default_locale: Locale,
    pub time_zone: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role_id: RoleId,
    pub locale: Locale,
    pub time_zone: String,
    pub active: bool,
    pub team_ids: Vec<TeamId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_sign_in_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub description: String,
    pub member_ids: Vec<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    /// Set for the three roles every account has; those cannot be changed.
    pub builtin: Option<BuiltinRole>,
    pub permissions: Vec<Permission>,
    pub data_scope: DataScope,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Role {
    pub fn allows(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// An API token as listed: the secret itself is shown once, at creation, and stored only hashed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    /// The permissions the token carries, a subset of its user's.
    pub scopes: Vec<Permission>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A web session as the user sees it in "my sessions".
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SessionInfo {
    pub id: SessionId,
    pub ip: String,
    pub user_agent: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// True for the session making the request.
    pub current: bool,
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    Token,
    System,
    Anonymous,
}

impl ActorKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Token => "token",
            Self::System => "system",
            Self::Anonymous => "anonymous",
        }
    }
    pub fn parse(name: &str) -> Self {
        match name {
            "user" => Self::User,
            "token" => Self::Token,
            "system" => Self::System,
            _ => Self::Anonymous,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: AuditEntryId,
    /// Position in the account's chain, from 1.
    pub seq: i64,
    pub at: Timestamp,
    pub actor_kind: ActorKind,
    #[schema(value_type = Option<String>)]
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub ip: String,
    pub user_agent: String,
    /// What happened, such as `user.create` or `session.sign_in_failed`.
    pub action: String,
    pub target_kind: String,
    #[schema(value_type = Option<String>)]
    pub target_id: Option<i64>,
    /// The object before the change (JSON), if any.
    pub before: Option<serde_json::Value>,
    /// The object after the change (JSON), if any.
    pub after: Option<serde_json::Value>,
    pub hash: String,
}
