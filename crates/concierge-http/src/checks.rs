//! The checks every HTTP adapter's settings share: its client-side rate limit and its request
//! timeout, reported under the adapter's own field names.

use concierge_core::validate::Checks;
use std::time::Duration;

/// Records in `checks` a rate limit of 0 on `rate_field` (null means no limit) and a zero
/// timeout on `timeout_field`; both are full field paths.
pub fn check_transport(
    checks: &mut Checks,
    rate_field: &str,
    rate_limit: Option<u32>,
    timeout_field: &str,
    timeout: Duration,
) {
    if rate_limit == Some(0) {
        checks.fail(rate_field, "must be at least 1 (or null for no limit)");
    }
    if timeout.is_zero() {
        checks.fail(timeout_field, "must be positive");
    }
}
