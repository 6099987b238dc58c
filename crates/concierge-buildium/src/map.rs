//! From Buildium's messages to the provider-neutral records: properties, units, and one
//! resident per (tenant, lease).

use crate::config::{BuildiumConfig, LeaseEndMoveOut, ResidentKey};
use crate::wire::{
    self, LeaseIdMessage, LeaseMessage, LeaseMoveOutDataMessage, LeaseTenantMessage,
    PhoneNumberMessage, RentalMessage, RentalUnitMessage, TenantMessage, decode, parse_opt_date,
    parse_timestamp, raw_id,
};
use chrono::{DateTime, NaiveDate, Utc};
use concierge_core::{ExternalRef, OccupancyRole, PmsProperty, PmsResident, PmsUnit, RecordError};
use serde_json::value::RawValue;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The provider name in every [`ExternalRef`].
pub(crate) const PROVIDER: &str = "buildium";

fn record_error(external: Option<String>, message: String) -> RecordError {
    RecordError {
        external: external.map(|id| ExternalRef::new(PROVIDER, id)),
        message,
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Properties and units

/// A rental property. Its name is `Name`, else the first address line, else `Rental <Id>`.
pub(crate) fn property(raw: &RawValue) -> Result<PmsProperty, RecordError> {
    let rental: RentalMessage = decode(raw).map_err(|e| {
        record_error(
            raw_id(raw).map(|i| i.to_string()),
            format!("rental property cannot be read: {e}"),
        )
    })?;
    let name = non_empty(rental.name)
        .or_else(|| rental.address.and_then(|a| non_empty(a.address_line1)))
        .unwrap_or_else(|| format!("Rental {}", rental.id));
    Ok(PmsProperty {
        external: ExternalRef::new(PROVIDER, rental.id.to_string()),
        name,
    })
}

/// A rental unit. `BuildingName` is its building (empty: the property itself); `UnitNumber` is
/// required; its property is `PropertyId`, else `listed` (the one property a listing named).
pub(crate) fn unit(
    raw: &RawValue,
    config: &BuildiumConfig,
    listed: Option<i64>,
) -> Result<PmsUnit, RecordError> {
    let unit: RentalUnitMessage = decode(raw).map_err(|e| {
        record_error(
            raw_id(raw).map(|i| i.to_string()),
            format!("rental unit cannot be read: {e}"),
        )
    })?;
    let number = non_empty(unit.unit_number).ok_or_else(|| {
        record_error(
            Some(unit.id.to_string()),
            "the rental unit has no `UnitNumber`".into(),
        )
    })?;
    let property = unit.property_id.or(listed).ok_or_else(|| {
        record_error(
            Some(unit.id.to_string()),
            "the rental unit has no `PropertyId`".into(),
        )
    })?;
    let building_name = if config.use_building_name {
        non_empty(unit.building_name)
    } else {
        None
    };
    Ok(PmsUnit {
        external: ExternalRef::new(PROVIDER, unit.id.to_string()),
        property: ExternalRef::new(PROVIDER, property.to_string()),
        building_name,
        floor: None,
        number,
    })
}

// ---------------------------------------------------------------------------------------------
// Tenants

/// A lease of a tenant, from `TenantMessage.Leases[]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LeaseRef {
    pub id: i64,
    pub property_id: Option<i64>,
}

/// A tenant's contact details and, when Buildium sent them, their leases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tenant {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `None` when the message carried no `Leases` (an embedded `CurrentTenants` entry).
    pub leases: Option<Vec<LeaseRef>>,
}

/// Decodes a `TenantMessage`.
pub(crate) fn tenant(raw: &RawValue) -> Result<Tenant, String> {
    let t: TenantMessage = decode(raw).map_err(|e| format!("the tenant cannot be read: {e}"))?;
    let phone = t
        .phone_numbers
        .unwrap_or_default()
        .iter()
        .filter_map(|p| decode::<PhoneNumberMessage>(p).ok()?.number)
        .filter_map(|n| n.as_str().map(|n| n.trim().to_string()))
        .find(|n| !n.is_empty());
    let leases = t.leases.map(|leases| {
        leases
            .iter()
            .filter_map(|l| {
                let l = decode::<LeaseIdMessage>(l).ok()?;
                Some(LeaseRef {
                    id: l.id?.as_i64()?,
                    property_id: l.property_id.and_then(|p| p.as_i64()),
                })
            })
            .collect()
    });
    Ok(Tenant {
        id: t.id,
        first_name: t.first_name.unwrap_or_default(),
        last_name: t.last_name.unwrap_or_default(),
        email: non_empty(t.email),
        phone,
        leases,
    })
}

