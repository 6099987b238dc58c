//! Writes a resident's smart key on the sandbox NCoder: preview to confirm, write, and a second
//! live key for the same holder and unit refused.

use concierge::{Admin, Concierge, ErrorCode, KeyHolder, MakeKey, MoveIn, NewBuilding};
use concierge::{NewProperty, NewUnit, SandboxSettings, Settings};

#[tokio::main]
async fn main() -> concierge::Result<()> {
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
        .register_unit(&desk, NewUnit::new(&tower.id, "1204"))
        .await?;
    let ada = c
        .move_in(&desk, MoveIn::new(&unit.id, "Ada", "Lovelace"))
        .await?;

    let encoder = c.list_encoders(&desk).await?.remove(0);
    let request = MakeKey::resident(&ada.id, encoder.external.id.clone());
    let preview = c.preview_key(&desk, &request).await?;
    println!(
        "write a key for {} on {}?",
        preview.holder_name, preview.encoder.name
    );
    let key = c.make_key(&desk, request.clone()).await?;
    assert_eq!(key.holder, KeyHolder::Resident(ada.id.clone()));

    let again = c.make_key(&desk, request).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);
    println!("key {} written; a second one refused: {again}", key.id);
    c.close().await;
    Ok(())
}
