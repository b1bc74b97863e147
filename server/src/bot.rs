//! `switchboard bot eval`: scores the FAQ bot on labelled questions, without a server.
//!
//! The KB file is imported into a temporary in-memory store through the same import a running
//! server uses, and the bot is built from the published FAQ entries read back from that store — so
//! the evaluation covers the import and the storage, not only the matching.

use crate::commands::explain;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use switchboard_app::{Actor, App, AppSettings, FaqFormat};
use switchboard_domain::requests::{NewAccountInput, NewUserInput};
use switchboard_store::{Db, DbOptions};
use switchboard_text::{EvalQuestion, FaqBot, FaqEntry, evaluate, parse_jsonl};

fn load<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("while reading {}", path.display()))?;
    parse_jsonl(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Imports the KB file into a fresh in-memory store and reads the published FAQ back as bot entries.
async fn entries_through_the_store(kb: &Path) -> anyhow::Result<Vec<FaqEntry>> {
    let db = Db::connect("sqlite::memory:", &DbOptions { pool_size: 1, ..Default::default() }).await?;
    db.migrate().await?;
    let app = App::new(db, AppSettings::default());
    let account =
        NewAccountInput { name: Some("Bot evaluation".into()), slug: Some("eval".into()), ..Default::default() };
    let admin = NewUserInput {
        name: Some("Evaluator".into()),
        email: Some("eval@example.invalid".into()),
        password: Some(format!("{:032x}", rand::random::<u128>())),
        role: Some("admin".into()),
        ..Default::default()
    };
    let origin = switchboard_app::accounts::Origin { label: "bot eval".into(), ..Default::default() };
    let (account, _) = app.create_account(&account, &admin, &origin, false).await.map_err(explain)?;
    let actor = Actor::system(account.id, "bot eval");
    let text = std::fs::read_to_string(kb).with_context(|| format!("while reading {}", kb.display()))?;
    let format =
        if kb.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) { FaqFormat::Csv } else { FaqFormat::Jsonl };
    let report = app.import_kb_faqs(&actor, &text, format, false, &mut |_, _| {}).await.map_err(explain)?;
    for error in &report.errors {
        eprintln!("{}:{}: {}", kb.display(), error.line, error.reason);
    }
    app.faq_entries(account.id).await.map_err(explain)
}

pub async fn eval(kb: &Path, questions: &Path, handoff: Option<&Path>) -> anyhow::Result<ExitCode> {
    let answerable: Vec<EvalQuestion> = load(questions)?;
    let handoffs: Vec<EvalQuestion> = match handoff {
        Some(path) => load(path)?,
        None => Vec::new(),
    };
    let entries = entries_through_the_store(kb).await?;
    let started = std::time::Instant::now();
    let bot = FaqBot::new(entries);
    eprintln!("indexed {} FAQ entries in {:.0} ms", bot.entries().len(), started.elapsed().as_secs_f64() * 1000.0);
    print!("{}", evaluate(&bot, &answerable, &handoffs));
    Ok(ExitCode::SUCCESS)
}
