//! Routing: the account's settings, team queues, agents' capacity and proficiency, and the ordered
//! routing rules (this file); queues and the routing pass (`queue`); agents' presence (`agents`);
//! transfers and offers (`transfer`); and the background work every node runs (`worker`).

mod agents;
mod board_view;
mod queue;
mod transfer;
mod worker;

pub use agents::{AgentPresence, PRESENCE_STATES, PresenceReportRow};
pub use board_view::{QueueBoard, TeamBoard};
pub use queue::{PassReport, QueuePosition};
pub use transfer::TransferInput;
pub use worker::RoutingWorker;

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError};
use serde::{Deserialize, Serialize};
use switchboard_domain::permissions::Permission;
use switchboard_domain::routing::rules::{
    self, RoutingContext, RoutingFacts, RoutingOutcome, RoutingRule, RoutingRuleInput,
};
use switchboard_domain::routing::settings::{MAX_CAPACITY, RoutingSettings, TeamRoutingSettings};
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::{channels, inbox, routing, teams};
use utoipa::ToSchema;

pub(crate) fn now_ms() -> i64 {
    switchboard_store::now_ms()
}

/// An agent's concurrent-conversation limit: their own, else the account's default.
pub(crate) fn agent_capacity(status: &routing::AgentStatusRow, settings: &RoutingSettings) -> u32 {
    status.capacity.unwrap_or(settings.default_capacity)
}

/// A team's queue settings with the team's name.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TeamQueue {
    pub team_id: TeamId,
    pub name: String,
    pub routing: TeamRoutingSettings,
    /// Members and their proficiency (1-5).
    pub members: Vec<TeamMemberSkill>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TeamMemberSkill {
    pub user_id: UserId,
    pub proficiency: u8,
}

/// A change to a team's queue: its settings and/or members' proficiency.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TeamQueueInput {
    pub routing: Option<TeamRoutingSettings>,
    pub members: Option<Vec<TeamMemberSkill>>,
}

/// An agent's own concurrent-conversation limit (None: the account's default).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CapacityInput {
    pub capacity: Option<u32>,
}

/// A sample conversation to try the rules on.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RuleTestInput {
    pub channel_id: Option<ChannelId>,
    #[serde(default)]
    pub contact_tags: Vec<String>,
    #[serde(default)]
    pub vip_level: u8,
    #[serde(default)]
    pub contact_attributes: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub prechat: std::collections::BTreeMap<String, String>,
    pub page_url: Option<String>,
    pub locale: Option<String>,
    /// When the conversation arrives (default: now).
    pub at: Option<String>,
}

impl App {
    pub async fn routing_settings(&self, actor: &Actor) -> Result<RoutingSettings, AppError> {
        actor.require(Permission::RoutingMonitor).or_else(|_| actor.require(Permission::RoutingManage))?;
        let mut conn = self.db().read().await?;
        Ok(routing::settings(&mut conn, actor.account_id).await?)
    }

    pub async fn update_routing_settings(
        &self,
        actor: &Actor,
        settings: &RoutingSettings,
    ) -> Result<RoutingSettings, AppError> {
        actor.require(Permission::RoutingManage)?;
        settings.validate()?;
        let mut tx = self.db().begin().await?;
        if let Some(team) = settings.default_team_id
            && teams::existing_ids(&mut tx, actor.account_id, &[team]).await?.is_empty()
        {
            return Err(AppError::field("default_team_id", "no such team"));
        }
        let before = routing::settings(&mut tx, actor.account_id).await?;
        routing::save_settings(&mut tx, actor.account_id, settings, Timestamp::from_unix_ms(now_ms())).await?;
        record(
            self,
            &mut tx,
            actor,
            "routing.settings.update",
            ("account", Some(actor.account_id.as_i64())),
            Some(&before),
            Some(settings),
        )
        .await?;
        tx.commit().await?;
        self.routing_needed(actor.account_id);
        Ok(settings.clone())
    }

