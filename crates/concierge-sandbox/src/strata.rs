use crate::faults::Faults;
use crate::paging::{error, page, unique_email};
use crate::pms::{FIRST_NAMES, LAST_NAMES};
use async_trait::async_trait;
use concierge_core::strata::split_display_name;
use concierge_core::{
    ExternalRef, GetStrataBuildingRequest, ListStrataBuildingsRequest, ListStrataUsersRequest,
    Page, ProviderErrorKind, ProviderResult, RecordError, StrataBuilding, StrataBuildingStatus,
    StrataLot, StrataProvider, StrataUser, StrataUserType, StrataUserTypes,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::Mutex;

const PROVIDER: &str = "sandbox-strata";

const BUILDING_NAMES: [&str; 6] = [
    "The Esplanade",
    "Marina Point",
    "Wattle Grove",
    "Kingsford Terrace",
    "Bayside Towers",
    "Linden Place",
];

/// The shape of the generated strata data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrataSpec {
    /// How many buildings.
    pub buildings: usize,
    /// Lots per building. Each lot has an owner occupier, or an owner investor and a tenant.
    pub lots_per_building: usize,
    /// Items per page of every listing.
    pub page_size: usize,
}

impl Default for StrataSpec {
    /// Three buildings of eight lots, pages of 50.
    fn default() -> Self {
        Self {
            buildings: 3,
            lots_per_building: 8,
            page_size: 50,
        }
    }
}

/// A [`StrataProvider`] over generated buildings: the same seed gives the same buildings and
/// users. Across each building of two lots or more, users' types include all four
/// [`StrataUserType`]s; a committee member is always also an owner (occupier or investor).
///
/// Ids: buildings `strata-bldg-<b>`, users `strata-user-<b>-<n>`, under the provider name
/// `sandbox-strata`.
#[derive(Debug)]
pub struct SandboxStrata {
    faults: Faults,
    state: Mutex<StrataState>,
}

#[derive(Debug)]
struct StrataState {
    page_size: usize,
    buildings: Vec<BuildingRecord>,
}

#[derive(Debug)]
struct BuildingRecord {
    building: StrataBuilding,
    users: Vec<Result<StrataUser, RecordError>>,
}

impl SandboxStrata {
    /// The default buildings ([`StrataSpec::default`]) generated from `seed`, sharing `faults`.
    pub fn new(seed: u64, faults: Faults) -> Self {
        Self::with_spec(seed, StrataSpec::default(), faults)
    }

    /// The buildings of `spec` generated from `seed`, sharing `faults`.
    pub fn with_spec(seed: u64, spec: StrataSpec, faults: Faults) -> Self {
        Self {
            faults,
            state: Mutex::new(StrataState {
                page_size: spec.page_size,
                buildings: generate(seed, &spec),
            }),
        }
    }

    /// A reference to record `id` of this strata system.
    pub fn external_ref(id: impl Into<String>) -> ExternalRef {
        ExternalRef::new(PROVIDER, id)
    }

    /// A user to script with [`SandboxStrata::add_user`]: the contact `id` of `building`,
    /// holding `lots` (unit numbers as lot numbers), named `display_name` (split for greetings;
    /// a company stays whole).
    pub fn new_user(
        building: &str,
        id: &str,
        display_name: &str,
        email: Option<&str>,
        lots: &[&str],
        user_types: &[StrataUserType],
    ) -> StrataUser {
        let (first_name, last_name) = split_display_name(display_name);
        StrataUser {
            external: Self::external_ref(id),
            building: Self::external_ref(building),
            display_name: display_name.to_owned(),
            first_name,
            last_name,
            email: email.map(str::to_owned),
            alt_emails: Vec::new(),
            mobile: None,
            phone: None,
            lots: lots
                .iter()
                .map(|lot| StrataLot {
                    lot_number: (*lot).to_owned(),
                    unit_number: None,
                })
                .collect(),
            user_types: types(user_types),
            tenancy: None,
            warnings: Vec::new(),
        }
    }

    /// Changes the number of items per page.
    pub fn set_page_size(&self, page_size: usize) {
        self.lock().page_size = page_size;
    }

