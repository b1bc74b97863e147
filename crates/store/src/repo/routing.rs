//! Routing configuration and agent status: account settings, team queue settings and proficiency,
//! routing rules, agents' states and capacity, and the log of time spent in each state.

use crate::error::StoreError;
use crate::rows::{flag, get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::routing::rules::RoutingRule;
use switchboard_domain::routing::settings::{RoutingSettings, TeamRoutingSettings};
use switchboard_domain::*;

pub async fn settings(conn: &mut AnyConnection, account: AccountId) -> Result<RoutingSettings, StoreError> {
    let row = sqlx::query("SELECT settings FROM routing_settings WHERE account_id = $1")
        .bind(account.as_i64())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => serde_json::from_str(&get::<String>(&row, "settings")?).unwrap_or_default(),
        None => RoutingSettings::default(),
    })
}

pub async fn save_settings(
    conn: &mut AnyConnection,
    account: AccountId,
    settings: &RoutingSettings,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO routing_settings (account_id, settings, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET settings = $2, updated_at = $3",
    )
    .bind(account.as_i64())
    .bind(serde_json::to_string(settings).unwrap_or_else(|_| "{}".into()))
    .bind(at.unix_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Every team's queue settings.
pub async fn team_settings(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<Vec<(TeamId, String, TeamRoutingSettings)>, StoreError> {
    let rows = sqlx::query("SELECT id, name, routing FROM teams WHERE account_id = $1 ORDER BY name")
        .bind(account.as_i64())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let settings = serde_json::from_str(&get::<String>(row, "routing")?).unwrap_or_default();
            Ok((TeamId::from_i64(get(row, "id")?), get(row, "name")?, settings))
        })
        .collect()
}

pub async fn save_team_settings(
    conn: &mut AnyConnection,
    account: AccountId,
    team: TeamId,
    settings: &TeamRoutingSettings,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE teams SET routing = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(team.as_i64())
        .bind(serde_json::to_string(settings).unwrap_or_else(|_| "{}".into()))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Every (team, member, proficiency) of the account's active users.
pub async fn memberships(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<Vec<(TeamId, UserId, u8)>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.team_id, m.user_id, m.proficiency FROM team_members m JOIN users u ON u.id = m.user_id \
         WHERE m.account_id = $1 AND u.active = 1 ORDER BY m.team_id, m.user_id",
    )
    .bind(account.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let level: i64 = get(row, "proficiency")?;
            Ok((
                TeamId::from_i64(get(row, "team_id")?),
                UserId::from_i64(get(row, "user_id")?),
                u8::try_from(level.clamp(1, 5)).unwrap_or(3),
            ))
        })
        .collect()
}

