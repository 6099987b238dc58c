//! Buildium's signed webhooks against the Buildium simulator (R-PMS-6): a delivery signed with
//! the subscription's secret, as Buildium documents the scheme, triggers exactly one re-sync of
//! the property it concerns and none of the others; a bad signature, a stale timestamp, a replay
//! and a missing header are refused with typed errors, and change nothing.

use concierge::sandbox::SandboxMailer;
use concierge::*;
use concierge_buildium::webhook::{WebhookConfig, sign};
use concierge_buildium::{BuildiumConfig, BuildiumPms};
use concierge_buildium_sim::{BuildiumSimulator, SimConfig, SimHandle};
use secrecy::SecretString;
use std::sync::Arc;

const SECRET: &str = "whsec-buildium-webhook-canary-7Hq";

fn handle(sim: &SimHandle) -> Concierge {
    let mut config = BuildiumConfig::new(
        sim.client_id(),
        SecretString::from(sim.client_secret().to_owned()),
    );
    config.base_url = sim.base_url().to_owned();
    config.rate_limit_per_sec = None;
    Concierge::builder()
        .mailer(SandboxMailer::new(Default::default()))
        .pms(Arc::new(BuildiumPms::new(config).unwrap()))
        .buildium_webhook(WebhookConfig::new(SecretString::from(SECRET)))
        .build()
        .unwrap()
}

fn admin() -> Admin {
    Admin::full_access("desk-1", "desk")
}

/// Two linked, synced properties.
async fn two_properties(c: &Concierge) -> (Property, Property) {
    let pms = c.list_pms_properties(&admin()).await.unwrap();
    let mut ours = Vec::new();
    for (n, p) in pms.iter().take(2).enumerate() {
        let property = c
            .register_property(&admin(), NewProperty::new(&p.name, format!("site-{n}")))
            .await
            .unwrap();
        let property = c
            .link_pms_property(&admin(), &property.id, &p.external.id)
            .await
            .unwrap();
        c.sync_now(&admin(), &property.id).await.unwrap();
        ours.push(property);
    }
    let b = ours.pop().unwrap();
    (ours.pop().unwrap(), b)
}

async fn last_run(c: &Concierge, property: &PropertyId) -> SyncRunId {
    c.last_sync(&admin(), property).await.unwrap().unwrap().id
}

/// A delivery signed now, as Buildium signs it.
fn delivery(body: &str) -> (String, String) {
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = sign(&SecretString::from(SECRET), &ts, body.as_bytes());
    (ts, sig)
}

fn rejected(e: Error) -> WebhookRejection {
    match e {
        Error::WebhookRejected { reason } => reason,
        other => panic!("expected WEBHOOK_REJECTED, got {other}"),
    }
}

