//! The seeded portfolio generator. One `StdRng` stream is consumed in a fixed order, so a seed
//! and the sizes determine every record.

use crate::config::SimConfig;
use crate::model::{
    BadRecord, BadRecordKind, COSIGNER_ID_BASE, Cosigner, LEASE_ID_BASE, Lease, LeaseTenant,
    LeaseType, MoveOut, PROPERTY_ID_BASE, Portfolio, Property, SubType, TENANT_ID_BASE, Tenant, Ts,
    UNIT_ID_BASE, Unit, start_of,
};
use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::borrow::Cow;

pub(crate) const PROPERTY_NAMES: [&str; 16] = [
    "Harbour View",
    "Parkside Gardens",
    "Riverside Lofts",
    "Elm Court",
    "The Foundry",
    "Maple House",
    "Southbank Quarter",
    "Cedar Heights",
    "Willow Commons",
    "Granite Row",
    "Lakeshore Terrace",
    "Beacon Place",
    "Orchard Flats",
    "Copper Mill",
    "Summit Ridge",
    "Garden Walk",
];

pub(crate) const FIRST_NAMES: [&str; 32] = [
    "Olivia",
    "Liam",
    "Amelia",
    "Noah",
    "Isla",
    "Oliver",
    "Mia",
    "Jack",
    "Charlotte",
    "William",
    "Ava",
    "Henry",
    "Grace",
    "Leo",
    "Chloe",
    "Lucas",
    "Zoe",
    "Thomas",
    "Ruby",
    "James",
    "Priya",
    "Mateo",
    "Hana",
    "Wei",
    "Sofia",
    "Elijah",
    "Aisha",
    "Diego",
    "Fatima",
    "Kenji",
    "Nora",
    "Samuel",
];

pub(crate) const LAST_NAMES: [&str; 32] = [
    "Smith",
    "Nguyen",
    "Williams",
    "Brown",
    "Jones",
    "Wilson",
    "Taylor",
    "Martin",
    "Anderson",
    "Thompson",
    "White",
    "Walker",
    "Harris",
    "Lee",
    "Patel",
    "Kelly",
    "Clarke",
    "Singh",
    "Chen",
    "Murphy",
    "Garcia",
    "Rossi",
    "Kim",
    "Okafor",
    "Johnson",
    "Lopez",
    "Davis",
    "Miller",
    "Moore",
    "Jackson",
    "Hernandez",
    "Young",
];

pub(crate) const STREETS: [&str; 12] = [
    "Main Street",
    "Oak Avenue",
    "Maple Drive",
    "Cedar Lane",
    "Elm Street",
    "Park Avenue",
    "Washington Street",
    "Lake Road",
    "Hill Street",
    "River Road",
    "Pine Street",
    "Sunset Boulevard",
];

/// `(city, state, ZIP prefix, phone area code)`.
pub(crate) const CITIES: [(&str, &str, &str, u16); 12] = [
    ("Boston", "MA", "021", 617),
    ("Cambridge", "MA", "021", 857),
    ("Austin", "TX", "787", 512),
    ("Denver", "CO", "802", 303),
    ("Seattle", "WA", "981", 206),
    ("Portland", "OR", "972", 503),
    ("Chicago", "IL", "606", 312),
    ("Atlanta", "GA", "303", 404),
    ("Raleigh", "NC", "276", 919),
    ("Phoenix", "AZ", "850", 602),
    ("Nashville", "TN", "372", 615),
    ("Minneapolis", "MN", "554", 612),
];

/// `BuildingName` values: index 0 is null, 1 the empty string (both mean "the property
/// itself"), the rest are named buildings in groups of four per naming style.
pub(crate) const BUILDINGS: [Option<&str>; 14] = [
    None,
    Some(""),
    Some("Building A"),
    Some("Building B"),
    Some("Building C"),
    Some("Building D"),
    Some("North Tower"),
    Some("South Tower"),
    Some("East Tower"),
    Some("West Tower"),
    Some("Block 1"),
    Some("Block 2"),
    Some("Block 3"),
    Some("Block 4"),
];

