//! Retry policy: bounded attempts, exponential backoff with full jitter, `Retry-After`.

use std::time::{Duration, SystemTime};

/// How often and how patiently a failed call is tried again.
///
/// Only transient failures are retried: timeouts, connection failures and resets, HTTP 408, 429
/// and 5xx. Other 4xx replies are never retried. Only idempotent requests are retried: `GET`,
/// `HEAD`, `OPTIONS`, `PUT` and `DELETE` by default, and any other method only when the request is
/// marked [`idempotent`](crate::RequestBuilder::idempotent) or carries an
/// [`idempotency_key`](crate::RequestBuilder::idempotency_key).
///
/// Between attempts the client waits for the reply's `Retry-After` (seconds or an HTTP date) when
/// there is one. A `Retry-After` longer than `max_backoff` is not waited for: the call fails at once
/// with a retryable error, so the caller can schedule the retry itself. Without `Retry-After` the
/// wait is a random duration between zero and `initial_backoff * 2^(retry - 1)` capped at
/// `max_backoff` ("full jitter"); a 429 without `Retry-After` waits at least `initial_backoff`.
///
/// Deserialised (from JSON, TOML, or a binding's dictionary) with durations as whole
/// milliseconds (`initial_backoff_ms`, `max_backoff_ms`), every field optional (absent: the
/// default), unknown keys refused.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(default, deny_unknown_fields)]
#[schemars(
    description = "How often and how patiently a failed call is tried again: only transient failures (timeouts, connection failures, HTTP 408, 429 and 5xx) of idempotent requests, waiting for the vendor's Retry-After when it sends one, else a random backoff up to initial_backoff_ms doubled per retry, capped at max_backoff_ms. Every field optional; unknown keys refused."
)]
pub struct RetryPolicy {
    /// How many times a call is sent at most, the first attempt included. `1` (or `0`) disables
    /// retries. Default 5.
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; it doubles on each further retry. Default 200 ms.
    #[serde(rename = "initial_backoff_ms", with = "crate::serde_duration::millis")]
    #[schemars(with = "u64")]
    pub initial_backoff: Duration,
    /// The longest wait between two attempts, and the longest `Retry-After` honoured.
    /// Default 10000 ms.
    #[serde(rename = "max_backoff_ms", with = "crate::serde_duration::millis")]
    #[schemars(with = "u64")]
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends every call once.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Whether this policy never retries.
    pub fn is_disabled(&self) -> bool {
        self.max_attempts <= 1
    }

    /// The attempts allowed, at least one.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// The backoff ceiling before retry number `retry` (1 for the first retry).
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// A random wait in `[0, ceiling(retry)]` ("full jitter").
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        jitter(self.ceiling(retry))
    }
}

/// A uniformly random duration in `[0, max]`.
fn jitter(max: Duration) -> Duration {
    let nanos = max.as_nanos();
    if nanos == 0 {
        return Duration::ZERO;
    }
    // If the OS has no randomness to give, wait half the ceiling.
    let r = getrandom::u64().unwrap_or(u64::MAX / 2);
    let picked = nanos * u128::from(r) / u128::from(u64::MAX);
    Duration::from_nanos(u64::try_from(picked).unwrap_or(u64::MAX))
}

/// Reads a `Retry-After` value: delay seconds (RFC 9110), fractional seconds, or an HTTP date.
/// A date in the past means "now".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_makes_five_attempts_from_200ms_up_to_10s() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 5);
        assert_eq!(p.ceiling(1), Duration::from_millis(200));
        assert_eq!(p.ceiling(2), Duration::from_millis(400));
        assert_eq!(p.ceiling(3), Duration::from_millis(800));
        assert_eq!(p.ceiling(10), Duration::from_secs(10));
        assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn a_disabled_policy_sends_once() {
        assert!(RetryPolicy::disabled().is_disabled());
        assert_eq!(RetryPolicy::disabled().attempts(), 1);
        let zero = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(zero.attempts(), 1);
    }

    #[test]
    fn jittered_backoff_stays_within_its_ceiling() {
        let p = RetryPolicy::default();
        for retry in 1..8 {
            for _ in 0..50 {
                assert!(p.backoff(retry) <= p.ceiling(retry));
            }
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("0.25", now),
            Some(Duration::from_millis(250))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
