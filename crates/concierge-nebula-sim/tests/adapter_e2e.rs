//! The real `concierge_salto::SaltoEncoder` against the simulator, end to end: token exchange,
//! users, encoder checks, encoding operations and their polling, key states, cancelling.

use concierge_core::{
    CancelKeyRequest, EncodeKeyRequest, EncoderKeyState, ExternalRef, KeyEncoder, KeyStateRequest,
    ListEncodersRequest, ProviderErrorKind,
};
use concierge_http::{RetryPolicy, SecretString};
use concierge_nebula_sim::{
    Card, CardKeyState, NebulaSimulator, OperationStatus, SimConfig, SimHandle,
};
use concierge_salto::{SaltoConfig, SaltoEncoder};
use std::time::Duration;

const ENC_1: &str = "installations/inst-1/encoders/enc-1";
const ENC_2: &str = "installations/inst-1/encoders/enc-2";

async fn sim() -> SimHandle {
    NebulaSimulator::start(SimConfig {
        write_time: Duration::from_millis(200),
        card_wait: Duration::from_millis(400),
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

fn salto(sim: &SimHandle) -> SaltoEncoder {
    let mut config = SaltoConfig::new(
        "inst-1",
        sim.client_id(),
        SecretString::from(sim.client_secret().to_string()),
    );
    config.base_url = sim.base_url();
    config.token_url = sim.token_url();
    config.poll_initial = Duration::from_millis(10);
    config.poll_max = Duration::from_millis(40);
    config.timeout = Duration::from_secs(5);
    config.retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    };
    SaltoEncoder::new(config).expect("a valid configuration")
}

fn request(encoder: &str, intent: &str, unit: &str, deadline: Duration) -> EncodeKeyRequest {
    EncodeKeyRequest {
        encoder: ExternalRef::new("salto", encoder),
        holder_ref: "res-1".into(),
        unit_ref: unit.into(),
        idempotency_key: intent.into(),
        deadline,
    }
}

async fn state_by_key(salto: &SaltoEncoder, key: &ExternalRef) -> EncoderKeyState {
    salto
        .key_state(KeyStateRequest {
            key: Some(key.clone()),
            idempotency_key: None,
        })
        .await
        .expect("key_state by key")
        .state
}

async fn state_by_intent(salto: &SaltoEncoder, intent: &str) -> EncoderKeyState {
    salto
        .key_state(KeyStateRequest {
            key: None,
            idempotency_key: Some(intent.into()),
        })
        .await
        .expect("key_state by intent")
        .state
}

#[tokio::test]
async fn encoders_are_listed_with_their_state_after_one_token_exchange() {
    // Arrange
    let sim = sim().await;
    sim.set_connected("enc-2", false);
    let salto = salto(&sim);

    // Act
    let first = salto.list_encoders(ListEncodersRequest::default()).await;
    let second = salto.list_encoders(ListEncodersRequest::default()).await;

    // Assert
    let encoders = first.expect("listed").encoders;
    assert_eq!(second.expect("listed again").encoders, encoders);
    assert_eq!(encoders.len(), 2);
    assert_eq!(encoders[0].external.id, ENC_1);
    assert_eq!(encoders[0].name, "NCoder Lobby");
    assert!(encoders[0].online && encoders[0].initialized);
    assert!(!encoders[1].online);
    assert_eq!(sim.tokens_issued(), 1, "the token is cached");
}

#[tokio::test]
async fn wrong_credentials_are_refused_as_unauthorized() {
    // Arrange
    let sim = sim().await;
    let mut config = salto(&sim).config().clone();
    config.client_secret = SecretString::from("not-the-secret");
    let salto = SaltoEncoder::new(config).unwrap();

    // Act
    let e = salto
        .list_encoders(ListEncodersRequest::default())
        .await
        .unwrap_err();

    // Assert
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized, "{e}");
    assert!(!e.to_string().contains("not-the-secret"));
    assert_eq!(sim.tokens_issued(), 0);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_after_a_401() {
    // Arrange
    let sim = sim().await;
    let salto = salto(&sim);
    salto.list_encoders(Default::default()).await.unwrap();
    sim.revoke_tokens();

    // Act
    let listed = salto.list_encoders(Default::default()).await;

    // Assert
    assert_eq!(listed.unwrap().encoders.len(), 2);
    assert_eq!(sim.tokens_issued(), 2);
}

// R-KEY-1
#[tokio::test]
async fn a_key_is_written_after_the_write_time_and_reads_active() {
    // Arrange
    let sim = sim().await;
    let salto = salto(&sim);
    sim.place_card("enc-1", Card::Blank);
    let started = std::time::Instant::now();

    // Act
    let written = salto
        .encode_key(request(
            ENC_1,
            "intent-1",
            "unit-101",
            Duration::from_secs(5),
        ))
        .await
        .expect("the key is written");

    // Assert
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(
        written.key.id,
        "installations/inst-1/users/intent-1/card-key"
    );
    assert_eq!(sim.keys_written(), 1);
    let user = sim.user("intent-1").expect("the intent's user");
    assert_eq!(user.card_key_state, CardKeyState::Active);
    assert!(!user.uid.is_empty());
    assert_eq!(
        (user.given_name.as_str(), user.family_name.as_str()),
        ("res-1", "unit-101")
    );
    assert_eq!(
        state_by_key(&salto, &written.key).await,
        EncoderKeyState::Active
    );
    assert_eq!(
        state_by_intent(&salto, "intent-1").await,
        EncoderKeyState::Active
    );
    assert!(!sim.card_present("enc-1"), "the written card is taken off");
}

// R-KEY-1
#[tokio::test]
async fn without_a_card_the_encoding_times_out_with_deadline_exceeded() {
    // Arrange: no card; the server waits 400 ms for one.
    let sim = sim().await;
    let salto = salto(&sim);

    // Act
    let e = salto
        .encode_key(request(
            ENC_1,
            "intent-1",
            "unit-101",
            Duration::from_secs(5),
        ))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(e.kind, ProviderErrorKind::NoCard, "{e}");
    assert!(
        !e.retryable(),
        "staff must place a card; a blind retry would wait again"
    );
    assert!(e.message.contains("DEADLINE_EXCEEDED"), "{}", e.message);
    assert_eq!(sim.keys_written(), 0);
    assert_eq!(
        state_by_intent(&salto, "intent-1").await,
        EncoderKeyState::NotAssigned
    );
}

// R-KEY-1
#[tokio::test]
async fn a_foreign_card_is_rejected_with_failed_precondition() {
    // Arrange
    let sim = sim().await;
    let salto = salto(&sim);
    sim.place_card("enc-1", Card::Foreign);

    // Act
    let e = salto
        .encode_key(request(
            ENC_1,
            "intent-1",
            "unit-101",
            Duration::from_secs(5),
        ))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(e.kind, ProviderErrorKind::Rejected, "{e}");
    assert!(e.message.contains("FAILED_PRECONDITION"), "{}", e.message);
    assert_eq!(sim.keys_written(), 0);
}

// R-KEY-1
#[tokio::test]
async fn an_offline_encoder_is_refused_before_encoding() {
    // Arrange
    let sim = sim().await;
    let salto = salto(&sim);
    sim.place_card("enc-1", Card::Blank);
    sim.set_connected("enc-1", false);

    // Act
    let e = salto
        .encode_key(request(
            ENC_1,
            "intent-1",
            "unit-101",
            Duration::from_secs(5),
        ))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(e.kind, ProviderErrorKind::DeviceOffline, "{e}");
    assert_eq!(sim.encode_requests(), 0, "no encoding was started");
    assert_eq!(sim.keys_written(), 0);
}

// R-KEY-1
#[tokio::test]
async fn a_second_encoding_on_a_busy_encoder_is_device_busy() {
    // Arrange: a write runs on enc-1.
    let sim = sim().await;
    let salto = salto(&sim);
    sim.place_card("enc-1", Card::Blank);
    let first = {
        let salto = salto.clone();
        tokio::spawn(async move {
            salto
                .encode_key(request(
                    ENC_1,
                    "intent-1",
                    "unit-101",
                    Duration::from_secs(5),
                ))
                .await
        })
    };
    while sim.operations().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Act
    let e = salto
        .encode_key(request(
            ENC_1,
            "intent-2",
            "unit-102",
            Duration::from_secs(5),
        ))
        .await
        .unwrap_err();

    // Assert
    assert_eq!(e.kind, ProviderErrorKind::DeviceBusy, "{e}");
    assert!(e.retryable());
    first.await.unwrap().expect("the first write finishes");
    assert_eq!(sim.keys_written(), 1);
}

// R-KEY-3
#[tokio::test]
async fn two_idempotency_keys_for_two_units_make_two_users_and_two_keys() {
    // Arrange
    let sim = sim().await;
    let salto = salto(&sim);
    sim.set_auto_card("enc-2", true);

    // Act
    let a = salto
        .encode_key(request(
            ENC_2,
            "intent-a",
            "unit-101",
            Duration::from_secs(5),
        ))
        .await
        .expect("first key");
    let b = salto
        .encode_key(request(
            ENC_2,
            "intent-b",
            "unit-202",
            Duration::from_secs(5),
        ))
        .await
        .expect("second key");

    // Assert
    assert_ne!(a.key, b.key);
    assert_eq!(sim.user_ids(), ["intent-a", "intent-b"]);
    assert_eq!(sim.keys_written(), 2);
    assert_eq!(sim.keys_written_for("intent-a"), 1);
    assert_eq!(sim.keys_written_for("intent-b"), 1);
    assert_ne!(
        sim.user("intent-a").unwrap().uid,
        sim.user("intent-b").unwrap().uid
    );
}

// R-KEY-4
#[tokio::test]
async fn encoding_twice_with_one_idempotency_key_writes_one_key() {
    // Arrange
    let sim = sim().await;
    let salto = salto(&sim);
    sim.set_auto_card("enc-1", true);
    let req = request(ENC_1, "intent-1", "unit-101", Duration::from_secs(5));
    let first = salto.encode_key(req.clone()).await.expect("first write");

    // Act
    let second = salto.encode_key(req).await.expect("the retry");

    // Assert
    assert_eq!(second.key, first.key);
    assert_eq!(sim.keys_written(), 1);
    assert_eq!(sim.encode_requests(), 1, "the retry encoded nothing");
    assert_eq!(sim.user_ids(), ["intent-1"]);
}

// R-KEY-1, R-KEY-4
#[tokio::test]
async fn a_deadline_shorter_than_the_write_cancels_the_operation_and_writes_nothing() {
    // Arrange: the write takes 200 ms, the deadline is 80 ms.
    let sim = sim().await;
    let salto = salto(&sim);
    sim.place_card("enc-1", Card::Blank);

    // Act
    let e = salto
        .encode_key(request(
            ENC_1,
            "intent-1",
            "unit-101",
            Duration::from_millis(80),
        ))
        .await
        .unwrap_err();
    tokio::time::sleep(Duration::from_millis(300)).await; // past the write time

    // Assert
    assert_eq!(e.kind, ProviderErrorKind::Timeout, "{e}");
    assert!(e.retryable());
    assert!(e.message.contains("was cancelled"), "{}", e.message);
    let ops = sim.operations();
    assert_eq!(ops.len(), 1);
    assert!(
        matches!(
            &ops[0].1,
            OperationStatus::Failed {
                status: "CANCELLED",
                ..
            }
        ),
        "{ops:?}"
    );
    assert_eq!(sim.keys_written(), 0);
    assert!(sim.card_present("enc-1"), "the blank card is still there");
    assert_eq!(
        state_by_intent(&salto, "intent-1").await,
        EncoderKeyState::NotAssigned
    );
}

#[tokio::test]
async fn a_cancelled_key_reads_outdated_and_cancelling_again_succeeds() {
    // Arrange
    let sim = sim().await;
    let salto = salto(&sim);
    sim.place_card("enc-1", Card::Blank);
    let written = salto
        .encode_key(request(
            ENC_1,
            "intent-1",
            "unit-101",
            Duration::from_secs(5),
        ))
        .await
        .expect("written");
    let cancel = CancelKeyRequest {
        key: written.key.clone(),
        idempotency_key: "cancel-1".into(),
    };

    // Act
    salto.cancel_key(cancel.clone()).await.expect("cancelled");
    let again = salto.cancel_key(cancel).await;

    // Assert
    again.expect("a second cancel is success");
    assert_eq!(sim.keys_cancelled(), 1);
    assert_eq!(
        sim.user("intent-1").unwrap().card_key_state,
        CardKeyState::NotAssigned
    );
    assert_eq!(
        state_by_key(&salto, &written.key).await,
        EncoderKeyState::Outdated
    );
    assert_eq!(
        state_by_intent(&salto, "intent-1").await,
        EncoderKeyState::Outdated
    );
}

#[tokio::test]
async fn a_pending_key_reads_pending_until_activated() {
    // Arrange
    let sim = NebulaSimulator::start(SimConfig {
        write_time: Duration::from_millis(50),
        activate_on_write: false,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let salto = salto(&sim);
    sim.place_card("enc-1", Card::Blank);

    // Act
    let written = salto
        .encode_key(request(
            ENC_1,
            "intent-1",
            "unit-101",
            Duration::from_secs(5),
        ))
        .await
        .expect("written");

    // Assert
    assert_eq!(
        state_by_key(&salto, &written.key).await,
        EncoderKeyState::Pending
    );
    sim.activate("intent-1");
    assert_eq!(
        state_by_key(&salto, &written.key).await,
        EncoderKeyState::Active
    );
    sim.stop().await;
}
