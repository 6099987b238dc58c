//! `concierge`: the demo and operator commands.

mod demo;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Concierge: move residents in, cut smart keys, import strata owners and tenants, activate
/// accounts and let visitors in, from one SDK.
#[derive(Debug, Parser)]
#[command(name = "concierge", version, about, long_about = None)]
struct Cli {
    /// Log verbosity (error, warn, info, debug, trace); also read from RUST_LOG.
    #[arg(long, global = true, default_value = "warn", env = "CONCIERGE_LOG")]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs every flow Concierge has on the sandbox providers and prints what happens.
    Demo {
        /// Seed of the sandbox's generated data.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.log)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo { seed } => demo::run(seed, &mut std::io::stdout()).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}
