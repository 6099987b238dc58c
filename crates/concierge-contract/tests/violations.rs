//! The checks can fail: each kind of violation, on a small document written for the purpose
//! (`toy.json` below), next to a request or response that passes.

use concierge_contract::{Contract, ResponseCheck, ViolationKind};
use serde_json::{Value, json};

const TOY: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Toy", "version": "1"},
  "paths": {
    "/v1/things": {
      "get": {
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
          {"name": "ids", "in": "query", "explode": true,
           "schema": {"type": "array", "items": {"type": "integer", "format": "int32"}}},
          {"name": "tags", "in": "query", "style": "form", "explode": false,
           "schema": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}},
          {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
          {"name": "on", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "active", "in": "query", "schema": {"type": "boolean"}},
          {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
          {"name": "q[building_id_eq]", "in": "query", "schema": {"type": "string"}},
          {"name": "q[id_in][]", "in": "query", "style": "form", "explode": true,
           "schema": {"type": "array", "items": {"type": "integer"}}}
        ],
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}
        }
      },
      "post": {
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/NewThing"}}}},
        "responses": {
          "201": {"description": "created", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Thing"}}}},
          "4XX": {"description": "refused"}
        }
      }
    },
    "/v1/things/search": {
      "get": {
        "parameters": [{"name": "term", "in": "query", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}}
      }
    },
    "/v1/things/{thingId}": {
      "parameters": [{"name": "thingId", "in": "path", "required": true,
                      "schema": {"type": "integer", "format": "int32"}}],
      "get": {
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {"examples": {
            "one": {"value": {"data": {"id": 1, "name": "x", "tags": ["a"], "owner": null}}},
            "two": {"value": {"data": {"id": 2, "name": "y", "tags": [], "size": 1.5}}}}}}},
          "404": {"description": "not found"}
        }
      },
      "delete": {"responses": {"204": {"description": "deleted"}}}
    },
    "/v1/forms": {
      "post": {
        "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}},
        "responses": {"200": {"description": "ok"}}
      }
    }
  },
  "components": {"schemas": {
    "Status": {"type": "string", "enum": ["Active", "Inactive"]},
    "NewThing": {"type": "object", "additionalProperties": false, "required": ["name"],
                 "properties": {"name": {"type": "string"}, "size": {"type": ["integer", "null"]}}},
    "Thing": {"type": "object", "additionalProperties": false, "required": ["id", "name"],
              "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
  }}
}"##;

fn toy() -> Contract {
    Contract::from_json(TOY).expect("the toy document loads")
}

/// The kinds of the violations of a GET request to `path_and_query`; empty when it passes.
fn get(contract: &Contract, path_and_query: &str) -> Vec<ViolationKind> {
    kinds(contract.check_request("GET", path_and_query, None))
}

fn kinds<T>(outcome: Result<T, Vec<concierge_contract::Violation>>) -> Vec<ViolationKind> {
    match outcome {
        Ok(_) => Vec::new(),
        Err(found) => {
            assert!(!found.is_empty(), "an Err holds at least one violation");
            found.iter().map(|v| v.kind).collect()
        }
    }
}

#[test]
fn a_request_that_follows_the_spec_passes_and_names_its_operation() {
    let contract = toy();
    let op = contract
        .check_request(
            "get",
            "/v1/things?limit=1000&ids=1&ids=2147483647&tags=a,b&since=2026-01-04T00:00:00Z\
             &on=2026-01-04&active=false&status=Active",
            None,
        )
        .unwrap();
    assert_eq!(op.to_string(), "GET /v1/things");
    assert_eq!(get(&contract, "https://api.example.com/v1/things/42"), []);
    assert_eq!(contract.tally().violations, 0);
}

#[test]
fn an_unknown_path_or_a_wrong_case_path_is_a_violation() {
    let contract = toy();
    assert_eq!(get(&contract, "/v1/nothing"), [ViolationKind::UnknownPath]);
    assert_eq!(get(&contract, "/v1/Things"), [ViolationKind::UnknownPath]);
    assert_eq!(get(&contract, "/v1/things/"), [ViolationKind::UnknownPath]);
}

#[test]
fn a_literal_segment_wins_over_a_parameter_and_a_path_id_must_fit_its_schema() {
    let contract = toy();
    let op = contract
        .check_request("GET", "/v1/things/search?term=x", None)
        .unwrap();
    assert_eq!(op.template, "/v1/things/search");
    assert_eq!(
        get(&contract, "/v1/things/abc"),
        [ViolationKind::PathParameter]
    );
    assert_eq!(
        get(&contract, "/v1/things/2147483648"),
        [ViolationKind::PathParameter]
    );
}

#[test]
fn a_method_the_path_does_not_declare_is_a_violation() {
    let contract = toy();
    let found = contract
        .check_request("PATCH", "/v1/things/1", None)
        .unwrap_err();
    assert_eq!(found[0].kind, ViolationKind::MethodNotAllowed);
    assert!(found[0].message.contains("DELETE, GET"), "{}", found[0]);
}

