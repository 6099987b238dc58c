//! Standing a property up without writing code: register a property, its buildings and units,
//! show and change its settings, list the PMS's properties and link one. Every command opens
//! its handle through `Concierge::open` and names its PMS explicitly when it needs one.

use crate::ops::{PmsArgs, open, operator};
use crate::settings::Layers;
use concierge::*;
use std::io::Write;

/// `concierge property …`.
#[derive(Debug, clap::Subcommand)]
pub enum PropertyCommand {
    /// Registers a property.
    Register {
        /// Its display name, e.g. "Harbour View".
        #[arg(long)]
        name: String,
        /// Its site name (lower-case letters, digits and dashes), e.g. harbour-view.
        #[arg(long)]
        site: String,
        /// Its IANA time zone, e.g. Australia/Sydney: dates and visit windows are judged in it.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Lists the properties, with their time zones.
    List,
    /// Sets a property's IANA time zone, e.g. `--zone Australia/Sydney`.
    TimeZone {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The IANA time zone name.
        #[arg(long)]
        zone: String,
    },
    /// Shows a property and its settings (JSON).
    Show {
        /// The property's site name.
        #[arg(long)]
        site: String,
    },
    /// Changes a property's settings: `PATH=VALUE` pairs over the current settings, e.g.
    /// `future_resident_sync=true sync_interval=7200 invitation_email.subject="Welcome"`. A
    /// value is read as JSON when it is JSON, else as text; an unknown setting is refused.
    Set {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The settings to change.
        #[arg(required = true, value_name = "PATH=VALUE")]
        changes: Vec<String>,
    },
}

/// `concierge building …`.
#[derive(Debug, clap::Subcommand)]
pub enum BuildingCommand {
    /// Registers a building of a property.
    Register {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The building's name, e.g. "Tower A".
        #[arg(long)]
        name: String,
    },
}

/// `concierge unit …`.
#[derive(Debug, clap::Subcommand)]
pub enum UnitCommand {
    /// Registers a unit of a building.
    Register {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The building's name.
        #[arg(long)]
        building: String,
        /// The unit's number or name.
        #[arg(long)]
        number: String,
        /// Its floor.
        #[arg(long)]
        floor: Option<String>,
    },
}

/// `concierge pms …`.
#[derive(Debug, clap::Subcommand)]
pub enum PmsCommand {
    /// Lists the PMS's properties, to link one.
    Properties(PmsArgs),
    /// Links a property to its record in the PMS; the next sync moves its residents in.
    Link {
        /// The property's site name.
        #[arg(long)]
        site: String,
        /// The PMS's id of the property (from `concierge pms properties`).
        #[arg(long = "pms-property")]
        pms_property: String,
        #[command(flatten)]
        pms: PmsArgs,
    },
}

/// The property whose site name is `site`.
pub async fn by_site(c: &Concierge, admin: &Admin, site: &str) -> Result<Property> {
    c.list_properties(admin)
        .await?
        .into_iter()
        .find(|p| p.site_name == site)
        .ok_or_else(|| Error::not_found(EntityKind::Property, site))
}

/// The zone named by a command-line argument (VALIDATION on `time_zone` if unknown).
fn zone_arg(name: &str) -> Result<Zone> {
    Zone::parse(name).map_err(|e| Error::invalid("time_zone", e))
}

fn print_json(out: &mut impl Write, value: &impl serde::Serialize) {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let _ = writeln!(out, "{text}");
}

/// `concierge property …`.
pub async fn property(layers: &Layers, cmd: PropertyCommand, out: &mut impl Write) -> Result<()> {
    let c = open(layers.load(&[])?).await?;
    let admin = operator();
    match cmd {
        PropertyCommand::Register {
            name,
            site,
            time_zone,
        } => {
            let mut request = NewProperty::new(name, site);
            if let Some(zone) = time_zone {
                request = request.in_zone(zone_arg(&zone)?);
            }
            let p = c.register_property(&admin, request).await?;
            let _ = writeln!(out, "registered {} ({}) as {}", p.name, p.site_name, p.id);
        }
        PropertyCommand::List => {
            for p in c.list_properties(&admin).await? {
                let pms = p.external.as_ref().map(|e| e.id.as_str()).unwrap_or("-");
                let zone = p.time_zone.map_or("UTC (not set)", |z| z.name());
                let _ = writeln!(
                    out,
                    "{:<20} {:<28} {:<22} pms {pms}",
                    p.site_name, p.name, zone
                );
            }
        }
        PropertyCommand::TimeZone { site, zone } => {
            let p = by_site(&c, &admin, &site).await?;
            let p = c
                .set_property_time_zone(&admin, &p.id, zone_arg(&zone)?)
                .await?;
            let _ = writeln!(out, "{} is in {}", p.site_name, p.zone());
        }
        PropertyCommand::Show { site } => print_json(out, &by_site(&c, &admin, &site).await?),
        PropertyCommand::Set { site, changes } => {
            let p = by_site(&c, &admin, &site).await?;
            let settings = changed(&p.settings, &changes)?;
            let p = c.update_property_settings(&admin, &p.id, settings).await?;
            print_json(out, &p.settings);
        }
    }
    c.close().await;
    Ok(())
}

/// `current` with each `PATH=VALUE` of `changes` set, read back through the settings' own
/// deserialisation (unknown settings and bad values refused with their path).
fn changed(current: &PropertySettings, changes: &[String]) -> Result<PropertySettings> {
    let mut value = serde_json::to_value(current)
        .map_err(|e| Error::invalid("settings", format!("cannot be shown: {e}")))?;
    for change in changes {
        let (path, raw) = change
            .split_once('=')
            .ok_or_else(|| Error::invalid(change.clone(), "must be PATH=VALUE"))?;
        let new: serde_json::Value =
            serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()));
        let mut slot = &mut value;
        for part in path.split('.') {
            slot = slot
                .as_object_mut()
                .ok_or_else(|| Error::invalid(path, "is not a setting"))?
                .entry(part)
                .or_insert(serde_json::Value::Null);
        }
        *slot = new;
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| Error::Validation(ValidationError::from_deserialize(e)))
}

