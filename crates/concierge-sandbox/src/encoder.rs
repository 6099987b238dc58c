use crate::faults::Faults;
use crate::paging::error;
use async_trait::async_trait;
use concierge_core::{
    CancelKeyRequest, EncodeKeyRequest, EncodeKeyResponse, EncoderInfo, EncoderKeyState,
    ExternalRef, KeyEncoder, KeyStateRequest, KeyStateResponse, ListEncodersRequest,
    ListEncodersResponse, ProviderErrorKind, ProviderResult,
};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

const PROVIDER: &str = "sandbox-salto";

/// How long writing a key takes unless told otherwise.
pub const DEFAULT_WRITE_TIME: Duration = Duration::from_secs(3);

/// A key the sandbox encoder wrote (or is writing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenKey {
    /// The key in the lock system.
    pub key: ExternalRef,
    /// The encoder it was written on.
    pub encoder: ExternalRef,
    /// The holder's identity in the lock system.
    pub holder_ref: String,
    /// The unit's access.
    pub unit_ref: String,
    /// The intent's idempotency key.
    pub idempotency_key: String,
    /// Its state now.
    pub state: EncoderKeyState,
}

/// A [`KeyEncoder`] (SALTO Nebula driving NCoders) with two encoders: `ncoder-1`, "NCoder
/// Lobby" (online, initialised) and `ncoder-2`, "NCoder Back Office" (online, not initialised).
/// Each has a card on it until told otherwise.
///
/// Writing a key takes the write time ([`DEFAULT_WRITE_TIME`] unless changed), measured with
/// `tokio::time`, so a paused test clock makes it instant. The encoder is busy meanwhile. A
/// write that outlasts the request's deadline returns [`ProviderErrorKind::Timeout`] but goes
/// on: the key is `Pending` until the write time has passed, then `Active`, which is what
/// [`key_state`](KeyEncoder::key_state) by idempotency key tells after a timeout.
#[derive(Debug)]
pub struct SandboxEncoder {
    faults: Faults,
    state: Mutex<EncoderState>,
}

#[derive(Debug)]
struct EncoderState {
    write_time: Duration,
    devices: Vec<Device>,
    keys: Vec<KeyRecord>,
    writes: u64,
}

#[derive(Debug)]
struct Device {
    info: EncoderInfo,
    card_present: bool,
    card_foreign: bool,
    busy_until: Option<Instant>,
}

#[derive(Debug)]
struct KeyRecord {
    key: ExternalRef,
    encoder: ExternalRef,
    holder_ref: String,
    unit_ref: String,
    idempotency_key: String,
    written_at: Instant,
    cancelled: bool,
}

impl KeyRecord {
    fn state(&self, now: Instant) -> EncoderKeyState {
        if self.cancelled {
            EncoderKeyState::Outdated
        } else if now < self.written_at {
            EncoderKeyState::Pending
        } else {
            EncoderKeyState::Active
        }
    }
}

impl EncoderState {
    fn device_mut(&mut self, encoder: &str) -> Option<&mut Device> {
        self.devices
            .iter_mut()
            .find(|d| d.info.external.id == encoder || d.info.name == encoder)
    }
}

impl SandboxEncoder {
    /// The two default encoders, sharing `faults`.
    pub fn new(faults: Faults) -> Self {
        let device = |id: &str, name: &str, initialized: bool| Device {
            info: EncoderInfo {
                external: Self::external_ref(id),
                name: name.to_owned(),
                online: true,
                initialized,
            },
            card_present: true,
            card_foreign: false,
            busy_until: None,
        };
        Self {
            faults,
            state: Mutex::new(EncoderState {
                write_time: DEFAULT_WRITE_TIME,
                devices: vec![
                    device("ncoder-1", "NCoder Lobby", true),
                    device("ncoder-2", "NCoder Back Office", false),
                ],
                keys: Vec::new(),
                writes: 0,
            }),
        }
    }

    /// Writing a key takes `write_time`.
    pub fn with_write_time(self, write_time: Duration) -> Self {
        self.set_write_time(write_time);
        self
    }

    /// Writing a key takes `write_time` from now on.
    pub fn set_write_time(&self, write_time: Duration) {
        self.lock().write_time = write_time;
    }

    /// A reference to record `id` of this lock system.
    pub fn external_ref(id: impl Into<String>) -> ExternalRef {
        ExternalRef::new(PROVIDER, id)
    }

    /// Puts a card on (or takes it off) the encoder with id or name `encoder`. Without a card,
    /// encoding is rejected. Returns whether the encoder exists.
    pub fn set_card_present(&self, encoder: &str, present: bool) -> bool {
        self.with_device(encoder, |d| d.card_present = present)
    }

