//! The vendor-neutral world both wire models render: buildings, their lots and contacts; its
//! seeded generation and the scripted scenarios.

use crate::config::StrataSimConfig;
use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Whether a building is managed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuildingStatus {
    /// Managed.
    Active,
    /// No longer managed.
    Inactive,
    /// Lost to another manager.
    Lost,
}

impl BuildingStatus {
    /// The StrataMax wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildingStatus::Active => "Active",
            BuildingStatus::Inactive => "Inactive",
            BuildingStatus::Lost => "Lost",
        }
    }
}

/// A street address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// Street line.
    pub line1: String,
    /// Suburb.
    pub suburb: String,
    /// State.
    pub state: String,
    /// Postcode.
    pub postcode: String,
}

/// A lot of a building.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lot {
    /// The lot number on the plan.
    pub number: u32,
    /// The unit number, if any.
    pub unit: Option<String>,
}

/// What a contact is to the building.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// An owner; `occupier` is `None` when the vendor holds no flag (StrataMax `null`).
    Owner {
        /// Lives in the lot.
        occupier: Option<bool>,
    },
    /// A tenant with lease dates.
    Tenant {
        /// Move-in date.
        move_in: Option<NaiveDate>,
        /// Move-out date.
        move_out: Option<NaiveDate>,
    },
    /// A role the adapters ignore (Agent, Mortgagee, ...).
    Other(String),
}

/// A person or company attached to lots of a building.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// The world's id (digits); StrataMax serves `c-<id>`, PropertyIQ `o-<id>` or `t-<id>`.
    pub id: String,
    /// The display name as held.
    pub name: String,
    /// The email field as held (may hold several addresses).
    pub email: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Other phone.
    pub phone: Option<String>,
    /// The role.
    pub role: Role,
    /// The committee position, for committee members.
    pub committee: Option<String>,
    /// The lot numbers held or rented.
    pub lots: Vec<u32>,
}

/// A building (StrataMax) or scheme (PropertyIQ).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Building {
    /// The world's id (digits); StrataMax serves `b-<id>`, PropertyIQ `s-<id>`.
    pub id: String,
    /// The plan number, e.g. `SP 54321`.
    pub plan_number: String,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// Its address.
    pub address: Address,
    /// Its status.
    pub status: BuildingStatus,
    /// Its lots.
    pub lots: Vec<Lot>,
    /// Its contacts, in the vendor's order.
    pub contacts: Vec<Contact>,
    /// Answer 403 for it (not shared with this key or client).
    pub forbidden: bool,
}

impl Building {
    /// The owner contacts of lot `number`.
    pub fn owners_of(&self, number: u32) -> impl Iterator<Item = &Contact> {
        self.contacts
            .iter()
            .filter(move |c| matches!(c.role, Role::Owner { .. }) && c.lots.contains(&number))
    }

    /// The tenant contacts of lot `number`.
    pub fn tenants_of(&self, number: u32) -> impl Iterator<Item = &Contact> {
        self.contacts
            .iter()
            .filter(move |c| matches!(c.role, Role::Tenant { .. }) && c.lots.contains(&number))
    }
}

/// Everything served.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct World {
    /// The buildings, in id order.
    pub buildings: Vec<Building>,
    /// The next contact id to hand out.
    pub next_contact: u64,
}

impl World {
    /// A new contact id.
    pub fn contact_id(&mut self) -> String {
        self.next_contact += 1;
        self.next_contact.to_string()
    }

    /// The building of world id `id`.
    pub fn building_mut(&mut self, id: &str) -> Option<&mut Building> {
        self.buildings.iter_mut().find(|b| b.id == id)
    }

    /// The contact of world id `id`, anywhere.
    pub fn contact_mut(&mut self, id: &str) -> Option<&mut Contact> {
        self.buildings
            .iter_mut()
            .flat_map(|b| b.contacts.iter_mut())
            .find(|c| c.id == id)
    }
}

