//! Two processes race for the same property's lease, 100 times each: never both hold it.

mod support;

use concierge_core::*;
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "CONCIERGE_LEASE_CHILD";
const ROUNDS: usize = 100;

/// The child: tries for the lease `ROUNDS` times; while holding it, claims a row that only one
/// holder may have at a time. A claim that collides means both held the lease.
#[tokio::test]
#[ignore = "run by the race test as a child process"]
async fn lease_race_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (schema, rest) = spec.split_once('|').expect("schema|property|me");
    let (property, me) = rest.split_once('|').expect("property|me");
    let url = support::database_url().expect("url");
    let store = concierge_store::PgStore::connect_in_schema(&url, Some(schema))
        .await
        .expect("connect");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(
            url.parse::<sqlx::postgres::PgConnectOptions>()
                .expect("url")
                .options([("search_path", schema)]),
        )
        .await
        .expect("pool");
    let property = PropertyId::from_string(property);
    let (mut held, mut refused, mut overlaps) = (0, 0, 0);
    for _ in 0..ROUNDS {
        let now = chrono::Utc::now();
        if store
            .try_acquire_lease(&property, me, now, chrono::Duration::seconds(30))
            .await
            .expect("acquire")
        {
            held += 1;
            match sqlx::query("INSERT INTO race_holder (property_id, holder) VALUES ($1, $2)")
                .bind(property.as_str())
                .bind(me)
                .execute(&pool)
                .await
            {
                Ok(_) => {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    sqlx::query("DELETE FROM race_holder WHERE holder = $1")
                        .bind(me)
                        .execute(&pool)
                        .await
                        .expect("delete");
                }
                Err(_) => overlaps += 1,
            }
            store.release_lease(&property, me).await.expect("release");
        } else {
            refused += 1;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::task::yield_now().await;
    }
    println!("\nRESULT held={held} refused={refused} overlaps={overlaps}");
}

// R-PMS-6
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_never_hold_the_same_lease_at_once() {
    let Some(url) = support::database_url() else {
        return support::skipped("PostgreSQL lease race");
    };
    support::drop_old_schemas("ccr").await;
    let schema = support::fresh_schema("ccr");
    let store = concierge_store::PgStore::connect_in_schema(&url, Some(&schema))
        .await
        .expect("connect");
    let (property, _, _) = concierge_core::conformance::place(&store).await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(
            url.parse::<sqlx::postgres::PgConnectOptions>()
                .unwrap()
                .options([("search_path", schema.as_str())]),
        )
        .await
        .unwrap();
    sqlx::query("CREATE TABLE race_holder (property_id TEXT PRIMARY KEY, holder TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["one", "two"]
        .into_iter()
        .map(|me| {
            Command::new(&exe)
                .args([
                    "lease_race_child",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, format!("{schema}|{}|{me}", property.id))
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let (mut total_held, mut total_refused) = (0, 0);
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("RESULT "))
            .unwrap_or_else(|| panic!("no result: {text}"));
        let num = |key: &str| -> usize {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(key)?.parse().ok())
                .unwrap()
        };
        assert_eq!(
            num("overlaps="),
            0,
            "both processes held the lease at once: {line}"
        );
        total_held += num("held=");
        total_refused += num("refused=");
    }
    // The race proves something only if the lease was taken and also contended.
    assert!(
        total_held >= 10,
        "the lease was hardly ever taken ({total_held})"
    );
    assert!(
        total_refused > 0,
        "the two processes never contended for the lease"
    );
    eprintln!("lease race: {total_held} holds, {total_refused} refusals, no overlap");
}
