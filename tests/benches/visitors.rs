//! Visitor passes at scale through ButterflyMX: the facade, the real adapter, the ButterflyMX
//! simulator (journal off) and a SQLite file. One site is linked, provisioned and preflighted,
//! then it prints, for `BENCH_PASSES` passes (500): the time, passes per second, the requests
//! made against the minimum the data needs (a keychain and a virtual key per pass; the doors the
//! preflight looked up stay cached in the adapter), and, over a building of `BENCH_TENANTS` tenants (2,000), the
//! contact-preference report's time and requests against the minimum (one page of 100 per 100
//! tenants). ButterflyMX publishes no rate limit: the requests are the time a deployment pays.
//!
//! `cargo bench -p concierge-e2e --bench visitors`.

use concierge::butterflymx::{ButterflyMx, ButterflyMxConfig};
use concierge::store::SqliteStore;
use concierge::*;
use concierge_butterflymx_sim::{ButterflyMxSim, NewTenant, SimConfig};
use std::sync::Arc;
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let passes = env("BENCH_PASSES", 500);
    let tenants = env("BENCH_TENANTS", 2_000);
    let sim = ButterflyMxSim::start(SimConfig {
        journal: false,
        buildings: 2,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ButterflyMxConfig::new(
        sim.client_id(),
        secrecy::SecretString::from(sim.client_secret().to_owned()),
    );
    config.api_base_url = sim.base_url();
    config.accounts_url = sim.base_url();
    config.rate_limit_per_second = None;
    let vault = StoreVault::unbound();
    let c = Concierge::builder()
        .store(
            SqliteStore::open(dir.path().join("bench.db"))
                .await
                .expect("store"),
        )
        .mailer(concierge::sandbox::SandboxMailer::new(Default::default()))
        .intercom(Arc::new(
            ButterflyMx::new(config, vault.clone()).expect("adapter"),
        ))
        .vault(vault)
        .build()
        .expect("handle");
    let desk = Admin::full_access("bench", "Bench");
    c.connect_intercom(&desk, secrecy::SecretString::from(sim.issue_consent_code()))
        .await
        .expect("consent");
    let mut settings = PropertySettings::default();
    settings.visitors.placeholder_mailbox = Some("butterflymx@example.org".into());
    let p = c
        .register_property(
            &desk,
            NewProperty::new("Bench Tower", "bench-tower").settings(settings),
        )
        .await
        .expect("property");
    let building = c
        .intercom_buildings(&desk)
        .await
        .expect("buildings")
        .remove(0);
    let building_id: i64 = building.external.id.parse().expect("numeric id");
    c.link_intercom_building(
        &desk,
        LinkIntercomBuilding {
            property_id: p.id.clone(),
            intercom_building_id: building.external.id.clone(),
        },
    )
    .await
    .expect("link");
    sim.reset_stats();
    c.provision_visitor_site(&desk, &p.id)
        .await
        .expect("provision");
    let provision_requests = sim.stats().api_total();
    sim.reset_stats();
    let started = Instant::now();
    c.visitor_preflight(&desk, &p.id).await.expect("preflight");
    let preflight = started.elapsed();
    let preflight_requests = sim.stats().api_total();

    sim.reset_stats();
    let started = Instant::now();
    for n in 0..passes {
        let day = 1 + (n / 24) % 28;
        let hour = n % 24;
        c.create_visitor_pass(
            &desk,
            CreateVisitorPass {
                property_id: p.id.clone(),
                visitor_name: format!("Guest {n}"),
                starts_at: VisitTime::parse(&format!("2030-03-{day:02}T{hour:02}:00"))
                    .expect("time"),
                ends_at: VisitTime::parse(&format!("2030-03-{day:02}T{hour:02}:45")).expect("time"),
                resident_id: None,
                request_key: None,
            },
        )
        .await
        .expect("pass");
    }
    let elapsed = started.elapsed();
    let pass_requests = sim.stats().api_total();
    // A keychain and a virtual key each; the doors were looked up (and cached) by the preflight.
    let minimum = 2 * passes as u64;

    let existing = sim.tenants(building_id).len();
    for n in existing..tenants {
        let email = format!("tenant{n}@example.org");
        sim.add_tenant(
            building_id,
            NewTenant::new(
                &format!("{}", 1000 + n / 2),
                "Tenant",
                &format!("No{n}"),
                &email,
            ),
        )
        .expect("tenant");
    }
    sim.reset_stats();
    let started = Instant::now();
    let report = c
        .visitor_contact_report(&desk, &p.id)
        .await
        .expect("report");
    let report_time = started.elapsed();
    let report_requests = sim.stats().api_total();
    let listed = report.tenants + 1;

    println!("visitor passes through ButterflyMX (simulator, real adapter, SQLite file)");
    println!(
        "  provisioning: {provision_requests} requests (look-ups and creates); preflight: {} ms, {preflight_requests} requests (tenants on Phone Calls included)",
        preflight.as_millis()
    );
    println!(
        "  {passes} passes in {:.2} s: {:.0} passes/s, {pass_requests} requests (minimum {minimum}: a keychain and a key each)",
        elapsed.as_secs_f64(),
        passes as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  contact report over {listed} tenants: {} ms, {report_requests} requests (minimum {}), {} on Phone Calls",
        report_time.as_millis(),
        listed.div_ceil(100),
        report.phone_call_tenants.len()
    );
    assert_eq!(
        sim.keychains(building_id).len(),
        passes,
        "one keychain per pass"
    );
    c.close().await;
    sim.stop().await;
}
