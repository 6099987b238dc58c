//! Permissions are checked before anything is touched (R-PERM-1, R-PERM-2).

#![cfg(feature = "sandbox")]

mod common;

use common::world;
use concierge::*;

// R-PERM-1
#[tokio::test]
async fn registering_a_property_needs_full_integrations_access() {
    let w = world().await;
    let residence_only = Admin::new("concierge-desk-1", "Concierge desk")
        .with_residence(AccessLevel::Full)
        .with_integrations(AccessLevel::Read);
    let before = w.store.stats().commits;
    let err = w
        .concierge
        .register_property(&residence_only, NewProperty::new("Other", "other"))
        .await
        .unwrap_err();
    match err {
        Error::PermissionDenied {
            admin,
            admin_name,
            permission,
            required,
            held,
            action,
        } => {
            assert_eq!(admin, "concierge-desk-1", "named by the host's id");
            assert_eq!(admin_name, "Concierge desk");
            assert_eq!(permission, Permission::Integrations);
            assert_eq!(required, AccessLevel::Full);
            assert_eq!(held, AccessLevel::Read);
            assert_eq!(action, "register_property");
        }
        other => panic!("expected a permission error, got {other}"),
    }
    assert_eq!(w.store.stats().commits, before);
    let err = w
        .concierge
        .update_property_settings(&residence_only, &w.property.id, PropertySettings::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
}

// R-PERM-2
#[tokio::test]
async fn residence_work_is_refused_before_touching_the_store_or_any_provider() {
    let w = world().await;
    let ada = w.move_in_ada(false).await;
    let reader = Admin::new("auditor-1", "Auditor").with_residence(AccessLevel::Read);
    let stats = w.store.stats();
    let calls = w.sandbox.faults().total_calls();

    let move_in = w
        .concierge
        .move_in(
            &reader,
            MoveIn::new(&w.unit.id, "Grace", "Hopper")
                .send_mobile_activation(true)
                .email("g@example.org"),
        )
        .await
        .unwrap_err();
    let invite = w.concierge.invite(&reader, &ada.id).await.unwrap_err();
    let unit = w
        .concierge
        .register_unit(&reader, NewUnit::new(&w.building.id, "1205"))
        .await
        .unwrap_err();
    for err in [&move_in, &invite, &unit] {
        assert!(
            matches!(
                err,
                Error::PermissionDenied {
                    permission: Permission::Residence,
                    required: AccessLevel::Full,
                    held: AccessLevel::Read,
                    ..
                }
            ),
            "{err}"
        );
    }
    assert_eq!(
        w.store.stats(),
        stats,
        "a refused call read or wrote the store"
    );
    assert_eq!(
        w.sandbox.faults().total_calls(),
        calls,
        "a refused call reached a provider"
    );
    assert!(w.sandbox.mailer().sent().is_empty());

    // Read access is enough to look.
    assert_eq!(
        w.concierge
            .list_residents(&reader, ResidentFilter::default(), PageRequest::first())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let nobody = Admin::new("visitor-1", "Visitor");
    let err = w
        .concierge
        .account_status(&nobody, &ada.id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
}

#[tokio::test]
async fn an_admin_without_a_host_id_is_refused_before_anything_is_touched() {
    let w = world().await;
    let stats = w.store.stats();
    for id in ["", "   "] {
        let err = w
            .concierge
            .list_residents(
                &Admin::full_access(id, "Nobody"),
                ResidentFilter::default(),
                PageRequest::first(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        assert_eq!(
            err.to_string(),
            "invalid input: admin.id: must not be empty"
        );
    }
    assert_eq!(w.store.stats(), stats);
}
