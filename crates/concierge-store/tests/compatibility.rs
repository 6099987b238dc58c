//! A database that is damaged, not ours, or newer is refused, naming the file and both versions,
//! and nothing in it changes. A bad PostgreSQL URL names the host, never the password.

mod support;

use concierge_core::{Store as _, StoreError};
use concierge_store::{SCHEMA_VERSION, SqliteStore};

fn incompatible(result: Result<SqliteStore, StoreError>) -> (String, Option<i64>, i64, String) {
    match result {
        Err(StoreError::Incompatible {
            location,
            found,
            supported,
            message,
        }) => (location, found, supported, message),
        Err(other) => panic!("expected Incompatible, got {other}"),
        Ok(_) => panic!("expected Incompatible, the store opened"),
    }
}

#[tokio::test]
async fn a_damaged_file_is_refused_naming_it_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    let garbage = b"this is not a database, it is a shopping list: eggs, milk, flour ".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = SqliteStore::open(&path).await.expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("garbage.db"), "{text}");
    assert!(
        text.contains(&format!("supported: {SCHEMA_VERSION}")),
        "{text}"
    );
    let (_, found, _, _) = incompatible(Err(err));
    assert_eq!(found, None);
    assert!(std::fs::read(&path).unwrap() == garbage, "the file changed");
}

#[tokio::test]
async fn another_applications_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_with(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true),
            )
            .await
            .unwrap();
        sqlx::query("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO invoices (total) VALUES (12.5)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let before = std::fs::read(&path).unwrap();
    let (location, _, supported, message) = incompatible(SqliteStore::open(&path).await);
    assert!(location.ends_with("other.db"));
    assert_eq!(supported, SCHEMA_VERSION);
    assert!(message.contains("not a Concierge database"), "{message}");
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_with_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    SqliteStore::open(&path).await.unwrap().close().await;
    {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
            .await
            .unwrap();
        sqlx::query("PRAGMA user_version = 9")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let err = SqliteStore::open(&path).await.expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: written by a newer version of Concierge; nothing was changed or migrated downwards (schema version found: 9, supported: {SCHEMA_VERSION})",
            path.display()
        )
    );
    // Still version 9: nothing was migrated downwards.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(&path))
        .await
        .unwrap();
    let (v,): (i64,) = sqlx::query_as("PRAGMA user_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(v, 9);
}

#[tokio::test]
async fn reopening_our_own_database_keeps_its_data() {
    use concierge_core::{Store, StoreExt};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let (property, _, _) = concierge_core::conformance::place(&store).await;
    store.close().await;
    let store = SqliteStore::open(&path).await.unwrap();
    let again: concierge_core::Property = store.load(property.id.as_str()).await.unwrap();
    assert_eq!(again, property);
    assert_eq!(store.list_properties().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_unreachable_postgres_names_the_host_but_never_the_password() {
    use concierge_store::PgStore;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://concierge:canary-PG-pa55@127.0.0.1:{port}/concierge");
    let err = PgStore::connect(&url).await.expect_err("unreachable");
    let text = format!("{err} {err:?}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains("canary-PG-pa55"), "{text}");
    assert!(err.is_retryable());

    let err = PgStore::connect("postgres://u:canary-PG-pa55@[not a host/x")
        .await
        .expect_err("bad url");
    assert!(!format!("{err} {err:?}").contains("canary-PG-pa55"));
}

#[tokio::test]
async fn a_wrong_postgres_password_names_the_host_but_never_the_password() {
    let Some(url) = support::database_url() else {
        return support::skipped("wrong password");
    };
    // The local server trusts every user; a database that does not exist gives the same shape
    // of refusal from the server.
    let bad = url
        .rsplit_once('/')
        .map(|(base, _)| format!("{base}/no_such_db_canary"))
        .unwrap();
    let err = concierge_store::PgStore::connect(&bad)
        .await
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("127.0.0.1") || text.contains("localhost"),
        "{text}"
    );
}

#[tokio::test]
async fn schema_5_removes_clear_tokens_that_older_outbox_rows_held() {
    // An outbox row as versions before 5 wrote it: the welcome email's token in clear.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.close().await;
    let token = "res_0123.canary-OLD-TOKEN-0123456789abcdef";
    let old = format!(
        r#"{{"kind":"outbox_entry","record":{{"message":{{"type":"activation_email","resident_id":"res_0123","token":"{token}"}}}}}}"#
    );
    // One connection, with the store's own `secure_delete`, so the statement runs as the
    // migrator runs it.
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .pragma("secure_delete", "ON");
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO records (kind, id, version, body) VALUES ('outbox_entry', 'obx_old', 1, ?)",
    )
    .bind(&old)
    .execute(&pool)
    .await
    .unwrap();
    // The migration's statement, as schema 5 runs it on a database written before.
    let migration = include_str!("../migrations/sqlite/0005_scrub_activation_tokens.sql");
    sqlx::raw_sql(migration).execute(&pool).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM records WHERE id = 'obx_old'")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(!body.contains("canary-OLD-TOKEN"), "{body}");
    assert!(
        body.contains("res_0123"),
        "the rest of the row is kept: {body}"
    );
    let mut bytes = std::fs::read(&path).unwrap();
    for suffix in ["-wal", "-shm"] {
        bytes.extend(std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default());
    }
    let needle = b"canary-OLD-TOKEN";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the token is gone from every byte of the files"
    );
}
