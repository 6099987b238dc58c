//! Python binding of Concierge: the native module `concierge._native`, re-exported by the
//! `concierge` package. Thin by design: each method parses its arguments, calls the
//! `concierge` facade, and converts the result or the error (docs/api.md is the contract).

mod admin;
mod buildium;
mod client;
mod error;
mod handle;
mod opening;
mod parse;
mod records;
mod runtime;
mod salto;
mod sandbox;
mod smtp;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::PyConcierge>()?;
    m.add_class::<client::PyAsyncConcierge>()?;
    m.add_class::<opening::PyAsyncOpening>()?;
    m.add_class::<admin::PyAdmin>()?;
    m.add_class::<sandbox::PySandboxControls>()?;
    m.add_class::<sandbox::PySentEmail>()?;
    m.add_class::<sandbox::PyPmsResidentRecord>()?;
    m.add_class::<smtp::PySmtpConfig>()?;
    m.add_class::<buildium::PyBuildiumConfig>()?;
    m.add_class::<salto::PySaltoConfig>()?;
    m.add_class::<records::PyProperty>()?;
    m.add_class::<records::PyPropertySettings>()?;
    m.add_class::<records::PyAmenity>()?;
    m.add_class::<records::PyInvitationEmailSettings>()?;
    m.add_class::<records::PyExternalRef>()?;
    m.add_class::<records::PyBuilding>()?;
    m.add_class::<records::PyUnit>()?;
    m.add_class::<records::PyResident>()?;
    m.add_class::<records::PyOutboxEntry>()?;
    m.add_class::<records::PyDispatchReport>()?;
    m.add_class::<records::PySpareHolder>()?;
    m.add_class::<records::PyPmsProperty>()?;
    m.add_class::<records::PySyncReport>()?;
    m.add_class::<records::PySyncRun>()?;
    m.add_class::<records::PySyncCounts>()?;
    m.add_class::<records::PySyncError>()?;
    m.add_class::<records::PyEncoder>()?;
    m.add_class::<records::PySmartKey>()?;
    m.add_class::<records::PyKeyPreview>()?;
    error::register(m)?;
    // Not an attribute of the module: only `atexit` holds it.
    let wait = wrap_pyfunction!(runtime::wait_at_exit, m)?;
    m.py().import("atexit")?.call_method1("register", (wait,))?;
    Ok(())
}
