//! Buildium's signed webhooks: checking that a delivery comes from Buildium (its signature, in
//! constant time, and its timestamp, within a tolerance) and reading which records it names.
//!
//! What is known of the scheme [src]: the headers `buildium-webhook-timestamp` and
//! `buildium-webhook-signature`; the signature is the base64 HMAC-SHA256, keyed by the
//! subscription's secret, of `timestamp + "." + body` (the body exactly as delivered); the body
//! is `{EventName, EventDateTime, AccountId, <entity ids>}`, e.g. `LeaseId` and `UnitId` for
//! `Lease.Created`, `TenantId` for `LeaseTenant.*`.
//!
//! Assumed, and kept configurable or lenient [assumed]: the timestamp is Unix time in seconds
//! (a value of 13 digits or more is read as milliseconds); `Rental.*` events name the property
//! as `PropertyId` or `RentalId`. A webhook only says which record changed: its data is never
//! used, the record is read again through the API.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use concierge_http::SecretString;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use std::time::Duration;

/// The header holding the delivery's timestamp.
pub const TIMESTAMP_HEADER: &str = "buildium-webhook-timestamp";
/// The header holding the delivery's signature.
pub const SIGNATURE_HEADER: &str = "buildium-webhook-signature";

/// The default of [`WebhookConfig::tolerance`]: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A webhook subscription: its secret, and how far a delivery's timestamp may be from now.
/// `Debug` prints the secret as `<redacted>`.
#[derive(Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    description = "A Buildium webhook subscription: `secret` required, `tolerance_seconds` \
    optional (300)."
)]
pub struct WebhookConfig {
    /// The subscription's secret, shown once by Buildium when the subscription is made. Never
    /// logged, printed or put in an error.
    #[schemars(with = "String", extend("x-sensitive" = true))]
    pub secret: SecretString,
    /// How far a delivery's timestamp may be from now, either way, before it is refused as
    /// stale; serialised as `tolerance_seconds`. Default 300 s. Deliveries are remembered for
    /// this long, so a replay within it is refused too.
    #[serde(
        rename = "tolerance_seconds",
        default = "default_tolerance",
        with = "concierge_http::serde_duration::seconds"
    )]
    #[schemars(with = "f64")]
    pub tolerance: Duration,
}

fn default_tolerance() -> Duration {
    DEFAULT_TOLERANCE
}

