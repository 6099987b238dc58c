//! Visitors from the command line alone (R-VISIT-1..4), against the ButterflyMX simulator
//! through the real adapter: without an intercom the commands refuse, saying how to configure
//! one; with it, the consent, the link (the property takes the building's zone), provisioning
//! twice, the preflight, a pass in local time and UTC, the listing and the contact report.

use concierge_butterflymx_sim::{ButterflyMxSim, SimConfig};

mod common;

use common::{concierge, ok};

#[test]
fn a_visitor_command_without_an_intercom_refuses_and_says_how_to_configure_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = concierge(dir.path(), &[], &["visitors", "buildings"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("CONCIERGE_BUTTERFLYMX_CLIENT_ID"),
        "{stderr}"
    );
    assert!(stderr.contains("--intercom sandbox"), "{stderr}");
}

// R-VISIT-1, R-VISIT-2, R-VISIT-3, R-VISIT-4
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_is_connected_provisioned_and_given_a_pass_with_the_command_alone() {
    let sim = ButterflyMxSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "CONCIERGE_BUTTERFLYMX_CLIENT_ID",
            sim.client_id().to_owned(),
        ),
        (
            "CONCIERGE_BUTTERFLYMX_CLIENT_SECRET",
            sim.client_secret().to_owned(),
        ),
        ("CONCIERGE_BUTTERFLYMX_API_BASE_URL", sim.base_url()),
        ("CONCIERGE_BUTTERFLYMX_ACCOUNTS_URL", sim.base_url()),
    ];
    let run = |args: &[&str]| {
        let dir = dir.path().to_owned();
        let env = env.clone();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                ok(concierge(&dir, &env, &args))
            })
            .await
            .unwrap()
        }
    };
    run(&[
        "property",
        "register",
        "--name",
        "Harbour View",
        "--site",
        "harbour-view",
    ])
    .await;
    run(&[
        "property",
        "set",
        "--site",
        "harbour-view",
        "visitors.placeholder_mailbox=butterflymx@example.org",
    ])
    .await;
    let consent = run(&["visitors", "connect"]).await;
    assert!(consent.contains("/oauth/authorize?client_id="), "{consent}");
    let code = sim.issue_consent_code();
    let connected = run(&["visitors", "connect", "--code", &code]).await;
    assert!(connected.contains("connected"), "{connected}");

    let buildings = run(&["visitors", "buildings"]).await;
    let first = buildings.lines().next().unwrap();
    assert!(first.contains("Australia/Sydney"), "{buildings}");
    let building = first.split_whitespace().next().unwrap().to_owned();
    let linked = run(&[
        "visitors",
        "link",
        "--site",
        "harbour-view",
        "--building",
        &building,
    ])
    .await;
    assert!(linked.contains("Australia/Sydney"), "{linked}");
    let listed = run(&["property", "list"]).await;
    assert!(listed.contains("Australia/Sydney"), "{listed}");

    let first = run(&["visitors", "provision", "--site", "harbour-view"]).await;
    assert!(first.contains("(created)"), "{first}");
    let second = run(&["visitors", "provision", "--site", "harbour-view"]).await;
    assert!(
        !second.contains("(created)") && second.contains("(adopted)"),
        "{second}"
    );
    let preflight = run(&["visitors", "preflight", "--site", "harbour-view"]).await;
    assert!(
        preflight.contains("visitor passes can be created"),
        "{preflight}"
    );
    assert!(preflight.contains("on Phone Calls"), "{preflight}");

    let pass = run(&[
        "visitors",
        "pass",
        "create",
        "--site",
        "harbour-view",
        "--visitor",
        "Sam Visitor",
        "--from",
        "2030-03-01T14:00",
        "--to",
        "2030-03-01T16:00",
    ])
    .await;
    assert!(
        pass.contains("2030-03-01 14:00 AEDT to 2030-03-01 16:00 AEDT"),
        "{pass}"
    );
    assert!(
        pass.contains("UTC 2030-03-01 03:00 to 2030-03-01 05:00"),
        "{pass}"
    );
    assert!(
        pass.contains("active") && pass.contains("QR code"),
        "{pass}"
    );
    let id = pass.split_whitespace().next().unwrap().to_owned();
    let list = run(&["visitors", "pass", "list", "--site", "harbour-view"]).await;
    assert!(list.contains(&id), "{list}");
    let revoked = run(&["visitors", "pass", "revoke", "--pass", &id]).await;
    assert!(revoked.contains("revoked"), "{revoked}");
    let report = run(&["visitors", "contact-report", "--site", "harbour-view"]).await;
    assert!(report.contains("tenants are on Phone Calls"), "{report}");
    sim.stop().await;
}
