//! The supervisors' queue board: per team, who waits and for how long, and which agents are free.

use super::agents::agent_presence;
use super::now_ms;
use crate::{Actor, App, AppError};
use serde::Serialize;
use switchboard_domain::permissions::Permission;
use switchboard_domain::*;
use switchboard_store::repo::{queue, routing};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TeamBoard {
    pub team_id: TeamId,
    pub name: String,
    pub waiting: i64,
    /// Seconds the longest-waiting customer has waited.
    pub longest_wait_seconds: i64,
    /// Offers awaiting an agent's answer.
    pub offered: i64,
    /// Members online with room / online and full / busy / away / offline.
    pub agents_free: i64,
    pub agents_full: i64,
    pub agents_busy: i64,
    pub agents_away: i64,
    pub agents_offline: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QueueBoard {
    pub teams: Vec<TeamBoard>,
    pub agents: Vec<super::AgentPresence>,
    pub at: Timestamp,
}

impl App {
    pub async fn queue_board(&self, actor: &Actor) -> Result<QueueBoard, AppError> {
        actor.require(Permission::RoutingMonitor).or_else(|_| actor.require(Permission::RoutingManage))?;
        let now = now_ms();
        let mut conn = self.db().read().await?;
        let counts = queue::board(&mut conn, actor.account_id).await?;
        let memberships = routing::memberships(&mut conn, actor.account_id).await?;
        let agents = agent_presence(&mut conn, actor.account_id).await?;
        let teams = routing::team_settings(&mut conn, actor.account_id)
            .await?
            .into_iter()
            .map(|(team_id, name, _)| {
                let (waiting, oldest, offered) = counts
                    .iter()
                    .find(|(t, ..)| *t == team_id)
                    .map(|(_, w, o, f)| (*w, *o, *f))
                    .unwrap_or((0, None, 0));
                let members: Vec<&super::AgentPresence> = agents
                    .iter()
                    .filter(|a| memberships.iter().any(|(t, u, _)| *t == team_id && *u == a.user_id))
                    .collect();
                let count = |f: &dyn Fn(&super::AgentPresence) -> bool| members.iter().filter(|a| f(a)).count() as i64;
                TeamBoard {
                    team_id,
                    name,
                    waiting,
                    longest_wait_seconds: oldest.map(|o| ((now - o) / 1000).max(0)).unwrap_or(0),
                    offered,
                    agents_free: count(&|a| a.state == "online" && a.load < a.capacity),
                    agents_full: count(&|a| a.state == "online" && a.load >= a.capacity),
                    agents_busy: count(&|a| a.state == "busy"),
                    agents_away: count(&|a| a.state == "away"),
                    agents_offline: count(&|a| a.state == "offline"),
                }
            })
            .collect();
        Ok(QueueBoard { teams, agents, at: Timestamp::from_unix_ms(now) })
    }
}
