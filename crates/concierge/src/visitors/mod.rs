//! Visitor access through the door intercom (R-VISIT-1..4): linking a property to the
//! intercom's building (the one-time consent first, where the intercom needs one), provisioning
//! the site's placeholder unit and tenant, the preflight, and the contact-preference report.
//! Visitor passes themselves are in [`passes`].
//!
//! Provisioning is safe under a retry and under two processes: the adapter looks the unit and
//! tenant up before creating them and adopts what it finds (the vendor has no idempotency key),
//! and one call at a time holds the site's provisioning claim: a store lease like a sync's, so a
//! claim whose process was killed is taken over at once (the store proves its holder dead), and
//! one whose holder hangs ends with its expiry.

mod passes;
mod types;

pub use types::*;

use crate::Concierge;
use concierge_core::*;
use secrecy::SecretString;
use std::sync::Arc;

/// How long a provisioning claim lasts if its holder, still alive, never finishes.
const CLAIM: chrono::Duration = chrono::Duration::minutes(2);
/// How long a second process waits for another's provisioning before refusing.
const CLAIM_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// The store lease a call holds while it provisions `property`'s site: the lease table is keyed
/// by name, and this name cannot be a property's id.
fn provisioning_lease(property: &PropertyId) -> PropertyId {
    PropertyId::from_string(format!("{property}/provisioning"))
}

impl Concierge {
    pub(crate) fn intercom_provider(&self) -> Result<&Arc<dyn IntercomProvider>> {
        self.inner.intercom.as_ref().ok_or_else(|| {
            Error::invalid(
                "intercom",
                "no intercom is configured: set `butterflymx` in the settings",
            )
        })
    }

