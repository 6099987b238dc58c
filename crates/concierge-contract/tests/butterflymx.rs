//! The prepared ButterflyMX document (`spec/butterflymx-openapi.json`) against its own examples:
//! every request body example validates (but for the vendor slips listed here, each with its
//! reason), every parameter example makes a valid request, every response example passes the
//! response check; and the adapter flows of the vendor reference, right and wrong.

use concierge_contract::{Contract, ResponseCheck, ViolationKind};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Request body examples that do not validate after preparation: `(method, template, example
/// name, why)`. All but three are error cases the vendor's test suite sent on purpose.
const FAILING_REQUEST_EXAMPLES: [(&str, &str, &str, &str); 15] = [
    (
        "POST",
        "/v4/buildings/{building_id}/units",
        "floor is required",
        "422 case: no floor",
    ),
    (
        "POST",
        "/v4/buildings/{building_id}/units",
        "unprocessable entity",
        "422 case: no floor",
    ),
    (
        "POST",
        "/v4/buildings/{building_id}/units",
        "duplicate label in the building's default zone",
        "422 case: no floor",
    ),
    (
        "POST",
        "/v4/buildings/{building_id}/units",
        "unauthorized",
        "401 case: no floor",
    ),
    (
        "POST",
        "/v4/keychains/custom",
        "unauthorized",
        "401 case: empty body",
    ),
    (
        "POST",
        "/v4/keychains/delivery_pass",
        "out-of-scope resource",
        "422 case: sends a custom keychain's fields, which a delivery pass does not take",
    ),
    (
        "POST",
        "/v4/keychains/delivery_pass",
        "unauthorized",
        "401 case: empty body",
    ),
    (
        "POST",
        "/v4/keychains/one_time",
        "unauthorized",
        "401 case: empty body",
    ),
    (
        "POST",
        "/v4/keychains/recurring",
        "unauthorized",
        "401 case: empty body",
    ),
    (
        "POST",
        "/v4/tenants",
        "tenant created",
        "vendor slip (201): the strings \"true\" for three booleans, which Rails casts",
    ),
    (
        "POST",
        "/v4/tenants",
        "tenant created with virtual fob when apple access is enabled",
        "vendor slip (201): the strings \"true\" for three booleans, which Rails casts",
    ),
    (
        "POST",
        "/v4/tenants",
        "unprocessable entity",
        "422 case; also \"true\" strings",
    ),
    (
        "POST",
        "/v4/tenants",
        "unauthorized",
        "401 case; also \"true\" strings",
    ),
    (
        "PUT",
        "/v4/tenants/{id}",
        "successful",
        "vendor slip (200): external_id 123 where the schema says string, which Rails casts",
    ),
    (
        "PUT",
        "/v4/tenants/{id}",
        "unprocessable entity",
        "422 case: active_at null",
    ),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every operation: `(method, template, operation node, path item node)`.
fn operations(doc: &Value) -> Vec<(String, String, &Value, &Value)> {
    let mut all = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                all.push((method.to_uppercase(), template.clone(), op, item));
            }
        }
    }
    all
}

/// `template` with each `{param}` replaced by `123`, a valid value of every path parameter.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "123" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_schema_of_both_vendor_documents_compiles() {
    let butterflymx = Contract::butterflymx();
    let buildium = Contract::buildium();
    assert_eq!(butterflymx.operations().len(), 57);
    assert!(butterflymx.compile_all().unwrap() > 100);
    assert!(buildium.compile_all().unwrap() > 50);
}

#[test]
fn the_prepared_document_keeps_no_openapi_30_keyword_a_2020_12_validator_misreads() {
    fn walk(node: &Value, at: &str, found: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                for (key, value) in map {
                    let bad = key == "nullable"
                        || (key == "format" && value == "time")
                        || (key.starts_with("exclusiveM") && value.is_boolean());
                    if bad {
                        found.push(format!("{at}/{key}"));
                    }
                    walk(value, &format!("{at}/{key}"), found);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"), found);
                }
            }
            _ => {}
        }
    }
    let contract = Contract::butterflymx();
    let doc = contract.document();
    let mut found = Vec::new();
    walk(&doc["paths"], "/paths", &mut found);
    assert_eq!(found, Vec::<String>::new());
    assert_eq!(doc["openapi"], "3.1.0");
    let corrections = doc["x-concierge-origin"]["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 9);
}

