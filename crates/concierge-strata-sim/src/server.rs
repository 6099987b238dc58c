//! The HTTP pipeline of both wire models: one fallback handler that routes, then checks in
//! order the echo mode, the credentials (401), the rate limit (429) and injected faults, and
//! then serves the world.

use crate::config::{FaultKind, FaultPlan, Vendor};
use crate::render;
use crate::world::World;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Route templates, as counted by [`crate::RequestStats`].
pub mod routes {
    /// StrataMax connection test.
    pub const PING: &str = "/api/v1/ping";
    /// StrataMax building listing.
    pub const BUILDINGS: &str = "/api/v1/buildings";
    /// StrataMax single building.
    pub const BUILDING: &str = "/api/v1/buildings/{buildingId}";
    /// StrataMax contacts of a building.
    pub const CONTACTS: &str = "/api/v1/buildings/{buildingId}/contacts";
    /// PropertyIQ token endpoint (the configured token path is counted under this label).
    pub const TOKEN: &str = "/oauth/token";
    /// PropertyIQ scheme listing.
    pub const SCHEMES: &str = "/api/v1/schemes";
    /// PropertyIQ single scheme.
    pub const SCHEME: &str = "/api/v1/schemes/{schemeId}";
    /// PropertyIQ lots of a scheme.
    pub const LOTS: &str = "/api/v1/schemes/{schemeId}/lots";
    /// Anything else.
    pub const UNMATCHED: &str = "<unmatched>";
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route<'a> {
    Ping,
    Buildings,
    Building(&'a str),
    Contacts(&'a str),
    Token,
    Schemes,
    Scheme(&'a str),
    Lots(&'a str),
}

impl Route<'_> {
    fn label(self) -> &'static str {
        match self {
            Route::Ping => routes::PING,
            Route::Buildings => routes::BUILDINGS,
            Route::Building(_) => routes::BUILDING,
            Route::Contacts(_) => routes::CONTACTS,
            Route::Token => routes::TOKEN,
            Route::Schemes => routes::SCHEMES,
            Route::Scheme(_) => routes::SCHEME,
            Route::Lots(_) => routes::LOTS,
        }
    }
}

fn parse_route<'a>(vendor: Vendor, token_path: &str, path: &'a str) -> Option<Route<'a>> {
    if vendor == Vendor::PropertyIq && path == token_path {
        return Some(Route::Token);
    }
    let rest = path.strip_prefix("/api/v1/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    match (vendor, parts.as_slice()) {
        (Vendor::StrataMax, ["ping"]) => Some(Route::Ping),
        (Vendor::StrataMax, ["buildings"]) => Some(Route::Buildings),
        (Vendor::StrataMax, ["buildings", id]) if !id.is_empty() => Some(Route::Building(id)),
        (Vendor::StrataMax, ["buildings", id, "contacts"]) => Some(Route::Contacts(id)),
        (Vendor::PropertyIq, ["schemes"]) => Some(Route::Schemes),
        (Vendor::PropertyIq, ["schemes", id]) if !id.is_empty() => Some(Route::Scheme(id)),
        (Vendor::PropertyIq, ["schemes", id, "lots"]) => Some(Route::Lots(id)),
        _ => None,
    }
}

/// A token bucket.
pub(crate) struct Limiter {
    rate: Option<u32>,
    tokens: f64,
    last: Instant,
}

impl Limiter {
    pub(crate) fn new(rate: Option<u32>) -> Self {
        Self {
            rate,
            tokens: f64::from(rate.unwrap_or(0)),
            last: Instant::now(),
        }
    }

