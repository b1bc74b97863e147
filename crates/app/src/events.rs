//! The event hub of a node: delivers every account's events to this node's subscribers exactly once
//! and in sequence order.
//!
//! Events are written to the outbox in the transaction that causes them (see `audit::record`). After
//! the commit the service calls `App::committed(account)`; the hub then reads the new events from the
//! database, delivers them, and publishes them on Redis (when configured) for the other nodes. Events
//! from Redis are delivered if they are the next of their account, dropped if already delivered, and
//! a gap is filled from the database. A sweep every second compares the outbox heads with what was
//! delivered, so an event whose publisher died between commit and publish still arrives.
//!
//! Signals (typing indicators) are not stored: the hub hands them to this node's subscribers and
//! publishes them on their own Redis channel; a signal lost with a node is simply not shown.

use crate::App;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use switchboard_domain::events::{Arrival, Event, Sequencer, invalidates_credentials};
use switchboard_domain::{AccountId, ConversationId};
use switchboard_store::repo::outbox;
use tokio::sync::{broadcast, mpsc};

/// The Redis channel every node publishes its events on.
pub const REDIS_CHANNEL: &str = "switchboard:events:v1";
/// The Redis channel of signals (not stored, best effort).
pub const REDIS_SIGNAL_CHANNEL: &str = "switchboard:signals:v1";

/// A passing notice about a conversation that is relayed but never stored (typing).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Signal {
    pub account_id: AccountId,
    /// The node that raised it (so it does not come back to it through Redis).
    pub node: u16,
    pub topic: String,
    pub conversation_id: ConversationId,
    pub payload: serde_json::Value,
}
/// How often the hub compares the outbox heads with what it delivered.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
const READ_BATCH: i64 = 500;

pub(crate) enum HubInput {
    /// This node committed events for the account.
    Committed(AccountId),
    /// An event another node published.
    Remote(Box<Event>),
    /// A signal raised on this node: deliver and publish.
    Signal(Arc<Signal>),
    /// A signal another node published: deliver.
    RemoteSignal(Arc<Signal>),
}

/// The parts of the hub that services and subscribers hold.
pub(crate) struct HubHandle {
    pub(crate) input: mpsc::Sender<HubInput>,
    pub(crate) output: broadcast::Sender<Arc<Event>>,
    pub(crate) signals: broadcast::Sender<Arc<Signal>>,
    pub(crate) receiver: std::sync::Mutex<Option<mpsc::Receiver<HubInput>>>,
}

impl HubHandle {
    pub(crate) fn new() -> Self {
        let (input, receiver) = mpsc::channel(10_000);
        let (output, _) = broadcast::channel(10_000);
        let (signals, _) = broadcast::channel(10_000);
        Self { input, output, signals, receiver: std::sync::Mutex::new(Some(receiver)) }
    }
}

