//! Wire behaviours and scripted pitfalls, over real HTTP.

mod common;

use chrono::{Days, Duration as ChronoDuration};
use common::{get, get_all, ids, raw_get, start};
use concierge_buildium_sim::{
    BadRecordKind, BuildiumSimulator, FaultKind, FaultPlan, LeaseStatus, NewLease, NewTenant,
    SimConfig, SimHandle, TenantStatus, TenantUpdate, UNMATCHED,
};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

fn small(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        properties: 4,
        units_per_property: 30,
        ..SimConfig::default()
    }
}

fn lease_by_id(items: &[Value], id: i32) -> Option<&Value> {
    items.iter().find(|l| l["Id"] == id)
}

#[tokio::test]
async fn paging_returns_every_record_exactly_once_with_the_total_in_x_total_count() {
    // Arrange
    let sim = start(small(2)).await;
    let counts = sim.counts();

    for (path, expected) in [
        ("/v1/rentals", counts.properties),
        ("/v1/rentals/units", counts.units),
        ("/v1/leases", counts.leases),
        ("/v1/leases/tenants", counts.tenants),
    ] {
        // Act: odd page size, stable order on Id.
        let items = get_all(&sim, path, "orderby=Id%20asc", 7).await;

        // Assert
        let got = ids(&items, "Id");
        let unique: HashSet<i64> = got.iter().copied().collect();
        assert_eq!(got.len(), expected, "{path}");
        assert_eq!(unique.len(), expected, "{path} repeated a record");
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "{path} not in Id order"
        );
        let first = get(&sim, &format!("{path}?limit=1")).await;
        assert_eq!(first.total(), expected, "{path} X-Total-Count");
    }
    assert_eq!(
        counts.tenants, 120,
        "exactly one tenant per unit on average"
    );
}

#[tokio::test]
async fn limit_defaults_to_50_and_is_silently_capped_at_1000() {
    // Arrange: 1,250 tenants.
    let sim = start(SimConfig {
        properties: 5,
        units_per_property: 250,
        ..small(3)
    })
    .await;

    // Act
    let default = get(&sim, "/v1/leases/tenants").await;
    let capped = get(&sim, "/v1/leases/tenants?limit=5000").await;
    let tail = get(&sim, "/v1/leases/tenants?limit=1000&offset=1000").await;
    let beyond = get(&sim, "/v1/leases/tenants?offset=99999").await;

    // Assert
    assert_eq!(default.items().len(), 50);
    assert_eq!(capped.status, 200);
    assert_eq!(capped.items().len(), 1000);
    assert_eq!(capped.total(), 1250);
    assert_eq!(tail.items().len(), 250);
    assert_eq!(beyond.items().len(), 0);
    assert_eq!(beyond.total(), 1250);
}

#[tokio::test]
async fn requests_without_both_credential_headers_get_401() {
    // Arrange
    let sim = start(small(1)).await;
    let id = sim.client_id().to_owned();
    let secret = sim.client_secret().to_owned();

    // Act
    let none = raw_get(sim.addr(), "/v1/rentals", &[]).await;
    let only_id = raw_get(sim.addr(), "/v1/rentals", &[("x-buildium-client-id", &id)]).await;
    let only_secret = raw_get(
        sim.addr(),
        "/v1/rentals",
        &[("x-buildium-client-secret", &secret)],
    )
    .await;
    let wrong = raw_get(
        sim.addr(),
        "/v1/rentals",
        &[
            ("x-buildium-client-id", &id),
            ("x-buildium-client-secret", "nope"),
        ],
    )
    .await;
    let right = get(&sim, "/v1/rentals").await;

    // Assert
    for resp in [&none, &only_id, &only_secret, &wrong] {
        assert_eq!(resp.status, 401);
        assert_eq!(resp.json()["ErrorCode"], "Unauthorized");
        assert!(!String::from_utf8_lossy(&resp.body).contains(&secret));
    }
    assert_eq!(right.status, 200);
}