/// `(first, last, email, phone)` of the property managers.
pub(crate) const MANAGERS: [(&str, &str, &str, &str); 4] = [
    (
        "Dana",
        "Whitfield",
        "dana.whitfield@example.com",
        "(617) 555-0100",
    ),
    (
        "Marcus",
        "Reyes",
        "marcus.reyes@example.com",
        "(512) 555-0101",
    ),
    ("Ellen", "Park", "ellen.park@example.com", "(206) 555-0102"),
    (
        "Tobias",
        "Grant",
        "tobias.grant@example.com",
        "(312) 555-0103",
    ),
];

pub(crate) const UNITS_PER_FLOOR: u32 = 8;

const DAY: Ts = 86_400;

#[derive(Clone, Copy)]
enum Plan {
    /// A running lease.
    Active,
    /// A running lease ending soon, its tenants' move-outs already recorded.
    EndingSoon,
    Future {
        not_before: Option<NaiveDate>,
    },
    Past {
        not_after: Option<NaiveDate>,
    },
}

struct Terms {
    from: NaiveDate,
    to: Option<NaiveDate>,
    lease_type: LeaseType,
    auto_move_out: bool,
}

struct Gen<'a> {
    rng: StdRng,
    config: &'a SimConfig,
    today: NaiveDate,
    today_start: Ts,
    future_share: f64,
    past_share: f64,
    bad_share: f64,
    unlisted_units: i32,
    cosigners: i32,
}

fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

fn plus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}

fn minus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).unwrap_or(date)
}

/// Generates the portfolio `config` describes.
pub(crate) fn generate(config: &SimConfig) -> Portfolio {
    let today = config.today;
    let today_start = start_of(today);
    let future_share = clamp01(config.future_share);
    let mut g = Gen {
        rng: StdRng::seed_from_u64(config.seed),
        config,
        today,
        today_start,
        future_share,
        past_share: clamp01(config.past_share).min(1.0 - future_share),
        bad_share: clamp01(config.bad_record_share),
        unlisted_units: 0,
        cosigners: 0,
    };
    let unit_count = config.properties * config.units_per_property;
    let per_unit = if config.tenants_per_unit.is_finite() {
        config.tenants_per_unit.max(0.0)
    } else {
        0.0
    };
    let tenant_estimate = (unit_count as f64 * per_unit) as usize;
    let mut p = Portfolio {
        seed: config.seed,
        now: today_start + 12 * 3_600,
        properties: Vec::with_capacity(config.properties),
        units: Vec::with_capacity(unit_count),
        unit_leases: Vec::with_capacity(unit_count),
        leases: Vec::with_capacity(tenant_estimate),
        property_leases: Vec::new(),
        tenants: Vec::with_capacity(tenant_estimate),
        bad: Vec::new(),
        next_lease_id: LEASE_ID_BASE + 1,
        next_tenant_id: TENANT_ID_BASE + 1,
    };

    let mut carry = 0usize;
    let mut global = 0usize;
    for pi in 0..config.properties {
        let property = g.property(pi, p.units.len() as u32);
        p.properties.push(property);
        let pidx = pi as u32;
        // Building layout: 35% null, 15% empty (the property itself), else 2 to 4 named.
        let style = g.rng.random_range(0..100u32);
        let (first_building, buildings) = match style {
            0..35 => (0u8, 1u32),
            35..50 => (1, 1),
            _ => {
                let group = g.rng.random_range(0..3u8);
                (2 + 4 * group, g.rng.random_range(2..=4u32))
            }
        };
        let per_building = (config.units_per_property as u32)
            .div_ceil(buildings)
            .max(1);
        for ui in 0..config.units_per_property as u32 {
            let building = first_building + (ui / per_building) as u8;
            let local = ui % per_building;
            let unit = g.unit(
                pidx,
                UNIT_ID_BASE + 1 + p.units.len() as i32,
                building,
                local,
            );
            p.units.push(unit);
            p.unit_leases.push(Vec::new());
            let uidx = (p.units.len() - 1) as u32;

            // Exact total: unit g gets floor((g+1)t) - floor(gt) tenants, then about one in ten
            // passes its tenants on to the next unit (vacant here, two there).
            let base = ((global + 1) as f64 * per_unit).floor() as usize
                - (global as f64 * per_unit).floor() as usize;
            let mut k = base + carry;
            carry = 0;
            global += 1;
            if global < unit_count && k >= 1 && g.rng.random_bool(0.1) {
                carry = k;
                k = 0;
            }
            if k > 0 {
                g.unit_leases(&mut p, uidx, k);
            }
        }
        let end = p.units.len() as u32;
        p.properties[pi].units.end = end;
    }
    p.index_leases();
    p
}

