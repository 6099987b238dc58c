//! `concierge strata …`: strata import from the command line (R-STRATA-1..7): link a strata
//! building to a property, list buildings and users pending import, import users, Go Live with
//! a preview and a confirmation, run the strata sync and invite in bulk. Commands that talk to
//! the strata system name it (`--strata`); the others read the database only.

use crate::ops::{open, operator, use_sandbox};
use crate::places::by_site;
use crate::settings::Layers;
use concierge::*;
use std::io::Write;

/// The strata system a command talks to. Never a default: an operator names it.
#[derive(Debug, clap::Args)]
pub struct StrataArgs {
    /// `stratamax` (the `stratamax` settings: CONCIERGE_STRATAMAX_API_KEY, … or `[stratamax]`
    /// in the config file), `propertyiq` (the `propertyiq` settings) or, with the `demo`
    /// feature, `sandbox` (generated data; `--seed`). Default: the one whose settings are given.
    #[arg(long, env = "CONCIERGE_STRATA")]
    strata: Option<String>,
    /// Seed of the sandbox (the setting `sandbox.seed`).
    #[arg(long)]
    seed: Option<u64>,
}

const CONFIGURE_STRATA: &str = "is not configured: give the StrataMax settings (CONCIERGE_STRATAMAX_API_KEY, or [stratamax] in the --config file) or the PropertyIQ ones ([propertyiq]), or --strata sandbox to try the command on generated data";

impl StrataArgs {
    fn settings(&self, mut settings: Settings) -> Result<Settings> {
        let (max, piq) = (settings.stratamax.is_some(), settings.propertyiq.is_some());
        match self.strata.as_deref() {
            Some("sandbox") => use_sandbox(&mut settings, self.seed)?,
            Some("stratamax") if max => settings.propertyiq = None,
            Some("propertyiq") if piq => settings.stratamax = None,
            None if max || piq => {}
            Some("stratamax" | "propertyiq") | None => {
                return Err(Error::invalid("strata", CONFIGURE_STRATA));
            }
            Some(_) => {
                return Err(Error::invalid(
                    "strata",
                    "must be stratamax, propertyiq or sandbox",
                ));
            }
        }
        Ok(settings)
    }
}

/// `concierge strata …`.
#[derive(Debug, clap::Subcommand)]
pub enum StrataCommand {
    /// The linked buildings with their pending and imported counts; with `--available`, the
    /// buildings the strata system shares, to link one.
    Buildings {
        /// List the strata system's buildings instead.
        #[arg(long)]
        available: bool,
        #[command(flatten)]
        strata: StrataArgs,
    },
    /// Links a strata building to a property and reads its users, pending import.
    Link {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The strata system's id of the building.
        #[arg(long)]
        building: String,
        #[command(flatten)]
        strata: StrataArgs,
    },
    /// A linked building's users pending import (or `--state imported|departed`).
    Pending {
        /// The building: its id, its strata id or its name.
        #[arg(long)]
        building: String,
        /// Users in this state.
        #[arg(long, default_value = "pending")]
        state: String,
    },
    /// Imports users of a linked building: each is sent the welcome email and becomes Pending
    /// Activation.
    Import {
        /// The building: its id, its strata id or its name.
        #[arg(long)]
        building: String,
        /// The users' ids (from `strata pending`); repeatable.
        #[arg(long = "user", required = true)]
        users: Vec<String>,
    },
    /// Go Live: imports every pending user of the chosen types, after a preview.
    GoLive {
        /// The buildings; repeatable.
        #[arg(long = "building", required = true)]
        buildings: Vec<String>,
        /// The user types, comma-separated: owner_occupier, tenant, owner_investor, committee.
        #[arg(long, value_delimiter = ',', required = true)]
        types: Vec<String>,
        /// Shows what it would do (the welcome emails per building) and its plan; changes
        /// nothing.
        #[arg(long, conflicts_with = "confirm")]
        preview: bool,
        /// Performs the Go Live whose plan a preview printed; refused if the rolls changed.
        #[arg(long, value_name = "PLAN", required_unless_present = "preview")]
        confirm: Option<String>,
    },
    /// Syncs linked buildings with the strata system now (one, or every one that is due).
    Sync {
        /// Only this building; every due one otherwise.
        #[arg(long)]
        building: Option<String>,
        #[command(flatten)]
        strata: StrataArgs,
    },
    /// Invites every resident in a status in bulk (not_invited or activation_expired).
    Invite {
        /// The status.
        #[arg(long, default_value = "not_invited")]
        status: String,
        /// Only this property's (site name).
        #[arg(long)]
        site: Option<String>,
    },
}