/// `concierge building …`.
pub async fn building(layers: &Layers, cmd: BuildingCommand, out: &mut impl Write) -> Result<()> {
    let c = open(layers.load(&[])?).await?;
    let admin = operator();
    let BuildingCommand::Register { site, name } = cmd;
    let p = by_site(&c, &admin, &site).await?;
    let b = c
        .register_building(&admin, NewBuilding::new(&p.id, name))
        .await?;
    let _ = writeln!(
        out,
        "registered building {} of {} as {}",
        b.name, site, b.id
    );
    c.close().await;
    Ok(())
}

/// `concierge unit …`.
pub async fn unit(layers: &Layers, cmd: UnitCommand, out: &mut impl Write) -> Result<()> {
    let c = open(layers.load(&[])?).await?;
    let admin = operator();
    let UnitCommand::Register {
        site,
        building,
        number,
        floor,
    } = cmd;
    let p = by_site(&c, &admin, &site).await?;
    let b = c
        .list_buildings(&admin, &p.id)
        .await?
        .into_iter()
        .find(|b| b.name == building)
        .ok_or_else(|| Error::not_found(EntityKind::Building, &building))?;
    let mut request = NewUnit::new(&b.id, number);
    if let Some(floor) = floor {
        request = request.floor(floor);
    }
    let u = c.register_unit(&admin, request).await?;
    let _ = writeln!(
        out,
        "registered unit {} of {} as {}",
        u.number, building, u.id
    );
    c.close().await;
    Ok(())
}

/// `concierge pms …`.
pub async fn pms(layers: &Layers, cmd: PmsCommand, out: &mut impl Write) -> Result<()> {
    let admin = operator();
    match cmd {
        PmsCommand::Properties(pms) => {
            let c = open(pms.settings(layers.load(&[])?)?).await?;
            for p in c.list_pms_properties(&admin).await? {
                let _ = writeln!(out, "{:<12} {}", p.external.id, p.name);
            }
            c.close().await;
        }
        PmsCommand::Link {
            site,
            pms_property,
            pms,
        } => {
            let c = open(pms.settings(layers.load(&[])?)?).await?;
            let p = by_site(&c, &admin, &site).await?;
            let p = c.link_pms_property(&admin, &p.id, &pms_property).await?;
            let name = p.external.map(|e| format!("{}:{}", e.provider, e.id));
            let _ = writeln!(out, "linked {site} to {}", name.unwrap_or_default());
            c.close().await;
        }
    }
    Ok(())
}
