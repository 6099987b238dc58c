//! Conformance checks of batches the size of a sync page, and of leases taken and given back
//! for many properties at once: a page of some 1,000 residents lands in one commit, whole, or
//! not at all, refused with the same error a batch of the failing write alone gets.

use super::*;

/// `n` residents of `unit`, each with its own external reference, not committed.
fn residents(unit: &Unit, tag: &str, n: usize) -> Vec<Resident> {
    (0..n)
        .map(|i| resident(unit, &format!("{tag}{i}"), Some(&format!("{tag}-{i}"))))
        .collect()
}

/// Commits every one of `records` in one batch.
async fn commit_all<R: Versioned>(store: &dyn Store, records: &mut [R]) -> StoreResult<()> {
    let mut batch = Batch::new();
    for r in records.iter_mut() {
        batch.put(r);
    }
    store.commit(batch).await
}

/// The residents of `property`, in id order.
async fn residents_of(store: &dyn Store, property: &PropertyId) -> Vec<Resident> {
    let mut q = ResidentQuery::at(t0());
    q.property_id = Some(property.clone());
    store.list_residents(&q).await.expect("list residents")
}

/// A batch of each of `old` changed and a new resident after each (the first `new.len()` of
/// `old`), as a sync page mixes updates and inserts. `last` is put at `at`, in place of the
/// new resident there.
fn mixed_batch(
    old: &mut [Resident],
    new: &mut [Resident],
    last: Option<(usize, &mut Resident)>,
) -> Batch {
    let mut batch = Batch::new();
    let (at, mut odd) = match last {
        Some((at, r)) => (at, Some(r)),
        None => (usize::MAX, None),
    };
    for (i, o) in old.iter_mut().enumerate() {
        o.phone = Some(format!("+61 2 9000 {i:04}"));
        batch.put(o);
        if i == at
            && let Some(r) = odd.take()
        {
            batch.put(r);
        } else if let Some(n) = new.get_mut(i) {
            batch.put(n);
        }
    }
    batch
}

/// A batch of 1,500 residents mixing updates and inserts commits in one go; the same record put
/// twice in one batch (inserted then changed, or changed twice) ends as the last put says.
pub async fn large_batches_commit_in_one_go(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let mut old = residents(&unit, "old", 750);
    commit_all(store, &mut old).await.expect("the first 750");
    let mut new = residents(&unit, "new", 750);

    store
        .commit(mixed_batch(&mut old, &mut new, None))
        .await
        .expect("750 updates and 750 inserts in one batch");

    let mut expected: Vec<Resident> = old.iter().chain(&new).cloned().collect();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(residents_of(store, &property.id).await, expected);
    assert!(expected.iter().all(|r| r.version == 1 || r.version == 2));

    let mut twice = old[0].clone();
    let mut fresh = resident(&unit, "Fresh", Some("fresh"));
    let mut batch = Batch::new();
    twice.first_name = "Once".into();
    batch.put(&mut twice).put(&mut fresh);
    twice.first_name = "Twice".into();
    fresh.phone = Some("+61 2 9000 9999".into());
    batch.put(&mut twice).put(&mut fresh);
    store
        .commit(batch)
        .await
        .expect("the same records twice in one batch");
    assert_eq!(twice.version, 4);
    assert_eq!(get::<Resident>(store, twice.id.as_str()).await, Some(twice));
    assert_eq!(fresh.version, 2);
    assert_eq!(get::<Resident>(store, fresh.id.as_str()).await, Some(fresh));
}

/// A batch of 1,500 residents in which one update read a version that moved on is refused
/// whole, as `Concurrent` naming that resident, and writes nothing.
pub async fn a_stale_write_refuses_a_large_batch_whole(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let mut old = residents(&unit, "old", 750);
    commit_all(store, &mut old).await.expect("the first 750");
    // Someone else changes one of them after the page was read.
    let mut theirs = old[500].clone();
    theirs.last_name = "Theirs".into();
    commit_one(store, &mut theirs).await.expect("their change");
    let before = residents_of(store, &property.id).await;
    let mut new = residents(&unit, "new", 750);

    let refused = store.commit(mixed_batch(&mut old, &mut new, None)).await;

    match refused {
        Err(StoreError::Concurrent { entity, id }) => {
            assert_eq!(entity, crate::EntityKind::Resident);
            assert_eq!(id, old[500].id.as_str());
        }
        other => panic!("expected Concurrent for the stale resident, got {other:?}"),
    }
    assert_eq!(
        residents_of(store, &property.id).await,
        before,
        "nothing written"
    );
}

