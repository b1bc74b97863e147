//! The router: which agent takes which waiting conversation. Pure and deterministic: the app loads the
//! part of the state a pass needs, asks for decisions, and applies them in one transaction.
//!
//! - One queue per team: higher rank first (priority, then VIP level), then first come, first served.
//! - Only agents who are `online` and below their capacity get conversations; offers count as load.
//! - Sticky: the agent who last served the contact, when they are in the team, online and have room.
//! - Otherwise the team's policy: least busy (lowest load relative to capacity; then higher proficiency,
//!   then longest since the last assignment) or round robin (longest since the last assignment).
//! - A conversation an agent declined is never offered to them again.
//! - Overflow: a conversation that waited `overflow_after_ms` in a team with a backup team moves there.

use crate::{ConversationId, TeamId, UserId};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    Online,
    Busy,
    Away,
    Offline,
}

impl AgentState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Busy => "busy",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "online" => Some(Self::Online),
            "busy" => Some(Self::Busy),
            "away" => Some(Self::Away),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: UserId,
    pub state: AgentState,
    pub capacity: u32,
    /// Open conversations assigned plus offers awaiting an answer.
    pub load: u32,
    /// When (a logical clock in ms) the agent last got a conversation; round robin's order.
    pub last_assigned_at: i64,
}