impl App {
    /// Subscribes to every event this node delivers, in order per account.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Arc<Event>> {
        self.hub.output.subscribe()
    }

    /// Subscribes to the signals (typing) this node relays.
    pub fn subscribe_signals(&self) -> broadcast::Receiver<Arc<Signal>> {
        self.hub.signals.subscribe()
    }

    /// Relays a signal to every node's subscribers; dropped when the hub is overloaded.
    pub(crate) fn signal(
        &self,
        account: AccountId,
        topic: &str,
        conversation_id: ConversationId,
        payload: serde_json::Value,
    ) {
        let signal =
            Signal { account_id: account, node: self.db().node(), topic: topic.into(), conversation_id, payload };
        let _ = self.hub.input.try_send(HubInput::Signal(Arc::new(signal)));
    }

    /// A service committed events for `account`: let the hub deliver and publish them. Never
    /// blocks; a full queue is caught by the sweep.
    pub(crate) fn committed(&self, account: AccountId) {
        let _ = self.hub.input.try_send(HubInput::Committed(account));
    }

    /// Like `committed`, for a change to what credentials may do: this node's credential cache is
    /// cleared at once (other nodes clear theirs when the event reaches them).
    pub(crate) fn credentials_committed(&self, account: AccountId) {
        self.credentials_changed();
        self.committed(account);
    }

    /// Deletes outbox events older than `keep_days` (in batches, so writers are not held up); returns
    /// how many went. Safe on every node at once.
    pub async fn prune_outbox(&self, keep_days: i64) -> Result<u64, crate::AppError> {
        let before = switchboard_store::now_ms() - keep_days.max(0) * 86_400_000;
        let mut total = 0;
        loop {
            let mut tx = self.db().begin().await?;
            let gone = outbox::prune_before(&mut tx, before, 5_000).await?;
            tx.commit().await?;
            total += gone;
            if gone < 5_000 {
                return Ok(total);
            }
        }
    }

    /// Runs the node's event hub until the process ends: delivery, Redis publishing and receiving
    /// (when `redis_url` is given) and the sweep. Call once per process.
    pub async fn run_events(self, redis_url: Option<String>) -> Result<(), crate::AppError> {
        let taken = match self.hub.receiver.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        let Some(mut inputs) = taken else {
            return Err(crate::AppError::Internal("the event hub is already running".into()));
        };
        let heads = {
            let mut conn = self.db().read().await?;
            outbox::heads(&mut conn).await?
        };
        let mut sequencer = Sequencer::starting_at(heads);
        let publisher = match &redis_url {
            Some(url) => Some(RedisPublisher::connect(url).await?),
            None => None,
        };
        if let Some(url) = redis_url {
            tokio::spawn(receive_from_redis(url, self.hub.input.clone()));
        }
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                input = inputs.recv() => match input {
                    Some(HubInput::Committed(account)) => {
                        // Under load many commits queue up: one read per account serves all of them.
                        let mut accounts = vec![account];
                        let mut others = Vec::new();
                        while accounts.len() < 1000 {
                            match inputs.try_recv() {
                                Ok(HubInput::Committed(more)) => {
                                    if !accounts.contains(&more) {
                                        accounts.push(more);
                                    }
                                }
                                Ok(other) => others.push(other),
                                Err(_) => break,
                            }
                        }
                        for account in accounts {
                            let fresh = self.fill(&mut sequencer, account).await;
                            if let Some(publisher) = &publisher {
                                publisher.publish(&fresh).await;
                            }
                        }
                        for other in others {
                            self.handle_other(&mut sequencer, publisher.as_ref(), other).await;
                        }
                    }
                    Some(other) => self.handle_other(&mut sequencer, publisher.as_ref(), other).await,
                    None => return Ok(()),
                },
                _ = sweep.tick() => self.sweep(&mut sequencer).await,
            }
        }
    }

    /// Everything but this node's commits: remote events and signals.
    async fn handle_other(&self, sequencer: &mut Sequencer, publisher: Option<&RedisPublisher>, input: HubInput) {
        match input {
            HubInput::Committed(account) => {
                let fresh = self.fill(sequencer, account).await;
                if let Some(publisher) = publisher {
                    publisher.publish(&fresh).await;
                }
            }
            HubInput::Remote(event) => match sequencer.arrive(event.account_id, event.seq) {
                Arrival::Deliver => self.deliver(Arc::new(*event)),
                Arrival::Duplicate => {}
                Arrival::Gap { .. } => {
                    self.fill(sequencer, event.account_id).await;
                }
            },
            HubInput::Signal(signal) => {
                let _ = self.hub.signals.send(signal.clone());
                if let Some(publisher) = publisher {
                    publisher.publish_signal(&signal).await;
                }
            }
            HubInput::RemoteSignal(signal) => {
                if signal.node != self.db().node() {
                    let _ = self.hub.signals.send(signal);
                }
            }
        }
    }

    /// Reads and delivers the account's events after the last delivered one; returns them.
    async fn fill(&self, sequencer: &mut Sequencer, account: AccountId) -> Vec<Arc<Event>> {
        let mut delivered = Vec::new();
        loop {
            let batch = match self.db().read().await {
                Ok(mut conn) => outbox::read_after(&mut conn, account, sequencer.last(account), READ_BATCH).await,
                Err(e) => Err(e),
            };
            let batch = match batch {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(%error, %account, "reading events failed; the sweep retries");
                    return delivered;
                }
            };
            let full = batch.len() as i64 == READ_BATCH;
            for event in batch {
                if sequencer.arrive(event.account_id, event.seq) == Arrival::Deliver {
                    let event = Arc::new(event);
                    self.deliver(event.clone());
                    delivered.push(event);
                }
            }
            if !full {
                return delivered;
            }
        }
    }

    async fn sweep(&self, sequencer: &mut Sequencer) {
        let heads = match self.db().read().await {
            Ok(mut conn) => outbox::heads(&mut conn).await,
            Err(e) => Err(e),
        };
        match heads {
            Ok(heads) => {
                for (account, head) in heads {
                    if head > sequencer.last(account) {
                        self.fill(sequencer, account).await;
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "reading the outbox heads failed"),
        }
    }

    fn deliver(&self, event: Arc<Event>) {
        if invalidates_credentials(&event.topic) {
            self.credentials_changed();
        }
        if event.topic == "kb.faq.changed" {
            self.forget_bot(event.account_id);
        }
        // No subscriber is not an error: nobody is listening yet.
        let _ = self.hub.output.send(event);
    }
}

/// Publishes delivered events on Redis for the other nodes.
struct RedisPublisher {
    connection: redis::aio::MultiplexedConnection,
}

impl RedisPublisher {
    async fn connect(url: &str) -> Result<Self, crate::AppError> {
        let client = redis::Client::open(url).map_err(|e| crate::AppError::Internal(format!("redis url: {e}")))?;
        let connection = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| crate::AppError::Internal(format!("connecting to redis: {e}")))?;
        Ok(Self { connection })
    }

    /// Publishes the events in one round trip (a pipeline), in order.
    async fn publish(&self, events: &[Arc<Event>]) {
        if events.is_empty() {
            return;
        }
        let mut pipe = redis::pipe();
        for event in events {
            let Ok(text) = serde_json::to_string(event.as_ref()) else { continue };
            pipe.cmd("PUBLISH").arg(REDIS_CHANNEL).arg(text).ignore();
        }
        let mut connection = self.connection.clone();
        let sent: Result<(), redis::RedisError> = pipe.query_async(&mut connection).await;
        if let Err(error) = sent {
            // Other nodes still get the events from the database within a sweep.
            tracing::warn!(%error, "publishing events on redis failed");
        }
    }
}