// ---------------------------------------------------------------------------------------------
// Leases

/// One entry of `LeaseMessage.Tenants[]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub tenant_id: i64,
    /// `Status == MovedOut`.
    pub moved_out: bool,
    /// `MoveInDate`, or why it cannot be read.
    pub move_in: Result<Option<NaiveDate>, String>,
}

/// A lease, decoded; its tenants' own problems are kept per tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lease {
    pub id: i64,
    /// `PropertyId`, else the one property the listing named.
    pub property_id: i64,
    pub unit_id: i64,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// `LeaseStatus == Past`.
    pub past: bool,
    pub auto_move_out: bool,
    pub updated_at: Option<DateTime<Utc>>,
    /// `Tenants[]` in order (or, without it, `CurrentTenants[]`); an unreadable entry is an
    /// `Err`.
    pub entries: Vec<Result<Entry, String>>,
    /// `MoveOutData` by tenant: the latest date, or why it cannot be read.
    pub move_outs: HashMap<i64, Result<NaiveDate, String>>,
    /// `CurrentTenants[]` by tenant id.
    pub embedded: HashMap<i64, Result<Tenant, String>>,
}

impl Lease {
    /// Whether the entry's tenant left: `MovedOut`, or on a `Past` lease.
    pub(crate) fn gone(&self, entry: &Entry) -> bool {
        entry.moved_out || self.past
    }

    /// The lease's readable entries.
    pub(crate) fn readable_entries(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.entries.iter().filter_map(|e| e.as_ref().ok())
    }

    /// The tenant ids of the lease's readable entries.
    pub(crate) fn tenant_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.entries
            .iter()
            .filter_map(|e| e.as_ref().ok().map(|e| e.tenant_id))
    }
}

fn lease_error(id: Option<i64>, what: String) -> RecordError {
    let lease = id.map_or_else(|| "?".to_string(), |i| i.to_string());
    record_error(None, format!("lease {lease}: {what}"))
}

