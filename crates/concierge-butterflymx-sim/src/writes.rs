//! The API's creates, with the vendor's validations and 422 codes: a unit (label unique in its
//! building), a tenant (email unique in its building), a custom keychain (a window that starts
//! before it ends, a tenant or unit we can see, doors of its building), and a virtual key (a
//! 6-digit PIN that is not too easy). A body whose schema is `additionalProperties: false` is
//! refused with `unknown_attribute` for a key it does not name.

use crate::reply::Reply;
use crate::world::{self, Keychain, Preference, VirtualKey, World};
use chrono::{DateTime, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

const BLANK: &str = "can't be blank";
const TAKEN: &str = "has already been taken";

/// The object under `key` of the body (the whole body when `key` is `None`).
fn object<'a>(body: Option<&'a Value>, key: Option<&str>) -> Result<&'a Map<String, Value>, Reply> {
    let value = match key {
        Some(key) => body.and_then(|b| b.get(key)),
        None => body,
    };
    value
        .and_then(Value::as_object)
        .ok_or_else(|| Reply::error(422, key.unwrap_or("base"), "blank", BLANK))
}

/// 422 for the keys of an `additionalProperties: false` object that its schema does not name.
fn unknown_keys(object: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Option<Reply> {
    let unknown: Vec<String> = object
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("{prefix}{k}"))
        .collect();
    if unknown.is_empty() {
        return None;
    }
    let errors: Vec<(&str, &str, &str)> = unknown
        .iter()
        .map(|k| (k.as_str(), "unknown_attribute", "is not a known attribute"))
        .collect();
    Some(Reply::errors(422, &errors))
}

/// A non-blank string field.
fn string<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An integer field (a number or a numeric string, as Rails casts it).
fn integer(object: &Map<String, Value>, key: &str) -> Option<i64> {
    match object.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn instant(object: &Map<String, Value>, key: &str) -> Result<Option<DateTime<Utc>>, ()> {
    match string(object, key) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| ()),
    }
}

pub(crate) fn create_unit(w: &mut World, building: Option<i64>, body: Option<&Value>) -> Reply {
    let Some(building) = building.filter(|b| w.visible(*b)) else {
        return Reply::not_found();
    };
    let unit = match object(body, Some("unit")) {
        Ok(u) => u,
        Err(reply) => return reply,
    };
    let label = string(unit, "label");
    let floor = match unit.get("floor") {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => string(unit, "floor").map(str::to_owned),
    };
    let mut errors = Vec::new();
    if label.is_none() {
        errors.push(("label", "blank", BLANK));
    }
    if floor.is_none() {
        errors.push(("floor_id", "blank", BLANK));
    }
    if let (Some(label), Some(floor)) = (label, floor) {
        let taken = w
            .units
            .iter()
            .any(|u| u.building_id == building && u.label.eq_ignore_ascii_case(label));
        if taken {
            return Reply::error(422, "label", "taken", TAKEN);
        }
        let id = w.add_unit(building, label, &floor, world::now());
        let created = w.unit(id).map(|u| w.unit_json(u)).unwrap_or_default();
        return Reply::data(201, created);
    }
    Reply::errors(422, &errors)
}

const USER_ATTRIBUTES: &[&str] = &[
    "email",
    "first_name",
    "last_name",
    "contact_preference",
    "sms_contact_attributes",
    "backup_contact_attributes",
];

