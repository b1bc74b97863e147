//! The append-only, hash-chained audit log. Appends serialise per account on the `audit_heads`
//! row (the UPDATE takes its row lock on PostgreSQL; SQLite has one writer).

use crate::error::StoreError;
use crate::rows::{get, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::audit::{AuditFields, GENESIS_HASH, chain_hash};
use switchboard_domain::entities::{ActorKind, AuditEntry};
use switchboard_domain::requests::AuditFilter;
use switchboard_domain::{AccountId, AuditEntryId};

/// What an app service records; the store adds the sequence and the hashes.
#[derive(Debug, Clone, Default)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub ip: String,
    pub user_agent: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    /// JSON text, empty when there is no "before".
    pub before: String,
    /// JSON text, empty when there is no "after".
    pub after: String,
}

/// Starts an account's chain; called in the transaction that creates the account.
pub async fn start_chain(conn: &mut AnyConnection, account: AccountId) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_heads (account_id, last_seq, last_hash) VALUES ($1, 0, $2)")
        .bind(account.as_i64())
        .bind(GENESIS_HASH)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn append(conn: &mut AnyConnection, account: AccountId, r: &AuditRecord) -> Result<i64, StoreError> {
    let head = sqlx::query(
        "UPDATE audit_heads SET last_seq = last_seq + 1 WHERE account_id = $1 RETURNING last_seq, last_hash",
    )
    .bind(account.as_i64())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::Corrupt(format!("account {account} has no audit chain head")))?;
    let seq: i64 = get(&head, "last_seq")?;
    let prev_hash: String = get(&head, "last_hash")?;
    let hash = chain_hash(&prev_hash, &fields(account.as_i64(), seq, r));
    sqlx::query(
        "INSERT INTO audit_log (account_id, seq, id, at, actor_kind, actor_id, actor_name, ip, user_agent, action, \
         target_kind, target_id, before_json, after_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(account.as_i64())
    .bind(seq)
    .bind(r.id)
    .bind(r.at)
    .bind(&r.actor_kind)
    .bind(r.actor_id)
    .bind(&r.actor_name)
    .bind(&r.ip)
    .bind(&r.user_agent)
    .bind(&r.action)
    .bind(&r.target_kind)
    .bind(r.target_id)
    .bind(&r.before)
    .bind(&r.after)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_heads SET last_hash = $2 WHERE account_id = $1")
        .bind(account.as_i64())
        .bind(&hash)
        .execute(conn)
        .await?;
    Ok(seq)
}

fn fields<'a>(account: i64, seq: i64, r: &'a AuditRecord) -> AuditFields<'a> {
    AuditFields {
        account_id: account,
        seq,
        at_ms: r.at,
        actor_kind: &r.actor_kind,
        actor_id: r.actor_id,
        actor_name: &r.actor_name,
        ip: &r.ip,
        user_agent: &r.user_agent,
        action: &r.action,
        target_kind: &r.target_kind,
        target_id: r.target_id,
        before: &r.before,
        after: &r.after,
    }
}

const SELECT: &str = "SELECT seq, id, at, actor_kind, actor_id, actor_name, ip, user_agent, action, target_kind, target_id, \
                      before_json, after_json, prev_hash, hash FROM audit_log";

fn record(row: &AnyRow) -> Result<(i64, AuditRecord, String, String), StoreError> {
    Ok((
        get(row, "seq")?,
        AuditRecord {
            id: get(row, "id")?,
            at: get(row, "at")?,
            actor_kind: get(row, "actor_kind")?,
            actor_id: get(row, "actor_id")?,
            actor_name: get(row, "actor_name")?,
            ip: get(row, "ip")?,
            user_agent: get(row, "user_agent")?,
            action: get(row, "action")?,
            target_kind: get(row, "target_kind")?,
            target_id: get(row, "target_id")?,
            before: get(row, "before_json")?,
            after: get(row, "after_json")?,
        },
        get(row, "prev_hash")?,
        get(row, "hash")?,
    ))
}

