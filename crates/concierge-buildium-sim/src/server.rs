//! The HTTP pipeline: one fallback handler that checks, in order, the path (404), the method
//! (405), the query length (500), the credentials (401), the rate limit (429), the paging
//! parameter names (404), injected faults, and then serves the endpoint.

use crate::api::{self, Failure, MAX_QUERY_LEN, Query, Route};
use crate::config::{FaultKind, FaultPlan};
use crate::journal::Exchange;
use crate::model::Portfolio;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

/// Label under which requests to unknown paths are counted.
pub const UNMATCHED: &str = "<unmatched>";

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// State shared by the server task and the [`SimHandle`](crate::SimHandle).
pub(crate) struct Shared {
    pub client_id: String,
    pub client_secret: String,
    pub reject_unknown_params: bool,
    pub unstable_ties: bool,
    pub tenant_update_touches_leases: bool,
    pub default_hang: Duration,
    pub data: RwLock<Portfolio>,
    pub limiter: Mutex<Limiter>,
    pub faults: Mutex<Faults>,
    pub stats: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// Whether exchanges are journalled ([`SimConfig::journal`](crate::SimConfig::journal)).
    pub journal_on: bool,
    pub journal: Mutex<Vec<Exchange>>,
}

impl Shared {
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Portfolio> {
        self.data.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Portfolio> {
        self.data.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// A token bucket per client id.
pub(crate) struct Limiter {
    pub rate: Option<u32>,
    buckets: HashMap<String, (f64, Instant)>,
}

impl Limiter {
    pub(crate) fn new(rate: Option<u32>) -> Self {
        Self {
            rate,
            buckets: HashMap::new(),
        }
    }

    pub(crate) fn set_rate(&mut self, rate: Option<u32>) {
        self.rate = rate;
        self.buckets.clear();
    }

    fn admit(&mut self, client: &str) -> bool {
        let Some(rate) = self.rate.filter(|&r| r > 0) else {
            return true;
        };
        let capacity = f64::from(rate);
        let now = Instant::now();
        let (tokens, last) = self
            .buckets
            .entry(client.to_owned())
            .or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * capacity).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
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
    queue: VecDeque<FaultKind>,
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
        if let Some(plan) = &plan {
            self.rng = StdRng::seed_from_u64(plan.seed);
        }
        self.plan = plan;
    }

    pub(crate) fn push(&mut self, kinds: impl IntoIterator<Item = FaultKind>) {
        self.queue.extend(kinds);
    }

    pub(crate) fn clear(&mut self) {
        self.plan = None;
        self.queue.clear();
    }

    /// The fault for the next request, if any, and how long a hang lasts.
    fn next(&mut self, default_hang: Duration) -> Option<(FaultKind, Duration)> {
        let hang = self.plan.as_ref().map_or(default_hang, |p| p.hang);
        if let Some(kind) = self.queue.pop_front() {
            return Some((kind, hang));
        }
        let plan = self.plan.as_ref()?;
        let hit = self.rng.random::<f64>() < plan.rate;
        if !hit || plan.kinds.is_empty() {
            return None;
        }
        let kind = plan.kinds[self.rng.random_range(0..plan.kinds.len())];
        Some((kind, hang))
    }
}

fn respond(status: u16, body: Vec<u8>, total: Option<usize>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(total) = total {
        headers.insert("X-Total-Count", HeaderValue::from(total as u64));
    }
    response
}

fn fail(failure: Failure) -> Response {
    respond(failure.status, failure.body(), None)
}

fn unauthorized() -> Failure {
    Failure::new(
        401,
        "Unauthorized",
        "The API key couldn't be authorized. Check the x-buildium-client-id and \
         x-buildium-client-secret headers.",
    )
}

fn too_many_requests() -> Failure {
    Failure::new(
        429,
        "TooManyRequests",
        "Too many requests against the API too quickly. Retry after a short interval.",
    )
}

fn header_is(headers: &HeaderMap, name: &str, expected: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected)
}

/// The largest request body the journal reads (the simulator serves GETs; a body is a mistake).
const MAX_JOURNALLED_REQUEST: usize = 1 << 20;

/// The one handler behind every path.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let raw_query = request.uri().query().map(str::to_owned);
    let route = Route::parse(&path);
    let label = route.map_or(UNMATCHED, |r| r.info().template);
    let (parts, body) = request.into_parts();
    let response = pipeline(
        &shared,
        route,
        &method,
        raw_query.as_deref(),
        &parts.headers,
    )
    .await;
    let status = response.status().as_u16();
    *lock(&shared.stats).entry((label, status)).or_insert(0) += 1;
    tracing::debug!(%method, %path, status, "buildium-sim request");
    if !shared.journal_on {
        return response;
    }
    let request_body = axum::body::to_bytes(body, MAX_JOURNALLED_REQUEST)
        .await
        .unwrap_or_default();
    // Every response body is a buffered `Vec<u8>`: reading it back cannot fail or wait.
    let (response_parts, response_body) = response.into_parts();
    let response_body = axum::body::to_bytes(response_body, usize::MAX)
        .await
        .unwrap_or_default();
    lock(&shared.journal).push(Exchange {
        method: method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map_or_else(|| path.clone(), |pq| pq.as_str().to_owned()),
        route: label,
        request_body: request_body.to_vec(),
        status,
        response_body: response_body.to_vec(),
    });
    Response::from_parts(response_parts, Body::from(response_body))
}

async fn pipeline(
    shared: &Shared,
    route: Option<Route>,
    method: &Method,
    raw_query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let Some(route) = route else {
        return fail(Failure::not_found());
    };
    if method != Method::GET {
        return fail(Failure::new(
            405,
            "MethodNotAllowed",
            "The simulator serves GET requests only.",
        ));
    }
    if raw_query.is_some_and(|q| q.len() > MAX_QUERY_LEN) {
        return fail(Failure::new(
            500,
            "InternalServerError",
            "An error has occurred.",
        ));
    }
    if !header_is(headers, "x-buildium-client-id", &shared.client_id)
        || !header_is(headers, "x-buildium-client-secret", &shared.client_secret)
    {
        return fail(unauthorized());
    }
    if !lock(&shared.limiter).admit(&shared.client_id) {
        return fail(too_many_requests());
    }
    let query = Query::parse(raw_query);
    let info = route.info();
    for name in query.names() {
        let misspelt_paging = ["limit", "offset"]
            .iter()
            .any(|p| name.eq_ignore_ascii_case(p) && name != *p);
        if misspelt_paging {
            return fail(Failure::not_found());
        }
        if shared.reject_unknown_params && !info.params.contains(&name) {
            return fail(Failure::bad_param(
                name,
                format!("'{name}' is not a parameter of {}.", info.template),
            ));
        }
    }
    let fault = lock(&shared.faults).next(shared.default_hang);
    match fault {
        Some((FaultKind::InternalError, _)) => {
            return fail(Failure::new(
                500,
                "InternalServerError",
                "An error has occurred.",
            ));
        }
        Some((FaultKind::Unavailable, _)) => {
            return fail(Failure::new(
                503,
                "ServiceUnavailable",
                "The service is down for maintenance.",
            ));
        }
        Some((FaultKind::RateLimited, _)) => return fail(too_many_requests()),
        Some((FaultKind::Hang, delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let result = {
        let data = shared.read();
        api::serve(&data, route, &query, shared.unstable_ties)
    };
    match result {
        Ok(reply) => respond(200, reply.body, reply.total),
        Err(failure) => fail(failure),
    }
}
