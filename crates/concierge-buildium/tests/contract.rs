//! Contract tests against the vendor's own OpenAPI schemas (the subset extracted by
//! `crates/concierge-buildium-sim/spec/extract.py`): the fixtures the adapter tests use are real
//! Buildium bodies, and every path and query parameter the adapter sends is defined for that path.

mod common;

use common::*;
use concierge_buildium::BuildiumPms;
use concierge_core::{
    ListPmsPropertiesRequest, ListPmsResidentsRequest, ListPmsUnitsRequest, PmsProvider,
};
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// The subset's path template that `path` is an instance of: literal segments must match, and a
/// `{param}` segment must be a value of the parameter's type; the most literal template wins.
fn template_of<'s>(spec: &'s Value, path: &str) -> Option<&'s str> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(&str, usize)> = None;
    for (template, item) in spec["paths"].as_object()? {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut literals = 0;
        let matches = parts.iter().zip(&segments).all(|(part, seg)| {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    let kind = item["get"]["parameters"]
                        .as_array()
                        .and_then(|ps| ps.iter().find(|p| p["name"] == name && p["in"] == "path"))
                        .map(|p| p["schema"]["type"].clone());
                    match kind.as_ref().and_then(Value::as_str) {
                        Some("integer") => seg.parse::<i64>().is_ok(),
                        Some(_) => !seg.is_empty(),
                        None => false,
                    }
                }
                None => {
                    literals += 1;
                    part == seg
                }
            }
        });
        if matches && best.is_none_or(|(_, n)| literals > n) {
            best = Some((template.as_str(), literals));
        }
    }
    best.map(|(t, _)| t)
}

#[tokio::test]
async fn every_path_and_query_parameter_the_adapter_sends_is_defined_by_the_vendor_for_that_path() {
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
        property: property(),
        cursor: None,
    })
    .await
    .unwrap();
    for adapter in [&pms, &variant] {
        adapter
            .list_residents(ListPmsResidentsRequest {
                property: property(),
                updated_since: None,
                cursor: None,
            })
            .await
            .unwrap();
    }
    variant
        .list_residents(ListPmsResidentsRequest {
            property: property(),
            updated_since: Some("2026-01-04T00:00:00Z".parse().unwrap()),
            cursor: None,
        })
        .await
        .unwrap();

    // Assert
    let spec = subset();
    let mut sent: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for request in server.received_requests().await.unwrap() {
        let path = request.url.path().to_string();
        let template = template_of(&spec, &path)
            .unwrap_or_else(|| panic!("{path} is not a path of the vendor subset"));
        let defined: BTreeSet<&str> = spec["paths"][template]["get"]["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let names = sent.entry(template).or_default();
        for (name, _) in request.url.query_pairs() {
            assert!(
                defined.contains(name.as_ref()),
                "{template} does not define the query parameter `{name}`"
            );
            names.insert(name.into_owned());
        }
    }
    let templates: Vec<&str> = sent.keys().copied().collect();
    assert_eq!(
        templates,
        [
            "/v1/leases",
            "/v1/leases/tenants",
            "/v1/leases/tenants/{tenantId}",
            "/v1/rentals",
            "/v1/rentals/units",
        ]
    );
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
}

#[test]
fn path_templates_are_matched_literally_before_parameters() {
    let spec = subset();
    assert_eq!(
        template_of(&spec, "/v1/leases/tenants"),
        Some("/v1/leases/tenants")
    );
    assert_eq!(
        template_of(&spec, "/v1/leases/tenants/42"),
        Some("/v1/leases/tenants/{tenantId}")
    );
    assert_eq!(
        template_of(&spec, "/v1/leases/42"),
        Some("/v1/leases/{leaseId}")
    );
    assert_eq!(template_of(&spec, "/v1/Leases"), None);
    assert_eq!(template_of(&spec, "/v1/leases/abc/moveouts"), None);
}