const FIRST: &[&str] = &[
    "Jane", "Sam", "Olivia", "Noah", "Mia", "Liam", "Ava", "Jack", "Chloe", "Lucas", "Grace",
    "Ethan", "Zoe", "Henry", "Ruby", "Oscar",
];
const LAST: &[&str] = &[
    "Citizen", "Nguyen", "Smith", "Wilson", "Taylor", "Brown", "Patel", "Kelly", "Martin",
    "van Dyke", "O'Brien", "Walker", "Chen", "Murphy",
];
const STREETS: &[&str] = &[
    "Example St",
    "Harbour Rd",
    "Station Ave",
    "Park Lane",
    "Bay Pde",
];
const SUBURBS: &[(&str, &str, &str)] = &[
    ("Brisbane City", "QLD", "4000"),
    ("Chatswood", "NSW", "2067"),
    ("Southbank", "VIC", "3006"),
    ("Surfers Paradise", "QLD", "4217"),
];
const NAMES: &[&str] = &["Harbour View", "Example Tower", "The Palms", "Riverside"];

fn person(rng: &mut StdRng, world: &mut World, role: Role, lots: Vec<u32>) -> Contact {
    let id = world.contact_id();
    let first = FIRST[rng.random_range(0..FIRST.len())];
    let last = LAST[rng.random_range(0..LAST.len())];
    let is_owner = matches!(role, Role::Owner { .. });
    let local = format!("{first}.{last}", last = last.replace([' ', '\''], "")).to_lowercase();
    Contact {
        email: Some(format!("{local}.{id}@example.com")),
        mobile: Some(format!("+614{:08}", rng.random_range(0..100_000_000u32))),
        phone: (rng.random_bool(0.2) && is_owner)
            .then(|| format!("+617{:08}", rng.random_range(0..100_000_000u32))),
        name: format!("{first} {last}"),
        id,
        role,
        committee: None,
        lots,
    }
}

/// Generates the world `config` describes: deterministic for its seed, sizes and `today`.
pub fn generate(config: &StrataSimConfig) -> World {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut world = World {
        buildings: Vec::new(),
        next_contact: 10_000,
    };
    for b in 0..config.buildings {
        let (suburb, state, postcode) = SUBURBS[rng.random_range(0..SUBURBS.len())];
        let mut building = Building {
            id: (1001 + b).to_string(),
            plan_number: format!("SP {}", 50_000 + rng.random_range(0..50_000u32)),
            name: rng
                .random_bool(0.7)
                .then(|| NAMES[rng.random_range(0..NAMES.len())].to_owned()),
            address: Address {
                line1: format!(
                    "{} {}",
                    rng.random_range(1..200u32),
                    STREETS[rng.random_range(0..STREETS.len())]
                ),
                suburb: suburb.to_owned(),
                state: state.to_owned(),
                postcode: postcode.to_owned(),
            },
            status: BuildingStatus::Active,
            lots: Vec::new(),
            contacts: Vec::new(),
            forbidden: false,
        };
        for n in 1..=config.lots_per_building as u32 {
            let floor = 1 + (n - 1) / 4;
            building.lots.push(Lot {
                number: n,
                unit: (n % 10 != 0).then(|| format!("{floor}{:02}", (n - 1) % 4 + 1)),
            });
            let tenanted = rng.random_bool(config.tenant_share.clamp(0.0, 1.0));
            let owner = Role::Owner {
                occupier: Some(!tenanted),
            };
            let mut contact = person(&mut rng, &mut world, owner, vec![n]);
            if n <= 2 {
                contact.committee = Some(["Chairperson", "Secretary"][n as usize - 1].to_owned());
            }
            building.contacts.push(contact);
            if tenanted {
                let back = rng.random_range(10..700u64);
                let tenant = Role::Tenant {
                    move_in: config.today.checked_sub_days(Days::new(back)),
                    move_out: None,
                };
                building
                    .contacts
                    .push(person(&mut rng, &mut world, tenant, vec![n]));
            }
        }
        world.buildings.push(building);
    }
    if config.scenarios {
        scenarios(&mut world, &mut rng, config.today);
    }
    if config.quirks {
        quirks(&mut world, &mut rng, config.today);
    }
    world
}

