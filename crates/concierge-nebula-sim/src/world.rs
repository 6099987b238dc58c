//! The simulated installation: encoders, users and their card keys, encoding operations, issued
//! tokens and counters. Time-driven changes (a write finishing, a card wait running out) are
//! applied lazily by [`World::tick`] before every request and every control call.

use crate::{Card, CardKeyState, OperationStatus};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// gRPC codes the simulator uses.
pub(crate) const CANCELLED: i64 = 1;
pub(crate) const INVALID_ARGUMENT: i64 = 3;
pub(crate) const DEADLINE_EXCEEDED: i64 = 4;
pub(crate) const NOT_FOUND: i64 = 5;
pub(crate) const ALREADY_EXISTS: i64 = 6;
pub(crate) const RESOURCE_EXHAUSTED: i64 = 8;
pub(crate) const FAILED_PRECONDITION: i64 = 9;
pub(crate) const UNIMPLEMENTED: i64 = 12;
pub(crate) const INTERNAL: i64 = 13;
pub(crate) const UNAVAILABLE: i64 = 14;
pub(crate) const UNAUTHENTICATED: i64 = 16;

pub(crate) fn code_name(code: i64) -> &'static str {
    match code {
        CANCELLED => "CANCELLED",
        INVALID_ARGUMENT => "INVALID_ARGUMENT",
        DEADLINE_EXCEEDED => "DEADLINE_EXCEEDED",
        NOT_FOUND => "NOT_FOUND",
        ALREADY_EXISTS => "ALREADY_EXISTS",
        RESOURCE_EXHAUSTED => "RESOURCE_EXHAUSTED",
        FAILED_PRECONDITION => "FAILED_PRECONDITION",
        UNIMPLEMENTED => "UNIMPLEMENTED",
        INTERNAL => "INTERNAL",
        UNAVAILABLE => "UNAVAILABLE",
        UNAUTHENTICATED => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    }
}

/// The HTTP status of a gRPC code (the standard gRPC-HTTP mapping).
pub(crate) fn http_status(code: i64) -> u16 {
    match code {
        CANCELLED => 499,
        INVALID_ARGUMENT | FAILED_PRECONDITION => 400,
        DEADLINE_EXCEEDED => 504,
        NOT_FOUND => 404,
        ALREADY_EXISTS => 409,
        RESOURCE_EXHAUSTED => 429,
        UNIMPLEMENTED => 501,
        UNAVAILABLE => 503,
        UNAUTHENTICATED => 401,
        _ => 500,
    }
}

/// A gRPC error: code and message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: i64,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Google's HTTP/JSON error body: `{"error": {"code": <http>, "message", "status"}}`.
    pub(crate) fn body(&self) -> Value {
        json!({
            "error": {
                "code": http_status(self.code),
                "message": self.message,
                "status": code_name(self.code),
            }
        })
    }
}

pub(crate) struct EncoderSim {
    pub id: String,
    pub display_name: String,
    pub connected: bool,
    pub initialized: bool,
    /// The card on the encoder and since when.
    pub card: Option<(Card, Instant)>,
    /// A fresh blank card is always on the encoder.
    pub auto_card: bool,
}

pub(crate) struct UserSim {
    pub given_name: String,
    pub family_name: String,
    pub blocked: bool,
    pub state: CardKeyState,
    pub uid: String,
    pub outdated: bool,
}

#[derive(Clone)]
pub(crate) enum OpState {
    Running,
    Done,
    Failed(i64, String),
}

pub(crate) struct OpSim {
    pub user_id: String,
    pub encoder_id: String,
    pub started: Instant,
    pub state: OpState,
}

pub(crate) struct World {
    pub installation: String,
    pub write_time: Duration,
    pub card_wait: Duration,
    pub activate_on_write: bool,
    pub encoders: Vec<EncoderSim>,
    pub users: BTreeMap<String, UserSim>,
    pub ops: BTreeMap<String, OpSim>,
    pub next_op: u64,
    pub next_uid: u64,
    pub tokens: HashMap<String, Instant>,
    pub tokens_issued: u64,
    pub keys_written: u64,
    pub written_per_user: BTreeMap<String, u64>,
    pub encode_requests: u64,
    pub cancelled_keys: u64,
}

impl World {
    pub(crate) fn encoder_name(&self, id: &str) -> String {
        format!("installations/{}/encoders/{id}", self.installation)
    }

    pub(crate) fn user_name(&self, id: &str) -> String {
        format!("installations/{}/users/{id}", self.installation)
    }

    pub(crate) fn encoder(&self, id: &str) -> Option<&EncoderSim> {
        self.encoders.iter().find(|e| e.id == id)
    }

    pub(crate) fn encoder_mut(&mut self, id: &str) -> Option<&mut EncoderSim> {
        self.encoders.iter_mut().find(|e| e.id == id)
    }

