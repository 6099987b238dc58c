//! The adapter against the Buildium simulator (`concierge-buildium-sim`), which speaks the real
//! wire format, enforces 10 requests per second and can inject faults. Each test ends by checking
//! every journalled request and response against the vendor's OpenAPI document.

mod common;

use chrono::NaiveDate;
use common::assert_exchanges_follow_the_spec;
use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_buildium_sim::{
    BuildiumSimulator, LeaseStatus, LeaseSummary, SimConfig, SimHandle, TenantStatus,
};
use concierge_contract::Contract;
use concierge_core::{
    ExternalRef, ListPmsPropertiesRequest, ListPmsResidentsRequest, ListPmsUnitsRequest,
    PmsProvider, PmsResident, ProviderError,
};
use concierge_http::{RetryPolicy, SecretString};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn portfolio() -> SimConfig {
    SimConfig {
        seed: 21,
        properties: 3,
        units_per_property: 12,
        tenants_per_unit: 1.4,
        future_share: 0.2,
        past_share: 0.2,
        bad_record_share: 0.05,
        hang_delay: Duration::from_millis(1_500),
        journal: true,
        ..SimConfig::default()
    }
}

/// The adapter for `sim`, with the default rate limit (10/s, as the simulator enforces) and a
/// timeout shorter than the simulator's hangs.
fn adapter(sim: &SimHandle) -> BuildiumPms {
    let mut config = BuildiumConfig::new(sim.client_id(), SecretString::from(sim.client_secret()));
    config.base_url = sim.base_url();
    config.timeout = Duration::from_millis(300);
    config.retry = RetryPolicy {
        max_attempts: 8,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
    };
    BuildiumPms::new(config).unwrap()
}

/// What one resident looks like, for comparing listings.
type Row = (String, String, Option<NaiveDate>, Option<NaiveDate>, String);

fn row(r: &PmsResident) -> Row {
    (
        r.external.id.clone(),
        r.unit.id.clone(),
        r.move_in,
        r.move_out,
        format!(
            "{} {} {:?} {:?}",
            r.first_name, r.last_name, r.email, r.phone
        ),
    )
}

/// Everything the adapter lists: property -> (unit ids, resident rows).
type Snapshot = BTreeMap<String, (Vec<String>, Vec<Row>)>;

