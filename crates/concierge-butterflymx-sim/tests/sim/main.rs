//! The simulator over raw HTTP: the seeded world, the OAuth server (one-time codes, rotation,
//! expiry, revocation), the spec's wire format (wrapping, paging, filters, 201/204, 422 codes),
//! hidden buildings, faults, the echo mode, the counters and the exchange journal. This file
//! holds the raw client the modules share.

mod contract;
mod oauth;
mod resources;
mod tooling;

use concierge_butterflymx_sim::{ButterflyMxSim, SimConfig, SimHandle};
use serde_json::Value;
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A reply: status, headers (lower-case names) and the JSON body (`Null` when empty or not
/// JSON), plus the raw body.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub json: Value,
    pub raw: String,
}

/// One HTTP/1.1 request.
pub(crate) async fn call(
    sim: &SimHandle,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let addr = sim.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    Reply {
        status,
        headers,
        json: serde_json::from_str(body).unwrap_or(Value::Null),
        raw: body.to_owned(),
    }
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

pub(crate) const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
pub(crate) const JSON: (&str, &str) = ("content-type", "application/json");

pub(crate) async fn exchange_code(sim: &SimHandle, code: &str) -> Reply {
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", sim.client_id()),
        ("client_secret", sim.client_secret()),
        ("redirect_uri", sim.redirect_uri()),
    ]);
    call(sim, "POST", "/oauth/token", &[FORM], &body).await
}

pub(crate) async fn refresh(sim: &SimHandle, refresh_token: &str) -> Reply {
    let body = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", sim.client_id()),
        ("client_secret", sim.client_secret()),
    ]);
    call(sim, "POST", "/oauth/token", &[FORM], &body).await
}

/// A simulator and a bearer header value.
pub(crate) async fn start(config: SimConfig) -> (SimHandle, String) {
    let sim = ButterflyMxSim::start(config).await.unwrap();
    let code = sim.issue_consent_code();
    let reply = exchange_code(&sim, &code).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let bearer = format!("Bearer {}", reply.json["access_token"].as_str().unwrap());
    (sim, bearer)
}

pub(crate) async fn get(sim: &SimHandle, bearer: &str, target: &str) -> Reply {
    call(sim, "GET", target, &[("authorization", bearer)], "").await
}

pub(crate) async fn post(sim: &SimHandle, bearer: &str, target: &str, body: Value) -> Reply {
    call(
        sim,
        "POST",
        target,
        &[("authorization", bearer), JSON],
        &body.to_string(),
    )
    .await
}