/// `concierge strata …`.
pub async fn strata(layers: &Layers, cmd: StrataCommand, out: &mut impl Write) -> Result<()> {
    let admin = operator();
    match cmd {
        StrataCommand::Buildings { available, strata } => {
            if available {
                let c = open(strata.settings(layers.load(&[])?)?).await?;
                for b in c.strata_provider_buildings(&admin).await? {
                    let _ = writeln!(
                        out,
                        "{:<14} {:<12} {:<8} {}",
                        b.external.id,
                        b.plan_number,
                        b.status.as_str(),
                        b.name
                    );
                }
                c.close().await;
                return Ok(());
            }
            let c = open(layers.load(&[])?).await?;
            for r in c
                .list_strata_buildings(&admin, StrataBuildingFilter::default())
                .await?
            {
                print_roll(out, &r);
            }
            c.close().await;
        }
        StrataCommand::Link {
            site,
            building,
            strata,
        } => {
            let c = open(strata.settings(layers.load(&[])?)?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let r = c
                .link_strata_building(
                    &admin,
                    LinkStrataBuilding {
                        property_id: p.id,
                        strata_building_id: building,
                    },
                )
                .await?;
            let _ = writeln!(out, "linked {} to {site}", r.name);
            print_roll(out, &r);
            c.close().await;
        }
        StrataCommand::Pending { building, state } => {
            let c = open(layers.load(&[])?).await?;
            let roll = find_roll(&c, &admin, &building).await?;
            let state: MemberState = state
                .parse()
                .map_err(|_| Error::invalid("state", "must be pending, imported or departed"))?;
            let mut page = PageRequest::first().limit(MAX_PAGE_SIZE);
            loop {
                let filter = StrataUserFilter {
                    roll_id: roll.id.clone(),
                    state,
                };
                let listing = c.list_strata_users(&admin, filter, page.clone()).await?;
                for m in &listing.items {
                    print_member(out, m);
                }
                match listing.next_page(&page) {
                    Some(next) => page = next,
                    None => break,
                }
            }
            c.close().await;
        }
        StrataCommand::Import { building, users } => {
            let c = open(layers.load(&[])?).await?;
            let roll = find_roll(&c, &admin, &building).await?;
            let report = c
                .import_strata_users(
                    &admin,
                    ImportStrataUsers {
                        roll_id: roll.id,
                        member_ids: users.into_iter().map(StrataMemberId::from).collect(),
                    },
                )
                .await?;
            print_import(out, &roll.name, &report);
            c.close().await;
        }
        StrataCommand::GoLive {
            buildings,
            types,
            preview,
            confirm,
        } => {
            let c = open(layers.load(&[])?).await?;
            let mut roll_ids = Vec::new();
            for b in &buildings {
                roll_ids.push(find_roll(&c, &admin, b).await?.id);
            }
            let user_types = parse_types(&types)?;
            if preview {
                let p = c
                    .preview_go_live(
                        &admin,
                        GoLive {
                            roll_ids,
                            user_types,
                        },
                    )
                    .await?;
                for b in &p.buildings {
                    let _ = writeln!(
                        out,
                        "{:<24} {:>5} welcome emails  ({} cannot be imported as they are, {} of other types stay pending)",
                        b.name, b.welcome_emails, b.not_importable, b.other_types
                    );
                }
                let _ = writeln!(
                    out,
                    "estimated welcome emails: {}\nnothing has changed; to proceed: --confirm {}",
                    p.welcome_emails, p.plan
                );
            } else if let Some(plan) = confirm {
                let r = c
                    .confirm_go_live(
                        &admin,
                        ConfirmGoLive {
                            roll_ids,
                            user_types,
                            plan,
                        },
                    )
                    .await?;
                for b in &r.buildings {
                    let name = c.get_strata_building(&admin, &b.roll_id).await?.name;
                    print_import(out, &name, &b.report);
                }
                let _ = writeln!(
                    out,
                    "{} welcome emails queued; `concierge outbox dispatch` sends them",
                    r.welcome_emails
                );
            }
            c.close().await;
        }
        StrataCommand::Sync { building, strata } => {
            let c = open(strata.settings(layers.load(&[])?)?).await?;
            let reports = match building {
                Some(b) => {
                    let roll = find_roll(&c, &admin, &b).await?;
                    vec![c.sync_strata_building(&admin, &roll.id).await?]
                }
                None => c.run_due_strata_syncs().await?,
            };
            for r in &reports {
                let name = c.get_strata_building(&admin, &r.roll_id).await?.name;
                print_run(out, &name, &r.run);
            }
            if reports.is_empty() {
                let _ = writeln!(out, "no linked building is due");
            }
            c.close().await;
        }
        StrataCommand::Invite { status, site } => {
            let c = open(layers.load(&[])?).await?;
            let status = AccountStatus::parse(&status)
                .ok_or_else(|| Error::invalid("status", "is not an account status"))?;
            let property_id = match site {
                Some(site) => Some(by_site(&c, &admin, &site).await?.id),
                None => None,
            };
            let r = c
                .invite_all(
                    &admin,
                    InviteAll {
                        status,
                        property_id,
                        source: None,
                    },
                )
                .await?;
            let _ = writeln!(
                out,
                "invited {} (now pending activation); {} could not be invited",
                r.invited,
                r.failed.len()
            );
            for f in &r.failed {
                let _ = writeln!(out, "  {} [{}] {}", f.resident_id, f.code, f.message);
            }
            c.close().await;
        }
    }
    Ok(())
}

/// A linked building by its id, its strata id or its name.
async fn find_roll(c: &Concierge, admin: &Admin, name: &str) -> Result<StrataRoll> {
    c.list_strata_buildings(admin, StrataBuildingFilter::default())
        .await?
        .into_iter()
        .find(|r| {
            r.id.as_str() == name || r.external.id == name || r.name.eq_ignore_ascii_case(name)
        })
        .ok_or_else(|| Error::not_found(EntityKind::StrataRoll, name))
}

fn parse_types(types: &[String]) -> Result<Vec<StrataUserType>> {
    serde_json::from_value::<Vec<StrataUserType>>(serde_json::json!(types))
        .map_err(|e| Error::invalid("types", e.to_string()))
}

fn print_roll(out: &mut impl Write, r: &StrataRoll) {
    let _ = writeln!(
        out,
        "{}  {:<24} {:<12} {:<8} pending {:>4}  imported {:>4}{}",
        r.id,
        r.name,
        r.plan_number,
        r.status.as_str(),
        r.pending,
        r.imported,
        if r.auto_import {
            "  automatic import"
        } else {
            ""
        }
    );
}

fn print_member(out: &mut impl Write, m: &StrataMember) {
    let lots: Vec<String> = m.user.lots.iter().map(|l| l.label()).collect();
    let types: Vec<&str> = m.user.user_types.iter().map(|t| t.as_str()).collect();
    let _ = writeln!(
        out,
        "{}  {:<28} {:<14} {}{}",
        m.id,
        m.user.display_name,
        lots.join(","),
        types.join("+"),
        m.problem
            .as_ref()
            .map(|p| format!("  ! {}", p.message))
            .unwrap_or_default()
    );
}

fn print_import(out: &mut impl Write, name: &str, r: &StrataImportReport) {
    let _ = writeln!(
        out,
        "{name}: imported {} (pending activation, welcome email queued), already imported {}, failed {}{}",
        r.residents.len(),
        r.already_imported,
        r.failed.len(),
        if r.auto_import_enabled {
            "; automatic import is now on"
        } else {
            ""
        }
    );
    for f in &r.failed {
        let _ = writeln!(
            out,
            "  {} [{}] {}",
            f.member_id,
            f.error.kind.as_str(),
            f.error.message
        );
    }
}

pub(crate) fn print_run(out: &mut impl Write, name: &str, run: &StrataSyncRun) {
    if run.skipped_inactive {
        let _ = writeln!(
            out,
            "{name}: inactive in the strata system; not synced, nothing deleted"
        );
        return;
    }
    let _ = writeln!(
        out,
        "{name}: listed {}, new pending {}, new not invited {}, updated {}, departed {}, errors {}{}",
        run.listed,
        run.added_pending,
        run.added_not_invited,
        run.updated,
        run.departed,
        run.errors.len(),
        run.aborted
            .as_ref()
            .map(|a| format!(", aborted: {a}"))
            .unwrap_or_default()
    );
}
