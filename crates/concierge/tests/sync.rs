//! The PMS resident sync (R-PMS-1..8) on the sandbox PMS.

#![cfg(feature = "sandbox")]

use chrono::{Duration, NaiveDate};
use concierge::sandbox::Sandbox;
use concierge::*;
use concierge_core::{Batch, KeyQuery};
use std::sync::Arc;

struct World {
    sandbox: Sandbox,
    store: Arc<MemoryStore>,
    c: Concierge,
    admin: Admin,
    property: Property,
}

async fn world(settings: PropertySettings) -> World {
    let sandbox = Sandbox::new(21);
    let store = Arc::new(MemoryStore::new());
    let c = Concierge::builder()
        .sandbox(&sandbox)
        .store_arc(store.clone())
        .build()
        .unwrap();
    let admin = Admin::full_access("desk-1", "desk");
    let pms_property = sandbox.pms().properties()[0].clone();
    let property = c
        .register_property(
            &admin,
            NewProperty::new(&pms_property.name, "synced")
                .settings(settings)
                .external(pms_property.external),
        )
        .await
        .unwrap();
    World {
        sandbox,
        store,
        c,
        admin,
        property,
    }
}

impl World {
    fn pms_id(&self) -> String {
        self.property.external.as_ref().unwrap().id.clone()
    }

    fn today(&self) -> NaiveDate {
        self.c.now().date_naive()
    }

    async fn residents(&self, phase: Option<OccupancyPhase>) -> Vec<Resident> {
        let mut filter = ResidentFilter::property(&self.property.id);
        filter.phase = phase;
        self.c
            .list_residents(&self.admin, filter, PageRequest::first())
            .await
            .unwrap()
            .items
    }

    async fn by_ext(&self, ext: &str) -> Option<Resident> {
        self.residents(None)
            .await
            .into_iter()
            .find(|r| r.external.as_ref().map(|e| e.id.as_str()) == Some(ext))
    }

    async fn sync(&self) -> SyncRun {
        let report = self
            .c
            .sync_now(&self.admin, &self.property.id)
            .await
            .unwrap();
        assert!(!report.joined);
        assert_eq!(report.run.aborted, None);
        report.run
    }
}

fn future_on() -> PropertySettings {
    PropertySettings {
        future_resident_sync: true,
        ..Default::default()
    }
}

