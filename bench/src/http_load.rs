//! Fixed-rate HTTP load. Request i is due at start + i/rate; a worker that is late sends at once and
//! the latency is counted from the due time, so a slow server cannot hide its queueing
//! (no coordinated omission).

use crate::report::{Percentiles, rss_kib};
use clap::Args;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct HttpArgs {
    /// Full URL to GET, e.g. http://127.0.0.1:8080/api/v1/users?limit=20
    #[arg(long)]
    pub url: String,
    /// API token sent as `Authorization: Bearer`.
    #[arg(long, env = "SWITCHBOARD_BENCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Requests per second.
    #[arg(long, default_value_t = 2000)]
    pub rate: u64,
    /// Seconds of measured load (after the warm-up).
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Seconds of unmeasured warm-up at the same rate.
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    /// Concurrent workers (each with keep-alive connections).
    #[arg(long, default_value_t = 64)]
    pub workers: u64,
    /// The server's process id, to report its memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

pub async fn run(args: HttpArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.rate > 0 && args.workers > 0 && args.duration > 0,
        "rate, workers and duration must be positive"
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.workers as usize)
        .timeout(Duration::from_secs(10))
        .build()?;
    let total = args.rate * (args.duration + args.warmup);
    let warmup_count = args.rate * args.warmup;
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    let start = Instant::now() + Duration::from_millis(100);
    let args = Arc::new(args);
    let mut handles = Vec::new();
    for worker in 0..args.workers {
        let client = client.clone();
        let args = args.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
            let mut i = worker;
            while i < total {
                let due = start + interval * (i as u32);
                tokio::time::sleep_until(due.into()).await;
                let mut request = client.get(&args.url);
                if let Some(token) = &args.token {
                    request = request.bearer_auth(token);
                }
                let outcome = request.send().await;
                let ok = match outcome {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body = response.bytes().await;
                        *statuses.entry(status).or_default() += 1;
                        body.is_ok() && status < 400
                    }
                    Err(_) => false,
                };
                if i >= warmup_count {
                    if ok {
                        latencies.push(due.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                i += args.workers;
            }
            (latencies, errors, statuses)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    for handle in handles {
        let (l, e, s) = handle.await?;
        latencies.extend(l);
        errors += e;
        for (k, v) in s {
            *statuses.entry(k).or_default() += v;
        }
    }
    let elapsed = start.elapsed().as_secs_f64() - args.warmup as f64;
    let measured = latencies.len() as u64 + errors;
    println!(
        "target: GET {} at {} req/s for {} s (+{} s warm-up), {} workers",
        args.url, args.rate, args.duration, args.warmup, args.workers
    );
    println!(
        "achieved: {:.0} req/s measured, {} errors, statuses {:?}",
        measured as f64 / elapsed.max(0.001),
        errors,
        statuses
    );
    println!("latency from scheduled time: {}", Percentiles::of(latencies));
    if let Some(pid) = args.server_pid {
        match rss_kib(pid) {
            Some(kib) => println!("server memory: {:.1} MiB resident", kib as f64 / 1024.0),
            None => println!("server memory: unavailable for pid {pid}"),
        }
    }
    Ok(())
}
