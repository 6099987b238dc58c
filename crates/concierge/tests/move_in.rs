//! Manual move-in (R-MOVE-1..3).

#![cfg(feature = "sandbox")]

mod common;

use common::{world, world_with};
use concierge::*;

// R-MOVE-1
#[tokio::test]
async fn an_admin_moves_a_resident_into_a_unit_with_first_and_last_name() {
    let w = world().await;
    let minor = w
        .concierge
        .move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, " Tom ", "Lovelace").role(OccupancyRole::Occupant),
        )
        .await
        .unwrap();
    assert_eq!(
        (minor.first_name.as_str(), minor.last_name.as_str()),
        ("Tom", "Lovelace")
    );
    assert_eq!(minor.occupancy.unit_id, w.unit.id);
    assert_eq!(minor.source, ResidentSource::Manual);
    assert_eq!(
        minor.occupancy.move_in,
        Some(w.concierge.now().date_naive())
    );
    let listed = w.residents().await;
    assert_eq!(listed, vec![minor.clone()]);
    // The unit it lives in has its building and floor.
    let units = w
        .concierge
        .list_units(&w.admin, &w.property.id)
        .await
        .unwrap();
    assert_eq!(units[0].floor.as_deref(), Some("12"));
    assert_eq!(units[0].building_id, w.building.id);
}

// R-MOVE-1
#[tokio::test]
async fn a_unit_without_a_floor_is_fine_and_a_repeated_move_in_is_refused() {
    let w = world().await;
    let unit = w
        .concierge
        .register_unit(&w.admin, NewUnit::new(&w.building.id, "G1"))
        .await
        .unwrap();
    assert_eq!(unit.floor, None);
    w.concierge
        .move_in(&w.admin, MoveIn::new(&unit.id, "Ada", "Lovelace"))
        .await
        .unwrap();
    let again = w
        .concierge
        .move_in(&w.admin, MoveIn::new(&unit.id, "ada", "LOVELACE"))
        .await
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);
    assert_eq!(w.residents().await.len(), 1);
}

// R-MOVE-2
#[tokio::test]
async fn the_mobile_activation_email_is_sent_only_when_asked() {
    let w = world().await;
    let without = w
        .concierge
        .move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, "Grace", "Hopper").email("grace@example.org"),
        )
        .await
        .unwrap();
    assert!(w.sandbox.mailer().sent().is_empty());
    assert_eq!(without.mobile_access, MobileAccess::NotGranted);

    let with = w.move_in_ada(true).await;
    let sent = w.sandbox.mailer().sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "ada@example.org");
    assert!(sent[0].activation_token().is_some());
    assert_eq!(
        with.status(w.concierge.now()),
        AccountStatus::PendingActivation
    );
    assert!(matches!(with.mobile_access, MobileAccess::Granted { .. }));
}

// R-MOVE-2
#[tokio::test]
async fn sending_the_activation_email_needs_an_email_address() {
    let w = world().await;
    let err = w
        .concierge
        .move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, "Ada", "Lovelace").send_mobile_activation(true),
        )
        .await
        .unwrap_err();
    let Error::Validation(v) = err else {
        panic!("expected validation")
    };
    assert_eq!(v.issues[0].field, "email");
    assert!(w.residents().await.is_empty());
}

// R-MOVE-3
#[tokio::test]
async fn amenities_of_the_property_can_be_given_at_move_in_and_others_are_refused() {
    let settings = PropertySettings {
        amenities: vec![Amenity::new("Pool"), Amenity::new("Gym")],
        ..Default::default()
    };
    let w = world_with(settings).await;
    let pool = w.property.settings.amenities[0].id.clone();
    let ada = w
        .concierge
        .move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, "Ada", "Lovelace").amenity(&pool),
        )
        .await
        .unwrap();
    assert_eq!(ada.amenities, vec![pool]);
    let err = w
        .concierge
        .move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, "Grace", "Hopper").amenity(&AmenityId::new()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(w.residents().await.len(), 1);
}

// R-PMS-3
#[tokio::test]
async fn a_property_that_auto_grants_mobile_access_grants_it_at_move_in() {
    let w = world_with(PropertySettings {
        auto_grant_mobile_access: true,
        ..Default::default()
    })
    .await;
    let ada = w.move_in_ada(false).await;
    assert!(matches!(ada.mobile_access, MobileAccess::Granted { .. }));
}
