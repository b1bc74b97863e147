//! Queues and the routing pass. A new conversation is put in a team's queue by the rules (in the
//! transaction that creates it); a pass, run by any node, decides on a reader and writes under a per-account lock,
//! confirming each decision first; it hands waiting
//! conversations to agents as the router decides, and applies every decision with a guarded UPDATE.

use super::now_ms;
use crate::{App, AppError};
use std::collections::HashMap;
use switchboard_domain::conversations::*;
use switchboard_domain::permissions::DataScope;
use switchboard_domain::routing::board::{self, AgentState, Decision, Router, TeamRouting, Waiting};
use switchboard_domain::routing::rules::{self, RoutingContext, RoutingFacts};
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::{bulk, inbox, queue, routing};

/// What one routing pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub assigned: usize,
    pub offered: usize,
    pub overflowed: usize,
}

/// A conversation's place in line and an estimated wait.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct QueuePosition {
    pub conversation_id: ConversationId,
    pub team_id: TeamId,
    /// 1 = next.
    pub position: i64,
    /// Seconds, from how fast the team's recent conversations were taken; None without history.
    pub estimated_wait_seconds: Option<i64>,
}

impl QueuePosition {
    pub fn info(&self) -> QueueInfo {
        QueueInfo { position: self.position, estimated_wait_seconds: self.estimated_wait_seconds }
    }
}

/// How many customers at the front of a queue are told their place when it moves.
const ANNOUNCED: i64 = 500;

/// How many waiting conversations a pass reads per team beyond its free places (for those agents declined).
const HEADROOM: i64 = 20;

impl App {
    /// Puts a new (or handed-over) conversation in line: the rules choose priority, tags and — unless
    /// the conversation already names one — the team; then the channel's team (`fallback_team`), then the
    /// account's default team. Call inside the transaction that makes the conversation available to
    /// people; the caller commits and then calls `routing_needed`. Nothing happens to an assigned one.
    pub(crate) async fn enqueue_new(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        conversation: &mut Conversation,
        fallback_team: Option<TeamId>,
    ) -> Result<(), AppError> {
        if conversation.assignee_id.is_some() {
            return Ok(());
        }
        let settings = routing::settings(conn, account).await?;
        let rules = routing::rules(conn, account).await?;
        let (contact_tags, vip_level, contact_attributes) =
            queue::contact_facts(conn, account, conversation.contact_id).await?;
        let time_zone = account_time_zone(conn, account).await?;
        let facts = RoutingFacts {
            channel_id: Some(conversation.channel_id),
            contact_tags,
            vip_level,
            contact_attributes,
            prechat: conversation.prechat.clone(),
            page_url: conversation.page_url.clone(),
            locale: conversation.locale.clone(),
            at: Some(conversation.updated_at),
        };
        let context = RoutingContext {
            time_zone: &time_zone,
            business_hours: Some(&settings.business_hours),
            default_team: settings.default_team_id,
        };
        let outcome = rules::evaluate(&rules, &facts, &context);
        if let Some(priority) = outcome.priority
            && priority > conversation.priority
        {
            conversation.priority = priority;
        }
        for tag in outcome.add_tags {
            if !conversation.tags.contains(&tag) {
                conversation.tags.push(tag);
            }
        }
        let teams = routing::team_settings(conn, account).await?;
        // A rule's team may have been deleted since: then the conversation still lands somewhere.
        let exists = |t: &TeamId| teams.iter().any(|(id, _, _)| id == t);
        let team = conversation
            .team_id
            .filter(exists)
            .or(outcome.team_id.filter(|t| !outcome.default_team && exists(t)))
            .or(fallback_team.filter(exists))
            .or(settings.default_team_id.filter(exists));
        conversation.team_id = team.or(conversation.team_id);
        inbox::update_conversation(conn, account, conversation).await?;
        let Some(team) = team else { return Ok(()) };
        let limit = teams.iter().find(|(id, _, _)| *id == team).and_then(|(_, _, s)| s.max_queue);
        if let Some(limit) = limit
            && queue::waiting_count(conn, account, team).await? >= i64::from(limit)
        {
            // The line is full: the customer is offered to leave a message; the conversation waits
            // as pending (a ticket once tickets exist) instead of joining the queue.
            conversation.status = ConversationStatus::Pending;
            inbox::update_conversation(conn, account, conversation).await?;
            self.system_message(conn, account, conversation, SystemNote::QueueFull).await?;
            return Ok(());
        }
        let at = conversation.updated_at.unix_ms();
        queue::enqueue(conn, account, conversation.id, team, board::queue_rank(conversation.priority, vip_level), at)
            .await?;
        self.queue_changed(account, Some(team));
        conversation.queued_at = Some(conversation.queued_at.unwrap_or(conversation.updated_at));
        Ok(())
    }

