//! `Concierge`: the handle. Every operation returns a Promise (see `error::promise`).

use crate::admin::Admin;
use crate::args;
use crate::buildium::BuildiumConfig;
use crate::error::{promise, throw};
use crate::records::*;
use crate::salto::SaltoConfig;
use crate::sandbox::SandboxControls;
use crate::smtp::SmtpConfig;
use chrono::Duration;
use concierge::buildium::BuildiumPms;
use concierge::salto::SaltoEncoder;
use concierge::sandbox::Sandbox;
use concierge::store::{PgStore, SqliteStore};
use concierge::validate::Checks;
use concierge::{
    BuildingId, ConciergeBuilder, Config, MoveIn, NewBuilding, NewProperty, NewUnit, OutboxId,
    PropertyId, ResidentFilter, ResidentId, SyncOptions, UnitId,
};
use napi::Env;
use napi::bindgen_prelude::{ClassInstance, PromiseRaw, Result};
use napi_derive::napi;
use std::sync::Arc;

/// Optional arguments of `moveOut`.
#[napi(object, object_to_js = false)]
pub struct MoveOutOptions {
    /// The move-out date, `YYYY-MM-DD`. Default: today.
    pub on: Option<String>,
}

/// Optional arguments of `syncNow`.
#[napi(object, object_to_js = false)]
pub struct SyncNowOptions {
    /// `"full"` (the default: residents the PMS no longer lists are moved out) or
    /// `"incremental"` (only residents changed since the last run; never moves anyone out).
    #[napi(ts_type = "SyncMode")]
    pub mode: Option<String>,
}

/// How to build a production handle (`new Concierge`, `Concierge.open`, `Concierge.connect`).
#[napi(object, object_to_js = false)]
pub struct ConciergeOptions<'a> {
    /// The SMTP server residents' emails go through.
    pub smtp: ClassInstance<'a, SmtpConfig>,
    /// How long an activation link works, in days. Default: 7.
    pub activation_validity_days: Option<i64>,
    /// The Buildium account to sync residents from (`listPmsProperties`, `syncNow`, …).
    /// Without it, the handle has no PMS.
    pub buildium: Option<ClassInstance<'a, BuildiumConfig>>,
    /// The SALTO installation to write smart keys with (`listEncoders`, `makeKey`, …).
    /// Without it, the handle has no key encoder.
    pub salto: Option<ClassInstance<'a, SaltoConfig>>,
}

/// Optional arguments of `moveIn`.
#[napi(object, object_to_js = false)]
pub struct MoveInOptions {
    /// Email; required to send the activation email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Role in the unit. Default: `"primary"`.
    #[napi(ts_type = "OccupancyRole")]
    pub role: Option<String>,
    /// Move-in date, `YYYY-MM-DD`. Default: today.
    pub move_in: Option<String>,
    /// Send the mobile activation email now. Default: false.
    pub send_mobile_activation: Option<bool>,
    /// Ids of the property's amenities to give.
    pub amenities: Option<Vec<String>>,
}

/// Optional filters of `listResidents`; all given ones must match.
#[napi(object, object_to_js = false)]
pub struct ResidentFilterOptions {
    /// Only this property's.
    pub property_id: Option<String>,
    /// Only this unit's.
    pub unit_id: Option<String>,
    /// Only with this account status now.
    #[napi(ts_type = "AccountStatus")]
    pub status: Option<String>,
    /// Only in this phase today.
    #[napi(ts_type = "OccupancyPhase")]
    pub phase: Option<String>,
    /// Only from this source.
    #[napi(ts_type = "ResidentSource")]
    pub source: Option<String>,
}

/// Optional arguments of `registerUnit`.
#[napi(object, object_to_js = false)]
pub struct UnitOptions {
    /// Its floor, if the building has floors.
    pub floor: Option<String>,
}

/// Optional settings of a sandbox handle (`Concierge.sandbox`, `Concierge.openSandbox`).
#[napi(object, object_to_js = false)]
pub struct SandboxOptions {
    /// How long `makeKey` waits for the encoder before it stops waiting and the write is left
    /// to a retry or `reconcileKeys()` (its reply is lost), in seconds. Default: 90.
    pub key_write_deadline_seconds: Option<f64>,
}

