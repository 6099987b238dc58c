//! Adapters written in another language (R-SDK-1): the engine reaches them through one call
//! per method with JSON in and out ([`concierge::foreign`]). Here the "other language" is a
//! closure that answers from JSON, as a Python or Node adapter does through its binding: a PMS
//! runs a full sync page by page, a key encoder writes a key, what the adapter raises arrives
//! typed, and a result of the wrong shape is an error naming the field.
#![cfg(feature = "sandbox")]

#[path = "common/json_adapter.rs"]
mod json_adapter;

use concierge::foreign::{ForeignAdapter, ForeignAdapters};
use concierge::*;
use json_adapter::Json;
use serde_json::{Value, json};
use std::sync::Arc;

const PMS: &str = "csv-pms";

fn ext(id: &str) -> Value {
    json!({"provider": PMS, "id": id})
}

fn resident(id: &str, unit: &str, first: &str) -> Value {
    json!({
        "external": ext(id), "property": ext("p1"), "unit": ext(unit),
        "first_name": first, "last_name": "Lovelace", "email": null, "phone": null,
        "role": "primary", "move_in": "2026-01-01", "move_out": null, "updated_at": null
    })
}

/// A PMS of one property, two units and three residents, two per page; the second page holds
/// a record without its unit.
fn pms() -> Arc<Json> {
    Json::new(|method, args| {
        let cursor = args["cursor"].as_str();
        match method {
            "list_properties" => Ok(json!({"items": [{"external": ext("p1"), "name": "Harbour"}]})),
            "list_units" => Ok(json!({"items": [
                {"external": ext("u1"), "property": ext("p1"), "building_name": null, "floor": "1", "number": "101"},
                {"external": ext("u2"), "property": ext("p1"), "building_name": null, "floor": "1", "number": "102"},
            ]})),
            "list_residents" => match cursor {
                None => Ok(json!({
                    "items": [resident("r1", "u1", "Ada"), resident("r2", "u2", "Grace")],
                    "next": "page-2",
                })),
                Some("page-2") => {
                    let mut broken = resident("r3", "u2", "Edsger");
                    broken.as_object_mut().unwrap().remove("unit");
                    Ok(json!({"items": [
                        broken,
                        {"unreadable": {"external": ext("r4"), "message": "row 9 has no name"}},
                    ]}))
                }
                Some(other) => Err(json!({"message": format!("no page {other}")})),
            },
            _ => Err(json!({"type": "AttributeError", "message": method})),
        }
    })
}

async fn open(adapters: ForeignAdapters) -> (Concierge, Admin) {
    let settings: Settings = serde_json::from_value(json!({"sandbox": {}})).unwrap();
    let c = Concierge::open_with(settings, adapters).await.unwrap();
    (c, Admin::full_access("desk-1", "desk"))
}

async fn linked(c: &Concierge, admin: &Admin) -> Property {
    let property = c
        .register_property(admin, NewProperty::new("Harbour", "harbour"))
        .await
        .unwrap();
    c.link_pms_property(admin, &property.id, "p1")
        .await
        .unwrap()
}

// R-SDK-1
#[tokio::test]
async fn a_foreign_pms_runs_a_full_sync_page_by_page_and_a_bad_record_is_its_own_error() {
    let adapter = pms();
    let (c, admin) = open(ForeignAdapters {
        pms: Some(ForeignAdapter::new(PMS, adapter.clone())),
        ..Default::default()
    })
    .await;
    let listed = c.list_pms_properties(&admin).await.unwrap();
    assert_eq!(listed[0].name, "Harbour");
    let property = linked(&c, &admin).await;
    let report = c.sync_now(&admin, &property.id).await.unwrap();
    let run = report.run;
    assert_eq!(run.aborted, None);
    assert_eq!(run.counts.created, 2, "{run:?}");
    assert_eq!(run.counts.failed, 2, "{run:?}");
    assert_eq!(run.counts.seen, 4);
    // The record without its unit names the field; the adapter's own report keeps its words.
    let missing = run
        .errors
        .iter()
        .find(|e| e.external.as_ref().map(|x| x.id.as_str()) == Some("r3"))
        .expect("r3's error");
    assert!(missing.message.contains("unit"), "{}", missing.message);
    assert!(
        run.errors.iter().any(|e| e.message == "row 9 has no name"),
        "{:?}",
        run.errors
    );
    // Asked page by page, with the property and the cursor the adapter gave.
    let asked = adapter.calls("list_residents");
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[0]["properties"], json!([ext("p1")]));
    assert_eq!(asked[0]["cursor"], Value::Null);
    assert_eq!(asked[1]["cursor"], "page-2");
    let names: Vec<String> = c
        .list_residents(
            &admin,
            ResidentFilter::property(&property.id),
            PageRequest::first(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.first_name)
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Ada".to_string()) && names.contains(&"Grace".to_string()));
}

fn provider_error(e: Error) -> ProviderError {
    match e {
        Error::Provider(p) => *p,
        other => panic!("not a provider error: {other:?}"),
    }
}

