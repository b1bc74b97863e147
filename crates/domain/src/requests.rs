//! Requests as every door builds them (REST, UI forms, CLI): a raw input with optional fields that
//! deserialises from JSON or a form, and its validated counterpart built by `validate`.

use crate::errors::FieldErrors;
use crate::ids::{RoleId, TeamId, UserId};
use crate::permissions::{DataScope, Permission};
use crate::time::Timestamp;
use crate::values::{Email, Locale, Name, NewPassword, Slug, TimeZoneName};
use serde::Deserialize;
use utoipa::ToSchema;

fn required<'a>(errors: &mut FieldErrors, field: &str, value: &'a Option<String>) -> Option<&'a str> {
    match value.as_deref() {
        Some(text) => Some(text),
        None => {
            errors.add(field, "is required");
            None
        }
    }
}

fn description(errors: &mut FieldErrors, value: Option<&str>) -> Option<String> {
    let text = value.unwrap_or("").trim().to_string();
    if text.chars().count() > 2000 {
        errors.add("description", "must be at most 2000 characters");
        return None;
    }
    Some(text)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewAccountInput {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub default_locale: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: Name,
    pub slug: Slug,
    pub default_locale: Locale,
    pub time_zone: TimeZoneName,
}

impl NewAccountInput {
    pub fn validate(&self) -> Result<NewAccount, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required(&mut e, "name", &self.name).and_then(|v| e.check("name", Name::parse(v)));
        let slug = match self.slug.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(text) => e.check("slug", Slug::parse(text)),
            None => name.as_ref().map(|n| Slug::from_name(n.as_str())),
        };
        let default_locale = match self.default_locale.as_deref() {
            Some(text) => e.check("default_locale", Locale::parse(text)),
            None => Some(Locale::ZhCn),
        };
        let time_zone = match self.time_zone.as_deref() {
            Some(text) => e.check("time_zone", TimeZoneName::parse(text)),
            None => Some(TimeZoneName::utc()),
        };
        match (name, slug, default_locale, time_zone) {
            (Some(name), Some(slug), Some(default_locale), Some(time_zone)) if e.is_empty() => {
                Ok(NewAccount { name, slug, default_locale, time_zone })
            }
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AccountUpdateInput {
    pub name: Option<String>,
    pub default_locale: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub name: Option<Name>,
    pub default_locale: Option<Locale>,
    pub time_zone: Option<TimeZoneName>,
}

impl AccountUpdateInput {
    pub fn validate(&self) -> Result<AccountUpdate, FieldErrors> {
        let mut e = FieldErrors::new();
        let update = AccountUpdate {
            name: self.name.as_deref().and_then(|v| e.check("name", Name::parse(v))),
            default_locale: self.default_locale.as_deref().and_then(|v| e.check("default_locale", Locale::parse(v))),
            time_zone: self.time_zone.as_deref().and_then(|v| e.check("time_zone", TimeZoneName::parse(v))),
        };
        e.into_result().map(|_| update)
    }
}

/// A new user. `role` is a role id or a built-in role key (`agent`, `supervisor`, `admin`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewUserInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub role: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    #[serde(default)]
    pub team_ids: Vec<TeamId>,
}

/// Names a role: by id, or by the key of a built-in role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    Id(RoleId),
    Key(String),
}

