//! What each connection counted, merged into the run's report: rates, latencies, errors by code,
//! lost and duplicated deliveries.

use super::client::customer_of;
use crate::histogram::Histogram;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters shared by every connection task (read by the orchestrator while it waits).
#[derive(Default)]
pub struct Counters {
    pub customers_held: AtomicU64,
    pub agents_held: AtomicU64,
    pub failed: AtomicU64,
    pub opened: AtomicU64,
    pub open_failed: AtomicU64,
    pub subscribed: AtomicU64,
    pub dropped: AtomicU64,
    /// Customer messages delivered to agents and acks received so far (the drain waits while
    /// they grow).
    pub delivered: AtomicU64,
    pub acked: AtomicU64,
    pub connect_errors: Mutex<BTreeMap<String, u64>>,
}

impl Counters {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn connect_failed(&self, reason: String) {
        Self::add(&self.failed);
        if let Ok(mut errors) = self.connect_errors.lock() {
            *errors.entry(reason).or_default() += 1;
        }
    }
}

pub fn count_error(errors: &mut BTreeMap<String, u64>, code: &str) {
    *errors.entry(code.to_string()).or_default() += 1;
}

/// One customer connection's counts.
#[derive(Default)]
pub struct CustomerTally {
    /// Measured sends (after the conversation was opened).
    pub sent: u64,
    pub acked: u64,
    /// From each measured send's due time to its ack.
    pub ack_latency: Histogram,
    /// The first message, which opens the conversation, from its due time to its ack.
    pub open_latency: Histogram,
    pub errors: BTreeMap<String, u64>,
    /// Every acknowledged message of this customer (the first one too), as keys.
    pub acked_keys: Vec<u64>,
    /// Sent, but neither acknowledged nor refused by the end.
    pub unanswered: u64,
    /// When the last measured message was acknowledged.
    pub last_ack: Option<std::time::Instant>,
    /// Agent replies delivered here, by key, with how many times.
    pub replies: HashMap<u64, u32>,
    pub reply_latency: Histogram,
}

/// One agent connection's counts.
#[derive(Default)]
pub struct AgentTally {
    /// Customer messages delivered here, by key, with how many times.
    pub delivered: HashMap<u64, u32>,
    /// Customer → agent, from the message's due time to its arrival (measured messages only).
    pub delivery_latency: Histogram,
    /// Events whose seq was not above the last one seen in that conversation.
    pub seq_repeats: u64,
    pub replies_sent: u64,
    pub reply_ack_latency: Histogram,
    pub acked_replies: Vec<u64>,
    pub errors: BTreeMap<String, u64>,
}

/// How the run was shaped, for the report.
pub struct Shape {
    pub agents: u32,
    /// Every agent is expected to receive every message (inbox view `all`), not only its own.
    pub inbox: bool,
    /// The measured window.
    pub start: std::time::Instant,
    pub seconds: f64,
    /// The drain ended at `--max-drain` with acks or deliveries still arriving.
    pub drain_cut_short: bool,
}

/// Keys acked by customers and delivered to the agents that should have them.
fn lost_and_duplicated(shape: &Shape, customers: &[CustomerTally], agents: &[AgentTally]) -> (u64, u64, u64) {
    let acked: HashSet<u64> = customers.iter().flat_map(|c| c.acked_keys.iter().copied()).collect();
    let mut lost = 0;
    for key in &acked {
        let receivers: Vec<usize> = if shape.inbox {
            (0..agents.len()).collect()
        } else {
            vec![(customer_of(*key) % shape.agents.max(1)) as usize]
        };
        lost +=
            receivers.iter().filter(|a| agents.get(**a).is_none_or(|t| !t.delivered.contains_key(key))).count() as u64;
    }
    let duplicated = agents.iter().flat_map(|a| a.delivered.values()).map(|n| u64::from(n.saturating_sub(1))).sum();
    let unacked_delivered =
        agents.iter().flat_map(|a| a.delivered.keys()).filter(|k| !acked.contains(k)).collect::<HashSet<_>>().len();
    (lost, duplicated, unacked_delivered as u64)
}

