//! Shared helpers of the store tests: where the PostgreSQL server is, and fresh schemas on it.
#![allow(dead_code)]

use concierge_store::PgStore;
use std::sync::atomic::{AtomicU32, Ordering};

/// The PostgreSQL URL from `DATABASE_URL`, or `None` (the tests then say they are skipped).
pub fn database_url() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// A schema name unique to this process and call, starting with `prefix`.
pub fn fresh_schema(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A PgStore in a fresh schema, or `None` without a server.
pub async fn pg_store(prefix: &str) -> Option<PgStore> {
    let url = database_url()?;
    Some(
        PgStore::connect_in_schema(&url, Some(&fresh_schema(prefix)))
            .await
            .expect("connect to DATABASE_URL"),
    )
}

/// Drops the schemas an earlier run of this test binary left behind.
pub async fn drop_old_schemas(prefix: &str) {
    let Some(url) = database_url() else { return };
    let Ok(pool) = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
    else {
        return;
    };
    let pattern = format!("{prefix}\\_%");
    let mine = format!("{prefix}_{}_%", std::process::id());
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 AND nspname NOT LIKE $2",
    )
    .bind(pattern)
    .bind(mine)
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    for (name,) in rows {
        if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&pool)
            .await;
        }
    }
}

pub fn skipped(what: &str) {
    eprintln!(
        "SKIPPED: {what}: DATABASE_URL is not set, so there is no PostgreSQL server to test against"
    );
}
