//! [`MemoryStore`]: the in-memory [`Store`], for tests, the sandbox and short-lived tools.
//! It keeps the same rules as the durable stores (versions, uniqueness, parents, atomic
//! batches), so a workflow tested on it behaves the same on SQLite and PostgreSQL.

use crate::domain::*;
use crate::error::{Constraint, EntityKind, StoreError};
use crate::ids::*;
use crate::roll::{MemberQuery, StrataMember, StrataRoll};
use crate::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// An in-memory [`Store`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<BTreeMap<RecordKey, Record>>,
    leases: Mutex<HashMap<PropertyId, (String, DateTime<Utc>)>>,
    reads: AtomicU64,
    commits: AtomicU64,
}

/// How often a [`MemoryStore`] was used: tests use it to prove an operation touched nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Read calls.
    pub reads: u64,
    /// Commit calls (successful or not).
    pub commits: u64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How often the store was used.
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            reads: self.reads.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
        }
    }

    fn read(&self) -> std::sync::MutexGuard<'_, BTreeMap<RecordKey, Record>> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The records of `kind` with ids after `after` (all of them when `None`), in id order: the
    /// map is ordered by (kind, id), so a keyset page starts where it should instead of
    /// scanning from the first record.
    fn kind_after<'a>(
        map: &'a BTreeMap<RecordKey, Record>,
        kind: EntityKind,
        after: Option<&str>,
    ) -> impl Iterator<Item = &'a Record> + 'a {
        use std::ops::Bound;
        let start = RecordKey {
            kind,
            id: after.unwrap_or_default().to_owned(),
        };
        let lower = if after.is_some() {
            Bound::Excluded(start)
        } else {
            Bound::Included(start)
        };
        map.range((lower, Bound::Unbounded))
            .take_while(move |(k, _)| k.kind == kind)
            .map(|(_, r)| r)
    }

    fn values<'a, T: 'a>(
        map: &'a BTreeMap<RecordKey, Record>,
        pick: impl Fn(&'a Record) -> Option<&'a T> + 'a,
    ) -> impl Iterator<Item = &'a T> + 'a {
        map.values().filter_map(pick)
    }
}

/// Checks a batch against the records as they would be after applying it, and returns the
/// records to write. Nothing is written unless every check passes.
fn check_batch(
    current: &BTreeMap<RecordKey, Record>,
    batch: &Batch,
) -> Result<Vec<(RecordKey, Record)>, StoreError> {
    let mut staged: HashMap<RecordKey, Record> = HashMap::new();
    for put in &batch.puts {
        let key = put.record.key();
        let existing = staged.get(&key).or_else(|| current.get(&key));
        let found = existing.map(Record::version).unwrap_or(0);
        if found != put.expected_version || put.record.version() != put.expected_version + 1 {
            return Err(StoreError::Concurrent {
                entity: key.kind,
                id: key.id,
            });
        }
        staged.insert(key, put.record.clone());
    }
    let view = |k: &RecordKey| staged.get(k).or_else(|| current.get(k));
    for (key, record) in &staged {
        if let Some(parent) = record.parents().into_iter().find(|p| view(p).is_none()) {
            return Err(StoreError::Constraint {
                constraint: Constraint::ParentExists,
                message: format!(
                    "{} {} refers to missing {} {}",
                    key.kind, key.id, parent.kind, parent.id
                ),
            });
        }
    }
    // Uniqueness, over the merged view.
    let merged = || {
        current
            .iter()
            .filter(|(k, _)| !staged.contains_key(*k))
            .map(|(_, r)| r)
            .chain(staged.values())
    };
    let mut residents = HashSet::new();
    let mut live_keys = HashSet::new();
    let mut outbox_keys = HashSet::new();
    for record in merged() {
        match record {
            Record::Resident(r) => {
                if let Some(ext) = &r.external
                    && !residents.insert((r.property_id.clone(), ext.clone()))
                {
                    return Err(StoreError::Constraint {
                        constraint: Constraint::ResidentExternalRef,
                        message: format!("property {} already has resident {ext}", r.property_id),
                    });
                }
            }
            Record::Key(k)
                if k.state.is_live()
                    && !live_keys.insert((k.holder.clone(), k.unit_id.clone())) =>
            {
                return Err(StoreError::Constraint {
                    constraint: Constraint::OneLiveKeyPerHolderAndUnit,
                    message: format!(
                        "{} already holds a live key for unit {}",
                        k.holder, k.unit_id
                    ),
                });
            }
            Record::Outbox(o) if !outbox_keys.insert(o.idempotency_key.clone()) => {
                return Err(StoreError::Constraint {
                    constraint: Constraint::OutboxIdempotencyKey,
                    message: format!("an outbox entry with key {} exists", o.idempotency_key),
                });
            }
            _ => {}
        }
    }
    Ok(staged.into_iter().collect())
}

