//! API tokens: shown once, stored as a SHA-256 hash, scoped, revocable, with a last-used time.

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError, Page, PageRequest};
use serde::Serialize;
use sha2::{Digest, Sha256};
use switchboard_domain::entities::ApiToken;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::NewTokenInput;
use switchboard_domain::{Timestamp, TokenId};
use switchboard_store::repo::{roles, tokens, users};

/// A token just created: `secret` is shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// The prefix of every token secret, so secret scanners can recognise leaked ones.
pub const TOKEN_PREFIX: &str = "sbt_";

pub(crate) fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(crate) fn new_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

impl App {
    /// The actor's own tokens; with `tokens.manage`, every token of the account.
    pub async fn list_tokens(&self, actor: &Actor, page: &PageRequest) -> Result<Page<ApiToken>, AppError> {
        let only = if actor.can(Permission::TokensManage) {
            None
        } else {
            actor.require(Permission::TokensCreate)?;
            Some(actor.user_id().ok_or(AppError::Forbidden("tokens.create"))?)
        };
        let mut conn = self.db().read().await?;
        let rows = tokens::list(&mut conn, actor.account_id, only, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |t| t.id.as_i64()))
    }

    pub async fn create_token(&self, actor: &Actor, input: &NewTokenInput) -> Result<CreatedToken, AppError> {
        let new = input.validate()?;
        let for_self = new.user_id.is_none() || new.user_id == actor.user_id();
        if for_self {
            actor.require(Permission::TokensCreate)?;
        } else {
            actor.require(Permission::TokensManage)?;
        }
        let user_id = new.user_id.or(actor.user_id()).ok_or_else(|| AppError::field("user_id", "is required"))?;
        let mut tx = self.db().begin().await?;
        let user = users::get_by_id(&mut tx, actor.account_id, user_id)
            .await?
            .ok_or_else(|| AppError::field("user_id", "no such user"))?;
        if !user.active {
            return Err(AppError::field("user_id", "the user is deactivated"));
        }
        let role = roles::get_by_id(&mut tx, actor.account_id, user.role_id).await?.ok_or(AppError::NotFound)?;
        // A token never carries more than its user has, nor more than its creator has.
        let scopes = match new.scopes {
            Some(scopes) => {
                if let Some(extra) = scopes.iter().find(|p| !role.allows(**p) || !actor.can(**p)) {
                    return Err(AppError::field("scopes", format!("`{}` is more than the user may do", extra.name())));
                }
                scopes
            }
            None => role.permissions.iter().copied().filter(|p| actor.can(*p)).collect(),
        };
        let secret = new_secret(TOKEN_PREFIX);
        let at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        let token = ApiToken {
            id: TokenId::from_i64(self.db().new_id()),
            user_id,
            name: new.name.to_string(),
            prefix: secret.chars().take(TOKEN_PREFIX.len() + 6).collect(),
            scopes,
            created_at: at,
            expires_at: new.expires_in_days.map(|d| at.plus_seconds(d * 86_400)),
            last_used_at: None,
            revoked_at: None,
        };
        tokens::insert(&mut tx, actor.account_id, &token, &secret_hash(&secret)).await?;
        record(self, &mut tx, actor, "token.create", ("token", Some(token.id.as_i64())), NOTHING, Some(&token)).await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(CreatedToken { token, secret })
    }

    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<ApiToken, AppError> {
        let mut tx = self.db().begin().await?;
        let before = tokens::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        if !actor.can(Permission::TokensManage) {
            actor.require(Permission::TokensCreate)?;
            if actor.user_id() != Some(before.user_id) {
                // Someone else's token is, to this actor, a token that does not exist.
                return Err(AppError::NotFound);
            }
        }
        let at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        tokens::revoke(&mut tx, actor.account_id, id, at).await?;
        let mut after = before.clone();
        after.revoked_at = after.revoked_at.or(Some(at));
        record(self, &mut tx, actor, "token.revoke", ("token", Some(id.as_i64())), Some(&before), Some(&after)).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(after)
    }
}
