//! Injected faults over raw HTTP: queued and seeded faults, what each kind answers and whether
//! the request was carried out, and that the token endpoint is never faulted.

use concierge_nebula_sim::{FaultKind, FaultPlan, NebulaSimulator, SimConfig, SimHandle};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ENC_1: &str = "installations/inst-1/encoders/enc-1";
const ENCODERS: &str = "/v1/installations/inst-1/encoders";

/// A reply: status, headers (lower-case names), the JSON body (`Null` when not JSON) and the raw
/// body.
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    json: Value,
    raw: String,
}

/// One HTTP/1.1 request to the simulator.
async fn call(sim: &SimHandle, method: &str, target: &str, bearer: &str, body: &str) -> Reply {
    let addr = sim.addr().to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    if !bearer.is_empty() {
        request.push_str(&format!("authorization: Bearer {bearer}\r\n"));
    }
    let content_type = if target.starts_with("/oauth2/") {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    request.push_str(&format!(
        "content-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    Reply {
        status: head[9..12].parse().unwrap(),
        headers: head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect(),
        json: serde_json::from_str(body).unwrap_or(Value::Null),
        raw: body.to_owned(),
    }
}

/// A token from the token endpoint, asserting it was issued.
async fn token(sim: &SimHandle) -> Reply {
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        sim.client_id(),
        sim.client_secret()
    );
    call(sim, "POST", "/oauth2/token", "", &form).await
}

async fn start() -> (SimHandle, String) {
    let sim = NebulaSimulator::start(SimConfig {
        write_time: Duration::from_millis(50),
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    let issued = token(&sim).await;
    assert_eq!(issued.status, 200, "{}", issued.raw);
    let bearer = issued.json["access_token"].as_str().unwrap().to_owned();
    (sim, bearer)
}

fn users(id: &str) -> String {
    format!("/v1/installations/inst-1/users?user_id={id}")
}

fn encode(id: &str) -> String {
    format!("/v1/installations/inst-1/users/{id}/card-key:encode")
}

/// Asserts Google's error body of `status` with the gRPC status name `name`.
fn assert_google_error(reply: &Reply, status: u16, name: &str) {
    assert_eq!(reply.status, status, "{}", reply.raw);
    assert_eq!(reply.json["error"]["code"], status, "{}", reply.raw);
    assert_eq!(reply.json["error"]["status"], name, "{}", reply.raw);
    assert!(
        reply.json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        reply.raw
    );
}

#[tokio::test]
async fn a_queued_lost_reply_on_an_encode_starts_the_encoding_but_the_client_sees_502() {
    let (sim, bearer) = start().await;
    let created = call(&sim, "POST", &users("u-1"), &bearer, "{}").await;
    assert_eq!(created.status, 200, "{}", created.raw);

    sim.inject_faults([FaultKind::LostReply]);
    let body = format!(r#"{{"encoder":"{ENC_1}"}}"#);
    let lost = call(&sim, "POST", &encode("u-1"), &bearer, &body).await;
    assert_eq!(lost.status, 502, "{}", lost.raw);
    assert_eq!(lost.json, Value::Null, "a gateway's 502 has no gRPC body");
    assert_eq!(sim.faults_injected(), 1);

    // The write happened: the encoding runs, and writes the card once one is placed.
    assert_eq!(sim.encode_requests(), 1);
    let ops = sim.operations();
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0].1, concierge_nebula_sim::OperationStatus::Running);
    let again = call(&sim, "POST", &encode("u-1"), &bearer, &body).await;
    assert_google_error(&again, 503, "UNAVAILABLE"); // the encoder is busy with the lost one
    sim.place_card("enc-1", concierge_nebula_sim::Card::Blank);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        sim.operation(&ops[0].0),
        Some(concierge_nebula_sim::OperationStatus::Done)
    );
    assert_eq!(sim.keys_written_for("u-1"), 1);
    assert_eq!(sim.faults_injected(), 1, "only the queued fault");
}

#[tokio::test]
async fn an_injected_429_carries_retry_after_and_changes_nothing() {
    let (sim, bearer) = start().await;
    sim.inject_faults([FaultKind::RateLimited]);
    let limited = call(&sim, "POST", &users("u-1"), &bearer, "{}").await;
    assert_google_error(&limited, 429, "RESOURCE_EXHAUSTED");
    assert_eq!(
        limited.headers.get("retry-after").map(String::as_str),
        Some("0")
    );
    assert!(sim.user_ids().is_empty(), "nothing was created");

    // The plan's Retry-After applies to queued faults too.
    sim.set_faults(FaultPlan::new(0.0, 1).with_retry_after(7));
    sim.inject_faults([FaultKind::RateLimited]);
    let limited = call(&sim, "POST", &users("u-1"), &bearer, "{}").await;
    assert_google_error(&limited, 429, "RESOURCE_EXHAUSTED");
    assert_eq!(
        limited.headers.get("retry-after").map(String::as_str),
        Some("7")
    );
    assert!(sim.user_ids().is_empty(), "nothing was created");

    let created = call(&sim, "POST", &users("u-1"), &bearer, "{}").await;
    assert_eq!(created.status, 200, "the fault is used up: {}", created.raw);
    assert_eq!(sim.user_ids(), ["u-1"]);
    assert_eq!(sim.faults_injected(), 2);
}

#[tokio::test]
async fn unavailable_and_internal_errors_answer_googles_error_body_and_change_nothing() {
    let (sim, bearer) = start().await;
    sim.inject_faults([FaultKind::Unavailable, FaultKind::InternalError]);
    let unavailable = call(&sim, "POST", &users("u-1"), &bearer, "{}").await;
    assert_google_error(&unavailable, 503, "UNAVAILABLE");
    let internal = call(&sim, "POST", &users("u-1"), &bearer, "{}").await;
    assert_google_error(&internal, 500, "INTERNAL");
    assert!(sim.user_ids().is_empty(), "nothing was created");
    assert!(!internal.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_plan_at_rate_one_faults_every_api_request_and_never_the_token_endpoint() {
    let (sim, bearer) = start().await;
    sim.set_faults(FaultPlan::new(1.0, 5).with_kinds([
        FaultKind::RateLimited,
        FaultKind::Unavailable,
        FaultKind::InternalError,
        FaultKind::LostReply,
    ]));
    let targets = [
        ("GET", ENCODERS.to_owned()),
        ("GET", format!("{ENCODERS}/enc-1")),
        ("POST", users("u-1")),
        ("GET", "/v1/installations/inst-1/users/u-1".to_owned()),
        ("GET", "/v1/operations/op-1".to_owned()),
        ("GET", "/v1/no-such-route".to_owned()),
    ];
    for (method, target) in &targets {
        let reply = call(&sim, method, target, &bearer, "{}").await;
        assert!(
            [429, 500, 502, 503].contains(&reply.status),
            "{method} {target}: {} {}",
            reply.status,
            reply.raw
        );
    }
    assert_eq!(sim.faults_injected(), targets.len() as u64);

    for _ in 0..5 {
        let issued = token(&sim).await;
        assert_eq!(issued.status, 200, "{}", issued.raw);
    }
    // A request refused with 401 is not faulted either.
    let refused = call(&sim, "GET", ENCODERS, "not-a-token", "").await;
    assert_google_error(&refused, 401, "UNAUTHENTICATED");
    assert_eq!(sim.faults_injected(), targets.len() as u64);

    sim.clear_faults();
    let served = call(&sim, "GET", ENCODERS, &bearer, "").await;
    assert_eq!(served.status, 200, "{}", served.raw);
    assert_eq!(sim.faults_injected(), targets.len() as u64);
}

#[tokio::test]
async fn a_plan_at_rate_0_3_faults_40_to_80_of_200_requests_the_same_on_every_run() {
    async fn run() -> (Vec<u16>, u64) {
        let (sim, bearer) = start().await;
        sim.set_faults(FaultPlan::new(0.3, 11).with_hang(Duration::from_millis(1)));
        let mut statuses = Vec::new();
        for _ in 0..200 {
            statuses.push(call(&sim, "GET", ENCODERS, &bearer, "").await.status);
        }
        (statuses, sim.faults_injected())
    }
    let (statuses, faulted) = run().await;
    assert!((40..=80).contains(&faulted), "{faulted} of 200 faulted");
    let errors = statuses.iter().filter(|s| **s != 200).count() as u64;
    assert!(errors <= faulted, "hangs are served normally");
    assert!(errors > 0);
    assert_eq!(
        run().await,
        (statuses, faulted),
        "seeded: the same faults again"
    );
}

#[tokio::test]
async fn a_hang_holds_the_reply_then_serves_it_normally() {
    let (sim, bearer) = start().await;
    let hang = Duration::from_millis(200);
    sim.set_faults(
        FaultPlan::new(1.0, 3)
            .with_kinds([FaultKind::Hang])
            .with_hang(hang),
    );
    let started = Instant::now();
    let reply = call(&sim, "GET", ENCODERS, &bearer, "").await;
    let elapsed = started.elapsed();
    assert!(elapsed >= hang, "answered after {elapsed:?}");
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(reply.json["encoders"].as_array().map(Vec::len), Some(2));
    assert_eq!(sim.faults_injected(), 1);
}

#[tokio::test]
async fn a_hung_write_is_carried_out_even_when_the_client_stops_waiting() {
    let (sim, bearer) = start().await;
    sim.set_faults(FaultPlan::new(0.0, 3).with_hang(Duration::from_millis(200)));
    sim.inject_faults([FaultKind::Hang]);
    let gave_up = tokio::time::timeout(
        Duration::from_millis(50),
        call(&sim, "POST", &users("u-1"), &bearer, "{}"),
    )
    .await;
    assert!(gave_up.is_err(), "the reply is held");
    assert!(sim.user_ids().is_empty(), "not yet carried out");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sim.user_ids(), ["u-1"], "carried out after the hang");
}
