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
    // The sandbox has no credentials: only the secrets check is skipped.
    assert_eq!(keys.passed + 1, keys.checks.len(), "{}", keys.summary());
    assert_eq!(
        outcome(&keys, "secrets_stay_out_of_errors"),
        CheckOutcome::Skipped
    );
}

// R-SDK-1
#[tokio::test]
async fn the_sandbox_strata_intercom_and_mailer_pass_the_kit() {
    let settings: Settings = serde_json::from_value(json!({"sandbox": {}})).unwrap();
    let c = Concierge::open(settings).await.unwrap();
    let strata = c.check_strata_adapter(&admin(), &[]).await.unwrap();
    assert!(strata.ok(), "{}", strata.summary());
    for check in [
        "buildings_page_through",
        "building_read_as_listed",
        "users_page_through",
        "unknown_building_not_found",
        "unknown_cursor_refused",
    ] {
        assert_eq!(
            outcome(&strata, check),
            CheckOutcome::Passed,
            "{}",
            strata.summary()
        );
    }

    let building = c.intercom_buildings(&admin()).await.unwrap()[0]
        .external
        .id
        .clone();
    let intercom = c
        .check_intercom_adapter(&admin(), &building, &[])
        .await
        .unwrap();
    assert!(intercom.ok(), "{}", intercom.summary());
    for check in [
        "buildings_page_through",
        "building_read_as_listed",
        "unknown_building_not_found",
        "placeholder_once",
        "preflight_sees_placeholder",
        "pass_window_kept",
        "lost_reply_found_again",
        "revoke_twice_harmless",
        "unknown_cursor_refused",
    ] {
        assert_eq!(
            outcome(&intercom, check),
            CheckOutcome::Passed,
            "{}",
            intercom.summary()
        );
    }
    // A second run adopts the placeholder the first made.
    let again = c
        .check_intercom_adapter(&admin(), &building, &[])
        .await
        .unwrap();
    assert!(again.ok(), "{}", again.summary());

    let mailer = c
        .check_mailer_adapter(&admin(), "kit@example.com", &[])
        .await
        .unwrap();
    assert!(mailer.ok(), "{}", mailer.summary());
    // The kit's made-up link is a secret of its own: the check runs without credentials.
    for check in [
        "send_once",
        "malformed_recipient_refused",
        "secrets_stay_out_of_errors",
    ] {
        assert_eq!(
            outcome(&mailer, check),
            CheckOutcome::Passed,
            "{}",
            mailer.summary()
        );
    }
    let sent = c.sandbox().unwrap().mailer().sent();
    assert_eq!(
        sent.iter().filter(|m| m.to == "kit@example.com").count(),
        1,
        "one email for the key sent twice"
    );
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

/// A handle on the sandbox with `adapters` in place of its fakes.
async fn open_with(adapters: ForeignAdapters) -> Concierge {
    let settings: Settings = serde_json::from_value(json!({"sandbox": {}})).unwrap();
    Concierge::open_with(settings, adapters).await.unwrap()
}

fn failure<'a>(report: &'a AdapterReport, check: &str) -> &'a str {
    let c = report
        .checks
        .iter()
        .find(|c| c.name == check)
        .unwrap_or_else(|| panic!("no check {check}: {}", report.summary()));
    assert_eq!(c.outcome, CheckOutcome::Failed, "{}", report.summary());
    &c.detail
}