impl WebhookConfig {
    /// A subscription with `secret` and the default tolerance.
    pub fn new(secret: SecretString) -> Self {
        Self {
            secret,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Records in `checks` what cannot work, under `prefix` (`buildium_webhook.`).
    pub fn check(&self, prefix: &str, checks: &mut concierge_core::validate::Checks) {
        if self.secret.expose_secret().is_empty() {
            checks.fail(&format!("{prefix}secret"), "must not be empty");
        }
        if self.tolerance.is_zero() {
            checks.fail(&format!("{prefix}tolerance_seconds"), "must be above 0");
        }
    }
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("secret", &"<redacted>")
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// What a webhook names (every id as Buildium gives it); its data is not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct WebhookEvent {
    /// `Lease.Created`, `LeaseTenant.Updated`, `RentalUnit.Deleted`…
    #[serde(rename = "EventName")]
    pub event_name: String,
    /// The account.
    #[serde(rename = "AccountId", default)]
    pub account_id: Option<i64>,
    /// The rental property, for `Rental.*` events.
    #[serde(rename = "PropertyId", alias = "RentalId", default)]
    pub property_id: Option<i64>,
    /// The unit.
    #[serde(rename = "UnitId", default)]
    pub unit_id: Option<i64>,
    /// The lease.
    #[serde(rename = "LeaseId", default)]
    pub lease_id: Option<i64>,
    /// The tenant.
    #[serde(rename = "TenantId", default)]
    pub tenant_id: Option<i64>,
}

/// Why a delivery was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A header is missing.
    MissingHeader(&'static str),
    /// The signature is not the one the secret gives.
    BadSignature,
    /// The timestamp is further from now than the tolerance (or unreadable).
    Stale,
    /// Signed, but not a webhook's JSON.
    Malformed,
}

/// The signature of `body` delivered at `timestamp`, as Buildium computes it.
pub fn sign(secret: &SecretString, timestamp: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(mac(secret, timestamp, body).finalize().into_bytes())
}

fn mac(secret: &SecretString, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The instant of a timestamp header: Unix seconds, or milliseconds from 13 digits on.
fn instant(timestamp: &str) -> Option<DateTime<Utc>> {
    let t = timestamp.trim();
    let n: i64 = t.parse().ok()?;
    if t.trim_start_matches('-').len() >= 13 {
        DateTime::from_timestamp_millis(n)
    } else {
        DateTime::from_timestamp(n, 0)
    }
}

/// Checks a delivery (its two headers, when present, and its raw body) against the
/// subscription's `secret` at `now`, and reads what it names. The signature is compared in
/// constant time, before the body is read; the timestamp must be within `tolerance` of `now`.
pub fn verify(
    secret: &SecretString,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<WebhookEvent, Refusal> {
    let timestamp = timestamp.ok_or(Refusal::MissingHeader(TIMESTAMP_HEADER))?;
    let signature = signature.ok_or(Refusal::MissingHeader(SIGNATURE_HEADER))?;
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| Refusal::BadSignature)?;
    mac(secret, timestamp, body)
        .verify_slice(&given)
        .map_err(|_| Refusal::BadSignature)?;
    let at = instant(timestamp).ok_or(Refusal::Stale)?;
    let age = (now - at).abs().to_std().map_err(|_| Refusal::Stale)?;
    if age > tolerance {
        return Err(Refusal::Stale);
    }
    let event: WebhookEvent = serde_json::from_slice(body).map_err(|_| Refusal::Malformed)?;
    if event.event_name.trim().is_empty() {
        return Err(Refusal::Malformed);
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"EventName":"Lease.Created","EventDateTime":"2026-12-07T10:00:00Z","AccountId":7,"LeaseId":12,"UnitId":34}"#;

    fn secret() -> SecretString {
        SecretString::from("whsec-canary-0123456789")
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn a_delivery_signed_with_the_secret_is_read() {
        let ts = "1796637600";
        let sig = sign(&secret(), ts, BODY);
        let event = verify(
            &secret(),
            Some(ts),
            Some(&sig),
            BODY,
            at(1796637630),
            Duration::from_secs(300),
        )
        .unwrap();
        assert_eq!(event.event_name, "Lease.Created");
        assert_eq!(
            (event.lease_id, event.unit_id, event.tenant_id),
            (Some(12), Some(34), None)
        );
        // Milliseconds are read as such.
        let ms = "1796637600000";
        let sig = sign(&secret(), ms, BODY);
        assert!(
            verify(
                &secret(),
                Some(ms),
                Some(&sig),
                BODY,
                at(1796637630),
                Duration::from_secs(300)
            )
            .is_ok()
        );
    }

    #[test]
    fn a_wrong_signature_a_stale_timestamp_or_a_missing_header_is_refused() {
        let ts = "1796637600";
        let sig = sign(&secret(), ts, BODY);
        let tolerance = Duration::from_secs(300);
        let now = at(1796637630);
        let other = SecretString::from("another-secret");
        assert_eq!(
            verify(&other, Some(ts), Some(&sig), BODY, now, tolerance),
            Err(Refusal::BadSignature)
        );
        let mut tampered = BODY.to_vec();
        tampered[20] ^= 1;
        assert_eq!(
            verify(&secret(), Some(ts), Some(&sig), &tampered, now, tolerance),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(
                &secret(),
                Some(ts),
                Some("not base64!"),
                BODY,
                now,
                tolerance
            ),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(
                &secret(),
                Some(ts),
                Some(&sig),
                BODY,
                at(1796637600 + 301),
                tolerance
            ),
            Err(Refusal::Stale)
        );
        assert_eq!(
            verify(
                &secret(),
                Some(ts),
                Some(&sig),
                BODY,
                at(1796637600 - 301),
                tolerance
            ),
            Err(Refusal::Stale)
        );
        assert_eq!(
            verify(&secret(), None, Some(&sig), BODY, now, tolerance),
            Err(Refusal::MissingHeader(TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify(&secret(), Some(ts), None, BODY, now, tolerance),
            Err(Refusal::MissingHeader(SIGNATURE_HEADER))
        );
        let junk = b"not json";
        let sig = sign(&secret(), ts, junk);
        assert_eq!(
            verify(&secret(), Some(ts), Some(&sig), junk, now, tolerance),
            Err(Refusal::Malformed)
        );
    }
}
