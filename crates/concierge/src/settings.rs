//! [`Settings`]: every knob of a handle in one serde type, and [`Concierge::open`], the one door
//! from settings to a handle that the CLI and the Python and Node bindings share.
//!
//! This module owns the settings' shape (field names, JSON schema through
//! [`schemars::JsonSchema`]) and their validation ([`Settings::validate`]); the defaults live once,
//! in [`Config::default`], [`SandboxSettings::default`] and the adapters' `new` constructors,
//! and each field's doc comment states its default. Secrets (the SMTP password, the Buildium and
//! SALTO client secrets, the activation secret, a password in a `postgres://` URL) never appear
//! in `Debug`, [`Settings::describe`] or an error.

use crate::Concierge;
use crate::builder::Config;
use async_trait::async_trait;
#[cfg(feature = "buildium")]
use concierge_buildium::{BuildiumConfig, BuildiumPms};
#[cfg(feature = "butterflymx")]
use concierge_butterflymx::{ButterflyMx, ButterflyMxConfig};
use concierge_core::validate::Checks;
use concierge_core::*;
#[cfg(feature = "propertyiq")]
use concierge_propertyiq::{PropertyIq, PropertyIqConfig};
#[cfg(feature = "salto")]
use concierge_salto::{SaltoConfig, SaltoEncoder};
#[cfg(feature = "sandbox")]
use concierge_sandbox::Sandbox;
#[cfg(feature = "smtp")]
use concierge_smtp::{SmtpConfig, SmtpMailer};
#[cfg(feature = "stratamax")]
use concierge_stratamax::{StrataMax, StrataMaxConfig};
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;

/// The sandbox's seed when [`SandboxSettings::seed`] is not given.
#[cfg(feature = "sandbox")]
pub const DEFAULT_SANDBOX_SEED: u64 = 7;

/// Every setting of a [`Concierge`] handle, for [`Concierge::open`].
///
/// Deserialise it from JSON, TOML or a binding's dictionary (unknown keys are refused), or
/// build it field by field from [`Settings::default`]. Every field is optional; an absent one
/// takes the default its doc comment states. `Debug` and [`Settings::describe`] never show a
/// secret.
///
/// ```
/// # #[cfg(all(feature = "sqlite", feature = "smtp"))] {
/// let settings: concierge::Settings = serde_json::from_value(serde_json::json!({
///     "store": "concierge.db",
///     "smtp": {"host": "mail.example.org", "username": "desk", "password": "…"},
///     "key_write_deadline_seconds": 60.0,
/// })).unwrap();
/// settings.validate().unwrap();
/// assert_eq!(settings.describe(), "store=sqlite:concierge.db, mailer=smtp(mail.example.org:587)");
/// # }
/// ```
#[derive(Clone, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where state lives: a SQLite file path (created if missing), or a `postgres://` (or
    /// `postgresql://`) URL. Absent: in memory, lost when the handle is dropped.
    pub store: Option<String>,
    /// The sandbox (feature `sandbox`): fakes of every provider (mailer, PMS, strata, intercom, key encoder) and a
    /// manual clock. Cannot be combined with `smtp`, `buildium`, `salto`, `stratamax`,
    /// `propertyiq` or `hold_email`.
    #[cfg(feature = "sandbox")]
    pub sandbox: Option<SandboxSettings>,
    /// The SMTP server that sends email (feature `smtp`). One of `smtp`, `sandbox` or
    /// `hold_email` is required.
    #[cfg(feature = "smtp")]
    pub smtp: Option<SmtpConfig>,
    /// Buildium as the property management system (feature `buildium`). Absent: no PMS.
    #[cfg(feature = "buildium")]
    pub buildium: Option<BuildiumConfig>,
    /// Buildium's signed webhooks (feature `buildium`): the subscription's secret and the
    /// timestamp tolerance, for `receive_buildium_webhook`. Absent: webhooks are refused.
    #[cfg(feature = "buildium")]
    pub buildium_webhook: Option<concierge_buildium::webhook::WebhookConfig>,
    /// SALTO Nebula (Homelok) as the key encoder (feature `salto`). Absent: no key encoder.
    #[cfg(feature = "salto")]
    pub salto: Option<SaltoConfig>,
    /// StrataMax as the strata system (feature `stratamax`). At most one of `stratamax` and
    /// `propertyiq`; absent: no strata system.
    #[cfg(feature = "stratamax")]
    pub stratamax: Option<StrataMaxConfig>,
    /// PropertyIQ as the strata system (feature `propertyiq`).
    #[cfg(feature = "propertyiq")]
    pub propertyiq: Option<PropertyIqConfig>,
    /// ButterflyMX as the door intercom, for visitor passes (feature `butterflymx`). Its
    /// rotating OAuth tokens are kept in the store, sealed with the activation secret. Absent:
    /// no intercom.
    #[cfg(feature = "butterflymx")]
    pub butterflymx: Option<ButterflyMxConfig>,
    /// No mailer: every email waits in the outbox (a delivery attempt fails as retryable and
    /// is tried again later, by a handle with a mailer). For tools that only read or queue,
    /// such as the command line's listing commands. Default false. Cannot be combined with
    /// `smtp` or `sandbox`.
    pub hold_email: Option<bool>,
    /// How long an activation link works, in days. Default 7; at least 1.
    pub activation_validity_days: Option<u32>,
    /// How long a key write may take, in seconds, before the SDK stops waiting and asks the
    /// lock system what became of it. Default 90; a finite number above 0.
    pub key_write_deadline_seconds: Option<f64>,
    /// How often an outbox entry is tried before it is parked for an admin. Default 8; at
    /// least 1.
    pub outbox_max_attempts: Option<u32>,
    /// The wait before the first retry of a failed outbox entry, in seconds; it doubles each
    /// time, up to `outbox_max_backoff_seconds`. Default 30.
    pub outbox_base_backoff_seconds: Option<u64>,
    /// The longest wait between outbox retries, in seconds. Default 3600; at least
    /// `outbox_base_backoff_seconds`.
    pub outbox_max_backoff_seconds: Option<u64>,
    /// Deliver outbox entries right after the operation that queued them commits. When false,
    /// only [`Concierge::dispatch_outbox`] delivers them. Default true.
    pub dispatch_inline: Option<bool>,
    /// The key activation links are derived with (at least 32 characters; never shown). The
    /// store keeps only a random nonce and the link's hash per invitation, so the database alone
    /// cannot make a link. Absent: with a SQLite file, a key file beside it
    /// (`<database>.activation-key`, created owner-only on first open: keep it apart from the
    /// database's backups); in memory, a random key per process. Required with PostgreSQL,
    /// the same for every process sharing the database.
    #[schemars(with = "Option<String>", extend("x-sensitive" = true))]
    pub activation_secret: Option<SecretString>,
    /// Who keeps residents' passwords: `managed` (Concierge: activation sets a password, kept
    /// as an Argon2id hash) or `external` (the host's identity provider: activation takes no
    /// password and returns the verified resident). Default `managed`.
    pub password_mode: Option<PasswordMode>,
}

