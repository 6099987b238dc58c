//! Smart keys on the sandbox encoder (R-KEY-1..4, R-PMS-4, R-PMS-7, R-PMS-8, R-PERM-2).

#![cfg(feature = "sandbox")]

use chrono::Duration;
use concierge::sandbox::Sandbox;
use concierge::*;
use concierge_core::{IntentStatus, KeyQuery};
use std::sync::Arc;

struct World {
    sandbox: Sandbox,
    store: Arc<MemoryStore>,
    c: Concierge,
    admin: Admin,
    property: Property,
    unit: Unit,
}

async fn world() -> World {
    let sandbox = Sandbox::new(5);
    sandbox
        .encoder()
        .set_write_time(std::time::Duration::from_millis(5));
    let store = Arc::new(MemoryStore::new());
    let config = Config {
        key_write_deadline: std::time::Duration::from_millis(200),
        ..Config::default()
    };
    let c = Concierge::builder()
        .sandbox(&sandbox)
        .store_arc(store.clone())
        .config(config)
        .build()
        .unwrap();
    let admin = Admin::full_access("desk-1", "desk");
    let (property, unit) = property_with_a_unit(&c, &admin).await;
    World {
        sandbox,
        store,
        c,
        admin,
        property,
        unit,
    }
}

/// A property "Keys" with one building and its unit 101.
async fn property_with_a_unit(c: &Concierge, admin: &Admin) -> (Property, Unit) {
    let property = c
        .register_property(admin, NewProperty::new("Keys", "keys"))
        .await
        .unwrap();
    let b = c
        .register_building(admin, NewBuilding::new(&property.id, "A"))
        .await
        .unwrap();
    let unit = c
        .register_unit(admin, NewUnit::new(&b.id, "101").floor("1"))
        .await
        .unwrap();
    (property, unit)
}

impl World {
    async fn resident(&self, first: &str) -> Resident {
        self.c
            .move_in(&self.admin, MoveIn::new(&self.unit.id, first, "Key"))
            .await
            .unwrap()
    }

    fn live(&self, keys: &[SmartKey]) -> usize {
        keys.iter().filter(|k| k.state.is_live()).count()
    }
}

const LOBBY: &str = "ncoder-1";

