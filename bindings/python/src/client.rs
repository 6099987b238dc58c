//! `Concierge` (blocking) and `AsyncConcierge` (asyncio): one set of methods, generated twice by
//! [`handle_class!`], so the two cannot drift apart. Each method parses its arguments, calls the
//! facade, and converts the result; `run_blocking` / `run_async` decide how Python waits.
//!
//! The durable constructors (`open_sandbox`, `open`, `connect`) build a [`Target`]: the blocking
//! class opens it at once, the async one returns an `AsyncConciergeOpening` to await or enter.

use crate::admin::PyAdmin;
use crate::buildium::PyBuildiumConfig;
use crate::handle::{Core, KeyWriteDeadline, Production, Target};
use crate::opening::PyAsyncOpening;
use crate::parse;
use crate::records::{
    PyBuilding, PyDispatchReport, PyEncoder, PyKeyPreview, PyOutboxEntry, PyPmsProperty,
    PyProperty, PyPropertySettings, PyResident, PySmartKey, PySpareHolder, PySyncError,
    PySyncReport, PySyncRun, PyUnit,
};
use crate::runtime::{block_on, run_async, run_blocking};
use crate::salto::PySaltoConfig;
use crate::sandbox::PySandboxControls;
use crate::smtp::PySmtpConfig;
use chrono::NaiveDate;
use concierge::{
    AmenityId, BuildingId, KeyHolder, KeyId, MakeKey, MoveIn, NewBuilding, NewProperty, NewUnit,
    OutboxId, PropertyId, ResidentFilter, ResidentId, SyncOptions, UnitId,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use secrecy::SecretString;
use std::path::PathBuf;

macro_rules! handle_class {
    ($class:ident, $name:literal, $run:ident, $doc:literal, { $($extra:tt)* }) => {
        #[doc = $doc]
        #[pyclass(frozen, name = $name, module = "concierge._native")]
        pub struct $class {
            core: Core,
        }

        #[pymethods]
        impl $class {
            /// A production handle sending email over SMTP, state in memory; Buildium as the
            /// PMS when `buildium` is given, SALTO as the key encoder when `salto` is.
            #[new]
            #[pyo3(signature = (*, smtp, activation_validity_days = 7, buildium = None, salto = None))]
            fn new(
                py: Python<'_>,
                smtp: PyRef<'_, PySmtpConfig>,
                activation_validity_days: i64,
                buildium: Option<PyRef<'_, PyBuildiumConfig>>,
                salto: Option<PyRef<'_, PySaltoConfig>>,
            ) -> PyResult<Self> {
                let settings = Production::new(
                    py,
                    &smtp,
                    activation_validity_days,
                    buildium.as_deref(),
                    salto.as_deref(),
                )?;
                Ok(Self {
                    core: Core::production(py, settings)?,
                })
            }

            /// A handle on the sandbox: fakes of every provider and a clock you move.
            /// `key_write_deadline_seconds`: how long a key write may take before the SDK stops
            /// waiting and asks the lock system later (90 by default).
            #[classmethod]
            #[pyo3(signature = (seed = 7, *, key_write_deadline_seconds = None))]
            fn sandbox(
                _cls: &Bound<'_, PyType>,
                py: Python<'_>,
                seed: u64,
                key_write_deadline_seconds: Option<f64>,
            ) -> PyResult<Self> {
                let deadline = KeyWriteDeadline::new(key_write_deadline_seconds)?;
                Ok(Self {
                    core: Core::sandbox(py, seed, deadline)?,
                })
            }

            /// The sandbox on a SQLite file (created if missing): its fakes and clock, the state
            /// durable. The clock starts at the sandbox's start each time.
            #[classmethod]
            #[pyo3(signature = (path, seed = 7, *, key_write_deadline_seconds = None))]
            fn open_sandbox<'py>(
                _cls: &Bound<'py, PyType>,
                py: Python<'py>,
                path: PathBuf,
                seed: u64,
                key_write_deadline_seconds: Option<f64>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let deadline = KeyWriteDeadline::new(key_write_deadline_seconds)?;
                $class::start(py, Target::SandboxFile { path, seed, deadline })
            }

            /// A production handle: state in a SQLite file (created if missing), mail over SMTP.
            #[classmethod]
            #[pyo3(signature = (path, *, smtp, activation_validity_days = 7, buildium = None, salto = None))]
            fn open<'py>(
                _cls: &Bound<'py, PyType>,
                py: Python<'py>,
                path: PathBuf,
                smtp: PyRef<'py, PySmtpConfig>,
                activation_validity_days: i64,
                buildium: Option<PyRef<'py, PyBuildiumConfig>>,
                salto: Option<PyRef<'py, PySaltoConfig>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let settings = Production::new(
                    py,
                    &smtp,
                    activation_validity_days,
                    buildium.as_deref(),
                    salto.as_deref(),
                )?;
                $class::start(py, Target::File { path, settings })
            }

            /// A production handle: state in PostgreSQL (several processes may share it), mail
            /// over SMTP. The URL's password never appears in errors or `repr`.
            #[classmethod]
            #[pyo3(signature = (url, *, smtp, activation_validity_days = 7, buildium = None, salto = None))]
            fn connect<'py>(
                _cls: &Bound<'py, PyType>,
                py: Python<'py>,
                url: String,
                smtp: PyRef<'py, PySmtpConfig>,
                activation_validity_days: i64,
                buildium: Option<PyRef<'py, PyBuildiumConfig>>,
                salto: Option<PyRef<'py, PySaltoConfig>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let settings = Production::new(
                    py,
                    &smtp,
                    activation_validity_days,
                    buildium.as_deref(),
                    salto.as_deref(),
                )?;
                let url = SecretString::from(url);
                $class::start(py, Target::Postgres { url, settings })
            }

            /// Closes the handle and its store: later calls raise `ClosedError`. Closing twice
            /// is harmless.
            fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let c = self.core.facade.clone();
                $run(py, async move {
                    c.close().await;
                    // `None`, not `()` (an empty tuple in Python).
                    Ok(None::<()>)
                })
            }

            $($extra)*

            /// The sandbox's controls, or `None` when this is not a sandbox handle.
            #[getter]
            fn sandbox_controls(&self) -> Option<PySandboxControls> {
                self.core.controls()
            }

            fn __repr__(&self) -> String {
                format!("{}{}", $name, self.core.origin)
            }

            // ---------------------------------------------------------------------------------
            // Places

            #[pyo3(signature = (admin, name, site_name, *, settings = None))]
            fn register_property<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                name: String,
                site_name: String,
                settings: Option<PyPropertySettings>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let mut req = NewProperty::new(name, site_name);
                if let Some(s) = settings {
                    req = req.settings(s.inner);
                }
                $run(py, async move {
                    c.register_property(&admin, req).await.map(PyProperty::from)
                })
            }

            fn update_property_settings<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
                settings: PyPropertySettings,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                $run(py, async move {
                    c.update_property_settings(&admin, &id, settings.inner)
                        .await
                        .map(PyProperty::from)
                })
            }

            fn get_property<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                $run(py, async move {
                    c.get_property(&admin, &id).await.map(PyProperty::from)
                })
            }

            fn list_properties<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                $run(py, async move {
                    let list = c.list_properties(&admin).await?;
                    Ok(list.into_iter().map(PyProperty::from).collect::<Vec<_>>())
                })
            }

            fn register_building<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
                name: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let req = NewBuilding::new(&PropertyId::from_string(property_id), name);
                $run(py, async move {
                    c.register_building(&admin, req).await.map(PyBuilding::from)
                })
            }

            #[pyo3(signature = (admin, building_id, number, *, floor = None))]
            fn register_unit<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                building_id: String,
                number: String,
                floor: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let mut req = NewUnit::new(&BuildingId::from_string(building_id), number);
                if let Some(floor) = floor {
                    req = req.floor(floor);
                }
                $run(py, async move {
                    c.register_unit(&admin, req).await.map(PyUnit::from)
                })
            }

            fn list_buildings<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                $run(py, async move {
                    let list = c.list_buildings(&admin, &id).await?;
                    Ok(list.into_iter().map(PyBuilding::from).collect::<Vec<_>>())
                })
            }

            fn list_units<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                $run(py, async move {
                    let list = c.list_units(&admin, &id).await?;
                    Ok(list.into_iter().map(PyUnit::from).collect::<Vec<_>>())
                })
            }

            // ---------------------------------------------------------------------------------
            // Residents

            #[pyo3(signature = (admin, unit_id, first_name, last_name, *, email = None, phone = None, role = "primary", move_in = None, send_mobile_activation = false, amenities = None))]
            #[allow(clippy::too_many_arguments)]
            fn move_in<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                unit_id: String,
                first_name: String,
                last_name: String,
                email: Option<String>,
                phone: Option<String>,
                role: &str,
                move_in: Option<NaiveDate>,
                send_mobile_activation: bool,
                amenities: Option<Vec<String>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let mut req = MoveIn::new(&UnitId::from_string(unit_id), first_name, last_name)
                    .role(parse::role(role)?)
                    .send_mobile_activation(send_mobile_activation);
                req.email = email;
                req.phone = phone;
                req.move_in = move_in;
                req.amenities = amenities
                    .unwrap_or_default()
                    .into_iter()
                    .map(AmenityId::from_string)
                    .collect();
                $run(py, async move {
                    let r = c.move_in(&admin, req).await?;
                    Ok(PyResident::at(r, c.now()))
                })
            }

            fn invite<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                resident_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = ResidentId::from_string(resident_id);
                $run(py, async move {
                    let r = c.invite(&admin, &id).await?;
                    Ok(PyResident::at(r, c.now()))
                })
            }

            fn activate<'py>(
                &self,
                py: Python<'py>,
                token: String,
                accept_terms: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                let c = self.core.facade.clone();
                $run(py, async move {
                    let r = c.activate(&token, accept_terms).await?;
                    Ok(PyResident::at(r, c.now()))
                })
            }

            fn account_status<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                resident_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = ResidentId::from_string(resident_id);
                $run(py, async move {
                    c.account_status(&admin, &id).await.map(|s| s.as_str())
                })
            }

            fn get_resident<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                resident_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = ResidentId::from_string(resident_id);
                $run(py, async move {
                    let r = c.get_resident(&admin, &id).await?;
                    Ok(PyResident::at(r, c.now()))
                })
            }

            #[pyo3(signature = (admin, *, property_id = None, unit_id = None, status = None, phase = None, source = None))]
            #[allow(clippy::too_many_arguments)]
            fn list_residents<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: Option<String>,
                unit_id: Option<String>,
                status: Option<&str>,
                phase: Option<&str>,
                source: Option<&str>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let filter = ResidentFilter {
                    property_id: property_id.map(PropertyId::from_string),
                    unit_id: unit_id.map(UnitId::from_string),
                    status: status.map(parse::account_status).transpose()?,
                    phase: phase.map(parse::phase).transpose()?,
                    source: source.map(parse::source).transpose()?,
                };
                $run(py, async move {
                    let list = c.list_residents(&admin, filter).await?;
                    let now = c.now();
                    Ok(list
                        .into_iter()
                        .map(|r| PyResident::at(r, now))
                        .collect::<Vec<_>>())
                })
            }

            /// Moves a resident out on `on` (today when `None`): mobile access ends and their
            /// keys are cancelled through the outbox.
            #[pyo3(signature = (admin, resident_id, *, on = None))]
            fn move_out<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                resident_id: String,
                on: Option<NaiveDate>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = ResidentId::from_string(resident_id);
                $run(py, async move {
                    let r = c.move_out(&admin, &id, on).await?;
                    Ok(PyResident::at(r, c.now()))
                })
            }

            fn add_spare_holder<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                unit_id: String,
                label: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = UnitId::from_string(unit_id);
                $run(py, async move {
                    c.add_spare_holder(&admin, &id, &label)
                        .await
                        .map(PySpareHolder::from)
                })
            }

            fn list_spare_holders<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                unit_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = UnitId::from_string(unit_id);
                $run(py, async move {
                    let list = c.list_spare_holders(&admin, &id).await?;
                    Ok(list
                        .into_iter()
                        .map(PySpareHolder::from)
                        .collect::<Vec<_>>())
                })
            }

            // ---------------------------------------------------------------------------------
            // PMS sync

            fn list_pms_properties<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                $run(py, async move {
                    let list = c.list_pms_properties(&admin).await?;
                    Ok(list
                        .into_iter()
                        .map(PyPmsProperty::from)
                        .collect::<Vec<_>>())
                })
            }

            fn link_pms_property<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
                pms_property_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                $run(py, async move {
                    c.link_pms_property(&admin, &id, &pms_property_id)
                        .await
                        .map(PyProperty::from)
                })
            }

            /// Syncs the property with its PMS now: `"full"` (may move residents out) or
            /// `"incremental"` (never does). Joins the property's sync already running.
            #[pyo3(signature = (admin, property_id, *, mode = "full"))]
            fn sync_now<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
                mode: &str,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                let options = SyncOptions {
                    mode: parse::sync_mode(mode)?,
                    progress: None,
                };
                $run(py, async move {
                    c.sync_property(&admin, &id, options)
                        .await
                        .map(PySyncReport::from)
                })
            }

            fn last_sync<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                $run(py, async move {
                    let run = c.last_sync(&admin, &id).await?;
                    Ok(run.map(PySyncRun::from))
                })
            }

            fn sync_errors<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                property_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = PropertyId::from_string(property_id);
                $run(py, async move {
                    let list = c.sync_errors(&admin, &id).await?;
                    Ok(list
                        .into_iter()
                        .map(PySyncError::from)
                        .collect::<Vec<_>>())
                })
            }

            /// Syncs every PMS-linked property whose interval has passed since its last run.
            /// Acts as the system; a property whose sync fails is left out of the list.
            fn run_due_syncs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let c = self.core.facade.clone();
                $run(py, async move {
                    let list = c.run_due_syncs().await?;
                    Ok(list
                        .into_iter()
                        .map(PySyncReport::from)
                        .collect::<Vec<_>>())
                })
            }

            // ---------------------------------------------------------------------------------
            // Smart keys

            /// The lock system's encoders and their state. Residence, read.
            fn list_encoders<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                $run(py, async move {
                    let list = c.list_encoders(&admin).await?;
                    Ok(list.into_iter().map(PyEncoder::from).collect::<Vec<_>>())
                })
            }

            /// What `make_key` will write, without writing anything. Residence, full.
            #[pyo3(signature = (admin, *, resident_id = None, spare_holder_id = None, encoder, replace = false))]
            fn preview_key<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                resident_id: Option<String>,
                spare_holder_id: Option<String>,
                encoder: String,
                replace: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let req = make_key_request(resident_id, spare_holder_id, encoder, replace)?;
                $run(py, async move {
                    c.preview_key(&admin, &req).await.map(PyKeyPreview::from)
                })
            }

            /// Writes a key for a resident (current or future) or a spare holder, on `encoder`
            /// (an id or name from `list_encoders`). Residence, full. One live key per holder
            /// and unit: `replace=True` replaces it (a lost card). Retrying is safe.
            #[pyo3(signature = (admin, *, resident_id = None, spare_holder_id = None, encoder, replace = false))]
            fn make_key<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                resident_id: Option<String>,
                spare_holder_id: Option<String>,
                encoder: String,
                replace: bool,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let req = make_key_request(resident_id, spare_holder_id, encoder, replace)?;
                $run(py, async move {
                    c.make_key(&admin, req).await.map(PySmartKey::from)
                })
            }

            /// Cancels a key; the lock system is told through the outbox. Residence, full.
            fn cancel_key<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                key_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = KeyId::from_string(key_id);
                $run(py, async move {
                    c.cancel_key(&admin, &id).await.map(PySmartKey::from)
                })
            }

            /// Keys of a holder (at most one of `resident_id` / `spare_holder_id`) and/or a
            /// unit; every key when no filter is given. Residence, read.
            #[pyo3(signature = (admin, *, resident_id = None, spare_holder_id = None, unit_id = None))]
            fn list_keys<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                resident_id: Option<String>,
                spare_holder_id: Option<String>,
                unit_id: Option<String>,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let holder: Option<KeyHolder> =
                    parse::key_holder(resident_id, spare_holder_id)?;
                let unit = unit_id.map(UnitId::from_string);
                $run(py, async move {
                    let list = c.list_keys(&admin, holder.as_ref(), unit.as_ref()).await?;
                    Ok(list.into_iter().map(PySmartKey::from).collect::<Vec<_>>())
                })
            }

            /// Finishes every key write whose outcome is unknown (after a crash or a lost
            /// reply), asking the lock system first: never a second key. Returns how many it
            /// settled. Acts as the system.
            fn reconcile_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let c = self.core.facade.clone();
                $run(py, async move { c.reconcile_keys().await })
            }

            // ---------------------------------------------------------------------------------
            // Outbox

            fn dispatch_outbox<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let c = self.core.facade.clone();
                $run(py, async move {
                    c.dispatch_outbox().await.map(PyDispatchReport::from)
                })
            }

            fn list_outbox<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                status: &str,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let status = parse::outbox_status(status)?;
                $run(py, async move {
                    let list = c.list_outbox(&admin, status).await?;
                    Ok(list
                        .into_iter()
                        .map(PyOutboxEntry::from)
                        .collect::<Vec<_>>())
                })
            }

            fn retry_outbox_entry<'py>(
                &self,
                py: Python<'py>,
                admin: &Bound<'py, PyAdmin>,
                entry_id: String,
            ) -> PyResult<Bound<'py, PyAny>> {
                let (c, admin) = (self.core.facade.clone(), admin.get().inner.clone());
                let id = OutboxId::from_string(entry_id);
                $run(py, async move {
                    c.retry_outbox_entry(&admin, &id)
                        .await
                        .map(PyOutboxEntry::from)
                })
            }
        }
    };
}

