//! Part 2 of `switchboard-bench routing`: assignments in a real database. The fixture (agents, teams,
//! waiting conversations) is written with plain bulk inserts — users made through the app would spend
//! minutes hashing passwords — in the shape the app itself writes; then the app's routing passes run.

use crate::histogram::Histogram;
use anyhow::Context;
use std::time::Instant;
use switchboard_app::{Actor, App, AppSettings};
use switchboard_domain::conversations::NewChannelInput;
use switchboard_domain::requests::{NewAccountInput, NewUserInput};
use switchboard_domain::*;
use switchboard_store::{Db, DbOptions};

pub struct DbShape {
    pub url: String,
    pub schema: String,
    pub agents: u32,
    pub teams: u32,
    pub capacity: u32,
    pub waiting: u32,
    pub sustained_rate: u64,
}

/// Rows per INSERT statement in the fixture.
const BATCH: usize = 500;

pub async fn assignments(shape: &DbShape) -> anyhow::Result<()> {
    let url = super::routing::database_url(&shape.url)?;
    let postgres = url.starts_with("postgres");
    let options =
        DbOptions { postgres_schema: postgres.then(|| shape.schema.clone()), pool_size: 4, ..DbOptions::default() };
    if postgres {
        drop_schema(&url, &shape.schema).await?;
    }
    let mut db = Db::connect(&url, &options).await.context("connect")?;
    db.migrate().await.context("migrate")?;
    let node = db.claim_node("bench-routing", std::time::Duration::from_secs(300)).await?;
    let app = App::new(db.clone(), AppSettings::default());
    let account = NewAccountInput {
        name: Some("Bench".into()),
        slug: Some(format!("bench{}", node)),
        default_locale: Some("zh-CN".into()),
        time_zone: Some("Asia/Shanghai".into()),
    };
    let admin = NewUserInput {
        name: Some("Admin".into()),
        email: Some("admin@bench.test".into()),
        password: Some("bench-password-1".into()),
        role: Some("admin".into()),
        ..Default::default()
    };
    let origin = switchboard_app::accounts::Origin { label: "bench".into(), ..Default::default() };
    let (account, _) = app.create_account(&account, &admin, &origin, false).await?;
    let system = Actor::system(account.id, "bench");
    let input = NewChannelInput { name: Some("App".into()), kind: Some("api".into()) };
    let channel = app.create_channel(&system, &input).await?;
    let started = Instant::now();
    fixture(&db, account.id, channel.id, shape).await?;
    println!(
        "fixture: {} agents, {} teams, {} waiting conversations written in {:.1} s ({})",
        shape.agents,
        shape.teams,
        shape.waiting,
        started.elapsed().as_secs_f64(),
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    let mut passes = Histogram::default();
    let (mut assigned, mut rounds) = (0usize, 0u32);
    let started = Instant::now();
    let target = (shape.agents * shape.capacity).min(shape.waiting) as usize;
    while assigned < target && rounds < 10_000 {
        let t = Instant::now();
        let report = app.route_account(account.id).await?;
        passes.record(t.elapsed());
        rounds += 1;
        if report.assigned == 0 {
            break;
        }
        assigned += report.assigned;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "assignments: {assigned} in {rounds} passes, {seconds:.2} s = {:.0} assignments/s",
        assigned as f64 / seconds.max(1e-9)
    );
    println!("pass time: {}", super::routing::summary(&passes));
    // Steady churn: each round, CHURN agents' conversations are resolved at once, then one pass refills them.
    let mut churn = Histogram::default();
    let (mut churned, mut churn_time) = (0usize, 0.0f64);
    for _ in 0..50 {
        free_many(&db, account.id, CHURN, true).await?;
        let t = Instant::now();
        churned += app.route_account(account.id).await?.assigned;
        churn_time += t.elapsed().as_secs_f64();
        churn.record(t.elapsed());
    }
    println!(
        "steady churn, {CHURN} places freed per pass: {churned} assignments in {churn_time:.2} s of passes = {:.0} assignments/s; pass {}",
        churned as f64 / churn_time.max(1e-9),
        super::routing::summary(&churn)
    );
    // Sustained: conversations are resolved at `sustained_rate`/s (a batch every 20 ms) while passes run
    // back to back, as the worker runs them; each pass takes whatever was freed since the last.
    let rate = shape.sustained_rate;
    let resolver = {
        let (db, account) = (db.clone(), account.id);
        tokio::spawn(async move {
            let per_tick = rate / 50;
            let (started, mut resolved) = (Instant::now(), 0u64);
            for tick in 0..SUSTAINED_SECONDS * 50 {
                let due = started + std::time::Duration::from_millis(tick * 20);
                tokio::time::sleep_until(due.into()).await;
                resolved += free_many(&db, account, per_tick as i64, false).await?;
            }
            anyhow::Ok(resolved)
        })
    };
    let (mut sustained, mut sustained_passes) = (0usize, 0u32);
    let started = Instant::now();
    while !resolver.is_finished() {
        sustained += app.route_account(account.id).await?.assigned;
        sustained_passes += 1;
    }
    let resolved = resolver.await??;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "sustained: {rate} resolutions/s offered for {SUSTAINED_SECONDS} s: {resolved} made in {seconds:.2} s; \
         passes back to back made {sustained} assignments in {sustained_passes} passes = {:.0} assignments/s",
        sustained as f64 / seconds.max(1e-9)
    );
    // One place frees, one pass: what a single decision costs end to end with 1 000s waiting.
    let mut single = Histogram::default();
    for i in 0..200 {
        free_one(&db, account.id, i).await?;
        let t = Instant::now();
        app.route_account(account.id).await?;
        single.record(t.elapsed());
    }
    println!("one place freed, one pass (decision + writes + commit): {}", super::routing::summary(&single));
    db.release_node("bench-routing").await?;
    db.close().await;
    if postgres {
        drop_schema(&url, &shape.schema).await?;
    }
    Ok(())
}

