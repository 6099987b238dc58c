//! Bad input gets a typed error and changes nothing.

#![cfg(feature = "sandbox")]

mod common;

use chrono::Duration;
use common::world;
use concierge::*;

#[tokio::test]
async fn empty_names_and_a_malformed_email_are_all_reported_at_once_and_nothing_is_stored() {
    let w = world().await;
    let commits = w.store.stats().commits;
    let err = w
        .concierge
        .move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, "  ", "").email("ada(at)example"),
        )
        .await
        .unwrap_err();
    let Error::Validation(v) = &err else {
        panic!("expected validation, got {err}")
    };
    let fields: Vec<&str> = v.issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(fields, ["first_name", "last_name", "email"]);
    assert!(
        !err.to_string().contains("ada(at)example"),
        "errors never echo input"
    );
    assert_eq!(w.store.stats().commits, commits);
    assert!(w.residents().await.is_empty());
}

#[tokio::test]
async fn an_unknown_unit_is_not_found_and_nothing_is_stored() {
    let w = world().await;
    let ghost = UnitId::new();
    let err = w
        .concierge
        .move_in(&w.admin, MoveIn::new(&ghost, "Ada", "Lovelace"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound { entity: EntityKind::Unit, id } if id == ghost.as_str()),
        "{err}"
    );
    assert!(w.residents().await.is_empty());
    let err = w
        .concierge
        .invite(&w.admin, &ResidentId::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn expired_and_reused_tokens_are_refused_and_change_nothing() {
    let w = world().await;
    let ada = w.move_in_ada(true).await;
    let token = w.token_for("ada@example.org");
    w.sandbox.clock().advance(Duration::days(8));
    let before = w.concierge.get_resident(&w.admin, &ada.id).await.unwrap();
    let err = w
        .concierge
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenRejected);
    assert_eq!(
        w.concierge.get_resident(&w.admin, &ada.id).await.unwrap(),
        before
    );

    w.concierge.invite(&w.admin, &ada.id).await.unwrap();
    let fresh = w.token_for("ada@example.org");
    w.concierge
        .activate(
            Activation::new(&fresh)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap();
    let live = w.concierge.get_resident(&w.admin, &ada.id).await.unwrap();
    let err = w
        .concierge
        .activate(
            Activation::new(&fresh)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::TokenRejected {
            reason: TokenRejection::AlreadyUsed
        }
    ));
    assert_eq!(
        w.concierge.get_resident(&w.admin, &ada.id).await.unwrap(),
        live
    );
}

#[tokio::test]
async fn places_with_bad_names_are_refused() {
    let w = world().await;
    let err = w
        .concierge
        .register_property(&w.admin, NewProperty::new("", "Not A Site"))
        .await
        .unwrap_err();
    let Error::Validation(v) = err else { panic!() };
    assert_eq!(v.issues.len(), 2);
    let dup = w
        .concierge
        .register_property(&w.admin, NewProperty::new("Again", "harbour-view"))
        .await
        .unwrap_err();
    assert_eq!(dup.code(), ErrorCode::Conflict);
    let err = w
        .concierge
        .register_building(&w.admin, NewBuilding::new(&PropertyId::new(), "X"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = w
        .concierge
        .register_unit(&w.admin, NewUnit::new(&w.building.id, "1204"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let bad_settings = PropertySettings {
        sync_interval: Duration::seconds(10),
        ..Default::default()
    };
    let err = w
        .concierge
        .update_property_settings(&w.admin, &w.property.id, bad_settings)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(
        w.concierge.list_properties(&w.admin).await.unwrap(),
        vec![w.property.clone()]
    );
}

#[tokio::test]
async fn a_handle_without_a_mailer_is_refused_at_build_time() {
    let err = Concierge::builder().build().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
}
