//! `concierge visitors …`: visitor access through the intercom from the command line
//! (R-VISIT-1..4): the one-time consent, linking a property to the intercom's building,
//! provisioning the placeholder, the preflight, visitor passes (create, list, revoke) and the
//! contact-preference report. Commands that talk to the intercom name it (`--intercom`).

use crate::ops::{open, operator, use_sandbox};
use crate::places::by_site;
use crate::settings::Layers;
use concierge::*;
use std::io::Write;

/// The intercom a command talks to. Never a default: an operator names it.
#[derive(Debug, clap::Args)]
pub struct IntercomArgs {
    /// `butterflymx` (the `butterflymx` settings: CONCIERGE_BUTTERFLYMX_CLIENT_ID, … or
    /// `[butterflymx]` in the config file) or, with the `demo` feature, `sandbox` (generated
    /// data, in memory for this one command; `--seed`). Default: butterflymx when configured.
    #[arg(long, env = "CONCIERGE_INTERCOM")]
    intercom: Option<String>,
    /// Seed of the sandbox (the setting `sandbox.seed`).
    #[arg(long)]
    seed: Option<u64>,
}

const CONFIGURE_INTERCOM: &str = "is not configured: give the ButterflyMX settings (CONCIERGE_BUTTERFLYMX_CLIENT_ID and CONCIERGE_BUTTERFLYMX_CLIENT_SECRET, or [butterflymx] in the --config file), or --intercom sandbox to try the command on generated data";

impl IntercomArgs {
    fn settings(&self, mut settings: Settings) -> Result<Settings> {
        let configured = settings.butterflymx.is_some();
        match self.intercom.as_deref() {
            Some("sandbox") => {
                settings.butterflymx = None;
                use_sandbox(&mut settings, self.seed)?
            }
            Some("butterflymx") | None if configured => {}
            Some("butterflymx") | None => {
                return Err(Error::invalid("intercom", CONFIGURE_INTERCOM));
            }
            Some(_) => {
                return Err(Error::invalid("intercom", "must be butterflymx or sandbox"));
            }
        }
        Ok(settings)
    }
}

/// `concierge visitors …`.
#[derive(Debug, clap::Subcommand)]
pub enum VisitorsCommand {
    /// The one-time consent: without `--code`, prints where the building admin gives it; with
    /// the code they were shown, connects (the tokens are kept sealed in the database).
    Connect {
        /// The code shown after consent. Prefer the environment (CONCIERGE_CONSENT_CODE).
        #[arg(long, env = "CONCIERGE_CONSENT_CODE", hide_env_values = true)]
        code: Option<String>,
        #[command(flatten)]
        intercom: IntercomArgs,
    },
    /// The buildings the intercom shares with us, to link one.
    Buildings {
        #[command(flatten)]
        intercom: IntercomArgs,
    },
    /// Links a property to an intercom building (a property without a zone takes its zone).
    Link {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The intercom's id of the building.
        #[arg(long)]
        building: String,
        #[command(flatten)]
        intercom: IntercomArgs,
    },
    /// Creates (or adopts) the site's placeholder unit and tenant on the intercom.
    Provision {
        /// The property's site name.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        intercom: IntercomArgs,
    },
    /// Checks the site can take visitors; lists tenants on Phone Calls.
    Preflight {
        /// The property's site name.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        intercom: IntercomArgs,
    },
    /// Visitor passes: create, list, revoke.
    #[command(subcommand)]
    Pass(PassCommand),
    /// The site's tenants on Phone Calls, who cannot take video calls until they switch to
    /// Mobile App.
    ContactReport {
        /// The property's site name.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        intercom: IntercomArgs,
    },
}

