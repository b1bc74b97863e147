//! One customer connection: connects at its slot, says hello (as a widget visitor, or with the
//! token), and if it is one of the active ones opens a conversation with its first message and then
//! sends on its open-loop schedule; counts acks, errors and the agent replies it receives.

use super::client::{self, Ws, key_of, stamp_of};
use super::tally::{Counters, CustomerTally, count_error};
use super::{Context, CustomerAuth, Phase};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

/// `(customer index, conversation id)` once a customer's conversation exists.
pub type Opened = mpsc::UnboundedSender<(u32, String)>;

struct Customer {
    context: Arc<Context>,
    index: u32,
    /// One of the first K: opens a conversation and writes.
    active: bool,
    conversation: Option<String>,
    /// Sent and not yet answered: client id -> when it was due.
    pending: HashMap<String, Instant>,
    /// When to send the opening message (set when the open phase begins).
    open_at: Option<Instant>,
    /// The next measured message's number (1, 2, ...) and the measured window.
    next: u64,
    window: Option<(Instant, Instant)>,
    opened: Opened,
    tally: CustomerTally,
}

/// Shortens an error to a stable reason for the failure counts.
pub fn reason(who: &str, error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    format!("{who}: {}", text.chars().take(90).collect::<String>())
}

pub async fn run(
    context: Arc<Context>,
    index: u32,
    connect_at: Instant,
    mut phase: watch::Receiver<Phase>,
    opened: Opened,
) -> CustomerTally {
    tokio::time::sleep_until(connect_at.into()).await;
    let visitor = context.customer_auth == CustomerAuth::Visitor;
    let origin = visitor.then_some(context.origin.as_str());
    let connected = tokio::time::timeout(
        Duration::from_secs(30),
        client::connect(&context.target, context.source_for(index), origin),
    )
    .await
    .unwrap_or_else(|_| Err(anyhow::anyhow!("timed out")));
    let mut ws = match connected {
        Ok(ws) => ws,
        Err(error) => {
            context.counters.connect_failed(reason("customer", &error));
            return CustomerTally::default();
        }
    };
    let hello = if visitor {
        json!({"type": "hello", "ref": "h", "locale": "en",
               "auth": {"kind": "visitor", "channel": context.channel.public_key, "visitor_token": null}})
    } else {
        json!({"type": "hello", "ref": "h", "auth": {"kind": "token", "token": context.token}})
    };
    if let Err(error) = client::hello(&mut ws, hello).await {
        context.counters.connect_failed(reason("customer", &error));
        return CustomerTally::default();
    }
    Counters::add(&context.counters.customers_held);
    let mut customer = Customer {
        active: index < context.active,
        context: context.clone(),
        index,
        conversation: None,
        pending: HashMap::new(),
        open_at: None,
        next: 1,
        window: None,
        opened,
        tally: CustomerTally::default(),
    };
    customer.serve(&mut ws, &mut phase).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    customer.tally.unanswered = customer.pending.len() as u64;
    customer.tally
}

