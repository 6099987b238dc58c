//! Endpoint logic: routes, query parameters, filters, ordering, paging and rendering, and which
//! records a listing reads (the per-property and per-unit indexes when a filter names them).

use crate::model::{Lease, LeaseStatus, LeaseType, Portfolio, Tenant, Ts, datetime_of, mix, ts_of};
use crate::wire::{Render, error_body};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::HashSet;

/// Default page size.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size; larger `limit` values are silently capped to it.
pub const MAX_LIMIT: usize = 1000;
/// Longest query string served; a longer one answers `500`, as Buildium documents.
pub const MAX_QUERY_LEN: usize = 4096;

/// A path the simulator serves, with the query parameters it understands. Every name here is a
/// parameter the vendor's OpenAPI file defines for that path (a contract test checks this).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    /// The path template as in the vendor file, e.g. `/v1/leases/{leaseId}`.
    pub template: &'static str,
    /// Whether the endpoint is a paged listing (answers with `X-Total-Count`).
    pub list: bool,
    /// The query parameters the simulator implements.
    pub params: &'static [&'static str],
}

const PAGING: [&str; 3] = ["orderby", "offset", "limit"];

/// Every endpoint the simulator serves (all `GET`).
pub const ROUTES: [RouteInfo; 9] = [
    RouteInfo {
        template: "/v1/rentals",
        list: true,
        params: &[
            "location",
            "types",
            "subtypes",
            "status",
            "propertyids",
            "lastupdatedfrom",
            "lastupdatedto",
            "orderby",
            "offset",
            "limit",
        ],
    },
    RouteInfo {
        template: "/v1/rentals/{propertyId}",
        list: false,
        params: &[],
    },
    RouteInfo {
        template: "/v1/rentals/units",
        list: true,
        params: &[
            "propertyids",
            "lastupdatedfrom",
            "lastupdatedto",
            "orderby",
            "offset",
            "limit",
        ],
    },
    RouteInfo {
        template: "/v1/rentals/units/{unitId}",
        list: false,
        params: &[],
    },
    RouteInfo {
        template: "/v1/leases",
        list: true,
        params: &[
            "propertyids",
            "unitnumber",
            "tenantname",
            "leasedatefrom",
            "leasedateto",
            "leasetypes",
            "leasestatuses",
            "createddatetimefrom",
            "createddatetimeto",
            "lastupdatedfrom",
            "lastupdatedto",
            "orderby",
            "offset",
            "limit",
        ],
    },
    RouteInfo {
        template: "/v1/leases/{leaseId}",
        list: false,
        params: &[],
    },
    RouteInfo {
        template: "/v1/leases/tenants",
        list: true,
        params: &[
            "buildingstatuses",
            "leasetermstatuses",
            "unitnumber",
            "name",
            "phone",
            "email",
            "propertyids",
            "lastupdatedfrom",
            "lastupdatedto",
            "unitids",
            "orderby",
            "offset",
            "limit",
        ],
    },
    RouteInfo {
        template: "/v1/leases/tenants/{tenantId}",
        list: false,
        params: &[],
    },
    RouteInfo {
        template: "/v1/leases/{leaseId}/moveouts",
        list: true,
        params: &PAGING,
    },
];

/// A matched route: index into [`ROUTES`] and the path id, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Rentals,
    Rental(i32),
    Units,
    Unit(i32),
    Leases,
    Lease(i32),
    Tenants,
    Tenant(i32),
    MoveOuts(i32),
}

impl Route {
    /// Exact, case-sensitive matching; ids must be decimal integers. A single trailing slash is
    /// tolerated.
    pub(crate) fn parse(path: &str) -> Option<Route> {
        let path = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped,
            _ => path,
        };
        let id = |s: &str| -> Option<i32> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let segments: Vec<&str> = path.split('/').collect();
        match segments.as_slice() {
            ["", "v1", "rentals"] => Some(Route::Rentals),
            ["", "v1", "rentals", "units"] => Some(Route::Units),
            ["", "v1", "rentals", "units", u] => id(u).map(Route::Unit),
            ["", "v1", "rentals", p] => id(p).map(Route::Rental),
            ["", "v1", "leases"] => Some(Route::Leases),
            ["", "v1", "leases", "tenants"] => Some(Route::Tenants),
            ["", "v1", "leases", "tenants", t] => id(t).map(Route::Tenant),
            ["", "v1", "leases", l] => id(l).map(Route::Lease),
            ["", "v1", "leases", l, "moveouts"] => id(l).map(Route::MoveOuts),
            _ => None,
        }
    }

    pub(crate) fn info(self) -> &'static RouteInfo {
        let i = match self {
            Route::Rentals => 0,
            Route::Rental(_) => 1,
            Route::Units => 2,
            Route::Unit(_) => 3,
            Route::Leases => 4,
            Route::Lease(_) => 5,
            Route::Tenants => 6,
            Route::Tenant(_) => 7,
            Route::MoveOuts(_) => 8,
        };
        &ROUTES[i]
    }
}

/// A refusal, rendered as an `ApiErrorResponse`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub errors: Vec<(String, String)>,
}

impl Failure {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn not_found() -> Self {
        Self::new(404, "NotFound", "Resource not found.")
    }