/// `concierge visitors pass …`.
#[derive(Debug, clap::Subcommand)]
pub enum PassCommand {
    /// Creates a visitor pass (a QR code) for exactly the visit's window.
    Create {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The visitor's name.
        #[arg(long)]
        visitor: String,
        /// The start: local to the property (2026-12-08T14:00) or with an offset.
        #[arg(long)]
        from: String,
        /// The end: local to the property (2026-12-08T16:00) or with an offset.
        #[arg(long)]
        to: String,
        /// The resident visited (their id): the pass ends with their occupancy.
        #[arg(long)]
        resident: Option<String>,
        /// A key of yours for this request: running it again returns the same pass.
        #[arg(long)]
        request_key: Option<String>,
        #[command(flatten)]
        intercom: IntercomArgs,
    },
    /// Lists a property's visitor passes (reads the database only).
    List {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// Only passes in this state: requested, active, failed, revoked.
        #[arg(long)]
        state: Option<String>,
    },
    /// Revokes a visitor pass on the intercom.
    Revoke {
        /// The pass's id.
        #[arg(long)]
        pass: String,
        #[command(flatten)]
        intercom: IntercomArgs,
    },
}

/// `concierge visitors …`.
pub async fn visitors(layers: &Layers, cmd: VisitorsCommand, out: &mut impl Write) -> Result<()> {
    let admin = operator();
    match cmd {
        VisitorsCommand::Connect { code, intercom } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            match code {
                None => match c.intercom_consent_url(&admin).await? {
                    Some(url) => {
                        let _ = writeln!(
                            out,
                            "Ask the building admin to open this page and give consent, then run \
                             `concierge visitors connect --code CODE` with the code it shows:\n{url}"
                        );
                    }
                    None => {
                        let _ = writeln!(out, "this intercom needs no consent");
                    }
                },
                Some(code) => {
                    c.connect_intercom(&admin, secrecy::SecretString::from(code))
                        .await?;
                    let _ = writeln!(out, "connected: the intercom's tokens are kept sealed");
                }
            }
            c.close().await;
        }
        VisitorsCommand::Buildings { intercom } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            for b in c.intercom_buildings(&admin).await? {
                let zone = b.time_zone.as_deref().unwrap_or("-");
                let _ = writeln!(out, "{:<14} {:<22} {}", b.external.id, zone, b.name);
            }
            c.close().await;
        }
        VisitorsCommand::Link {
            site,
            building,
            intercom,
        } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let p = c
                .link_intercom_building(
                    &admin,
                    LinkIntercomBuilding {
                        property_id: p.id,
                        intercom_building_id: building,
                    },
                )
                .await?;
            let _ = writeln!(
                out,
                "{} linked to intercom building {}; its time zone is {}",
                p.site_name,
                p.intercom
                    .as_ref()
                    .map(|s| s.building_name.as_str())
                    .unwrap_or_default(),
                p.zone()
            );
            c.close().await;
        }
        VisitorsCommand::Provision { site, intercom } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let r = c.provision_visitor_site(&admin, &p.id).await?;
            print_site(out, &r);
            c.close().await;
        }
        VisitorsCommand::Preflight { site, intercom } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let r = c.visitor_preflight(&admin, &p.id).await?;
            print_preflight(out, &r);
            c.close().await;
        }
        VisitorsCommand::ContactReport { site, intercom } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let r = c.visitor_contact_report(&admin, &p.id).await?;
            print_contacts(out, &r.phone_call_tenants, r.tenants);
            c.close().await;
        }
        VisitorsCommand::Pass(cmd) => pass(layers, cmd, out).await?,
    }
    Ok(())
}

