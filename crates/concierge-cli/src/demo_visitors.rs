//! The demo's visitor part: a ButterflyMX building served by the ButterflyMX simulator, through
//! the real adapter: the one-time consent, linking (the property takes the building's zone),
//! provisioning the site twice (one unit, one tenant), the preflight, a pass for 14:00–16:00 in
//! the building's zone printed in local time and UTC, a pass whose reply is lost (still one),
//! revocation, and the tenants still on Phone Calls. Returns the lines to print.

use concierge::butterflymx::{ButterflyMx, ButterflyMxConfig};
use concierge::sandbox::Sandbox;
use concierge::*;
use concierge_butterflymx_sim::{ButterflyMxSim, FaultKind, SimConfig, routes};
use std::sync::Arc;

/// Runs the visitor flows on `store`, with the sandbox's clock and mailer. The handle made here
/// shares the demo's store, so it is dropped, not closed (closing would close the store).
pub async fn run(seed: u64, sandbox: &Sandbox, store: Arc<dyn Store>) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut say = |line: String| lines.push(line);
    let desk = Admin::full_access("front-desk-1", "Front desk");

    let sim = ButterflyMxSim::start(SimConfig {
        seed,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| {
        Error::invalid(
            "demo",
            format!("the ButterflyMX simulator did not start: {e}"),
        )
    })?;
    let mut config = ButterflyMxConfig::new(
        sim.client_id(),
        secrecy::SecretString::from(sim.client_secret().to_owned()),
    );
    config.api_base_url = sim.base_url();
    config.accounts_url = sim.base_url();
    let vault = StoreVault::unbound();
    let bmx = ButterflyMx::new(config, vault.clone())?;
    let c = Concierge::builder()
        .sandbox(sandbox)
        .intercom(Arc::new(bmx))
        .vault(vault)
        .store_arc(store.clone())
        .build()?;

    let consent = c.intercom_consent_url(&desk).await?.unwrap_or_default();
    say(format!(
        "  ButterflyMX (simulator at {}): the building admin consents once at\n    {}",
        sim.base_url(),
        consent
    ));
    c.connect_intercom(&desk, secrecy::SecretString::from(sim.issue_consent_code()))
        .await?;
    say(
        "  Connected with the code it showed; the rotating tokens are kept sealed in the database"
            .into(),
    );

    let mut settings = PropertySettings::default();
    settings.visitors.placeholder_mailbox = Some("butterflymx@harbourquays.example".into());
    let property = c
        .register_property(
            &desk,
            NewProperty::new("Harbour Quays", "harbour-quays").settings(settings),
        )
        .await?;
    let buildings = c.intercom_buildings(&desk).await?;
    let building = &buildings[0];
    let property = c
        .link_intercom_building(
            &desk,
            LinkIntercomBuilding {
                property_id: property.id.clone(),
                intercom_building_id: building.external.id.clone(),
            },
        )
        .await?;
    say(format!(
        "  {} shares {} buildings; linked \"{}\" to {}, which takes its time zone: {}",
        "ButterflyMX",
        buildings.len(),
        building.name,
        property.name,
        property.zone()
    ));

    for attempt in ["first", "second"] {
        let r = c.provision_visitor_site(&desk, &property.id).await?;
        let verb = |created: bool| if created { "created" } else { "adopted" };
        say(format!(
            "  Provisioning, {attempt} run: unit \"{}\" {}, tenant \"{}\" <{}> {}",
            property.settings.visitors.placeholder_unit_label,
            verb(r.created_unit),
            r.tenant_name,
            r.tenant_email,
            verb(r.created_tenant)
        ));
    }
    let building_id: i64 = building.external.id.parse().unwrap_or_default();
    let label = &property.settings.visitors.placeholder_unit_label;
    let units = sim
        .units(building_id)
        .iter()
        .filter(|u| &u.label == label)
        .count();
    let tenants = sim
        .tenants(building_id)
        .iter()
        .filter(|t| t.email.starts_with("butterflymx+"))
        .count();
    say(format!(
        "  On the intercom: {units} placeholder unit, {tenants} placeholder tenant"
    ));

    let preflight = c.visitor_preflight(&desk, &property.id).await?;
    say("  Preflight:".into());
    for check in &preflight.checks {
        say(format!(
            "    {}  {:<22} {}",
            if check.passed { "pass" } else { "FAIL" },
            check.name.as_str(),
            check.detail
        ));
    }

    let zone = property.zone();
    let tomorrow = zone.date_at(c.now()) + chrono::Duration::days(1);
    let at = |hour: u32| format!("{tomorrow}T{hour:02}:00");
    let pass = c
        .create_visitor_pass(
            &desk,
            CreateVisitorPass {
                property_id: property.id.clone(),
                visitor_name: "Sam Visitor".into(),
                starts_at: VisitTime::parse(&at(14)).map_err(|e| Error::invalid("starts_at", e))?,
                ends_at: VisitTime::parse(&at(16)).map_err(|e| Error::invalid("ends_at", e))?,
                resident_id: None,
                request_key: None,
            },
        )
        .await?;
    say(format!(
        "  Pass for Sam Visitor: {} to {} in the building's time = {} to {} UTC ({})",
        pass.starts_local,
        pass.ends_local,
        pass.pass.window.starts_at.format("%Y-%m-%d %H:%M"),
        pass.pass.window.ends_at.format("%Y-%m-%d %H:%M"),
        pass.pass.state.as_str()
    ));
    if let Some(keychain) = sim.keychains(building_id).first() {
        say(format!(
            "    the intercom's keychain runs {} to {}; QR code {}",
            keychain.starts_at,
            keychain.ends_at,
            pass.pass.qr_code_url.as_deref().unwrap_or("-")
        ));
    }

    sim.inject_fault_on(routes::CREATE_CUSTOM_KEYCHAIN, FaultKind::LostReply);
    let lost = c
        .create_visitor_pass(
            &desk,
            CreateVisitorPass {
                property_id: property.id.clone(),
                visitor_name: "Pat Courier".into(),
                starts_at: VisitTime::parse(&at(9)).map_err(|e| Error::invalid("starts_at", e))?,
                ends_at: VisitTime::parse(&at(10)).map_err(|e| Error::invalid("ends_at", e))?,
                resident_id: None,
                request_key: Some("front-desk-ticket-881".into()),
            },
        )
        .await?;
    let named = sim
        .keychains(building_id)
        .iter()
        .filter(|k| k.name.contains(lost.pass.id.as_str()))
        .count();
    say(format!(
        "  A pass whose reply the intercom lost: {} after looking it up, {named} keychain on the intercom",
        lost.pass.state.as_str()
    ));
    let revoked = c.revoke_visitor_pass(&desk, &lost.pass.id).await?;
    say(format!(
        "  Revoked {}'s pass: {} ({} keychains left on the intercom)",
        revoked.pass.visitor_name,
        revoked.pass.state.as_str(),
        sim.keychains(building_id).len()
    ));

    let report = c.visitor_contact_report(&desk, &property.id).await?;
    say(format!(
        "  {} of {} tenants are still on Phone Calls and cannot take video calls (Mobile App needed):",
        report.phone_call_tenants.len(),
        report.tenants
    ));
    for t in report.phone_call_tenants.iter().take(4) {
        say(format!(
            "    {:<8} {}",
            t.unit_label.as_deref().unwrap_or("-"),
            t.name
        ));
    }
    if report.phone_call_tenants.len() > 4 {
        say(format!(
            "    … and {} more",
            report.phone_call_tenants.len() - 4
        ));
    }
    let stats = sim.stats();
    say(format!(
        "  Requests to ButterflyMX in all: {} ({} to the API, the rest OAuth)",
        stats.total(),
        stats.api_total()
    ));
    sim.stop().await;
    Ok(lines)
}