#[test]
fn every_request_body_example_validates_but_the_listed_error_cases_and_vendor_slips() {
    // Arrange
    let contract = Contract::butterflymx();
    let doc = contract.document().clone();
    let mut failing = BTreeSet::new();
    let mut passed = 0;

    // Act
    for (method, template, op, _) in operations(&doc) {
        let Some(examples) = op
            .pointer("/requestBody/content/application~1json/examples")
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (name, example) in examples {
            let body = &example["value"];
            match contract.check_request(&method, &concrete(&template), Some(body)) {
                Ok(_) => passed += 1,
                Err(found) => {
                    assert!(
                        found.iter().all(|v| v.kind == ViolationKind::RequestBody),
                        "{method} {template} {name}: {found:?}"
                    );
                    failing.insert((method.clone(), template.clone(), name.clone()));
                }
            }
        }
    }

    // Assert
    let listed: BTreeSet<(String, String, String)> = FAILING_REQUEST_EXAMPLES
        .iter()
        .map(|(m, t, n, _)| (m.to_string(), t.to_string(), n.to_string()))
        .collect();
    assert_eq!(failing, listed);
    assert_eq!(passed, 57, "request body examples that validate");
}

#[test]
fn every_parameter_example_makes_a_valid_request() {
    // Arrange
    let contract = Contract::butterflymx();
    let doc = contract.document().clone();
    let mut requests = 0;

    for (method, template, op, item) in operations(&doc) {
        let params = item["parameters"]
            .as_array()
            .into_iter()
            .chain(op["parameters"].as_array())
            .flatten();
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut path = template.clone();
        for p in params {
            let name = p["name"].as_str().unwrap();
            let example = p.get("example").cloned().unwrap_or(json!(123));
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            match (p["in"].as_str().unwrap(), &example) {
                ("path", v) => path = path.replace(&format!("{{{name}}}"), &text(v)),
                ("query", Value::Array(items)) => {
                    for v in items {
                        query.append_pair(name, &text(v));
                    }
                }
                ("query", v) => {
                    query.append_pair(name, &text(v));
                }
                (other, _) => panic!("{template}: a parameter in {other}"),
            }
        }
        let body = op
            .pointer("/requestBody/content/application~1json/examples")
            .and_then(Value::as_object)
            .and_then(|e| e.values().next())
            .map(|e| e["value"].clone())
            .filter(|_| method != "POST" || template != "/v4/tenants");
        let body = body.or_else(|| {
            (template == "/v4/tenants" && method == "POST").then(|| {
                json!({"tenant": {"unit_id": 1, "active_at": "2026-06-18T15:12:26Z",
                       "user_attributes": {"first_name": "A", "last_name": "B", "email": "a@b.c"}}})
            })
        });
        let path_and_query = format!("{path}?{}", query.finish());

        // Act
        let outcome = contract.check_request(&method, &path_and_query, body.as_ref());
        requests += 1;

        // Assert
        let body_failures_only = |found: &Vec<concierge_contract::Violation>| {
            found.iter().all(|v| v.kind == ViolationKind::RequestBody)
        };
        assert!(
            outcome.as_ref().is_ok() || outcome.as_ref().is_err_and(body_failures_only),
            "{method} {path_and_query}: {outcome:?}"
        );
    }
    assert_eq!(requests, 57);
}

#[test]
fn every_response_example_passes_the_response_check_for_its_status() {
    // Arrange
    let contract = Contract::butterflymx();
    let doc = contract.document().clone();

    for (method, template, op, _) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let status: u16 = status.parse().unwrap();
            let examples: Vec<&Value> = response
                .pointer("/content/application~1json/examples")
                .and_then(Value::as_object)
                .map(|e| e.values().map(|e| &e["value"]).collect())
                .unwrap_or_default();

            // Act
            let outcomes: Vec<_> = if examples.is_empty() {
                vec![contract.check_response(&method, &concrete(&template), status, None)]
            } else {
                examples
                    .iter()
                    .map(|body| {
                        contract.check_response(&method, &concrete(&template), status, Some(body))
                    })
                    .collect()
            };

            // Assert
            let want = if examples.is_empty() {
                ResponseCheck::Status
            } else {
                ResponseCheck::Examples
            };
            for outcome in outcomes {
                assert_eq!(outcome, Ok(want), "{method} {template} {status}");
            }
        }
    }
    let tally = contract.tally();
    assert_eq!(tally.violations, 0);
    assert_eq!(
        tally.responses_by_schema, 0,
        "ButterflyMX declares no response schema"
    );
    assert!(tally.responses_by_examples > 100, "{tally:?}");
}

