//! The API's routes and their dispatch: listings and shows of buildings, units, tenants,
//! access points, keychains and virtual keys, and the deletes. The creates live in `writes.rs`.

use crate::listing::{self, Paging, Reader, text};
use crate::reply::Reply;
use crate::world::World;
use crate::writes::{create_keychain, create_tenant, create_unit, create_virtual_key};
use rand::rngs::StdRng;
use serde_json::Value;

/// An API route, with the ids of its path (`None`: not an integer, answered 404).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Buildings,
    Building(Option<i64>),
    Units,
    Unit(Option<i64>),
    CreateUnit(Option<i64>),
    DeleteUnit(Option<i64>, Option<i64>),
    Tenants,
    CreateTenant,
    Tenant(Option<i64>),
    DeleteTenant(Option<i64>),
    AccessPoints,
    AccessPoint(Option<i64>),
    Keychains,
    CreateCustomKeychain,
    Keychain(Option<i64>),
    DeleteKeychain(Option<i64>),
    VirtualKeys,
    CreateVirtualKey,
    VirtualKey(Option<i64>),
    DeleteVirtualKey(Option<i64>),
}

/// What a request works on.
pub(crate) struct Ctx<'a> {
    pub world: &'a mut World,
    pub rng: &'a mut StdRng,
    pub paging: Paging,
}

const BUILDING_ATTRS: &[(&str, Reader)] =
    &[("name", |v| text(&v["name"])), ("id", |v| text(&v["id"]))];
const UNIT_ATTRS: &[(&str, Reader)] = &[
    ("label", |v| text(&v["label"])),
    ("floor", |v| text(&v["floor"])),
    ("building_id", |v| text(&v["building_id"])),
    ("id", |v| text(&v["id"])),
];
const TENANT_ATTRS: &[(&str, Reader)] = &[
    ("full_name", |v| {
        Some(format!(
            "{} {}",
            text(&v["first_name"])?,
            text(&v["last_name"])?
        ))
    }),
    ("first_name", |v| text(&v["first_name"])),
    ("last_name", |v| text(&v["last_name"])),
    ("building_id", |v| text(&v["building_id"])),
    ("unit_id", |v| text(&v["unit"]["id"])),
    ("id", |v| text(&v["id"])),
];
const ACCESS_POINT_ATTRS: &[(&str, Reader)] = &[
    ("name", |v| text(&v["name"])),
    ("building_id", |v| text(&v["building_id"])),
    ("id", |v| text(&v["id"])),
];
const KEYCHAIN_ATTRS: &[(&str, Reader)] = &[
    ("name", |v| text(&v["name"])),
    ("tenant_id", |v| text(&v["tenant_id"])),
    ("unit_id", |v| text(&v["unit_id"])),
    ("starts_at", |v| text(&v["starts_at"])),
    ("ends_at", |v| text(&v["ends_at"])),
    ("building_id", |v| text(&v["building_id"])),
    ("id", |v| text(&v["id"])),
];
const VIRTUAL_KEY_ATTRS: &[(&str, Reader)] = &[
    ("name", |v| text(&v["name"])),
    ("email", |v| text(&v["email"])),
    ("sms_number", |v| text(&v["sms_number"])),
    ("keychain_id", |v| text(&v["keychain_id"])),
    ("building_id", |v| text(&v["building_id"])),
    ("id", |v| text(&v["id"])),
];

fn list(
    records: Vec<Value>,
    attrs: &[(&str, Reader)],
    query: &[(String, String)],
    paging: Paging,
) -> Reply {
    match listing::list(records, attrs, query, paging) {
        Ok(page) => Reply::json(200, page),
        Err(e) => Reply::error(422, "q", "invalid", &e.0),
    }
}

fn show(found: Option<Value>) -> Reply {
    found.map_or_else(Reply::not_found, |v| Reply::data(200, v))
}

