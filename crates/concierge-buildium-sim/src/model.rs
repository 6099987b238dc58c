//! The simulator's compact, in-memory portfolio and the rules deriving statuses from dates.
//!
//! Records are stored once, in id order, with small integer fields and indices instead of
//! nested copies; the wire messages are built from them per request (see `wire.rs`). Per-unit
//! and per-property lease indexes, kept current on every mutation, let a listing filtered by
//! property or unit read only the records concerned.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::borrow::Cow;
use std::ops::Range;

/// Seconds since the Unix epoch, UTC.
pub(crate) type Ts = i64;

pub(crate) const PROPERTY_ID_BASE: i32 = 1_000;
pub(crate) const UNIT_ID_BASE: i32 = 100_000;
pub(crate) const LEASE_ID_BASE: i32 = 600_000;
pub(crate) const TENANT_ID_BASE: i32 = 2_000_000;
pub(crate) const COSIGNER_ID_BASE: i32 = 5_000_000;

pub(crate) fn ts_of(time: DateTime<Utc>) -> Ts {
    time.timestamp()
}

pub(crate) fn datetime_of(ts: Ts) -> DateTime<Utc> {
    DateTime::from_timestamp(ts, 0).unwrap_or_default()
}

pub(crate) fn start_of(date: NaiveDate) -> Ts {
    date.and_time(NaiveTime::MIN).and_utc().timestamp()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form Buildium documents for UTC date-times.
pub(crate) fn format_ts(ts: Ts) -> String {
    datetime_of(ts).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn format_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// `LeaseMessage.LeaseStatus`: derived from the lease's dates and move-outs against the
/// simulator's today whenever it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LeaseStatus {
    /// Started, and not ended.
    Active,
    /// Every tenant moved out (or the term ended with `AutomaticallyMoveOutTenants`).
    Past,
    /// Starts after today.
    Future,
}

impl LeaseStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Past => "Past",
            Self::Future => "Future",
        }
    }

    pub(crate) const NAMES: [&'static str; 3] = ["Active", "Past", "Future"];

    pub(crate) fn from_index(i: usize) -> Self {
        [Self::Active, Self::Past, Self::Future][i]
    }
}

/// `LeaseMessage.LeaseType`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LeaseType {
    /// `None`.
    None,
    /// A fixed term (the default).
    #[default]
    Fixed,
    /// A fixed term that rolls over to month-to-month.
    FixedWithRollover,
    /// No end date.
    AtWill,
}

impl LeaseType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Fixed => "Fixed",
            Self::FixedWithRollover => "FixedWithRollover",
            Self::AtWill => "AtWill",
        }
    }

    pub(crate) const NAMES: [&'static str; 4] = ["None", "Fixed", "FixedWithRollover", "AtWill"];

    pub(crate) fn from_index(i: usize) -> Self {
        [
            Self::None,
            Self::Fixed,
            Self::FixedWithRollover,
            Self::AtWill,
        ][i]
    }
}

/// `LeaseTenantMessage.Status`, derived like [`LeaseStatus`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TenantStatus {
    /// Moved out: the lease is past, or the tenant's move-out date is before today.
    MovedOut,
    /// Living there.
    Current,
    /// Moves in after today.
    Future,
}

impl TenantStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MovedOut => "MovedOut",
            Self::Current => "Current",
            Self::Future => "Future",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SubType {
    MultiFamily,
    CondoTownhome,
    SingleFamily,
}

impl SubType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::MultiFamily => "MultiFamily",
            Self::CondoTownhome => "CondoTownhome",
            Self::SingleFamily => "SingleFamily",
        }
    }
}

/// What is wrong with a deliberately bad generated record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BadRecordKind {
    /// The tenant's `FirstName` is null or empty.
    MissingFirstName,
    /// The tenant's `Email` is not an email address.
    MalformedEmail,
    /// The tenant's `MoveOutData.MoveOutDate` is before its `MoveInDate`.
    MoveOutBeforeMoveIn,
    /// The lease's `UnitId` is not listed by `/v1/rentals/units`.
    UnlistedUnit,
}

/// A deliberately bad record the generator planted, so a sync has something to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BadRecord {
    /// What is wrong.
    pub kind: BadRecordKind,
    /// The tenant concerned.
    pub tenant_id: i32,
    /// The tenant's lease.
    pub lease_id: i32,
    /// The lease's `UnitId` (for [`BadRecordKind::UnlistedUnit`], the unlisted id).
    pub unit_id: i32,
}

#[derive(Debug)]
pub(crate) struct Property {
    pub id: i32,
    pub name: Box<str>,
    pub street_no: u16,
    pub street: u8,
    pub city: u8,
    pub sub_type: SubType,
    pub active: bool,
    pub year_built: u16,
    pub reserve: u32,
    pub bank_account: i32,
    pub manager: Option<u8>,
    pub updated: Ts,
    /// Indices of its units in `Portfolio::units`.
    pub units: Range<u32>,
}

