//! The token lifecycle against the simulator's OAuth server: rotation stored before use,
//! transparent refresh after expiry or within five minutes of it, one refresh at a time,
//! revoked consent, and two processes sharing one vault.

use crate::support::*;
use async_trait::async_trait;
use concierge_butterflymx_sim::{SimConfig, routes};
use concierge_core::{
    AuthorizeIntercomRequest, GetIntercomBuildingRequest, IntercomProvider,
    ListIntercomTenantsRequest, MemoryVault, ProviderErrorKind, SecretVault, StoreError,
    StoreResult,
};
use concierge_http::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NAME: &str = "butterflymx/sim-client-id";

/// A vault whose saves fail while `fail` is set.
#[derive(Debug, Default)]
struct FlakyVault {
    inner: MemoryVault,
    fail: AtomicBool,
}

#[async_trait]
impl SecretVault for FlakyVault {
    async fn load(&self, name: &str) -> StoreResult<Option<SecretString>> {
        self.inner.load(name).await
    }
    async fn save(&self, name: &str, value: SecretString) -> StoreResult<()> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable {
                message: "disk full".into(),
            });
        }
        self.inner.save(name, value).await
    }
}

/// Another process's view of a shared vault that answers its next load with an old value
/// (it read just before the other process stored its rotation).
#[derive(Debug)]
struct LaggingVault {
    shared: Arc<MemoryVault>,
    stale: Mutex<Option<SecretString>>,
}

#[async_trait]
impl SecretVault for LaggingVault {
    async fn load(&self, name: &str) -> StoreResult<Option<SecretString>> {
        if let Some(old) = self.stale.lock().unwrap().take() {
            return Ok(Some(old));
        }
        self.shared.load(name).await
    }
    async fn save(&self, name: &str, value: SecretString) -> StoreResult<()> {
        self.shared.save(name, value).await
    }
}

