//! Side effects go through the outbox: committed with the state change, delivered once, retried,
//! parked when hopeless (R-SDK-2, R-SDK-3, R-SDK-4).

#![cfg(feature = "sandbox")]

mod common;

use chrono::Duration;
use common::world;
use concierge::*;

// R-SDK-3
#[tokio::test]
async fn a_failed_welcome_email_is_retried_later_and_delivered_exactly_once() {
    let w = world().await;
    w.sandbox
        .faults()
        .fail_next("send", ProviderErrorKind::Unavailable);
    let ada = w.move_in_ada(true).await;
    // The move-in is done; the email is queued.
    assert_eq!(
        ada.status(w.concierge.now()),
        AccountStatus::PendingActivation
    );
    assert!(w.sandbox.mailer().sent().is_empty());
    let pending = w
        .concierge
        .list_outbox(&w.admin, OutboxStatus::Pending, PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(pending.len(), 1);
    assert!(
        pending[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("sandbox-mailer send failed (unavailable, transient)")
    );

    // Not due yet: nothing happens.
    assert_eq!(
        w.concierge.dispatch_outbox().await.unwrap(),
        DispatchReport::default()
    );
    w.sandbox.clock().advance(Duration::minutes(1));
    let report = w.concierge.dispatch_outbox().await.unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(w.sandbox.mailer().sent().len(), 1);
    // Dispatching again sends nothing more.
    w.sandbox.clock().advance(Duration::hours(1));
    assert_eq!(
        w.concierge.dispatch_outbox().await.unwrap(),
        DispatchReport::default()
    );
    assert_eq!(w.sandbox.mailer().sent().len(), 1);
    // The entry names the invitation, never a token.
    let done = w
        .concierge
        .list_outbox(&w.admin, OutboxStatus::Done, PageRequest::first())
        .await
        .unwrap()
        .items;
    assert!(matches!(
        &done[0].message,
        OutboxMessage::ActivationEmail { invitation: 1, .. }
    ));
}

// R-SDK-2
#[tokio::test]
async fn a_rejected_email_is_parked_for_an_admin_and_can_be_retried() {
    let w = world().await;
    w.sandbox
        .faults()
        .fail_next("send", ProviderErrorKind::Rejected);
    w.move_in_ada(true).await;
    let parked = w
        .concierge
        .list_outbox(&w.admin, OutboxStatus::Parked, PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(parked.len(), 1);
    assert!(
        parked[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("permanent")
    );
    let retried = w
        .concierge
        .retry_outbox_entry(&w.admin, &parked[0].id)
        .await
        .unwrap();
    assert_eq!(retried.status, OutboxStatus::Done);
    assert_eq!(w.sandbox.mailer().sent().len(), 1);
}

// R-SDK-3
#[tokio::test]
async fn an_email_that_keeps_failing_is_parked_after_the_configured_attempts() {
    let w = world().await;
    w.sandbox
        .faults()
        .fail_times("send", ProviderErrorKind::Timeout, 100);
    w.move_in_ada(true).await;
    for _ in 0..10 {
        w.sandbox.clock().advance(Duration::hours(2));
        w.concierge.dispatch_outbox().await.unwrap();
    }
    let parked = w
        .concierge
        .list_outbox(&w.admin, OutboxStatus::Parked, PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].attempts, Config::default().outbox_max_attempts);
    assert_eq!(
        w.sandbox.faults().calls("send"),
        u64::from(Config::default().outbox_max_attempts)
    );
}

// R-STATUS-4
#[tokio::test]
async fn an_undelivered_email_whose_link_was_replaced_is_skipped_not_sent() {
    let w = world().await;
    w.sandbox
        .faults()
        .fail_next("send", ProviderErrorKind::Unavailable);
    let ada = w.move_in_ada(true).await;
    w.sandbox.clock().advance(Duration::days(8));
    w.concierge.invite(&w.admin, &ada.id).await.unwrap();
    let report = w.concierge.dispatch_outbox().await.unwrap();
    assert_eq!(report.skipped, 1);
    // Only the new invitation went out.
    assert_eq!(w.sandbox.mailer().sent().len(), 1);
    w.concierge
        .activate(
            Activation::new(w.token_for("ada@example.org"))
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
        .unwrap();
}
