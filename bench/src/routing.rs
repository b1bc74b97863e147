//! `switchboard-bench routing`: how fast routing decides and assigns.
//!
//! 1. Decisions: the router (the same code every node runs) holding `--agents` online agents, all at
//!    capacity, in `--teams` teams (each agent in two), with `--waiting` conversations in line. Each
//!    step one agent frees a place and one customer arrives; the router decides who gets what. Reports
//!    the time of each decision (p50/p95/p99/max).
//! 2. Assignments (with `--database-url`): the same shape in a real database (SQLite file or PostgreSQL),
//!    then routing passes (`App::route_account`, as the worker runs them: lock, read, decide, guarded
//!    writes with events and the customer's "joined" note, commit) until `--assignments` conversations
//!    are assigned. Reports assignments per second and the time of each pass; then 50 rounds of 100
//!    resolutions and a pass each; then `--sustained-rate` resolutions per second for 10 s while passes
//!    run back to back (each takes what was freed since the last), and the assignments per second
//!    that kept up with them.

use crate::histogram::Histogram;
use anyhow::Context;
use std::time::Instant;
use switchboard_domain::routing::board::{Agent, AgentState, AssignMode, AssignPolicy, Router, TeamRouting, Waiting};
use switchboard_domain::*;

#[derive(Debug, clap::Args)]
pub struct RoutingArgs {
    /// Online agents.
    #[arg(long, default_value_t = 1000)]
    agents: u32,
    /// Conversations waiting in line.
    #[arg(long, default_value_t = 50_000)]
    waiting: u32,
    /// Teams (skill groups); every agent is in two.
    #[arg(long, default_value_t = 20)]
    teams: u32,
    /// Each agent's capacity.
    #[arg(long, default_value_t = 5)]
    capacity: u32,
    /// Decisions to time in part 1.
    #[arg(long, default_value_t = 20_000)]
    decisions: u32,
    /// Part 2's database: a SQLite file path (made fresh) or a postgres:// URL; without it part 2 is skipped.
    #[arg(long)]
    database_url: Option<String>,
    /// Resolutions per second offered in part 2's sustained phase.
    #[arg(long, default_value_t = 2_500)]
    sustained_rate: u64,
    /// PostgreSQL schema for part 2 (made fresh; dropped afterwards).
    #[arg(long, default_value = "bench_routing")]
    postgres_schema: String,
}

/// A deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn team_of(i: u32, teams: u32) -> TeamId {
    TeamId::from_i64(1_000 + i64::from(i % teams))
}

pub async fn run(args: RoutingArgs) -> anyhow::Result<()> {
    decisions(&args);
    if let Some(url) = &args.database_url {
        super::routing_db::assignments(&args_db(&args, url)).await?;
    }
    Ok(())
}

fn args_db(args: &RoutingArgs, url: &str) -> super::routing_db::DbShape {
    super::routing_db::DbShape {
        url: url.to_string(),
        schema: args.postgres_schema.clone(),
        agents: args.agents,
        teams: args.teams,
        capacity: args.capacity,
        waiting: args.waiting,
        sustained_rate: args.sustained_rate,
    }
}

fn decisions(args: &RoutingArgs) {
    let mut router = Router::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut members: Vec<Vec<(UserId, u8)>> = vec![Vec::new(); args.teams as usize];
    for a in 0..args.agents {
        let id = UserId::from_i64(100_000 + i64::from(a));
        router.set_agent(Agent {
            id,
            state: AgentState::Online,
            capacity: args.capacity,
            load: args.capacity,
            last_assigned_at: i64::from(a),
        });
        let first = a % args.teams;
        let second = (first + 1 + rng.below(u64::from(args.teams - 1).max(1)) as u32) % args.teams;
        members[first as usize].push((id, 1 + (a % 5) as u8));
        if second != first {
            members[second as usize].push((id, 1 + ((a + 2) % 5) as u8));
        }
    }
    for (t, list) in members.into_iter().enumerate() {
        let policy = if t % 2 == 0 { AssignPolicy::LeastBusy } else { AssignPolicy::RoundRobin };
        let team = TeamRouting { team: team_of(t as u32, args.teams), policy, mode: AssignMode::Auto, overflow: None };
        router.set_team(team, list);
    }
    let mut next_id = 1i64;
    let mut now = 1_000_000i64;
    let mut arrive = |router: &mut Router, rng: &mut Rng, now: i64| {
        let team = team_of(rng.below(u64::from(args.teams)) as u32, args.teams);
        let rank = if rng.below(20) == 0 { 12 } else { 10 };
        router.enqueue(Waiting {
            id: ConversationId::from_i64(next_id),
            team,
            rank,
            queued_at: now,
            team_since: now,
            sticky: None,
            declined: Vec::new(),
        });
        next_id += 1;
    };
    for _ in 0..args.waiting {
        arrive(&mut router, &mut rng, now);
    }
    let mut latency = Histogram::default();
    let mut assigned = 0u64;
    let started = Instant::now();
    for _ in 0..args.decisions {
        now += 10;
        let agent = UserId::from_i64(100_000 + rng.below(u64::from(args.agents)) as i64);
        if let Some(a) = router.agent_mut(agent) {
            a.load = a.load.saturating_sub(1);
        }
        arrive(&mut router, &mut rng, now);
        let t = Instant::now();
        let decided = router.decide(now);
        latency.record(t.elapsed());
        assigned += decided.len() as u64;
    }
    let total = started.elapsed();
    println!(
        "decisions: {} agents, {} teams, {} waiting; {} decisions made {} assignments in {:.2} s",
        args.agents,
        args.teams,
        router.waiting_count(),
        args.decisions,
        assigned,
        total.as_secs_f64()
    );
    println!("decision latency: {}", summary(&latency));
}

/// Parses the database URL into what `Db::connect` takes (a bare path is a SQLite file).
pub fn database_url(url: &str) -> anyhow::Result<String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:") {
        Ok(url.to_string())
    } else {
        let path = std::path::Path::new(url);
        let _ = std::fs::remove_file(path);
        Ok(format!("sqlite://{}", path.to_str().context("a UTF-8 path")?))
    }
}

/// "p50 … p95 … p99 … max …" in microseconds.
pub fn summary(h: &Histogram) -> String {
    format!(
        "p50 {} µs, p95 {} µs, p99 {} µs, max {} µs ({} samples)",
        h.quantile_us(0.50),
        h.quantile_us(0.95),
        h.quantile_us(0.99),
        h.quantile_us(1.0),
        h.count()
    )
}