#[tokio::test]
async fn over_the_rate_limit_requests_get_429_without_retry_after() {
    // Arrange: the default limit, 10 per second per client.
    let sim = BuildiumSimulator::start(small(1)).await.unwrap();

    // Act: 60 requests as fast as possible.
    let mut statuses = Vec::new();
    let mut retry_after = 0;
    let started = std::time::Instant::now();
    for _ in 0..60 {
        let resp = get(&sim, "/v1/rentals?limit=1").await;
        retry_after += usize::from(resp.header("Retry-After").is_some());
        statuses.push(resp.status);
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let after_a_pause = get(&sim, "/v1/rentals?limit=1").await;

    // Assert: a full bucket of 10, then about 10 more per second.
    let limited = statuses.iter().filter(|&&s| s == 429).count();
    let served = statuses.iter().filter(|&&s| s == 200).count();
    assert!(statuses[..10].iter().all(|&s| s == 200), "{statuses:?}");
    assert!(limited >= 1, "the burst is limited: {statuses:?}");
    let allowed = 10.0 + 10.0 * elapsed + 1.0;
    assert!(served as f64 <= allowed, "{served} served in {elapsed:.2}s");
    assert_eq!(served + limited, 60);
    assert_eq!(retry_after, 0, "no Retry-After header");
    assert_eq!(after_a_pause.status, 200);
    assert_eq!(sim.stats().count("/v1/rentals", 429), limited as u64);

    // And the limit can be lifted.
    sim.set_rate_limit(None);
    for _ in 0..30 {
        assert_eq!(get(&sim, "/v1/rentals?limit=1").await.status, 200);
    }
}

#[tokio::test]
async fn a_query_string_over_4096_characters_gets_500() {
    // Arrange
    let sim = start(small(1)).await;
    let query_of = |len: usize| {
        let prefix = "tenantname=";
        format!("{prefix}{}", "a".repeat(len - prefix.len()))
    };

    // Act
    let at_limit = get(&sim, &format!("/v1/leases?{}", query_of(4096))).await;
    let over = get(&sim, &format!("/v1/leases?{}", query_of(4097))).await;

    // Assert
    assert_eq!(at_limit.status, 200);
    assert_eq!(over.status, 500);
    assert_eq!(over.json()["ErrorCode"], "InternalServerError");
}

#[tokio::test]
async fn wrong_case_paths_and_misspelt_paging_names_get_404() {
    // Arrange
    let sim = start(small(1)).await;

    for path in [
        "/v1/Leases",
        "/V1/leases",
        "/v1/rentals/Units",
        "/v1/leases/Tenants",
        "/v1/leases/123/MoveOuts",
        "/leases",
        "/v2/leases",
        "/v1/leases?Limit=5",
        "/v1/leases?OFFSET=5",
        "/v1/leases/999999999",
    ] {
        // Act
        let resp = get(&sim, path).await;
        // Assert
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.json()["ErrorCode"], "NotFound");
    }
    assert_eq!(get(&sim, "/v1/leases?limit=5").await.status, 200);
    let stats = sim.stats();
    assert_eq!(stats.count(UNMATCHED, 404), 7);
    assert_eq!(stats.count("/v1/leases", 404), 2);
    assert_eq!(stats.count("/v1/leases/{leaseId}", 404), 1);
    assert_eq!(stats.count("/v1/leases", 200), 1);
    assert_eq!(stats.total(), 11);
}

