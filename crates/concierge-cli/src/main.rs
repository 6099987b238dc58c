//! `concierge`: the demo and operator commands.

mod demo;
mod ops;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Concierge: move residents in, cut smart keys, import strata owners and tenants, activate
/// accounts and let visitors in, from one SDK.
#[derive(Debug, Parser)]
#[command(name = "concierge", version, about, long_about = None)]
struct Cli {
    /// The database: a SQLite file (created if missing), or a postgres:// URL.
    /// Default: concierge.db (concierge-demo.db for the demo).
    #[arg(long, global = true, env = "CONCIERGE_DB")]
    db: Option<String>,

    /// Log verbosity (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "warn", env = "CONCIERGE_LOG")]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs every flow Concierge has on the sandbox providers and a SQLite file, and prints
    /// what happens. Starts from an empty database each time.
    Demo {
        /// Seed of the sandbox's generated data.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Lists residents with their account status.
    Residents(ops::ResidentsArgs),
    /// Syncs properties with the PMS now (every linked property, or one), with progress.
    Sync(ops::SyncArgs),
    /// Smart keys: make, replace (lost card), cancel, list.
    #[command(subcommand)]
    Key(ops::KeyCommand),
    /// The lock system's key encoders and whether they are ready.
    Encoders(ops::LockArgs),
    /// The outbox of side effects (emails): list, deliver, retry parked entries.
    #[command(subcommand)]
    Outbox(ops::OutboxCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log))
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
    let mut out = std::io::stdout();
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo { seed } => {
                let (path, is_default) = match cli.db {
                    Some(db) => (PathBuf::from(db), false),
                    None => (PathBuf::from(demo::DEFAULT_DB), true),
                };
                demo::run(seed, &path, is_default, &mut out).await
            }
            Command::Residents(args) => ops::residents(cli.db.as_deref(), args, &mut out).await,
            Command::Sync(args) => ops::sync(cli.db.as_deref(), args, &mut out).await,
            Command::Key(cmd) => ops::key(cli.db.as_deref(), cmd, &mut out).await,
            Command::Encoders(lock) => ops::encoders(cli.db.as_deref(), lock, &mut out).await,
            Command::Outbox(cmd) => ops::outbox(cli.db.as_deref(), cmd, &mut out).await,
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
