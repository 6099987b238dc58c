//! # concierge-sandbox
//!
//! Deterministic, seeded, in-process fakes of every Concierge provider, for tests, the demo and
//! benchmarks: a [`ManualClock`] you move by hand, a [`SandboxMailer`] that keeps what it
//! "sent", and fakes of the PMS, the strata system, the intercom and the key encoder. Every fake
//! shares one [`Faults`] script: fail the next call of an operation with a given error kind, or
//! add latency, so a test can prove what happens when a provider misbehaves.
//!
//! ```
//! use concierge_sandbox::Sandbox;
//! use chrono::Duration;
//!
//! let sandbox = Sandbox::new(7);
//! let start = sandbox.clock().now_utc();
//! sandbox.clock().advance(Duration::days(8));
//! assert_eq!(sandbox.clock().now_utc() - start, Duration::days(8));
//!
//! // The same seed always generates the same portfolio.
//! assert_eq!(sandbox.pms().properties(), Sandbox::new(7).pms().properties());
//! ```

#![warn(missing_docs)]

mod clock;
mod encoder;
mod faults;
mod intercom;
mod mailer;
mod paging;
mod pms;
mod strata;

pub use clock::ManualClock;
pub use encoder::{DEFAULT_WRITE_TIME, SandboxEncoder, WrittenKey};
pub use faults::{Fault, Faults};
pub use intercom::{SandboxIntercom, SandboxIntercomUnit, SandboxVisitorPass};
pub use mailer::{SandboxMailer, SentEmail};
pub use pms::{PortfolioSpec, SandboxPms};
pub use strata::{SandboxStrata, StrataSpec};

use std::sync::Arc;

/// Every sandbox fake, sharing one clock and one fault script. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Sandbox {
    seed: u64,
    clock: Arc<ManualClock>,
    faults: Faults,
    mailer: Arc<SandboxMailer>,
    pms: Arc<SandboxPms>,
    strata: Arc<SandboxStrata>,
    intercom: Arc<SandboxIntercom>,
    encoder: Arc<SandboxEncoder>,
}

impl Sandbox {
    /// A sandbox whose generated data follows from `seed`, with the default PMS portfolio
    /// ([`PortfolioSpec::default`]); the clock starts at [`ManualClock::DEFAULT_START`].
    pub fn new(seed: u64) -> Self {
        Self::with_portfolio(seed, PortfolioSpec::default())
    }

    /// A sandbox like [`Sandbox::new`] whose PMS holds the portfolio `spec`.
    pub fn with_portfolio(seed: u64, spec: PortfolioSpec) -> Self {
        let faults = Faults::new();
        let clock = Arc::new(ManualClock::new(ManualClock::DEFAULT_START));
        let today = clock.now_utc().date_naive();
        // Each fake draws from its own stream, so their names do not repeat one another.
        let pms = SandboxPms::new(seed, spec, today, faults.clone()).with_clock(clock.clone());
        Self {
            seed,
            mailer: Arc::new(SandboxMailer::new(faults.clone())),
            pms: Arc::new(pms),
            strata: Arc::new(SandboxStrata::new(seed ^ 0x5354_5241_5441, faults.clone())),
            intercom: Arc::new(SandboxIntercom::new(
                seed ^ 0x494e_5445_5243,
                faults.clone(),
            )),
            encoder: Arc::new(SandboxEncoder::new(faults.clone())),
            clock,
            faults,
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The shared clock.
    pub fn clock(&self) -> &Arc<ManualClock> {
        &self.clock
    }

    /// The shared fault script.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The mailer.
    pub fn mailer(&self) -> &Arc<SandboxMailer> {
        &self.mailer
    }

    /// The PMS. Its "today" is the clock's start date, and records changed through its
    /// helpers are stamped with the clock's time.
    pub fn pms(&self) -> &Arc<SandboxPms> {
        &self.pms
    }

    /// The strata system.
    pub fn strata(&self) -> &Arc<SandboxStrata> {
        &self.strata
    }

    /// The intercom.
    pub fn intercom(&self) -> &Arc<SandboxIntercom> {
        &self.intercom
    }

    /// The key encoder.
    pub fn encoder(&self) -> &Arc<SandboxEncoder> {
        &self.encoder
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use concierge_core::{
        KeyEncoder, ListPmsResidentsRequest, ListStrataBuildingsRequest, PmsProvider,
        ProviderErrorKind, StrataProvider,
    };

    #[tokio::test]
    async fn every_fake_shares_the_sandbox_fault_script() {
        let sandbox = Sandbox::new(1);
        sandbox
            .faults()
            .fail_next("*", ProviderErrorKind::Unavailable);
        let err = sandbox
            .strata()
            .list_buildings(ListStrataBuildingsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.provider, "sandbox-strata");
        assert!(
            sandbox
                .encoder()
                .list_encoders(Default::default())
                .await
                .is_ok()
        );
        assert_eq!(sandbox.faults().calls("list_buildings"), 1);
        assert_eq!(sandbox.faults().calls("list_encoders"), 1);
    }

    #[test]
    fn the_pms_today_is_the_clock_start_date_and_the_portfolio_is_configurable() {
        let sandbox = Sandbox::with_portfolio(
            3,
            PortfolioSpec {
                properties: 4,
                ..PortfolioSpec::default()
            },
        );
        assert_eq!(
            sandbox.pms().today(),
            sandbox.clock().now_utc().date_naive()
        );
        assert_eq!(sandbox.pms().properties().len(), 4);
        assert_eq!(Sandbox::new(3).pms().properties().len(), 2);
    }

    #[tokio::test]
    async fn a_resident_changed_after_the_clock_moves_is_in_the_next_incremental_pull() {
        let sandbox = Sandbox::new(5);
        let last_sync = sandbox.clock().now_utc();
        sandbox.clock().advance(Duration::hours(4));
        assert!(
            sandbox
                .pms()
                .update_resident("pms-res-1-2-1", |r| r.phone = None)
        );
        let page = sandbox
            .pms()
            .list_residents(ListPmsResidentsRequest {
                properties: vec![SandboxPms::external_ref("pms-prop-1")],
                updated_since: Some(last_sync),
                cursor: None,
            })
            .await
            .unwrap();
        let ids: Vec<String> = page
            .items
            .into_iter()
            .map(|r| r.unwrap().external.id)
            .collect();
        assert_eq!(ids, ["pms-res-1-2-1"]);
        assert_eq!(
            sandbox.pms().residents("pms-prop-1")[1].updated_at,
            Some(sandbox.clock().now_utc())
        );
    }
}