impl Agent {
    pub fn has_room(&self) -> bool {
        self.state == AgentState::Online && self.load < self.capacity
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignPolicy {
    LeastBusy,
    RoundRobin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignMode {
    /// The conversation is assigned at once.
    Auto,
    /// The agent is offered it and accepts (or declines, or lets the offer time out).
    Offer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRouting {
    pub team: TeamId,
    pub policy: AssignPolicy,
    pub mode: AssignMode,
    /// The backup team and how long a conversation waits before it moves there.
    pub overflow: Option<(TeamId, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: ConversationId,
    pub team: TeamId,
    /// Higher goes first (see `queue_rank`).
    pub rank: i64,
    /// When the customer started waiting: first come, first served.
    pub queued_at: i64,
    /// When the conversation entered its current team (overflow counts from here).
    pub team_since: i64,
    /// The agent who last served the contact.
    pub sticky: Option<UserId>,
    pub declined: Vec<UserId>,
}

impl Waiting {
    fn key(&self) -> QueueKey {
        (Reverse(self.rank), self.queued_at, self.id)
    }
}

/// Queue order: rank descending, then waiting longest, then id.
pub type QueueKey = (Reverse<i64>, i64, ConversationId);

/// A queue rank from a priority (0 low .. 3 urgent) and the contact's VIP level (0..9).
pub fn queue_rank(priority: crate::conversations::Priority, vip_level: u8) -> i64 {
    let priority = match priority {
        crate::conversations::Priority::Low => 0,
        crate::conversations::Priority::Normal => 1,
        crate::conversations::Priority::High => 2,
        crate::conversations::Priority::Urgent => 3,
    };
    priority * 10 + i64::from(vip_level.min(9))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Assign { conversation: ConversationId, agent: UserId, team: TeamId, sticky: bool },
    Offer { conversation: ConversationId, agent: UserId, team: TeamId },
    Overflow { conversation: ConversationId, from: TeamId, to: TeamId },
}

#[derive(Debug, Clone, Default)]
pub struct Router {
    agents: BTreeMap<UserId, Agent>,
    /// Per team: members and their proficiency (1-5).
    members: BTreeMap<TeamId, Vec<(UserId, u8)>>,
    teams: BTreeMap<TeamId, TeamRouting>,
    queues: BTreeMap<TeamId, BTreeSet<QueueKey>>,
    /// Per team with an overflow: (team_since, id), oldest first.
    overflow_due: BTreeMap<TeamId, BTreeSet<(i64, ConversationId)>>,
    waiting: HashMap<ConversationId, Waiting>,
    /// A logical clock so that round robin orders assignments made in the same millisecond.
    clock: i64,
}

impl Router {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set_agent(&mut self, agent: Agent) {
        self.clock = self.clock.max(agent.last_assigned_at);
        self.agents.insert(agent.id, agent);
    }

    pub fn agent(&self, id: UserId) -> Option<&Agent> {
        self.agents.get(&id)
    }

    pub fn agent_mut(&mut self, id: UserId) -> Option<&mut Agent> {
        self.agents.get_mut(&id)
    }

    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.values()
    }

    pub fn set_team(&mut self, routing: TeamRouting, members: Vec<(UserId, u8)>) {
        self.members.insert(routing.team, members);
        self.teams.insert(routing.team, routing);
    }

    pub fn team(&self, id: TeamId) -> Option<&TeamRouting> {
        self.teams.get(&id)
    }

    pub fn members(&self, id: TeamId) -> &[(UserId, u8)] {
        self.members.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Puts a conversation in its team's queue (replacing an earlier entry for it).
    pub fn enqueue(&mut self, waiting: Waiting) {
        self.remove(waiting.id);
        self.queues.entry(waiting.team).or_default().insert(waiting.key());
        if self.teams.get(&waiting.team).is_some_and(|t| t.overflow.is_some()) {
            self.overflow_due.entry(waiting.team).or_default().insert((waiting.team_since, waiting.id));
        }
        self.waiting.insert(waiting.id, waiting);
    }

    /// Takes a conversation out of its queue (answered elsewhere, closed, ...).
    pub fn remove(&mut self, id: ConversationId) -> Option<Waiting> {
        let waiting = self.waiting.remove(&id)?;
        if let Some(queue) = self.queues.get_mut(&waiting.team) {
            queue.remove(&waiting.key());
        }
        if let Some(due) = self.overflow_due.get_mut(&waiting.team) {
            due.remove(&(waiting.team_since, waiting.id));
        }
        Some(waiting)
    }

    pub fn waiting(&self, id: ConversationId) -> Option<&Waiting> {
        self.waiting.get(&id)
    }

    pub fn waiting_count(&self) -> usize {
        self.waiting.len()
    }

    /// The waiting conversations of a team in queue order.
    pub fn queue(&self, team: TeamId) -> impl Iterator<Item = &Waiting> {
        self.queues.get(&team).into_iter().flatten().filter_map(|key| self.waiting.get(&key.2))
    }

    /// Whether `agent` could take `waiting` now.
    pub fn eligible(&self, agent: UserId, waiting: &Waiting) -> bool {
        self.agents.get(&agent).is_some_and(Agent::has_room)
            && !waiting.declined.contains(&agent)
            && self.members(waiting.team).iter().any(|(member, _)| *member == agent)
    }

    /// Moves overdue conversations to backup teams, then gives every waiting conversation that has an
    /// eligible agent to one, in queue order. Afterwards no waiting conversation has an eligible agent.
    pub fn decide(&mut self, now: i64) -> Vec<Decision> {
        let mut decisions = self.overflow(now);
        self.clock = self.clock.max(now);
        let mut heads: BinaryHeap<Reverse<(QueueKey, TeamId)>> = BinaryHeap::new();
        for (team, queue) in &self.queues {
            if let Some(first) = queue.first()
                && self.team_has_room(*team)
            {
                heads.push(Reverse((*first, *team)));
            }
        }
        while let Some(Reverse((key, team))) = heads.pop() {
            let after = (std::ops::Bound::Excluded(key), std::ops::Bound::Unbounded);
            let next = self.queues.get(&team).and_then(|q| q.range(after).next().copied());
            if let Some((agent, sticky)) = self.waiting.get(&key.2).and_then(|w| self.choose(w)) {
                let Some(waiting) = self.remove(key.2) else { continue };
                self.clock += 1;
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.load += 1;
                    a.last_assigned_at = self.clock;
                }
                let offer = self.teams.get(&team).is_some_and(|t| t.mode == AssignMode::Offer);
                decisions.push(if offer {
                    Decision::Offer { conversation: waiting.id, agent, team }
                } else {
                    Decision::Assign { conversation: waiting.id, agent, team, sticky }
                });
            }
            if let Some(next) = next
                && self.team_has_room(team)
            {
                heads.push(Reverse((next, team)));
            }
        }
        decisions
    }

    fn overflow(&mut self, now: i64) -> Vec<Decision> {
        let mut moves = Vec::new();
        for (team, due) in &self.overflow_due {
            let Some((to, after)) = self.teams.get(team).and_then(|t| t.overflow) else { continue };
            if to == *team || !self.teams.contains_key(&to) {
                continue;
            }
            for (since, id) in due.iter() {
                if now - since < after {
                    break;
                }
                moves.push((*id, *team, to));
            }
        }
        let mut decisions = Vec::with_capacity(moves.len());
        for (id, from, to) in moves {
            if let Some(mut waiting) = self.remove(id) {
                waiting.team = to;
                waiting.team_since = now;
                self.enqueue(waiting);
                decisions.push(Decision::Overflow { conversation: id, from, to });
            }
        }
        decisions
    }

    fn team_has_room(&self, team: TeamId) -> bool {
        self.members(team).iter().any(|(id, _)| self.agents.get(id).is_some_and(Agent::has_room))
    }

    /// The agent for `waiting`, and whether stickiness chose them.
    fn choose(&self, waiting: &Waiting) -> Option<(UserId, bool)> {
        if let Some(sticky) = waiting.sticky
            && self.eligible(sticky, waiting)
        {
            return Some((sticky, true));
        }
        let policy = self.teams.get(&waiting.team).map(|t| t.policy).unwrap_or(AssignPolicy::LeastBusy);
        let candidates = self.members(waiting.team).iter().filter_map(|(id, proficiency)| {
            let agent = self.agents.get(id)?;
            (agent.has_room() && !waiting.declined.contains(id)).then_some((agent, *proficiency))
        });
        let best = match policy {
            AssignPolicy::LeastBusy => candidates.min_by(|(a, pa), (b, pb)| {
                // load/capacity compared without division.
                (u64::from(a.load) * u64::from(b.capacity))
                    .cmp(&(u64::from(b.load) * u64::from(a.capacity)))
                    .then(pb.cmp(pa))
                    .then(a.last_assigned_at.cmp(&b.last_assigned_at))
                    .then(a.id.cmp(&b.id))
            }),
            AssignPolicy::RoundRobin => {
                candidates.min_by(|(a, _), (b, _)| a.last_assigned_at.cmp(&b.last_assigned_at).then(a.id.cmp(&b.id)))
            }
        };
        best.map(|(agent, _)| (agent.id, false))
    }
}

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
