//! Smart keys (R-KEY-1..4, R-PMS-4, R-PMS-7, R-PMS-8).
//!
//! A key is written for one holder (a resident, or a spare holder of the unit) and one unit, on
//! one of the lock system's encoders. [`Concierge::preview_key`] says what will be written, for
//! the admin to confirm; [`Concierge::make_key`] writes it. Only one live key exists per holder and
//! unit (the store enforces it): a second one is refused naming the first, unless the caller asks
//! to replace it, which cancels the old key through the outbox.
//!
//! Retry safety (R-KEY-4): the intent is recorded in the idempotency ledger, with the key in
//! state `Encoding`, before the encoder is called, and the encoder gets the intent's id as its
//! idempotency key. A retry, or [`Concierge::reconcile_keys`] after a crash, first asks the lock
//! system what became of the intent, and finishes it (the key was written) or writes it with the
//! same idempotency key (it was not): never a second key.

use crate::{Concierge, KeyFilter, Listing, PageRequest};
use concierge_core::*;

/// Write a key for a holder on an encoder.
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeKey {
    /// Who gets the key.
    pub holder: KeyHolder,
    /// The encoder (its id in the lock system, as `list_encoders` gives it).
    pub encoder: String,
    /// Replace the holder's live key for the unit (a lost card): the old key is cancelled.
    #[serde(default)]
    pub replace: bool,
}

impl MakeKey {
    /// A key for a resident, in their unit.
    pub fn resident(resident_id: &ResidentId, encoder: impl Into<String>) -> Self {
        Self {
            holder: KeyHolder::Resident(resident_id.clone()),
            encoder: encoder.into(),
            replace: false,
        }
    }

    /// A spare key of a unit, for its spare holder.
    pub fn spare(spare_id: &SpareHolderId, encoder: impl Into<String>) -> Self {
        Self {
            holder: KeyHolder::Spare(spare_id.clone()),
            encoder: encoder.into(),
            replace: false,
        }
    }

    /// Replace the holder's live key (lost card).
    pub fn replacing(mut self) -> Self {
        self.replace = true;
        self
    }
}

/// What a key write will do, for the admin to confirm (R-KEY-1).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct KeyPreview {
    /// Who gets the key.
    pub holder: KeyHolder,
    /// Their name (a resident's full name, or the spare holder's label).
    pub holder_name: String,
    /// The one unit the key opens (R-KEY-3).
    pub unit: Unit,
    /// The encoder that writes it.
    pub encoder: EncoderInfo,
    /// The live key this one replaces, if any.
    pub replaces: Option<KeyId>,
}