#[tokio::test]
async fn malformed_parameters_get_400_naming_the_parameter() {
    // Arrange
    let sim = start(small(1)).await;

    for (query, key) in [
        ("propertyids=1,2", "propertyids"),
        ("propertyids=abc", "propertyids"),
        ("leasestatuses=Current", "leasestatuses"),
        ("lastupdatedfrom=2026-13-01T00:00:00Z", "lastupdatedfrom"),
        ("orderby=Colour%20asc", "orderby"),
        ("orderby=Id%20upwards", "orderby"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
    ] {
        // Act
        let resp = get(&sim, &format!("/v1/leases?{query}")).await;
        // Assert
        assert_eq!(resp.status, 400, "{query}");
        assert_eq!(resp.json()["Errors"][0]["Key"], key, "{query}");
    }
}

#[tokio::test]
async fn filters_select_by_property_unit_status_and_last_update() {
    // Arrange
    let sim = start(small(5)).await;
    let today = sim.today();
    let leases = sim.leases();
    let (p1, p2) = (leases[0].property_id, leases.last().unwrap().property_id);
    assert_ne!(p1, p2);

    // Act / Assert: repeated propertyids (the vendor's exploded form).
    let both = get_all(
        &sim,
        "/v1/leases",
        &format!("propertyids={p1}&propertyids={p2}"),
        1000,
    )
    .await;
    let expected = leases
        .iter()
        .filter(|l| l.property_id == p1 || l.property_id == p2)
        .count();
    assert_eq!(both.len(), expected);

    // leasestatuses, repeated, case-insensitive values.
    let future = get_all(
        &sim,
        "/v1/leases",
        "leasestatuses=Future&leasestatuses=past",
        1000,
    )
    .await;
    assert_eq!(
        future.len(),
        leases
            .iter()
            .filter(|l| l.status != LeaseStatus::Active)
            .count()
    );
    assert!(future.iter().all(|l| l["LeaseStatus"] != "Active"));

    // unitids on tenants.
    let unit = leases[0].unit_id;
    let on_unit = get_all(&sim, "/v1/leases/tenants", &format!("unitids={unit}"), 1000).await;
    let expected: BTreeSet<i64> = leases
        .iter()
        .filter(|l| l.unit_id == unit)
        .flat_map(|l| l.tenants.iter().map(|t| i64::from(t.0)))
        .collect();
    assert_eq!(
        ids(&on_unit, "Id").into_iter().collect::<BTreeSet<_>>(),
        expected
    );

    // lastupdatedfrom/to, inclusive, in the documented form.
    let since = (today - Days::new(30)).format("%Y-%m-%dT00:00:00Z");
    let recent = get_all(
        &sim,
        "/v1/leases",
        &format!("lastupdatedfrom={since}"),
        1000,
    )
    .await;
    let cutoff = (today - Days::new(30))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        recent.len(),
        leases.iter().filter(|l| l.last_updated >= cutoff).count()
    );
    let until = get_all(&sim, "/v1/leases", &format!("lastupdatedto={since}"), 1000).await;
    assert_eq!(recent.len() + until.len(), leases.len());

    // orderby descending on a date, then Id.
    let ordered = get_all(
        &sim,
        "/v1/leases",
        "orderby=LastUpdatedDateTime%20desc,Id%20asc",
        25,
    )
    .await;
    let stamps: Vec<&str> = ordered
        .iter()
        .map(|l| l["LastUpdatedDateTime"].as_str().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]));
}

/// Lease ids of `sim.leases()` on `properties`, in `PropertyId, Id` order: the brute-force
/// answer to a `propertyids` listing.
fn leases_on(sim: &SimHandle, properties: &[i32]) -> Vec<i64> {
    let mut leases: Vec<(i32, i32)> = sim
        .leases()
        .into_iter()
        .filter(|l| properties.contains(&l.property_id))
        .map(|l| (l.property_id, l.id))
        .collect();
    leases.sort_unstable();
    leases.into_iter().map(|(_, id)| i64::from(id)).collect()
}

