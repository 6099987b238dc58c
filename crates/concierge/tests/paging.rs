//! Listings page with an opaque cursor: every item exactly once, in id order, a page of at most
//! `limit`; a bad limit or cursor is a validation error naming the field. On the memory store,
//! a SQLite file and PostgreSQL (when `DATABASE_URL` is set).

#![cfg(feature = "sandbox")]

use concierge::sandbox::Sandbox;
#[cfg(feature = "postgres")]
use concierge::store::PgStore;
use concierge::store::SqliteStore;
use concierge::*;
use concierge_core::Batch;
use futures_util::TryStreamExt;
use std::future::Future;
use std::sync::Arc;

const N: usize = 250;

fn field_of(err: Error) -> String {
    assert_eq!(err.code(), ErrorCode::Validation, "{err}");
    match err {
        Error::Validation(v) => v.issues[0].field.clone(),
        other => panic!("expected a validation error, got {other}"),
    }
}

/// A last name of letters only, distinct per `i`.
fn name(i: usize) -> String {
    let letters: String = format!("{i:03}")
        .bytes()
        .map(|d| (b'a' + (d - b'0')) as char)
        .collect();
    format!("Resident{letters}")
}

/// Walks every page of a listing with pages of 100; returns the pages' items.
async fn pages<T, Fut>(mut fetch: impl FnMut(PageRequest) -> Fut) -> Vec<Vec<T>>
where
    Fut: Future<Output = Result<Listing<T>>>,
{
    let mut request = PageRequest::first().limit(100);
    let mut out = Vec::new();
    loop {
        let page = fetch(request.clone()).await.unwrap();
        assert!(page.len() <= 100);
        let next = page.next_page(&request);
        out.push(page.items);
        match next {
            Some(next) => request = next,
            None => return out,
        }
    }
}

fn sizes<T>(pages: &[Vec<T>]) -> Vec<usize> {
    pages.iter().map(Vec::len).collect()
}

/// `exclusive`: the store holds only this scenario's records (not a shared PostgreSQL
/// database), so listings that are not scoped to its property have exactly its records.
async fn scenario(store: Arc<dyn Store>, exclusive: bool) {
    let sandbox = Sandbox::new(5);
    let c = Concierge::builder()
        .sandbox(&sandbox)
        .store_arc(store.clone())
        .activation_secret(
            // Several handles share the store (PostgreSQL requires a secret).
            ActivationSecret::from_bytes(b"the tests' shared activation secret".to_vec()).unwrap(),
        )
        .build()
        .unwrap();
    let desk = Admin::full_access("desk-1", "Front desk");
    let site = format!("paging-{}", &PropertyId::new().as_str()[5..17]);
    let p = c
        .register_property(&desk, NewProperty::new("Paging", &site))
        .await
        .unwrap();
    let b = c
        .register_building(&desk, NewBuilding::new(&p.id, "A"))
        .await
        .unwrap();
    let u = c
        .register_unit(&desk, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();

    // Residents, through the facade.
    let mut residents = Vec::new();
    for i in 0..N {
        let r = c
            .move_in(&desk, MoveIn::new(&u.id, "Page", name(i)))
            .await
            .unwrap();
        residents.push(r.id);
    }
    residents.sort();
    let filter = ResidentFilter::property(&p.id);
    let got = pages(|page| c.list_residents(&desk, filter.clone(), page)).await;
    assert_eq!(sizes(&got), vec![100, 100, 50]);
    let ids: Vec<_> = got.into_iter().flatten().map(|r| r.id).collect();
    assert_eq!(ids, residents, "every resident exactly once, in id order");
    let streamed: Vec<_> = c
        .stream_residents(&desk, filter.clone())
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, residents);

    // Keys and outbox entries, written straight to the store (250 encoder round trips would
    // test the encoder, not the paging).
    let now = c.now();
    let mut keys = Vec::new();
    let mut entries = Vec::new();
    let mut batch = Batch::new();
    for i in 0..N {
        let mut key = SmartKey {
            id: KeyId::new(),
            holder: KeyHolder::Spare(SpareHolderId::new()),
            unit_id: u.id.clone(),
            encoder: ExternalRef::new("salto", "ncoder-1"),
            state: KeyState::Active,
            external: None,
            created_at: now,
            version: 0,
        };
        let mut entry = OutboxEntry::new(
            p.id.clone(),
            format!("{site}-{i}"),
            OutboxMessage::ActivationEmail {
                resident_id: ResidentId::new(),
                invitation: 1,
            },
            now,
        );
        entry.status = OutboxStatus::Parked;
        batch.put(&mut key).put(&mut entry);
        keys.push(key.id);
        entries.push(entry.id);
    }
    store.commit(batch).await.unwrap();
    keys.sort();
    entries.sort();

    let by_unit = KeyFilter::default().unit(&u.id);
    let got = pages(|page| c.list_keys(&desk, by_unit.clone(), page)).await;
    assert_eq!(sizes(&got), vec![100, 100, 50]);
    let ids: Vec<_> = got.into_iter().flatten().map(|k| k.id).collect();
    assert_eq!(ids, keys, "every key exactly once, in id order");
    let streamed: Vec<_> = c
        .stream_keys(&desk, by_unit.clone())
        .map_ok(|k| k.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, keys);

    let got = pages(|page| c.list_outbox(&desk, OutboxStatus::Parked, page)).await;
    if exclusive {
        assert_eq!(sizes(&got), vec![100, 100, 50]);
    }
    let all: Vec<_> = got.into_iter().flatten().map(|e| e.id).collect();
    assert!(all.windows(2).all(|w| w[0] < w[1]), "id order, no repeats");
    let ours: Vec<_> = all
        .into_iter()
        .filter(|id| entries.binary_search(id).is_ok())
        .collect();
    assert_eq!(ours, entries, "every entry exactly once, in id order");

    // A bad limit is refused on `limit`, a garbage cursor on `cursor`, for every listing.
    for limit in [0, 1001] {
        let page = || PageRequest::first().limit(limit);
        let errors = [
            c.list_residents(&desk, filter.clone(), page()).await.err(),
            c.list_keys(&desk, by_unit.clone(), page()).await.err(),
            c.list_outbox(&desk, OutboxStatus::Parked, page())
                .await
                .err(),
            c.sync_errors(&desk, &p.id, page()).await.err(),
            c.list_spare_holders(&desk, &u.id, page()).await.err(),
        ];
        for err in errors {
            assert_eq!(field_of(err.expect("refused")), "limit");
        }
    }
    for cursor in ["garbage", "", "res_' OR 1=1 --", "key_", keys[0].as_str()] {
        let page = || PageRequest::after(cursor);
        let errors = [
            c.list_residents(&desk, filter.clone(), page()).await.err(),
            c.list_outbox(&desk, OutboxStatus::Parked, page())
                .await
                .err(),
            c.sync_errors(&desk, &p.id, page()).await.err(),
            c.list_spare_holders(&desk, &u.id, page()).await.err(),
        ];
        for err in errors {
            assert_eq!(field_of(err.expect("refused")), "cursor", "{cursor:?}");
        }
        if cursor != keys[0].as_str() {
            let err = c
                .list_keys(&desk, by_unit.clone(), page())
                .await
                .unwrap_err();
            assert_eq!(field_of(err), "cursor", "{cursor:?}");
        }
    }
    c.close().await;
}

