//! The HTTP pipeline: one fallback handler that routes, then checks in order the echo mode,
//! the OAuth endpoints, the bearer token (401) and injected faults, serves the world, and
//! records the request in the counters and the exchange journal.

use crate::api::{self, Route};
use crate::config::{FaultKind, FaultPlan, SimConfig};
use crate::journal::Exchange;
use crate::listing::Paging;
use crate::oauth::OAuth;
use crate::reply::Reply;
use crate::world::World;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Route templates, as counted by [`crate::RequestStats`] and named in the journal: the method,
/// a space, and the spec's path template.
pub mod routes {
    /// The consent page.
    pub const AUTHORIZE: &str = "GET /oauth/authorize";
    /// The token endpoint.
    pub const TOKEN: &str = "POST /oauth/token";
    /// List buildings.
    pub const BUILDINGS: &str = "GET /v4/buildings";
    /// Show a building.
    pub const BUILDING: &str = "GET /v4/buildings/{id}";
    /// List units.
    pub const UNITS: &str = "GET /v4/units";
    /// Show a unit.
    pub const UNIT: &str = "GET /v4/units/{id}";
    /// Create a unit.
    pub const CREATE_UNIT: &str = "POST /v4/buildings/{building_id}/units";
    /// Delete a unit.
    pub const DELETE_UNIT: &str = "DELETE /v4/buildings/{building_id}/units/{id}";
    /// List tenants.
    pub const TENANTS: &str = "GET /v4/tenants";
    /// Create a tenant.
    pub const CREATE_TENANT: &str = "POST /v4/tenants";
    /// Show a tenant.
    pub const TENANT: &str = "GET /v4/tenants/{id}";
    /// Delete a tenant.
    pub const DELETE_TENANT: &str = "DELETE /v4/tenants/{id}";
    /// List access points.
    pub const ACCESS_POINTS: &str = "GET /v4/access_points";
    /// Show an access point.
    pub const ACCESS_POINT: &str = "GET /v4/access_points/{id}";
    /// List keychains.
    pub const KEYCHAINS: &str = "GET /v4/keychains";
    /// Create a custom keychain.
    pub const CREATE_CUSTOM_KEYCHAIN: &str = "POST /v4/keychains/custom";
    /// Show a keychain.
    pub const KEYCHAIN: &str = "GET /v4/keychains/{id}";
    /// Delete a keychain.
    pub const DELETE_KEYCHAIN: &str = "DELETE /v4/keychains/{id}";
    /// List virtual keys.
    pub const VIRTUAL_KEYS: &str = "GET /v4/virtual_keys";
    /// Add a virtual key.
    pub const CREATE_VIRTUAL_KEY: &str = "POST /v4/virtual_keys";
    /// Show a virtual key.
    pub const VIRTUAL_KEY: &str = "GET /v4/virtual_keys/{id}";
    /// Delete a virtual key.
    pub const DELETE_VIRTUAL_KEY: &str = "DELETE /v4/virtual_keys/{id}";
    /// Anything else (answered 404).
    pub const UNMATCHED: &str = "<unmatched>";
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Authorize,
    Token,
    Api(Route),
}

fn label(target: Target) -> &'static str {
    use routes::*;
    match target {
        Target::Authorize => AUTHORIZE,
        Target::Token => TOKEN,
        Target::Api(route) => match route {
            Route::Buildings => BUILDINGS,
            Route::Building(_) => BUILDING,
            Route::Units => UNITS,
            Route::Unit(_) => UNIT,
            Route::CreateUnit(_) => CREATE_UNIT,
            Route::DeleteUnit(..) => DELETE_UNIT,
            Route::Tenants => TENANTS,
            Route::CreateTenant => CREATE_TENANT,
            Route::Tenant(_) => TENANT,
            Route::DeleteTenant(_) => DELETE_TENANT,
            Route::AccessPoints => ACCESS_POINTS,
            Route::AccessPoint(_) => ACCESS_POINT,
            Route::Keychains => KEYCHAINS,
            Route::CreateCustomKeychain => CREATE_CUSTOM_KEYCHAIN,
            Route::Keychain(_) => KEYCHAIN,
            Route::DeleteKeychain(_) => DELETE_KEYCHAIN,
            Route::VirtualKeys => VIRTUAL_KEYS,
            Route::CreateVirtualKey => CREATE_VIRTUAL_KEY,
            Route::VirtualKey(_) => VIRTUAL_KEY,
            Route::DeleteVirtualKey(_) => DELETE_VIRTUAL_KEY,
        },
    }
}

