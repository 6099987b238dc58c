//! Manual move-out (R-MOVE-4) and spare key holders (R-PMS-7), and what ends with an
//! occupancy: mobile access, keys and visitor passes (R-PMS-8).

use super::*;

impl Concierge {
    /// Moves a resident out on `on` (today when `None`): their occupancy ends, mobile access is
    /// withdrawn and their keys for the unit are cancelled through the outbox (R-PMS-8).
    /// Residence, full.
    pub async fn move_out(
        &self,
        admin: &Admin,
        resident_id: &ResidentId,
        on: Option<NaiveDate>,
    ) -> Result<Resident> {
        self.authorize(admin, Permission::Residence, AccessLevel::Full, "move_out")?;
        let (resident, entries) = self
            .retry_concurrent(|| async {
                let mut resident: Resident = self.inner.store.load(resident_id.as_str()).await?;
                let today = self.property_today(&resident.property_id).await?;
                let date = on.unwrap_or(today);
                if let Some(move_in) = resident.occupancy.move_in
                    && date < move_in
                {
                    return Err(Error::invalid(
                        "move_out",
                        "must not be before the move-in date",
                    ));
                }
                if resident.occupancy.move_out.is_some_and(|d| d <= today) {
                    return Err(Error::conflict(
                        ConflictKind::WrongState,
                        format!("{} already moved out", resident.full_name()),
                    ));
                }
                let mut batch = Batch::new();
                resident.occupancy.move_out = Some(date);
                let entries = if date <= today {
                    self.withdraw_access(&mut resident, &mut batch).await?
                } else {
                    vec![]
                };
                resident.updated_at = self.now();
                batch.put(&mut resident);
                self.inner.store.commit(batch).await?;
                Ok((resident, entries))
            })
            .await?;
        for entry in entries {
            self.deliver_inline(entry).await;
        }
        Ok(resident)
    }

    /// Adds a named spare key holder to a unit (R-PMS-7): a first-class holder of the unit's
    /// spare key, never a fake resident, never moved out by a sync. Residence, full.
    pub async fn add_spare_holder(
        &self,
        admin: &Admin,
        unit_id: &UnitId,
        label: &str,
    ) -> Result<SpareHolder> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "add_spare_holder",
        )?;
        let mut checks = Checks::new();
        let label = checks.label("label", label);
        checks.finish()?;
        let unit: Unit = self.inner.store.load(unit_id.as_str()).await?;
        let mut spare = SpareHolder {
            id: SpareHolderId::new(),
            unit_id: unit.id,
            label,
            version: 0,
        };
        let mut batch = Batch::new();
        batch.put(&mut spare);
        self.inner.store.commit(batch).await?;
        Ok(spare)
    }

    /// One page of a unit's spare key holders, ordered by id. Residence, read. A unit has a
    /// handful, so the store reads them all and this pages in memory, by id.
    pub async fn list_spare_holders(
        &self,
        admin: &Admin,
        unit_id: &UnitId,
        page: PageRequest,
    ) -> Result<Listing<SpareHolder>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_spare_holders",
        )?;
        let (limit, after) = page.keyset::<SpareHolderId>(SpareHolderId::PREFIX)?;
        let unit: Unit = self.inner.store.load(unit_id.as_str()).await?;
        let spares: Vec<SpareHolder> = self
            .inner
            .store
            .list_spare_holders(&unit.id)
            .await?
            .into_iter()
            .filter(|s| after.as_ref().is_none_or(|a| &s.id > a))
            .take(limit + 1)
            .collect();
        Ok(Listing::keyset(spares, limit, |s| s.id.to_string()))
    }

    /// Ends mobile access and queues the cancellation of the resident's live keys for their
    /// unit and the revocation of the visitor passes for visits to them; returns the outbox entries added to `batch`.
    pub(super) async fn withdraw_access(
        &self,
        resident: &mut Resident,
        batch: &mut Batch,
    ) -> Result<Vec<OutboxEntry>> {
        resident.mobile_access = MobileAccess::NotGranted;
        let holder = KeyHolder::Resident(resident.id.clone());
        let mut entries = Vec::new();
        for mut key in self
            .inner
            .store
            .list_keys(&KeyQuery::new(
                Some(&holder),
                Some(&resident.occupancy.unit_id),
            ))
            .await?
        {
            if !key.state.is_live() {
                continue;
            }
            key.state = KeyState::Cancelled;
            batch.put(&mut key);
            if let Some(mut entry) =
                crate::keys::cancel_key_entry(&resident.property_id, &key, self.now())
            {
                batch.put(&mut entry);
                entries.push(entry);
            }
        }
        // Visitor passes for visits to the resident end with the occupancy.
        let (passes, revocations) = self.revoke_passes_of(resident, self.now()).await?;
        for mut pass in passes {
            batch.put(&mut pass);
        }
        for mut entry in revocations {
            batch.put(&mut entry);
            entries.push(entry);
        }
        Ok(entries)
    }
}