async fn pass(layers: &Layers, cmd: PassCommand, out: &mut impl Write) -> Result<()> {
    let admin = operator();
    match cmd {
        PassCommand::Create {
            site,
            visitor,
            from,
            to,
            resident,
            request_key,
            intercom,
        } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let view = c
                .create_visitor_pass(
                    &admin,
                    CreateVisitorPass {
                        property_id: p.id,
                        visitor_name: visitor,
                        starts_at: VisitTime::parse(&from)
                            .map_err(|e| Error::invalid("starts_at", e))?,
                        ends_at: VisitTime::parse(&to).map_err(|e| Error::invalid("ends_at", e))?,
                        resident_id: resident.map(ResidentId::from_string),
                        request_key,
                    },
                )
                .await?;
            print_pass(out, &view);
            c.close().await;
        }
        PassCommand::List { site, state } => {
            let c = open(layers.load(&[])?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let state = state
                .map(|s| {
                    s.parse::<VisitorPassState>()
                        .map_err(|_| Error::invalid("state", "is not a visitor pass state"))
                })
                .transpose()?;
            let filter = VisitorPassFilter {
                property_id: p.id,
                state,
                resident_id: None,
            };
            let mut page = PageRequest::default();
            loop {
                let listing = c
                    .list_visitor_passes(&admin, filter.clone(), page.clone())
                    .await?;
                for v in &listing.items {
                    print_pass(out, v);
                }
                match listing.next_page(&page) {
                    Some(next) => page = next,
                    None => break,
                }
            }
            c.close().await;
        }
        PassCommand::Revoke { pass, intercom } => {
            let c = open(intercom.settings(layers.load(&[])?)?).await?;
            let view = c
                .revoke_visitor_pass(&admin, &VisitorPassId::from_string(pass))
                .await?;
            print_pass(out, &view);
            c.close().await;
        }
    }
    Ok(())
}

/// Prints what provisioning did.
pub fn print_site(out: &mut impl Write, r: &VisitorSiteReport) {
    let verb = |created: bool| if created { "created" } else { "adopted" };
    let _ = writeln!(
        out,
        "placeholder unit {} ({}), tenant {} \"{}\" <{}> ({})",
        r.placeholder_unit.id,
        verb(r.created_unit),
        r.placeholder_tenant.id,
        r.tenant_name,
        r.tenant_email,
        verb(r.created_tenant)
    );
}

/// Prints a preflight, one check a line.
pub fn print_preflight(out: &mut impl Write, r: &VisitorPreflight) {
    for check in &r.checks {
        let mark = if check.passed { "pass" } else { "FAIL" };
        let _ = writeln!(
            out,
            "  {mark}  {:<24} {}",
            check.name.as_str(),
            check.detail
        );
    }
    let _ = writeln!(
        out,
        "  => {}",
        if r.passed {
            "visitor passes can be created"
        } else {
            "visitor passes are refused until every check passes"
        }
    );
    if !r.phone_call_tenants.is_empty() {
        print_contacts(out, &r.phone_call_tenants, 0);
    }
}

/// Prints the tenants on Phone Calls.
pub fn print_contacts(out: &mut impl Write, tenants: &[IntercomTenant], total: usize) {
    if total > 0 {
        let _ = writeln!(
            out,
            "  {} of {total} tenants are on Phone Calls and cannot take video calls:",
            tenants.len()
        );
    } else {
        let _ = writeln!(
            out,
            "  tenants on Phone Calls (cannot take video calls until they choose Mobile App):"
        );
    }
    for t in tenants {
        let unit = t.unit_label.as_deref().unwrap_or("-");
        let _ = writeln!(out, "    {:<10} {}", unit, t.name);
    }
}

/// Prints a pass: state, visitor, window in local time and UTC, QR code.
pub fn print_pass(out: &mut impl Write, v: &VisitorPassView) {
    let _ = writeln!(
        out,
        "{} {:<9} {:<20} {} to {} (UTC {} to {})",
        v.pass.id,
        v.pass.state.as_str(),
        v.pass.visitor_name,
        v.starts_local,
        v.ends_local,
        v.pass.window.starts_at.format("%Y-%m-%d %H:%M"),
        v.pass.window.ends_at.format("%Y-%m-%d %H:%M"),
    );
    if let Some(qr) = &v.pass.qr_code_url {
        let _ = writeln!(out, "    QR code: {qr}");
    }
    if let Some(why) = &v.pass.failure {
        let _ = writeln!(out, "    note: {why}");
    }
}
