//! Team queues over `conversations`: waiting (queued_at set, no offer), offered (offered_to set) and
//! assigned. Every change is a guarded UPDATE, so a conversation changes hands once even when several
//! nodes route at the same moment.

use crate::error::StoreError;
use crate::rows::get;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use switchboard_domain::*;

/// A waiting conversation as routing needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRow {
    pub id: ConversationId,
    pub team_id: TeamId,
    pub contact_id: ContactId,
    pub rank: i64,
    pub queued_at: i64,
    pub team_since: i64,
    pub declined: Vec<UserId>,
    /// The agent who last served the contact, and when.
    pub last_agent: Option<(UserId, i64)>,
}

const QUEUED: &str = "SELECT c.id, c.team_id, c.contact_id, c.queue_rank, c.queued_at, c.team_since, c.declined_by, \
     k.last_agent_id, k.last_served_at FROM conversations c JOIN contacts k ON k.id = c.contact_id";

fn queued(row: &AnyRow) -> Result<QueuedRow, StoreError> {
    let declined: String = get(row, "declined_by")?;
    let queued_at: i64 = get::<Option<i64>>(row, "queued_at")?.unwrap_or(0);
    let last_agent: Option<i64> = get(row, "last_agent_id")?;
    Ok(QueuedRow {
        id: ConversationId::from_i64(get(row, "id")?),
        team_id: TeamId::from_i64(get::<Option<i64>>(row, "team_id")?.unwrap_or(0)),
        contact_id: ContactId::from_i64(get(row, "contact_id")?),
        rank: get(row, "queue_rank")?,
        queued_at,
        team_since: get::<Option<i64>>(row, "team_since")?.unwrap_or(queued_at),
        declined: crate::dialect::split_ids(Some(&declined)).into_iter().map(UserId::from_i64).collect(),
        last_agent: last_agent
            .map(|a| {
                Ok::<_, StoreError>((UserId::from_i64(a), get::<Option<i64>>(row, "last_served_at")?.unwrap_or(0)))
            })
            .transpose()?,
    })
}

/// Puts a conversation in `team`'s queue (or moves it there), keeping `queued_at` when it already waits.
pub async fn enqueue(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    team: TeamId,
    rank: i64,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET team_id = $3, queue_rank = $4, queued_at = COALESCE(queued_at, $5), team_since = $5, \
         offered_to = NULL, offer_expires_at = NULL, assignee_id = NULL WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .bind(team.as_i64())
    .bind(rank)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a conversation out of every queue and offer (assigned by hand, resolved, closed, ...).
pub async fn dequeue(conn: &mut AnyConnection, account: AccountId, id: ConversationId) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET queued_at = NULL, team_since = NULL, offered_to = NULL, offer_expires_at = NULL, \
         declined_by = '' WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .execute(conn)
    .await?;
    Ok(())
}

