//! The `Store` trait: durable state behind one atomic write, the [`Batch`].
//!
//! A workflow reads what it needs, decides, and commits every change, including the outbox
//! entries of its side effects, in one batch: all of it lands or none of it does, and the caller
//! is told "done" only after the commit (R-SDK-4).
//!
//! Every record has a `version`. [`Batch::put`] records the version the caller read; the store
//! refuses the batch with [`StoreError::Concurrent`] when the stored version moved on meanwhile,
//! so two processes never overwrite each other's change unseen. A new record has version 0 and
//! must not exist yet.
//!
//! The store enforces the uniqueness rules itself, so they hold across processes:
//! - one resident per external reference per property;
//! - one live key per holder and unit (R-KEY-2);
//! - one outbox entry per idempotency key;
//! - a child's parent exists (a unit's building, a resident's unit…).

use crate::account::AccountStatus;
use crate::credentials::ActivationSecret;
use crate::domain::*;
use crate::error::{EntityKind, Error, StoreError};
use crate::ids::*;
use crate::roll::{MemberQuery, StrataMember, StrataRoll};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// The result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A record the store keeps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "record")]
pub enum Record {
    /// A property.
    Property(Box<Property>),
    /// A building.
    Building(Building),
    /// A unit.
    Unit(Unit),
    /// A resident.
    Resident(Box<Resident>),
    /// A spare holder.
    SpareHolder(SpareHolder),
    /// A smart key.
    Key(SmartKey),
    /// A visitor pass.
    VisitorPass(Box<VisitorPass>),
    /// A sync run.
    SyncRun(SyncRun),
    /// An outbox entry.
    Outbox(OutboxEntry),
    /// An intent of the idempotency ledger.
    Intent(Intent),
    /// A strata building linked to a property.
    StrataRoll(Box<StrataRoll>),
    /// A strata user of a linked building.
    StrataMember(Box<StrataMember>),
    /// A sealed secret an adapter keeps between runs.
    Secret(SealedSecret),
}

/// A secret an adapter keeps between runs (an OAuth refresh token), sealed: only the
/// ciphertext is stored, never the value (see [`crate::credentials::seal`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecret {
    /// The secret's name, e.g. `butterflymx/<client id>`.
    pub id: String,
    /// The sealed value (base64url of nonce and ciphertext).
    pub sealed: String,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// Store version.
    pub version: u64,
}

impl Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedSecret")
            .field("id", &self.id)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// Implemented by every record type: its kind, id and version.
pub trait Versioned: Clone + Into<Record> {
    /// The kind of record.
    const KIND: EntityKind;
    /// The record's id, as text.
    fn record_id(&self) -> &str;
    /// The version.
    fn version(&self) -> u64;
    /// Sets the version.
    fn set_version(&mut self, version: u64);
    /// Unwraps a [`Record`] of this kind.
    fn from_record(record: Record) -> Option<Self>;
}

macro_rules! versioned {
    ($ty:ty, $variant:ident, $kind:ident, |$r:ident| $wrap:expr, |$b:ident| $unwrap:expr) => {
        impl From<$ty> for Record {
            fn from($r: $ty) -> Self {
                Record::$variant($wrap)
            }
        }
        impl Versioned for $ty {
            const KIND: EntityKind = EntityKind::$kind;
            fn record_id(&self) -> &str {
                self.id.as_str()
            }
            fn version(&self) -> u64 {
                self.version
            }
            fn set_version(&mut self, version: u64) {
                self.version = version;
            }
            fn from_record(record: Record) -> Option<Self> {
                match record {
                    Record::$variant($b) => Some($unwrap),
                    _ => None,
                }
            }
        }
    };
}

