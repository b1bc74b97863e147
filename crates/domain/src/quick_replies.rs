//! Quick replies: canned answers an agent inserts by typing `/` and a shortcut, with variables such
//! as `{{contact.name}}` filled in for the conversation at hand.

use crate::errors::FieldErrors;
use crate::ids::*;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Who sees a quick reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuickReplyScope {
    /// Only its author.
    Personal,
    /// The members of a team.
    Team,
    /// Everyone in the account.
    Account,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QuickReply {
    pub id: QuickReplyId,
    pub scope: QuickReplyScope,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    /// Typed after `/` in the reply box, e.g. `refund`.
    pub shortcut: String,
    pub title: String,
    /// The text, with variables like `{{contact.name}}`.
    pub body: String,
    pub category: String,
    /// `body` with the variables of the conversation filled in (when one was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A new quick reply or a change; absent fields keep their value on a change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct QuickReplyInput {
    /// `personal` (default), `team` (with `team_id`) or `account`.
    pub scope: Option<QuickReplyScope>,
    pub team_id: Option<TeamId>,
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub category: Option<String>,
}

/// A checked quick reply's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidQuickReply {
    pub scope: QuickReplyScope,
    pub team_id: Option<TeamId>,
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub category: String,
}

/// The variables a body may use.
pub const VARIABLES: &[&str] =
    &["contact.name", "contact.email", "contact.phone", "agent.name", "conversation.id", "account.name"];

impl QuickReplyInput {
    /// Applies the input over `current` (None for a new one) and checks the result.
    pub fn apply(&self, current: Option<&QuickReply>) -> Result<ValidQuickReply, FieldErrors> {
        let mut e = FieldErrors::new();
        let scope = self.scope.or(current.map(|c| c.scope)).unwrap_or(QuickReplyScope::Personal);
        let team_id =
            if scope == QuickReplyScope::Team { self.team_id.or(current.and_then(|c| c.team_id)) } else { None };
        if scope == QuickReplyScope::Team && team_id.is_none() {
            e.add("team_id", "is required for a team's quick reply");
        }
        let pick =
            |given: &Option<String>, old: Option<&String>| given.clone().or_else(|| old.cloned()).unwrap_or_default();
        let shortcut = pick(&self.shortcut, current.map(|c| &c.shortcut)).trim().trim_start_matches('/').to_lowercase();
        if shortcut.is_empty()
            || shortcut.chars().count() > 30
            || !shortcut.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            e.add("shortcut", "must be 1-30 letters, digits, - or _");
        }
        let title = pick(&self.title, current.map(|c| &c.title)).trim().to_string();
        if title.is_empty() || title.chars().count() > 100 {
            e.add("title", "must be 1-100 characters");
        }
        let body = pick(&self.body, current.map(|c| &c.body)).trim().to_string();
        if body.is_empty() || body.chars().count() > 5000 {
            e.add("body", "must be 1-5000 characters");
        }
        for name in variables_in(&body) {
            if !VARIABLES.contains(&name.as_str()) {
                e.add("body", format!("unknown variable {{{{{name}}}}}; known: {}", VARIABLES.join(", ")));
                break;
            }
        }
        let category = pick(&self.category, current.map(|c| &c.category)).trim().to_string();
        if category.chars().count() > 50 {
            e.add("category", "must be at most 50 characters");
        }
        if e.is_empty() { Ok(ValidQuickReply { scope, team_id, shortcut, title, body, category }) } else { Err(e) }
    }
}

/// The names inside `{{…}}` in a text.
pub fn variables_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    names
}

/// Fills in the variables that have a value; others stay as written.
pub fn render(body: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match values.get(name) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_and_unknown_ones_refused() {
        let values: BTreeMap<&str, String> =
            [("contact.name", "王小明".to_string()), ("agent.name", "李娜".to_string())].into_iter().collect();
        assert_eq!(
            render("{{ contact.name }}您好，我是{{agent.name}}。{{contact.email}}", &values),
            "王小明您好，我是李娜。{{contact.email}}"
        );
        assert_eq!(render("no vars {{ unterminated", &values), "no vars {{ unterminated");
        let bad = QuickReplyInput {
            shortcut: Some("/Refund".into()),
            title: Some("退款".into()),
            body: Some("Hi {{customer.nickname}}".into()),
            ..Default::default()
        };
        assert!(bad.apply(None).unwrap_err().get("body").is_some());
        let ok = QuickReplyInput { body: Some("Hi {{contact.name}}".into()), ..bad };
        let valid = ok.apply(None).unwrap();
        assert_eq!((valid.scope, valid.shortcut.as_str()), (QuickReplyScope::Personal, "refund"));
        let team = QuickReplyInput { scope: Some(QuickReplyScope::Team), ..ok };
        assert!(team.apply(None).unwrap_err().get("team_id").is_some());
    }
}
