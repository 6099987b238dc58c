//! The store conformance suite: one set of checks that every [`Store`] must pass, run unchanged
//! against the in-memory, SQLite and PostgreSQL stores. A store crate runs it with
//! [`conformance_tests!`](crate::conformance_tests):
//!
//! ```ignore
//! concierge_core::conformance_tests!(async { Some(std::sync::Arc::new(MyStore::open().await?)) });
//! ```
//!
//! The expression yields `Option<Arc<dyn Store>>`; `None` means the backend is not available
//! here (no database server), and each check reports itself skipped on stderr.

use crate::account::Account;
use crate::domain::*;
use crate::error::{Constraint, StoreError};
use crate::ids::*;
use crate::store::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::sync::Arc;

mod batches;
pub use batches::*;

/// A fixed instant the checks use as "now".
pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_603_600, 0).expect("valid")
}

/// A fixed activation secret for the checks.
pub fn test_secret() -> crate::credentials::ActivationSecret {
    crate::credentials::ActivationSecret::from_bytes(b"conformance checks' activation key".to_vec())
        .expect("long enough")
}

/// A property, building and unit, committed.
pub async fn place(store: &dyn Store) -> (Property, Building, Unit) {
    let mut property = Property {
        id: PropertyId::new(),
        name: "Harbour View".into(),
        site_name: "harbour-view".into(),
        settings: PropertySettings::default(),
        external: Some(ExternalRef::new("pms", "p-1")),
        time_zone: Some(Zone::parse("Australia/Sydney").expect("a zone")),
        intercom: Some(IntercomSite {
            building: ExternalRef::new("bmx", "b-1"),
            building_name: "Harbour View".into(),
            placeholder_unit: None,
            placeholder_tenant: None,
            provisioned_at: None,
            preflight_at: None,
            preflight_failed: vec![crate::PreflightCheckName::AccessPoints],
        }),
        created_at: t0(),
        version: 0,
    };
    let mut building = Building {
        id: BuildingId::new(),
        property_id: property.id.clone(),
        name: "Tower A".into(),
        external: None,
        version: 0,
    };
    let mut unit = Unit {
        id: UnitId::new(),
        property_id: property.id.clone(),
        building_id: building.id.clone(),
        floor: Some("12".into()),
        number: "1204".into(),
        external: Some(ExternalRef::new("pms", "u-1204")),
        version: 0,
    };
    let mut batch = Batch::new();
    batch.put(&mut property).put(&mut building).put(&mut unit);
    store.commit(batch).await.expect("commit the place");
    (property, building, unit)
}

