//! `concierge.sandboxControls`: the sandbox's clock, mailbox, fault script, PMS and key
//! encoder.

use crate::args;
use crate::error::throw;
use crate::records::{Instant, PmsProperty, date};
use chrono::Duration;
use concierge::RecordError;
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

/// A resident as the sandbox PMS holds it.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct PmsResidentRecord {
    /// Its id in the PMS (`pms-res-…`).
    pub external_id: String,
    /// Its unit's id in the PMS (`pms-unit-…`).
    pub unit_id: String,
    /// First name, as the PMS sends it.
    pub first_name: String,
    /// Last name, as the PMS sends it.
    pub last_name: String,
    /// Email, as the PMS sends it.
    pub email: Option<String>,
    /// Move-in date, `YYYY-MM-DD`.
    pub move_in: Option<String>,
    /// Move-out date, `YYYY-MM-DD`.
    pub move_out: Option<String>,
}

/// Fields of a sandbox PMS resident to change; the others stay.
#[napi(object, object_to_js = false)]
pub struct PmsResidentChange {
    /// First name (may be blank: the next sync reports it as `invalid_name`).
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Move-out date, `YYYY-MM-DD`.
    pub move_out: Option<String>,
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

    /// Every call of `operation` (e.g. `"list_residents"`) waits `milliseconds` first; 0
    /// removes the latency. A negative value throws an `Error` with code `VALIDATION`.
    #[napi]
    pub fn set_latency(&self, env: Env, operation: String, milliseconds: i64) -> Result<()> {
        let Ok(ms) = u64::try_from(milliseconds) else {
            let refused = concierge::Error::invalid("milliseconds", "must not be negative");
            return throw(&env, refused);
        };
        self.sandbox
            .faults()
            .set_latency(&operation, std::time::Duration::from_millis(ms));
        Ok(())
    }

    /// The properties the sandbox PMS holds.
    #[napi]
    pub fn pms_properties(&self) -> Vec<PmsProperty> {
        let list = self.sandbox.pms().properties();
        list.into_iter().map(PmsProperty::from).collect()
    }

    /// The readable residents of the sandbox PMS property `pmsPropertyId`, in listing order
    /// (empty if unknown).
    #[napi]
    pub fn pms_residents(&self, pms_property_id: String) -> Vec<PmsResidentRecord> {
        let list = self.sandbox.pms().residents(&pms_property_id);
        list.into_iter()
            .map(|r| PmsResidentRecord {
                external_id: r.external.id,
                unit_id: r.unit.id,
                first_name: r.first_name,
                last_name: r.last_name,
                email: r.email,
                move_in: date(r.move_in),
                move_out: date(r.move_out),
            })
            .collect()
    }

    /// Changes the given fields of the sandbox PMS resident `externalId`, as the PMS would
    /// (the record counts as changed now). Returns whether the resident was found. A
    /// malformed `moveOut` throws an `Error` with code `VALIDATION`.
    #[napi]
    pub fn pms_update_resident(
        &self,
        env: Env,
        external_id: String,
        change: PmsResidentChange,
    ) -> Result<bool> {
        let mut checks = Checks::new();
        let move_out = args::date(&mut checks, "move_out", change.move_out.as_deref());
        if let Err(e) = checks.finish() {
            return throw(&env, e.into());
        }
        Ok(self.sandbox.pms().update_resident(&external_id, |r| {
            if let Some(v) = change.first_name {
                r.first_name = v;
            }
            if let Some(v) = change.last_name {
                r.last_name = v;
            }
            if change.email.is_some() {
                r.email = change.email;
            }
            if move_out.is_some() {
                r.move_out = move_out;
            }
        }))
    }

    /// Removes the sandbox PMS resident `externalId`. Returns whether one was removed.
    #[napi]
    pub fn pms_remove_resident(&self, external_id: String) -> bool {
        self.sandbox.pms().remove_resident(&external_id)
    }

    /// Adds a record the sandbox PMS cannot read to property `pmsPropertyId`: the next syncs
    /// report it as `unreadable_record` with `message`. Returns `false` if the property is
    /// unknown.
    #[napi]
    pub fn pms_add_unreadable(&self, pms_property_id: String, message: String) -> bool {
        let error = RecordError {
            external: None,
            message,
        };
        self.sandbox
            .pms()
            .inject_unreadable(&pms_property_id, error)
    }

    /// Puts a card on (or takes it off) the sandbox encoder with id or name `encoder`
    /// (`"ncoder-1"` / "NCoder Lobby", `"ncoder-2"` / "NCoder Back Office"). Without a card a
    /// key write fails with `PROVIDER`, kind `no_card`. Returns whether the encoder exists.
    #[napi]
    pub fn encoder_set_card_present(&self, encoder: String, present: bool) -> bool {
        self.sandbox.encoder().set_card_present(&encoder, present)
    }

    /// Connects or disconnects the sandbox encoder with id or name `encoder`. Offline, a key
    /// write fails with `PROVIDER`, kind `device_offline`. Returns whether the encoder exists.
    #[napi]
    pub fn encoder_set_online(&self, encoder: String, online: bool) -> bool {
        self.sandbox.encoder().set_online(&encoder, online)
    }

    /// Writing a key takes `milliseconds` of real time from now on (3000 by default). A write
    /// that outlasts the handle's key write deadline loses its reply but goes on. A negative
    /// value throws an `Error` with code `VALIDATION`.
    #[napi]
    pub fn encoder_set_write_time(&self, env: Env, milliseconds: i64) -> Result<()> {
        let Ok(ms) = u64::try_from(milliseconds) else {
            let refused = concierge::Error::invalid("milliseconds", "must not be negative");
            return throw(&env, refused);
        };
        self.sandbox
            .encoder()
            .set_write_time(std::time::Duration::from_millis(ms));
        Ok(())
    }

    /// How many key writes the sandbox encoders started (a replayed idempotency key starts
    /// none).
    #[napi]
    pub fn encoder_keys_written(&self) -> i64 {
        i64::try_from(self.sandbox.encoder().keys_written()).unwrap_or(i64::MAX)
    }

    /// How many times `operation` was called, failed calls included.
    #[napi]
    pub fn calls(&self, operation: String) -> i64 {
        i64::try_from(self.sandbox.faults().calls(&operation)).unwrap_or(i64::MAX)
    }
}