fn parse_target(method: &Method, path: &str) -> Option<Target> {
    let id = |s: &str| s.parse::<i64>().ok();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let m = method.as_str();
    let route = match (m, parts.as_slice()) {
        ("GET", ["oauth", "authorize"]) => return Some(Target::Authorize),
        ("POST", ["oauth", "token"]) => return Some(Target::Token),
        ("GET", ["v4", "buildings"]) => Route::Buildings,
        ("GET", ["v4", "buildings", b]) => Route::Building(id(b)),
        ("POST", ["v4", "buildings", b, "units"]) => Route::CreateUnit(id(b)),
        ("DELETE", ["v4", "buildings", b, "units", u]) => Route::DeleteUnit(id(b), id(u)),
        ("GET", ["v4", "units"]) => Route::Units,
        ("GET", ["v4", "units", u]) => Route::Unit(id(u)),
        ("GET", ["v4", "tenants"]) => Route::Tenants,
        ("POST", ["v4", "tenants"]) => Route::CreateTenant,
        ("GET", ["v4", "tenants", t]) => Route::Tenant(id(t)),
        ("DELETE", ["v4", "tenants", t]) => Route::DeleteTenant(id(t)),
        ("GET", ["v4", "access_points"]) => Route::AccessPoints,
        ("GET", ["v4", "access_points", a]) => Route::AccessPoint(id(a)),
        ("GET", ["v4", "keychains"]) => Route::Keychains,
        ("POST", ["v4", "keychains", "custom"]) => Route::CreateCustomKeychain,
        ("GET", ["v4", "keychains", k]) => Route::Keychain(id(k)),
        ("DELETE", ["v4", "keychains", k]) => Route::DeleteKeychain(id(k)),
        ("GET", ["v4", "virtual_keys"]) => Route::VirtualKeys,
        ("POST", ["v4", "virtual_keys"]) => Route::CreateVirtualKey,
        ("GET", ["v4", "virtual_keys", v]) => Route::VirtualKey(id(v)),
        ("DELETE", ["v4", "virtual_keys", v]) => Route::DeleteVirtualKey(id(v)),
        _ => return None,
    };
    Some(Target::Api(route))
}

/// Scripted and random faults.
pub(crate) struct Faults {
    plan: Option<FaultPlan>,
    rng: StdRng,
    pub(crate) queue: VecDeque<FaultKind>,
    /// Faults for the next requests on one route: `(route template, kind)`, in order.
    pub(crate) targeted: VecDeque<(String, FaultKind)>,
}

impl Faults {
    pub(crate) fn new() -> Self {
        Self {
            plan: None,
            rng: StdRng::seed_from_u64(0),
            queue: VecDeque::new(),
            targeted: VecDeque::new(),
        }
    }

    pub(crate) fn set_plan(&mut self, plan: Option<FaultPlan>) {
        if let Some(p) = &plan {
            self.rng = StdRng::seed_from_u64(p.seed);
        }
        self.plan = plan;
    }

    /// The next fault of a request on `route`, its hang and its `Retry-After`.
    fn next(&mut self, route: &str) -> Option<(FaultKind, Duration, u64)> {
        let (hang, after) = self.plan.as_ref().map_or((Duration::from_secs(2), 0), |p| {
            (p.hang, p.retry_after_secs)
        });
        if let Some(at) = self.targeted.iter().position(|(r, _)| r == route) {
            let (_, kind) = self.targeted.remove(at)?;
            return Some((kind, hang, after));
        }
        if let Some(kind) = self.queue.pop_front() {
            return Some((kind, hang, after));
        }
        let plan = self.plan.as_ref()?;
        if plan.kinds.is_empty() || self.rng.random::<f64>() >= plan.rate {
            return None;
        }
        let kind = plan.kinds[self.rng.random_range(0..plan.kinds.len())];
        Some((kind, hang, after))
    }
}

