//! The control API of a running simulator: scripting the world and the OAuth server, faults and
//! echo, and the inspectors, counters and journal tests read.

use crate::SimHandle;
use crate::config::{FaultKind, FaultPlan};
use crate::journal::Exchange;
use crate::server::lock;
use crate::world::{
    self, AccessPoint, Building, Keychain, Preference, Tenant, Unit, VirtualKey, World,
};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A control call named something the simulator does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// No building has this id.
    #[error("no building {0}")]
    UnknownBuilding(i64),
    /// No unit has this id.
    #[error("no unit {0}")]
    UnknownUnit(i64),
    /// No tenant has this id.
    #[error("no tenant {0}")]
    UnknownTenant(i64),
}

/// Requests counted by route template (see [`crate::routes`]): on arrival, and by the status
/// answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// `route -> requests received`.
    pub by_route: BTreeMap<String, u64>,
    /// `(route, status) -> requests answered`.
    pub by_route_and_status: BTreeMap<(String, u16), u64>,
}

impl RequestStats {
    /// Every request received.
    pub fn total(&self) -> u64 {
        self.by_route.values().sum()
    }

    /// API requests received (`/v4/…`), leaving out the OAuth endpoints.
    pub fn api_total(&self) -> u64 {
        self.by_route
            .iter()
            .filter(|(route, _)| route.contains(" /v4/"))
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests received on `route`.
    pub fn route_count(&self, route: &str) -> u64 {
        self.by_route.get(route).copied().unwrap_or(0)
    }

    /// Requests answered with `status`, on any route.
    pub fn status_count(&self, status: u16) -> u64 {
        self.by_route_and_status
            .iter()
            .filter(|((_, s), _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests answered on `route` with `status`.
    pub fn count(&self, route: &str, status: u16) -> u64 {
        self.by_route_and_status
            .get(&(route.to_owned(), status))
            .copied()
            .unwrap_or(0)
    }
}

/// How many records of each kind the account holds, in every building.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Buildings.
    pub buildings: usize,
    /// Units.
    pub units: usize,
    /// Tenants.
    pub tenants: usize,
    /// Access points.
    pub access_points: usize,
    /// Keychains.
    pub keychains: usize,
    /// Virtual keys.
    pub virtual_keys: usize,
}

/// A tenant to add.
#[derive(Clone, Debug)]
pub struct NewTenant {
    /// The unit's label; the unit is created (floor `1`) when the building has none so labelled.
    pub unit_label: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Contact preference.
    pub contact_preference: Preference,
}

impl NewTenant {
    /// A tenant of unit `unit_label` on phone calls (the vendor's default).
    pub fn new(unit_label: &str, first_name: &str, last_name: &str, email: &str) -> Self {
        Self {
            unit_label: unit_label.to_owned(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            email: email.to_owned(),
            contact_preference: Preference::PhoneCall,
        }
    }
}

impl SimHandle {
    fn world_mut(&self) -> std::sync::MutexGuard<'_, World> {
        lock(&self.shared.world)
    }

    /// A copy of the whole world.
    pub fn world(&self) -> World {
        self.world_mut().clone()
    }

    /// Adds a building (enabled, without doors); returns its id.
    pub fn add_building(&self, name: &str, time_zone: &str) -> i64 {
        self.world_mut()
            .add_building(name, time_zone, "Springfield", world::now())
    }

    /// Adds a door (with one device) to `building`; returns its id.
    pub fn add_access_point(&self, building: i64, name: &str) -> Result<i64, ControlError> {
        let mut w = self.world_mut();
        w.building(building)
            .ok_or(ControlError::UnknownBuilding(building))?;
        Ok(w.add_access_point(building, name, world::now()))
    }

    /// Removes every door of `building`; returns how many there were.
    pub fn remove_access_points(&self, building: i64) -> Result<usize, ControlError> {
        let mut w = self.world_mut();
        w.building(building)
            .ok_or(ControlError::UnknownBuilding(building))?;
        let before = w.access_points.len();
        w.access_points.retain(|a| a.building_id != building);
        Ok(before - w.access_points.len())
    }

    /// Adds a unit to `building`; returns its id.
    pub fn add_unit(&self, building: i64, label: &str, floor: &str) -> Result<i64, ControlError> {
        let mut w = self.world_mut();
        w.building(building)
            .ok_or(ControlError::UnknownBuilding(building))?;
        Ok(w.add_unit(building, label, floor, world::now()))
    }

    /// Adds a registered tenant to `building`; returns its id.
    pub fn add_tenant(&self, building: i64, new: NewTenant) -> Result<i64, ControlError> {
        let mut w = self.world_mut();
        w.building(building)
            .ok_or(ControlError::UnknownBuilding(building))?;
        let now = world::now();
        let unit =
            match w.units.iter().find(|u| {
                u.building_id == building && u.label.eq_ignore_ascii_case(&new.unit_label)
            }) {
                Some(u) => u.id,
                None => w.add_unit(building, &new.unit_label, "1", now),
            };
        Ok(w.add_tenant(
            unit,
            &new.first_name,
            &new.last_name,
            &new.email,
            new.contact_preference,
            "registered",
            now,
        ))
    }

    /// Sets a tenant's contact preference.
    pub fn set_contact_preference(
        &self,
        tenant: i64,
        preference: Preference,
    ) -> Result<(), ControlError> {
        let mut w = self.world_mut();
        let t = w
            .tenants
            .iter_mut()
            .find(|t| t.id == tenant)
            .ok_or(ControlError::UnknownTenant(tenant))?;
        t.contact_preference = preference;
        Ok(())
    }

    /// Whether the vendor has enabled our application for `building`. A building not enabled,
    /// and everything in it, answers as if it did not exist (404, missing from listings).
    pub fn set_enabled(&self, building: i64, enabled: bool) -> Result<(), ControlError> {
        let mut w = self.world_mut();
        let b = w
            .buildings
            .iter_mut()
            .find(|b| b.id == building)
            .ok_or(ControlError::UnknownBuilding(building))?;
        b.enabled = enabled;
        Ok(())
    }

    /// Deletes a unit and its tenants.
    pub fn remove_unit(&self, unit: i64) -> Result<(), ControlError> {
        let mut w = self.world_mut();
        let at = w
            .units
            .iter()
            .position(|u| u.id == unit)
            .ok_or(ControlError::UnknownUnit(unit))?;
        w.units.remove(at);
        w.tenants.retain(|t| t.unit_id != unit);
        Ok(())
    }

    /// Deletes a tenant.
    pub fn remove_tenant(&self, tenant: i64) -> Result<(), ControlError> {
        let mut w = self.world_mut();
        let at = w
            .tenants
            .iter()
            .position(|t| t.id == tenant)
            .ok_or(ControlError::UnknownTenant(tenant))?;
        w.tenants.remove(at);
        Ok(())
    }

    /// A building, enabled or not.
    pub fn building(&self, id: i64) -> Option<Building> {
        self.world_mut().building(id).cloned()
    }

    /// The units of `building`.
    pub fn units(&self, building: i64) -> Vec<Unit> {
        self.world_mut()
            .units
            .iter()
            .filter(|u| u.building_id == building)
            .cloned()
            .collect()
    }

    /// The tenants of `building`.
    pub fn tenants(&self, building: i64) -> Vec<Tenant> {
        self.world_mut()
            .tenants
            .iter()
            .filter(|t| t.building_id == building)
            .cloned()
            .collect()
    }

    /// The doors of `building`.
    pub fn access_points(&self, building: i64) -> Vec<AccessPoint> {
        self.world_mut()
            .access_points
            .iter()
            .filter(|a| a.building_id == building)
            .cloned()
            .collect()
    }

    /// The keychains of `building`.
    pub fn keychains(&self, building: i64) -> Vec<Keychain> {
        self.world_mut()
            .keychains
            .iter()
            .filter(|k| k.building_id == building)
            .cloned()
            .collect()
    }

    /// The virtual keys of `building`.
    pub fn virtual_keys(&self, building: i64) -> Vec<VirtualKey> {
        self.world_mut()
            .virtual_keys
            .iter()
            .filter(|v| v.building_id == building)
            .cloned()
            .collect()
    }

    /// How many records of each kind the account holds.
    pub fn counts(&self) -> Counts {
        let w = self.world_mut();
        Counts {
            buildings: w.buildings.len(),
            units: w.units.len(),
            tenants: w.tenants.len(),
            access_points: w.access_points.len(),
            keychains: w.keychains.len(),
            virtual_keys: w.virtual_keys.len(),
        }
    }

    /// A one-time consent code, as the building admin would be shown after consenting.
    pub fn issue_consent_code(&self) -> String {
        let mut rng = lock(&self.shared.rng);
        lock(&self.shared.oauth).issue_code(&self.shared.config.token_prefix, &mut rng)
    }

    /// The building admin withdraws the consent: every code, access token and refresh token
    /// stops working.
    pub fn revoke_consent(&self) {
        lock(&self.shared.oauth).revoke();
    }

    /// Every access token issued so far expires now (refresh tokens keep working).
    pub fn expire_access_tokens(&self) {
        lock(&self.shared.oauth).expire_access();
    }

    /// The lifetime (`expires_in`) of access tokens issued from now on.
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        lock(&self.shared.oauth).lifetime = lifetime;
    }

    /// Token pairs issued so far, by either grant.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.shared.oauth).issued
    }

    /// Refresh grants honoured so far.
    pub fn refreshes(&self) -> u64 {
        lock(&self.shared.oauth).refreshes
    }

    /// Answers every request with `status` and an error body quoting its method, target,
    /// headers and body (in `messages` on a 401); `None` turns the echo off.
    pub fn set_echo(&self, status: Option<u16>) {
        *lock(&self.shared.echo) = status;
    }

    /// While echoing, also put the echo in the `x-request-id` reply header.
    pub fn set_echo_in_request_id(&self, on: bool) {
        self.shared.echo_request_id.store(on, Ordering::Relaxed);
    }

    /// Draws faults for API requests from `plan` from now on.
    pub fn set_faults(&self, plan: FaultPlan) {
        lock(&self.shared.faults).set_plan(Some(plan));
    }

    /// The next API requests get these faults, in order, before any plan is drawn from.
    pub fn inject_faults(&self, kinds: impl IntoIterator<Item = FaultKind>) {
        lock(&self.shared.faults).queue.extend(kinds);
    }

    /// The next request on `route` (a [`crate::routes`] template) gets `kind`, whatever the
    /// requests on other routes get; several calls queue up in order.
    pub fn inject_fault_on(&self, route: &str, kind: FaultKind) {
        lock(&self.shared.faults)
            .targeted
            .push_back((route.to_owned(), kind));
    }

    /// No more faults.
    pub fn clear_faults(&self) {
        let mut faults = lock(&self.shared.faults);
        faults.set_plan(None);
        faults.queue.clear();
        faults.targeted.clear();
    }

    /// When `refuse`, every API request is answered 401 whatever its token, while the token
    /// endpoint keeps issuing tokens (a consent that no longer covers the account's buildings).
    pub fn refuse_api_tokens(&self, refuse: bool) {
        self.shared.refuse_api.store(refuse, Ordering::Relaxed);
    }

    /// The request counters.
    pub fn stats(&self) -> RequestStats {
        RequestStats {
            by_route: lock(&self.shared.arrivals)
                .iter()
                .map(|(r, n)| ((*r).to_owned(), *n))
                .collect(),
            by_route_and_status: lock(&self.shared.answers)
                .iter()
                .map(|((r, s), n)| (((*r).to_owned(), *s), *n))
                .collect(),
        }
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        lock(&self.shared.arrivals).clear();
        lock(&self.shared.answers).clear();
    }

    /// Every exchange journalled so far, in the order they were answered.
    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.journal).clone()
    }

    /// Empties the journal.
    pub fn clear_exchanges(&self) {
        lock(&self.shared.journal).clear();
    }

    /// Turns the journal on or off.
    pub fn set_journal(&self, on: bool) {
        self.shared.journal_on.store(on, Ordering::Relaxed);
    }
}