#[test]
fn the_adapter_flows_of_the_vendor_reference_validate_and_their_mistakes_do_not() {
    let contract = Contract::butterflymx();
    let ok = |method: &str, path: &str, body: Option<Value>| {
        contract
            .check_request(method, path, body.as_ref())
            .unwrap_or_else(|found| panic!("{method} {path}: {found:#?}"));
    };
    // Provision a site: find or create the placeholder unit and tenant.
    ok(
        "GET",
        "/v4/units?q%5Bbuilding_id_eq%5D=577696272&q%5Blabel_eq%5D=A003&per=50&page=1",
        None,
    );
    ok(
        "POST",
        "/v4/buildings/577696272/units",
        Some(json!({"unit": {"label": "C404", "floor": "4"}})),
    );
    ok(
        "GET",
        "/v4/tenants?q[unit_id_eq]=843107216&q[id_in][]=1&q[id_in][]=2&page=0",
        None,
    );
    ok(
        "POST",
        "/v4/tenants",
        Some(
            json!({"tenant": {"unit_id": 843107216, "active_at": "2026-06-18T15:12:26Z",
            "user_attributes": {"first_name": "Front", "last_name": "Desk",
                "email": "desk@example.com", "contact_preference": "mobile_app"}}}),
        ),
    );
    // A visit: doors, a custom keychain, one key; then its cancellation.
    ok(
        "GET",
        "/v4/access_points?q[building_id_eq]=577696272&per=100",
        None,
    );
    ok(
        "POST",
        "/v4/keychains/custom",
        Some(
            json!({"keychain": {"name": "visit-42", "tenant_id": 377389742,
            "starts_at": "2026-06-17T15:17:24Z", "ends_at": "2026-06-18T15:12:24Z",
            "access_point_ids": [842395203], "recipients": []}}),
        ),
    );
    ok(
        "POST",
        "/v4/virtual_keys",
        Some(json!({"keychain_id": 254331397, "name": "Visitor"})),
    );
    ok("GET", "/v4/virtual_keys?q[keychain_id_eq]=254331397", None);
    ok(
        "GET",
        "/v4/keychains?q[name_eq]=visit-42&q[tenant_id_eq]=377389742",
        None,
    );
    ok("DELETE", "/v4/keychains/254331397", None);

    // And their mistakes.
    let kinds = |method: &str, path: &str, body: Option<Value>| -> Vec<ViolationKind> {
        contract
            .check_request(method, path, body.as_ref())
            .err()
            .unwrap_or_default()
            .iter()
            .map(|v| v.kind)
            .collect()
    };
    assert_eq!(
        kinds("GET", "/v4/units?per=500", None),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        kinds("GET", "/v4/units?page=-1", None),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        kinds("GET", "/v4/units?q[id_in][]=A003", None),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        kinds("GET", "/v4/tenants?q[email_eq]=a@b.c", None),
        [ViolationKind::UnknownQueryParameter],
        "the vendor has no email filter on tenants"
    );
    assert_eq!(
        kinds("GET", "/v4/units/A003", None),
        [ViolationKind::PathParameter]
    );
    assert_eq!(
        kinds("PUT", "/v4/keychains/1", None),
        [ViolationKind::MethodNotAllowed]
    );
    assert_eq!(
        kinds(
            "POST",
            "/v4/keychains/custom",
            Some(
                json!({"keychain": {"name": "v", "starts_at": "2026-06-17 15:17", "ends_at":
                "2026-06-18T15:12:24Z", "pin": "1"}})
            ),
        ),
        [ViolationKind::RequestBody, ViolationKind::RequestBody],
        "a date-time without T and offset, and an undeclared property"
    );
    assert_eq!(
        kinds(
            "POST",
            "/v4/tenants",
            Some(json!({"tenant": {"unit_id": 1, "active_at":
            "2026-06-18T15:12:26Z", "user_attributes": {"first_name": "A", "last_name": "B",
            "email": "a@b.c", "contact_preference": "sms"}}}))
        ),
        [ViolationKind::RequestBody],
        "contact_preference is phone_call or mobile_app"
    );
    assert_eq!(
        kinds("POST", "/v4/virtual_keys", Some(json!({"name": "x"}))),
        [ViolationKind::RequestBody]
    );
}