impl SandboxOptions {
    /// The facade's config with these settings, or the VALIDATION error.
    fn config(options: Option<Self>) -> concierge::Result<Config> {
        let mut config = Config::default();
        if let Some(secs) = options.and_then(|o| o.key_write_deadline_seconds) {
            config.key_write_deadline = std::time::Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    concierge::Error::invalid(
                        "key_write_deadline",
                        "must be a positive number of seconds",
                    )
                })?;
        }
        Ok(config)
    }
}

/// The mailer, PMS, key encoder and settings of a production handle, checked before any store
/// is opened.
struct Production {
    mailer: Arc<concierge::SmtpMailer>,
    pms: Option<Arc<BuildiumPms>>,
    encoder: Option<Arc<SaltoEncoder>>,
    activation_validity: Option<Duration>,
}

impl Production {
    /// Checks `options` by the facade's rules: a refused SMTP config or validity is a
    /// VALIDATION error, a refused Buildium or SALTO config a PROVIDER error (provider
    /// `buildium` or `salto`, retryable false), and nothing has been opened or created yet.
    fn parse(options: &ConciergeOptions) -> concierge::Result<Self> {
        let activation_validity = match options.activation_validity_days {
            Some(days) => Some(Duration::try_days(days).ok_or_else(|| {
                concierge::Error::invalid("activation_validity", "is out of range")
            })?),
            None => None,
        };
        let mailer = Arc::new(concierge::SmtpMailer::new(options.smtp.inner.clone())?);
        let pms = match &options.buildium {
            Some(config) => Some(Arc::new(BuildiumPms::new(config.inner.clone())?)),
            None => None,
        };
        let encoder = match &options.salto {
            Some(config) => Some(Arc::new(SaltoEncoder::new(config.inner.clone())?)),
            None => None,
        };
        let production = Self {
            mailer,
            pms,
            encoder,
            activation_validity,
        };
        // The facade's own checks, before anything is opened.
        production.builder().check()?;
        Ok(production)
    }

    /// A builder with this mailer, PMS, key encoder and settings.
    fn builder(&self) -> ConciergeBuilder {
        let mut builder = concierge::Concierge::builder().mailer_arc(self.mailer.clone());
        if let Some(pms) = &self.pms {
            builder = builder.pms(pms.clone());
        }
        if let Some(encoder) = &self.encoder {
            builder = builder.key_encoder(encoder.clone());
        }
        match self.activation_validity {
            Some(validity) => builder.activation_validity(validity),
            None => builder,
        }
    }
}

/// The Concierge handle. `Concierge.sandbox(seed)` / `await Concierge.openSandbox(path, seed)`
/// for fakes of every provider and a clock you move; `await Concierge.open(path, { smtp })`
/// (a SQLite file) or `await Concierge.connect(url, { smtp })` (PostgreSQL) for production;
/// `new Concierge({ smtp })` for production mail with state in memory. `await close()` when
/// done.
#[napi]
pub struct Concierge {
    pub(crate) inner: concierge::Concierge,
    sandbox: Option<Sandbox>,
}

#[napi]
impl Concierge {
    /// A handle sending mail through `options.smtp` (and syncing from `options.buildium`,
    /// writing keys with `options.salto`, if given), with state in memory (tests). Invalid
    /// settings throw an `Error` with code `VALIDATION`; a Buildium config the adapter refuses
    /// (empty client id or secret, page size outside 1 to 1000, rate limit 0, base URL not
    /// http(s)) throws code `PROVIDER` with `provider: "buildium"`, `kind: "other"`,
    /// `retryable: false`; a refused SALTO config (empty client id or secret, an installation
    /// that is not an id, a bad URL) likewise, with `provider: "salto"`.
    #[napi(constructor)]
    pub fn new(env: Env, options: ConciergeOptions) -> Result<Self> {
        let built = Production::parse(&options).and_then(|p| p.builder().build());
        match built {
            Ok(inner) => Ok(Self {
                inner,
                sandbox: None,
            }),
            Err(e) => throw(&env, e),
        }
    }

