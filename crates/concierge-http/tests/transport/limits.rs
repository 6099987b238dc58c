//! The client-side rate limit and query strings.

use crate::support::{builder, mount_catch_all};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn the_rate_limit_spaces_requests_across_clones() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(10)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).rate_limit(5).build().unwrap();

    // Act: 10 concurrent requests at 5 per second, evenly spaced: the last goes out at 1.8 s.
    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let client = client.clone();
        calls.spawn(async move { client.get("list_units", "/v1/units").send().await });
    }
    while let Some(result) = calls.join_next().await {
        result.unwrap().unwrap();
    }

    // Assert
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn query_pairs_are_percent_encoded_and_repeatable() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/rentals/tenants"))
        .and(query_param("email", "a+b@example.com"))
        .and(query_param("propertyids", "1"))
        .and(query_param("propertyids", "2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = builder(&server).build().unwrap();

    // Act
    let request = client.get("list_tenants", "/v1/rentals/tenants").query(&[
        ("email", "a+b@example.com"),
        ("propertyids", "1"),
        ("propertyids", "2"),
    ]);
    let len = request.query_string_len();
    request.send().await.unwrap();

    // Assert
    assert_eq!(
        len,
        "email=a%2Bb%40example.com&propertyids=1&propertyids=2".len()
    );
}
