//! Three processes on one PostgreSQL database run the scheduler over many properties, each with
//! its own sync interval (R-PMS-6: "every 4 hours, configurable"; 5, 7 and 10 minutes here), for
//! 50 minutes of simulated time; one is killed with SIGKILL a third of the way in. Every due sync runs exactly once (no
//! two runs of a property closer than its interval), none is skipped (no gap longer than the
//! interval and a tick), and the killed process's properties go on being synced by the others.
//!
//! The processes share a clock that runs 120 times faster than the wall clock from a common
//! start, so a simulated minute is half a real second.
#![cfg(all(feature = "postgres", feature = "sandbox", unix))]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use concierge::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const CHILD_ENV: &str = "CONCIERGE_SCHEDULE_CHILD";
const SECRET: &str = "schedule-processes-activation-secret-0123";
/// Simulated seconds per real second.
const SCALE: i32 = 120;
const PROPERTIES: usize = 12;
/// The sync intervals, in simulated seconds, given to the properties in turn.
const INTERVALS: [i64; 3] = [300, 420, 600];
/// How often each scheduler looks for due syncs, in real time (24 simulated seconds).
const TICK: Duration = Duration::from_millis(200);

/// Simulated time: `sim_start` plus the real time since `real_start`, `SCALE` times over.
#[derive(Debug)]
struct ScaledClock {
    sim_start: DateTime<Utc>,
    real_start: DateTime<Utc>,
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        self.sim_start + (Utc::now() - self.real_start) * SCALE
    }
}

/// A PMS of `PROPERTIES` properties of one unit each and no residents: a sync is cheap.
#[derive(Debug)]
struct TinyPms;

fn ext(id: String) -> ExternalRef {
    ExternalRef::new("tiny", id)
}

#[async_trait]
impl PmsProvider for TinyPms {
    fn name(&self) -> &str {
        "tiny"
    }

    async fn list_properties(
        &self,
        _: ListPmsPropertiesRequest,
    ) -> ProviderResult<Page<PmsProperty>> {
        let items = (0..PROPERTIES)
            .map(|n| {
                Ok(PmsProperty {
                    external: ext(format!("p{n}")),
                    name: format!("Property {n}"),
                })
            })
            .collect();
        Ok(Page { items, next: None })
    }

    async fn list_units(&self, req: ListPmsUnitsRequest) -> ProviderResult<Page<PmsUnit>> {
        let items = req
            .properties
            .iter()
            .map(|p| {
                Ok(PmsUnit {
                    external: ext(format!("{}-u", p.id)),
                    property: p.clone(),
                    building_name: None,
                    floor: None,
                    number: "1".into(),
                })
            })
            .collect();
        Ok(Page { items, next: None })
    }

    async fn list_residents(
        &self,
        _: ListPmsResidentsRequest,
    ) -> ProviderResult<Page<PmsResident>> {
        Ok(Page {
            items: Vec::new(),
            next: None,
        })
    }

    fn properties_per_listing(&self) -> usize {
        PROPERTIES
    }
}

async fn handle(url: &str, schema: &str, clock: ScaledClock) -> Concierge {
    let store = store::PgStore::connect_in_schema(url, Some(schema))
        .await
        .unwrap();
    Concierge::builder()
        .store(store)
        .clock(clock)
        .pms(Arc::new(TinyPms))
        .mailer(concierge::sandbox::SandboxMailer::new(Default::default()))
        .activation_secret(
            ActivationSecret::from_text(&secrecy::SecretString::from(SECRET)).unwrap(),
        )
        .build()
        .unwrap()
}

fn clock_from(text: &str) -> ScaledClock {
    let (sim, real) = text.split_once(' ').unwrap();
    ScaledClock {
        sim_start: DateTime::parse_from_rfc3339(sim).unwrap().to_utc(),
        real_start: DateTime::parse_from_rfc3339(real).unwrap().to_utc(),
    }
}

/// A child: the scheduler, until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the scheduling test as a child process"]
async fn schedule_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.splitn(3, '\n').collect();
    let c = handle(parts[0], parts[1], clock_from(parts[2])).await;
    let _scheduler = c.spawn_scheduler(TICK);
    println!("\nREADY");
    std::future::pending::<()>().await;
}