    fn admit(&mut self) -> bool {
        let Some(rate) = self.rate.filter(|r| *r > 0) else {
            return true;
        };
        let now = Instant::now();
        let capacity = f64::from(rate);
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * capacity).min(capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Scripted and random faults.
pub(crate) struct Faults {
    plan: Option<FaultPlan>,
    rng: StdRng,
    pub(crate) queue: VecDeque<FaultKind>,
}

impl Faults {
    pub(crate) fn new() -> Self {
        Self {
            plan: None,
            rng: StdRng::seed_from_u64(0),
            queue: VecDeque::new(),
        }
    }

    pub(crate) fn set_plan(&mut self, plan: Option<FaultPlan>) {
        if let Some(p) = &plan {
            self.rng = StdRng::seed_from_u64(p.seed);
        }
        self.plan = plan;
    }

    /// The next fault, its hang and its `Retry-After`.
    fn next(&mut self) -> Option<(FaultKind, Duration, u64)> {
        let (hang, after) = self.plan.as_ref().map_or((Duration::from_secs(2), 1), |p| {
            (p.hang, p.retry_after_secs)
        });
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

/// Issued PropertyIQ tokens.
#[derive(Default)]
pub(crate) struct Tokens {
    pub(crate) issued: u64,
    pub(crate) valid: HashSet<String>,
    /// After this many more authenticated API requests, every token issued so far expires.
    pub(crate) expire_after: Option<u64>,
    /// Refuse every token, even new ones (credentials that authenticate but are not allowed).
    pub(crate) reject_all: bool,
}

/// State shared by the server task and the handle.
pub(crate) struct Shared {
    pub vendor: Vendor,
    pub api_key: Mutex<String>,
    pub api_key_header: String,
    pub client_id: String,
    pub client_secret: Mutex<String>,
    pub token_path: String,
    pub token_lifetime: Duration,
    pub max_page_size: u32,
    pub world: RwLock<World>,
    pub limiter: Mutex<Limiter>,
    pub faults: Mutex<Faults>,
    pub tokens: Mutex<Tokens>,
    pub echo: Mutex<Option<u16>>,
    pub echo_request_id: Mutex<bool>,
    pub arrivals: Mutex<BTreeMap<&'static str, u64>>,
    pub answers: Mutex<BTreeMap<(&'static str, u16), u64>>,
}

impl Shared {
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, World> {
        self.world.write().unwrap_or_else(|p| p.into_inner())
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Response {
        let body = match self.vendor {
            Vendor::StrataMax => render::stratamax_error(code, message),
            Vendor::PropertyIq => render::problem(status, code, message),
        };
        respond(status, &body)
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

fn with_retry_after(mut response: Response, secs: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// The one handler behind every path.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query: BTreeMap<String, String> =
        form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let route = parse_route(shared.vendor, &shared.token_path, &path);
    let label = route.map_or(routes::UNMATCHED, Route::label);
    *lock(&shared.arrivals).entry(label).or_insert(0) += 1;
    let response = match route {
        None => shared.error(404, "not_found", "No such resource."),
        Some(route) => pipeline(&shared, route, &parts.method, &parts.headers, &query, &body).await,
    };
    let status = response.status().as_u16();
    *lock(&shared.answers).entry((label, status)).or_insert(0) += 1;
    tracing::debug!(%path, status, "strata-sim request");
    response
}

fn echo_text(headers: &HeaderMap, body: &[u8]) -> String {
    let mut text = String::from("you sent:");
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

fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn pipeline(
    shared: &Shared,
    route: Route<'_>,
    method: &Method,
    headers: &HeaderMap,
    query: &BTreeMap<String, String>,
    body: &[u8],
) -> Response {
    let expected = if route == Route::Token {
        Method::POST
    } else {
        Method::GET
    };
    if method != expected {
        return shared.error(405, "method_not_allowed", "Method not allowed.");
    }
    if let Some(status) = *lock(&shared.echo) {
        let text = echo_text(headers, body);
        let mut response = shared.error(status, "echo", &text);
        if *lock(&shared.echo_request_id)
            && let Ok(v) = HeaderValue::from_str(&text.replace(['\r', '\n'], " "))
        {
            response.headers_mut().insert("x-request-id", v);
        }
        return response;
    }
    if route == Route::Token {
        return token(shared, body);
    }
    if let Some(refused) = authenticate(shared, headers) {
        return refused;
    }
    if !lock(&shared.limiter).admit() {
        let refused = shared.error(429, "rate_limited", "Too many requests.");
        return with_retry_after(refused, 1);
    }
    let fault = lock(&shared.faults).next();
    match fault {
        Some((FaultKind::RateLimited, _, after)) => {
            let refused = shared.error(429, "rate_limited", "Too many requests.");
            return with_retry_after(refused, after);
        }
        Some((FaultKind::Unavailable, _, _)) => {
            return shared.error(503, "service_unavailable", "Try again later.");
        }
        Some((FaultKind::InternalError, _, _)) => {
            return shared.error(500, "internal_error", "An error occurred.");
        }
        Some((FaultKind::Hang, hang, _)) => tokio::time::sleep(hang).await,
        None => {}
    }
    serve(shared, route, query)
}

/// `None` when the request may go on, else the 401.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    match shared.vendor {
        Vendor::StrataMax => {
            let key = lock(&shared.api_key).clone();
            (header_value(headers, &shared.api_key_header) != Some(key.as_str()))
                .then(|| shared.error(401, "invalid_api_key", "The API key is not valid."))
        }
        Vendor::PropertyIq => {
            let presented = header_value(headers, "authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default()
                .to_owned();
            let mut tokens = lock(&shared.tokens);
            if tokens.reject_all || !tokens.valid.contains(&presented) {
                return Some(shared.error(401, "Unauthorized", "The access token is not valid."));
            }
            if let Some(left) = tokens.expire_after.as_mut() {
                if *left == 0 {
                    tokens.valid.clear();
                    tokens.expire_after = None;
                    return Some(shared.error(401, "Unauthorized", "The access token expired."));
                }
                *left -= 1;
            }
            None
        }
    }
}

fn token(shared: &Shared, body: &[u8]) -> Response {
    let form: BTreeMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str);
    if field("grant_type") != Some("client_credentials") {
        return respond(400, &json!({ "error": "unsupported_grant_type" }));
    }
    let secret = lock(&shared.client_secret).clone();
    if field("client_id") != Some(shared.client_id.as_str())
        || field("client_secret") != Some(secret.as_str())
    {
        return respond(401, &json!({ "error": "invalid_client" }));
    }
    let mut tokens = lock(&shared.tokens);
    tokens.issued += 1;
    let access = format!("sim-token-{}", tokens.issued);
    tokens.valid.insert(access.clone());
    respond(
        200,
        &json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": shared.token_lifetime.as_secs(),
        }),
    )
}

/// Reads a non-negative integer parameter; `Err` names it.
fn number(query: &BTreeMap<String, String>, name: &str, default: u64) -> Result<u64, String> {
    match query.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} must be a whole number")),
    }
}

fn serve(shared: &Shared, route: Route<'_>, query: &BTreeMap<String, String>) -> Response {
    let world = shared.read();
    let find = |prefix: &str, id: &str| {
        let id = id.strip_prefix(prefix)?;
        world.buildings.iter().find(|b| b.id == id)
    };
    let max = u64::from(shared.max_page_size);
    let bad = |m: String| shared.error(400, "invalid_parameter", &m);
    match route {
        Route::Ping => respond(200, &json!({ "status": "ok" })),
        Route::Buildings | Route::Contacts(_) => {
            let (page, size) = match (number(query, "page", 1), number(query, "pageSize", 100)) {
                (Ok(p), Ok(s)) if p >= 1 && s >= 1 => (p, s.min(max)),
                (Err(m), _) | (_, Err(m)) => return bad(m),
                _ => return bad("page and pageSize start at 1".into()),
            };
            let all: Vec<Value> = if let Route::Contacts(id) = route {
                let Some(b) = find("b-", id) else {
                    return shared.error(404, "not_found", "No such building.");
                };
                if b.forbidden {
                    return shared.error(403, "building_not_authorised", "Not authorised.");
                }
                b.contacts
                    .iter()
                    .map(|c| render::stratamax_contact(b, c))
                    .collect()
            } else {
                let status = query.get("status");
                world
                    .buildings
                    .iter()
                    .filter(|b| status.is_none_or(|s| s == b.status.as_str()))
                    .map(render::stratamax_building)
                    .collect()
            };
            let start = ((page - 1) * size) as usize;
            let data: Vec<Value> = all
                .iter()
                .skip(start)
                .take(size as usize)
                .cloned()
                .collect();
            respond(
                200,
                &json!({ "data": data, "page": page, "pageSize": size, "totalCount": all.len() }),
            )
        }
        Route::Building(id) => match find("b-", id) {
            None => shared.error(404, "not_found", "No such building."),
            Some(b) if b.forbidden => {
                shared.error(403, "building_not_authorised", "Not authorised.")
            }
            Some(b) => respond(200, &render::stratamax_building(b)),
        },
        Route::Schemes | Route::Lots(_) => {
            let (offset, limit) = match (number(query, "offset", 0), number(query, "limit", 100)) {
                (Ok(o), Ok(l)) if l >= 1 => (o, l.min(max)),
                (Err(m), _) | (_, Err(m)) => return bad(m),
                _ => return bad("limit starts at 1".into()),
            };
            let all: Vec<Value> = if let Route::Lots(id) = route {
                match find("s-", id) {
                    None => return shared.error(404, "Not Found", "Unknown scheme."),
                    Some(b) if b.forbidden => {
                        return shared.error(403, "Forbidden", "The scheme is not shared.");
                    }
                    Some(b) => render::propertyiq_lots(b),
                }
            } else {
                world
                    .buildings
                    .iter()
                    .map(render::propertyiq_scheme)
                    .collect()
            };
            let items: Vec<Value> = all
                .iter()
                .skip(offset as usize)
                .take(limit as usize)
                .cloned()
                .collect();
            respond(
                200,
                &json!({ "items": items, "offset": offset, "limit": limit, "total": all.len() }),
            )
        }
        Route::Scheme(id) => match find("s-", id) {
            None => shared.error(404, "Not Found", "Unknown scheme."),
            Some(b) if b.forbidden => shared.error(403, "Forbidden", "The scheme is not shared."),
            Some(b) => respond(200, &render::propertyiq_scheme(b)),
        },
        Route::Token => shared.error(405, "method_not_allowed", "Method not allowed."),
    }
}
