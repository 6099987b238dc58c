//! The PMS sync at scale, through the real Buildium adapter against the simulator, on a SQLite
//! file, with the rate limit off. For 10,000 and 100,000 residents (1,000 properties at the
//! larger size) it prints: the full sync time, the time to only fetch and parse the same pages,
//! their ratio, the time of an unchanged re-sync and the rows it wrote, and the peak memory.
//!
//! `cargo bench -p concierge-e2e --bench pms_sync` (`BENCH_SIZES=10000` for one size).
//!
//! The simulator runs in this process, so peak memory includes its portfolio; the figure
//! printed beside it is the resident memory right after the simulator generated it.

use async_trait::async_trait;
use concierge::sandbox::{ManualClock, SandboxMailer};
use concierge::store::SqliteStore;
use concierge::*;
use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_buildium_sim::{BuildiumSimulator, SimConfig};
use concierge_core::{
    Batch, Intent, IntentStatus, KeyQuery, MemberQuery, OutboxQuery, Record, RecordKey,
    ResidentQuery, StoreResult,
};
use secrecy::SecretString;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A store that counts the records it is asked to write.
#[derive(Debug)]
struct Counting {
    inner: SqliteStore,
    rows: AtomicU64,
}

#[async_trait]
impl Store for Counting {
    async fn commit(&self, batch: Batch) -> StoreResult<()> {
        self.rows
            .fetch_add(batch.puts.len() as u64, Ordering::Relaxed);
        self.inner.commit(batch).await
    }
    async fn get(&self, key: &RecordKey) -> StoreResult<Option<Record>> {
        self.inner.get(key).await
    }
    async fn list_strata_rolls(&self) -> StoreResult<Vec<StrataRoll>> {
        self.inner.list_strata_rolls().await
    }
    async fn list_strata_members(&self, q: &MemberQuery) -> StoreResult<Vec<StrataMember>> {
        self.inner.list_strata_members(q).await
    }
    async fn list_visitor_passes(
        &self,
        q: &concierge_core::PassQuery,
    ) -> StoreResult<Vec<VisitorPass>> {
        self.inner.list_visitor_passes(q).await
    }
    async fn list_properties(&self) -> StoreResult<Vec<Property>> {
        self.inner.list_properties().await
    }
    async fn list_buildings(&self, p: &PropertyId) -> StoreResult<Vec<Building>> {
        self.inner.list_buildings(p).await
    }
    async fn list_units(&self, p: &PropertyId) -> StoreResult<Vec<Unit>> {
        self.inner.list_units(p).await
    }
    async fn list_residents(&self, q: &ResidentQuery) -> StoreResult<Vec<Resident>> {
        self.inner.list_residents(q).await
    }
    async fn find_resident_by_external(
        &self,
        p: &PropertyId,
        e: &ExternalRef,
    ) -> StoreResult<Option<Resident>> {
        self.inner.find_resident_by_external(p, e).await
    }
    async fn due_outbox(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        self.inner.due_outbox(now, limit).await
    }
    async fn list_outbox(&self, q: &OutboxQuery) -> StoreResult<Vec<OutboxEntry>> {
        self.inner.list_outbox(q).await
    }
    async fn list_intents(&self, s: IntentStatus) -> StoreResult<Vec<Intent>> {
        self.inner.list_intents(s).await
    }
    async fn try_acquire_lease(
        &self,
        p: &PropertyId,
        holder: &str,
        now: chrono::DateTime<chrono::Utc>,
        ttl: chrono::Duration,
    ) -> StoreResult<bool> {
        self.inner.try_acquire_lease(p, holder, now, ttl).await
    }
    async fn release_lease(&self, p: &PropertyId, holder: &str) -> StoreResult<()> {
        self.inner.release_lease(p, holder).await
    }
    async fn list_keys(&self, q: &KeyQuery) -> StoreResult<Vec<SmartKey>> {
        self.inner.list_keys(q).await
    }
    async fn list_spare_holders(&self, u: &UnitId) -> StoreResult<Vec<SpareHolder>> {
        self.inner.list_spare_holders(u).await
    }
    async fn latest_sync_run(&self, p: &PropertyId) -> StoreResult<Option<SyncRun>> {
        self.inner.latest_sync_run(p).await
    }
}