versioned!(Property, Property, Property, |r| Box::new(r), |b| *b);
versioned!(Building, Building, Building, |r| r, |b| b);
versioned!(Unit, Unit, Unit, |r| r, |b| b);
versioned!(Resident, Resident, Resident, |r| Box::new(r), |b| *b);
versioned!(SpareHolder, SpareHolder, SpareHolder, |r| r, |b| b);
versioned!(SmartKey, Key, Key, |r| r, |b| b);
versioned!(
    VisitorPass,
    VisitorPass,
    VisitorPass,
    |r| Box::new(r),
    |b| *b
);
versioned!(SyncRun, SyncRun, SyncRun, |r| r, |b| b);
versioned!(OutboxEntry, Outbox, OutboxEntry, |r| r, |b| b);
versioned!(Intent, Intent, Intent, |r| r, |b| b);
versioned!(StrataRoll, StrataRoll, StrataRoll, |r| Box::new(r), |b| *b);
versioned!(SealedSecret, Secret, Secret, |r| r, |b| b);
versioned!(
    StrataMember,
    StrataMember,
    StrataMember,
    |r| Box::new(r),
    |b| *b
);

impl Record {
    /// The kind and id of the record.
    pub fn key(&self) -> RecordKey {
        let (kind, id) = match self {
            Record::Property(r) => (EntityKind::Property, r.id.as_str()),
            Record::Building(r) => (EntityKind::Building, r.id.as_str()),
            Record::Unit(r) => (EntityKind::Unit, r.id.as_str()),
            Record::Resident(r) => (EntityKind::Resident, r.id.as_str()),
            Record::SpareHolder(r) => (EntityKind::SpareHolder, r.id.as_str()),
            Record::Key(r) => (EntityKind::Key, r.id.as_str()),
            Record::VisitorPass(r) => (EntityKind::VisitorPass, r.id.as_str()),
            Record::Secret(r) => (EntityKind::Secret, r.id.as_str()),
            Record::SyncRun(r) => (EntityKind::SyncRun, r.id.as_str()),
            Record::Outbox(r) => (EntityKind::OutboxEntry, r.id.as_str()),
            Record::Intent(r) => (EntityKind::Intent, r.id.as_str()),
            Record::StrataRoll(r) => (EntityKind::StrataRoll, r.id.as_str()),
            Record::StrataMember(r) => (EntityKind::StrataMember, r.id.as_str()),
        };
        RecordKey {
            kind,
            id: id.to_owned(),
        }
    }

    /// The records this one refers to, which must exist when it is committed.
    pub fn parents(&self) -> Vec<RecordKey> {
        let key = |kind: EntityKind, id: &str| RecordKey {
            kind,
            id: id.to_owned(),
        };
        match self {
            Record::Property(_) => vec![],
            Record::Building(b) => vec![key(EntityKind::Property, b.property_id.as_str())],
            Record::Unit(u) => vec![
                key(EntityKind::Property, u.property_id.as_str()),
                key(EntityKind::Building, u.building_id.as_str()),
            ],
            Record::Resident(r) => vec![
                key(EntityKind::Property, r.property_id.as_str()),
                key(EntityKind::Unit, r.occupancy.unit_id.as_str()),
            ],
            Record::SpareHolder(s) => vec![key(EntityKind::Unit, s.unit_id.as_str())],
            Record::Key(k) => vec![key(EntityKind::Unit, k.unit_id.as_str())],
            Record::VisitorPass(v) => vec![key(EntityKind::Property, v.property_id.as_str())],
            Record::Secret(_) => vec![],
            Record::SyncRun(s) => vec![key(EntityKind::Property, s.property_id.as_str())],
            Record::Outbox(o) => vec![key(EntityKind::Property, o.property_id.as_str())],
            Record::Intent(i) => vec![key(EntityKind::Property, i.property_id.as_str())],
            Record::StrataRoll(r) => vec![
                key(EntityKind::Property, r.property_id.as_str()),
                key(EntityKind::Building, r.building_id.as_str()),
            ],
            Record::StrataMember(m) => vec![key(EntityKind::StrataRoll, m.roll_id.as_str())],
        }
    }

