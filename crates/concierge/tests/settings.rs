//! `Settings` and `Concierge::open`: bad settings are refused all at once with field paths and
//! before anything is created; secrets never show; the handle opens on memory, a SQLite file,
//! the sandbox and (when `DATABASE_URL` is set) PostgreSQL.

#![cfg(all(
    feature = "sandbox",
    feature = "smtp",
    feature = "buildium",
    feature = "salto",
    feature = "postgres"
))]

use concierge::{Concierge, ErrorCode, Settings};
use serde_json::json;

const CANARY: &str = "canary-s3cret-9f2b";

fn settings(value: serde_json::Value) -> Settings {
    serde_json::from_value(value).expect("deserialises")
}

fn smtp() -> serde_json::Value {
    json!({"host": "mail.example.org", "username": "desk", "password": CANARY})
}

/// The field paths of a validation error.
fn fields(err: &concierge::Error) -> Vec<String> {
    match err {
        concierge::Error::Validation(v) => v.issues.iter().map(|i| i.field.clone()).collect(),
        other => panic!("not a validation error: {other}"),
    }
}

#[test]
fn an_unknown_key_is_a_deserialisation_error_naming_it() {
    for (value, key) in [
        (json!({"stor": "x.db"}), "stor"),
        (json!({"smtp": {"host": "h", "prot": 1}}), "prot"),
        (json!({"sandbox": {"sede": 1}}), "sede"),
        (
            json!({"buildium": {"client_id": "i", "client_secret": "s", "page": 1}}),
            "page",
        ),
    ] {
        let err = serde_json::from_value::<Settings>(value).err().unwrap();
        assert!(err.to_string().contains(key), "{err}");
    }
}

#[test]
fn bad_settings_are_refused_with_their_field_paths() {
    let table = [
        (
            json!({"sandbox": {}, "key_write_deadline_seconds": 0.0}),
            vec!["key_write_deadline_seconds"],
        ),
        (
            json!({"sandbox": {}, "key_write_deadline_seconds": -1.5}),
            vec!["key_write_deadline_seconds"],
        ),
        (
            json!({"sandbox": {}, "outbox_max_attempts": 0}),
            vec!["outbox_max_attempts"],
        ),
        (
            json!({"sandbox": {}, "activation_validity_days": 0}),
            vec!["activation_validity_days"],
        ),
        (
            json!({"sandbox": {}, "outbox_base_backoff_seconds": 60, "outbox_max_backoff_seconds": 10}),
            vec!["outbox_max_backoff_seconds"],
        ),
        (json!({"sandbox": {}, "smtp": smtp()}), vec!["sandbox"]),
        (
            json!({"sandbox": {}, "salto": {"installation": "i", "client_id": "c", "client_secret": "s"}}),
            vec!["sandbox"],
        ),
        (json!({}), vec!["smtp"]),
        (json!({"store": "x.db"}), vec!["smtp"]),
        (
            json!({"smtp": {"host": "mail.example.org", "port": 0}}),
            vec!["smtp.port"],
        ),
        (
            json!({"smtp": {"host": "mail.example.org", "username": "desk"}}),
            vec!["smtp.password"],
        ),
        (
            json!({"hold_email": true, "smtp": smtp()}),
            vec!["hold_email"],
        ),
        (
            json!({"hold_email": true, "buildium": {"client_id": "i", "client_secret": "s", "page_size": 0}}),
            vec!["buildium.page_size"],
        ),
        (
            json!({"hold_email": true, "salto": {"installation": "installations/i", "client_id": "c", "client_secret": "s"}}),
            vec!["salto.installation"],
        ),
        (json!({"hold_email": true, "store": " "}), vec!["store"]),
    ];
    for (value, expected) in table {
        let s = settings(value.clone());
        let err = s.validate().unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation, "{value}");
        assert_eq!(err.code().as_str(), "VALIDATION");
        assert_eq!(fields(&err), expected, "{value}: {err}");
    }
}