#[async_trait]
impl Store for MemoryStore {
    async fn commit(&self, batch: Batch) -> StoreResult<()> {
        self.commits.fetch_add(1, Ordering::Relaxed);
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let writes = check_batch(&map, &batch)?;
        map.extend(writes);
        Ok(())
    }

    async fn get(&self, key: &RecordKey) -> StoreResult<Option<Record>> {
        Ok(self.read().get(key).cloned())
    }

    async fn list_properties(&self) -> StoreResult<Vec<Property>> {
        let map = self.read();
        Ok(Self::values(&map, |r| match r {
            Record::Property(p) => Some(&**p),
            _ => None,
        })
        .cloned()
        .collect())
    }

    async fn list_buildings(&self, property: &PropertyId) -> StoreResult<Vec<Building>> {
        let map = self.read();
        Ok(Self::values(&map, |r| match r {
            Record::Building(b) => Some(b),
            _ => None,
        })
        .filter(|b| &b.property_id == property)
        .cloned()
        .collect())
    }

    async fn list_units(&self, property: &PropertyId) -> StoreResult<Vec<Unit>> {
        let map = self.read();
        Ok(Self::values(&map, |r| match r {
            Record::Unit(u) => Some(u),
            _ => None,
        })
        .filter(|u| &u.property_id == property)
        .cloned()
        .collect())
    }

    async fn list_residents(&self, query: &ResidentQuery) -> StoreResult<Vec<Resident>> {
        let map = self.read();
        let after = query.after.as_ref().map(ResidentId::as_str);
        let matching = Self::kind_after(&map, EntityKind::Resident, after)
            .filter_map(|r| match r {
                Record::Resident(r) => Some(r.as_ref()),
                _ => None,
            })
            .filter(|r| query.matches(r))
            .cloned();
        Ok(match query.limit {
            Some(limit) => matching.take(limit).collect(),
            None => matching.collect(),
        })
    }

    async fn find_resident_by_external(
        &self,
        property: &PropertyId,
        external: &ExternalRef,
    ) -> StoreResult<Option<Resident>> {
        let map = self.read();
        Ok(Self::values(&map, |r| match r {
            Record::Resident(r) => Some(r.as_ref()),
            _ => None,
        })
        .find(|r| &r.property_id == property && r.external.as_ref() == Some(external))
        .cloned())
    }