impl RedisPublisher {
    async fn publish_signal(&self, signal: &Signal) {
        let Ok(text) = serde_json::to_string(signal) else { return };
        let mut connection = self.connection.clone();
        let sent: Result<(), redis::RedisError> =
            redis::cmd("PUBLISH").arg(REDIS_SIGNAL_CHANNEL).arg(text).query_async(&mut connection).await;
        if let Err(error) = sent {
            tracing::debug!(%error, "publishing a signal on redis failed");
        }
    }
}

/// Receives the other nodes' events from Redis, reconnecting with a growing pause.
async fn receive_from_redis(url: String, input: mpsc::Sender<HubInput>) {
    let mut pause = Duration::from_millis(200);
    loop {
        match subscribe(&url).await {
            Ok(mut pubsub) => {
                pause = Duration::from_millis(200);
                let mut messages = pubsub.on_message();
                while let Some(message) = messages.next().await {
                    let Ok(text) = message.get_payload::<String>() else { continue };
                    if message.get_channel_name() == REDIS_SIGNAL_CHANNEL {
                        if let Ok(signal) = serde_json::from_str::<Signal>(&text)
                            && input.send(HubInput::RemoteSignal(Arc::new(signal))).await.is_err()
                        {
                            return;
                        }
                        continue;
                    }
                    match serde_json::from_str::<Event>(&text) {
                        Ok(event) => {
                            if input.send(HubInput::Remote(Box::new(event))).await.is_err() {
                                return;
                            }
                        }
                        Err(error) => tracing::warn!(%error, "an event on redis does not parse"),
                    }
                }
                tracing::warn!("the redis subscription ended; reconnecting");
            }
            Err(error) => tracing::warn!(%error, "subscribing to redis failed; retrying"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

async fn subscribe(url: &str) -> Result<redis::aio::PubSub, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(REDIS_CHANNEL).await?;
    pubsub.subscribe(REDIS_SIGNAL_CHANNEL).await?;
    Ok(pubsub)
}