/// The first `limit` waiting conversations of a team, in queue order.
pub async fn heads(
    conn: &mut AnyConnection,
    account: AccountId,
    team: TeamId,
    limit: i64,
) -> Result<Vec<QueuedRow>, StoreError> {
    let sql = format!(
        "{QUEUED} WHERE c.account_id = $1 AND c.team_id = $2 AND c.queued_at IS NOT NULL AND c.offered_to IS NULL \
         ORDER BY c.queue_rank DESC, c.queued_at, c.id LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(team.as_i64())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(queued).collect()
}

/// Waiting conversations of a team that entered it before `before` (due to overflow), oldest first.
pub async fn overdue(
    conn: &mut AnyConnection,
    account: AccountId,
    team: TeamId,
    before: i64,
    limit: i64,
) -> Result<Vec<QueuedRow>, StoreError> {
    let sql = format!(
        "{QUEUED} WHERE c.account_id = $1 AND c.team_id = $2 AND c.queued_at IS NOT NULL AND c.offered_to IS NULL \
         AND c.team_since <= $3 ORDER BY c.team_since LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(team.as_i64())
        .bind(before)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(queued).collect()
}

/// Per agent: open conversations assigned plus offers awaiting an answer.
pub async fn agent_loads(conn: &mut AnyConnection, account: AccountId) -> Result<HashMap<UserId, u32>, StoreError> {
    let rows = sqlx::query(
        "SELECT assignee_id AS agent, COUNT(*) AS n FROM conversations WHERE account_id = $1 AND status = 'open' \
         AND assignee_id IS NOT NULL GROUP BY assignee_id \
         UNION ALL SELECT offered_to AS agent, COUNT(*) AS n FROM conversations WHERE account_id = $1 \
         AND offered_to IS NOT NULL GROUP BY offered_to",
    )
    .bind(account.as_i64())
    .fetch_all(conn)
    .await?;
    let mut loads = HashMap::new();
    for row in &rows {
        let n: i64 = get(row, "n")?;
        *loads.entry(UserId::from_i64(get(row, "agent")?)).or_insert(0) += u32::try_from(n).unwrap_or(u32::MAX);
    }
    Ok(loads)
}

/// Offers a waiting conversation to an agent until `expires_at`; false when it no longer waits.
pub async fn offer(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    agent: UserId,
    expires_at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE conversations SET offered_to = $3, offer_expires_at = $4 \
         WHERE account_id = $1 AND id = $2 AND queued_at IS NOT NULL AND offered_to IS NULL",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .bind(agent.as_i64())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts an offered conversation back in its queue (keeping its place), remembering who declined it.
pub async fn return_offer(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    agent: UserId,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL, \
         declined_by = CASE WHEN declined_by = '' THEN $4 ELSE declined_by || ',' || $4 END \
         WHERE account_id = $1 AND id = $2 AND offered_to = $3",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .bind(agent.as_i64())
    .bind(agent.as_i64().to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a waiting conversation to another team's queue (overflow); false when it no longer waits.
pub async fn move_team(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    from: TeamId,
    to: TeamId,
    at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE conversations SET team_id = $4, team_since = $5 \
         WHERE account_id = $1 AND id = $2 AND team_id = $3 AND queued_at IS NOT NULL AND offered_to IS NULL",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .bind(from.as_i64())
    .bind(to.as_i64())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Offers that ran out before `now`: `(account, conversation, agent)`.
pub async fn expired_offers(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<(AccountId, ConversationId, UserId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id, id, offered_to FROM conversations WHERE offered_to IS NOT NULL AND offer_expires_at < $1 \
         ORDER BY offer_expires_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                AccountId::from_i64(get(row, "account_id")?),
                ConversationId::from_i64(get(row, "id")?),
                UserId::from_i64(get(row, "offered_to")?),
            ))
        })
        .collect()
}

/// Accounts with conversations waiting in a queue.
pub async fn accounts_waiting(conn: &mut AnyConnection) -> Result<Vec<AccountId>, StoreError> {
    let rows =
        sqlx::query("SELECT DISTINCT account_id FROM conversations WHERE queued_at IS NOT NULL AND offered_to IS NULL")
            .fetch_all(conn)
            .await?;
    rows.iter().map(|row| Ok(AccountId::from_i64(get(row, "account_id")?))).collect()
}

/// Per team: conversations waiting, the oldest `queued_at`, and offers outstanding.
pub async fn board(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<Vec<(TeamId, i64, Option<i64>, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT team_id, SUM(CASE WHEN offered_to IS NULL THEN 1 ELSE 0 END) AS waiting, \
         MIN(CASE WHEN offered_to IS NULL THEN queued_at END) AS oldest, \
         SUM(CASE WHEN offered_to IS NULL THEN 0 ELSE 1 END) AS offered FROM conversations \
         WHERE account_id = $1 AND queued_at IS NOT NULL AND team_id IS NOT NULL GROUP BY team_id",
    )
    .bind(account.as_i64())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                TeamId::from_i64(get(row, "team_id")?),
                get::<Option<i64>>(row, "waiting")?.unwrap_or(0),
                get(row, "oldest")?,
                get::<Option<i64>>(row, "offered")?.unwrap_or(0),
            ))
        })
        .collect()
}

