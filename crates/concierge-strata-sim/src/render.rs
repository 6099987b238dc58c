//! The two wire models: the world's buildings, contacts and lots as StrataMax and PropertyIQ
//! JSON bodies, and each vendor's error body.

use crate::world::{Building, Contact, Role};
use serde_json::{Value, json};

/// `{"error":{"code","message"}}`, StrataMax's error body.
pub fn stratamax_error(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

/// An RFC 7807 problem, PropertyIQ's error body.
pub fn problem(status: u16, title: &str, detail: &str) -> Value {
    json!({ "type": "about:blank", "title": title, "status": status, "detail": detail })
}

/// A StrataMax building.
pub fn stratamax_building(b: &Building) -> Value {
    json!({
        "buildingId": format!("b-{}", b.id),
        "planNumber": b.plan_number,
        "name": b.name,
        "status": b.status.as_str(),
        "lotCount": b.lots.len(),
        "lastUploadedAt": "2026-01-31T14:05:00+10:00",
        "address": {
            "line1": b.address.line1,
            "suburb": b.address.suburb,
            "state": b.address.state,
            "postcode": b.address.postcode,
        },
    })
}

/// A StrataMax contact of building `b`.
pub fn stratamax_contact(b: &Building, c: &Contact) -> Value {
    let lots: Vec<Value> = c
        .lots
        .iter()
        .filter_map(|n| b.lots.iter().find(|l| l.number == *n))
        .map(|l| json!({ "lotNumber": l.number.to_string(), "unitNumber": l.unit }))
        .collect();
    let (roles, owner_occupied, tenancy) = match &c.role {
        Role::Owner { occupier } => (json!(["Owner"]), json!(occupier), Value::Null),
        Role::Tenant { move_in, move_out } => (
            json!(["Tenant"]),
            Value::Null,
            json!({
                "moveInDate": move_in,
                "moveOutDate": move_out,
                "propertyManager": { "name": "Example Realty", "email": "pm@example.com" },
            }),
        ),
        Role::Other(role) => (json!([role]), Value::Null, Value::Null),
    };
    json!({
        "contactId": format!("c-{}", c.id),
        "buildingId": format!("b-{}", b.id),
        "lots": lots,
        "roles": roles,
        "ownerOccupied": owner_occupied,
        "committee": { "member": c.committee.is_some(), "position": c.committee },
        "name": c.name,
        "salutation": null,
        "email": c.email,
        "mobile": c.mobile,
        "phone": c.phone,
        "tenancy": tenancy,
        "updatedAt": "2026-01-30T09:12:00+10:00",
    })
}

fn long_address(b: &Building) -> String {
    let a = &b.address;
    format!("{}, {} {} {}", a.line1, a.suburb, a.state, a.postcode)
}

/// A PropertyIQ scheme.
pub fn propertyiq_scheme(b: &Building) -> Value {
    json!({
        "schemeId": format!("s-{}", b.id),
        "schemeNumber": b.plan_number,
        "name": b.name,
        "shortAddress": format!("{}, {}", b.address.line1, b.address.suburb),
        "longAddress": long_address(b),
        "lotCount": b.lots.len(),
        "active": matches!(b.status, crate::world::BuildingStatus::Active),
    })
}

/// The PropertyIQ lots of scheme `b`, in lot order: each with its first owner (or `null`) and
/// its tenants.
pub fn propertyiq_lots(b: &Building) -> Vec<Value> {
    b.lots
        .iter()
        .map(|lot| {
            let owner = b.owners_of(lot.number).next().map(|o| {
                json!({
                    "ownerId": format!("o-{}", o.id),
                    "name": o.name,
                    "salutation": null,
                    "contactPerson": null,
                    "phone1": o.phone,
                    "phone2": null,
                    "mobile": o.mobile,
                    "email": o.email,
                    "ownerOccupier": matches!(o.role, Role::Owner { occupier: Some(true) }),
                    "committeeMember": o.committee.is_some(),
                })
            });
            let tenants: Vec<Value> = b
                .tenants_of(lot.number)
                .map(|t| {
                    let (start, end) = match &t.role {
                        Role::Tenant { move_in, move_out } => (*move_in, *move_out),
                        _ => (None, None),
                    };
                    json!({
                        "tenantId": format!("t-{}", t.id),
                        "name": t.name,
                        "email": t.email,
                        "mobile": t.mobile,
                        "leaseStart": start,
                        "leaseEnd": end,
                    })
                })
                .collect();
            json!({
                "lotId": format!("l-{}-{}", b.id, lot.number),
                "schemeId": format!("s-{}", b.id),
                "plan": b.plan_number,
                "buildingName": b.name,
                "lotNumber": lot.number,
                "unitNumber": lot.unit,
                "address": long_address(b),
                "unitEntitlement": 25,
                "lastSettledDate": "2019-03-14",
                "paidToDate": "2026-03-31",
                "owner": owner,
                "tenants": tenants,
                "updatedAt": "2026-03-02T11:00:00Z",
            })
        })
        .collect()
}
