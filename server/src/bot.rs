//! `switchboard bot eval`: scores the FAQ bot on labelled questions, without a server.
//!
//! Today the bot is built straight from the KB file; when the knowledge base has its tables, this
//! command imports the file into a temporary in-memory store and builds the bot from there, the same
//! path a running server takes.

use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;
use switchboard_text::{EvalQuestion, FaqBot, FaqEntry, evaluate, parse_jsonl};

fn load<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("while reading {}", path.display()))?;
    parse_jsonl(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn eval(kb: &Path, questions: &Path, handoff: Option<&Path>) -> anyhow::Result<ExitCode> {
    let entries: Vec<FaqEntry> = load(kb)?;
    let answerable: Vec<EvalQuestion> = load(questions)?;
    let handoffs: Vec<EvalQuestion> = match handoff {
        Some(path) => load(path)?,
        None => Vec::new(),
    };
    let started = std::time::Instant::now();
    let bot = FaqBot::new(entries);
    eprintln!("indexed {} FAQ entries in {:.0} ms", bot.entries().len(), started.elapsed().as_secs_f64() * 1000.0);
    print!("{}", evaluate(&bot, &answerable, &handoffs));
    Ok(ExitCode::SUCCESS)
}