impl Gen<'_> {
    fn timestamp_before_today(&mut self, max_days: u64) -> Ts {
        let days = self.rng.random_range(1..=max_days.max(1)) as Ts;
        self.today_start - days * DAY + self.rng.random_range(0..DAY)
    }

    fn property(&mut self, pi: usize, first_unit: u32) -> Property {
        let base = PROPERTY_NAMES[pi % PROPERTY_NAMES.len()];
        let round = pi / PROPERTY_NAMES.len();
        let name = if round == 0 {
            base.to_owned()
        } else {
            format!("{base} {}", round + 1)
        };
        let sub_type = match self.rng.random_range(0..10u8) {
            _ if self.config.units_per_property == 1 => SubType::SingleFamily,
            0 => SubType::CondoTownhome,
            _ => SubType::MultiFamily,
        };
        let manager = if self.rng.random_bool(0.9) {
            Some(self.rng.random_range(0..MANAGERS.len() as u8))
        } else {
            None
        };
        Property {
            id: PROPERTY_ID_BASE + 1 + pi as i32,
            name: name.into_boxed_str(),
            street_no: self.rng.random_range(1..2_000),
            street: self.rng.random_range(0..STREETS.len() as u8),
            city: self.rng.random_range(0..CITIES.len() as u8),
            sub_type,
            active: self.rng.random_bool(0.98),
            year_built: self.rng.random_range(1_920..=2_024),
            reserve: self.rng.random_range(0..=40u32) * 500,
            bank_account: 10_000 + self.rng.random_range(1..=5),
            manager,
            updated: self.timestamp_before_today(700),
            units: first_unit..first_unit,
        }
    }

    fn unit(&mut self, property: u32, id: i32, building: u8, local: u32) -> Unit {
        let bedrooms = self.rng.random_range(1..=4u8);
        Unit {
            id,
            property,
            building,
            number: (local / UNITS_PER_FLOOR + 1) * 100 + local % UNITS_PER_FLOOR + 1,
            bedrooms,
            bathrooms: self.rng.random_range(1..=bedrooms.min(3)),
            size: 350 + u16::from(bedrooms) * 250 + self.rng.random_range(0..200u16),
            rent: 800 + u32::from(bedrooms) * 450 + self.rng.random_range(0..=20u32) * 25,
            listed: self.rng.random_bool(0.1),
            updated: self.timestamp_before_today(400),
        }
    }

    fn draw_plan(&mut self) -> Plan {
        let x: f64 = self.rng.random();
        if x < self.future_share {
            Plan::Future { not_before: None }
        } else if x < self.future_share + self.past_share {
            Plan::Past { not_after: None }
        } else {
            Plan::Active
        }
    }

    /// The leases of one unit holding `k` tenants.
    fn unit_leases(&mut self, p: &mut Portfolio, unit: u32, k: usize) {
        if k >= 2 && self.rng.random_bool(0.25) {
            // A turnover: an older and a newer lease on the same unit.
            let older = k / 2;
            if self.rng.random_bool(0.5) {
                let newer = self.terms(Plan::Active);
                let past = self.terms(Plan::Past {
                    not_after: Some(minus(newer.from, 1)),
                });
                self.lease(p, unit, Plan::Past { not_after: None }, past, older);
                self.lease(p, unit, Plan::Active, newer, k - older);
            } else {
                let ending = self.terms(Plan::EndingSoon);
                let next = self.terms(Plan::Future {
                    not_before: ending.to.map(|to| plus(to, 1)),
                });
                self.lease(p, unit, Plan::EndingSoon, ending, older);
                let plan = Plan::Future { not_before: None };
                self.lease(p, unit, plan, next, k - older);
            }
        } else {
            let plan = self.draw_plan();
            let terms = self.terms(plan);
            self.lease(p, unit, plan, terms, k);
        }
    }

    fn terms(&mut self, plan: Plan) -> Terms {
        let today = self.today;
        let auto = self.rng.random_bool(0.5);
        match plan {
            Plan::Active => match self.rng.random_range(0..10u8) {
                0..6 => {
                    let from = minus(today, self.rng.random_range(0..=330));
                    Terms {
                        from,
                        to: Some(minus(plus(from, 365), 1)),
                        lease_type: LeaseType::Fixed,
                        auto_move_out: auto,
                    }
                }
                6..9 => {
                    let from = minus(today, self.rng.random_range(30..=1_200));
                    Terms {
                        from,
                        to: Some(minus(plus(from, 365), 1)),
                        lease_type: LeaseType::FixedWithRollover,
                        auto_move_out: false,
                    }
                }
                _ => Terms {
                    from: minus(today, self.rng.random_range(30..=900)),
                    to: None,
                    lease_type: LeaseType::AtWill,
                    auto_move_out: false,
                },
            },
            Plan::EndingSoon => {
                let to = plus(today, self.rng.random_range(5..=60));
                Terms {
                    from: plus(minus(to, 365), 1),
                    to: Some(to),
                    lease_type: LeaseType::Fixed,
                    auto_move_out: auto,
                }
            }
            Plan::Future { not_before } => {
                let earliest = not_before.unwrap_or(today).max(plus(today, 1));
                let from = plus(earliest, self.rng.random_range(0..=89));
                Terms {
                    from,
                    to: Some(minus(plus(from, 365), 1)),
                    lease_type: LeaseType::Fixed,
                    auto_move_out: auto,
                }
            }
            Plan::Past { not_after } => {
                let latest = not_after.unwrap_or(today).min(minus(today, 1));
                let to = minus(latest, self.rng.random_range(0..=900));
                let lease_type = if self.rng.random_bool(0.8) {
                    LeaseType::Fixed
                } else {
                    LeaseType::FixedWithRollover
                };
                Terms {
                    from: plus(minus(to, 365), 1),
                    to: Some(to),
                    lease_type,
                    auto_move_out: auto && lease_type == LeaseType::Fixed,
                }
            }
        }
    }

    fn lease(&mut self, p: &mut Portfolio, unit: u32, plan: Plan, terms: Terms, k: usize) {
        let lease_index = p.leases.len() as u32;
        let lease_id = p.next_lease_id;
        p.next_lease_id += 1;
        let u = &p.units[unit as usize];
        let (unit_id, unit_number, property, unit_rent) = (u.id, u.number, u.property, u.rent);

        let anchor = terms.from.min(self.today);
        let created =
            start_of(anchor) - self.rng.random_range(3..=45) * DAY + self.rng.random_range(0..DAY);
        let updated = created
            + self
                .rng
                .random_range(0..=(self.today_start - 1 - created).max(0));

        let mut lease = Lease {
            id: lease_id,
            property,
            unit_id,
            unit: Some(unit),
            unit_number,
            from: terms.from,
            to: terms.to,
            lease_type: terms.lease_type,
            auto_move_out: terms.auto_move_out,
            created,
            updated,
            rent: unit_rent.saturating_sub(self.rng.random_range(0..=8u32) * 25),
            eviction_pending: matches!(plan, Plan::Active) && self.rng.random_bool(0.005),
            deleted: false,
            tenants: Vec::with_capacity(k),
            move_outs: Vec::new(),
            cosigner: None,
        };

        let mut unlisted = false;
        let mut bad: Vec<(BadRecordKind, i32)> = Vec::new();
        for slot in 0..k {
            let tenant_index = p.tenants.len() as u32;
            let tenant_id = p.next_tenant_id;
            p.next_tenant_id += 1;
            let first = FIRST_NAMES[self.rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[self.rng.random_range(0..LAST_NAMES.len())];
            let email = if self.rng.random_bool(0.02) {
                None
            } else {
                Some(
                    format!(
                        "{}.{}{}@example.com",
                        first.to_ascii_lowercase(),
                        last.to_ascii_lowercase(),
                        tenant_id - TENANT_ID_BASE
                    )
                    .into_boxed_str(),
                )
            };
            let phone = if self.rng.random_bool(0.03) {
                None
            } else {
                let area = CITIES[p.properties[property as usize].city as usize].3;
                Some(
                    format!("({area}) 555-{:04}", self.rng.random_range(0..10_000u32))
                        .into_boxed_str(),
                )
            };
            let move_in = match self.rng.random_range(0..100u8) {
                0..5 => None,
                5..10 if slot > 0 => Some(plus(terms.from, self.rng.random_range(1..=45))),
                _ => Some(terms.from),
            };
            let tenant_updated = created
                + self
                    .rng
                    .random_range(0..=(self.today_start - 1 - created).max(0));
            let mut tenant = Tenant {
                id: tenant_id,
                first: Some(Cow::Borrowed(first)),
                last: Cow::Borrowed(last),
                email,
                phone,
                created,
                updated: tenant_updated,
                leases: vec![lease_index],
            };
            let mut lease_tenant = LeaseTenant {
                tenant: tenant_index,
                move_in,
            };

            // Move-outs: everyone on a past lease or a lease ending soon; now and then one
            // tenant of a running lease (already gone, or with notice given).
            match plan {
                Plan::Past { .. } => {
                    let to = terms.to.unwrap_or(terms.from);
                    let date = if self.rng.random_bool(0.8) {
                        to
                    } else {
                        minus(to, self.rng.random_range(0..=20))
                    };
                    let date = date.max(move_in.unwrap_or(terms.from));
                    lease.move_outs.push(MoveOut {
                        tenant: tenant_index,
                        date,
                        notice: Some(minus(date, self.rng.random_range(14..=60))),
                    });
                }
                Plan::EndingSoon => {
                    let date = terms.to.unwrap_or(self.today);
                    lease.move_outs.push(MoveOut {
                        tenant: tenant_index,
                        date,
                        notice: Some(minus(self.today, self.rng.random_range(0..=20))),
                    });
                }
                Plan::Active => {
                    let roll = self.rng.random_range(0..100u8);
                    let moved_in = move_in.unwrap_or(terms.from);
                    if roll < 4 {
                        // Notice given: a move-out date ahead on a still-active lease.
                        lease.move_outs.push(MoveOut {
                            tenant: tenant_index,
                            date: plus(self.today, self.rng.random_range(1..=75)),
                            notice: Some(minus(self.today, self.rng.random_range(0..=30))),
                        });
                    } else if roll < 7 && slot > 0 && plus(moved_in, 2) < self.today {
                        // A co-tenant already gone while the lease carries on.
                        let gap = (self.today - moved_in).num_days().max(2) as u64;
                        let date = minus(self.today, self.rng.random_range(1..gap.min(120)));
                        lease.move_outs.push(MoveOut {
                            tenant: tenant_index,
                            date,
                            notice: Some(minus(date, 30)),
                        });
                    }
                }
                Plan::Future { .. } => {}
            }

            if self.rng.random_bool(self.bad_share) {
                let kind = match self.rng.random_range(0..4u8) {
                    0 => BadRecordKind::MissingFirstName,
                    1 => BadRecordKind::MalformedEmail,
                    2 => BadRecordKind::MoveOutBeforeMoveIn,
                    _ => BadRecordKind::UnlistedUnit,
                };
                match kind {
                    BadRecordKind::MissingFirstName => {
                        tenant.first = if self.rng.random_bool(0.5) {
                            None
                        } else {
                            Some(Cow::Borrowed(""))
                        };
                    }
                    BadRecordKind::MalformedEmail => {
                        let (f, l) = (first.to_ascii_lowercase(), last.to_ascii_lowercase());
                        let broken = match self.rng.random_range(0..4u8) {
                            0 => format!("{f}.{l}.example.com"),
                            1 => format!("{f}.{l}@"),
                            2 => format!("{f} {l}@example.com"),
                            _ => format!("{f}.{l}@@example.com"),
                        };
                        tenant.email = Some(broken.into_boxed_str());
                    }
                    BadRecordKind::MoveOutBeforeMoveIn => {
                        let moved_in = terms.from;
                        lease_tenant.move_in = Some(moved_in);
                        lease.move_outs.retain(|m| m.tenant != tenant_index);
                        let date = minus(moved_in, self.rng.random_range(1..=30));
                        lease.move_outs.push(MoveOut {
                            tenant: tenant_index,
                            date,
                            notice: Some(minus(date, 30)),
                        });
                    }
                    BadRecordKind::UnlistedUnit => unlisted = true,
                }
                bad.push((kind, tenant_id));
            }

            lease.tenants.push(lease_tenant);
            p.tenants.push(tenant);
        }

        if self.rng.random_bool(0.03) {
            self.cosigners += 1;
            let first = FIRST_NAMES[self.rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[self.rng.random_range(0..LAST_NAMES.len())];
            lease.cosigner = Some(Box::new(Cosigner {
                id: COSIGNER_ID_BASE + self.cosigners,
                first,
                last,
                email: format!(
                    "{}.{}.cosigner{}@example.com",
                    first.to_ascii_lowercase(),
                    last.to_ascii_lowercase(),
                    self.cosigners
                )
                .into_boxed_str(),
                phone: format!("(555) 555-{:04}", self.rng.random_range(0..10_000u32))
                    .into_boxed_str(),
                created,
            }));
        }

        if unlisted {
            self.unlisted_units += 1;
            let listed = self.config.properties * self.config.units_per_property;
            lease.unit_id = UNIT_ID_BASE + listed as i32 + 50_000 + self.unlisted_units;
            lease.unit = None;
        } else {
            p.unit_leases[unit as usize].push(lease_index);
        }
        for (kind, tenant_id) in bad {
            p.bad.push(BadRecord {
                kind,
                tenant_id,
                lease_id,
                unit_id: lease.unit_id,
            });
        }
        p.leases.push(lease);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LeaseStatus;

    fn config(seed: u64) -> SimConfig {
        SimConfig {
            seed,
            properties: 4,
            units_per_property: 25,
            ..SimConfig::default()
        }
    }

    #[test]
    fn the_tenant_total_is_exact_and_ids_are_sorted() {
        let p = generate(&config(3));
        assert_eq!(p.properties.len(), 4);
        assert_eq!(p.units.len(), 100);
        assert_eq!(p.tenants.len(), 100);
        assert!(p.units.windows(2).all(|w| w[0].id < w[1].id));
        assert!(p.leases.windows(2).all(|w| w[0].id < w[1].id));
        assert!(p.tenants.windows(2).all(|w| w[0].id < w[1].id));
        let half = generate(&SimConfig {
            tenants_per_unit: 0.5,
            ..config(3)
        });
        assert_eq!(half.tenants.len(), 50);
    }

    #[test]
    fn every_status_occurs_and_generated_timestamps_are_before_today() {
        let p = generate(&SimConfig {
            properties: 10,
            units_per_property: 50,
            ..config(9)
        });
        let today = p.today();
        for status in [LeaseStatus::Active, LeaseStatus::Past, LeaseStatus::Future] {
            assert!(
                p.leases.iter().any(|l| l.status(today) == status),
                "{status:?}"
            );
        }
        let midnight = start_of(today);
        assert!(
            p.leases
                .iter()
                .all(|l| l.updated < midnight && l.created <= l.updated)
        );
        assert!(p.tenants.iter().all(|t| t.updated < midnight));
    }

    #[test]
    fn bad_records_are_planted_at_the_configured_share() {
        let p = generate(&SimConfig {
            properties: 20,
            units_per_property: 50,
            bad_record_share: 0.05,
            ..config(4)
        });
        let share = p.bad.len() as f64 / p.tenants.len() as f64;
        assert!((0.03..0.07).contains(&share), "share {share}");
        let none = generate(&SimConfig {
            bad_record_share: 0.0,
            ..config(4)
        });
        assert!(none.bad.is_empty());
    }
}
