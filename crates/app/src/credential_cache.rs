//! A short-lived, per-node cache of credential lookups (token or session → holder, role, teams), so
//! an authenticated read does not pay two queries before its own work.
//!
//! Any change on this node that could alter what a credential may do (revoking, signing out,
//! changing a user, role or team) clears the cache at once; another node's change is seen within
//! the TTL (`security.credential_cache_seconds`, default 2 s; 0 disables the cache).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_domain::TeamId;
use switchboard_domain::entities::ApiToken;
use switchboard_store::repo::credentials::Holder;
use switchboard_store::repo::sessions::SessionRow;

/// What a credential resolved to.
#[derive(Debug, Clone)]
pub(crate) enum Resolved {
    Token(ApiToken, Holder, Vec<TeamId>),
    Session(SessionRow, Holder, Vec<TeamId>),
}

/// Entries beyond this many are dropped wholesale (a flood of distinct credentials).
const MAX_ENTRIES: usize = 50_000;

pub(crate) struct CredentialCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Arc<Resolved>)>>,
}

impl CredentialCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<Resolved>)>> {
        match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn get(&self, secret_hash: &str) -> Option<Arc<Resolved>> {
        if self.ttl.is_zero() {
            return None;
        }
        let found = self.lock().get(secret_hash).map(|(at, resolved)| (*at, resolved.clone()));
        found.filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, resolved)| resolved)
    }

    pub(crate) fn put(&self, secret_hash: String, resolved: Arc<Resolved>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(secret_hash, (Instant::now(), resolved));
    }

    /// Forgets everything: a credential, user, role or team changed on this node.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = CredentialCache::new(Duration::ZERO);
        assert!(cache.get("x").is_none());
        cache.clear();
    }
}
