//! The simulator over raw HTTP: the seeded world, the OAuth server (one-time codes, rotation,
//! expiry, revocation), the spec's wire format (wrapping, paging, filters, 201/204, 422 codes),
//! hidden buildings, faults, the echo mode, the counters and the exchange journal.

use concierge_butterflymx_sim::{
    ButterflyMxSim, FaultKind, FaultPlan, NewTenant, Preference, REDACTED, SimConfig, SimHandle,
    routes,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A reply: status, headers (lower-case names) and the JSON body (`Null` when empty or not
/// JSON), plus the raw body.
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    json: Value,
    raw: String,
}

/// One HTTP/1.1 request.
async fn call(
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

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("content-type", "application/json");

async fn exchange_code(sim: &SimHandle, code: &str) -> Reply {
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", sim.client_id()),
        ("client_secret", sim.client_secret()),
        ("redirect_uri", sim.redirect_uri()),
    ]);
    call(sim, "POST", "/oauth/token", &[FORM], &body).await
}

async fn refresh(sim: &SimHandle, refresh_token: &str) -> Reply {
    let body = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", sim.client_id()),
        ("client_secret", sim.client_secret()),
    ]);
    call(sim, "POST", "/oauth/token", &[FORM], &body).await
}

/// A simulator and a bearer header value.
async fn start(config: SimConfig) -> (SimHandle, String) {
    let sim = ButterflyMxSim::start(config).await.unwrap();
    let code = sim.issue_consent_code();
    let reply = exchange_code(&sim, &code).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let bearer = format!("Bearer {}", reply.json["access_token"].as_str().unwrap());
    (sim, bearer)
}

async fn get(sim: &SimHandle, bearer: &str, target: &str) -> Reply {
    call(sim, "GET", target, &[("authorization", bearer)], "").await
}

async fn post(sim: &SimHandle, bearer: &str, target: &str, body: Value) -> Reply {
    call(
        sim,
        "POST",
        target,
        &[("authorization", bearer), JSON],
        &body.to_string(),
    )
    .await
}

