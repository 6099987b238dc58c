//! Read-only snapshots of the facade's records, as frozen Python classes. Enumerations cross as
//! their snake_case names; dates as `datetime.date`, instants as UTC `datetime`.
//!
//! No record here ever holds an activation token: an outbox entry keeps only its kind.

use chrono::{DateTime, NaiveDate, Utc};
use concierge::AmenityId;
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// `Class(name=repr(value), …)`, with Python's `repr` of each value.
macro_rules! py_repr {
    ($py:expr, $class:literal $(, $name:literal = $value:expr)* $(,)?) => {{
        let py = $py;
        let parts: Vec<String> = vec![
            $(format!("{}={}", $name, $crate::records::repr_value(py, $value)?)),*
        ];
        Ok::<String, pyo3::PyErr>(format!("{}({})", $class, parts.join(", ")))
    }};
}
pub(crate) use py_repr;

/// Python's `repr` of `value`.
pub fn repr_value<'py, T: IntoPyObject<'py>>(py: Python<'py>, value: T) -> PyResult<String> {
    Ok(value.into_bound_py_any(py)?.repr()?.to_string())
}

/// A record's identity in an outside system.
#[pyclass(frozen, eq, name = "ExternalRef", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyExternalRef {
    /// The provider's stable name.
    #[pyo3(get)]
    provider: String,
    /// The id the provider gave the record.
    #[pyo3(get)]
    id: String,
}

#[pymethods]
impl PyExternalRef {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "ExternalRef",
            "provider" = &self.provider,
            "id" = &self.id
        )
    }
}

fn external(r: Option<&concierge::ExternalRef>) -> Option<PyExternalRef> {
    r.map(|r| PyExternalRef {
        provider: r.provider.clone(),
        id: r.id.clone(),
    })
}

/// An amenity of a property.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    name = "Amenity",
    module = "concierge._native"
)]
#[derive(Clone, PartialEq)]
pub struct PyAmenity {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    name: String,
}

#[pymethods]
impl PyAmenity {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(py, "Amenity", "id" = &self.id, "name" = &self.name)
    }
}

impl From<&concierge::Amenity> for PyAmenity {
    fn from(a: &concierge::Amenity) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name.clone(),
        }
    }
}

/// An amenity as given to `PropertySettings`: an existing `Amenity` (kept with its id) or a
/// name (a new amenity).
#[derive(FromPyObject)]
pub enum AmenityArg {
    Existing(PyAmenity),
    Name(String),
}

impl AmenityArg {
    fn into_amenity(self) -> concierge::Amenity {
        match self {
            AmenityArg::Existing(a) => concierge::Amenity {
                id: AmenityId::from_string(a.id),
                name: a.name,
            },
            AmenityArg::Name(name) => concierge::Amenity::new(name),
        }
    }
}

/// The template of the welcome / activation email.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    name = "InvitationEmailSettings",
    module = "concierge._native"
)]
#[derive(Clone, PartialEq)]
pub struct PyInvitationEmailSettings {
    pub inner: concierge::InvitationEmailSettings,
}

#[pymethods]
impl PyInvitationEmailSettings {
    /// Any field left out keeps the SDK's default.
    #[new]
    #[pyo3(signature = (*, from_ = None, subject = None, body = None, activation_url = None))]
    fn new(
        from_: Option<String>,
        subject: Option<String>,
        body: Option<String>,
        activation_url: Option<String>,
    ) -> Self {
        let mut inner = concierge::InvitationEmailSettings::default();
        if let Some(v) = from_ {
            inner.from = v;
        }
        if let Some(v) = subject {
            inner.subject = v;
        }
        if let Some(v) = body {
            inner.body = v;
        }
        if let Some(v) = activation_url {
            inner.activation_url = v;
        }
        Self { inner }
    }

    /// The sender (`from` is a Python keyword).
    #[getter]
    fn from_(&self) -> &str {
        &self.inner.from
    }

    #[getter]
    fn subject(&self) -> &str {
        &self.inner.subject
    }

    #[getter]
    fn body(&self) -> &str {
        &self.inner.body
    }

    #[getter]
    fn activation_url(&self) -> &str {
        &self.inner.activation_url
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "InvitationEmailSettings",
            "from_" = &self.inner.from,
            "subject" = &self.inner.subject,
            "activation_url" = &self.inner.activation_url,
        )
    }
}

/// A property's settings.
#[pyclass(
    frozen,
    eq,
    from_py_object,
    name = "PropertySettings",
    module = "concierge._native"
)]
#[derive(Clone, PartialEq)]
pub struct PyPropertySettings {
    pub inner: concierge::PropertySettings,
}

