//! The sync through the real Buildium adapter against the Buildium simulator (R-PMS-1, R-PMS-5,
//! R-SDK-3): a run where 20 % of responses fail (5xx, 429, hangs past the client timeout) ends
//! in exactly the state of a run without faults.

use concierge::sandbox::{ManualClock, SandboxMailer};
use concierge::*;
use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_buildium_sim::{BuildiumSimulator, FaultPlan, SimConfig, SimHandle};
use concierge_http::RetryPolicy;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

/// Everything a resident looks like after a sync, independent of our ids.
type Snapshot = (Vec<String>, Vec<String>);

async fn simulator(faults: Option<f64>) -> SimHandle {
    let config = SimConfig {
        seed: 42,
        properties: 4,
        units_per_property: 12,
        rate_limit_per_sec: None,
        hang_delay: Duration::from_millis(800),
        ..SimConfig::default()
    };
    let sim = BuildiumSimulator::start(config).await.expect("simulator");
    if let Some(rate) = faults {
        sim.set_faults(FaultPlan::new(rate, 9, Duration::from_millis(800)));
    }
    sim
}

fn buildium(sim: &SimHandle) -> Arc<BuildiumPms> {
    buildium_paged(sim, 10) // several pages per property
}

fn buildium_paged(sim: &SimHandle, page_size: u32) -> Arc<BuildiumPms> {
    let mut config = BuildiumConfig::new(
        sim.client_id(),
        SecretString::from(sim.client_secret().to_owned()),
    );
    config.base_url = sim.base_url().to_owned();
    config.rate_limit_per_sec = None;
    config.page_size = page_size;
    config.timeout = Duration::from_millis(300);
    config.retry = RetryPolicy {
        max_attempts: 8,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
    };
    Arc::new(BuildiumPms::new(config).expect("adapter"))
}

async fn sync_everything(sim: &SimHandle) -> Snapshot {
    sync_with(sim, buildium(sim), Run::OneByOne).await
}

/// How the properties are synced.
#[derive(Clone, Copy, PartialEq)]
enum Run {
    /// `sync_now` for each in turn.
    OneByOne,
    /// `sync_all`: one run, each resource read once for all.
    AtOnce,
}

async fn sync_with(sim: &SimHandle, pms: Arc<BuildiumPms>, how: Run) -> Snapshot {
    let _ = sim;
    let clock = Arc::new(ManualClock::new(ManualClock::DEFAULT_START));
    let c = Concierge::builder()
        .clock_arc(clock)
        .mailer(SandboxMailer::new(Default::default()))
        .pms(pms)
        .build()
        .expect("handle");
    let admin = Admin::full_access("desk-1", "desk");
    let settings = PropertySettings {
        future_resident_sync: true,
        ..Default::default()
    };
    let mut properties = Vec::new();
    for (i, pms_property) in c
        .list_pms_properties(&admin)
        .await
        .expect("properties")
        .into_iter()
        .enumerate()
    {
        let p = c
            .register_property(
                &admin,
                NewProperty::new(&pms_property.name, format!("site-{i}"))
                    .settings(settings.clone()),
            )
            .await
            .expect("register");
        c.link_pms_property(&admin, &p.id, &pms_property.external.id)
            .await
            .expect("link");
        properties.push(p);
    }
    let reports = match how {
        Run::AtOnce => {
            // One report per property, in whatever order: put them in the properties' order.
            let mut reports = c
                .sync_all(&admin, SyncOptions::default())
                .await
                .expect("sync");
            assert_eq!(reports.len(), properties.len());
            properties
                .iter()
                .map(|p| {
                    let at = reports
                        .iter()
                        .position(|r| r.run.property_id == p.id)
                        .expect("a report for every property");
                    reports.swap_remove(at)
                })
                .collect()
        }
        Run::OneByOne => {
            let mut reports = Vec::new();
            for p in &properties {
                reports.push(c.sync_now(&admin, &p.id).await.expect("sync"));
            }
            reports
        }
    };
    assert_eq!(reports.len(), properties.len());
    let mut residents = Vec::new();
    let mut errors = Vec::new();
    for (p, report) in properties.iter().zip(reports) {
        assert_eq!(report.run.property_id, p.id);
        assert_eq!(report.run.aborted, None);
        let n = report.run.counts;
        // Every record read is counted once: created, updated, moved out (a full first sync
        // has no one unlisted to move out), unchanged, failed or deferred.
        assert_eq!(
            n.created + n.updated + n.moved_out + n.unchanged + n.failed + n.deferred,
            n.seen,
            "{n:?}"
        );
        let units = c.list_units(&admin, &p.id).await.expect("units");
        for r in c
            .list_residents(
                &admin,
                ResidentFilter::property(&p.id),
                PageRequest::first(),
            )
            .await
            .expect("residents")
            .items
        {
            let unit = units
                .iter()
                .find(|u| u.id == r.occupancy.unit_id)
                .expect("unit");
            residents.push(format!(
                "{} {} {} {} {:?} {} {:?} {:?} {:?}",
                p.site_name,
                r.external.as_ref().map(|e| e.id.as_str()).unwrap_or("?"),
                r.first_name,
                r.last_name,
                r.email,
                unit.external.as_ref().map(|e| e.id.as_str()).unwrap_or("?"),
                r.occupancy.move_in,
                r.occupancy.move_out,
                r.occupancy.phase(c.now().date_naive()),
            ));
        }
        for e in report.run.errors {
            errors.push(format!(
                "{} {} {:?}",
                p.site_name,
                e.kind.as_str(),
                e.external.map(|x| x.id)
            ));
        }
    }
    residents.sort();
    errors.sort();
    (residents, errors)
}

