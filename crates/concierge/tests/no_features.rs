//! The core workflows with no optional feature at all (`--no-default-features`): the in-memory
//! store, a mailer of the embedding application's own, a manual move-in, its invitation and the
//! account going live. Nothing here needs the sandbox, a database, SMTP or an adapter.

use async_trait::async_trait;
use concierge::*;
use std::sync::{Arc, Mutex};

/// The host's own mailer: keeps what it is asked to send.
#[derive(Debug, Default)]
struct Outbox(Mutex<Vec<EmailMessage>>);

#[async_trait]
impl Mailer for Outbox {
    fn name(&self) -> &str {
        "host-mailer"
    }

    async fn send(&self, message: EmailMessage) -> ProviderResult<SendEmailResponse> {
        self.0.lock().unwrap().push(message);
        Ok(SendEmailResponse {
            message_id: format!("host-{}", self.0.lock().unwrap().len()),
        })
    }
}

// R-STATUS-2, R-STATUS-3
#[tokio::test]
async fn a_resident_moves_in_and_goes_live_with_nothing_but_the_core() {
    let mailer = Arc::new(Outbox::default());
    let c = Concierge::builder()
        .mailer_arc(mailer.clone())
        .build()
        .unwrap();
    let desk = Admin::full_access("desk-1", "Front desk");
    let property = c
        .register_property(&desk, NewProperty::new("Harbour View", "harbour-view"))
        .await
        .unwrap();
    let tower = c
        .register_building(&desk, NewBuilding::new(&property.id, "Tower A"))
        .await
        .unwrap();
    let unit = c
        .register_unit(&desk, NewUnit::new(&tower.id, "1204"))
        .await
        .unwrap();
    let ada = c
        .move_in(
            &desk,
            MoveIn::new(&unit.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    assert_eq!(
        c.account_status(&desk, &ada.id).await.unwrap(),
        AccountStatus::PendingActivation
    );
    let body = mailer.0.lock().unwrap()[0].body.clone();
    let token = body
        .split("token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the activation link in the email")
        .to_owned();
    c.activate(
        Activation::new(token)
            .accept_terms(true)
            .password("correct horse battery staple"),
    )
    .await
    .unwrap();
    assert_eq!(
        c.account_status(&desk, &ada.id).await.unwrap(),
        AccountStatus::Live
    );
}
