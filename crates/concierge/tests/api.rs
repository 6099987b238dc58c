//! The operations table the bindings call (`Concierge::call`, `api::open`): the same bad input
//! gets the same code and field path as in Python and Node (the cases are shared with their
//! tests in tests/fixtures/bad_inputs.json), and a flow runs through it end to end.

#![cfg(feature = "sandbox")]

use concierge::{Concierge, ErrorCode, api};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/");
    let text = std::fs::read_to_string(format!("{path}{name}")).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn desk() -> Value {
    json!({ "id": "desk-1", "name": "Front desk", "permissions": { "integrations": "full", "residence": "full" } })
}

async fn sandbox() -> Concierge {
    api::open(json!({ "sandbox": { "seed": 7 } }))
        .await
        .expect("sandbox handle")
}

/// Whether the operation (`sandbox.x` or `x`) acts for an admin, from the description.
fn acts_for_admin(op: &str) -> bool {
    let (group, name) = op.split_once('.').unwrap_or(("concierge", op));
    api::describe()["operations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == name && o["group"] == group && o["admin"] == true)
}

#[tokio::test]
async fn the_same_bad_input_gets_the_same_code_and_field_as_in_every_language() {
    let cases = fixture("bad_inputs.json");
    let c = sandbox().await;
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let postgres = case["open"]["store"]
            .as_str()
            .is_some_and(|s| s.starts_with("postgres"));
        if postgres && !cfg!(feature = "postgres") {
            // This build refuses the store itself first; the bindings have every feature.
            continue;
        }
        let err = if let Some(settings) = case.get("open") {
            api::open(settings.clone()).await.err()
        } else {
            let op = case["op"].as_str().unwrap();
            let admin = acts_for_admin(op).then(desk);
            c.call(
                op,
                admin,
                case["positional"].clone(),
                case["options"].clone(),
            )
            .await
            .err()
        };
        let err = err.unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(err.code().as_str(), case["code"], "{name}: {err}");
        let fields = err.fields();
        assert_eq!(fields["issues"][0]["field"], case["field"], "{name}: {err}");
    }
}

#[tokio::test]
async fn an_operation_that_acts_for_an_admin_refuses_a_call_without_one() {
    let c = sandbox().await;
    let err = c
        .call("list_properties", None, json!({}), json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(err.fields()["issues"][0]["field"], "admin");

    let admin = json!({ "id": "desk-1", "name": "Front desk", "role": "boss" });
    let err = c
        .call("list_properties", Some(admin), json!({}), json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.fields()["issues"][0]["field"], "admin.role");

    let admin = json!({ "id": "", "name": "Front desk" });
    let err = c
        .call("list_properties", Some(admin), json!({}), json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.fields()["issues"][0]["field"], "admin.id");
}

#[tokio::test]
async fn an_unknown_operation_and_a_sandbox_control_off_the_sandbox_are_refused() {
    let c = sandbox().await;
    let err = c
        .call("drop_tables", None, json!({}), json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.fields()["issues"][0]["field"], "operation");

    let smtp = json!({ "hold_email": true });
    let plain = api::open(smtp).await.expect("handle without a mailer");
    let err = plain
        .call("sandbox.now", None, json!({}), json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.fields()["issues"][0]["field"], "sandbox");
}

#[tokio::test]
async fn an_option_given_twice_is_refused_not_silently_overridden() {
    let c = sandbox().await;
    let positional = json!({ "unit_id": "unit_1", "first_name": "Ada", "last_name": "Lovelace" });
    let err = c
        .call(
            "move_in",
            Some(desk()),
            positional,
            json!({ "unit_id": "unit_2" }),
        )
        .await
        .unwrap_err();
    assert_eq!(err.fields()["issues"][0]["field"], "unit_id");
}

// R-STATUS-3
#[tokio::test]
async fn a_resident_moves_in_and_goes_live_through_the_table() {
    let c = sandbox().await;
    let call = |op: &'static str, positional: Value, options: Value| {
        let c = c.clone();
        async move {
            c.call(op, Some(desk()), positional, options)
                .await
                .expect(op)
        }
    };
    let property = call(
        "register_property",
        json!({ "name": "Harbour View", "site_name": "harbour-view" }),
        json!({}),
    )
    .await;
    let building = call(
        "register_building",
        json!({ "property_id": property["id"], "name": "Tower A" }),
        json!({}),
    )
    .await;
    let unit = call(
        "register_unit",
        json!({ "building_id": building["id"], "number": "1204" }),
        json!({ "floor": "12" }),
    )
    .await;
    let ada = call(
        "move_in",
        json!({ "unit_id": unit["id"], "first_name": "Ada", "last_name": "Lovelace" }),
        json!({ "email": "ada@example.org", "send_mobile_activation": true }),
    )
    .await;
    assert_eq!(ada["status"], "pending_activation");

    let token = c
        .call(
            "sandbox.last_activation_token",
            None,
            json!({ "email": "ada@example.org" }),
            json!({}),
        )
        .await
        .unwrap();
    let live = c
        .call(
            "activate",
            None,
            json!({ "token": token }),
            json!({ "accept_terms": true, "password": "correct horse battery staple" }),
        )
        .await
        .unwrap();
    assert_eq!(live["status"], "live");

    // R-STATUS-5: the outbox listing never shows the activation link.
    let outbox = call("list_outbox", json!({ "status": "done" }), json!({})).await;
    assert_eq!(outbox["items"].as_array().unwrap().len(), 1);
    assert!(!outbox.to_string().contains(token.as_str().unwrap()));
}

#[tokio::test]
async fn a_listing_through_the_table_pages_with_a_cursor() {
    let c = sandbox().await;
    let admin = Some(desk());
    let property = c
        .call(
            "register_property",
            admin.clone(),
            json!({ "name": "P", "site_name": "p" }),
            json!({}),
        )
        .await
        .unwrap();
    let building = c
        .call(
            "register_building",
            admin.clone(),
            json!({ "property_id": property["id"], "name": "B" }),
            json!({}),
        )
        .await
        .unwrap();
    let unit = c
        .call(
            "register_unit",
            admin.clone(),
            json!({ "building_id": building["id"], "number": "1" }),
            json!({}),
        )
        .await
        .unwrap();
    for i in 0..5 {
        let who = json!({ "unit_id": unit["id"], "first_name": format!("R{i}"), "last_name": "X" });
        c.call("move_in", admin.clone(), who, json!({}))
            .await
            .unwrap();
    }
    let mut seen = 0;
    let mut cursor = Value::Null;
    loop {
        let mut options = json!({ "limit": 2 });
        if !cursor.is_null() {
            options["cursor"] = cursor.clone();
        }
        let page = c
            .call("list_residents", admin.clone(), json!({}), options)
            .await
            .unwrap();
        seen += page["items"].as_array().unwrap().len();
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(seen, 5);
}

#[test]
fn every_operation_has_a_request_and_response_schema_and_no_boolean_is_positional() {
    let description = api::describe();
    let operations = description["operations"].as_array().unwrap();
    assert!(operations.len() >= 30);
    for op in operations {
        assert!(!op["request"].is_null(), "{}", op["name"]);
        assert!(!op["response"].is_null(), "{}", op["name"]);
        assert!(!op["doc"].as_str().unwrap().is_empty(), "{}", op["name"]);
    }
}
