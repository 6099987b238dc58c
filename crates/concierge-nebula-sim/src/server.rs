//! The HTTP pipeline: the token endpoint, then the bearer check, injected faults (on `/v1`
//! only), routing and the Nebula methods.

use crate::faults::{FaultKind, Faults};
use crate::world::{
    ALREADY_EXISTS, FAILED_PRECONDITION, Failure, INTERNAL, INVALID_ARGUMENT, NOT_FOUND, OpSim,
    OpState, RESOURCE_EXHAUSTED, UNAUTHENTICATED, UNAVAILABLE, UNIMPLEMENTED, UserSim, World,
    http_status,
};
use crate::{CardKeyState, TOKEN_PATH};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// State shared by the server task and the handle.
pub(crate) struct Shared {
    pub client_id: String,
    pub client_secret: String,
    pub token_lifetime: Duration,
    pub world: Mutex<World>,
    pub requests: Mutex<BTreeMap<String, u64>>,
    pub faults: Mutex<Faults>,
}

impl Shared {
    /// The world, with time applied.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        let mut w = lock(&self.world);
        w.tick(Instant::now());
        w
    }
}

fn respond(status: u16, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn fail(f: Failure) -> Response {
    respond(http_status(f.code), &f.body())
}

type Reply = Result<Value, Failure>;

/// The one handler behind every path.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method;
    let path = parts.uri.path().to_owned();
    let query: BTreeMap<String, String> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
    // Counted on arrival, so a request whose client gave up (a hang) counts too.
    *lock(&shared.requests)
        .entry(format!("{method} {}", label(&path)))
        .or_insert(0) += 1;
    let response = if path == TOKEN_PATH && method == Method::POST {
        token(&shared, &body)
    } else {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let authorised = {
            let world = shared.world();
            let now = Instant::now();
            bearer
                .and_then(|t| world.tokens.get(&t).copied())
                .is_some_and(|expiry| expiry > now)
        };
        if !authorised {
            fail(Failure::new(
                UNAUTHENTICATED,
                "request had invalid authentication credentials: a valid OAuth2 bearer token \
                 is required",
            ))
        } else {
            let api = ApiRequest {
                method: method.clone(),
                path: path.clone(),
                query,
                body,
            };
            if path == "/v1" || path.starts_with("/v1/") {
                with_faults(&shared, api).await
            } else {
                api.serve(&shared)
            }
        }
    };
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, "nebula-sim request");
    response
}

/// An authorised API request, owned (a hung one is served by a task of its own).
struct ApiRequest {
    method: Method,
    path: String,
    query: BTreeMap<String, String>,
    body: Bytes,
}

impl ApiRequest {
    /// Carries the request out on the world and answers it.
    fn serve(&self, shared: &Shared) -> Response {
        let json: Value = if self.body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&self.body).unwrap_or(Value::Null)
        };
        let mut world = shared.world();
        match route(&mut world, &self.method, &self.path, &self.query, &json) {
            Ok(v) => respond(200, &v),
            Err(f) => fail(f),
        }
    }
}

/// Serves `api` through the next injected fault, if any (see [`crate::FaultKind`]).
async fn with_faults(shared: &Arc<Shared>, api: ApiRequest) -> Response {
    let Some(fault) = lock(&shared.faults).next() else {
        return api.serve(shared);
    };
    tracing::debug!(kind = fault.kind.as_str(), path = %api.path, "nebula-sim injected fault");
    match fault.kind {
        FaultKind::RateLimited => {
            let mut response = fail(Failure::new(
                RESOURCE_EXHAUSTED,
                "Quota exceeded: too many requests; retry later",
            ));
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(fault.retry_after_secs),
            );
            response
        }
        FaultKind::Unavailable => fail(Failure::new(
            UNAVAILABLE,
            "The service is currently unavailable",
        )),
        FaultKind::InternalError => fail(Failure::new(INTERNAL, "Internal error encountered")),
        FaultKind::LostReply => {
            // The work is done; the gateway in front gave up on the reply.
            let _ = api.serve(shared);
            bad_gateway()
        }
        FaultKind::Hang => {
            // Served by a task of its own, so the request is carried out after the hang even
            // when the client stopped waiting (and its connection, and this handler, are gone).
            let shared = Arc::clone(shared);
            let hang = fault.hang;
            let served = tokio::spawn(async move {
                tokio::time::sleep(hang).await;
                api.serve(&shared)
            });
            served.await.unwrap_or_else(|_| bad_gateway())
        }
    }
}