    /// Runs a routing pass for the account now (normally the worker does; tests and the bench call it).
    pub async fn route_account(&self, account: AccountId) -> Result<PassReport, AppError> {
        let now = now_ms();
        // Read and decide on a reader, without the writer or the account's lock: other writes go on
        // meanwhile. Under the lock, `confirm` then drops what the read no longer supports (an agent
        // gone or full), and each write's guard what another pass took.
        let snapshot = {
            let mut conn = self.db().read().await?;
            load_router(&mut conn, account, now).await?
        };
        let (mut router, contacts) = (snapshot.router, snapshot.contacts);
        let decided = router.decide(now);
        let mut report = PassReport::default();
        if decided.is_empty() {
            return Ok(report);
        }
        let mut tx = self.db().begin().await?;
        switchboard_store::dialect::lock_account(&mut tx, account.as_i64()).await?;
        let count = decided.len();
        let decisions = confirm(&mut tx, account, decided, snapshot.default_capacity).await?;
        let mut stale = decisions.len() < count;
        let teams = snapshot.offer_timeouts;
        let last_assigned = |agent: UserId| router.agent(agent).map(|a| a.last_assigned_at).unwrap_or(now);
        let mut assigned_agents: HashMap<UserId, i64> = HashMap::new();
        let mut assignments = Vec::new();
        for decision in decisions {
            match decision {
                Decision::Assign { team, .. } | Decision::Offer { team, .. } => self.queue_changed(account, Some(team)),
                Decision::Overflow { from, to, .. } => {
                    self.queue_changed(account, Some(from));
                    self.queue_changed(account, Some(to));
                }
            }
            match decision {
                Decision::Assign { conversation, agent, .. } => assignments.push((conversation, agent)),
                Decision::Offer { conversation, agent, team } => {
                    let timeout = i64::from(teams.get(&team).copied().unwrap_or(30)) * 1000;
                    if queue::offer(&mut tx, account, conversation, agent, now + timeout).await? {
                        assigned_agents.insert(agent, last_assigned(agent));
                        let payload = serde_json::json!({"conversation_id": conversation, "agent_id": agent,
                            "expires_at": Timestamp::from_unix_ms(now + timeout)});
                        self.emit(&mut tx, account, "conversation.offered", payload).await?;
                        self.emit_conversation(&mut tx, account, conversation).await?;
                        report.offered += 1;
                    }
                }
                Decision::Overflow { conversation, from, to } => {
                    if queue::move_team(&mut tx, account, conversation, from, to, now).await? {
                        self.emit_conversation(&mut tx, account, conversation).await?;
                        report.overflowed += 1;
                    }
                }
            }
        }
        let assigned = self.assign_all(&mut tx, account, &assignments, &contacts, now).await?;
        stale |= assigned.len() < assignments.len();
        for agent in assigned {
            report.assigned += 1;
            assigned_agents.insert(agent, last_assigned(agent));
        }
        let assigned_agents: Vec<(UserId, i64)> = assigned_agents.into_iter().collect();
        bulk::set_last_assigned(&mut tx, account, &assigned_agents).await?;
        tx.commit().await?;
        self.committed(account);
        if stale {
            // Someone was passed over because of what changed since the read: look again at once.
            self.routing_needed(account);
        }
        Ok(report)
    }