#[test]
fn an_unknown_query_parameter_is_a_violation() {
    let contract = toy();
    let found = contract
        .check_request("GET", "/v1/things?limit=10&colour=red", None)
        .unwrap_err();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, ViolationKind::UnknownQueryParameter);
    assert_eq!(found[0].at, "query `colour`");
    assert_eq!(
        get(&contract, "/v1/things?Limit=10"),
        [ViolationKind::UnknownQueryParameter]
    );
}

#[test]
fn a_query_value_of_the_wrong_type_is_a_violation() {
    let contract = toy();
    for query in [
        "limit=ten",
        "limit=1.5",
        "active=yes",
        "ids=1&ids=x",
        "limit=",
    ] {
        assert_eq!(
            get(&contract, &format!("/v1/things?{query}")),
            [ViolationKind::QueryValue],
            "{query}"
        );
    }
}

#[test]
fn a_query_value_out_of_range_or_not_in_its_enum_is_a_violation() {
    let contract = toy();
    for query in [
        "limit=0",
        "limit=5000",
        "ids=2147483648",
        "status=Gone",
        "tags=a,c",
    ] {
        assert_eq!(
            get(&contract, &format!("/v1/things?{query}")),
            [ViolationKind::QueryValue],
            "{query}"
        );
    }
}

#[test]
fn date_and_date_time_values_are_checked_by_format() {
    let contract = toy();
    assert_eq!(
        get(
            &contract,
            "/v1/things?on=2026-02-28&since=2026-02-28T10:00:00%2B01:00"
        ),
        []
    );
    for query in [
        "on=2026-02-30",
        "on=28/02/2026",
        "since=2026-02-28",
        "since=2026-02-28 10:00:00",
    ] {
        assert_eq!(
            get(&contract, &format!("/v1/things?{query}")),
            [ViolationKind::QueryValue],
            "{query}"
        );
    }
}

#[test]
fn arrays_follow_their_style_repeated_names_when_exploded_commas_when_not() {
    let contract = toy();
    assert_eq!(get(&contract, "/v1/things?ids=1&ids=2&tags=a,b"), []);
    assert_eq!(
        get(&contract, "/v1/things?ids=1,2"),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        get(&contract, "/v1/things?tags=a&tags=b"),
        [ViolationKind::RepeatedQueryParameter]
    );
    assert_eq!(
        get(&contract, "/v1/things?limit=1&limit=2"),
        [ViolationKind::RepeatedQueryParameter]
    );
}

#[test]
fn bracketed_names_match_as_declared_whether_percent_encoded_or_not() {
    let contract = toy();
    assert_eq!(
        get(
            &contract,
            "/v1/things?q%5Bid_in%5D%5B%5D=1&q[id_in][]=2&q%5Bbuilding_id_eq%5D=123"
        ),
        []
    );
    assert_eq!(
        get(&contract, "/v1/things?q[id_in][]=x"),
        [ViolationKind::QueryValue]
    );
    assert_eq!(
        get(&contract, "/v1/things?q[id_in]=1"),
        [ViolationKind::UnknownQueryParameter]
    );
    assert_eq!(
        get(&contract, "/v1/things?q[id_eq]=1"),
        [ViolationKind::UnknownQueryParameter]
    );
}

#[test]
fn a_missing_required_query_parameter_is_a_violation() {
    let contract = toy();
    assert_eq!(
        get(&contract, "/v1/things/search"),
        [ViolationKind::MissingQueryParameter]
    );
}

#[test]
fn a_request_body_must_be_given_and_validate_against_its_schema() {
    let contract = toy();
    let post =
        |body: Option<Value>| kinds(contract.check_request("POST", "/v1/things", body.as_ref()));
    assert_eq!(post(Some(json!({"name": "x", "size": null}))), []);
    assert_eq!(post(None), [ViolationKind::MissingBody]);
    assert_eq!(
        post(Some(json!({"size": 3}))),
        [ViolationKind::RequestBody],
        "missing field"
    );
    assert_eq!(
        post(Some(json!({"name": "x", "colour": "red"}))),
        [ViolationKind::RequestBody],
        "additionalProperties: false"
    );
    assert_eq!(
        post(Some(json!({"name": 7}))),
        [ViolationKind::RequestBody],
        "wrong type"
    );
    let found = contract
        .check_request(
            "POST",
            "/v1/things",
            Some(&json!({"name": "x", "size": "big"})),
        )
        .unwrap_err();
    assert_eq!(found[0].at, "body /size");
}

#[test]
fn a_body_where_none_is_declared_or_where_only_a_form_is_taken_is_a_violation() {
    let contract = toy();
    let body = json!({"a": 1});
    assert_eq!(
        kinds(contract.check_request("GET", "/v1/things", Some(&body))),
        [ViolationKind::UnexpectedBody]
    );
    assert_eq!(
        kinds(contract.check_request("POST", "/v1/forms", Some(&body))),
        [ViolationKind::UnsupportedMediaType]
    );
    assert_eq!(kinds(contract.check_request("POST", "/v1/forms", None)), []);
}