    pub(crate) fn bad_param(key: &str, value: impl Into<String>) -> Self {
        Self {
            status: 400,
            code: "BadRequest",
            message: "Unable to process the request due to malformed request syntax or invalid \
                      parameters."
                .into(),
            errors: vec![(key.to_owned(), value.into())],
        }
    }

    pub(crate) fn body(&self) -> Vec<u8> {
        error_body(&self.message, self.code, &self.errors)
    }
}

/// A successful answer: a JSON body, and the total for `X-Total-Count` on listings.
pub(crate) struct Reply {
    pub body: Vec<u8>,
    pub total: Option<usize>,
}

/// Decoded query pairs, in order.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        Self {
            pairs: raw
                .map(|raw| {
                    raw.split('&')
                        .filter(|pair| !pair.is_empty())
                        .map(|pair| {
                            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                            (decode(k), decode(v))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }

    /// The first value of a scalar parameter (names are case-sensitive).
    fn first(&self, name: &str) -> Option<&str> {
        self.all(name).next()
    }

    fn all<'s, 'n>(&'s self, name: &'n str) -> impl Iterator<Item = &'s str> + use<'s, 'n> {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn not_valid(name: &str, value: &str) -> Failure {
        Failure::bad_param(name, format!("The value '{value}' is not valid."))
    }

    /// An integer array in the form the vendor file declares (`style: form, explode: true`:
    /// `propertyids=1&propertyids=2`). A comma list is not an integer, so it answers `400`.
    fn ints(&self, name: &str) -> Result<Option<HashSet<i32>>, Failure> {
        let mut out = HashSet::new();
        let mut any = false;
        for value in self.all(name) {
            any = true;
            let id = value
                .trim()
                .parse::<i32>()
                .map_err(|_| Self::not_valid(name, value))?;
            out.insert(id);
        }
        Ok(any.then_some(out))
    }

    /// An enum array (values matched case-insensitively); returns indices into `allowed`.
    fn enums(&self, name: &str, allowed: &[&str]) -> Result<Option<HashSet<usize>>, Failure> {
        let mut out = HashSet::new();
        let mut any = false;
        for value in self.all(name) {
            any = true;
            out.insert(Self::enum_value(name, value, allowed)?);
        }
        Ok(any.then_some(out))
    }

    fn enum_value(name: &str, value: &str, allowed: &[&str]) -> Result<usize, Failure> {
        allowed
            .iter()
            .position(|a| a.eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| Self::not_valid(name, value))
    }

    fn enum_one(&self, name: &str, allowed: &[&str]) -> Result<Option<usize>, Failure> {
        self.first(name)
            .map(|v| Self::enum_value(name, v, allowed))
            .transpose()
    }

    /// A UTC date-time. Buildium documents `YYYY-MM-DDTHH:MM:SSZ`; like an ASP.NET service the
    /// simulator also accepts other RFC 3339 forms, `YYYY-MM-DD HH:MM:SS` (treated as UTC) and a
    /// bare date (its midnight).
    fn datetime(&self, name: &str) -> Result<Option<Ts>, Failure> {
        let Some(value) = self.first(name) else {
            return Ok(None);
        };
        let v = value.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(v) {
            return Ok(Some(ts_of(t.with_timezone(&Utc))));
        }
        for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(v, format) {
                return Ok(Some(t.and_utc().timestamp()));
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            return Ok(Some(crate::model::start_of(d)));
        }
        Err(Self::not_valid(name, value))
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, Failure> {
        let Some(value) = self.first(name) else {
            return Ok(None);
        };
        let v = value.trim();
        if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            return Ok(Some(d));
        }
        match self.datetime(name) {
            Ok(Some(ts)) => Ok(Some(datetime_of(ts).date_naive())),
            _ => Err(Self::not_valid(name, value)),
        }
    }

    /// A case-insensitive "contains" filter.
    fn text(&self, name: &str) -> Option<String> {
        self.first(name)
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty())
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; invalid escapes
/// are kept as they are, invalid UTF-8 is replaced.
fn decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some((hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?)))
            .flatten();
        match (bytes[i], escaped) {
            (_, Some((hi, lo))) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `limit` and `offset`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Paging {
    pub offset: usize,
    pub limit: usize,
}

impl Paging {
    fn parse(q: &Query) -> Result<Self, Failure> {
        let int = |name: &str| -> Result<Option<i64>, Failure> {
            q.first(name)
                .map(|v| {
                    v.trim()
                        .parse::<i64>()
                        .map_err(|_| Query::not_valid(name, v))
                })
                .transpose()
        };
        let limit = match int("limit")? {
            None => DEFAULT_LIMIT,
            Some(n) if n < 1 => {
                return Err(Failure::bad_param(
                    "limit",
                    "The limit must be between 1 and 1000.",
                ));
            }
            Some(n) => (n as u64).min(MAX_LIMIT as u64) as usize,
        };
        let offset = match int("offset")? {
            None => 0,
            Some(n) if n < 0 => {
                return Err(Failure::bad_param(
                    "offset",
                    "The offset must be 0 or more.",
                ));
            }
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        };
        Ok(Self { offset, limit })
    }

    fn window(self, total: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(total);
        start..start.saturating_add(self.limit).min(total)
    }
}

/// `orderby=Field [asc|desc],...`; field names are case-insensitive, as Buildium documents.
struct OrderBy {
    keys: Vec<(usize, bool)>,
    unique: bool,
}

impl OrderBy {
    /// `fields[0]` must be the unique key (`Id`, or `TenantId` for move-outs).
    fn parse(q: &Query, fields: &[&str]) -> Result<Option<Self>, Failure> {
        let Some(raw) = q.first("orderby") else {
            return Ok(None);
        };
        let mut keys = Vec::new();
        for part in raw.split(',') {
            let mut words = part.split_whitespace();
            let Some(field) = words.next() else {
                return Err(Query::not_valid("orderby", raw));
            };
            let index = fields
                .iter()
                .position(|f| f.eq_ignore_ascii_case(field))
                .ok_or_else(|| {
                    Failure::bad_param("orderby", format!("'{field}' is not a sortable field."))
                })?;
            let desc = match words.next() {
                None => false,
                Some(d) if d.eq_ignore_ascii_case("asc") => false,
                Some(d) if d.eq_ignore_ascii_case("desc") => true,
                Some(_) => return Err(Query::not_valid("orderby", raw)),
            };
            if words.next().is_some() {
                return Err(Query::not_valid("orderby", raw));
            }
            keys.push((index, desc));
        }
        let unique = keys.iter().any(|&(i, _)| i == 0);
        Ok(Some(Self { keys, unique }))
    }

    /// The keys up to and including the first unique one: later keys never decide.
    fn deciding(&self) -> &[(usize, bool)] {
        match self.keys.iter().position(|&(i, _)| i == 0) {
            Some(at) => &self.keys[..=at],
            None => &self.keys,
        }
    }
}

/// Whether `order` is `Id` ascending, or absent: the order records are stored in, so a list of
/// record indices in ascending order needs no sort.
fn in_id_order(order: Option<&OrderBy>) -> bool {
    order.is_none_or(|o| o.deciding() == [(0, false)])
}

/// Whether `order` is `PropertyId` then `Id`, both ascending (field 1 must be `PropertyId`):
/// the named properties' index lists, concatenated in property order, come in that order. So
/// does `PropertyId` alone when ties keep `Id` order.
fn in_property_order(order: Option<&OrderBy>, unstable_ties: bool) -> bool {
    order.is_some_and(|o| match o.deciding() {
        [(1, false), (0, false)] => true,
        [(1, false)] => !unstable_ties,
        _ => false,
    })
}

/// How a listing finds its candidate records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// From the per-property and per-unit indexes when `propertyids` (or `unitids`) names
    /// them, skipping the sort when the candidates already come in the requested order.
    Indexed,
    /// Every record scanned, then sorted: the reference the indexed answers are tested against.
    #[cfg(test)]
    Scan,
}

/// The properties `ids` names, as indices in ascending order (so in `Id` order); unknown ids
/// name none.
fn named_properties(p: &Portfolio, ids: &HashSet<i32>) -> Vec<usize> {
    let mut named: Vec<usize> = ids.iter().filter_map(|&id| p.property_index(id)).collect();
    named.sort_unstable();
    named
}

/// Sorts `items` by `order` with `cmp(field, a, b)`. Without an order they keep their (`Id`)
/// order. When the order has no unique key and `unstable_ties` is set, ties are broken by a hash
/// salted with the page window, so the tie order differs from page to page.
fn sort_items<T: Copy>(
    items: &mut [T],
    order: Option<&OrderBy>,
    paging: Paging,
    unstable_ties: bool,
    id: impl Fn(T) -> i32,
    cmp: impl Fn(usize, T, T) -> Ordering,
) {
    let Some(order) = order else {
        return;
    };
    let salt = mix(((paging.offset as u64) << 20) ^ paging.limit as u64);
    let shuffle = unstable_ties && !order.unique;
    items.sort_by(|&a, &b| {
        for &(field, desc) in &order.keys {
            let o = cmp(field, a, b);
            let o = if desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        if shuffle {
            mix(id(a) as u64 ^ salt).cmp(&mix(id(b) as u64 ^ salt))
        } else {
            Ordering::Equal
        }
    });
}

fn in_range(ts: Ts, from: Option<Ts>, to: Option<Ts>) -> bool {
    from.is_none_or(|f| ts >= f) && to.is_none_or(|t| ts <= t)
}

fn cmp_str(a: Option<&str>, b: Option<&str>) -> Ordering {
    // SQL Server order: null first, then case-insensitive text.
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a
            .bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase())),
    }
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn list_reply<T: Serialize>(items: Vec<T>, total: usize) -> Reply {
    Reply {
        body: json(&items),
        total: Some(total),
    }
}

