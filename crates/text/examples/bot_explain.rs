//! Shows how the bot handles messages: units, cues, ranked candidates, decision.
//!
//! ```text
//! cargo run --release -p switchboard-text --example bot_explain -- --kb ../shared/boteval/kb.jsonl "退款多久到账" "转人工"
//! ```

use std::process::ExitCode;

use switchboard_text::{FaqBot, FaqEntry, parse_jsonl, tokenize};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let Some(pos) = args.iter().position(|a| a == "--kb") else {
        eprintln!("usage: bot_explain --kb KB.jsonl MESSAGE...");
        return ExitCode::FAILURE;
    };
    if pos + 1 >= args.len() {
        eprintln!("--kb needs a path");
        return ExitCode::FAILURE;
    }
    let path = args.remove(pos + 1);
    args.remove(pos);
    let kb: Vec<FaqEntry> = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| parse_jsonl(&t).map_err(|e| e.to_string()))
    {
        Ok(kb) => kb,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bot = FaqBot::new(kb);
    for msg in &args {
        let e = bot.explain(msg);
        println!("## {msg}");
        println!("   tokens: {:?}", tokenize(msg));
        println!("   units: {:?}", e.units);
        println!("   cues: {:?} anger={} question={}", e.cues.found, e.cues.anger, e.cues.question);
        for (c, q, en) in &e.ranked {
            println!("   {} {:.3} (query {:.3} entry {:.3}) {}", c.entry_id, c.score, q, en, c.question);
        }
        println!("   => {:?}", e.decision);
    }
    ExitCode::SUCCESS
}
