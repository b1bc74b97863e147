//! Grid search of the bot's scoring weights and thresholds on labelled sets.
//!
//! ```text
//! cargo run --release -p switchboard-text --example bot_tune -- --kb KB.jsonl \
//!     --set NAME QUESTIONS.jsonl HANDOFF.jsonl [--set ...] [--check NAME Q.jsonl H.jsonl]
//! ```
//!
//! The objective, summed over the `--set`s, is `top1 + (precision + recall) / 2`.
//! `--check` sets are only reported, never optimised. A set name ending in
//! `:tune` keeps rows with index % 3 != 0, `:holdout` the rows with index % 3 == 0.

use std::process::ExitCode;

use switchboard_text::{BotConfig, EvalQuestion, FaqBot, FaqEntry, Scoring, evaluate, parse_jsonl};

struct Set {
    name: String,
    questions: Vec<EvalQuestion>,
    handoff: Vec<EvalQuestion>,
}

fn load<T: serde::de::DeserializeOwned>(path: &str) -> Result<Vec<T>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    parse_jsonl(&text).map_err(|e| format!("{path}: {e}"))
}

fn split(rows: Vec<EvalQuestion>, name: &str) -> Vec<EvalQuestion> {
    let keep = |i: usize| {
        if name.ends_with(":tune") {
            !i.is_multiple_of(3)
        } else if name.ends_with(":holdout") {
            i.is_multiple_of(3)
        } else {
            true
        }
    };
    rows.into_iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, r)| r).collect()
}

fn score(bot: &FaqBot, sets: &[Set]) -> (f64, Vec<String>) {
    let mut total = 0.0;
    let mut lines = Vec::new();
    for s in sets {
        let r = evaluate(bot, &s.questions, &s.handoff);
        total += r.top1() + (r.handoff_precision() + r.handoff_recall()) / 2.0;
        lines.push(format!("{}: {} clarify={}", s.name, r.summary_line(), r.clarify_count()));
    }
    (total, lines)
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut kb_path = None;
    let mut sets = Vec::new();
    let mut checks = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--kb" => {
                kb_path = args.get(i + 1).cloned();
                i += 2;
            }
            flag @ ("--set" | "--check") => {
                let (Some(name), Some(q), Some(h)) = (args.get(i + 1), args.get(i + 2), args.get(i + 3)) else {
                    return Err(format!("{flag} needs NAME QUESTIONS HANDOFF"));
                };
                let set = Set { name: name.clone(), questions: split(load(q)?, name), handoff: split(load(h)?, name) };
                if flag == "--set" {
                    sets.push(set)
                } else {
                    checks.push(set)
                }
                i += 4;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let kb: Vec<FaqEntry> = load(&kb_path.ok_or("--kb is required")?)?;

    let mut results: Vec<(f64, BotConfig)> = Vec::new();
    for idf_power in [1.0f32, 1.5, 2.0] {
        for entry_lambda in [0.3f32, 0.5, 0.75, 1.0] {
            for concept_boost in [1.0f32, 1.2, 1.5, 2.0] {
                for unknown_factor in [0.6f32, 0.8, 1.0] {
                    for answer_weight in [0.2f32, 0.3, 0.45] {
                        let config = BotConfig {
                            scoring: Scoring { answer_weight, entry_lambda, concept_boost, unknown_factor, idf_power },
                            ..BotConfig::default()
                        };
                        let bot = FaqBot::with_config(kb.clone(), config);
                        results.push((score(&bot, &sets).0, config));
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("default: {:.4}", score(&FaqBot::new(kb.clone()), &sets).0);
    println!("best scoring configurations:");
    for (s, c) in results.iter().take(8) {
        println!("  {s:.4} {:?}", c.scoring);
    }
    // Thresholds for the best scoring weights.
    let Some(&(_, best)) = results.first() else {
        return Ok(());
    };
    let mut bot = FaqBot::with_config(kb.clone(), best);
    let mut th: Vec<(f64, BotConfig)> = Vec::new();
    for out_of_scope in [0.25f32, 0.28, 0.30, 0.33, 0.36, 0.40] {
        for out_of_scope_no_concept in [0.4f32, 0.5, 0.6] {
            for bare_margin in [0.08f32, 0.12, 0.2] {
                let config = BotConfig { out_of_scope, out_of_scope_no_concept, bare_margin, ..best };
                bot.set_config(config);
                th.push((score(&bot, &sets).0, config));
            }
        }
    }
    th.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("best thresholds:");
    for (s, c) in th.iter().take(8) {
        println!(
            "  {s:.4} out_of_scope={} no_concept={} bare_margin={}",
            c.out_of_scope, c.out_of_scope_no_concept, c.bare_margin
        );
    }
    if let Some(&(_, c)) = th.first() {
        bot.set_config(c);
        for line in score(&bot, &sets).1.into_iter().chain(score(&bot, &checks).1) {
            println!("  {line}");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bot_tune: {e}");
            ExitCode::FAILURE
        }
    }
}
