//! `switchboard-bench search`: fills a database (SQLite file or PostgreSQL) with N messages of
//! realistic mixed Chinese/English customer-service text over accounts, contacts and conversations,
//! and knowledge-base articles, then measures message search and knowledge-base search latency.

mod generate;
mod measure;
mod texts;

use anyhow::Context;
use std::time::Instant;
use switchboard_app::{Actor, App, AppSettings};
use switchboard_domain::kb_requests::ArticleInput;
use switchboard_store::{Db, DbOptions};

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// `sqlite:///path/bench.db` or `postgres://user@host/db`.
    #[arg(long)]
    pub database_url: String,
    /// PostgreSQL schema to fill and search (created if missing); drop it afterwards.
    #[arg(long)]
    pub postgres_schema: Option<String>,
    /// Messages to generate (0: measure the messages the database already holds).
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// Accounts the messages are spread over (round robin).
    #[arg(long, default_value_t = 4)]
    pub accounts: usize,
    /// Knowledge-base articles to add to the first account (through the app's service), also with
    /// `--messages 0`.
    #[arg(long, default_value_t = 100_000)]
    pub articles: u64,
    /// Timed rounds over the query set, per searcher (after one warm-up round).
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub async fn run(args: SearchArgs) -> anyhow::Result<()> {
    let options = DbOptions { postgres_schema: args.postgres_schema.clone(), ..Default::default() };
    let db = Db::connect(&args.database_url, &options).await.context("while opening the database")?;
    db.migrate().await.context("while migrating")?;
    let app = App::new(db, AppSettings::default());
    let mut accounts = Vec::new();
    if args.messages > 0 {
        let started = Instant::now();
        for index in 0..args.accounts.max(1) {
            accounts.push(generate::people(&app, index).await?);
        }
        eprintln!("{} accounts with teams and agents in {:.1} s", accounts.len(), started.elapsed().as_secs_f64());
        generate::messages(&app, &accounts, args.messages, args.seed).await?;
    } else {
        accounts.push(generate::existing(&app).await?);
    }
    articles(&app, &accounts[0], args.articles, args.seed).await?;
    if args.messages > 0 {
        println!("messages per account: {}", args.messages / accounts.len().max(1) as u64);
    }
    measure::messages(&app, &accounts[0], args.runs).await?;
    measure::kb(&app, &accounts[0], args.runs).await?;
    Ok(())
}

/// Articles through `create_kb_article`, so their index rows are exactly the app's.
async fn articles(app: &App, account: &generate::BenchAccount, count: u64, seed: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let system = Actor::system(account.id, "bench");
    let mut rng = texts::Rng::new(seed ^ 0xA5A5);
    for n in 0..count {
        let (title, body, locale) = texts::article(&mut rng, n);
        let input = ArticleInput {
            title: Some(title),
            body: Some(body),
            locale: Some(locale.into()),
            slug: Some(format!("a-{n}")),
            ..Default::default()
        };
        app.create_kb_article(&system, &input).await?;
        if (n + 1) % 10_000 == 0 {
            eprintln!("  {} articles ({:.0}/s)", n + 1, (n + 1) as f64 / started.elapsed().as_secs_f64());
        }
    }
    eprintln!("{count} articles in {:.1} s", started.elapsed().as_secs_f64());
    if count > 0 {
        // As autovacuum would on a live PostgreSQL (its planner otherwise takes 100,000 articles for a
        // few thousand); only these tables, as for the messages.
        let mut tx = app.db().begin().await?;
        sqlx::query("ANALYZE search_documents").execute(&mut *tx).await?;
        sqlx::query("ANALYZE kb_articles").execute(&mut *tx).await?;
        tx.commit().await?;
    }
    Ok(())
}