// R-PMS-1
#[tokio::test]
async fn a_sync_creates_updates_and_moves_out_residents_as_the_pms_says() {
    let w = world(future_on()).await;
    let listed = w.sandbox.pms().residents(&w.pms_id());
    let run = w.sync().await;
    assert_eq!(run.counts.created as usize, listed.len());
    assert_eq!(w.residents(None).await.len(), listed.len());
    let units = w.c.list_units(&w.admin, &w.property.id).await.unwrap();
    assert_eq!(units.len(), 6);
    let buildings = w.c.list_buildings(&w.admin, &w.property.id).await.unwrap();
    let mut names: Vec<_> = buildings.iter().map(|b| b.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Tower A", "Tower B"]);

    // The PMS renames one resident and drops another.
    let renamed = listed[0].external.id.clone();
    let dropped = listed[1].external.id.clone();
    w.sandbox
        .pms()
        .update_resident(&renamed, |r| r.last_name = "Renamed".into());
    w.sandbox.pms().remove_resident(&dropped);
    let run = w.sync().await;
    assert_eq!((run.counts.updated, run.counts.moved_out), (1, 1));
    assert_eq!(w.by_ext(&renamed).await.unwrap().last_name, "Renamed");
    let gone = w.by_ext(&dropped).await.unwrap();
    assert_eq!(gone.occupancy.phase(w.today()), OccupancyPhase::Past);
}

// R-PMS-1
#[tokio::test]
async fn an_unchanged_resync_writes_no_resident() {
    let w = world(future_on()).await;
    w.sync().await;
    let commits = w.store.stats().commits;
    let run = w.sync().await;
    assert_eq!(run.counts.unchanged, run.counts.seen);
    assert_eq!(
        (run.counts.created, run.counts.updated, run.counts.moved_out),
        (0, 0, 0)
    );
    assert_eq!(
        w.store.stats().commits - commits,
        1,
        "only the sync run itself is written"
    );
}

// R-PMS-2
#[tokio::test]
async fn future_residents_are_listed_as_future_and_move_in_on_their_date_without_a_pms_change() {
    let w = world(PropertySettings {
        future_resident_sync: true,
        auto_grant_mobile_access: true,
        ..Default::default()
    })
    .await;
    w.sync().await;
    let future = w.residents(Some(OccupancyPhase::Future)).await;
    assert!(
        !future.is_empty(),
        "the default portfolio has future residents"
    );
    assert!(
        future
            .iter()
            .all(|r| r.occupancy.move_in.unwrap() > w.today())
    );
    assert!(
        future
            .iter()
            .all(|r| r.mobile_access == MobileAccess::NotGranted)
    );
    let first = future
        .iter()
        .min_by_key(|r| r.occupancy.move_in)
        .unwrap()
        .clone();

    // The move-in date arrives; the PMS sends nothing new.
    let days = (first.occupancy.move_in.unwrap() - w.today()).num_days();
    w.sandbox.clock().advance(Duration::days(days));
    let current = w.residents(Some(OccupancyPhase::Current)).await;
    assert!(
        current.iter().any(|r| r.id == first.id),
        "moved into the unit by the clock alone"
    );
    assert!(
        !w.residents(Some(OccupancyPhase::Future))
            .await
            .iter()
            .any(|r| r.id == first.id)
    );
    // The next sync grants the mobile access the property gives at move-in (R-PMS-3).
    w.sync().await;
    let now_current = w.c.get_resident(&w.admin, &first.id).await.unwrap();
    assert!(matches!(
        now_current.mobile_access,
        MobileAccess::Granted { .. }
    ));
}

// R-PMS-2
#[tokio::test]
async fn with_future_sync_off_future_residents_wait_until_their_move_in_date() {
    let w = world(PropertySettings::default()).await;
    let listed = w.sandbox.pms().residents(&w.pms_id());
    let future_count = listed
        .iter()
        .filter(|r| r.move_in.unwrap() > w.today())
        .count();
    assert!(future_count > 0);
    let run = w.sync().await;
    assert_eq!(run.counts.deferred as usize, future_count);
    assert!(w.residents(Some(OccupancyPhase::Future)).await.is_empty());
    let latest = listed.iter().filter_map(|r| r.move_in).max().unwrap();
    w.sandbox
        .clock()
        .advance(Duration::days((latest - w.today()).num_days()));
    let run = w.sync().await;
    assert_eq!(run.counts.created as usize, future_count);
    assert_eq!(w.residents(None).await.len(), listed.len());
}

// R-PMS-3
#[tokio::test]
async fn mobile_access_at_move_in_follows_the_property_setting() {
    for auto in [true, false] {
        let w = world(PropertySettings {
            auto_grant_mobile_access: auto,
            ..Default::default()
        })
        .await;
        w.sync().await;
        let current = w.residents(Some(OccupancyPhase::Current)).await;
        assert!(!current.is_empty());
        assert!(
            current
                .iter()
                .all(|r| matches!(r.mobile_access, MobileAccess::Granted { .. }) == auto)
        );
    }
}

// R-PMS-5
#[tokio::test]
async fn records_that_cannot_be_applied_become_typed_errors_and_the_rest_is_applied() {
    let w = world(future_on()).await;
    let pms = w.sandbox.pms();
    let good = pms.residents(&w.pms_id()).len();
    let template = pms.residents(&w.pms_id())[0].clone();
    let bad = |id: &str, f: &dyn Fn(&mut PmsResident)| {
        let mut r = template.clone();
        r.external = ExternalRef::new("sandbox-pms", id);
        r.email = Some(format!("{id}@example.org"));
        f(&mut r);
        r
    };
    pms.add_resident(&w.pms_id(), bad("no-name", &|r| r.first_name = " ".into()));
    pms.add_resident(
        &w.pms_id(),
        bad("bad-email", &|r| r.email = Some("nope@".into())),
    );
    pms.add_resident(
        &w.pms_id(),
        bad("no-unit", &|r| {
            r.unit = ExternalRef::new("sandbox-pms", "pms-unit-9-9")
        }),
    );
    pms.add_resident(
        &w.pms_id(),
        bad("dates", &|r| {
            r.move_in = Some(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
            r.move_out = Some(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        }),
    );
    pms.add_resident(
        &w.pms_id(),
        bad("twin", &|r| r.email = template.email.clone()),
    );
    pms.inject_unreadable(
        &w.pms_id(),
        RecordError {
            external: Some(ExternalRef::new("sandbox-pms", "garbled")),
            message: "not JSON".into(),
        },
    );

    let run = w.sync().await;
    let mut kinds: Vec<&str> = run.errors.iter().map(|e| e.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "conflicting_occupancy",
            "invalid_dates",
            "invalid_email",
            "invalid_name",
            "unit_not_found",
            "unreadable_record"
        ]
    );
    assert_eq!(run.counts.created as usize, good);
    assert_eq!(
        w.c.sync_errors(&w.admin, &w.property.id, PageRequest::first())
            .await
            .unwrap()
            .items,
        run.errors
    );
    let no_unit = run
        .errors
        .iter()
        .find(|e| e.kind == SyncErrorKind::UnitNotFound)
        .unwrap();
    assert_eq!(no_unit.external.as_ref().unwrap().id, "no-unit");
    assert!(
        !no_unit.message.contains("no-unit@example.org"),
        "errors carry no personal data"
    );

    // The admin fixes the name in the PMS: the next run's list no longer has it.
    pms.update_resident("no-name", |r| r.first_name = "Named".into());
    let run = w.sync().await;
    assert!(
        !run.errors
            .iter()
            .any(|e| e.kind == SyncErrorKind::InvalidName)
    );
    assert_eq!(
        w.c.sync_errors(&w.admin, &w.property.id, PageRequest::first())
            .await
            .unwrap()
            .items
            .len(),
        5
    );
}

// R-PMS-5
#[tokio::test]
async fn the_same_resident_listed_twice_is_a_duplicate_error() {
    let w = world(future_on()).await;
    let first = w.sandbox.pms().residents(&w.pms_id())[0].clone();
    w.sandbox.pms().add_resident(&w.pms_id(), first.clone());
    let run = w.sync().await;
    assert_eq!(
        run.errors
            .iter()
            .filter(|e| e.kind == SyncErrorKind::DuplicateResident)
            .count(),
        1
    );
    assert_eq!(
        w.residents(None)
            .await
            .iter()
            .filter(|r| r.external == Some(first.external.clone()))
            .count(),
        1
    );
}

// R-PMS-6
#[tokio::test]
async fn the_scheduler_syncs_every_four_hours_by_default() {
    let w = world(future_on()).await;
    assert_eq!(
        w.c.run_due_syncs().await.unwrap().len(),
        1,
        "never synced: due"
    );
    assert!(w.c.run_due_syncs().await.unwrap().is_empty());
    w.sandbox
        .clock()
        .advance(Duration::hours(3) + Duration::minutes(59));
    assert!(w.c.run_due_syncs().await.unwrap().is_empty());
    w.sandbox.clock().advance(Duration::minutes(1));
    assert_eq!(w.c.run_due_syncs().await.unwrap().len(), 1);
}

// R-PMS-6
#[tokio::test]
async fn a_trigger_while_the_property_syncs_joins_the_running_sync() {
    let w = world(future_on()).await;
    w.sandbox
        .faults()
        .set_latency("list_residents", std::time::Duration::from_millis(150));
    let (a, b) = tokio::join!(
        w.c.sync_now(&w.admin, &w.property.id),
        w.c.sync_now(&w.admin, &w.property.id)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.joined, b.joined, "one ran, the other joined");
    assert_eq!(a.run.id, b.run.id);
    assert_eq!(w.sandbox.faults().calls("list_residents"), 1);
}

// R-PMS-7
#[tokio::test]
async fn manual_residents_and_spare_holders_are_never_moved_out_by_a_sync() {
    let w = world(future_on()).await;
    w.sync().await;
    let unit = w.c.list_units(&w.admin, &w.property.id).await.unwrap()[0].clone();
    let minor =
        w.c.move_in(
            &w.admin,
            MoveIn::new(&unit.id, "Tom", "Minor").role(OccupancyRole::Occupant),
        )
        .await
        .unwrap();
    let spare =
        w.c.add_spare_holder(&w.admin, &unit.id, "Spare: cleaner")
            .await
            .unwrap();
    w.sandbox
        .encoder()
        .set_write_time(std::time::Duration::from_millis(1));
    let spare_key =
        w.c.make_key(&w.admin, MakeKey::spare(&spare.id, "ncoder-1"))
            .await
            .unwrap();
    for r in w.sandbox.pms().residents(&w.pms_id()) {
        w.sandbox.pms().remove_resident(&r.external.id);
    }
    let run = w.sync().await;
    assert!(run.counts.moved_out > 0);
    let keys = w
        .store
        .list_keys(&KeyQuery::new(None, Some(&unit.id)))
        .await
        .unwrap();
    let kept = keys.iter().find(|k| k.id == spare_key.id).unwrap();
    assert_eq!(
        kept.state,
        KeyState::Active,
        "the sync left the spare key alone"
    );
    let minor = w.c.get_resident(&w.admin, &minor.id).await.unwrap();
    assert_eq!(minor.occupancy.phase(w.today()), OccupancyPhase::Current);
    assert_eq!(
        w.c.list_spare_holders(&w.admin, &unit.id, PageRequest::first())
            .await
            .unwrap()
            .items,
        vec![spare]
    );
}

// R-PMS-8
#[tokio::test]
async fn a_resident_the_pms_moves_out_loses_access_and_their_keys_are_cancelled_through_the_outbox()
{
    let w = world(PropertySettings {
        auto_grant_mobile_access: true,
        ..future_on()
    })
    .await;
    w.sync().await;
    let resident = w.residents(Some(OccupancyPhase::Current)).await[0].clone();
    // A key made for them earlier (the key workflow records it like this).
    w.sandbox
        .encoder()
        .set_write_time(std::time::Duration::from_millis(1));
    let written = w
        .sandbox
        .encoder()
        .encode_key(EncodeKeyRequest {
            encoder: ExternalRef::new("sandbox-salto", "ncoder-1"),
            holder_ref: resident.id.to_string(),
            unit_ref: resident.occupancy.unit_id.to_string(),
            idempotency_key: "k-1".into(),
            deadline: std::time::Duration::from_secs(5),
        })
        .await
        .unwrap();
    let mut key = SmartKey {
        id: KeyId::new(),
        holder: KeyHolder::Resident(resident.id.clone()),
        unit_id: resident.occupancy.unit_id.clone(),
        encoder: ExternalRef::new("sandbox-salto", "ncoder-1"),
        state: KeyState::Active,
        external: Some(written.key.clone()),
        created_at: w.c.now(),
        version: 0,
    };
    let mut batch = Batch::new();
    batch.put(&mut key);
    w.store.commit(batch).await.unwrap();

    w.sandbox
        .pms()
        .remove_resident(&resident.external.as_ref().unwrap().id);
    w.sync().await;
    let after = w.c.get_resident(&w.admin, &resident.id).await.unwrap();
    assert_eq!(after.mobile_access, MobileAccess::NotGranted);
    let keys = w
        .store
        .list_keys(&KeyQuery::new(
            Some(&KeyHolder::Resident(resident.id.clone())),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(keys[0].state, KeyState::Cancelled);
    let state = w
        .sandbox
        .encoder()
        .key_state(KeyStateRequest {
            key: Some(written.key),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(
        state.state,
        EncoderKeyState::Outdated,
        "the lock system was told"
    );
    let done =
        w.c.list_outbox(&w.admin, OutboxStatus::Done, PageRequest::first())
            .await
            .unwrap()
            .items;
    assert!(done.iter().any(|e| e.message.kind() == "cancel_key"));
}

#[tokio::test]
async fn an_incremental_pull_never_moves_anyone_out_and_a_full_listing_does() {
    let w = world(future_on()).await;
    w.sync().await;
    let dropped = w.sandbox.pms().residents(&w.pms_id())[0]
        .external
        .id
        .clone();
    w.sandbox.pms().remove_resident(&dropped);
    w.sandbox.clock().advance(Duration::minutes(30));
    let report =
        w.c.sync_property(
            &w.admin,
            &w.property.id,
            SyncOptions {
                mode: SyncMode::Incremental,
                progress: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(report.run.counts.moved_out, 0);
    assert_eq!(
        w.by_ext(&dropped).await.unwrap().occupancy.phase(w.today()),
        OccupancyPhase::Current
    );
    assert_eq!(w.sync().await.counts.moved_out, 1);
}

#[tokio::test]
async fn a_pms_that_keeps_failing_aborts_the_run_without_moving_anyone_out() {
    let w = world(future_on()).await;
    w.sync().await;
    let before = w.residents(Some(OccupancyPhase::Current)).await.len();
    w.sandbox
        .faults()
        .fail_times("list_residents", ProviderErrorKind::Unavailable, 10);
    let err = w.c.sync_now(&w.admin, &w.property.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Provider);
    assert!(err.is_retryable());
    let run =
        w.c.last_sync(&w.admin, &w.property.id)
            .await
            .unwrap()
            .unwrap();
    assert!(
        run.aborted
            .as_deref()
            .unwrap()
            .contains("sandbox-pms list_residents failed")
    );
    assert_eq!(
        w.residents(Some(OccupancyPhase::Current)).await.len(),
        before
    );
    // The scheduler reports the failed property with its aborted run.
    w.sandbox
        .faults()
        .fail_times("list_residents", ProviderErrorKind::Unavailable, 10);
    w.sandbox
        .clock()
        .advance(Duration::hours(4) + Duration::minutes(1));
    let reports = w.c.run_due_syncs().await.unwrap();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].run.aborted.is_some());
    // A trigger that joins a failing sync fails the same way.
    w.sandbox.faults().clear();
    w.sandbox
        .faults()
        .set_latency("list_residents", std::time::Duration::from_millis(100));
    w.sandbox
        .faults()
        .fail_times("list_residents", ProviderErrorKind::Rejected, 1);
    let (a, b) = tokio::join!(
        w.c.sync_now(&w.admin, &w.property.id),
        w.c.sync_now(&w.admin, &w.property.id)
    );
    assert_eq!(a.unwrap_err().code(), ErrorCode::Provider);
    assert_eq!(b.unwrap_err().code(), ErrorCode::Provider);
    // A transient failure is retried and the run completes.
    w.sandbox.faults().clear();
    w.sandbox
        .faults()
        .fail_next("list_residents", ProviderErrorKind::Timeout);
    assert_eq!(w.sync().await.aborted, None);
}

#[tokio::test]
async fn syncing_needs_full_integrations_access_and_a_linked_property() {
    let w = world(future_on()).await;
    let desk = Admin::new("desk-1", "desk")
        .with_residence(AccessLevel::Full)
        .with_integrations(AccessLevel::Read);
    let err = w.c.sync_now(&desk, &w.property.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert_eq!(w.sandbox.faults().total_calls(), 0);
    let unlinked =
        w.c.register_property(&w.admin, NewProperty::new("Manual", "manual"))
            .await
            .unwrap();
    let err = w.c.sync_now(&w.admin, &unlinked.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
}

// R-MOVE-1, R-PMS-8
#[tokio::test]
async fn an_admin_moves_a_resident_out_by_hand() {
    let w = world(future_on()).await;
    w.sync().await;
    let r = w.residents(Some(OccupancyPhase::Current)).await[0].clone();
    let err =
        w.c.move_out(
            &w.admin,
            &r.id,
            Some(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let out = w.c.move_out(&w.admin, &r.id, None).await.unwrap();
    assert_eq!(out.occupancy.phase(w.today()), OccupancyPhase::Past);
    assert_eq!(
        w.c.move_out(&w.admin, &r.id, None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );
}

/// Two handles on one store stand for two processes: each has its own in-process registry of
/// running syncs, so only the store's lease keeps them apart.
async fn two_processes_share_one_sync(store: Arc<dyn Store>) {
    let sandbox = Sandbox::new(21);
    let handle = || {
        Concierge::builder()
            .sandbox(&sandbox)
            .store_arc(store.clone())
            .activation_secret(
                // Several handles share the store (PostgreSQL requires a secret).
                ActivationSecret::from_bytes(b"the tests' shared activation secret".to_vec())
                    .unwrap(),
            )
            .build()
            .unwrap()
    };
    let (one, two) = (handle(), handle());
    let admin = Admin::full_access("desk-1", "desk");
    let pms_property = sandbox.pms().properties()[0].clone();
    let site = format!("lease-{}", &PropertyId::new().as_str()[5..15]);
    let property = one
        .register_property(
            &admin,
            NewProperty::new("Leased", &site)
                .settings(future_on())
                .external(pms_property.external),
        )
        .await
        .unwrap();
    sandbox
        .faults()
        .set_latency("list_residents", std::time::Duration::from_millis(300));
    let (a, b) = tokio::join!(one.sync_now(&admin, &property.id), async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        two.sync_now(&admin, &property.id).await
    });
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.joined != b.joined,
        "one process ran the sync, the other waited for its run"
    );
    assert_eq!(a.run.id, b.run.id);
    assert_eq!(
        sandbox.faults().calls("list_residents"),
        1,
        "the PMS was read once"
    );
}

// R-PMS-6
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_joins_the_sync_another_process_runs() {
    two_processes_share_one_sync(Arc::new(MemoryStore::new())).await;
}

// R-PMS-6
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_second_process_joins_the_sync_another_process_runs() {
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "SKIPPED: DATABASE_URL is not set, so there is no PostgreSQL server to test against"
        );
        return;
    };
    let store = concierge::store::PgStore::connect(&url).await.unwrap();
    two_processes_share_one_sync(Arc::new(store)).await;
}

// R-PMS-2: a property in Sydney (UTC+11 in summer) moves a future resident in at midnight on
// its own calendar, eleven hours before the UTC date turns.
#[tokio::test]
async fn a_future_resident_moves_in_on_the_propertys_own_date_far_from_utc() {
    let w = world(future_on()).await;
    w.c.set_property_time_zone(
        &w.admin,
        &w.property.id,
        Zone::parse("Australia/Sydney").unwrap(),
    )
    .await
    .unwrap();
    w.sync().await;
    let first = w
        .residents(Some(OccupancyPhase::Future))
        .await
        .into_iter()
        .min_by_key(|r| r.occupancy.move_in)
        .expect("the default portfolio has future residents");
    let move_in = first.occupancy.move_in.unwrap();
    // 13:30 UTC the day before the move-in: already 00:30 on the move-in date in Sydney.
    let eve = move_in
        .pred_opt()
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap()
        .and_utc();
    w.sandbox.clock().set(eve);
    assert!(
        w.c.now().date_naive() < move_in,
        "still the day before in UTC"
    );
    let current = w.residents(Some(OccupancyPhase::Current)).await;
    assert!(
        current.iter().any(|r| r.id == first.id),
        "moved in by the property's calendar, not UTC's"
    );
    // A sync at that moment agrees: the resident is current, not future.
    let run = w.sync().await;
    assert_eq!(run.counts.created, 0);
    assert!(
        !w.residents(Some(OccupancyPhase::Future))
            .await
            .iter()
            .any(|r| r.id == first.id)
    );
}

// R-PMS-6: a caller that gives up on a sync (a timeout, an aborted task, a stopped scheduler)
// leaves nothing behind that blocks the next trigger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_whose_caller_gives_up_does_not_block_the_next_one() {
    let w = world(future_on()).await;
    w.sandbox
        .faults()
        .set_latency("list_residents", std::time::Duration::from_millis(300));
    // A timeout drops the sync mid-way.
    let gave_up = tokio::time::timeout(
        std::time::Duration::from_millis(20),
        w.c.sync_now(&w.admin, &w.property.id),
    )
    .await;
    assert!(
        gave_up.is_err(),
        "the sync finished before the timeout: the test proved nothing"
    );
    // An aborted task drops it too.
    let task = tokio::spawn({
        let c = w.c.clone();
        let admin = w.admin.clone();
        let property = w.property.id.clone();
        async move { c.sync_now(&admin, &property).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    // A scheduler stopped while its due sync waits for a page drops it as well.
    let calls = w.sandbox.faults().calls("list_residents");
    let scheduler = w.c.spawn_scheduler(std::time::Duration::from_secs(3600));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        w.sandbox.faults().calls("list_residents") > calls,
        "the scheduler's sync had not started: the test proved nothing"
    );
    scheduler.stop();
    assert_eq!(
        w.c.last_sync(&w.admin, &w.property.id).await.unwrap(),
        None,
        "no run finished: every sync so far was dropped mid-way"
    );
    w.sandbox
        .faults()
        .set_latency("list_residents", std::time::Duration::ZERO);
    let report = w.c.sync_now(&w.admin, &w.property.id).await.unwrap();
    assert!(
        !report.joined,
        "a new sync ran, not a join of a dropped one"
    );
    assert_eq!(report.run.aborted, None);
    assert!(report.run.counts.created > 0);
}

// R-PMS-5: a move-out whose write the store refuses (the resident changed meanwhile) is a typed
// error and counted as failed, never as moved out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_out_whose_write_is_refused_is_counted_as_failed_not_as_moved_out() {
    let w = world(future_on()).await;
    w.sync().await;
    // The last current resident the PMS lists, several pages into a listing of one per page.
    let listed = w.sandbox.pms().residents(&w.pms_id());
    let current = w.residents(Some(OccupancyPhase::Current)).await;
    let resident = listed
        .iter()
        .rev()
        .find_map(|l| {
            current
                .iter()
                .find(|r| r.external.as_ref() == Some(&l.external) && r.email.is_some())
        })
        .expect("a current resident with an email")
        .clone();
    let ext = resident.external.clone().unwrap().id;
    let yesterday = w.today().pred_opt().unwrap();
    w.sandbox
        .pms()
        .update_resident(&ext, |r| r.move_out = Some(yesterday));
    w.sandbox.pms().set_page_size(1);
    w.sandbox
        .faults()
        .set_latency("list_residents", std::time::Duration::from_millis(300));
    let sync = tokio::spawn({
        let c = w.c.clone();
        let admin = w.admin.clone();
        let property = w.property.id.clone();
        async move { c.sync_now(&admin, &property).await }
    });
    // The sync has read the property's residents with its first page (at about 300 ms); while
    // it waits for the resident's page, an admin invites them: the sync's copy is stale.
    tokio::time::sleep(std::time::Duration::from_millis(450)).await;
    w.c.invite(&w.admin, &resident.id).await.unwrap();
    let run = sync.await.unwrap().unwrap().run;
    assert_eq!(run.counts.moved_out, 0, "a move-out that was not written");
    assert!(
        run.errors
            .iter()
            .any(|e| e.external.as_ref().map(|x| x.id.as_str()) == Some(ext.as_str())),
        "the refused move-out is a typed error"
    );
    assert_eq!(run.counts.failed as usize, run.errors.len());
}

/// A PMS that lists many properties at once but breaks the contract: it deals the residents of
/// the properties it is asked for out like cards, one property after the other.
#[derive(Debug)]
struct Dealing(Arc<concierge::sandbox::SandboxPms>);

#[async_trait::async_trait]
impl PmsProvider for Dealing {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn properties_per_listing(&self) -> usize {
        10
    }
    async fn list_properties(
        &self,
        req: concierge_core::ListPmsPropertiesRequest,
    ) -> concierge_core::ProviderResult<concierge_core::Page<PmsProperty>> {
        self.0.list_properties(req).await
    }
    async fn list_units(
        &self,
        req: concierge_core::ListPmsUnitsRequest,
    ) -> concierge_core::ProviderResult<concierge_core::Page<concierge_core::PmsUnit>> {
        self.0.list_units(req).await
    }
    async fn list_residents(
        &self,
        req: concierge_core::ListPmsResidentsRequest,
    ) -> concierge_core::ProviderResult<concierge_core::Page<PmsResident>> {
        let mut piles = Vec::new();
        for property in &req.properties {
            let mut one = req.clone();
            one.properties = vec![property.clone()];
            one.cursor = None;
            piles.push(self.0.list_residents(one).await?.items.into_iter());
        }
        let mut items = Vec::new();
        loop {
            let before = items.len();
            for pile in &mut piles {
                items.extend(pile.next());
            }
            if items.len() == before {
                return Ok(concierge_core::Page { items, next: None });
            }
        }
    }
}

// R-PMS-1, R-PMS-5: a provider that lists a property's records after moving on to another
// breaks the contract of `properties_per_listing`; those records become typed errors on the
// property's run and are not applied, and nothing of another property is touched.
#[tokio::test]
async fn records_listed_after_their_property_was_finished_are_errors_not_applied() {
    let sandbox = Sandbox::new(21);
    let c = Concierge::builder()
        .sandbox(&sandbox)
        .pms(Arc::new(Dealing(sandbox.pms().clone())))
        .build()
        .unwrap();
    let admin = Admin::full_access("desk-1", "desk");
    let mut ids = Vec::new();
    for (i, p) in sandbox.pms().properties().into_iter().take(2).enumerate() {
        let property = c
            .register_property(
                &admin,
                NewProperty::new(&p.name, format!("site-{i}")).external(p.external),
            )
            .await
            .unwrap();
        ids.push(property.id);
    }
    let reports = c
        .sync_properties(&admin, &ids, SyncOptions::default())
        .await
        .unwrap();
    let out_of_place: Vec<&SyncError> = reports
        .iter()
        .flat_map(|r| &r.run.errors)
        .filter(|e| {
            e.message
                .contains("listed after the rest of its property's records")
        })
        .collect();
    assert!(!out_of_place.is_empty(), "the dealt listing was noticed");
    for r in &reports {
        let n = r.run.counts;
        assert!(n.seen > 0, "both properties were listed: {n:?}");
        assert_eq!(
            n.created + n.unchanged + n.failed + n.deferred,
            n.seen,
            "{n:?}"
        );
        let ours = c
            .list_residents(
                &admin,
                ResidentFilter::property(&r.run.property_id),
                PageRequest::first(),
            )
            .await
            .unwrap()
            .items;
        assert_eq!(ours.len() as u64, n.created, "only what was applied exists");
    }
}