#[derive(Debug)]
pub(crate) struct Unit {
    pub id: i32,
    pub property: u32,
    /// Index into `generate::BUILDINGS` (0: null, 1: empty string).
    pub building: u8,
    pub number: u32,
    pub bedrooms: u8,
    pub bathrooms: u8,
    pub size: u16,
    pub rent: u32,
    pub listed: bool,
    pub updated: Ts,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct LeaseTenant {
    /// Index into `Portfolio::tenants`.
    pub tenant: u32,
    pub move_in: Option<NaiveDate>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct MoveOut {
    /// Index into `Portfolio::tenants`.
    pub tenant: u32,
    pub date: NaiveDate,
    pub notice: Option<NaiveDate>,
}

#[derive(Debug)]
pub(crate) struct Cosigner {
    pub id: i32,
    pub first: &'static str,
    pub last: &'static str,
    pub email: Box<str>,
    pub phone: Box<str>,
    pub created: Ts,
}

#[derive(Debug)]
pub(crate) struct Lease {
    pub id: i32,
    pub property: u32,
    pub unit_id: i32,
    /// Index into `Portfolio::units`; `None` when `unit_id` is not a listed unit.
    pub unit: Option<u32>,
    pub unit_number: u32,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub lease_type: LeaseType,
    pub auto_move_out: bool,
    pub created: Ts,
    pub updated: Ts,
    pub rent: u32,
    pub eviction_pending: bool,
    pub deleted: bool,
    pub tenants: Vec<LeaseTenant>,
    pub move_outs: Vec<MoveOut>,
    pub cosigner: Option<Box<Cosigner>>,
}

impl Lease {
    pub(crate) fn move_out_of(&self, tenant: u32) -> Option<&MoveOut> {
        self.move_outs.iter().find(|m| m.tenant == tenant)
    }

    pub(crate) fn status(&self, today: NaiveDate) -> LeaseStatus {
        if self.from > today {
            return LeaseStatus::Future;
        }
        let term_over = self.auto_move_out && self.to.is_some_and(|to| to < today);
        let all_out = !self.tenants.is_empty()
            && self
                .tenants
                .iter()
                .all(|t| self.move_out_of(t.tenant).is_some_and(|m| m.date < today));
        if term_over || all_out {
            LeaseStatus::Past
        } else {
            LeaseStatus::Active
        }
    }

    pub(crate) fn tenant_status(&self, tenant: &LeaseTenant, today: NaiveDate) -> TenantStatus {
        match self.status(today) {
            LeaseStatus::Past => TenantStatus::MovedOut,
            LeaseStatus::Future => TenantStatus::Future,
            LeaseStatus::Active => {
                if self
                    .move_out_of(tenant.tenant)
                    .is_some_and(|m| m.date < today)
                {
                    TenantStatus::MovedOut
                } else if tenant.move_in.unwrap_or(self.from) > today {
                    TenantStatus::Future
                } else {
                    TenantStatus::Current
                }
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct Tenant {
    pub id: i32,
    pub first: Option<Cow<'static, str>>,
    pub last: Cow<'static, str>,
    pub email: Option<Box<str>>,
    pub phone: Option<Box<str>>,
    pub created: Ts,
    pub updated: Ts,
    /// Indices into `Portfolio::leases`, oldest first. A tenant is on a lease exactly when the
    /// lease's `tenants` names them.
    pub leases: Vec<u32>,
}

/// The whole simulated account.
#[derive(Debug)]
pub(crate) struct Portfolio {
    pub seed: u64,
    /// The simulator's clock.
    pub now: Ts,
    pub properties: Vec<Property>,
    /// In id order, grouped by property in property order (a property's `units` range).
    pub units: Vec<Unit>,
    /// Per unit, indices of every lease whose `unit_id` is the unit's id, deleted ones included
    /// (a lease on an unlisted unit is in no unit's list).
    pub unit_leases: Vec<Vec<u32>>,
    /// In id order: a later lease has a larger id.
    pub leases: Vec<Lease>,
    /// Per property, indices of its leases that are not deleted, ascending (so in id order).
    /// Kept by `Portfolio::index_leases`, `Portfolio::index_lease` and
    /// `Portfolio::unindex_lease`.
    pub property_leases: Vec<Vec<u32>>,
    pub tenants: Vec<Tenant>,
    pub bad: Vec<BadRecord>,
    pub next_lease_id: i32,
    pub next_tenant_id: i32,
}

impl Portfolio {
    pub(crate) fn today(&self) -> NaiveDate {
        datetime_of(self.now).date_naive()
    }

    pub(crate) fn property_index(&self, id: i32) -> Option<usize> {
        self.properties.binary_search_by_key(&id, |p| p.id).ok()
    }

    pub(crate) fn unit_index(&self, id: i32) -> Option<usize> {
        self.units.binary_search_by_key(&id, |u| u.id).ok()
    }

    /// A lease that has not been deleted.
    pub(crate) fn lease_index(&self, id: i32) -> Option<usize> {
        self.leases
            .binary_search_by_key(&id, |l| l.id)
            .ok()
            .filter(|&i| !self.leases[i].deleted)
    }

    /// A tenant still on at least one lease that has not been deleted.
    pub(crate) fn tenant_index(&self, id: i32) -> Option<usize> {
        self.tenants
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .filter(|&i| self.tenant_visible(&self.tenants[i]))
    }

    pub(crate) fn tenant_visible(&self, tenant: &Tenant) -> bool {
        tenant
            .leases
            .iter()
            .any(|&l| !self.leases[l as usize].deleted)
    }

    /// The tenant's leases that have not been deleted, oldest first.
    pub(crate) fn live_leases<'a>(&'a self, tenant: &'a Tenant) -> impl Iterator<Item = &'a Lease> {
        tenant
            .leases
            .iter()
            .map(|&l| &self.leases[l as usize])
            .filter(|l| !l.deleted)
    }

    /// Builds the per-property lease index from the records (once, after generation).
    pub(crate) fn index_leases(&mut self) {
        let mut index = vec![Vec::new(); self.properties.len()];
        for (i, lease) in self.leases.iter().enumerate() {
            if !lease.deleted {
                index[lease.property as usize].push(i as u32);
            }
        }
        self.property_leases = index;
    }

    /// Adds a lease that is not deleted to its property's index.
    pub(crate) fn index_lease(&mut self, lease: u32) {
        let property = self.leases[lease as usize].property as usize;
        let list = &mut self.property_leases[property];
        let at = list.partition_point(|&l| l < lease);
        if list.get(at) != Some(&lease) {
            list.insert(at, lease);
        }
    }

    /// Removes a lease (being deleted) from its property's index.
    pub(crate) fn unindex_lease(&mut self, lease: u32) {
        let property = self.leases[lease as usize].property as usize;
        let list = &mut self.property_leases[property];
        if let Ok(at) = list.binary_search(&lease) {
            list.remove(at);
        }
    }

    /// Computed at query time, like Buildium's `IsUnitOccupied` (it never bumps the unit).
    pub(crate) fn unit_occupied(&self, unit: usize, today: NaiveDate) -> bool {
        self.unit_leases[unit].iter().any(|&l| {
            let lease = &self.leases[l as usize];
            !lease.deleted
                && lease.status(today) == LeaseStatus::Active
                && lease
                    .tenants
                    .iter()
                    .any(|t| lease.tenant_status(t, today) == TenantStatus::Current)
        })
    }
}

/// splitmix64: a cheap, stable hash for values derived from a record id (so they need no
/// storage) and for tie-breaking.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn lease(from: NaiveDate, to: Option<NaiveDate>, auto: bool) -> Lease {
        Lease {
            id: 1,
            property: 0,
            unit_id: 1,
            unit: Some(0),
            unit_number: 101,
            from,
            to,
            lease_type: LeaseType::Fixed,
            auto_move_out: auto,
            created: 0,
            updated: 0,
            rent: 1000,
            eviction_pending: false,
            deleted: false,
            tenants: vec![
                LeaseTenant {
                    tenant: 0,
                    move_in: None,
                },
                LeaseTenant {
                    tenant: 1,
                    move_in: Some(from),
                },
            ],
            move_outs: Vec::new(),
            cosigner: None,
        }
    }

    #[test]
    fn a_lease_is_future_before_its_start_and_active_from_its_start_date() {
        let l = lease(date(2026, 2, 1), Some(date(2027, 1, 31)), false);
        assert_eq!(l.status(date(2026, 1, 31)), LeaseStatus::Future);
        assert_eq!(l.status(date(2026, 2, 1)), LeaseStatus::Active);
        assert_eq!(
            l.tenant_status(&l.tenants[0], date(2026, 1, 31)),
            TenantStatus::Future
        );
        assert_eq!(
            l.tenant_status(&l.tenants[0], date(2026, 2, 1)),
            TenantStatus::Current
        );
    }

    #[test]
    fn a_lease_is_past_once_every_tenant_moved_out_or_its_term_ended_with_auto_move_out() {
        let mut l = lease(date(2025, 1, 1), Some(date(2025, 12, 31)), false);
        assert_eq!(l.status(date(2026, 1, 5)), LeaseStatus::Active);
        l.move_outs.push(MoveOut {
            tenant: 0,
            date: date(2026, 1, 2),
            notice: None,
        });
        assert_eq!(l.status(date(2026, 1, 5)), LeaseStatus::Active);
        assert_eq!(
            l.tenant_status(&l.tenants[0], date(2026, 1, 5)),
            TenantStatus::MovedOut
        );
        l.move_outs.push(MoveOut {
            tenant: 1,
            date: date(2026, 1, 9),
            notice: None,
        });
        assert_eq!(l.status(date(2026, 1, 9)), LeaseStatus::Active);
        assert_eq!(l.status(date(2026, 1, 10)), LeaseStatus::Past);
        let auto = lease(date(2025, 1, 1), Some(date(2025, 12, 31)), true);
        assert_eq!(auto.status(date(2025, 12, 31)), LeaseStatus::Active);
        assert_eq!(auto.status(date(2026, 1, 1)), LeaseStatus::Past);
    }
}
