//! The exchange journal: off by default; on, every request is recorded with its answer, bodies
//! byte for byte, in the order answered, whatever the status.

mod common;

use common::{get, raw_get, start};
use concierge_buildium_sim::{SimConfig, UNMATCHED};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn journalled() -> SimConfig {
    SimConfig {
        properties: 2,
        units_per_property: 3,
        journal: true,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn without_the_journal_setting_nothing_is_recorded() {
    // Arrange
    let sim = start(SimConfig::default()).await;

    // Act
    get(&sim, "/v1/rentals").await;

    // Assert
    assert!(sim.exchanges().is_empty());
}

#[tokio::test]
async fn every_exchange_is_journalled_with_its_path_query_status_and_bodies() {
    // Arrange
    let sim = start(journalled()).await;

    // Act
    let listing = get(&sim, "/v1/rentals?orderby=Id%20desc&limit=1").await;
    let missing = get(&sim, "/v1/Rentals").await;
    let refused = raw_get(sim.addr(), "/v1/leases?limit=2", &[]).await;
    let mut stream = TcpStream::connect(sim.addr()).await.unwrap();
    let body = r#"{"Name":"x"}"#;
    let request = format!(
        "POST /v1/rentals HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();

    // Assert
    let journal = sim.exchanges();
    assert_eq!(journal.len(), 4);
    let first = &journal[0];
    assert_eq!(
        (
            first.method.as_str(),
            first.path_and_query.as_str(),
            first.route,
            first.status
        ),
        (
            "GET",
            "/v1/rentals?orderby=Id%20desc&limit=1",
            "/v1/rentals",
            200
        )
    );
    assert_eq!(first.path(), "/v1/rentals");
    assert_eq!(first.response_body, listing.body);
    assert_eq!(first.request_json().unwrap(), None);
    assert_eq!(first.response_json().unwrap().unwrap(), listing.json());
    assert_eq!((journal[1].route, journal[1].status), (UNMATCHED, 404));
    assert_eq!(journal[1].response_body, missing.body);
    assert_eq!((journal[2].route, journal[2].status), ("/v1/leases", 401));
    assert_eq!(journal[2].response_body, refused.body);
    assert_eq!(
        (journal[3].method.as_str(), journal[3].status),
        ("POST", 405)
    );
    assert_eq!(
        journal[3].request_json().unwrap(),
        Some(json!({"Name": "x"}))
    );
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 405"));

    // And it can be emptied.
    sim.clear_exchanges();
    assert!(sim.exchanges().is_empty());
}
