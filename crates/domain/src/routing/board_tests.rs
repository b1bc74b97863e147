//! Property tests: random sequences of arrivals, presence and capacity changes, transfers, declines,
//! resolutions and the passage of time, with the routing invariants checked after every step.

use super::*;
use proptest::prelude::*;

const TEAMS: i64 = 3;
const AGENTS: i64 = 6;

#[derive(Debug, Clone)]
enum Op {
    Arrive { team: i64, rank: i64, sticky: Option<i64> },
    Presence { agent: i64, state: u8 },
    Capacity { agent: i64, capacity: u32 },
    Resolve { pick: usize },
    TransferToTeam { pick: usize, team: i64 },
    TransferToAgent { pick: usize, agent: i64 },
    Decline { pick: usize },
    Accept { pick: usize },
    Tick { ms: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..TEAMS, 0..4i64, proptest::option::of(0..AGENTS)).prop_map(|(team, rank, sticky)| Op::Arrive { team, rank, sticky }),
        2 => (0..AGENTS, 0..4u8).prop_map(|(agent, state)| Op::Presence { agent, state }),
        1 => (0..AGENTS, 0..4u32).prop_map(|(agent, capacity)| Op::Capacity { agent, capacity }),
        3 => any::<usize>().prop_map(|pick| Op::Resolve { pick }),
        1 => (any::<usize>(), 0..TEAMS).prop_map(|(pick, team)| Op::TransferToTeam { pick, team }),
        1 => (any::<usize>(), 0..AGENTS).prop_map(|(pick, agent)| Op::TransferToAgent { pick, agent }),
        1 => any::<usize>().prop_map(|pick| Op::Decline { pick }),
        2 => any::<usize>().prop_map(|pick| Op::Accept { pick }),
        2 => (1..40_000i64).prop_map(|ms| Op::Tick { ms }),
    ]
}

/// Per team: least busy (else round robin), offer mode (else auto), and the overflow (team, ms).
type Policy = (bool, bool, Option<(i64, i64)>);

#[derive(Debug, Clone)]
struct Setup {
    memberships: Vec<Vec<bool>>,
    policies: Vec<Policy>,
    capacities: Vec<u32>,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        proptest::collection::vec(proptest::collection::vec(any::<bool>(), AGENTS as usize), TEAMS as usize),
        proptest::collection::vec(
            (any::<bool>(), any::<bool>(), proptest::option::of((0..TEAMS, 1..60_000i64))),
            TEAMS as usize,
        ),
        proptest::collection::vec(0..4u32, AGENTS as usize),
    )
        .prop_map(|(memberships, policies, capacities)| Setup { memberships, policies, capacities })
}

fn team(i: i64) -> TeamId {
    TeamId::from_i64(100 + i)
}
fn agent(i: i64) -> UserId {
    UserId::from_i64(200 + i)
}

/// The world the router's decisions act on, kept independently of the router.
#[derive(Default)]
struct World {
    now: i64,
    next_id: i64,
    /// Conversation → (agent, offered only).
    held: BTreeMap<ConversationId, (UserId, bool)>,
    /// Per team, the configured overflow.
    overflow: BTreeMap<TeamId, (TeamId, i64)>,
}

impl World {
    fn load(&self, of: UserId) -> u32 {
        self.held.values().filter(|(a, _)| *a == of).count() as u32
    }
}

fn build(setup: &Setup) -> (Router, World) {
    let mut router = Router::new();
    let mut world = World::default();
    for a in 0..AGENTS {
        router.set_agent(Agent {
            id: agent(a),
            state: AgentState::Online,
            capacity: setup.capacities[a as usize],
            load: 0,
            last_assigned_at: 0,
        });
    }
    for t in 0..TEAMS {
        let (least_busy, offer, overflow) = setup.policies[t as usize];
        let overflow = overflow.map(|(to, after)| (team(to), after)).filter(|(to, _)| *to != team(t));
        if let Some(o) = overflow {
            world.overflow.insert(team(t), o);
        }
        let members = (0..AGENTS)
            .filter(|a| setup.memberships[t as usize][*a as usize])
            .map(|a| (agent(a), 1 + (a % 5) as u8))
            .collect();
        router.set_team(
            TeamRouting {
                team: team(t),
                policy: if least_busy { AssignPolicy::LeastBusy } else { AssignPolicy::RoundRobin },
                mode: if offer { AssignMode::Offer } else { AssignMode::Auto },
                overflow,
            },
            members,
        );
    }
    (router, world)
}

fn pick<T: Clone>(items: &[T], pick: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[pick % items.len()].clone())
}

