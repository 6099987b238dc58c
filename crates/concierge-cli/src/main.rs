//! `concierge`: the demo and operator commands.

#[cfg(feature = "demo")]
mod demo;
#[cfg(feature = "demo")]
mod demo_strata;
#[cfg(feature = "demo")]
mod demo_visitors;
mod ops;
mod places;
mod settings;
mod strata;
mod visitors;
mod webhooks;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Concierge: move residents in, cut smart keys, import strata owners and tenants, activate
/// accounts and let visitors in, from one SDK.
#[derive(Debug, Parser)]
#[command(name = "concierge", version, about, long_about = None)]
struct Cli {
    /// The database (the setting `store`): a SQLite file (created if missing), or a
    /// postgres:// URL. Default: CONCIERGE_STORE, then `store` in the config file, then
    /// concierge.db. The demo takes only this flag (default concierge-demo.db, replaced).
    #[arg(long = "store", visible_alias = "db", global = true)]
    store: Option<String>,

    /// A TOML file of settings: the fields of `concierge::Settings` (`store`, `[smtp]`,
    /// `[buildium]`, `[salto]`, `outbox_max_attempts`, …); unknown keys are refused.
    /// Environment variables (CONCIERGE_ and the field's path, e.g. CONCIERGE_SMTP_HOST) override
    /// it, and flags override both.
    #[arg(long, global = true, env = "CONCIERGE_CONFIG")]
    config: Option<PathBuf>,

    /// Sets any setting by its path, e.g. `--set outbox_max_attempts=3` or
    /// `--set smtp.tls=tls`; repeatable. Not for secrets (use the environment or the file).
    #[arg(long = "set", global = true, value_name = "PATH=VALUE")]
    set: Vec<String>,

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
    #[cfg(feature = "demo")]
    Demo {
        /// Seed of the sandbox's generated data.
        #[arg(long, default_value_t = concierge::DEFAULT_SANDBOX_SEED)]
        seed: u64,
    },
    /// Properties: register, list, show and change their settings.
    #[command(subcommand)]
    Property(places::PropertyCommand),
    /// Buildings of a property: register.
    #[command(subcommand)]
    Building(places::BuildingCommand),
    /// Units of a building: register.
    #[command(subcommand)]
    Unit(places::UnitCommand),
    /// The PMS: list its properties, link one to a property.
    #[command(subcommand)]
    Pms(places::PmsCommand),
    /// The strata system (StrataMax, PropertyIQ): link buildings, import users, Go Live,
    /// sync, invite in bulk.
    #[command(subcommand)]
    Strata(strata::StrataCommand),
    /// Visitors through the intercom (ButterflyMX): consent, link, provision, preflight,
    /// passes, the contact-preference report.
    #[command(subcommand)]
    Visitors(visitors::VisitorsCommand),
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
    /// Serves Buildium's signed webhooks (POST /webhooks/buildium) until stopped, re-syncing the
    /// property each delivery names; needs the `buildium` and `buildium_webhook` settings.
    ServeWebhooks(webhooks::ServeArgs),
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
        let mut layers = settings::Layers {
            config: cli.config,
            flags: Vec::new(),
        };
        if let Some(store) = &cli.store {
            layers.flags.push(("store".to_owned(), store.clone()));
        }
        for spec in &cli.set {
            layers.flags.push(settings::Layers::set_flag(spec)?);
        }
        match cli.command {
            #[cfg(feature = "demo")]
            Command::Demo { seed } => {
                let (path, is_default) = match cli.store {
                    Some(db) => (PathBuf::from(db), false),
                    None => (PathBuf::from(demo::DEFAULT_DB), true),
                };
                demo::run(seed, &path, is_default, &mut out).await
            }
            Command::Property(cmd) => places::property(&layers, cmd, &mut out).await,
            Command::Building(cmd) => places::building(&layers, cmd, &mut out).await,
            Command::Unit(cmd) => places::unit(&layers, cmd, &mut out).await,
            Command::Pms(cmd) => places::pms(&layers, cmd, &mut out).await,
            Command::Strata(cmd) => strata::strata(&layers, cmd, &mut out).await,
            Command::Visitors(cmd) => visitors::visitors(&layers, cmd, &mut out).await,
            Command::Residents(args) => ops::residents(&layers, args, &mut out).await,
            Command::Sync(args) => ops::sync(&layers, args, &mut out).await,
            Command::Key(cmd) => ops::key(&layers, cmd, &mut out).await,
            Command::Encoders(lock) => ops::encoders(&layers, lock, &mut out).await,
            Command::Outbox(cmd) => ops::outbox(&layers, cmd, &mut out).await,
            Command::ServeWebhooks(args) => webhooks::serve(&layers, args, &mut out).await,
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
