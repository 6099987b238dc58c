//! `SandboxControls`: the sandbox's clock, mailbox, fault script and PMS, for tests and demos.

use crate::parse;
use crate::records::{PyPmsProperty, py_repr};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use concierge::RecordError;
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

    /// Every call of `operation` (`"*"`: any) waits `milliseconds` of real time first; 0
    /// removes the latency.
    fn set_latency(&self, operation: &str, milliseconds: u64) {
        let latency = std::time::Duration::from_millis(milliseconds);
        self.sandbox.faults().set_latency(operation, latency);
    }

    // -----------------------------------------------------------------------------------------
    // The sandbox key encoders ("ncoder-1", "NCoder Lobby"; "ncoder-2", not initialised)

    /// Puts a card on (or takes it off) the encoder with id or name `encoder`; without one,
    /// `make_key` fails with a `ProviderError` of kind `"no_card"`. Returns whether the encoder
    /// exists.
    fn encoder_set_card_present(&self, encoder: &str, present: bool) -> bool {
        self.sandbox.encoder().set_card_present(encoder, present)
    }

    /// Connects or disconnects the encoder with id or name `encoder` (offline: kind
    /// `"device_offline"`). Returns whether the encoder exists.
    fn encoder_set_online(&self, encoder: &str, online: bool) -> bool {
        self.sandbox.encoder().set_online(encoder, online)
    }

    /// Writing a key takes `milliseconds` of real time from now on (3000 by default). A write
    /// longer than the handle's key write deadline loses its reply but goes on.
    fn encoder_set_write_time(&self, milliseconds: u64) {
        let time = std::time::Duration::from_millis(milliseconds);
        self.sandbox.encoder().set_write_time(time);
    }

    /// How many key writes the encoders started (a retry of the same write starts none).
    fn encoder_keys_written(&self) -> u64 {
        self.sandbox.encoder().keys_written()
    }

    // -----------------------------------------------------------------------------------------
    // The sandbox PMS

    /// The properties the sandbox PMS holds.
    fn pms_properties(&self) -> Vec<PyPmsProperty> {
        let pms = self.sandbox.pms();
        pms.properties()
            .into_iter()
            .map(PyPmsProperty::from)
            .collect()
    }

    /// The readable residents the sandbox PMS holds for `pms_property_id`, in listing order
    /// (empty if it has no such property).
    fn pms_residents(&self, pms_property_id: &str) -> Vec<PyPmsResidentRecord> {
        let residents = self.sandbox.pms().residents(pms_property_id);
        residents
            .into_iter()
            .map(PyPmsResidentRecord::from)
            .collect()
    }

    /// Changes a resident in the sandbox PMS, as its staff would; the fields left out stay.
    /// Returns whether the PMS has the resident.
    #[pyo3(signature = (external_id, *, first_name = None, last_name = None, email = None, move_out = None))]
    fn pms_update_resident(
        &self,
        external_id: &str,
        first_name: Option<String>,
        last_name: Option<String>,
        email: Option<String>,
        move_out: Option<NaiveDate>,
    ) -> bool {
        self.sandbox.pms().update_resident(external_id, |r| {
            if let Some(v) = first_name {
                r.first_name = v;
            }
            if let Some(v) = last_name {
                r.last_name = v;
            }
            if email.is_some() {
                r.email = email;
            }
            if move_out.is_some() {
                r.move_out = move_out;
            }
        })
    }

    /// Removes a resident from the sandbox PMS. Returns whether the PMS had the resident.
    fn pms_remove_resident(&self, external_id: &str) -> bool {
        self.sandbox.pms().remove_resident(external_id)
    }

    /// Adds a record the sandbox PMS cannot read (without an id) to `pms_property_id`'s
    /// residents; a sync reports it as an `unreadable_record` error with `message`. Returns
    /// whether the PMS has the property.
    fn pms_add_unreadable(&self, pms_property_id: &str, message: String) -> bool {
        let error = RecordError {
            external: None,
            message,
        };
        self.sandbox.pms().inject_unreadable(pms_property_id, error)
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

/// A resident as the sandbox PMS holds it. Ids are the PMS's own (`unit_id` is the PMS unit).
/// Its `repr` leaves out the email.
#[pyclass(frozen, eq, name = "PmsResidentRecord", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyPmsResidentRecord {
    #[pyo3(get)]
    external_id: String,
    #[pyo3(get)]
    unit_id: String,
    #[pyo3(get)]
    first_name: String,
    #[pyo3(get)]
    last_name: String,
    #[pyo3(get)]
    email: Option<String>,
    #[pyo3(get)]
    move_in: Option<NaiveDate>,
    #[pyo3(get)]
    move_out: Option<NaiveDate>,
}

#[pymethods]
impl PyPmsResidentRecord {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "PmsResidentRecord",
            "external_id" = &self.external_id,
            "unit_id" = &self.unit_id,
            "first_name" = &self.first_name,
            "last_name" = &self.last_name,
            "move_in" = self.move_in,
            "move_out" = self.move_out,
        )
    }
}

impl From<concierge::PmsResident> for PyPmsResidentRecord {
    fn from(r: concierge::PmsResident) -> Self {
        Self {
            external_id: r.external.id,
            unit_id: r.unit.id,
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            move_in: r.move_in,
            move_out: r.move_out,
        }
    }
}
