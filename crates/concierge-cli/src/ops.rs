//! Operator commands over a durable store.

use crate::settings::Layers;
use concierge::*;
use futures_util::StreamExt as _;
use std::io::Write;
use std::sync::Arc;

/// The database used when no store is set (`--store`, `CONCIERGE_STORE` or `store` in the
/// config file): the command line works on a file, where `Settings` alone would mean memory.
pub const DEFAULT_DB: &str = "concierge.db";

/// How long the sandbox NCoder takes to write a key for the operator commands, unless
/// `sandbox.key_write_time_ms` says otherwise: short, since they are for trying things out.
#[cfg(feature = "demo")]
const SANDBOX_WRITE_TIME_MS: u64 = 500;

/// Arguments of `concierge residents`.
#[derive(Debug, clap::Args)]
pub struct ResidentsArgs {
    /// Only this property (its site name).
    #[arg(long)]
    site: Option<String>,
    /// Only this account status (not_invited, pending_activation, live, activation_expired).
    #[arg(long)]
    status: Option<String>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

/// Arguments of `concierge sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Only this property (its site name); default: every property linked to the PMS.
    #[arg(long)]
    site: Option<String>,
    /// `full` (the default: may move out residents the PMS no longer lists) or `incremental`.
    #[arg(long, default_value = "full")]
    mode: String,
    #[command(flatten)]
    pms: PmsArgs,
    /// Print each run as a JSON line instead of a summary, and no progress.
    #[arg(long)]
    json: bool,
}

/// The PMS a command talks to. Never a default: an operator names it.
#[derive(Debug, clap::Args)]
pub struct PmsArgs {
    /// The PMS: `buildium` (the `buildium` settings: CONCIERGE_BUILDIUM_CLIENT_ID,
    /// CONCIERGE_BUILDIUM_CLIENT_SECRET, CONCIERGE_BUILDIUM_BASE_URL, … or `[buildium]` in the
    /// config file) or, with the `demo` feature, `sandbox` (generated data; `--seed`).
    /// Default: buildium when its settings are given; otherwise the command refuses.
    #[arg(long, env = "CONCIERGE_PMS")]
    pms: Option<String>,
    /// Seed of the sandbox (the setting `sandbox.seed`).
    #[arg(long)]
    seed: Option<u64>,
}

/// What to say when a command needs a PMS and none is named.
const CONFIGURE_PMS: &str = "is not configured: give the Buildium settings (CONCIERGE_BUILDIUM_CLIENT_ID and CONCIERGE_BUILDIUM_CLIENT_SECRET, or [buildium] in the --config file), or --pms sandbox to try the command on generated data";

impl PmsArgs {
    /// `settings` with the PMS this command talks to.
    pub fn settings(&self, mut settings: Settings) -> Result<Settings> {
        match self.pms.as_deref() {
            Some("sandbox") => use_sandbox(&mut settings, self.seed)?,
            Some("buildium") | None if settings.buildium.is_some() => {}
            Some("buildium") | None => return Err(Error::invalid("pms", CONFIGURE_PMS)),
            Some(_) => return Err(Error::invalid("pms", "must be buildium or sandbox")),
        }
        Ok(settings)
    }
}

/// The lock system to write keys with.
#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// `salto` (SALTO Nebula: the `salto` settings, CONCIERGE_SALTO_INSTALLATION,
    /// CONCIERGE_SALTO_CLIENT_ID, CONCIERGE_SALTO_CLIENT_SECRET, … or `[salto]` in the config
    /// file) or `sandbox` (the sandbox's fakes and clock: keys are written in this process only,
    /// for trying the commands out; with the `demo` feature). Default: salto when its settings
    /// are given; otherwise the command refuses.
    #[arg(long, env = "CONCIERGE_LOCK")]
    lock: Option<String>,
}

impl LockArgs {
    /// `settings` with the key encoder this command writes with.
    fn apply(&self, settings: &mut Settings) -> Result<()> {
        match self.lock.as_deref() {
            Some("sandbox") => use_sandbox(settings, None),
            Some("salto") | None if settings.salto.is_some() => Ok(()),
            Some("salto") | None => Err(Error::invalid(
                "lock",
                "is not configured: give the SALTO settings (CONCIERGE_SALTO_INSTALLATION, CONCIERGE_SALTO_CLIENT_ID and CONCIERGE_SALTO_CLIENT_SECRET, or [salto] in the --config file), or --lock sandbox to try the command on the sandbox encoder",
            )),
            Some(_) => Err(Error::invalid("lock", "must be salto or sandbox")),
        }
    }
}

