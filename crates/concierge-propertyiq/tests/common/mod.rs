//! What the PropertyIQ tests share: a simulator, an adapter pointed at it, and a full read.

#![allow(dead_code)]

use concierge_core::{
    ListStrataBuildingsRequest, ListStrataUsersRequest, RecordError, StrataBuilding,
    StrataProvider, StrataUser,
};
use concierge_http::{RetryPolicy, SecretString};
use concierge_propertyiq::{PropertyIq, PropertyIqConfig};
use concierge_strata_sim::{SimHandle, StrataSimConfig, StrataSimulator, Vendor};
use std::collections::BTreeMap;
use std::time::Duration;

/// A simulator of `schemes` x `lots` with the scenarios, without rate limit.
pub async fn sim(schemes: usize, lots: usize, quirks: bool) -> SimHandle {
    StrataSimulator::start(StrataSimConfig {
        buildings: schemes,
        lots_per_building: lots,
        quirks,
        rate_limit_per_sec: None,
        ..StrataSimConfig::new(Vendor::PropertyIq)
    })
    .await
    .expect("the simulator starts")
}

/// Quick retries: 10 ms backoff, `Retry-After` honoured up to 3 s.
pub fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_secs(3),
    }
}

/// The adapter's config for `sim`: no client rate limit, quick retries, 1 s timeout.
pub fn config(sim: &SimHandle) -> PropertyIqConfig {
    let mut c = PropertyIqConfig::new(
        sim.base_url(),
        sim.client_id(),
        SecretString::from(sim.client_secret()),
    );
    c.rate_limit_per_second = None;
    c.retry = fast_retry(5);
    c.timeout = Duration::from_secs(1);
    c
}

pub fn adapter(sim: &SimHandle) -> PropertyIq {
    PropertyIq::new(config(sim)).expect("a valid config")
}

/// Every scheme and every scheme's users, following every cursor.
pub type Read = (
    Vec<StrataBuilding>,
    BTreeMap<String, Vec<Result<StrataUser, RecordError>>>,
);

pub async fn read_all(p: &dyn StrataProvider) -> Read {
    let mut buildings = Vec::new();
    let mut cursor = None;
    loop {
        let page = p
            .list_buildings(ListStrataBuildingsRequest { cursor })
            .await
            .expect("the schemes are listed");
        buildings.extend(
            page.items
                .into_iter()
                .map(|b| b.expect("a readable scheme")),
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut users = BTreeMap::new();
    for b in &buildings {
        let page = p
            .list_users(ListStrataUsersRequest {
                building: Some(b.external.clone()),
                cursor: None,
            })
            .await
            .expect("the users are listed");
        assert!(page.next.is_none(), "PropertyIQ users come in one page");
        users.insert(b.external.id.clone(), page.items);
    }
    (buildings, users)
}

/// The Ok users of one scheme.
pub fn ok_users(read: &Read, scheme: &str) -> Vec<StrataUser> {
    read.1[scheme]
        .iter()
        .filter_map(|u| u.as_ref().ok().cloned())
        .collect()
}

/// The user holding lot `lot` with a type matching `pred`.
pub fn on_lot<'a>(
    users: &'a [StrataUser],
    lot: &str,
    pred: impl Fn(&StrataUser) -> bool,
) -> &'a StrataUser {
    users
        .iter()
        .find(|u| u.lots.iter().any(|l| l.lot_number == lot) && pred(u))
        .unwrap_or_else(|| panic!("no matching user on lot {lot}"))
}