// R-KEY-1
#[tokio::test]
async fn a_key_is_previewed_for_confirmation_then_written_on_the_chosen_encoder() {
    let w = world().await;
    let ada = w.resident("Ada").await;
    let preview =
        w.c.preview_key(&w.admin, &MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap();
    assert_eq!(preview.holder_name, "Ada Key");
    assert_eq!(preview.unit.number, "101");
    assert_eq!(preview.encoder.name, "NCoder Lobby");
    assert_eq!(
        w.sandbox.encoder().keys_written(),
        0,
        "a preview writes nothing"
    );
    let key =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap();
    assert_eq!(key.state, KeyState::Active);
    assert_eq!(key.unit_id, w.unit.id);
    assert!(key.external.is_some());
    assert_eq!(w.sandbox.encoder().keys_written(), 1);
}

// R-KEY-1
#[tokio::test]
async fn encoder_failures_are_typed_and_leave_no_key() {
    let w = world().await;
    let ada = w.resident("Ada").await;
    w.sandbox.encoder().set_card_present(LOBBY, false);
    let err =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.kind == ProviderErrorKind::NoCard),
        "{err}"
    );
    w.sandbox.encoder().set_card_present(LOBBY, true);
    w.sandbox.encoder().set_online(LOBBY, false);
    let err =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.kind == ProviderErrorKind::DeviceOffline),
        "{err}"
    );
    w.sandbox.encoder().set_online(LOBBY, true);
    w.sandbox
        .faults()
        .fail_next("encode_key", ProviderErrorKind::Rejected);
    let err =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.kind == ProviderErrorKind::Rejected),
        "{err}"
    );
    let keys =
        w.c.list_keys(
            &w.admin,
            KeyFilter::default().unit(&w.unit.id),
            PageRequest::first(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(w.live(&keys), 0);
    assert_eq!(w.sandbox.encoder().keys_written(), 0);
    // The encoder works again: the key is made.
    w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
        .await
        .unwrap();
}

// R-KEY-2
#[tokio::test]
async fn a_second_key_for_the_same_resident_and_unit_is_refused_unless_replacing() {
    let w = world().await;
    let ada = w.resident("Ada").await;
    let first =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap();
    let err =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string().contains(first.id.as_str()),
        "the error names the existing key: {err}"
    );
    // The conflict is typed: which kind, and the key it conflicts with.
    assert!(matches!(
        &err,
        Error::Conflict { kind: ConflictKind::KeyAlreadyLive, existing_id: Some(id), .. }
            if id == first.id.as_str()
    ));
    assert!(!err.is_retryable());
    let second =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY).replacing())
            .await
            .unwrap();
    let keys =
        w.c.list_keys(
            &w.admin,
            KeyFilter::default().holder(&KeyHolder::Resident(ada.id.clone())),
            PageRequest::first(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(w.live(&keys), 1);
    let old = keys.iter().find(|k| k.id == first.id).unwrap();
    assert_eq!(old.state, KeyState::Replaced);
    let state = w
        .sandbox
        .encoder()
        .key_state(KeyStateRequest {
            key: first.external.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(
        state.state,
        EncoderKeyState::Outdated,
        "the lost card was cancelled in the lock system"
    );
    assert_ne!(second.external, first.external);
}

// R-KEY-3, R-PMS-8
#[tokio::test]
async fn a_resident_of_two_units_holds_two_keys_and_moving_out_of_one_keeps_the_other() {
    let w = world().await;
    let b =
        w.c.list_buildings(&w.admin, &w.property.id)
            .await
            .unwrap()
            .remove(0);
    let other_unit =
        w.c.register_unit(&w.admin, NewUnit::new(&b.id, "202"))
            .await
            .unwrap();
    let here = w.resident("Ada").await;
    let there =
        w.c.move_in(&w.admin, MoveIn::new(&other_unit.id, "Ada", "Key"))
            .await
            .unwrap();
    let k1 =
        w.c.make_key(&w.admin, MakeKey::resident(&here.id, LOBBY))
            .await
            .unwrap();
    let k2 =
        w.c.make_key(&w.admin, MakeKey::resident(&there.id, LOBBY))
            .await
            .unwrap();
    assert_ne!(k1.unit_id, k2.unit_id);
    assert_ne!(k1.external, k2.external);
    w.c.move_out(&w.admin, &there.id, None).await.unwrap();
    let k1 = w
        .store
        .list_keys(&KeyQuery::new(
            Some(&KeyHolder::Resident(here.id.clone())),
            None,
        ))
        .await
        .unwrap()
        .remove(0);
    let k2 = w
        .store
        .list_keys(&KeyQuery::new(
            Some(&KeyHolder::Resident(there.id.clone())),
            None,
        ))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(k1.state, KeyState::Active);
    assert_eq!(k2.state, KeyState::Cancelled);
}

// R-KEY-4
#[tokio::test]
async fn a_retry_after_a_lost_reply_finishes_the_first_write_and_never_writes_a_second_key() {
    let w = world().await;
    let ada = w.resident("Ada").await;
    // The write takes longer than the SDK waits: the reply is lost, the key is written anyway.
    w.sandbox
        .encoder()
        .set_write_time(std::time::Duration::from_millis(400));
    let err =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let keys =
        w.c.list_keys(
            &w.admin,
            KeyFilter::default().unit(&w.unit.id),
            PageRequest::first(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        keys[0].state,
        KeyState::Encoding,
        "the intent is recorded, the outcome unknown"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let key =
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap();
    assert_eq!(key.state, KeyState::Active);
    assert_eq!(w.sandbox.encoder().keys_written(), 1, "one key, not two");
    let keys =
        w.c.list_keys(
            &w.admin,
            KeyFilter::default().unit(&w.unit.id),
            PageRequest::first(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(keys.len(), 1);
}

// R-KEY-4
#[tokio::test]
async fn reconciling_after_a_crash_asks_the_lock_system_and_writes_at_most_once() {
    let w = world().await;
    let ada = w.resident("Ada").await;
    let grace = w.resident("Grace").await;
    // A dropped connection before the encoder was reached, and a reply lost after it wrote.
    w.sandbox
        .faults()
        .fail_next("encode_key", ProviderErrorKind::Connection);
    assert!(
        w.c.make_key(&w.admin, MakeKey::resident(&ada.id, LOBBY))
            .await
            .is_err()
    );
    w.sandbox
        .encoder()
        .set_write_time(std::time::Duration::from_millis(400));
    assert!(
        w.c.make_key(&w.admin, MakeKey::resident(&grace.id, LOBBY))
            .await
            .is_err()
    );
    assert_eq!(
        w.store
            .list_intents(IntentStatus::Recorded)
            .await
            .unwrap()
            .len(),
        2
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    w.sandbox
        .encoder()
        .set_write_time(std::time::Duration::from_millis(5));
    // A new process on the same store settles both.
    let restarted = Concierge::builder()
        .sandbox(&w.sandbox)
        .store_arc(w.store.clone())
        .build()
        .unwrap();
    assert_eq!(restarted.reconcile_keys().await.unwrap(), 2);
    assert_eq!(
        w.sandbox.encoder().keys_written(),
        2,
        "Ada's written once now, Grace's not again"
    );
    assert!(
        w.store
            .list_intents(IntentStatus::Recorded)
            .await
            .unwrap()
            .is_empty()
    );
    let keys = w
        .store
        .list_keys(&KeyQuery::new(None, Some(&w.unit.id)))
        .await
        .unwrap();
    assert_eq!(
        keys.iter().filter(|k| k.state == KeyState::Active).count(),
        2
    );
}

// R-PERM-2
#[tokio::test]
async fn making_a_key_needs_full_residence_access_checked_before_the_encoder() {
    let w = world().await;
    let ada = w.resident("Ada").await;
    let reader = Admin::new("auditor-1", "auditor").with_residence(AccessLevel::Read);
    let calls = w.sandbox.faults().total_calls();
    for err in [
        w.c.make_key(&reader, MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap_err(),
        w.c.preview_key(&reader, &MakeKey::resident(&ada.id, LOBBY))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::PermissionDenied);
    }
    assert_eq!(
        w.sandbox.faults().total_calls(),
        calls,
        "the encoder was not called"
    );
}

// R-PMS-4
#[tokio::test]
async fn a_future_resident_can_get_a_key_before_moving_in_and_a_moved_out_one_cannot() {
    let w = world().await;
    let later = w.c.now().date_naive() + Duration::days(20);
    let future =
        w.c.move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, "Fay", "Future").move_in_on(later),
        )
        .await
        .unwrap();
    w.c.make_key(&w.admin, MakeKey::resident(&future.id, LOBBY))
        .await
        .unwrap();
    let gone = w.resident("Gus").await;
    w.c.move_out(&w.admin, &gone.id, None).await.unwrap();
    let err =
        w.c.make_key(&w.admin, MakeKey::resident(&gone.id, LOBBY))
            .await
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
}

// R-PMS-7
#[tokio::test]
async fn a_spare_key_belongs_to_a_spare_holder_of_the_unit_not_a_fake_resident() {
    let w = world().await;
    let spare =
        w.c.add_spare_holder(&w.admin, &w.unit.id, "Spare: cleaner")
            .await
            .unwrap();
    let key =
        w.c.make_key(&w.admin, MakeKey::spare(&spare.id, LOBBY))
            .await
            .unwrap();
    assert_eq!(key.holder, KeyHolder::Spare(spare.id.clone()));
    assert!(
        w.c.list_residents(
            &w.admin,
            ResidentFilter::property(&w.property.id),
            PageRequest::first()
        )
        .await
        .unwrap()
        .items
        .is_empty()
    );
    let cancelled = w.c.cancel_key(&w.admin, &key.id).await.unwrap();
    assert_eq!(cancelled.state, KeyState::Cancelled);
    let state = w
        .sandbox
        .encoder()
        .key_state(KeyStateRequest {
            key: key.external.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(state.state, EncoderKeyState::Outdated);
}

/// A lock system whose first write is done but answered with "outcome unknown": the reply of a
/// write the transport will not send again was lost.
#[derive(Debug, Default)]
struct ReplyLostOnce {
    written: std::sync::Mutex<std::collections::HashMap<String, String>>,
    encodes: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl KeyEncoder for ReplyLostOnce {
    fn name(&self) -> &str {
        "reply-lost-once"
    }

    async fn list_encoders(&self, _: ListEncodersRequest) -> ProviderResult<ListEncodersResponse> {
        Ok(ListEncodersResponse {
            encoders: vec![EncoderInfo {
                external: ExternalRef::new("reply-lost-once", LOBBY),
                name: "Lobby".into(),
                online: true,
                initialized: true,
            }],
        })
    }

    async fn encode_key(&self, req: EncodeKeyRequest) -> ProviderResult<EncodeKeyResponse> {
        let n = self
            .encodes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let key = self
            .written
            .lock()
            .unwrap()
            .entry(req.idempotency_key)
            .or_insert_with(|| format!("card-{n}"))
            .clone();
        if n == 0 {
            return Err(ProviderError::new(
                "reply-lost-once",
                "encode_key",
                ProviderErrorKind::Timeout,
                "no reply to the write",
            )
            .with_retry(RetryClass::UnknownOutcome));
        }
        Ok(EncodeKeyResponse {
            key: ExternalRef::new("reply-lost-once", key),
        })
    }

    async fn key_state(&self, req: KeyStateRequest) -> ProviderResult<KeyStateResponse> {
        let found = req
            .idempotency_key
            .and_then(|k| self.written.lock().unwrap().get(&k).cloned());
        Ok(KeyStateResponse {
            state: if found.is_some() {
                EncoderKeyState::Active
            } else {
                EncoderKeyState::NotAssigned
            },
            key: found.map(|k| ExternalRef::new("reply-lost-once", k)),
        })
    }

    async fn cancel_key(&self, _: CancelKeyRequest) -> ProviderResult<()> {
        Ok(())
    }
}

// R-KEY-4
#[tokio::test]
async fn a_write_of_unknown_outcome_keeps_its_key_encoding_and_the_retry_asks_before_writing() {
    let encoder = Arc::new(ReplyLostOnce::default());
    let c = Concierge::builder()
        .mailer(concierge::sandbox::SandboxMailer::new(Default::default()))
        .key_encoder(encoder.clone())
        .build()
        .unwrap();
    let admin = Admin::full_access("desk-1", "desk");
    let (_, unit) = property_with_a_unit(&c, &admin).await;
    let ada = c
        .move_in(&admin, MoveIn::new(&unit.id, "Ada", "Key"))
        .await
        .unwrap();

    let err = c
        .make_key(&admin, MakeKey::resident(&ada.id, LOBBY))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Provider, "{err}");
    let keys = c
        .list_keys(&admin, KeyFilter::default(), PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(
        keys[0].state,
        KeyState::Encoding,
        "perhaps written: not taken for refused"
    );

    let key = c
        .make_key(&admin, MakeKey::resident(&ada.id, LOBBY))
        .await
        .unwrap();
    assert_eq!(key.state, KeyState::Active);
    assert_eq!(key.external.unwrap().id, "card-0", "the first write's key");
    assert_eq!(
        encoder.encodes.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the retry asked the lock system and wrote nothing"
    );
}