fn spawn_child(spec: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "schedule_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let ready = stdout
        .lines()
        .map_while(std::result::Result::ok)
        .any(|l| l == "READY");
    assert!(ready, "a scheduler process never started");
    child
}

// R-PMS-6
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_run_every_due_sync_exactly_once_and_survive_a_kill() {
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "SKIPPED: DATABASE_URL is not set, so there is no PostgreSQL server to test against"
        );
        return;
    };
    let schema = format!("schedule_{}", std::process::id());
    let sim_start: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
    let real_start = Utc::now() + chrono::Duration::seconds(2);
    let clock_text = format!("{} {}", sim_start.to_rfc3339(), real_start.to_rfc3339());

    // The portfolio, each property with its interval.
    let c = handle(&url, &schema, clock_from(&clock_text)).await;
    let admin = Admin::full_access("desk-1", "desk");
    let mut properties = Vec::new();
    for n in 0..PROPERTIES {
        let p = c
            .register_property(
                &admin,
                NewProperty::new(format!("Property {n}"), format!("p-{n}")),
            )
            .await
            .unwrap();
        c.link_pms_property(&admin, &p.id, &format!("p{n}"))
            .await
            .unwrap();
        let mut settings = p.settings.clone();
        settings.sync_interval = chrono::Duration::seconds(INTERVALS[n % INTERVALS.len()]);
        c.update_property_settings(&admin, &p.id, settings)
            .await
            .unwrap();
        properties.push((p.id, INTERVALS[n % INTERVALS.len()]));
    }

    let spec = format!("{url}\n{schema}\n{clock_text}");
    let mut children: Vec<Child> = (0..3).map(|_| spawn_child(&spec)).collect();
    tokio::time::sleep(Duration::from_secs(9)).await;
    children[0].kill().unwrap();
    children[0].wait().unwrap();
    tokio::time::sleep(Duration::from_secs(16)).await;
    let end = c.now();
    for child in &mut children[1..] {
        child.kill().unwrap();
        child.wait().unwrap();
    }

    // Every run of every property, from the shared database.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let bodies: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT body FROM {schema}.records WHERE kind = 'sync_run'"
    )))
    .fetch_all(&pool)
    .await
    .unwrap();
    // Each row is `{"kind": "sync_run", "record": {...}}`.
    let runs: Vec<SyncRun> = bodies
        .iter()
        .map(|(b,)| {
            let row: serde_json::Value = serde_json::from_str(b).unwrap();
            serde_json::from_value(row["record"].clone()).unwrap()
        })
        .collect();
    // A tick, the run itself and a lease handed over, with room for a loaded machine: two real
    // seconds.
    let slack = chrono::Duration::seconds(2 * i64::from(SCALE));
    let mut total = 0;
    for (property, interval) in &properties {
        let interval = chrono::Duration::seconds(*interval);
        let mut starts: Vec<DateTime<Utc>> = runs
            .iter()
            .filter(|r| &r.property_id == property)
            .map(|r| r.started_at)
            .collect();
        starts.sort();
        total += starts.len();
        assert!(
            starts.len() >= 4,
            "property {property}: {} runs in 50 simulated minutes",
            starts.len()
        );
        for pair in starts.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap >= interval,
                "property {property}: two runs {gap} apart, its interval {interval}: a sync ran twice"
            );
            assert!(
                gap <= interval + slack,
                "property {property}: two runs {gap} apart, its interval {interval}: a due sync was skipped"
            );
        }
        let last = *starts.last().unwrap();
        assert!(
            end - last <= interval + slack,
            "property {property}: no run since {last} (ended {end})"
        );
        for run in runs.iter().filter(|r| &r.property_id == property) {
            assert!(run.aborted.is_none(), "{run:?}");
        }
    }
    eprintln!(
        "{PROPERTIES} properties, 3 processes (one killed after 9 s), 50 simulated minutes: {total} runs, none doubled or skipped"
    );
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&pool)
    .await;
}
