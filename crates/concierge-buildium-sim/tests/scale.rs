//! A 1,000-property, 100,000-tenant portfolio: generation time and peak heap, then a listing
//! over the whole of it; on demand, the serving time of a listing in `propertyids` chunks.

mod common;

use common::get;
use concierge_buildium_sim::{BuildiumSimulator, SimConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live and peak heap bytes of this test binary.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[tokio::test]
async fn a_100k_tenant_portfolio_generates_quickly_in_little_memory_and_serves_pages() {
    // Arrange
    let config = SimConfig {
        seed: 2026,
        properties: 1_000,
        units_per_property: 100,
        tenants_per_unit: 1.0,
        rate_limit_per_sec: None,
        ..SimConfig::default()
    };
    let live_before = LIVE.load(Ordering::Relaxed);
    PEAK.store(live_before, Ordering::Relaxed);

    // Act
    let started = Instant::now();
    let sim = BuildiumSimulator::new(config);
    let generation = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed) - live_before;
    let retained = LIVE.load(Ordering::Relaxed) - live_before;
    let counts = sim.counts();
    let handle = sim.serve().await.unwrap();
    let started = Instant::now();
    let last_page = get(&handle, "/v1/leases/tenants?limit=1000&offset=99500").await;
    let tenant_page = started.elapsed();
    let started = Instant::now();
    let leases = get(
        &handle,
        "/v1/leases?orderby=LastUpdatedDateTime%20desc,Id%20asc&limit=1000",
    )
    .await;
    let sorted_page = started.elapsed();

    // Assert
    eprintln!(
        "generated {counts:?} in {generation:?}; heap peak {:.1} MB, retained {:.1} MB; \
         last tenant page {tenant_page:?}; sorted lease page {sorted_page:?}",
        peak as f64 / 1e6,
        retained as f64 / 1e6
    );
    assert_eq!(counts.properties, 1_000);
    assert_eq!(counts.units, 100_000);
    assert_eq!(counts.tenants, 100_000);
    assert_eq!(
        counts.active_leases + counts.future_leases + counts.past_leases,
        counts.leases
    );
    assert!(peak < 200_000_000, "peak heap {peak} bytes");
    assert!(generation.as_secs() < 10, "generation took {generation:?}");
    assert_eq!(last_page.status, 200);
    assert_eq!(last_page.total(), 100_000);
    assert_eq!(last_page.items().len(), 500);
    assert_eq!(leases.status, 200);
    assert_eq!(leases.items().len(), 1000);
    assert_eq!(leases.total(), counts.leases);
}

/// This process's CPU time (user and system) from `/proc/self/stat`, where there is one.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Prints how long the simulator takes to serve a portfolio-wide listing the way the sync engine
/// asks for it: 1,000 properties in 5 chunks of 200 repeated `propertyids`, ordered by
/// `PropertyId,Id`, in pages of 1,000 (bodies are not parsed). Figures only, wall and process
/// CPU time (assuming 100 clock ticks a second); run with `--ignored --nocapture`.
#[tokio::test]
#[ignore = "prints timings of a 100,000-lease portfolio; run on demand"]
async fn a_portfolio_wide_listing_in_property_chunks_prints_its_serving_time() {
    // Arrange
    let sim = BuildiumSimulator::new(SimConfig {
        properties: 1_000,
        units_per_property: 100,
        rate_limit_per_sec: None,
        ..SimConfig::default()
    });
    let counts = sim.counts();
    let handle = sim.serve().await.unwrap();
    let properties = get(&handle, "/v1/rentals?orderby=Id&limit=1000").await;
    let property_ids: Vec<i64> = properties
        .items()
        .iter()
        .map(|p| p["Id"].as_i64().unwrap())
        .collect();

    for path in ["/v1/leases", "/v1/rentals/units"] {
        // Act
        let (mut pages, mut records, mut slowest) = (0, 0, Duration::ZERO);
        let (started, cpu_before) = (Instant::now(), cpu_time());
        for chunk in property_ids.chunks(200) {
            let ids: Vec<String> = chunk.iter().map(|id| format!("propertyids={id}")).collect();
            let query = ids.join("&");
            let mut offset = 0;
            loop {
                let url =
                    format!("{path}?{query}&orderby=PropertyId,Id&limit=1000&offset={offset}");
                let page_started = Instant::now();
                let page = get(&handle, &url).await;
                slowest = slowest.max(page_started.elapsed());
                assert_eq!(page.status, 200);
                let total = page.total();
                pages += 1;
                offset += 1000;
                if offset >= total {
                    records += total;
                    break;
                }
            }
        }
        let wall = started.elapsed();
        let cpu = cpu_time()
            .zip(cpu_before)
            .map(|(after, before)| format!("{:?}", after - before))
            .unwrap_or_else(|| "n/a".to_owned());
        // The same requests past the last record: selection and ordering without rendering.
        let started = Instant::now();
        for chunk in property_ids.chunks(200) {
            let ids: Vec<String> = chunk.iter().map(|id| format!("propertyids={id}")).collect();
            let query = ids.join("&");
            for _ in 0..pages / 5 {
                let url = format!("{path}?{query}&orderby=PropertyId,Id&limit=1000&offset=999999");
                assert_eq!(get(&handle, &url).await.status, 200);
            }
        }
        let selecting = started.elapsed();

        // Assert (figures only)
        eprintln!(
            "{path}: {records} records in {pages} pages: wall {wall:?} ({:?} a page, slowest \
             {slowest:?}), CPU {cpu}; {} empty pages {selecting:?}; portfolio {counts:?}",
            wall / pages,
            pages / 5 * 5
        );
    }
}