    /// Puts a wrong card on `encoder` (another system's format, or a damaged card): writes are
    /// refused with `Rejected` until it is taken off. Returns whether the encoder exists.
    pub fn set_wrong_card(&self, encoder: &str, wrong: bool) -> bool {
        self.with_device(encoder, |d| d.card_foreign = wrong)
    }

    /// Connects or disconnects the encoder with id or name `encoder`. Returns whether it exists.
    pub fn set_online(&self, encoder: &str, online: bool) -> bool {
        self.with_device(encoder, |d| d.info.online = online)
    }

    /// Initialises (or resets) the encoder with id or name `encoder`. Returns whether it
    /// exists.
    pub fn set_initialized(&self, encoder: &str, initialized: bool) -> bool {
        self.with_device(encoder, |d| d.info.initialized = initialized)
    }

    /// How many key writes the encoders started (replays of an idempotency key start none).
    pub fn keys_written(&self) -> u64 {
        self.lock().writes
    }

    /// Every key, oldest first, with its state now.
    pub fn keys(&self) -> Vec<WrittenKey> {
        let now = Instant::now();
        self.lock()
            .keys
            .iter()
            .map(|k| WrittenKey {
                key: k.key.clone(),
                encoder: k.encoder.clone(),
                holder_ref: k.holder_ref.clone(),
                unit_ref: k.unit_ref.clone(),
                idempotency_key: k.idempotency_key.clone(),
                state: k.state(now),
            })
            .collect()
    }