    /// The version.
    pub fn version(&self) -> u64 {
        match self {
            Record::Property(r) => r.version,
            Record::Building(r) => r.version,
            Record::Unit(r) => r.version,
            Record::Resident(r) => r.version,
            Record::SpareHolder(r) => r.version,
            Record::Key(r) => r.version,
            Record::VisitorPass(r) => r.version,
            Record::Secret(r) => r.version,
            Record::SyncRun(r) => r.version,
            Record::Outbox(r) => r.version,
            Record::Intent(r) => r.version,
            Record::StrataRoll(r) => r.version,
            Record::StrataMember(r) => r.version,
        }
    }
}

/// A record's kind and id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    /// The kind.
    pub kind: EntityKind,
    /// The id.
    pub id: String,
}

impl RecordKey {
    /// The key of the record of type `R` with `id`.
    pub fn of<R: Versioned>(id: &str) -> Self {
        Self {
            kind: R::KIND,
            id: id.to_owned(),
        }
    }
}

/// One write of a batch: the record as it should be stored, and the version the writer read.
#[derive(Clone, Debug, PartialEq)]
pub struct Put {
    /// The version the writer read (0: the record must not exist yet).
    pub expected_version: u64,
    /// The new record, with `version = expected_version + 1`.
    pub record: Record,
}

/// Everything one workflow step writes, committed all-or-nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// The writes, in order.
    pub puts: Vec<Put>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a write of `record` as the caller read it, and moves the caller's copy to the
    /// version it will have once committed.
    pub fn put<R: Versioned>(&mut self, record: &mut R) -> &mut Self {
        let expected_version = record.version();
        record.set_version(expected_version + 1);
        self.puts.push(Put {
            expected_version,
            record: record.clone().into(),
        });
        self
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty()
    }
}

/// Which residents to list.
#[derive(Clone, Debug)]
pub struct ResidentQuery {
    /// Only this property's.
    pub property_id: Option<PropertyId>,
    /// Only this unit's.
    pub unit_id: Option<UnitId>,
    /// Only residents with this account status at `as_of`.
    pub status: Option<AccountStatus>,
    /// Only residents in this phase on `today`.
    pub phase: Option<OccupancyPhase>,
    /// Only residents from this source.
    pub source: Option<ResidentSource>,
    /// The instant statuses are judged at.
    pub as_of: DateTime<Utc>,
    /// The date phases are judged on.
    pub today: NaiveDate,
    /// Keyset paging: only ids after this one.
    pub after: Option<ResidentId>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl ResidentQuery {
    /// Every resident, judged at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            property_id: None,
            unit_id: None,
            status: None,
            phase: None,
            source: None,
            as_of: now,
            today: now.date_naive(),
            after: None,
            limit: None,
        }
    }

    /// Whether `r` matches, except for paging.
    pub fn matches(&self, r: &Resident) -> bool {
        self.property_id
            .as_ref()
            .is_none_or(|p| &r.property_id == p)
            && self
                .unit_id
                .as_ref()
                .is_none_or(|u| &r.occupancy.unit_id == u)
            && self.status.is_none_or(|s| r.status(self.as_of) == s)
            && self
                .phase
                .is_none_or(|p| r.occupancy.phase(self.today) == p)
            && self.source.is_none_or(|s| r.source == s)
            && self.after.as_ref().is_none_or(|a| &r.id > a)
    }
}

/// Which smart keys to list: a holder's, a unit's, both or all, one keyset page at a time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyQuery {
    /// Only this holder's.
    pub holder: Option<KeyHolder>,
    /// Only this unit's.
    pub unit_id: Option<UnitId>,
    /// Keyset paging: only ids after this one.
    pub after: Option<KeyId>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl KeyQuery {
    /// Every key of `holder` (if given) for `unit` (if given), unpaged.
    pub fn new(holder: Option<&KeyHolder>, unit: Option<&UnitId>) -> Self {
        Self {
            holder: holder.cloned(),
            unit_id: unit.cloned(),
            after: None,
            limit: None,
        }
    }

    /// Only ids after `after`, at most `limit` of them.
    pub fn page(mut self, after: Option<KeyId>, limit: Option<usize>) -> Self {
        self.after = after;
        self.limit = limit;
        self
    }

    /// Whether `k` matches, paging included.
    pub fn matches(&self, k: &SmartKey) -> bool {
        self.holder.as_ref().is_none_or(|h| &k.holder == h)
            && self.unit_id.as_ref().is_none_or(|u| &k.unit_id == u)
            && self.after.as_ref().is_none_or(|a| &k.id > a)
    }
}

