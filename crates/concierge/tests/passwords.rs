//! Activation sets a password when Concierge keeps them (managed, the default) and takes none
//! when the host's identity provider does (external); the welcome email is rendered from the
//! property's templates (R-STATUS-3, R-STATUS-5).

#![cfg(feature = "sandbox")]

mod common;

use common::{world, world_with};
use concierge::sandbox::Sandbox;
use concierge::*;

const GOOD: &str = "correct horse battery staple";

fn field_and_message(err: &Error) -> (String, String) {
    let Error::Validation(v) = err else {
        panic!("not a validation error: {err:?}")
    };
    (v.issues[0].field.clone(), v.issues[0].message.clone())
}

// R-STATUS-3
#[tokio::test]
async fn a_password_is_required_checked_and_kept_only_as_its_hash() {
    let w = world().await;
    let ada = w.move_in_ada(true).await;
    let token = w.token_for("ada@example.org");
    let activate = |password: Option<&str>| {
        let mut a = Activation::new(&token).accept_terms(true);
        if let Some(p) = password {
            a = a.password(p);
        }
        w.concierge.activate(a)
    };
    let cases: [(Option<&str>, &str); 5] = [
        (None, "is required"),
        (Some("canary-9"), "at least 10 characters"),
        (Some(&"canary-".repeat(40)), "at most 256 characters"),
        (Some("            "), "only whitespace"),
        (Some("ADA@example.org"), "email address"),
    ];
    for (password, rule) in cases {
        let err = activate(password).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        let (field, message) = field_and_message(&err);
        assert_eq!(field, "password");
        assert!(message.contains(rule), "{message}");
        let shown = format!("{err} {err:?} {:?}", err.fields());
        assert!(!shown.contains("canary"), "{shown}");
        // Refused, nothing changed: still pending.
        assert_eq!(
            w.concierge.account_status(&w.admin, &ada.id).await.unwrap(),
            AccountStatus::PendingActivation
        );
    }
    let live = activate(Some(GOOD)).await.unwrap();
    assert_eq!(live.status(w.concierge.now()), AccountStatus::Live);
    let stored = w.concierge.get_resident(&w.admin, &ada.id).await.unwrap();
    assert!(stored.account.verify_password(GOOD));
    assert!(
        !stored
            .account
            .verify_password("correct horse battery stapler")
    );
    assert!(!format!("{stored:?}").contains(GOOD));
}

// R-STATUS-3
#[tokio::test]
async fn with_external_passwords_activation_takes_none_and_returns_the_verified_resident() {
    let sandbox = Sandbox::new(7);
    let config = Config {
        password_mode: PasswordMode::External,
        ..Config::default()
    };
    let c = Concierge::builder()
        .sandbox(&sandbox)
        .config(config)
        .build()
        .unwrap();
    let admin = Admin::full_access("desk-1", "Front desk");
    let p = c
        .register_property(&admin, NewProperty::new("Harbour View", "harbour-view"))
        .await
        .unwrap();
    let b = c
        .register_building(&admin, NewBuilding::new(&p.id, "A"))
        .await
        .unwrap();
    let u = c
        .register_unit(&admin, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();
    let ada = c
        .move_in(
            &admin,
            MoveIn::new(&u.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    let token = sandbox
        .mailer()
        .last_activation_token("ada@example.org")
        .unwrap();
    let err = c
        .activate(Activation::new(&token).accept_terms(true).password(GOOD))
        .await
        .unwrap_err();
    assert_eq!(field_and_message(&err).0, "password");
    let live = c
        .activate(Activation::new(&token).accept_terms(true))
        .await
        .unwrap();
    assert_eq!(live.id, ada.id);
    assert_eq!(live.status(c.now()), AccountStatus::Live);
    assert!(!live.account.has_password());
}

// R-STATUS-2
#[tokio::test]
async fn the_welcome_email_is_rendered_from_the_property_templates_with_html_escaped() {
    let mut settings = PropertySettings::default();
    settings.invitation_email.subject = "{{ property_name }} welcomes {{ display_name }}".into();
    settings.invitation_email.body =
        "Hi {{ first_name }} {{ last_name }}: {{ activation_link }} (until {{ expires_at }})"
            .into();
    settings.invitation_email.html_body =
        Some("<p>{{ property_name }}</p><a href=\"{{ activation_link }}\">go</a>".into());
    let w = world_with(settings).await;
    w.move_in_ada(true).await;
    let [email] = w.sandbox.mailer().sent().try_into().unwrap();
    assert_eq!(email.subject, "Harbour View welcomes Ada Lovelace");
    let token = email.activation_token().unwrap();
    assert!(
        email.body.starts_with("Hi Ada Lovelace: https://"),
        "{}",
        email.body
    );
    assert!(email.body.contains(" UTC)"), "{}", email.body);
    let html = email.html_body.unwrap();
    assert!(html.starts_with("<p>Harbour View</p><a href=\""), "{html}");
    assert!(html.contains(&token), "{html}");

    // A template that does not compile is refused when saved, by field.
    let mut bad = w.property.settings.clone();
    bad.invitation_email.html_body = Some("{% if %}".into());
    let err = w
        .concierge
        .update_property_settings(&w.admin, &w.property.id, bad)
        .await
        .unwrap_err();
    assert_eq!(
        field_and_message(&err).0,
        "settings.invitation_email.html_body"
    );
}

// R-STATUS-2: HTML is escaped, text is not.
#[tokio::test]
async fn values_are_escaped_in_the_html_body_only() {
    let sandbox = Sandbox::new(7);
    let c = Concierge::builder().sandbox(&sandbox).build().unwrap();
    let admin = Admin::full_access("desk-1", "Front desk");
    let p = c
        .register_property(&admin, NewProperty::new("Smith & Sons <Tower>", "smith"))
        .await
        .unwrap();
    let b = c
        .register_building(&admin, NewBuilding::new(&p.id, "A"))
        .await
        .unwrap();
    let u = c
        .register_unit(&admin, NewUnit::new(&b.id, "1"))
        .await
        .unwrap();
    c.move_in(
        &admin,
        MoveIn::new(&u.id, "Ada", "Lovelace")
            .email("ada@example.org")
            .send_mobile_activation(true),
    )
    .await
    .unwrap();
    let [email] = sandbox.mailer().sent().try_into().unwrap();
    assert!(
        email.subject.contains("Smith & Sons <Tower>"),
        "{}",
        email.subject
    );
    assert!(
        email.body.contains("Smith & Sons <Tower>"),
        "{}",
        email.body
    );
    let html = email.html_body.unwrap();
    assert!(html.contains("Smith &amp; Sons &lt;Tower&gt;"), "{html}");
    assert!(!html.contains("<Tower>"), "{html}");
}