handle_class!(
    PyConcierge,
    "Concierge",
    run_blocking,
    "The Concierge handle; every method blocks (with the GIL released) until done.",
    {
        fn __enter__(slf: Py<Self>) -> Py<Self> {
            slf
        }

        /// Closes the handle; an exception raised in the block propagates.
        #[pyo3(signature = (_exc_type, _exc, _tb))]
        fn __exit__<'py>(
            &self,
            py: Python<'py>,
            _exc_type: Option<Bound<'py, PyAny>>,
            _exc: Option<Bound<'py, PyAny>>,
            _tb: Option<Bound<'py, PyAny>>,
        ) -> PyResult<()> {
            self.close(py).map(drop)
        }
    }
);
handle_class!(
    PyAsyncConcierge,
    "AsyncConcierge",
    run_async,
    "The Concierge handle for asyncio; every operation returns an awaitable.",
    {
        fn __aenter__<'py>(slf: Py<Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            run_async(py, async move { Ok(slf) })
        }

        /// Closes the handle; an exception raised in the block propagates.
        #[pyo3(signature = (_exc_type, _exc, _tb))]
        fn __aexit__<'py>(
            &self,
            py: Python<'py>,
            _exc_type: Option<Bound<'py, PyAny>>,
            _exc: Option<Bound<'py, PyAny>>,
            _tb: Option<Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            self.close(py)
        }
    }
);

