//! `concierge.sandboxControls`: the sandbox's clock, mailbox and fault script.

use crate::args;
use crate::error::throw;
use crate::records::Instant;
use chrono::Duration;
use concierge::sandbox::Sandbox;
use concierge::validate::Checks;
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// How far to move the sandbox clock; the parts add up.
#[napi(object, object_to_js = false)]
pub struct AdvanceBy {
    /// Days.
    pub days: Option<i64>,
    /// Hours.
    pub hours: Option<i64>,
    /// Minutes.
    pub minutes: Option<i64>,
    /// Seconds.
    pub seconds: Option<i64>,
}

/// An email the sandbox mailer accepted.
#[napi(object, object_from_js = false)]
pub struct SentEmail {
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
}

/// The sandbox behind a `Concierge.sandbox()` handle.
#[napi]
pub struct SandboxControls {
    pub(crate) sandbox: Sandbox,
}

#[napi]
impl SandboxControls {
    /// The sandbox clock's time.
    #[napi(ts_return_type = "Date")]
    pub fn now(&self) -> Instant {
        Instant(self.sandbox.clock().now_utc())
    }

    /// Moves the sandbox clock forward (negative parts move it back).
    #[napi]
    pub fn advance(&self, env: Env, by: AdvanceBy) -> Result<()> {
        let parts = [
            (
                "days",
                by.days,
                Duration::try_days as fn(i64) -> Option<Duration>,
            ),
            ("hours", by.hours, Duration::try_hours),
            ("minutes", by.minutes, Duration::try_minutes),
            ("seconds", by.seconds, Duration::try_seconds),
        ];
        let mut total = Duration::zero();
        let mut checks = Checks::new();
        for (field, value, to_duration) in parts {
            match to_duration(value.unwrap_or(0)).and_then(|d| total.checked_add(&d)) {
                Some(t) => total = t,
                None => checks.fail(field, "is out of range"),
            }
        }
        if let Err(e) = checks.finish() {
            return throw(&env, e.into());
        }
        self.sandbox.clock().advance(total);
        Ok(())
    }

    /// Every email the sandbox mailer accepted, oldest first.
    #[napi]
    pub fn sent_emails(&self) -> Vec<SentEmail> {
        self.sandbox
            .mailer()
            .sent()
            .into_iter()
            .map(|m| SentEmail {
                to: m.to,
                subject: m.subject,
                body: m.body,
            })
            .collect()
    }

    /// The activation token of the newest email to `email`, or `null`.
    #[napi]
    pub fn last_activation_token(&self, email: String) -> Option<String> {
        self.sandbox.mailer().last_activation_token(&email)
    }

    /// The next call of `operation` (e.g. `"send"`, or `"*"` for any) fails with a provider
    /// error of `kind` (`"unavailable"`, `"timeout"`, `"rejected"`, …). An unknown kind throws
    /// an `Error` with code `VALIDATION`.
    #[napi]
    pub fn fail_next(
        &self,
        env: Env,
        operation: String,
        #[napi(ts_arg_type = "ProviderErrorKind")] kind: String,
    ) -> Result<()> {
        let mut checks = Checks::new();
        let kind = args::provider_error_kind(&mut checks, "kind", &kind);
        if let Err(e) = checks.finish() {
            return throw(&env, e.into());
        }
        if let Some(kind) = kind {
            self.sandbox.faults().fail_next(&operation, kind);
        }
        Ok(())
    }

    /// How many times `operation` was called, failed calls included.
    #[napi]
    pub fn calls(&self, operation: String) -> i64 {
        i64::try_from(self.sandbox.faults().calls(&operation)).unwrap_or(i64::MAX)
    }
}