/// The stored pair's access and refresh tokens.
async fn stored(vault: &dyn SecretVault) -> (String, String) {
    let value = vault.load(NAME).await.unwrap().expect("a stored pair");
    let json: serde_json::Value = serde_json::from_str(value.expose_secret()).unwrap();
    (
        json["access_token"].as_str().unwrap().to_owned(),
        json["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_refresh_rotates_both_tokens_and_the_new_pair_is_stored_before_it_is_used() {
    let sim = sim().await;
    let vault = Arc::new(FlakyVault::default());
    let bmx = adapter_on(&sim, vault.clone());
    consent(&sim, &bmx).await;
    let before = stored(vault.as_ref()).await;

    sim.expire_access_tokens();
    vault.fail.store(true, Ordering::SeqCst);
    sim.reset_stats();
    let e = bmx.list_buildings(None).await.unwrap_err();
    assert!(e.message.contains("secret vault failed"), "{e}");
    assert!(e.retryable());
    let stats = sim.stats();
    assert_eq!(sim.refreshes(), 1, "rotated at the vendor");
    assert_eq!(stats.count(routes::BUILDINGS, 401), 1);
    assert_eq!(
        stats.route_count(routes::BUILDINGS),
        1,
        "the unstored pair was never used"
    );

    vault.fail.store(false, Ordering::SeqCst);
    bmx.list_buildings(None).await.unwrap();
    assert_eq!(
        sim.refreshes(),
        1,
        "the rotated pair was kept and stored, not refreshed again"
    );
    let after = stored(vault.as_ref()).await;
    assert_ne!(after.0, before.0, "a new access token");
    assert_ne!(after.1, before.1, "a new refresh token");

    // The stored pair is the one in use: another process reading it needs no refresh.
    let other = adapter_on(&sim, vault.clone());
    other.list_buildings(None).await.unwrap();
    assert_eq!(sim.refreshes(), 1);
}

#[tokio::test]
async fn an_access_token_expiring_mid_run_is_refreshed_transparently() {
    let sim = sim_with(SimConfig {
        tenants_per_building: 12,
        ..SimConfig::default()
    })
    .await;
    let mut c = config(&sim);
    c.page_size = 4;
    let bmx = concierge_butterflymx::ButterflyMx::new(c, Arc::new(MemoryVault::default())).unwrap();
    consent(&sim, &bmx).await;
    let b = building(&sim, 0);
    sim.reset_stats();
    let mut cursor = None;
    let mut listed = 0;
    for page_no in 0.. {
        if page_no == 1 {
            sim.expire_access_tokens();
        }
        let page = bmx
            .list_tenants(ListIntercomTenantsRequest {
                building: bmx_ref(b),
                cursor,
            })
            .await
            .unwrap();
        listed += page.items.len();
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(listed, 12);
    let stats = sim.stats();
    assert_eq!(
        (stats.status_count(401), sim.refreshes()),
        (1, 1),
        "{stats:?}"
    );
    assert_eq!(stats.count(routes::TENANTS, 200), 3);
}

#[tokio::test]
async fn a_token_due_within_five_minutes_is_refreshed_before_use_without_a_401() {
    let sim = sim().await;
    sim.set_access_token_lifetime(Duration::from_secs(240));
    let bmx = adapter(&sim).await;
    for _ in 0..3 {
        bmx.list_buildings(None).await.unwrap();
    }
    assert_eq!(sim.refreshes(), 3, "each 4-minute token is due at once");
    sim.set_access_token_lifetime(Duration::from_secs(3_600));
    for _ in 0..3 {
        bmx.list_buildings(None).await.unwrap();
    }
    assert_eq!(sim.refreshes(), 4, "an hour-long token lasts");
    assert_eq!(sim.stats().status_count(401), 0);
}

#[tokio::test]
async fn concurrent_calls_after_expiry_share_one_refresh() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let b = building(&sim, 0);
    sim.expire_access_tokens();
    let calls = (0..8).map(|_| {
        bmx.get_building(GetIntercomBuildingRequest {
            building: bmx_ref(b),
        })
    });
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(sim.refreshes(), 1);
}

#[tokio::test]
async fn a_revoked_consent_is_unauthorized_saying_the_admin_must_consent_again() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    sim.revoke_consent();
    let e = bmx.list_buildings(None).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
    assert!(e.message.contains("must give consent again"), "{e}");
    assert!(!e.retryable());
    assert_eq!(
        sim.stats().count(routes::TOKEN, 401),
        1,
        "one refresh tried, no loop"
    );
}

#[tokio::test]
async fn without_a_stored_pair_every_call_is_unauthorized_saying_consent_is_needed() {
    let sim = sim().await;
    let bmx = adapter_on(&sim, Arc::new(MemoryVault::default()));
    let e = bmx.list_buildings(None).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
    assert!(e.message.contains("must give consent"), "{e}");
    assert_eq!(sim.stats().total(), 0);
}

#[tokio::test]
async fn a_consent_code_used_twice_is_refused_the_second_time() {
    let sim = sim().await;
    let bmx = adapter_on(&sim, Arc::new(MemoryVault::default()));
    let code = sim.issue_consent_code();
    bmx.authorize(AuthorizeIntercomRequest {
        code: SecretString::from(code.clone()),
    })
    .await
    .unwrap();
    let e = bmx
        .authorize(AuthorizeIntercomRequest {
            code: SecretString::from(code),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Unauthorized);
    assert!(e.message.contains("consent again"), "{e}");
    assert_eq!(e.vendor_code.as_deref(), Some("invalid_grant"));
}

#[tokio::test]
async fn two_adapters_on_one_vault_both_keep_working_after_either_refreshes() {
    let sim = sim().await;
    let vault = Arc::new(MemoryVault::default());
    let a = adapter_on(&sim, vault.clone());
    consent(&sim, &a).await;
    let b = adapter_on(&sim, vault.clone());
    a.list_buildings(None).await.unwrap();
    b.list_buildings(None).await.unwrap();

    sim.expire_access_tokens();
    a.list_buildings(None).await.unwrap();
    b.list_buildings(None).await.unwrap();
    assert_eq!(sim.refreshes(), 1, "B took A's rotated pair from the vault");

    sim.expire_access_tokens();
    b.list_buildings(None).await.unwrap();
    a.list_buildings(None).await.unwrap();
    assert_eq!(sim.refreshes(), 2, "and A took B's");
    for _ in 0..3 {
        a.list_buildings(None).await.unwrap();
        b.list_buildings(None).await.unwrap();
    }
    assert_eq!(sim.refreshes(), 2);
}

#[tokio::test]
async fn a_refresh_refused_because_another_process_rotated_first_takes_that_process_s_pair() {
    let sim = sim().await;
    let shared = Arc::new(MemoryVault::default());
    let a = adapter_on(&sim, shared.clone());
    consent(&sim, &a).await;
    let lagging = Arc::new(LaggingVault {
        shared: shared.clone(),
        stale: Mutex::new(None),
    });
    let b = adapter_on(&sim, lagging.clone());
    b.list_buildings(None).await.unwrap();
    let old = shared.load(NAME).await.unwrap();

    sim.expire_access_tokens();
    a.list_buildings(None).await.unwrap();
    *lagging.stale.lock().unwrap() = old;
    sim.reset_stats();
    b.list_buildings(None).await.unwrap();
    let stats = sim.stats();
    assert_eq!(
        stats.count(routes::TOKEN, 401),
        1,
        "B's refresh with the spent token was refused"
    );
    assert_eq!(
        sim.refreshes(),
        1,
        "and B used A's pair instead of asking for consent"
    );
    assert_eq!(stats.count(routes::BUILDINGS, 200), 1);
}

#[tokio::test]
async fn the_consent_url_opens_the_vendor_s_page_whose_code_authorizes_the_adapter() {
    let sim = sim().await;
    let bmx = adapter_on(&sim, Arc::new(MemoryVault::default()));
    let url = bmx.consent_url().unwrap();
    assert_eq!(
        url,
        format!(
            "{}/oauth/authorize?client_id=sim-client-id&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&response_type=code",
            sim.base_url()
        )
    );
    // The admin's browser.
    let (base, query) = url.split_once("/oauth/authorize?").unwrap();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let page = concierge_http::HttpClient::builder("browser", base)
        .build()
        .unwrap()
        .get("consent", "/oauth/authorize")
        .query(&pairs)
        .send()
        .await
        .unwrap();
    let html = String::from_utf8_lossy(&page.body).into_owned();
    let code = html
        .split("<code id=\"authorization_code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    bmx.authorize(AuthorizeIntercomRequest {
        code: SecretString::from(code.to_owned()),
    })
    .await
    .unwrap();
    assert_eq!(bmx.list_buildings(None).await.unwrap().items.len(), 3);
    assert_eq!(sim.tokens_issued(), 1);
}