impl PyConcierge {
    /// Opens `target` now, blocking with the GIL released.
    fn start(py: Python<'_>, target: Target) -> PyResult<Bound<'_, PyAny>> {
        let core = block_on(py, target.open())?;
        Ok(Bound::new(py, Self { core })?.into_any())
    }
}

impl PyAsyncConcierge {
    /// What to await (or enter) to open `target`.
    fn start(py: Python<'_>, target: Target) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, PyAsyncOpening::new(target))?.into_any())
    }
}

impl From<Core> for PyAsyncConcierge {
    fn from(core: Core) -> Self {
        Self { core }
    }
}

/// The `MakeKey` of a `make_key` / `preview_key` call.
fn make_key_request(
    resident_id: Option<String>,
    spare_holder_id: Option<String>,
    encoder: String,
    replace: bool,
) -> PyResult<MakeKey> {
    let holder = parse::key_holder(resident_id, spare_holder_id)?.ok_or_else(|| {
        PyValueError::new_err("give exactly one of resident_id and spare_holder_id")
    })?;
    let req = match &holder {
        KeyHolder::Resident(id) => MakeKey::resident(id, encoder),
        KeyHolder::Spare(id) => MakeKey::spare(id, encoder),
    };
    Ok(if replace { req.replacing() } else { req })
}
