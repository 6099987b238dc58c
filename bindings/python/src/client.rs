//! `Concierge` (blocking) and `AsyncConcierge` (asyncio): one set of methods, generated twice by
//! [`handle_class!`], so the two cannot drift apart. Each method parses its arguments, calls the
//! facade, and converts the result; `run_blocking` / `run_async` decide how Python waits.

use crate::admin::PyAdmin;
use crate::error::to_py_err;
use crate::parse;
use crate::records::{
    PyBuilding, PyDispatchReport, PyOutboxEntry, PyProperty, PyPropertySettings, PyResident, PyUnit,
};
use crate::runtime::{run_async, run_blocking, runtime};
use crate::sandbox::PySandboxControls;
use crate::smtp::{PySmtpConfig, describe};
use chrono::NaiveDate;
use concierge::sandbox::Sandbox;
use concierge::{
    AmenityId, BuildingId, MoveIn, NewBuilding, NewProperty, NewUnit, OutboxId, PropertyId,
    ResidentFilter, ResidentId, SmtpMailer, UnitId,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// What both handle classes hold: the facade, and the sandbox when it is one.
#[derive(Clone)]
pub struct Core {
    facade: concierge::Concierge,
    sandbox: Option<Sandbox>,
    /// What `repr` shows after the class name: how the handle was made. Never a secret.
    origin: String,
}

impl Core {
    fn sandbox(py: Python<'_>, seed: u64) -> PyResult<Self> {
        let sandbox = Sandbox::new(seed);
        let facade = concierge::Concierge::builder()
            .sandbox(&sandbox)
            .build()
            .map_err(|e| to_py_err(py, e))?;
        Ok(Self {
            facade,
            sandbox: Some(sandbox),
            origin: format!(".sandbox(seed={seed})"),
        })
    }

    fn smtp(py: Python<'_>, smtp: &PySmtpConfig, activation_validity_days: i64) -> PyResult<Self> {
        let validity = chrono::Duration::try_days(activation_validity_days)
            .ok_or_else(|| PyValueError::new_err("activation_validity_days is out of range"))?;
        let origin = format!(
            "(smtp={}, activation_validity_days={activation_validity_days})",
            describe(py, &smtp.inner)?
        );
        // The transport may need a runtime context to start.
        let _guard = runtime().enter();
        let facade = SmtpMailer::new(smtp.inner.clone())
            .and_then(|mailer| {
                concierge::Concierge::builder()
                    .mailer(mailer)
                    .activation_validity(validity)
                    .build()
            })
            .map_err(|e| to_py_err(py, e))?;
        Ok(Self {
            facade,
            sandbox: None,
            origin,
        })
    }

    fn controls(&self) -> Option<PySandboxControls> {
        self.sandbox
            .clone()
            .map(|sandbox| PySandboxControls { sandbox })
    }
}

macro_rules! handle_class {
    ($class:ident, $name:literal, $run:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, name = $name, module = "concierge._native")]
        pub struct $class {
            core: Core,
        }

        #[pymethods]
        impl $class {
            /// A production handle sending email over SMTP.
            #[new]
            #[pyo3(signature = (*, smtp, activation_validity_days = 7))]
            fn new(
                py: Python<'_>,
                smtp: PyRef<'_, PySmtpConfig>,
                activation_validity_days: i64,
            ) -> PyResult<Self> {
                Ok(Self {
                    core: Core::smtp(py, &smtp, activation_validity_days)?,
                })
            }

            /// A handle on the sandbox: fakes of every provider and a clock you move.
            #[classmethod]
            #[pyo3(signature = (seed = 7))]
            fn sandbox(_cls: &Bound<'_, PyType>, py: Python<'_>, seed: u64) -> PyResult<Self> {
                Ok(Self {
                    core: Core::sandbox(py, seed)?,
                })
            }

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
    "The Concierge handle; every method blocks (with the GIL released) until done."
);
handle_class!(
    PyAsyncConcierge,
    "AsyncConcierge",
    run_async,
    "The Concierge handle for asyncio; every operation returns an awaitable."
);