/// Decodes a `LeaseMessage`; its property is `PropertyId`, else `listed` (the one property the
/// listing named). A lease without `Id`, `UnitId` or property, with unreadable dates, or with a
/// move-out that names no tenant, is one error (the message names the lease).
pub(crate) fn lease(raw: &RawValue, listed: Option<i64>) -> Result<Lease, RecordError> {
    let l: LeaseMessage =
        decode(raw).map_err(|e| lease_error(raw_id(raw), format!("cannot be read: {e}")))?;
    let id = Some(l.id);
    let property_id = l
        .property_id
        .or(listed)
        .ok_or_else(|| lease_error(id, "has no `PropertyId`".into()))?;
    let unit_id = l
        .unit_id
        .ok_or_else(|| lease_error(id, "has no `UnitId`".into()))?;
    let from = parse_opt_date("LeaseFromDate", l.lease_from_date.as_deref())
        .map_err(|e| lease_error(id, e))?;
    let to = parse_opt_date("LeaseToDate", l.lease_to_date.as_deref())
        .map_err(|e| lease_error(id, e))?;
    let updated_at = match l.last_updated_date_time.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(parse_timestamp("LastUpdatedDateTime", t).map_err(|e| lease_error(id, e))?),
    };

    let mut embedded = HashMap::new();
    let mut current_order = Vec::new();
    for raw in l.current_tenants.unwrap_or_default() {
        let decoded = tenant(&raw);
        let Some(tenant_id) = decoded.as_ref().ok().map(|t| t.id).or_else(|| raw_id(&raw)) else {
            continue;
        };
        current_order.push(tenant_id);
        embedded.insert(tenant_id, decoded);
    }

    let mut move_outs: HashMap<i64, Result<NaiveDate, String>> = HashMap::new();
    for raw in l.move_out_data.unwrap_or_default() {
        let m: LeaseMoveOutDataMessage = decode(&raw)
            .map_err(|e| lease_error(id, format!("a `MoveOutData` entry cannot be read: {e}")))?;
        let date = match m.move_out_date.as_deref() {
            None => Err("its `MoveOutData` has no `MoveOutDate`".to_string()),
            Some(t) => wire::parse_date("MoveOutDate", t),
        };
        let merged = match (move_outs.remove(&m.tenant_id), date) {
            (Some(Err(e)), _) | (_, Err(e)) => Err(e),
            (Some(Ok(a)), Ok(b)) => Ok(a.max(b)),
            (None, Ok(b)) => Ok(b),
        };
        move_outs.insert(m.tenant_id, merged);
    }

    let tenants = l.tenants.unwrap_or_default();
    let entries = if tenants.is_empty() {
        current_order
            .into_iter()
            .map(|tenant_id| {
                Ok(Entry {
                    tenant_id,
                    moved_out: false,
                    move_in: Ok(None),
                })
            })
            .collect()
    } else {
        tenants
            .into_iter()
            .enumerate()
            .map(|(i, raw)| {
                let t: LeaseTenantMessage = decode(&raw)
                    .map_err(|e| format!("tenant entry {} cannot be read: {e}", i + 1))?;
                Ok(Entry {
                    tenant_id: t.id,
                    moved_out: t.status.as_deref() == Some("MovedOut"),
                    move_in: parse_opt_date("MoveInDate", t.move_in_date.as_deref()),
                })
            })
            .collect()
    };

    Ok(Lease {
        id: l.id,
        property_id,
        unit_id,
        from,
        to,
        past: l.lease_status.as_deref() == Some("Past"),
        auto_move_out: l.automatically_move_out_tenants.unwrap_or(false),
        updated_at,
        entries,
        move_outs,
        embedded,
    })
}

/// Whether the adapter must fetch this tenant's `TenantMessage`: they are not embedded in
/// `CurrentTenants` (future, or unreadable there) and have not left, so their names and contact
/// details are needed; or the resident key needs their leases (`first_lease_looked_up`) and
/// neither an embedded message with its `Leases` nor the listing's order tells them. A tenant
/// who left and is not embedded is listed without contact details instead (the sync keeps those
/// it has).
pub(crate) fn needs_lookup(
    lease: &Lease,
    entry: &Entry,
    config: &BuildiumConfig,
    first_lease_looked_up: bool,
) -> bool {
    let key_needs_leases =
        first_lease_looked_up && config.resident_key == ResidentKey::TenantFirstLease;
    match lease.embedded.get(&entry.tenant_id) {
        Some(Ok(t)) => key_needs_leases && t.leases.is_none(),
        _ if lease.gone(entry) => key_needs_leases,
        _ => true,
    }
}

/// How a page tells which lease of a tenant is their first in a property.
pub(crate) enum FirstLease {
    /// From the tenants' `Leases[]` (looked up when not embedded) and the page itself: for an
    /// incremental pull, which lists only what changed.
    LookedUp,
    /// From the listing's order: a full listing of every lease, past ones included, ordered by
    /// property then `Id`, shows a tenant's first lease in a property before any later one.
    /// Holds the `(lease, tenant)` pairs that are a tenant's first in their property.
    Listed(HashSet<(i64, i64)>),
}

/// The property a page of an ordered full listing ended in and the tenants it showed there:
/// handed to the next page in the cursor, so a property that spans pages keys its tenants the
/// same as one that does not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Carry {
    pub property: i64,
    pub tenants: BTreeSet<i64>,
}

impl Carry {
    /// A carry of `property` alone (no tenants): where a page ended.
    pub(crate) fn of(property: i64) -> Self {
        Self {
            property,
            tenants: BTreeSet::new(),
        }
    }
}