/// A resident of `unit`, not committed.
pub fn resident(unit: &Unit, first: &str, external: Option<&str>) -> Resident {
    Resident {
        id: ResidentId::new(),
        property_id: unit.property_id.clone(),
        first_name: first.into(),
        last_name: "Example".into(),
        email: Some(format!("{}@example.org", first.to_lowercase())),
        phone: None,
        occupancy: Occupancy {
            unit_id: unit.id.clone(),
            role: OccupancyRole::Primary,
            move_in: Some(NaiveDate::from_ymd_opt(2026, 1, 1).expect("date")),
            move_out: None,
        },
        source: if external.is_some() {
            ResidentSource::Pms
        } else {
            ResidentSource::Manual
        },
        external: external.map(|id| ExternalRef::new("pms", id)),
        account: Account::new(),
        mobile_access: MobileAccess::NotGranted,
        amenities: vec![],
        user_types: Default::default(),
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

fn key(holder: KeyHolder, unit: &Unit, state: KeyState) -> SmartKey {
    SmartKey {
        id: KeyId::new(),
        holder,
        unit_id: unit.id.clone(),
        encoder: ExternalRef::new("salto", "ncoder-1"),
        state,
        external: None,
        created_at: t0(),
        version: 0,
    }
}

async fn commit_one<R: Versioned>(store: &dyn Store, record: &mut R) -> StoreResult<()> {
    let mut batch = Batch::new();
    batch.put(record);
    store.commit(batch).await
}

async fn get<R: Versioned + Send>(store: &dyn Store, id: &str) -> Option<R> {
    store
        .get(&RecordKey {
            kind: R::KIND,
            id: id.to_owned(),
        })
        .await
        .expect("get")
        .and_then(R::from_record)
}

fn constraint(result: StoreResult<()>) -> Constraint {
    match result {
        Err(StoreError::Constraint { constraint, .. }) => constraint,
        other => panic!("expected a constraint violation, got {other:?}"),
    }
}

/// Every record type is read back exactly as written.
pub async fn every_record_type_round_trips(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, building, unit) = place(store).await;
    assert_eq!(
        get::<Property>(store, property.id.as_str()).await,
        Some(property.clone())
    );
    assert_eq!(
        get::<Building>(store, building.id.as_str()).await,
        Some(building.clone())
    );
    assert_eq!(
        get::<Unit>(store, unit.id.as_str()).await,
        Some(unit.clone())
    );

    let mut r = resident(&unit, "Ada", Some("t-1"));
    r.account
        .invite(r.id.as_str(), t0(), Duration::days(7), &test_secret())
        .expect("invite");
    r.amenities.push(AmenityId::new());
    r.user_types.insert(StrataUserType::Committee);
    let mut spare = SpareHolder {
        id: SpareHolderId::new(),
        unit_id: unit.id.clone(),
        label: "Spare: cleaner".into(),
        version: 0,
    };
    let mut k = key(KeyHolder::Spare(spare.id.clone()), &unit, KeyState::Active);
    let mut pass = visitor_pass(&property.id, Some(&r.id), "Vera Visitor");
    let mut secret = SealedSecret {
        id: "vendor/client".into(),
        sealed: "sealed-bytes".into(),
        updated_at: t0(),
        version: 0,
    };
    let mut run = SyncRun {
        id: SyncRunId::new(),
        property_id: property.id.clone(),
        started_at: t0(),
        finished_at: Some(t0() + Duration::minutes(3)),
        counts: SyncCounts {
            seen: 3,
            created: 1,
            updated: 1,
            moved_out: 0,
            unchanged: 0,
            failed: 1,
            deferred: 2,
            pages: 1,
        },
        errors: vec![SyncError {
            kind: SyncErrorKind::UnitNotFound,
            external: Some(ExternalRef::new("pms", "t-9")),
            field: Some("unit".into()),
            message: "unit u-9 is not known".into(),
        }],
        mode: SyncMode::Incremental,
        aborted: Some("stopped".into()),
        version: 0,
    };
    let mut entry = OutboxEntry::new(
        property.id.clone(),
        "activation-email:1",
        OutboxMessage::ActivationEmail {
            resident_id: r.id.clone(),
            invitation: 1,
        },
        t0(),
    );
    let mut intent = Intent::record(
        IntentId::new(),
        property.id.clone(),
        "encode_key",
        "res/unit",
        t0(),
    );
    intent.outcome = Some(serde_json::json!({ "key": "k-1" }));
    let mut batch = Batch::new();
    batch
        .put(&mut r)
        .put(&mut spare)
        .put(&mut k)
        .put(&mut pass)
        .put(&mut run)
        .put(&mut entry)
        .put(&mut intent)
        .put(&mut secret);
    store.commit(batch).await.expect("commit every record type");
    assert_eq!(
        get::<SealedSecret>(store, "vendor/client").await,
        Some(secret)
    );

    assert_eq!(get::<Resident>(store, r.id.as_str()).await, Some(r.clone()));
    assert_eq!(
        get::<SpareHolder>(store, spare.id.as_str()).await,
        Some(spare)
    );
    assert_eq!(get::<SmartKey>(store, k.id.as_str()).await, Some(k));
    assert_eq!(
        get::<VisitorPass>(store, pass.id.as_str()).await,
        Some(pass)
    );
    assert_eq!(get::<SyncRun>(store, run.id.as_str()).await, Some(run));
    assert_eq!(
        get::<OutboxEntry>(store, entry.id.as_str()).await,
        Some(entry)
    );
    assert_eq!(get::<Intent>(store, intent.id.as_str()).await, Some(intent));
    assert_eq!(
        store
            .find_resident_by_external(&property.id, &ExternalRef::new("pms", "t-1"))
            .await
            .expect("find"),
        Some(r)
    );
    assert!(
        get::<Resident>(store, ResidentId::new().as_str())
            .await
            .is_none()
    );
}

/// A write based on a stale read is refused; inserting an existing id is refused.
pub async fn stale_writes_are_refused(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let mut first = get::<Property>(store, property.id.as_str())
        .await
        .expect("read");
    let mut second = first.clone();
    first.name = "First".into();
    commit_one(store, &mut first)
        .await
        .expect("first writer wins");
    second.name = "Second".into();
    assert!(matches!(
        commit_one(store, &mut second).await,
        Err(StoreError::Concurrent { .. })
    ));
    assert_eq!(
        get::<Property>(store, property.id.as_str())
            .await
            .map(|p| p.name),
        Some("First".into())
    );

    let mut again = unit.clone();
    again.version = 0;
    assert!(matches!(
        commit_one(store, &mut again).await,
        Err(StoreError::Concurrent { .. })
    ));
}

/// The uniqueness rules hold.
pub async fn uniqueness_rules_hold(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (_, _, unit) = place(store).await;
    let (_, _, other_unit) = place(store).await;

    // One resident per external reference per property; another property may reuse it.
    commit_one(store, &mut resident(&unit, "Ada", Some("t-1")))
        .await
        .expect("first");
    assert_eq!(
        constraint(commit_one(store, &mut resident(&unit, "Ada", Some("t-1"))).await),
        Constraint::ResidentExternalRef
    );
    commit_one(store, &mut resident(&other_unit, "Ada", Some("t-1")))
        .await
        .expect("other property");

    // One live key per holder and unit; cancelled keys do not count; another unit is fine.
    let holder = KeyHolder::Resident(ResidentId::new());
    let mut live = key(holder.clone(), &unit, KeyState::Active);
    commit_one(store, &mut live).await.expect("first key");
    assert_eq!(
        constraint(commit_one(store, &mut key(holder.clone(), &unit, KeyState::Encoding)).await),
        Constraint::OneLiveKeyPerHolderAndUnit
    );
    commit_one(store, &mut key(holder.clone(), &unit, KeyState::Cancelled))
        .await
        .expect("a cancelled key");
    commit_one(
        store,
        &mut key(holder.clone(), &other_unit, KeyState::Active),
    )
    .await
    .expect("a key for another unit");
    // Replacing: the old key leaves the live set in the same batch as the new one arrives.
    live.state = KeyState::Replaced;
    let mut replacement = key(holder, &unit, KeyState::Active);
    let mut batch = Batch::new();
    batch.put(&mut live).put(&mut replacement);
    store.commit(batch).await.expect("replace in one batch");

    // One outbox entry per idempotency key.
    let entry = |key: &str| {
        OutboxEntry::new(
            unit.property_id.clone(),
            key,
            OutboxMessage::ActivationEmail {
                resident_id: ResidentId::new(),
                invitation: 1,
            },
            t0(),
        )
    };
    let idem = format!("k-{}", unit.id);
    commit_one(store, &mut entry(&idem))
        .await
        .expect("first entry");
    assert_eq!(
        constraint(commit_one(store, &mut entry(&idem)).await),
        Constraint::OutboxIdempotencyKey
    );
}

/// A record whose parent does not exist is refused.
pub async fn parents_must_exist(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (_, _, unit) = place(store).await;
    let mut orphan = unit.clone();
    orphan.id = UnitId::new();
    orphan.building_id = BuildingId::new();
    orphan.version = 0;
    assert_eq!(
        constraint(commit_one(store, &mut orphan).await),
        Constraint::ParentExists
    );
    let mut r = resident(&unit, "Ada", None);
    r.occupancy.unit_id = UnitId::new();
    assert_eq!(
        constraint(commit_one(store, &mut r).await),
        Constraint::ParentExists
    );
}

/// A batch with one bad write applies none of its writes.
pub async fn batches_are_all_or_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let mut renamed = property.clone();
    renamed.name = "Renamed".into();
    let mut good = resident(&unit, "Ada", Some("t-1"));
    let mut duplicate = resident(&unit, "Bob", Some("t-1"));
    let mut batch = Batch::new();
    batch.put(&mut renamed).put(&mut good).put(&mut duplicate);
    assert!(store.commit(batch).await.is_err());
    assert_eq!(
        get::<Property>(store, property.id.as_str()).await,
        Some(property)
    );
    assert!(get::<Resident>(store, good.id.as_str()).await.is_none());
    assert!(
        get::<Resident>(store, duplicate.id.as_str())
            .await
            .is_none()
    );

    let mut stale = unit.clone();
    stale.number = "9999".into();
    stale.version = 7;
    let mut fresh = resident(&unit, "Cy", None);
    let mut batch = Batch::new();
    batch.put(&mut fresh).put(&mut stale);
    assert!(matches!(
        store.commit(batch).await,
        Err(StoreError::Concurrent { .. })
    ));
    assert!(get::<Resident>(store, fresh.id.as_str()).await.is_none());
}