fn one<T: Serialize>(item: Option<T>) -> Result<Reply, Failure> {
    item.map(|item| Reply {
        body: json(&item),
        total: None,
    })
    .ok_or_else(Failure::not_found)
}

/// Serves one authorised request on a matched route.
pub(crate) fn serve(
    p: &Portfolio,
    route: Route,
    q: &Query,
    unstable_ties: bool,
) -> Result<Reply, Failure> {
    serve_with(p, route, q, unstable_ties, Lookup::Indexed)
}

fn serve_with(
    p: &Portfolio,
    route: Route,
    q: &Query,
    unstable_ties: bool,
    lookup: Lookup,
) -> Result<Reply, Failure> {
    let r = Render::new(p);
    match route {
        Route::Rentals => rentals(&r, q, unstable_ties),
        Route::Rental(id) => one(p.property_index(id).map(|i| r.rental(&p.properties[i]))),
        Route::Units => units(&r, q, unstable_ties, lookup),
        Route::Unit(id) => one(p.unit_index(id).map(|i| r.unit(i))),
        Route::Leases => leases(&r, q, unstable_ties, lookup),
        Route::Lease(id) => one(p.lease_index(id).map(|i| r.lease(&p.leases[i], false))),
        Route::Tenants => tenants(&r, q, unstable_ties, lookup),
        Route::Tenant(id) => one(p.tenant_index(id).map(|i| r.tenant(&p.tenants[i], false))),
        Route::MoveOuts(id) => move_outs(&r, id, q, unstable_ties),
    }
}