pub(crate) fn create_tenant(w: &mut World, body: Option<&Value>) -> Reply {
    let tenant = match object(body, Some("tenant")) {
        Ok(t) => t,
        Err(reply) => return reply,
    };
    let empty = Map::new();
    let user = match tenant.get("user_attributes") {
        None => &empty,
        Some(Value::Object(user)) => user,
        Some(_) => return Reply::error(422, "user", "blank", BLANK),
    };
    if let Some(reply) = unknown_keys(user, USER_ATTRIBUTES, "user_attributes.") {
        return reply;
    }
    let preference = match user.get("contact_preference") {
        None | Some(Value::Null) => Preference::PhoneCall,
        Some(v) => match v.as_str().and_then(Preference::parse) {
            Some(p) => p,
            None => {
                return Reply::error(
                    422,
                    "contact_preference",
                    "inclusion",
                    "is not included in the list",
                );
            }
        },
    };
    let mut errors = Vec::new();
    let unit = integer(tenant, "unit_id")
        .and_then(|id| w.unit(id))
        .filter(|u| w.visible(u.building_id))
        .cloned();
    if unit.is_none() {
        errors.push(("unit", "blank", "must exist"));
    }
    match instant(tenant, "active_at") {
        Ok(Some(_)) => {}
        Ok(None) => errors.push(("active_at", "blank", BLANK)),
        Err(()) => errors.push(("active_at", "invalid", "is not a valid date-time")),
    }
    let (first, last, email) = (
        string(user, "first_name"),
        string(user, "last_name"),
        string(user, "email"),
    );
    if email.is_none() {
        errors.push(("user", "blank", BLANK));
    }
    if first.is_none() {
        errors.push(("first_name", "blank", BLANK));
    }
    if last.is_none() {
        errors.push(("last_name", "blank", BLANK));
    }
    let (Some(unit), Some(first), Some(last), Some(email), true) =
        (unit, first, last, email, errors.is_empty())
    else {
        return Reply::errors(422, &errors);
    };
    let taken = w
        .tenants
        .iter()
        .any(|t| t.building_id == unit.building_id && t.email.eq_ignore_ascii_case(email));
    if taken {
        return Reply::error(422, "email", "taken", TAKEN);
    }
    let now = world::now();
    let id = w.add_tenant(unit.id, first, last, email, preference, "invited", now);
    if let Some(active_at) = string(tenant, "active_at")
        && let Some(t) = w.tenants.iter_mut().find(|t| t.id == id)
    {
        t.active_at = active_at.to_owned();
    }
    let created = w.tenant(id).map(|t| w.tenant_json(t)).unwrap_or_default();
    Reply::data(201, created)
}

const KEYCHAIN_FIELDS: &[&str] = &[
    "name",
    "tenant_id",
    "unit_id",
    "allow_unit_access",
    "starts_at",
    "ends_at",
    "recipients",
    "access_point_ids",
    "device_ids",
];

fn ids(object: &Map<String, Value>, key: &str) -> Result<Vec<i64>, ()> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| v.as_i64().ok_or(())).collect(),
        Some(_) => Err(()),
    }
}

pub(crate) fn create_keychain(w: &mut World, rng: &mut StdRng, body: Option<&Value>) -> Reply {
    let keychain = match object(body, Some("keychain")) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    if let Some(reply) = unknown_keys(keychain, KEYCHAIN_FIELDS, "") {
        return reply;
    }
    let mut errors = Vec::new();
    let name = string(keychain, "name");
    if name.is_none() {
        errors.push(("name", "blank", BLANK));
    }
    let mut window = [None, None];
    for (i, key) in ["starts_at", "ends_at"].into_iter().enumerate() {
        match instant(keychain, key) {
            Ok(Some(t)) => window[i] = Some(t),
            Ok(None) => errors.push((key, "blank", BLANK)),
            Err(()) => errors.push((key, "invalid", "is not a valid date-time")),
        }
    }
    if let [Some(start), Some(end)] = window
        && start >= end
    {
        errors.push((
            "starts_at",
            "start_time_must_be_before_the_end_time",
            "Start time must be before the end time",
        ));
        errors.push((
            "ends_at",
            "end_time_must_be_after_the_start_time",
            "End time must be after the start time",
        ));
    }
    let (Ok(access_points), Ok(devices)) = (
        ids(keychain, "access_point_ids"),
        ids(keychain, "device_ids"),
    ) else {
        return Reply::error(422, "access_point_ids", "invalid", "must be a list of ids");
    };
    let tenant = integer(keychain, "tenant_id");
    let unit = integer(keychain, "unit_id");
    let owner = match (tenant, unit) {
        (None, None) => {
            errors.push((
                "base",
                "must_have_an_associated_unit_or_tenant",
                "must have an associated unit or tenant",
            ));
            None
        }
        (Some(t), _) => w
            .tenant(t)
            .filter(|t| w.visible(t.building_id))
            .map(|t| (Some(t.id), t.unit_id, t.building_id)),
        (None, Some(u)) => w
            .unit(u)
            .filter(|u| w.visible(u.building_id))
            .map(|u| (None, u.id, u.building_id)),
    };
    if owner.is_none() && (tenant.is_some() || unit.is_some()) {
        return Reply::errors(
            422,
            &[
                ("building", "blank", "must exist"),
                (
                    "base",
                    "must_have_an_associated_unit_or_tenant",
                    "must have an associated unit or tenant",
                ),
                (
                    "unit_id",
                    "must_have_an_associated_unit",
                    "must have an associated unit",
                ),
                (
                    "units_user_id",
                    "must_have_an_associated_tenant",
                    "must have an associated tenant",
                ),
            ],
        );
    }
    let (Some(name), Some((tenant_id, unit_id, building_id)), [Some(start), Some(end)], true) =
        (name, owner, window, errors.is_empty())
    else {
        return Reply::errors(422, &errors);
    };
    let mut device_ids = Vec::new();
    for id in &access_points {
        match w
            .access_points
            .iter()
            .find(|a| a.id == *id && a.building_id == building_id)
        {
            Some(a) => device_ids.extend(a.device_ids.iter().copied()),
            None => {
                return Reply::error(
                    422,
                    "access_point_ids",
                    "invalid",
                    "must belong to the keychain's building",
                );
            }
        }
    }
    device_ids.extend(devices);
    device_ids.sort_unstable();
    device_ids.dedup();
    let recipients: Vec<String> = keychain
        .get("recipients")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let id = w.id();
    w.keychains.push(Keychain {
        id,
        building_id,
        tenant_id,
        unit_id,
        name: name.to_owned(),
        starts_at: world::timestamp(start),
        ends_at: world::timestamp(end),
        access_point_ids: access_points,
        device_ids,
        virtual_key_ids: Vec::new(),
        created_at: world::now(),
    });
    for recipient in recipients {
        let (email, sms) = if recipient.contains('@') {
            (Some(recipient), None)
        } else {
            (None, Some(recipient))
        };
        mint_key(w, rng, id, None, email, sms, None);
    }
    let created = w
        .keychain(id)
        .map(|k| w.keychain_json(k))
        .unwrap_or_default();
    Reply::data(201, created)
}

