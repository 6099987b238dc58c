//! Contract tests against the vendor's own OpenAPI document (the subset extracted by
//! `crates/concierge-buildium-sim/spec/extract.py`): the fixtures the adapter tests use are real
//! Buildium bodies; every request the adapter sends follows the spec, values included (path,
//! method, each query parameter's name and value), against a mock and, with every response,
//! against the simulator; and a request or response that breaks the spec is caught.

mod common;

use common::*;
use concierge_buildium::{BuildiumConfig, BuildiumPms, LeaseOrder, ResidentKey};
use concierge_buildium_sim::{BuildiumSimulator, Exchange, SimConfig, SimHandle};
use concierge_contract::{Contract, ViolationKind};
use concierge_core::{
    ExternalRef, ListPmsPropertiesRequest, ListPmsResidentsRequest, ListPmsUnitsRequest,
    PmsProvider, ProviderErrorKind,
};
use concierge_http::SecretString;
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The path templates the adapter calls.
const ADAPTER_TEMPLATES: [&str; 5] = [
    "/v1/leases",
    "/v1/leases/tenants",
    "/v1/leases/tenants/{tenantId}",
    "/v1/rentals",
    "/v1/rentals/units",
];

fn subset() -> Value {
    serde_json::from_str(include_str!(
        "../../concierge-buildium-sim/spec/buildium-subset.json"
    ))
    .expect("the subset is JSON")
}

/// A validator for the schema at `pointer` (a JSON pointer into the subset), with the whole
/// subset as the root document so its `#/components/schemas/...` references resolve (as the
/// simulator's contract tests do).
fn validator(pointer: &str) -> Validator {
    let mut root = subset();
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    root["$ref"] = Value::String(format!("#{fragment}"));
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {pointer} does not compile: {e}"))
}

fn pointer(schema: Schema) -> String {
    match schema {
        Schema::Ok(template) => format!(
            "/paths/{}/get/responses/200/content/application~1json/schema",
            template.replace('~', "~0").replace('/', "~1")
        ),
        Schema::Component(name) => format!("/components/schemas/{name}"),
    }
}