    /// Applies a pass's assignments with a few multi-row statements: the guarded assignment (which also
    /// takes each conversation's next sequence), the contacts' last agent, one read of the assigned
    /// conversations, the customers' "joined" notes and their events. Returns the agent of each
    /// conversation assigned (one entry per conversation); one another node took meanwhile is skipped.
    pub(crate) async fn assign_all(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        assignments: &[(ConversationId, UserId)],
        contacts: &HashMap<ConversationId, ContactId>,
        now: i64,
    ) -> Result<Vec<UserId>, AppError> {
        if assignments.is_empty() {
            return Ok(Vec::new());
        }
        let taken = bulk::assign_waiting(conn, account, assignments, now).await?;
        let order: HashMap<ConversationId, (usize, UserId)> =
            assignments.iter().enumerate().map(|(i, (c, agent))| (*c, (i, *agent))).collect();
        let served: Vec<(ContactId, UserId)> =
            taken.iter().filter_map(|(c, _)| Some((*contacts.get(c)?, order.get(c)?.1))).collect();
        bulk::set_last_agents(conn, account, &served, now).await?;
        let ids: Vec<ConversationId> = taken.iter().map(|(c, _)| *c).collect();
        let mut conversations = bulk::conversations(conn, account, &ids).await?;
        conversations.sort_by_key(|c| order.get(&c.id).map(|(i, _)| *i));
        let at = Timestamp::from_unix_ms(now);
        let mut notes = Vec::with_capacity(conversations.len());
        for conversation in &mut conversations {
            let name = conversation.assignee_name.clone().unwrap_or_default();
            let note = self.note_message(conversation, SystemNote::AgentJoined(name), conversation.last_seq, at);
            conversation.last_message = Some(note.text.clone());
            notes.push(note);
        }
        let tokens: Vec<Vec<String>> = notes.iter().map(|m| switchboard_text::tokenize(&m.text)).collect();
        let rows: Vec<(&Message, &[String])> = notes.iter().zip(&tokens).map(|(m, t)| (m, t.as_slice())).collect();
        bulk::insert_messages(conn, account, &rows).await?;
        let mut events = Vec::with_capacity(notes.len() * 2);
        for (conversation, note) in conversations.iter().zip(&notes) {
            let updated = serde_json::to_value(conversation).unwrap_or_default();
            events.push((self.db().new_id(), "conversation.updated".to_string(), updated));
            let created = serde_json::to_value(note).unwrap_or_default();
            events.push((self.db().new_id(), "message.created".to_string(), created));
        }
        bulk::append_events(conn, account, events, at).await?;
        Ok(conversations.iter().filter_map(|c| c.assignee_id).collect())
    }

    /// The conversation's current state as a `conversation.updated` event.
    pub(crate) async fn emit_conversation(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        id: ConversationId,
    ) -> Result<Option<Conversation>, AppError> {
        let Some(conversation) = inbox::get_conversation(conn, account, None, DataScope::Account, id).await? else {
            return Ok(None);
        };
        let payload = serde_json::to_value(&conversation).unwrap_or_default();
        self.emit(conn, account, "conversation.updated", payload).await?;
        Ok(Some(conversation))
    }

