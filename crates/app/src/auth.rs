//! Sign-in, web sessions and API-token authentication, with throttling of failed sign-ins per
//! identity (account + email) and per IP, shared across nodes through the database.

use crate::audit::{NOTHING, record};
use crate::credential_cache::Resolved;
use crate::tokens::{new_secret, secret_hash};
use crate::{Actor, App, AppError, Principal, SignInLimits};
use std::sync::Arc;
use switchboard_domain::entities::{Account, SessionInfo, User};
use switchboard_domain::permissions::Permission;
use switchboard_domain::{SessionId, TeamId, Timestamp};
use switchboard_store::AnyConnection;
use switchboard_store::repo::credentials::{self, Holder};
use switchboard_store::repo::throttle::{self, ThrottleState};
use switchboard_store::repo::{accounts, sessions, tokens, users};

/// A sign-in attempt as the form or API sends it.
#[derive(Debug, Clone, Default)]
pub struct SignIn {
    /// The account's slug; may be empty when the instance has one account.
    pub account: String,
    pub email: String,
    pub password: String,
    pub ip: String,
    pub user_agent: String,
}

/// A successful sign-in: the cookie secret (shown once) and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session_secret: String,
    pub csrf_token: String,
    pub session_id: SessionId,
    pub expires_at: Timestamp,
    pub user: User,
    pub account: Account,
}

const SESSION_PREFIX: &str = "sbs_";
/// Last-seen and last-used times are written at most this often, to keep reads read-only.
const TOUCH_EVERY_MS: i64 = 60_000;

fn retry_after(state: &ThrottleState, now: i64) -> Option<i64> {
    (state.locked_until > now).then(|| ((state.locked_until - now) + 999) / 1000)
}

/// The throttle state after one more failure: a new window when the old one ended, and a
/// lockout once `max` failures fall in one window.
fn after_failure(mut state: ThrottleState, now: i64, limits: &SignInLimits, max: i64) -> ThrottleState {
    if now - state.window_started_at > limits.window_seconds * 1000 {
        state.failures = 0;
        state.window_started_at = now;
    }
    state.failures += 1;
    if state.failures >= max {
        state.locked_until = now + limits.lockout_seconds * 1000;
        state.failures = 0;
        state.window_started_at = now;
    }
    state
}

/// Builds the actor for a credential's holder; `scopes` narrows a token's permissions.
fn holder_actor(
    holder: &Holder,
    team_ids: &[TeamId],
    principal: Principal,
    scopes: Option<&[Permission]>,
    ip: &str,
    user_agent: &str,
) -> Result<Actor, AppError> {
    if !holder.user.active {
        return Err(AppError::Unauthenticated);
    }
    let permissions = match scopes {
        Some(scopes) => holder.role.permissions.iter().copied().filter(|p| scopes.contains(p)).collect(),
        None => holder.role.permissions.clone(),
    };
    Ok(Actor {
        account_id: holder.account_id,
        principal,
        name: holder.user.name.clone(),
        permissions,
        data_scope: holder.role.data_scope,
        team_ids: team_ids.to_vec(),
        locale: holder.user.locale,
        time_zone: holder.user.time_zone.clone(),
        ip: ip.to_string(),
        user_agent: user_agent.to_string(),
    })
}

impl App {
    pub async fn sign_in(&self, attempt: &SignIn) -> Result<SignedIn, AppError> {
        let now = switchboard_store::now_ms();
        let limits = self.settings().sign_in.clone();
        let email = attempt.email.trim().to_lowercase();
        let mut conn = self.db().read().await?;
        let account = if attempt.account.trim().is_empty() {
            match accounts::count(&mut conn).await? {
                0 => None,
                1 => accounts::list(&mut conn).await?.into_iter().next(),
                _ => return Err(AppError::field("account", "is required: this server hosts several accounts")),
            }
        } else {
            accounts::get_by_slug(&mut conn, &attempt.account.trim().to_lowercase()).await?
        };
        let identity_key = format!("{}:{email}", account.as_ref().map(|a| a.id.as_i64()).unwrap_or(0));
        let ip_state = throttle::get_state(&mut conn, "ip", &attempt.ip).await?;
        let identity_state = throttle::get_state(&mut conn, "identity", &identity_key).await?;
        if let Some(seconds) = retry_after(&ip_state, now).or(retry_after(&identity_state, now)) {
            return Err(AppError::Throttled { retry_after_seconds: seconds });
        }
        let found = match &account {
            Some(a) => users::get_by_email_with_hash(&mut conn, a.id, &email).await?,
            None => None,
        };
        drop(conn);
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let password_ok = crate::passwords::verify(attempt.password.clone(), hash).await;
        let mut tx = self.db().begin().await?;
        match (account, user) {
            (Some(account), Some(user)) if password_ok && user.active => {
                throttle::clear(&mut tx, "identity", &identity_key).await?;
                let session = self.start_session(&mut tx, &account, &user, attempt, now).await?;
                tx.commit().await?;
                self.committed(session.account.id);
                Ok(session)
            }
            (account, user) => {
                let ip_after = after_failure(ip_state, now, &limits, limits.max_failures_per_ip);
                let identity_after = after_failure(identity_state, now, &limits, limits.max_failures_per_identity);
                throttle::put_state(&mut tx, "ip", &attempt.ip, ip_after).await?;
                throttle::put_state(&mut tx, "identity", &identity_key, identity_after).await?;
                if let Some(account) = &account {
                    let mut actor = Actor::system(account.id, "sign-in");
                    actor.name = email.clone();
                    actor.ip = attempt.ip.clone();
                    actor.user_agent = attempt.user_agent.clone();
                    let reason = match &user {
                        None => "unknown email",
                        Some(u) if !u.active => "deactivated user",
                        Some(_) => "wrong password",
                    };
                    let detail = serde_json::json!({ "email": email, "reason": reason });
                    let target = ("user", user.as_ref().map(|u| u.id.as_i64()));
                    record(self, &mut tx, &actor, "session.sign_in_failed", target, NOTHING, Some(&detail)).await?;
                }
                tx.commit().await?;
                match retry_after(&ip_after, now).or(retry_after(&identity_after, now)) {
                    Some(seconds) => Err(AppError::Throttled { retry_after_seconds: seconds }),
                    None => Err(AppError::InvalidCredentials),
                }
            }
        }
    }