impl RoleRef {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match text.parse::<RoleId>() {
            Ok(id) => Some(Self::Id(id)),
            Err(_) => Some(Self::Key(text.to_string())),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: Name,
    pub email: Email,
    pub password: NewPassword,
    pub role: RoleRef,
    pub locale: Option<Locale>,
    pub time_zone: Option<TimeZoneName>,
    pub team_ids: Vec<TeamId>,
}

impl NewUserInput {
    pub fn validate(&self) -> Result<NewUser, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required(&mut e, "name", &self.name).and_then(|v| e.check("name", Name::parse(v)));
        let email = required(&mut e, "email", &self.email).and_then(|v| e.check("email", Email::parse(v)));
        let password =
            required(&mut e, "password", &self.password).and_then(|v| e.check("password", NewPassword::parse(v)));
        let role = match self.role.as_deref().map(RoleRef::parse) {
            Some(Some(role)) => Some(role),
            Some(None) => {
                e.add("role", "is required");
                None
            }
            None => Some(RoleRef::Key("agent".to_string())),
        };
        let locale = self.locale.as_deref().filter(|v| !v.is_empty()).and_then(|v| e.check("locale", Locale::parse(v)));
        let time_zone = self
            .time_zone
            .as_deref()
            .filter(|v| !v.is_empty())
            .and_then(|v| e.check("time_zone", TimeZoneName::parse(v)));
        match (name, email, password, role) {
            (Some(name), Some(email), Some(password), Some(role)) if e.is_empty() => {
                Ok(NewUser { name, email, password, role, locale, time_zone, team_ids: self.team_ids.clone() })
            }
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UserUpdateInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub active: Option<bool>,
    pub team_ids: Option<Vec<TeamId>>,
}

#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub name: Option<Name>,
    pub email: Option<Email>,
    pub role: Option<RoleRef>,
    pub locale: Option<Locale>,
    pub time_zone: Option<TimeZoneName>,
    pub active: Option<bool>,
    pub team_ids: Option<Vec<TeamId>>,
}

impl UserUpdateInput {
    pub fn validate(&self) -> Result<UserUpdate, FieldErrors> {
        let mut e = FieldErrors::new();
        let role = match self.role.as_deref() {
            Some(text) => match RoleRef::parse(text) {
                Some(role) => Some(role),
                None => {
                    e.add("role", "is required");
                    None
                }
            },
            None => None,
        };
        let update = UserUpdate {
            name: self.name.as_deref().and_then(|v| e.check("name", Name::parse(v))),
            email: self.email.as_deref().and_then(|v| e.check("email", Email::parse(v))),
            role,
            locale: self.locale.as_deref().and_then(|v| e.check("locale", Locale::parse(v))),
            time_zone: self.time_zone.as_deref().and_then(|v| e.check("time_zone", TimeZoneName::parse(v))),
            active: self.active,
            team_ids: self.team_ids.clone(),
        };
        e.into_result().map(|_| update)
    }
}

/// A signed-in user's change to their own profile; a new password needs the current one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProfileUpdateInput {
    pub name: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub name: Option<Name>,
    pub locale: Option<Locale>,
    pub time_zone: Option<TimeZoneName>,
    /// (current password as typed, new password)
    pub password_change: Option<(String, NewPassword)>,
}