fn entry(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let (seq, r, _prev, hash) = record(row)?;
    let json = |text: &str| if text.is_empty() { None } else { serde_json::from_str(text).ok() };
    Ok(AuditEntry {
        id: AuditEntryId::from_i64(r.id),
        seq,
        at: time(row, "at")?,
        actor_kind: ActorKind::parse(&r.actor_kind),
        actor_id: r.actor_id,
        actor_name: r.actor_name,
        ip: r.ip,
        user_agent: r.user_agent,
        action: r.action,
        target_kind: r.target_kind,
        target_id: r.target_id,
        before: json(&r.before),
        after: json(&r.after),
        hash,
    })
}

/// Entries newest first, before sequence `before_seq` (exclusive), filtered.
pub async fn list(
    conn: &mut AnyConnection,
    account: AccountId,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE account_id = $1 AND seq < $2 \
         AND ($3 IS NULL OR action LIKE $3 ESCAPE '\\') AND ($4 IS NULL OR actor_id = $4) \
         AND ($5 IS NULL OR target_kind = $5) AND ($6 IS NULL OR target_id = $6) \
         AND ($7 IS NULL OR at >= $7) AND ($8 IS NULL OR at < $8) \
         ORDER BY seq DESC LIMIT $9"
    );
    // "team." or "team" is a prefix; "team.update" is exact.
    let action = filter.action.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(|a| {
        let escaped = super::like_escape(a);
        if a.ends_with('.') || !a.contains('.') { format!("{escaped}%") } else { escaped }
    });
    let id = |text: &Option<String>| text.as_deref().and_then(|t| t.trim().parse::<i64>().ok());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(action)
        .bind(id(&filter.actor_id))
        .bind(filter.target_kind.as_deref().map(str::trim).filter(|t| !t.is_empty()))
        .bind(id(&filter.target_id))
        .bind(filter.from.map(|t| t.unix_ms()))
        .bind(filter.to.map(|t| t.unix_ms()))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(entry).collect()
}

/// Where an account's chain first fails to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Walks an account's chain from the start; returns the number of entries and the first broken link.
pub async fn verify(conn: &mut AnyConnection, account: AccountId) -> Result<(i64, Option<BrokenLink>), StoreError> {
    let mut expected_prev = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    let mut after = 0;
    loop {
        let sql = format!("{SELECT} WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT 1000");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(after).fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let (seq, r, prev_hash, hash) = record(row)?;
            if seq != expected_seq {
                return Ok((
                    seq - 1,
                    Some(BrokenLink { seq: expected_seq, reason: format!("entry {expected_seq} is missing") }),
                ));
            }
            if prev_hash != expected_prev {
                return Ok((
                    seq - 1,
                    Some(BrokenLink { seq, reason: "its previous-hash does not match the entry before it".into() }),
                ));
            }
            if chain_hash(&prev_hash, &fields(account.as_i64(), seq, &r)) != hash {
                return Ok((
                    seq - 1,
                    Some(BrokenLink { seq, reason: "its content does not match its hash (altered)".into() }),
                ));
            }
            expected_prev = hash;
            expected_seq += 1;
            after = seq;
        }
    }
    let head = sqlx::query("SELECT last_seq, last_hash FROM audit_heads WHERE account_id = $1")
        .bind(account.as_i64())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(head) = head {
        let last_seq: i64 = get(&head, "last_seq")?;
        let last_hash: String = get(&head, "last_hash")?;
        if last_seq != expected_seq - 1 || last_hash != expected_prev {
            return Ok((
                expected_seq - 1,
                Some(BrokenLink {
                    seq: expected_seq,
                    reason: format!(
                        "the chain ends at {} but the head says {last_seq} (entries removed)",
                        expected_seq - 1
                    ),
                }),
            ));
        }
    }
    Ok((expected_seq - 1, None))
}