/// `settings` on the sandbox (seed `seed` when given), its NCoder writing in
/// [`SANDBOX_WRITE_TIME_MS`] unless the settings say otherwise. Only with the `demo` feature:
/// an operator's build never falls on generated data.
#[cfg(not(feature = "demo"))]
pub(crate) fn use_sandbox(_settings: &mut Settings, _seed: Option<u64>) -> Result<()> {
    Err(Error::invalid(
        "sandbox",
        "is not in this build of the command (the `demo` feature)",
    ))
}

/// `settings` on the sandbox (seed `seed` when given), its NCoder writing in
/// [`SANDBOX_WRITE_TIME_MS`] unless the settings say otherwise.
#[cfg(feature = "demo")]
pub(crate) fn use_sandbox(settings: &mut Settings, seed: Option<u64>) -> Result<()> {
    let sandbox = settings.sandbox.get_or_insert_with(Default::default);
    if let Some(seed) = seed {
        sandbox.seed = seed;
    }
    sandbox
        .key_write_time_ms
        .get_or_insert(SANDBOX_WRITE_TIME_MS);
    Ok(())
}

/// `concierge key …`.
#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Writes a key for a resident (or a spare holder) on an encoder.
    Make(MakeArgs),
    /// Writes a new key for a holder whose card was lost; the old key is cancelled.
    Replace(MakeArgs),
    /// Cancels a key.
    Cancel {
        /// The key's id.
        id: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Lists the keys of a resident, a spare holder or a unit.
    List {
        /// A resident's id.
        #[arg(long)]
        resident: Option<String>,
        /// A unit's id.
        #[arg(long)]
        unit: Option<String>,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `concierge key make|replace`.
#[derive(Debug, clap::Args)]
pub struct MakeArgs {
    /// The resident's id.
    #[arg(long, conflicts_with = "spare", required_unless_present = "spare")]
    resident: Option<String>,
    /// The spare holder's id.
    #[arg(long)]
    spare: Option<String>,
    /// The encoder's id or name (see `concierge encoders`).
    #[arg(long)]
    encoder: String,
    /// Write without asking for confirmation.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    lock: LockArgs,
}

/// `concierge key …`.
pub async fn key(layers: &Layers, cmd: KeyCommand, out: &mut impl Write) -> Result<()> {
    let admin = operator();
    match cmd {
        KeyCommand::Make(args) => make_key(layers, args, false, out).await,
        KeyCommand::Replace(args) => make_key(layers, args, true, out).await,
        KeyCommand::Cancel { id, lock } => {
            let c = key_handle(layers, &lock).await?;
            let key = c.cancel_key(&admin, &KeyId::from_string(id)).await?;
            let _ = writeln!(
                out,
                "{} is {:?}; the lock system is told through the outbox",
                key.id, key.state
            );
            c.close().await;
            Ok(())
        }
        KeyCommand::List {
            resident,
            unit,
            json,
        } => {
            let c = open(layers.load(&[])?).await?;
            let holder = resident.map(|r| KeyHolder::Resident(ResidentId::from_string(r)));
            let unit = unit.map(UnitId::from_string);
            let filter = KeyFilter {
                holder,
                unit_id: unit,
            };
            // Page by page: memory stays flat however many keys there are.
            let mut keys = std::pin::pin!(c.stream_keys(&admin, filter));
            while let Some(k) = keys.next().await {
                let k = k?;
                if json {
                    let _ = writeln!(out, "{}", serde_json::to_string(&k).unwrap_or_default());
                } else {
                    let _ = writeln!(
                        out,
                        "{}  {:<10} holder {}  unit {}",
                        k.id,
                        format!("{:?}", k.state),
                        k.holder,
                        k.unit_id
                    );
                }
            }
            c.close().await;
            Ok(())
        }
    }
}

async fn make_key(
    layers: &Layers,
    args: MakeArgs,
    replace: bool,
    out: &mut impl Write,
) -> Result<()> {
    let admin = operator();
    let c = key_handle(layers, &args.lock).await?;
    let mut req = match (&args.resident, &args.spare) {
        (Some(r), _) => MakeKey::resident(&ResidentId::from_string(r.clone()), &args.encoder),
        (None, Some(s)) => MakeKey::spare(&SpareHolderId::from_string(s.clone()), &args.encoder),
        (None, None) => return Err(Error::invalid("resident", "give --resident or --spare")),
    };
    if replace {
        req = req.replacing();
    }
    let preview = c.preview_key(&admin, &req).await?;
    let _ = writeln!(
        out,
        "A key for {}, unit {}{}, on {}{}",
        preview.holder_name,
        preview.unit.number,
        preview
            .unit
            .floor
            .as_deref()
            .map(|f| format!(" (floor {f})"))
            .unwrap_or_default(),
        preview.encoder.name,
        preview
            .replaces
            .as_ref()
            .map(|k| format!(", replacing {k}"))
            .unwrap_or_default()
    );
    if !args.yes {
        let _ = write!(
            out,
            "Place the card on the encoder and press Enter to write it (Ctrl-C to stop) "
        );
        let _ = out.flush();
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line).unwrap_or(0) == 0 {
            return Err(Error::invalid(
                "confirmation",
                "no confirmation on standard input; pass --yes",
            ));
        }
    }
    let key = c.make_key(&admin, req).await?;
    let _ = writeln!(out, "Key {} written ({:?})", key.id, key.state);
    c.close().await;
    Ok(())
}

/// `concierge encoders`.
pub async fn encoders(layers: &Layers, lock: LockArgs, out: &mut impl Write) -> Result<()> {
    let c = key_handle(layers, &lock).await?;
    for e in c.list_encoders(&operator()).await? {
        let ready = if e.online && e.initialized {
            "ready"
        } else if e.online {
            "not initialized"
        } else {
            "offline"
        };
        let _ = writeln!(out, "{:<12} {:<22} {ready}", e.external.id, e.name);
    }
    c.close().await;
    Ok(())
}

async fn key_handle(layers: &Layers, lock: &LockArgs) -> Result<Concierge> {
    let mut settings = layers.load(&[])?;
    lock.apply(&mut settings)?;
    open(settings).await
}

/// `concierge outbox …`.
#[derive(Debug, clap::Subcommand)]
pub enum OutboxCommand {
    /// Lists entries with a status (pending, done, parked, skipped).
    List {
        #[arg(long, default_value = "pending")]
        status: String,
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delivers every due entry through an SMTP server.
    Dispatch(SmtpArgs),
    /// Queues a parked entry again and delivers it.
    Retry {
        /// The entry's id.
        id: String,
        #[command(flatten)]
        smtp: SmtpArgs,
    },
}

/// Where to send email: flags for the `smtp` settings (which the environment and the config
/// file can also give, e.g. CONCIERGE_SMTP_HOST). The password is read from
/// `CONCIERGE_SMTP_PASSWORD` or the config file, never from the command line (which other users
/// of the machine can see).
#[derive(Debug, clap::Args)]
pub struct SmtpArgs {
    /// The SMTP server (`smtp.host`).
    #[arg(long)]
    smtp_host: Option<String>,
    /// Its port (`smtp.port`).
    #[arg(long)]
    smtp_port: Option<u16>,
    /// The user to log in as (`smtp.username`).
    #[arg(long)]
    smtp_user: Option<String>,
    /// none, starttls or tls (`smtp.tls`).
    #[arg(long)]
    smtp_tls: Option<String>,
}

impl SmtpArgs {
    /// The flags given, as settings paths and values.
    fn flags(&self) -> Vec<(&'static str, String)> {
        let mut flags = Vec::new();
        if let Some(v) = &self.smtp_host {
            flags.push(("smtp.host", v.clone()));
        }
        if let Some(v) = self.smtp_port {
            flags.push(("smtp.port", v.to_string()));
        }
        if let Some(v) = &self.smtp_user {
            flags.push(("smtp.username", v.clone()));
        }
        if let Some(v) = &self.smtp_tls {
            flags.push(("smtp.tls", v.clone()));
        }
        flags
    }

    /// A handle that sends email over SMTP.
    async fn open(&self, layers: &Layers) -> Result<Concierge> {
        let settings = layers.load(&self.flags())?;
        if settings.smtp.is_none() {
            return Err(Error::invalid(
                "smtp",
                "is required to deliver email: give --smtp-host, CONCIERGE_SMTP_HOST or [smtp] in the config file",
            ));
        }
        open(settings).await
    }
}

/// Opens the handle of a command through [`Concierge::open`]: the store defaults to
/// [`DEFAULT_DB`], and without a mailer (neither `smtp` nor `sandbox`) email is held in the
/// outbox (`hold_email`), for the commands that send none.
pub async fn open(mut settings: Settings) -> Result<Concierge> {
    settings.store.get_or_insert_with(|| DEFAULT_DB.to_owned());
    if !settings.has_mailer() {
        settings.hold_email = Some(true);
    }
    Concierge::open(settings).await
}

/// The operator at the machine: the CLI acts with full access.
pub fn operator() -> Admin {
    Admin::full_access("concierge-cli", "Concierge CLI")
}

/// `concierge residents`.
pub async fn residents(layers: &Layers, args: ResidentsArgs, out: &mut impl Write) -> Result<()> {
    let c = open(layers.load(&[])?).await?;
    let admin = operator();
    let status = args
        .status
        .as_deref()
        .map(|s| {
            AccountStatus::parse(s)
                .ok_or_else(|| Error::invalid("status", "is not an account status"))
        })
        .transpose()?;
    let properties = c.list_properties(&admin).await?;
    let properties: Vec<_> = properties
        .into_iter()
        .filter(|p| args.site.as_deref().is_none_or(|s| p.site_name == s))
        .collect();
    if args.site.is_some() && properties.is_empty() {
        return Err(Error::not_found(
            EntityKind::Property,
            args.site.unwrap_or_default(),
        ));
    }
    let now = c.now();
    if !args.json {
        let _ = writeln!(
            out,
            "{:<16} {:<24} {:<8} {:<20} email",
            "site", "name", "unit", "status"
        );
    }
    for property in properties {
        let units = c.list_units(&admin, &property.id).await?;
        let mut filter = ResidentFilter::property(&property.id);
        filter.status = status;
        let mut residents = std::pin::pin!(c.stream_residents(&admin, filter));
        while let Some(r) = residents.next().await {
            let r = r?;
            let unit = units
                .iter()
                .find(|u| u.id == r.occupancy.unit_id)
                .map(|u| u.number.as_str())
                .unwrap_or("?");
            if args.json {
                let line = serde_json::json!({
                    "site": property.site_name, "id": r.id, "first_name": r.first_name,
                    "last_name": r.last_name, "unit": unit, "status": r.status(now).as_str(),
                    "email": r.email,
                });
                let _ = writeln!(out, "{line}");
            } else {
                let _ = writeln!(
                    out,
                    "{:<16} {:<24} {:<8} {:<20} {}",
                    property.site_name,
                    r.full_name(),
                    unit,
                    r.status(now).as_str(),
                    r.email.as_deref().unwrap_or("-")
                );
            }
        }
    }
    c.close().await;
    Ok(())
}

/// `concierge sync`.
pub async fn sync(layers: &Layers, args: SyncArgs, out: &mut impl Write) -> Result<()> {
    let mode = SyncMode::parse(&args.mode)
        .ok_or_else(|| Error::invalid("mode", "must be full or incremental"))?;
    let settings = args.pms.settings(layers.load(&[])?)?;
    let c = open(settings).await?;
    let admin = operator();
    let properties: Vec<Property> = c
        .list_properties(&admin)
        .await?
        .into_iter()
        .filter(|p| p.external.is_some() && args.site.as_deref().is_none_or(|s| p.site_name == s))
        .collect();
    if properties.is_empty() {
        return Err(Error::invalid(
            "site",
            "no property linked to the PMS matches (link one with link_pms_property)",
        ));
    }
    // One run for every property named: each PMS resource is read once for all of them.
    let bar = (!args.json).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_message(format!("{} properties: starting", properties.len()));
        bar
    });
    let progress: Option<ProgressFn> = bar.clone().map(|bar| {
        Arc::new(move |p: &SyncProgress| {
            bar.set_message(format!(
                "{}/{} properties, {} pages, {} residents read, {} created, {} updated, {} errors",
                p.properties_done,
                p.properties,
                p.counts.pages,
                p.counts.seen,
                p.counts.created,
                p.counts.updated,
                p.counts.failed
            ));
            bar.tick();
        }) as ProgressFn
    });
    let ids: Vec<PropertyId> = properties.iter().map(|p| p.id.clone()).collect();
    let result = c
        .sync_properties(&admin, &ids, SyncOptions { mode, progress })
        .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let reports = match result {
        Ok(reports) => reports,
        Err(e) => {
            c.close().await;
            return Err(e);
        }
    };
    let mut failed = 0;
    for (property, report) in properties.iter().zip(reports) {
        failed += usize::from(report.run.aborted.is_some());
        if args.json {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string(&report.run).unwrap_or_default()
            );
            continue;
        }
        if let Some(why) = &report.run.aborted {
            let _ = writeln!(out, "{}: sync failed: {why}", property.site_name);
            continue;
        }
        let n = report.run.counts;
        let _ = writeln!(
            out,
            "{}: {} read, {} created, {} updated, {} moved out, {} unchanged, {} future deferred, {} errors{}",
            property.site_name,
            n.seen,
            n.created,
            n.updated,
            n.moved_out,
            n.unchanged,
            n.deferred,
            n.failed,
            if report.joined {
                " (joined a running sync)"
            } else {
                ""
            }
        );
        for e in report.run.errors.iter().take(20) {
            let who = e.external.as_ref().map(|x| x.id.as_str()).unwrap_or("?");
            let _ = writeln!(out, "  {:<22} {who}: {}", e.kind.as_str(), e.message);
        }
        if report.run.errors.len() > 20 {
            let _ = writeln!(out, "  … and {} more", report.run.errors.len() - 20);
        }
    }
    c.close().await;
    if failed > 0 {
        return Err(Error::conflict(
            ConflictKind::Other,
            format!("{failed} property sync(s) failed"),
        ));
    }
    Ok(())
}