/// A gateway's `502`: plain text, no gRPC status.
fn bad_gateway() -> Response {
    let mut response = Response::new(Body::from(
        "502 Bad Gateway: the upstream server did not answer in time",
    ));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A path with its ids replaced, for the request counters.
fn label(path: &str) -> String {
    if path == TOKEN_PATH {
        return path.into();
    }
    let rest = path.strip_prefix("/v1/").unwrap_or(path);
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        ["installations", _, "encoders"] => "/v1/installations/{i}/encoders".into(),
        ["installations", _, "encoders", _] => "/v1/installations/{i}/encoders/{e}".into(),
        ["installations", _, "users"] => "/v1/installations/{i}/users".into(),
        ["installations", _, "users", _] => "/v1/installations/{i}/users/{u}".into(),
        ["installations", _, "users", _, action] => {
            format!("/v1/installations/{{i}}/users/{{u}}/{action}")
        }
        ["operations", op] if op.ends_with(":cancel") => "/v1/operations/{o}:cancel".into(),
        ["operations", _] => "/v1/operations/{o}".into(),
        _ => "<unmatched>".into(),
    }
}

fn token(shared: &Shared, body: &[u8]) -> Response {
    let form: BTreeMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return respond(
            400,
            &json!({"error": "unsupported_grant_type", "error_description": "use client_credentials"}),
        );
    }
    let id_ok = form.get("client_id") == Some(&shared.client_id);
    let secret_ok = form.get("client_secret") == Some(&shared.client_secret);
    if !id_ok || !secret_ok {
        return respond(
            401,
            &json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        );
    }
    let mut world = lock(&shared.world);
    world.tokens_issued += 1;
    let token = format!("nebula-sim-token-{}", world.tokens_issued);
    world
        .tokens
        .insert(token.clone(), Instant::now() + shared.token_lifetime);
    respond(
        200,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": shared.token_lifetime.as_secs(),
            "scope": form.get("scope").cloned().unwrap_or_default(),
        }),
    )
}

fn not_found(what: &str) -> Failure {
    Failure::new(NOT_FOUND, format!("{what} not found"))
}

fn route(
    w: &mut World,
    method: &Method,
    path: &str,
    query: &BTreeMap<String, String>,
    body: &Value,
) -> Reply {
    let Some(rest) = path.strip_prefix("/v1/") else {
        return Err(not_found("resource"));
    };
    let segs: Vec<&str> = rest.split('/').collect();
    let get = method == Method::GET;
    let post = method == Method::POST;
    match segs.as_slice() {
        ["operations", op] if post && op.ends_with(":cancel") => {
            cancel_operation(w, op.trim_end_matches(":cancel"))
        }
        ["operations", op] if get => {
            let op = w.ops.get(*op).ok_or_else(|| not_found("operation"))?;
            let id = segs[1];
            Ok(w.op_json(id, op))
        }
        ["installations", inst, tail @ ..] => {
            if *inst != w.installation {
                return Err(not_found("installation"));
            }
            match tail {
                ["encoders"] if get => list_encoders(w, query),
                ["encoders", e] if get => {
                    let e = w.encoder(e).ok_or_else(|| not_found("encoder"))?;
                    Ok(w.encoder_json(e))
                }
                ["users"] if post => create_user(w, query, body),
                ["users", u] if get => {
                    let user = w.users.get(*u).ok_or_else(|| not_found("user"))?;
                    Ok(w.user_json(u, user))
                }
                ["users", u, "card-key:encode"] if post => encode(w, u, body),
                ["users", u, "card-key:cancel"] if post => cancel_card_key(w, u),
                _ => Err(Failure::new(
                    UNIMPLEMENTED,
                    format!("{method} {path} is not a method of this simulator"),
                )),
            }
        }
        _ => Err(Failure::new(
            UNIMPLEMENTED,
            format!("{method} {path} is not a method of this simulator"),
        )),
    }
}

fn list_encoders(w: &World, query: &BTreeMap<String, String>) -> Reply {
    let size = match query.get("page_size") {
        None => 50,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| Failure::new(INVALID_ARGUMENT, "page_size must be a number"))?
            .clamp(1, 1000),
    };
    let start = match query.get("page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t
            .strip_prefix("p")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= w.encoders.len())
            .ok_or_else(|| Failure::new(INVALID_ARGUMENT, "invalid page_token"))?,
    };
    let page: Vec<Value> = w
        .encoders
        .iter()
        .skip(start)
        .take(size)
        .map(|e| w.encoder_json(e))
        .collect();
    let next = start + page.len();
    let mut reply = json!({ "encoders": page });
    if next < w.encoders.len() {
        reply["next_page_token"] = json!(format!("p{next}"));
    }
    Ok(reply)
}