#[test]
fn every_problem_is_reported_at_once_without_the_rejected_values() {
    let s = settings(json!({
        "sandbox": {"seed": 3},
        "smtp": {"host": "mail.example.org", "port": 0, "username": "desk"},
        "key_write_deadline_seconds": -123.25,
        "outbox_max_attempts": 0,
    }));
    let err = s.validate().unwrap_err();
    let fields = fields(&err);
    for f in [
        "sandbox",
        "smtp.port",
        "smtp.password",
        "key_write_deadline_seconds",
        "outbox_max_attempts",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    assert!(!err.to_string().contains("123.25"), "{err}");
}

#[tokio::test]
async fn nothing_is_created_when_validation_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.db");
    let mut s = settings(json!({"outbox_max_attempts": 0, "sandbox": {}}));
    s.store = Some(path.to_string_lossy().into_owned());
    let err = Concierge::open(s).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn a_canary_secret_never_shows() {
    let s = settings(json!({
        "store": format!("postgres://app:{CANARY}@127.0.0.1:1/concierge?password={CANARY}"),
        "smtp": smtp(),
        "buildium": {"client_id": "id", "client_secret": CANARY},
        "salto": {"installation": "inst-1", "client_id": "id", "client_secret": CANARY},
        "outbox_max_attempts": 0,
    }));
    let shown = format!("{s:?} {s:#?} {}", s.describe());
    assert!(!shown.contains(CANARY), "{shown}");
    assert!(
        shown.contains("postgres://127.0.0.1:1/concierge"),
        "{shown}"
    );
    let err = Concierge::open(s.clone()).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(CANARY));
    // Valid settings, a store that cannot be reached: the store error hides the password too.
    let mut s = s;
    s.outbox_max_attempts = None;
    let err = Concierge::open(s).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(CANARY), "{err}");
}

#[tokio::test]
async fn opens_in_memory() {
    let c = Concierge::open(settings(json!({"smtp": smtp(), "dispatch_inline": false})))
        .await
        .unwrap();
    assert!(c.sandbox().is_none());
    assert!(!c.config().dispatch_inline);
    assert_eq!(
        c.settings_summary(),
        "store=memory, mailer=smtp(mail.example.org:587)"
    );
    assert!(!c.settings_summary().contains(CANARY));
    let admin = concierge::Admin::full_access("t", "Tester");
    assert!(c.list_properties(&admin).await.unwrap().is_empty());
    c.close().await;
}

#[tokio::test]
async fn opens_on_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let s = settings(json!({
        "store": path.to_string_lossy(),
        "hold_email": true,
        "key_write_deadline_seconds": 2.5,
    }));
    let c = Concierge::open(s).await.unwrap();
    assert!(path.exists());
    assert_eq!(
        c.config().key_write_deadline,
        std::time::Duration::from_millis(2500)
    );
    let admin = concierge::Admin::full_access("t", "Tester");
    c.register_property(
        &admin,
        concierge::NewProperty::new("Harbour View", "harbour-view"),
    )
    .await
    .unwrap();
    c.close().await;
}

#[tokio::test]
async fn opens_on_the_sandbox_and_keeps_it() {
    let c = Concierge::open(settings(
        json!({"sandbox": {"seed": 11, "key_write_time_ms": 5}}),
    ))
    .await
    .unwrap();
    let sandbox = c.sandbox().expect("the sandbox");
    assert_eq!(c.now(), sandbox.clock().now_utc());
    assert_eq!(c.settings_summary(), "store=memory, sandbox(seed=11)");
    assert!(c.pms().is_some() && c.key_encoder().is_some());
    // The default seed is 7.
    let c7 = Concierge::open(settings(json!({"sandbox": {}})))
        .await
        .unwrap();
    assert_eq!(c7.sandbox().unwrap().seed(), 7);
}

#[tokio::test]
async fn opens_on_postgres_when_database_url_is_set() {
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "SKIPPED: DATABASE_URL is not set, so there is no PostgreSQL server to test against"
        );
        return;
    };
    // PostgreSQL requires the activation secret (every process sharing it derives links alike).
    let mut s = settings(
        json!({"sandbox": {}, "activation_secret": "the tests' shared activation secret"}),
    );
    s.store = Some(url);
    let c = Concierge::open(s).await.unwrap();
    assert!(c.settings_summary().starts_with("store=postgres://"));
    let admin = concierge::Admin::full_access("t", "Tester");
    c.list_properties(&admin).await.unwrap();
    c.close().await;
}