const RENTAL_FIELDS: [&str; 9] = [
    "Id",
    "Name",
    "NumberUnits",
    "IsActive",
    "YearBuilt",
    "RentalType",
    "RentalSubType",
    "OperatingBankAccountId",
    "Reserve",
];
const RENTAL_TYPES: [&str; 2] = ["Residential", "Commercial"];
const SUB_TYPES: [&str; 9] = [
    "CondoTownhome",
    "MultiFamily",
    "SingleFamily",
    "Industrial",
    "Office",
    "Retail",
    "ShoppingCenter",
    "Storage",
    "ParkingSpace",
];
const ACTIVE_INACTIVE: [&str; 2] = ["Active", "InActive"];

fn rentals(r: &Render<'_>, q: &Query, unstable: bool) -> Result<Reply, Failure> {
    let p = r.p;
    let ids = q.ints("propertyids")?;
    let types = q.enums("types", &RENTAL_TYPES)?;
    let subtypes = q.enums("subtypes", &SUB_TYPES)?;
    let status = q.enum_one("status", &ACTIVE_INACTIVE)?;
    let location = q.text("location");
    let from = q.datetime("lastupdatedfrom")?;
    let to = q.datetime("lastupdatedto")?;
    let order = OrderBy::parse(q, &RENTAL_FIELDS)?;
    let paging = Paging::parse(q)?;
    let mut items: Vec<u32> = (0..p.properties.len() as u32)
        .filter(|&i| {
            let prop = &p.properties[i as usize];
            let (city, state, _, _) = crate::generate::CITIES[prop.city as usize];
            ids.as_ref().is_none_or(|s| s.contains(&prop.id))
                && types.as_ref().is_none_or(|s| s.contains(&0))
                && subtypes
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|&t| SUB_TYPES[t] == prop.sub_type.as_str()))
                && status.is_none_or(|s| (s == 0) == prop.active)
                && location.as_ref().is_none_or(|l| {
                    city.to_lowercase().contains(l) || state.to_lowercase().contains(l)
                })
                && in_range(prop.updated, from, to)
        })
        .collect();
    sort_items(
        &mut items,
        order.as_ref(),
        paging,
        unstable,
        |i| p.properties[i as usize].id,
        |field, a, b| {
            let (a, b) = (&p.properties[a as usize], &p.properties[b as usize]);
            match field {
                0 => a.id.cmp(&b.id),
                1 => cmp_str(Some(&a.name), Some(&b.name)),
                2 => a.units.len().cmp(&b.units.len()),
                3 => a.active.cmp(&b.active),
                4 => a.year_built.cmp(&b.year_built),
                5 => Ordering::Equal,
                6 => a.sub_type.as_str().cmp(b.sub_type.as_str()),
                7 => a.bank_account.cmp(&b.bank_account),
                _ => a.reserve.cmp(&b.reserve),
            }
        },
    );
    let total = items.len();
    let page = items[paging.window(total)]
        .iter()
        .map(|&i| r.rental(&p.properties[i as usize]))
        .collect();
    Ok(list_reply(page, total))
}

const UNIT_FIELDS: [&str; 7] = [
    "Id",
    "PropertyId",
    "BuildingName",
    "UnitNumber",
    "MarketRent",
    "UnitSize",
    "IsUnitListed",
];

