//! The connection pools. SQLite gets one writer connection and a pool of readers (WAL lets readers
//! run beside the writer); PostgreSQL uses one pool for both.

use crate::error::StoreError;
use crate::id_generator::IdGenerator;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnknownScheme(scheme)),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// PostgreSQL pool size, and the number of SQLite reader connections.
    pub pool_size: u32,
    /// SQLite `synchronous=FULL` (survives power loss) instead of `NORMAL` (survives a killed process).
    pub sqlite_synchronous_full: bool,
    /// PostgreSQL schema to use (`search_path`); none means the server's default.
    pub postgres_schema: Option<String>,
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            sqlite_synchronous_full: false,
            postgres_schema: None,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

pub type WriteTx = Transaction<'static, Any>;
pub type ReadConn = PoolConnection<Any>;

/// The database: pools, backend, and the node's id generator.
#[derive(Clone)]
pub struct Db {
    write: AnyPool,
    read: AnyPool,
    backend: Backend,
    ids: Arc<IdGenerator>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish()
    }
}

fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    if rest == ":memory:" || rest.contains("mode=memory") {
        return Ok(url.to_string());
    }
    let path = rest.split('?').next().unwrap_or(rest);
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(if rest.contains("mode=") {
        url.to_string()
    } else if rest.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

impl Db {
    /// Opens the database named by `url` (`sqlite://PATH`, `sqlite::memory:`, `postgres://...`).
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let db = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                let memory = url.contains(":memory:") || url.contains("mode=memory");
                let connect = AnyConnectOptions::from_str(&url)?;
                let synchronous = if options.sqlite_synchronous_full { "FULL" } else { "NORMAL" };
                let pragmas: &'static str = if synchronous == "FULL" {
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                } else {
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                };
                // The writer also keeps the planner's statistics fresh (SQLite's advice for long-lived
                // connections): without them SQLite cannot tell a small partial index (open conversations
                // only) from a large one over every conversation ever. `analysis_limit` bounds the cost
                // on large tables; the writer reconnects at least hourly, so this runs at least hourly.
                let writer_pragmas: &'static str = if synchronous == "FULL" {
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; \
                     PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002;"
                } else {
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; \
                     PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002;"
                };
                let pool = |max: u32, pragmas: &'static str| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .min_connections(if memory { max } else { 0 })
                        .idle_timeout(if memory { None } else { Some(Duration::from_secs(600)) })
                        .max_lifetime(if memory { None } else { Some(Duration::from_secs(3600)) })
                        .acquire_timeout(options.acquire_timeout)
                        .after_connect(move |conn, _meta| {
                            Box::pin(async move { conn.execute(pragmas).await.map(|_| ()) })
                        })
                };
                let write = pool(1, writer_pragmas).connect_with(connect.clone()).await?;
                // An in-memory database lives in one connection: readers must share it.
                let read = if memory {
                    write.clone()
                } else {
                    pool(options.pool_size.max(1), pragmas).connect_with(connect).await?
                };
                Db { write, read, backend, ids: Arc::new(IdGenerator::new(0)) }
            }
            Backend::Postgres => {
                let connect = AnyConnectOptions::from_str(url)?;
                let schema = options.postgres_schema.clone();
                let pool = AnyPoolOptions::new()
                    .max_connections(options.pool_size.max(2))
                    .acquire_timeout(options.acquire_timeout)
                    .after_connect(move |conn, _meta| {
                        let schema = schema.clone();
                        Box::pin(async move {
                            if let Some(schema) = schema {
                                let quoted = crate::dialect::quote_identifier(&schema);
                                let sql = format!("CREATE SCHEMA IF NOT EXISTS {quoted}; SET search_path TO {quoted}");
                                conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(connect)
                    .await?;
                Db { write: pool.clone(), read: pool, backend, ids: Arc::new(IdGenerator::new(0)) }
            }
        };
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A new time-ordered id from this node's generator.
    pub fn new_id(&self) -> i64 {
        self.ids.next_id()
    }

    pub fn node(&self) -> u16 {
        self.ids.node()
    }

    /// Starts a write transaction (on SQLite, on the single writer connection).
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        Ok(self.write.begin().await?)
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(self.read.acquire().await?)
    }

    /// Pool figures for metrics: (connections open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        if self.backend == Backend::Sqlite {
            (self.read.size() + self.write.size(), self.read.num_idle() + self.write.num_idle())
        } else {
            (self.read.size(), self.read.num_idle())
        }
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        match self.read().await {
            Ok(mut conn) => sqlx::query("SELECT 1").execute(&mut *conn).await.is_ok(),
            Err(_) => false,
        }
    }

    /// Claims a node number (0..1024) that no live process holds, for the id generator, and keeps
    /// the lease for `lease`. Call `renew_node_lease` before it runs out.
    pub async fn claim_node(&mut self, holder: &str, lease: Duration) -> Result<u16, StoreError> {
        let now = crate::now_ms();
        let expires = now + lease.as_millis() as i64;
        let start = (rand::random::<u16>() % 1024) as i64;
        for offset in 0..1024i64 {
            let node = (start + offset) % 1024;
            let mut conn = self.write.acquire().await?;
            let claimed = sqlx::query(
                "INSERT INTO node_leases (node, holder, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (node) DO UPDATE SET holder = $2, expires_at = $3 WHERE node_leases.expires_at < $4 \
                 RETURNING node",
            )
            .bind(node)
            .bind(holder)
            .bind(expires)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
            if claimed.is_some() {
                self.ids = Arc::new(IdGenerator::new(node as u16));
                return Ok(node as u16);
            }
        }
        Err(StoreError::Corrupt("all 1024 node numbers are leased".into()))
    }

    pub async fn renew_node_lease(&self, holder: &str, lease: Duration) -> Result<(), StoreError> {
        let expires = crate::now_ms() + lease.as_millis() as i64;
        let mut conn = self.write.acquire().await?;
        sqlx::query("UPDATE node_leases SET expires_at = $1 WHERE node = $2 AND holder = $3")
            .bind(expires)
            .bind(i64::from(self.node()))
            .bind(holder)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn release_node(&self, holder: &str) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await?;
        sqlx::query("DELETE FROM node_leases WHERE node = $1 AND holder = $2")
            .bind(i64::from(self.node()))
            .bind(holder)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// A consistent copy of a SQLite database while it serves (`VACUUM INTO`).
    pub async fn sqlite_backup(&self, target: &std::path::Path) -> Result<(), StoreError> {
        let path = target.to_string_lossy().replace('\'', "''");
        let mut conn = self.write.acquire().await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{path}'"))).execute(&mut *conn).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}