/// The first leases of an ordered full listing's page (see [`FirstLease::Listed`]), given what
/// the previous page carried; returns them with what this page carries on. An unreadable lease
/// shows no tenants.
pub(crate) fn firsts_in_listing(
    leases: &[Result<Lease, RecordError>],
    carry: Option<Carry>,
) -> (HashSet<(i64, i64)>, Option<Carry>) {
    let mut firsts = HashSet::new();
    let mut current = carry;
    for lease in leases.iter().flatten() {
        let here = match &mut current {
            Some(c) if c.property == lease.property_id => c,
            _ => current.insert(Carry {
                property: lease.property_id,
                tenants: BTreeSet::new(),
            }),
        };
        for tenant_id in lease.tenant_ids() {
            if here.tenants.insert(tenant_id) {
                firsts.insert((lease.id, tenant_id));
            }
        }
    }
    (firsts, current)
}

/// What mapping a page of leases knows besides each lease.
pub(crate) struct PageContext<'a> {
    pub config: &'a BuildiumConfig,
    /// Tenants fetched for this page, by id.
    pub fetched: &'a HashMap<i64, Result<Tenant, String>>,
    /// How first leases are told.
    pub first: FirstLease,
    /// Every tenant's leases on this page, by (property, tenant).
    pub page_leases: HashMap<(i64, i64), BTreeSet<i64>>,
}

impl<'a> PageContext<'a> {
    pub(crate) fn new(
        config: &'a BuildiumConfig,
        fetched: &'a HashMap<i64, Result<Tenant, String>>,
        first: FirstLease,
        leases: &[Result<Lease, RecordError>],
    ) -> Self {
        let mut page_leases: HashMap<(i64, i64), BTreeSet<i64>> = HashMap::new();
        for lease in leases.iter().flatten() {
            for tenant_id in lease.tenant_ids() {
                page_leases
                    .entry((lease.property_id, tenant_id))
                    .or_default()
                    .insert(lease.id);
            }
        }
        Self {
            config,
            fetched,
            first,
            page_leases,
        }
    }

    /// The resident's external id (see [`ResidentKey`]).
    fn key(&self, tenant_id: i64, lease: &Lease, tenant: Option<&Tenant>) -> String {
        let composite = format!("{tenant_id}:{}", lease.id);
        if self.config.resident_key == ResidentKey::TenantAndLease {
            return composite;
        }
        let first = match &self.first {
            FirstLease::Listed(firsts) => firsts.contains(&(lease.id, tenant_id)),
            FirstLease::LookedUp => {
                let mut first = lease.id;
                if let Some(ids) = self.page_leases.get(&(lease.property_id, tenant_id)) {
                    first = first.min(ids.iter().copied().min().unwrap_or(lease.id));
                }
                let in_property = tenant
                    .and_then(|t| t.leases.as_ref())
                    .into_iter()
                    .flatten()
                    .filter(|l| l.property_id.is_none_or(|p| p == lease.property_id));
                for l in in_property {
                    first = first.min(l.id);
                }
                first == lease.id
            }
        };
        if first {
            tenant_id.to_string()
        } else {
            composite
        }
    }

    /// The best `TenantMessage` known for a tenant: fetched, else embedded in the lease.
    fn tenant<'l>(&'l self, lease: &'l Lease, tenant_id: i64) -> Result<&'l Tenant, String> {
        match (self.fetched.get(&tenant_id), lease.embedded.get(&tenant_id)) {
            (Some(Ok(t)), _) | (_, Some(Ok(t))) => Ok(t),
            (Some(Err(e)), _) | (None, Some(Err(e))) => Err(e.clone()),
            (None, None) => Err("the tenant was not found".into()),
        }
    }