/// Which outbox entries to list: those with one status, one keyset page at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxQuery {
    /// Only entries with this status.
    pub status: OutboxStatus,
    /// Keyset paging: only ids after this one.
    pub after: Option<OutboxId>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl OutboxQuery {
    /// Every entry with `status`, unpaged.
    pub fn status(status: OutboxStatus) -> Self {
        Self {
            status,
            after: None,
            limit: None,
        }
    }

    /// Only ids after `after`, at most `limit` of them.
    pub fn page(mut self, after: Option<OutboxId>, limit: Option<usize>) -> Self {
        self.after = after;
        self.limit = limit;
        self
    }

    /// Whether `o` matches, paging included.
    pub fn matches(&self, o: &OutboxEntry) -> bool {
        o.status == self.status && self.after.as_ref().is_none_or(|a| &o.id > a)
    }
}

/// What an outbox entry does once delivered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum OutboxMessage {
    /// Send a resident the welcome / activation email with their link. No token is held here:
    /// the dispatcher re-derives it from the account's invitation and the activation secret
    /// when it sends (see [`crate::credentials`]).
    ActivationEmail {
        /// The resident.
        resident_id: ResidentId,
        /// Which invitation of the account the email is for (1 for the first); an email for an
        /// invitation a newer one replaced is skipped.
        #[serde(default)]
        invitation: u32,
    },
    /// Cancel a key in the lock system (a resident moved out, R-PMS-8).
    CancelKey {
        /// Our key.
        key_id: KeyId,
        /// The key in the lock system.
        key: ExternalRef,
    },
    /// Revoke a visitor pass on the intercom (its resident's occupancy ended).
    RevokeVisitorPass {
        /// Our pass.
        pass_id: VisitorPassId,
        /// The pass on the intercom.
        pass: ExternalRef,
    },
}

impl OutboxMessage {
    /// The kind of side effect, as a stable snake_case name (`activation_email`).
    pub fn kind(&self) -> &'static str {
        match self {
            OutboxMessage::ActivationEmail { .. } => "activation_email",
            OutboxMessage::CancelKey { .. } => "cancel_key",
            OutboxMessage::RevokeVisitorPass { .. } => "revoke_visitor_pass",
        }
    }
}

/// Where an outbox entry stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting to be delivered (again).
    Pending,
    /// Delivered.
    Done,
    /// Failed too often; kept for an admin to look at and retry.
    Parked,
    /// No longer needed (a newer invitation replaced it).
    Skipped,
}

impl OutboxStatus {
    /// Every status.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A side effect to perform after its state change committed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Its id.
    pub id: OutboxId,
    /// The property it belongs to.
    pub property_id: PropertyId,
    /// Passed to the provider so a repeated delivery has one effect.
    pub idempotency_key: String,
    /// What to do.
    pub message: OutboxMessage,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Not before then.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// Store version.
    pub version: u64,
}

impl OutboxEntry {
    /// A new pending entry, due at once.
    pub fn new(
        property_id: PropertyId,
        idempotency_key: impl Into<String>,
        message: OutboxMessage,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: OutboxId::new(),
            property_id,
            idempotency_key: idempotency_key.into(),
            message,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            version: 0,
        }
    }
}

/// A page of a property's visitor passes, by id.
#[derive(Clone, Debug)]
pub struct PassQuery {
    /// The property.
    pub property_id: PropertyId,
    /// Only passes in this state.
    pub state: Option<VisitorPassState>,
    /// Only the passes of this resident.
    pub resident_id: Option<ResidentId>,
    /// Keyset paging: only ids after this one.
    pub after: Option<VisitorPassId>,
    /// At most this many.
    pub limit: Option<usize>,
}

