//! The PMS sync at portfolio scale, through the real Buildium adapter against the simulator, on
//! a SQLite file. For 10,000 residents over 100 properties and 100,000 over 1,000 (100 units of
//! one tenant each per property), with the simulator's rate limit off and then on at Buildium's
//! 10 requests per second, it prints:
//!
//! - the requests a full sync of every property (`sync_all`, one run) made, against the minimum
//!   the data needs: every unit and lease page of the portfolio at 1,000 per page;
//! - the floor: fetching and parsing exactly those minimal pages, and nothing else;
//! - the full sync's time and its ratio to the floor, its requests per second and the 429s it
//!   received;
//! - an unchanged re-sync: its time, ratio and the rows it wrote;
//! - peak memory: the engine's (bytes allocated by every thread but the simulator's, the peak
//!   during the sync above what was allocated when it started) and the simulator's own.
//!
//! `cargo bench -p concierge-e2e --bench pms_sync` (`BENCH_SIZES=10000` for one size,
//! `BENCH_LIMITS=off` or `on` for one rate-limit setting).
//!
//! The simulator runs in this process, on a runtime and threads of its own, so that its
//! allocations are told apart from the engine's.

use async_trait::async_trait;
use concierge::sandbox::{ManualClock, SandboxMailer};
use concierge::store::SqliteStore;
use concierge::*;
use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_buildium_sim::{BuildiumSimulator, SimConfig, SimHandle};
use concierge_core::{
    Batch, Intent, IntentStatus, KeyQuery, MemberQuery, OutboxQuery, Record, RecordKey,
    ResidentQuery, StoreResult,
};
use concierge_http::{Auth, HttpClient};
use secrecy::SecretString;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Memory: bytes allocated, the simulator's threads apart from everyone else's.

thread_local! {
    static SIMULATOR_THREAD: Cell<bool> = const { Cell::new(false) };
}

static ENGINE_NOW: AtomicI64 = AtomicI64::new(0);
static ENGINE_PEAK: AtomicI64 = AtomicI64::new(0);
static SIM_NOW: AtomicI64 = AtomicI64::new(0);
static SIM_PEAK: AtomicI64 = AtomicI64::new(0);

struct Accounting;

