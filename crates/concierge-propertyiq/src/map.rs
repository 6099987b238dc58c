//! PropertyIQ records to neutral ones: a scheme to a [`StrataBuilding`]; a scheme's lots to
//! [`StrataUser`]s, an owner merged across the lots they hold, a tenant per `tenantId`.

use crate::wire;
use chrono::NaiveDate;
use concierge_core::strata::{pick_emails, split_display_name};
use concierge_core::{
    ExternalRef, RecordError, StrataBuilding, StrataBuildingStatus, StrataLot, StrataTenancy,
    StrataUser, StrataUserType, StrataUserTypes,
};
use serde_json::Value;
use std::collections::HashMap;

/// The provider's stable name.
pub const PROVIDER: &str = "propertyiq";

/// The warning of an owner whose occupancy PropertyIQ does not hold.
pub const OCCUPANCY_UNKNOWN: &str = "owner occupancy unknown; read as investor";

fn trimmed(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn id_of(value: &Value, field: &str) -> Option<String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| trimmed(Some(s)))
}

/// A scheme: named by `name`, else `schemeNumber`, else the short, else the long address.
pub fn scheme(value: Value) -> Result<StrataBuilding, RecordError> {
    let Some(id) = id_of(&value, "schemeId") else {
        return Err(RecordError {
            external: None,
            message: "a scheme has no schemeId".into(),
        });
    };
    let external = ExternalRef::new(PROVIDER, id.clone());
    let s: wire::Scheme = serde_json::from_value(value).map_err(|_| RecordError {
        external: Some(external.clone()),
        message: format!("scheme {id} could not be read (a field has an unexpected type)"),
    })?;
    let plan_number = trimmed(s.scheme_number.as_deref()).unwrap_or_default();
    let short = trimmed(s.short_address.as_deref());
    let long = trimmed(s.long_address.as_deref());
    let name = trimmed(s.name.as_deref())
        .or_else(|| Some(plan_number.clone()).filter(|p| !p.is_empty()))
        .or_else(|| short.clone())
        .or_else(|| long.clone())
        .unwrap_or_else(|| s.scheme_id.unwrap_or(id));
    Ok(StrataBuilding {
        external,
        plan_number,
        name,
        address: long.or(short),
        status: if s.active == Some(false) {
            StrataBuildingStatus::Inactive
        } else {
            StrataBuildingStatus::Active
        },
    })
}

/// A user being assembled from the lots it appears on.
struct Draft {
    user: StrataUser,
}

impl Draft {
    fn new(
        external: ExternalRef,
        building: &ExternalRef,
        display_name: String,
        email: Option<&str>,
        mobile: Option<&str>,
        phone: Option<String>,
    ) -> Self {
        let (login, alt_emails, refused) = pick_emails(email);
        let (first_name, last_name) = split_display_name(&display_name);
        let mut warnings = Vec::new();
        if !refused.is_empty() {
            warnings.push(format!(
                "{} email address(es) not plausible, left out",
                refused.len()
            ));
        }
        Self {
            user: StrataUser {
                external,
                building: building.clone(),
                display_name,
                first_name,
                last_name,
                email: login,
                alt_emails,
                mobile: trimmed(mobile),
                phone,
                lots: Vec::new(),
                user_types: StrataUserTypes::new(),
                tenancy: None,
                warnings,
            },
        }
    }

    fn add_lot(&mut self, lot: &StrataLot) {
        if !self.user.lots.contains(lot) {
            self.user.lots.push(lot.clone());
        }
    }

    fn warn(&mut self, warning: String) {
        if !self.user.warnings.contains(&warning) {
            self.user.warnings.push(warning);
        }
    }
}

/// Whether a lease is running on `today`.
fn current(tenant: &wire::Tenant, today: NaiveDate) -> bool {
    tenant.lease_start.is_none_or(|s| s <= today) && tenant.lease_end.is_none_or(|e| e >= today)
}