impl PassQuery {
    /// Every pass of `property`.
    pub fn property(property: &PropertyId) -> Self {
        Self {
            property_id: property.clone(),
            state: None,
            resident_id: None,
            after: None,
            limit: None,
        }
    }

    /// Whether `p` matches, except for paging.
    pub fn matches(&self, p: &VisitorPass) -> bool {
        p.property_id == self.property_id
            && self.state.is_none_or(|s| p.state == s)
            && self
                .resident_id
                .as_ref()
                .is_none_or(|r| p.resident_id.as_ref() == Some(r))
    }
}

/// Where an intent of the idempotency ledger stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IntentStatus {
    /// Recorded before the outside call; its outcome is not known yet. After a crash, ask the
    /// provider what became of it before acting again.
    Recorded,
    /// The outside call succeeded; `outcome` holds what it returned.
    Succeeded,
    /// The outside call failed for good; `outcome` holds why.
    Failed,
}

impl IntentStatus {
    /// Every status.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An entry of the idempotency ledger: an outside call we intend to make (what, for whom, with
/// which idempotency key), recorded before the call, with its outcome recorded after. The id is
/// the idempotency key, so the same intent cannot be recorded twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The idempotency key.
    pub id: IntentId,
    /// The property it belongs to.
    pub property_id: PropertyId,
    /// What the call does, e.g. `encode_key`.
    pub operation: String,
    /// For whom or what, e.g. a resident and a unit.
    pub subject: String,
    /// Where it stands.
    pub status: IntentStatus,
    /// The call's result or failure, once known.
    pub outcome: Option<serde_json::Value>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Store version.
    pub version: u64,
}

impl Intent {
    /// A new intent, recorded now.
    pub fn record(
        id: IntentId,
        property_id: PropertyId,
        operation: impl Into<String>,
        subject: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            property_id,
            operation: operation.into(),
            subject: subject.into(),
            status: IntentStatus::Recorded,
            outcome: None,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }
}

