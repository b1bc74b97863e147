//! `switchboard`: the whole customer-service platform in one binary.

mod bot;
mod cli;
mod commands;
mod config;
mod demo;
mod demo_inbox;
mod demo_kb;
mod kb;
mod serve;

use clap::Parser;

/// mimalloc instead of the system allocator: the request path allocates many small, short-lived
/// objects, and glibc's malloc showed up at about 12% of the server's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