/// `concierge outbox …`.
pub async fn outbox(layers: &Layers, cmd: OutboxCommand, out: &mut impl Write) -> Result<()> {
    let admin = operator();
    match cmd {
        OutboxCommand::List { status, json } => {
            let status = OutboxStatus::parse(&status).ok_or_else(|| {
                Error::invalid("status", "must be pending, done, parked or skipped")
            })?;
            let c = open(layers.load(&[])?).await?;
            let mut entries = std::pin::pin!(c.stream_outbox(&admin, status));
            while let Some(e) = entries.next().await {
                let e = e?;
                if json {
                    let line = serde_json::json!({
                        "id": e.id, "kind": e.message.kind(), "status": e.status.as_str(),
                        "attempts": e.attempts, "next_attempt_at": e.next_attempt_at.to_rfc3339(),
                        "last_error": e.last_error,
                    });
                    let _ = writeln!(out, "{line}");
                } else {
                    let _ = writeln!(
                        out,
                        "{}  {:<16} {:<8} attempts {:<2} next {}  {}",
                        e.id,
                        e.message.kind(),
                        e.status.as_str(),
                        e.attempts,
                        e.next_attempt_at.format("%Y-%m-%d %H:%M:%S"),
                        e.last_error.as_deref().unwrap_or("")
                    );
                }
            }
            c.close().await;
        }
        OutboxCommand::Dispatch(smtp) => {
            let c = smtp.open(layers).await?;
            let r = c.dispatch_outbox().await?;
            let _ = writeln!(
                out,
                "delivered {}, retrying later {}, parked {}, skipped {}",
                r.delivered, r.retrying, r.parked, r.skipped
            );
            c.close().await;
        }
        OutboxCommand::Retry { id, smtp } => {
            let c = smtp.open(layers).await?;
            let e = c
                .retry_outbox_entry(&admin, &OutboxId::from_string(id))
                .await?;
            let _ = writeln!(out, "{} is now {}", e.id, e.status.as_str());
            c.close().await;
        }
    }
    Ok(())
}
