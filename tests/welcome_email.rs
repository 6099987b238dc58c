//! Welcome emails over real SMTP, to the aiosmtpd sink (`tests/smtp/sink.py`): one invitation is
//! one multipart message whose link activates the account, and an outage of the mail server
//! delays the emails without losing or doubling any (R-STATUS-2, R-STATUS-3, R-SDK-3).

#[path = "smtp/harness.rs"]
mod harness;

use concierge::*;
use harness::{Sink, free_port, python};
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

async fn open(dir: &std::path::Path, smtp_port: u16) -> Concierge {
    let settings: Settings = serde_json::from_value(json!({
        "store": dir.join("concierge.db").to_str().unwrap(),
        "smtp": {
            "host": "127.0.0.1", "port": smtp_port, "tls": "none", "timeout_seconds": 5,
            "max_per_second": 1000,
        },
        "outbox_base_backoff_seconds": 1,
        "outbox_max_backoff_seconds": 1,
    }))
    .unwrap();
    Concierge::open(settings).await.unwrap()
}

async fn unit(c: &Concierge, admin: &Admin) -> Unit {
    let p = c
        .register_property(admin, NewProperty::new("Harbour View", "harbour-view"))
        .await
        .unwrap();
    let b = c
        .register_building(admin, NewBuilding::new(&p.id, "Tower A"))
        .await
        .unwrap();
    c.register_unit(admin, NewUnit::new(&b.id, "1204"))
        .await
        .unwrap()
}

// R-STATUS-2, R-STATUS-3
#[tokio::test]
async fn one_invitation_is_one_multipart_email_whose_link_activates_the_account() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(&python, &dir.path().join("mail"), None);
    let c = open(dir.path(), sink.port).await;
    let admin = Admin::full_access("desk-1", "Front desk");
    let unit = unit(&c, &admin).await;
    let ada = c
        .move_in(
            &admin,
            MoveIn::new(&unit.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();

    let got = sink.wait_for(1, Duration::from_secs(10));
    // Nothing more arrives (a dispatch pass finds nothing left to send).
    assert_eq!(
        c.dispatch_outbox().await.unwrap(),
        DispatchReport::default()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(sink.messages().len(), 1, "exactly one message");
    let email = &got[0];
    assert!(
        email
            .header("content-type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{:?}",
        email.headers
    );
    assert_eq!(email.header("to"), Some("ada@example.org"));
    assert_eq!(
        email.header("subject"),
        Some("Welcome to Harbour View: activate your account")
    );
    assert_eq!(
        email.message_id(),
        format!("<activation-email:{}:1@concierge>", ada.id)
    );
    let text = email.text.as_deref().unwrap();
    let html = email.html.as_deref().unwrap();
    assert!(text.starts_with("Hello Ada,"), "{text}");
    assert!(html.contains("<p>Hello Ada,</p>"), "{html}");
    let token = email.token().unwrap();
    assert!(html.contains(&token), "the HTML part has the same link");

    let live = c
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password(PASSWORD),
        )
        .await
        .unwrap();
    assert_eq!(live.status(c.now()), AccountStatus::Live);
    assert!(live.account.verify_password(PASSWORD));
    c.close().await;
}

// R-SDK-3, R-STATUS-2
#[tokio::test]
async fn emails_queued_while_the_mail_server_is_down_arrive_once_each_when_it_is_back() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let c = open(dir.path(), port).await;
    let admin = Admin::full_access("desk-1", "Front desk");
    let unit = unit(&c, &admin).await;
    let mut residents = Vec::new();
    for name in ["Ada", "Grace", "Edsger"] {
        let r = c
            .move_in(
                &admin,
                MoveIn::new(&unit.id, name, "Tester")
                    .email(format!("{}@example.org", name.to_lowercase()))
                    .send_mobile_activation(true),
            )
            .await
            .unwrap();
        residents.push(r);
    }
    // The server is down: each email is queued, its first attempt failed, retrying.
    let waiting = c
        .list_outbox(&admin, OutboxStatus::Pending, PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(waiting.len(), 3);
    for entry in &waiting {
        assert_eq!(entry.attempts, 1);
        let error = entry.last_error.as_deref().unwrap();
        assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    }

    // The server comes back on its port; once the retries are due, one dispatch delivers.
    let sink = Sink::start(&python, &dir.path().join("mail"), Some(port));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = c.dispatch_outbox().await.unwrap();
    assert_eq!(report.delivered, 3, "{report:?}");
    let got = sink.wait_for(3, Duration::from_secs(10));
    assert_eq!(
        c.dispatch_outbox().await.unwrap(),
        DispatchReport::default()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        sink.messages().len(),
        3,
        "exactly one message per invitation"
    );
    for r in &residents {
        let id = format!("<activation-email:{}:1@concierge>", r.id);
        let mine: Vec<_> = got.iter().filter(|m| m.message_id() == id).collect();
        assert_eq!(mine.len(), 1, "{id}");
        let token = mine[0].token().unwrap();
        c.activate(Activation::new(token).accept_terms(true).password(PASSWORD))
            .await
            .unwrap();
    }
    c.close().await;
}

// R-SDK-1
#[tokio::test]
async fn the_smtp_mailer_passes_the_provider_conformance_kit_against_the_sink() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(&python, &dir.path().join("mail"), None);
    let c = open(dir.path(), sink.port).await;
    let admin = Admin::full_access("desk-1", "Front desk");
    let report = c
        .check_mailer_adapter(&admin, "kit@example.org", &[])
        .await
        .unwrap();
    assert!(report.ok(), "{}", report.summary());
    assert_eq!(report.passed, report.checks.len(), "{}", report.summary());
    // SMTP has no idempotency of its own: the key sent twice is two deliveries of one
    // Message-ID, which the receiving server folds.
    let received = sink.wait_for(2, Duration::from_secs(10));
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].message_id(), received[1].message_id());
}