// R-PMS-6
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_delivery_resyncs_its_property_once_and_a_forged_stale_or_replayed_one_is_refused()
{
    let sim = BuildiumSimulator::start(SimConfig {
        properties: 3,
        units_per_property: 4,
        rate_limit_per_sec: None,
        journal: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = handle(&sim);
    let (a, b) = two_properties(&c).await;
    let (a_run, b_run) = (last_run(&c, &a.id).await, last_run(&c, &b.id).await);
    let unit = c.store().list_units(&a.id).await.unwrap().remove(0);
    let unit_id = unit.external.unwrap().id;
    let body = format!(
        r#"{{"EventName":"Lease.Updated","EventDateTime":"2026-12-07T10:00:00Z","AccountId":1,"LeaseId":999,"UnitId":{unit_id}}}"#
    );
    let (ts, sig) = delivery(&body);

    // Refused: another secret, a changed body, an old timestamp, a missing header.
    let forged = sign(&SecretString::from("not-the-secret"), &ts, body.as_bytes());
    let e = c
        .receive_buildium_webhook(Some(&ts), Some(&forged), body.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WebhookRejected);
    assert_eq!(rejected(e), WebhookRejection::BadSignature);
    let changed = body.replace("999", "998");
    let e = c
        .receive_buildium_webhook(Some(&ts), Some(&sig), changed.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(rejected(e), WebhookRejection::BadSignature);
    let old = (chrono::Utc::now().timestamp() - 3600).to_string();
    let old_sig = sign(&SecretString::from(SECRET), &old, body.as_bytes());
    let e = c
        .receive_buildium_webhook(Some(&old), Some(&old_sig), body.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(rejected(e), WebhookRejection::Stale);
    let e = c
        .receive_buildium_webhook(None, Some(&sig), body.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(rejected(e), WebhookRejection::MissingHeader);
    // None of them reached the ledger or the vendor.
    assert_eq!(c.process_webhook_events().await.unwrap(), 0);
    assert_eq!(last_run(&c, &a.id).await, a_run);

    // Accepted: answered at once, then exactly one re-sync of its property.
    sim.clear_exchanges();
    let receipt = c
        .receive_buildium_webhook(Some(&ts), Some(&sig), body.as_bytes())
        .await
        .unwrap();
    assert!(receipt.queued, "{receipt:?}");
    assert_eq!(receipt.property_id.as_ref(), Some(&a.id));
    assert_eq!(receipt.event, "Lease.Updated");
    // The background pass and this one take turns: one of them syncs, the other finds nothing.
    c.process_webhook_events().await.unwrap();
    assert_eq!(c.process_webhook_events().await.unwrap(), 0);
    let a_after = last_run(&c, &a.id).await;
    assert_ne!(a_after, a_run, "the property was synced again");
    assert_eq!(last_run(&c, &b.id).await, b_run, "no other property was");
    // Read through the API, for that property alone.
    let asked: Vec<String> = sim
        .exchanges()
        .iter()
        .map(|x| x.path_and_query.clone())
        .filter(|q| q.contains("propertyids="))
        .collect();
    assert!(!asked.is_empty());
    let a_pms = a.external.as_ref().unwrap().id.clone();
    assert!(
        asked
            .iter()
            .all(|q| q.contains(&format!("propertyids={a_pms}"))),
        "{asked:?}"
    );

    // The same delivery again: refused, and nothing runs.
    let e = c
        .receive_buildium_webhook(Some(&ts), Some(&sig), body.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(rejected(e), WebhookRejection::Replayed);
    assert_eq!(c.process_webhook_events().await.unwrap(), 0);
    assert_eq!(last_run(&c, &a.id).await, a_after);

    // A delivery about records no linked property has: accepted, nothing to do.
    let stranger = r#"{"EventName":"Lease.Created","AccountId":1,"LeaseId":5,"UnitId":987654321}"#;
    let (ts, sig) = delivery(stranger);
    let receipt = c
        .receive_buildium_webhook(Some(&ts), Some(&sig), stranger.as_bytes())
        .await
        .unwrap();
    assert!(
        !receipt.queued && receipt.property_id.is_none(),
        "{receipt:?}"
    );
}

// R-SDK-2
#[tokio::test]
async fn the_subscription_secret_never_shows_in_debug_or_errors() {
    let config = WebhookConfig::new(SecretString::from(SECRET));
    assert!(!format!("{config:?}").contains(SECRET));
    let sim = BuildiumSimulator::start(SimConfig {
        properties: 1,
        units_per_property: 1,
        rate_limit_per_sec: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = handle(&sim);
    let body = r#"{"EventName":"Lease.Created"}"#;
    let (ts, _) = delivery(body);
    let e = c
        .receive_buildium_webhook(Some(&ts), Some(SECRET), body.as_bytes())
        .await
        .unwrap_err();
    assert!(!format!("{e} {e:?}").contains(SECRET));
}

// R-PMS-6
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_handler_answers_buildium_at_once_and_refuses_what_is_not_signed() {
    let sim = BuildiumSimulator::start(SimConfig {
        properties: 2,
        units_per_property: 2,
        rate_limit_per_sec: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = handle(&sim);
    let (a, _) = two_properties(&c).await;
    let before = last_run(&c, &a.id).await;
    let unit_id = c.store().list_units(&a.id).await.unwrap()[0]
        .external
        .clone()
        .unwrap()
        .id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}{}",
        listener.local_addr().unwrap(),
        concierge::webhook_server::PATH
    );
    let server = tokio::spawn(
        axum::serve(
            listener,
            concierge::webhook_server::buildium_webhook_router(c.clone()),
        )
        .into_future(),
    );
    let http = reqwest::Client::new();
    let body = format!(r#"{{"EventName":"RentalUnit.Updated","AccountId":1,"UnitId":{unit_id}}}"#);
    let (ts, sig) = delivery(&body);
    let post = |sig: String| {
        http.post(&url)
            .header("buildium-webhook-timestamp", ts.clone())
            .header("buildium-webhook-signature", sig)
            .body(body.clone())
            .send()
    };
    let forged = post("AAAA".into()).await.unwrap();
    assert_eq!(forged.status(), 401);
    let text = forged.text().await.unwrap();
    assert!(
        text.contains("bad_signature") && !text.contains(SECRET),
        "{text}"
    );
    let accepted = post(sig.clone()).await.unwrap();
    assert_eq!(accepted.status(), 200);
    assert!(accepted.text().await.unwrap().contains("\"queued\":true"));
    // Buildium's retry of a delivery already received: 200, so it stops retrying.
    let again = post(sig).await.unwrap();
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("replayed"));
    c.process_webhook_events().await.unwrap();
    assert_ne!(last_run(&c, &a.id).await, before);
    server.abort();
}
