//! Smart keys through the facade, the real SALTO adapter and the Nebula simulator
//! (R-KEY-1, R-KEY-2, R-KEY-4).

use concierge::sandbox::{ManualClock, SandboxMailer};
use concierge::*;
use concierge_http::RetryPolicy;
use concierge_nebula_sim::{NebulaSimulator, SimConfig, SimHandle};
use concierge_salto::{SaltoConfig, SaltoEncoder};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

async fn simulator() -> SimHandle {
    let sim = NebulaSimulator::start(SimConfig {
        write_time: Duration::from_millis(150),
        card_wait: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    sim.set_auto_card("enc-1", true);
    sim
}

fn handle(sim: &SimHandle, store: Arc<dyn Store>, deadline: Duration) -> Concierge {
    let mut config = SaltoConfig::new(
        "inst-1",
        sim.client_id(),
        SecretString::from(sim.client_secret().to_owned()),
    );
    config.base_url = sim.base_url();
    config.token_url = sim.token_url();
    config.poll_initial = Duration::from_millis(10);
    config.poll_max = Duration::from_millis(30);
    config.retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    };
    Concierge::builder()
        .clock(ManualClock::new(ManualClock::DEFAULT_START))
        .mailer(SandboxMailer::new(Default::default()))
        .store_arc(store)
        .key_encoder(Arc::new(SaltoEncoder::new(config).expect("salto")))
        .config(Config {
            key_write_deadline: deadline,
            ..Config::default()
        })
        .build()
        .expect("handle")
}

async fn resident(c: &Concierge, admin: &Admin) -> Resident {
    let p = c
        .register_property(admin, NewProperty::new("Salto", "salto"))
        .await
        .unwrap();
    let b = c
        .register_building(admin, NewBuilding::new(&p.id, "A"))
        .await
        .unwrap();
    let u = c
        .register_unit(admin, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();
    c.move_in(admin, MoveIn::new(&u.id, "Ada", "Lovelace"))
        .await
        .unwrap()
}

// R-KEY-1, R-KEY-2
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_written_refused_twice_and_replaced_through_salto() {
    let sim = simulator().await;
    let c = handle(&sim, Arc::new(MemoryStore::new()), Duration::from_secs(5));
    let admin = Admin::full_access("desk-1", "desk");
    let ada = resident(&c, &admin).await;
    let encoders = c.list_encoders(&admin).await.unwrap();
    assert_eq!(encoders[0].name, "NCoder Lobby");
    let first = c
        .make_key(&admin, MakeKey::resident(&ada.id, "enc-1"))
        .await
        .unwrap();
    assert_eq!(first.state, KeyState::Active);
    assert_eq!(sim.keys_written(), 1);
    let err = c
        .make_key(&admin, MakeKey::resident(&ada.id, "enc-1"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let second = c
        .make_key(&admin, MakeKey::resident(&ada.id, "enc-1").replacing())
        .await
        .unwrap();
    assert_eq!(second.state, KeyState::Active);
    assert_eq!(sim.keys_written(), 2);
    assert_eq!(
        sim.keys_cancelled(),
        1,
        "the lost card was cancelled in Nebula"
    );
    assert_ne!(
        first.external, second.external,
        "a replacement is another Nebula user's card key"
    );
}

// R-KEY-4
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_cut_short_by_the_deadline_is_finished_by_a_retry_with_exactly_one_key() {
    let sim = simulator().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let impatient = handle(&sim, store.clone(), Duration::from_millis(60));
    let admin = Admin::full_access("desk-1", "desk");
    let ada = resident(&impatient, &admin).await;
    let err = impatient
        .make_key(&admin, MakeKey::resident(&ada.id, "enc-1"))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(
        sim.keys_written(),
        0,
        "the operation was cancelled at our deadline"
    );
    // A patient process on the same store finishes the same intent.
    let patient = handle(&sim, store, Duration::from_secs(5));
    let key = patient
        .make_key(&admin, MakeKey::resident(&ada.id, "enc-1"))
        .await
        .unwrap();
    assert_eq!(key.state, KeyState::Active);
    assert_eq!(sim.keys_written(), 1);
    assert_eq!(
        sim.user_ids().len(),
        1,
        "one Nebula user for the one intent"
    );
    assert_eq!(patient.reconcile_keys().await.unwrap(), 0);
}

// R-SDK-1
#[tokio::test]
async fn the_salto_adapter_passes_the_provider_conformance_kit_against_the_simulator() {
    let sim = simulator().await;
    let c = handle(&sim, Arc::new(MemoryStore::new()), Duration::from_secs(5));
    let admin = Admin::full_access("desk-1", "desk");
    // The simulator's credentials must stay out of every error the kit provokes.
    let secrets = [SecretString::from(sim.client_secret().to_owned())];
    let report = c
        .check_key_encoder_adapter(&admin, "enc-1", &secrets)
        .await
        .unwrap();
    assert!(report.ok(), "{}", report.summary());
    assert_eq!(report.passed, report.checks.len(), "{}", report.summary());
}