    /// A handle on the sandbox: fakes of every provider, an in-memory store and a clock that
    /// moves only when told (`sandboxControls.advance`). `seed` (default 0) fixes generated
    /// data. `options.keyWriteDeadlineSeconds` sets how long `makeKey` waits for the encoder;
    /// a value that is not positive throws code `VALIDATION`.
    #[napi(factory)]
    pub fn sandbox(env: Env, seed: Option<u32>, options: Option<SandboxOptions>) -> Result<Self> {
        let sandbox = Sandbox::new(seed.unwrap_or(0).into());
        let built = SandboxOptions::config(options).and_then(|config| {
            concierge::Concierge::builder()
                .sandbox(&sandbox)
                .config(config)
                .build()
        });
        match built {
            Ok(inner) => Ok(Self {
                inner,
                sandbox: Some(sandbox),
            }),
            Err(e) => throw(&env, e),
        }
    }

    /// A sandbox handle (fakes of every provider, a clock you move) whose state lives in the
    /// SQLite file at `path`, created if missing. A file that is damaged, not Concierge's or
    /// written by a newer version rejects with code `STORE` and is left unchanged. `options` as
    /// in `Concierge.sandbox` (refused ones reject before the file is touched).
    #[napi(ts_return_type = "Promise<Concierge>")]
    pub fn open_sandbox<'env>(
        env: &'env Env,
        path: String,
        seed: Option<u32>,
        options: Option<SandboxOptions>,
    ) -> Result<PromiseRaw<'env, Concierge>> {
        let config = SandboxOptions::config(options);
        promise(env, async move {
            let config = config?;
            let sandbox = Sandbox::new(seed.unwrap_or(0).into());
            let store = SqliteStore::open(&path).await?;
            let inner = concierge::Concierge::builder()
                .sandbox(&sandbox)
                .config(config)
                .store(store)
                .build()?;
            Ok(Self {
                inner,
                sandbox: Some(sandbox),
            })
        })
    }

    /// A handle whose state lives in the SQLite file at `path` (created if missing), sending
    /// mail through `options.smtp` (and syncing from `options.buildium`, writing keys with
    /// `options.salto`, if given): one process. Refused settings reject with code
    /// `VALIDATION` (a refused Buildium or SALTO config:
    /// `PROVIDER`, as in `new Concierge`) before the file is touched; a file that is damaged, not Concierge's or
    /// written by a newer version rejects with code `STORE` and is left unchanged.
    #[napi(ts_return_type = "Promise<Concierge>")]
    pub fn open<'env>(
        env: &'env Env,
        path: String,
        options: ConciergeOptions,
    ) -> Result<PromiseRaw<'env, Concierge>> {
        let production = Production::parse(&options);
        promise(env, async move {
            let production = production?;
            let store = SqliteStore::open(&path).await?;
            let inner = production.builder().store(store).build()?;
            Ok(Self {
                inner,
                sandbox: None,
            })
        })
    }

    /// A handle whose state lives in the PostgreSQL database at `url`
    /// (`postgres://user:password@host:port/database`), sending mail through `options.smtp`
    /// (and syncing from `options.buildium`, writing keys with `options.salto`, if given):
    /// several processes may share the database. Refused settings reject with code
    /// `VALIDATION` (a refused Buildium or SALTO config:
    /// `PROVIDER`, as in `new Concierge`) before the server is contacted; an unreachable server rejects with code `STORE` and `retryable: true`,
    /// naming the host, never the password.
    #[napi(ts_return_type = "Promise<Concierge>")]
    pub fn connect<'env>(
        env: &'env Env,
        url: String,
        options: ConciergeOptions,
    ) -> Result<PromiseRaw<'env, Concierge>> {
        let production = Production::parse(&options);
        promise(env, async move {
            let production = production?;
            let store = PgStore::connect(&url).await?;
            let inner = production.builder().store(store).build()?;
            Ok(Self {
                inner,
                sandbox: None,
            })
        })
    }

    /// Closes the handle and its store. Every later call rejects with code `CLOSED`; closing
    /// again resolves and does nothing.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let c = self.inner.clone();
        promise(env, async move {
            c.close().await;
            Ok(())
        })
    }

    /// The sandbox's clock, mailbox and fault script; `null` when not a sandbox.
    #[napi(getter)]
    pub fn sandbox_controls(&self) -> Option<SandboxControls> {
        self.sandbox
            .clone()
            .map(|sandbox| SandboxControls { sandbox })
    }

    // -----------------------------------------------------------------------------------------
    // Places

    /// Registers a property (Integrations, full).
    #[napi]
    pub fn register_property<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        name: String,
        site_name: String,
        settings: Option<PropertySettingsInput>,
    ) -> Result<PromiseRaw<'env, Property>> {
        let mut checks = Checks::new();
        let settings = settings.map(|s| s.into_settings(&mut checks));
        let parsed = checks.finish();
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            parsed?;
            let mut req = NewProperty::new(name, site_name);
            if let Some(settings) = settings {
                req = req.settings(settings);
            }
            Ok(c.register_property(&admin, req).await?.into())
        })
    }

    /// Replaces a property's settings (Integrations, full). Fields left out take their
    /// defaults.
    #[napi]
    pub fn update_property_settings<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
        settings: PropertySettingsInput,
    ) -> Result<PromiseRaw<'env, Property>> {
        let mut checks = Checks::new();
        let settings = settings.into_settings(&mut checks);
        let parsed = checks.finish();
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            parsed?;
            let id = PropertyId::from(property_id);
            Ok(c.update_property_settings(&admin, &id, settings)
                .await?
                .into())
        })
    }

    /// One property (Residence, read).
    #[napi]
    pub fn get_property<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
    ) -> Result<PromiseRaw<'env, Property>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let id = PropertyId::from(property_id);
            Ok(c.get_property(&admin, &id).await?.into())
        })
    }

    /// Every property (Residence, read).
    #[napi]
    pub fn list_properties<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
    ) -> Result<PromiseRaw<'env, Vec<Property>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let list = c.list_properties(&admin).await?;
            Ok(list.into_iter().map(Property::from).collect())
        })
    }

    /// Registers a building of a property (Residence, full).
    #[napi]
    pub fn register_building<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
        name: String,
    ) -> Result<PromiseRaw<'env, Building>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let req = NewBuilding::new(&PropertyId::from(property_id), name);
            Ok(c.register_building(&admin, req).await?.into())
        })
    }

    /// Registers a unit of a building, with an optional floor (Residence, full).
    #[napi]
    pub fn register_unit<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        building_id: String,
        number: String,
        options: Option<UnitOptions>,
    ) -> Result<PromiseRaw<'env, Unit>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let mut req = NewUnit::new(&BuildingId::from(building_id), number);
            if let Some(floor) = options.and_then(|o| o.floor) {
                req = req.floor(floor);
            }
            Ok(c.register_unit(&admin, req).await?.into())
        })
    }

    /// A property's buildings (Residence, read).
    #[napi]
    pub fn list_buildings<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
    ) -> Result<PromiseRaw<'env, Vec<Building>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let list = c
                .list_buildings(&admin, &PropertyId::from(property_id))
                .await?;
            Ok(list.into_iter().map(Building::from).collect())
        })
    }

    /// A property's units (Residence, read).
    #[napi]
    pub fn list_units<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
    ) -> Result<PromiseRaw<'env, Vec<Unit>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let list = c.list_units(&admin, &PropertyId::from(property_id)).await?;
            Ok(list.into_iter().map(Unit::from).collect())
        })
    }

    // -----------------------------------------------------------------------------------------
    // Residents

    /// Moves a resident into a unit by hand (Residence, full), optionally sending the mobile
    /// activation email and giving amenities.
    #[napi]
    pub fn move_in<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        unit_id: String,
        first_name: String,
        last_name: String,
        options: Option<MoveInOptions>,
    ) -> Result<PromiseRaw<'env, Resident>> {
        let mut req = MoveIn::new(&UnitId::from(unit_id), first_name, last_name);
        let mut checks = Checks::new();
        if let Some(o) = options {
            req.email = o.email;
            req.phone = o.phone;
            if let Some(role) = o
                .role
                .as_deref()
                .and_then(|r| args::role(&mut checks, "role", r))
            {
                req.role = role;
            }
            req.move_in = args::date(&mut checks, "move_in", o.move_in.as_deref());
            req.send_mobile_activation = o.send_mobile_activation.unwrap_or(false);
            req.amenities = o
                .amenities
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect();
        }
        let parsed = checks.finish();
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            parsed?;
            let resident = c.move_in(&admin, req).await?;
            Ok(Resident::at(resident, c.now()))
        })
    }

    /// Sends the welcome email with a new activation link (Residence, full).
    #[napi]
    pub fn invite<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        resident_id: String,
    ) -> Result<PromiseRaw<'env, Resident>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let resident = c.invite(&admin, &ResidentId::from(resident_id)).await?;
            Ok(Resident::at(resident, c.now()))
        })
    }

    /// Activates an account with the token from the activation link; `acceptTerms` must be
    /// true. The resident acts here, not an admin.
    #[napi]
    pub fn activate<'env>(
        &self,
        env: &'env Env,
        token: String,
        accept_terms: bool,
    ) -> Result<PromiseRaw<'env, Resident>> {
        let c = self.inner.clone();
        promise(env, async move {
            let resident = c.activate(&token, accept_terms).await?;
            Ok(Resident::at(resident, c.now()))
        })
    }

    /// A resident's account status now (Residence, read).
    #[napi(ts_return_type = "Promise<AccountStatus>")]
    pub fn account_status<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        resident_id: String,
    ) -> Result<PromiseRaw<'env, &'static str>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let status = c
                .account_status(&admin, &ResidentId::from(resident_id))
                .await?;
            Ok(status.as_str())
        })
    }

    /// One resident (Residence, read).
    #[napi]
    pub fn get_resident<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        resident_id: String,
    ) -> Result<PromiseRaw<'env, Resident>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let resident = c
                .get_resident(&admin, &ResidentId::from(resident_id))
                .await?;
            Ok(Resident::at(resident, c.now()))
        })
    }

    /// Residents matching every given filter, ordered by id (Residence, read).
    #[napi]
    pub fn list_residents<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        filter: Option<ResidentFilterOptions>,
    ) -> Result<PromiseRaw<'env, Vec<Resident>>> {
        let mut checks = Checks::new();
        let mut query = ResidentFilter::default();
        if let Some(f) = filter {
            query.property_id = f.property_id.map(PropertyId::from);
            query.unit_id = f.unit_id.map(UnitId::from);
            query.status = f
                .status
                .and_then(|s| args::account_status(&mut checks, "status", &s));
            query.phase = f.phase.and_then(|s| args::phase(&mut checks, "phase", &s));
            query.source = f
                .source
                .and_then(|s| args::source(&mut checks, "source", &s));
        }
        let parsed = checks.finish();
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            parsed?;
            let list = c.list_residents(&admin, query).await?;
            let now = c.now();
            Ok(list.into_iter().map(|r| Resident::at(r, now)).collect())
        })
    }

    /// Moves a resident out on `on` (today by default): their occupancy ends, mobile access is
    /// withdrawn and their keys are cancelled through the outbox (Residence, full).
    #[napi]
    pub fn move_out<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        resident_id: String,
        options: Option<MoveOutOptions>,
    ) -> Result<PromiseRaw<'env, Resident>> {
        let mut checks = Checks::new();
        let on = args::date(&mut checks, "on", options.and_then(|o| o.on).as_deref());
        let parsed = checks.finish();
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            parsed?;
            let resident = c
                .move_out(&admin, &ResidentId::from(resident_id), on)
                .await?;
            Ok(Resident::at(resident, c.now()))
        })
    }

    /// Adds a named spare key holder to a unit (Residence, full). A sync never moves one out.
    #[napi]
    pub fn add_spare_holder<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        unit_id: String,
        label: String,
    ) -> Result<PromiseRaw<'env, SpareHolder>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let spare = c
                .add_spare_holder(&admin, &UnitId::from(unit_id), &label)
                .await?;
            Ok(spare.into())
        })
    }

    /// A unit's spare key holders (Residence, read).
    #[napi]
    pub fn list_spare_holders<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        unit_id: String,
    ) -> Result<PromiseRaw<'env, Vec<SpareHolder>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let list = c.list_spare_holders(&admin, &UnitId::from(unit_id)).await?;
            Ok(list.into_iter().map(SpareHolder::from).collect())
        })
    }

    // -----------------------------------------------------------------------------------------
    // PMS sync

    /// The properties the PMS has, to link ours to (Integrations, read).
    #[napi]
    pub fn list_pms_properties<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
    ) -> Result<PromiseRaw<'env, Vec<PmsProperty>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let list = c.list_pms_properties(&admin).await?;
            Ok(list.into_iter().map(PmsProperty::from).collect())
        })
    }

    /// Links a property to its PMS record (`pmsProperty.externalRef.id`), so syncs can run
    /// (Integrations, full).
    #[napi]
    pub fn link_pms_property<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
        pms_property_id: String,
    ) -> Result<PromiseRaw<'env, Property>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let id = PropertyId::from(property_id);
            Ok(c.link_pms_property(&admin, &id, &pms_property_id)
                .await?
                .into())
        })
    }

    /// Syncs a property with its PMS now (Integrations, full); a full listing unless
    /// `mode: "incremental"`. Joins the sync of that property already running, if any
    /// (`joined: true`, same run). A PMS that keeps failing rejects with code `PROVIDER`; the
    /// run is recorded with `aborted` set.
    #[napi]
    pub fn sync_now<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
        options: Option<SyncNowOptions>,
    ) -> Result<PromiseRaw<'env, SyncReport>> {
        let mut checks = Checks::new();
        let mode = options
            .and_then(|o| o.mode)
            .and_then(|m| args::sync_mode(&mut checks, "mode", &m));
        let parsed = checks.finish();
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            parsed?;
            let options = SyncOptions {
                mode: mode.unwrap_or_default(),
                progress: None,
            };
            let id = PropertyId::from(property_id);
            Ok(c.sync_property(&admin, &id, options).await?.into())
        })
    }

    /// The property's latest sync run, or `null` (Residence, read).
    #[napi(ts_return_type = "Promise<SyncRun | null>")]
    pub fn last_sync<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
    ) -> Result<PromiseRaw<'env, Option<SyncRun>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let run = c.last_sync(&admin, &PropertyId::from(property_id)).await?;
            Ok(run.map(SyncRun::from))
        })
    }

    /// The typed errors of the property's latest sync (Residence, read).
    #[napi]
    pub fn sync_errors<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        property_id: String,
    ) -> Result<PromiseRaw<'env, Vec<SyncError>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let list = c
                .sync_errors(&admin, &PropertyId::from(property_id))
                .await?;
            Ok(list.into_iter().map(SyncError::from).collect())
        })
    }

    /// Runs the sync of every PMS-linked property whose interval has passed since its last
    /// run (4 hours by default). Acts as the system, not as an admin; a property whose sync
    /// fails is left out of the reports.
    #[napi]
    pub fn run_due_syncs<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Vec<SyncReport>>> {
        let c = self.inner.clone();
        promise(env, async move {
            let reports = c.run_due_syncs().await?;
            Ok(reports.into_iter().map(SyncReport::from).collect())
        })
    }

    // -----------------------------------------------------------------------------------------
    // Outbox

    /// Delivers every outbox entry that is due.
    #[napi]
    pub fn dispatch_outbox<'env>(
        &self,
        env: &'env Env,
    ) -> Result<PromiseRaw<'env, DispatchReport>> {
        let c = self.inner.clone();
        promise(env, async move { Ok(c.dispatch_outbox().await?.into()) })
    }

    /// Outbox entries with `status` (Integrations, read).
    #[napi]
    pub fn list_outbox<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        #[napi(ts_arg_type = "OutboxStatus")] status: String,
    ) -> Result<PromiseRaw<'env, Vec<OutboxEntry>>> {
        let mut checks = Checks::new();
        let status = args::outbox_status(&mut checks, "status", &status);
        let parsed = checks.finish();
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            parsed?;
            let Some(status) = status else {
                return Ok(Vec::new());
            };
            let list = c.list_outbox(&admin, status).await?;
            Ok(list.into_iter().map(OutboxEntry::from).collect())
        })
    }

    /// Puts a parked outbox entry back in the queue, due now (Integrations, full).
    #[napi]
    pub fn retry_outbox_entry<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        entry_id: String,
    ) -> Result<PromiseRaw<'env, OutboxEntry>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            Ok(c.retry_outbox_entry(&admin, &OutboxId::from(entry_id))
                .await?
                .into())
        })
    }
}
