//! Routes the node's events and signals to the sockets that want them, instead of waking every socket
//! for every event: a socket is registered for the conversations it follows, for its account's inbox
//! when it has an inbox view, and for its account's presence when it is a user. Each socket has a
//! bounded queue; one that falls behind is marked lagged and catches up from the database.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use switchboard_app::{App, Signal};
use switchboard_domain::events::Event;
use switchboard_domain::{AccountId, ConversationId};
use tokio::sync::{Notify, broadcast, mpsc};

/// How many deliveries a socket may have waiting before it is marked lagged.
const QUEUE: usize = 1024;

/// Something for a socket.
pub enum Delivery {
    Event(Arc<Event>),
    Signal(Arc<Signal>),
}

struct Socket {
    queue: mpsc::Sender<Delivery>,
    lagged: Arc<AtomicBool>,
    wake: Arc<Notify>,
}

#[derive(Default)]
struct Routes {
    next_id: u64,
    sockets: HashMap<u64, Socket>,
    by_conversation: HashMap<ConversationId, HashSet<u64>>,
    inbox: HashMap<AccountId, HashSet<u64>>,
    users: HashMap<AccountId, HashSet<u64>>,
    /// What each socket is registered for, to unregister it.
    follows: HashMap<u64, Follows>,
}

/// A socket's registrations: conversations, the account of its inbox view, the account of its user.
#[derive(Default)]
struct Follows {
    conversations: Vec<ConversationId>,
    inbox: Option<AccountId>,
    user: Option<AccountId>,
}

#[derive(Default)]
pub struct Fanout {
    routes: Mutex<Routes>,
}

/// A socket's place in the fanout; dropping it unregisters the socket.
pub struct Registration {
    pub id: u64,
    fanout: Arc<Fanout>,
    pub queue: mpsc::Receiver<Delivery>,
    pub lagged: Arc<AtomicBool>,
    pub wake: Arc<Notify>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.fanout.remove(self.id);
    }
}

impl Registration {
    /// True once after the socket fell behind: it must catch up from the database.
    pub fn take_lagged(&self) -> bool {
        self.lagged.swap(false, Ordering::AcqRel)
    }
    pub fn follow(&self, conversation: ConversationId) {
        self.fanout.with(|r| {
            r.by_conversation.entry(conversation).or_default().insert(self.id);
            if let Some(f) = r.follows.get_mut(&self.id) {
                f.conversations.push(conversation);
            }
        });
    }
    pub fn set_inbox(&self, account: Option<AccountId>) {
        self.fanout.with(|r| {
            let previous = r.follows.get_mut(&self.id).and_then(|f| std::mem::replace(&mut f.inbox, account));
            if let Some(old) = previous
                && let Some(set) = r.inbox.get_mut(&old)
            {
                set.remove(&self.id);
            }
            if let Some(account) = account {
                r.inbox.entry(account).or_default().insert(self.id);
            }
        });
    }
    pub fn set_user(&self, account: AccountId) {
        self.fanout.with(|r| {
            r.users.entry(account).or_default().insert(self.id);
            if let Some(f) = r.follows.get_mut(&self.id) {
                f.user = Some(account);
            }
        });
    }
}

impl Fanout {
    fn with<T>(&self, f: impl FnOnce(&mut Routes) -> T) -> T {
        match self.routes.lock() {
            Ok(mut routes) => f(&mut routes),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    pub fn register(self: &Arc<Self>) -> Registration {
        let (sender, queue) = mpsc::channel(QUEUE);
        let lagged = Arc::new(AtomicBool::new(false));
        let wake = Arc::new(Notify::new());
        let id = self.with(|r| {
            r.next_id += 1;
            let id = r.next_id;
            r.sockets.insert(id, Socket { queue: sender, lagged: lagged.clone(), wake: wake.clone() });
            r.follows.insert(id, Follows::default());
            id
        });
        Registration { id, fanout: self.clone(), queue, lagged, wake }
    }

    fn remove(&self, id: u64) {
        self.with(|r| {
            r.sockets.remove(&id);
            if let Some(Follows { conversations, inbox, user }) = r.follows.remove(&id) {
                for c in conversations {
                    if let Some(set) = r.by_conversation.get_mut(&c) {
                        set.remove(&id);
                        if set.is_empty() {
                            r.by_conversation.remove(&c);
                        }
                    }
                }
                for (map, account) in [(&mut r.inbox, inbox), (&mut r.users, user)] {
                    if let Some(account) = account
                        && let Some(set) = map.get_mut(&account)
                    {
                        set.remove(&id);
                    }
                }
            }
        });
    }

    /// Hands a delivery to the sockets of the conversation, of the account's inbox views and, for
    /// presence, of the account's users; each socket once.
    fn route(
        &self,
        account: AccountId,
        conversation: Option<ConversationId>,
        users: bool,
        make: impl Fn() -> Delivery,
    ) {
        self.with(|r| {
            let mut targets: HashSet<u64> = HashSet::new();
            if let Some(c) = conversation {
                targets.extend(r.by_conversation.get(&c).into_iter().flatten());
                targets.extend(r.inbox.get(&account).into_iter().flatten());
            }
            if users {
                targets.extend(r.users.get(&account).into_iter().flatten());
            }
            for id in targets {
                let Some(socket) = r.sockets.get(&id) else { continue };
                if let Err(mpsc::error::TrySendError::Full(_)) = socket.queue.try_send(make()) {
                    socket.lagged.store(true, Ordering::Release);
                    socket.wake.notify_one();
                }
            }
        });
    }

    fn conversation_of(event: &Event) -> Option<ConversationId> {
        let field = match event.topic.as_str() {
            "message.created" | "conversation.read" | "message.rated" => "conversation_id",
            "conversation.created" | "conversation.updated" => "id",
            _ => return None,
        };
        event.payload.get(field).and_then(|v| v.as_str()).and_then(|v| v.parse().ok())
    }

    /// Routes the node's events and signals until the hub ends.
    pub async fn run(self: Arc<Self>, app: App) {
        let mut events = app.subscribe_events();
        let mut signals = app.subscribe_signals();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => {
                        let conversation = Self::conversation_of(&event);
                        let users = event.topic == "presence.updated";
                        if conversation.is_some() || users {
                            self.route(event.account_id, conversation, users, || Delivery::Event(event.clone()));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => self.all_lagged(),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                signal = signals.recv() => match signal {
                    Ok(signal) => {
                        let id = Some(signal.conversation_id);
                        self.route(signal.account_id, id, false, || Delivery::Signal(signal.clone()));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    }

    /// The router itself fell behind the hub: every socket catches up from the database.
    fn all_lagged(&self) {
        self.with(|r| {
            for socket in r.sockets.values() {
                socket.lagged.store(true, Ordering::Release);
                socket.wake.notify_one();
            }
        });
    }
}
