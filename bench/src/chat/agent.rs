//! One agent connection: hello with the API token, subscribes to the conversations it is handed (or
//! to the inbox view `all`), records each customer message it receives (delivery latency, repeats)
//! and answers every n-th one.

use super::client::{self, Ws, customer_of, key_of, stamp_of};
use super::customer::reason;
use super::tally::{AgentTally, Counters, count_error};
use super::{Context, Phase};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

/// Conversations subscribed per `subscribe` frame.
const SUBSCRIBE_BATCH: usize = 100;

struct Agent {
    context: Arc<Context>,
    index: u32,
    /// Last seq seen per conversation.
    last_seq: HashMap<String, i64>,
    /// Customer messages received since the last reply, and replies sent per customer.
    since_reply: u32,
    replies: HashMap<u32, u32>,
    /// Replies sent and not yet acknowledged: client id -> when sent.
    pending: HashMap<String, Instant>,
    tally: AgentTally,
}

pub async fn run(
    context: Arc<Context>,
    index: u32,
    mut phase: watch::Receiver<Phase>,
    mut conversations: mpsc::UnboundedReceiver<String>,
) -> AgentTally {
    // Agents use the source addresses from the end, customers from the start.
    let source = context.source_for(u32::MAX - index);
    let connected = tokio::time::timeout(Duration::from_secs(30), client::connect(&context.target, source, None))
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("timed out")));
    let mut ws = match connected {
        Ok(ws) => ws,
        Err(error) => {
            context.counters.connect_failed(reason("agent", &error));
            return AgentTally::default();
        }
    };
    let hello = json!({"type": "hello", "ref": "h", "client": "switchboard-bench",
                       "auth": {"kind": "token", "token": context.token}});
    if let Err(error) = client::hello(&mut ws, hello).await {
        context.counters.connect_failed(reason("agent", &error));
        return AgentTally::default();
    }
    Counters::add(&context.counters.agents_held);
    let mut agent = Agent {
        context: context.clone(),
        index,
        last_seq: HashMap::new(),
        since_reply: 0,
        replies: HashMap::new(),
        pending: HashMap::new(),
        tally: AgentTally::default(),
    };
    if context.inbox {
        let subscribe = json!({"type": "subscribe", "ref": "inbox", "inbox": {"view": "all"}});
        if ws.send(client::text(&subscribe)).await.is_err() {
            Counters::add(&context.counters.dropped);
            return agent.tally;
        }
    }
    agent.serve(&mut ws, &mut phase, &mut conversations).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    agent.tally
}

impl Agent {
    async fn serve(
        &mut self,
        ws: &mut Ws,
        phase: &mut watch::Receiver<Phase>,
        conversations: &mut mpsc::UnboundedReceiver<String>,
    ) {
        let hard_stop = self.context.hard_stop;
        let mut handed_over = true;
        while Instant::now() < hard_stop {
            tokio::select! {
                changed = phase.changed() => {
                    if changed.is_err() || *phase.borrow_and_update() == Phase::Stop {
                        return;
                    }
                }
                id = conversations.recv(), if handed_over => match id {
                    Some(id) => {
                        let mut batch = vec![json!({"id": id, "after_seq": 0})];
                        while batch.len() < SUBSCRIBE_BATCH && let Ok(id) = conversations.try_recv() {
                            batch.push(json!({"id": id, "after_seq": 0}));
                        }
                        let subscribe = json!({"type": "subscribe", "ref": "conversations", "conversations": batch});
                        if ws.send(client::text(&subscribe)).await.is_err() {
                            Counters::add(&self.context.counters.dropped);
                            return;
                        }
                    }
                    None => handed_over = false,
                },
                frame = ws.next() => match frame {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                        Counters::add(&self.context.counters.dropped);
                        return;
                    }
                    Some(Ok(frame)) => {
                        if !self.frame(ws, frame).await {
                            Counters::add(&self.context.counters.dropped);
                            return;
                        }
                    }
                },
                _ = tokio::time::sleep_until(hard_stop.into()) => return,
            }
        }
    }

    async fn frame(&mut self, ws: &mut Ws, frame: Message) -> bool {
        let Some(value) = client::json(&frame) else { return true };
        match value["type"].as_str() {
            Some("ping") => ws.send(client::text(&json!({"type": "pong", "t": value["t"]}))).await.is_ok(),
            Some("subscribed") => {
                if value["ref"] == "conversations" {
                    let n = value["conversations"].as_array().map(Vec::len).unwrap_or(0);
                    self.context.counters.subscribed.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
                }
                true
            }
            Some("ack") => {
                let reference = value["ref"].as_str().unwrap_or_default();
                if let Some(sent) = self.pending.remove(reference)
                    && let Some(key) = key_of(reference, 'a')
                {
                    self.tally.reply_ack_latency.record(sent.elapsed());
                    self.tally.acked_replies.push(key);
                }
                true
            }
            Some("error") => {
                let reference = value["ref"].as_str().unwrap_or_default();
                let code = value["code"].as_str().unwrap_or("?");
                if self.pending.remove(reference).is_some() {
                    count_error(&mut self.tally.errors, &format!("reply {code}"));
                } else if reference.is_empty() {
                    // No ref: the server says a subscription failed (and dropped it).
                    count_error(&mut self.tally.errors, &format!("{code} (unsolicited)"));
                } else {
                    count_error(&mut self.tally.errors, &format!("{code} (ref {reference})"));
                }
                true
            }
            Some("event") if value["topic"] == "message.created" => self.delivered(ws, &value).await,
            _ => true,
        }
    }

    async fn delivered(&mut self, ws: &mut Ws, event: &Value) -> bool {
        let conversation = event["conversation_id"].as_str().unwrap_or_default();
        let seq = event["seq"].as_i64().or_else(|| event["message"]["seq"].as_i64()).unwrap_or(0);
        let last = self.last_seq.entry(conversation.to_string()).or_insert(0);
        if seq <= *last {
            self.tally.seq_repeats += 1;
        }
        *last = (*last).max(seq);
        let message = &event["message"];
        let Some(key) = message["client_id"].as_str().and_then(|id| key_of(id, 'c')) else { return true };
        let seen = self.tally.delivered.entry(key).or_default();
        *seen += 1;
        Counters::add(&self.context.counters.delivered);
        if *seen > 1 || key & 0xffff_ffff == 0 {
            return true;
        }
        if let Some(stamp) = stamp_of(message) {
            let due = self.context.origin_time + Duration::from_micros(stamp);
            self.tally.delivery_latency.record(due.elapsed());
        }
        let customer = customer_of(key);
        let serves = customer % self.context.agents.max(1) == self.index;
        if self.context.reply_every == 0 || !serves {
            return true;
        }
        self.since_reply += 1;
        if self.since_reply < self.context.reply_every {
            return true;
        }
        self.since_reply = 0;
        let n = self.replies.entry(customer).or_default();
        *n += 1;
        let client_id = format!("a-{customer}-{n}");
        let now = Instant::now();
        let text = format!("reply @{}", self.context.micros_since_origin(now));
        let frame = json!({"type": "send", "ref": client_id, "conversation_id": conversation,
                           "client_id": client_id, "text": text});
        self.pending.insert(client_id, now);
        self.tally.replies_sent += 1;
        ws.send(client::text(&frame)).await.is_ok()
    }
}