/// The sandbox's settings ([`Settings::sandbox`]).
#[cfg(feature = "sandbox")]
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// The seed of the sandbox's generated data: the same seed, the same portfolio. Default 7
    /// ([`DEFAULT_SANDBOX_SEED`]).
    pub seed: u64,
    /// How long the sandbox encoder takes to write a key, in milliseconds. Default: the
    /// encoder's own ([`sandbox::DEFAULT_WRITE_TIME`](crate::sandbox::DEFAULT_WRITE_TIME)).
    pub key_write_time_ms: Option<u64>,
    /// The size of the sandbox PMS's generated portfolio (properties, units per property,
    /// residents per unit, page size). Default: two properties of six units, one resident each,
    /// pages of 50.
    pub portfolio: Option<concierge_sandbox::PortfolioSpec>,
}

#[cfg(feature = "sandbox")]
impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SANDBOX_SEED,
            key_write_time_ms: None,
            portfolio: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Settings");
        d.field("store", &self.store.as_deref().map(redact_store_location));
        #[cfg(feature = "sandbox")]
        d.field("sandbox", &self.sandbox);
        #[cfg(feature = "smtp")]
        d.field("smtp", &self.smtp);
        #[cfg(feature = "buildium")]
        d.field("buildium", &self.buildium);
        #[cfg(feature = "buildium")]
        d.field("buildium_webhook", &self.buildium_webhook);
        #[cfg(feature = "salto")]
        d.field("salto", &self.salto);
        #[cfg(feature = "stratamax")]
        d.field("stratamax", &self.stratamax);
        #[cfg(feature = "propertyiq")]
        d.field("propertyiq", &self.propertyiq);
        #[cfg(feature = "butterflymx")]
        d.field("butterflymx", &self.butterflymx);
        d.field("hold_email", &self.hold_email)
            .field("activation_validity_days", &self.activation_validity_days)
            .field(
                "key_write_deadline_seconds",
                &self.key_write_deadline_seconds,
            )
            .field("outbox_max_attempts", &self.outbox_max_attempts)
            .field(
                "outbox_base_backoff_seconds",
                &self.outbox_base_backoff_seconds,
            )
            .field(
                "outbox_max_backoff_seconds",
                &self.outbox_max_backoff_seconds,
            )
            .field("dispatch_inline", &self.dispatch_inline)
            .field(
                "activation_secret",
                &self.activation_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("password_mode", &self.password_mode)
            .finish()
    }
}