async fn list_everything(pms: &BuildiumPms) -> Result<Snapshot, ProviderError> {
    let mut properties = Vec::new();
    let mut cursor = None;
    loop {
        let page = pms
            .list_properties(ListPmsPropertiesRequest { cursor })
            .await?;
        properties.extend(
            page.items
                .into_iter()
                .map(|p| p.expect("a readable property")),
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut out = Snapshot::new();
    for property in properties {
        let mut units = Vec::new();
        let mut cursor = None;
        loop {
            let page = pms
                .list_units(ListPmsUnitsRequest {
                    properties: vec![property.external.clone()],
                    cursor,
                })
                .await?;
            units.extend(
                page.items
                    .into_iter()
                    .map(|u| u.expect("a readable unit").external.id),
            );
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let residents = residents(pms, &property.external, None).await?;
        out.insert(property.external.id, (units, residents));
    }
    Ok(out)
}

async fn residents(
    pms: &BuildiumPms,
    property: &ExternalRef,
    updated_since: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<Row>, ProviderError> {
    residents_of(pms, std::slice::from_ref(property), updated_since).await
}

async fn residents_of(
    pms: &BuildiumPms,
    properties: &[ExternalRef],
    updated_since: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<Row>, ProviderError> {
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let page = pms
            .list_residents(ListPmsResidentsRequest {
                properties: properties.to_vec(),
                updated_since,
                cursor,
            })
            .await?;
        for item in page.items {
            rows.push(row(&item.unwrap_or_else(|e| panic!("record error: {e:?}"))));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(rows),
        }
    }
}

/// The resident the vendor reference's rules give for a tenant of a simulated lease.
fn expected(
    lease: &LeaseSummary,
    tenant: usize,
) -> (String, String, Option<NaiveDate>, Option<NaiveDate>) {
    let (id, status, move_in) = lease.tenants[tenant];
    let move_out = lease
        .move_outs
        .iter()
        .filter(|m| m.0 == id)
        .map(|m| m.1)
        .max()
        .or(lease.to.filter(|_| lease.automatically_move_out_tenants))
        .or_else(|| {
            let updated = lease.last_updated.date_naive();
            (status == TenantStatus::MovedOut || lease.status == LeaseStatus::Past)
                .then(|| lease.to.map_or(updated, |to| to.min(updated)))
        });
    (
        id.to_string(),
        lease.unit_id.to_string(),
        move_in.or(Some(lease.from)),
        move_out,
    )
}

#[tokio::test]
async fn every_property_unit_and_resident_of_the_simulator_is_listed_with_its_dates() {
    // Arrange
    let sim = BuildiumSimulator::start(portfolio()).await.unwrap();
    let pms = adapter(&sim);
    let counts = sim.counts();
    let leases = sim.leases();
    sim.reset_stats();

    // Act
    let snapshot = list_everything(&pms).await.unwrap();

    // Assert: the cost: one request per listing. No tenant is looked up: the leases embed
    // their current and future tenants, those who left are listed by id and dates, and a full
    // listing in property-then-Id order tells each tenant's first lease.
    let stats = sim.stats();
    assert_eq!(stats.route_count("/v1/rentals"), 1);
    assert_eq!(stats.route_count("/v1/rentals/units"), 3);
    assert_eq!(stats.route_count("/v1/leases"), 3);
    assert_eq!(stats.route_count("/v1/leases/tenants"), 0);
    assert_eq!(stats.route_count("/v1/leases/tenants/{tenantId}"), 0);
    assert_eq!(stats.total(), 7);

    // The whole portfolio in one listing: the same residents, one request per resource.
    let everyone: Vec<ExternalRef> = snapshot
        .keys()
        .map(|id| ExternalRef::new("buildium", id.clone()))
        .collect();
    sim.reset_stats();
    let mut at_once = residents_of(&pms, &everyone, None).await.unwrap();
    assert_eq!(sim.stats().total(), 1);
    let mut one_by_one: Vec<Row> = snapshot.values().flat_map(|(_, r)| r.clone()).collect();
    at_once.sort();
    one_by_one.sort();
    assert_eq!(at_once, one_by_one);

    // Assert: counts.
    assert_eq!(snapshot.len(), counts.properties);
    let units: usize = snapshot.values().map(|(u, _)| u.len()).sum();
    assert_eq!(units, counts.units);
    let all_units: BTreeSet<String> = snapshot.values().flat_map(|(u, _)| u.clone()).collect();
    let sim_units: BTreeSet<String> = sim.unit_ids().iter().map(i32::to_string).collect();
    assert_eq!(all_units, sim_units);
    for (property, (_, rows)) in &snapshot {
        let mut want: Vec<_> = leases
            .iter()
            .filter(|l| l.property_id.to_string() == *property)
            .flat_map(|l| (0..l.tenants.len()).map(move |t| expected(l, t)))
            .collect();
        let mut got: Vec<_> = rows
            .iter()
            .map(|(id, unit, inn, out, _)| (id.clone(), unit.clone(), *inn, *out))
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "property {property}");
    }
    let residents: usize = snapshot.values().map(|(_, r)| r.len()).sum();
    assert_eq!(
        residents,
        leases.iter().map(|l| l.tenants.len()).sum::<usize>()
    );
    assert!(
        residents > 40,
        "a portfolio too small to mean much: {residents}"
    );
    assert_exchanges_follow_the_spec(&Contract::buildium(), &sim.exchanges(), &[]);
}

#[tokio::test]
async fn an_incremental_pull_lists_only_leases_updated_since() {
    // Arrange
    let sim = BuildiumSimulator::start(portfolio()).await.unwrap();
    let pms = adapter(&sim);
    let leases = sim.leases();
    let property = leases[0].property_id;
    let of_property: Vec<&LeaseSummary> = leases
        .iter()
        .filter(|l| l.property_id == property)
        .collect();
    let mut stamps: Vec<_> = of_property.iter().map(|l| l.last_updated).collect();
    stamps.sort();
    let since = stamps[stamps.len() / 2];

    // Act
    let rows = residents(
        &pms,
        &ExternalRef::new("buildium", property.to_string()),
        Some(since),
    )
    .await
    .unwrap();

    // Assert
    let want: usize = of_property
        .iter()
        .filter(|l| l.last_updated >= since)
        .map(|l| l.tenants.len())
        .sum();
    assert_eq!(rows.len(), want);
    assert!(want > 0);
    assert_exchanges_follow_the_spec(&Contract::buildium(), &sim.exchanges(), &[]);
}

#[tokio::test]
async fn the_same_listing_comes_back_when_a_fifth_of_requests_fail() {
    // Arrange: a reference listing, then 20 % of requests failing with 500, 503, 429 (no
    // Retry-After) or a hang longer than the adapter's timeout.
    let sim = BuildiumSimulator::start(portfolio()).await.unwrap();
    let reference = list_everything(&adapter(&sim)).await.unwrap();
    sim.reset_stats();
    sim.set_fault_rate(0.2, 7);

    // Act
    let faulty = list_everything(&adapter(&sim)).await.unwrap();

    // Assert
    assert_eq!(faulty, reference);
    let stats = sim.stats();
    let failures = stats.status_count(500) + stats.status_count(503) + stats.status_count(429);
    assert!(failures > 0, "no fault was injected: {stats:?}");
    // The injected faults' statuses are documented in Buildium's guide, not per operation.
    assert_exchanges_follow_the_spec(&Contract::buildium(), &sim.exchanges(), &[429, 500, 503]);
}

// R-SDK-1
#[tokio::test]
async fn the_adapter_passes_the_provider_conformance_kit_against_the_simulator() {
    let sim = BuildiumSimulator::start(SimConfig {
        bad_record_share: 0.0,
        ..portfolio()
    })
    .await
    .unwrap();
    // The credentials must stay out of every error the kit provokes.
    let secrets = [SecretString::from(sim.client_secret())];
    let report = concierge_core::kit::check_pms(&adapter(&sim), &secrets).await;
    assert!(report.ok(), "{}", report.summary());
    // Buildium lists many properties at once: that check runs too.
    assert_eq!(report.skipped, 0, "{}", report.summary());
    assert_exchanges_follow_the_spec(&Contract::buildium(), &sim.exchanges(), &[]);
}
