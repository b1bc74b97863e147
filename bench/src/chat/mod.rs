//! `switchboard-bench chat`: many customer and agent connections over the realtime protocol
//! (docs/protocol.md) against a running server. Phases, each bounded in time:
//!
//! 1. connect: M agents (API-token hello), then N customers (visitor hello on a web_widget channel) at
//!    `--connect-rate`; the server's memory before and after gives bytes per idle connection;
//! 2. open: K of the customers send their first message, which opens a conversation; each agent
//!    subscribes to the conversations it serves (customer i is served by agent i mod M), or every agent
//!    holds an inbox subscription;
//! 3. measure: the K customers send R messages/s in total for D seconds, open-loop (message i is due at
//!    start + i/R, latency counts from that moment); agents may reply;
//! 4. drain: nothing new is sent for `--drain` seconds, then every connection reports what it saw:
//!    acks, deliveries (by client id: lost, duplicated), errors by code.
//!
//! `--mode idle` stops after phase 1 and holds the connections for D seconds (heartbeats only).

mod agent;
mod client;
mod customer;
mod setup;
mod tally;

use crate::report::{cpu_seconds, rss_kib};
use clap::{Args, ValueEnum};
use client::Target;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tally::{AgentTally, Counters, CustomerTally, Shape};
use tokio::sync::{mpsc, watch};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Connections, conversations and messages.
    Chat,
    /// Connections only, held for the duration with heartbeats: memory per idle connection.
    Idle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentSubscription {
    /// Each agent subscribes to the conversations it serves, by id.
    Conversations,
    /// Each agent subscribes to the inbox view `all` and so receives every customer message.
    Inbox,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CustomerAuth {
    /// Widget visitors on a web_widget channel (the real thing).
    Visitor,
    /// API-token connections writing into REST-created conversations (for servers without the visitor hello).
    Token,
}

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    #[arg(long, value_enum, default_value_t = Mode::Chat)]
    pub mode: Mode,
    /// An admin API token: creates the channel; every agent connection says hello with it.
    #[arg(long, env = "SWITCHBOARD_BENCH_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Use this web_widget channel (public key `wc_…`) instead of creating one; it must allow `--origin`.
    #[arg(long)]
    pub channel_key: Option<String>,
    /// The Origin header of visitor connections (allowed on the channel the bench creates).
    #[arg(long, default_value = "http://bench.switchboard.test")]
    pub origin: String,
    #[arg(long, value_enum, default_value_t = CustomerAuth::Visitor)]
    pub customer_auth: CustomerAuth,
    /// N: customer connections.
    #[arg(long, default_value_t = 1000)]
    pub customers: u32,
    /// M: agent connections.
    #[arg(long, default_value_t = 10)]
    pub agents: u32,
    /// K: customers who open a conversation and write (the first K).
    #[arg(long, default_value_t = 100)]
    pub active: u32,
    /// R: customer messages per second, over all active customers.
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    /// Agents answer every n-th customer message they receive (0: never).
    #[arg(long, default_value_t = 0)]
    pub reply_every: u32,
    #[arg(long, value_enum, default_value_t = AgentSubscription::Conversations)]
    pub agent_subscribe: AgentSubscription,
    /// D: seconds of measured load (idle mode: seconds the connections are held).
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Seconds after the last send before deliveries are counted; longer (up to `--max-drain`)
    /// while deliveries are still arriving.
    #[arg(long, default_value_t = 5)]
    pub drain: u64,
    #[arg(long, default_value_t = 60)]
    pub max_drain: u64,
    /// New connections per second while connecting.
    #[arg(long, default_value_t = 1000)]
    pub connect_rate: u32,
    /// Opening messages (new conversations) per second in the open phase.
    #[arg(long, default_value_t = 500)]
    pub open_rate: u32,
    /// Local addresses to connect from, e.g. 127.0.0.1-127.0.0.8 (each has ~28k ephemeral ports).
    #[arg(long)]
    pub source_ips: Option<String>,
    /// The server's process id, to report its memory (VmRSS).
    #[arg(long)]
    pub server_pid: Option<u32>,
}

/// Where the run is; every connection task follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connect,
    Open,
    Measure { start: Instant, end: Instant },
    Stop,
}

/// What every connection task shares.
pub struct Context {
    /// Time origin of the `@micros` stamps in message texts.
    pub origin_time: Instant,
    pub target: Target,
    pub sources: Vec<IpAddr>,
    pub http: reqwest::Client,
    pub token: String,
    pub origin: String,
    pub customer_auth: CustomerAuth,
    pub channel: setup::Channel,
    pub active: u32,
    pub rate: u32,
    pub open_rate: u32,
    pub agents: u32,
    pub reply_every: u32,
    pub inbox: bool,
    pub counters: Counters,
    /// Nothing runs past this, whatever happens.
    pub hard_stop: Instant,
}