impl ProfileUpdateInput {
    pub fn validate(&self) -> Result<ProfileUpdate, FieldErrors> {
        let mut e = FieldErrors::new();
        let password_change = match self.new_password.as_deref().filter(|v| !v.is_empty()) {
            Some(new) => {
                let current = self.current_password.clone().unwrap_or_default();
                if current.is_empty() {
                    e.add("current_password", "is required to set a new password");
                }
                e.check("new_password", NewPassword::parse(new)).map(|p| (current, p))
            }
            None => None,
        };
        let update = ProfileUpdate {
            name: self.name.as_deref().and_then(|v| e.check("name", Name::parse(v))),
            locale: self.locale.as_deref().and_then(|v| e.check("locale", Locale::parse(v))),
            time_zone: self.time_zone.as_deref().and_then(|v| e.check("time_zone", TimeZoneName::parse(v))),
            password_change,
        };
        e.into_result().map(|_| update)
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TeamInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub member_ids: Option<Vec<UserId>>,
}

#[derive(Debug, Clone)]
pub struct TeamChange {
    pub name: Option<Name>,
    pub description: Option<String>,
    pub member_ids: Option<Vec<UserId>>,
}

impl TeamInput {
    /// For creation the name is required; for an update every field is optional.
    pub fn validate(&self, creating: bool) -> Result<TeamChange, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match (&self.name, creating) {
            (Some(v), _) => e.check("name", Name::parse(v)),
            (None, true) => {
                e.add("name", "is required");
                None
            }
            (None, false) => None,
        };
        let description = match self.description.as_deref() {
            Some(v) => description(&mut e, Some(v)),
            None if creating => Some(String::new()),
            None => None,
        };
        let change = TeamChange { name, description, member_ids: self.member_ids.clone() };
        e.into_result().map(|_| change)
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RoleInput {
    pub name: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub data_scope: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RoleChange {
    pub name: Option<Name>,
    pub permissions: Option<Vec<Permission>>,
    pub data_scope: Option<DataScope>,
}

fn parse_permissions(e: &mut FieldErrors, field: &str, names: &[String]) -> Option<Vec<Permission>> {
    let mut permissions = Vec::new();
    for name in names {
        match Permission::parse(name) {
            Some(p) if !permissions.contains(&p) => permissions.push(p),
            Some(_) => {}
            None => {
                e.add(field, format!("unknown permission `{name}`"));
                return None;
            }
        }
    }
    permissions.sort();
    Some(permissions)
}

impl RoleInput {
    pub fn validate(&self, creating: bool) -> Result<RoleChange, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = match (&self.name, creating) {
            (Some(v), _) => e.check("name", Name::parse(v)),
            (None, true) => {
                e.add("name", "is required");
                None
            }
            (None, false) => None,
        };
        let permissions = match &self.permissions {
            Some(names) => parse_permissions(&mut e, "permissions", names),
            None if creating => Some(Vec::new()),
            None => None,
        };
        let data_scope = match self.data_scope.as_deref() {
            Some(v) => match DataScope::parse(v) {
                Some(scope) => Some(scope),
                None => {
                    e.add("data_scope", "must be own, teams or account");
                    None
                }
            },
            None if creating => Some(DataScope::Own),
            None => None,
        };
        let change = RoleChange { name, permissions, data_scope };
        e.into_result().map(|_| change)
    }
}

/// A new API token. Without scopes it carries all of its user's permissions.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewTokenInput {
    pub name: Option<String>,
    pub scopes: Option<Vec<String>>,
    /// Days until the token expires; none means it does not expire.
    pub expires_in_days: Option<i64>,
    /// For admins with `tokens.manage`: create the token for another user.
    pub user_id: Option<UserId>,
}

#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: Name,
    pub scopes: Option<Vec<Permission>>,
    pub expires_in_days: Option<i64>,
    pub user_id: Option<UserId>,
}

impl NewTokenInput {
    pub fn validate(&self) -> Result<NewToken, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required(&mut e, "name", &self.name).and_then(|v| e.check("name", Name::parse(v)));
        let scopes = match &self.scopes {
            Some(names) if !names.is_empty() => parse_permissions(&mut e, "scopes", names),
            _ => None,
        };
        if let Some(days) = self.expires_in_days
            && !(1..=3650).contains(&days)
        {
            e.add("expires_in_days", "must be between 1 and 3650");
        }
        match name {
            Some(name) if e.is_empty() => {
                Ok(NewToken { name, scopes, expires_in_days: self.expires_in_days, user_id: self.user_id })
            }
            _ => Err(e),
        }
    }
}

/// Filters for browsing the audit log.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_user_names_every_bad_field() {
        let input = NewUserInput { email: Some("nope".into()), password: Some("short".into()), ..Default::default() };
        let errors = input.validate().unwrap_err();
        assert_eq!(errors.get("name"), Some("is required"));
        assert!(errors.get("email").is_some());
        assert!(errors.get("password").is_some());
    }

    #[test]
    fn role_input_rejects_unknown_permissions() {
        let input =
            RoleInput { name: Some("QA".into()), permissions: Some(vec!["users.fly".into()]), data_scope: None };
        assert!(input.validate(true).unwrap_err().get("permissions").is_some());
    }
}
