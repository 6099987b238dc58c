//! Every route the simulator serves, answered right and refused on the vendor's business rules
//! (taken, a backwards window, an unknown tenant, a missing record, an expired token), checked
//! against ButterflyMX's own OpenAPI document with `concierge-contract`: the requests these
//! tests send, and every reply the simulator gives.

use crate::*;
use concierge_butterflymx_sim::{FaultKind, SimConfig, routes};
use concierge_contract::Contract;
use serde_json::json;
use std::collections::BTreeSet;

async fn delete(sim: &SimHandle, bearer: &str, target: &str) -> Reply {
    call(sim, "DELETE", target, &[("authorization", bearer)], "").await
}

#[tokio::test]
async fn every_route_s_replies_follow_the_vendor_spec() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[0].id;
    let door = sim.access_points(b)[0].id;

    get(&sim, &bearer, "/v4/buildings?page=1&per=2").await;
    get(&sim, &bearer, &format!("/v4/buildings/{b}")).await;
    get(
        &sim,
        &bearer,
        &format!("/v4/units?q%5Bbuilding_id_eq%5D={b}&q%5Blabel_start%5D=1"),
    )
    .await;
    let unit = post(
        &sim,
        &bearer,
        &format!("/v4/buildings/{b}/units"),
        json!({"unit": {"label": "C404", "floor": "4"}}),
    )
    .await;
    let unit = unit.json["data"]["id"].as_i64().unwrap();
    post(
        &sim,
        &bearer,
        &format!("/v4/buildings/{b}/units"),
        json!({"unit": {"label": "c404", "floor": "4"}}),
    )
    .await;
    get(&sim, &bearer, &format!("/v4/units/{unit}")).await;
    let tenant = json!({"tenant": {"unit_id": unit, "active_at": "2026-06-18T15:12:26Z",
        "user_attributes": {"first_name": "Foo", "last_name": "Bar", "email": "foo@example.com", "contact_preference": "mobile_app"}}});
    let created = post(&sim, &bearer, "/v4/tenants", tenant.clone()).await;
    let tenant_id = created.json["data"]["id"].as_i64().unwrap();
    post(&sim, &bearer, "/v4/tenants", tenant).await;
    get(
        &sim,
        &bearer,
        &format!("/v4/tenants?q%5Bunit_id_eq%5D={unit}&q%5Bfull_name_eq%5D=Foo%20Bar&scope=self"),
    )
    .await;
    get(&sim, &bearer, &format!("/v4/tenants/{tenant_id}")).await;
    get(
        &sim,
        &bearer,
        &format!("/v4/access_points?q%5Bbuilding_id_eq%5D={b}"),
    )
    .await;
    get(&sim, &bearer, &format!("/v4/access_points/{door}")).await;
    let keychain = json!({"keychain": {"name": "My Keychain", "tenant_id": tenant_id, "starts_at": "2026-06-17T15:17:24Z",
        "ends_at": "2026-06-18T15:12:24Z", "recipients": ["foo@example.com", "+12345678900"], "access_point_ids": [door]}});
    let k = post(&sim, &bearer, "/v4/keychains/custom", keychain.clone()).await;
    let k = k.json["data"]["id"].as_i64().unwrap();
    let mut backwards = keychain.clone();
    backwards["keychain"]["ends_at"] = json!("2026-06-16T15:12:24Z");
    post(&sim, &bearer, "/v4/keychains/custom", backwards).await;
    let mut stranger = keychain;
    stranger["keychain"]["tenant_id"] = json!(1);
    post(&sim, &bearer, "/v4/keychains/custom", stranger).await;
    get(
        &sim,
        &bearer,
        &format!("/v4/keychains?q%5Bname_eq%5D=My%20Keychain&q%5Btenant_id_eq%5D={tenant_id}"),
    )
    .await;
    get(&sim, &bearer, &format!("/v4/keychains/{k}")).await;
    let key = post(
        &sim,
        &bearer,
        "/v4/virtual_keys",
        json!({"keychain_id": k, "name": "John Doe", "pin_code": "468931"}),
    )
    .await;
    let key = key.json["data"]["id"].as_i64().unwrap();
    post(
        &sim,
        &bearer,
        "/v4/virtual_keys",
        json!({"keychain_id": k, "pin_code": "123456"}),
    )
    .await;
    get(
        &sim,
        &bearer,
        &format!("/v4/virtual_keys?q%5Bkeychain_id_eq%5D={k}"),
    )
    .await;
    get(&sim, &bearer, &format!("/v4/virtual_keys/{key}")).await;
    delete(&sim, &bearer, &format!("/v4/virtual_keys/{key}")).await;
    delete(&sim, &bearer, &format!("/v4/virtual_keys/{key}")).await;
    delete(&sim, &bearer, &format!("/v4/keychains/{k}")).await;
    delete(&sim, &bearer, &format!("/v4/keychains/{k}")).await;
    delete(&sim, &bearer, &format!("/v4/tenants/{tenant_id}")).await;
    delete(&sim, &bearer, &format!("/v4/buildings/{b}/units/{unit}")).await;
    sim.inject_faults([FaultKind::Unavailable]);
    get(&sim, &bearer, "/v4/buildings").await;
    sim.expire_access_tokens();
    get(&sim, &bearer, "/v4/tenants").await;

    let contract = Contract::butterflymx();
    let exchanges = sim.exchanges();
    let mut broken = Vec::new();
    for e in exchanges.iter().filter(|e| e.path.starts_with("/v4/")) {
        let what = format!("{} {} -> {}", e.method, e.target, e.status);
        match contract.check_request(&e.method, &e.target, e.request_body.as_ref()) {
            Ok(op) if op.to_string() != e.route => {
                broken.push(format!("{what}: the spec matched {op}, not {}", e.route))
            }
            Ok(_) => {}
            Err(found) => broken.push(format!("{what} (request): {found:#?}")),
        }
        if e.is_contractual()
            && let Err(found) =
                contract.check_response(&e.method, &e.path, e.status, e.response_body.as_ref())
        {
            broken.push(format!("{what} (response): {found:#?}"));
        }
    }
    assert!(
        broken.is_empty(),
        "exchanges that break the vendor spec:\n{}",
        broken.join("\n")
    );
    println!("{} (simulator routes)", contract.summary());
    let served: BTreeSet<&str> = exchanges
        .iter()
        .filter(|e| e.is_contractual())
        .map(|e| e.route.as_str())
        .collect();
    let every_route: BTreeSet<&str> = [
        routes::BUILDINGS,
        routes::BUILDING,
        routes::UNITS,
        routes::UNIT,
        routes::CREATE_UNIT,
        routes::DELETE_UNIT,
        routes::TENANTS,
        routes::CREATE_TENANT,
        routes::TENANT,
        routes::DELETE_TENANT,
        routes::ACCESS_POINTS,
        routes::ACCESS_POINT,
        routes::KEYCHAINS,
        routes::CREATE_CUSTOM_KEYCHAIN,
        routes::KEYCHAIN,
        routes::DELETE_KEYCHAIN,
        routes::VIRTUAL_KEYS,
        routes::CREATE_VIRTUAL_KEY,
        routes::VIRTUAL_KEY,
        routes::DELETE_VIRTUAL_KEY,
    ]
    .into_iter()
    .collect();
    assert_eq!(served, every_route);
    let statuses: BTreeSet<u16> = exchanges
        .iter()
        .filter(|e| e.is_contractual())
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, BTreeSet::from([200, 201, 204, 401, 404, 422]));
}
