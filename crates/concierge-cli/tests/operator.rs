//! An operator's path with the command alone: a command that needs a PMS and has none refuses,
//! saying how to configure one; a property is registered, shown, changed, linked to Buildium
//! (its simulator here, through the real adapter) and synced, all from the command line.

mod common;

use common::{concierge, ok};
use concierge_buildium_sim::{BuildiumSimulator, SimConfig};

#[test]
fn a_command_that_needs_a_pms_refuses_without_one_and_says_how_to_configure_it() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["sync"][..], &["pms", "properties"][..]] {
        let out = concierge(dir.path(), &[], args);
        assert!(!out.status.success(), "{args:?} ran without a PMS");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("CONCIERGE_BUILDIUM_CLIENT_ID"), "{stderr}");
        assert!(stderr.contains("--pms sandbox"), "{stderr}");
    }
    let out = concierge(dir.path(), &[], &["encoders"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONCIERGE_SALTO_INSTALLATION"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_property_is_set_up_linked_to_buildium_and_synced_with_the_command_alone() {
    let sim = BuildiumSimulator::start(SimConfig {
        properties: 2,
        units_per_property: 4,
        rate_limit_per_sec: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let buildium: Vec<(&'static str, String)> = vec![
        ("CONCIERGE_BUILDIUM_CLIENT_ID", sim.client_id().to_owned()),
        (
            "CONCIERGE_BUILDIUM_CLIENT_SECRET",
            sim.client_secret().to_owned(),
        ),
        ("CONCIERGE_BUILDIUM_BASE_URL", sim.base_url()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    // The command blocks; the simulator runs on this test's runtime meanwhile.
    let run = move |args: Vec<&'static str>, env: Vec<(&'static str, String)>| {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            concierge(&path, &env, &args)
        })
    };
    let owned = buildium;

    let out = ok(run(
        vec![
            "property",
            "register",
            "--name",
            "Harbour View",
            "--site",
            "harbour-view",
        ],
        vec![],
    )
    .await
    .unwrap());
    assert!(out.contains("registered Harbour View"), "{out}");
    let out = ok(run(
        vec![
            "property",
            "set",
            "--site",
            "harbour-view",
            "future_resident_sync=true",
            "sync_interval=7200",
        ],
        vec![],
    )
    .await
    .unwrap());
    assert!(out.contains("\"sync_interval\": 7200"), "{out}");
    let out = run(
        vec![
            "property",
            "set",
            "--site",
            "harbour-view",
            "future_residents=true",
        ],
        vec![],
    )
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("future_residents"));
    let out = ok(
        run(vec!["property", "show", "--site", "harbour-view"], vec![])
            .await
            .unwrap(),
    );
    assert!(out.contains("\"future_resident_sync\": true"), "{out}");
    ok(run(
        vec![
            "building",
            "register",
            "--site",
            "harbour-view",
            "--name",
            "Tower A",
        ],
        vec![],
    )
    .await
    .unwrap());
    ok(run(
        vec![
            "unit",
            "register",
            "--site",
            "harbour-view",
            "--building",
            "Tower A",
            "--number",
            "1204",
            "--floor",
            "12",
        ],
        vec![],
    )
    .await
    .unwrap());

    let listed = ok(run(vec!["pms", "properties"], owned.clone()).await.unwrap());
    let pms_id = listed
        .split_whitespace()
        .next()
        .expect("a PMS property")
        .to_owned();
    let link = ["pms", "link", "--site", "harbour-view", "--pms-property"];
    let out = tokio::task::spawn_blocking({
        let (path, env) = (dir.path().to_owned(), owned.clone());
        move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut args = link.to_vec();
            args.push(&pms_id);
            concierge(&path, &env, &args)
        }
    })
    .await
    .unwrap();
    let out = ok(out);
    assert!(out.contains("linked harbour-view"), "{out}");
    let out = ok(run(
        vec!["sync", "--site", "harbour-view", "--json"],
        owned.clone(),
    )
    .await
    .unwrap());
    assert!(out.contains("\"created\""), "{out}");
    let out = ok(run(
        vec!["residents", "--site", "harbour-view", "--json"],
        vec![],
    )
    .await
    .unwrap());
    assert!(out.lines().count() > 0, "no resident after the sync");
}