#[pymethods]
impl PyPropertySettings {
    /// Any field left out keeps the SDK's default. `amenities` takes names (new amenities) or
    /// `Amenity` records (kept, with their ids).
    #[new]
    #[pyo3(signature = (
        *,
        future_resident_sync = false,
        auto_grant_mobile_access = false,
        sync_interval_seconds = None,
        amenities = None,
        invitation_email = None,
    ))]
    fn new(
        future_resident_sync: bool,
        auto_grant_mobile_access: bool,
        sync_interval_seconds: Option<i64>,
        amenities: Option<Vec<AmenityArg>>,
        invitation_email: Option<PyInvitationEmailSettings>,
    ) -> PyResult<Self> {
        let mut inner = concierge::PropertySettings {
            future_resident_sync,
            auto_grant_mobile_access,
            ..Default::default()
        };
        if let Some(secs) = sync_interval_seconds {
            inner.sync_interval = chrono::Duration::try_seconds(secs)
                .ok_or_else(|| PyValueError::new_err("sync_interval_seconds is out of range"))?;
        }
        if let Some(list) = amenities {
            inner.amenities = list.into_iter().map(AmenityArg::into_amenity).collect();
        }
        if let Some(email) = invitation_email {
            inner.invitation_email = email.inner;
        }
        Ok(Self { inner })
    }

    #[getter]
    fn future_resident_sync(&self) -> bool {
        self.inner.future_resident_sync
    }

    #[getter]
    fn auto_grant_mobile_access(&self) -> bool {
        self.inner.auto_grant_mobile_access
    }

    #[getter]
    fn sync_interval_seconds(&self) -> i64 {
        self.inner.sync_interval.num_seconds()
    }

    #[getter]
    fn amenities(&self) -> Vec<PyAmenity> {
        self.inner.amenities.iter().map(PyAmenity::from).collect()
    }

    #[getter]
    fn invitation_email(&self) -> PyInvitationEmailSettings {
        PyInvitationEmailSettings {
            inner: self.inner.invitation_email.clone(),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "PropertySettings",
            "future_resident_sync" = self.inner.future_resident_sync,
            "auto_grant_mobile_access" = self.inner.auto_grant_mobile_access,
            "sync_interval_seconds" = self.inner.sync_interval.num_seconds(),
            "amenities" = self.amenities(),
            "invitation_email" = self.invitation_email(),
        )
    }
}

/// A managed residential property.
#[pyclass(frozen, eq, name = "Property", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyProperty {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    site_name: String,
    #[pyo3(get)]
    settings: PyPropertySettings,
    #[pyo3(get)]
    external_ref: Option<PyExternalRef>,
    #[pyo3(get)]
    created_at: DateTime<Utc>,
}

#[pymethods]
impl PyProperty {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Property",
            "id" = &self.id,
            "name" = &self.name,
            "site_name" = &self.site_name,
        )
    }
}

impl From<concierge::Property> for PyProperty {
    fn from(p: concierge::Property) -> Self {
        Self {
            id: p.id.to_string(),
            external_ref: external(p.external.as_ref()),
            name: p.name,
            site_name: p.site_name,
            settings: PyPropertySettings { inner: p.settings },
            created_at: p.created_at,
        }
    }
}

/// A building of a property.
#[pyclass(frozen, eq, name = "Building", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyBuilding {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    property_id: String,
    #[pyo3(get)]
    name: String,
}

#[pymethods]
impl PyBuilding {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Building",
            "id" = &self.id,
            "property_id" = &self.property_id,
            "name" = &self.name,
        )
    }
}

impl From<concierge::Building> for PyBuilding {
    fn from(b: concierge::Building) -> Self {
        Self {
            id: b.id.to_string(),
            property_id: b.property_id.to_string(),
            name: b.name,
        }
    }
}

/// One home in a building.
#[pyclass(frozen, eq, name = "Unit", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyUnit {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    property_id: String,
    #[pyo3(get)]
    building_id: String,
    #[pyo3(get)]
    floor: Option<String>,
    #[pyo3(get)]
    number: String,
}

#[pymethods]
impl PyUnit {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Unit",
            "id" = &self.id,
            "building_id" = &self.building_id,
            "floor" = &self.floor,
            "number" = &self.number,
        )
    }
}

impl From<concierge::Unit> for PyUnit {
    fn from(u: concierge::Unit) -> Self {
        Self {
            id: u.id.to_string(),
            property_id: u.property_id.to_string(),
            building_id: u.building_id.to_string(),
            floor: u.floor,
            number: u.number,
        }
    }
}