impl Context {
    pub fn source_for(&self, connection: u32) -> Option<IpAddr> {
        (!self.sources.is_empty()).then(|| self.sources[connection as usize % self.sources.len()])
    }

    pub fn micros_since_origin(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.origin_time).as_micros() as u64
    }
}

fn memory(pid: Option<u32>) -> Option<u64> {
    pid.and_then(rss_kib)
}

fn print_memory(label: &str, kib: Option<u64>) {
    if let Some(kib) = kib {
        println!("server memory {label}: {:.1} MiB resident", kib as f64 / 1024.0);
    }
}

/// Waits until `done()` or the deadline; false on the deadline. Checks every 50 ms.
async fn wait_for(deadline: Instant, done: impl Fn() -> bool) -> bool {
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

pub async fn run(args: ChatArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.customers > 0, "--customers must be positive");
    anyhow::ensure!(args.active <= args.customers, "--active cannot exceed --customers");
    anyhow::ensure!(args.connect_rate > 0 && args.duration > 0, "--connect-rate and --duration must be positive");
    let chat = args.mode == Mode::Chat;
    anyhow::ensure!(
        !chat || (args.agents > 0 && args.active > 0 && args.rate > 0),
        "chat mode needs --agents, --active and --rate"
    );
    let per_connection = f64::from(args.rate) / f64::from(args.active.max(1));
    if chat && per_connection > 2.9 {
        println!(
            "warning: {per_connection:.1} messages/s per customer; the server allows 30 sends per 10 s per \
             connection, so expect rate_limited errors (raise --active)"
        );
    }
    let connections = u64::from(args.customers) + u64::from(args.agents);
    let fd_limit = setup::raise_fd_limit(connections + 256);
    if fd_limit < connections + 64 {
        println!("warning: open-file limit {fd_limit} < {connections} connections; run as root or raise `ulimit -n`");
    }
    let sources = args.source_ips.as_deref().map(setup::parse_source_ips).transpose()?.unwrap_or_default();
    let target = Target::parse(&args.url)?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let channel = match (&args.channel_key, args.customer_auth) {
        (Some(key), _) => setup::find_channel(&http, &target.api, &args.token, key).await?,
        (None, auth) => {
            setup::create_channel(&http, &target.api, &args.token, auth == CustomerAuth::Visitor, &args.origin).await?
        }
    };
    let connect_seconds = u64::from(args.customers / args.connect_rate) + 60;
    let hard_stop = Instant::now() + Duration::from_secs(connect_seconds + 120 + args.duration + args.max_drain);
    let context = Arc::new(Context {
        origin_time: Instant::now(),
        target,
        sources,
        http,
        token: args.token.clone(),
        origin: args.origin.clone(),
        customer_auth: args.customer_auth,
        channel,
        active: if chat { args.active } else { 0 },
        rate: args.rate,
        open_rate: args.open_rate.max(1),
        agents: args.agents,
        reply_every: args.reply_every,
        inbox: args.agent_subscribe == AgentSubscription::Inbox,
        counters: Counters::default(),
        hard_stop,
    });
    let load = if chat {
        format!(
            "{} msg/s for {} s (+{} s drain), replies every {}",
            args.rate, args.duration, args.drain, args.reply_every
        )
    } else {
        format!("held idle for {} s", args.duration)
    };
    println!(
        "target: {} customers ({} active), {} agents, {load}; channel {}, customers as {:?}, agents by {:?}",
        args.customers, context.active, args.agents, context.channel.id, args.customer_auth, args.agent_subscribe
    );

    // 1. Connect.
    let run_started = Instant::now();
    let server_cpu_at_start = args.server_pid.and_then(cpu_seconds);
    let before = memory(args.server_pid);
    print_memory("before connections", before);
    let (phase_tx, phase_rx) = watch::channel(Phase::Connect);
    let connect_started = Instant::now();
    let mut agent_inboxes = Vec::new();
    let mut agents = Vec::new();
    for index in 0..args.agents {
        let (tx, rx) = mpsc::unbounded_channel();
        agent_inboxes.push(tx);
        agents.push(tokio::spawn(agent::run(context.clone(), index, phase_rx.clone(), rx)));
    }
    let counters = &context.counters;
    wait_for(Instant::now() + Duration::from_secs(30), || {
        Counters::get(&counters.agents_held) + Counters::get(&counters.failed) >= u64::from(args.agents)
    })
    .await;
    let (opened_tx, mut opened_rx) = mpsc::unbounded_channel();
    let mut customers = Vec::new();
    let slots = Instant::now();
    for index in 0..args.customers {
        let connect_at = slots + Duration::from_secs_f64(f64::from(index) / f64::from(args.connect_rate));
        let task = customer::run(context.clone(), index, connect_at, phase_rx.clone(), opened_tx.clone());
        customers.push(tokio::spawn(task));
    }
    drop(opened_tx);
    let all = connections;
    wait_for(Instant::now() + Duration::from_secs(connect_seconds), || {
        Counters::get(&counters.customers_held) + Counters::get(&counters.agents_held) + Counters::get(&counters.failed)
            >= all
    })
    .await;
    let held = Counters::get(&counters.customers_held) + Counters::get(&counters.agents_held);
    println!(
        "connections: attempted {all}, held {held} ({} customers, {} agents), failed {} in {:.1} s; failures {:?}",
        Counters::get(&counters.customers_held),
        Counters::get(&counters.agents_held),
        Counters::get(&counters.failed),
        connect_started.elapsed().as_secs_f64(),
        counters.connect_errors.lock().map(|e| e.clone()).unwrap_or_default()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = memory(args.server_pid);
    print_memory("with idle connections", idle);
    if let (Some(before), Some(idle)) = (before, idle)
        && held > 0
    {
        let per = (idle.saturating_sub(before) * 1024) as f64 / held as f64;
        println!("server memory per idle connection: {per:.0} bytes ({held} connections)");
    }

    let mut measured_seconds = args.duration as f64;
    let mut measured_start = Instant::now();
    let mut drain_cut_short = false;
    if chat {
        // 2. Open conversations; route each to its agent.
        phase_tx.send_replace(Phase::Open);
        let opening_deadline =
            Instant::now() + Duration::from_secs(60 + u64::from(args.active / args.open_rate.max(1)));
        let mut routed = 0u64;
        let active = u64::from(context.active.min(Counters::get(&counters.customers_held) as u32));
        while routed + Counters::get(&counters.open_failed) < active && Instant::now() < opening_deadline {
            match tokio::time::timeout(Duration::from_millis(100), opened_rx.recv()).await {
                Ok(Some((customer, conversation))) => {
                    routed += 1;
                    if !context.inbox {
                        let _ = agent_inboxes[(customer % args.agents) as usize].send(conversation);
                    }
                }
                Ok(None) => break,
                Err(_) => {}
            }
        }
        let subscribed = wait_for(opening_deadline, || {
            context.inbox || Counters::get(&counters.subscribed) >= Counters::get(&counters.opened)
        })
        .await;
        println!(
            "conversations: opened {}, failed to open {}, agent subscriptions {}{}",
            Counters::get(&counters.opened),
            Counters::get(&counters.open_failed),
            Counters::get(&counters.subscribed),
            if subscribed { "" } else { " (not all confirmed in time)" }
        );
        // 3. Measure, then 4. drain.
        let start = Instant::now() + Duration::from_millis(200);
        let end = start + Duration::from_secs(args.duration);
        phase_tx.send_replace(Phase::Measure { start, end });
        tokio::time::sleep_until((end + Duration::from_secs(args.drain)).into()).await;
        let last_chance = end + Duration::from_secs(args.max_drain.max(args.drain));
        let activity = || Counters::get(&counters.delivered) + Counters::get(&counters.acked);
        let mut seen = activity();
        drain_cut_short = true;
        while Instant::now() < last_chance {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if activity() == seen {
                drain_cut_short = false;
                break;
            }
            seen = activity();
        }
        println!("drained for {:.1} s after the last send", end.elapsed().as_secs_f64());
        measured_seconds = end.duration_since(start).as_secs_f64();
        measured_start = start;
    } else {
        tokio::time::sleep(Duration::from_secs(args.duration)).await;
    }
    let dropped = Counters::get(&counters.dropped);
    let after = memory(args.server_pid);
    print_memory("after the run", after);
    phase_tx.send_replace(Phase::Stop);
    let mut customer_tallies: Vec<CustomerTally> = Vec::with_capacity(customers.len());
    for handle in customers {
        customer_tallies.push(handle.await.unwrap_or_default());
    }
    let mut agent_tallies: Vec<AgentTally> = Vec::with_capacity(agents.len());
    for handle in agents {
        agent_tallies.push(handle.await.unwrap_or_default());
    }
    println!("connections dropped by the server during the run: {dropped}");
    if let (Some(kib), Some(cpu)) = (rss_kib(std::process::id()), cpu_seconds(std::process::id())) {
        println!("bench itself: {:.1} MiB resident, {cpu:.1} s CPU", kib as f64 / 1024.0);
    }
    if let (Some(pid), Some(start)) = (args.server_pid, server_cpu_at_start) {
        let used = cpu_seconds(pid).unwrap_or(start) - start;
        println!("server CPU during the run: {used:.1} s over {:.1} s", run_started.elapsed().as_secs_f64());
    }
    if chat {
        let shape = Shape {
            agents: args.agents,
            inbox: context.inbox,
            start: measured_start,
            seconds: measured_seconds,
            drain_cut_short,
        };
        tally::print(&shape, &customer_tallies, &agent_tallies);
    }
    Ok(())
}
