//! `concierge demo`: every flow that exists, on the sandbox, with readable output.

use chrono::Duration;
use concierge::sandbox::Sandbox;
use concierge::store::SqliteStore;
use concierge::*;
use std::io::Write;
use std::path::Path;

/// The demo's database when `--db` is not given; it is replaced on every run.
pub const DEFAULT_DB: &str = "concierge-demo.db";

/// Runs the demo on a SQLite file at `db`, writing to `out`. The default file is replaced; any
/// other must not exist yet, so the demo never writes into a real database.
pub async fn run(seed: u64, db: &Path, replace: bool, out: &mut impl Write) -> Result<()> {
    if db.exists() {
        if !replace {
            return Err(Error::conflict(
                ConflictKind::AlreadyExists,
                format!(
                    "{} exists; the demo starts from an empty database (remove it or choose another --db)",
                    db.display()
                ),
            ));
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut file = db.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
    let portfolio = concierge::sandbox::PortfolioSpec {
        properties: 3,
        units_per_property: 40,
        ..Default::default()
    };
    let sandbox = Sandbox::with_portfolio(seed, portfolio);
    // One store, shared by this handle and the one that syncs from Buildium below.
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(SqliteStore::open(db).await?);
    let concierge = Concierge::builder()
        .sandbox(&sandbox)
        .store_arc(store.clone())
        .build()?;
    let desk = Admin::full_access("front-desk-1", "Front desk");
    let auditor = Admin::new("auditor-1", "Auditor").with_residence(AccessLevel::Read);
    let mut say = |line: String| {
        let _ = writeln!(out, "{line}");
    };

    say(format!(
        "Concierge demo: sandbox providers (seed {seed}), SQLite file {}, clock at {}",
        db.display(),
        concierge.now().format("%Y-%m-%d %H:%M UTC")
    ));

    say(heading("1. Set up a property"));
    let settings = PropertySettings {
        amenities: vec![Amenity::new("Pool"), Amenity::new("Gym")],
        ..Default::default()
    };
    let property = concierge
        .register_property(
            &desk,
            NewProperty::new("Harbour View", "harbour-view").settings(settings),
        )
        .await?;
    let tower = concierge
        .register_building(&desk, NewBuilding::new(&property.id, "Tower A"))
        .await?;
    let u1204 = concierge
        .register_unit(&desk, NewUnit::new(&tower.id, "1204").floor("12"))
        .await?;
    let u0801 = concierge
        .register_unit(&desk, NewUnit::new(&tower.id, "801").floor("8"))
        .await?;
    say(format!(
        "  {} (site {}): sync every {} h, amenities {}",
        property.name,
        property.site_name,
        property.settings.sync_interval.num_hours(),
        property
            .settings
            .amenities
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    say(format!(
        "  {}: unit 1204 on floor 12, unit 801 on floor 8",
        tower.name
    ));

    say(heading("2. Move residents in"));
    let pool = property.settings.amenities[0].id.clone();
    let ada = concierge
        .move_in(
            &desk,
            MoveIn::new(&u1204.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true)
                .amenity(&pool),
        )
        .await?;
    say(format!(
        "  Ada Lovelace -> 1204, mobile activation email sent, amenity Pool ({})",
        ada.status(concierge.now())
    ));
    let tom = concierge
        .move_in(
            &desk,
            MoveIn::new(&u1204.id, "Tom", "Lovelace").role(OccupancyRole::Occupant),
        )
        .await?;
    say(format!(
        "  Tom Lovelace (a minor) -> 1204, no email ({})",
        tom.status(concierge.now())
    ));
    let grace = concierge
        .move_in(
            &desk,
            MoveIn::new(&u0801.id, "Grace", "Hopper").email("grace@example.org"),
        )
        .await?;
    say(format!(
        "  Grace Hopper -> 801, no email yet ({})",
        grace.status(concierge.now())
    ));

    say(heading("3. Invite and activate"));
    concierge.invite(&desk, &grace.id).await?;
    say("  Grace invited: welcome email sent, link valid 7 days".to_owned());
    let token = sandbox
        .mailer()
        .last_activation_token("ada@example.org")
        .unwrap_or_default();
    concierge
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await?;
    say("  Ada followed her link and accepted the terms: live".to_owned());
    match concierge
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password("correct horse battery staple"),
        )
        .await
    {
        Err(e) => say(format!(
            "  The same link again is refused [{}]: {e}",
            e.code()
        )),
        Ok(_) => say("  !! a used link was accepted".to_owned()),
    }

    say(heading("4. A mail outage does not lose the email"));
    sandbox
        .faults()
        .fail_next("send", ProviderErrorKind::Unavailable);
    let alan = concierge
        .move_in(
            &desk,
            MoveIn::new(&u0801.id, "Alan", "Turing")
                .email("alan@example.org")
                .send_mobile_activation(true),
        )
        .await?;
    let queued = concierge
        .list_outbox(&desk, OutboxStatus::Pending, PageRequest::first())
        .await?
        .items;
    say(format!(
        "  Alan Turing moved in ({}); the mailer failed, email queued: {}",
        alan.status(concierge.now()),
        queued
            .first()
            .and_then(|e| e.last_error.clone())
            .unwrap_or_default()
    ));
    sandbox.clock().advance(Duration::minutes(5));
    let report = concierge.dispatch_outbox().await?;
    say(format!(
        "  5 minutes later the dispatcher delivered {} email(s)",
        report.delivered
    ));

    say(heading("5. Eight days pass"));
    sandbox.clock().advance(Duration::days(8));
    say(format!(
        "  Clock now {}",
        concierge.now().format("%Y-%m-%d %H:%M UTC")
    ));
    for r in sorted(
        concierge
            .list_residents(
                &desk,
                ResidentFilter::property(&property.id),
                PageRequest::first(),
            )
            .await?
            .items,
    ) {
        say(format!(
            "  {:<14} {}",
            r.full_name(),
            r.status(concierge.now())
        ));
    }
    concierge.invite(&desk, &grace.id).await?;
    say("  Grace's link expired; invitation sent again: pending for another 7 days".to_owned());

    say(heading("6. What gets refused"));
    match concierge
        .move_in(&auditor, MoveIn::new(&u0801.id, "Eve", "Example"))
        .await
    {
        Err(e) => say(format!("  Auditor moving someone in [{}]: {e}", e.code())),
        Ok(_) => say("  !! an auditor moved someone in".to_owned()),
    }
    match concierge.invite(&desk, &ada.id).await {
        Err(e) => say(format!("  Inviting a live resident [{}]: {e}", e.code())),
        Ok(_) => say("  !! a live resident was invited".to_owned()),
    }
    match concierge
        .move_in(
            &desk,
            MoveIn::new(&u0801.id, "", "Nobody").email("not-an-email"),
        )
        .await
    {
        Err(e) => say(format!("  A move-in with bad input [{}]: {e}", e.code())),
        Ok(_) => say("  !! bad input was accepted".to_owned()),
    }

    say(heading(
        "7. Move residents in from the PMS (Buildium, simulated)",
    ));
    let (buildium, sim) = start_buildium(seed, concierge.now().date_naive()).await?;
    let webhook_secret = secrecy::SecretString::from("demo-webhook-subscription-secret");
    let synced_handle = Concierge::builder()
        .sandbox(&sandbox)
        .store_arc(store.clone())
        .pms(buildium)
        .buildium_webhook(concierge::buildium::webhook::WebhookConfig::new(
            webhook_secret.clone(),
        ))
        .build()?;
    let pms_property = synced_handle.list_pms_properties(&desk).await?.remove(0);
    let synced_settings = PropertySettings {
        future_resident_sync: true,
        auto_grant_mobile_access: true,
        ..Default::default()
    };
    let synced = synced_handle
        .register_property(
            &desk,
            NewProperty::new(format!("{} (Buildium)", pms_property.name), "pms-site")
                .settings(synced_settings),
        )
        .await?;
    synced_handle
        .link_pms_property(&desk, &synced.id, &pms_property.external.id)
        .await?;
    let report = synced_handle.sync_now(&desk, &synced.id).await?;
    let n = report.run.counts;
    say(format!(
        "  {} linked to Buildium rental {} at {}; sync: {} read in {} page(s), {} created, {} errors",
        synced.name,
        pms_property.external.id,
        sim.base_url(),
        n.seen,
        n.pages,
        n.created,
        n.failed
    ));
    for e in synced_handle
        .sync_errors(&desk, &synced.id, PageRequest::first())
        .await?
        .items
    {
        let who = e.external.as_ref().map(|x| x.id.as_str()).unwrap_or("?");
        say(format!(
            "    sync error {:<18} {who}: {}",
            e.kind.as_str(),
            e.message
        ));
    }
    let mut future_filter = ResidentFilter::property(&synced.id);
    future_filter.phase = Some(OccupancyPhase::Future);
    let future = synced_handle
        .list_residents(&desk, future_filter, PageRequest::first())
        .await?
        .items;
    say(format!(
        "  {} future residents listed ahead of their move-in date",
        future.len()
    ));
    // The PMS records a move-out for a current tenant.
    let today = synced_handle.now().date_naive();
    let mut current_filter = ResidentFilter::property(&synced.id);
    current_filter.phase = Some(OccupancyPhase::Current);
    let leaving = synced_handle
        .list_residents(&desk, current_filter, PageRequest::first())
        .await?
        .items
        .into_iter()
        .find_map(|r| r.external.and_then(|e| e.id.parse::<i32>().ok()));
    if let Some(tenant) = leaving {
        sim.move_out(tenant, today)
            .map_err(|e| Error::invalid("simulator", e.to_string()))?;
    }
    let report = synced_handle.sync_now(&desk, &synced.id).await?;
    say(format!(
        "  Buildium recorded a move-out; the next sync moved {} resident out, {} unchanged, nothing written for them",
        report.run.counts.moved_out, report.run.counts.unchanged
    ));
    // Buildium tells us a tenant changed: a signed webhook, answered at once; the property is
    // read again through the API. A forged one is refused.
    let tenant = synced_handle
        .list_residents(
            &desk,
            ResidentFilter::property(&synced.id),
            PageRequest::first(),
        )
        .await?
        .items
        .into_iter()
        .find_map(|r| r.external.map(|e| e.id))
        .unwrap_or_default();
    let body =
        format!(r#"{{"EventName":"LeaseTenant.Updated","AccountId":1,"TenantId":{tenant}}}"#);
    let timestamp = synced_handle.now().timestamp().to_string();
    match synced_handle
        .receive_buildium_webhook(Some(&timestamp), Some("Zm9yZ2Vk"), body.as_bytes())
        .await
    {
        Err(e) => say(format!(
            "  A webhook with a forged signature [{}]: {e}",
            e.code()
        )),
        Ok(_) => say("  !! a forged webhook was accepted".to_owned()),
    }
    let before = synced_handle
        .last_sync(&desk, &synced.id)
        .await?
        .map(|r| r.id);
    let signature =
        concierge::buildium::webhook::sign(&webhook_secret, &timestamp, body.as_bytes());
    let receipt = synced_handle
        .receive_buildium_webhook(Some(&timestamp), Some(&signature), body.as_bytes())
        .await?;
    synced_handle.process_webhook_events().await?;
    let after = synced_handle
        .last_sync(&desk, &synced.id)
        .await?
        .map(|r| r.id);
    say(format!(
        "  A signed webhook ({}): answered at once, {} synced again: {}",
        receipt.event,
        synced.name,
        if after != before { "yes" } else { "!! no" }
    ));
    let manual_still_there = concierge
        .list_residents(
            &desk,
            ResidentFilter::property(&property.id),
            PageRequest::first(),
        )
        .await?
        .items
        .len();
    say(format!(
        "  Manual residents of {} untouched by any sync: {manual_still_there}",
        property.name
    ));
    sim.stop().await;

    say(heading("8. Smart keys on the NCoder"));
    sandbox
        .encoder()
        .set_write_time(std::time::Duration::from_millis(300));
    let encoders = concierge.list_encoders(&desk).await?;
    say(format!(
        "  Encoders: {}",
        encoders
            .iter()
            .map(|e| format!(
                "{} ({})",
                e.name,
                if e.online && e.initialized {
                    "ready"
                } else {
                    "not ready"
                }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let lobby = encoders
        .iter()
        .find(|e| e.initialized)
        .map(|e| e.external.id.clone())
        .unwrap_or_default();
    let preview = concierge
        .preview_key(&desk, &MakeKey::resident(&ada.id, &lobby))
        .await?;
    say(format!(
        "  Confirm: a key for {}, unit {} (floor {}), written on {}",
        preview.holder_name,
        preview.unit.number,
        preview.unit.floor.as_deref().unwrap_or("-"),
        preview.encoder.name
    ));
    let first = concierge
        .make_key(&desk, MakeKey::resident(&ada.id, &lobby))
        .await?;
    say(format!(
        "  Card placed, key written: {} ({:?})",
        first.id, first.state
    ));
    match concierge
        .make_key(&desk, MakeKey::resident(&ada.id, &lobby))
        .await
    {
        Err(e) => say(format!(
            "  A second key for Ada in 1204 [{}]: {e}",
            e.code()
        )),
        Ok(_) => say("  !! a duplicate key was written".to_owned()),
    }
    let second = concierge
        .make_key(&desk, MakeKey::resident(&ada.id, &lobby).replacing())
        .await?;
    say(format!(
        "  Ada lost her card: {} replaces {}, the old key is cancelled in the lock system",
        second.id, first.id
    ));
    let ada_in_801 = concierge
        .move_in(
            &desk,
            MoveIn::new(&u0801.id, "Ada", "Lovelace").email("ada@example.org"),
        )
        .await?;
    concierge
        .make_key(&desk, MakeKey::resident(&ada_in_801.id, &lobby))
        .await?;
    let mut ada_keys = concierge
        .list_keys(
            &desk,
            KeyFilter::default().holder(&KeyHolder::Resident(ada.id.clone())),
            PageRequest::first(),
        )
        .await?
        .items;
    ada_keys.extend(
        concierge
            .list_keys(
                &desk,
                KeyFilter::default().holder(&KeyHolder::Resident(ada_in_801.id.clone())),
                PageRequest::first(),
            )
            .await?
            .items,
    );
    let live: Vec<_> = ada_keys.iter().filter(|k| k.state.is_live()).collect();
    let units: std::collections::HashSet<_> = live.iter().map(|k| &k.unit_id).collect();
    say(format!(
        "  Ada also rents 801: one key per unit, {} live keys for {} units in her name",
        live.len(),
        units.len()
    ));
    let spare = concierge
        .add_spare_holder(&desk, &u0801.id, "Spare: cleaner")
        .await?;
    let spare_key = concierge
        .make_key(&desk, MakeKey::spare(&spare.id, &lobby))
        .await?;
    say(format!(
        "  Spare key for 801 held by \"{}\" (no fake resident): {}",
        spare.label, spare_key.id
    ));

    say(heading(
        "9. Strata import: owners and tenants from StrataMax and PropertyIQ",
    ));
    for line in crate::demo_strata::run(seed, &sandbox, store.clone()).await? {
        say(line);
    }

    say(heading(
        "10. Visitors through the ButterflyMX intercom, in the building's own time",
    ));
    for line in crate::demo_visitors::run(seed, &sandbox, store.clone()).await? {
        say(line);
    }

    say(heading("Residents"));
    say(format!(
        "  {:<14} {:<6} {:<9} {:<20} {}",
        "name", "unit", "role", "status", "emails"
    ));
    let units = concierge.list_units(&desk, &property.id).await?;
    for r in sorted(
        concierge
            .list_residents(
                &desk,
                ResidentFilter::property(&property.id),
                PageRequest::first(),
            )
            .await?
            .items,
    ) {
        let unit = units
            .iter()
            .find(|u| u.id == r.occupancy.unit_id)
            .map(|u| u.number.as_str())
            .unwrap_or("?");
        say(format!(
            "  {:<14} {:<6} {:<9} {:<20} {}",
            r.full_name(),
            unit,
            r.occupancy.role.as_str(),
            r.status(concierge.now()).as_str(),
            r.account.invitations_sent()
        ));
    }
    say(format!(
        "\n{} emails sent in all.",
        sandbox.mailer().sent().len()
    ));

    say(heading("11. Restart: everything acknowledged is on disk"));
    let before = statuses(&concierge, &desk, &property.id).await?;
    concierge.close().await;
    let reopened = Concierge::builder()
        .sandbox(&sandbox)
        .store(SqliteStore::open(db).await?)
        .build()?;
    let after = statuses(&reopened, &desk, &property.id).await?;
    say(format!(
        "  Closed and reopened {}: {} residents, statuses {}",
        db.display(),
        after.len(),
        if after == before {
            "unchanged"
        } else {
            "!! CHANGED"
        }
    ));
    let done = reopened
        .list_outbox(
            &desk,
            OutboxStatus::Done,
            PageRequest::first().limit(MAX_PAGE_SIZE),
        )
        .await?
        .items;
    let delivered = done
        .iter()
        .filter(|e| matches!(e.message, OutboxMessage::ActivationEmail { .. }))
        .count();
    let cancellations = done.len() - delivered;
    let pending = reopened
        .list_outbox(&desk, OutboxStatus::Pending, PageRequest::first())
        .await?
        .items
        .len();
    say(format!(
        "  Outbox on disk: {delivered} emails delivered, {cancellations} key cancellation(s) done, {pending} pending"
    ));
    reopened.close().await;
    say(format!(
        "\nDone. Look around: concierge --db {} residents",
        db.display()
    ));
    Ok(())
}

/// A Buildium simulator on this machine (a generated portfolio, a few records with the kind of
/// mistakes staff meet) and the real Buildium adapter pointed at it.
async fn start_buildium(
    seed: u64,
    today: chrono::NaiveDate,
) -> Result<(
    std::sync::Arc<concierge::buildium::BuildiumPms>,
    concierge_buildium_sim::SimHandle,
)> {
    use concierge_buildium_sim::{BuildiumSimulator, SimConfig};
    let sim = BuildiumSimulator::start(SimConfig {
        seed,
        properties: 3,
        units_per_property: 40,
        bad_record_share: 0.05,
        today,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| {
        Error::invalid(
            "simulator",
            format!("cannot start the Buildium simulator: {e}"),
        )
    })?;
    let mut config = concierge::buildium::BuildiumConfig::new(
        sim.client_id(),
        secrecy::SecretString::from(sim.client_secret().to_owned()),
    );
    config.base_url = sim.base_url().to_owned();
    let pms = concierge::buildium::BuildiumPms::new(config)?;
    Ok((std::sync::Arc::new(pms), sim))
}

/// Each resident's name and status now, in a stable order.
async fn statuses(
    c: &Concierge,
    admin: &Admin,
    property: &PropertyId,
) -> Result<Vec<(String, AccountStatus)>> {
    let residents = c
        .list_residents(
            admin,
            ResidentFilter::property(property),
            PageRequest::first(),
        )
        .await?
        .items;
    Ok(sorted(residents)
        .into_iter()
        .map(|r| (r.full_name(), r.status(c.now())))
        .collect())
}

/// Residents in the order they moved in, for output that reads the same on every run.
fn sorted(mut residents: Vec<Resident>) -> Vec<Resident> {
    residents.sort_by(|a, b| {
        (a.created_at, &a.last_name, &a.first_name).cmp(&(
            b.created_at,
            &b.last_name,
            &b.first_name,
        ))
    });
    residents
}

fn heading(title: &str) -> String {
    format!("\n{title}")
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_demo_runs_every_flow_and_nothing_unexpected_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        let mut out = Vec::new();
        super::run(7, &db, false, &mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("!!"), "{text}");
        assert!(
            text.contains("Ada Lovelace   1204   primary   live"),
            "{text}"
        );
        assert!(
            text.contains("Grace Hopper   801    primary   pending_activation   2"),
            "{text}"
        );
        assert!(
            text.contains("Alan Turing    801    primary   activation_expired"),
            "{text}"
        );
        assert!(text.contains("[PERMISSION_DENIED]"));
        assert!(text.contains("[INVALID_TRANSITION]"));
        assert!(text.contains("[VALIDATION]"));
        assert!(text.contains("[TOKEN_REJECTED]"));
        assert!(text.contains("statuses unchanged"), "{text}");
        assert!(
            text.contains("sync error "),
            "the simulator's bad records are reported: {text}"
        );
        assert!(text.contains("moved 1 resident out"), "{text}");
        assert!(
            text.contains("A webhook with a forged signature [WEBHOOK_REJECTED]"),
            "{text}"
        );
        assert!(text.contains("synced again: yes"), "{text}");
        assert!(
            text.contains("A second key for Ada in 1204 [CONFLICT]"),
            "{text}"
        );
        assert!(
            text.contains("2 live keys for 2 units in her name"),
            "{text}"
        );
        // A database that exists is never written into unless it is the default demo file.
        let again = super::run(7, &db, false, &mut Vec::new())
            .await
            .unwrap_err();
        assert_eq!(again.code(), concierge::ErrorCode::Conflict);
        super::run(7, &db, true, &mut Vec::new()).await.unwrap();
    }
}