/// A resident, with the account status it had when it was read.
#[pyclass(frozen, eq, name = "Resident", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyResident {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    property_id: String,
    #[pyo3(get)]
    unit_id: String,
    #[pyo3(get)]
    first_name: String,
    #[pyo3(get)]
    last_name: String,
    #[pyo3(get)]
    email: Option<String>,
    #[pyo3(get)]
    phone: Option<String>,
    #[pyo3(get)]
    role: &'static str,
    #[pyo3(get)]
    move_in: Option<NaiveDate>,
    #[pyo3(get)]
    move_out: Option<NaiveDate>,
    #[pyo3(get)]
    source: &'static str,
    #[pyo3(get)]
    status: &'static str,
    #[pyo3(get)]
    invited_at: Option<DateTime<Utc>>,
    #[pyo3(get)]
    activation_expires_at: Option<DateTime<Utc>>,
    #[pyo3(get)]
    activated_at: Option<DateTime<Utc>>,
    #[pyo3(get)]
    invitations_sent: u32,
    #[pyo3(get)]
    mobile_access_granted: bool,
    #[pyo3(get)]
    amenities: Vec<String>,
    #[pyo3(get)]
    external_ref: Option<PyExternalRef>,
}

#[pymethods]
impl PyResident {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Resident",
            "id" = &self.id,
            "first_name" = &self.first_name,
            "last_name" = &self.last_name,
            "unit_id" = &self.unit_id,
            "status" = self.status,
        )
    }
}

impl PyResident {
    /// The snapshot of `r`, with its status at `now` (the facade's clock).
    pub fn at(r: concierge::Resident, now: DateTime<Utc>) -> Self {
        Self {
            id: r.id.to_string(),
            property_id: r.property_id.to_string(),
            unit_id: r.occupancy.unit_id.to_string(),
            role: r.occupancy.role.as_str(),
            move_in: r.occupancy.move_in,
            move_out: r.occupancy.move_out,
            source: r.source.as_str(),
            status: r.status(now).as_str(),
            invited_at: r.account.invited_at(),
            activation_expires_at: r.account.activation_expires_at(),
            activated_at: r.account.activated_at(),
            invitations_sent: r.account.invitations_sent(),
            mobile_access_granted: matches!(
                r.mobile_access,
                concierge::MobileAccess::Granted { .. }
            ),
            amenities: r.amenities.iter().map(ToString::to_string).collect(),
            external_ref: external(r.external.as_ref()),
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            phone: r.phone,
        }
    }
}

/// A side effect waiting for, or done by, the outbox dispatcher. Never holds the token.
#[pyclass(frozen, eq, name = "OutboxEntry", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyOutboxEntry {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    status: &'static str,
    #[pyo3(get)]
    attempts: u32,
    #[pyo3(get)]
    last_error: Option<String>,
    #[pyo3(get)]
    next_attempt_at: DateTime<Utc>,
}

#[pymethods]
impl PyOutboxEntry {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "OutboxEntry",
            "id" = &self.id,
            "kind" = self.kind,
            "status" = self.status,
            "attempts" = self.attempts,
            "next_attempt_at" = self.next_attempt_at,
        )
    }
}

impl From<concierge::OutboxEntry> for PyOutboxEntry {
    fn from(e: concierge::OutboxEntry) -> Self {
        Self {
            id: e.id.to_string(),
            kind: e.message.kind(),
            status: e.status.as_str(),
            attempts: e.attempts,
            last_error: e.last_error,
            next_attempt_at: e.next_attempt_at,
        }
    }
}

/// What one `dispatch_outbox()` pass did.
#[pyclass(frozen, eq, name = "DispatchReport", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyDispatchReport {
    #[pyo3(get)]
    delivered: u32,
    #[pyo3(get)]
    retrying: u32,
    #[pyo3(get)]
    parked: u32,
    #[pyo3(get)]
    skipped: u32,
}

#[pymethods]
impl PyDispatchReport {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "DispatchReport",
            "delivered" = self.delivered,
            "retrying" = self.retrying,
            "parked" = self.parked,
            "skipped" = self.skipped,
        )
    }
}

impl From<concierge::DispatchReport> for PyDispatchReport {
    fn from(r: concierge::DispatchReport) -> Self {
        Self {
            delivered: r.delivered,
            retrying: r.retrying,
            parked: r.parked,
            skipped: r.skipped,
        }
    }
}

/// A named holder of a unit's spare key (not a resident; a sync never moves it out).
#[pyclass(frozen, eq, name = "SpareHolder", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PySpareHolder {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    unit_id: String,
    #[pyo3(get)]
    label: String,
}

