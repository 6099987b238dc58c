use crate::faults::Faults;
use crate::paging::{error, page, unique_email};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use concierge_core::{
    Clock, ExternalRef, ListPmsPropertiesRequest, ListPmsResidentsRequest, ListPmsUnitsRequest,
    OccupancyRole, Page, PmsProperty, PmsProvider, PmsResident, PmsUnit, ProviderErrorKind,
    ProviderResult, RecordError,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

const PROVIDER: &str = "sandbox-pms";

const PROPERTY_NAMES: [&str; 8] = [
    "Harbour View",
    "Parkside Gardens",
    "Riverside Lofts",
    "Elm Court",
    "The Foundry",
    "Maple House",
    "Southbank Quarter",
    "Cedar Heights",
];

pub(crate) const FIRST_NAMES: [&str; 24] = [
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
];

pub(crate) const LAST_NAMES: [&str; 24] = [
    "Smith", "Nguyen", "Williams", "Brown", "Jones", "Wilson", "Taylor", "Martin", "Anderson",
    "Thompson", "White", "Walker", "Harris", "Lee", "Patel", "Kelly", "Clarke", "Singh", "Chen",
    "Murphy", "Garcia", "Rossi", "Kim", "Okafor",
];

/// The shape of a generated PMS portfolio. Every field is optional in JSON: an absent one keeps
/// its default.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PortfolioSpec {
    /// How many properties. Default 2.
    pub properties: usize,
    /// Units per property, split between "Tower A" and "Tower B". Default 6.
    pub units_per_property: usize,
    /// Residents per unit: the first is the primary, the second a secondary, the rest
    /// occupants. Default 1.
    pub residents_per_unit: usize,
    /// The share of residents, in percent, whose move-in date is ahead of today (future
    /// residents). Rounded to the nearest whole resident; values above 100 count as 100.
    /// Default 20.
    pub future_share_percent: u8,
    /// Items per page of every listing. Default 50.
    pub page_size: usize,
}

impl Default for PortfolioSpec {
    /// Two properties of six units each, one resident per unit, 20% of them future residents,
    /// pages of 50.
    fn default() -> Self {
        Self {
            properties: 2,
            units_per_property: 6,
            residents_per_unit: 1,
            future_share_percent: 20,
            page_size: 50,
        }
    }
}

/// A [`PmsProvider`] over a generated portfolio: the same seed gives the same properties,
/// units and residents. Tests script it with [`add_resident`](Self::add_resident),
/// [`update_resident`](Self::update_resident), [`remove_resident`](Self::remove_resident) and
/// [`inject_unreadable`](Self::inject_unreadable).
///
/// Ids: properties `pms-prop-<p>`, units `pms-unit-<p>-<u>`, residents `pms-res-<p>-<u>-<r>`,
/// all under the provider name `sandbox-pms`.
#[derive(Debug)]
pub struct SandboxPms {
    faults: Faults,
    today: NaiveDate,
    clock: Option<Arc<dyn Clock>>,
    state: Mutex<PmsState>,
}

#[derive(Debug)]
struct PmsState {
    page_size: usize,
    properties: Vec<PropertyRecord>,
}

#[derive(Debug)]
struct PropertyRecord {
    property: PmsProperty,
    units: Vec<PmsUnit>,
    residents: Vec<Result<PmsResident, RecordError>>,
}

impl SandboxPms {
    /// A PMS holding the portfolio `spec` generated from `seed`, with move-in dates relative to
    /// `today`, sharing `faults`.
    pub fn new(seed: u64, spec: PortfolioSpec, today: NaiveDate, faults: Faults) -> Self {
        Self {
            faults,
            today,
            clock: None,
            state: Mutex::new(PmsState {
                page_size: spec.page_size,
                properties: generate(seed, &spec, today),
            }),
        }
    }

    /// Stamps records changed through the helpers with `clock`'s time (without a clock they
    /// are stamped with the start of `today`).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A reference to record `id` of this PMS.
    pub fn external_ref(id: impl Into<String>) -> ExternalRef {
        ExternalRef::new(PROVIDER, id)
    }

    /// The date move-in dates were generated around.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Changes the number of items per page.
    pub fn set_page_size(&self, page_size: usize) {
        self.lock().page_size = page_size;
    }

    /// Every property, in listing order.
    pub fn properties(&self) -> Vec<PmsProperty> {
        self.lock()
            .properties
            .iter()
            .map(|p| p.property.clone())
            .collect()
    }