// R-PMS-1, R-PMS-5, R-PMS-6: a portfolio synced as one run (each resource read once for every
// property, pages that end inside a property) ends in the same state, property by property, as
// syncing each property on its own, with as many requests as the pages the data needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portfolio_synced_as_one_run_ends_as_property_by_property_with_the_fewest_requests() {
    let sim = simulator(None).await;
    let expected = sync_with(&sim, buildium_paged(&sim, 1000), Run::OneByOne).await;
    let counts = sim.counts();
    for page_size in [1000, 7] {
        sim.reset_stats();
        let got = sync_with(&sim, buildium_paged(&sim, page_size), Run::AtOnce).await;
        assert_eq!(got, expected, "page size {page_size}");
        let stats = sim.stats();
        let pages = |n: usize| n.div_ceil(page_size as usize) as u64;
        assert_eq!(stats.route_count("/v1/rentals/units"), pages(counts.units));
        assert_eq!(stats.route_count("/v1/leases"), pages(counts.leases));
        assert_eq!(stats.route_count("/v1/leases/tenants"), 0);
        assert_eq!(stats.route_count("/v1/leases/tenants/{tenantId}"), 0);
    }
    assert!(expected.0.len() >= 40, "{}", expected.0.len());
}

// R-SDK-3, R-PMS-1, R-PMS-5
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_twenty_percent_of_responses_failing_ends_in_the_same_state_as_one_without() {
    let clean = simulator(None).await;
    let expected = sync_everything(&clean).await;
    assert!(
        expected.0.len() >= 40,
        "the portfolio synced: {}",
        expected.0.len()
    );
    assert!(
        !expected.1.is_empty(),
        "the simulator's bad records became sync errors"
    );

    let faulty = simulator(Some(0.2)).await;
    let got = sync_everything(&faulty).await;
    let stats = faulty.stats();
    let failed: u64 = [429, 500, 503]
        .into_iter()
        .map(|s| stats.status_count(s))
        .sum();
    assert!(failed > 0, "no fault was injected: the test proved nothing");
    assert_eq!(got, expected);
}

// R-SDK-3: one retry policy. A page Buildium keeps refusing is tried as often as the transport's
// policy says, not that many times over again by the engine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_keeps_failing_is_tried_by_the_transports_policy_alone() {
    let sim = simulator(None).await;
    let clock = Arc::new(ManualClock::new(ManualClock::DEFAULT_START));
    let c = Concierge::builder()
        .clock_arc(clock)
        .mailer(SandboxMailer::new(Default::default()))
        .pms(buildium(&sim))
        .build()
        .expect("handle");
    let admin = Admin::full_access("desk-1", "desk");
    let pms_property = c
        .list_pms_properties(&admin)
        .await
        .expect("properties")
        .remove(0);
    let p = c
        .register_property(&admin, NewProperty::new(&pms_property.name, "site-0"))
        .await
        .expect("register");
    c.link_pms_property(&admin, &p.id, &pms_property.external.id)
        .await
        .expect("link");
    sim.set_faults(
        FaultPlan::new(1.0, 9, Duration::from_millis(800))
            .with_kinds([concierge_buildium_sim::FaultKind::Unavailable]),
    );
    sim.reset_stats();
    let err = c.sync_now(&admin, &p.id).await.unwrap_err();
    let Error::Provider(e) = &err else {
        panic!("a provider error, not {err}");
    };
    assert_eq!(e.http_status, Some(503), "every answer was 503");
    // The adapter's policy here: 8 attempts (see `buildium`). The engine adds none.
    assert_eq!(e.attempts, 8);
    assert_eq!(sim.stats().total(), 8, "requests made for the first page");
    sim.stop().await;
}
