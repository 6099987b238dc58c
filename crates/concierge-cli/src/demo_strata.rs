//! The demo's strata part: a StrataMax building served by the StrataMax simulator, through the
//! real StrataMax adapter, taken from pending import to Go Live, automatic import, a newcomer on
//! the next night and a bulk invitation; then the same start on PropertyIQ. Returns the lines to
//! print.

use chrono::Duration;
use concierge::sandbox::Sandbox;
use concierge::*;
use concierge_strata_sim::{NewContact, SimHandle, StrataSimConfig, StrataSimulator, Vendor};
use std::sync::Arc;

/// Runs the strata flows on `store`, with the sandbox's clock and mailer. The handles made here
/// share the demo's store, so they are dropped, not closed (closing would close the store).
pub async fn run(seed: u64, sandbox: &Sandbox, store: Arc<dyn Store>) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut say = |line: String| lines.push(line);
    let desk = Admin::full_access("front-desk-1", "Front desk");
    let today = sandbox.clock().now_utc().date_naive();

    let sim = start(Vendor::StrataMax, seed, today).await?;
    let mut config =
        concierge::stratamax::StrataMaxConfig::new(secrecy::SecretString::from(sim.api_key()));
    config.base_url = sim.base_url();
    let stratamax = concierge::stratamax::StrataMax::new(config)?;
    let c = Concierge::builder()
        .sandbox(sandbox)
        .strata(Arc::new(stratamax))
        .store_arc(store.clone())
        .build()?;
    let property = c
        .register_property(&desk, NewProperty::new("Wattle Grove", "wattle-grove"))
        .await?;
    let available = c.strata_provider_buildings(&desk).await?;
    let building = &available[0];
    let roll = c
        .link_strata_building(
            &desk,
            LinkStrataBuilding {
                property_id: property.id.clone(),
                strata_building_id: building.external.id.clone(),
            },
        )
        .await?;
    say(format!(
        "  StrataMax (simulator at {}) shares {} buildings; linked {} ({}) to {}: {} users pending import",
        sim.base_url(),
        available.len(),
        roll.name,
        roll.plan_number,
        property.name,
        roll.pending
    ));

    let pending = c
        .list_strata_users(
            &desk,
            StrataUserFilter {
                roll_id: roll.id.clone(),
                state: MemberState::Pending,
            },
            PageRequest::first().limit(2),
        )
        .await?
        .items;
    let names: Vec<String> = pending
        .iter()
        .map(|m| m.user.display_name.clone())
        .collect();
    let sent_before = sandbox.mailer().sent().len();
    let report = c
        .import_strata_users(
            &desk,
            ImportStrataUsers {
                roll_id: roll.id.clone(),
                member_ids: pending.iter().map(|m| m.id.clone()).collect(),
            },
        )
        .await?;
    say(format!(
        "  Imported {}: {} pending activation, {} welcome emails sent",
        names.join(" and "),
        report.residents.len(),
        sandbox.mailer().sent().len() - sent_before
    ));

    let go_live = GoLive {
        roll_ids: vec![roll.id.clone()],
        user_types: StrataUserType::ALL.to_vec(),
    };
    let preview = c.preview_go_live(&desk, go_live.clone()).await?;
    say(format!(
        "  Go Live preview (owner-occupiers, tenants, owner-investors, committee): {} welcome emails; nothing changed yet",
        preview.welcome_emails
    ));
    let done = c
        .confirm_go_live(
            &desk,
            ConfirmGoLive {
                roll_ids: go_live.roll_ids,
                user_types: go_live.user_types,
                plan: preview.plan,
            },
        )
        .await?;
    let dispatched = c.dispatch_outbox().await?;
    let after = c.get_strata_building(&desk, &roll.id).await?;
    say(format!(
        "  Confirmed: {} imported, {} welcome emails delivered; pending {}, automatic import {}",
        done.welcome_emails,
        dispatched.delivered,
        after.pending,
        if after.auto_import { "ON" } else { "off" }
    ));

    let world_building = sim.world().buildings[0].id.clone();
    sim.add_contact(
        &world_building,
        NewContact::owner("Priya Newcomer", "priya.newcomer@example.net", vec![1]),
    )
    .map_err(|e| Error::invalid("simulator", e.to_string()))?;
    sandbox.clock().advance(Duration::days(1));
    let sent_before = sandbox.mailer().sent().len();
    let nightly = c.run_due_strata_syncs().await?;
    let added: u32 = nightly.iter().map(|r| r.run.added_not_invited).sum();
    say(format!(
        "  Next night's strata sync: {added} new owner added as not_invited, {} emails sent",
        sandbox.mailer().sent().len() - sent_before
    ));
    let invited = c
        .invite_all(
            &desk,
            InviteAll {
                status: AccountStatus::NotInvited,
                property_id: Some(property.id.clone()),
                source: Some(ResidentSource::Strata),
            },
        )
        .await?;
    let dispatched = c.dispatch_outbox().await?;
    say(format!(
        "  Bulk invitation of Not Invited residents: {} now pending activation, {} welcome email delivered",
        invited.invited, dispatched.delivered
    ));
    say(format!(
        "  StrataMax requests in all: {} (the minimum the data needs, at most 5 a second)",
        sim.stats().total()
    ));
    sim.stop().await;

    // The same on PropertyIQ, in brief.
    let sim = start(Vendor::PropertyIq, seed, today).await?;
    let config = concierge::propertyiq::PropertyIqConfig::new(
        sim.base_url(),
        sim.client_id(),
        secrecy::SecretString::from(sim.client_secret()),
    );
    let c = Concierge::builder()
        .sandbox(sandbox)
        .strata(Arc::new(concierge::propertyiq::PropertyIq::new(config)?))
        .store_arc(store)
        .build()?;
    let property = c
        .register_property(&desk, NewProperty::new("Chatswood Rise", "chatswood-rise"))
        .await?;
    let scheme = c.strata_provider_buildings(&desk).await?.remove(0);
    let roll = c
        .link_strata_building(
            &desk,
            LinkStrataBuilding {
                property_id: property.id,
                strata_building_id: scheme.external.id,
            },
        )
        .await?;
    let preview = c
        .preview_go_live(
            &desk,
            GoLive {
                roll_ids: vec![roll.id],
                user_types: vec![StrataUserType::OwnerOccupier, StrataUserType::Tenant],
            },
        )
        .await?;
    say(format!(
        "  PropertyIQ (OAuth2, simulator): linked {} with {} pending; Go Live of owner-occupiers and tenants would send {} welcome emails",
        roll.name, roll.pending, preview.welcome_emails
    ));
    sim.stop().await;
    Ok(lines)
}

async fn start(vendor: Vendor, seed: u64, today: chrono::NaiveDate) -> Result<SimHandle> {
    StrataSimulator::start(StrataSimConfig {
        seed,
        buildings: 2,
        lots_per_building: 6,
        scenarios: false,
        rate_limit_per_sec: None,
        today,
        ..StrataSimConfig::new(vendor)
    })
    .await
    .map_err(|e| {
        Error::invalid(
            "simulator",
            format!("cannot start the strata simulator: {e}"),
        )
    })
}