/// Resident queries filter and page exactly like [`ResidentQuery::matches`].
pub async fn resident_queries_filter_and_page(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let mut batch = Batch::new();
    let mut all = Vec::new();
    for i in 0..25 {
        let mut r = resident(&unit, &format!("R{i:02}"), Some(&format!("t-{i}")));
        if i % 5 == 0 {
            r.account
                .invite(r.id.as_str(), t0(), Duration::days(7), &test_secret())
                .expect("invite");
        }
        if i % 4 == 0 {
            r.occupancy.move_in = Some(NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"));
        }
        batch.put(&mut r);
        all.push(r);
    }
    store.commit(batch).await.expect("commit residents");
    all.sort_by(|a, b| a.id.cmp(&b.id));

    let mut q = ResidentQuery::at(t0());
    q.property_id = Some(property.id.clone());
    let listed = store.list_residents(&q).await.expect("list");
    assert_eq!(listed, all);

    q.status = Some(crate::AccountStatus::PendingActivation);
    assert_eq!(store.list_residents(&q).await.expect("pending").len(), 5);
    q.as_of = t0() + Duration::days(8);
    assert_eq!(
        store.list_residents(&q).await.expect("pending later").len(),
        0
    );
    q.status = Some(crate::AccountStatus::ActivationExpired);
    assert_eq!(store.list_residents(&q).await.expect("expired").len(), 5);

    let mut q = ResidentQuery::at(t0());
    q.property_id = Some(property.id.clone());
    q.phase = Some(OccupancyPhase::Future);
    assert_eq!(store.list_residents(&q).await.expect("future").len(), 7);

    // Keyset paging visits every resident once, also with a filter.
    for phase in [None, Some(OccupancyPhase::Current)] {
        let mut seen = Vec::new();
        let mut q = ResidentQuery::at(t0());
        q.property_id = Some(property.id.clone());
        q.phase = phase;
        q.limit = Some(4);
        loop {
            let page = store.list_residents(&q).await.expect("page");
            assert!(page.len() <= 4);
            let Some(last) = page.last() else { break };
            q.after = Some(last.id.clone());
            seen.extend(page.into_iter().map(|r| r.id));
        }
        let expected: Vec<_> = all
            .iter()
            .filter(|r| phase.is_none_or(|p| r.occupancy.phase(t0().date_naive()) == p))
            .map(|r| r.id.clone())
            .collect();
        assert_eq!(seen, expected);
    }
}

/// The outbox lists due entries oldest first, by status, and intents by status.
pub async fn outbox_and_ledger_queries(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, _) = place(store).await;
    let msg = || OutboxMessage::ActivationEmail {
        resident_id: ResidentId::new(),
        invitation: 1,
    };
    let tag = property.id.to_string();
    let mut late = OutboxEntry::new(
        property.id.clone(),
        format!("{tag}-late"),
        msg(),
        t0() + Duration::minutes(10),
    );
    let mut early = OutboxEntry::new(property.id.clone(), format!("{tag}-early"), msg(), t0());
    let mut parked = OutboxEntry::new(property.id.clone(), format!("{tag}-parked"), msg(), t0());
    parked.status = OutboxStatus::Parked;
    let mut recorded = Intent::record(
        IntentId::new(),
        property.id.clone(),
        "encode_key",
        "a",
        t0(),
    );
    let mut done = Intent::record(
        IntentId::new(),
        property.id.clone(),
        "encode_key",
        "b",
        t0(),
    );
    done.status = IntentStatus::Succeeded;
    let mut batch = Batch::new();
    batch
        .put(&mut late)
        .put(&mut early)
        .put(&mut parked)
        .put(&mut recorded)
        .put(&mut done);
    store.commit(batch).await.expect("commit");

    let mine = |v: Vec<OutboxEntry>| {
        v.into_iter()
            .filter(|e| e.property_id == property.id)
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        mine(store.due_outbox(t0(), 100).await.expect("due")),
        vec![early.id.clone()]
    );
    assert_eq!(
        mine(
            store
                .due_outbox(t0() + Duration::hours(1), 100)
                .await
                .expect("due later")
        ),
        vec![early.id.clone(), late.id.clone()]
    );
    assert_eq!(
        mine(
            store
                .list_outbox(&OutboxQuery::status(OutboxStatus::Parked))
                .await
                .expect("parked")
        ),
        vec![parked.id.clone()]
    );
    let recorded_ids: Vec<_> = store
        .list_intents(IntentStatus::Recorded)
        .await
        .expect("intents")
        .into_iter()
        .filter(|i| i.property_id == property.id)
        .map(|i| i.id)
        .collect();
    assert_eq!(recorded_ids, vec![recorded.id.clone()]);

    // Completing an entry takes it out of the due list.
    early.status = OutboxStatus::Done;
    commit_one(store, &mut early).await.expect("done");
    assert_eq!(
        mine(
            store
                .due_outbox(t0() + Duration::hours(1), 100)
                .await
                .expect("due")
        ),
        vec![late.id]
    );
}