fn units(r: &Render<'_>, q: &Query, unstable: bool, lookup: Lookup) -> Result<Reply, Failure> {
    let p = r.p;
    let ids = q.ints("propertyids")?;
    let from = q.datetime("lastupdatedfrom")?;
    let to = q.datetime("lastupdatedto")?;
    let order = OrderBy::parse(q, &UNIT_FIELDS)?;
    let paging = Paging::parse(q)?;
    // Every filter but `propertyids`, which the index answers.
    let matches = |i: u32| in_range(p.units[i as usize].updated, from, to);
    let named = |i: u32| {
        ids.as_ref()
            .is_none_or(|s| s.contains(&p.properties[p.units[i as usize].property as usize].id))
    };
    let scan = || {
        (0..p.units.len() as u32)
            .filter(|&i| named(i) && matches(i))
            .collect()
    };
    // Units are stored grouped by property in property order, so ascending indices are both in
    // `Id` order and in `PropertyId, Id` order.
    let presorted = in_id_order(order.as_ref()) || in_property_order(order.as_ref(), unstable);
    let (mut items, ordered): (Vec<u32>, bool) = match (lookup, &ids) {
        (Lookup::Indexed, Some(ids)) => (
            named_properties(p, ids)
                .into_iter()
                .flat_map(|pi| p.properties[pi].units.clone())
                .filter(|&i| matches(i))
                .collect(),
            presorted,
        ),
        (Lookup::Indexed, None) => (scan(), presorted),
        #[cfg(test)]
        (Lookup::Scan, _) => (scan(), false),
    };
    if !ordered {
        sort_items(
            &mut items,
            order.as_ref(),
            paging,
            unstable,
            |i| p.units[i as usize].id,
            |field, a, b| {
                let (a, b) = (&p.units[a as usize], &p.units[b as usize]);
                match field {
                    0 => a.id.cmp(&b.id),
                    1 => a.property.cmp(&b.property),
                    2 => cmp_str(
                        crate::generate::BUILDINGS[a.building as usize],
                        crate::generate::BUILDINGS[b.building as usize],
                    ),
                    3 => cmp_str(Some(&a.number.to_string()), Some(&b.number.to_string())),
                    4 => a.rent.cmp(&b.rent),
                    5 => a.size.cmp(&b.size),
                    _ => a.listed.cmp(&b.listed),
                }
            },
        );
    }
    let total = items.len();
    let page = items[paging.window(total)]
        .iter()
        .map(|&i| r.unit(i as usize))
        .collect();
    Ok(list_reply(page, total))
}

const LEASE_FIELDS: [&str; 12] = [
    "Id",
    "PropertyId",
    "UnitId",
    "UnitNumber",
    "LeaseFromDate",
    "LeaseToDate",
    "LeaseType",
    "LeaseStatus",
    "CreatedDateTime",
    "LastUpdatedDateTime",
    "PaymentDueDay",
    "AutomaticallyMoveOutTenants",
];

fn tenant_name_matches(t: &Tenant, needle: &str) -> bool {
    let first = t.first.as_deref().unwrap_or("");
    format!("{first} {}", t.last)
        .to_lowercase()
        .contains(needle)
}

fn leases(r: &Render<'_>, q: &Query, unstable: bool, lookup: Lookup) -> Result<Reply, Failure> {
    let p = r.p;
    let today = r.today;
    let ids = q.ints("propertyids")?;
    let unit_number = q.text("unitnumber");
    let tenant_name = q.text("tenantname");
    let date_from = q.date("leasedatefrom")?;
    let date_to = q.date("leasedateto")?;
    let types = q.enums("leasetypes", &LeaseType::NAMES)?;
    let statuses = q.enums("leasestatuses", &LeaseStatus::NAMES)?;
    let created_from = q.datetime("createddatetimefrom")?;
    let created_to = q.datetime("createddatetimeto")?;
    let from = q.datetime("lastupdatedfrom")?;
    let to = q.datetime("lastupdatedto")?;
    let order = OrderBy::parse(q, &LEASE_FIELDS)?;
    let paging = Paging::parse(q)?;
    // Every filter but `propertyids`, which the index answers.
    let matches = |l: &Lease| {
        !l.deleted
            && unit_number
                .as_ref()
                .is_none_or(|n| l.unit_number.to_string().contains(n.as_str()))
            && date_from.is_none_or(|d| l.from >= d)
            && date_to.is_none_or(|d| l.to.is_some_and(|to| to <= d))
            && types
                .as_ref()
                .is_none_or(|s| s.iter().any(|&t| LeaseType::from_index(t) == l.lease_type))
            && statuses.as_ref().is_none_or(|s| {
                s.iter()
                    .any(|&t| LeaseStatus::from_index(t) == l.status(today))
            })
            && in_range(l.created, created_from, created_to)
            && in_range(l.updated, from, to)
            && tenant_name
                .as_ref()
                .is_none_or(|n| r.current_tenants(l).any(|t| tenant_name_matches(t, n)))
    };
    let named = |l: &Lease| {
        ids.as_ref()
            .is_none_or(|s| s.contains(&p.properties[l.property as usize].id))
    };
    let scan = || {
        (0..p.leases.len() as u32)
            .filter(|&i| named(&p.leases[i as usize]) && matches(&p.leases[i as usize]))
            .collect()
    };
    let by_property = in_property_order(order.as_ref(), unstable);
    let (mut items, ordered): (Vec<u32>, bool) = match lookup {
        Lookup::Indexed if ids.is_some() || by_property => {
            let properties = match &ids {
                Some(ids) => named_properties(p, ids),
                None => (0..p.properties.len()).collect(),
            };
            let mut items: Vec<u32> = properties
                .into_iter()
                .flat_map(|pi| p.property_leases[pi].iter().copied())
                .filter(|&i| matches(&p.leases[i as usize]))
                .collect();
            if by_property {
                (items, true)
            } else {
                items.sort_unstable();
                (items, in_id_order(order.as_ref()))
            }
        }
        Lookup::Indexed => (scan(), in_id_order(order.as_ref())),
        #[cfg(test)]
        Lookup::Scan => (scan(), false),
    };
    if !ordered {
        sort_items(
            &mut items,
            order.as_ref(),
            paging,
            unstable,
            |i| p.leases[i as usize].id,
            |field, a, b| {
                let (a, b) = (&p.leases[a as usize], &p.leases[b as usize]);
                match field {
                    0 => a.id.cmp(&b.id),
                    1 => a.property.cmp(&b.property),
                    2 => a.unit_id.cmp(&b.unit_id),
                    3 => cmp_str(
                        Some(&a.unit_number.to_string()),
                        Some(&b.unit_number.to_string()),
                    ),
                    4 => a.from.cmp(&b.from),
                    5 => a.to.cmp(&b.to),
                    6 => a.lease_type.as_str().cmp(b.lease_type.as_str()),
                    7 => a.status(today).as_str().cmp(b.status(today).as_str()),
                    8 => a.created.cmp(&b.created),
                    9 => a.updated.cmp(&b.updated),
                    10 => Ordering::Equal,
                    _ => a.auto_move_out.cmp(&b.auto_move_out),
                }
            },
        );
    }
    let total = items.len();
    let page = items[paging.window(total)]
        .iter()
        .map(|&i| r.lease(&p.leases[i as usize], false))
        .collect();
    Ok(list_reply(page, total))
}

