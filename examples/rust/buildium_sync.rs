//! Syncs the residents of one property from Buildium (here its simulator, which speaks
//! Buildium's wire format) through the real Buildium adapter, and lists them page by page.

use concierge::buildium::BuildiumConfig;
use concierge::{Admin, Concierge, NewProperty, PageRequest, ResidentFilter, Settings};
use concierge_buildium_sim::{BuildiumSimulator, SimConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = BuildiumSimulator::start(SimConfig {
        properties: 2,
        units_per_property: 6,
        rate_limit_per_sec: None,
        ..SimConfig::default()
    })
    .await?;
    let mut buildium = BuildiumConfig::new(sim.client_id(), sim.client_secret().to_owned().into());
    buildium.base_url = sim.base_url();
    let settings = Settings {
        buildium: Some(buildium),
        // No mailer in this example: invitations stay queued in the outbox.
        hold_email: Some(true),
        ..Settings::default()
    };
    let c = Concierge::open(settings).await?;
    let desk = Admin::full_access("desk-1", "Front desk");

    let pms = c.list_pms_properties(&desk).await?;
    let first = pms.first().ok_or("the simulator lists no property")?;
    let property = c
        .register_property(&desk, NewProperty::new(&first.name, "first-property"))
        .await?;
    c.link_pms_property(&desk, &property.id, &first.external.id)
        .await?;
    let report = c.sync_now(&desk, &property.id).await?;
    println!("{}: {:?}", first.name, report.run.counts);

    let page = c
        .list_residents(
            &desk,
            ResidentFilter::property(&property.id),
            PageRequest::first().limit(5),
        )
        .await?;
    for r in &page.items {
        println!("{} {} ({})", r.first_name, r.last_name, r.occupancy.unit_id);
    }
    assert!(report.run.counts.created > 0);
    c.close().await;
    Ok(())
}
