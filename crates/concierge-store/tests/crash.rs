//! A process killed with SIGKILL at a random point loses nothing it acknowledged and leaves no
//! half-applied change (R-SDK-4), on SQLite and on PostgreSQL.
//!
//! The test re-runs its own binary as a child that commits a stream of two-record batches
//! (a building and its unit) and prints `ACK n` after each commit returns. The parent kills it
//! after a random delay, reopens the store, and checks that every acknowledged pair is there and
//! that no building exists without its unit or the other way round.
//!
//! `CRASH_ITERATIONS` sets the number of kills (default 50); `tests/soak` runs a longer soak.

mod support;

use concierge_core::*;
use rand::Rng;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "CONCIERGE_CRASH_CHILD";

fn iterations() -> usize {
    std::env::var("CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}

async fn open(backend: &str, target: &str) -> Arc<dyn Store> {
    match backend {
        "sqlite" => Arc::new(
            concierge_store::SqliteStore::open(target)
                .await
                .expect("open sqlite"),
        ),
        _ => Arc::new(
            concierge_store::PgStore::connect_in_schema(
                &support::database_url().expect("url"),
                Some(target),
            )
            .await
            .expect("connect postgres"),
        ),
    }
}

/// The child: commits pairs until killed, acknowledging each after its commit returns.
#[tokio::test]
#[ignore = "run by the crash tests as a child process"]
async fn crash_child_writer() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (backend, target) = spec.split_once('|').expect("backend|target");
    let store = open(backend, target).await;
    let (property, _, _) = concierge_core::conformance::place(store.as_ref()).await;
    println!("\nPROP {}", property.id);
    for n in 0.. {
        let mut building = Building {
            id: BuildingId::from_string(format!("bldg_{}_{n}", property.id)),
            property_id: property.id.clone(),
            name: format!("b-{n}"),
            external: None,
            version: 0,
        };
        let mut unit = Unit {
            id: UnitId::from_string(format!("unit_{}_{n}", property.id)),
            property_id: property.id.clone(),
            building_id: building.id.clone(),
            floor: None,
            number: format!("u-{n}"),
            external: None,
            version: 0,
        };
        let mut batch = Batch::new();
        batch.put(&mut building).put(&mut unit);
        store.commit(batch).await.expect("commit");
        println!("\nACK {n}");
    }
}

/// Runs `iterations()` kills against `backend` and checks the store after each.
async fn kill_repeatedly(backend: &str, target: &str) {
    let exe = std::env::current_exe().expect("test binary");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    let mut total_acks = 0;
    for round in 0..iterations() {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{backend}|{target}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the child is writing, then kill it at a random point.
        let mut lines = Vec::new();
        let started = Instant::now();
        while !lines.iter().any(|l: &String| l.starts_with("PROP ")) {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => lines.push(line),
                Err(_) => panic!(
                    "round {round}: the child never started writing (after {:?})",
                    started.elapsed()
                ),
            }
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(0..60)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        reader.join().expect("reader");
        lines.extend(rx.try_iter());

        let property = lines
            .iter()
            .find_map(|l| l.strip_prefix("PROP "))
            .expect("property")
            .to_owned();
        let acked: Vec<u64> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("ACK ")?.parse().ok())
            .collect();
        total_acks += acked.len();

        let store = open(backend, target).await;
        let property = PropertyId::from_string(property);
        let buildings = store.list_buildings(&property).await.expect("buildings");
        let units = store.list_units(&property).await.expect("units");
        for n in &acked {
            assert!(
                buildings.iter().any(|b| b.name == format!("b-{n}")),
                "round {round}: acknowledged building {n} lost"
            );
            assert!(
                units.iter().any(|u| u.number == format!("u-{n}")),
                "round {round}: acknowledged unit {n} lost"
            );
        }
        // The place helper adds one building and unit of its own.
        assert_eq!(
            buildings.len(),
            units.len(),
            "round {round}: a half-applied batch is visible"
        );
        for b in buildings.iter().filter(|b| b.name.starts_with("b-")) {
            let n = &b.name[2..];
            assert!(
                units
                    .iter()
                    .any(|u| u.number == format!("u-{n}") && u.building_id == b.id),
                "round {round}: building {n} without its unit"
            );
        }
        // At most one commit can have landed without its acknowledgement being read.
        let stored = buildings
            .iter()
            .filter(|b| b.name.starts_with("b-"))
            .count();
        assert!(
            stored == acked.len() || stored == acked.len() + 1,
            "round {round}: {stored} stored, {} acknowledged",
            acked.len()
        );
    }
    assert!(
        total_acks > 0,
        "no round acknowledged anything: the test proved nothing"
    );
    eprintln!(
        "{backend}: {} kills, {total_acks} acknowledged commits, none lost",
        iterations()
    );
}

// R-SDK-4
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_loses_nothing_acknowledged_when_killed_at_random_points() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("crash.db");
    kill_repeatedly("sqlite", path.to_str().expect("utf-8 path")).await;
}

// R-SDK-4
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_loses_nothing_acknowledged_when_killed_at_random_points() {
    if support::database_url().is_none() {
        return support::skipped("PostgreSQL crash test");
    }
    support::drop_old_schemas("ccc").await;
    kill_repeatedly("postgres", &support::fresh_schema("ccc")).await;
}