async fn drop_schema(url: &str, schema: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let quoted = switchboard_store::dialect::quote_identifier(schema);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {quoted} CASCADE"))).execute(&mut conn).await?;
    Ok(())
}

/// Resolves one assigned conversation, freeing its agent's place.
async fn free_one(db: &Db, account: AccountId, nth: i64) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let row: (i64,) = sqlx::query_as(
        "SELECT id FROM conversations WHERE account_id = $1 AND status = 'open' AND assignee_id IS NOT NULL \
         ORDER BY id LIMIT 1 OFFSET $2",
    )
    .bind(account.as_i64())
    .bind(nth % 50)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE conversations SET status = 'resolved' WHERE id = $1").bind(row.0).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// How long the sustained phase offers resolutions.
const SUSTAINED_SECONDS: u64 = 10;

/// Places freed per round of the steady-churn phase.
const CHURN: i64 = 100;

/// Resolves `count` assigned conversations in one statement (`random`: chosen at random, else the
/// cheapest to find: the first in the open-load index). Returns how many.
async fn free_many(db: &Db, account: AccountId, count: i64, random: bool) -> anyhow::Result<u64> {
    let order = if random { "random()" } else { "assignee_id" };
    let sql = format!(
        "UPDATE conversations SET status = 'resolved' WHERE id IN (SELECT id FROM conversations \
         WHERE account_id = $1 AND status = 'open' AND assignee_id IS NOT NULL ORDER BY {order} LIMIT $2)"
    );
    let mut tx = db.begin().await?;
    let done = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(count).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Agents (online, in two teams each), teams, contacts and waiting conversations.
async fn fixture(db: &Db, account: AccountId, channel: ChannelId, shape: &DbShape) -> anyhow::Result<()> {
    let now = switchboard_store::now_ms();
    let a = account.as_i64();
    let mut tx = db.begin().await?;
    let role: (i64,) = sqlx::query_as("SELECT id FROM roles WHERE account_id = $1 AND builtin = 'agent'")
        .bind(a)
        .fetch_one(&mut *tx)
        .await?;
    let teams: Vec<i64> = (0..shape.teams).map(|_| db.new_id()).collect();
    for (i, team) in teams.iter().enumerate() {
        sqlx::query(
            "INSERT INTO teams (account_id, id, name, description, created_at, updated_at) VALUES ($1, $2, $3, '', $4, $4)",
        )
        .bind(a)
        .bind(*team)
        .bind(format!("Team {i}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let agents: Vec<i64> = (0..shape.agents).map(|_| db.new_id()).collect();
    for chunk in agents.chunks(BATCH) {
        let mut users = Vec::new();
        let mut statuses = Vec::new();
        for id in chunk {
            users.push(format!(
                "({a}, {id}, 'Agent {id}', 'agent{id}@bench.test', 'x', {}, 'zh-CN', 'Asia/Shanghai', 1, {now}, {now})",
                role.0
            ));
            statuses.push(format!(
                "({a}, {id}, 'online', NULL, 'online', {now}, {}, {now}, NULL, 0, {now})",
                shape.capacity
            ));
        }
        let users = format!(
            "INSERT INTO users (account_id, id, name, email, password_hash, role_id, locale, time_zone, active, \
             created_at, updated_at) VALUES {}",
            users.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(users)).execute(&mut *tx).await?;
        let statuses = format!(
            "INSERT INTO agent_status (account_id, user_id, chosen, auto_away, state, state_since, capacity, \
             last_activity_at, disconnected_at, last_assigned_at, updated_at) VALUES {}",
            statuses.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(statuses)).execute(&mut *tx).await?;
    }
    let mut memberships = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        let first = i % teams.len();
        let second = (first + 1 + i / teams.len()) % teams.len();
        memberships.push(format!("({a}, {}, {agent}, {now}, {})", teams[first], 1 + i % 5));
        if second != first {
            memberships.push(format!("({a}, {}, {agent}, {now}, {})", teams[second], 1 + (i + 2) % 5));
        }
    }
    for chunk in memberships.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO team_members (account_id, team_id, user_id, created_at, proficiency) VALUES {}",
            chunk.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    let c = channel.as_i64();
    for start in (0..shape.waiting).step_by(BATCH) {
        let mut contacts = Vec::new();
        let mut conversations = Vec::new();
        for n in start..(start + BATCH as u32).min(shape.waiting) {
            let (contact, conversation) = (db.new_id(), db.new_id());
            let team = teams[n as usize % teams.len()];
            let rank = if n % 20 == 0 { 12 } else { 10 };
            let at = now + i64::from(n);
            contacts.push(format!("({a}, {contact}, 'Customer {n}', {now}, {now})"));
            conversations.push(format!(
                "({a}, {conversation}, {c}, {contact}, 'open', NULL, {team}, 'normal', '', 0, {at}, {at}, {at}, {rank}, {at})"
            ));
        }
        let sql = format!(
            "INSERT INTO contacts (account_id, id, name, created_at, updated_at) VALUES {}",
            contacts.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO conversations (account_id, id, channel_id, contact_id, status, assignee_id, team_id, priority, \
             tags, last_seq, created_at, updated_at, queued_at, queue_rank, team_since) VALUES {}",
            conversations.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