/// A batch of 1,500 residents in which one new resident repeats a stored one's external
/// reference is refused whole with the constraint error that resident alone gets, and writes
/// nothing; so is one in which a resident's unit does not exist.
pub async fn a_broken_rule_refuses_a_large_batch_whole(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (property, _, unit) = place(store).await;
    let mut old = residents(&unit, "old", 750);
    commit_all(store, &mut old).await.expect("the first 750");
    let before = residents_of(store, &property.id).await;

    let duplicate = resident(&unit, "Again", Some("old-100"));
    let alone = commit_one(store, &mut duplicate.clone()).await;
    assert_eq!(
        constraint(alone.clone()),
        Constraint::ResidentExternalRef,
        "the duplicate alone"
    );
    refused_in_a_page_as_alone(store, &old, &unit, (600, &duplicate), alone).await;
    assert_eq!(
        residents_of(store, &property.id).await,
        before,
        "nothing written"
    );

    let mut orphan = resident(&unit, "Orphan", Some("orphan"));
    orphan.occupancy.unit_id = UnitId::new();
    let alone = commit_one(store, &mut orphan.clone()).await;
    assert_eq!(constraint(alone.clone()), Constraint::ParentExists);
    refused_in_a_page_as_alone(store, &old, &unit, (700, &orphan), alone).await;
    assert_eq!(
        residents_of(store, &property.id).await,
        before,
        "nothing written"
    );
}

/// Commits a page of `old` updated and 750 new residents with `bad` placed at its index, and
/// checks it is refused with exactly the error `bad` got alone.
async fn refused_in_a_page_as_alone(
    store: &dyn Store,
    old: &[Resident],
    unit: &Unit,
    (at, bad): (usize, &Resident),
    alone: StoreResult<()>,
) {
    let refused = store
        .commit(mixed_batch(
            &mut old.to_vec(),
            &mut residents(unit, "new", 750),
            Some((at, &mut bad.clone())),
        ))
        .await;
    assert_eq!(format!("{refused:?}"), format!("{alone:?}"));
}

/// Leases of many properties are taken in one call by the rule of one (free, expired or
/// already the holder's: taken; another's unexpired: not), and given back in one call, which
/// gives back only the holder's.
pub async fn leases_are_taken_and_given_back_in_batches(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let ttl = Duration::seconds(30);
    let [free, others, expired, mine, also_free] = std::array::from_fn(|_| PropertyId::new());
    let take = |p: &PropertyId, holder: &'static str, at: DateTime<Utc>| {
        let p = p.clone();
        async move {
            store
                .try_acquire_lease(&p, holder, at, ttl)
                .await
                .expect("take one lease")
        }
    };
    assert!(take(&others, "b", t0()).await);
    assert!(take(&expired, "b", t0() - Duration::seconds(60)).await);
    assert!(take(&mine, "a", t0() - Duration::seconds(10)).await);
    let asked = [
        free.clone(),
        others.clone(),
        expired.clone(),
        mine.clone(),
        also_free.clone(),
        free.clone(),
    ];

    let held = store
        .try_acquire_leases(&asked, "a", t0(), ttl)
        .await
        .expect("take leases");

    assert_eq!(held, vec![true, false, true, true, true, true]);
    // Until t0 + ttl: "mine" was renewed (it would have expired at t0 + 20 s).
    let later = t0() + Duration::seconds(25);
    for p in [&free, &others, &expired, &mine, &also_free] {
        assert!(!take(p, "c", later).await, "{p} is held");
    }
    assert!(
        store
            .try_acquire_leases(&[], "a", t0(), ttl)
            .await
            .expect("no leases")
            .is_empty()
    );

    store
        .release_leases(&asked, "a")
        .await
        .expect("give leases back");
    store
        .release_leases(&[], "a")
        .await
        .expect("give no leases back");

    let after = store
        .try_acquire_leases(&[free, others, expired, mine, also_free], "c", later, ttl)
        .await
        .expect("take the given-back leases");
    assert_eq!(
        after,
        vec![true, false, true, true, true],
        "b's lease is still b's"
    );
}