/// A waiting conversation's team and place in line (1 = next).
pub async fn position(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
) -> Result<Option<(TeamId, i64)>, StoreError> {
    let row = sqlx::query(
        "SELECT c.team_id, (SELECT COUNT(*) FROM conversations o WHERE o.account_id = c.account_id \
         AND o.team_id = c.team_id AND o.queued_at IS NOT NULL AND o.offered_to IS NULL \
         AND (o.queue_rank > c.queue_rank OR (o.queue_rank = c.queue_rank AND (o.queued_at < c.queued_at \
         OR (o.queued_at = c.queued_at AND o.id < c.id))))) AS ahead FROM conversations c \
         WHERE c.account_id = $1 AND c.id = $2 AND c.queued_at IS NOT NULL AND c.team_id IS NOT NULL",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .fetch_optional(conn)
    .await?;
    row.map(|row| Ok((TeamId::from_i64(get(&row, "team_id")?), get::<i64>(&row, "ahead")? + 1))).transpose()
}

/// When the team's recent conversations were assigned (newest first), for wait estimates.
pub async fn recent_assignments(
    conn: &mut AnyConnection,
    account: AccountId,
    team: TeamId,
    since: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT assigned_at FROM conversations WHERE account_id = $1 AND team_id = $2 AND assigned_at > $3 \
         ORDER BY assigned_at DESC LIMIT 50",
    )
    .bind(account.as_i64())
    .bind(team.as_i64())
    .bind(since)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| get(row, "assigned_at")).collect()
}

/// What routing rules read about a contact: tags, VIP level, attributes.
pub async fn contact_facts(
    conn: &mut AnyConnection,
    account: AccountId,
    contact: ContactId,
) -> Result<(Vec<String>, u8, std::collections::BTreeMap<String, String>), StoreError> {
    let row = sqlx::query("SELECT tags, vip_level, attributes FROM contacts WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(contact.as_i64())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let level: i64 = get(&row, "vip_level")?;
    Ok((
        serde_json::from_str(&get::<String>(&row, "tags")?).unwrap_or_default(),
        u8::try_from(level.clamp(0, 9)).unwrap_or(0),
        serde_json::from_str(&get::<String>(&row, "attributes")?).unwrap_or_default(),
    ))
}

/// Remembers who served the contact (for sticky routing).
pub async fn set_last_agent(
    conn: &mut AnyConnection,
    account: AccountId,
    contact: ContactId,
    agent: UserId,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE contacts SET last_agent_id = $3, last_served_at = $4 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(contact.as_i64())
        .bind(agent.as_i64())
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Conversations in `status` whose customer has been silent since the agent wrote before `before`:
/// `(account, conversation, last_agent_at)`.
pub async fn silent(
    conn: &mut AnyConnection,
    status: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<(AccountId, ConversationId, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id, id, last_agent_at FROM conversations WHERE status = $1 AND last_agent_at IS NOT NULL \
         AND last_agent_at < $2 AND (last_customer_at IS NULL OR last_customer_at < last_agent_at) \
         ORDER BY last_agent_at LIMIT $3",
    )
    .bind(status)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                AccountId::from_i64(get(row, "account_id")?),
                ConversationId::from_i64(get(row, "id")?),
                get(row, "last_agent_at")?,
            ))
        })
        .collect()
}

/// The first `limit` waiting conversations of a team with their place in line (1 = next).
pub async fn positions(
    conn: &mut AnyConnection,
    account: AccountId,
    team: TeamId,
    limit: i64,
) -> Result<Vec<(ConversationId, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM conversations WHERE account_id = $1 AND team_id = $2 AND queued_at IS NOT NULL \
         AND offered_to IS NULL ORDER BY queue_rank DESC, queued_at, id LIMIT $3",
    )
    .bind(account.as_i64())
    .bind(team.as_i64())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| Ok((ConversationId::from_i64(get(row, "id")?), i64::try_from(i).unwrap_or(i64::MAX) + 1)))
        .collect()
}

/// How many conversations wait in a team's queue (offers excluded).
pub async fn waiting_count(conn: &mut AnyConnection, account: AccountId, team: TeamId) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM conversations WHERE account_id = $1 AND team_id = $2 AND queued_at IS NOT NULL \
         AND offered_to IS NULL",
    )
    .bind(account.as_i64())
    .bind(team.as_i64())
    .fetch_one(conn)
    .await?;
    get(&row, "n")
}