/// Applies one operation the way the app does, outside the router's decisions.
fn apply(router: &mut Router, world: &mut World, op: &Op) {
    let assigned: Vec<ConversationId> = world.held.iter().filter(|(_, (_, o))| !o).map(|(c, _)| *c).collect();
    let offered: Vec<ConversationId> = world.held.iter().filter(|(_, (_, o))| *o).map(|(c, _)| *c).collect();
    let release = |router: &mut Router, world: &mut World, c: ConversationId| {
        if let Some((a, _)) = world.held.remove(&c)
            && let Some(agent) = router.agent_mut(a)
        {
            agent.load -= 1;
        }
    };
    match op {
        Op::Arrive { team: t, rank, sticky } => {
            world.next_id += 1;
            router.enqueue(Waiting {
                id: ConversationId::from_i64(world.next_id),
                team: team(*t),
                rank: *rank,
                queued_at: world.now,
                team_since: world.now,
                sticky: sticky.map(agent),
                declined: vec![],
            });
        }
        Op::Presence { agent: a, state } => {
            let state = [AgentState::Online, AgentState::Busy, AgentState::Away, AgentState::Offline][*state as usize];
            if let Some(agent) = router.agent_mut(agent(*a)) {
                agent.state = state;
            }
        }
        Op::Capacity { agent: a, capacity } => {
            if let Some(agent) = router.agent_mut(agent(*a)) {
                agent.capacity = *capacity;
            }
        }
        Op::Resolve { pick: p } => {
            if let Some(c) = pick(&assigned, *p) {
                release(router, world, c);
            }
        }
        Op::TransferToTeam { pick: p, team: t } => {
            if let Some(c) = pick(&assigned, *p) {
                release(router, world, c);
                let at = world.now;
                router.enqueue(Waiting {
                    id: c,
                    team: team(*t),
                    rank: 1,
                    queued_at: at,
                    team_since: at,
                    sticky: None,
                    declined: vec![],
                });
            }
        }
        Op::TransferToAgent { pick: p, agent: a } => {
            // The app refuses a transfer to an agent without room; so does this model.
            if let Some(c) = pick(&assigned, *p)
                && router.agent(agent(*a)).is_some_and(Agent::has_room)
            {
                release(router, world, c);
                world.held.insert(c, (agent(*a), false));
                if let Some(target) = router.agent_mut(agent(*a)) {
                    target.load += 1;
                }
            }
        }
        Op::Decline { pick: p } => {
            if let Some(c) = pick(&offered, *p) {
                let (by, _) = world.held[&c];
                release(router, world, c);
                // Back to the queue it came from, keeping its place in line.
                let at = world.now;
                let t = (0..TEAMS).map(team).find(|t| router.members(*t).iter().any(|(m, _)| *m == by));
                router.enqueue(Waiting {
                    id: c,
                    team: t.unwrap_or(team(0)),
                    rank: 1,
                    queued_at: at - 1_000,
                    team_since: at,
                    sticky: None,
                    declined: vec![by],
                });
            }
        }
        Op::Accept { pick: p } => {
            if let Some(c) = pick(&offered, *p)
                && let Some(entry) = world.held.get_mut(&c)
            {
                entry.1 = false;
            }
        }
        Op::Tick { ms } => world.now += ms,
    }
}

/// Whether `a` is ahead of `b` in a queue: higher rank, or the same rank and waiting longer (the
/// order written out here independently of the router's own key).
fn ahead(a: &Waiting, b: &Waiting) -> bool {
    a.rank > b.rank || (a.rank == b.rank && (a.queued_at, a.id) < (b.queued_at, b.id))
}