/// One lease holder at a time; an expired lease is taken over; release frees it.
pub async fn leases_have_one_holder(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, _) = place(store).await;
    let ttl = Duration::seconds(30);
    assert!(
        store
            .try_acquire_lease(&property.id, "a", t0(), ttl)
            .await
            .expect("a")
    );
    assert!(
        !store
            .try_acquire_lease(&property.id, "b", t0() + Duration::seconds(10), ttl)
            .await
            .expect("b")
    );
    // Who is in the way, and until when: what a refused sync tells its caller.
    assert_eq!(
        store
            .lease_holder(&property.id)
            .await
            .expect("lease holder"),
        Some(("a".to_owned(), t0() + ttl))
    );
    assert!(
        store
            .try_acquire_lease(&property.id, "a", t0() + Duration::seconds(20), ttl)
            .await
            .expect("a renews")
    );
    assert!(
        !store
            .try_acquire_lease(&property.id, "b", t0() + Duration::seconds(45), ttl)
            .await
            .expect("b, still renewed")
    );
    assert!(
        store
            .try_acquire_lease(&property.id, "b", t0() + Duration::seconds(51), ttl)
            .await
            .expect("b takes over")
    );
    store
        .release_lease(&property.id, "a")
        .await
        .expect("a cannot release b's lease");
    assert!(
        !store
            .try_acquire_lease(&property.id, "a", t0() + Duration::seconds(52), ttl)
            .await
            .expect("a")
    );
    store
        .release_lease(&property.id, "b")
        .await
        .expect("release");
    assert!(
        store
            .try_acquire_lease(&property.id, "a", t0() + Duration::seconds(53), ttl)
            .await
            .expect("free again")
    );
}

