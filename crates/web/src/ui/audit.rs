//! The audit log: filters, newest first, cursor pages, before/after JSON, CSV export.

use super::ctx::{Chrome, Ctx, OrPage, Signed, UiResult};
use super::forms::{FormData, FormView, Opt, QueryData};
use crate::WebState;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use switchboard_app::PageRequest;
use switchboard_domain::Timestamp;
use switchboard_domain::entities::ActorKind;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::AuditFilter;

/// Actions the services record, offered as suggestions in the action filter.
const KNOWN_ACTIONS: &[&str] = &[
    "account.create",
    "account.update",
    "user.create",
    "user.update",
    "user.deactivate",
    "user.reset_password",
    "user.update_profile",
    "user.change_password",
    "team.create",
    "team.update",
    "team.delete",
    "role.create",
    "role.update",
    "role.delete",
    "token.create",
    "token.revoke",
    "session.sign_in",
    "session.sign_in_failed",
    "session.sign_out",
    "session.revoke",
    "audit.export",
];

const TARGET_KINDS: &[&str] = &["user", "team", "role", "token", "account", "audit"];

/// The start of a local calendar day (`YYYY-MM-DD`) in a time zone; `next_day` gives the start of
/// the day after, so a "to" date includes its whole day.
fn day_start(text: &str, time_zone: &str, next_day: bool) -> Option<Timestamp> {
    let mut date = text.trim().parse::<jiff::civil::Date>().ok()?;
    if next_day {
        date = date.tomorrow().ok()?;
    }
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let zoned = date.to_zoned(tz).ok()?;
    Some(Timestamp::from_unix_ms(zoned.timestamp().as_millisecond()))
}

/// The filter of the query, or the form with a message beside each bad field.
fn filter(c: &Ctx, q: &FormData) -> Result<AuditFilter, FormView> {
    let mut view = q.view();
    let zone = c.time_zone();
    let mut date = |field: &str, next_day: bool| match q.filled(field) {
        None => None,
        Some(text) => {
            let parsed = day_start(&text, zone, next_day);
            if parsed.is_none() {
                view.error(field, c.t.t("audit.bad_date"));
            }
            parsed
        }
    };
    let from = date("from", false);
    let to = date("to", true);
    let actor_id = q.filled("actor_id").map(|v| v.trim().to_string());
    if actor_id.as_deref().is_some_and(|v| v.parse::<i64>().is_err()) {
        view.error("actor_id", c.t.t("err.invalid_id"));
    }
    if view.has_errors() {
        return Err(view);
    }
    Ok(AuditFilter {
        action: q.filled("action").map(|v| v.trim().to_string()),
        actor_id,
        target_kind: q.filled("target_kind"),
        target_id: None,
        from,
        to,
    })
}

/// The filters as a query string (without the cursor).
fn filter_query(q: &FormData) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for key in ["action", "actor_id", "target_kind", "from", "to"] {
        if let Some(v) = q.filled(key) {
            query.append_pair(key, v.trim());
        }
    }
    query.finish()
}

pub struct EntryRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_kind: &'static str,
    pub actor_id: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: Tr,
    c: Chrome,
    q: FormView,
    target_kinds: Vec<Opt>,
    actions: &'static [&'static str],
    rows: Vec<EntryRow>,
    next_page: Option<String>,
    first_page: Option<String>,
    export_url: Option<String>,
    time_zone: String,
}

fn pretty(value: Option<serde_json::Value>) -> Option<String> {
    value.filter(|v| !v.is_null()).map(|v| serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string()))
}

pub async fn page(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(q): QueryData) -> UiResult {
    let t = c.t;
    let mut target_kinds = vec![Opt::new("", t.t("audit.any_target"), &q.value("target_kind"))];
    target_kinds.extend(TARGET_KINDS.iter().map(|k| Opt::new(*k, *k, &q.value("target_kind"))));
    let query = filter_query(&q);
    let cursor = q.filled("cursor");
    let (view, rows, next_cursor, status) = match filter(&c, &q) {
        Ok(f) => {
            let page = state
                .app
                .audit_list(&actor, &f, &PageRequest { cursor: cursor.clone(), limit: Some(50) })
                .await
                .or_page(&c)?;
            let zone = c.time_zone();
            let rows = page
                .data
                .into_iter()
                .map(|e| EntryRow {
                    seq: e.seq,
                    at: e.at.format_local(zone),
                    actor: e.actor_name,
                    actor_kind: match e.actor_kind {
                        ActorKind::User => t.t("audit.kind_user"),
                        ActorKind::Token => t.t("audit.kind_token"),
                        ActorKind::System => t.t("audit.kind_system"),
                        ActorKind::Anonymous => t.t("audit.kind_anonymous"),
                    },
                    actor_id: e.actor_id.map(|id| id.to_string()).unwrap_or_default(),
                    action: e.action,
                    target: match e.target_id {
                        Some(id) => format!("{} {id}", e.target_kind),
                        None => e.target_kind,
                    },
                    ip: e.ip,
                    before: pretty(e.before),
                    after: pretty(e.after),
                })
                .collect();
            (q.view(), rows, page.next_cursor, StatusCode::OK)
        }
        Err(view) => {
            // Check the permission even when the filter is wrong.
            actor.require(Permission::AuditRead).or_page(&c)?;
            (view, Vec::new(), None, StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let with = |extra: String| {
        if query.is_empty() {
            extra
        } else if extra.is_empty() {
            query.clone()
        } else {
            format!("{query}&{extra}")
        }
    };
    let audit = AuditPage {
        t,
        c: c.chrome_htmx("settings"),
        q: view,
        target_kinds,
        actions: KNOWN_ACTIONS,
        rows,
        next_page: next_cursor.map(|cur| {
            format!(
                "/settings/audit?{}",
                with(format!("cursor={}", form_urlencoded::byte_serialize(cur.as_bytes()).collect::<String>()))
            )
        }),
        first_page: cursor.map(|_| format!("/settings/audit?{query}")),
        export_url: actor.can(Permission::AuditExport).then(|| format!("/settings/audit/export.csv?{query}")),
        time_zone: c.time_zone().to_string(),
    };
    Ok(c.render(status, &audit))
}

pub async fn export(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(q): QueryData) -> UiResult {
    let Ok(filter) = filter(&c, &q) else {
        // The page says what is wrong with the filter.
        return Ok(axum::response::Redirect::to(&format!("/settings/audit?{}", filter_query(&q))).into_response());
    };
    let export = state.app.audit_export(&actor, &filter).await.or_page(&c)?;
    let disposition = format!("attachment; filename=\"{}\"", export.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        export.csv,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_local_and_to_includes_its_day() {
        let from = day_start("2026-01-31", "Asia/Shanghai", false).map(|t| t.to_rfc3339());
        assert_eq!(from.as_deref(), Some("2026-01-30T16:00:00Z"));
        let to = day_start("2026-01-31", "UTC", true).map(|t| t.to_rfc3339());
        assert_eq!(to.as_deref(), Some("2026-02-01T00:00:00Z"));
        assert!(day_start("31/01/2026", "UTC", false).is_none());
    }
}