/// Runs a routing pass and checks every invariant against the world.
fn route_and_check(router: &mut Router, world: &mut World) -> Result<(), TestCaseError> {
    let before: Vec<Waiting> = router.waiting.values().cloned().collect();
    let mut model: BTreeMap<ConversationId, Waiting> = before.iter().map(|w| (w.id, w.clone())).collect();
    let capacity: BTreeMap<UserId, (u32, bool)> =
        router.agents().map(|a| (a.id, (a.capacity, a.state == AgentState::Online))).collect();
    let decisions = router.decide(world.now);
    for decision in &decisions {
        match *decision {
            Decision::Overflow { conversation, from, to } => {
                let w = model
                    .get_mut(&conversation)
                    .ok_or_else(|| TestCaseError::fail("overflow of a non-waiting conversation"))?;
                let (configured_to, after) = world
                    .overflow
                    .get(&from)
                    .copied()
                    .ok_or_else(|| TestCaseError::fail("overflow without a backup team"))?;
                prop_assert_eq!(configured_to, to);
                prop_assert!(world.now - w.team_since >= after, "overflow before the configured wait");
                w.team = to;
                w.team_since = world.now;
            }
            Decision::Assign { conversation, agent, team, .. } | Decision::Offer { conversation, agent, team } => {
                prop_assert!(!world.held.contains_key(&conversation), "a conversation held by two agents");
                let w = model
                    .remove(&conversation)
                    .ok_or_else(|| TestCaseError::fail("assigned a conversation that was not waiting"))?;
                prop_assert_eq!(w.team, team);
                let (cap, online) = capacity[&agent];
                prop_assert!(online, "assigned to an agent who is not online");
                prop_assert!(world.load(agent) < cap, "agent {agent} above capacity {cap}");
                prop_assert!(!w.declined.contains(&agent), "offered again to an agent who declined");
                let member = router.members(team).iter().any(|(m, _)| *m == agent);
                prop_assert!(member, "assigned to an agent outside the team");
                // First come, first served and higher rank first: every conversation still waiting ahead of
                // this one in the same team must not have been able to take this agent.
                for other in model.values().filter(|o| o.team == team && ahead(o, &w)) {
                    prop_assert!(
                        other.declined.contains(&agent),
                        "{:?} went before {:?} waiting ahead of it",
                        w.id,
                        other.id
                    );
                }
                world.held.insert(conversation, (agent, matches!(decision, Decision::Offer { .. })));
            }
        }
    }
    for a in router.agents() {
        prop_assert_eq!(a.load, world.load(a.id), "router and world agree on the load");
    }
    // Nothing waits while an eligible agent has room, and nothing overdue stays in its team.
    for w in router.waiting.values() {
        for a in router.agents() {
            prop_assert!(!router.eligible(a.id, w), "{:?} waits while {} has room", w.id, a.id);
        }
        if let Some((_, after)) = world.overflow.get(&w.team) {
            prop_assert!(world.now - w.team_since < *after, "{:?} overdue for overflow", w.id);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn routing_invariants_hold(setup in setup(), ops in proptest::collection::vec(op(), 1..120)) {
        let (mut router, mut world) = build(&setup);
        for op in &ops {
            apply(&mut router, &mut world, op);
            route_and_check(&mut router, &mut world)?;
        }
    }
}

#[test]
fn vip_first_then_first_come_first_served() {
    let mut router = Router::new();
    router.set_agent(Agent { id: agent(0), state: AgentState::Online, capacity: 1, load: 0, last_assigned_at: 0 });
    router.set_team(
        TeamRouting { team: team(0), policy: AssignPolicy::LeastBusy, mode: AssignMode::Auto, overflow: None },
        vec![(agent(0), 3)],
    );
    let normal = queue_rank(crate::conversations::Priority::Normal, 0);
    let vip = queue_rank(crate::conversations::Priority::Normal, 2);
    for (id, rank, at) in [(1, normal, 10), (2, normal, 5), (3, vip, 20)] {
        let id = ConversationId::from_i64(id);
        router.enqueue(Waiting {
            id,
            team: team(0),
            rank,
            queued_at: at,
            team_since: at,
            sticky: None,
            declined: vec![],
        });
    }
    let decisions = router.decide(30);
    let expected =
        Decision::Assign { conversation: ConversationId::from_i64(3), agent: agent(0), team: team(0), sticky: false };
    assert_eq!(decisions, vec![expected]);
    let order: Vec<i64> = router.queue(team(0)).map(|w| w.id.as_i64()).collect();
    assert_eq!(order, vec![2, 1]);
}

#[test]
fn least_busy_round_robin_sticky_and_overflow() {
    let mut router = Router::new();
    for a in 0..3 {
        router.set_agent(Agent { id: agent(a), state: AgentState::Online, capacity: 4, load: 0, last_assigned_at: 0 });
    }
    router.agent_mut(agent(0)).unwrap().load = 2;
    router.set_team(
        TeamRouting {
            team: team(0),
            policy: AssignPolicy::LeastBusy,
            mode: AssignMode::Auto,
            overflow: Some((team(1), 60_000)),
        },
        vec![(agent(0), 5), (agent(1), 2), (agent(2), 4)],
    );
    router.set_team(
        TeamRouting { team: team(1), policy: AssignPolicy::RoundRobin, mode: AssignMode::Offer, overflow: None },
        vec![],
    );
    let arrive = |router: &mut Router, id: i64, sticky: Option<UserId>| {
        let id = ConversationId::from_i64(id);
        router.enqueue(Waiting {
            id,
            team: team(0),
            rank: 10,
            queued_at: id.as_i64(),
            team_since: 0,
            sticky,
            declined: vec![],
        });
    };
    arrive(&mut router, 1, None);
    // Agents 1 and 2 are equally free: the more proficient (2) wins.
    assert!(matches!(router.decide(1)[..], [Decision::Assign { agent: a, .. }] if a == agent(2)));
    arrive(&mut router, 2, None);
    assert!(matches!(router.decide(2)[..], [Decision::Assign { agent: a, .. }] if a == agent(1)));
    // Sticky beats least busy.
    arrive(&mut router, 3, Some(agent(0)));
    assert!(matches!(router.decide(3)[..], [Decision::Assign { agent: a, sticky: true, .. }] if a == agent(0)));
    // With nobody online, a conversation overflows after a minute to the backup team, and no earlier.
    for a in 0..3 {
        router.agent_mut(agent(a)).unwrap().state = AgentState::Away;
    }
    arrive(&mut router, 4, None);
    assert!(router.decide(59_999).is_empty());
    let moved = router.decide(60_000);
    assert_eq!(
        moved,
        vec![Decision::Overflow { conversation: ConversationId::from_i64(4), from: team(0), to: team(1) }]
    );
    assert_eq!(router.waiting(ConversationId::from_i64(4)).unwrap().team, team(1));
}