    /// One resident per readable tenant entry of the lease; the others are errors.
    pub(crate) fn residents(&self, lease: &Lease) -> Vec<Result<PmsResident, RecordError>> {
        lease
            .entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                let entry = entry
                    .as_ref()
                    .map_err(|e| lease_error(Some(lease.id), e.clone()))?;
                self.resident(lease, index, entry)
            })
            .collect()
    }

    fn resident(
        &self,
        lease: &Lease,
        index: usize,
        entry: &Entry,
    ) -> Result<PmsResident, RecordError> {
        let tenant = self.tenant(lease, entry.tenant_id);
        let key = self.key(entry.tenant_id, lease, tenant.as_ref().ok().copied());
        let fail = |what: String| {
            record_error(
                Some(key.clone()),
                format!("tenant {} of lease {}: {what}", entry.tenant_id, lease.id),
            )
        };
        // A tenant who left needs no contact details: the sync only moves them out.
        let tenant = match tenant {
            Ok(t) => Some(t),
            Err(_) if lease.gone(entry) => None,
            Err(e) => return Err(fail(e)),
        };
        let move_in = entry.move_in.clone().map_err(&fail)?.or(lease.from);
        let move_out = self.move_out(lease, entry).map_err(&fail)?;
        Ok(PmsResident {
            external: ExternalRef::new(PROVIDER, key.clone()),
            property: ExternalRef::new(PROVIDER, lease.property_id.to_string()),
            unit: ExternalRef::new(PROVIDER, lease.unit_id.to_string()),
            contact_listed: tenant.is_some(),
            first_name: tenant.map(|t| t.first_name.clone()).unwrap_or_default(),
            last_name: tenant.map(|t| t.last_name.clone()).unwrap_or_default(),
            email: tenant.and_then(|t| t.email.clone()),
            phone: tenant.and_then(|t| t.phone.clone()),
            role: if index == 0 {
                OccupancyRole::Primary
            } else {
                OccupancyRole::Secondary
            },
            move_in,
            move_out,
            updated_at: lease.updated_at,
        })
    }

    /// `MoveOutData` for the tenant; else the lease end per [`LeaseEndMoveOut`]; else, for a
    /// tenant Buildium shows as moved out (`MovedOut`, or a `Past` lease), the earlier of the
    /// lease end and the day the lease was last updated.
    fn move_out(&self, lease: &Lease, entry: &Entry) -> Result<Option<NaiveDate>, String> {
        if let Some(date) = lease.move_outs.get(&entry.tenant_id) {
            return date.clone().map(Some);
        }
        let lease_end = match self.config.lease_end_move_out {
            LeaseEndMoveOut::WhenAutomatic => lease.to.filter(|_| lease.auto_move_out),
            LeaseEndMoveOut::Always => lease.to,
            LeaseEndMoveOut::Never => None,
        };
        if lease_end.is_some() {
            return Ok(lease_end);
        }
        if entry.moved_out || lease.past {
            // The earlier of the lease end and the day the move-out was recorded: a tenant who
            // left a running lease must not stay until its end.
            return [lease.to, lease.updated_at.map(|at| at.date_naive())]
                .into_iter()
                .flatten()
                .min()
                .map(Some)
                .ok_or_else(|| "moved out, but Buildium gives no move-out date".to_string());
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concierge_http::SecretString;
    use serde_json::{Value, json};

    // The mappings read a record's JSON text; these tests write records as `json!` values.
    fn raw(value: Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(&value).unwrap()
    }

    fn lease(value: Value, listed: Option<i64>) -> Result<Lease, RecordError> {
        super::lease(&raw(value), listed)
    }

    fn unit(
        value: Value,
        config: &BuildiumConfig,
        listed: Option<i64>,
    ) -> Result<PmsUnit, RecordError> {
        super::unit(&raw(value), config, listed)
    }

    fn property(value: Value) -> Result<PmsProperty, RecordError> {
        super::property(&raw(value))
    }

    fn config() -> BuildiumConfig {
        BuildiumConfig::new("id", SecretString::from("secret"))
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn map(
        lease_json: Value,
        fetched: &HashMap<i64, Result<Tenant, String>>,
        config: &BuildiumConfig,
    ) -> Vec<Result<PmsResident, RecordError>> {
        let leases = vec![lease(lease_json, Some(1001))];
        let ctx = PageContext::new(config, fetched, FirstLease::LookedUp, &leases);
        ctx.residents(leases[0].as_ref().unwrap())
    }

    fn person(id: i64, leases: Option<Vec<LeaseRef>>) -> Tenant {
        Tenant {
            id,
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: Some("ada@example.com".into()),
            phone: None,
            leases,
        }
    }

    #[test]
    fn an_empty_building_name_is_the_property_itself() {
        let u = unit(
            json!({"Id": 7, "BuildingName": "  ", "UnitNumber": "101"}),
            &config(),
            Some(1001),
        )
        .unwrap();
        assert_eq!(u.building_name, None);
        let u = unit(
            json!({"Id": 7, "BuildingName": "North", "UnitNumber": "101"}),
            &config(),
            Some(1001),
        )
        .unwrap();
        assert_eq!(u.building_name.as_deref(), Some("North"));
        let mut flat = config();
        flat.use_building_name = false;
        assert_eq!(
            unit(
                json!({"Id": 7, "BuildingName": "North", "UnitNumber": "1"}),
                &flat,
                Some(1001),
            )
            .unwrap()
            .building_name,
            None
        );
        let e = unit(json!({"Id": 7, "UnitNumber": null}), &config(), Some(1001)).unwrap_err();
        assert_eq!(e.external, Some(ExternalRef::new(PROVIDER, "7")));
    }

    #[test]
    fn a_property_without_a_name_is_named_by_its_address_or_id() {
        assert_eq!(
            property(json!({"Id": 3, "Name": "Maple"})).unwrap().name,
            "Maple"
        );
        assert_eq!(
            property(json!({"Id": 3, "Name": "", "Address": {"AddressLine1": "1 Main St"}}))
                .unwrap()
                .name,
            "1 Main St"
        );
        assert_eq!(property(json!({"Id": 3})).unwrap().name, "Rental 3");
        assert!(property(json!({"Name": "no id"})).is_err());
    }

    #[test]
    fn move_in_falls_back_to_the_lease_start_and_move_out_to_the_automatic_lease_end() {
        let fetched = HashMap::from([(5, Ok(person(5, Some(vec![]))))]);
        let body = json!({"Id": 9, "UnitId": 70, "LeaseFromDate": "2026-03-01", "LeaseToDate": "2027-02-28",
            "AutomaticallyMoveOutTenants": true, "LeaseStatus": "Future",
            "Tenants": [{"Id": 5, "Status": "Future", "MoveInDate": null}]});
        let r = map(body.clone(), &fetched, &config()).remove(0).unwrap();
        assert_eq!(
            (r.move_in, r.move_out),
            (Some(d(2026, 3, 1)), Some(d(2027, 2, 28)))
        );
        let mut never = config();
        never.lease_end_move_out = LeaseEndMoveOut::Never;
        assert_eq!(
            map(body, &fetched, &never).remove(0).unwrap().move_out,
            None
        );
    }

    #[test]
    fn a_moved_out_tenant_without_move_out_data_leaves_at_the_lease_end_or_last_update() {
        let fetched = HashMap::from([(5, Ok(person(5, Some(vec![]))))]);
        let past = json!({"Id": 9, "UnitId": 70, "LeaseFromDate": "2023-01-01", "LeaseToDate": "2024-12-31",
            "LeaseStatus": "Past", "Tenants": [{"Id": 5, "Status": "MovedOut"}]});
        assert_eq!(
            map(past, &fetched, &config()).remove(0).unwrap().move_out,
            Some(d(2024, 12, 31))
        );
        let at_will = json!({"Id": 9, "UnitId": 70, "LeaseFromDate": "2023-01-01", "LeaseType": "AtWill",
            "LastUpdatedDateTime": "2025-04-02T08:00:00Z", "LeaseStatus": "Active",
            "Tenants": [{"Id": 5, "Status": "MovedOut"}]});
        assert_eq!(
            map(at_will, &fetched, &config())
                .remove(0)
                .unwrap()
                .move_out,
            Some(d(2025, 4, 2))
        );
        let running = json!({"Id": 9, "UnitId": 70, "LeaseFromDate": "2025-01-01", "LeaseToDate": "2026-12-31",
            "LastUpdatedDateTime": "2025-08-20T08:00:00Z", "LeaseStatus": "Active",
            "Tenants": [{"Id": 5, "Status": "MovedOut"}]});
        let r = map(running, &fetched, &config()).remove(0).unwrap();
        assert_eq!(r.move_out, Some(d(2025, 8, 20)));
        let unknown = json!({"Id": 9, "UnitId": 70, "LeaseStatus": "Past", "Tenants": [{"Id": 5, "Status": "MovedOut"}]});
        let e = map(unknown, &fetched, &config()).remove(0).unwrap_err();
        assert_eq!(e.external, Some(ExternalRef::new(PROVIDER, "5")));
        assert!(e.message.contains("no move-out date"), "{}", e.message);
    }

    #[test]
    fn the_first_lease_of_a_tenant_in_the_property_keeps_the_plain_tenant_id() {
        let leases = Some(vec![
            LeaseRef {
                id: 8,
                property_id: Some(2002),
            }, // another property: ignored
            LeaseRef {
                id: 9,
                property_id: Some(1001),
            },
            LeaseRef {
                id: 12,
                property_id: Some(1001),
            },
        ]);
        let fetched = HashMap::from([(5, Ok(person(5, leases)))]);
        let body =
            |id: i64| json!({"Id": id, "UnitId": 70, "Tenants": [{"Id": 5, "Status": "Current"}]});
        assert_eq!(
            map(body(9), &fetched, &config())
                .remove(0)
                .unwrap()
                .external
                .id,
            "5"
        );
        assert_eq!(
            map(body(12), &fetched, &config())
                .remove(0)
                .unwrap()
                .external
                .id,
            "5:12"
        );
        let mut always = config();
        always.resident_key = ResidentKey::TenantAndLease;
        assert_eq!(
            map(body(9), &fetched, &always)
                .remove(0)
                .unwrap()
                .external
                .id,
            "5:9"
        );
    }

    #[test]
    fn unreadable_parts_of_a_lease_fail_only_the_tenants_they_concern() {
        let fetched = HashMap::from([
            (5, Ok(person(5, Some(vec![])))),
            (6, Err("the tenant cannot be read".into())),
            (7, Ok(person(7, Some(vec![])))),
        ]);
        let body = json!({"Id": 9, "UnitId": 70, "Tenants": [
            {"Id": 5, "Status": "Current", "MoveInDate": "2025-01-01"},
            {"Id": 6, "Status": "Current"},
            {"Status": "Current"},
            {"Id": 7, "Status": "Current", "MoveInDate": "01/02/2025"}
        ]});
        let items = map(body, &fetched, &config());
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].as_ref().unwrap().role, OccupancyRole::Primary);
        let e = items[1].as_ref().unwrap_err();
        assert_eq!(e.external, Some(ExternalRef::new(PROVIDER, "6")));
        assert_eq!(items[2].as_ref().unwrap_err().external, None);
        assert!(
            items[3]
                .as_ref()
                .unwrap_err()
                .message
                .contains("MoveInDate")
        );
    }

    #[test]
    fn a_lease_without_a_unit_is_one_error_naming_the_lease() {
        let e = lease(json!({"Id": 9, "Tenants": []}), Some(1001)).unwrap_err();
        assert_eq!(e.message, "lease 9: has no `UnitId`");
        let e = lease(json!({"Id": 9, "UnitId": 70}), None).unwrap_err();
        assert_eq!(e.message, "lease 9: has no `PropertyId`");
        let e = lease(json!({"Id": "nine"}), None).unwrap_err();
        assert!(
            e.message.starts_with("lease ?: cannot be read"),
            "{}",
            e.message
        );
    }

    #[test]
    fn embedded_tenants_need_no_lookup_only_when_their_leases_are_known() {
        let body = json!({"Id": 9, "UnitId": 70,
            "CurrentTenants": [{"Id": 5, "FirstName": "A", "Leases": [{"Id": 9, "PropertyId": 1001}]}, {"Id": 6, "FirstName": "B", "Leases": null}],
            "Tenants": [{"Id": 5, "Status": "Current"}, {"Id": 6, "Status": "Current"}, {"Id": 7, "Status": "Future"}, {"Id": 8, "Status": "MovedOut"}]});
        let l = lease(body, Some(1001)).unwrap();
        let entry = |id: i64| l.readable_entries().find(|e| e.tenant_id == id).unwrap();
        let c = config();
        // An incremental pull: the key needs each tenant's leases.
        assert!(!needs_lookup(&l, entry(5), &c, true));
        assert!(needs_lookup(&l, entry(6), &c, true));
        assert!(needs_lookup(&l, entry(7), &c, true));
        assert!(needs_lookup(&l, entry(8), &c, true));
        // An ordered full listing: only a tenant who has not left and is not embedded.
        assert!(!needs_lookup(&l, entry(6), &c, false));
        assert!(needs_lookup(&l, entry(7), &c, false));
        assert!(!needs_lookup(&l, entry(8), &c, false));
        let mut always = config();
        always.resident_key = ResidentKey::TenantAndLease;
        assert!(!needs_lookup(&l, entry(6), &always, true));
        assert!(needs_lookup(&l, entry(7), &always, true));
        assert!(!needs_lookup(&l, entry(8), &always, true));
    }

    #[test]
    fn a_tenant_who_left_is_listed_without_contact_details_when_not_embedded() {
        let body = json!({"Id": 9, "UnitId": 70, "LeaseFromDate": "2025-01-01", "LeaseToDate": "2025-12-31",
            "LeaseStatus": "Past", "Tenants": [{"Id": 5, "Status": "MovedOut"}]});
        let r = map(body, &HashMap::new(), &config()).remove(0).unwrap();
        assert!(!r.contact_listed);
        assert_eq!((r.first_name.as_str(), r.email.as_deref()), ("", None));
        assert_eq!(r.move_out, Some(d(2025, 12, 31)));
        assert_eq!(r.property, ExternalRef::new(PROVIDER, "1001"));
        // One who has not left must be found.
        let body = json!({"Id": 9, "UnitId": 70, "LeaseStatus": "Future", "Tenants": [{"Id": 5, "Status": "Future"}]});
        let e = map(body, &HashMap::new(), &config()).remove(0).unwrap_err();
        assert!(e.message.contains("not found"), "{}", e.message);
    }

    #[test]
    fn an_ordered_full_listing_keys_first_leases_by_order_across_pages() {
        let lease_of = |id: i64, property: i64, tenants: &[i64]| {
            let entries: Vec<Value> = tenants
                .iter()
                .map(|t| json!({"Id": t, "Status": "Current"}))
                .collect();
            let embedded: Vec<Value> = tenants
                .iter()
                .map(|t| json!({"Id": t, "FirstName": "Ada", "LastName": "Lovelace"}))
                .collect();
            lease(
                json!({"Id": id, "PropertyId": property, "UnitId": 70, "Tenants": entries,
                    "CurrentTenants": embedded}),
                None,
            )
        };
        // Page 1 ends in property 2, where tenant 5 had lease 20.
        let page1 = vec![
            lease_of(10, 1, &[5]),
            lease_of(11, 1, &[5, 6]),
            lease_of(20, 2, &[5]),
        ];
        let (firsts, carry) = firsts_in_listing(&page1, None);
        assert!(firsts.contains(&(10, 5)) && firsts.contains(&(11, 6)));
        assert!(!firsts.contains(&(11, 5)));
        assert!(firsts.contains(&(20, 5)), "another property starts afresh");
        let carry = carry.unwrap();
        assert_eq!(
            (carry.property, carry.tenants.clone()),
            (2, BTreeSet::from([5]))
        );
        // Page 2 goes on in property 2: tenant 5's lease 21 is a later one; then property 3.
        let page2 = vec![lease_of(21, 2, &[5, 7]), lease_of(30, 3, &[7])];
        let (firsts, carry) = firsts_in_listing(&page2, Some(carry));
        assert!(!firsts.contains(&(21, 5)));
        assert!(firsts.contains(&(21, 7)) && firsts.contains(&(30, 7)));
        assert_eq!(carry.unwrap().property, 3);
        let (fetched, c) = (HashMap::new(), config());
        let ctx = PageContext::new(&c, &fetched, FirstLease::Listed(firsts), &page2);
        let keys: Vec<String> = ctx
            .residents(page2[0].as_ref().unwrap())
            .into_iter()
            .map(|r| r.unwrap().external.id)
            .collect();
        assert_eq!(keys, ["5:21", "7"]);
    }
}
