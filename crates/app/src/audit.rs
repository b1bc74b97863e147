//! Recording and reading the audit log.

use crate::{Actor, App, AppError, Page, PageRequest};
use serde::Serialize;
use switchboard_domain::AccountId;
use switchboard_domain::entities::AuditEntry;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::AuditFilter;
use switchboard_store::AnyConnection;
use switchboard_store::repo::audit::{self as audit_repo, AuditRecord, BrokenLink};
use switchboard_store::repo::outbox;

fn json_text<T: Serialize>(value: Option<&T>) -> String {
    value.and_then(|v| serde_json::to_string(v).ok()).unwrap_or_default()
}

/// Appends an entry in the caller's transaction.
pub(crate) async fn record<B: Serialize, A: Serialize>(
    app: &App,
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    target: (&str, Option<i64>),
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), AppError> {
    let entry = AuditRecord {
        id: app.db().new_id(),
        at: switchboard_store::now_ms(),
        actor_kind: actor.kind().name().to_string(),
        actor_id: actor.audit_id(),
        actor_name: actor.name.clone(),
        ip: actor.ip.clone(),
        user_agent: actor.user_agent.clone(),
        action: action.to_string(),
        target_kind: target.0.to_string(),
        target_id: target.1,
        before: json_text(before),
        after: json_text(after),
    };
    audit_repo::append(conn, actor.account_id, &entry).await?;
    // The change is also an event for the other parts of the system (and the other nodes).
    if let Some(topic) = switchboard_domain::events::topic_for_action(action) {
        let payload = match (after, before) {
            (Some(after), _) => serde_json::to_value(after).unwrap_or_default(),
            (None, Some(before)) => serde_json::to_value(before).unwrap_or_default(),
            (None, None) => serde_json::json!({ "target_kind": target.0, "target_id": target.1 }),
        };
        let at = switchboard_domain::Timestamp::from_unix_ms(entry.at);
        outbox::append(conn, actor.account_id, app.db().new_id(), topic, payload, at).await?;
    }
    Ok(())
}

/// No before/after value.
pub(crate) const NOTHING: Option<&()> = None;

/// A CSV file of audit entries.
pub struct AuditExport {
    pub file_name: String,
    pub csv: String,
    pub rows: usize,
}

fn csv_field(text: &str) -> String {
    // Cells that a spreadsheet would run as a formula are prefixed with a quote.
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

impl App {
    pub async fn audit_list(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, AppError> {
        actor.require(Permission::AuditRead)?;
        let mut conn = self.db().read().await?;
        let rows = audit_repo::list(&mut conn, actor.account_id, filter, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |e| e.seq))
    }

    /// Every entry matching the filter (at most 100,000), as CSV. The export itself is audited.
    pub async fn audit_export(&self, actor: &Actor, filter: &AuditFilter) -> Result<AuditExport, AppError> {
        actor.require(Permission::AuditExport)?;
        let mut conn = self.db().read().await?;
        let mut csv = String::from(
            "seq,time,actor_kind,actor_id,actor_name,ip,user_agent,action,target_kind,target_id,before,after,hash\n",
        );
        let mut before_seq = None;
        let mut rows = 0;
        while rows < 100_000 {
            let batch = audit_repo::list(&mut conn, actor.account_id, filter, before_seq, 1000).await?;
            let Some(last) = batch.last() else { break };
            before_seq = Some(last.seq);
            for e in &batch {
                let cells = [
                    e.seq.to_string(),
                    e.at.to_rfc3339(),
                    e.actor_kind.name().to_string(),
                    e.actor_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.actor_name.clone(),
                    e.ip.clone(),
                    e.user_agent.clone(),
                    e.action.clone(),
                    e.target_kind.clone(),
                    e.target_id.map(|v| v.to_string()).unwrap_or_default(),
                    e.before.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                    e.after.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                    e.hash.clone(),
                ];
                csv.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
                csv.push('\n');
                rows += 1;
            }
        }
        drop(conn);
        let mut tx = self.db().begin().await?;
        let detail = serde_json::json!({ "rows": rows, "filter": {
            "action": filter.action, "actor_id": filter.actor_id, "target_kind": filter.target_kind,
            "target_id": filter.target_id, "from": filter.from, "to": filter.to } });
        record(self, &mut tx, actor, "audit.export", ("audit", None), NOTHING, Some(&detail)).await?;
        tx.commit().await?;
        let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
        Ok(AuditExport { file_name: format!("audit-{stamp}.csv"), csv, rows })
    }

    /// Verifies one account's chain: the number of entries checked and the first broken link.
    pub async fn audit_verify(&self, account: AccountId) -> Result<(i64, Option<BrokenLink>), AppError> {
        let mut conn = self.db().read().await?;
        Ok(audit_repo::verify(&mut conn, account).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