const TENANT_FIELDS: [&str; 5] = ["Id", "FirstName", "LastName", "Email", "CreatedDateTime"];

fn tenants(r: &Render<'_>, q: &Query, unstable: bool, lookup: Lookup) -> Result<Reply, Failure> {
    let p = r.p;
    let today = r.today;
    let building_statuses = q.enums("buildingstatuses", &ACTIVE_INACTIVE)?;
    let term_statuses = q.enums("leasetermstatuses", &LeaseStatus::NAMES)?;
    let unit_number = q.text("unitnumber");
    let name = q.text("name");
    let phone = q.text("phone");
    let email = q.text("email");
    let property_ids = q.ints("propertyids")?;
    let unit_ids = q.ints("unitids")?;
    let from = q.datetime("lastupdatedfrom")?;
    let to = q.datetime("lastupdatedto")?;
    let order = OrderBy::parse(q, &TENANT_FIELDS)?;
    let paging = Paging::parse(q)?;
    let lease_matches = |l: &Lease| {
        let property = &p.properties[l.property as usize];
        property_ids
            .as_ref()
            .is_none_or(|s| s.contains(&property.id))
            && unit_ids.as_ref().is_none_or(|s| s.contains(&l.unit_id))
            && building_statuses
                .as_ref()
                .is_none_or(|s| s.contains(&if property.active { 0 } else { 1 }))
            && term_statuses.as_ref().is_none_or(|s| {
                s.iter()
                    .any(|&t| LeaseStatus::from_index(t) == l.status(today))
            })
            && unit_number
                .as_ref()
                .is_none_or(|n| l.unit_number.to_string().contains(n.as_str()))
    };
    let matches = |t: &Tenant| {
        in_range(t.updated, from, to)
            && name.as_ref().is_none_or(|n| tenant_name_matches(t, n))
            && email.as_ref().is_none_or(|e| {
                t.email
                    .as_deref()
                    .is_some_and(|m| m.to_lowercase().contains(e))
            })
            && phone
                .as_ref()
                .is_none_or(|ph| t.phone.as_deref().is_some_and(|m| m.contains(ph.as_str())))
            && p.live_leases(t).any(lease_matches)
    };
    let scan = || {
        (0..p.tenants.len() as u32)
            .filter(|&i| matches(&p.tenants[i as usize]))
            .collect()
    };
    let (mut items, ordered): (Vec<u32>, bool) = match lookup {
        Lookup::Indexed => {
            let items = match named_leases(p, unit_ids.as_ref(), property_ids.as_ref()) {
                Some(leases) => {
                    let mut items: Vec<u32> = leases
                        .into_iter()
                        .flat_map(|l| p.leases[l as usize].tenants.iter().map(|t| t.tenant))
                        .collect();
                    items.sort_unstable();
                    items.dedup();
                    items.retain(|&i| matches(&p.tenants[i as usize]));
                    items
                }
                None => scan(),
            };
            (items, in_id_order(order.as_ref()))
        }
        #[cfg(test)]
        Lookup::Scan => (scan(), false),
    };
    if !ordered {
        sort_items(
            &mut items,
            order.as_ref(),
            paging,
            unstable,
            |i| p.tenants[i as usize].id,
            |field, a, b| {
                let (a, b) = (&p.tenants[a as usize], &p.tenants[b as usize]);
                match field {
                    0 => a.id.cmp(&b.id),
                    1 => cmp_str(a.first.as_deref(), b.first.as_deref()),
                    2 => cmp_str(Some(&a.last), Some(&b.last)),
                    3 => cmp_str(a.email.as_deref(), b.email.as_deref()),
                    _ => a.created.cmp(&b.created),
                }
            },
        );
    }
    let total = items.len();
    let page = items[paging.window(total)]
        .iter()
        .map(|&i| r.tenant(&p.tenants[i as usize], false))
        .collect();
    Ok(list_reply(page, total))
}

