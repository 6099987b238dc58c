//! The facade's operations. Each one that acts for an admin checks the admin's permission
//! first (R-PERM-1, R-PERM-2), then validates the whole input, then reads, then commits every
//! change in one batch: a refused or invalid call touches no provider and changes nothing.

use crate::requests::*;
use crate::{Concierge, DispatchReport, Listing, PageRequest};
use chrono::{DateTime, NaiveDate, Utc};
use concierge_core::validate::Checks;
use concierge_core::*;
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;

/// How often an operation re-reads and retries after a concurrent change.
const CONCURRENT_RETRIES: usize = 3;

impl Concierge {
    // -----------------------------------------------------------------------------------------
    // Places

    /// Registers a property (Integrations, full: its settings drive the integrations).
    #[tracing::instrument(skip_all, fields(site = %req.site_name))]
    pub async fn register_property(&self, admin: &Admin, req: NewProperty) -> Result<Property> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "register_property",
        )?;
        let mut checks = Checks::new();
        let name = checks.label("name", &req.name);
        let site_name = checks.site_name("site_name", &req.site_name);
        check_settings(&mut checks, &req.settings);
        checks.finish()?;
        let existing = self.inner.store.list_properties().await?;
        if let Some(p) = existing.iter().find(|p| p.site_name == site_name) {
            return Err(Error::conflict_with(
                ConflictKind::AlreadyExists,
                format!("a property with site name {site_name} exists"),
                &p.id,
            ));
        }
        let mut property = Property {
            id: PropertyId::new(),
            name,
            site_name,
            settings: req.settings,
            external: req.external,
            time_zone: req.time_zone,
            intercom: None,
            created_at: self.now(),
            version: 0,
        };
        let mut batch = Batch::new();
        batch.put(&mut property);
        self.inner.store.commit(batch).await?;
        tracing::info!(property = %property.id, "property registered");
        Ok(property)
    }

    /// Replaces a property's settings (Integrations, full).
    pub async fn update_property_settings(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
        settings: PropertySettings,
    ) -> Result<Property> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "update_property_settings",
        )?;
        let mut checks = Checks::new();
        check_settings(&mut checks, &settings);
        checks.finish()?;
        self.retry_concurrent(|| async {
            let mut property: Property = self.inner.store.load(property_id.as_str()).await?;
            property.settings = settings.clone();
            let mut batch = Batch::new();
            batch.put(&mut property);
            self.inner.store.commit(batch).await?;
            Ok(property)
        })
        .await
    }

    /// Sets a property's IANA time zone (Integrations, full): dates and visit windows are judged
    /// in it from now on. Properties registered before zones existed are judged in UTC until
    /// this is done.
    pub async fn set_property_time_zone(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
        time_zone: Zone,
    ) -> Result<Property> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "set_property_time_zone",
        )?;
        self.retry_concurrent(|| async {
            let mut property: Property = self.inner.store.load(property_id.as_str()).await?;
            property.time_zone = Some(time_zone);
            let mut batch = Batch::new();
            batch.put(&mut property);
            self.inner.store.commit(batch).await?;
            tracing::info!(property = %property.id, zone = %time_zone, "property time zone set");
            Ok(property)
        })
        .await
    }

    /// The calendar date at the property now, in its zone (UTC without one).
    pub(crate) async fn property_today(&self, property_id: &PropertyId) -> Result<NaiveDate> {
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        Ok(property.today(self.now()))
    }

    /// One property (Residence, read).
    pub async fn get_property(&self, admin: &Admin, property_id: &PropertyId) -> Result<Property> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "get_property",
        )?;
        self.inner.store.load(property_id.as_str()).await
    }

    /// Every property (Residence, read).
    pub async fn list_properties(&self, admin: &Admin) -> Result<Vec<Property>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_properties",
        )?;
        Ok(self.inner.store.list_properties().await?)
    }

    /// Registers a building of a property (Residence, full).
    pub async fn register_building(&self, admin: &Admin, req: NewBuilding) -> Result<Building> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "register_building",
        )?;
        let mut checks = Checks::new();
        let name = checks.label("name", &req.name);
        checks.finish()?;
        let property: Property = self.inner.store.load(req.property_id.as_str()).await?;
        let buildings = self.inner.store.list_buildings(&property.id).await?;
        if let Some(b) = buildings
            .iter()
            .find(|b| b.name.eq_ignore_ascii_case(&name))
        {
            return Err(Error::conflict_with(
                ConflictKind::AlreadyExists,
                format!(
                    "property {} already has a building called {name}",
                    property.id
                ),
                &b.id,
            ));
        }
        let mut building = Building {
            id: BuildingId::new(),
            property_id: property.id,
            name,
            external: None,
            version: 0,
        };
        let mut batch = Batch::new();
        batch.put(&mut building);
        self.inner.store.commit(batch).await?;
        Ok(building)
    }

    /// Registers a unit of a building, with an optional floor (Residence, full).
    pub async fn register_unit(&self, admin: &Admin, req: NewUnit) -> Result<Unit> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "register_unit",
        )?;
        let mut checks = Checks::new();
        let number = checks.label("number", &req.number);
        let floor = req.floor.as_deref().map(|f| checks.label("floor", f));
        checks.finish()?;
        let building: Building = self.inner.store.load(req.building_id.as_str()).await?;
        let units = self.inner.store.list_units(&building.property_id).await?;
        if let Some(u) = units
            .iter()
            .find(|u| u.building_id == building.id && u.number.eq_ignore_ascii_case(&number))
        {
            return Err(Error::conflict_with(
                ConflictKind::AlreadyExists,
                format!("building {} already has unit {number}", building.id),
                &u.id,
            ));
        }
        let mut unit = Unit {
            id: UnitId::new(),
            property_id: building.property_id,
            building_id: building.id,
            floor,
            number,
            external: None,
            version: 0,
        };
        let mut batch = Batch::new();
        batch.put(&mut unit);
        self.inner.store.commit(batch).await?;
        Ok(unit)
    }

    /// A property's buildings (Residence, read).
    pub async fn list_buildings(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
    ) -> Result<Vec<Building>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_buildings",
        )?;
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        Ok(self.inner.store.list_buildings(&property.id).await?)
    }

    /// A property's units (Residence, read).
    pub async fn list_units(&self, admin: &Admin, property_id: &PropertyId) -> Result<Vec<Unit>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_units",
        )?;
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        Ok(self.inner.store.list_units(&property.id).await?)
    }

    // -----------------------------------------------------------------------------------------
    // Residents

    /// Moves a resident into a unit by hand, with first and last name (R-MOVE-1), optionally
    /// sending the mobile activation email (R-MOVE-2) and giving amenities (R-MOVE-3).
    /// Residence, full. A second identical move-in (same names, same unit, still living there)
    /// is refused as a conflict, so a retried call never creates a second resident.
    #[tracing::instrument(skip_all, fields(unit = %req.unit_id))]
    pub async fn move_in(&self, admin: &Admin, req: MoveIn) -> Result<Resident> {
        self.authorize(admin, Permission::Residence, AccessLevel::Full, "move_in")?;
        let mut checks = Checks::new();
        let first_name = checks.name("first_name", &req.first_name);
        let last_name = checks.name("last_name", &req.last_name);
        let email = checks.email("email", req.email.as_deref());
        if req.send_mobile_activation && email.is_none() {
            checks.fail("email", "is required to send the mobile activation email");
        }
        let phone = req
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        checks.finish()?;

        let unit: Unit = self.inner.store.load(req.unit_id.as_str()).await?;
        let property: Property = self.inner.store.load(unit.property_id.as_str()).await?;
        let mut checks = Checks::new();
        for amenity in &req.amenities {
            if !property.settings.amenities.iter().any(|a| &a.id == amenity) {
                checks.fail(
                    "amenities",
                    format!("{amenity} is not an amenity of this property"),
                );
            }
        }
        checks.finish()?;

        let now = self.now();
        let today = property.today(now);
        let mut query = ResidentQuery::at(now);
        query.today = today;
        query.unit_id = Some(unit.id.clone());
        let same = self.inner.store.list_residents(&query).await?;
        if let Some(existing) = same.iter().find(|r| {
            r.first_name.eq_ignore_ascii_case(&first_name)
                && r.last_name.eq_ignore_ascii_case(&last_name)
                && r.occupancy.phase(today) != OccupancyPhase::Past
        }) {
            return Err(Error::conflict_with(
                ConflictKind::AlreadyExists,
                format!(
                    "{} already lives in unit {} as resident {}",
                    existing.full_name(),
                    unit.number,
                    existing.id
                ),
                &existing.id,
            ));
        }

        let who = Arrival {
            first_name,
            last_name,
            email,
            phone: phone.map(str::to_owned),
            occupancy: Occupancy {
                unit_id: unit.id.clone(),
                role: req.role,
                move_in: Some(req.move_in.unwrap_or(today)),
                move_out: None,
            },
        };
        let mut resident = Resident::moved_in(
            &property,
            who,
            req.amenities,
            req.send_mobile_activation,
            now,
        );
        let mut batch = Batch::new();
        let queued = if req.send_mobile_activation {
            Some(self.invite_into(&mut resident, now, &mut batch)?)
        } else {
            None
        };
        batch.put(&mut resident);
        self.inner.store.commit(batch).await?;
        tracing::info!(resident = %resident.id, "resident moved in");
        if let Some(entry) = queued {
            self.deliver_inline(entry).await;
        }
        Ok(resident)
    }

    /// Sends the welcome email with a new activation link: Not Invited or Activation Expired
    /// become Pending Activation for 7 days (R-STATUS-2, R-STATUS-4). Residence, full. A
    /// Pending Activation account is refused (R-STATUS-5), unless its link was made with an
    /// activation secret that is no longer configured, so its email can never be sent: then it
    /// gets a new link and 7 days.
    pub async fn invite(&self, admin: &Admin, resident_id: &ResidentId) -> Result<Resident> {
        self.authorize(admin, Permission::Residence, AccessLevel::Full, "invite")?;
        let (resident, entry) = self
            .retry_concurrent(|| async {
                let mut resident: Resident = self.inner.store.load(resident_id.as_str()).await?;
                if resident.email.is_none() {
                    return Err(Error::invalid(
                        "email",
                        "the resident has no email address to send the invitation to",
                    ));
                }
                let now = self.now();
                let mut batch = Batch::new();
                let entry = self.invite_into(&mut resident, now, &mut batch)?;
                resident.updated_at = now;
                batch.put(&mut resident);
                self.inner.store.commit(batch).await?;
                Ok((resident, entry))
            })
            .await?;
        self.deliver_inline(entry).await;
        Ok(resident)
    }

    /// Activates an account with the token from the activation link (R-STATUS-3): the account
    /// goes Live once the resident followed the link, accepted the terms and, when Concierge
    /// keeps passwords (`password_mode` managed, the default), set a password. The resident acts
    /// here, not an admin: the token is the proof.
    ///
    /// The password must be 10 to 256 characters, not only whitespace and not the resident's
    /// email address; it is stored only as an Argon2id hash ([`Account::verify_password`]).
    /// With `password_mode` external the host keeps passwords in its own identity provider:
    /// no password is taken (one given is refused) and the verified resident is returned, for
    /// the host to create the login. An expired, used, superseded or unknown token is refused
    /// (R-STATUS-5). A refused call changes nothing.
    pub async fn activate(&self, activation: Activation) -> Result<Resident> {
        self.ensure_open()?;
        let Activation {
            token,
            accept_terms,
            password,
        } = activation;
        let token = token.as_str();
        let mut checks = Checks::new();
        if !accept_terms {
            checks.fail("accept_terms", "the terms must be accepted to activate");
        }
        match (self.inner.config.password_mode, &password) {
            (PasswordMode::Managed, None) => checks.fail(
                "password",
                "is required: the resident sets a password to activate",
            ),
            (PasswordMode::Managed, Some(p)) => {
                concierge_core::password::check_password(
                    &mut checks,
                    "password",
                    p.expose_secret(),
                    None,
                );
            }
            (PasswordMode::External, Some(_)) => checks.fail(
                "password",
                "is not taken: passwords are kept by the host's identity provider \
                 (password_mode external)",
            ),
            (PasswordMode::External, None) => {}
        }
        checks.finish()?;
        let rejected = || Error::TokenRejected {
            reason: TokenRejection::Invalid,
        };
        let selector = concierge_core::account::selector_of(token).ok_or_else(rejected)?;
        if !selector.starts_with(ResidentId::PREFIX) {
            return Err(rejected());
        }
        // Hashed once, after the token proved good: a bad token costs no Argon2 work.
        let hashed = tokio::sync::OnceCell::new();
        self.retry_concurrent(|| async {
            let mut resident: Resident = match self.inner.store.load(selector).await {
                Ok(r) => r,
                Err(Error::NotFound { .. }) => return Err(rejected()),
                Err(e) => return Err(e),
            };
            let now = self.now();
            resident.account.check_activation(token, now)?;
            let hash = match &password {
                Some(p) => {
                    let mut checks = Checks::new();
                    concierge_core::password::check_password(
                        &mut checks,
                        "password",
                        p.expose_secret(),
                        resident.email.as_deref(),
                    );
                    checks.finish()?;
                    let hash = hashed
                        .get_or_try_init(|| async { hash_password(p.clone()).await })
                        .await?;
                    Some(hash.clone())
                }
                None => None,
            };
            resident.account.activate(token, hash, now)?;
            resident.updated_at = now;
            let mut batch = Batch::new();
            batch.put(&mut resident);
            self.inner.store.commit(batch).await?;
            tracing::info!(resident = %resident.id, "account activated");
            Ok(resident)
        })
        .await
    }

    /// A resident's account status now (Residence, read).
    pub async fn account_status(
        &self,
        admin: &Admin,
        resident_id: &ResidentId,
    ) -> Result<AccountStatus> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "account_status",
        )?;
        let resident: Resident = self.inner.store.load(resident_id.as_str()).await?;
        Ok(resident.status(self.now()))
    }

    /// One resident (Residence, read).
    pub async fn get_resident(&self, admin: &Admin, resident_id: &ResidentId) -> Result<Resident> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "get_resident",
        )?;
        self.inner.store.load(resident_id.as_str()).await
    }

    /// One page of the residents matching `filter`, ordered by id (Residence, read). The store
    /// reads the page by keyset (`page.cursor` is the last id of the previous page).
    pub async fn list_residents(
        &self,
        admin: &Admin,
        filter: ResidentFilter,
        page: PageRequest,
    ) -> Result<Listing<Resident>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_residents",
        )?;
        let (limit, after) = page.keyset(ResidentId::PREFIX)?;
        let mut query = ResidentQuery::at(self.now());
        // Phases are judged on the property's own date; across properties, on UTC's.
        if let Some(property) = &filter.property_id {
            query.today = self.property_today(property).await?;
        }
        query.property_id = filter.property_id;
        query.unit_id = filter.unit_id;
        query.status = filter.status;
        query.phase = filter.phase;
        query.source = filter.source;
        query.after = after;
        query.limit = Some(limit + 1);
        let residents = self.inner.store.list_residents(&query).await?;
        Ok(Listing::keyset(residents, limit, |r| r.id.to_string()))
    }

    // -----------------------------------------------------------------------------------------
    // Outbox

    /// Delivers every outbox entry that is due (emails, later key cancellations). Safe to run
    /// from several processes at once: each effect carries an idempotency key.
    pub async fn dispatch_outbox(&self) -> Result<DispatchReport> {
        self.ensure_open()?;
        self.dispatch_due().await
    }

    /// One page of the outbox entries with `status`, ordered by id (Integrations, read): parked
    /// entries are the ones an admin should look at. The store reads the page by keyset.
    pub async fn list_outbox(
        &self,
        admin: &Admin,
        status: OutboxStatus,
        page: PageRequest,
    ) -> Result<Listing<OutboxEntry>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Read,
            "list_outbox",
        )?;
        let (limit, after) = page.keyset(OutboxId::PREFIX)?;
        let query = OutboxQuery::status(status).page(after, Some(limit + 1));
        let entries = self.inner.store.list_outbox(&query).await?;
        Ok(Listing::keyset(entries, limit, |e| e.id.to_string()))
    }

    /// Puts a parked outbox entry back in the queue, due now (Integrations, full).
    pub async fn retry_outbox_entry(&self, admin: &Admin, id: &OutboxId) -> Result<OutboxEntry> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "retry_outbox_entry",
        )?;
        let entry = self
            .retry_concurrent(|| async {
                let mut entry: OutboxEntry = self.inner.store.load(id.as_str()).await?;
                if entry.status != OutboxStatus::Parked {
                    return Err(Error::conflict_with(
                        ConflictKind::WrongState,
                        format!("outbox entry {id} is {}, not parked", entry.status.as_str()),
                        id,
                    ));
                }
                entry.status = OutboxStatus::Pending;
                entry.attempts = 0;
                entry.next_attempt_at = self.now();
                let mut batch = Batch::new();
                batch.put(&mut entry);
                self.inner.store.commit(batch).await?;
                Ok(entry)
            })
            .await?;
        self.deliver_inline(entry.clone()).await;
        self.inner.store.load(id.as_str()).await
    }

    // -----------------------------------------------------------------------------------------
    // Helpers

    /// Invites `resident` and adds the welcome email to `batch`. Returns the outbox entry.
    pub(crate) fn invite_into(
        &self,
        resident: &mut Resident,
        now: DateTime<Utc>,
        batch: &mut Batch,
    ) -> Result<OutboxEntry> {
        // The token is not kept: the dispatcher derives it again when it sends the email.
        let _token = resident.account.invite(
            resident.id.as_str(),
            now,
            self.inner.config.activation_validity,
            &self.inner.activation_secret,
        )?;
        let invitation = resident.account.invitations_sent();
        let mut entry = OutboxEntry::new(
            resident.property_id.clone(),
            format!("activation-email:{}:{invitation}", resident.id),
            OutboxMessage::ActivationEmail {
                resident_id: resident.id.clone(),
                invitation,
            },
            now,
        );
        batch.put(&mut entry);
        Ok(entry)
    }

    /// Runs `op`, reading again and retrying when a concurrent change got there first.
    pub(crate) async fn retry_concurrent<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Err(Error::Store(StoreError::Concurrent { .. }))
                    if attempt < CONCURRENT_RETRIES =>
                {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

fn check_settings(checks: &mut Checks, settings: &PropertySettings) {
    if settings.sync_interval < chrono::Duration::minutes(5) {
        checks.fail("settings.sync_interval", "must be at least 5 minutes");
    }
    if settings.strata_sync_interval < chrono::Duration::minutes(5) {
        checks.fail(
            "settings.strata_sync_interval",
            "must be at least 5 minutes",
        );
    }
    for amenity in &settings.amenities {
        checks.label("settings.amenities", &amenity.name);
    }
    crate::email::check_templates(checks, &settings.invitation_email);
}

/// Hashes a password with Argon2id off the async threads (it takes tens of milliseconds by
/// design).
async fn hash_password(password: SecretString) -> Result<PasswordHash> {
    tokio::task::spawn_blocking(move || PasswordHash::create(&password))
        .await
        .map_err(|e| {
            Error::Store(StoreError::Unavailable {
                message: format!("hashing the password failed: {e}"),
            })
        })?
}