    /// Where the building admin gives the intercom's one-time consent, if it needs one
    /// (Integrations, full).
    pub async fn intercom_consent_url(&self, admin: &Admin) -> Result<Option<String>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "intercom_consent_url",
        )?;
        Ok(self.intercom_provider()?.consent_url())
    }

    /// Completes the consent with the code the admin was shown; the intercom's tokens are kept
    /// sealed in the store (Integrations, full).
    pub async fn connect_intercom(&self, admin: &Admin, code: SecretString) -> Result<()> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "connect_intercom",
        )?;
        let mut checks = validate::Checks::new();
        if secrecy::ExposeSecret::expose_secret(&code)
            .trim()
            .is_empty()
        {
            checks.fail("code", "must not be empty");
        }
        checks.finish()?;
        let intercom = self.intercom_provider()?;
        intercom
            .authorize(AuthorizeIntercomRequest { code })
            .await?;
        tracing::info!(intercom = intercom.name(), "intercom connected");
        Ok(())
    }

    /// Every building the intercom shares with us, to link one (Integrations, full).
    pub async fn intercom_buildings(&self, admin: &Admin) -> Result<Vec<IntercomBuilding>> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "intercom_buildings",
        )?;
        let intercom = self.intercom_provider()?;
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let page = intercom.list_buildings(cursor).await?;
            all.extend(page.items.into_iter().flatten());
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Links a property to a building of the intercom (Integrations, full). A property without a
    /// time zone takes the building's. Linking another building forgets the placeholder and
    /// the preflight, which must be done again.
    pub async fn link_intercom_building(
        &self,
        admin: &Admin,
        req: LinkIntercomBuilding,
    ) -> Result<Property> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "link_intercom_building",
        )?;
        let mut checks = validate::Checks::new();
        let building_id = checks.label("intercom_building_id", &req.intercom_building_id);
        checks.finish()?;
        let _: Property = self.inner.store.load(req.property_id.as_str()).await?;
        let intercom = self.intercom_provider()?;
        let building = intercom
            .get_building(GetIntercomBuildingRequest {
                building: ExternalRef::new(intercom.name(), building_id),
            })
            .await?;
        let zone = building
            .time_zone
            .as_deref()
            .and_then(|z| Zone::parse(z).ok());
        self.retry_concurrent(|| async {
            let mut property: Property = self.inner.store.load(req.property_id.as_str()).await?;
            let same = property
                .intercom
                .as_ref()
                .is_some_and(|s| s.building == building.external);
            if !same {
                property.intercom = Some(IntercomSite {
                    building: building.external.clone(),
                    building_name: building.name.clone(),
                    placeholder_unit: None,
                    placeholder_tenant: None,
                    provisioned_at: None,
                    preflight_at: None,
                    preflight_failed: Vec::new(),
                });
            }
            if property.time_zone.is_none() {
                property.time_zone = zone;
            }
            let mut batch = Batch::new();
            batch.put(&mut property);
            self.inner.store.commit(batch).await?;
            Ok(property)
        })
        .await
    }

    /// Creates the site's placeholder unit and tenant on the intercom, or adopts them if they
    /// exist (R-VISIT-1; Integrations, full): run twice, still one unit and one tenant.
    pub async fn provision_visitor_site(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
    ) -> Result<VisitorSiteReport> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "provision_visitor_site",
        )?;
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        let visitors = &property.settings.visitors;
        let Some(email) = visitors.placeholder_email(&property.site_name) else {
            return Err(Error::invalid(
                "settings.visitors.placeholder_mailbox",
                "is required to provision a site: the mailbox whose plus-address \
                 (butterflymx+<site name>@…) the placeholder tenant gets",
            ));
        };
        let name = visitors.placeholder_name.trim().to_owned();
        let (first, last) = match name.rsplit_once(' ') {
            Some((first, last)) => (first.trim().to_owned(), last.to_owned()),
            None => (name.clone(), String::new()),
        };
        let site = linked_site(&property)?;
        let holder = self.claim_provisioning(property_id).await?;
        let result = self
            .intercom_provider()?
            .ensure_placeholder(EnsurePlaceholderRequest {
                building: site.building.clone(),
                unit_label: visitors.placeholder_unit_label.clone(),
                unit_floor: "0".into(),
                tenant_first_name: first,
                tenant_last_name: last,
                tenant_email: email.clone(),
            })
            .await;
        let now = self.now();
        let placeholder = match result {
            Ok(p) => p,
            Err(e) => {
                // Give the claim back so the next attempt need not wait for it to expire.
                let _ = self
                    .finish_provisioning(property_id, &holder, None, now)
                    .await;
                return Err(e.into());
            }
        };
        self.finish_provisioning(property_id, &holder, Some(&placeholder), now)
            .await?;
        tracing::info!(
            property = %property_id,
            created_unit = placeholder.created_unit,
            created_tenant = placeholder.created_tenant,
            "visitor site provisioned"
        );
        Ok(VisitorSiteReport {
            property_id: property_id.clone(),
            building: site.building.clone(),
            placeholder_unit: placeholder.unit,
            placeholder_tenant: placeholder.tenant,
            tenant_name: name,
            tenant_email: email,
            created_unit: placeholder.created_unit,
            created_tenant: placeholder.created_tenant,
        })
    }

    /// Takes the site's provisioning claim, waiting a while for another call's to end.
    /// Returns the holder's name, which [`Self::finish_provisioning`] gives back.
    async fn claim_provisioning(&self, property_id: &PropertyId) -> Result<String> {
        let lease = provisioning_lease(property_id);
        // A name of its own per call: two calls of one process must not share the claim.
        let call = PropertyId::new();
        let holder = format!("{}/{}", self.inner.instance_id, call.as_str());
        let started = std::time::Instant::now();
        loop {
            let held = self
                .inner
                .store
                .try_acquire_lease(&lease, &holder, self.now(), CLAIM)
                .await?;
            if held {
                return Ok(holder);
            }
            if started.elapsed() > CLAIM_WAIT {
                return Err(Error::conflict(
                    ConflictKind::WrongState,
                    "another process is provisioning this site; try again shortly",
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Records the placeholder (when provisioning succeeded) and releases the claim `holder`.
    async fn finish_provisioning(
        &self,
        property_id: &PropertyId,
        holder: &str,
        placeholder: Option<&EnsurePlaceholderResponse>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        if let Some(p) = placeholder {
            self.retry_concurrent(|| async {
                let mut property: Property = self.inner.store.load(property_id.as_str()).await?;
                let Some(site) = property.intercom.as_mut() else {
                    return Err(not_linked());
                };
                let changed = site.placeholder_unit.as_ref() != Some(&p.unit)
                    || site.placeholder_tenant.as_ref() != Some(&p.tenant);
                site.placeholder_unit = Some(p.unit.clone());
                site.placeholder_tenant = Some(p.tenant.clone());
                site.provisioned_at = Some(now);
                if changed {
                    // A new placeholder has not been through the preflight.
                    site.preflight_at = None;
                    site.preflight_failed.clear();
                }
                let mut batch = Batch::new();
                batch.put(&mut property);
                self.inner.store.commit(batch).await?;
                Ok(())
            })
            .await?;
        }
        self.inner
            .store
            .release_lease(&provisioning_lease(property_id), holder)
            .await?;
        Ok(())
    }

    /// Checks that the site can take visitors (R-VISIT-2) and lists the tenants on Phone Calls
    /// (R-VISIT-4); Integrations, full. The result is kept: visitor passes are refused until a
    /// preflight passes.
    pub async fn visitor_preflight(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
    ) -> Result<VisitorPreflight> {
        self.authorize(
            admin,
            Permission::Integrations,
            AccessLevel::Full,
            "visitor_preflight",
        )?;
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        let mut checks = Vec::new();
        let mut phone_call_tenants = Vec::new();
        match &property.intercom {
            None => {
                checks.push(PreflightCheck::new(
                    PreflightCheckName::BuildingLinked,
                    false,
                    "the property is not linked to an intercom building: link one first",
                ));
                for name in &PreflightCheckName::ALL[1..] {
                    checks.push(PreflightCheck::new(
                        *name,
                        false,
                        "not checked: the property is not linked",
                    ));
                }
            }
            Some(site) => {
                checks.push(PreflightCheck::new(
                    PreflightCheckName::BuildingLinked,
                    true,
                    format!(
                        "linked to intercom building {} ({})",
                        site.building.id, site.building_name
                    ),
                ));
                let intercom = self.intercom_provider()?;
                let theirs = intercom
                    .preflight(PreflightRequest {
                        building: site.building.clone(),
                        unit: site.placeholder_unit.clone(),
                        tenant: site.placeholder_tenant.clone(),
                    })
                    .await?;
                let enabled = theirs
                    .checks
                    .iter()
                    .any(|c| c.name == PreflightCheckName::IntegrationEnabled && c.passed);
                checks.extend(theirs.checks);
                if enabled {
                    let report = self.contact_report_of(&property, site).await?;
                    phone_call_tenants = report.phone_call_tenants;
                }
            }
        }
        let failed: Vec<PreflightCheckName> = checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.name)
            .collect();
        let now = self.now();
        if property.intercom.is_some() {
            self.retry_concurrent(|| async {
                let mut property: Property = self.inner.store.load(property_id.as_str()).await?;
                if let Some(site) = property.intercom.as_mut() {
                    site.preflight_at = Some(now);
                    site.preflight_failed = failed.clone();
                }
                let mut batch = Batch::new();
                batch.put(&mut property);
                self.inner.store.commit(batch).await?;
                Ok(())
            })
            .await?;
        }
        Ok(VisitorPreflight {
            property_id: property_id.clone(),
            passed: failed.is_empty(),
            checks,
            phone_call_tenants,
        })
    }

    /// The site's tenants on Phone Calls, who cannot take video calls (R-VISIT-4), paging
    /// through every tenant of the intercom's building; Residence, read.
    pub async fn visitor_contact_report(
        &self,
        admin: &Admin,
        property_id: &PropertyId,
    ) -> Result<ContactReport> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "visitor_contact_report",
        )?;
        let property: Property = self.inner.store.load(property_id.as_str()).await?;
        let site = linked_site(&property)?;
        self.contact_report_of(&property, site).await
    }

    async fn contact_report_of(
        &self,
        property: &Property,
        site: &IntercomSite,
    ) -> Result<ContactReport> {
        let intercom = self.intercom_provider()?;
        let mut report = ContactReport {
            property_id: property.id.clone(),
            tenants: 0,
            phone_call_tenants: Vec::new(),
            unreadable: 0,
        };
        let mut cursor = None;
        loop {
            let page = intercom
                .list_tenants(ListIntercomTenantsRequest {
                    building: site.building.clone(),
                    cursor,
                })
                .await?;
            for item in page.items {
                match item {
                    Ok(t) if site.placeholder_tenant.as_ref() == Some(&t.external) => {}
                    Ok(t) => {
                        report.tenants += 1;
                        if t.contact_preference == ContactPreference::PhoneCall {
                            report.phone_call_tenants.push(t);
                        }
                    }
                    Err(_) => report.unreadable += 1,
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(report),
            }
        }
    }
}

fn not_linked() -> Error {
    Error::conflict(
        ConflictKind::WrongState,
        "the property is not linked to an intercom building: link one first \
         (link_intercom_building)",
    )
}

fn linked_site(property: &Property) -> Result<&IntercomSite> {
    property.intercom.as_ref().ok_or_else(not_linked)
}