/// Tenant ids on the leases of `sim.leases()` on `properties`, in `Id` order.
fn tenants_on(sim: &SimHandle, properties: &[i32]) -> Vec<i64> {
    sim.leases()
        .into_iter()
        .filter(|l| properties.contains(&l.property_id))
        .flat_map(|l| l.tenants.into_iter().map(|t| i64::from(t.0)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `(PropertyId, Id)` of each listed record.
fn property_and_id(items: &[Value]) -> Vec<(i64, i64)> {
    ids(items, "PropertyId")
        .into_iter()
        .zip(ids(items, "Id"))
        .collect()
}

#[tokio::test]
async fn a_listing_naming_several_properties_returns_theirs_grouped_by_property_in_id_order() {
    // Arrange: 3 of 20 properties, named out of order.
    let sim = start(SimConfig {
        seed: 12,
        properties: 20,
        units_per_property: 10,
        ..SimConfig::default()
    })
    .await;
    let all_properties: BTreeSet<i32> = sim.leases().iter().map(|l| l.property_id).collect();
    let all_properties: Vec<i32> = all_properties.into_iter().collect();
    let named = [all_properties[14], all_properties[3], all_properties[8]];
    let query = format!(
        "propertyids={}&propertyids={}&propertyids={}&orderby=PropertyId,Id",
        named[0], named[1], named[2]
    );

    // Act
    let leases = get_all(&sim, "/v1/leases", &query, 7).await;
    let units = get_all(&sim, "/v1/rentals/units", &query, 7).await;
    let lease_total = get(&sim, &format!("/v1/leases?{query}&limit=1"))
        .await
        .total();
    let unit_total = get(&sim, &format!("/v1/rentals/units?{query}&limit=1"))
        .await
        .total();
    let every_unit = get_all(&sim, "/v1/rentals/units", "orderby=Id", 1000).await;

    // Assert: leases as a brute-force filter of every lease gives them.
    let expected = leases_on(&sim, &named);
    assert!(expected.len() > 14, "several pages of 7");
    assert_eq!(ids(&leases, "Id"), expected);
    assert_eq!(lease_total, expected.len());
    let grouped = property_and_id(&leases);
    assert!(grouped.windows(2).all(|w| w[0] < w[1]), "{grouped:?}");
    assert_eq!(
        grouped.iter().map(|&(p, _)| p).collect::<BTreeSet<_>>(),
        named.iter().map(|&p| i64::from(p)).collect::<BTreeSet<_>>()
    );

    // Units as the unfiltered listing, filtered and ordered here.
    let mut expected: Vec<(i64, i64)> = property_and_id(&every_unit)
        .into_iter()
        .filter(|&(p, _)| named.iter().any(|&n| i64::from(n) == p))
        .collect();
    expected.sort_unstable();
    assert_eq!(expected.len(), 30);
    assert_eq!(property_and_id(&units), expected);
    assert_eq!(unit_total, 30);
}

#[tokio::test]
async fn a_property_filtered_listing_follows_added_and_deleted_leases() {
    // Arrange
    let sim = start(SimConfig {
        seed: 13,
        properties: 20,
        units_per_property: 10,
        ..SimConfig::default()
    })
    .await;
    let leases = sim.leases();
    let all_properties: BTreeSet<i32> = leases.iter().map(|l| l.property_id).collect();
    let all_properties: Vec<i32> = all_properties.into_iter().collect();
    let named = [all_properties[2], all_properties[11], all_properties[19]];
    let query = named
        .iter()
        .map(|p| format!("propertyids={p}"))
        .collect::<Vec<_>>()
        .join("&");
    let ordered = format!("{query}&orderby=PropertyId,Id");
    let doomed = leases
        .iter()
        .find(|l| l.property_id == named[1])
        .unwrap()
        .clone();
    let elsewhere = leases
        .iter()
        .find(|l| !named.contains(&l.property_id))
        .unwrap()
        .clone();
    let unit = leases
        .iter()
        .find(|l| l.property_id == named[0])
        .unwrap()
        .unit_id;

    // Act
    sim.delete_lease(doomed.id).unwrap();
    sim.delete_lease(elsewhere.id).unwrap();
    let added = sim
        .add_tenant_lease(NewLease::new(
            unit,
            sim.today() + Days::new(20),
            vec![NewTenant::new("Grace", "Hopper", "grace@example.com")],
        ))
        .unwrap();

    // Assert
    let expected = leases_on(&sim, &named);
    assert!(expected.contains(&i64::from(added.lease_id)));
    assert!(!expected.contains(&i64::from(doomed.id)));
    let listed = get_all(&sim, "/v1/leases", &ordered, 6).await;
    assert_eq!(ids(&listed, "Id"), expected);
    let by_id = get_all(&sim, "/v1/leases", &format!("{query}&orderby=Id"), 6).await;
    let mut in_id_order = expected.clone();
    in_id_order.sort_unstable();
    assert_eq!(ids(&by_id, "Id"), in_id_order);
    assert_eq!(
        get(&sim, &format!("/v1/leases?{ordered}&limit=1"))
            .await
            .total(),
        expected.len()
    );
    let tenants = get_all(&sim, "/v1/leases/tenants", &query, 6).await;
    let expected_tenants = tenants_on(&sim, &named);
    assert!(expected_tenants.contains(&i64::from(added.tenant_ids[0])));
    assert!(!expected_tenants.contains(&i64::from(doomed.tenants[0].0)));
    assert_eq!(ids(&tenants, "Id"), expected_tenants);
    let on_unit = get_all(&sim, "/v1/leases/tenants", &format!("unitids={unit}"), 6).await;
    assert!(ids(&on_unit, "Id").contains(&i64::from(added.tenant_ids[0])));
}

#[tokio::test]
async fn repeated_propertyids_are_served_up_to_4096_query_characters_and_answer_500_beyond() {
    // Arrange: about 200 ids, as the sync engine chunks them.
    let sim = start(small(14)).await;
    let mut query = String::from("orderby=PropertyId,Id&limit=1000");
    let mut id = 1_000;
    while query.len() + "&propertyids=1000".len() <= 4096 {
        id += 1;
        query.push_str(&format!("&propertyids={id}"));
    }
    let padding = 4096 - query.len();
    let at_limit = format!("{query}{}", "&".repeat(padding));
    let over = format!("{at_limit}&");
    assert_eq!(at_limit.len(), 4096);

    // Act
    let served = get(&sim, &format!("/v1/leases?{at_limit}")).await;
    let refused = get(&sim, &format!("/v1/leases?{over}")).await;
    let comma = get(&sim, "/v1/leases?propertyids=1001,1002").await;

    // Assert
    assert!(id - 1_000 > 200, "{} ids", id - 1_000);
    assert_eq!(served.status, 200);
    assert_eq!(served.total(), sim.counts().leases);
    assert_eq!(refused.status, 500);
    assert_eq!(
        comma.status, 400,
        "the vendor file declares only the exploded form"
    );
    assert_eq!(comma.json()["Errors"][0]["Key"], "propertyids");
}

#[tokio::test]
async fn paging_on_a_non_unique_key_can_skip_and_repeat_records_as_buildium_warns() {
    // Arrange
    let sim = start(small(6)).await;
    let all = sim.counts().leases;

    // Act
    let loose = get_all(&sim, "/v1/leases", "orderby=LeaseStatus", 5).await;
    let stable = get_all(&sim, "/v1/leases", "orderby=LeaseStatus,Id", 5).await;

    // Assert
    let loose_ids: HashSet<i64> = ids(&loose, "Id").into_iter().collect();
    let stable_ids: HashSet<i64> = ids(&stable, "Id").into_iter().collect();
    assert_eq!(loose.len(), all);
    assert!(loose_ids.len() < all, "ties reshuffled between pages");
    assert_eq!(stable_ids.len(), all);
}

#[tokio::test]
async fn a_future_lease_becomes_active_on_its_start_date_without_a_new_last_updated() {
    // Arrange
    let sim = start(small(7)).await;
    let lease = sim
        .leases()
        .into_iter()
        .find(|l| {
            l.status == LeaseStatus::Future
                && l.move_outs.is_empty()
                && sim.unit_ids().contains(&l.unit_id)
        })
        .expect("a future lease");
    let before = get(&sim, &format!("/v1/leases/{}", lease.id)).await.json();
    assert_eq!(before["LeaseStatus"], "Future");
    assert!(
        before["Tenants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["Status"] == "Future")
    );
    let watermark = sim.now().format("%Y-%m-%dT%H:%M:%SZ").to_string();

    // Act: the start date arrives.
    sim.set_today(lease.from);
    let after = get(&sim, &format!("/v1/leases/{}", lease.id)).await.json();
    let changed = get_all(
        &sim,
        "/v1/leases",
        &format!("lastupdatedfrom={watermark}"),
        1000,
    )
    .await;

    // Assert
    assert_eq!(after["LeaseStatus"], "Active");
    assert_eq!(after["LastUpdatedDateTime"], before["LastUpdatedDateTime"]);
    assert!(
        after["Tenants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["Status"] == "Current")
    );
    assert!(
        lease_by_id(&changed, lease.id).is_none(),
        "a date effect is not an edit: an incremental pull does not see it"
    );
    let unit = get(&sim, &format!("/v1/rentals/units/{}", lease.unit_id))
        .await
        .json();
    assert_eq!(unit["IsUnitOccupied"], true, "computed at query time");
}

#[tokio::test]
async fn a_tenant_can_have_move_out_data_on_a_still_active_lease() {
    // Arrange: one generated with notice given, one scripted.
    let sim = start(small(8)).await;
    let today = sim.today();
    let generated = sim
        .leases()
        .into_iter()
        .find(|l| l.status == LeaseStatus::Active && l.move_outs.iter().any(|m| m.1 >= today))
        .expect("an active lease with a move-out ahead");
    let active = sim
        .leases()
        .into_iter()
        .find(|l| l.status == LeaseStatus::Active && l.move_outs.is_empty())
        .unwrap();
    let tenant = active.tenants[0].0;
    sim.advance(ChronoDuration::hours(1));
    let now = sim.now();

    // Act
    sim.move_out(tenant, today + Days::new(30)).unwrap();
    let lease = get(&sim, &format!("/v1/leases/{}", active.id)).await.json();
    let move_outs = get(&sim, &format!("/v1/leases/{}/moveouts", active.id)).await;
    let changed = get_all(
        &sim,
        "/v1/leases",
        &format!("lastupdatedfrom={}", now.format("%Y-%m-%dT%H:%M:%SZ")),
        1000,
    )
    .await;
    let first = get(&sim, &format!("/v1/leases/{}", generated.id))
        .await
        .json();

    // Assert
    assert_eq!(lease["LeaseStatus"], "Active");
    assert_eq!(lease["MoveOutData"][0]["TenantId"], tenant);
    assert_eq!(
        lease["MoveOutData"][0]["MoveOutDate"],
        (today + Days::new(30)).to_string()
    );
    assert_eq!(lease["Tenants"][0]["Status"], "Current");
    assert_eq!(
        lease["LastUpdatedDateTime"],
        now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    );
    assert_eq!(move_outs.total(), 1);
    assert_eq!(ids(&changed, "Id"), vec![i64::from(active.id)]);
    assert_eq!(first["LeaseStatus"], "Active");
    assert!(!first["MoveOutData"].as_array().unwrap().is_empty());

    // After the date the tenant is moved out; with no one left the lease is past.
    sim.set_today(today + Days::new(31));
    let later = sim.lease(active.id).unwrap();
    assert_eq!(later.tenants[0].1, TenantStatus::MovedOut);
    if later.tenants.len() == 1 {
        assert_eq!(later.status, LeaseStatus::Past);
    }
}

#[tokio::test]
async fn a_deleted_lease_disappears_from_listings_and_answers_404() {
    // Arrange
    let sim = start(small(9)).await;
    let lease = sim.leases()[4].clone();
    let total_before = get(&sim, "/v1/leases?limit=1").await.total();
    let tenants_before = get(&sim, "/v1/leases/tenants?limit=1").await.total();

    // Act
    sim.delete_lease(lease.id).unwrap();

    // Assert
    let all = get_all(&sim, "/v1/leases", "", 1000).await;
    assert!(lease_by_id(&all, lease.id).is_none());
    assert_eq!(all.len(), total_before - 1);
    assert_eq!(
        get(&sim, &format!("/v1/leases/{}", lease.id)).await.status,
        404
    );
    assert_eq!(
        get(&sim, &format!("/v1/leases/{}/moveouts", lease.id))
            .await
            .status,
        404
    );
    let tenants_after = get(&sim, "/v1/leases/tenants?limit=1").await.total();
    assert_eq!(tenants_after, tenants_before - lease.tenants.len());
    for (tenant, _, _) in &lease.tenants {
        assert_eq!(
            get(&sim, &format!("/v1/leases/tenants/{tenant}"))
                .await
                .status,
            404
        );
    }
    assert!(sim.delete_lease(lease.id).is_err(), "already deleted");
}

#[tokio::test]
async fn mutations_bump_last_updated_and_show_in_an_incremental_pull() {
    // Arrange
    let sim = start(small(10)).await;
    let watermark = sim.now();
    sim.advance(ChronoDuration::minutes(5));
    let since = format!("lastupdatedfrom={}", watermark.format("%Y-%m-%dT%H:%M:%SZ"));
    assert!(get_all(&sim, "/v1/leases", &since, 1000).await.is_empty());
    let existing = sim.leases()[2].clone();
    let tenant = existing.tenants[0].0;
    let unit = sim.unit_ids()[0];

    // Act
    sim.update_tenant(
        tenant,
        TenantUpdate {
            email: Some("changed@example.com".into()),
            ..TenantUpdate::default()
        },
    )
    .unwrap();
    let added = sim
        .add_tenant_lease(NewLease::new(
            unit,
            sim.today() + Days::new(14),
            vec![NewTenant::new("Ada", "Lovelace", "ada@example.com")],
        ))
        .unwrap();

    // Assert
    let changed = get_all(&sim, "/v1/leases", &since, 1000).await;
    let changed_ids: BTreeSet<i64> = ids(&changed, "Id").into_iter().collect();
    assert_eq!(
        changed_ids,
        BTreeSet::from([i64::from(existing.id), i64::from(added.lease_id)])
    );
    let new_lease = lease_by_id(&changed, added.lease_id).unwrap();
    assert_eq!(new_lease["LeaseStatus"], "Future");
    assert_eq!(new_lease["CurrentTenants"][0]["FirstName"], "Ada");
    let changed_tenants = get_all(&sim, "/v1/leases/tenants", &since, 1000).await;
    assert_eq!(
        ids(&changed_tenants, "Id")
            .into_iter()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([i64::from(tenant), i64::from(added.tenant_ids[0])])
    );
    let t = get(&sim, &format!("/v1/leases/tenants/{tenant}"))
        .await
        .json();
    assert_eq!(t["Email"], "changed@example.com");
    assert!(sim.move_out(42, sim.today()).is_err(), "unknown tenant");
}

#[tokio::test]
async fn planted_bad_records_are_visible_on_the_wire() {
    // Arrange
    let sim = start(SimConfig {
        bad_record_share: 0.2,
        ..small(12)
    })
    .await;
    let bad = sim.bad_records();
    let kinds: BTreeSet<BadRecordKind> = bad.iter().map(|b| b.kind).collect();
    assert_eq!(kinds.len(), 4, "every kind planted: {kinds:?}");
    let units: HashSet<i64> = ids(&get_all(&sim, "/v1/rentals/units", "", 1000).await, "Id")
        .into_iter()
        .collect();

    for record in bad {
        // Act
        let tenant = get(&sim, &format!("/v1/leases/tenants/{}", record.tenant_id))
            .await
            .json();
        let lease = get(&sim, &format!("/v1/leases/{}", record.lease_id))
            .await
            .json();

        // Assert
        match record.kind {
            BadRecordKind::MissingFirstName => {
                assert!(tenant["FirstName"].is_null() || tenant["FirstName"] == "");
            }
            BadRecordKind::MalformedEmail => {
                let email = tenant["Email"].as_str().unwrap();
                let well_formed = email.split('@').count() == 2
                    && !email.contains(' ')
                    && email.split('@').all(|p| !p.is_empty());
                assert!(!well_formed, "{email}");
            }
            BadRecordKind::MoveOutBeforeMoveIn => {
                let move_in = lease["Tenants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["Id"] == record.tenant_id)
                    .unwrap()["MoveInDate"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let move_out = lease["MoveOutData"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|m| m["TenantId"] == record.tenant_id)
                    .unwrap()["MoveOutDate"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert!(move_out < move_in);
            }
            BadRecordKind::UnlistedUnit => {
                assert_eq!(lease["UnitId"], record.unit_id);
                assert!(!units.contains(&i64::from(record.unit_id)));
                let unit = get(&sim, &format!("/v1/rentals/units/{}", record.unit_id)).await;
                assert_eq!(unit.status, 404);
            }
        }
    }
}

async fn statuses_under(sim: &SimHandle, plan: &FaultPlan) -> Vec<u16> {
    sim.set_faults(plan.clone());
    let mut statuses = Vec::new();
    for _ in 0..300 {
        statuses.push(get(sim, "/v1/rentals?limit=1").await.status);
    }
    statuses
}

#[tokio::test]
async fn the_fault_rate_roughly_matches_and_repeats_for_a_seed() {
    // Arrange
    let sim = start(small(1)).await;
    let plan = FaultPlan::new(0.3, 77, Duration::from_secs(1)).with_kinds([
        FaultKind::InternalError,
        FaultKind::Unavailable,
        FaultKind::RateLimited,
    ]);
    // Act
    let first = statuses_under(&sim, &plan).await;
    let second = statuses_under(&sim, &plan).await;
    sim.clear_faults();
    let clean = get(&sim, "/v1/rentals?limit=1").await;

    // Assert
    let failed = first.iter().filter(|&&s| s != 200).count();
    assert!((60..=120).contains(&failed), "{failed} of 300 failed");
    let kinds: BTreeSet<u16> = first.iter().copied().filter(|&s| s != 200).collect();
    assert_eq!(kinds, BTreeSet::from([429, 500, 503]));
    assert_eq!(first, second, "the same seed gives the same faults");
    assert_eq!(clean.status, 200);
    let stats = sim.stats();
    assert_eq!(stats.route_count("/v1/rentals"), 601);
    assert_eq!(stats.status_count(200), 601 - 2 * failed as u64);
}

#[tokio::test]
async fn a_hang_fault_holds_the_request_past_a_client_timeout() {
    // Arrange
    let sim = start(SimConfig {
        hang_delay: Duration::from_millis(1_500),
        ..small(1)
    })
    .await;
    sim.inject_faults([FaultKind::Hang]);

    // Act
    let timed_out =
        tokio::time::timeout(Duration::from_millis(300), get(&sim, "/v1/rentals")).await;
    let next = get(&sim, "/v1/rentals").await;

    // Assert
    assert!(timed_out.is_err(), "the client timed out");
    assert_eq!(next.status, 200);
}

#[tokio::test]
async fn the_same_seed_serves_the_same_bytes_and_another_seed_does_not() {
    // Arrange
    let a = start(small(21)).await;
    let b = start(small(21)).await;
    let c = start(small(22)).await;

    for path in [
        "/v1/rentals?limit=1000",
        "/v1/rentals/units?limit=1000",
        "/v1/leases?limit=1000",
        "/v1/leases/tenants?limit=1000",
    ] {
        // Act
        let (ra, rb, rc) = (
            get(&a, path).await,
            get(&b, path).await,
            get(&c, path).await,
        );
        // Assert
        assert_eq!(ra.body, rb.body, "{path}");
        assert_ne!(ra.body, rc.body, "{path}");
    }
    assert_eq!(a.bad_records(), b.bad_records());
}

#[tokio::test]
async fn unknown_parameters_are_ignored_unless_the_simulator_is_strict() {
    // Arrange
    let lenient = start(small(1)).await;
    let strict = start(SimConfig {
        reject_unknown_params: true,
        ..small(1)
    })
    .await;

    // Act
    let ignored = get(&lenient, "/v1/leases?colour=red&OrderBy=Id").await;
    let refused = get(&strict, "/v1/leases?colour=red").await;
    let known = get(&strict, "/v1/leases?leasestatuses=Active&limit=3").await;

    // Assert
    assert_eq!(ignored.status, 200);
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["Errors"][0]["Key"], "colour");
    assert_eq!(known.status, 200);
}

#[tokio::test]
async fn stop_closes_the_port() {
    // Arrange
    let sim = start(small(1)).await;
    let addr = sim.addr();
    assert_eq!(get(&sim, "/v1/rentals").await.status, 200);

    // Act
    sim.stop().await;

    // Assert
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn buildings_come_from_unit_building_names_some_empty() {
    // Arrange
    let sim = start(SimConfig {
        properties: 20,
        units_per_property: 6,
        ..small(13)
    })
    .await;

    // Act
    let units = get_all(&sim, "/v1/rentals/units", "", 1000).await;

    // Assert
    let names: BTreeSet<String> = units
        .iter()
        .map(|u| match &u["BuildingName"] {
            Value::Null => "<null>".to_owned(),
            v => v.as_str().unwrap().to_owned(),
        })
        .collect();
    assert!(names.contains("<null>") || names.contains(""), "{names:?}");
    assert!(
        names.iter().any(|n| n.len() > 1 && n != "<null>"),
        "{names:?}"
    );
}
