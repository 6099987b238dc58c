//! The simulators over raw HTTP: seeded worlds, both wire models' shapes, auth, paging,
//! the rate limit, reproducible faults, token expiry and the request counters.

use concierge_strata_sim::{
    FaultPlan, Role, SimHandle, StrataSimConfig, StrataSimulator, Vendor, routes,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request; the status, the `Retry-After` header and the JSON body.
async fn call(
    sim: &SimHandle,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Option<String>, Value) {
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
    let retry_after = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("retry-after: ")
            .map(str::to_owned)
    });
    (
        status,
        retry_after,
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

async fn start(vendor: Vendor, rate: Option<u32>) -> SimHandle {
    StrataSimulator::start(StrataSimConfig {
        rate_limit_per_sec: rate,
        ..StrataSimConfig::new(vendor)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_world_and_another_seed_another() {
    let a = start(Vendor::StrataMax, None).await;
    let b = start(Vendor::PropertyIq, None).await;
    assert_eq!(a.world(), b.world());
    let c = StrataSimulator::start(StrataSimConfig {
        seed: 2,
        ..StrataSimConfig::new(Vendor::StrataMax)
    })
    .await
    .unwrap();
    assert_ne!(a.world(), c.world());
}

#[tokio::test]
async fn the_scenarios_are_in_the_first_building() {
    let sim = start(Vendor::StrataMax, None).await;
    let world = sim.world();
    let first = &world.buildings[0];
    let owners = |lot: u32| first.owners_of(lot).collect::<Vec<_>>();
    assert_eq!(owners(1)[0].lots, [1, 2]);
    assert_eq!(owners(3)[0].name, "John S Investments Pty Ltd");
    assert_eq!(owners(4)[0].email, None);
    assert_eq!(owners(5)[0].email, owners(6)[0].email);
    assert!(owners(8)[0].email.as_deref().unwrap().contains(';'));
    let future = first.tenants_of(7).next().unwrap();
    assert!(
        matches!(future.role, Role::Tenant { move_in: Some(d), .. } if d > chrono::Utc::now().date_naive())
    );
    assert_eq!(world.buildings[2].status.as_str(), "Lost");
}

#[tokio::test]
async fn stratamax_needs_the_key_pages_by_page_and_counts_per_route() {
    let sim = start(Vendor::StrataMax, None).await;
    let (status, _, body) = call(&sim, "GET", "/api/v1/buildings", &[], "").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "invalid_api_key");
    let key = sim.api_key();
    let auth = [("X-Api-Key", key.as_str())];
    let (status, _, body) = call(
        &sim,
        "GET",
        "/api/v1/buildings?page=2&pageSize=2",
        &auth,
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], 3);
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    let (_, _, body) = call(&sim, "GET", "/api/v1/buildings?pageSize=9999", &auth, "").await;
    assert_eq!(body["pageSize"], 500, "capped and said so");
    let (status, _, body) = call(&sim, "GET", "/api/v1/ping", &auth, "").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let stats = sim.stats();
    assert_eq!(stats.route_count(routes::BUILDINGS), 3);
    assert_eq!(stats.count(routes::BUILDINGS, 401), 1);
    assert_eq!(stats.total(), 4);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let sim = start(Vendor::StrataMax, Some(2)).await;
    let key = sim.api_key();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, after, _) =
            call(&sim, "GET", "/api/v1/ping", &[("X-Api-Key", &key)], "").await;
        statuses.push((status, after));
    }
    assert_eq!(statuses[0].0, 200);
    assert!(statuses.contains(&(429, Some("1".into()))), "{statuses:?}");
}

#[tokio::test]
async fn a_fault_plan_gives_the_same_faults_for_the_same_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = start(Vendor::StrataMax, None).await;
        let mut plan = FaultPlan::new(0.5, 9);
        plan.kinds
            .retain(|k| *k != concierge_strata_sim::FaultKind::Hang);
        sim.set_faults(plan);
        let key = sim.api_key();
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(
                call(&sim, "GET", "/api/v1/ping", &[("X-Api-Key", &key)], "")
                    .await
                    .0,
            );
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&200) && runs[0].iter().any(|s| *s != 200),
        "{:?}",
        runs[0]
    );
}

#[tokio::test]
async fn propertyiq_issues_tokens_that_expire_on_demand() {
    let sim = start(Vendor::PropertyIq, None).await;
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        sim.client_id(),
        sim.client_secret()
    );
    let form_type = [("content-type", "application/x-www-form-urlencoded")];
    let (status, _, body) = call(&sim, "POST", "/oauth/token", &form_type, &form).await;
    assert_eq!(status, 200);
    assert_eq!(body["expires_in"], 3600);
    let bearer = format!("Bearer {}", body["access_token"].as_str().unwrap());
    let auth = [("authorization", bearer.as_str())];
    let (status, _, body) = call(&sim, "GET", "/api/v1/schemes?offset=2&limit=5", &auth, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            body["total"].as_u64(),
            body["items"].as_array().unwrap().len()
        ),
        (Some(3), 1)
    );
    let scheme = sim.world().buildings[0].id.clone();
    let (_, _, lots) = call(
        &sim,
        "GET",
        &format!("/api/v1/schemes/s-{scheme}/lots"),
        &auth,
        "",
    )
    .await;
    assert_eq!(
        lots["items"][0]["owner"]["ownerId"].as_str().unwrap()[..2],
        *"o-"
    );
    sim.expire_tokens();
    let (status, _, body) = call(&sim, "GET", "/api/v1/schemes", &auth, "").await;
    assert_eq!(status, 401);
    assert_eq!(body["status"], 401, "an RFC 7807 problem");
    let wrong = form.replace("client_secret=", "client_secret=x");
    let (status, _, body) = call(&sim, "POST", "/oauth/token", &form_type, &wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}
