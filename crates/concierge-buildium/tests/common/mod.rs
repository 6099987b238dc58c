//! Shared test helpers: fixtures, a configuration pointing at a mock server, the catch-all, and
//! the contract checks every test ends with (each request the adapter sent, and each response the
//! simulator answered, against Buildium's OpenAPI document, values included).

#![allow(dead_code)]

use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_buildium_sim::Exchange;
use concierge_contract::Contract;
use concierge_core::{ExternalRef, Page, PmsResident, RecordError};
use concierge_http::{RetryPolicy, SecretString};
use serde_json::Value;
use std::time::Duration;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The client id every test sends.
pub const CLIENT_ID: &str = "concierge-test-client";
/// The client secret: it must never show up in an error (`api_error_unauthorized.json` echoes
/// it).
pub const CANARY: &str = "canary-7f3a9c1e-buildium-secret";

/// The fixture file names, each with the vendor schema its body follows: a path template's 200
/// response, or a component schema.
pub const FIXTURES: [(&str, Schema); 10] = [
    ("rentals_page1.json", Schema::Ok("/v1/rentals")),
    ("rentals_page2.json", Schema::Ok("/v1/rentals")),
    ("units.json", Schema::Ok("/v1/rentals/units")),
    ("leases.json", Schema::Ok("/v1/leases")),
    ("leases_incremental.json", Schema::Ok("/v1/leases")),
    ("leases_with_bad.json", Schema::Ok("/v1/leases")),
    ("tenants_by_units.json", Schema::Ok("/v1/leases/tenants")),
    (
        "tenant_2000009.json",
        Schema::Ok("/v1/leases/tenants/{tenantId}"),
    ),
    (
        "api_error_bad_request.json",
        Schema::Component("ApiErrorResponse"),
    ),
    (
        "api_error_unauthorized.json",
        Schema::Component("ApiErrorResponse"),
    ),
];

/// Where a fixture's schema is in the vendor subset.
#[derive(Clone, Copy, Debug)]
pub enum Schema {
    /// The 200 response of `GET <template>`.
    Ok(&'static str),
    /// `#/components/schemas/<name>`.
    Component(&'static str),
}

/// A fixture body from `tests/fixtures/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A retry policy with tiny backoffs.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
    }
}

/// A configuration for `server`: test credentials, fast retries, no client-side rate limit.
pub fn config(server: &MockServer) -> BuildiumConfig {
    let mut config = BuildiumConfig::new(CLIENT_ID, SecretString::from(CANARY));
    config.base_url = server.uri();
    config.retry = fast_retry(3);
    config.rate_limit_per_sec = None;
    config
}

/// The adapter for `server`.
pub fn pms(server: &MockServer) -> BuildiumPms {
    BuildiumPms::new(config(server)).expect("a valid configuration")
}

/// A listing reply: `body` with `X-Total-Count: total`.
pub fn listing(body: Value, total: usize) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("X-Total-Count", total.to_string().as_str())
        .set_body_json(body)
}

/// The number of items of a JSON array.
pub fn len(body: &Value) -> usize {
    body.as_array().map_or(0, Vec::len)
}

/// Mounts, last, a mock answering any request nobody expected with 418, and expecting none.
pub async fn mount_catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418).set_body_string("unexpected request"))
        .named("catch-all")
        .expect(0)
        .mount(server)
        .await;
}

/// A date.
pub fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A full listing of the test property's residents, from the start.
pub fn full_listing() -> concierge_core::ListPmsResidentsRequest {
    concierge_core::ListPmsResidentsRequest {
        properties: properties(),
        updated_since: None,
        cursor: None,
    }
}

/// The test property, Buildium rental 1001, as a listing names it.
pub fn properties() -> Vec<ExternalRef> {
    vec![ExternalRef::new("buildium", "1001")]
}

/// The readable residents of a page; panics on an error item.
pub fn residents(page: Page<PmsResident>) -> Vec<PmsResident> {
    page.items
        .into_iter()
        .map(|r| r.unwrap_or_else(|e: RecordError| panic!("unexpected record error: {e:?}")))
        .collect()
}

/// Checks every request `server` received against Buildium's OpenAPI document: the path and
/// method, every query parameter's name and value (type, enum, format, range), the body. Panics
/// listing the violations; returns how many requests were checked.
pub async fn assert_requests_follow_the_spec(server: &MockServer) -> u64 {
    let contract = Contract::buildium();
    let requests = server
        .received_requests()
        .await
        .expect("the mock server records requests");
    let mut broken = Vec::new();
    for request in &requests {
        let path_and_query = match request.url.query() {
            Some(query) => format!("{}?{query}", request.url.path()),
            None => request.url.path().to_owned(),
        };
        let body: Option<Value> = (!request.body.is_empty()).then(|| {
            serde_json::from_slice(&request.body)
                .unwrap_or_else(|e| panic!("{path_and_query}: a body that is not JSON: {e}"))
        });
        if let Err(found) =
            contract.check_request(request.method.as_str(), &path_and_query, body.as_ref())
        {
            broken.push(format!("{} {path_and_query}: {found:#?}", request.method));
        }
    }
    assert!(
        broken.is_empty(),
        "requests that break the vendor spec:\n{}",
        broken.join("\n")
    );
    println!("{} (mock server)", contract.summary());
    contract.tally().requests
}

/// Checks every exchange against `contract` (see [`exchange_violations`]); panics listing the
/// violations.
pub fn assert_exchanges_follow_the_spec(
    contract: &Contract,
    exchanges: &[Exchange],
    injected: &[u16],
) {
    let broken = exchange_violations(contract, exchanges, injected);
    assert!(
        broken.is_empty(),
        "exchanges that break the vendor spec:\n{}",
        broken.join("\n")
    );
    println!("{} (simulator)", contract.summary());
}

/// Checks every exchange against `contract`: the request, then the response (status and body),
/// and that the simulator served the template the spec matched; one line per broken exchange.
/// A response whose status is in `injected` (faults a test injected on purpose: Buildium's
/// developer guide documents 429, 500 and 503, but no operation declares them) is not checked.
pub fn exchange_violations(
    contract: &Contract,
    exchanges: &[Exchange],
    injected: &[u16],
) -> Vec<String> {
    let mut broken = Vec::new();
    for exchange in exchanges {
        let what = format!(
            "{} {} -> {}",
            exchange.method, exchange.path_and_query, exchange.status
        );
        let request = exchange.request_json().expect("a JSON request body");
        match contract.check_request(&exchange.method, &exchange.path_and_query, request.as_ref()) {
            Ok(op) if op.template != exchange.route => broken.push(format!(
                "{what}: the spec matched {op}, the simulator served {}",
                exchange.route
            )),
            Ok(_) => {}
            Err(found) => broken.push(format!("{what} (request): {found:#?}")),
        }
        if injected.contains(&exchange.status) {
            continue;
        }
        let response = exchange.response_json().expect("a JSON response body");
        if let Err(found) = contract.check_response(
            &exchange.method,
            exchange.path(),
            exchange.status,
            response.as_ref(),
        ) {
            broken.push(format!("{what} (response): {found:#?}"));
        }
    }
    broken
}
