//! `switchboard kb import|export`: FAQ entries from and to JSON Lines or CSV files, through the
//! same app services as the REST API.

use crate::cli::KbCommand;
use crate::commands::{cli_actor, explain};
use anyhow::{Context, bail};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use switchboard_app::{App, FaqFormat};

fn format_of(flag: Option<&str>, file: &std::path::Path) -> anyhow::Result<FaqFormat> {
    match flag {
        Some(text) => FaqFormat::parse(text).with_context(|| format!("unknown format `{text}`: use jsonl or csv")),
        None => Ok(match file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => FaqFormat::Csv,
            _ => FaqFormat::Jsonl,
        }),
    }
}

pub async fn run(app: &App, command: KbCommand) -> anyhow::Result<ExitCode> {
    match command {
        KbCommand::Import { file, account, format, dry_run } => {
            let actor = cli_actor(app, &account).await?;
            let format = format_of(format.as_deref(), &file)?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("while reading {}", file.display()))?;
            let tty = std::io::stderr().is_terminal();
            let mut progress = |done: usize, total: usize| {
                if tty && (done == total || done.is_multiple_of(10)) {
                    eprint!("\r{done}/{total} lines");
                    let _ = std::io::stderr().flush();
                }
            };
            let report = app.import_kb_faqs(&actor, &text, format, dry_run, &mut progress).await.map_err(explain)?;
            if tty {
                eprintln!();
            }
            for error in &report.errors {
                eprintln!("{}:{}: {}", file.display(), error.line, error.reason);
            }
            let verb = if dry_run { "would be" } else { "were" };
            println!(
                "{} lines: {} {verb} created, {} {verb} updated, {} unchanged, {} rejected{}",
                report.lines,
                report.created,
                report.updated,
                report.unchanged,
                report.errors.len(),
                if dry_run { " (dry run: nothing written)" } else { "" }
            );
            Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        KbCommand::Export { account, format, output } => {
            let actor = cli_actor(app, &account).await?;
            let Some(format) = FaqFormat::parse(&format) else { bail!("unknown format `{format}`: use jsonl or csv") };
            let export = app.export_kb_faqs(&actor, format).await.map_err(explain)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, export.body).with_context(|| format!("while writing {}", path.display()))?;
                    eprintln!("exported {} FAQ entries to {}", export.rows, path.display());
                }
                None => print!("{}", export.body),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