/// Whether `store` names a PostgreSQL database rather than a SQLite file.
fn is_postgres(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

/// A store location fit to print: `memory`, `sqlite:<path>`, or `postgres://host:port/db` with
/// neither user, password nor query parameters (which may hold a password).
fn redact_store_location(store: &str) -> String {
    if !is_postgres(store) {
        return format!("sqlite:{store}");
    }
    let rest = store.split_once("://").map(|(_, r)| r).unwrap_or("");
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    format!("postgres://{host}{path}")
}

impl Settings {
    /// Checks every setting, before any file is created or connection made, and reports every
    /// problem at once: one [`Error::Validation`] whose issues name the fields by path
    /// (`key_write_deadline_seconds`, `smtp.port`, `sandbox`, …). Messages never repeat the
    /// rejected value.
    pub fn validate(&self) -> Result<()> {
        let mut checks = Checks::new();
        if let Some(store) = &self.store
            && store.trim().is_empty()
        {
            checks.fail(
                "store",
                "must not be empty (leave it out for an in-memory store)",
            );
        }
        if let Some(store) = &self.store {
            if is_postgres(store) && !cfg!(feature = "postgres") {
                checks.fail(
                    "store",
                    "is a PostgreSQL URL: this build has no `postgres` feature",
                );
            } else if !is_postgres(store) && !cfg!(feature = "sqlite") {
                checks.fail(
                    "store",
                    "is a SQLite file: this build has no `sqlite` feature",
                );
            }
        }
        let held = self.hold_email == Some(true);
        let (sandbox, smtp) = (self.has_sandbox(), self.has_smtp());
        if sandbox
            && (smtp
                || self.has_pms()
                || self.has_key_encoder()
                || self.has_strata()
                || self.has_intercom()
                || held)
        {
            checks.fail(
                "sandbox",
                "cannot be combined with smtp, buildium, salto, stratamax, propertyiq, butterflymx or hold_email: the sandbox fakes every provider",
            );
        }
        #[cfg(all(feature = "stratamax", feature = "propertyiq"))]
        if self.stratamax.is_some() && self.propertyiq.is_some() {
            checks.fail(
                "propertyiq",
                "cannot be combined with stratamax: one strata system per handle",
            );
        }
        if held && smtp {
            checks.fail("hold_email", "cannot be combined with smtp");
        }
        if !sandbox && !smtp && !held {
            checks.fail(
                "smtp",
                "is required unless sandbox or hold_email is set: invitations and activation emails need a mailer",
            );
        }
        #[cfg(feature = "smtp")]
        if let Some(smtp) = &self.smtp {
            smtp.check("smtp.", &mut checks);
        }
        #[cfg(feature = "buildium")]
        if let Some(webhook) = &self.buildium_webhook {
            webhook.check("buildium_webhook.", &mut checks);
        }
        #[cfg(feature = "buildium")]
        if let Some(buildium) = &self.buildium {
            buildium.check("buildium.", &mut checks);
        }
        #[cfg(feature = "salto")]
        if let Some(salto) = &self.salto {
            salto.check("salto.", &mut checks);
        }
        #[cfg(feature = "stratamax")]
        if let Some(stratamax) = &self.stratamax {
            stratamax.check("stratamax.", &mut checks);
        }
        #[cfg(feature = "propertyiq")]
        if let Some(propertyiq) = &self.propertyiq {
            propertyiq.check("propertyiq.", &mut checks);
        }
        #[cfg(feature = "butterflymx")]
        if let Some(butterflymx) = &self.butterflymx {
            butterflymx.check("butterflymx.", &mut checks);
        }
        self.config_checked(&mut checks);
        match &self.activation_secret {
            Some(secret) => {
                if let Err(Error::Validation(v)) = ActivationSecret::from_text(secret) {
                    for issue in v.issues {
                        checks.fail(&issue.field, issue.message);
                    }
                }
            }
            None if self.store.as_deref().is_some_and(is_postgres) => checks.fail(
                "activation_secret",
                "is required with a PostgreSQL store: every process sharing it must derive the \
                 same activation links",
            ),
            None => {}
        }
        Ok(checks.finish()?)
    }

    /// Whether these settings give the handle a mailer: SMTP, the sandbox's, or `hold_email`.
    pub fn has_mailer(&self) -> bool {
        self.has_smtp() || self.has_sandbox() || self.hold_email.is_some()
    }

    fn has_sandbox(&self) -> bool {
        #[cfg(feature = "sandbox")]
        return self.sandbox.is_some();
        #[cfg(not(feature = "sandbox"))]
        false
    }

    fn has_smtp(&self) -> bool {
        #[cfg(feature = "smtp")]
        return self.smtp.is_some();
        #[cfg(not(feature = "smtp"))]
        false
    }

    fn has_intercom(&self) -> bool {
        #[cfg(feature = "butterflymx")]
        return self.butterflymx.is_some();
        #[cfg(not(feature = "butterflymx"))]
        false
    }

    fn has_strata(&self) -> bool {
        #[allow(unused_mut)]
        let mut has = false;
        #[cfg(feature = "stratamax")]
        {
            has |= self.stratamax.is_some();
        }
        #[cfg(feature = "propertyiq")]
        {
            has |= self.propertyiq.is_some();
        }
        has
    }

    fn has_pms(&self) -> bool {
        #[cfg(feature = "buildium")]
        return self.buildium.is_some();
        #[cfg(not(feature = "buildium"))]
        false
    }

    fn has_key_encoder(&self) -> bool {
        #[cfg(feature = "salto")]
        return self.salto.is_some();
        #[cfg(not(feature = "salto"))]
        false
    }

    /// The handle's [`Config`]: [`Config::default`] with every setting given here. Fails like
    /// [`Settings::validate`] on a value out of range.
    pub fn config(&self) -> Result<Config> {
        let mut checks = Checks::new();
        let config = self.config_checked(&mut checks);
        checks.finish()?;
        Ok(config)
    }

    /// The config, recording in `checks` what is out of range (a value that cannot be
    /// converted keeps its default in the config returned).
    fn config_checked(&self, checks: &mut Checks) -> Config {
        let mut config = Config::default();
        if let Some(days) = self.activation_validity_days {
            config.activation_validity = chrono::Duration::days(i64::from(days));
        }
        if let Some(seconds) = self.key_write_deadline_seconds {
            match std::time::Duration::try_from_secs_f64(seconds) {
                Ok(deadline) => config.key_write_deadline = deadline,
                Err(_) => checks.fail(
                    "key_write_deadline_seconds",
                    "must be a finite number of seconds above 0",
                ),
            }
        }
        if let Some(attempts) = self.outbox_max_attempts {
            config.outbox_max_attempts = attempts;
        }
        for (field, value, slot) in [
            (
                "outbox_base_backoff_seconds",
                self.outbox_base_backoff_seconds,
                &mut config.outbox_base_backoff,
            ),
            (
                "outbox_max_backoff_seconds",
                self.outbox_max_backoff_seconds,
                &mut config.outbox_max_backoff,
            ),
        ] {
            if let Some(seconds) = value {
                match i64::try_from(seconds)
                    .ok()
                    .and_then(chrono::Duration::try_seconds)
                {
                    Some(d) => *slot = d,
                    None => checks.fail(field, "is too large"),
                }
            }
        }
        if let Some(inline) = self.dispatch_inline {
            config.dispatch_inline = inline;
        }
        if let Some(mode) = self.password_mode {
            config.password_mode = mode;
        }
        config.check(checks);
        config
    }

    /// A one-line summary for a handle's `repr`, without any secret: where the store is (no
    /// user, password or URL parameters) and which providers, e.g.
    /// `store=postgres://db.internal:5432/concierge, mailer=smtp(mail.example.org:587),
    /// pms=buildium, key_encoder=salto(inst-1)`.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!(
            "store={}",
            self.store
                .as_deref()
                .map(redact_store_location)
                .unwrap_or_else(|| "memory".into())
        )];
        #[cfg(feature = "sandbox")]
        if let Some(sandbox) = &self.sandbox {
            parts.push(format!("sandbox(seed={})", sandbox.seed));
        }
        #[cfg(feature = "smtp")]
        if let Some(smtp) = &self.smtp {
            parts.push(format!("mailer=smtp({}:{})", smtp.host, smtp.port));
        }
        if self.hold_email == Some(true) {
            parts.push("mailer=held".into());
        }
        if self.has_pms() {
            parts.push("pms=buildium".into());
        }
        #[cfg(feature = "salto")]
        if let Some(salto) = &self.salto {
            parts.push(format!("key_encoder=salto({})", salto.installation));
        }
        #[cfg(feature = "stratamax")]
        if self.stratamax.is_some() {
            parts.push("strata=stratamax".into());
        }
        #[cfg(feature = "propertyiq")]
        if self.propertyiq.is_some() {
            parts.push("strata=propertyiq".into());
        }
        if self.has_intercom() {
            parts.push("intercom=butterflymx".into());
        }
        parts.join(", ")
    }
}