    /// Applies what time has done to running operations.
    pub(crate) fn tick(&mut self, now: Instant) {
        let running: Vec<String> = self
            .ops
            .iter()
            .filter(|(_, op)| matches!(op.state, OpState::Running))
            .map(|(id, _)| id.clone())
            .collect();
        for id in running {
            let (user_id, encoder_id, started) = {
                let op = &self.ops[&id];
                (op.user_id.clone(), op.encoder_id.clone(), op.started)
            };
            let wait_end = started + self.card_wait;
            let Some(encoder) = self.encoder(&encoder_id) else {
                continue;
            };
            let card = if encoder.auto_card {
                Some((Card::Blank, started))
            } else {
                encoder.card
            };
            // A card counts when it was there (or placed) before the server's wait ran out.
            let card = card
                .map(|(c, at)| (c, at.max(started)))
                .filter(|(_, at)| *at <= wait_end);
            let outcome = match card {
                Some((Card::Foreign, at)) if now >= at => Some(OpState::Failed(
                    FAILED_PRECONDITION,
                    "the card on the encoder cannot be written: it is not a card of this \
                     installation"
                        .into(),
                )),
                Some((Card::Blank, at)) if now >= at + self.write_time => Some(OpState::Done),
                Some(_) => None,
                None if now >= wait_end => Some(OpState::Failed(
                    DEADLINE_EXCEEDED,
                    "no card was presented to the encoder in time".into(),
                )),
                None => None,
            };
            let Some(outcome) = outcome else { continue };
            if matches!(outcome, OpState::Done) {
                self.next_uid += 1;
                let uid = format!("04{:012X}", 0xA1B2_C3D4_0000u64 + self.next_uid);
                let activate = self.activate_on_write;
                if let Some(user) = self.users.get_mut(&user_id) {
                    user.state = if activate {
                        CardKeyState::Active
                    } else {
                        CardKeyState::Pending
                    };
                    user.uid = uid;
                    user.outdated = false;
                }
                self.keys_written += 1;
                *self.written_per_user.entry(user_id.clone()).or_insert(0) += 1;
                if let Some(encoder) = self.encoder_mut(&encoder_id)
                    && !encoder.auto_card
                {
                    encoder.card = None; // the written card is taken off the encoder
                }
                tracing::debug!(op = %id, user = %user_id, "nebula-sim key written");
            }
            if let Some(op) = self.ops.get_mut(&id) {
                op.state = outcome;
            }
        }
    }

    /// Whether an encoding runs on `encoder_id`.
    pub(crate) fn busy(&self, encoder_id: &str) -> bool {
        self.ops
            .values()
            .any(|op| op.encoder_id == encoder_id && matches!(op.state, OpState::Running))
    }

    pub(crate) fn encoder_json(&self, e: &EncoderSim) -> Value {
        json!({
            "name": self.encoder_name(&e.id),
            "display_name": e.display_name,
            "connected": e.connected,
            "initialized": e.initialized,
        })
    }

    pub(crate) fn card_key_json(&self, id: &str, u: &UserSim) -> Value {
        let mut card = json!({
            "name": format!("{}/card-key", self.user_name(id)),
            "state": u.state.wire_name(),
        });
        if !u.uid.is_empty() {
            card["uid"] = json!(u.uid);
        }
        if u.outdated {
            card["outdated"] = json!(true);
        }
        card
    }

    pub(crate) fn user_json(&self, id: &str, u: &UserSim) -> Value {
        let mut user = json!({
            "name": self.user_name(id),
            "card_key": self.card_key_json(id, u),
        });
        if !u.given_name.is_empty() {
            user["given_name"] = json!(u.given_name);
        }
        if !u.family_name.is_empty() {
            user["family_name"] = json!(u.family_name);
        }
        if u.blocked {
            user["blocked"] = json!(true);
        }
        user
    }

    pub(crate) fn op_json(&self, id: &str, op: &OpSim) -> Value {
        let name = format!("operations/{id}");
        match &op.state {
            OpState::Running => json!({
                "name": name,
                "metadata": {
                    "@type": "type.googleapis.com/salto.nebula.user.v1.EncodeCardKeyMetadata"
                },
            }),
            OpState::Done => json!({
                "name": name,
                "done": true,
                "response": {
                    "@type": "type.googleapis.com/salto.nebula.user.v1.EncodeCardKeyResponse"
                },
            }),
            OpState::Failed(code, message) => json!({
                "name": name,
                "done": true,
                "error": { "code": code, "message": message },
            }),
        }
    }

    pub(crate) fn op_status(op: &OpSim) -> OperationStatus {
        match &op.state {
            OpState::Running => OperationStatus::Running,
            OpState::Done => OperationStatus::Done,
            OpState::Failed(code, message) => OperationStatus::Failed {
                code: *code,
                status: code_name(*code),
                message: message.clone(),
            },
        }
    }
}
