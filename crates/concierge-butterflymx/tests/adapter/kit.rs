//! The provider conformance kit (R-SDK-1) on the ButterflyMX adapter against the simulator:
//! every check passes, a second run adopts the kit's placeholder, and with the simulator
//! echoing every request into its errors the secrets check still passes (the client secret
//! and the kit's made-up consent code stay out of every error).

use crate::support::*;
use concierge_core::IntercomProvider;
use concierge_core::kit::{CheckOutcome, check_intercom};
use concierge_http::SecretString;

// R-SDK-1
#[tokio::test]
async fn the_adapter_passes_the_provider_conformance_kit_against_the_simulator() {
    let sim = sim().await;
    let bmx = adapter(&sim).await;
    let building = bmx.list_buildings(None).await.unwrap().items[0]
        .clone()
        .unwrap()
        .external
        .id;
    let secrets = [SecretString::from(sim.client_secret().to_owned())];
    let report = check_intercom(&bmx, &building, "run-1", &secrets).await;
    assert!(report.ok(), "{}", report.summary());
    assert_eq!(report.skipped, 0, "{}", report.summary());
    let again = check_intercom(&bmx, &building, "run-2", &secrets).await;
    assert!(again.ok(), "{}", again.summary());
    let units = sim.units(building.parse().unwrap());
    assert_eq!(
        units.iter().filter(|u| u.label == "Concierge Kit").count(),
        1,
        "two runs, one placeholder unit"
    );

    // An intercom that echoes every request into its errors: the other checks fail, the
    // secrets check does not.
    sim.set_echo_in_request_id(true);
    sim.set_echo(Some(400));
    let echoed = check_intercom(&bmx, &building, "run-3", &secrets).await;
    sim.set_echo(None);
    assert!(!echoed.ok(), "{}", echoed.summary());
    let secrets_check = echoed
        .checks
        .iter()
        .find(|c| c.name == "secrets_stay_out_of_errors")
        .unwrap();
    assert_eq!(
        secrets_check.outcome,
        CheckOutcome::Passed,
        "{}",
        echoed.summary()
    );
}
