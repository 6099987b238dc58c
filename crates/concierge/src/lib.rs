//! # Concierge
//!
//! One SDK for what a residential building's staff do by hand across four systems: move
//! residents in from the property management system, cut smart keys on the lock system's
//! encoder, import owners and tenants from the strata system, take each resident through account
//! activation, and let visitors in through the intercom.
//!
//! Start on the sandbox (deterministic fakes of every provider and a clock you can move):
//!
//! ```
//! # #[cfg(not(feature = "sandbox"))] fn main() {}
//! # #[cfg(feature = "sandbox")]
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> concierge::Result<()> {
//! use concierge::{AccountStatus, Activation, Admin, Concierge, MoveIn, NewBuilding, NewProperty, NewUnit};
//! use concierge::sandbox::Sandbox;
//!
//! let sandbox = Sandbox::new(7);
//! let concierge = Concierge::builder().sandbox(&sandbox).build()?;
//! let admin = Admin::full_access("front-desk-1", "Front desk");
//!
//! let property = concierge.register_property(&admin, NewProperty::new("Harbour View", "harbour-view")).await?;
//! let tower = concierge.register_building(&admin, NewBuilding::new(&property.id, "Tower A")).await?;
//! let unit = concierge.register_unit(&admin, NewUnit::new(&tower.id, "1204").floor("12")).await?;
//!
//! let ada = concierge
//!     .move_in(&admin, MoveIn::new(&unit.id, "Ada", "Lovelace").email("ada@example.org").send_mobile_activation(true))
//!     .await?;
//! assert_eq!(concierge.account_status(&admin, &ada.id).await?, AccountStatus::PendingActivation);
//!
//! // The resident follows the link in the welcome email.
//! let token = sandbox.mailer().last_activation_token("ada@example.org").unwrap();
//! let activation = Activation::new(token).accept_terms(true).password("correct horse battery staple");
//! concierge.activate(activation).await?;
//! assert_eq!(concierge.account_status(&admin, &ada.id).await?, AccountStatus::Live);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod api;
mod builder;
mod dispatch;
mod email;
pub mod foreign;
#[cfg(feature = "webhook-server")]
pub mod webhook_server;
pub use concierge_core::kit;
mod keys;
mod paging;
mod requests;
mod settings;
mod strata;
mod sync;
mod vault;
mod visitors;
mod workflows;

pub use builder::{ConciergeBuilder, Config};
// What users of the facade need, by name: the records and ids, the provider traits (for
// adapters of one's own), admins, account statuses and errors. The store's plumbing (batches,
// records, the intent ledger) stays in `concierge-core`, for store implementations.
pub use concierge_core::domain::*;
pub use concierge_core::ids::*;
pub use concierge_core::providers::*;
pub use concierge_core::{
    AccessLevel, AccountAction, AccountStatus, ActivationSecret, Admin, ConflictKind,
    DEFAULT_ACTIVATION_VALIDITY, EntityKind, Error, ErrorCode, ErrorField, FailureSource,
    FieldIssue, MemoryStore, OutboxEntry, OutboxMessage, OutboxStatus, PasswordMode, Permission,
    Permissions, ProviderError, ProviderErrorKind, Result, RetryClass, Store, StoreError,
    TokenRejection, ValidationError, WebhookRejection,
};
pub use concierge_core::{MemberState, StrataMember, StrataRoll, StrataSyncRun};
pub use dispatch::DispatchReport;
pub use keys::{KeyPreview, MakeKey};
pub use paging::{DEFAULT_PAGE_SIZE, Listing, MAX_PAGE_SIZE, PageRequest, paginate};
pub use requests::{
    Activation, KeyFilter, MoveIn, NewBuilding, NewProperty, NewUnit, ResidentFilter,
};
pub use settings::Settings;
#[cfg(feature = "sandbox")]
pub use settings::{DEFAULT_SANDBOX_SEED, SandboxSettings};
pub use strata::{
    BulkInviteReport, ConfirmGoLive, GoLive, GoLiveBuilding, GoLivePreview, GoLiveReport,
    GoLiveResult, ImportStrataUsers, InviteAll, InviteFailure, LinkStrataBuilding, MemberFailure,
    RollArgs, StrataBuildingFilter, StrataImportReport, StrataSyncReport, StrataUserFilter,
};
pub use sync::{
    ProgressFn, SchedulerHandle, SyncOptions, SyncProgress, SyncReport, WebhookReceipt,
};
pub use vault::StoreVault;
pub use visitors::{
    ConnectIntercom, ContactReport, CreateVisitorPass, LinkIntercomBuilding, PassArgs, VisitTime,
    VisitorPassFilter, VisitorPassView, VisitorPreflight, VisitorSiteReport,
};

/// The sandbox (feature `sandbox`): deterministic fakes of every provider.
#[cfg(feature = "sandbox")]
pub mod sandbox {
    pub use concierge_sandbox::*;
}

/// Email over SMTP (feature `smtp`): the [`SmtpMailer`](smtp::SmtpMailer) and its
/// [`SmtpConfig`](smtp::SmtpConfig).
#[cfg(feature = "smtp")]
pub mod smtp {
    pub use concierge_smtp::*;
}

/// Buildium (feature `buildium`), the property management system with a public OpenAPI
/// contract: the [`BuildiumPms`](buildium::BuildiumPms) adapter and its
/// [`BuildiumConfig`](buildium::BuildiumConfig).
#[cfg(feature = "buildium")]
pub mod buildium {
    pub use concierge_buildium::*;
}

/// SALTO Nebula (Homelok, feature `salto`), the lock system whose NCoders write the keys: the
/// [`SaltoEncoder`](salto::SaltoEncoder) adapter and its [`SaltoConfig`](salto::SaltoConfig).
#[cfg(feature = "salto")]
pub mod salto {
    pub use concierge_salto::*;
}

/// StrataMax (feature `stratamax`), a strata system: its adapter and configuration.
#[cfg(feature = "stratamax")]
pub mod stratamax {
    pub use concierge_stratamax::*;
}

/// PropertyIQ (feature `propertyiq`), a strata system: its adapter and configuration.
#[cfg(feature = "propertyiq")]
pub mod propertyiq {
    pub use concierge_propertyiq::*;
}

/// ButterflyMX (feature `butterflymx`), the door intercom of visitor passes: the
/// [`ButterflyMx`](butterflymx::ButterflyMx) adapter and its
/// [`ButterflyMxConfig`](butterflymx::ButterflyMxConfig).
#[cfg(feature = "butterflymx")]
pub mod butterflymx {
    pub use concierge_butterflymx::*;
}

/// The durable stores: [`SqliteStore`](store::SqliteStore) (feature `sqlite`), the embedded
/// default, and [`PgStore`](store::PgStore) (feature `postgres`), for several processes sharing
/// one PostgreSQL database.
#[cfg(feature = "sqlite")]
pub mod store {
    #[cfg(feature = "postgres")]
    pub use concierge_store::PgStore;
    pub use concierge_store::{SCHEMA_VERSION, SqliteStore};
}

use std::sync::Arc;

/// The Concierge handle. Cheap to clone, `Send + Sync`: share one per process.
#[derive(Clone, Debug)]
pub struct Concierge {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    pms: Option<Arc<dyn PmsProvider>>,
    strata: Option<Arc<dyn StrataProvider>>,
    intercom: Option<Arc<dyn IntercomProvider>>,
    key_encoder: Option<Arc<dyn KeyEncoder>>,
    /// Buildium's webhook subscription.
    #[cfg(feature = "buildium")]
    buildium_webhook: Option<concierge_buildium::webhook::WebhookConfig>,
    /// Held while this process re-syncs what webhooks named: one pass at a time.
    webhooks: tokio::sync::Mutex<()>,
    config: Config,
    /// The key activation links are derived with; never stored with the data.
    activation_secret: ActivationSecret,
    /// The sandbox whose fakes the handle uses, if it was built on one.
    #[cfg(feature = "sandbox")]
    sandbox: Option<concierge_sandbox::Sandbox>,
    /// [`Concierge::settings_summary`].
    summary: String,
    closed: std::sync::atomic::AtomicBool,
    /// Syncs running in this process.
    running: sync::Running,
    /// This handle's name as a lease holder.
    instance_id: String,
}

impl Concierge {
    /// Starts building a handle.
    pub fn builder() -> ConciergeBuilder {
        ConciergeBuilder::default()
    }

    /// The store. For tests only (feature `testing`): it goes around the permission
    /// checks and the intent ledger.
    #[cfg(feature = "testing")]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The clock's now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    /// The configured PMS, if any. For tests only (feature `testing`): it goes around the permission
    /// checks and the intent ledger.
    #[cfg(feature = "testing")]
    pub fn pms(&self) -> Option<&Arc<dyn PmsProvider>> {
        self.inner.pms.as_ref()
    }

    /// The configured strata system, if any. For tests only (feature `testing`): it goes around the permission
    /// checks and the intent ledger.
    #[cfg(feature = "testing")]
    pub fn strata(&self) -> Option<&Arc<dyn StrataProvider>> {
        self.inner.strata.as_ref()
    }

    /// The configured intercom, if any. For tests only (feature `testing`): it goes around the permission
    /// checks and the intent ledger.
    #[cfg(feature = "testing")]
    pub fn intercom(&self) -> Option<&Arc<dyn IntercomProvider>> {
        self.inner.intercom.as_ref()
    }

    /// The configured key encoder, if any. For tests only (feature `testing`): it goes around the permission
    /// checks and the intent ledger.
    #[cfg(feature = "testing")]
    pub fn key_encoder(&self) -> Option<&Arc<dyn KeyEncoder>> {
        self.inner.key_encoder.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The sandbox, when the handle was opened on one ([`SandboxSettings`] or
    /// [`ConciergeBuilder::sandbox`]): move its clock, read what its mailer "sent", script
    /// faults.
    #[cfg(feature = "sandbox")]
    pub fn sandbox(&self) -> Option<&sandbox::Sandbox> {
        self.inner.sandbox.as_ref()
    }

    /// A one-line description of how the handle was made, for a `repr`: the store's location
    /// (never a password) and which providers, e.g. `store=memory, mailer=sandbox(seed=7)`.
    /// [`Settings::describe`] for a handle from [`Concierge::open`].
    pub fn settings_summary(&self) -> &str {
        &self.inner.summary
    }

    /// Closes the handle and its store. Every later call, on this handle or its clones, fails
    /// with [`Error::Closed`]. Closing twice is harmless.
    pub async fn close(&self) {
        if !self
            .inner
            .closed
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            self.inner.store.close().await;
        }
    }

    /// Whether [`Concierge::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Fails with [`Error::Closed`] once the handle is closed.
    pub(crate) fn ensure_open(&self) -> Result<()> {
        if self.is_closed() {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// The first step of every operation that acts for an admin: the handle is open and the
    /// admin holds `level` in `permission`'s area.
    pub(crate) fn authorize(
        &self,
        admin: &Admin,
        permission: Permission,
        level: AccessLevel,
        action: &str,
    ) -> Result<()> {
        self.ensure_open()?;
        admin.require(permission, level, action)
    }
}

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn the_handle_is_send_and_sync() {
        assert_send_sync::<super::Concierge>();
    }
}
