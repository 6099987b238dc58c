//! Visitor passes (R-VISIT-3): created once per request, even when the intercom's reply is
//! lost or the process dies, listed, revoked by staff, and revoked through the outbox when the
//! visited resident's occupancy ends.
//!
//! Exactly once: the pass is recorded (state `requested`) with its intent in the idempotency
//! ledger before the intercom is called, under our id, which is also the pass's name on the
//! intercom. A first attempt creates directly (the fewest requests); any later one (a retry, a
//! repeated request with the same `request_key`, [`Concierge::reconcile_visitor_passes`] after
//! a crash) asks the intercom to look the pass up by that name first and creates it only if it
//! is not there.

use super::types::*;
use crate::{Concierge, Listing, PageRequest};
use concierge_core::*;
use sha2::{Digest, Sha256};

/// The ledger operation of a pass creation.
const CREATE: &str = "create_visitor_pass";

fn intent_for(pass: &VisitorPassId) -> IntentId {
    IntentId::from_string(format!("visit.{pass}"))
}

/// The pass id of a caller's request key at a property: the same key, the same pass.
fn id_for_request(property: &PropertyId, key: &str) -> VisitorPassId {
    let digest = Sha256::digest(format!("{property}\0{key}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    VisitorPassId::from_string(format!("{}_r{hex}", VisitorPassId::PREFIX))
}

impl Concierge {
    /// Creates a visitor pass for exactly the visit's window, issued through the site's
    /// placeholder tenant (R-VISIT-3; Residence, full). A local start and end are judged in the
    /// property's zone. Refused before any intercom call when the window is empty or over, or
    /// when the site's last preflight did not pass.
    ///
    /// When the intercom does not answer for sure (a lost reply), the pass stays `requested`
    /// with the failure noted, and is completed by a repeated request with the same
    /// `request_key` or by [`Concierge::reconcile_visitor_passes`]: never a second pass. A
    /// refusal by the intercom is an error and leaves the pass `failed`.
    #[tracing::instrument(skip_all, fields(property = %req.property_id))]
    pub async fn create_visitor_pass(
        &self,
        admin: &Admin,
        req: CreateVisitorPass,
    ) -> Result<VisitorPassView> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "create_visitor_pass",
        )?;
        let mut checks = validate::Checks::new();
        let visitor_name = checks.label("visitor_name", &req.visitor_name);
        let request_key = req.request_key.as_deref().map(str::trim);
        if request_key.is_some_and(str::is_empty) {
            checks.fail("request_key", "must not be blank");
        }
        checks.finish()?;
        let property: Property = self.inner.store.load(req.property_id.as_str()).await?;
        let zone = property.zone();
        let now = self.now();
        let mut checks = validate::Checks::new();
        let starts_at = req
            .starts_at
            .instant_in(zone)
            .map_err(|e| checks.fail("starts_at", e))
            .ok();
        let ends_at = req
            .ends_at
            .instant_in(zone)
            .map_err(|e| checks.fail("ends_at", e))
            .ok();
        if let (Some(start), Some(end)) = (starts_at, ends_at) {
            if end <= start {
                checks.fail("ends_at", "must be after starts_at: the window is empty");
            } else if end <= now {
                checks.fail(
                    "ends_at",
                    format!("is in the past (now is {})", zone.format(now)),
                );
            }
        }
        checks.finish()?;
        let window = TimeWindow {
            starts_at: starts_at.expect("checked"),
            ends_at: ends_at.expect("checked"),
        };
        if let Some(resident_id) = &req.resident_id {
            let resident: Resident = self.inner.store.load(resident_id.as_str()).await?;
            if resident.property_id != property.id {
                return Err(Error::invalid(
                    "resident_id",
                    "is a resident of another property",
                ));
            }
            if resident.occupancy.phase(property.today(now)) == OccupancyPhase::Past {
                return Err(Error::conflict(
                    ConflictKind::WrongState,
                    format!("{} has moved out", resident.full_name()),
                ));
            }
        }
        let id = match request_key {
            Some(key) => id_for_request(&property.id, key),
            None => VisitorPassId::new(),
        };
        if request_key.is_some()
            && let Some(existing) = self
                .inner
                .store
                .get(&RecordKey::of::<VisitorPass>(id.as_str()))
                .await?
                .and_then(VisitorPass::from_record)
        {
            if existing.visitor_name != visitor_name || existing.window != window {
                return Err(Error::conflict_with(
                    ConflictKind::AlreadyExists,
                    "this request_key was used for another visit",
                    &existing.id,
                ));
            }
            return self.complete_pass(existing).await.map(VisitorPassView::of);
        }
        let Some(site) = property.intercom.as_ref().filter(|s| s.ready()) else {
            return Err(not_ready(&property));
        };
        let tenant = site.placeholder_tenant.clone().expect("ready");
        let mut pass = VisitorPass {
            id,
            property_id: property.id.clone(),
            visitor_name,
            resident_id: req.resident_id.clone(),
            window,
            time_zone: zone,
            state: VisitorPassState::Requested,
            external: None,
            key: None,
            qr_code_url: None,
            instructions_url: None,
            failure: None,
            request_key: request_key.map(str::to_owned),
            created_by: admin.id.clone(),
            created_at: now,
            revoked_at: None,
            version: 0,
        };
        let mut intent = Intent::record(
            intent_for(&pass.id),
            property.id.clone(),
            CREATE,
            pass.id.to_string(),
            now,
        );
        let mut batch = Batch::new();
        batch.put(&mut pass).put(&mut intent);
        match self.inner.store.commit(batch).await {
            Ok(()) => {}
            // Two callers with one request key: the other recorded it first.
            Err(StoreError::Concurrent { .. }) if request_key.is_some() => {
                let existing: VisitorPass = self.inner.store.load(pass.id.as_str()).await?;
                return self.complete_pass(existing).await.map(VisitorPassView::of);
            }
            Err(e) => return Err(e.into()),
        }
        let pass = self
            .issue_pass(pass, intent, &site.building, &tenant, false)
            .await?;
        Ok(VisitorPassView::of(pass))
    }

    /// Asks the intercom for `pass` (recorded, `requested`) and records the answer with the
    /// ledger's intent. `retry`: an earlier attempt may have reached the intercom.
    async fn issue_pass(
        &self,
        mut pass: VisitorPass,
        mut intent: Intent,
        building: &ExternalRef,
        tenant: &ExternalRef,
        retry: bool,
    ) -> Result<VisitorPass> {
        let intercom = self.intercom_provider()?;
        let request = |retry: bool| CreateVisitorPassRequest {
            building: building.clone(),
            tenant: tenant.clone(),
            visitor_name: pass.visitor_name.clone(),
            window: pass.window,
            idempotency_key: pass.id.to_string(),
            retry,
        };
        let mut result = intercom.create_visitor_pass(request(retry)).await;
        if let Err(e) = &result
            && e.retry == RetryClass::UnknownOutcome
        {
            // The reply was lost: ask again, looking the pass up first.
            result = intercom.create_visitor_pass(request(true)).await;
        }
        let now = self.now();
        let outcome = match result {
            Ok(issued) => {
                pass.state = VisitorPassState::Active;
                pass.external = Some(issued.external);
                pass.key = issued.key;
                pass.qr_code_url = issued.qr_code_url;
                pass.instructions_url = issued.instructions_url;
                pass.failure = None;
                intent.status = IntentStatus::Succeeded;
                Ok(())
            }
            Err(e) if !e.retry.is_refusal() => {
                // Not known: stays requested, to be completed by a retry or reconciliation.
                pass.failure = Some(format!("the intercom did not answer for sure: {e}"));
                Ok(())
            }
            Err(e) => {
                pass.state = VisitorPassState::Failed;
                pass.failure = Some(e.to_string());
                intent.status = IntentStatus::Failed;
                Err(e)
            }
        };
        intent.outcome = Some(serde_json::json!({ "state": pass.state.as_str() }));
        intent.updated_at = now;
        let mut batch = Batch::new();
        batch.put(&mut pass).put(&mut intent);
        self.inner.store.commit(batch).await?;
        tracing::info!(pass = %pass.id, state = pass.state.as_str(), "visitor pass");
        outcome.map(|()| pass).map_err(Error::from)
    }

    /// Completes a `requested` pass (looking it up on the intercom first); any other is
    /// returned as it is.
    async fn complete_pass(&self, pass: VisitorPass) -> Result<VisitorPass> {
        if pass.state != VisitorPassState::Requested {
            return Ok(pass);
        }
        let property: Property = self.inner.store.load(pass.property_id.as_str()).await?;
        let Some(site) = property.intercom.as_ref() else {
            return Err(not_ready(&property));
        };
        let Some(tenant) = site.placeholder_tenant.clone() else {
            return Err(not_ready(&property));
        };
        let intent = match self
            .inner
            .store
            .get(&RecordKey::of::<Intent>(intent_for(&pass.id).as_str()))
            .await?
            .and_then(Intent::from_record)
        {
            Some(intent) => intent,
            None => Intent::record(
                intent_for(&pass.id),
                pass.property_id.clone(),
                CREATE,
                pass.id.to_string(),
                self.now(),
            ),
        };
        self.issue_pass(pass, intent, &site.building, &tenant, true)
            .await
    }

    /// Completes every pass whose creation was not answered for sure (a lost reply, a crash):
    /// each is looked up on the intercom by our id and created only if missing. Returns how
    /// many were settled (issued or failed). Run by the scheduler; safe to run at any time.
    pub async fn reconcile_visitor_passes(&self) -> Result<usize> {
        let mut settled = 0;
        for intent in self
            .inner
            .store
            .list_intents(IntentStatus::Recorded)
            .await?
        {
            if intent.operation != CREATE {
                continue;
            }
            let pass: VisitorPass = self.inner.store.load(&intent.subject).await?;
            match self.complete_pass(pass).await {
                Ok(p) if p.state == VisitorPassState::Active => {
                    settled += 1;
                    self.revoke_if_moved_out(p).await?;
                }
                Ok(p) if p.state != VisitorPassState::Requested => settled += 1,
                Ok(_) => {}
                Err(e) if e.code() == ErrorCode::Provider => settled += 1,
                Err(e) => tracing::warn!(intent = %intent.id, error = %e, "pass not reconciled"),
            }
        }
        Ok(settled)
    }

    /// Revokes `pass` (through the outbox) if the resident it was for moved out while it was
    /// still `requested`: the move-out revoked only the passes it knew were issued.
    async fn revoke_if_moved_out(&self, pass: VisitorPass) -> Result<()> {
        let Some(resident_id) = &pass.resident_id else {
            return Ok(());
        };
        let resident: Resident = self.inner.store.load(resident_id.as_str()).await?;
        let today = self.property_today(&resident.property_id).await?;
        if resident.occupancy.phase(today) != OccupancyPhase::Past {
            return Ok(());
        }
        let (passes, entries) = self.revoke_passes_of(&resident, self.now()).await?;
        let mut batch = Batch::new();
        for mut p in passes {
            batch.put(&mut p);
        }
        let mut queued = Vec::new();
        for mut entry in entries {
            batch.put(&mut entry);
            queued.push(entry);
        }
        self.inner.store.commit(batch).await?;
        for entry in queued {
            self.deliver_inline(entry).await;
        }
        Ok(())
    }

    /// One visitor pass (Residence, read).
    pub async fn get_visitor_pass(
        &self,
        admin: &Admin,
        pass_id: &VisitorPassId,
    ) -> Result<VisitorPassView> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "get_visitor_pass",
        )?;
        let pass: VisitorPass = self.inner.store.load(pass_id.as_str()).await?;
        Ok(VisitorPassView::of(pass))
    }

    /// A property's visitor passes, page by page, by id (Residence, read).
    pub async fn list_visitor_passes(
        &self,
        admin: &Admin,
        filter: VisitorPassFilter,
        page: PageRequest,
    ) -> Result<Listing<VisitorPassView>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_visitor_passes",
        )?;
        let (limit, after) = page.keyset(VisitorPassId::PREFIX)?;
        let _: Property = self.inner.store.load(filter.property_id.as_str()).await?;
        let mut query = PassQuery::property(&filter.property_id);
        query.state = filter.state;
        query.resident_id = filter.resident_id;
        query.after = after;
        query.limit = Some(limit + 1);
        let passes = self.inner.store.list_visitor_passes(&query).await?;
        Ok(Listing::keyset(passes, limit, |p| p.id.to_string()).map(VisitorPassView::of))
    }

    /// Revokes a visitor pass on the intercom (Residence, full). A pass still `requested` is
    /// completed first, so the intercom's is the one revoked; revoking a revoked pass returns
    /// it as it is.
    pub async fn revoke_visitor_pass(
        &self,
        admin: &Admin,
        pass_id: &VisitorPassId,
    ) -> Result<VisitorPassView> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "revoke_visitor_pass",
        )?;
        let pass: VisitorPass = self.inner.store.load(pass_id.as_str()).await?;
        let mut pass = self.complete_pass(pass).await?;
        match pass.state {
            VisitorPassState::Revoked => return Ok(VisitorPassView::of(pass)),
            VisitorPassState::Requested => {
                return Err(Error::conflict(
                    ConflictKind::WrongState,
                    "the intercom has not confirmed this pass yet; try again shortly",
                ));
            }
            VisitorPassState::Active => {
                if let Some(external) = &pass.external {
                    match self
                        .intercom_provider()?
                        .revoke_visitor_pass(RevokeVisitorPassRequest {
                            visitor_pass: external.clone(),
                        })
                        .await
                    {
                        Ok(()) => {}
                        // Already gone on the intercom: as revoked as it gets.
                        Err(e) if e.kind == ProviderErrorKind::NotFound => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            VisitorPassState::Failed => {}
        }
        pass.state = VisitorPassState::Revoked;
        pass.revoked_at = Some(self.now());
        let mut batch = Batch::new();
        batch.put(&mut pass);
        self.inner.store.commit(batch).await?;
        Ok(VisitorPassView::of(pass))
    }

    /// The writes that end a resident's visitor passes with their occupancy: each active pass
    /// revoked, its revocation on the intercom queued in the outbox (same batch as the move-out).
    pub(crate) async fn revoke_passes_of(
        &self,
        resident: &Resident,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Vec<VisitorPass>, Vec<OutboxEntry>)> {
        let mut query = PassQuery::property(&resident.property_id);
        query.resident_id = Some(resident.id.clone());
        query.state = Some(VisitorPassState::Active);
        let mut passes = self.inner.store.list_visitor_passes(&query).await?;
        let mut entries = Vec::new();
        for pass in &mut passes {
            pass.state = VisitorPassState::Revoked;
            pass.revoked_at = Some(now);
            if let Some(external) = &pass.external {
                entries.push(OutboxEntry::new(
                    pass.property_id.clone(),
                    format!("revoke-pass:{}", pass.id),
                    OutboxMessage::RevokeVisitorPass {
                        pass_id: pass.id.clone(),
                        pass: external.clone(),
                    },
                    now,
                ));
            }
        }
        Ok((passes, entries))
    }
}

fn not_ready(property: &Property) -> Error {
    let why = match &property.intercom {
        None => "the property is not linked to an intercom building".to_owned(),
        Some(s) if s.placeholder_tenant.is_none() => {
            "the site is not provisioned (provision_visitor_site)".to_owned()
        }
        Some(s) if s.preflight_at.is_none() => {
            "the site's preflight has not been run (visitor_preflight)".to_owned()
        }
        Some(s) => format!(
            "the site's last preflight failed ({}); fix them and run it again",
            s.preflight_failed
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Error::conflict(
        ConflictKind::WrongState,
        format!("visitor passes cannot be created yet: {why}"),
    )
}