    async fn start_session(
        &self,
        conn: &mut AnyConnection,
        account: &Account,
        user: &User,
        attempt: &SignIn,
        now: i64,
    ) -> Result<SignedIn, AppError> {
        let secret = new_secret(SESSION_PREFIX);
        let csrf_token = new_secret("");
        let at = Timestamp::from_unix_ms(now);
        let row = sessions::SessionRow {
            account_id: account.id,
            id: SessionId::from_i64(self.db().new_id()),
            user_id: user.id,
            csrf_token: csrf_token.clone(),
            ip: attempt.ip.clone(),
            user_agent: attempt.user_agent.chars().take(300).collect(),
            created_at: at,
            last_seen_at: at,
            expires_at: at.plus_seconds(self.settings().session_absolute_seconds),
            revoked_at: None,
        };
        sessions::insert(conn, &row, &secret_hash(&secret)).await?;
        users::set_last_sign_in(conn, account.id, user.id, at).await?;
        let actor = Actor {
            principal: Principal::User { user_id: user.id, session_id: row.id },
            name: user.name.clone(),
            ip: attempt.ip.clone(),
            user_agent: row.user_agent.clone(),
            ..Actor::system(account.id, "sign-in")
        };
        let detail = serde_json::json!({ "session_id": row.id });
        record(self, conn, &actor, "session.sign_in", ("user", Some(user.id.as_i64())), NOTHING, Some(&detail)).await?;
        Ok(SignedIn {
            session_secret: secret,
            csrf_token,
            session_id: row.id,
            expires_at: row.expires_at,
            user: user.clone(),
            account: account.clone(),
        })
    }

    /// What a credential resolves to, from the per-node cache or the database.
    async fn resolve(&self, secret_hash: &str, session: bool) -> Result<Option<Arc<Resolved>>, AppError> {
        if let Some(found) = self.credentials.get(secret_hash) {
            return Ok(Some(found));
        }
        let mut conn = self.db().read().await?;
        let resolved = if session {
            match credentials::session(&mut conn, secret_hash).await? {
                Some((row, holder)) => {
                    let teams = holder.user.team_ids.clone();
                    Some(Resolved::Session(row, holder, teams))
                }
                None => None,
            }
        } else {
            match credentials::token(&mut conn, secret_hash).await? {
                Some((token, holder)) => {
                    let teams = holder.user.team_ids.clone();
                    Some(Resolved::Token(token, holder, teams))
                }
                None => None,
            }
        };
        let resolved = resolved.map(Arc::new);
        if let Some(found) = &resolved {
            self.credentials.put(secret_hash.to_string(), found.clone());
        }
        Ok(resolved)
    }

