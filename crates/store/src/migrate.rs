//! Embedded migrations, one list for both backends, applied in one transaction at start.
//! A database whose version is newer than this binary's latest migration is refused.

use crate::db::{Backend, Db};
use crate::error::StoreError;
use sqlx::Row;

/// One step of the schema. `sql` is the text both backends run; where full-text search (or another
/// dialect difference) needs its own SQL, `sqlite` / `postgres` run after it on that backend only.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    pub sqlite: Option<&'static str>,
    pub postgres: Option<&'static str>,
}

impl Migration {
    /// The SQL texts to run on `backend`, in order.
    pub fn statements(&self, backend: Backend) -> Vec<&'static str> {
        let specific = match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        };
        std::iter::once(self.sql).chain(specific).collect()
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/0001_foundation.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 2,
        name: "knowledge_base",
        sql: include_str!("../migrations/0002_knowledge_base.sql"),
        sqlite: Some(include_str!("../migrations/0002_search_sqlite.sql")),
        postgres: Some(include_str!("../migrations/0002_search_postgres.sql")),
    },
    Migration {
        version: 3,
        name: "events",
        sql: include_str!("../migrations/0003_events.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 4,
        name: "conversations",
        sql: include_str!("../migrations/0004_conversations.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 5,
        name: "widget",
        sql: include_str!("../migrations/0005_widget.sql"),
        sqlite: Some(include_str!("../migrations/0005_attachments_sqlite.sql")),
        postgres: Some(include_str!("../migrations/0005_attachments_postgres.sql")),
    },
    Migration {
        version: 6,
        name: "bot",
        sql: include_str!("../migrations/0006_bot.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 7,
        name: "quick_replies",
        sql: include_str!("../migrations/0007_quick_replies.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 8,
        name: "routing",
        sql: include_str!("../migrations/0008_routing.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 9,
        name: "bot_feedback",
        sql: include_str!("../migrations/0009_bot_feedback.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 10,
        name: "message_search",
        sql: include_str!("../migrations/0010_message_search.sql"),
        sqlite: Some(include_str!("../migrations/0010_message_search_sqlite.sql")),
        postgres: Some(include_str!("../migrations/0010_message_search_postgres.sql")),
    },
    Migration {
        version: 11,
        name: "routing_load",
        sql: include_str!("../migrations/0011_routing_load.sql"),
        sqlite: None,
        postgres: None,
    },
    Migration {
        version: 12,
        name: "search_speed",
        sql: include_str!("../migrations/0012_search_speed.sql"),
        sqlite: Some(include_str!("../migrations/0012_search_speed_sqlite.sql")),
        postgres: Some(include_str!("../migrations/0012_search_speed_postgres.sql")),
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Highest version applied to the database (0 for an empty one).
    pub current: i64,
    /// Highest version this binary knows.
    pub latest: i64,
    /// Known migrations not applied yet.
    pub pending: usize,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.pending == 0 && self.current <= self.latest
    }
}

fn latest() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

impl Db {
    /// Applies every pending migration and returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            // Nodes starting together: one migrates, the others wait and then find nothing to do.
            sqlx::query("SELECT pg_advisory_xact_lock(7236001)").execute(&mut *tx).await?;
        }
        sqlx::query(CREATE_TABLE).execute(&mut *tx).await?;
        let done: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get("version"))
            .collect::<Result<_, _>>()?;
        // A version this binary does not know was applied by a newer binary.
        if let Some(unknown) = done.iter().find(|v| !MIGRATIONS.iter().any(|m| m.version == **v)) {
            return Err(StoreError::DowngradeRefused { found: *unknown, known: latest() });
        }
        let mut applied = Vec::new();
        // Every known migration not applied yet, in order (branches may land out of order).
        for migration in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
            for sql in migration.statements(self.backend()) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(migration.version)
                .bind(migration.name)
                .bind(crate::now_ms())
                .execute(&mut *tx)
                .await?;
            applied.push(migration.version);
        }
        tx.commit().await?;
        if self.backend() == Backend::Sqlite && !applied.is_empty() {
            // New indexes get their statistics now, not at the writer's next reconnect.
            let mut tx = self.begin().await?;
            sqlx::query("PRAGMA optimize=0x10002").execute(&mut *tx).await?;
            tx.commit().await?;
        }
        Ok(applied)
    }

    pub async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        let mut conn = self.read().await?;
        let done: Vec<i64> = match sqlx::query("SELECT version FROM schema_migrations").fetch_all(&mut *conn).await {
            Ok(rows) => rows.iter().map(|row| row.try_get("version")).collect::<Result<_, _>>()?,
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(other) => return Err(other.into()),
        };
        let pending = MIGRATIONS.iter().filter(|m| !done.contains(&m.version)).count();
        Ok(MigrationStatus { current: done.iter().copied().max().unwrap_or(0), latest: latest(), pending })
    }
}