/// `VmRSS` and `VmHWM` (peak) of this process, in MiB, from /proc.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn run(residents: usize) {
    let properties = (residents / 100).max(1);
    let sim = BuildiumSimulator::start(SimConfig {
        seed: 1,
        properties,
        units_per_property: 100,
        tenants_per_unit: 1.0,
        rate_limit_per_sec: None,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let (after_generation, _) = memory();

    let mut config = BuildiumConfig::new(
        sim.client_id(),
        SecretString::from(sim.client_secret().to_owned()),
    );
    config.base_url = sim.base_url().to_owned();
    config.rate_limit_per_sec = None;
    config.timeout = Duration::from_secs(60);
    let pms = Arc::new(BuildiumPms::new(config).expect("adapter"));

    // 1. Only fetch and parse the pages a full sync reads.
    let started = Instant::now();
    let mut parsed = 0usize;
    let mut pms_properties = Vec::new();
    let mut cursor = None;
    loop {
        let page = pms
            .list_properties(ListPmsPropertiesRequest { cursor })
            .await
            .expect("properties");
        pms_properties.extend(page.items.into_iter().flatten());
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    for p in &pms_properties {
        let mut cursor = None;
        loop {
            let page = pms
                .list_units(ListPmsUnitsRequest {
                    properties: vec![p.external.clone()],
                    cursor,
                })
                .await
                .expect("units");
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut cursor = None;
        loop {
            let page = pms
                .list_residents(ListPmsResidentsRequest {
                    properties: vec![p.external.clone()],
                    updated_since: None,
                    cursor,
                })
                .await
                .expect("residents");
            parsed += page.items.len();
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    let fetch = started.elapsed();

    // 2. The full sync into a fresh SQLite file.
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Counting {
        inner: SqliteStore::open(dir.path().join("bench.db"))
            .await
            .expect("store"),
        rows: AtomicU64::new(0),
    });
    let c = Concierge::builder()
        .clock(ManualClock::new(ManualClock::DEFAULT_START))
        .mailer(SandboxMailer::new(Default::default()))
        .store_arc(store.clone())
        .pms(pms.clone())
        .build()
        .expect("handle");
    let admin = Admin::full_access("bench-1", "bench");
    let settings = PropertySettings {
        future_resident_sync: true,
        auto_grant_mobile_access: true,
        ..Default::default()
    };
    let mut ours = Vec::new();
    for (i, p) in pms_properties.iter().enumerate() {
        let property = c
            .register_property(
                &admin,
                NewProperty::new(&p.name, format!("site-{i}")).settings(settings.clone()),
            )
            .await
            .expect("register");
        c.link_pms_property(&admin, &property.id, &p.external.id)
            .await
            .expect("link");
        ours.push(property.id);
    }
    let rows_before = store.rows.load(Ordering::Relaxed);
    let started = Instant::now();
    let mut created = 0;
    let mut errors = 0;
    for id in &ours {
        let run = c.sync_now(&admin, id).await.expect("sync").run;
        created += run.counts.created;
        errors += run.counts.failed;
    }
    let full = started.elapsed();
    let rows_full = store.rows.load(Ordering::Relaxed) - rows_before;

    // 3. The same again: nothing changed in the PMS.
    let rows_before = store.rows.load(Ordering::Relaxed);
    let started = Instant::now();
    let mut unchanged = 0;
    for id in &ours {
        unchanged += c
            .sync_now(&admin, id)
            .await
            .expect("resync")
            .run
            .counts
            .unchanged;
    }
    let resync = started.elapsed();
    let rows_resync = store.rows.load(Ordering::Relaxed) - rows_before;
    let (_, peak) = memory();

    println!(
        "{residents} residents over {} properties ({parsed} records parsed, {created} created, {errors} sync errors)",
        pms_properties.len()
    );
    println!("  fetch and parse only     {:>8.2} s", fetch.as_secs_f64());
    println!(
        "  full sync                {:>8.2} s   ({rows_full} rows written)",
        full.as_secs_f64()
    );
    println!(
        "  ratio sync / fetch       {:>8.2}",
        full.as_secs_f64() / fetch.as_secs_f64()
    );
    println!(
        "  unchanged re-sync        {:>8.2} s   ({rows_resync} rows written: one sync run per property; {unchanged} records unchanged)",
        resync.as_secs_f64()
    );
    println!(
        "  peak memory (process)    {peak:>8.1} MiB (of which the simulator's portfolio: ~{after_generation:.1} MiB resident after it was generated)"
    );
    c.close().await;
    sim.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    for size in sizes {
        run(size).await;
    }
}