pub fn print(shape: &Shape, customers: &[CustomerTally], agents: &[AgentTally]) {
    let sent: u64 = customers.iter().map(|c| c.sent).sum();
    let acked: u64 = customers.iter().map(|c| c.acked).sum();
    let unanswered: u64 = customers.iter().map(|c| c.unanswered).sum();
    let mut errors = BTreeMap::<String, u64>::new();
    let (mut ack, mut open, mut delivery, mut reply, mut reply_ack) =
        (Histogram::default(), Histogram::default(), Histogram::default(), Histogram::default(), Histogram::default());
    for c in customers {
        ack.merge(&c.ack_latency);
        open.merge(&c.open_latency);
        reply.merge(&c.reply_latency);
        for (code, n) in &c.errors {
            *errors.entry(format!("customer {code}")).or_default() += n;
        }
    }
    for a in agents {
        delivery.merge(&a.delivery_latency);
        reply_ack.merge(&a.reply_ack_latency);
        for (code, n) in &a.errors {
            *errors.entry(format!("agent {code}")).or_default() += n;
        }
    }
    let per_s = |n: u64| n as f64 / shape.seconds.max(0.001);
    let last_ack = customers.iter().filter_map(|c| c.last_ack).max();
    let ack_seconds = last_ack.map(|t| t.saturating_duration_since(shape.start).as_secs_f64()).unwrap_or(0.0);
    println!(
        "messages customer->agent: sent {sent} ({:.0}/s), acked (durable) {acked} in {ack_seconds:.1} s \
         ({:.0}/s, from the first due time to the last ack), unanswered {unanswered}",
        per_s(sent),
        acked as f64 / ack_seconds.max(shape.seconds).max(0.001)
    );
    println!("opening messages (first of each conversation), ack from due time: {open}");
    println!("ack latency from due time:                {ack}");
    println!("customer->agent delivery from due time:    {delivery}");
    let (lost, duplicated, unacked_delivered) = lost_and_duplicated(shape, customers, agents);
    let seq_repeats: u64 = agents.iter().map(|a| a.seq_repeats).sum();
    let cut_short = if shape.drain_cut_short { " (the drain hit --max-drain: late ones count here)" } else { "" };
    println!(
        "lost (acked, never delivered to the agent){cut_short}: {lost}; duplicated deliveries: {duplicated}; \
         seq repeats: {seq_repeats}; delivered without an ack seen: {unacked_delivered}"
    );
    let replies_sent: u64 = agents.iter().map(|a| a.replies_sent).sum();
    if replies_sent > 0 {
        let acked_replies: HashSet<u64> = agents.iter().flat_map(|a| a.acked_replies.iter().copied()).collect();
        let lost_replies = acked_replies
            .iter()
            .filter(|k| customers.get(customer_of(**k) as usize).is_none_or(|c| !c.replies.contains_key(k)))
            .count();
        let duplicated_replies: u64 =
            customers.iter().flat_map(|c| c.replies.values()).map(|n| u64::from(n.saturating_sub(1))).sum();
        println!(
            "replies agent->customer: sent {replies_sent} ({:.0}/s), acked {}; lost {lost_replies}; duplicated {duplicated_replies}",
            per_s(replies_sent),
            acked_replies.len()
        );
        println!("reply ack latency:                         {reply_ack}");
        println!("agent->customer delivery:                  {reply}");
    }
    println!("errors by code: {errors:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_and_duplicated_by_receiver() {
        let customer = CustomerTally { acked_keys: vec![1, (1 << 32) | 1, (1 << 32) | 2], ..Default::default() };
        let mut first = AgentTally::default();
        first.delivered.insert(1, 2);
        let mut second = AgentTally::default();
        second.delivered.insert((1 << 32) | 1, 1);
        second.delivered.insert(99, 1);
        let shape =
            Shape { agents: 2, inbox: false, start: std::time::Instant::now(), seconds: 1.0, drain_cut_short: false };
        assert_eq!(lost_and_duplicated(&shape, &[customer], &[first, second]), (1, 1, 1));
    }
}