/// The users of scheme `building` from all its lots, in order of first appearance, each
/// unreadable lot, owner or tenant an `Err` in its place. `today` decides which tenants are
/// current.
pub fn users(
    building: &ExternalRef,
    lots: Vec<Value>,
    today: NaiveDate,
) -> Vec<Result<StrataUser, RecordError>> {
    let mut out: Vec<Result<Draft, RecordError>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for value in lots {
        let lot_id = id_of(&value, "lotId");
        let external = lot_id.clone().map(|id| ExternalRef::new(PROVIDER, id));
        let label = lot_id.unwrap_or_else(|| "without lotId".into());
        let fail = |message: String| {
            Err(RecordError {
                external: external.clone(),
                message,
            })
        };
        let lot: wire::Lot = match serde_json::from_value(value) {
            Ok(lot) => lot,
            Err(_) => {
                out.push(fail(format!(
                    "lot {label} could not be read (a field has an unexpected type)"
                )));
                continue;
            }
        };
        let Some(lot_number) = wire::text_of(lot.lot_number.as_ref()) else {
            out.push(fail(format!("lot {label} has no lotNumber")));
            continue;
        };
        let strata_lot = StrataLot {
            lot_number,
            unit_number: wire::text_of(lot.unit_number.as_ref()),
        };
        let tenanted = lot.tenants.iter().any(|t| current(t, today));
        match lot.owner {
            None => out.push(fail(format!("lot {label} has no owner"))),
            Some(owner) => {
                let (login, _, _) = pick_emails(owner.email.as_deref());
                let key = match (trimmed(owner.owner_id.as_deref()), login) {
                    (Some(id), _) => Some((format!("o:{id}"), id)),
                    (None, Some(email)) => {
                        Some((format!("e:{email}"), format!("{}:{email}", building.id)))
                    }
                    (None, None) => None,
                };
                let name = trimmed(owner.name.as_deref());
                match (key, name) {
                    (None, _) => out.push(fail(format!(
                        "the owner of lot {label} has neither ownerId nor email"
                    ))),
                    (Some(_), None) => {
                        out.push(fail(format!("the owner of lot {label} has no name")))
                    }
                    (Some((key, id)), Some(name)) => {
                        let at = *index.entry(key).or_insert_with(|| {
                            let phone = trimmed(owner.phone1.as_deref())
                                .or(trimmed(owner.phone2.as_deref()));
                            out.push(Ok(Draft::new(
                                ExternalRef::new(PROVIDER, id),
                                building,
                                name,
                                owner.email.as_deref(),
                                owner.mobile.as_deref(),
                                phone,
                            )));
                            out.len() - 1
                        });
                        if let Ok(draft) = &mut out[at] {
                            draft.add_lot(&strata_lot);
                            let types = &mut draft.user.user_types;
                            match owner.owner_occupier {
                                Some(true) => types.insert(StrataUserType::OwnerOccupier),
                                Some(false) => types.insert(StrataUserType::OwnerInvestor),
                                None => types.insert(StrataUserType::OwnerInvestor),
                            };
                            if owner.committee_member == Some(true) {
                                types.insert(StrataUserType::Committee);
                            }
                            if owner.owner_occupier.is_none() {
                                draft.warn(OCCUPANCY_UNKNOWN.to_owned());
                            }
                            if owner.owner_occupier == Some(true) && tenanted {
                                draft.warn(format!(
                                    "owner occupier of {} while a current tenant is on the lot",
                                    strata_lot.label()
                                ));
                            }
                        }
                    }
                }
            }
        }
        for tenant in lot.tenants {
            let Some(id) = trimmed(tenant.tenant_id.as_deref()) else {
                out.push(fail(format!("a tenant of lot {label} has no tenantId")));
                continue;
            };
            let Some(name) = trimmed(tenant.name.as_deref()) else {
                out.push(fail(format!("tenant {id} of lot {label} has no name")));
                continue;
            };
            let at = *index.entry(format!("t:{id}")).or_insert_with(|| {
                let mut draft = Draft::new(
                    ExternalRef::new(PROVIDER, id.clone()),
                    building,
                    name,
                    tenant.email.as_deref(),
                    tenant.mobile.as_deref(),
                    None,
                );
                draft.user.user_types.insert(StrataUserType::Tenant);
                draft.user.tenancy = Some(StrataTenancy {
                    move_in: tenant.lease_start,
                    move_out: tenant.lease_end,
                });
                out.push(Ok(draft));
                out.len() - 1
            });
            if let Ok(draft) = &mut out[at] {
                draft.add_lot(&strata_lot);
            }
        }
    }
    out.into_iter().map(|d| d.map(|d| d.user)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_scheme_without_name_or_number_is_named_by_its_short_address() {
        let s = scheme(json!({"schemeId": "s-1", "name": null, "schemeNumber": null,
            "shortAddress": "12 Example St, Chatswood", "longAddress": "12 Example Street", "active": false}))
        .unwrap();
        assert_eq!(s.name, "12 Example St, Chatswood");
        assert_eq!(s.address.as_deref(), Some("12 Example Street"));
        assert_eq!(s.status, StrataBuildingStatus::Inactive);
    }

    #[test]
    fn an_owner_without_id_is_merged_by_email_and_a_lot_without_owner_is_an_error() {
        let building = ExternalRef::new(PROVIDER, "s-1");
        let owner = json!({"ownerId": null, "name": "Jane Citizen", "email": "Jane@Example.com",
            "ownerOccupier": false, "committeeMember": false});
        let lots = vec![
            json!({"lotId": "l1", "lotNumber": 1, "owner": owner, "tenants": []}),
            json!({"lotId": "l2", "lotNumber": "2", "owner": owner, "tenants": []}),
            json!({"lotId": "l3", "lotNumber": 3, "owner": null, "tenants": []}),
        ];
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let users = users(&building, lots, today);
        assert_eq!(users.len(), 2);
        let jane = users[0].as_ref().unwrap();
        assert_eq!(jane.external.id, "s-1:jane@example.com");
        assert_eq!(jane.lots.len(), 2);
        let err = users[1].as_ref().unwrap_err();
        assert_eq!(err.external, Some(ExternalRef::new(PROVIDER, "l3")));
        assert!(err.message.contains("no owner"));
    }

    // R-STRATA-4
    #[test]
    fn an_owner_without_occupancy_flag_is_an_investor_with_a_warning() {
        let building = ExternalRef::new(PROVIDER, "s-1");
        let lots = vec![json!({"lotId": "l1", "lotNumber": 1, "tenants": [],
            "owner": {"ownerId": "o-1", "name": "Jane Citizen", "ownerOccupier": null,
                      "committeeMember": true}})];
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let users = users(&building, lots, today);
        let jane = users[0].as_ref().unwrap();
        let expected: StrataUserTypes = [StrataUserType::OwnerInvestor, StrataUserType::Committee]
            .into_iter()
            .collect();
        assert_eq!(jane.user_types, expected);
        assert_eq!(jane.warnings, [OCCUPANCY_UNKNOWN]);
    }
}