/// The mailer of a handle with `hold_email`: refuses every send as retryable, so each email
/// stays in the outbox.
#[derive(Debug)]
struct HeldMailer;

#[async_trait]
impl Mailer for HeldMailer {
    fn name(&self) -> &str {
        "held"
    }

    async fn send(&self, _message: EmailMessage) -> ProviderResult<SendEmailResponse> {
        Err(ProviderError::new(
            "held",
            "send",
            ProviderErrorKind::Unavailable,
            "this handle has no mailer (hold_email); the email stays queued",
        ))
    }
}

impl Concierge {
    /// Opens a handle on `settings`: validates them ([`Settings::validate`]) before anything is
    /// created or connected, builds the mailer and adapters (or the sandbox), then opens the
    /// store: a SQLite file (created or migrated), a PostgreSQL database, or memory.
    ///
    /// On the sandbox, [`Concierge::sandbox`] gives the fakes to drive.
    pub async fn open(settings: Settings) -> Result<Concierge> {
        Self::open_with(settings, crate::foreign::ForeignAdapters::default()).await
    }

    /// [`Concierge::open`], with adapters written in another language (R-SDK-1) in place of
    /// the settings' adapters of their kinds (over the sandbox's fakes too). Refused, as a
    /// `VALIDATION` error, when the settings also configure a vendor adapter of the same kind.
    pub async fn open_with(
        settings: Settings,
        foreign: crate::foreign::ForeignAdapters,
    ) -> Result<Concierge> {
        settings.validate()?;
        foreign_conflicts(&settings, &foreign)?;
        let mut builder = Concierge::builder()
            .config(settings.config()?)
            .summary(settings.describe());
        #[cfg(feature = "sandbox")]
        if let Some(s) = &settings.sandbox {
            let sandbox = match &s.portfolio {
                Some(spec) => Sandbox::with_portfolio(s.seed, spec.clone()),
                None => Sandbox::new(s.seed),
            };
            if let Some(ms) = s.key_write_time_ms {
                sandbox
                    .encoder()
                    .set_write_time(std::time::Duration::from_millis(ms));
            }
            builder = builder.sandbox(&sandbox);
        }
        #[cfg(feature = "smtp")]
        if let Some(smtp) = &settings.smtp {
            builder = builder.mailer(SmtpMailer::new(smtp.clone())?);
        }
        if settings.hold_email == Some(true) {
            builder = builder.mailer(HeldMailer);
        }
        #[cfg(feature = "buildium")]
        if let Some(buildium) = &settings.buildium {
            builder = builder.pms(Arc::new(BuildiumPms::new(buildium.clone())?));
        }
        #[cfg(feature = "buildium")]
        if let Some(webhook) = &settings.buildium_webhook {
            builder = builder.buildium_webhook(webhook.clone());
        }
        #[cfg(feature = "salto")]
        if let Some(salto) = &settings.salto {
            builder = builder.key_encoder(Arc::new(SaltoEncoder::new(salto.clone())?));
        }
        #[cfg(feature = "stratamax")]
        if let Some(stratamax) = &settings.stratamax {
            builder = builder.strata(Arc::new(StrataMax::new(stratamax.clone())?));
        }
        #[cfg(feature = "propertyiq")]
        if let Some(propertyiq) = &settings.propertyiq {
            builder = builder.strata(Arc::new(PropertyIq::new(propertyiq.clone())?));
        }
        #[cfg(feature = "butterflymx")]
        if let Some(butterflymx) = &settings.butterflymx {
            // The adapter's tokens go to the store, which is opened below.
            let vault = crate::StoreVault::unbound();
            builder = builder
                .intercom(Arc::new(ButterflyMx::new(
                    butterflymx.clone(),
                    vault.clone(),
                )?))
                .vault(vault);
        }
        // Adapters written in another language replace the settings' (and the sandbox's) of
        // their kinds.
        builder = foreign.install(builder)?;
        if let Some(secret) = &settings.activation_secret {
            builder = builder.activation_secret(ActivationSecret::from_text(secret)?);
        }
        builder.check()?;
        let store: Arc<dyn Store> = match settings.store.as_deref() {
            None => Arc::new(MemoryStore::new()),
            #[cfg(feature = "postgres")]
            Some(url) if is_postgres(url) => {
                Arc::new(concierge_store::PgStore::connect(url).await?)
            }
            #[cfg(feature = "sqlite")]
            Some(path) => Arc::new(concierge_store::SqliteStore::open(path).await?),
            // Refused by `validate` above: this build has no store for it.
            #[allow(unreachable_patterns)]
            Some(_) => return Err(Error::invalid("store", "this build has no store for it")),
        };
        builder.store_arc(store).build()
    }
}

