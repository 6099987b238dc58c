//! What the SDK acknowledged survives a restart (R-SDK-4), on a SQLite file and on PostgreSQL.

#![cfg(feature = "sandbox")]

use chrono::Duration;
use concierge::sandbox::Sandbox;
#[cfg(feature = "postgres")]
use concierge::store::PgStore;
use concierge::store::SqliteStore;
use concierge::*;
use std::sync::Arc;

async fn on(sandbox: &Sandbox, store: Arc<dyn Store>) -> Concierge {
    Concierge::builder()
        .sandbox(sandbox)
        .store_arc(store)
        .activation_secret(
            // Several handles share the store (PostgreSQL requires a secret).
            ActivationSecret::from_bytes(b"the tests' shared activation secret".to_vec()).unwrap(),
        )
        .build()
        .unwrap()
}

async fn scenario(store: Arc<dyn Store>, reopen: impl AsyncFn() -> Arc<dyn Store>) {
    let sandbox = Sandbox::new(11);
    let c = on(&sandbox, store).await;
    let desk = Admin::full_access("desk-1", "desk");
    let site = format!("durable-{}", &PropertyId::new().as_str()[5..17]);
    let p = c
        .register_property(&desk, NewProperty::new("Durable", &site))
        .await
        .unwrap();
    let b = c
        .register_building(&desk, NewBuilding::new(&p.id, "A"))
        .await
        .unwrap();
    let u = c
        .register_unit(&desk, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();
    let ada = c
        .move_in(
            &desk,
            MoveIn::new(&u.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    sandbox
        .faults()
        .fail_next("send", ProviderErrorKind::Unavailable);
    let grace = c
        .move_in(
            &desk,
            MoveIn::new(&u.id, "Grace", "Hopper")
                .email("grace@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    c.activate(
        Activation::new(
            sandbox
                .mailer()
                .last_activation_token("ada@example.org")
                .unwrap(),
        )
        .accept_terms(true)
        .password("correct horse battery staple"),
    )
    .await
    .unwrap();
    c.close().await;
    assert!(matches!(c.list_properties(&desk).await, Err(Error::Closed)));

    // A new process: same store, a fresh handle.
    let c = on(&sandbox, reopen().await).await;
    assert_eq!(
        c.account_status(&desk, &ada.id).await.unwrap(),
        AccountStatus::Live
    );
    assert_eq!(
        c.account_status(&desk, &grace.id).await.unwrap(),
        AccountStatus::PendingActivation
    );
    let mine = |entries: Vec<OutboxEntry>| {
        entries
            .into_iter()
            .filter(|e| e.property_id == p.id)
            .collect::<Vec<_>>()
    };
    let pending = mine(
        c.list_outbox(&desk, OutboxStatus::Pending, PageRequest::first())
            .await
            .unwrap()
            .items,
    );
    assert_eq!(
        pending.len(),
        1,
        "the email the mailer refused is still queued"
    );
    sandbox.clock().advance(Duration::minutes(5));
    c.dispatch_outbox().await.unwrap();
    assert_eq!(sandbox.mailer().sent_to("grace@example.org").len(), 1);
    let token = sandbox
        .mailer()
        .last_activation_token("grace@example.org")
        .unwrap();
    c.activate(
        Activation::new(&token)
            .accept_terms(true)
            .password("correct horse battery staple"),
    )
    .await
    .unwrap();
    assert_eq!(
        mine(
            c.list_outbox(&desk, OutboxStatus::Done, PageRequest::first())
                .await
                .unwrap()
                .items
        )
        .len(),
        2
    );
    c.close().await;
}

// R-SDK-4
#[tokio::test]
async fn a_sqlite_file_keeps_every_acknowledged_change_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("concierge.db");
    let first: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    scenario(first, async || {
        Arc::new(SqliteStore::open(&path).await.unwrap()) as Arc<dyn Store>
    })
    .await;
}

// R-SDK-4
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_keeps_every_acknowledged_change_across_a_restart() {
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "SKIPPED: DATABASE_URL is not set, so there is no PostgreSQL server to test against"
        );
        return;
    };
    let connect = async || Arc::new(PgStore::connect(&url).await.unwrap()) as Arc<dyn Store>;
    scenario(connect().await, connect).await;
}

#[tokio::test]
async fn a_closed_handle_refuses_every_call_and_closing_twice_is_harmless() {
    let sandbox = Sandbox::new(1);
    let c = Concierge::builder().sandbox(&sandbox).build().unwrap();
    let clone = c.clone();
    let desk = Admin::full_access("desk-1", "desk");
    c.close().await;
    c.close().await;
    assert!(clone.is_closed());
    assert_eq!(
        clone.list_properties(&desk).await.unwrap_err().code(),
        ErrorCode::Closed
    );
    assert_eq!(
        c.activate(
            Activation::new("x.y")
                .accept_terms(true)
                .password("correct horse battery staple")
        )
        .await
        .unwrap_err()
        .code(),
        ErrorCode::Closed
    );
    assert_eq!(
        c.dispatch_outbox().await.unwrap_err().code(),
        ErrorCode::Closed
    );
    assert!(sandbox.faults().total_calls() == 0);
}