    /// The units of the property with PMS id `property`, in listing order (empty if unknown).
    pub fn units(&self, property: &str) -> Vec<PmsUnit> {
        self.lock()
            .properties
            .iter()
            .find(|p| p.property.external.id == property)
            .map(|p| p.units.clone())
            .unwrap_or_default()
    }

    /// The readable residents of the property with PMS id `property`, in listing order (empty
    /// if unknown).
    pub fn residents(&self, property: &str) -> Vec<PmsResident> {
        self.lock()
            .properties
            .iter()
            .find(|p| p.property.external.id == property)
            .map(|p| {
                p.residents
                    .iter()
                    .filter_map(|r| r.as_ref().ok())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adds `resident` at the end of the property's residents. A resident without `updated_at`
    /// is stamped with the current time, so an incremental pull sees it. Nothing is checked:
    /// an unknown unit or a duplicate id is kept as given, as a real PMS may send it. Returns
    /// `false` (and adds nothing) if the property is unknown.
    pub fn add_resident(&self, property: &str, mut resident: PmsResident) -> bool {
        if resident.updated_at.is_none() {
            resident.updated_at = Some(self.now());
        }
        let mut state = self.lock();
        match state
            .properties
            .iter_mut()
            .find(|p| p.property.external.id == property)
        {
            Some(p) => {
                resident.property = p.property.external.clone();
                p.residents.push(Ok(resident));
                true
            }
            None => false,
        }
    }

    /// Removes every resident with PMS id `external_id`. Returns whether one was removed.
    pub fn remove_resident(&self, external_id: &str) -> bool {
        let mut removed = false;
        for p in &mut self.lock().properties {
            p.residents.retain(|r| {
                let hit = matches!(r, Ok(r) if r.external.id == external_id);
                removed |= hit;
                !hit
            });
        }
        removed
    }

    /// Changes the first resident with PMS id `external_id` with `change`. If `change` leaves
    /// `updated_at` as it was, the record is stamped with the current time, as the PMS would.
    /// Returns whether the resident was found.
    pub fn update_resident(
        &self,
        external_id: &str,
        change: impl FnOnce(&mut PmsResident),
    ) -> bool {
        let now = self.now();
        let mut state = self.lock();
        let found = state
            .properties
            .iter_mut()
            .flat_map(|p| p.residents.iter_mut())
            .filter_map(|r| r.as_mut().ok())
            .find(|r| r.external.id == external_id);
        match found {
            Some(resident) => {
                let before = resident.updated_at;
                change(resident);
                if resident.updated_at == before {
                    resident.updated_at = Some(now);
                }
                true
            }
            None => false,
        }
    }

    /// Adds a record the PMS cannot read at the end of the property's residents: it is listed
    /// as an `Err` inside its page, in full and in incremental listings alike. Returns `false`
    /// (and adds nothing) if the property is unknown.
    pub fn inject_unreadable(&self, property: &str, error: RecordError) -> bool {
        let mut state = self.lock();
        match state
            .properties
            .iter_mut()
            .find(|p| p.property.external.id == property)
        {
            Some(p) => {
                p.residents.push(Err(error));
                true
            }
            None => false,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        match &self.clock {
            Some(clock) => clock.now(),
            None => self.today.and_time(NaiveTime::MIN).and_utc(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PmsState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The requested properties, in the order asked: a listing keeps each one's records together.
fn find_properties<'a>(
    state: &'a PmsState,
    properties: &[ExternalRef],
    operation: &str,
) -> ProviderResult<Vec<&'a PropertyRecord>> {
    if properties.is_empty() {
        return Err(error(
            PROVIDER,
            operation,
            ProviderErrorKind::Rejected,
            "a property is required",
        ));
    }
    properties
        .iter()
        .map(|property| {
            state
                .properties
                .iter()
                .find(|p| p.property.external.id == property.id)
                .ok_or_else(|| {
                    error(
                        PROVIDER,
                        operation,
                        ProviderErrorKind::NotFound,
                        format!("no property {}", property.id),
                    )
                })
        })
        .collect()
}

#[async_trait]
impl PmsProvider for SandboxPms {
    fn name(&self) -> &str {
        PROVIDER
    }

    /// Any number: the sandbox holds every property in memory.
    fn properties_per_listing(&self) -> usize {
        usize::MAX
    }

    async fn list_properties(
        &self,
        req: ListPmsPropertiesRequest,
    ) -> ProviderResult<Page<PmsProperty>> {
        self.faults.before(self.name(), "list_properties").await?;
        let state = self.lock();
        let all: Vec<Result<PmsProperty, RecordError>> = state
            .properties
            .iter()
            .map(|p| Ok(p.property.clone()))
            .collect();
        page(
            PROVIDER,
            "list_properties",
            all.iter(),
            req.cursor.as_ref(),
            state.page_size,
        )
    }

    async fn list_units(&self, req: ListPmsUnitsRequest) -> ProviderResult<Page<PmsUnit>> {
        self.faults.before(self.name(), "list_units").await?;
        let state = self.lock();
        let properties = find_properties(&state, &req.properties, "list_units")?;
        let all: Vec<Result<PmsUnit, RecordError>> = properties
            .iter()
            .flat_map(|p| p.units.iter().cloned().map(Ok))
            .collect();
        page(
            PROVIDER,
            "list_units",
            all.iter(),
            req.cursor.as_ref(),
            state.page_size,
        )
    }

    /// Residents changed at or after `updated_since` when it is given (records without
    /// `updated_at`, and unreadable records, are always listed).
    async fn list_residents(
        &self,
        req: ListPmsResidentsRequest,
    ) -> ProviderResult<Page<PmsResident>> {
        self.faults.before(self.name(), "list_residents").await?;
        let state = self.lock();
        let properties = find_properties(&state, &req.properties, "list_residents")?;
        let since = req.updated_since;
        let items = properties
            .iter()
            .flat_map(|p| p.residents.iter())
            .filter(|r| match (r, since) {
                (Ok(r), Some(since)) => r.updated_at.is_none_or(|at| at >= since),
                _ => true,
            });
        page(
            PROVIDER,
            "list_residents",
            items,
            req.cursor.as_ref(),
            state.page_size,
        )
    }
}

fn generate(seed: u64, spec: &PortfolioSpec, today: NaiveDate) -> Vec<PropertyRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut names = PROPERTY_NAMES;
    names.shuffle(&mut rng);

    let total = spec.properties * spec.units_per_property * spec.residents_per_unit;
    let share = usize::from(spec.future_share_percent.min(100));
    let future_count = (total * share + 50) / 100;
    let mut future: Vec<bool> = (0..total).map(|i| i < future_count).collect();
    future.shuffle(&mut rng);
    let mut future = future.into_iter();

    let start_of_today = today.and_time(NaiveTime::MIN).and_utc();
    let mut emails = HashSet::new();
    let mut properties = Vec::with_capacity(spec.properties);
    for p in 1..=spec.properties {
        let base = names[(p - 1) % names.len()];
        let round = (p - 1) / names.len();
        let name = if round == 0 {
            base.to_owned()
        } else {
            format!("{base} {}", round + 1)
        };
        let property = PmsProperty {
            external: SandboxPms::external_ref(format!("pms-prop-{p}")),
            name,
        };
        let per_tower = spec.units_per_property.div_ceil(2);
        let mut units = Vec::with_capacity(spec.units_per_property);
        let mut residents = Vec::with_capacity(spec.units_per_property * spec.residents_per_unit);
        for u in 1..=spec.units_per_property {
            let (tower, index) = if u <= per_tower {
                ("Tower A", u - 1)
            } else {
                ("Tower B", u - 1 - per_tower)
            };
            let floor = index / 4 + 1;
            let unit = PmsUnit {
                external: SandboxPms::external_ref(format!("pms-unit-{p}-{u}")),
                property: property.external.clone(),
                building_name: Some(tower.to_owned()),
                floor: Some(floor.to_string()),
                number: format!("{floor}{:02}", index % 4 + 1),
            };
            for r in 1..=spec.residents_per_unit {
                let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
                let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
                let email = unique_email(first, last, "example.org", &mut emails);
                let phone = format!(
                    "+61 4{:02} {:03} {:03}",
                    rng.random_range(0..100),
                    rng.random_range(0..1000),
                    rng.random_range(0..1000)
                );
                let move_in = if future.next().unwrap_or(false) {
                    today + Duration::days(rng.random_range(1..=60))
                } else {
                    today - Duration::days(rng.random_range(30..=900))
                };
                let updated_at = start_of_today
                    - Duration::days(rng.random_range(1..=90))
                    - Duration::seconds(rng.random_range(0..86_400));
                residents.push(Ok(PmsResident {
                    external: SandboxPms::external_ref(format!("pms-res-{p}-{u}-{r}")),
                    property: property.external.clone(),
                    unit: unit.external.clone(),
                    contact_listed: true,
                    first_name: first.to_owned(),
                    last_name: last.to_owned(),
                    email: Some(email),
                    phone: Some(phone),
                    role: match r {
                        1 => OccupancyRole::Primary,
                        2 => OccupancyRole::Secondary,
                        _ => OccupancyRole::Occupant,
                    },
                    move_in: Some(move_in),
                    move_out: None,
                    updated_at: Some(updated_at),
                }));
            }
            units.push(unit);
        }
        properties.push(PropertyRecord {
            property,
            units,
            residents,
        });
    }
    properties
}

#[cfg(test)]
mod tests {
    use super::*;
    use concierge_core::Cursor;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
    }

    fn pms(seed: u64) -> SandboxPms {
        SandboxPms::new(seed, PortfolioSpec::default(), today(), Faults::new())
    }

    fn prop(id: &str) -> Vec<ExternalRef> {
        vec![SandboxPms::external_ref(id)]
    }

    async fn all_residents(
        pms: &SandboxPms,
        property: &str,
    ) -> Vec<Result<PmsResident, RecordError>> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = pms
                .list_residents(ListPmsResidentsRequest {
                    properties: prop(property),
                    cursor,
                    ..Default::default()
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

    fn snapshot(pms: &SandboxPms) -> Vec<(PmsProperty, Vec<PmsUnit>, Vec<PmsResident>)> {
        pms.properties()
            .into_iter()
            .map(|p| {
                let id = p.external.id.clone();
                (p, pms.units(&id), pms.residents(&id))
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_portfolio_and_another_seed_a_different_one() {
        assert_eq!(snapshot(&pms(7)), snapshot(&pms(7)));
        assert_ne!(snapshot(&pms(7)), snapshot(&pms(8)));
    }

    #[test]
    fn the_default_portfolio_has_two_properties_of_six_units_in_two_towers() {
        let pms = pms(1);
        let props = pms.properties();
        assert_eq!(props.len(), 2);
        assert_eq!(props[0].external, SandboxPms::external_ref("pms-prop-1"));
        let units = pms.units("pms-prop-1");
        assert_eq!(units.len(), 6);
        assert_eq!(units[2].external.id, "pms-unit-1-3");
        assert_eq!(units[0].building_name.as_deref(), Some("Tower A"));
        assert_eq!(units[5].building_name.as_deref(), Some("Tower B"));
        assert_eq!(units[0].floor.as_deref(), Some("1"));
        assert_eq!(units[0].number, "101");
        let residents = pms.residents("pms-prop-1");
        assert_eq!(residents.len(), 6);
        let r = &residents[0];
        assert_eq!(r.external.id, "pms-res-1-1-1");
        assert_eq!(r.unit, units[0].external);
        let expected = format!("{}.{}@example.org", r.first_name, r.last_name).to_lowercase();
        assert_eq!(r.email.as_deref(), Some(expected.as_str()));
    }

    #[test]
    fn a_fifth_of_the_default_residents_move_in_after_today() {
        let pms = pms(3);
        let all: Vec<PmsResident> = pms
            .properties()
            .iter()
            .flat_map(|p| pms.residents(&p.external.id))
            .collect();
        assert_eq!(all.len(), 12);
        let future = all.iter().filter(|r| r.move_in.unwrap() > today()).count();
        assert_eq!(future, 2, "20% of 12, rounded");
    }

    #[tokio::test]
    async fn paging_returns_every_resident_exactly_once() {
        let spec = PortfolioSpec {
            properties: 1,
            units_per_property: 7,
            residents_per_unit: 3,
            page_size: 4,
            ..PortfolioSpec::default()
        };
        let pms = SandboxPms::new(5, spec, today(), Faults::new());
        let listed: Vec<String> = all_residents(&pms, "pms-prop-1")
            .await
            .into_iter()
            .map(|r| r.unwrap().external.id)
            .collect();
        let expected: Vec<String> = pms
            .residents("pms-prop-1")
            .into_iter()
            .map(|r| r.external.id)
            .collect();
        assert_eq!(listed.len(), 21);
        assert_eq!(listed, expected);
        let unique: HashSet<&String> = listed.iter().collect();
        assert_eq!(unique.len(), 21);
    }

    #[tokio::test]
    async fn the_last_page_has_no_next_cursor() {
        let pms = pms(1);
        pms.set_page_size(4);
        let first = pms
            .list_units(ListPmsUnitsRequest {
                properties: prop("pms-prop-1"),
                cursor: None,
            })
            .await
            .unwrap();
        assert_eq!(first.items.len(), 4);
        assert_eq!(first.next, Some(Cursor("4".into())));
        let last = pms
            .list_units(ListPmsUnitsRequest {
                properties: prop("pms-prop-1"),
                cursor: first.next,
            })
            .await
            .unwrap();
        assert_eq!(last.items.len(), 2);
        assert_eq!(last.next, None);
    }

    #[tokio::test]
    async fn an_unreadable_record_is_an_err_inside_a_page_and_the_rest_of_the_page_is_ok() {
        let pms = pms(2);
        let bad = RecordError {
            external: Some(SandboxPms::external_ref("pms-res-bad")),
            message: "date field is not a date".into(),
        };
        assert!(pms.inject_unreadable("pms-prop-1", bad.clone()));
        let page = pms
            .list_residents(ListPmsResidentsRequest {
                properties: prop("pms-prop-1"),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 7);
        let errors: Vec<&RecordError> =
            page.items.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(errors, vec![&bad]);
        assert_eq!(page.items.iter().filter(|r| r.is_ok()).count(), 6);
    }

    #[tokio::test]
    async fn an_incremental_listing_returns_only_residents_changed_since() {
        let pms = pms(4);
        let since = today().and_time(NaiveTime::MIN).and_utc();
        let req = || ListPmsResidentsRequest {
            properties: prop("pms-prop-2"),
            updated_since: Some(since),
            cursor: None,
        };
        assert!(pms.list_residents(req()).await.unwrap().items.is_empty());
        assert!(pms.update_resident("pms-res-2-3-1", |r| r.last_name = "Changed".into()));
        let page = pms.list_residents(req()).await.unwrap();
        assert_eq!(page.items.len(), 1);
        let r = page.items[0].as_ref().unwrap();
        assert_eq!(r.external.id, "pms-res-2-3-1");
        assert_eq!(r.last_name, "Changed");
    }

    #[tokio::test]
    async fn added_and_removed_residents_show_in_the_next_listing() {
        let pms = pms(6);
        let newcomer = PmsResident {
            external: SandboxPms::external_ref("pms-res-new"),
            property: SandboxPms::external_ref("pms-prop-1"),
            unit: SandboxPms::external_ref("pms-unit-1-2"),
            contact_listed: true,
            first_name: "New".into(),
            last_name: "Comer".into(),
            email: Some("new.comer@example.org".into()),
            phone: None,
            role: OccupancyRole::Secondary,
            move_in: Some(today()),
            move_out: None,
            updated_at: None,
        };
        assert!(pms.add_resident("pms-prop-1", newcomer));
        assert!(pms.remove_resident("pms-res-1-1-1"));
        assert!(!pms.remove_resident("pms-res-1-1-1"));
        assert!(!pms.add_resident("pms-prop-9", pms.residents("pms-prop-1")[0].clone()));
        let ids: Vec<String> = all_residents(&pms, "pms-prop-1")
            .await
            .into_iter()
            .map(|r| r.unwrap().external.id)
            .collect();
        assert!(ids.contains(&"pms-res-new".to_owned()));
        assert!(!ids.contains(&"pms-res-1-1-1".to_owned()));
        assert_eq!(ids.len(), 6);
    }

    #[tokio::test]
    async fn a_scripted_fault_fails_the_named_operation_only() {
        let faults = Faults::new();
        let pms = SandboxPms::new(1, PortfolioSpec::default(), today(), faults.clone());
        faults.fail_next("list_residents", ProviderErrorKind::RateLimited);
        let props = pms.list_properties(Default::default()).await.unwrap();
        assert_eq!(props.items.len(), 2);
        let req = || ListPmsResidentsRequest {
            properties: prop("pms-prop-1"),
            ..Default::default()
        };
        let err = pms.list_residents(req()).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::RateLimited);
        assert_eq!(err.provider, "sandbox-pms");
        assert_eq!(err.operation, "list_residents");
        assert!(pms.list_residents(req()).await.is_ok());
        assert_eq!(faults.calls("list_residents"), 2);
    }

    #[tokio::test]
    async fn listing_an_unknown_property_is_not_found_and_a_missing_one_is_rejected() {
        let pms = pms(1);
        let err = pms
            .list_units(ListPmsUnitsRequest {
                properties: prop("pms-prop-9"),
                cursor: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::NotFound);
        let err = pms.list_residents(Default::default()).await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Rejected);
    }

    #[tokio::test]
    async fn a_cursor_the_pms_did_not_issue_is_rejected() {
        let pms = pms(1);
        let err = pms
            .list_properties(ListPmsPropertiesRequest {
                cursor: Some(Cursor("page-two".into())),
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Rejected);
    }
}
