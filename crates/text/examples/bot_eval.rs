//! Evaluates the FAQ bot on a labelled set and prints the report.
//!
//! ```text
//! cargo run --release -p switchboard-text --example bot_eval -- \
//!     --kb ../shared/boteval/kb.jsonl \
//!     --questions ../shared/boteval/dev.jsonl \
//!     --handoff ../shared/boteval/handoff_dev.jsonl [--explain] [--subset tune|holdout]
//! ```
//!
//! `--subset tune` keeps the answerable rows with index % 3 != 0, `holdout` those
//! with index % 3 == 0 (handoff rows are split the same way).

use std::process::ExitCode;

use switchboard_text::{EvalQuestion, FaqBot, FaqEntry, evaluate, parse_jsonl};

fn load<T: serde::de::DeserializeOwned>(path: &str) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    parse_jsonl(&text).map_err(|e| format!("{path}: {e}"))
}

fn subset(rows: Vec<EvalQuestion>, which: Option<&str>) -> Vec<EvalQuestion> {
    match which {
        Some("tune") => rows.into_iter().enumerate().filter(|(i, _)| !i.is_multiple_of(3)).map(|(_, r)| r).collect(),
        Some("holdout") => rows.into_iter().enumerate().filter(|(i, _)| i.is_multiple_of(3)).map(|(_, r)| r).collect(),
        _ => rows,
    }
}

fn run() -> Result<(), String> {
    let mut kb = None;
    let mut questions = None;
    let mut handoff = None;
    let mut which = None;
    let mut explain = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--kb" => kb = args.next(),
            "--questions" => questions = args.next(),
            "--handoff" => handoff = args.next(),
            "--subset" => which = args.next(),
            "--explain" => explain = true,
            "-h" | "--help" => {
                println!(
                    "usage: bot_eval --kb KB.jsonl --questions DEV.jsonl --handoff HANDOFF.jsonl [--subset tune|holdout] [--explain]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let kb: Vec<FaqEntry> = load(&kb.ok_or("--kb is required")?)?;
    let questions: Vec<EvalQuestion> = load(&questions.ok_or("--questions is required")?)?;
    let handoff: Vec<EvalQuestion> = load(&handoff.ok_or("--handoff is required")?)?;
    let questions = subset(questions, which.as_deref());
    let handoff = subset(handoff, which.as_deref());
    let started = std::time::Instant::now();
    let bot = FaqBot::new(kb);
    eprintln!("built the index of {} entries in {:?}", bot.entries().len(), started.elapsed());
    let report = evaluate(&bot, &questions, &handoff);
    if explain {
        for c in &report.confusions {
            let e = bot.explain(&c.q);
            println!("## {} | expected {} got {} [{}]", c.q, c.expected, c.predicted, c.decision);
            println!("   units: {:?}  cues: {:?} q={}", e.units, e.cues.found, e.cues.question);
            for (cand, qc, ec) in &e.ranked {
                println!("   {} {:.3} (q {:.3} e {:.3}) {}", cand.entry_id, cand.score, qc, ec, cand.question);
            }
        }
    }
    println!("{report}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bot_eval: {e}");
            ExitCode::FAILURE
        }
    }
}
