//! Contract tests: the simulator's responses validate against the vendor's own schemas
//! (`spec/buildium-subset.json`, extracted from Buildium's OpenAPI file by `spec/extract.py`),
//! and it accepts only query parameters the vendor file defines. The listings' and single
//! records' exchanges are also checked whole (request and response) from the journal by
//! `concierge-contract`.

mod common;

use chrono::Days;
use common::{get, get_all, raw_get, start};
use concierge_buildium_sim::{
    BuildiumSimulator, FaultKind, NewLease, NewTenant, ROUTES, SimConfig, SimHandle, TenantUpdate,
};
use concierge_contract::Contract;
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn subset() -> Value {
    serde_json::from_str(include_str!("../spec/buildium-subset.json")).expect("the subset is JSON")
}

/// A validator for the schema at `pointer` (a JSON pointer into the subset), with the whole
/// subset as the root document so its `#/components/schemas/...` references resolve.
fn validator(pointer: &str) -> Validator {
    let mut root = subset();
    // `{` and `}` of path templates are not allowed in a URI fragment: percent-encode them.
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    root["$ref"] = Value::String(format!("#{fragment}"));
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {pointer} does not compile: {e}"))
}

fn escape(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

/// The validator of `template`'s 200 response body.
fn ok_validator(template: &str) -> Validator {
    validator(&format!(
        "/paths/{}/get/responses/200/content/application~1json/schema",
        escape(template)
    ))
}

fn error_validator() -> Validator {
    validator("/components/schemas/ApiErrorResponse")
}

fn assert_valid(validator: &Validator, body: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(body)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate:\n{}",
        errors.join("\n")
    );
}

fn contract_config() -> SimConfig {
    SimConfig {
        seed: 11,
        properties: 6,
        units_per_property: 40,
        tenants_per_unit: 1.3,
        future_share: 0.2,
        past_share: 0.2,
        // Plenty of bad records, so every kind is rendered and validated.
        bad_record_share: 0.1,
        journal: true,
        ..SimConfig::default()
    }
}