// R-SDK-1, R-SDK-2
#[tokio::test]
async fn what_a_foreign_adapter_raises_arrives_typed_with_its_provider_and_operation() {
    let throttled = Json::new(|_, _| {
        Err(
            json!({"kind": "rate_limited", "message": "slow down", "retry_after_seconds": 2.5,
            "http_status": 429, "vendor_code": "TOO_MANY"}),
        )
    });
    let (c, admin) = open(ForeignAdapters {
        pms: Some(ForeignAdapter::new(PMS, throttled)),
        ..Default::default()
    })
    .await;
    let e = provider_error(c.list_pms_properties(&admin).await.unwrap_err());
    assert_eq!(e.provider, PMS);
    assert_eq!(e.operation, "list_properties");
    assert_eq!(e.kind, ProviderErrorKind::RateLimited);
    assert_eq!(e.retry, RetryClass::Throttled);
    assert_eq!(e.http_status, Some(429));
    assert_eq!(e.vendor_code.as_deref(), Some("TOO_MANY"));
    assert_eq!(e.retry_after, Some(std::time::Duration::from_millis(2500)));
    assert_eq!(e.message, "slow down");

    // Any other exception: kind other, not retryable, its class named.
    let plain = Json::new(|_, _| Err(json!({"type": "ValueError", "message": "bad row"})));
    let (c, admin) = open(ForeignAdapters {
        pms: Some(ForeignAdapter::new(PMS, plain)),
        ..Default::default()
    })
    .await;
    let e = provider_error(c.list_pms_properties(&admin).await.unwrap_err());
    assert_eq!(e.kind, ProviderErrorKind::Other);
    assert!(!e.retryable());
    assert_eq!(e.message, "ValueError: bad row");
}

// R-SDK-1
#[tokio::test]
async fn a_result_of_the_wrong_shape_is_an_invalid_response_naming_the_field() {
    let wrong = Json::new(|_, _| Ok(json!({"records": []})));
    let (c, admin) = open(ForeignAdapters {
        pms: Some(ForeignAdapter::new(PMS, wrong)),
        ..Default::default()
    })
    .await;
    let e = provider_error(c.list_pms_properties(&admin).await.unwrap_err());
    assert_eq!(e.kind, ProviderErrorKind::InvalidResponse);
    assert!(!e.retryable());
    assert!(e.message.contains("records"), "{}", e.message);
}

// R-SDK-1
#[tokio::test]
async fn a_foreign_key_encoder_writes_a_key_once_with_the_intent_s_idempotency_key() {
    let locks = Json::new(|method, args| match method {
        "list_encoders" => Ok(
            json!({"encoders": [{"external": {"provider": "desk-locks", "id": "ncoder-1"},
            "name": "Lobby", "online": true, "initialized": true}]}),
        ),
        "encode_key" => Ok(json!({"key": {"provider": "desk-locks",
            "id": format!("key-{}", args["idempotency_key"].as_str().unwrap_or(""))}})),
        // Asked before a write whether the intent already made a key (R-KEY-4).
        "key_state" => Ok(json!({"key": null, "state": "not_assigned"})),
        _ => Err(json!({"message": format!("unexpected {method}")})),
    });
    let (c, admin) = open(ForeignAdapters {
        key_encoder: Some(ForeignAdapter::new("desk-locks", locks.clone())),
        ..Default::default()
    })
    .await;
    let property = c
        .register_property(&admin, NewProperty::new("Keys", "keys"))
        .await
        .unwrap();
    let building = c
        .register_building(&admin, NewBuilding::new(&property.id, "A"))
        .await
        .unwrap();
    let unit = c
        .register_unit(&admin, NewUnit::new(&building.id, "101"))
        .await
        .unwrap();
    let ada = c
        .move_in(&admin, MoveIn::new(&unit.id, "Ada", "Key"))
        .await
        .unwrap();
    let key = c
        .make_key(&admin, MakeKey::resident(&ada.id, "ncoder-1"))
        .await
        .unwrap();
    assert_eq!(key.state, KeyState::Active);
    let writes = locks.calls("encode_key");
    assert_eq!(writes.len(), 1);
    let idempotency = writes[0]["idempotency_key"].as_str().unwrap().to_owned();
    assert!(!idempotency.is_empty());
    assert!(writes[0]["deadline_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(
        key.external.as_ref().map(|k| k.id.clone()),
        Some(format!("key-{idempotency}"))
    );
}

// R-SDK-1
#[cfg(feature = "buildium")]
#[tokio::test]
async fn a_foreign_adapter_cannot_be_given_beside_a_vendor_adapter_of_its_kind() {
    {
        let settings: Settings = serde_json::from_value(json!({
            "buildium": {"client_id": "id", "client_secret": "secret"},
            "hold_email": true,
        }))
        .unwrap();
        let e = Concierge::open_with(
            settings,
            ForeignAdapters {
                pms: Some(ForeignAdapter::new(PMS, pms())),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    }
}

// R-SDK-1
#[tokio::test]
async fn an_adapter_without_a_name_is_refused_naming_the_field() {
    let settings: Settings = serde_json::from_value(json!({"sandbox": {}})).unwrap();
    let e = Concierge::open_with(
        settings,
        ForeignAdapters {
            pms: Some(ForeignAdapter {
                name: None,
                ..ForeignAdapter::new("", pms())
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(e.to_string().contains("pms.name"), "{e}");
}
