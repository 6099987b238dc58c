//! Go Live at scale: 100 StrataMax buildings of about 100 users each (about 10,000 users, read
//! through the real adapter from the StrataMax simulator), on a SQLite file, with welcome emails
//! sent over SMTP to a real SMTP server process on loopback (`tests/smtp/sink.py`). It prints:
//! the link time and the requests it took, the Go Live preview time, the confirmation time, the
//! delivery rate to the SMTP server, the messages it received and the number of duplicates (by
//! Message-ID; must be 0).
//!
//! `cargo bench -p concierge-e2e --bench strata_go_live` (`CONCIERGE_TEST_PYTHON` names a
//! Python with aiosmtpd, as `tests/run` sets up; `BENCH_BUILDINGS`, `BENCH_LOTS`,
//! `BENCH_SEND_RATE`, `BENCH_POOL` change the sizes, the mailer's rate bound and its
//! connections).
//!
//! Delivery scales with the SMTP connections: lettre writes a message and its closing `.` in
//! two writes without `TCP_NODELAY`, so each message waits for the server's delayed ACK (about
//! 40 ms on Linux loopback) on its connection.

#[path = "../smtp/harness.rs"]
mod harness;

use concierge::smtp::{SmtpConfig, SmtpMailer, SmtpTls};
use concierge::store::SqliteStore;
use concierge::*;
use concierge_strata_sim::{StrataSimConfig, StrataSimulator, Vendor};
use concierge_stratamax::{StrataMax, StrataMaxConfig};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let python = match harness::python() {
        Ok(p) => p,
        Err(why) => {
            println!("SKIPPED: {why}");
            return;
        }
    };
    let buildings = env("BENCH_BUILDINGS", 100);
    let lots = env("BENCH_LOTS", 77);
    let rate = env("BENCH_SEND_RATE", 1000) as u32;
    let pool = env("BENCH_POOL", 16) as u32;
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    std::fs::create_dir_all(&mail).unwrap();
    let sink = harness::Sink::start(&python, &mail, None);

    let sim = StrataSimulator::start(StrataSimConfig {
        seed: 2026,
        buildings,
        lots_per_building: lots,
        scenarios: false,
        rate_limit_per_sec: None,
        ..StrataSimConfig::new(Vendor::StrataMax)
    })
    .await
    .unwrap();
    let users: usize = sim.world().buildings.iter().map(|b| b.contacts.len()).sum();
    let mut config = StrataMaxConfig::new(SecretString::from(sim.api_key()));
    config.base_url = sim.base_url();
    config.rate_limit_per_second = None;

    let mut smtp = SmtpConfig::new("127.0.0.1", sink.port).tls(SmtpTls::None);
    smtp.max_per_second = rate;
    smtp.pool_size = pool;
    let store = SqliteStore::open(dir.path().join("bench.db"))
        .await
        .unwrap();
    let c = Concierge::builder()
        .mailer(SmtpMailer::new(smtp).unwrap())
        .strata(Arc::new(StrataMax::new(config).unwrap()))
        .store(store)
        .config(Config {
            dispatch_inline: false,
            ..Config::default()
        })
        .build()
        .unwrap();
    let admin = Admin::full_access("bench", "Bench");
    let property = c
        .register_property(&admin, NewProperty::new("Portfolio", "portfolio"))
        .await
        .unwrap();
    println!(
        "Go Live of {users} strata users over {buildings} buildings (StrataMax simulator, SQLite file, SMTP to a local aiosmtpd process, send rate bound {rate}/s, {pool} SMTP connections)"
    );

    let started = Instant::now();
    let mut rolls = Vec::new();
    for b in c.strata_provider_buildings(&admin).await.unwrap() {
        let roll = c
            .link_strata_building(
                &admin,
                LinkStrataBuilding {
                    property_id: property.id.clone(),
                    strata_building_id: b.external.id,
                },
            )
            .await
            .unwrap();
        rolls.push(roll.id);
    }
    let link = started.elapsed();
    println!(
        "  link {buildings} buildings and read their users: {:>8.2} s, {} requests to the strata system",
        link.as_secs_f64(),
        sim.stats().total()
    );

    let req = GoLive {
        roll_ids: rolls.clone(),
        user_types: StrataUserType::ALL.to_vec(),
    };
    let started = Instant::now();
    let preview = c.preview_go_live(&admin, req.clone()).await.unwrap();
    let preview_time = started.elapsed();
    println!(
        "  preview:   {:>8.3} s  ({} welcome emails estimated; nothing changed)",
        preview_time.as_secs_f64(),
        preview.welcome_emails
    );
    let started = Instant::now();
    let report = c
        .confirm_go_live(
            &admin,
            ConfirmGoLive {
                roll_ids: req.roll_ids,
                user_types: req.user_types,
                plan: preview.plan,
            },
        )
        .await
        .unwrap();
    let confirm_time = started.elapsed();
    println!(
        "  confirm:   {:>8.3} s  ({} residents Pending Activation, {} welcome emails queued)",
        confirm_time.as_secs_f64(),
        report
            .buildings
            .iter()
            .map(|b| b.report.residents.len())
            .sum::<usize>(),
        report.welcome_emails
    );

    let started = Instant::now();
    let mut delivered = 0u32;
    loop {
        let r = c.dispatch_outbox().await.unwrap();
        delivered += r.delivered;
        if r.delivered == 0 && r.retrying == 0 {
            break;
        }
        if r.retrying > 0 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let expected = report.welcome_emails as usize;
    let received = sink.wait_for(expected, Duration::from_secs(60));
    let send_time = started.elapsed();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for m in &received {
        *by_id.entry(m.message_id()).or_default() += 1;
    }
    let duplicates: usize = by_id.values().map(|n| n - 1).sum();
    println!(
        "  delivery:  {:>8.2} s  {:.0} emails/s; {delivered} delivered, {} received by the SMTP server, {} distinct, {duplicates} duplicates",
        send_time.as_secs_f64(),
        received.len() as f64 / send_time.as_secs_f64(),
        received.len(),
        by_id.len()
    );
    assert_eq!(duplicates, 0, "no welcome email is sent twice");
    assert_eq!(by_id.len(), expected, "every welcome email arrived");
    c.close().await;
    sim.stop().await;
}
