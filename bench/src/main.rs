//! `switchboard-bench`: measures a running Switchboard from outside, the way users meet it.
//! Loops are bounded (a duration or a count) and targets are given explicitly (use 127.0.0.1).

mod chat;
mod histogram;
mod http_load;
mod report;
mod routing;
mod routing_db;
mod search;
mod startup;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "switchboard-bench", about = "Load and timing tool for Switchboard")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open-loop HTTP GETs at a fixed rate; latency counts from each request's scheduled time.
    Http(http_load::HttpArgs),
    /// Cold start to serving: start the binary on an existing database until /healthz answers.
    Startup(startup::StartupArgs),
    /// Customer and agent WebSocket connections: delivery latency, lost and duplicated messages,
    /// durable message rate, memory per connection (`--mode idle`: connections only).
    Chat(chat::ChatArgs),
    /// Routing: the router's decision time with many agents and a long queue, and (with a database)
    /// assignments per second through the app's routing passes.
    Routing(routing::RoutingArgs),
    /// Fill a database with N generated messages (mixed Chinese/English) and KB articles, then time
    /// message search (agent, supervisor, admin) and knowledge-base search.
    Search(search::SearchArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Http(args) => http_load::run(args).await,
        Command::Startup(args) => startup::run(args).await,
        Command::Chat(args) => chat::run(args).await,
        Command::Routing(args) => routing::run(args).await,
        Command::Search(args) => search::run(args).await,
    }
}
