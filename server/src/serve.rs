//! `switchboard serve`: open the database, migrate, and serve until SIGTERM / Ctrl-C.

use crate::config::{Config, redact_url};
use anyhow::Context;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_app::App;
use switchboard_store::Db;
use tracing_subscriber::EnvFilter;

/// Logs to stderr, human-readable or JSON; every line of a request carries its request id (span).
pub fn init_tracing(config: &Config) {
    // sqlx logs every PostgreSQL notice and slow statement at INFO; keep it at WARN unless asked.
    let level = if config.log.level.contains("sqlx") {
        config.log.level.clone()
    } else {
        format!("{},sqlx=warn", config.log.level)
    };
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if config.log.format == "json" {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.try_init()
    };
}

/// Opens and migrates the database and claims a node number for id generation.
pub async fn open_app(config: &Config, holder: &str) -> anyhow::Result<App> {
    let mut db = Db::connect(&config.database_url, &config.db_options())
        .await
        .with_context(|| format!("while opening the database {}", redact_url(&config.database_url)))?;
    let applied = db.migrate().await.context("while migrating the database")?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied migrations");
    }
    let node = db.claim_node(holder, Duration::from_secs(300)).await.context("while claiming a node number")?;
    tracing::debug!(node, "claimed node number");
    Ok(App::new(db, config.app_settings()?))
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let holder = format!("{}:{}:{}", hostname(), std::process::id(), switchboard_store::now_ms());
    let app = open_app(&config, &holder).await?;
    app.reset_node_presence().await.context("while resetting this node's presence")?;
    let state = switchboard_web::WebState::new(app.clone(), config.web_config());
    let router = switchboard_web::router(state);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("while binding {}", config.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        %address,
        database = %redact_url(&config.database_url),
        backend = app.db().backend().name(),
        redis = config.redis_url().is_some(),
        startup_ms = started.elapsed().as_millis() as u64,
        "serving on http://{address}"
    );
    let events = tokio::spawn(app.clone().run_events(config.redis_url()));
    let routing = tokio::spawn(app.clone().run_routing());
    let renew_db = app.db().clone();
    let renew_holder = holder.clone();
    let renewal = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(error) = renew_db.renew_node_lease(&renew_holder, Duration::from_secs(300)).await {
                tracing::warn!(%error, "could not renew the node lease");
            }
        }
    });
    let prune_app = app.clone();
    let keep_days = config.database.outbox_retention_days;
    let pruning = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match prune_app.prune_outbox(keep_days).await {
                Ok(0) => {}
                Ok(gone) => tracing::info!(gone, keep_days, "pruned delivered events from the outbox"),
                Err(error) => tracing::warn!(%error, "could not prune the outbox"),
            }
        }
    });
    let backfill = tokio::spawn(index_pending_messages(app.clone()));
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("while serving")?;
    renewal.abort();
    pruning.abort();
    backfill.abort();
    events.abort();
    routing.abort();
    let _ = app.db().release_node(&holder).await;
    app.db().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Indexes, in batches, messages stored before message search existed (once: new messages are
/// indexed as they are written). Several nodes may do this together; the updates are idempotent.
async fn index_pending_messages(app: switchboard_app::App) {
    let mut total = 0;
    loop {
        match app.index_pending_messages(500).await {
            Ok(0) => break,
            Ok(done) => total += done,
            Err(error) => {
                tracing::warn!(%error, "could not index older messages for search; retrying in a minute");
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        }
    }
    if total > 0 {
        tracing::info!(messages = total, "indexed older messages for search");
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "host".into())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// GET /healthz over plain HTTP/1.1, without an HTTP client library.
pub async fn healthcheck(url: &str) -> anyhow::Result<bool> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let host = rest.split('/').next().unwrap_or(rest);
    let connect = tokio::net::TcpStream::connect(host);
    let mut stream = tokio::time::timeout(Duration::from_secs(5), connect).await.context("connecting timed out")??;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .context("reading timed out")??;
    Ok(response.starts_with(b"HTTP/1.1 200"))
}
