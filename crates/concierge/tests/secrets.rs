//! Secrets never appear in Debug, Display, errors or logs (R-SDK-2).

#![cfg(all(feature = "sandbox", feature = "smtp"))]

use concierge::sandbox::Sandbox;
use concierge::smtp::{SmtpConfig, SmtpMailer, SmtpTls};
use concierge::*;

const CANARY: &str = "canary-7c1d-SMTP-pa55";

// R-SDK-2
#[tokio::test]
async fn a_canary_password_in_the_mail_configuration_appears_nowhere() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = SmtpConfig::new("127.0.0.1", port)
        .credentials("desk@example.org", CANARY)
        .tls(SmtpTls::None)
        .timeout(std::time::Duration::from_secs(2));
    let sandbox = Sandbox::new(3);
    let concierge = Concierge::builder()
        .clock_arc(sandbox.clock().clone())
        .mailer(SmtpMailer::new(config.clone()).unwrap())
        .build()
        .unwrap();
    let admin = Admin::full_access("desk-1", "desk");
    let p = concierge
        .register_property(&admin, NewProperty::new("P", "p"))
        .await
        .unwrap();
    let b = concierge
        .register_building(&admin, NewBuilding::new(&p.id, "B"))
        .await
        .unwrap();
    let u = concierge
        .register_unit(&admin, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();
    // The SMTP server is unreachable: the move-in commits, the email waits in the outbox.
    let ada = concierge
        .move_in(
            &admin,
            MoveIn::new(&u.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    let entries = concierge
        .list_outbox(&admin, OutboxStatus::Pending, PageRequest::first())
        .await
        .unwrap()
        .items;
    let last_error = entries[0].last_error.clone().unwrap();
    assert!(last_error.starts_with("smtp send failed"), "{last_error}");

    let shown = [
        format!("{config:?}"),
        format!("{concierge:?}"),
        format!("{ada:?}"),
        format!("{entries:?}"),
        last_error,
    ];
    for text in &shown {
        assert!(!text.contains(CANARY), "the canary leaked: {text}");
    }
    // The queued email holds no token at all: only the resident and the invitation number
    // (the dispatcher derives the link again when it sends).
    let OutboxMessage::ActivationEmail { invitation, .. } = &entries[0].message else {
        panic!("an activation email is queued")
    };
    assert_eq!(*invitation, 1);
    let stored = serde_json::to_string(&entries[0]).unwrap();
    assert!(!stored.contains("token"), "{stored}");
}