    async fn due_outbox(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<OutboxEntry>> {
        let map = self.read();
        let mut due: Vec<OutboxEntry> = Self::values(&map, |r| match r {
            Record::Outbox(o) => Some(o),
            _ => None,
        })
        .filter(|o| o.status == OutboxStatus::Pending && o.next_attempt_at <= now)
        .cloned()
        .collect();
        due.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
        due.truncate(limit);
        Ok(due)
    }

    async fn list_outbox(&self, query: &OutboxQuery) -> StoreResult<Vec<OutboxEntry>> {
        let map = self.read();
        let after = query.after.as_ref().map(OutboxId::as_str);
        let matching = Self::kind_after(&map, EntityKind::OutboxEntry, after)
            .filter_map(|r| match r {
                Record::Outbox(o) => Some(o),
                _ => None,
            })
            .filter(|o| query.matches(o))
            .cloned();
        Ok(match query.limit {
            Some(limit) => matching.take(limit).collect(),
            None => matching.collect(),
        })
    }

    async fn list_visitor_passes(&self, query: &PassQuery) -> StoreResult<Vec<VisitorPass>> {
        let map = self.read();
        let after = query.after.as_ref().map(VisitorPassId::as_str);
        let matching = Self::kind_after(&map, EntityKind::VisitorPass, after)
            .filter_map(|r| match r {
                Record::VisitorPass(p) => Some(&**p),
                _ => None,
            })
            .filter(|p| query.matches(p))
            .cloned();
        Ok(match query.limit {
            Some(limit) => matching.take(limit).collect(),
            None => matching.collect(),
        })
    }

    async fn list_intents(&self, status: IntentStatus) -> StoreResult<Vec<Intent>> {
        let map = self.read();
        let mut intents: Vec<Intent> = Self::values(&map, |r| match r {
            Record::Intent(i) => Some(i),
            _ => None,
        })
        .filter(|i| i.status == status)
        .cloned()
        .collect();
        intents.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(intents)
    }

    async fn try_acquire_lease(
        &self,
        property: &PropertyId,
        holder: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> StoreResult<bool> {
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        let free = match leases.get(property) {
            None => true,
            Some((current, expires_at)) => current == holder || *expires_at <= now,
        };
        if free {
            leases.insert(property.clone(), (holder.to_owned(), now + ttl));
        }
        Ok(free)
    }

    async fn list_keys(&self, query: &KeyQuery) -> StoreResult<Vec<SmartKey>> {
        let map = self.read();
        let after = query.after.as_ref().map(KeyId::as_str);
        let matching = Self::kind_after(&map, EntityKind::Key, after)
            .filter_map(|r| match r {
                Record::Key(k) => Some(k),
                _ => None,
            })
            .filter(|k| query.matches(k))
            .cloned();
        Ok(match query.limit {
            Some(limit) => matching.take(limit).collect(),
            None => matching.collect(),
        })
    }

    async fn list_spare_holders(&self, unit: &UnitId) -> StoreResult<Vec<SpareHolder>> {
        let map = self.read();
        Ok(Self::values(&map, |r| match r {
            Record::SpareHolder(s) => Some(s),
            _ => None,
        })
        .filter(|s| &s.unit_id == unit)
        .cloned()
        .collect())
    }

    async fn list_strata_rolls(&self) -> StoreResult<Vec<StrataRoll>> {
        let map = self.read();
        Ok(Self::kind_after(&map, EntityKind::StrataRoll, None)
            .filter_map(|r| match r {
                Record::StrataRoll(r) => Some((**r).clone()),
                _ => None,
            })
            .collect())
    }

    async fn list_strata_members(&self, query: &MemberQuery) -> StoreResult<Vec<StrataMember>> {
        let map = self.read();
        let after = query.after.as_ref().map(StrataMemberId::as_str);
        let matching = Self::kind_after(&map, EntityKind::StrataMember, after)
            .filter_map(|r| match r {
                Record::StrataMember(m) => Some(&**m),
                _ => None,
            })
            .filter(|m| query.matches(m))
            .cloned();
        Ok(match query.limit {
            Some(limit) => matching.take(limit).collect(),
            None => matching.collect(),
        })
    }

    async fn latest_sync_run(&self, property: &PropertyId) -> StoreResult<Option<SyncRun>> {
        let map = self.read();
        Ok(Self::values(&map, |r| match r {
            Record::SyncRun(s) => Some(s),
            _ => None,
        })
        .filter(|s| &s.property_id == property)
        .max_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)))
        .cloned())
    }

    async fn lease_holder(
        &self,
        property: &PropertyId,
    ) -> StoreResult<Option<(String, DateTime<Utc>)>> {
        let leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        Ok(leases.get(property).cloned())
    }

    async fn release_lease(&self, property: &PropertyId, holder: &str) -> StoreResult<()> {
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        if leases
            .get(property)
            .is_some_and(|(current, _)| current == holder)
        {
            leases.remove(property);
        }
        Ok(())
    }
}