/// Serves one API request.
pub(crate) fn serve(
    ctx: Ctx<'_>,
    route: Route,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Reply {
    let Ctx {
        world: w,
        rng,
        paging,
    } = ctx;
    match route {
        Route::Buildings => {
            let records = w
                .buildings
                .iter()
                .filter(|b| b.enabled)
                .map(|b| w.building_json(b))
                .collect();
            list(records, BUILDING_ATTRS, query, paging)
        }
        Route::Building(id) => show(
            id.and_then(|id| w.visible_building(id))
                .map(|b| w.building_json(b)),
        ),
        Route::Units => {
            let records = w
                .units
                .iter()
                .filter(|u| w.visible(u.building_id))
                .map(|u| w.unit_json(u))
                .collect();
            list(records, UNIT_ATTRS, query, paging)
        }
        Route::Unit(id) => show(
            id.and_then(|id| w.unit(id))
                .filter(|u| w.visible(u.building_id))
                .map(|u| w.unit_json(u)),
        ),
        Route::CreateUnit(building) => create_unit(w, building, body),
        Route::DeleteUnit(building, id) => {
            let found = w.units.iter().position(|u| {
                Some(u.id) == id && Some(u.building_id) == building && w.visible(u.building_id)
            });
            let Some(at) = found else {
                return Reply::not_found();
            };
            let unit = w.units.remove(at);
            w.tenants.retain(|t| t.unit_id != unit.id);
            Reply::no_content()
        }
        Route::Tenants => {
            let records = w
                .tenants
                .iter()
                .filter(|t| w.visible(t.building_id))
                .map(|t| w.tenant_json(t))
                .collect();
            list(records, TENANT_ATTRS, query, paging)
        }
        Route::CreateTenant => create_tenant(w, body),
        Route::Tenant(id) => show(
            id.and_then(|id| w.tenant(id))
                .filter(|t| w.visible(t.building_id))
                .map(|t| w.tenant_json(t)),
        ),
        Route::DeleteTenant(id) => {
            let found = w
                .tenants
                .iter()
                .position(|t| Some(t.id) == id && w.visible(t.building_id));
            let Some(at) = found else {
                return Reply::not_found();
            };
            w.tenants.remove(at);
            Reply::no_content()
        }
        Route::AccessPoints => {
            let records = w
                .access_points
                .iter()
                .filter(|a| w.visible(a.building_id))
                .map(|a| w.access_point_json(a))
                .collect();
            list(records, ACCESS_POINT_ATTRS, query, paging)
        }
        Route::AccessPoint(id) => show(
            w.access_points
                .iter()
                .find(|a| Some(a.id) == id && w.visible(a.building_id))
                .map(|a| w.access_point_json(a)),
        ),
        Route::Keychains => {
            let records = w
                .keychains
                .iter()
                .filter(|k| w.visible(k.building_id))
                .map(|k| w.keychain_json(k))
                .collect();
            list(records, KEYCHAIN_ATTRS, query, paging)
        }
        Route::CreateCustomKeychain => create_keychain(w, rng, body),
        Route::Keychain(id) => show(
            id.and_then(|id| w.keychain(id))
                .filter(|k| w.visible(k.building_id))
                .map(|k| w.keychain_json(k)),
        ),
        Route::DeleteKeychain(id) => {
            let found = w
                .keychains
                .iter()
                .position(|k| Some(k.id) == id && w.visible(k.building_id));
            let Some(at) = found else {
                return Reply::not_found();
            };
            let keychain = w.keychains.remove(at);
            w.virtual_keys.retain(|v| v.keychain_id != keychain.id);
            Reply::no_content()
        }
        Route::VirtualKeys => {
            let records = w
                .virtual_keys
                .iter()
                .filter(|v| w.visible(v.building_id))
                .map(|v| w.virtual_key_json(v))
                .collect();
            list(records, VIRTUAL_KEY_ATTRS, query, paging)
        }
        Route::CreateVirtualKey => create_virtual_key(w, rng, body),
        Route::VirtualKey(id) => show(
            w.virtual_keys
                .iter()
                .find(|v| Some(v.id) == id && w.visible(v.building_id))
                .map(|v| w.virtual_key_json(v)),
        ),
        Route::DeleteVirtualKey(id) => {
            let found = w
                .virtual_keys
                .iter()
                .position(|v| Some(v.id) == id && w.visible(v.building_id));
            let Some(at) = found else {
                return Reply::not_found();
            };
            let key = w.virtual_keys.remove(at);
            for k in &mut w.keychains {
                k.virtual_key_ids.retain(|id| *id != key.id);
            }
            Reply::no_content()
        }
    }
}