// R-SDK-1
#[tokio::test]
async fn a_foreign_strata_system_passes_and_a_mailer_that_leaks_the_body_is_told() {
    let sref = |id: &str| json!({"provider": "tiny-strata", "id": id});
    let building = json!({"external": sref("b1"), "plan_number": "SP 1", "name": "Harbour",
        "address": null, "status": "active"});
    let listed = building.clone();
    let strata = Json::new(
        move |method, args| match (method, args["cursor"].as_str()) {
            ("list_buildings", None) => Ok(json!({"items": [listed.clone()]})),
            ("get_building", _) if args["building"]["id"] == "b1" => Ok(listed.clone()),
            ("get_building", _) => Err(json!({"kind": "not_found", "message": "no such building"})),
            ("list_users", None) => Ok(json!({"items": [{
            "external": sref("c1"), "building": sref("b1"), "display_name": "Ada Lovelace",
            "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org",
            "alt_emails": [], "mobile": null, "phone": null,
            "lots": [{"lot_number": "1", "unit_number": "101"}],
            "user_types": ["owner_occupier"], "tenancy": null, "warnings": []}]})),
            (_, Some(c)) => Err(json!({"kind": "rejected", "message": format!("no cursor {c}")})),
            _ => Err(json!({"message": "unexpected"})),
        },
    );
    // A mailer whose error quotes the email it was given.
    let mailer = Json::new(|_, args| {
        Err(json!({"kind": "rejected", "message": format!("cannot send {}", args["body"])}))
    });
    let c = open_with(ForeignAdapters {
        strata: Some(ForeignAdapter::new("tiny-strata", strata)),
        mailer: Some(ForeignAdapter::new("tiny-mail", mailer)),
        ..Default::default()
    })
    .await;
    let report = c.check_strata_adapter(&admin(), &[]).await.unwrap();
    assert!(report.ok(), "{}", report.summary());
    assert_eq!(
        outcome(&report, "users_page_through"),
        CheckOutcome::Passed,
        "{}",
        report.summary()
    );

    let report = c
        .check_mailer_adapter(&admin(), "kit@example.com", &[])
        .await
        .unwrap();
    assert!(!report.ok());
    assert!(failure(&report, "send_once").contains("tiny-mail"));
    assert_eq!(
        failure(&report, "secrets_stay_out_of_errors"),
        "the error of `send` holds secret #1 of those given"
    );
    // The report names the secret's place, never the secret, though it quotes the error.
    assert!(!report.summary().contains("concierge-kit-canary"));
    assert!(
        report.summary().contains("<secret>"),
        "{}",
        report.summary()
    );
}

// R-SDK-1
#[tokio::test]
async fn a_foreign_intercom_that_makes_a_second_pass_on_a_retry_is_told() {
    let iref = |id: &str| json!({"provider": "tiny-door", "id": id});
    let building = json!({"external": iref("1"), "name": "Harbour", "time_zone": null});
    let passes = std::sync::atomic::AtomicUsize::new(0);
    let intercom = Json::new(move |method, args| match method {
        "list_buildings" if args["cursor"].is_null() => Ok(json!({"items": [building.clone()]})),
        "list_buildings" | "list_tenants" => {
            Err(json!({"kind": "rejected", "message": "no such cursor"}))
        }
        "get_building" if args["building"]["id"] == "1" => Ok(building.clone()),
        "get_building" => Err(json!({"kind": "not_found", "message": "no such building"})),
        "ensure_placeholder" => Ok(json!({"unit": iref("u"), "tenant": iref("t"),
            "created_unit": false, "created_tenant": false})),
        "preflight" => Ok(json!({"checks": []})),
        // Broken: every call makes a new pass, retry or not.
        "create_visitor_pass" => {
            let n = passes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(json!({"external": iref(&format!("pass-{n}")), "key": null,
                "qr_code_url": null, "instructions_url": null, "window": args["window"]}))
        }
        "revoke_visitor_pass" => Ok(Value::Null),
        _ => Err(json!({"message": "unexpected"})),
    });
    let c = open_with(ForeignAdapters {
        intercom: Some(ForeignAdapter::new("tiny-door", intercom.clone())),
        ..Default::default()
    })
    .await;
    let report = c.check_intercom_adapter(&admin(), "1", &[]).await.unwrap();
    assert_eq!(report.failed, 1, "{}", report.summary());
    assert_eq!(
        failure(&report, "lost_reply_found_again"),
        "a retry made pass pass-1 beside pass pass-0: a lost reply makes two passes"
    );
    assert_eq!(outcome(&report, "pass_window_kept"), CheckOutcome::Passed);
    assert_eq!(
        outcome(&report, "preflight_sees_placeholder"),
        CheckOutcome::Skipped
    );
    // The retry was asked as one.
    let retried = intercom.calls("create_visitor_pass");
    assert_eq!(retried.len(), 2);
    assert_eq!(retried[1]["retry"], true);
    assert_eq!(retried[0]["idempotency_key"], retried[1]["idempotency_key"]);
}
