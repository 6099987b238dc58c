//! Enumerations arrive as snake_case strings and are read by the core's own `parse`; an unknown
//! name is a `ValueError` naming the accepted ones.

use concierge::{
    AccessLevel, AccountStatus, KeyHolder, OccupancyPhase, OccupancyRole, OutboxStatus,
    ProviderErrorKind, ResidentId, ResidentSource, SpareHolderId, SyncMode,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// `parse(name)`, or a `ValueError` listing `names`.
fn read<T>(
    what: &str,
    name: &str,
    parse: fn(&str) -> Option<T>,
    names: impl IntoIterator<Item = &'static str>,
) -> PyResult<T> {
    parse(name).ok_or_else(|| {
        let names: Vec<String> = names.into_iter().map(|n| format!("{n:?}")).collect();
        PyValueError::new_err(format!(
            "{what} must be one of {}, not {name:?}",
            names.join(", ")
        ))
    })
}

pub fn access_level(what: &str, name: &str) -> PyResult<AccessLevel> {
    // The core has no `AccessLevel::ALL`; these names are only for the message.
    read(what, name, AccessLevel::parse, ["none", "read", "full"])
}

pub fn account_status(name: &str) -> PyResult<AccountStatus> {
    let names = AccountStatus::ALL.map(AccountStatus::as_str);
    read("status", name, AccountStatus::parse, names)
}

pub fn phase(name: &str) -> PyResult<OccupancyPhase> {
    let names = OccupancyPhase::ALL.map(OccupancyPhase::as_str);
    read("phase", name, OccupancyPhase::parse, names)
}

pub fn source(name: &str) -> PyResult<ResidentSource> {
    let names = ResidentSource::ALL.map(ResidentSource::as_str);
    read("source", name, ResidentSource::parse, names)
}

pub fn role(name: &str) -> PyResult<OccupancyRole> {
    // The core has no `OccupancyRole::ALL`; these names are only for the message.
    let names = ["primary", "secondary", "occupant"];
    read("role", name, OccupancyRole::parse, names)
}

pub fn outbox_status(name: &str) -> PyResult<OutboxStatus> {
    let names = OutboxStatus::ALL.map(OutboxStatus::as_str);
    read("status", name, OutboxStatus::parse, names)
}

pub fn provider_error_kind(name: &str) -> PyResult<ProviderErrorKind> {
    let names = ProviderErrorKind::ALL.map(ProviderErrorKind::as_str);
    read("kind", name, ProviderErrorKind::parse, names)
}

pub fn sync_mode(name: &str) -> PyResult<SyncMode> {
    // The core has no `SyncMode::ALL`; these names are only for the message.
    read("mode", name, SyncMode::parse, ["full", "incremental"])
}

/// The key holder named by `resident_id` or `spare_holder_id` (`None` when neither is given);
/// a `ValueError` when both are.
pub fn key_holder(
    resident_id: Option<String>,
    spare_holder_id: Option<String>,
) -> PyResult<Option<KeyHolder>> {
    match (resident_id, spare_holder_id) {
        (Some(id), None) => Ok(Some(KeyHolder::Resident(ResidentId::from_string(id)))),
        (None, Some(id)) => Ok(Some(KeyHolder::Spare(SpareHolderId::from_string(id)))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(PyValueError::new_err(
            "give one of resident_id and spare_holder_id, not both",
        )),
    }
}
