//! StrataMax records to neutral ones: a building to a [`StrataBuilding`], a contact to a
//! [`StrataUser`] (or a record error, or nothing for a contact with no role of interest).

use crate::config::StrataMaxConfig;
use crate::wire;
use concierge_core::strata::{pick_emails, split_display_name};
use concierge_core::{
    ExternalRef, RecordError, StrataBuilding, StrataBuildingStatus, StrataLot, StrataTenancy,
    StrataUser, StrataUserType, StrataUserTypes,
};
use serde_json::Value;

/// The provider's stable name.
pub const PROVIDER: &str = "stratamax";

/// The warning of an owner whose occupancy StrataMax does not hold.
pub const OCCUPANCY_UNKNOWN: &str = "owner occupancy unknown; read as investor";

fn trimmed(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn record_error(external: Option<ExternalRef>, message: String) -> RecordError {
    RecordError { external, message }
}

/// "1 Example St, Brisbane City QLD 4000", from the parts present.
fn address(a: &wire::Address) -> Option<String> {
    let locality = [&a.suburb, &a.state, &a.postcode]
        .iter()
        .filter_map(|p| trimmed(p.as_deref()))
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<String> = trimmed(a.line1.as_deref())
        .into_iter()
        .chain(Some(locality).filter(|l| !l.is_empty()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A building record.
pub fn building(config: &StrataMaxConfig, value: Value) -> Result<StrataBuilding, RecordError> {
    let id = value
        .get("buildingId")
        .and_then(Value::as_str)
        .and_then(|s| trimmed(Some(s)));
    let external = id.clone().map(|id| ExternalRef::new(PROVIDER, id));
    let Some(id) = id else {
        return Err(record_error(None, "a building has no buildingId".into()));
    };
    let b: wire::Building = serde_json::from_value(value).map_err(|_| {
        record_error(
            external.clone(),
            format!("building {id} could not be read (a field has an unexpected type)"),
        )
    })?;
    let plan_number = trimmed(b.plan_number.as_deref()).unwrap_or_default();
    let name = trimmed(b.name.as_deref())
        .or_else(|| Some(plan_number.clone()).filter(|p| !p.is_empty()))
        .unwrap_or_else(|| id.clone());
    let inactive = b.status.as_deref().is_some_and(|s| {
        config
            .inactive_statuses
            .iter()
            .any(|i| i.trim().eq_ignore_ascii_case(s.trim()))
    });
    Ok(StrataBuilding {
        external: ExternalRef::new(PROVIDER, b.building_id.unwrap_or(id)),
        plan_number,
        name,
        address: b.address.as_ref().and_then(address),
        status: if inactive {
            StrataBuildingStatus::Inactive
        } else {
            StrataBuildingStatus::Active
        },
    })
}

fn has_role(roles: &[String], wanted: &[String]) -> bool {
    roles.iter().any(|r| {
        wanted
            .iter()
            .any(|w| w.trim().eq_ignore_ascii_case(r.trim()))
    })
}

/// A contact of `building`: `None` when it has no owner or tenant role (skipped), else the user
/// or why it cannot be read. Messages never echo the contact's data.
pub fn contact(
    config: &StrataMaxConfig,
    building: &ExternalRef,
    value: Value,
) -> Option<Result<StrataUser, RecordError>> {
    let id = value
        .get("contactId")
        .and_then(Value::as_str)
        .and_then(|s| trimmed(Some(s)));
    let external = id.clone().map(|id| ExternalRef::new(PROVIDER, id));
    let label = id.as_deref().unwrap_or("without contactId");
    let c: wire::Contact = match serde_json::from_value(value) {
        Ok(c) => c,
        Err(_) => {
            return Some(Err(record_error(
                external,
                format!("contact {label} could not be read (a field has an unexpected type)"),
            )));
        }
    };
    let owner = has_role(&c.roles, &config.owner_roles);
    let tenant = has_role(&c.roles, &config.tenant_roles);
    if !owner && !tenant {
        return None;
    }
    let Some(external) = external else {
        return Some(Err(record_error(None, "a contact has no contactId".into())));
    };
    let mut lots = Vec::new();
    for lot in c.lots.unwrap_or_default() {
        let Some(lot_number) = wire::text_of(lot.lot_number.as_ref()) else {
            return Some(Err(record_error(
                Some(external),
                format!("contact {label} has a lot without lotNumber"),
            )));
        };
        let lot = StrataLot {
            lot_number,
            unit_number: wire::text_of(lot.unit_number.as_ref()),
        };
        if !lots.contains(&lot) {
            lots.push(lot);
        }
    }
    if lots.is_empty() {
        return Some(Err(record_error(
            Some(external),
            format!("contact {label} has no lots"),
        )));
    }
    let Some(display_name) = trimmed(c.name.as_deref()) else {
        return Some(Err(record_error(
            Some(external),
            format!("contact {label} has no name"),
        )));
    };
    let mut warnings = Vec::new();
    let mut user_types = StrataUserTypes::new();
    if owner {
        match c.owner_occupied {
            Some(true) => {
                user_types.insert(StrataUserType::OwnerOccupier);
            }
            Some(false) => {
                user_types.insert(StrataUserType::OwnerInvestor);
            }
            None => {
                user_types.insert(StrataUserType::OwnerInvestor);
                warnings.push(OCCUPANCY_UNKNOWN.to_owned());
            }
        }
    }
    let tenancy = tenant.then(|| {
        user_types.insert(StrataUserType::Tenant);
        let t = c.tenancy.unwrap_or_default();
        StrataTenancy {
            move_in: t.move_in_date,
            move_out: t.move_out_date,
        }
    });
    if c.committee.and_then(|m| m.member) == Some(true) {
        user_types.insert(StrataUserType::Committee);
    }
    let (email, alt_emails, refused) = pick_emails(c.email.as_deref());
    if !refused.is_empty() {
        warnings.push(format!(
            "{} email address(es) not plausible, left out",
            refused.len()
        ));
    }
    let (first_name, last_name) = split_display_name(&display_name);
    Some(Ok(StrataUser {
        external,
        building: building.clone(),
        display_name,
        first_name,
        last_name,
        email,
        alt_emails,
        mobile: trimmed(c.mobile.as_deref()),
        phone: trimmed(c.phone.as_deref()),
        lots,
        user_types,
        tenancy,
        warnings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use concierge_http::SecretString;
    use serde_json::json;

    fn config() -> StrataMaxConfig {
        StrataMaxConfig::new(SecretString::from("k"))
    }

    #[test]
    fn a_building_without_a_name_is_named_by_its_plan_and_lost_is_inactive() {
        let b = building(
            &config(),
            json!({"buildingId": "b-1", "planNumber": "CTS 1", "name": null, "status": "Lost",
                   "address": {"line1": "1 Example St", "suburb": "Brisbane City", "state": "QLD", "postcode": "4000"}}),
        )
        .unwrap();
        assert_eq!(b.name, "CTS 1");
        assert_eq!(b.status, StrataBuildingStatus::Inactive);
        assert_eq!(
            b.address.as_deref(),
            Some("1 Example St, Brisbane City QLD 4000")
        );
    }

    #[test]
    fn a_contact_of_a_wrong_type_is_an_error_that_does_not_echo_its_data() {
        let building = ExternalRef::new(PROVIDER, "b-1");
        let err = contact(
            &config(),
            &building,
            json!({"contactId": "c-1", "roles": ["Owner"], "lots": "secret-lot", "name": "Jane"}),
        )
        .unwrap()
        .unwrap_err();
        assert!(!err.message.contains("secret-lot"), "{}", err.message);
        assert_eq!(err.external, Some(ExternalRef::new(PROVIDER, "c-1")));
    }
}
