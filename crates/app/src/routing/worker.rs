//! The routing work every node runs: passes for accounts whose queues or agents changed (at once),
//! and the timers — every second, overflow and expired offers; every five, agents' idle and grace
//! timers; every fifteen, customers' silence. Several nodes may do the same work at the same moment:
//! passes are serialized per account and every change is a guarded UPDATE, so each happens once.

use super::agents::Change;
use super::now_ms;
use super::queue::SystemNote;
use crate::{App, AppError};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;
use switchboard_domain::conversations::ConversationStatus;
use switchboard_domain::permissions::DataScope;
use switchboard_domain::*;
use switchboard_store::repo::{inbox, queue, routing};
use tokio::sync::Notify;

/// Accounts waiting for a routing pass on this node.
#[derive(Default)]
pub struct RoutingWorker {
    dirty: Mutex<HashSet<AccountId>>,
    /// Queues whose waiting customers should be told their new place.
    moved: Mutex<HashSet<(AccountId, TeamId)>>,
    wake: Notify,
}

/// How many silent conversations one sweep handles per status.
const SILENCE_BATCH: i64 = 200;

impl App {
    /// Something changed that may let a waiting conversation reach an agent: a pass will run soon.
    pub(crate) fn routing_needed(&self, account: AccountId) {
        if let Ok(mut dirty) = self.routing.dirty.lock() {
            dirty.insert(account);
        }
        self.routing.wake.notify_one();
    }

    /// A team's queue changed (someone joined, left or was taken): its customers hear their new place
    /// after the next pass.
    pub(crate) fn queue_changed(&self, account: AccountId, team: Option<TeamId>) {
        if let (Some(team), Ok(mut moved)) = (team, self.routing.moved.lock()) {
            moved.insert((account, team));
        }
        self.routing.wake.notify_one();
    }

    /// Runs the routing work until the process ends.
    pub async fn run_routing(self) {
        let mut tick: u64 = 0;
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let ticked = tokio::select! {
                _ = interval.tick() => true,
                _ = self.routing.wake.notified() => false,
            };
            if ticked {
                tick += 1;
                if let Err(error) = self.routing_timers(tick).await {
                    tracing::warn!(%error, "routing timers failed");
                }
            }
            let accounts: Vec<AccountId> =
                self.routing.dirty.lock().map(|mut d| d.drain().collect()).unwrap_or_default();
            for account in accounts {
                if let Err(error) = self.route_account(account).await {
                    tracing::warn!(%error, %account, "routing pass failed");
                    // Tried again on the next tick.
                    if let Ok(mut dirty) = self.routing.dirty.lock() {
                        dirty.insert(account);
                    }
                }
            }
            let moved: Vec<(AccountId, TeamId)> =
                self.routing.moved.lock().map(|mut m| m.drain().collect()).unwrap_or_default();
            for (account, team) in moved {
                if let Err(error) = self.announce_queue(account, team).await {
                    tracing::warn!(%error, %account, "telling customers their place in line failed");
                }
            }
        }
    }

    async fn routing_timers(&self, tick: u64) -> Result<(), AppError> {
        let now = now_ms();
        let (waiting, offers) = {
            let mut conn = self.db().read().await?;
            (queue::accounts_waiting(&mut conn).await?, queue::expired_offers(&mut conn, now, 500).await?)
        };
        if let Ok(mut dirty) = self.routing.dirty.lock() {
            dirty.extend(waiting);
        }
        for (account, conversation, agent) in offers {
            if self.return_offer(account, conversation, agent).await? {
                // An agent who lets an offer run out is evidently not there.
                self.change_agent_status(account, agent, Change::MissedOffer).await?;
            }
        }
        if tick.is_multiple_of(5) {
            self.presence_timers(now).await?;
        }
        if tick.is_multiple_of(15) {
            self.sweep_inactivity(now).await?;
        }
        Ok(())
    }

    /// Agents idle for longer than their account allows become away; agents whose sessions have all
    /// been gone past the grace period become offline.
    async fn presence_timers(&self, now: i64) -> Result<(), AppError> {
        // Candidates by the shortest timers any account could have; each account's own settings decide.
        let candidates = {
            let mut conn = self.db().read().await?;
            routing::agents_to_check(&mut conn, now - 60_000, now).await?
        };
        for (account, user) in candidates {
            self.change_agent_status(account, user, Change::Timers).await?;
        }
        Ok(())
    }

    /// Open conversations whose customer has not answered the agent become pending, then closed, each
    /// with a note to the customer, after the account's times. The worker calls it with the present
    /// time every fifteen seconds (tests with a later one).
    pub async fn sweep_inactivity(&self, now: i64) -> Result<(), AppError> {
        for (from, to) in [
            (ConversationStatus::Open, ConversationStatus::Pending),
            (ConversationStatus::Pending, ConversationStatus::Closed),
        ] {
            // The shortest possible timer is one minute; each account's settings decide below.
            let silent = {
                let mut conn = self.db().read().await?;
                queue::silent(&mut conn, from.name(), now - 60_000, SILENCE_BATCH).await?
            };
            for (account, id, last_agent_at) in silent {
                self.end_silence(account, id, from, to, last_agent_at, now).await?;
            }
        }
        Ok(())
    }

    async fn end_silence(
        &self,
        account: AccountId,
        id: ConversationId,
        from: ConversationStatus,
        to: ConversationStatus,
        last_agent_at: i64,
        now: i64,
    ) -> Result<(), AppError> {
        let mut tx = self.db().begin().await?;
        let settings = routing::settings(&mut tx, account).await?;
        let minutes =
            if to == ConversationStatus::Pending { settings.auto_pending_minutes } else { settings.auto_close_minutes };
        if minutes == 0 || now - last_agent_at < i64::from(minutes) * 60_000 {
            tx.rollback().await?;
            return Ok(());
        }
        let Some(mut conversation) = inbox::get_conversation(&mut tx, account, None, DataScope::Account, id).await?
        else {
            return Ok(());
        };
        // Another node got here first, or the customer wrote meanwhile.
        if conversation.status != from {
            tx.rollback().await?;
            return Ok(());
        }
        conversation.status = to;
        conversation.updated_at = Timestamp::from_unix_ms(now);
        if to == ConversationStatus::Closed {
            conversation.resolved_at = Some(conversation.updated_at);
        }
        inbox::update_conversation(&mut tx, account, &conversation).await?;
        queue::dequeue(&mut tx, account, id).await?;
        let note = if to == ConversationStatus::Pending { SystemNote::Pending } else { SystemNote::Closed };
        self.system_message(&mut tx, account, &conversation, note).await?;
        self.emit_conversation(&mut tx, account, id).await?;
        tx.commit().await?;
        self.committed(account);
        self.routing_needed(account);
        Ok(())
    }
}