fn errors(validator: &Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn every_fixture_validates_against_the_vendor_schema_for_its_path() {
    // Arrange: every file in tests/fixtures is listed with its schema.
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(on_disk, listed, "tests/fixtures and FIXTURES differ");

    for (file, schema) in FIXTURES {
        // Act
        let found = errors(&validator(&pointer(schema)), &fixture(file));

        // Assert
        assert!(
            found.is_empty(),
            "{file} does not validate:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_validators_catch_a_body_that_breaks_the_vendor_schema() {
    let leases = validator(&pointer(Schema::Ok("/v1/leases")));
    let mut lease = fixture("leases.json")[0].clone();
    assert!(leases.is_valid(&json!([lease.clone()])));
    lease["Tenants"][0]["Status"] = json!("Gone");
    assert!(!leases.is_valid(&json!([lease.clone()])), "nested enum");
    lease["Colour"] = json!("red");
    assert!(!leases.is_valid(&json!([lease])), "extra field");
    let tenant = validator(&pointer(Schema::Ok("/v1/leases/tenants/{tenantId}")));
    assert!(
        !tenant.is_valid(&json!({"Id": 1, "DateOfBirth": "01/02/1990"})),
        "date format"
    );
}

#[tokio::test]
async fn every_request_the_adapter_sends_follows_the_vendor_spec_values_included() {
    // Arrange: every kind of call the adapter makes.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals"))
        .and(query_param("offset", "0"))
        .respond_with(listing(fixture("rentals_page1.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals"))
        .and(query_param("offset", "2"))
        .respond_with(listing(fixture("rentals_page2.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals/units"))
        .respond_with(listing(fixture("units.json"), 3))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .and(query_param_is_missing("lastupdatedfrom"))
        .respond_with(listing(fixture("leases.json"), 4))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/leases"))
        .and(query_param("lastupdatedfrom", "2026-01-04T00:00:00Z"))
        .respond_with(listing(fixture("leases_incremental.json"), 1))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/leases/tenants"))
        .respond_with(listing(fixture("tenants_by_units.json"), 7))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/leases/tenants/2000009"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("tenant_2000009.json")))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let mut paged = config(&server);
    paged.page_size = 2;
    let paged = BuildiumPms::new(paged).unwrap();
    let mut variant = config(&server);
    variant.include_past_leases = false;
    variant.incremental_order = concierge_buildium::LeaseOrder::LastUpdatedThenId;
    let variant = BuildiumPms::new(variant).unwrap();
    let pms = pms(&server);

    // Act
    let first = paged
        .list_properties(ListPmsPropertiesRequest::default())
        .await
        .unwrap();
    paged
        .list_properties(ListPmsPropertiesRequest { cursor: first.next })
        .await
        .unwrap();
    pms.list_units(ListPmsUnitsRequest {
        properties: properties(),
        cursor: None,
    })
    .await
    .unwrap();
    for adapter in [&pms, &variant] {
        adapter
            .list_residents(ListPmsResidentsRequest {
                properties: properties(),
                updated_since: None,
                cursor: None,
            })
            .await
            .unwrap();
    }
    variant
        .list_residents(ListPmsResidentsRequest {
            properties: properties(),
            updated_since: Some("2026-01-04T00:00:00Z".parse().unwrap()),
            cursor: None,
        })
        .await
        .unwrap();

    // Assert: every request follows the spec, values included, and every kind was sent.
    let contract = Contract::buildium();
    let mut sent: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for request in server.received_requests().await.unwrap() {
        let path_and_query = format!(
            "{}?{}",
            request.url.path(),
            request.url.query().unwrap_or("")
        );
        let op = contract
            .check_request(request.method.as_str(), &path_and_query, None)
            .unwrap_or_else(|found| panic!("{path_and_query}: {found:#?}"));
        let names = sent.entry(op.template).or_default();
        names.extend(request.url.query_pairs().map(|(name, _)| name.into_owned()));
    }
    let templates: Vec<&str> = sent.keys().map(String::as_str).collect();
    assert_eq!(templates, ADAPTER_TEMPLATES);
    let leases: Vec<&str> = sent["/v1/leases"].iter().map(String::as_str).collect();
    assert_eq!(
        leases,
        [
            "lastupdatedfrom",
            "leasestatuses",
            "limit",
            "offset",
            "orderby",
            "propertyids"
        ]
    );
    assert!(sent["/v1/leases/tenants"].contains("unitids"));
    assert_eq!(contract.tally().violations, 0);
}

#[test]
fn path_templates_are_matched_literally_before_parameters() {
    let contract = Contract::buildium();
    let template = |path: &str| {
        contract
            .check_request("GET", path, None)
            .map(|op| op.template)
    };
    assert_eq!(
        template("/v1/leases/tenants").unwrap(),
        "/v1/leases/tenants"
    );
    assert_eq!(
        template("/v1/leases/tenants/42").unwrap(),
        "/v1/leases/tenants/{tenantId}"
    );
    assert_eq!(template("/v1/leases/42").unwrap(), "/v1/leases/{leaseId}");
    assert!(template("/v1/Leases").is_err());
    assert!(template("/v1/leases/abc/moveouts").is_err());
}

/// A portfolio with every kind of lease and tenant, and the simulator's strictest settings: no
/// rate limit (the flow is long), unknown parameters refused, every exchange journalled.
fn flow_portfolio() -> SimConfig {
    SimConfig {
        seed: 33,
        properties: 3,
        units_per_property: 10,
        tenants_per_unit: 1.5,
        future_share: 0.25,
        past_share: 0.25,
        bad_record_share: 0.05,
        rate_limit_per_sec: None,
        reject_unknown_params: true,
        journal: true,
        ..SimConfig::default()
    }
}

/// The adapter for `sim`, with `page_size` records per request and `adjust` applied.
fn flow_adapter(
    sim: &SimHandle,
    page_size: u32,
    adjust: impl FnOnce(&mut BuildiumConfig),
) -> BuildiumPms {
    let mut config = BuildiumConfig::new(sim.client_id(), SecretString::from(sim.client_secret()));
    config.base_url = sim.base_url();
    config.rate_limit_per_sec = None;
    config.retry = fast_retry(2);
    config.page_size = page_size;
    adjust(&mut config);
    BuildiumPms::new(config).unwrap()
}

/// Every page of every listing of `property`: units, then residents (`updated_since` for an
/// incremental pull). Returns the number of residents.
async fn list_property(
    pms: &BuildiumPms,
    property: &ExternalRef,
    updated_since: Option<chrono::DateTime<chrono::Utc>>,
) -> usize {
    list_properties(pms, std::slice::from_ref(property), updated_since).await
}

/// [`list_property`] for many properties in one listing.
async fn list_properties(
    pms: &BuildiumPms,
    properties: &[ExternalRef],
    updated_since: Option<chrono::DateTime<chrono::Utc>>,
) -> usize {
    let mut cursor = None;
    loop {
        let page = pms
            .list_units(ListPmsUnitsRequest {
                properties: properties.to_vec(),
                cursor,
            })
            .await
            .unwrap();
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    let mut residents = 0;
    let mut cursor = None;
    loop {
        let page = pms
            .list_residents(ListPmsResidentsRequest {
                properties: properties.to_vec(),
                updated_since,
                cursor,
            })
            .await
            .unwrap();
        residents += page.items.len();
        cursor = page.next;
        if cursor.is_none() {
            return residents;
        }
    }
}

#[tokio::test]
async fn every_request_and_response_of_a_full_adapter_flow_against_the_simulator_follows_the_vendor_spec()
 {
    // Arrange
    let sim = BuildiumSimulator::start(flow_portfolio()).await.unwrap();
    let paged = flow_adapter(&sim, 4, |_| {});
    let filtered = flow_adapter(&sim, 7, |c| {
        c.include_past_leases = false;
        c.incremental_order = LeaseOrder::LastUpdatedThenId;
        c.resident_key = ResidentKey::TenantAndLease;
    });
    let one_by_one = flow_adapter(&sim, 1, |_| {});
    let mut stamps: Vec<_> = sim.leases().iter().map(|l| l.last_updated).collect();
    stamps.sort();
    let since = stamps[stamps.len() / 2];

    // Act: every PmsProvider operation, paged, with each filter the adapter can send.
    let mut properties = Vec::new();
    let mut cursor = None;
    loop {
        let page = paged
            .list_properties(ListPmsPropertiesRequest { cursor })
            .await
            .unwrap();
        properties.extend(page.items.into_iter().map(|p| p.unwrap().external));
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    let mut residents = 0;
    for property in &properties {
        residents += list_property(&paged, property, None).await;
        residents += list_property(&filtered, property, None).await;
        residents += list_property(&filtered, property, Some(since)).await;
    }
    residents += list_property(&one_by_one, &properties[0], None).await;
    // The portfolio at once, and an incremental pull that looks tenants up for their leases.
    residents += list_properties(&paged, &properties, None).await;
    residents += list_properties(&paged, &properties, Some(since)).await;
    // A small pull: its few tenants are looked up one by one.
    let latest = *stamps.last().unwrap();
    residents += list_properties(&paged, &properties, Some(latest)).await;
    let refused = flow_adapter(&sim, 4, |c| c.client_secret = SecretString::from("wrong"))
        .list_properties(ListPmsPropertiesRequest::default())
        .await
        .unwrap_err();

    // Assert
    let contract = Contract::buildium();
    let exchanges = sim.exchanges();
    assert_exchanges_follow_the_spec(&contract, &exchanges, &[]);
    let tally = contract.tally();
    println!("{}", contract.summary());
    assert_eq!(tally.violations, 0);
    assert_eq!(tally.requests, exchanges.len() as u64);
    assert_eq!(tally.responses, tally.requests);
    assert_eq!(
        tally.responses_by_schema, tally.responses,
        "every Buildium response has a schema"
    );
    assert!(
        tally.requests > 50,
        "a flow too short to mean much: {tally:?}"
    );
    let checked: Vec<String> = contract
        .operations_checked()
        .iter()
        .map(|op| op.template.clone())
        .collect();
    let mut want: Vec<&str> = ADAPTER_TEMPLATES.to_vec();
    want.sort();
    assert_eq!(checked, want);
    let statuses: BTreeSet<u16> = exchanges.iter().map(|e| e.status).collect();
    assert_eq!(statuses, BTreeSet::from([200, 401]));
    assert_eq!(refused.kind, ProviderErrorKind::Unauthorized);
    assert!(
        properties.len() == 3 && residents > 100,
        "{residents} residents"
    );
    for filter in [
        "leasestatuses=Active",
        "lastupdatedfrom=",
        "unitids=",
        "orderby=PropertyId%2CLastUpdatedDateTime",
        "orderby=PropertyId%2CId",
    ] {
        assert!(
            exchanges.iter().any(|e| e.path_and_query.contains(filter)),
            "no request sent {filter}"
        );
    }
}

/// A journalled exchange of `GET path_and_query`, answered `status` with `body`.
fn exchange(path_and_query: &str, route: &'static str, status: u16, body: Value) -> Exchange {
    Exchange {
        method: "GET".into(),
        path_and_query: path_and_query.into(),
        route,
        request_body: Vec::new(),
        status,
        response_body: serde_json::to_vec(&body).unwrap(),
    }
}

#[test]
fn a_request_or_response_that_breaks_the_vendor_spec_is_caught_with_its_values() {
    // Arrange
    let contract = Contract::buildium();
    let kinds = |path_and_query: &str| -> Vec<ViolationKind> {
        match contract.check_request("GET", path_and_query, None) {
            Ok(_) => Vec::new(),
            Err(found) => found.iter().map(|v| v.kind).collect(),
        }
    };

    // Act and assert: values out of range, of the wrong type, in the wrong array style.
    assert_eq!(kinds("/v1/leases?limit=1000&offset=0"), []);
    assert_eq!(kinds("/v1/leases?limit=5000"), [ViolationKind::QueryValue]);
    assert_eq!(kinds("/v1/leases?limit=0"), [ViolationKind::QueryValue]);
    assert_eq!(kinds("/v1/leases?offset=-1"), [ViolationKind::QueryValue]);
    assert_eq!(
        kinds("/v1/leases?propertyids=1,2"),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        kinds("/v1/leases?propertyids=2147483648"),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        kinds("/v1/leases?leasestatuses=Expired"),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        kinds("/v1/leases?lastupdatedfrom=2026-01-04%2000:00:00"),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        kinds("/v1/rentals?colour=red"),
        [ViolationKind::UnknownQueryParameter]
    );
    assert_eq!(
        kinds("/v1/rentals?Limit=5"),
        [ViolationKind::UnknownQueryParameter]
    );
    assert_eq!(
        kinds("/v1/rentals?orderby=Id&orderby=Name"),
        [ViolationKind::RepeatedQueryParameter]
    );
    assert_eq!(
        kinds("/v1/leases/tenants/abc"),
        [ViolationKind::PathParameter]
    );
    assert_eq!(
        kinds("/v1/leases/abc/moveouts"),
        [ViolationKind::PathParameter]
    );
    assert_eq!(kinds("/v1/Leases"), [ViolationKind::UnknownPath]);
    assert_eq!(
        kinds("/v1/leases/tenants/2147483648"),
        [ViolationKind::PathParameter]
    );
    let post = contract.check_request("POST", "/v1/leases", Some(&json!({})));
    assert_eq!(post.unwrap_err()[0].kind, ViolationKind::MethodNotAllowed);

    // And the journal check the simulator tests use fails on a bad request or response.
    let good = exchange("/v1/rentals?limit=5", "/v1/rentals", 200, json!([]));
    assert_eq!(
        exchange_violations(&contract, &[good], &[]),
        Vec::<String>::new()
    );
    for bad in [
        exchange("/v1/rentals?limit=5000", "/v1/rentals", 200, json!([])),
        exchange("/v1/rentals", "/v1/rentals", 200, json!([{"Id": "1"}])),
        exchange("/v1/rentals", "/v1/rentals", 429, json!({})),
        exchange("/v1/rentals/units", "/v1/rentals", 200, json!([])),
    ] {
        let found = exchange_violations(&contract, std::slice::from_ref(&bad), &[]);
        assert_eq!(found.len(), 1, "{bad:?}: {found:#?}");
    }
}
