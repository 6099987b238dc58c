use crate::{Concierge, Inner};
use chrono::Duration;
use concierge_core::*;
#[cfg(feature = "sandbox")]
use concierge_sandbox::Sandbox;
use std::sync::Arc;

/// Settings of a [`Concierge`] handle. Every field has a default, declared here once
/// ([`Config::default`]); [`Settings`](crate::Settings) maps its plain-number fields onto these.
#[derive(Clone, Debug)]
pub struct Config {
    /// How long an activation link works (R-STATUS-2). Default: 7 days.
    pub activation_validity: Duration,
    /// How often an outbox entry is tried before it is parked for an admin. Default: 8.
    pub outbox_max_attempts: u32,
    /// The wait before the first retry of a failed outbox entry; doubles each time, up to
    /// `outbox_max_backoff`. Default: 30 seconds.
    pub outbox_base_backoff: Duration,
    /// The longest wait between outbox retries. Default: 1 hour.
    pub outbox_max_backoff: Duration,
    /// How long a key write may take before the SDK stops waiting and asks the lock system what
    /// became of it. Default: 90 seconds.
    pub key_write_deadline: std::time::Duration,
    /// Deliver outbox entries right after the operation that queued them commits. When off,
    /// only [`Concierge::dispatch_outbox`] delivers them. Default: on.
    pub dispatch_inline: bool,
    /// Who keeps residents' passwords: Concierge ([`PasswordMode::Managed`], activation sets
    /// one) or the host's identity provider ([`PasswordMode::External`], activation takes
    /// none). Default: managed.
    pub password_mode: PasswordMode,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            activation_validity: DEFAULT_ACTIVATION_VALIDITY,
            outbox_max_attempts: 8,
            outbox_base_backoff: Duration::seconds(30),
            outbox_max_backoff: Duration::hours(1),
            key_write_deadline: std::time::Duration::from_secs(90),
            dispatch_inline: true,
            password_mode: PasswordMode::Managed,
        }
    }
}

impl Config {
    /// Records every value out of range in `checks`, under the field names of
    /// [`Settings`](crate::Settings) (`activation_validity_days`, `outbox_max_attempts`, …).
    /// The one place these rules live: [`ConciergeBuilder::check`] and
    /// [`Settings::validate`](crate::Settings::validate) both use it.
    pub fn check(&self, checks: &mut validate::Checks) {
        if self.activation_validity <= Duration::zero() {
            checks.fail("activation_validity_days", "must be positive");
        }
        if self.outbox_max_attempts == 0 {
            checks.fail("outbox_max_attempts", "must be at least 1");
        }
        if self.outbox_base_backoff < Duration::zero() {
            checks.fail("outbox_base_backoff_seconds", "must not be negative");
        }
        if self.outbox_max_backoff < self.outbox_base_backoff {
            checks.fail(
                "outbox_max_backoff_seconds",
                "must be at least outbox_base_backoff_seconds",
            );
        }
        if self.key_write_deadline.is_zero() {
            checks.fail("key_write_deadline_seconds", "must be positive");
        }
    }
}

/// Builds a [`Concierge`]: a store (default: in memory), a clock (default: the system clock), a
/// mailer (required) and whichever providers the properties use.
#[derive(Default)]
pub struct ConciergeBuilder {
    store: Option<Arc<dyn Store>>,
    clock: Option<Arc<dyn Clock>>,
    mailer: Option<Arc<dyn Mailer>>,
    pms: Option<Arc<dyn PmsProvider>>,
    strata: Option<Arc<dyn StrataProvider>>,
    intercom: Option<Arc<dyn IntercomProvider>>,
    key_encoder: Option<Arc<dyn KeyEncoder>>,
    #[cfg(feature = "buildium")]
    buildium_webhook: Option<concierge_buildium::webhook::WebhookConfig>,
    config: Config,
    activation_secret: Option<ActivationSecret>,
    vaults: Vec<Arc<crate::StoreVault>>,
    #[cfg(feature = "sandbox")]
    sandbox: Option<Sandbox>,
    summary: Option<String>,
}

impl ConciergeBuilder {
    /// Uses every fake of `sandbox`: its clock, mailer and providers, and an in-memory store.
    /// The handle keeps `sandbox`, so callers can drive it ([`Concierge::sandbox`]).
    #[cfg(feature = "sandbox")]
    pub fn sandbox(mut self, sandbox: &Sandbox) -> Self {
        self.sandbox = Some(sandbox.clone());
        self.clock_arc(sandbox.clock().clone())
            .mailer_arc(sandbox.mailer().clone())
            .pms(sandbox.pms().clone())
            .strata(sandbox.strata().clone())
            .intercom(sandbox.intercom().clone())
            .key_encoder(sandbox.encoder().clone())
    }

    /// The store.
    pub fn store(self, store: impl Store) -> Self {
        self.store_arc(Arc::new(store))
    }