fn account(delta: i64) {
    let simulator = SIMULATOR_THREAD.try_with(Cell::get).unwrap_or(false);
    let (now, peak) = if simulator {
        (&SIM_NOW, &SIM_PEAK)
    } else {
        (&ENGINE_NOW, &ENGINE_PEAK)
    };
    let value = now.fetch_add(delta, Ordering::Relaxed) + delta;
    peak.fetch_max(value, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; the bookkeeping touches
// only atomics and a const thread-local, which never allocate.
unsafe impl GlobalAlloc for Accounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as i64);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        account(new_size as i64 - layout.size() as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Accounting = Accounting;

/// CPU seconds (user and system) this process has used so far, every thread together: on a
/// machine whose cores are all busy, the work done, where wall time only shows the wait.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name (in parentheses), fields 14 and 15 are utime and stime in ticks.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15, i.e. 12 and 13 after the state (field 3).
    (ticks(11) + ticks(12)) / 100.0
}

fn mib(bytes: i64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Starts the simulator on a runtime of its own, whose threads are counted as the simulator's.
fn start_simulator(config: SimConfig) -> SimHandle {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        SIMULATOR_THREAD.with(|s| s.set(true));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .on_thread_start(|| SIMULATOR_THREAD.with(|s| s.set(true)))
            .build()
            .expect("simulator runtime");
        runtime.block_on(async move {
            let sim = BuildiumSimulator::start(config).await.expect("simulator");
            tx.send(sim).expect("handed over");
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("simulator started")
}

// ---------------------------------------------------------------------------------------------
// A store that counts the records it is asked to write.

#[derive(Debug)]
struct Counting {
    inner: SqliteStore,
    rows: AtomicU64,
    /// Microseconds spent in commits and in reads.
    writing: AtomicU64,
    reading: AtomicU64,
}

impl Counting {
    async fn read<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        let started = Instant::now();
        let out = f.await;
        self.reading
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        out
    }
}

#[async_trait]
impl Store for Counting {
    async fn commit(&self, batch: Batch) -> StoreResult<()> {
        self.rows
            .fetch_add(batch.puts.len() as u64, Ordering::Relaxed);
        let started = Instant::now();
        let out = self.inner.commit(batch).await;
        self.writing
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        out
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
    async fn list_units(&self, p: &PropertyId) -> StoreResult<Vec<Unit>> {
        self.read(self.inner.list_units(p)).await
    }
    async fn list_residents(&self, q: &ResidentQuery) -> StoreResult<Vec<Resident>> {
        self.read(self.inner.list_residents(q)).await
    }
    async fn list_buildings(&self, p: &PropertyId) -> StoreResult<Vec<Building>> {
        self.read(self.inner.list_buildings(p)).await
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
    async fn try_acquire_leases(
        &self,
        p: &[PropertyId],
        holder: &str,
        now: chrono::DateTime<chrono::Utc>,
        ttl: chrono::Duration,
    ) -> StoreResult<Vec<bool>> {
        self.inner.try_acquire_leases(p, holder, now, ttl).await
    }
    async fn release_lease(&self, p: &PropertyId, holder: &str) -> StoreResult<()> {
        self.inner.release_lease(p, holder).await
    }
    async fn release_leases(&self, p: &[PropertyId], holder: &str) -> StoreResult<()> {
        self.inner.release_leases(p, holder).await
    }
    async fn list_keys(&self, q: &KeyQuery) -> StoreResult<Vec<SmartKey>> {
        self.read(self.inner.list_keys(q)).await
    }
    async fn list_spare_holders(&self, u: &UnitId) -> StoreResult<Vec<SpareHolder>> {
        self.inner.list_spare_holders(u).await
    }
    async fn latest_sync_run(&self, p: &PropertyId) -> StoreResult<Option<SyncRun>> {
        self.read(self.inner.latest_sync_run(p)).await
    }
}

// ---------------------------------------------------------------------------------------------

/// Fetches and parses every unit and lease page of the portfolio at 1,000 per page, nothing
/// else: the least a sync can do. Returns the requests made.
async fn floor(sim: &SimHandle, rate_limit: Option<u32>) -> u64 {
    let mut builder = HttpClient::builder("buildium", &sim.base_url())
        .auth(Auth::headers([
            (
                "x-buildium-client-id",
                SecretString::from(sim.client_id().to_owned()),
            ),
            (
                "x-buildium-client-secret",
                SecretString::from(sim.client_secret().to_owned()),
            ),
        ]))
        .timeout(Duration::from_secs(60));
    if let Some(limit) = rate_limit {
        builder = builder.rate_limit(limit);
    }
    let http = builder.build().expect("client");
    let mut requests = 0;
    for path in ["/v1/rentals/units", "/v1/leases"] {
        let mut offset = 0usize;
        loop {
            let reply = http
                .get("floor", path)
                .query(&[
                    ("orderby", "Id".to_string()),
                    ("limit", "1000".to_string()),
                    ("offset", offset.to_string()),
                ])
                .send_json::<Vec<serde_json::Value>>()
                .await
                .expect("page");
            requests += 1;
            offset += reply.body.len();
            let total: usize = reply
                .headers
                .get("x-total-count")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .expect("X-Total-Count");
            if reply.body.is_empty() || offset >= total {
                break;
            }
        }
    }
    requests
}

/// What one sync of every property did.
struct Measured {
    seconds: f64,
    /// CPU seconds of every thread, the simulator's included.
    cpu: f64,
    requests: u64,
    throttled: u64,
    rows: u64,
    /// Seconds the store spent committing and reading.
    writing: f64,
    reading: f64,
    engine_peak: i64,
    counts: SyncCounts,
}

async fn sync_all(c: &Concierge, store: &Counting, sim: &SimHandle) -> Measured {
    let admin = Admin::full_access("bench-1", "bench");
    sim.reset_stats();
    let rows_before = store.rows.load(Ordering::Relaxed);
    store.writing.store(0, Ordering::Relaxed);
    store.reading.store(0, Ordering::Relaxed);
    ENGINE_PEAK.store(ENGINE_NOW.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = ENGINE_NOW.load(Ordering::Relaxed);
    let cpu = cpu_seconds();
    let started = Instant::now();
    let reports = c
        .sync_all(&admin, SyncOptions::default())
        .await
        .expect("sync");
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    let mut counts = SyncCounts::default();
    for r in &reports {
        assert_eq!(r.run.aborted, None, "a property's sync stopped");
        counts += r.run.counts;
    }
    let stats = sim.stats();
    Measured {
        seconds,
        cpu,
        requests: stats.total(),
        throttled: stats.status_count(429),
        rows: store.rows.load(Ordering::Relaxed) - rows_before,
        writing: store.writing.load(Ordering::Relaxed) as f64 / 1e6,
        reading: store.reading.load(Ordering::Relaxed) as f64 / 1e6,
        engine_peak: ENGINE_PEAK.load(Ordering::Relaxed) - base,
        counts,
    }
}

async fn run(residents: usize, properties: usize, rate_limit: Option<u32>) {
    let sim_before = SIM_NOW.load(Ordering::Relaxed);
    let sim = start_simulator(SimConfig {
        seed: 1,
        properties,
        units_per_property: residents / properties,
        tenants_per_unit: 1.0,
        rate_limit_per_sec: rate_limit,
        ..SimConfig::default()
    });
    let sim_portfolio = SIM_NOW.load(Ordering::Relaxed) - sim_before;
    SIM_PEAK.store(SIM_NOW.load(Ordering::Relaxed), Ordering::Relaxed);
    let counts = sim.counts();
    let minimum = (counts.units.div_ceil(1000) + counts.leases.div_ceil(1000)) as u64;

    // The floor.
    let cpu = cpu_seconds();
    let started = Instant::now();
    let floor_requests = floor(&sim, rate_limit).await;
    let floor_seconds = started.elapsed().as_secs_f64();
    let floor_cpu = cpu_seconds() - cpu;

    // Every property registered and linked in a fresh SQLite file.
    let mut config = BuildiumConfig::new(
        sim.client_id(),
        SecretString::from(sim.client_secret().to_owned()),
    );
    config.base_url = sim.base_url();
    config.rate_limit_per_sec = rate_limit;
    config.timeout = Duration::from_secs(60);
    let pms = Arc::new(BuildiumPms::new(config).expect("adapter"));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Counting {
        inner: SqliteStore::open(dir.path().join("bench.db"))
            .await
            .expect("store"),
        rows: AtomicU64::new(0),
        writing: AtomicU64::new(0),
        reading: AtomicU64::new(0),
    });
    let c = Concierge::builder()
        .clock(ManualClock::new(ManualClock::DEFAULT_START))
        .mailer(SandboxMailer::new(Default::default()))
        .store_arc(store.clone())
        .pms(pms)
        .build()
        .expect("handle");
    let admin = Admin::full_access("bench-1", "bench");
    let settings = PropertySettings {
        future_resident_sync: true,
        auto_grant_mobile_access: true,
        ..Default::default()
    };
    for (i, p) in c
        .list_pms_properties(&admin)
        .await
        .expect("properties")
        .iter()
        .enumerate()
    {
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
    }

    let full = sync_all(&c, &store, &sim).await;
    let again = sync_all(&c, &store, &sim).await;
    let limit = rate_limit.map_or("off".to_string(), |l| format!("{l}/s"));
    println!(
        "{residents} residents over {properties} properties, rate limit {limit} \
         ({} units, {} leases; {} residents created, {} sync errors)",
        counts.units, counts.leases, full.counts.created, full.counts.failed
    );
    println!(
        "  requests per full sync   {:>8}   minimum {minimum} ({:.2}x); floor made {floor_requests}",
        full.requests,
        full.requests as f64 / minimum as f64
    );
    println!("  floor (fetch + parse)    {floor_seconds:>8.2} s   {floor_cpu:.2} CPU s");
    println!(
        "  full sync                {:>8.2} s   {:.2}x the floor, {:.1} requests/s, {} x 429, {} rows written",
        full.seconds,
        full.seconds / floor_seconds,
        full.requests as f64 / full.seconds,
        full.throttled,
        full.rows
    );
    println!(
        "    of which store commits {:>8.2} s, store reads {:.2} s; {:.2} CPU s ({:.2}x the floor's)",
        full.writing,
        full.reading,
        full.cpu,
        full.cpu / floor_cpu
    );
    println!(
        "  unchanged re-sync        {:>8.2} s   {:.2}x the floor, {} requests, {} x 429, {} rows written ({} records unchanged)",
        again.seconds,
        again.seconds / floor_seconds,
        again.requests,
        again.throttled,
        again.rows,
        again.counts.unchanged
    );
    println!(
        "    of which store commits {:>8.2} s, store reads {:.2} s; {:.2} CPU s ({:.2}x the floor's)",
        again.writing,
        again.reading,
        again.cpu,
        again.cpu / floor_cpu
    );
    if rate_limit.is_some() {
        println!(
            "  time against requests/10 {:>8.2}x (full), {:.2}x (re-sync)",
            full.seconds / (full.requests as f64 / 10.0),
            again.seconds / (again.requests as f64 / 10.0)
        );
    }
    println!(
        "  peak memory: engine {:.1} MiB (full sync), {:.1} MiB (re-sync); simulator {:.1} MiB portfolio, {:.1} MiB peak",
        mib(full.engine_peak),
        mib(again.engine_peak),
        mib(sim_portfolio),
        mib(SIM_PEAK.load(Ordering::Relaxed) - sim_before)
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
    let limits: Vec<Option<u32>> = match std::env::var("BENCH_LIMITS").as_deref() {
        Ok("off") => vec![None],
        Ok("on") => vec![Some(10)],
        _ => vec![None, Some(10)],
    };
    for limit in limits {
        for &size in &sizes {
            run(size, size / 100, limit).await;
        }
    }
}
