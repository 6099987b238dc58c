//! A 1,000-property, 100,000-tenant portfolio: generation time and peak heap, then a listing
//! over the whole of it.

mod common;

use common::get;
use concierge_buildium_sim::{BuildiumSimulator, SimConfig};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

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
