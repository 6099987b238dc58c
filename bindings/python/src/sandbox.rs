//! `SandboxControls`: the sandbox's clock, mailbox and fault script, for tests and demos.

use crate::parse;
use crate::records::py_repr;
use chrono::{DateTime, Duration, Utc};
use concierge::sandbox::Sandbox;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The controls of a sandbox handle (`concierge.sandbox_controls`).
#[pyclass(frozen, name = "SandboxControls", module = "concierge._native")]
pub struct PySandboxControls {
    pub sandbox: Sandbox,
}

#[pymethods]
impl PySandboxControls {
    /// The sandbox clock's now (UTC).
    fn now(&self) -> DateTime<Utc> {
        self.sandbox.clock().now_utc()
    }

    /// Moves the sandbox clock forward (backward with negative values).
    #[pyo3(signature = (*, days = 0, hours = 0, minutes = 0, seconds = 0))]
    fn advance(&self, days: i64, hours: i64, minutes: i64, seconds: i64) -> PyResult<()> {
        let by = [
            Duration::try_days(days),
            Duration::try_hours(hours),
            Duration::try_minutes(minutes),
            Duration::try_seconds(seconds),
        ]
        .into_iter()
        .try_fold(Duration::zero(), |sum, part| sum.checked_add(&part?));
        let out_of_range = || PyValueError::new_err("the clock cannot move that far");
        let by = by.ok_or_else(out_of_range)?;
        self.now().checked_add_signed(by).ok_or_else(out_of_range)?;
        self.sandbox.clock().advance(by);
        Ok(())
    }

    /// Every email the sandbox mailer accepted, oldest first.
    fn sent_emails(&self) -> Vec<PySentEmail> {
        self.sandbox
            .mailer()
            .sent()
            .into_iter()
            .map(|m| PySentEmail {
                to: m.to,
                subject: m.subject,
                body: m.body,
            })
            .collect()
    }

    /// The activation token in the newest email to `email`, if any.
    fn last_activation_token(&self, email: &str) -> Option<String> {
        self.sandbox.mailer().last_activation_token(email)
    }

    /// The next call of `operation` (e.g. `"send"`) fails with a provider error of `kind`
    /// (e.g. `"unavailable"`, `"timeout"`, `"rejected"`).
    fn fail_next(&self, operation: &str, kind: &str) -> PyResult<()> {
        let kind = parse::provider_error_kind(kind)?;
        self.sandbox.faults().fail_next(operation, kind);
        Ok(())
    }

    /// How many times `operation` was called, failed calls included.
    fn calls(&self, operation: &str) -> u64 {
        self.sandbox.faults().calls(operation)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SandboxControls",
            "seed" = self.sandbox.seed(),
            "now" = self.now(),
        )
    }
}

/// An email the sandbox mailer accepted. Its `repr` leaves out the body: it holds the
/// activation link.
#[pyclass(frozen, eq, name = "SentEmail", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PySentEmail {
    #[pyo3(get)]
    to: String,
    #[pyo3(get)]
    subject: String,
    #[pyo3(get)]
    body: String,
}

#[pymethods]
impl PySentEmail {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(py, "SentEmail", "to" = &self.to, "subject" = &self.subject)
    }
}
