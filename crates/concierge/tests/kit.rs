//! The provider conformance kit (R-SDK-1) on the sandbox's fakes, on an adapter written in
//! another language, and on a deliberately broken one, whose report says what is wrong.
#![cfg(feature = "sandbox")]

#[path = "common/json_adapter.rs"]
mod json_adapter;

use concierge::foreign::{ForeignAdapter, ForeignAdapters};
use concierge::kit::{AdapterReport, CheckOutcome};
use concierge::*;
use json_adapter::Json;
use serde_json::{Value, json};

fn admin() -> Admin {
    Admin::full_access("desk-1", "desk")
}

fn outcome(report: &AdapterReport, check: &str) -> CheckOutcome {
    report
        .checks
        .iter()
        .find(|c| c.name == check)
        .unwrap_or_else(|| panic!("no check {check}: {}", report.summary()))
        .outcome
}

// R-SDK-1
#[tokio::test]
async fn the_sandbox_pms_and_key_encoder_pass_the_kit() {
    let settings: Settings = serde_json::from_value(json!({"sandbox": {}})).unwrap();
    let c = Concierge::open(settings).await.unwrap();
    let pms = c.check_pms_adapter(&admin(), &[]).await.unwrap();
    assert!(pms.ok(), "{}", pms.summary());
    for check in [
        "properties_page_through",
        "units_page_through",
        "residents_page_through",
    ] {
        assert_eq!(
            outcome(&pms, check),
            CheckOutcome::Passed,
            "{}",
            pms.summary()
        );
    }
    let encoder = c.list_encoders(&admin()).await.unwrap()[0]
        .external
        .id
        .clone();
    let keys = c
        .check_key_encoder_adapter(&admin(), &encoder, &[])
        .await
        .unwrap();
    assert!(keys.ok(), "{}", keys.summary());
    assert_eq!(keys.passed, keys.checks.len(), "{}", keys.summary());
}

fn ext(id: &str) -> Value {
    json!({"provider": "tiny-pms", "id": id})
}

fn unit(id: &str) -> Value {
    json!({"external": ext(id), "property": ext("p1"), "building_name": null, "floor": null, "number": id})
}

fn resident(id: &str, unit: &str) -> Value {
    json!({"external": ext(id), "property": ext("p1"), "unit": ext(unit), "first_name": "Ada",
        "last_name": "Lovelace", "email": null, "phone": null, "role": "primary",
        "move_in": null, "move_out": null, "updated_at": null})
}

/// What the kit finds of a PMS answering `answer(method, cursor)`.
async fn report(
    answer: impl Fn(&str, Option<&str>) -> Result<Value, Value> + Send + Sync + 'static,
) -> AdapterReport {
    let pms = Json::new(move |method, args| answer(method, args["cursor"].as_str()));
    let settings: Settings = serde_json::from_value(json!({"sandbox": {}})).unwrap();
    let adapters = ForeignAdapters {
        pms: Some(ForeignAdapter::new("tiny-pms", pms)),
        ..Default::default()
    };
    let c = Concierge::open_with(settings, adapters).await.unwrap();
    c.check_pms_adapter(&admin(), &[]).await.unwrap()
}

// R-SDK-1
#[tokio::test]
async fn a_well_behaved_foreign_pms_passes_and_a_broken_one_is_told_what_is_wrong() {
    let good = report(|method, cursor| match (method, cursor) {
        ("list_properties", None) => {
            Ok(json!({"items": [{"external": ext("p1"), "name": "Harbour"}]}))
        }
        ("list_units", None) => Ok(json!({"items": [unit("u1")], "next": "u-2"})),
        ("list_units", Some("u-2")) => Ok(json!({"items": [unit("u2")]})),
        ("list_residents", None) => {
            Ok(json!({"items": [resident("r1", "u1"), resident("r2", "u2")]}))
        }
        (_, Some(other)) => {
            Err(json!({"kind": "rejected", "message": format!("no cursor {other}")}))
        }
        _ => Err(json!({"message": "unexpected"})),
    })
    .await;
    assert!(good.ok(), "{}", good.summary());
    assert_eq!(
        outcome(&good, "unknown_cursor_refused"),
        CheckOutcome::Passed
    );
    assert_eq!(
        outcome(&good, "properties_listed_together"),
        CheckOutcome::Skipped
    );

    // Broken: the residents' cursor never moves on, a resident lives in a unit never listed,
    // and any cursor is answered with the first page.
    let broken = report(|method, cursor| match method {
        "list_properties" => Ok(json!({"items": [{"external": ext("p1"), "name": "Harbour"}]})),
        "list_units" => Ok(json!({"items": [unit("u1")]})),
        "list_residents" if cursor.is_none() => {
            Ok(json!({"items": [resident("r1", "u9")], "next": "again"}))
        }
        "list_residents" => Ok(json!({"items": [], "next": "again"})),
        _ => Err(json!({"message": "unexpected"})),
    })
    .await;
    assert!(!broken.ok());
    assert_eq!(broken.failed, 2, "{}", broken.summary());
    let failure = |name: &str| {
        broken
            .checks
            .iter()
            .find(|c| c.name == name && c.outcome == CheckOutcome::Failed)
            .map(|c| c.detail.clone())
            .unwrap_or_else(|| panic!("{name} did not fail: {}", broken.summary()))
    };
    assert!(failure("residents_page_through").contains("cursor an earlier page gave"));
    assert!(failure("unknown_cursor_refused").contains("never issued"));
    assert!(
        broken.summary().contains("FAIL residents_page_through"),
        "{}",
        broken.summary()
    );
}

// R-SDK-1
#[tokio::test]
async fn a_pms_whose_units_name_another_property_is_told_so() {
    let stray = report(|method, _| match method {
        "list_properties" => Ok(json!({"items": [{"external": ext("p1"), "name": "Harbour"}]})),
        "list_units" => Ok(
            json!({"items": [{"external": ext("u1"), "property": ext("p2"),
            "building_name": null, "floor": null, "number": "1"}]}),
        ),
        _ => Err(json!({"kind": "rejected", "message": "no"})),
    })
    .await;
    let units = stray
        .checks
        .iter()
        .find(|c| c.name == "units_page_through")
        .expect("the units check");
    assert_eq!(units.outcome, CheckOutcome::Failed, "{}", stray.summary());
    assert!(
        units
            .detail
            .contains("unit u1 of property p1 names property p2"),
        "{}",
        units.detail
    );
}