#[pymethods]
impl PySpareHolder {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SpareHolder",
            "id" = &self.id,
            "unit_id" = &self.unit_id,
            "label" = &self.label,
        )
    }
}

impl From<concierge::SpareHolder> for PySpareHolder {
    fn from(s: concierge::SpareHolder) -> Self {
        Self {
            id: s.id.to_string(),
            unit_id: s.unit_id.to_string(),
            label: s.label,
        }
    }
}

/// A property as the PMS has it; link one of ours to it with `link_pms_property(admin,
/// property_id, pms_property.external_ref.id)`.
#[pyclass(frozen, eq, name = "PmsProperty", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyPmsProperty {
    #[pyo3(get)]
    external_ref: PyExternalRef,
    #[pyo3(get)]
    name: String,
}

#[pymethods]
impl PyPmsProperty {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "PmsProperty",
            "external_ref" = self.external_ref.clone(),
            "name" = &self.name,
        )
    }
}

impl From<concierge::PmsProperty> for PyPmsProperty {
    fn from(p: concierge::PmsProperty) -> Self {
        Self {
            external_ref: PyExternalRef {
                provider: p.external.provider,
                id: p.external.id,
            },
            name: p.name,
        }
    }
}

/// What a sync run did, record by record.
#[pyclass(frozen, eq, name = "SyncCounts", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PySyncCounts {
    #[pyo3(get)]
    seen: u64,
    #[pyo3(get)]
    created: u64,
    #[pyo3(get)]
    updated: u64,
    #[pyo3(get)]
    moved_out: u64,
    #[pyo3(get)]
    unchanged: u64,
    #[pyo3(get)]
    failed: u64,
    #[pyo3(get)]
    deferred: u64,
    #[pyo3(get)]
    pages: u64,
}

#[pymethods]
impl PySyncCounts {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SyncCounts",
            "seen" = self.seen,
            "created" = self.created,
            "updated" = self.updated,
            "moved_out" = self.moved_out,
            "unchanged" = self.unchanged,
            "failed" = self.failed,
            "deferred" = self.deferred,
            "pages" = self.pages,
        )
    }
}

impl From<concierge::SyncCounts> for PySyncCounts {
    fn from(c: concierge::SyncCounts) -> Self {
        Self {
            seen: c.seen,
            created: c.created,
            updated: c.updated,
            moved_out: c.moved_out,
            unchanged: c.unchanged,
            failed: c.failed,
            deferred: c.deferred,
            pages: c.pages,
        }
    }
}

/// One PMS record a sync could not apply. Never holds the record's personal data.
#[pyclass(frozen, eq, name = "SyncError", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PySyncError {
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    external_ref: Option<PyExternalRef>,
    #[pyo3(get)]
    field: Option<String>,
    #[pyo3(get)]
    message: String,
}

#[pymethods]
impl PySyncError {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SyncError",
            "kind" = self.kind,
            "external_ref" = self.external_ref.clone(),
            "field" = &self.field,
            "message" = &self.message,
        )
    }
}

impl From<concierge::SyncError> for PySyncError {
    fn from(e: concierge::SyncError) -> Self {
        Self {
            kind: e.kind.as_str(),
            external_ref: external(e.external.as_ref()),
            field: e.field,
            message: e.message,
        }
    }
}

/// One sync of one property: what it did and what it could not apply.
#[pyclass(frozen, eq, name = "SyncRun", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PySyncRun {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    property_id: String,
    #[pyo3(get)]
    mode: &'static str,
    #[pyo3(get)]
    started_at: DateTime<Utc>,
    #[pyo3(get)]
    finished_at: Option<DateTime<Utc>>,
    #[pyo3(get)]
    counts: PySyncCounts,
    #[pyo3(get)]
    errors: Vec<PySyncError>,
    #[pyo3(get)]
    aborted: Option<String>,
}

#[pymethods]
impl PySyncRun {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SyncRun",
            "id" = &self.id,
            "property_id" = &self.property_id,
            "mode" = self.mode,
            "counts" = self.counts.clone(),
            "aborted" = &self.aborted,
        )
    }
}

impl From<concierge::SyncRun> for PySyncRun {
    fn from(r: concierge::SyncRun) -> Self {
        Self {
            id: r.id.to_string(),
            property_id: r.property_id.to_string(),
            mode: r.mode.as_str(),
            started_at: r.started_at,
            finished_at: r.finished_at,
            counts: r.counts.into(),
            errors: r.errors.into_iter().map(PySyncError::from).collect(),
            aborted: r.aborted,
        }
    }
}