/// Concurrent read-modify-write cycles with retry lose no update.
pub async fn concurrent_updates_lose_nothing(store: Arc<dyn Store>) {
    let (property, _, unit) = place(store.as_ref()).await;
    let mut r = resident(&unit, "Counter", None);
    commit_one(store.as_ref(), &mut r).await.expect("create");
    let writers = 4;
    let per_writer = 10;
    let mut tasks = Vec::new();
    for _ in 0..writers {
        let store = store.clone();
        let id = r.id.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_writer {
                loop {
                    let mut current = get::<Resident>(store.as_ref(), id.as_str())
                        .await
                        .expect("read");
                    current.amenities.push(AmenityId::new());
                    match commit_one(store.as_ref(), &mut current).await {
                        Ok(()) => break,
                        Err(StoreError::Concurrent { .. }) => continue,
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    let last = get::<Resident>(store.as_ref(), r.id.as_str())
        .await
        .expect("read");
    assert_eq!(last.amenities.len(), writers * per_writer);
    assert_eq!(last.version, 1 + (writers * per_writer) as u64);
    let _ = property;
}

/// Keys list by holder and unit, spare holders by unit, and the latest sync run per property.
pub async fn keys_spares_and_runs_are_listed(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let (_, _, other_unit) = place(store).await;
    let mut spare = SpareHolder {
        id: SpareHolderId::new(),
        unit_id: unit.id.clone(),
        label: "Spare".into(),
        version: 0,
    };
    commit_one(store, &mut spare).await.expect("spare");
    let ada = KeyHolder::Resident(ResidentId::new());
    let mut k1 = key(ada.clone(), &unit, KeyState::Active);
    let mut k2 = key(ada.clone(), &other_unit, KeyState::Active);
    let mut k3 = key(
        KeyHolder::Spare(spare.id.clone()),
        &unit,
        KeyState::Cancelled,
    );
    let mut batch = Batch::new();
    batch.put(&mut k1).put(&mut k2).put(&mut k3);
    store.commit(batch).await.expect("keys");
    let ids = |keys: Vec<SmartKey>| {
        let mut v: Vec<_> = keys.into_iter().map(|k| k.id).collect();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<KeyId>| {
        v.sort();
        v
    };
    assert_eq!(
        ids(store
            .list_keys(&KeyQuery::new(Some(&ada), None))
            .await
            .expect("by holder")),
        sorted(vec![k1.id.clone(), k2.id.clone()])
    );
    assert_eq!(
        ids(store
            .list_keys(&KeyQuery::new(None, Some(&unit.id)))
            .await
            .expect("by unit")),
        sorted(vec![k1.id.clone(), k3.id.clone()])
    );
    assert_eq!(
        ids(store
            .list_keys(&KeyQuery::new(Some(&ada), Some(&unit.id)))
            .await
            .expect("both")),
        vec![k1.id.clone()]
    );
    assert_eq!(
        store.list_spare_holders(&unit.id).await.expect("spares"),
        vec![spare]
    );
    assert!(
        store
            .list_spare_holders(&other_unit.id)
            .await
            .expect("none")
            .is_empty()
    );

    assert_eq!(
        store.latest_sync_run(&property.id).await.expect("none yet"),
        None
    );
    let run = |minutes: i64| SyncRun {
        id: SyncRunId::new(),
        property_id: property.id.clone(),
        started_at: t0() + Duration::minutes(minutes),
        finished_at: None,
        counts: SyncCounts::default(),
        errors: vec![],
        mode: SyncMode::Full,
        aborted: None,
        version: 0,
    };
    let (mut older, mut newer) = (run(0), run(240));
    let mut batch = Batch::new();
    batch.put(&mut newer).put(&mut older);
    store.commit(batch).await.expect("runs");
    assert_eq!(
        store
            .latest_sync_run(&property.id)
            .await
            .expect("latest")
            .map(|r| r.id),
        Some(newer.id)
    );
}

/// Keys and outbox entries page by id: keyset pages of at most `limit`, every record exactly
/// once, in id order, whatever else the store holds.
pub async fn keys_and_outbox_page_by_id(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let tag = property.id.to_string();
    let mut keys = Vec::new();
    let mut entries = Vec::new();
    let mut batch = Batch::new();
    for i in 0..250 {
        let mut k = key(
            KeyHolder::Spare(SpareHolderId::new()),
            &unit,
            KeyState::Active,
        );
        let mut e = OutboxEntry::new(
            property.id.clone(),
            format!("{tag}-page-{i}"),
            OutboxMessage::ActivationEmail {
                resident_id: ResidentId::new(),
                invitation: 1,
            },
            t0(),
        );
        e.status = OutboxStatus::Skipped;
        batch.put(&mut k).put(&mut e);
        keys.push(k.id);
        entries.push(e.id);
    }
    store.commit(batch).await.expect("commit");
    keys.sort();
    entries.sort();

    // Keys of the unit: exactly three pages of 100, 100 and 50.
    let mut q = KeyQuery::new(None, Some(&unit.id)).page(None, Some(100));
    let mut pages = Vec::new();
    loop {
        let page = store.list_keys(&q).await.expect("key page");
        let Some(last) = page.last() else { break };
        q.after = Some(last.id.clone());
        pages.push(page.into_iter().map(|k| k.id).collect::<Vec<_>>());
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![100, 100, 50]
    );
    assert_eq!(pages.concat(), keys);

    // Outbox entries by status: the store may hold other properties' entries too, so keep
    // ours; pages never exceed the limit and ours come exactly once, in id order.
    let mut q = OutboxQuery::status(OutboxStatus::Skipped).page(None, Some(100));
    let mut seen = Vec::new();
    let mut previous: Option<OutboxId> = None;
    loop {
        let page = store.list_outbox(&q).await.expect("outbox page");
        assert!(page.len() <= 100);
        let Some(last) = page.last() else { break };
        q.after = Some(last.id.clone());
        for e in page {
            assert_eq!(e.status, OutboxStatus::Skipped);
            assert!(previous.as_ref().is_none_or(|p| p < &e.id), "id order");
            previous = Some(e.id.clone());
            if e.property_id == property.id {
                seen.push(e.id);
            }
        }
    }
    assert_eq!(seen, entries);
}

/// A visitor pass of `property` (for `resident`), not committed.
pub fn visitor_pass(
    property: &PropertyId,
    resident: Option<&ResidentId>,
    visitor: &str,
) -> VisitorPass {
    VisitorPass {
        id: VisitorPassId::new(),
        property_id: property.clone(),
        visitor_name: visitor.into(),
        resident_id: resident.cloned(),
        window: TimeWindow {
            starts_at: t0(),
            ends_at: t0() + Duration::hours(2),
        },
        time_zone: Zone::parse("Australia/Sydney").expect("a zone"),
        state: VisitorPassState::Active,
        external: Some(ExternalRef::new("bmx", "kc-1")),
        key: Some(ExternalRef::new("bmx", "vk-1")),
        qr_code_url: Some("https://example.invalid/qr/1".into()),
        instructions_url: None,
        failure: None,
        request_key: Some("req-1".into()),
        created_by: AdminId::from_string("admin_1"),
        created_at: t0(),
        revoked_at: None,
        version: 0,
    }
}

/// A property's visitor passes are listed by state and resident, a keyset page at a time.
pub async fn visitor_passes_page_by_property_state_and_resident(store: Arc<dyn Store>) {
    let store = &*store;
    let (property, _, unit) = place(store).await;
    let (other, _, _) = place(store).await;
    let mut r = resident(&unit, "Ada", None);
    commit_one(store, &mut r).await.expect("resident");
    let mut passes = Vec::new();
    for i in 0..5 {
        let mut p = visitor_pass(
            &property.id,
            (i % 2 == 0).then_some(&r.id),
            &format!("V{i}"),
        );
        if i == 4 {
            p.state = VisitorPassState::Revoked;
        }
        commit_one(store, &mut p).await.expect("pass");
        passes.push(p);
    }
    let mut elsewhere = visitor_pass(&other.id, None, "Elsewhere");
    commit_one(store, &mut elsewhere).await.expect("pass");
    passes.sort_by(|a, b| a.id.cmp(&b.id));

    let mut seen = Vec::new();
    let mut q = PassQuery::property(&property.id);
    q.limit = Some(2);
    loop {
        let page = store.list_visitor_passes(&q).await.expect("page");
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        q.after = Some(last.id.clone());
        seen.extend(page);
    }
    assert_eq!(seen, passes, "every pass of the property once, by id");

    let mut q = PassQuery::property(&property.id);
    q.resident_id = Some(r.id.clone());
    q.state = Some(VisitorPassState::Active);
    let theirs = store.list_visitor_passes(&q).await.expect("by resident");
    let expected: Vec<_> = passes
        .iter()
        .filter(|p| p.resident_id.as_ref() == Some(&r.id) && p.state == VisitorPassState::Active)
        .cloned()
        .collect();
    assert_eq!(theirs, expected);
    assert_eq!(theirs.len(), 2);
}

/// A strata roll's members are listed by roll and state, a keyset page at a time, and a
/// member's roll must exist.
pub async fn strata_members_page_by_roll_and_state(store: Arc<dyn Store>) {
    use crate::roll::*;
    let store = store.as_ref();
    let (property, building, _) = place(store).await;
    let mut roll = StrataRoll {
        id: StrataRollId::new(),
        property_id: property.id.clone(),
        building_id: building.id.clone(),
        external: ExternalRef::new("strata-x", "b-1"),
        plan_number: "SP 1".into(),
        name: "Plan One".into(),
        status: crate::StrataBuildingStatus::Active,
        auto_import: false,
        auto_import_since: None,
        pending: 0,
        imported: 0,
        last_sync: None,
        created_at: t0(),
        version: 0,
    };
    commit_one(store, &mut roll).await.expect("roll");
    let member = |i: usize, state: MemberState| StrataMember {
        id: StrataMemberId::new(),
        property_id: property.id.clone(),
        roll_id: roll.id.clone(),
        user: crate::StrataUser {
            external: ExternalRef::new("strata-x", format!("c-{i}")),
            building: roll.external.clone(),
            display_name: format!("Person {i}"),
            first_name: Some("Person".into()),
            last_name: Some(i.to_string()),
            email: Some(format!("p{i}@example.org")),
            alt_emails: vec![],
            mobile: None,
            phone: None,
            lots: vec![crate::StrataLot {
                lot_number: i.to_string(),
                unit_number: None,
            }],
            user_types: [crate::StrataUserType::Tenant].into_iter().collect(),
            tenancy: None,
            warnings: vec![],
        },
        state,
        problem: None,
        resident_id: None,
        listed: true,
        first_seen_at: t0(),
        imported_at: None,
        version: 0,
    };
    let mut batch = Batch::new();
    let mut pending = Vec::new();
    for i in 0..30 {
        let state = if i % 3 == 0 {
            MemberState::Imported
        } else {
            MemberState::Pending
        };
        let mut m = member(i, state);
        if state == MemberState::Pending {
            pending.push(m.id.clone());
        }
        batch.put(&mut m);
    }
    store.commit(batch).await.expect("members");
    pending.sort();

    let rolls = store.list_strata_rolls().await.expect("rolls");
    assert!(rolls.iter().any(|r| r == &roll), "the roll is listed");

    let mut q = MemberQuery {
        state: Some(MemberState::Pending),
        limit: Some(7),
        ..MemberQuery::roll(&roll.id)
    };
    let mut seen = Vec::new();
    loop {
        let page = store.list_strata_members(&q).await.expect("page");
        assert!(page.len() <= 7);
        let Some(last) = page.last() else { break };
        q.after = Some(last.id.clone());
        assert!(page.iter().all(|m| m.state == MemberState::Pending));
        seen.extend(page.into_iter().map(|m| m.id));
    }
    assert_eq!(seen, pending, "every pending member once, in id order");
    let all = store
        .list_strata_members(&MemberQuery::roll(&roll.id))
        .await
        .expect("all");
    assert_eq!(all.len(), 30);

    // A member of a roll that does not exist is refused.
    let mut orphan = member(99, MemberState::Pending);
    orphan.roll_id = StrataRollId::new();
    assert!(commit_one(store, &mut orphan).await.is_err());
}

/// Expands to one `#[tokio::test]` per conformance check for the store built by `$make`
/// (an async expression yielding `Option<Arc<dyn Store>>`; `None` skips, saying so).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            every_record_type_round_trips,
            stale_writes_are_refused,
            uniqueness_rules_hold,
            parents_must_exist,
            batches_are_all_or_nothing,
            resident_queries_filter_and_page,
            outbox_and_ledger_queries,
            leases_have_one_holder,
            keys_spares_and_runs_are_listed,
            keys_and_outbox_page_by_id,
            strata_members_page_by_roll_and_state,
            visitor_passes_page_by_property_state_and_resident,
            concurrent_updates_lose_nothing,
            large_batches_commit_in_one_go,
            a_stale_write_refuses_a_large_batch_whole,
            a_broken_rule_refuses_a_large_batch_whole,
            leases_are_taken_and_given_back_in_batches
        );
    };
    (@each $make:expr; $($check:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let store: Option<std::sync::Arc<dyn $crate::Store>> = $make.await;
                match store {
                    Some(store) => $crate::conformance::$check(store).await,
                    None => eprintln!("SKIPPED: {}: this store's backend is not available here", stringify!($check)),
                }
            }
        )*
    };
}

#[cfg(test)]
mod memory {
    use crate::MemoryStore;
    use std::sync::Arc;

    crate::conformance_tests!(async {
        Some(Arc::new(MemoryStore::new()) as Arc<dyn crate::Store>)
    });
}