    pub async fn team_queues(&self, actor: &Actor) -> Result<Vec<TeamQueue>, AppError> {
        actor.require(Permission::TeamsRead)?;
        let mut conn = self.db().read().await?;
        let memberships = routing::memberships(&mut conn, actor.account_id).await?;
        Ok(routing::team_settings(&mut conn, actor.account_id)
            .await?
            .into_iter()
            .map(|(team_id, name, routing)| TeamQueue {
                team_id,
                name,
                routing,
                members: memberships
                    .iter()
                    .filter(|(t, ..)| *t == team_id)
                    .map(|(_, user_id, proficiency)| TeamMemberSkill { user_id: *user_id, proficiency: *proficiency })
                    .collect(),
            })
            .collect())
    }

    pub async fn update_team_queue(
        &self,
        actor: &Actor,
        team: TeamId,
        input: &TeamQueueInput,
    ) -> Result<TeamQueue, AppError> {
        actor.require(Permission::RoutingManage)?;
        let mut tx = self.db().begin().await?;
        let all = routing::team_settings(&mut tx, actor.account_id).await?;
        let (_, _, before) = all.iter().find(|(id, ..)| *id == team).cloned().ok_or(AppError::NotFound)?;
        if let Some(settings) = &input.routing {
            settings.validate(Some(team))?;
            if let Some(to) = settings.overflow_team_id
                && !all.iter().any(|(id, ..)| *id == to)
            {
                return Err(AppError::field("routing.overflow_team_id", "no such team"));
            }
            routing::save_team_settings(&mut tx, actor.account_id, team, settings).await?;
        }
        for (i, member) in input.members.iter().flatten().enumerate() {
            if !(1..=5).contains(&member.proficiency) {
                return Err(AppError::field(&format!("members[{i}].proficiency"), "must be 1 to 5"));
            }
            if !routing::set_proficiency(&mut tx, actor.account_id, team, member.user_id, member.proficiency).await? {
                return Err(AppError::field(&format!("members[{i}].user_id"), "is not a member of this team"));
            }
        }
        record(
            self,
            &mut tx,
            actor,
            "team.routing.update",
            ("team", Some(team.as_i64())),
            Some(&before),
            input.routing.as_ref(),
        )
        .await?;
        tx.commit().await?;
        self.routing_needed(actor.account_id);
        let queues = self.team_queues(actor).await?;
        queues.into_iter().find(|q| q.team_id == team).ok_or(AppError::NotFound)
    }

    /// Sets an agent's own limit of concurrent conversations (None: the account's default).
    pub async fn set_agent_capacity(&self, actor: &Actor, user: UserId, input: &CapacityInput) -> Result<(), AppError> {
        actor.require(Permission::RoutingManage)?;
        if let Some(capacity) = input.capacity
            && capacity > MAX_CAPACITY
        {
            return Err(AppError::field("capacity", format!("must be 0 to {MAX_CAPACITY}")));
        }
        let at = now_ms();
        let mut tx = self.db().begin().await?;
        let mut status = routing::agent_status(&mut tx, actor.account_id, user).await?.ok_or(AppError::NotFound)?;
        let before = status.capacity;
        status.capacity = input.capacity;
        routing::save_agent_status(&mut tx, actor.account_id, &status, at).await?;
        record(
            self,
            &mut tx,
            actor,
            "agent.capacity.update",
            ("user", Some(user.as_i64())),
            Some(&before),
            Some(&input.capacity),
        )
        .await?;
        tx.commit().await?;
        self.routing_needed(actor.account_id);
        Ok(())
    }

    pub async fn routing_rules(&self, actor: &Actor) -> Result<Vec<RoutingRule>, AppError> {
        actor.require(Permission::RoutingMonitor).or_else(|_| actor.require(Permission::RoutingManage))?;
        let mut conn = self.db().read().await?;
        Ok(routing::rules(&mut conn, actor.account_id).await?)
    }

