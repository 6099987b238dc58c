//! Committed changes per second, SQLite and PostgreSQL, one writer and four writers; and rows
//! per second of page-sized commits, as a PMS sync writes them.
//!
//! `cargo bench -p concierge-store --bench commits` (PostgreSQL only when `DATABASE_URL` is set;
//! `BENCH_COMMITS` changes the number of commits per run, default 2000; `BENCH_PAGES` the number
//! of pages per run, default 5).
//!
//! Each commit is what a workflow step writes: one resident updated (read, change, versioned
//! write), durable before it returns (SQLite: WAL with `synchronous = FULL`). Each page is one
//! commit of [`PAGE`] residents: first all new (inserts), then all changed (versioned updates).

use concierge_core::conformance::{place, resident};
use concierge_core::*;
use std::sync::Arc;
use std::time::Instant;

async fn run(store: Arc<dyn Store>, writers: usize, commits: usize) -> f64 {
    let (_, _, unit) = place(store.as_ref()).await;
    // One resident per writer, so writers never conflict: this measures the store, not retries.
    let mut residents = Vec::new();
    for w in 0..writers {
        let mut r = resident(&unit, &format!("Writer{w}"), None);
        let mut batch = Batch::new();
        batch.put(&mut r);
        store.commit(batch).await.expect("seed");
        residents.push(r);
    }
    let per_writer = commits / writers;
    let started = Instant::now();
    let tasks: Vec<_> = residents
        .into_iter()
        .map(|mut r| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..per_writer {
                    r.phone = Some(format!("+61 2 9000 {i:04}"));
                    let mut batch = Batch::new();
                    batch.put(&mut r);
                    store.commit(batch).await.expect("commit");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("writer");
    }
    (per_writer * writers) as f64 / started.elapsed().as_secs_f64()
}

/// Residents per page of a sync.
const PAGE: usize = 1000;

/// Commits `pages` pages of [`PAGE`] new residents, then each page again with every resident
/// changed. Returns rows per second of the inserts and of the updates.
async fn page_run(store: Arc<dyn Store>, pages: usize) -> (f64, f64) {
    let (_, _, unit) = place(store.as_ref()).await;
    let mut all: Vec<Vec<Resident>> = (0..pages)
        .map(|p| {
            (0..PAGE)
                .map(|i| resident(&unit, &format!("P{p}R{i}"), Some(&format!("ext-{p}-{i}"))))
                .collect()
        })
        .collect();
    let started = Instant::now();
    for page in &mut all {
        let mut batch = Batch::new();
        for r in page.iter_mut() {
            batch.put(r);
        }
        store.commit(batch).await.expect("insert page");
    }
    let inserts = (pages * PAGE) as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for page in &mut all {
        let mut batch = Batch::new();
        for r in page.iter_mut() {
            r.phone = Some("+61 2 9000 0000".into());
            batch.put(r);
        }
        store.commit(batch).await.expect("update page");
    }
    let updates = (pages * PAGE) as f64 / started.elapsed().as_secs_f64();
    (inserts, updates)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let commits: usize = std::env::var("BENCH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let pages: usize = std::env::var("BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    println!("committed changes per second ({commits} commits per run)");
    let dir = tempfile::tempdir().expect("temp dir");
    for writers in [1, 4] {
        let path = dir.path().join(format!("bench-{writers}.db"));
        let store = Arc::new(
            concierge_store::SqliteStore::open(&path)
                .await
                .expect("open"),
        );
        let rate = run(store, writers, commits).await;
        println!("  sqlite     {writers} writer(s): {rate:>8.0} commits/s");
    }
    let store = Arc::new(
        concierge_store::SqliteStore::open(dir.path().join("bench-pages.db"))
            .await
            .expect("open"),
    );
    let (inserts, updates) = page_run(store, pages).await;
    println!(
        "  sqlite     pages of {PAGE}: {inserts:>8.0} inserted rows/s, {updates:>8.0} updated rows/s"
    );
    match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            for writers in [1, 4] {
                let schema = format!("ccb_{}_{writers}", std::process::id());
                let store = Arc::new(
                    concierge_store::PgStore::connect_in_schema(&url, Some(&schema))
                        .await
                        .expect("connect"),
                );
                let rate = run(store, writers, commits).await;
                println!("  postgres   {writers} writer(s): {rate:>8.0} commits/s");
                drop_schema(&url, &schema).await;
            }
            let schema = format!("ccb_{}_pages", std::process::id());
            let store = Arc::new(
                concierge_store::PgStore::connect_in_schema(&url, Some(&schema))
                    .await
                    .expect("connect"),
            );
            let (inserts, updates) = page_run(store, pages).await;
            println!(
                "  postgres   pages of {PAGE}: {inserts:>8.0} inserted rows/s, {updates:>8.0} updated rows/s"
            );
            drop_schema(&url, &schema).await;
        }
        None => println!("  postgres   skipped: DATABASE_URL is not set"),
    }
}

/// Drops a schema a run made.
async fn drop_schema(url: &str, schema: &str) {
    if let Ok(pool) = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
    {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&pool)
            .await;
    }
}