#[tokio::test]
async fn the_seeded_world_has_zoned_buildings_doors_and_tenants_mostly_on_phone_calls() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let world = sim.world();
    assert_eq!(world.buildings[0].time_zone, "Australia/Sydney");
    assert_eq!(world.buildings[1].time_zone, "America/New_York");
    let page = get(&sim, &bearer, "/v4/buildings").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json["data"][1]["time_zone"], "America/New_York");
    for b in &world.buildings {
        assert_eq!(sim.access_points(b.id).len(), 2);
        let tenants = sim.tenants(b.id);
        assert_eq!(tenants.len(), 8);
        let mobile = tenants
            .iter()
            .filter(|t| t.contact_preference == Preference::MobileApp)
            .count();
        assert!(
            mobile > 0 && mobile < tenants.len() / 2,
            "{mobile} on the app"
        );
        for t in &tenants {
            let unit = world.unit(t.unit_id).unwrap();
            assert_eq!(
                unit.building_id, b.id,
                "a tenant lives in a real unit of its building"
            );
        }
    }
    let again = ButterflyMxSim::start(SimConfig::default()).await.unwrap();
    let (a, b) = (sim.world(), again.world());
    assert_eq!(
        a.tenants.iter().map(|t| &t.email).collect::<Vec<_>>(),
        b.tenants.iter().map(|t| &t.email).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_consent_code_works_once_and_a_refresh_rotates_both_tokens() {
    let sim = ButterflyMxSim::start(SimConfig::default()).await.unwrap();
    let code = sim.issue_consent_code();
    let first = exchange_code(&sim, &code).await;
    assert_eq!(first.status, 200);
    for key in [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "created_at",
    ] {
        assert!(!first.json[key].is_null(), "{key} in {}", first.raw);
    }
    assert_eq!(first.json["expires_in"], 86_400);
    let again = exchange_code(&sim, &code).await;
    assert_eq!(
        (again.status, again.json["error"].as_str()),
        (401, Some("invalid_grant"))
    );

    let old_access = format!("Bearer {}", first.json["access_token"].as_str().unwrap());
    let old_refresh = first.json["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&sim, &old_access, "/v4/buildings").await.status, 200);
    let second = refresh(&sim, &old_refresh).await;
    assert_eq!(second.status, 200);
    assert_ne!(second.json["access_token"], first.json["access_token"]);
    assert_ne!(second.json["refresh_token"], first.json["refresh_token"]);
    assert_eq!(
        refresh(&sim, &old_refresh).await.status,
        401,
        "the old refresh token is spent"
    );
    let old = get(&sim, &old_access, "/v4/buildings").await;
    assert_eq!(old.status, 401);
    assert_eq!(
        old.json,
        json!({"errors":[{"field":"base","code":"unauthorized","messages":"Unauthorized"}]})
    );
    let new_access = format!("Bearer {}", second.json["access_token"].as_str().unwrap());
    assert_eq!(get(&sim, &new_access, "/v4/buildings").await.status, 200);
    assert_eq!((sim.tokens_issued(), sim.refreshes()), (2, 1));

    sim.expire_access_tokens();
    assert_eq!(get(&sim, &new_access, "/v4/buildings").await.status, 401);
    let third = refresh(&sim, second.json["refresh_token"].as_str().unwrap()).await;
    assert_eq!(third.status, 200, "refresh tokens outlive access tokens");
    sim.revoke_consent();
    let refused = refresh(&sim, third.json["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refused.status, 401);
    let wrong_client = call(
        &sim,
        "POST",
        "/oauth/token",
        &[FORM],
        &form(&[("grant_type", "refresh_token"), ("client_id", "x")]),
    )
    .await;
    assert_eq!(wrong_client.json["error"], "invalid_client");
}

#[tokio::test]
async fn the_consent_page_shows_a_code_for_the_out_of_band_redirect() {
    let sim = ButterflyMxSim::start(SimConfig::default()).await.unwrap();
    let target = format!(
        "/oauth/authorize?client_id={}&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&response_type=code",
        sim.client_id()
    );
    let page = call(&sim, "GET", &target, &[], "").await;
    assert_eq!(page.status, 200);
    let code = page
        .raw
        .split("<code id=\"authorization_code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(exchange_code(&sim, code).await.status, 200);
}

#[tokio::test]
async fn listings_page_from_one_with_page_info_and_filter_case_insensitively() {
    let (sim, bearer) = start(SimConfig {
        tenants_per_building: 120,
        ..SimConfig::default()
    })
    .await;
    let b = sim.world().buildings[0].id;
    let page = get(
        &sim,
        &bearer,
        &format!("/v4/tenants?q%5Bbuilding_id_eq%5D={b}"),
    )
    .await;
    let info = &page.json["page_info"];
    assert_eq!(info["page_size"], 50, "the default per page");
    assert_eq!(
        (
            info["current_page"].as_u64(),
            info["total_item_count"].as_u64()
        ),
        (Some(1), Some(120))
    );
    assert_eq!(
        (info["next_page"].as_u64(), info["total_pages"].as_u64()),
        (Some(2), Some(3))
    );
    let last = get(
        &sim,
        &bearer,
        &format!("/v4/tenants?q[building_id_eq]={b}&page=2&per=500"),
    )
    .await;
    assert_eq!(
        last.json["page_info"]["page_size"], 100,
        "per is capped at 100"
    );
    assert_eq!(last.json["data"].as_array().unwrap().len(), 20);
    assert_eq!(last.json["page_info"]["next_page"], Value::Null);
    assert_eq!(last.json["page_info"]["last_page"], true);

    let unit = &sim.units(b)[0];
    let lower = unit.label.to_lowercase() + "x";
    sim.add_unit(b, &lower, "9").unwrap();
    let found = get(
        &sim,
        &bearer,
        &format!(
            "/v4/units?q[building_id_eq]={b}&q[label_eq]={}",
            lower.to_uppercase()
        ),
    )
    .await;
    assert_eq!(found.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(found.json["data"][0]["label"], lower.as_str());
    let unknown = get(&sim, &bearer, "/v4/tenants?q[email_eq]=a@b.c").await;
    assert_eq!(
        unknown.status, 422,
        "the spec has no email filter on tenants"
    );
}

#[tokio::test]
async fn a_unit_is_created_once_per_label_and_blank_fields_are_named() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[1].id;
    let path = format!("/v4/buildings/{b}/units");
    let created = post(
        &sim,
        &bearer,
        &path,
        json!({"unit": {"label": "STRATIS", "floor": "G"}}),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json["data"]["building_id"], b);
    let taken = post(
        &sim,
        &bearer,
        &path,
        json!({"unit": {"label": "stratis", "floor": "G"}}),
    )
    .await;
    assert_eq!(taken.status, 422);
    assert_eq!(
        taken.json["errors"][0],
        json!({"field": "label", "code": "taken", "message": "has already been taken"})
    );
    let blank = post(&sim, &bearer, &path, json!({"unit": {"label": ""}})).await;
    let fields: Vec<&str> = blank.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["label", "floor_id"]);
    assert_eq!(
        post(
            &sim,
            &bearer,
            "/v4/buildings/1/units",
            json!({"unit": {"label": "X", "floor": "1"}})
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn a_tenant_is_created_once_per_email_and_unknown_user_attributes_are_refused() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[0].id;
    let unit = sim.add_unit(b, "STRATIS", "G").unwrap();
    let body = |email: &str| {
        json!({"tenant": {"unit_id": unit, "active_at": "2026-01-01T00:00:00Z",
        "user_attributes": {"first_name": "STRATIS", "last_name": "User", "email": email}}})
    };
    let created = post(&sim, &bearer, "/v4/tenants", body("bmx+site@example.com")).await;
    assert_eq!(created.status, 201, "{}", created.raw);
    assert_eq!(created.json["data"]["unit"]["id"], unit);
    assert_eq!(created.json["data"]["contact_preference"], "phone_call");
    assert_eq!(created.json["data"]["registration_status"], "invited");
    let taken = post(&sim, &bearer, "/v4/tenants", body("BMX+site@example.com")).await;
    assert_eq!(
        (taken.status, taken.json["errors"][0]["code"].as_str()),
        (422, Some("taken"))
    );
    let blank = post(&sim, &bearer, "/v4/tenants", body("")).await;
    assert_eq!(
        blank.json["errors"][0],
        json!({"field": "user", "code": "blank", "message": "can't be blank"})
    );
    let mut extra = body("other@example.com");
    extra["tenant"]["user_attributes"]["nickname"] = json!("x");
    let refused = post(&sim, &bearer, "/v4/tenants", extra).await;
    assert_eq!(
        (refused.status, refused.json["errors"][0]["code"].as_str()),
        (422, Some("unknown_attribute"))
    );
    let found = get(&sim, &bearer, &format!("/v4/tenants?q[unit_id_eq]={unit}")).await;
    assert_eq!(found.json["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_custom_keychain_keeps_its_utc_window_and_a_flat_body_adds_a_key_with_qr_and_pin() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[1].id;
    let tenant = sim.tenants(b)[0].id;
    let doors: Vec<i64> = sim.access_points(b).iter().map(|a| a.id).collect();
    let keychain = json!({"keychain": {"name": "Visitor [k-1]", "tenant_id": tenant,
        "starts_at": "2026-03-10T22:00:00+10:00", "ends_at": "2026-03-11T02:00:00Z", "access_point_ids": doors}});
    let created = post(&sim, &bearer, "/v4/keychains/custom", keychain.clone()).await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let k = &created.json["data"];
    assert_eq!(
        (k["starts_at"].as_str(), k["ends_at"].as_str()),
        (Some("2026-03-10T12:00:00Z"), Some("2026-03-11T02:00:00Z"))
    );
    assert_eq!(k["type"], "custom_keychain");
    assert_eq!(k["virtual_key_ids"], json!([]), "no recipients, no keys");
    let id = k["id"].as_i64().unwrap();

    let key = post(
        &sim,
        &bearer,
        "/v4/virtual_keys",
        json!({"keychain_id": id, "name": "Visitor"}),
    )
    .await;
    assert_eq!(key.status, 201);
    let v = &key.json["data"];
    assert!(v["qr_code_url"].as_str().unwrap().starts_with("https://"));
    assert!(
        v["instructions_url"]
            .as_str()
            .unwrap()
            .contains("/public/virtual_keys/")
    );
    assert_eq!(v["pin_code"].as_str().unwrap().len(), 6);
    assert_eq!(
        sim.keychains(b)[0].virtual_key_ids,
        [v["id"].as_i64().unwrap()]
    );
    let listed = get(
        &sim,
        &bearer,
        &format!("/v4/keychains?q[name_eq]=visitor%20%5Bk-1%5D&q[tenant_id_eq]={tenant}"),
    )
    .await;
    assert_eq!(listed.json["data"][0]["id"], id);

    let mut backwards = keychain.clone();
    backwards["keychain"]["ends_at"] = json!("2026-03-10T11:00:00Z");
    let refused = post(&sim, &bearer, "/v4/keychains/custom", backwards).await;
    let codes: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "start_time_must_be_before_the_end_time",
            "end_time_must_be_after_the_start_time"
        ]
    );
    let mut ownerless = keychain.clone();
    ownerless["keychain"]
        .as_object_mut()
        .unwrap()
        .remove("tenant_id");
    let refused = post(&sim, &bearer, "/v4/keychains/custom", ownerless).await;
    assert_eq!(
        refused.json["errors"][0]["code"],
        "must_have_an_associated_unit_or_tenant"
    );
    let mut extra = keychain;
    extra["keychain"]["pin_code"] = json!("468931");
    assert_eq!(
        post(&sim, &bearer, "/v4/keychains/custom", extra)
            .await
            .status,
        422
    );
    let weak = post(
        &sim,
        &bearer,
        "/v4/virtual_keys",
        json!({"keychain_id": id, "pin_code": "1234"}),
    )
    .await;
    assert_eq!(weak.json["errors"][0]["code"], "low_entropy");

    let target = format!("/v4/keychains/{id}");
    let deleted = call(&sim, "DELETE", &target, &[("authorization", &bearer)], "").await;
    assert_eq!((deleted.status, deleted.raw.as_str()), (204, ""));
    assert_eq!(sim.virtual_keys(b).len(), 0, "its keys go with it");
    let again = call(&sim, "DELETE", &target, &[("authorization", &bearer)], "").await;
    assert_eq!(
        (again.status, again.json["errors"][0]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn a_building_not_enabled_for_the_app_answers_404_and_leaves_the_listings() {
    let (sim, bearer) = start(SimConfig::default()).await;
    let b = sim.world().buildings[2].id;
    sim.set_enabled(b, false).unwrap();
    assert_eq!(
        get(&sim, &bearer, &format!("/v4/buildings/{b}"))
            .await
            .status,
        404
    );
    let list = get(&sim, &bearer, "/v4/buildings").await;
    assert_eq!(list.json["page_info"]["total_item_count"], 2);
    let tenants = get(&sim, &bearer, &format!("/v4/tenants?q[building_id_eq]={b}")).await;
    assert_eq!(tenants.json["data"], json!([]));
    let t = sim
        .add_tenant(b, NewTenant::new("9Z", "A", "B", "a@b.example"))
        .unwrap();
    sim.set_contact_preference(t, Preference::MobileApp)
        .unwrap();
    sim.set_enabled(b, true).unwrap();
    let tenant = get(&sim, &bearer, &format!("/v4/tenants/{t}")).await;
    assert_eq!(tenant.json["data"]["contact_preference"], "mobile_app");
}

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