/// Durable state. Implemented in memory here, on SQLite and PostgreSQL by `concierge-store`.
#[async_trait]
pub trait Store: Send + Sync + Debug + 'static {
    /// Commits every write of `batch`, or none (see the module docs).
    async fn commit(&self, batch: Batch) -> StoreResult<()>;
    /// One record by kind and id.
    async fn get(&self, key: &RecordKey) -> StoreResult<Option<Record>>;
    /// Every property.
    async fn list_properties(&self) -> StoreResult<Vec<Property>>;
    /// A property's buildings.
    async fn list_buildings(&self, property: &PropertyId) -> StoreResult<Vec<Building>>;
    /// A property's units.
    async fn list_units(&self, property: &PropertyId) -> StoreResult<Vec<Unit>>;
    /// Residents matching `query`, ordered by id.
    async fn list_residents(&self, query: &ResidentQuery) -> StoreResult<Vec<Resident>>;
    /// A property's resident with this external reference.
    async fn find_resident_by_external(
        &self,
        property: &PropertyId,
        external: &ExternalRef,
    ) -> StoreResult<Option<Resident>>;
    /// Outbox entries that are pending and due at `now`, oldest first.
    async fn due_outbox(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<OutboxEntry>>;
    /// Outbox entries matching `query`, ordered by id (keyset paging: a page reads only its own
    /// rows, through an index, however long the outbox).
    async fn list_outbox(&self, query: &OutboxQuery) -> StoreResult<Vec<OutboxEntry>>;
    /// A page of a property's visitor passes, ordered by id.
    async fn list_visitor_passes(&self, query: &PassQuery) -> StoreResult<Vec<VisitorPass>>;
    /// Intents with `status`, oldest first: after a crash, the `Recorded` ones are the calls
    /// whose outcome must be asked of the provider.
    async fn list_intents(&self, status: IntentStatus) -> StoreResult<Vec<Intent>>;
    /// Takes or renews the lease of `property` for `holder` until `now + ttl`, if it is free,
    /// expired, or already `holder`'s. Returns whether `holder` holds it now. One holder at a
    /// time, across every process sharing the store.
    async fn try_acquire_lease(
        &self,
        property: &PropertyId,
        holder: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> StoreResult<bool>;
    /// Gives the lease back, if `holder` holds it.
    async fn release_lease(&self, property: &PropertyId, holder: &str) -> StoreResult<()>;
    /// Takes or renews the leases of `properties` for `holder` until `now + ttl`, each by the
    /// rule of [`Store::try_acquire_lease`]. Returns, for each property in order, whether
    /// `holder` holds its lease now (a property listed twice gets the same answer twice). By
    /// default one call per property; the SQL stores take them all in one transaction, so a run
    /// over many properties takes its leases in a few durable writes, not one per property.
    async fn try_acquire_leases(
        &self,
        properties: &[PropertyId],
        holder: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> StoreResult<Vec<bool>> {
        let mut held = Vec::with_capacity(properties.len());
        for property in properties {
            held.push(self.try_acquire_lease(property, holder, now, ttl).await?);
        }
        Ok(held)
    }
    /// Gives back the leases of `properties` that `holder` holds; the others are left alone.
    /// By default one call per property; the SQL stores give them all back in one transaction.
    async fn release_leases(&self, properties: &[PropertyId], holder: &str) -> StoreResult<()> {
        for property in properties {
            self.release_lease(property, holder).await?;
        }
        Ok(())
    }
    /// Who holds the lease of `property` and until when, if anyone does (an expired lease may
    /// still be listed). For saying who is in the way; by default the store does not say.
    async fn lease_holder(
        &self,
        property: &PropertyId,
    ) -> StoreResult<Option<(String, DateTime<Utc>)>> {
        let _ = property;
        Ok(None)
    }
    /// Smart keys matching `query` (a holder's, a unit's, both or all), ordered by id (keyset
    /// paging: a page reads only its own rows, through an index).
    async fn list_keys(&self, query: &KeyQuery) -> StoreResult<Vec<SmartKey>>;
    /// A unit's spare key holders, ordered by id.
    async fn list_spare_holders(&self, unit: &UnitId) -> StoreResult<Vec<SpareHolder>>;
    /// The most recently started sync run of a property.
    async fn latest_sync_run(&self, property: &PropertyId) -> StoreResult<Option<SyncRun>>;
    /// Every linked strata building, ordered by id.
    async fn list_strata_rolls(&self) -> StoreResult<Vec<StrataRoll>>;
    /// A roll's members matching `query`, ordered by id (keyset paging through an index).
    async fn list_strata_members(&self, query: &MemberQuery) -> StoreResult<Vec<StrataMember>>;
    /// Where the key of activation links comes from when the handle is given none: memory
    /// makes one per process (the default), a SQLite file keeps one in a key file beside the
    /// database, PostgreSQL requires it to be given.
    fn activation_secret(&self) -> StoreResult<SecretSource> {
        Ok(SecretSource::PerProcess)
    }
    /// Closes connections and files; later calls may fail. The default does nothing.
    async fn close(&self) {}
}

/// Where a store says the activation secret comes from, when the handle is given none
/// ([`Store::activation_secret`]).
#[derive(Clone, Debug)]
pub enum SecretSource {
    /// A random one for this process: links of emails still queued when it ends cannot be
    /// made by the next process (for stores that do not outlive the process).
    PerProcess,
    /// The store keeps one apart from its data (a SQLite database's key file).
    Kept(ActivationSecret),
    /// It must be given (`activation_secret`): several processes share the store.
    Required,
}

/// Typed reads over any [`Store`], turning "absent" into [`Error::NotFound`].
#[async_trait]
pub trait StoreExt: Store {
    /// The record of type `R` with `id`, or `NotFound`.
    async fn load<R: Versioned + Send>(&self, id: &str) -> Result<R, Error> {
        let key = RecordKey {
            kind: R::KIND,
            id: id.to_owned(),
        };
        match self.get(&key).await? {
            Some(record) => R::from_record(record).ok_or_else(|| Error::not_found(R::KIND, id)),
            None => Err(Error::not_found(R::KIND, id)),
        }
    }
}

impl<S: Store + ?Sized> StoreExt for S {}