/// Every journalled exchange of `sim`, request and response, against the vendor document.
fn assert_journal_follows_the_spec(sim: &SimHandle) {
    let contract = Contract::buildium();
    let mut broken = Vec::new();
    for e in sim.exchanges() {
        let request = contract.check_request(&e.method, &e.path_and_query, None);
        let body = e.response_json().expect("a JSON body");
        let response = contract.check_response(&e.method, e.path(), e.status, body.as_ref());
        if let Err(found) = request.map(drop).and(response.map(drop)) {
            broken.push(format!("{} {}: {found:#?}", e.method, e.path_and_query));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let tally = contract.tally();
    assert!(tally.responses > 0 && tally.responses == tally.responses_by_schema);
}

/// Exercises the mutations so that their records are validated too.
fn mutate(sim: &SimHandle) {
    let unit = sim.unit_ids()[3];
    let from = sim.today().checked_add_days(Days::new(10)).unwrap();
    let added = sim
        .add_tenant_lease(NewLease::new(
            unit,
            from,
            vec![
                NewTenant::new("New", "Comer", "new.comer@example.com"),
                NewTenant {
                    first_name: None,
                    last_name: "Nameless".into(),
                    ..NewTenant::default()
                },
            ],
        ))
        .unwrap();
    sim.update_tenant(
        added.tenant_ids[0],
        TenantUpdate {
            phone: Some("(617) 555-9999".into()),
            ..TenantUpdate::default()
        },
    )
    .unwrap();
    let lease = sim.leases()[0].clone();
    sim.move_out(lease.tenants[0].0, sim.today()).unwrap();
    sim.delete_lease(sim.leases()[1].id).unwrap();
}

#[tokio::test]
async fn every_listing_record_validates_against_the_vendor_schema_for_its_path() {
    // Arrange
    let sim = start(contract_config()).await;
    mutate(&sim);
    let listings = [
        "/v1/rentals",
        "/v1/rentals/units",
        "/v1/leases",
        "/v1/leases/tenants",
    ];

    for template in listings {
        // Act: every record, on pages of up to 1000.
        let items = get_all(&sim, template, "", 1000).await;

        // Assert: the whole array against the path's 200 schema.
        assert!(!items.is_empty(), "{template} listed nothing");
        assert_valid(&ok_validator(template), &Value::Array(items), template);
    }
    assert_journal_follows_the_spec(&sim);
}

#[tokio::test]
async fn single_records_and_move_outs_validate_against_the_vendor_schema_for_their_path() {
    // Arrange
    let sim = start(contract_config()).await;
    mutate(&sim);
    let rentals = get_all(&sim, "/v1/rentals", "", 1000).await;
    let units = get_all(&sim, "/v1/rentals/units", "", 1000).await;
    let tenants = get_all(&sim, "/v1/leases/tenants", "", 1000).await;
    let leases = sim.leases();
    let cases: [(&str, &str, Vec<i64>); 4] = [
        (
            "/v1/rentals/{propertyId}",
            "/v1/rentals/",
            common::ids(&rentals, "Id"),
        ),
        (
            "/v1/rentals/units/{unitId}",
            "/v1/rentals/units/",
            common::ids(&units, "Id"),
        ),
        (
            "/v1/leases/{leaseId}",
            "/v1/leases/",
            leases.iter().map(|l| i64::from(l.id)).collect(),
        ),
        (
            "/v1/leases/tenants/{tenantId}",
            "/v1/leases/tenants/",
            common::ids(&tenants, "Id"),
        ),
    ];

    for (template, prefix, ids) in cases {
        let validator = ok_validator(template);
        // A sample: every 5th id, plus the last.
        let sample = ids.iter().step_by(5).chain(ids.last());
        for id in sample {
            // Act
            let resp = get(&sim, &format!("{prefix}{id}")).await;
            // Assert
            assert_eq!(resp.status, 200, "{prefix}{id}");
            assert_valid(&validator, &resp.json(), &format!("{prefix}{id}"));
        }
    }

    let validator = ok_validator("/v1/leases/{leaseId}/moveouts");
    let with_move_outs = leases.iter().filter(|l| !l.move_outs.is_empty());
    let mut checked = 0;
    for lease in with_move_outs.chain(leases.iter().take(3)) {
        let resp = get(&sim, &format!("/v1/leases/{}/moveouts", lease.id)).await;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.total(), lease.move_outs.len());
        assert_valid(&validator, &resp.json(), "moveouts");
        checked += 1;
    }
    assert!(checked > 10, "too few leases with move-outs: {checked}");
    assert_journal_follows_the_spec(&sim);
}

#[tokio::test]
async fn every_error_body_validates_against_api_error_response() {
    // Arrange
    let sim = BuildiumSimulator::start(SimConfig {
        rate_limit_per_sec: Some(1),
        ..contract_config()
    })
    .await
    .unwrap();
    let validator = error_validator();
    let long = format!("/v1/leases?tenantname={}", "x".repeat(4_100));
    let mut seen = BTreeSet::new();

    // Act: 401, 404 (unknown path, unknown id, misspelt paging name), 500, 400.
    let unauthorised = raw_get(sim.addr(), "/v1/leases", &[]).await;
    let mut responses = vec![unauthorised];
    sim.set_rate_limit(None);
    for path in [
        "/v1/Leases",
        "/v1/leases/1",
        "/v1/leases?Limit=5",
        long.as_str(),
        "/v1/leases?propertyids=1,2",
        "/v1/leases?lastupdatedfrom=yesterday",
        "/v1/leases?orderby=Colour",
        "/v1/leases?limit=0",
    ] {
        responses.push(get(&sim, path).await);
    }
    // 429 from the limiter, then injected 500, 503 and 429.
    sim.set_rate_limit(Some(1));
    get(&sim, "/v1/rentals").await;
    responses.push(get(&sim, "/v1/rentals").await);
    sim.set_rate_limit(None);
    sim.inject_faults([
        FaultKind::InternalError,
        FaultKind::Unavailable,
        FaultKind::RateLimited,
    ]);
    for _ in 0..3 {
        responses.push(get(&sim, "/v1/rentals").await);
    }

    // Assert
    for resp in responses {
        assert!(resp.status >= 400, "status {}", resp.status);
        assert!(
            resp.header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        );
        let body = resp.json();
        assert_valid(&validator, &body, &format!("a {} body", resp.status));
        assert!(body["UserMessage"].is_string());
        seen.insert(resp.status);
    }
    assert_eq!(
        seen,
        BTreeSet::from([400, 401, 404, 429, 500, 503]),
        "every error status was exercised"
    );
}

#[test]
fn the_validators_reject_bodies_that_break_the_vendor_schema() {
    // Arrange
    let leases = ok_validator("/v1/leases");
    let lease = json!({ "Id": 1, "LeaseStatus": "Active", "LastUpdatedDateTime": null });

    // Act / Assert: the baseline is valid, and each break is caught.
    assert!(leases.is_valid(&json!([lease])));
    assert!(
        !leases.is_valid(&json!([{ "Id": 1, "Colour": "red" }])),
        "extra field"
    );
    assert!(
        !leases.is_valid(&json!([{ "LeaseStatus": "Pending" }])),
        "enum"
    );
    assert!(!leases.is_valid(&json!([{ "Id": "1" }])), "type");
    assert!(
        !leases.is_valid(&json!([{ "LeaseFromDate": "05/01/2026" }])),
        "date format"
    );
    assert!(
        !leases.is_valid(&json!([{ "CreatedDateTime": null }])),
        "not nullable"
    );
    assert!(
        !leases.is_valid(&json!([{ "Tenants": [{ "Status": "Gone" }] }])),
        "nested enum through $ref"
    );
    assert!(!error_validator().is_valid(&json!({ "Message": "x" })));
}

#[test]
fn every_query_parameter_the_simulator_accepts_is_defined_by_the_vendor_for_that_path() {
    // Arrange
    let spec = subset();
    let paths = spec["paths"].as_object().unwrap();

    // Assert: the simulator serves exactly the subset's paths...
    let served: BTreeSet<&str> = ROUTES.iter().map(|r| r.template).collect();
    let specified: BTreeSet<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(served, specified);

    for route in ROUTES {
        let operation = &paths[route.template]["get"];
        let defined: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        // ...every parameter it accepts is one the vendor defines there...
        for param in route.params {
            assert!(
                defined.contains(param),
                "{} accepts `{param}`, which the vendor file does not define",
                route.template
            );
        }
        // ...and listings are exactly the operations documenting X-Total-Count.
        let documents_total = !operation["responses"]["200"]["headers"]["X-Total-Count"].is_null();
        assert_eq!(route.list, documents_total, "{}", route.template);
    }
}

#[test]
fn array_parameters_are_declared_as_exploded_form_parameters() {
    // The simulator reads `propertyids=1&propertyids=2`; the vendor file must say so.
    let spec = subset();
    for route in ROUTES {
        let Some(params) = spec["paths"][route.template]["get"]["parameters"].as_array() else {
            continue;
        };
        for p in params.iter().filter(|p| p["schema"]["type"] == "array") {
            assert_eq!(p["explode"], true, "{} {}", route.template, p["name"]);
            assert!(p["style"].is_null() || p["style"] == "form");
        }
    }
}

#[test]
fn the_subset_records_its_origin() {
    let spec = subset();
    let origin = &spec["x-concierge-origin"];
    assert_eq!(
        origin["vendor-file-sha256"],
        "79140fb7e120fd58d58423cb62988ab503fd90ca5935a9bf76d3c38bc0f416c9"
    );
    assert!(
        spec["components"]["schemas"]["LeaseMessage"]["properties"]["LastUpdatedDateTime"]["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("null"))),
        "nullable was rewritten as a type union"
    );
}