    /// Where a waiting conversation stands in its queue.
    pub async fn queue_position(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> Result<Option<QueuePosition>, AppError> {
        let mut conn = self.db().read().await?;
        let Some((team, position)) = queue::position(&mut conn, account, id).await? else { return Ok(None) };
        let now = now_ms();
        let pace = team_pace(&mut conn, account, team, now).await?;
        let estimated_wait_seconds = pace.map(|ms| ((ms * position + 999) / 1000).max(1));
        Ok(Some(QueuePosition { conversation_id: id, team_id: team, position, estimated_wait_seconds }))
    }
}

/// The time between the team's recent assignments (within the hour), in ms; None without history.
async fn team_pace(
    conn: &mut AnyConnection,
    account: AccountId,
    team: TeamId,
    now: i64,
) -> Result<Option<i64>, AppError> {
    let recent = queue::recent_assignments(conn, account, team, now - 3_600_000).await?;
    Ok(match (recent.first(), recent.last()) {
        (Some(newest), Some(oldest)) if recent.len() >= 2 && newest > oldest => {
            Some((newest - oldest) / (recent.len() as i64 - 1))
        }
        _ => None,
    })
}

impl App {
    /// Tells the customers at the front of a team's queue their place and wait (a `queue` signal to
    /// each conversation's sockets, on every node).
    pub(crate) async fn announce_queue(&self, account: AccountId, team: TeamId) -> Result<(), AppError> {
        let now = now_ms();
        let mut conn = self.db().read().await?;
        let pace = team_pace(&mut conn, account, team, now).await?;
        for (id, position) in queue::positions(&mut conn, account, team, ANNOUNCED).await? {
            let wait = pace.map(|ms| ((ms * position + 999) / 1000).max(1));
            let payload = serde_json::json!({"position": position, "estimated_wait_seconds": wait});
            self.signal(account, "queue", id, payload);
        }
        Ok(())
    }
}

/// The account's time zone (UTC when unknown).
pub(crate) async fn account_time_zone(conn: &mut AnyConnection, account: AccountId) -> Result<String, AppError> {
    Ok(switchboard_store::repo::accounts::get_by_id(conn, account)
        .await?
        .map(|a| a.time_zone)
        .unwrap_or_else(|| "UTC".into()))
}

/// The router with what one pass needs: every agent, every team, and per team the first waiting
/// conversations (as many as its agents have room for, plus headroom) and those due to overflow.
/// Also each loaded conversation's contact.
/// What a pass read before deciding.
struct Snapshot {
    router: Router,
    contacts: HashMap<ConversationId, ContactId>,
    default_capacity: u32,
    offer_timeouts: HashMap<TeamId, u32>,
}

async fn load_router(conn: &mut AnyConnection, account: AccountId, now: i64) -> Result<Snapshot, AppError> {
    let settings = routing::settings(conn, account).await?;
    let teams = routing::team_settings(conn, account).await?;
    let agents = routing::online_agents(conn, account).await?;
    let loads = queue::agent_loads(conn, account).await?;
    let mut router = Router::new();
    let mut members: HashMap<TeamId, Vec<(UserId, u8)>> = HashMap::new();
    for agent in &agents {
        router.set_agent(board::Agent {
            id: agent.user_id,
            state: AgentState::Online,
            capacity: agent.capacity.unwrap_or(settings.default_capacity),
            load: loads.get(&agent.user_id).copied().unwrap_or(0),
            last_assigned_at: agent.last_assigned_at,
        });
        for (team, level) in &agent.teams {
            members.entry(*team).or_default().push((agent.user_id, *level));
        }
    }
    for (team, _, team_settings) in &teams {
        let overflow = match (team_settings.overflow_team_id, team_settings.overflow_after_seconds) {
            (Some(to), Some(after)) => Some((to, i64::from(after) * 1000)),
            _ => None,
        };
        router.set_team(
            TeamRouting { team: *team, policy: team_settings.policy(), mode: team_settings.mode(), overflow },
            members.remove(team).unwrap_or_default(),
        );
    }
    let sticky_window = i64::from(settings.sticky_window_minutes) * 60_000;
    let mut contacts = HashMap::new();
    for (team, _, team_settings) in &teams {
        let free: i64 = router
            .members(*team)
            .iter()
            .filter_map(|(id, _)| router.agent(*id))
            .filter(|a| a.has_room())
            .map(|a| i64::from(a.capacity - a.load))
            .sum();
        let mut rows = if free > 0 { queue::heads(conn, account, *team, free + HEADROOM).await? } else { Vec::new() };
        if let Some(after) = team_settings.overflow_after_seconds.filter(|_| team_settings.overflow_team_id.is_some()) {
            rows.extend(queue::overdue(conn, account, *team, now - i64::from(after) * 1000, 500).await?);
        }
        for row in rows {
            let sticky =
                row.last_agent.filter(|(_, at)| sticky_window > 0 && now - at <= sticky_window).map(|(agent, _)| agent);
            contacts.insert(row.id, row.contact_id);
            router.enqueue(Waiting {
                id: row.id,
                team: row.team_id,
                rank: row.rank,
                queued_at: row.queued_at,
                team_since: row.team_since,
                sticky,
                declined: row.declined,
            });
        }
    }
    let offer_timeouts = teams.iter().map(|(id, _, s)| (*id, s.offer_timeout_seconds)).collect();
    Ok(Snapshot { router, contacts, default_capacity: settings.default_capacity, offer_timeouts })
}

/// The decisions that still hold under the account's lock: an assignment or offer only to an agent who
/// is still online and has room (counting the earlier decisions of this pass). Overflows always hold
/// (their own UPDATE is guarded).
async fn confirm(
    conn: &mut AnyConnection,
    account: AccountId,
    decisions: Vec<Decision>,
    default_capacity: u32,
) -> Result<Vec<Decision>, AppError> {
    let mut agents: Vec<UserId> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Assign { agent, .. } | Decision::Offer { agent, .. } => Some(*agent),
            Decision::Overflow { .. } => None,
        })
        .collect();
    agents.sort_unstable_by_key(|a| a.as_i64());
    agents.dedup();
    let mut room: HashMap<UserId, u32> = routing::room(conn, account, &agents)
        .await?
        .into_iter()
        .filter(|a| a.state == "online")
        .map(|a| (a.user_id, a.capacity.unwrap_or(default_capacity).saturating_sub(a.load)))
        .collect();
    Ok(decisions
        .into_iter()
        .filter(|decision| match decision {
            Decision::Assign { agent, .. } | Decision::Offer { agent, .. } => match room.get_mut(agent) {
                Some(free) if *free > 0 => {
                    *free -= 1;
                    true
                }
                _ => false,
            },
            Decision::Overflow { .. } => true,
        })
        .collect())
}

