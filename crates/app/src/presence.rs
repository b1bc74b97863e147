//! Presence of users: online, busy or away while a workspace connection is open on a live node,
//! offline otherwise. Changes are events (`presence.updated`), so every node's sockets see them.

use crate::{Actor, App, AppError};
use serde::Serialize;
use switchboard_domain::*;
use switchboard_store::repo::visitors;
use utoipa::ToSchema;

/// States a user may choose.
pub const PRESENCE_STATES: &[&str] = &["online", "busy", "away"];

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PresenceEntry {
    pub user_id: UserId,
    pub name: String,
    /// `online`, `busy`, `away` or `offline`.
    pub state: String,
}

impl App {
    /// Forgets what an earlier holder of this node number left (call once at start).
    pub async fn reset_node_presence(&self) -> Result<(), AppError> {
        let mut tx = self.db().begin().await?;
        visitors::clear_node_presence(&mut tx, i64::from(self.db().node())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's workspace connection opened (`delta` 1) or closed (-1), or they chose a state.
    async fn change_presence(&self, actor: &Actor, delta: i64, state: Option<&str>) -> Result<String, AppError> {
        let Some(user) = actor.user_id() else { return Ok("offline".into()) };
        let now = switchboard_store::now_ms();
        let mut tx = self.db().begin().await?;
        let before = visitors::user_presence(&mut tx, actor.account_id, user, now).await?;
        visitors::change_presence(
            &mut tx,
            actor.account_id,
            user,
            i64::from(self.db().node()),
            delta,
            state,
            Timestamp::from_unix_ms(now),
        )
        .await?;
        let after = visitors::user_presence(&mut tx, actor.account_id, user, now).await?;
        if before != after {
            let payload = serde_json::json!({"user_id": user, "name": actor.name, "state": after});
            self.emit(&mut tx, actor.account_id, "presence.updated", payload).await?;
        }
        tx.commit().await?;
        if before != after {
            self.committed(actor.account_id);
        }
        Ok(after)
    }

    pub async fn presence_connected(&self, actor: &Actor) -> Result<String, AppError> {
        self.change_presence(actor, 1, None).await
    }

    pub async fn presence_disconnected(&self, actor: &Actor) -> Result<String, AppError> {
        self.change_presence(actor, -1, None).await
    }

    /// The user chooses `online`, `busy` or `away` (applies to their connections on this node).
    pub async fn set_presence(&self, actor: &Actor, state: &str) -> Result<String, AppError> {
        if !PRESENCE_STATES.contains(&state) {
            return Err(AppError::field("state", "must be online, busy or away"));
        }
        self.change_presence(actor, 0, Some(state)).await
    }

    /// Every active user's presence.
    pub async fn list_presence(&self, actor: &Actor) -> Result<Vec<PresenceEntry>, AppError> {
        actor.require(switchboard_domain::permissions::Permission::ConversationsReply)?;
        let mut conn = self.db().read().await?;
        let rows = visitors::presence(&mut conn, actor.account_id, switchboard_store::now_ms()).await?;
        Ok(rows.into_iter().map(|(user_id, name, state)| PresenceEntry { user_id, name, state }).collect())
    }
}