/// Adds a key to keychain `keychain_id`; returns its id.
fn mint_key(
    w: &mut World,
    rng: &mut StdRng,
    keychain_id: i64,
    name: Option<String>,
    email: Option<String>,
    sms_number: Option<String>,
    pin_code: Option<String>,
) -> i64 {
    let id = w.id();
    let building_id = w.keychain(keychain_id).map_or(0, |k| k.building_id);
    let token = format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>());
    let pin_code =
        pin_code.unwrap_or_else(|| format!("{:06}", rng.random_range(100_000..1_000_000)));
    w.virtual_keys.push(VirtualKey {
        id,
        keychain_id,
        building_id,
        name,
        email,
        sms_number,
        pin_code,
        qr_code_url: format!("https://qr.sim.butterflymx.invalid/virtual_keys/{id}/{token}.png"),
        instructions_url: format!(
            "https://user.sim.butterflymx.invalid/public/virtual_keys/{id}/{token}"
        ),
        created_at: world::now(),
    });
    if let Some(k) = w.keychains.iter_mut().find(|k| k.id == keychain_id) {
        k.virtual_key_ids.push(id);
    }
    id
}

/// Whether a PIN is too easy: one digit repeated, or a run up or down.
fn low_entropy(pin: &str) -> bool {
    let digits: Vec<i32> = pin
        .bytes()
        .map(|b| i32::from(b) - i32::from(b'0'))
        .collect();
    let steps: Vec<i32> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    steps.iter().all(|s| *s == 0) || steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

pub(crate) fn create_virtual_key(w: &mut World, rng: &mut StdRng, body: Option<&Value>) -> Reply {
    let key = match object(body, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    if let Some(reply) = unknown_keys(
        key,
        &["name", "email", "sms_number", "keychain_id", "pin_code"],
        "",
    ) {
        return reply;
    }
    let Some(keychain) = integer(key, "keychain_id")
        .and_then(|id| w.keychain(id))
        .filter(|k| w.visible(k.building_id))
    else {
        return Reply::error(422, "keychain", "blank", "must exist");
    };
    let keychain_id = keychain.id;
    let pin = string(key, "pin_code").map(str::to_owned);
    if let Some(pin) = &pin {
        let mut errors = Vec::new();
        if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            errors.push((
                "code",
                "wrong_length",
                "is the wrong length (should be 6 characters)",
            ));
        }
        if low_entropy(pin) {
            errors.insert(
                0,
                (
                    "code",
                    "low_entropy",
                    "isn't strong enough, try a different value",
                ),
            );
        }
        if !errors.is_empty() {
            return Reply::errors(422, &errors);
        }
    }
    let owned = |k: &str| string(key, k).map(str::to_owned);
    let id = mint_key(
        w,
        rng,
        keychain_id,
        owned("name"),
        owned("email"),
        owned("sms_number"),
        pin,
    );
    let created = w
        .virtual_keys
        .iter()
        .find(|v| v.id == id)
        .map(|v| w.virtual_key_json(v))
        .unwrap_or_default();
    Reply::data(201, created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_sequential_pins_are_low_entropy() {
        for pin in ["111111", "123456", "654321", "1234"] {
            assert!(low_entropy(pin), "{pin}");
        }
        for pin in ["468931", "319895"] {
            assert!(!low_entropy(pin), "{pin}");
        }
    }
}