impl Customer {
    async fn serve(&mut self, ws: &mut Ws, phase: &mut watch::Receiver<Phase>) {
        let hard_stop = self.context.hard_stop;
        while Instant::now() < hard_stop {
            let wake = self.open_at.or(self.due(self.next)).unwrap_or(hard_stop);
            tokio::select! {
                changed = phase.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let now = *phase.borrow_and_update();
                    match now {
                        Phase::Open if self.active => {
                            let pace = Duration::from_secs_f64(f64::from(self.index) / f64::from(self.context.open_rate));
                            self.open_at = Some(Instant::now() + pace);
                        }
                        Phase::Measure { start, end } => self.window = Some((start, end)),
                        Phase::Stop => return,
                        _ => {}
                    }
                }
                _ = tokio::time::sleep_until(wake.into()) => {
                    if self.open_at.take().is_some() {
                        if !self.open(ws).await {
                            return;
                        }
                    } else if self.due(self.next).is_some() && !self.send_measured(ws).await {
                        return;
                    }
                }
                frame = ws.next() => match frame {
                    Some(Ok(frame)) => {
                        if !self.frame(ws, frame).await {
                            return;
                        }
                    }
                    _ => {
                        Counters::add(&self.context.counters.dropped);
                        return;
                    }
                },
            }
        }
    }

    /// When measured message `n` is due: message i of the run (i = index + (n-1)·K) at start + i/R.
    fn due(&self, n: u64) -> Option<Instant> {
        let (start, end) = self.window?;
        self.conversation.as_ref()?;
        let i = u64::from(self.index) + (n - 1) * u64::from(self.context.active);
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(self.context.rate));
        (due < end).then_some(due)
    }

    /// The first message, which opens the conversation (visitors: no conversation id; token
    /// customers: a conversation created over REST first).
    async fn open(&mut self, ws: &mut Ws) -> bool {
        let client_id = format!("c-{}-0", self.index);
        let mut frame = json!({"type": "send", "ref": client_id, "client_id": client_id,
                               "text": format!("bench open @{}", self.context.micros_since_origin(Instant::now()))});
        if self.context.customer_auth == CustomerAuth::Token {
            let c = &self.context;
            match super::setup::create_conversation(&c.http, &c.target.api, &c.token, &c.channel.id, self.index).await {
                Ok(id) => frame["conversation_id"] = json!(id),
                Err(error) => {
                    count_error(&mut self.tally.errors, &reason("open over REST", &error));
                    Counters::add(&self.context.counters.open_failed);
                    return true;
                }
            }
        }
        self.pending.insert(client_id, Instant::now());
        ws.send(client::text(&frame)).await.is_ok()
    }

    async fn send_measured(&mut self, ws: &mut Ws) -> bool {
        let (Some(due), Some(conversation)) = (self.due(self.next), self.conversation.clone()) else { return true };
        let client_id = format!("c-{}-{}", self.index, self.next);
        let text = format!("bench {} @{}", self.next, self.context.micros_since_origin(due));
        let frame = json!({"type": "send", "ref": client_id, "conversation_id": conversation,
                           "client_id": client_id, "text": text});
        self.next += 1;
        self.tally.sent += 1;
        self.pending.insert(client_id, due);
        ws.send(client::text(&frame)).await.is_ok()
    }

    async fn frame(&mut self, ws: &mut Ws, frame: Message) -> bool {
        if let Message::Close(_) = frame {
            Counters::add(&self.context.counters.dropped);
            return false;
        }
        let Some(value) = client::json(&frame) else { return true };
        match value["type"].as_str() {
            Some("ping") => return ws.send(client::text(&json!({"type": "pong", "t": value["t"]}))).await.is_ok(),
            Some("ack") => return self.ack(ws, &value).await,
            Some("error") => self.error(&value),
            Some("event") if value["topic"] == "message.created" => self.delivered(&value["message"]),
            _ => {}
        }
        true
    }

    async fn ack(&mut self, ws: &mut Ws, value: &Value) -> bool {
        let reference = value["ref"].as_str().unwrap_or_default();
        let Some(due) = self.pending.remove(reference) else { return true };
        let Some(key) = key_of(reference, 'c') else { return true };
        self.tally.acked_keys.push(key);
        let latency = due.elapsed();
        Counters::add(&self.context.counters.acked);
        if key & 0xffff_ffff != 0 {
            self.tally.acked += 1;
            self.tally.ack_latency.record(latency);
            self.tally.last_ack = self.tally.last_ack.max(Some(Instant::now()));
            return true;
        }
        self.tally.open_latency.record(latency);
        let Some(conversation) = value["conversation_id"].as_str() else { return true };
        self.conversation = Some(conversation.to_string());
        Counters::add(&self.context.counters.opened);
        let _ = self.opened.send((self.index, conversation.to_string()));
        // Follow the conversation for the agents' replies (visitors may already be subscribed:
        // deliveries are counted by client id, so a second subscription cannot double them).
        let seq = value["message"]["seq"].as_i64().unwrap_or(0);
        let subscribe = json!({"type": "subscribe", "ref": "own",
                               "conversations": [{"id": conversation, "after_seq": seq}]});
        ws.send(client::text(&subscribe)).await.is_ok()
    }

    fn error(&mut self, value: &Value) {
        let code = value["code"].as_str().unwrap_or("?");
        match value["ref"].as_str() {
            Some(reference) if self.pending.remove(reference).is_some() => {
                count_error(&mut self.tally.errors, code);
                if reference.ends_with("-0") && key_of(reference, 'c').is_some_and(|k| k & 0xffff_ffff == 0) {
                    Counters::add(&self.context.counters.open_failed);
                }
            }
            _ => count_error(&mut self.tally.errors, &format!("{code} (unsolicited)")),
        }
    }

    /// An agent reply arrived (own messages echoed back are not counted).
    fn delivered(&mut self, message: &Value) {
        let Some(key) = message["client_id"].as_str().and_then(|id| key_of(id, 'a')) else { return };
        let seen = self.tally.replies.entry(key).or_default();
        *seen += 1;
        if *seen == 1
            && let Some(stamp) = stamp_of(message)
        {
            let sent = self.context.origin_time + Duration::from_micros(stamp);
            self.tally.reply_latency.record(sent.elapsed());
        }
    }
}