/// A note from the system in a conversation, in the customer's language.
pub(crate) enum SystemNote {
    AgentJoined(String),
    QueueFull,
    Transferred(String),
    Pending,
    Closed,
}

impl App {
    pub(crate) async fn system_message(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        conversation: &Conversation,
        note: SystemNote,
    ) -> Result<Message, AppError> {
        let at = Timestamp::from_unix_ms(now_ms());
        let seq = inbox::next_seq(conn, account, conversation.id, at).await?;
        let message = self.note_message(conversation, note, seq, at);
        inbox::insert_message(conn, account, &message, &switchboard_text::tokenize(&message.text)).await?;
        self.emit(conn, account, "message.created", serde_json::to_value(&message).unwrap_or_default()).await?;
        Ok(message)
    }

    /// The system's note as a message with the given sequence (not stored).
    pub(crate) fn note_message(
        &self,
        conversation: &Conversation,
        note: SystemNote,
        seq: i64,
        at: Timestamp,
    ) -> Message {
        let zh = conversation.locale.as_deref().is_none_or(|l| l.starts_with("zh"));
        let text = match (note, zh) {
            (SystemNote::AgentJoined(name), true) => format!("客服 {name} 已接入会话"),
            (SystemNote::AgentJoined(name), false) => format!("{name} joined the conversation"),
            (SystemNote::QueueFull, true) => "当前咨询人数较多，请留言，我们会尽快回复您。".into(),
            (SystemNote::QueueFull, false) => {
                "All our agents are busy right now. Leave your message and we will get back to you.".into()
            }
            (SystemNote::Transferred(to), true) => format!("会话已转接给 {to}"),
            (SystemNote::Transferred(to), false) => format!("The conversation was transferred to {to}"),
            (SystemNote::Pending, true) => "由于您长时间未回复，会话已转为待处理。如需继续咨询，请直接回复。".into(),
            (SystemNote::Pending, false) => {
                "We haven't heard from you for a while, so this conversation is on hold. Just reply to continue.".into()
            }
            (SystemNote::Closed, true) => "由于长时间无回复，会话已结束。感谢您的咨询！".into(),
            (SystemNote::Closed, false) => "This conversation was closed after a long silence. Thank you!".into(),
        };
        Message {
            id: MessageId::from_i64(self.db().new_id()),
            conversation_id: conversation.id,
            seq,
            author_kind: AuthorKind::System,
            author_id: None,
            author_name: String::new(),
            text,
            attachments: Vec::new(),
            bot: None,
            private: false,
            client_id: None,
            created_at: at,
        }
    }
}
