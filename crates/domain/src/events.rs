//! Events: what happened, in order, per account. Each service transaction appends its events to the
//! outbox with the account's next sequence number; every node delivers each account's events to its
//! subscribers exactly once and in sequence order, whichever way they reach it (the bus, or the
//! database when the bus missed one).

use crate::AccountId;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One event. `seq` is gapless per account; `id` is globally unique and time-ordered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub account_id: AccountId,
    pub seq: i64,
    pub id: i64,
    /// What happened: `user.created`, `team.updated`, `token.revoked`, `message.created`, ...
    pub topic: String,
    /// The object after the change (or what identifies it), as JSON.
    pub payload: serde_json::Value,
    pub at: Timestamp,
}

/// What to do with an event that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The next one of its account: deliver it.
    Deliver,
    /// Already delivered (or older): drop it.
    Duplicate,
    /// Events between the last delivered and this one are missing: read the account's events after
    /// this sequence from the database (they include this one).
    Gap { after: i64 },
}

/// Tracks the last delivered sequence of every account on this node.
#[derive(Debug, Default, Clone)]
pub struct Sequencer {
    last: HashMap<AccountId, i64>,
}

impl Sequencer {
    /// Starts from known positions (the outbox heads when the node starts).
    pub fn starting_at(positions: impl IntoIterator<Item = (AccountId, i64)>) -> Self {
        Self { last: positions.into_iter().collect() }
    }

    /// The last sequence delivered for an account (0: none yet).
    pub fn last(&self, account: AccountId) -> i64 {
        self.last.get(&account).copied().unwrap_or(0)
    }

    /// Classifies an arriving event; `Deliver` also records it as delivered.
    pub fn arrive(&mut self, account: AccountId, seq: i64) -> Arrival {
        let last = self.last(account);
        if seq <= last {
            Arrival::Duplicate
        } else if seq == last + 1 {
            self.last.insert(account, seq);
            Arrival::Deliver
        } else {
            Arrival::Gap { after: last }
        }
    }
}

/// The event an audited action emits, if any: `user.update` → `user.updated`. Actions that change
/// nothing others need to hear about (failed sign-ins, exports) emit none.
pub fn topic_for_action(action: &str) -> Option<&'static str> {
    Some(match action {
        "account.create" => "account.created",
        "account.update" => "account.updated",
        "user.create" => "user.created",
        "user.update" | "user.update_profile" => "user.updated",
        "user.deactivate" => "user.deactivated",
        "user.reset_password" | "user.change_password" => "user.password_changed",
        "team.create" => "team.created",
        "team.update" => "team.updated",
        "team.delete" => "team.deleted",
        "role.create" => "role.created",
        "role.update" => "role.updated",
        "role.delete" => "role.deleted",
        "token.create" => "token.created",
        "channel.create" => "channel.created",
        "token.revoke" => "token.revoked",
        "session.sign_in" => "session.started",
        "session.sign_out" => "session.ended",
        "session.revoke" => "session.revoked",
        "channel.update" | "channel.rotate_secret" => "channel.updated",
        a if a.starts_with("kb.faq.") && a != "kb.faq.export" => "kb.faq.changed",
        _ => return None,
    })
}

/// Events after which cached credential lookups (user, role, teams, token or session state) are stale.
pub fn invalidates_credentials(topic: &str) -> bool {
    matches!(
        topic,
        "user.updated"
            | "user.deactivated"
            | "user.password_changed"
            | "team.created"
            | "team.updated"
            | "team.deleted"
            | "role.updated"
            | "role.deleted"
            | "token.revoked"
            | "session.ended"
            | "session.revoked"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Delivers a shuffled, duplicated stream the way a node does, filling gaps from "the database".
    #[test]
    fn any_arrival_order_with_duplicates_delivers_each_event_once_in_order() {
        let accounts = [AccountId::from_i64(1), AccountId::from_i64(2)];
        let total = 40;
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _round in 0..200 {
            let mut arrivals: Vec<(AccountId, i64)> = Vec::new();
            for account in accounts {
                for seq in 1..=total {
                    // Some events never arrive through the bus, some arrive twice.
                    match next() % 5 {
                        0 => {}
                        1 => {
                            arrivals.push((account, seq));
                            arrivals.push((account, seq));
                        }
                        _ => arrivals.push((account, seq)),
                    }
                }
            }
            for i in (1..arrivals.len()).rev() {
                let j = (next() % (i as u64 + 1)) as usize;
                arrivals.swap(i, j);
            }
            let mut sequencer = Sequencer::default();
            let mut delivered: HashMap<AccountId, Vec<i64>> = HashMap::new();
            fn deliver_from_db(
                sequencer: &mut Sequencer,
                delivered: &mut HashMap<AccountId, Vec<i64>>,
                account: AccountId,
                after: i64,
                upto: i64,
            ) {
                for seq in after + 1..=upto {
                    if sequencer.arrive(account, seq) == Arrival::Deliver {
                        delivered.entry(account).or_default().push(seq);
                    }
                }
            }
            for (account, seq) in arrivals {
                match sequencer.arrive(account, seq) {
                    Arrival::Deliver => delivered.entry(account).or_default().push(seq),
                    Arrival::Duplicate => {}
                    Arrival::Gap { after } => deliver_from_db(&mut sequencer, &mut delivered, account, after, seq),
                }
            }
            // The periodic sweep reads whatever the bus never brought.
            for account in accounts {
                let after = sequencer.last(account);
                deliver_from_db(&mut sequencer, &mut delivered, account, after, total);
            }
            for account in accounts {
                assert_eq!(delivered[&account], (1..=total).collect::<Vec<_>>());
            }
        }
    }
}
