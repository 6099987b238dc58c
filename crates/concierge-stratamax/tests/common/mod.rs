//! What the StrataMax tests share: a simulator, an adapter pointed at it, and a full read.

#![allow(dead_code)]

use concierge_core::{
    ListStrataBuildingsRequest, ListStrataUsersRequest, RecordError, StrataBuilding,
    StrataProvider, StrataUser,
};
use concierge_http::{RetryPolicy, SecretString};
use concierge_strata_sim::{SimHandle, StrataSimConfig, StrataSimulator, Vendor};
use concierge_stratamax::{StrataMax, StrataMaxConfig};
use std::collections::BTreeMap;
use std::time::Duration;

/// A simulator of `buildings` x `lots` with the scenarios, without rate limit.
pub async fn sim(buildings: usize, lots: usize, quirks: bool) -> SimHandle {
    StrataSimulator::start(StrataSimConfig {
        buildings,
        lots_per_building: lots,
        quirks,
        rate_limit_per_sec: None,
        ..StrataSimConfig::new(Vendor::StrataMax)
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
pub fn config(sim: &SimHandle) -> StrataMaxConfig {
    let mut c = StrataMaxConfig::new(SecretString::from(sim.api_key()));
    c.base_url = sim.base_url();
    c.rate_limit_per_second = None;
    c.retry = fast_retry(5);
    c.timeout = Duration::from_secs(1);
    c
}

pub fn adapter(sim: &SimHandle) -> StrataMax {
    StrataMax::new(config(sim)).expect("a valid config")
}

/// Every building and every building's users, following every cursor.
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
            .expect("the buildings are listed");
        buildings.extend(
            page.items
                .into_iter()
                .map(|b| b.expect("a readable building")),
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut users = BTreeMap::new();
    for b in &buildings {
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let page = p
                .list_users(ListStrataUsersRequest {
                    building: Some(b.external.clone()),
                    cursor,
                })
                .await
                .expect("the users are listed");
            all.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        users.insert(b.external.id.clone(), all);
    }
    (buildings, users)
}

/// The Ok users of one building.
pub fn ok_users(read: &Read, building: &str) -> Vec<StrataUser> {
    read.1[building]
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