#[tokio::test]
async fn listings_page_on_the_memory_store() {
    scenario(Arc::new(MemoryStore::new()), true).await;
}

#[tokio::test]
async fn listings_page_on_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("paging.db"))
        .await
        .unwrap();
    scenario(Arc::new(store), true).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn listings_page_on_postgres() {
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "SKIPPED: DATABASE_URL is not set, so there is no PostgreSQL server to test against"
        );
        return;
    };
    scenario(Arc::new(PgStore::connect(&url).await.unwrap()), false).await;
}

/// Spare holders and sync errors page too (in memory: a unit has a handful of spare holders,
/// and a run's errors are part of its record).
#[tokio::test]
async fn spare_holders_page_by_id_and_an_empty_sync_error_list_is_one_last_page() {
    let sandbox = Sandbox::new(9);
    let c = Concierge::builder().sandbox(&sandbox).build().unwrap();
    let desk = Admin::full_access("desk-1", "Front desk");
    let p = c
        .register_property(&desk, NewProperty::new("Spares", "spares"))
        .await
        .unwrap();
    let b = c
        .register_building(&desk, NewBuilding::new(&p.id, "A"))
        .await
        .unwrap();
    let u = c
        .register_unit(&desk, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();
    let mut spares = Vec::new();
    for i in 0..5 {
        let s = c
            .add_spare_holder(&desk, &u.id, &format!("Spare {}", name(i)))
            .await
            .unwrap();
        spares.push(s.id);
    }
    spares.sort();
    let mut request = PageRequest::first().limit(2);
    let mut seen = Vec::new();
    let mut count = 0;
    loop {
        let page = c
            .list_spare_holders(&desk, &u.id, request.clone())
            .await
            .unwrap();
        count += 1;
        seen.extend(page.items.iter().map(|s| s.id.clone()));
        match page.next_page(&request) {
            Some(next) => request = next,
            None => break,
        }
    }
    assert_eq!((count, seen), (3, spares));

    let none = c
        .sync_errors(&desk, &p.id, PageRequest::first())
        .await
        .unwrap();
    assert_eq!(
        none,
        Listing {
            items: vec![],
            next_cursor: None
        }
    );
}
