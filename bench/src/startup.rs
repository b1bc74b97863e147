//! Cold start to serving: start `switchboard serve` on an existing database, time until /healthz
//! answers 200, stop it, repeat.

use crate::report::Percentiles;
use clap::Args;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct StartupArgs {
    /// The switchboard binary (a release build).
    #[arg(long)]
    pub binary: PathBuf,
    /// Database the server opens (already migrated, with data).
    #[arg(long)]
    pub database_url: String,
    /// How many starts to time.
    #[arg(long, default_value_t = 10)]
    pub runs: u32,
    /// Port to listen on.
    #[arg(long, default_value_t = 18181)]
    pub port: u16,
}

pub async fn run(args: StartupArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_millis(200)).build()?;
    let url = format!("http://127.0.0.1:{}/healthz", args.port);
    let mut samples = Vec::new();
    for _ in 0..args.runs {
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&args.binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", args.port), "--database-url", &args.database_url])
            .env("SWITCHBOARD_LOG__LEVEL", "warn")
            .kill_on_drop(true)
            .spawn()?;
        let deadline = started + Duration::from_secs(10);
        loop {
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                samples.push(started.elapsed());
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "the server did not answer /healthz within 10 s");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        child.kill().await?;
        child.wait().await?;
    }
    println!("cold start to serving /healthz: {}", Percentiles::of(samples));
    Ok(())
}