/// For a tenant listing, from the indexes, the leases its `unitids` (when every id is a listed
/// unit) or else its `propertyids` name: every tenant on a matching lease is on one of them.
/// `None` when neither filter narrows the listing that way (the records are scanned).
fn named_leases(
    p: &Portfolio,
    unit_ids: Option<&HashSet<i32>>,
    property_ids: Option<&HashSet<i32>>,
) -> Option<Vec<u32>> {
    let units = unit_ids.and_then(|ids| {
        ids.iter()
            .map(|&id| p.unit_index(id))
            .collect::<Option<Vec<usize>>>()
    });
    if let Some(units) = units {
        return Some(
            units
                .into_iter()
                .flat_map(|u| p.unit_leases[u].iter().copied())
                .collect(),
        );
    }
    property_ids.map(|ids| {
        named_properties(p, ids)
            .into_iter()
            .flat_map(|pi| p.property_leases[pi].iter().copied())
            .collect()
    })
}

const MOVE_OUT_FIELDS: [&str; 3] = ["TenantId", "MoveOutDate", "NoticeGivenDate"];

fn move_outs(r: &Render<'_>, lease_id: i32, q: &Query, unstable: bool) -> Result<Reply, Failure> {
    let p = r.p;
    let lease = &p.leases[p.lease_index(lease_id).ok_or_else(Failure::not_found)?];
    let order = OrderBy::parse(q, &MOVE_OUT_FIELDS)?;
    let paging = Paging::parse(q)?;
    let mut items: Vec<usize> = (0..lease.move_outs.len()).collect();
    sort_items(
        &mut items,
        order.as_ref(),
        paging,
        unstable,
        |i| p.tenants[lease.move_outs[i].tenant as usize].id,
        |field, a, b| {
            let (a, b) = (&lease.move_outs[a], &lease.move_outs[b]);
            match field {
                0 => p.tenants[a.tenant as usize]
                    .id
                    .cmp(&p.tenants[b.tenant as usize].id),
                1 => a.date.cmp(&b.date),
                _ => a.notice.cmp(&b.notice),
            }
        },
    );
    let total = items.len();
    let page = items[paging.window(total)]
        .iter()
        .map(|&i| r.move_out(&lease.move_outs[i]))
        .collect();
    Ok(list_reply(page, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_exactly_and_case_sensitively() {
        assert_eq!(Route::parse("/v1/rentals"), Some(Route::Rentals));
        assert_eq!(Route::parse("/v1/rentals/"), Some(Route::Rentals));
        assert_eq!(Route::parse("/v1/rentals/units"), Some(Route::Units));
        assert_eq!(Route::parse("/v1/rentals/units/7"), Some(Route::Unit(7)));
        assert_eq!(Route::parse("/v1/rentals/12"), Some(Route::Rental(12)));
        assert_eq!(Route::parse("/v1/leases/tenants/3"), Some(Route::Tenant(3)));
        assert_eq!(
            Route::parse("/v1/leases/9/moveouts"),
            Some(Route::MoveOuts(9))
        );
        assert_eq!(Route::parse("/v1/Leases"), None);
        assert_eq!(Route::parse("/V1/leases"), None);
        assert_eq!(Route::parse("/v1/rentals/Units"), None);
        assert_eq!(Route::parse("/v1/leases/9/MoveOuts"), None);
        assert_eq!(Route::parse("/rentals"), None);
        assert_eq!(Route::parse("/v1/leases/-1"), None);
    }

    #[test]
    fn query_values_are_form_decoded() {
        assert_eq!(
            decode("LastUpdatedDateTime+asc%2CId%20asc"),
            "LastUpdatedDateTime asc,Id asc"
        );
        assert_eq!(decode("100%25%zz%4"), "100%%zz%4");
        assert_eq!(decode("caf%C3%A9"), "café");
        let q = Query::parse(Some("a=1&&b&a=2"));
        assert_eq!(q.all("a").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(q.first("b"), Some(""));
    }

    #[test]
    fn limit_is_capped_and_offset_defaults_to_zero() {
        let paging = Paging::parse(&Query::parse(Some("limit=5000"))).unwrap();
        assert_eq!((paging.limit, paging.offset), (MAX_LIMIT, 0));
        let paging = Paging::parse(&Query::parse(None)).unwrap();
        assert_eq!(paging.limit, DEFAULT_LIMIT);
        assert!(Paging::parse(&Query::parse(Some("limit=0"))).is_err());
        assert!(Paging::parse(&Query::parse(Some("offset=x"))).is_err());
    }

    #[test]
    fn orderby_fields_are_case_insensitive_and_directions_checked() {
        let q = Query::parse(Some("orderby=lastupdateddatetime%20DESC,id+asc"));
        let order = OrderBy::parse(&q, &LEASE_FIELDS).unwrap().unwrap();
        assert_eq!(order.keys, vec![(9, true), (0, false)]);
        assert!(order.unique);
        let q = Query::parse(Some("orderby=Nope"));
        assert_eq!(OrderBy::parse(&q, &LEASE_FIELDS).err().unwrap().status, 400);
        let q = Query::parse(Some("orderby=Id%20sideways"));
        assert!(OrderBy::parse(&q, &LEASE_FIELDS).is_err());
    }

    #[test]
    fn integer_arrays_are_repeated_parameters_and_a_comma_list_is_rejected() {
        let q = Query::parse(Some("propertyids=1&propertyids=2"));
        assert_eq!(q.ints("propertyids").unwrap().unwrap().len(), 2);
        let q = Query::parse(Some("propertyids=1,2"));
        let err = q.ints("propertyids").unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.errors[0].0, "propertyids");
    }

    /// A 20-property portfolio with deleted leases and leases on unlisted units.
    fn portfolio() -> Portfolio {
        let mut p = crate::generate::generate(&crate::config::SimConfig {
            seed: 11,
            properties: 20,
            units_per_property: 12,
            tenants_per_unit: 1.6,
            bad_record_share: 0.05,
            ..crate::config::SimConfig::default()
        });
        for i in (3..p.leases.len()).step_by(17) {
            p.leases[i].deleted = true;
            p.unindex_lease(i as u32);
        }
        p
    }

    /// Asserts that every query gives the same page and total from the indexes as from a scan.
    fn assert_indexed_equals_scan(p: &Portfolio, route: Route, queries: &[String]) {
        for query in queries {
            for unstable in [false, true] {
                let q = Query::parse(Some(query));
                let indexed = serve_with(p, route, &q, unstable, Lookup::Indexed).unwrap();
                let scanned = serve_with(p, route, &q, unstable, Lookup::Scan).unwrap();
                assert_eq!(indexed.total, scanned.total, "{route:?} {query}");
                assert!(
                    indexed.body == scanned.body,
                    "{route:?} {query} (unstable ties {unstable}): pages differ"
                );
            }
        }
    }

    /// Every combination of a `propertyids` filter, another filter, an order and a page.
    fn queries(filters: &[String], orders: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for filter in filters {
            for order in orders {
                for page in ["limit=7&offset=0", "limit=7&offset=14", "limit=1000"] {
                    let parts: Vec<&str> = [filter.as_str(), order, page]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect();
                    out.push(parts.join("&"));
                }
            }
        }
        out
    }

    fn property_filters(p: &Portfolio) -> Vec<String> {
        let id = |i: usize| p.properties[i].id;
        vec![
            String::new(),
            format!("propertyids={}", id(4)),
            format!(
                "propertyids={}&propertyids={}&propertyids={}",
                id(17),
                id(2),
                id(9)
            ),
            format!("propertyids={}&propertyids=1", id(5)),
            "propertyids=1".to_owned(),
            (0..p.properties.len())
                .map(|i| format!("propertyids={}", id(i)))
                .collect::<Vec<_>>()
                .join("&"),
        ]
    }

    #[test]
    fn leases_read_through_the_property_index_page_exactly_as_a_full_scan() {
        let p = portfolio();
        assert!(p.leases.iter().any(|l| l.deleted) && p.leases.iter().any(|l| l.unit.is_none()));
        let mut filters = property_filters(&p);
        let extra: Vec<String> = filters
            .iter()
            .map(|f| format!("{f}&leasestatuses=Active&leasestatuses=Future"))
            .collect();
        filters.extend(extra);
        let orders = [
            "",
            "orderby=Id",
            "orderby=id%20desc",
            "orderby=PropertyId,Id",
            "orderby=PropertyId%20asc,Id%20asc",
            "orderby=PropertyId,Id,UnitNumber%20desc",
            "orderby=PropertyId",
            "orderby=PropertyId%20desc,Id",
            "orderby=PropertyId,Id%20desc",
            "orderby=UnitNumber",
            "orderby=LeaseStatus,Id",
            "orderby=LastUpdatedDateTime%20desc,Id%20asc",
        ];
        assert_indexed_equals_scan(&p, Route::Leases, &queries(&filters, &orders));
    }

    #[test]
    fn units_read_through_the_property_index_page_exactly_as_a_full_scan() {
        let p = portfolio();
        let orders = [
            "",
            "orderby=Id",
            "orderby=PropertyId,Id",
            "orderby=PropertyId",
            "orderby=PropertyId%20desc,Id",
            "orderby=MarketRent,Id",
            "orderby=BuildingName",
        ];
        assert_indexed_equals_scan(&p, Route::Units, &queries(&property_filters(&p), &orders));
    }

    #[test]
    fn tenants_read_through_the_unit_and_property_indexes_page_exactly_as_a_full_scan() {
        let p = portfolio();
        let unlisted = p
            .leases
            .iter()
            .find(|l| l.unit.is_none() && !l.deleted)
            .map(|l| l.unit_id)
            .unwrap();
        let deleted_unit = p
            .leases
            .iter()
            .find(|l| l.deleted && l.unit.is_some())
            .map(|l| l.unit_id)
            .unwrap();
        let mut filters = property_filters(&p);
        filters.extend([
            format!("unitids={}&unitids={}", p.units[30].id, p.units[200].id),
            format!("unitids={deleted_unit}"),
            format!("unitids={unlisted}"),
            format!("unitids={unlisted}&unitids={}", p.units[31].id),
            format!(
                "unitids={}&propertyids={}",
                p.units[30].id, p.properties[2].id
            ),
            format!("unitids=1&propertyids={}", p.properties[2].id),
            format!("leasetermstatuses=Past&propertyids={}", p.properties[7].id),
        ]);
        let orders = [
            "",
            "orderby=Id",
            "orderby=LastName",
            "orderby=Email%20desc,Id",
        ];
        assert_indexed_equals_scan(&p, Route::Tenants, &queries(&filters, &orders));
    }
}