/// Sets a member's proficiency; false when the user is not in the team.
pub async fn set_proficiency(
    conn: &mut AnyConnection,
    account: AccountId,
    team: TeamId,
    user: UserId,
    level: u8,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE team_members SET proficiency = $4 WHERE account_id = $1 AND team_id = $2 AND user_id = $3")
            .bind(account.as_i64())
            .bind(team.as_i64())
            .bind(user.as_i64())
            .bind(i64::from(level))
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

const RULE: &str = "SELECT id, name, position, enabled, conditions, actions, created_at, updated_at FROM routing_rules";

fn rule(row: &AnyRow) -> Result<RoutingRule, StoreError> {
    Ok(RoutingRule {
        id: RoutingRuleId::from_i64(get(row, "id")?),
        name: get(row, "name")?,
        position: get(row, "position")?,
        enabled: flag(row, "enabled")?,
        conditions: serde_json::from_str(&get::<String>(row, "conditions")?).unwrap_or_default(),
        actions: serde_json::from_str(&get::<String>(row, "actions")?).unwrap_or_default(),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

/// The account's rules in evaluation order.
pub async fn rules(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<RoutingRule>, StoreError> {
    let sql = format!("{RULE} WHERE account_id = $1 ORDER BY position, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).fetch_all(conn).await?;
    rows.iter().map(rule).collect()
}

/// Inserts or replaces a rule (by id).
pub async fn save_rule(conn: &mut AnyConnection, account: AccountId, r: &RoutingRule) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO routing_rules (account_id, id, name, position, enabled, conditions, actions, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET name = $3, position = $4, \
         enabled = $5, conditions = $6, actions = $7, updated_at = $9",
    )
    .bind(account.as_i64())
    .bind(r.id.as_i64())
    .bind(&r.name)
    .bind(r.position)
    .bind(i64::from(r.enabled))
    .bind(serde_json::to_string(&r.conditions).unwrap_or_else(|_| "[]".into()))
    .bind(serde_json::to_string(&r.actions).unwrap_or_else(|_| "{}".into()))
    .bind(r.created_at.unix_ms())
    .bind(r.updated_at.unix_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_rule(conn: &mut AnyConnection, account: AccountId, id: RoutingRuleId) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM routing_rules WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// An agent's status row (absent: never signed in to the workspace, i.e. offline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStatusRow {
    pub user_id: UserId,
    pub name: String,
    /// The state the agent chose: online, busy, away or offline.
    pub chosen: String,
    /// Why the system made the agent away (idle, missed_offer), if it did.
    pub auto_away: Option<String>,
    /// The effective state.
    pub state: String,
    pub state_since: i64,
    pub capacity: Option<u32>,
    pub last_activity_at: i64,
    /// Every session has been gone since.
    pub disconnected_at: Option<i64>,
    pub last_assigned_at: i64,
}

const STATUS: &str = "SELECT u.id AS user_id, u.name, s.chosen, s.auto_away, s.state, s.state_since, s.capacity, \
     s.last_activity_at, s.disconnected_at, s.last_assigned_at FROM users u \
     LEFT JOIN agent_status s ON s.user_id = u.id";

fn status(row: &AnyRow) -> Result<AgentStatusRow, StoreError> {
    let state: Option<String> = get(row, "state")?;
    Ok(AgentStatusRow {
        user_id: UserId::from_i64(get(row, "user_id")?),
        name: get(row, "name")?,
        chosen: get::<Option<String>>(row, "chosen")?.unwrap_or_else(|| "offline".into()),
        auto_away: get(row, "auto_away")?,
        state: state.unwrap_or_else(|| "offline".into()),
        state_since: get::<Option<i64>>(row, "state_since")?.unwrap_or(0),
        capacity: get::<Option<i64>>(row, "capacity")?.and_then(|c| u32::try_from(c).ok()),
        last_activity_at: get::<Option<i64>>(row, "last_activity_at")?.unwrap_or(0),
        disconnected_at: get(row, "disconnected_at")?,
        last_assigned_at: get::<Option<i64>>(row, "last_assigned_at")?.unwrap_or(0),
    })
}

/// What a routing pass needs of the agents who can take conversations now (online, active): their
/// capacity override, last assignment, and teams with proficiency. One narrow query: a pass runs often,
/// and offline agents, whatever their number, cost it nothing.
pub struct OnlineAgent {
    pub user_id: UserId,
    pub capacity: Option<u32>,
    pub last_assigned_at: i64,
    pub teams: Vec<(TeamId, u8)>,
}

pub async fn online_agents(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<OnlineAgent>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.user_id, s.capacity, s.last_assigned_at, m.team_id, m.proficiency FROM agent_status s \
         JOIN users u ON u.id = s.user_id LEFT JOIN team_members m ON m.account_id = s.account_id \
         AND m.user_id = s.user_id WHERE s.account_id = $1 AND s.state = 'online' AND u.active = 1 \
         ORDER BY s.user_id",
    )
    .bind(account.as_i64())
    .fetch_all(conn)
    .await?;
    let mut agents: Vec<OnlineAgent> = Vec::new();
    for row in &rows {
        let user_id = UserId::from_i64(get(row, "user_id")?);
        if agents.last().is_none_or(|a| a.user_id != user_id) {
            agents.push(OnlineAgent {
                user_id,
                capacity: get::<Option<i64>>(row, "capacity")?.and_then(|c| u32::try_from(c).ok()),
                last_assigned_at: get::<Option<i64>>(row, "last_assigned_at")?.unwrap_or(0),
                teams: Vec::new(),
            });
        }
        if let (Some(team), Some(agent)) = (get::<Option<i64>>(row, "team_id")?, agents.last_mut()) {
            let level = get::<Option<i64>>(row, "proficiency")?.unwrap_or(3);
            agent.teams.push((TeamId::from_i64(team), u8::try_from(level.clamp(1, 5)).unwrap_or(3)));
        }
    }
    Ok(agents)
}

/// An agent's state and room, read under the account's lock to confirm a pass's decisions.
pub struct AgentRoom {
    pub user_id: UserId,
    pub state: String,
    pub capacity: Option<u32>,
    /// Open conversations assigned plus offers held.
    pub load: u32,
}

/// State, capacity override and load of these agents (active users with a status row; others are left out).
pub async fn room(
    conn: &mut AnyConnection,
    account: AccountId,
    agents: &[UserId],
) -> Result<Vec<AgentRoom>, StoreError> {
    if agents.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = agents.iter().map(|a| a.as_i64()).collect();
    let rows = crate::repo::with_ids(
        "SELECT s.user_id, s.state, s.capacity, \
         (SELECT COUNT(*) FROM conversations c WHERE c.account_id = s.account_id AND c.assignee_id = s.user_id \
          AND c.status = 'open') + (SELECT COUNT(*) FROM conversations c WHERE c.account_id = s.account_id \
          AND c.offered_to = s.user_id) AS load \
         FROM agent_status s JOIN users u ON u.id = s.user_id \
         WHERE s.account_id = $1 AND u.active = 1 AND s.user_id IN ({ids})",
        account,
        &ids,
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AgentRoom {
                user_id: UserId::from_i64(get(row, "user_id")?),
                state: get(row, "state")?,
                capacity: get::<Option<i64>>(row, "capacity")?.and_then(|c| u32::try_from(c).ok()),
                load: u32::try_from(get::<i64>(row, "load")?).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

/// Every active user's status, by name.
pub async fn agent_statuses(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<AgentStatusRow>, StoreError> {
    let sql = format!("{STATUS} WHERE u.account_id = $1 AND u.active = 1 ORDER BY u.name, u.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).fetch_all(conn).await?;
    rows.iter().map(status).collect()
}

pub async fn agent_status(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
) -> Result<Option<AgentStatusRow>, StoreError> {
    let sql = format!("{STATUS} WHERE u.account_id = $1 AND u.id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(user.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(status).transpose()
}

/// Agents whose presence timers may have run out: online and idle since `idle_before`, or with every
/// session gone since `gone_before` and not yet offline. `(account, user)`.
pub async fn agents_to_check(
    conn: &mut AnyConnection,
    idle_before: i64,
    gone_before: i64,
) -> Result<Vec<(AccountId, UserId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id, user_id FROM agent_status WHERE (state = 'online' AND last_activity_at < $1) \
         OR (state <> 'offline' AND disconnected_at IS NOT NULL AND disconnected_at < $2)",
    )
    .bind(idle_before)
    .bind(gone_before)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| Ok((AccountId::from_i64(get(row, "account_id")?), UserId::from_i64(get(row, "user_id")?))))
        .collect()
}

pub async fn save_agent_status(
    conn: &mut AnyConnection,
    account: AccountId,
    s: &AgentStatusRow,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agent_status (account_id, user_id, chosen, auto_away, state, state_since, capacity, \
         last_activity_at, disconnected_at, last_assigned_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (user_id) DO UPDATE SET chosen = $3, auto_away = $4, state = $5, state_since = $6, capacity = $7, \
         last_activity_at = $8, disconnected_at = $9, last_assigned_at = $10, updated_at = $11",
    )
    .bind(account.as_i64())
    .bind(s.user_id.as_i64())
    .bind(&s.chosen)
    .bind(s.auto_away.as_deref())
    .bind(&s.state)
    .bind(s.state_since)
    .bind(s.capacity.map(i64::from))
    .bind(s.last_activity_at)
    .bind(s.disconnected_at)
    .bind(s.last_assigned_at)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that `user` entered `state` at `at`: closes the open interval and opens a new one.
pub async fn log_state(
    conn: &mut AnyConnection,
    account: AccountId,
    id: i64,
    user: UserId,
    state: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE presence_log SET ended_at = $3 WHERE account_id = $1 AND user_id = $2 AND ended_at IS NULL")
        .bind(account.as_i64())
        .bind(user.as_i64())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO presence_log (account_id, id, user_id, state, started_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(account.as_i64())
        .bind(id)
        .bind(user.as_i64())
        .bind(state)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Milliseconds each user spent in each state between `from` and `to` (intervals clipped to the
/// range; an open interval runs until `to`). `(user, state, ms)`.
pub async fn time_in_states(
    conn: &mut AnyConnection,
    account: AccountId,
    from: i64,
    to: i64,
) -> Result<Vec<(UserId, String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, state, CAST(SUM(CASE WHEN COALESCE(ended_at, $3) < $3 THEN COALESCE(ended_at, $3) ELSE $3 END \
         - CASE WHEN started_at > $2 THEN started_at ELSE $2 END) AS BIGINT) AS ms FROM presence_log \
         WHERE account_id = $1 AND started_at < $3 AND COALESCE(ended_at, $3) > $2 GROUP BY user_id, state",
    )
    .bind(account.as_i64())
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                UserId::from_i64(get(row, "user_id")?),
                get(row, "state")?,
                get::<Option<i64>>(row, "ms")?.unwrap_or(0),
            ))
        })
        .collect()
}