    /// The actor behind a session cookie, and the session's CSRF token.
    pub async fn authenticate_session(
        &self,
        secret: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<(Actor, String), AppError> {
        if !secret.starts_with(SESSION_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let now = switchboard_store::now_ms();
        let hash = secret_hash(secret);
        let resolved = self.resolve(&hash, true).await?;
        let Some(Resolved::Session(row, holder, teams)) = resolved.as_deref() else {
            return Err(AppError::Unauthenticated);
        };
        let idle_limit = self.settings().session_idle_seconds * 1000;
        if row.revoked_at.is_some() || row.expires_at.unix_ms() <= now || now - row.last_seen_at.unix_ms() > idle_limit
        {
            return Err(AppError::Unauthenticated);
        }
        let principal = Principal::User { user_id: row.user_id, session_id: row.id };
        let actor = holder_actor(holder, teams, principal, None, ip, user_agent)?;
        if now - row.last_seen_at.unix_ms() > TOUCH_EVERY_MS {
            let mut tx = self.db().begin().await?;
            sessions::touch(&mut tx, row.account_id, row.id, Timestamp::from_unix_ms(now)).await?;
            tx.commit().await?;
            let mut touched = row.clone();
            touched.last_seen_at = Timestamp::from_unix_ms(now);
            self.credentials.put(hash, Arc::new(Resolved::Session(touched, holder.clone(), teams.clone())));
        }
        Ok((actor, row.csrf_token.clone()))
    }

    /// The actor behind an API token (`Authorization: Bearer sbt_...`).
    pub async fn authenticate_token(&self, secret: &str, ip: &str, user_agent: &str) -> Result<Actor, AppError> {
        if !secret.starts_with(crate::tokens::TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let now = switchboard_store::now_ms();
        let hash = secret_hash(secret);
        let resolved = self.resolve(&hash, false).await?;
        let Some(Resolved::Token(token, holder, teams)) = resolved.as_deref() else {
            return Err(AppError::Unauthenticated);
        };
        if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e.unix_ms() <= now) {
            return Err(AppError::Unauthenticated);
        }
        let principal = Principal::Token { token_id: token.id, user_id: token.user_id };
        let actor = holder_actor(holder, teams, principal, Some(&token.scopes), ip, user_agent)?;
        if token.last_used_at.is_none_or(|t| now - t.unix_ms() > TOUCH_EVERY_MS) {
            let mut tx = self.db().begin().await?;
            tokens::touch(&mut tx, holder.account_id, token.id, Timestamp::from_unix_ms(now)).await?;
            tx.commit().await?;
            let mut touched = token.clone();
            touched.last_used_at = Some(Timestamp::from_unix_ms(now));
            self.credentials.put(hash, Arc::new(Resolved::Token(touched, holder.clone(), teams.clone())));
        }
        Ok(actor)
    }

    pub async fn sign_out(&self, actor: &Actor) -> Result<(), AppError> {
        let (Some(user), Some(session)) = (actor.user_id(), actor.session_id()) else { return Ok(()) };
        let mut tx = self.db().begin().await?;
        let at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        sessions::revoke(&mut tx, actor.account_id, user, session, at).await?;
        let detail = serde_json::json!({ "session_id": session });
        record(self, &mut tx, actor, "session.sign_out", ("user", Some(user.as_i64())), NOTHING, Some(&detail)).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(())
    }

    /// The signed-in user's active sessions.
    pub async fn my_sessions(&self, actor: &Actor) -> Result<Vec<SessionInfo>, AppError> {
        let user = actor.user_id().ok_or(AppError::Forbidden("sessions"))?;
        let now = switchboard_store::now_ms();
        let idle_limit = self.settings().session_idle_seconds * 1000;
        let mut conn = self.db().read().await?;
        let rows =
            sessions::list_active_for_user(&mut conn, actor.account_id, user, Timestamp::from_unix_ms(now)).await?;
        Ok(rows
            .into_iter()
            .filter(|r| now - r.last_seen_at.unix_ms() <= idle_limit)
            .map(|r| SessionInfo {
                id: r.id,
                ip: r.ip,
                user_agent: r.user_agent,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
                current: actor.session_id() == Some(r.id),
            })
            .collect())
    }

    /// Ends one of the signed-in user's sessions; another user's session is 404.
    pub async fn revoke_my_session(&self, actor: &Actor, id: SessionId) -> Result<(), AppError> {
        let user = actor.user_id().ok_or(AppError::Forbidden("sessions"))?;
        let mut tx = self.db().begin().await?;
        let at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        if !sessions::revoke(&mut tx, actor.account_id, user, id, at).await? {
            return Err(AppError::NotFound);
        }
        let detail = serde_json::json!({ "session_id": id });
        record(self, &mut tx, actor, "session.revoke", ("user", Some(user.as_i64())), NOTHING, Some(&detail)).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_after_max_failures_in_a_window() {
        let limits = SignInLimits {
            max_failures_per_identity: 3,
            max_failures_per_ip: 10,
            window_seconds: 60,
            lockout_seconds: 120,
        };
        let mut state = ThrottleState::default();
        for i in 0..2 {
            state = after_failure(state, 1_000 + i, &limits, 3);
            assert_eq!(retry_after(&state, 1_000 + i), None);
        }
        state = after_failure(state, 1_005, &limits, 3);
        assert_eq!(retry_after(&state, 1_005), Some(120));
        assert_eq!(retry_after(&state, 1_005 + 120_000), None);
        // Failures spread beyond the window never lock.
        let mut spread = ThrottleState::default();
        for i in 0..10 {
            spread = after_failure(spread, i * 61_000, &limits, 3);
            assert_eq!(retry_after(&spread, i * 61_000), None);
        }
    }
}