/// State shared by the server task and the handle.
pub(crate) struct Shared {
    pub config: SimConfig,
    pub world: Mutex<World>,
    pub rng: Mutex<StdRng>,
    pub oauth: Mutex<OAuth>,
    pub faults: Mutex<Faults>,
    pub echo: Mutex<Option<u16>>,
    pub echo_request_id: AtomicBool,
    /// Every API request is refused with 401, whatever its token.
    pub refuse_api: AtomicBool,
    pub arrivals: Mutex<BTreeMap<&'static str, u64>>,
    pub answers: Mutex<BTreeMap<(&'static str, u16), u64>>,
    pub journal: Mutex<Vec<Exchange>>,
    pub journal_on: AtomicBool,
    pub sequence: AtomicU64,
}

fn echo_text(method: &Method, target: &str, headers: &HeaderMap, body: &[u8]) -> String {
    let mut text = format!("you sent: {method} {target}");
    for (name, value) in headers {
        text.push_str(&format!(
            " {name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    if !body.is_empty() {
        text.push_str(&format!(" body: {}", String::from_utf8_lossy(body)));
    }
    text
}

fn decode_pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

/// The one handler behind every path.
pub(crate) async fn handle(
    State(shared): State<std::sync::Arc<Shared>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let full = if raw_query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{raw_query}")
    };
    let query = decode_pairs(raw_query.as_bytes());
    let body = axum::body::to_bytes(body, 256 * 1024)
        .await
        .unwrap_or_default();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let target = parse_target(&parts.method, &path);
    let route_label = target.map_or(routes::UNMATCHED, label);
    *lock(&shared.arrivals).entry(route_label).or_insert(0) += 1;

    let echo = *lock(&shared.echo);
    let (reply, fault) = match (echo, target) {
        (Some(status), _) => {
            let text = echo_text(&parts.method, &full, &parts.headers, &body);
            let mut reply = if status == 401 {
                let mut r = Reply::unauthorized();
                r.body = Some(serde_json::json!({
                    "errors": [{ "field": "base", "code": "unauthorized", "messages": text }]
                }));
                r
            } else {
                Reply::error(status, "base", "echo", &text)
            };
            reply.status = status;
            // The echo holds what was sent, secrets included: the journal keeps none of it.
            reply.journal_body = Some(serde_json::json!({ "echo": crate::journal::REDACTED }));
            if shared.echo_request_id.load(Ordering::Relaxed) {
                reply = reply.header("x-request-id", text.replace(['\r', '\n'], " "));
            }
            (reply, Some("echo"))
        }
        (None, None) => (Reply::not_found(), None),
        (None, Some(Target::Authorize)) => {
            let mut rng = lock(&shared.rng);
            (
                lock(&shared.oauth).authorize(&shared.config, &query, &mut rng),
                None,
            )
        }
        (None, Some(Target::Token)) => {
            let form = decode_pairs(&body);
            let mut rng = lock(&shared.rng);
            (
                lock(&shared.oauth).token(&shared.config, &form, &mut rng),
                None,
            )
        }
        (None, Some(Target::Api(route))) => {
            api_pipeline(&shared, route, route_label, &parts.headers, &query, &body).await
        }
    };

    let mut reply = reply;
    if !reply
        .headers
        .iter()
        .any(|(name, _)| *name == "x-request-id")
    {
        let n = shared.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        reply = reply.header("x-request-id", format!("sim-request-{n}"));
    }
    let status = reply.status;
    *lock(&shared.answers)
        .entry((route_label, status))
        .or_insert(0) += 1;
    if shared.journal_on.load(Ordering::Relaxed) {
        let exchange = Exchange::new(
            parts.method.as_str(),
            route_label,
            &path,
            &full,
            query,
            content_type,
            &body,
            &reply,
            fault,
        );
        lock(&shared.journal).push(exchange);
    }
    tracing::debug!(%path, status, "butterflymx-sim request");
    reply.into_response()
}

async fn api_pipeline(
    shared: &Shared,
    route: Route,
    route_label: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
    body: &[u8],
) -> (Reply, Option<&'static str>) {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if shared.refuse_api.load(Ordering::Relaxed) || !lock(&shared.oauth).check(bearer) {
        return (Reply::unauthorized(), None);
    }
    let fault = lock(&shared.faults).next(route_label);
    let lost = match fault {
        Some((FaultKind::RateLimited, _, after)) => {
            let reply = Reply::error(429, "base", "too_many_requests", "Too many requests")
                .header("retry-after", after.to_string());
            return (reply, Some(FaultKind::RateLimited.as_str()));
        }
        Some((FaultKind::Unavailable, _, _)) => {
            let reply = Reply::error(503, "base", "service_unavailable", "Service unavailable");
            return (reply, Some(FaultKind::Unavailable.as_str()));
        }
        Some((FaultKind::InternalError, _, _)) => {
            let reply = Reply::error(
                500,
                "base",
                "internal_server_error",
                "Internal server error",
            );
            return (reply, Some(FaultKind::InternalError.as_str()));
        }
        Some((FaultKind::Hang, hang, _)) => {
            tokio::time::sleep(hang).await;
            false
        }
        Some((FaultKind::LostReply, _, _)) => true,
        None => false,
    };
    let parsed = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => Some(v),
            Err(_) => {
                let reply = Reply::error(422, "base", "invalid", "the body is not valid JSON");
                return (reply, None);
            }
        }
    };
    let reply = {
        let mut world = lock(&shared.world);
        let mut rng = lock(&shared.rng);
        let paging = Paging {
            default_per: shared.config.default_per_page,
            max_per: shared.config.max_per_page,
        };
        api::serve(
            api::Ctx {
                world: &mut world,
                rng: &mut rng,
                paging,
            },
            route,
            query,
            parsed.as_ref(),
        )
    };
    if lost {
        // The work is done; the gateway in front gave up on the reply.
        let reply = Reply::error(502, "base", "bad_gateway", "Bad gateway");
        return (reply, Some(FaultKind::LostReply.as_str()));
    }
    (reply, None)
}
