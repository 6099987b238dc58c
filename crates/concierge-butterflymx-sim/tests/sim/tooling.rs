//! The test tooling: lost replies and reproducible faults, the echo mode, the exchange
//! journal and the request counters.

use crate::*;
use concierge_butterflymx_sim::{FaultKind, FaultPlan, REDACTED, SimConfig, routes};
use serde_json::json;

#[tokio::test]
async fn a_lost_reply_does_the_write_and_answers_502_and_faults_are_reproducible() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[0].id;
    sim.inject_faults([FaultKind::LostReply, FaultKind::RateLimited]);
    let lost = post(
        &sim,
        &bearer,
        &format!("/v4/buildings/{b}/units"),
        json!({"unit": {"label": "L", "floor": "1"}}),
    )
    .await;
    assert_eq!(lost.status, 502);
    assert!(
        sim.units(b).iter().any(|u| u.label == "L"),
        "the write happened"
    );
    let limited = get(&sim, &bearer, "/v4/buildings").await;
    assert_eq!(
        (
            limited.status,
            limited.headers.get("retry-after").map(String::as_str)
        ),
        (429, Some("0"))
    );

    let mut runs = Vec::new();
    for _ in 0..2 {
        sim.set_faults(FaultPlan::new(0.3, 11));
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(get(&sim, &bearer, "/v4/buildings").await.status);
        }
        runs.push(statuses);
    }
    sim.clear_faults();
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].iter().any(|s| *s != 200));
    let token = sim.issue_consent_code();
    assert_eq!(
        exchange_code(&sim, &token).await.status,
        200,
        "the OAuth endpoints are not faulted"
    );
}

#[tokio::test]
async fn the_echo_mode_quotes_the_request_and_uses_messages_on_a_401() {
    let (sim, bearer) = start(SimConfig::default()).await;
    sim.set_echo(Some(500));
    let echoed = get(&sim, &bearer, "/v4/units?q[label_eq]=A").await;
    assert_eq!(echoed.status, 500);
    let message = echoed.json["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&bearer) && message.contains("label_eq"),
        "{message}"
    );
    sim.set_echo(Some(401));
    sim.set_echo_in_request_id(true);
    let echoed = refresh(&sim, "rt-canary").await;
    assert!(
        echoed.json["errors"][0]["messages"]
            .as_str()
            .unwrap()
            .contains("rt-canary")
    );
    assert!(echoed.headers["x-request-id"].contains("rt-canary"));
    sim.set_echo(None);
    assert!(
        get(&sim, &bearer, "/v4/buildings").await.headers["x-request-id"]
            .starts_with("sim-request-")
    );
}

#[tokio::test]
async fn the_journal_keeps_every_exchange_with_secrets_redacted_and_the_counters_count_routes() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[0].id;
    post(
        &sim,
        &bearer,
        &format!("/v4/buildings/{b}/units"),
        json!({"unit": {"label": "J", "floor": "1"}}),
    )
    .await;
    get(
        &sim,
        &bearer,
        &format!("/v4/units?q%5Bbuilding_id_eq%5D={b}&page=1&per=2"),
    )
    .await;
    sim.set_echo(Some(400));
    get(&sim, &bearer, "/v4/buildings").await;
    let journal = sim.exchanges();
    assert_eq!(journal.len(), 4);
    let token = &journal[0];
    assert_eq!((token.route.as_str(), token.status), (routes::TOKEN, 200));
    let form = token.request_body.as_ref().unwrap();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(
        (form["code"].as_str(), form["client_secret"].as_str()),
        (Some(REDACTED), Some(REDACTED))
    );
    let reply = token.response_body.as_ref().unwrap();
    assert_eq!(
        (
            reply["access_token"].as_str(),
            reply["refresh_token"].as_str()
        ),
        (Some(REDACTED), Some(REDACTED))
    );
    let created = &journal[1];
    assert_eq!(
        (
            created.method.as_str(),
            created.route.as_str(),
            created.status
        ),
        ("POST", routes::CREATE_UNIT, 201)
    );
    assert_eq!(
        created.request_body,
        Some(json!({"unit": {"label": "J", "floor": "1"}}))
    );
    assert_eq!(
        created.response_body.as_ref().unwrap()["data"]["label"],
        "J"
    );
    assert!(created.is_contractual());
    let listed = &journal[2];
    assert_eq!(
        listed.target,
        format!("/v4/units?q%5Bbuilding_id_eq%5D={b}&page=1&per=2")
    );
    assert_eq!(
        listed.query[0],
        ("q[building_id_eq]".to_owned(), b.to_string())
    );
    assert_eq!(
        listed.response_body.as_ref().unwrap()["page_info"]["page_size"],
        2
    );
    let echo = &journal[3];
    assert_eq!(
        (echo.fault.as_deref(), echo.is_contractual()),
        (Some("echo"), false)
    );
    assert!(
        !serde_json::to_string(&journal)
            .unwrap()
            .contains(bearer.trim_start_matches("Bearer "))
    );
    let stats = sim.stats();
    assert_eq!(stats.count(routes::CREATE_UNIT, 201), 1);
    assert_eq!(stats.route_count(routes::UNITS), 1);
    assert_eq!((stats.total(), stats.api_total()), (4, 3));
}