    /// The store, shared.
    pub fn store_arc(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// The clock.
    pub fn clock(self, clock: impl Clock) -> Self {
        self.clock_arc(Arc::new(clock))
    }

    /// The clock, shared.
    pub fn clock_arc(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The mailer.
    pub fn mailer(self, mailer: impl Mailer) -> Self {
        self.mailer_arc(Arc::new(mailer))
    }

    /// The mailer, shared.
    pub fn mailer_arc(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// The property management system.
    pub fn pms(mut self, pms: Arc<dyn PmsProvider>) -> Self {
        self.pms = Some(pms);
        self
    }

    /// The strata system.
    pub fn strata(mut self, strata: Arc<dyn StrataProvider>) -> Self {
        self.strata = Some(strata);
        self
    }

    /// The intercom.
    pub fn intercom(mut self, intercom: Arc<dyn IntercomProvider>) -> Self {
        self.intercom = Some(intercom);
        self
    }

    /// Binds `vault` to the handle's store and secret when the handle is built: give it to an
    /// adapter that keeps secrets between runs (an OAuth refresh token) before the store exists.
    pub fn vault(mut self, vault: Arc<crate::StoreVault>) -> Self {
        self.vaults.push(vault);
        self
    }

    /// Buildium's webhook subscription, for [`Concierge::receive_buildium_webhook`].
    #[cfg(feature = "buildium")]
    pub fn buildium_webhook(mut self, config: concierge_buildium::webhook::WebhookConfig) -> Self {
        self.buildium_webhook = Some(config);
        self
    }

    /// The key encoder.
    pub fn key_encoder(mut self, key_encoder: Arc<dyn KeyEncoder>) -> Self {
        self.key_encoder = Some(key_encoder);
        self
    }

    /// How long an activation link works.
    pub fn activation_validity(mut self, validity: Duration) -> Self {
        self.config.activation_validity = validity;
        self
    }

    /// The key activation links are derived with (see [`concierge_core::credentials`]). Not
    /// given: the store's ([`Store::activation_secret`]): a SQLite file's key file, a random one
    /// per process in memory; PostgreSQL requires it.
    pub fn activation_secret(mut self, secret: ActivationSecret) -> Self {
        self.activation_secret = Some(secret);
        self
    }

    /// Every setting at once.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// What [`Concierge::settings_summary`] shows: a one-line description of how the handle
    /// was made, never a secret. Default: the mailer's and providers' names.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Refuses what [`ConciergeBuilder::build`] would refuse (no mailer, a setting out of
    /// range), without building: check before opening a store, so nothing is created for a
    /// handle that cannot be built.
    /// Every problem is reported at once, as one [`Error::Validation`].
    pub fn check(&self) -> Result<()> {
        let mut checks = validate::Checks::new();
        if self.mailer.is_none() {
            checks.fail(
                "mailer",
                "is required: invitations and activation emails need one",
            );
        }
        self.config.check(&mut checks);
        Ok(checks.finish()?)
    }

    /// The handle. Fails if no mailer was given or a setting is out of range.
    pub fn build(self) -> Result<Concierge> {
        self.check()?;
        let Some(mailer) = self.mailer else {
            return Err(Error::invalid(
                "mailer",
                "is required: invitations and activation emails need one",
            ));
        };
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let activation_secret = match self.activation_secret {
            Some(secret) => secret,
            None => match store.activation_secret()? {
                SecretSource::Kept(secret) => secret,
                SecretSource::PerProcess => ActivationSecret::random()?,
                SecretSource::Required => {
                    return Err(Error::invalid(
                        "activation_secret",
                        "is required with this store: every process sharing it must derive \
                         the same activation links",
                    ));
                }
            },
        };
        for vault in &self.vaults {
            vault.bind(store.clone(), activation_secret.clone());
        }
        let summary = self.summary.unwrap_or_else(|| {
            let mut parts = vec![format!("mailer={}", mailer.name())];
            if let Some(pms) = &self.pms {
                parts.push(format!("pms={}", pms.name()));
            }
            if let Some(strata) = &self.strata {
                parts.push(format!("strata={}", strata.name()));
            }
            if let Some(intercom) = &self.intercom {
                parts.push(format!("intercom={}", intercom.name()));
            }
            if let Some(encoder) = &self.key_encoder {
                parts.push(format!("key_encoder={}", encoder.name()));
            }
            parts.join(", ")
        });
        Ok(Concierge {
            inner: Arc::new(Inner {
                store,
                activation_secret,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                mailer,
                pms: self.pms,
                strata: self.strata,
                intercom: self.intercom,
                key_encoder: self.key_encoder,
                #[cfg(feature = "buildium")]
                buildium_webhook: self.buildium_webhook,
                webhooks: Default::default(),
                config: self.config,
                #[cfg(feature = "sandbox")]
                sandbox: self.sandbox,
                summary,
                closed: Default::default(),
                running: Default::default(),
                instance_id: format!(
                    "concierge-{}-{}",
                    std::process::id(),
                    PropertyId::new().as_str().trim_start_matches("prop_")
                ),
            }),
        })
    }
}
