//! Resident account statuses through the facade (R-STATUS-1..5).

#![cfg(feature = "sandbox")]

mod common;

use chrono::Duration;
use common::world;
use concierge::*;

// R-STATUS-1
#[tokio::test]
async fn a_resident_moved_in_without_an_invitation_is_not_invited() {
    let w = world().await;
    let ada = w.move_in_ada(false).await;
    assert_eq!(
        w.concierge.account_status(&w.admin, &ada.id).await.unwrap(),
        AccountStatus::NotInvited
    );
    assert!(w.sandbox.mailer().sent().is_empty());
}

// R-STATUS-2, R-STATUS-3
#[tokio::test]
async fn an_invited_resident_is_pending_for_seven_days_and_goes_live_by_following_the_link() {
    let w = world().await;
    let ada = w.move_in_ada(false).await;
    w.concierge.invite(&w.admin, &ada.id).await.unwrap();
    assert_eq!(
        w.concierge.account_status(&w.admin, &ada.id).await.unwrap(),
        AccountStatus::PendingActivation
    );
    let sent = w.sandbox.mailer().sent_to("ada@example.org");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].subject,
        "Welcome to Harbour View: activate your account"
    );
    assert!(sent[0].body.starts_with("Hello Ada,"));

    w.sandbox.clock().advance(Duration::days(6));
    let token = w.token_for("ada@example.org");
    let live = w
        .concierge
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap();
    assert_eq!(live.status(w.concierge.now()), AccountStatus::Live);
    assert_eq!(
        w.concierge.account_status(&w.admin, &ada.id).await.unwrap(),
        AccountStatus::Live
    );
}

// R-STATUS-4
#[tokio::test]
async fn after_seven_days_the_link_expires_and_a_new_invitation_restarts_the_clock() {
    let w = world().await;
    let ada = w.move_in_ada(true).await;
    let old = w.token_for("ada@example.org");

    w.sandbox.clock().advance(Duration::days(7));
    assert_eq!(
        w.concierge.account_status(&w.admin, &ada.id).await.unwrap(),
        AccountStatus::ActivationExpired
    );
    let expired = w
        .concierge
        .activate(
            Activation::new(&old)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            expired,
            Error::TokenRejected {
                reason: TokenRejection::Expired
            }
        ),
        "{expired}"
    );

    let again = w.concierge.invite(&w.admin, &ada.id).await.unwrap();
    assert_eq!(again.account.invitations_sent(), 2);
    assert_eq!(
        again.account.activation_expires_at(),
        Some(w.concierge.now() + Duration::days(7))
    );
    let new = w.token_for("ada@example.org");
    assert_ne!(old, new);
    let superseded = w
        .concierge
        .activate(
            Activation::new(&old)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        superseded,
        Error::TokenRejected {
            reason: TokenRejection::Superseded
        }
    ));
    w.concierge
        .activate(
            Activation::new(&new)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap();
    assert_eq!(
        w.concierge.account_status(&w.admin, &ada.id).await.unwrap(),
        AccountStatus::Live
    );
}

// R-STATUS-5
#[tokio::test]
async fn inviting_a_pending_or_live_account_is_refused_naming_the_status_and_the_action() {
    let w = world().await;
    let ada = w.move_in_ada(true).await;
    let err = w.concierge.invite(&w.admin, &ada.id).await.unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidTransition {
            from: AccountStatus::PendingActivation,
            action: AccountAction::Invite
        }
    ));
    assert_eq!(
        err.to_string(),
        "cannot invite an account that is pending_activation"
    );

    w.concierge
        .activate(
            Activation::new(w.token_for("ada@example.org"))
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap();
    let err = w.concierge.invite(&w.admin, &ada.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidTransition);
    assert_eq!(err.to_string(), "cannot invite an account that is live");
    assert_eq!(
        w.sandbox.mailer().sent().len(),
        1,
        "no email for a refused invitation"
    );
}

// R-STATUS-5
#[tokio::test]
async fn a_token_works_once_and_a_made_up_token_never() {
    let w = world().await;
    w.move_in_ada(true).await;
    let token = w.token_for("ada@example.org");
    w.concierge
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap();
    let reused = w
        .concierge
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        reused,
        Error::TokenRejected {
            reason: TokenRejection::AlreadyUsed
        }
    ));

    for forged in [
        "",
        "nonsense",
        "res_unknown.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let err = w
            .concierge
            .activate(
                Activation::new(forged)
                    .accept_terms(true)
                    .password("correct horse battery staple"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::TokenRejected {
                    reason: TokenRejection::Invalid
                }
            ),
            "{forged}: {err}"
        );
    }
}

// R-STATUS-3
#[tokio::test]
async fn activating_without_accepting_the_terms_is_refused_and_changes_nothing() {
    let w = world().await;
    let ada = w.move_in_ada(true).await;
    let err = w
        .concierge
        .activate(
            Activation::new(w.token_for("ada@example.org"))
                .accept_terms(false)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert_eq!(
        w.concierge.account_status(&w.admin, &ada.id).await.unwrap(),
        AccountStatus::PendingActivation
    );
}

// R-STATUS-2
#[tokio::test]
async fn the_activation_window_is_configurable() {
    let sandbox = concierge::sandbox::Sandbox::new(1);
    let c = Concierge::builder()
        .sandbox(&sandbox)
        .activation_validity(Duration::days(2))
        .build()
        .unwrap();
    let admin = Admin::full_access("desk-1", "desk");
    let p = c
        .register_property(&admin, NewProperty::new("P", "p"))
        .await
        .unwrap();
    let b = c
        .register_building(&admin, NewBuilding::new(&p.id, "B"))
        .await
        .unwrap();
    let u = c
        .register_unit(&admin, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();
    let r = c
        .move_in(
            &admin,
            MoveIn::new(&u.id, "Bo", "Li")
                .email("bo@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    sandbox.clock().advance(Duration::days(2));
    assert_eq!(
        c.account_status(&admin, &r.id).await.unwrap(),
        AccountStatus::ActivationExpired
    );
}

// R-STATUS-4
#[tokio::test]
async fn statuses_can_be_listed_and_expired_ones_show_up_without_any_sweep() {
    let w = world().await;
    let ada = w.move_in_ada(true).await;
    let grace = w
        .concierge
        .move_in(
            &w.admin,
            MoveIn::new(&w.unit.id, "Grace", "Hopper").email("grace@example.org"),
        )
        .await
        .unwrap();
    w.sandbox.clock().advance(Duration::days(8));
    let expired = w
        .concierge
        .list_residents(
            &w.admin,
            ResidentFilter::property(&w.property.id).status(AccountStatus::ActivationExpired),
            PageRequest::first(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        expired.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&ada.id]
    );
    let not_invited = w
        .concierge
        .list_residents(
            &w.admin,
            ResidentFilter::property(&w.property.id).status(AccountStatus::NotInvited),
            PageRequest::first(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        not_invited.iter().map(|r| &r.id).collect::<Vec<_>>(),
        vec![&grace.id]
    );
}