/// The outbox entry that cancels `key` in the lock system (R-PMS-8, R-KEY-2), if the lock system
/// has it.
pub(crate) fn cancel_key_entry(
    property_id: &PropertyId,
    key: &SmartKey,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<OutboxEntry> {
    let external = key.external.clone()?;
    Some(OutboxEntry::new(
        property_id.clone(),
        format!("cancel-key:{}", key.id),
        OutboxMessage::CancelKey {
            key_id: key.id.clone(),
            key: external,
        },
        now,
    ))
}

/// The ledger entry of a key write: its id is the idempotency key the encoder sees, stable across
/// retries and unique to this key (a replacement is another key, another intent).
fn intent_for(key: &KeyId) -> IntentId {
    IntentId::from_string(format!("encode.{key}"))
}

impl Concierge {
    /// The lock system's encoders and their state. Residence, read.
    pub async fn list_encoders(&self, admin: &Admin) -> Result<Vec<EncoderInfo>> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Read,
            "list_encoders",
        )?;
        let encoder = self.encoder()?;
        Ok(encoder
            .list_encoders(ListEncodersRequest {})
            .await?
            .encoders)
    }

    /// Says what [`Concierge::make_key`] will write, without writing anything (R-KEY-1).
    /// Residence, full. Refuses what `make_key` would refuse.
    pub async fn preview_key(&self, admin: &Admin, req: &MakeKey) -> Result<KeyPreview> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "preview_key",
        )?;
        self.plan_key(req).await
    }

    /// Writes a key (R-KEY-1): for a current or future resident (R-PMS-4) or a spare holder
    /// (R-PMS-7), one unit per key (R-KEY-3), one live key per holder and unit (R-KEY-2).
    /// Residence, full, checked before the encoder is called. Retries are safe (R-KEY-4).
    pub async fn make_key(&self, admin: &Admin, req: MakeKey) -> Result<SmartKey> {
        self.authorize(admin, Permission::Residence, AccessLevel::Full, "make_key")?;
        let plan = self.plan_key(&req).await?;
        let unit_id = plan.unit.id.clone();
        // An unfinished write for this holder and unit: finish it rather than start another.
        if let Some(pending) = self
            .live_key(&plan.holder, &unit_id)
            .await?
            .filter(|k| k.state == KeyState::Encoding)
        {
            return self.finish_intent(pending).await;
        }
        let now = self.now();
        let mut batch = Batch::new();
        let mut cancellation = None;
        if let Some(old_id) = &plan.replaces {
            let mut old: SmartKey = self.inner.store.load(old_id.as_str()).await?;
            old.state = KeyState::Replaced;
            batch.put(&mut old);
            cancellation = cancel_key_entry(&plan.unit.property_id, &old, now);
            if let Some(entry) = cancellation.as_mut() {
                batch.put(entry);
            }
        }
        let mut key = SmartKey {
            id: KeyId::new(),
            holder: plan.holder.clone(),
            unit_id: unit_id.clone(),
            encoder: plan.encoder.external.clone(),
            state: KeyState::Encoding,
            external: None,
            created_at: now,
            version: 0,
        };
        let mut intent = Intent::record(
            intent_for(&key.id),
            plan.unit.property_id.clone(),
            "encode_key",
            format!("{} {}", plan.holder, unit_id),
            now,
        );
        intent.outcome = Some(serde_json::json!({ "key_id": key.id }));
        batch.put(&mut key).put(&mut intent);
        self.inner.store.commit(batch).await.map_err(|e| match e {
            StoreError::Constraint {
                constraint: concierge_core::Constraint::OneLiveKeyPerHolderAndUnit,
                ..
            } => Error::conflict(
                ConflictKind::KeyAlreadyLive,
                format!(
                    "{} already has a live key for unit {}; replace it to make another",
                    plan.holder_name, plan.unit.number
                ),
            ),
            other => other.into(),
        })?;
        // The cancellation of a replaced key goes out now if it can.
        if let Some(entry) = cancellation {
            self.deliver_inline(entry).await;
        }
        self.finish_intent(key).await
    }

    /// Cancels a key (Residence, full): the lock system is told through the outbox.
    pub async fn cancel_key(&self, admin: &Admin, key_id: &KeyId) -> Result<SmartKey> {
        self.authorize(
            admin,
            Permission::Residence,
            AccessLevel::Full,
            "cancel_key",
        )?;
        let (key, entry) = self
            .retry_concurrent(|| async {
                let mut key: SmartKey = self.inner.store.load(key_id.as_str()).await?;
                if !key.state.is_live() {
                    return Err(Error::conflict_with(
                        ConflictKind::WrongState,
                        format!("key {} is already {:?}", key.id, key.state),
                        &key.id,
                    ));
                }
                let unit: Unit = self.inner.store.load(key.unit_id.as_str()).await?;
                key.state = KeyState::Cancelled;
                let mut batch = Batch::new();
                batch.put(&mut key);
                let mut entry = cancel_key_entry(&unit.property_id, &key, self.now());
                if let Some(entry) = entry.as_mut() {
                    batch.put(entry);
                }
                self.inner.store.commit(batch).await?;
                Ok((key, entry))
            })
            .await?;
        if let Some(entry) = entry {
            self.deliver_inline(entry).await;
        }
        Ok(key)
    }

    /// One page of the keys matching `filter` (a holder's, a unit's, both or all), ordered by id
    /// (Residence, read). The store reads the page by keyset.
    pub async fn list_keys(
        &self,
        admin: &Admin,
        filter: KeyFilter,
        page: PageRequest,
    ) -> Result<Listing<SmartKey>> {
        self.authorize(admin, Permission::Residence, AccessLevel::Read, "list_keys")?;
        let (limit, after) = page.keyset(KeyId::PREFIX)?;
        let query = KeyQuery {
            holder: filter.holder,
            unit_id: filter.unit_id,
            after,
            limit: Some(limit + 1),
        };
        let keys = self.inner.store.list_keys(&query).await?;
        Ok(Listing::keyset(keys, limit, |k| k.id.to_string()))
    }

    /// Finishes every key write whose outcome is not recorded (after a crash or a lost reply):
    /// asks the lock system about each and records the key, or writes it with the same
    /// idempotency key. Returns how many it settled. Acts as the system.
    pub async fn reconcile_keys(&self) -> Result<usize> {
        self.ensure_open()?;
        let mut settled = 0;
        for intent in self
            .inner
            .store
            .list_intents(IntentStatus::Recorded)
            .await?
        {
            if intent.operation != "encode_key" {
                continue;
            }
            let Some(key_id) = intent
                .outcome
                .as_ref()
                .and_then(|o| o["key_id"].as_str().map(KeyId::from_string))
            else {
                continue;
            };
            let key: SmartKey = self.inner.store.load(key_id.as_str()).await?;
            if self.finish_intent(key).await.is_ok() {
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// The key encoder, or the error that none is configured.
    pub(crate) fn encoder(&self) -> Result<&std::sync::Arc<dyn KeyEncoder>> {
        self.inner
            .key_encoder
            .as_ref()
            .ok_or_else(|| Error::invalid("key_encoder", "no key encoder is configured"))
    }

    async fn live_key(&self, holder: &KeyHolder, unit: &UnitId) -> Result<Option<SmartKey>> {
        Ok(self
            .inner
            .store
            .list_keys(&KeyQuery::new(Some(holder), Some(unit)))
            .await?
            .into_iter()
            .find(|k| k.state.is_live()))
    }

    /// Checks a request and says what it will write.
    async fn plan_key(&self, req: &MakeKey) -> Result<KeyPreview> {
        let (holder_name, unit_id) = match &req.holder {
            KeyHolder::Resident(id) => {
                let r: Resident = self.inner.store.load(id.as_str()).await?;
                let today = self.property_today(&r.property_id).await?;
                if r.occupancy.phase(today) == OccupancyPhase::Past {
                    return Err(Error::conflict(
                        ConflictKind::WrongState,
                        format!("{} has moved out of the unit", r.full_name()),
                    ));
                }
                (r.full_name(), r.occupancy.unit_id)
            }
            KeyHolder::Spare(id) => {
                let s: SpareHolder = self.inner.store.load(id.as_str()).await?;
                (s.label, s.unit_id)
            }
        };
        let unit: Unit = self.inner.store.load(unit_id.as_str()).await?;
        let encoders = self
            .encoder()?
            .list_encoders(ListEncodersRequest {})
            .await?
            .encoders;
        let encoder = encoders
            .into_iter()
            .find(|e| e.answers_to(&req.encoder))
            .ok_or_else(|| Error::not_found(EntityKind::Key, format!("encoder {}", req.encoder)))?;
        let existing = self.live_key(&req.holder, &unit.id).await?;
        let replaces = match existing {
            Some(k) if k.state == KeyState::Encoding => None,
            Some(k) if !req.replace => {
                return Err(Error::conflict_with(
                    ConflictKind::KeyAlreadyLive,
                    format!(
                        "{holder_name} already holds key {} for unit {}; only one key per resident and unit (replace it if the card was lost)",
                        k.id, unit.number
                    ),
                    &k.id,
                ));
            }
            Some(k) => Some(k.id),
            None => None,
        };
        Ok(KeyPreview {
            holder: req.holder.clone(),
            holder_name,
            unit,
            encoder,
            replaces,
        })
    }

    /// Writes, or finishes writing, a key whose intent is recorded.
    async fn finish_intent(&self, mut key: SmartKey) -> Result<SmartKey> {
        let encoder = self.encoder()?.clone();
        let intent_id = intent_for(&key.id);
        let mut intent: Intent = self.inner.store.load(intent_id.as_str()).await?;
        // What became of it? (After a crash or a lost reply the key may already be written.)
        let state = encoder
            .key_state(KeyStateRequest {
                key: None,
                idempotency_key: Some(intent_id.to_string()),
            })
            .await?;
        let written = match state.state {
            EncoderKeyState::Active | EncoderKeyState::Pending if state.key.is_some() => state.key,
            _ => {
                let request = EncodeKeyRequest {
                    encoder: key.encoder.clone(),
                    holder_ref: key.holder.to_string(),
                    unit_ref: key.unit_id.to_string(),
                    idempotency_key: intent_id.to_string(),
                    deadline: self.inner.config.key_write_deadline,
                };
                match encoder.encode_key(request).await {
                    Ok(done) => Some(done.key),
                    // Not done, or perhaps done (a write whose reply was lost): the key stays
                    // Encoding, and the next attempt asks the lock system first.
                    Err(e) if !e.retry.is_refusal() => {
                        return Err(e.into());
                    }
                    Err(e) => {
                        // The lock system refused: nothing was written.
                        key.state = KeyState::Cancelled;
                        intent.status = IntentStatus::Failed;
                        intent.outcome =
                            Some(serde_json::json!({ "key_id": key.id, "error": e.to_string() }));
                        intent.updated_at = self.now();
                        let mut batch = Batch::new();
                        batch.put(&mut key).put(&mut intent);
                        self.inner.store.commit(batch).await?;
                        return Err(e.into());
                    }
                }
            }
        };
        key.state = KeyState::Active;
        key.external = written;
        intent.status = IntentStatus::Succeeded;
        intent.outcome = Some(serde_json::json!({ "key_id": key.id, "key": key.external }));
        intent.updated_at = self.now();
        let mut batch = Batch::new();
        batch.put(&mut key).put(&mut intent);
        self.inner.store.commit(batch).await?;
        tracing::info!(key = %key.id, "key written");
        Ok(key)
    }
}
