//! Named permissions, the built-in roles, and data scopes.
//!
//! A role is a set of permissions plus a data scope. The three built-in roles are fixed; admins may
//! define custom roles from the same catalogue. Every app service checks the actor's permissions.

use serde::{Deserialize, Serialize};

macro_rules! permissions {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// One thing an actor may do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission { $(#[doc = $doc] $variant,)* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];
            pub fn name(self) -> &'static str {
                match self { $(Permission::$variant => $name,)* }
            }
            pub fn description(self) -> &'static str {
                match self { $(Permission::$variant => $doc,)* }
            }
            pub fn parse(name: &str) -> Option<Permission> {
                match name.trim() { $($name => Some(Permission::$variant),)* _ => None }
            }
        }
    };
}

permissions! {
    AccountRead => "account.read", "See the account's name, language and time zone";
    AccountManage => "account.manage", "Change the account's settings";
    UsersRead => "users.read", "See the users of the account";
    UsersManage => "users.manage", "Create, change, deactivate users and reset their passwords";
    TeamsRead => "teams.read", "See teams and their members";
    TeamsManage => "teams.manage", "Create, change and delete teams and their members";
    RolesRead => "roles.read", "See roles and their permissions";
    RolesManage => "roles.manage", "Create, change and delete custom roles";
    TokensCreate => "tokens.create", "Create and revoke one's own API tokens";
    TokensManage => "tokens.manage", "See and revoke every API token of the account";
    AuditRead => "audit.read", "Browse the audit log";
    AuditExport => "audit.export", "Export the audit log as CSV";
    ConversationsReply => "conversations.reply", "Open conversations, reply, add notes, resolve and reopen (within the data scope)";
    ConversationsAssign => "conversations.assign", "Assign conversations to any agent or team (within the data scope)";
    ChannelsRead => "channels.read", "See the account's channels";
    ChannelsManage => "channels.manage", "Create and change channels";
    KbRead => "kb.read", "Read and search knowledge-base articles and FAQ entries, including drafts";
    KbManage => "kb.manage", "Write, publish, archive, restore, import and export the knowledge base";
    QuickRepliesManage => "quick_replies.manage", "Create and change quick replies shared with a team or the whole account";
    RoutingMonitor => "routing.monitor", "Watch queues and agents' presence, and move waiting conversations";
    RoutingManage => "routing.manage", "Change routing rules, queue settings, capacities and presence timers";
}

impl Serialize for Permission {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Permission::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown permission `{name}`")))
    }
}

impl utoipa::PartialSchema for Permission {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Permission::ALL.iter().map(|p| p.name())))
            .into()
    }
}
impl utoipa::ToSchema for Permission {}

/// Which conversations and tickets a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataScope {
    /// Assigned to the user, or waiting unassigned in one of the user's teams.
    Own,
    /// Everything of the user's teams, and the user's own.
    Teams,
    /// Everything in the account.
    Account,
}

impl DataScope {
    pub fn name(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Teams => "teams",
            Self::Account => "account",
        }
    }
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "own" => Some(Self::Own),
            "teams" => Some(Self::Teams),
            "account" => Some(Self::Account),
            _ => None,
        }
    }
}

/// The roles every account has; they cannot be changed or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinRole {
    Agent,
    Supervisor,
    Admin,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 3] = [Self::Agent, Self::Supervisor, Self::Admin];

    pub fn key(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Supervisor => "supervisor",
            Self::Admin => "admin",
        }
    }
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key.trim())
    }
    pub fn data_scope(self) -> DataScope {
        match self {
            Self::Agent => DataScope::Own,
            Self::Supervisor => DataScope::Teams,
            Self::Admin => DataScope::Account,
        }
    }
    pub fn permissions(self) -> Vec<Permission> {
        use Permission::*;
        match self {
            Self::Agent => {
                vec![AccountRead, UsersRead, TeamsRead, TokensCreate, ConversationsReply, ChannelsRead, KbRead]
            }
            Self::Supervisor => vec![
                AccountRead,
                UsersRead,
                TeamsRead,
                RolesRead,
                TokensCreate,
                ConversationsReply,
                ConversationsAssign,
                ChannelsRead,
                KbRead,
                KbManage,
                QuickRepliesManage,
                RoutingMonitor,
            ],
            Self::Admin => Permission::ALL.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_admin_has_everything() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.name()), Some(*p));
        }
        assert_eq!(BuiltinRole::Admin.permissions().len(), Permission::ALL.len());
        assert!(!BuiltinRole::Agent.permissions().contains(&Permission::UsersManage));
    }
}
