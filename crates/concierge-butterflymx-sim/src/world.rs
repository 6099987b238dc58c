//! The simulated account's records (buildings, units, tenants, access points, keychains,
//! virtual keys), the seeded world they start as, and their JSON as the vendor renders it.

use crate::config::SimConfig;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// A tenant's contact preference, as the vendor spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preference {
    /// `phone_call`: the vendor's default.
    PhoneCall,
    /// `mobile_app`.
    MobileApp,
}

impl Preference {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Preference::PhoneCall => "phone_call",
            Preference::MobileApp => "mobile_app",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "phone_call" => Some(Preference::PhoneCall),
            "mobile_app" => Some(Preference::MobileApp),
            _ => None,
        }
    }
}

/// A building.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Building {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// Its street address.
    pub address: String,
    /// Its city.
    pub city: String,
    /// Whether the vendor has enabled our application for it; when not, it and everything in
    /// it answer as if it did not exist (404, missing from lists).
    pub enabled: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Its id.
    pub id: i64,
    /// Its building.
    pub building_id: i64,
    /// Its label, unique in the building (case-insensitively).
    pub label: String,
    /// Its floor label.
    pub floor: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: i64,
    /// Its building.
    pub building_id: i64,
    /// Its unit.
    pub unit_id: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, unique among the building's tenants (case-insensitively).
    pub email: String,
    /// Contact preference.
    pub contact_preference: Preference,
    /// `registered`, or `invited` for one created through the API.
    pub registration_status: String,
    /// When it becomes active, as sent.
    pub active_at: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// An access point (a door).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPoint {
    /// Its id.
    pub id: i64,
    /// Its building.
    pub building_id: i64,
    /// Its name.
    pub name: String,
    /// Its devices.
    pub device_ids: Vec<i64>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A custom keychain: a visitor pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keychain {
    /// Its id.
    pub id: i64,
    /// Its building.
    pub building_id: i64,
    /// The tenant it was issued through.
    pub tenant_id: Option<i64>,
    /// The unit it was issued through (the tenant's).
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Start, RFC 3339 UTC with `Z`, seconds.
    pub starts_at: String,
    /// End, RFC 3339 UTC with `Z`, seconds.
    pub ends_at: String,
    /// The doors it opens.
    pub access_point_ids: Vec<i64>,
    /// The devices: those of its doors and any given.
    pub device_ids: Vec<i64>,
    /// Its keys, in creation order.
    pub virtual_key_ids: Vec<i64>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A virtual key: one credential on a keychain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualKey {
    /// Its id.
    pub id: i64,
    /// Its keychain.
    pub keychain_id: i64,
    /// Its building.
    pub building_id: i64,
    /// Its name, if any.
    pub name: Option<String>,
    /// The email it was sent to, if any.
    pub email: Option<String>,
    /// The phone number it was sent to, if any.
    pub sms_number: Option<String>,
    /// Its 6-digit PIN.
    pub pin_code: String,
    /// The QR code image's URL.
    pub qr_code_url: String,
    /// The public pass page's URL.
    pub instructions_url: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Everything the account holds, in id order per kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct World {
    /// Buildings.
    pub buildings: Vec<Building>,
    /// Units.
    pub units: Vec<Unit>,
    /// Tenants.
    pub tenants: Vec<Tenant>,
    /// Access points.
    pub access_points: Vec<AccessPoint>,
    /// Keychains.
    pub keychains: Vec<Keychain>,
    /// Virtual keys.
    pub virtual_keys: Vec<VirtualKey>,
    next_id: i64,
}

const ZONES: [(&str, &str, &str); 5] = [
    ("Harbour View", "Australia/Sydney", "Sydney"),
    ("Crimson", "America/New_York", "New York"),
    ("Lakeshore Lofts", "America/Chicago", "Chicago"),
    ("Thames Court", "Europe/London", "London"),
    ("Pacific Heights", "America/Los_Angeles", "San Francisco"),
];
const FIRST: [&str; 10] = [
    "Alia", "Duncan", "Jessica", "Gurney", "Chani", "Thufir", "Irulan", "Stilgar", "Liet",
    "Wensicia",
];
const LAST: [&str; 8] = [
    "Atreides",
    "Idaho",
    "Halleck",
    "Kynes",
    "Hawat",
    "Corrino",
    "Harkonnen",
    "Fenring",
];
const DOORS: [&str; 4] = ["Front Entrance", "Back door", "Garage gate", "Package room"];

impl World {
    /// The world `config` describes.
    pub(crate) fn generate(config: &SimConfig, rng: &mut StdRng) -> Self {
        let mut world = World {
            buildings: Vec::new(),
            units: Vec::new(),
            tenants: Vec::new(),
            access_points: Vec::new(),
            keychains: Vec::new(),
            virtual_keys: Vec::new(),
            next_id: 10_000_000 + (config.seed % 1_000) as i64 * 100_000,
        };
        let now = now();
        for b in 0..config.buildings.max(2) {
            let (name, zone, city) = ZONES[b % ZONES.len()];
            let name = if b < ZONES.len() {
                name.to_owned()
            } else {
                format!("{name} {}", b / ZONES.len() + 1)
            };
            let building = world.add_building(&name, zone, city, now);
            for d in 0..config.access_points_per_building {
                let door = match DOORS.get(d) {
                    Some(door) => (*door).to_owned(),
                    None => format!("Door {}", d + 1),
                };
                world.add_access_point(building, &door, now);
            }
            let mut units = Vec::new();
            for u in 0..config.units_per_building {
                let floor = u / 4 + 1;
                let label = format!("{}{:02}", floor, u % 4 + 1);
                units.push(world.add_unit(building, &label, &floor.to_string(), now));
            }
            if units.is_empty() {
                continue;
            }
            for t in 0..config.tenants_per_building {
                let first = FIRST[rng.random_range(0..FIRST.len())];
                let last = LAST[rng.random_range(0..LAST.len())];
                let email = format!(
                    "{}.{}.{}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    world.next_id
                );
                let preference = if t % 4 == 3 {
                    Preference::MobileApp
                } else {
                    Preference::PhoneCall
                };
                let unit = units[t % units.len()];
                world.add_tenant(unit, first, last, &email, preference, "registered", now);
            }
        }
        world
    }

    pub(crate) fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn add_building(
        &mut self,
        name: &str,
        time_zone: &str,
        city: &str,
        now: DateTime<Utc>,
    ) -> i64 {
        let id = self.id();
        self.buildings.push(Building {
            id,
            name: name.to_owned(),
            time_zone: time_zone.to_owned(),
            address: format!("{} Main Street", id % 900 + 1),
            city: city.to_owned(),
            enabled: true,
            created_at: now,
        });
        id
    }

    pub(crate) fn add_access_point(
        &mut self,
        building_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> i64 {
        let id = self.id();
        let device = self.id();
        self.access_points.push(AccessPoint {
            id,
            building_id,
            name: name.to_owned(),
            device_ids: vec![device],
            created_at: now,
        });
        id
    }

    pub(crate) fn add_unit(
        &mut self,
        building_id: i64,
        label: &str,
        floor: &str,
        now: DateTime<Utc>,
    ) -> i64 {
        let id = self.id();
        self.units.push(Unit {
            id,
            building_id,
            label: label.to_owned(),
            floor: floor.to_owned(),
            created_at: now,
        });
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_tenant(
        &mut self,
        unit_id: i64,
        first_name: &str,
        last_name: &str,
        email: &str,
        preference: Preference,
        status: &str,
        now: DateTime<Utc>,
    ) -> i64 {
        let building_id = self.unit(unit_id).map_or(0, |u| u.building_id);
        let id = self.id();
        self.tenants.push(Tenant {
            id,
            building_id,
            unit_id,
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            email: email.to_owned(),
            contact_preference: preference,
            registration_status: status.to_owned(),
            active_at: timestamp(now),
            created_at: now,
        });
        id
    }

    /// A building, enabled or not.
    pub fn building(&self, id: i64) -> Option<&Building> {
        self.buildings.iter().find(|b| b.id == id)
    }

    /// A building our application can see.
    pub fn visible_building(&self, id: i64) -> Option<&Building> {
        self.building(id).filter(|b| b.enabled)
    }

    /// Whether records of `building_id` are visible.
    pub fn visible(&self, building_id: i64) -> bool {
        self.visible_building(building_id).is_some()
    }

    /// A unit, visible or not.
    pub fn unit(&self, id: i64) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// A tenant, visible or not.
    pub fn tenant(&self, id: i64) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }

    /// A keychain, visible or not.
    pub fn keychain(&self, id: i64) -> Option<&Keychain> {
        self.keychains.iter().find(|k| k.id == id)
    }

    /// The JSON of a building.
    pub fn building_json(&self, b: &Building) -> Value {
        json!({
            "created_at": timestamp(b.created_at),
            "id": b.id,
            "name": b.name,
            "updated_at": timestamp(b.created_at),
            "time_zone": b.time_zone,
            "address": {
                "city": b.city, "country": "us", "county": null, "state": null,
                "zip_code": "10001", "address": b.address,
            },
        })
    }

    /// The JSON of a unit.
    pub fn unit_json(&self, u: &Unit) -> Value {
        json!({
            "created_at": timestamp(u.created_at),
            "id": u.id,
            "label": u.label,
            "updated_at": timestamp(u.created_at),
            "floor": u.floor,
            "building_id": u.building_id,
        })
    }

    /// The JSON of a tenant, with its unit embedded. `full_name` is null, as in every example of
    /// the vendor's spec; `q[full_name_eq]` matches "first last".
    pub fn tenant_json(&self, t: &Tenant) -> Value {
        let building = self.building(t.building_id);
        let unit = self.unit(t.unit_id).map(|u| {
            json!({
                "created_at": timestamp(u.created_at), "id": u.id, "label": u.label,
                "updated_at": timestamp(u.created_at), "floor": u.floor,
            })
        });
        let invitation = (t.registration_status == "invited").then(|| {
            json!({
                "confirmation_url": format!("https://accounts.sim.butterflymx.invalid/confirmations/{}", t.id),
                "invited_at": timestamp(t.created_at),
            })
        });
        json!({
            "created_at": timestamp(t.created_at),
            "full_name": null,
            "id": t.id,
            "updated_at": timestamp(t.created_at),
            "first_name": t.first_name,
            "last_name": t.last_name,
            "building_id": t.building_id,
            "building_name": building.map(|b| b.name.clone()),
            "inactive_after": null,
            "building_timezone": building.map(|b| b.time_zone.clone()),
            "email": t.email,
            "contact_preference": t.contact_preference.as_str(),
            "registration_status": t.registration_status,
            "invitation": invitation,
            "unit": unit,
            "notification_preference": null,
        })
    }

    /// The JSON of an access point.
    pub fn access_point_json(&self, a: &AccessPoint) -> Value {
        json!({
            "created_at": timestamp(a.created_at),
            "id": a.id,
            "name": a.name,
            "updated_at": timestamp(a.created_at),
            "building_id": a.building_id,
            "device_ids": a.device_ids,
            "open_hours": [],
        })
    }

    /// The JSON of a keychain.
    pub fn keychain_json(&self, k: &Keychain) -> Value {
        json!({
            "id": k.id,
            "created_at": timestamp(k.created_at),
            "updated_at": timestamp(k.created_at),
            "name": k.name,
            "starts_at": k.starts_at,
            "ends_at": k.ends_at,
            "type": "custom_keychain",
            "building_id": k.building_id,
            "tenant_id": k.tenant_id,
            "unit_id": k.unit_id,
            "virtual_key_ids": k.virtual_key_ids,
            "access_point_ids": k.access_point_ids,
            "device_ids": k.device_ids,
        })
    }

    /// The JSON of a virtual key.
    pub fn virtual_key_json(&self, v: &VirtualKey) -> Value {
        json!({
            "created_at": timestamp(v.created_at),
            "email": v.email,
            "first_used_at": null,
            "id": v.id,
            "keychain_id": v.keychain_id,
            "last_used_at": null,
            "name": v.name,
            "sent_at": null,
            "sms_number": v.sms_number,
            "updated_at": timestamp(v.created_at),
            "usage_count": 0,
            "qr_code_url": v.qr_code_url,
            "pin_code": v.pin_code,
            "building_id": v.building_id,
            "instructions_url": v.instructions_url,
        })
    }
}

/// Now, to the second.
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// An instant as the vendor writes it: RFC 3339, UTC, `Z`, seconds.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A generator for the world and its secrets.
pub(crate) fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}