/// What one sync trigger got: the run, and whether it joined one already running.
#[pyclass(frozen, eq, name = "SyncReport", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PySyncReport {
    #[pyo3(get)]
    run: PySyncRun,
    #[pyo3(get)]
    joined: bool,
}

#[pymethods]
impl PySyncReport {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SyncReport",
            "run" = self.run.clone(),
            "joined" = self.joined,
        )
    }
}

impl From<concierge::SyncReport> for PySyncReport {
    fn from(r: concierge::SyncReport) -> Self {
        Self {
            run: r.run.into(),
            joined: r.joined,
        }
    }
}

/// One of the lock system's key encoders.
#[pyclass(frozen, eq, name = "Encoder", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyEncoder {
    /// Its id in the lock system: what `make_key(..., encoder=...)` takes (its name works too).
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    online: bool,
    #[pyo3(get)]
    initialized: bool,
}

#[pymethods]
impl PyEncoder {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Encoder",
            "id" = &self.id,
            "name" = &self.name,
            "online" = self.online,
            "initialized" = self.initialized,
        )
    }
}

impl From<concierge::EncoderInfo> for PyEncoder {
    fn from(e: concierge::EncoderInfo) -> Self {
        Self {
            id: e.external.id,
            name: e.name,
            online: e.online,
            initialized: e.initialized,
        }
    }
}

/// `("resident" | "spare", id)` of a key holder.
fn holder_parts(h: &concierge::KeyHolder) -> (&'static str, String) {
    match h {
        concierge::KeyHolder::Resident(id) => ("resident", id.to_string()),
        concierge::KeyHolder::Spare(id) => ("spare", id.to_string()),
    }
}

/// A key state's snake_case name.
fn key_state(s: concierge::KeyState) -> &'static str {
    match s {
        concierge::KeyState::Encoding => "encoding",
        concierge::KeyState::Active => "active",
        concierge::KeyState::Cancelled => "cancelled",
        concierge::KeyState::Replaced => "replaced",
    }
}

/// A smart key: one holder (a resident or a spare holder), one unit.
#[pyclass(frozen, eq, name = "SmartKey", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PySmartKey {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    holder_kind: &'static str,
    #[pyo3(get)]
    holder_id: String,
    #[pyo3(get)]
    unit_id: String,
    #[pyo3(get)]
    encoder_id: String,
    #[pyo3(get)]
    state: &'static str,
    #[pyo3(get)]
    external_ref: Option<PyExternalRef>,
    #[pyo3(get)]
    created_at: DateTime<Utc>,
}

#[pymethods]
impl PySmartKey {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SmartKey",
            "id" = &self.id,
            "holder_kind" = self.holder_kind,
            "holder_id" = &self.holder_id,
            "unit_id" = &self.unit_id,
            "encoder_id" = &self.encoder_id,
            "state" = self.state,
        )
    }
}

impl From<concierge::SmartKey> for PySmartKey {
    fn from(k: concierge::SmartKey) -> Self {
        let (holder_kind, holder_id) = holder_parts(&k.holder);
        Self {
            id: k.id.to_string(),
            holder_kind,
            holder_id,
            unit_id: k.unit_id.to_string(),
            encoder_id: k.encoder.id,
            state: key_state(k.state),
            external_ref: external(k.external.as_ref()),
            created_at: k.created_at,
        }
    }
}

/// What `make_key` will write, for the admin to confirm; nothing is written.
#[pyclass(frozen, eq, name = "KeyPreview", module = "concierge._native")]
#[derive(Clone, PartialEq)]
pub struct PyKeyPreview {
    #[pyo3(get)]
    holder_kind: &'static str,
    #[pyo3(get)]
    holder_id: String,
    #[pyo3(get)]
    holder_name: String,
    #[pyo3(get)]
    unit: PyUnit,
    #[pyo3(get)]
    encoder: PyEncoder,
    /// The id of the live key this one replaces, if any.
    #[pyo3(get)]
    replaces: Option<String>,
}

#[pymethods]
impl PyKeyPreview {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "KeyPreview",
            "holder_kind" = self.holder_kind,
            "holder_id" = &self.holder_id,
            "holder_name" = &self.holder_name,
            "unit" = self.unit.clone(),
            "encoder" = self.encoder.clone(),
            "replaces" = &self.replaces,
        )
    }
}

impl From<concierge::KeyPreview> for PyKeyPreview {
    fn from(p: concierge::KeyPreview) -> Self {
        let (holder_kind, holder_id) = holder_parts(&p.holder);
        Self {
            holder_kind,
            holder_id,
            holder_name: p.holder_name,
            unit: p.unit.into(),
            encoder: p.encoder.into(),
            replaces: p.replaces.map(|id| id.to_string()),
        }
    }
}