/// AIP-122 resource id: `[a-z][a-z0-9-]{0,61}[a-z0-9]` (a single letter accepted too).
fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !id.ends_with('-')
}

fn create_user(w: &mut World, query: &BTreeMap<String, String>, body: &Value) -> Reply {
    let id = match query.get("user_id").filter(|s| !s.is_empty()) {
        Some(id) => id.clone(),
        None => format!("user-{}", w.users.len() + 1),
    };
    if !valid_id(&id) {
        return Err(Failure::new(
            INVALID_ARGUMENT,
            format!("user_id {id:?} is not a valid resource id"),
        ));
    }
    if w.users.contains_key(&id) {
        return Err(Failure::new(
            ALREADY_EXISTS,
            format!("user {} already exists", w.user_name(&id)),
        ));
    }
    let field = |snake: &str, camel: &str| {
        body.get(snake)
            .or_else(|| body.get(camel))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let user = UserSim {
        given_name: field("given_name", "givenName"),
        family_name: field("family_name", "familyName"),
        blocked: false,
        state: CardKeyState::NotAssigned,
        uid: String::new(),
        outdated: false,
    };
    let reply = w.user_json(&id, &user);
    w.users.insert(id, user);
    Ok(reply)
}

fn encode(w: &mut World, user_id: &str, body: &Value) -> Reply {
    w.encode_requests += 1;
    let user = w.users.get(user_id).ok_or_else(|| not_found("user"))?;
    if user.state != CardKeyState::NotAssigned {
        return Err(Failure::new(
            FAILED_PRECONDITION,
            "the card key is already assigned; cancel it first",
        ));
    }
    let encoder_name = body
        .get("encoder")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::new(INVALID_ARGUMENT, "encoder is required"))?;
    let prefix = format!("installations/{}/encoders/", w.installation);
    let encoder_id = encoder_name
        .strip_prefix(&prefix)
        .ok_or_else(|| Failure::new(INVALID_ARGUMENT, "encoder is not an encoder name"))?
        .to_string();
    let encoder = w.encoder(&encoder_id).ok_or_else(|| not_found("encoder"))?;
    if !encoder.connected {
        return Err(Failure::new(
            FAILED_PRECONDITION,
            "the encoder is not connected",
        ));
    }
    if !encoder.initialized {
        return Err(Failure::new(
            FAILED_PRECONDITION,
            "the encoder is not initialized",
        ));
    }
    if w.busy(&encoder_id) {
        return Err(Failure::new(
            UNAVAILABLE,
            "resource locked by another process: the encoder is writing another card",
        ));
    }
    let user_running = w
        .ops
        .values()
        .any(|op| op.user_id == user_id && matches!(op.state, OpState::Running));
    if user_running {
        return Err(Failure::new(
            FAILED_PRECONDITION,
            "an encoding of this card key is already running",
        ));
    }
    w.next_op += 1;
    let id = format!("op-{}", w.next_op);
    let op = OpSim {
        user_id: user_id.to_string(),
        encoder_id,
        started: Instant::now(),
        state: OpState::Running,
    };
    let reply = w.op_json(&id, &op);
    w.ops.insert(id, op);
    Ok(reply)
}

fn cancel_operation(w: &mut World, id: &str) -> Reply {
    let op = w.ops.get_mut(id).ok_or_else(|| not_found("operation"))?;
    if matches!(op.state, OpState::Running) {
        op.state = OpState::Failed(
            crate::world::CANCELLED,
            "the operation was cancelled".into(),
        );
    }
    Ok(json!({}))
}

fn cancel_card_key(w: &mut World, user_id: &str) -> Reply {
    let user = w.users.get_mut(user_id).ok_or_else(|| not_found("user"))?;
    if user.state == CardKeyState::NotAssigned {
        return Err(Failure::new(
            FAILED_PRECONDITION,
            "the card key holds no key to cancel",
        ));
    }
    user.state = CardKeyState::NotAssigned; // the uid stays: a key was written and cancelled
    user.outdated = false;
    w.cancelled_keys += 1;
    let user = &w.users[user_id];
    Ok(w.card_key_json(user_id, user))
}