    /// Creates a rule (`id` None) or changes one; `position` moves it in the list.
    pub async fn save_routing_rule(
        &self,
        actor: &Actor,
        id: Option<RoutingRuleId>,
        input: &RoutingRuleInput,
    ) -> Result<RoutingRule, AppError> {
        actor.require(Permission::RoutingManage)?;
        let valid = input.validate()?;
        let at = Timestamp::from_unix_ms(now_ms());
        let mut tx = self.db().begin().await?;
        check_references(&mut tx, actor.account_id, &valid.conditions, &valid.actions).await?;
        let mut rules = routing::rules(&mut tx, actor.account_id).await?;
        let before = match id {
            Some(id) => Some(rules.iter().find(|r| r.id == id).cloned().ok_or(AppError::NotFound)?),
            None => None,
        };
        let rule = RoutingRule {
            id: id.unwrap_or_else(|| RoutingRuleId::from_i64(self.db().new_id())),
            name: valid.name,
            position: 0,
            enabled: valid.enabled,
            conditions: valid.conditions,
            actions: valid.actions,
            created_at: before.as_ref().map(|b| b.created_at).unwrap_or(at),
            updated_at: at,
        };
        // Place it, then number the list 0, 1, 2, ... again.
        let old_place = rules.iter().position(|r| r.id == rule.id);
        if let Some(place) = old_place {
            rules.remove(place);
        }
        let place = match input.position {
            Some(p) => usize::try_from(p.max(0)).unwrap_or(0).min(rules.len()),
            None => old_place.unwrap_or(rules.len()).min(rules.len()),
        };
        rules.insert(place, rule);
        for (position, r) in rules.iter_mut().enumerate() {
            r.position = i64::try_from(position).unwrap_or(i64::MAX);
            routing::save_rule(&mut tx, actor.account_id, r).await?;
        }
        let saved = rules.get(place).cloned().ok_or(AppError::Internal("the rule was not placed".into()))?;
        let action = if before.is_some() { "routing.rule.update" } else { "routing.rule.create" };
        record(self, &mut tx, actor, action, ("routing_rule", Some(saved.id.as_i64())), before.as_ref(), Some(&saved))
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    pub async fn delete_routing_rule(&self, actor: &Actor, id: RoutingRuleId) -> Result<(), AppError> {
        actor.require(Permission::RoutingManage)?;
        let mut tx = self.db().begin().await?;
        let rules = routing::rules(&mut tx, actor.account_id).await?;
        let before = rules.iter().find(|r| r.id == id).cloned().ok_or(AppError::NotFound)?;
        routing::delete_rule(&mut tx, actor.account_id, id).await?;
        record(
            self,
            &mut tx,
            actor,
            "routing.rule.delete",
            ("routing_rule", Some(id.as_i64())),
            Some(&before),
            NOTHING,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the rules would do with a sample conversation.
    pub async fn test_routing_rules(&self, actor: &Actor, input: &RuleTestInput) -> Result<RoutingOutcome, AppError> {
        actor.require(Permission::RoutingManage)?;
        let at = match input.at.as_deref() {
            Some(text) => {
                Some(Timestamp::parse_rfc3339(text).ok_or_else(|| AppError::field("at", "must be an RFC 3339 time"))?)
            }
            None => Some(Timestamp::from_unix_ms(now_ms())),
        };
        let mut conn = self.db().read().await?;
        let settings = routing::settings(&mut conn, actor.account_id).await?;
        let rules = routing::rules(&mut conn, actor.account_id).await?;
        let time_zone = queue::account_time_zone(&mut conn, actor.account_id).await?;
        let facts = RoutingFacts {
            channel_id: input.channel_id,
            contact_tags: input.contact_tags.clone(),
            vip_level: input.vip_level.min(9),
            contact_attributes: input.contact_attributes.clone(),
            prechat: input.prechat.clone(),
            page_url: input.page_url.clone(),
            locale: input.locale.clone(),
            at,
        };
        let context = RoutingContext {
            time_zone: &time_zone,
            business_hours: Some(&settings.business_hours),
            default_team: settings.default_team_id,
        };
        Ok(rules::evaluate(&rules, &facts, &context))
    }

    /// Teams that routing refers to, so deleting one can be refused with the reason.
    pub(crate) async fn team_routing_uses(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        team: TeamId,
    ) -> Result<Vec<String>, AppError> {
        let mut uses = Vec::new();
        if routing::settings(conn, account).await?.default_team_id == Some(team) {
            uses.push("the default team of routing".to_string());
        }
        for rule in routing::rules(conn, account).await? {
            if rule.actions.team_id == Some(team) {
                uses.push(format!("routing rule \u{201c}{}\u{201d}", rule.name));
            }
        }
        for (id, name, settings) in routing::team_settings(conn, account).await? {
            if settings.overflow_team_id == Some(team) && id != team {
                uses.push(format!("the overflow of team \u{201c}{name}\u{201d}"));
            }
        }
        Ok(uses)
    }
}

/// Refuses a rule naming a team or channel that does not exist, or a pre-chat field no widget asks.
async fn check_references(
    conn: &mut AnyConnection,
    account: AccountId,
    conditions: &[rules::Condition],
    actions: &rules::RuleActions,
) -> Result<(), AppError> {
    if let Some(team) = actions.team_id
        && teams::existing_ids(conn, account, &[team]).await?.is_empty()
    {
        return Err(AppError::field("actions.team_id", "no such team (it may have been deleted)"));
    }
    let channels = channels::list_channels(conn, account, None, 1000).await?;
    let mut errors = FieldErrors::new();
    for (i, condition) in conditions.iter().enumerate() {
        if let rules::Condition::Channel { channel_ids } = condition
            && let Some(missing) = channel_ids.iter().find(|c| !channels.iter().any(|ch| ch.id == **c))
        {
            errors.add(format!("conditions[{i}]"), format!("no such channel {missing}"));
        }
        if let Some(key) = condition.prechat_key() {
            let asked = channels.iter().any(|ch| ch.settings.prechat_fields.iter().any(|f| f.key == key.trim()));
            if !asked {
                errors.add(
                    format!("conditions[{i}]"),
                    format!("no widget's pre-chat form has the field \u{201c}{key}\u{201d}"),
                );
            }
        }
    }
    Ok(errors.into_result()?)
}

/// A contact's VIP level (0-9) and tags, which routing rules read.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContactRoutingInput {
    pub vip_level: Option<u8>,
    pub tags: Option<Vec<String>>,
}

impl App {
    /// Sets a contact's VIP level and tags (supervisors and admins: `conversations.assign`).
    pub async fn update_contact_routing(
        &self,
        actor: &Actor,
        id: ContactId,
        input: &ContactRoutingInput,
    ) -> Result<conversations::Contact, AppError> {
        actor.require(Permission::ConversationsAssign)?;
        self.get_contact(actor, id).await?;
        let mut e = FieldErrors::new();
        if input.vip_level.is_some_and(|v| v > 9) {
            e.add("vip_level", "must be 0 to 9");
        }
        let tags = input.tags.as_ref().map(|t| conversations::tags(&mut e, t));
        e.into_result()?;
        let mut tx = self.db().begin().await?;
        let mut contact = inbox::get_contact(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let before = contact.clone();
        if let Some(level) = input.vip_level {
            contact.vip_level = level;
        }
        if let Some(tags) = tags {
            contact.tags = tags;
        }
        contact.updated_at = Timestamp::from_unix_ms(now_ms());
        inbox::update_contact(&mut tx, actor.account_id, &contact).await?;
        record(
            self,
            &mut tx,
            actor,
            "contact.routing.update",
            ("contact", Some(id.as_i64())),
            Some(&(before.vip_level, &before.tags)),
            Some(&(contact.vip_level, &contact.tags)),
        )
        .await?;
        tx.commit().await?;
        Ok(contact)
    }
}