fn owner_index(building: &Building, lot: u32) -> Option<usize> {
    building
        .contacts
        .iter()
        .position(|c| matches!(c.role, Role::Owner { .. }) && c.lots.contains(&lot))
}

/// The scenarios both wire models express alike, in the first building (those whose lots
/// exist): an owner of lots 1 and 2, a company owning lot 3, an owner of lot 4 without email,
/// the owners of lots 5 and 6 sharing one email, a tenant moving into lot 7 in 30 days, an
/// owner of lot 8 with two addresses in one field; and the last building (of two or more) Lost.
fn scenarios(world: &mut World, rng: &mut StdRng, today: NaiveDate) {
    if world.buildings.is_empty() {
        return;
    }
    let future = Role::Tenant {
        move_in: today.checked_add_days(Days::new(30)),
        move_out: None,
    };
    let future = person(rng, world, future, vec![7]);
    let building = &mut world.buildings[0];
    let has = |b: &Building, n: u32| b.lots.iter().any(|l| l.number == n);
    if has(building, 2)
        && let (Some(first), Some(second)) = (owner_index(building, 1), owner_index(building, 2))
    {
        building.contacts[first].lots.push(2);
        building.contacts.remove(second);
    }
    if let Some(i) = owner_index(building, 3) {
        let c = &mut building.contacts[i];
        c.name = "John S Investments Pty Ltd".to_owned();
        c.role = Role::Owner {
            occupier: Some(false),
        };
    }
    if let Some(i) = owner_index(building, 4) {
        building.contacts[i].email = None;
    }
    if let (Some(five), Some(six)) = (owner_index(building, 5), owner_index(building, 6)) {
        building.contacts[six].email = building.contacts[five].email.clone();
    }
    if has(building, 7) {
        // The lot is let from next month: its owner no longer lives there.
        if let Some(i) = owner_index(building, 7) {
            building.contacts[i].role = Role::Owner {
                occupier: Some(false),
            };
        }
        building
            .contacts
            .retain(|c| !(matches!(c.role, Role::Tenant { .. }) && c.lots == [7]));
        building.contacts.push(future);
    }
    if let Some(i) = owner_index(building, 8) {
        let c = &mut building.contacts[i];
        c.name = "Jane Citizen".to_owned();
        c.email = Some(format!(
            "Jane.{0}@example.com; jane.work.{0}@example.com",
            c.id
        ));
    }
    if world.buildings.len() >= 2
        && let Some(last) = world.buildings.last_mut()
    {
        last.status = BuildingStatus::Lost;
    }
}

/// What only one wire model expresses, in the first building: (StrataMax) an agent-only
/// contact, a contact without lots, an owner of lot 9 without occupancy flag; (PropertyIQ) a
/// lot 99 nobody owns, and the owner of lot 10 flagged occupier while a tenant lives there.
fn quirks(world: &mut World, rng: &mut StdRng, today: NaiveDate) {
    if world.buildings.is_empty() {
        return;
    }
    let agent = person(rng, world, Role::Other("Agent".to_owned()), vec![1]);
    let lotless = person(
        rng,
        world,
        Role::Owner {
            occupier: Some(true),
        },
        vec![],
    );
    let tenant = person(
        rng,
        world,
        Role::Tenant {
            move_in: today.checked_sub_days(Days::new(40)),
            move_out: None,
        },
        vec![10],
    );
    let building = &mut world.buildings[0];
    building.contacts.push(agent);
    building.contacts.push(lotless);
    building.lots.push(Lot {
        number: 99,
        unit: None,
    });
    if let Some(i) = owner_index(building, 9) {
        building.contacts[i].role = Role::Owner { occupier: None };
    }
    if building.lots.iter().any(|l| l.number == 10) {
        building
            .contacts
            .retain(|c| !(matches!(c.role, Role::Tenant { .. }) && c.lots == [10]));
        if let Some(i) = owner_index(building, 10) {
            building.contacts[i].role = Role::Owner {
                occupier: Some(true),
            };
        }
        building.contacts.push(tenant);
    }
}