/// Refuses an adapter written in another language beside a vendor adapter of the same kind in
/// the settings: one of them would be silently ignored.
fn foreign_conflicts(settings: &Settings, foreign: &crate::foreign::ForeignAdapters) -> Result<()> {
    let mut vendors: Vec<(&str, bool, &str)> = Vec::new();
    #[cfg(feature = "buildium")]
    vendors.push((
        "pms",
        foreign.pms.is_some() && settings.buildium.is_some(),
        "buildium",
    ));
    #[cfg(feature = "salto")]
    vendors.push((
        "key_encoder",
        foreign.key_encoder.is_some() && settings.salto.is_some(),
        "salto",
    ));
    #[cfg(feature = "stratamax")]
    vendors.push((
        "strata",
        foreign.strata.is_some() && settings.stratamax.is_some(),
        "stratamax",
    ));
    #[cfg(feature = "propertyiq")]
    vendors.push((
        "strata",
        foreign.strata.is_some() && settings.propertyiq.is_some(),
        "propertyiq",
    ));
    #[cfg(feature = "butterflymx")]
    vendors.push((
        "intercom",
        foreign.intercom.is_some() && settings.butterflymx.is_some(),
        "butterflymx",
    ));
    #[cfg(feature = "smtp")]
    vendors.push((
        "mailer",
        foreign.mailer.is_some() && settings.smtp.is_some(),
        "smtp",
    ));
    vendors.push((
        "mailer",
        foreign.mailer.is_some() && settings.hold_email == Some(true),
        "hold_email",
    ));
    match vendors.into_iter().find(|(_, both, _)| *both) {
        Some((kind, _, setting)) => Err(Error::invalid(
            kind,
            format!("an adapter of this kind was given and `{setting}` is set: choose one"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_locations_lose_user_password_and_parameters() {
        assert_eq!(
            redact_store_location(
                "postgres://app:pa55@db.internal:5432/concierge?sslmode=require&password=x"
            ),
            "postgres://db.internal:5432/concierge"
        );
        assert_eq!(
            redact_store_location("postgresql://db/concierge"),
            "postgres://db/concierge"
        );
        assert_eq!(redact_store_location("/srv/c.db"), "sqlite:/srv/c.db");
    }

    #[test]
    fn the_defaults_are_those_of_config() {
        let config = Settings::default().config().unwrap();
        let default = Config::default();
        assert_eq!(config.activation_validity, default.activation_validity);
        assert_eq!(config.key_write_deadline, default.key_write_deadline);
        assert_eq!(config.outbox_max_attempts, default.outbox_max_attempts);
        assert_eq!(config.outbox_base_backoff, default.outbox_base_backoff);
        assert_eq!(config.outbox_max_backoff, default.outbox_max_backoff);
        assert_eq!(config.dispatch_inline, default.dispatch_inline);
        assert_eq!(config.password_mode, default.password_mode);
        // The documented defaults.
        assert_eq!(default.activation_validity, chrono::Duration::days(7));
        assert_eq!(default.key_write_deadline.as_secs(), 90);
        assert_eq!(default.outbox_max_attempts, 8);
        assert_eq!(default.outbox_base_backoff, chrono::Duration::seconds(30));
        assert_eq!(default.outbox_max_backoff, chrono::Duration::seconds(3600));
        assert!(default.dispatch_inline);
        assert_eq!(default.password_mode, PasswordMode::Managed);
        #[cfg(feature = "sandbox")]
        assert_eq!(SandboxSettings::default().seed, 7);
    }
}