    /// Every building, in listing order.
    pub fn buildings(&self) -> Vec<StrataBuilding> {
        self.lock()
            .buildings
            .iter()
            .map(|b| b.building.clone())
            .collect()
    }

    /// The readable users of the building with id `building`, in listing order (empty if
    /// unknown).
    pub fn users(&self, building: &str) -> Vec<StrataUser> {
        self.lock()
            .buildings
            .iter()
            .find(|b| b.building.external.id == building)
            .map(|b| {
                b.users
                    .iter()
                    .filter_map(|u| u.as_ref().ok())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sets a building's status (an inactive building is one the strata system stopped
    /// managing). Returns `false` if the building is unknown.
    pub fn set_status(&self, building: &str, status: StrataBuildingStatus) -> bool {
        let mut state = self.lock();
        match state
            .buildings
            .iter_mut()
            .find(|b| b.building.external.id == building)
        {
            Some(b) => {
                b.building.status = status;
                true
            }
            None => false,
        }
    }

    /// Adds `user` at the end of the building's users, as given. Returns `false` (and adds
    /// nothing) if the building is unknown.
    pub fn add_user(&self, building: &str, user: StrataUser) -> bool {
        self.push(building, Ok(user))
    }

    /// Removes every user with id `external_id`. Returns whether one was removed.
    pub fn remove_user(&self, external_id: &str) -> bool {
        let mut removed = false;
        for b in &mut self.lock().buildings {
            b.users.retain(|u| {
                let hit = matches!(u, Ok(u) if u.external.id == external_id);
                removed |= hit;
                !hit
            });
        }
        removed
    }

    /// Adds a record the strata system cannot read at the end of the building's users: it is
    /// listed as an `Err` inside its page. Returns `false` if the building is unknown.
    pub fn inject_unreadable(&self, building: &str, error: RecordError) -> bool {
        self.push(building, Err(error))
    }

    fn push(&self, building: &str, item: Result<StrataUser, RecordError>) -> bool {
        let mut state = self.lock();
        match state
            .buildings
            .iter_mut()
            .find(|b| b.building.external.id == building)
        {
            Some(b) => {
                b.users.push(item);
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StrataState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl StrataProvider for SandboxStrata {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn list_buildings(
        &self,
        req: ListStrataBuildingsRequest,
    ) -> ProviderResult<Page<StrataBuilding>> {
        self.faults.before(self.name(), "list_buildings").await?;
        let state = self.lock();
        let all: Vec<Result<StrataBuilding, RecordError>> = state
            .buildings
            .iter()
            .map(|b| Ok(b.building.clone()))
            .collect();
        page(
            PROVIDER,
            "list_buildings",
            all.iter(),
            req.cursor.as_ref(),
            state.page_size,
        )
    }

    async fn get_building(&self, req: GetStrataBuildingRequest) -> ProviderResult<StrataBuilding> {
        self.faults.before(self.name(), "get_building").await?;
        let state = self.lock();
        let wanted = req.building.as_ref().map(|b| b.id.as_str()).unwrap_or("");
        state
            .buildings
            .iter()
            .find(|b| b.building.external.id == wanted)
            .map(|b| b.building.clone())
            .ok_or_else(|| {
                error(
                    PROVIDER,
                    "get_building",
                    ProviderErrorKind::NotFound,
                    format!("no building {wanted}"),
                )
            })
    }

    async fn list_users(&self, req: ListStrataUsersRequest) -> ProviderResult<Page<StrataUser>> {
        self.faults.before(self.name(), "list_users").await?;
        let state = self.lock();
        let Some(wanted) = req.building.as_ref() else {
            return Err(error(
                PROVIDER,
                "list_users",
                ProviderErrorKind::Rejected,
                "a building is required",
            ));
        };
        let building = state
            .buildings
            .iter()
            .find(|b| b.building.external.id == wanted.id)
            .ok_or_else(|| {
                error(
                    PROVIDER,
                    "list_users",
                    ProviderErrorKind::NotFound,
                    format!("no building {}", wanted.id),
                )
            })?;
        page(
            PROVIDER,
            "list_users",
            building.users.iter(),
            req.cursor.as_ref(),
            state.page_size,
        )
    }
}

fn types(list: &[StrataUserType]) -> StrataUserTypes {
    list.iter().copied().collect()
}

fn generate(seed: u64, spec: &StrataSpec) -> Vec<BuildingRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut names = BUILDING_NAMES;
    names.shuffle(&mut rng);
    let mut emails = HashSet::new();
    let mut buildings = Vec::with_capacity(spec.buildings);
    for b in 1..=spec.buildings {
        let base = names[(b - 1) % names.len()];
        let round = (b - 1) / names.len();
        let name = if round == 0 {
            base.to_owned()
        } else {
            format!("{base} {}", round + 1)
        };
        let building = StrataBuilding {
            external: SandboxStrata::external_ref(format!("strata-bldg-{b}")),
            plan_number: format!("SP {}", 40_000 + b * 17),
            address: Some(format!("{} Harbour Street, Sydney NSW 2000", b * 2 + 1)),
            name,
            status: StrataBuildingStatus::Active,
        };
        let mut users: Vec<StrataUser> = Vec::new();
        let mut owners = Vec::new();
        for lot in 1..=spec.lots_per_building {
            // Lot 1 is owner-occupied and lot 2 let out, so every type occurs; the rest vary.
            let let_out = match lot {
                1 => false,
                2 => true,
                _ => rng.random_bool(0.5),
            };
            let occupants: &[StrataUserType] = if let_out {
                &[StrataUserType::OwnerInvestor, StrataUserType::Tenant]
            } else {
                &[StrataUserType::OwnerOccupier]
            };
            owners.push(users.len());
            for &user_type in occupants {
                let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
                let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
                let display_name = format!("{first} {last}");
                let (first_name, last_name) = split_display_name(&display_name);
                users.push(StrataUser {
                    external: SandboxStrata::external_ref(format!(
                        "strata-user-{b}-{}",
                        users.len() + 1
                    )),
                    building: building.external.clone(),
                    display_name,
                    first_name,
                    last_name,
                    email: Some(unique_email(first, last, "example.net", &mut emails)),
                    alt_emails: Vec::new(),
                    mobile: None,
                    phone: None,
                    lots: vec![StrataLot {
                        lot_number: lot.to_string(),
                        unit_number: Some(format!("{}{:02}", 1 + (lot - 1) / 4, lot)),
                    }],
                    user_types: types(&[user_type]),
                    tenancy: None,
                    warnings: Vec::new(),
                });
            }
        }
        owners.shuffle(&mut rng);
        let committee = rng.random_range(1..=2).min(owners.len());
        for &i in owners.iter().take(committee) {
            users[i].user_types.insert(StrataUserType::Committee);
        }
        buildings.push(BuildingRecord {
            building,
            users: users.into_iter().map(Ok).collect(),
        });
    }
    buildings
}

#[cfg(test)]
mod tests {
    use super::*;
    use concierge_core::Cursor;

    fn snapshot(s: &SandboxStrata) -> Vec<(StrataBuilding, Vec<StrataUser>)> {
        s.buildings()
            .into_iter()
            .map(|b| {
                let users = s.users(&b.external.id);
                (b, users)
            })
            .collect()
    }

    async fn all_users(s: &SandboxStrata, building: &str) -> Vec<Result<StrataUser, RecordError>> {
        let mut out = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = s
                .list_users(ListStrataUsersRequest {
                    building: Some(SandboxStrata::external_ref(building)),
                    cursor,
                })
                .await
                .unwrap();
            out.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return out,
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_buildings_and_users_and_another_seed_different_ones() {
        let a = snapshot(&SandboxStrata::new(11, Faults::new()));
        assert_eq!(a, snapshot(&SandboxStrata::new(11, Faults::new())));
        assert_ne!(a, snapshot(&SandboxStrata::new(12, Faults::new())));
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].0.external.id, "strata-bldg-1");
    }

    #[test]
    fn every_building_has_all_four_user_types_and_committee_members_are_owners() {
        for seed in 0..20 {
            let s = SandboxStrata::new(seed, Faults::new());
            for b in s.buildings() {
                let users = s.users(&b.external.id);
                let seen: StrataUserTypes = users
                    .iter()
                    .flat_map(|u| u.user_types.iter().copied())
                    .collect();
                assert_eq!(seen, types(StrataUserType::ALL), "seed {seed}, {}", b.name);
                for u in &users {
                    if u.user_types.contains(&StrataUserType::Committee) {
                        assert!(
                            u.user_types.contains(&StrataUserType::OwnerOccupier)
                                || u.user_types.contains(&StrataUserType::OwnerInvestor)
                        );
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn paging_returns_every_user_exactly_once() {
        let s = SandboxStrata::new(3, Faults::new());
        s.set_page_size(3);
        let listed: Vec<String> = all_users(&s, "strata-bldg-2")
            .await
            .into_iter()
            .map(|u| u.unwrap().external.id)
            .collect();
        let expected: Vec<String> = s
            .users("strata-bldg-2")
            .into_iter()
            .map(|u| u.external.id)
            .collect();
        assert!(expected.len() >= 8);
        assert_eq!(listed, expected);
        assert_eq!(listed.iter().collect::<HashSet<_>>().len(), listed.len());
    }

    #[tokio::test]
    async fn added_and_removed_users_show_in_the_next_listing() {
        let s = SandboxStrata::new(4, Faults::new());
        let before = s.users("strata-bldg-1").len();
        let user = SandboxStrata::new_user(
            "strata-bldg-1",
            "strata-user-new",
            "Nia Lowe",
            Some("nia.lowe@example.net"),
            &["99"],
            &[StrataUserType::Tenant],
        );
        assert_eq!(user.first_name.as_deref(), Some("Nia"));
        assert!(s.add_user("strata-bldg-1", user));
        assert!(s.remove_user("strata-user-1-1"));
        assert!(!s.add_user("strata-bldg-9", s.users("strata-bldg-1")[0].clone()));
        let ids: Vec<String> = all_users(&s, "strata-bldg-1")
            .await
            .into_iter()
            .map(|u| u.unwrap().external.id)
            .collect();
        assert_eq!(ids.len(), before);
        assert!(ids.contains(&"strata-user-new".to_owned()));
        assert!(!ids.contains(&"strata-user-1-1".to_owned()));
    }

    #[tokio::test]
    async fn an_unreadable_user_is_an_err_inside_a_page_and_the_others_are_ok() {
        let s = SandboxStrata::new(4, Faults::new());
        let count = s.users("strata-bldg-3").len();
        assert!(s.inject_unreadable(
            "strata-bldg-3",
            RecordError {
                external: None,
                message: "lot number missing".into(),
            }
        ));
        let items = all_users(&s, "strata-bldg-3").await;
        assert_eq!(items.iter().filter(|u| u.is_err()).count(), 1);
        assert_eq!(items.iter().filter(|u| u.is_ok()).count(), count);
    }

    #[tokio::test]
    async fn a_scripted_fault_fails_list_users_but_not_list_buildings() {
        let faults = Faults::new();
        let s = SandboxStrata::new(1, faults.clone());
        faults.fail_next("list_users", ProviderErrorKind::Unauthorized);
        assert_eq!(
            s.list_buildings(Default::default())
                .await
                .unwrap()
                .items
                .len(),
            3
        );
        let req = || ListStrataUsersRequest {
            building: Some(SandboxStrata::external_ref("strata-bldg-1")),
            cursor: None,
        };
        let err = s.list_users(req()).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Unauthorized);
        assert_eq!(err.provider, "sandbox-strata");
        assert!(!err.retryable());
        assert!(s.list_users(req()).await.is_ok());
    }

    #[tokio::test]
    async fn listing_users_of_an_unknown_building_is_not_found() {
        let s = SandboxStrata::new(1, Faults::new());
        let err = s
            .list_users(ListStrataUsersRequest {
                building: Some(SandboxStrata::external_ref("strata-bldg-42")),
                cursor: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::NotFound);
    }
}