    fn with_device(&self, encoder: &str, change: impl FnOnce(&mut Device)) -> bool {
        match self.lock().device_mut(encoder) {
            Some(d) => {
                change(d);
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EncoderState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl KeyEncoder for SandboxEncoder {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn list_encoders(
        &self,
        _req: ListEncodersRequest,
    ) -> ProviderResult<ListEncodersResponse> {
        self.faults.before(self.name(), "list_encoders").await?;
        Ok(ListEncodersResponse {
            encoders: self.lock().devices.iter().map(|d| d.info.clone()).collect(),
        })
    }

    /// A repeated `idempotency_key` writes nothing: it returns the key of the first call (once
    /// that key is written, waiting for it if it is still being written).
    async fn encode_key(&self, req: EncodeKeyRequest) -> ProviderResult<EncodeKeyResponse> {
        const OP: &str = "encode_key";
        self.faults.before(self.name(), OP).await?;
        let (key, remaining) = {
            let mut state = self.lock();
            let now = Instant::now();
            if let Some(k) = state
                .keys
                .iter()
                .find(|k| k.idempotency_key == req.idempotency_key)
            {
                (k.key.clone(), k.written_at.saturating_duration_since(now))
            } else {
                let write_time = state.write_time;
                let number = state.keys.len() + 1;
                let Some(device) = state.device_mut(&req.encoder.id) else {
                    return Err(error(
                        PROVIDER,
                        OP,
                        ProviderErrorKind::NotFound,
                        format!("no encoder {}", req.encoder.id),
                    ));
                };
                let refuse = |kind, message: &str| Err(error(PROVIDER, OP, kind, message));
                if !device.info.online {
                    return refuse(ProviderErrorKind::DeviceOffline, "the encoder is offline");
                }
                if !device.info.initialized {
                    return refuse(
                        ProviderErrorKind::Rejected,
                        "the encoder is not initialised",
                    );
                }
                if device.busy_until.is_some_and(|until| now < until) {
                    return refuse(
                        ProviderErrorKind::DeviceBusy,
                        "the encoder is writing another key",
                    );
                }
                if !device.card_present {
                    return refuse(ProviderErrorKind::NoCard, "no card on the encoder");
                }
                if device.card_foreign {
                    return refuse(
                        ProviderErrorKind::Rejected,
                        "the card on the encoder is of another system or damaged",
                    );
                }
                let written_at = now + write_time;
                device.busy_until = Some(written_at);
                let encoder = device.info.external.clone();
                let key = Self::external_ref(format!("salto-key-{number}"));
                state.writes += 1;
                state.keys.push(KeyRecord {
                    key: key.clone(),
                    encoder,
                    holder_ref: req.holder_ref,
                    unit_ref: req.unit_ref,
                    idempotency_key: req.idempotency_key,
                    written_at,
                    cancelled: false,
                });
                (key, write_time)
            }
        };
        if remaining > req.deadline {
            tokio::time::sleep(req.deadline).await;
            return Err(error(
                PROVIDER,
                OP,
                ProviderErrorKind::Timeout,
                format!(
                    "the key was not written within {:?}; ask for its state later",
                    req.deadline
                ),
            ));
        }
        tokio::time::sleep(remaining).await;
        Ok(EncodeKeyResponse { key })
    }

    /// An unknown key or intent is `NotAssigned`; asking by neither is rejected.
    async fn key_state(&self, req: KeyStateRequest) -> ProviderResult<KeyStateResponse> {
        self.faults.before(self.name(), "key_state").await?;
        let state = self.lock();
        let found = match (&req.key, &req.idempotency_key) {
            (Some(key), _) => state.keys.iter().find(|k| k.key.id == key.id),
            (None, Some(intent)) => state.keys.iter().find(|k| &k.idempotency_key == intent),
            (None, None) => {
                return Err(error(
                    PROVIDER,
                    "key_state",
                    ProviderErrorKind::Rejected,
                    "ask by key or by idempotency key",
                ));
            }
        };
        Ok(match found {
            Some(k) => KeyStateResponse {
                key: Some(k.key.clone()),
                state: k.state(Instant::now()),
            },
            None => KeyStateResponse {
                key: None,
                state: EncoderKeyState::NotAssigned,
            },
        })
    }

    /// Cancelling a cancelled key again succeeds; an unknown key is not found.
    async fn cancel_key(&self, req: CancelKeyRequest) -> ProviderResult<()> {
        self.faults.before(self.name(), "cancel_key").await?;
        let mut state = self.lock();
        match state.keys.iter_mut().find(|k| k.key.id == req.key.id) {
            Some(k) => {
                k.cancelled = true;
                Ok(())
            }
            None => Err(error(
                PROVIDER,
                "cancel_key",
                ProviderErrorKind::NotFound,
                format!("no key {}", req.key.id),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lobby() -> ExternalRef {
        SandboxEncoder::external_ref("ncoder-1")
    }

    fn req(intent: &str) -> EncodeKeyRequest {
        EncodeKeyRequest {
            encoder: lobby(),
            holder_ref: "holder-1".into(),
            unit_ref: "unit-101".into(),
            idempotency_key: intent.into(),
            deadline: Duration::from_secs(10),
        }
    }

    fn by_intent(intent: &str) -> KeyStateRequest {
        KeyStateRequest {
            key: None,
            idempotency_key: Some(intent.into()),
        }
    }

    #[tokio::test]
    async fn two_encoders_are_listed_and_only_the_lobby_one_is_initialised() {
        let e = SandboxEncoder::new(Faults::new());
        let list = e
            .list_encoders(ListEncodersRequest {})
            .await
            .unwrap()
            .encoders;
        let summary: Vec<(&str, bool, bool)> = list
            .iter()
            .map(|d| (d.name.as_str(), d.online, d.initialized))
            .collect();
        assert_eq!(
            summary,
            [
                ("NCoder Lobby", true, true),
                ("NCoder Back Office", true, false)
            ]
        );
        let mut r = req("k");
        r.encoder = list[1].external.clone();
        let err = e.encode_key(r).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Rejected);
    }

    #[tokio::test(start_paused = true)]
    async fn encoding_takes_the_write_time_and_leaves_an_active_key() {
        let e = SandboxEncoder::new(Faults::new());
        let started = Instant::now();
        let key = e.encode_key(req("intent-1")).await.unwrap().key;
        assert_eq!(started.elapsed(), DEFAULT_WRITE_TIME);
        let state = e
            .key_state(KeyStateRequest {
                key: Some(key.clone()),
                idempotency_key: None,
            })
            .await
            .unwrap();
        assert_eq!(state.state, EncoderKeyState::Active);
        assert_eq!(e.keys()[0].holder_ref, "holder-1");
        assert_eq!(e.keys_written(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_encode_with_the_same_idempotency_key_writes_no_second_key() {
        let e = SandboxEncoder::new(Faults::new());
        let a = e.encode_key(req("intent-1")).await.unwrap();
        let b = e.encode_key(req("intent-1")).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(e.keys_written(), 1);
        let c = e.encode_key(req("intent-2")).await.unwrap();
        assert_ne!(a, c);
        assert_eq!(e.keys_written(), 2);
    }

    #[tokio::test]
    async fn an_offline_encoder_fails_with_device_offline() {
        let e = SandboxEncoder::new(Faults::new()).with_write_time(Duration::from_millis(1));
        assert!(e.set_online("NCoder Lobby", false));
        let err = e.encode_key(req("k")).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::DeviceOffline);
        assert!(!err.retryable());
        assert_eq!(e.keys_written(), 0);
        assert!(e.set_online("ncoder-1", true));
        assert!(e.encode_key(req("k")).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn an_encoder_writing_another_key_is_busy() {
        let e = SandboxEncoder::new(Faults::new());
        let (a, b) = tokio::join!(e.encode_key(req("a")), e.encode_key(req("b")));
        let (written, refused) = match (a, b) {
            (Ok(_), Err(err)) => ("a", err),
            (Err(err), Ok(_)) => ("b", err),
            other => panic!("expected one write and one refusal, got {other:?}"),
        };
        assert_eq!(refused.kind, ProviderErrorKind::DeviceBusy);
        assert!(refused.retryable());
        assert_eq!(e.keys_written(), 1);
        let retry = if written == "a" { "b" } else { "a" };
        assert!(e.encode_key(req(retry)).await.is_ok());
        assert_eq!(e.keys_written(), 2);
    }

    #[tokio::test]
    async fn no_card_on_the_encoder_is_rejected_with_a_clear_message() {
        let e = SandboxEncoder::new(Faults::new()).with_write_time(Duration::ZERO);
        assert!(e.set_card_present("ncoder-1", false));
        let err = e.encode_key(req("k")).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::NoCard);
        assert_eq!(err.message, "no card on the encoder");
        assert_eq!(e.keys_written(), 0);
        assert!(!e.set_card_present("ncoder-9", true));
        assert!(e.set_card_present("ncoder-1", true));
        assert!(e.set_wrong_card("ncoder-1", true));
        let err = e.encode_key(req("k")).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Rejected);
        assert!(err.message.contains("another system"));
        assert_eq!(e.keys_written(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_longer_than_the_deadline_times_out_and_the_key_turns_up_later() {
        let e = SandboxEncoder::new(Faults::new());
        let mut r = req("slow");
        r.deadline = Duration::from_secs(1);
        let started = Instant::now();
        let err = e.encode_key(r).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Timeout);
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        let pending = e.key_state(by_intent("slow")).await.unwrap();
        assert_eq!(pending.state, EncoderKeyState::Pending);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let done = e.key_state(by_intent("slow")).await.unwrap();
        assert_eq!(done.state, EncoderKeyState::Active);
        assert_eq!(done.key, pending.key);
        let retried = e.encode_key(req("slow")).await.unwrap();
        assert_eq!(Some(retried.key), done.key);
        assert_eq!(e.keys_written(), 1);
    }

    #[tokio::test]
    async fn cancelling_a_key_makes_it_outdated_and_cancelling_again_is_harmless() {
        let e = SandboxEncoder::new(Faults::new()).with_write_time(Duration::ZERO);
        let key = e.encode_key(req("k")).await.unwrap().key;
        let cancel = || CancelKeyRequest {
            key: key.clone(),
            idempotency_key: "cancel-k".into(),
        };
        e.cancel_key(cancel()).await.unwrap();
        e.cancel_key(cancel()).await.unwrap();
        assert_eq!(
            e.key_state(by_intent("k")).await.unwrap().state,
            EncoderKeyState::Outdated
        );
        let err = e
            .cancel_key(CancelKeyRequest {
                key: SandboxEncoder::external_ref("salto-key-404"),
                idempotency_key: "x".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::NotFound);
    }

    #[tokio::test]
    async fn an_intent_that_was_never_encoded_is_not_assigned() {
        let e = SandboxEncoder::new(Faults::new());
        let r = e.key_state(by_intent("never")).await.unwrap();
        assert_eq!(r.state, EncoderKeyState::NotAssigned);
        assert_eq!(r.key, None);
        let err = e.key_state(KeyStateRequest::default()).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Rejected);
    }

    #[tokio::test]
    async fn a_scripted_fault_fails_encode_key_and_writes_nothing() {
        let faults = Faults::new();
        let e = SandboxEncoder::new(faults.clone()).with_write_time(Duration::ZERO);
        faults.fail_next("encode_key", ProviderErrorKind::Connection);
        assert!(e.list_encoders(ListEncodersRequest {}).await.is_ok());
        let err = e.encode_key(req("k")).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Connection);
        assert_eq!(err.provider, "sandbox-salto");
        assert_eq!(e.keys_written(), 0);
        assert_eq!(
            e.key_state(by_intent("k")).await.unwrap().state,
            EncoderKeyState::NotAssigned
        );
        assert!(e.encode_key(req("k")).await.is_ok());
        assert_eq!(e.keys_written(), 1);
    }
}