#[test]
fn a_response_status_the_operation_does_not_declare_is_a_violation() {
    let contract = toy();
    let found = contract
        .check_response("GET", "/v1/things", 500, Some(&json!([])))
        .unwrap_err();
    assert_eq!(found[0].kind, ViolationKind::UndeclaredStatus);
    assert!(found[0].message.contains("declared: 200"), "{}", found[0]);
    // A range (`4XX`) declares every status in it.
    assert_eq!(
        contract.check_response("POST", "/v1/things", 422, Some(&json!({"error": "x"}))),
        Ok(ResponseCheck::Status)
    );
}

#[test]
fn a_response_body_of_the_wrong_shape_is_a_violation() {
    let contract = toy();
    let ok = json!([{"id": 1, "name": "x"}]);
    assert_eq!(
        contract.check_response("GET", "/v1/things?limit=1", 200, Some(&ok)),
        Ok(ResponseCheck::Schema)
    );
    for (body, kind) in [
        (json!({"id": 1, "name": "x"}), ViolationKind::ResponseBody),
        (
            json!([{"id": "1", "name": "x"}]),
            ViolationKind::ResponseBody,
        ),
        (json!([{"id": 1}]), ViolationKind::ResponseBody),
        (
            json!([{"id": 1, "name": "x", "extra": true}]),
            ViolationKind::ResponseBody,
        ),
    ] {
        assert_eq!(
            kinds(contract.check_response("GET", "/v1/things", 200, Some(&body))),
            [kind],
            "{body}"
        );
    }
    assert_eq!(
        kinds(contract.check_response("GET", "/v1/things", 200, None)),
        [ViolationKind::MissingBody]
    );
}

#[test]
fn a_response_described_by_examples_only_must_use_their_fields_and_types() {
    let contract = toy();
    let check =
        |body: Value| kinds(contract.check_response("GET", "/v1/things/7", 200, Some(&body)));
    assert_eq!(
        contract.check_response(
            "GET",
            "/v1/things/7",
            200,
            Some(&json!({"data": {"id": 7}}))
        ),
        Ok(ResponseCheck::Examples)
    );
    // Fields may be missing; null may stand anywhere; a null-only field takes anything; an
    // integer may stand for a number.
    assert_eq!(
        check(json!({"data": {"id": 7, "name": null, "owner": {"id": 1}, "size": 2}})),
        []
    );
    assert_eq!(
        check(json!({"data": {"id": 7, "colour": "red"}})),
        [ViolationKind::ResponseShape]
    );
    assert_eq!(
        check(json!({"data": {"id": "7"}})),
        [ViolationKind::ResponseShape]
    );
    assert_eq!(
        check(json!({"data": {"tags": [1]}})),
        [ViolationKind::ResponseShape]
    );
    assert_eq!(
        check(json!({"data": [{"id": 7}]})),
        [ViolationKind::ResponseShape]
    );
    // Switched off, only the status counts.
    let lenient = toy().with_example_shapes(false);
    assert_eq!(
        lenient.check_response("GET", "/v1/things/7", 200, Some(&json!({"colour": 1}))),
        Ok(ResponseCheck::Status)
    );
}

#[test]
fn a_no_content_response_must_have_no_body() {
    let contract = toy();
    assert_eq!(
        contract.check_response("DELETE", "/v1/things/7", 204, None),
        Ok(ResponseCheck::Status)
    );
    assert_eq!(
        kinds(contract.check_response("DELETE", "/v1/things/7", 204, Some(&json!({})))),
        [ViolationKind::UnexpectedBody]
    );
}

#[test]
fn the_tally_counts_requests_responses_and_violations_for_the_summary_line() {
    let contract = toy().named("Toy vendor");
    contract.check_request("GET", "/v1/things", None).unwrap();
    contract
        .check_request("GET", "/v1/things?limit=0&colour=red", None)
        .unwrap_err();
    contract
        .check_response("GET", "/v1/things", 200, Some(&json!([])))
        .unwrap();
    let tally = contract.tally();
    assert_eq!(
        (tally.requests, tally.responses, tally.violations),
        (2, 1, 2)
    );
    assert_eq!(tally.responses_by_schema, 1);
    assert_eq!(
        contract.summary(),
        "Toy vendor: 2 requests and 1 responses checked against the spec, 2 violations"
    );
    let seen: Vec<String> = contract
        .operations_checked()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(seen, ["GET /v1/things"]);
}

#[test]
fn a_document_that_is_not_json_or_has_no_paths_is_refused() {
    assert!(Contract::from_json("{").is_err());
    assert!(Contract::from_json(r#"{"openapi": "3.1.0"}"#).is_err());
    assert!(
        Contract::from_json(
            r#"{"paths": {"/a": {"get": {"parameters": [{"$ref": "other.json#/p"}]}}}}"#
        )
        .is_err()
    );
}

#[test]
fn one_contract_can_be_shared_by_every_task_of_a_test() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Contract>();
}
