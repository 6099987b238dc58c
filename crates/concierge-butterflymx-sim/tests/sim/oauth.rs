//! The OAuth server: one-time consent codes, the consent page, rotation of both tokens on
//! every refresh, expiry and revocation.

use crate::*;
use concierge_butterflymx_sim::{ButterflyMxSim, SimConfig};
use serde_json::json;

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
