use concierge::{AccountStatus, Activation, Admin, Concierge, MoveIn, NewBuilding, NewProperty};
use concierge::{NewUnit, SandboxSettings, Settings};

#[tokio::main]
async fn main() -> concierge::Result<()> {
    // The sandbox: fakes of every provider and a clock you move. `store: Some("concierge.db")`
    // keeps the state in a SQLite file; a `postgres://` URL in PostgreSQL.
    let settings = Settings {
        sandbox: Some(SandboxSettings::default()),
        ..Settings::default()
    };
    let c = Concierge::open(settings).await?;
    let desk = Admin::full_access("desk-1", "Front desk");
    let property = c
        .register_property(&desk, NewProperty::new("Harbour View", "harbour-view"))
        .await?;
    let tower = c
        .register_building(&desk, NewBuilding::new(&property.id, "Tower A"))
        .await?;
    let unit = c
        .register_unit(&desk, NewUnit::new(&tower.id, "1204").floor("12"))
        .await?;
    let ada = c
        .move_in(
            &desk,
            MoveIn::new(&unit.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await?;
    let token = c
        .sandbox()
        .unwrap()
        .mailer()
        .last_activation_token("ada@example.org")
        .unwrap();
    c.activate(
        Activation::new(token)
            .accept_terms(true)
            .password("correct horse battery staple"),
    )
    .await?;
    assert_eq!(c.account_status(&desk, &ada.id).await?, AccountStatus::Live);
    c.close().await;
    Ok(())
}
