//! The provider conformance kit (R-SDK-1) on the StrataMax adapter against the strata simulator,
//! with the vendor's quirks on: every check passes, and the credentials stay out of every
//! error the kit provokes.

mod common;

use common::*;
use concierge_core::kit::{CheckOutcome, check_strata};
use concierge_http::SecretString;

// R-SDK-1
#[tokio::test]
async fn the_adapter_passes_the_provider_conformance_kit_against_the_simulator() {
    let sim = sim(4, 6, true).await;
    let secrets = [SecretString::from(sim.api_key().to_owned())];
    let report = check_strata(&adapter(&sim), &secrets).await;
    assert!(report.ok(), "{}", report.summary());
    assert_eq!(report.skipped, 0, "{}", report.summary());
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.name == "secrets_stay_out_of_errors" && c.outcome == CheckOutcome::Passed),
        "{}",
        report.summary()
    );
}
