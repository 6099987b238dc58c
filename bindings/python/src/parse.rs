//! Enumerations arrive as snake_case strings; an unknown name is a `ValueError` naming the
//! accepted ones.

use concierge::{
    AccessLevel, AccountStatus, OccupancyPhase, OccupancyRole, OutboxStatus, ProviderErrorKind,
    ResidentSource,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn pick<T: Copy>(what: &str, name: &str, all: &[T], as_str: fn(T) -> &'static str) -> PyResult<T> {
    all.iter()
        .copied()
        .find(|v| as_str(*v) == name)
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|v| format!("{:?}", as_str(*v))).collect();
            PyValueError::new_err(format!(
                "{what} must be one of {}, not {name:?}",
                names.join(", ")
            ))
        })
}

pub fn access_level(what: &str, name: &str) -> PyResult<AccessLevel> {
    let all = [AccessLevel::None, AccessLevel::Read, AccessLevel::Full];
    pick(what, name, &all, AccessLevel::as_str)
}

pub fn account_status(name: &str) -> PyResult<AccountStatus> {
    pick("status", name, &AccountStatus::ALL, AccountStatus::as_str)
}

pub fn phase(name: &str) -> PyResult<OccupancyPhase> {
    let all = [
        OccupancyPhase::Future,
        OccupancyPhase::Current,
        OccupancyPhase::Past,
    ];
    pick("phase", name, &all, OccupancyPhase::as_str)
}

pub fn source(name: &str) -> PyResult<ResidentSource> {
    let all = [
        ResidentSource::Pms,
        ResidentSource::Strata,
        ResidentSource::Manual,
    ];
    pick("source", name, &all, ResidentSource::as_str)
}

pub fn role(name: &str) -> PyResult<OccupancyRole> {
    let all = [
        OccupancyRole::Primary,
        OccupancyRole::Secondary,
        OccupancyRole::Occupant,
    ];
    pick("role", name, &all, OccupancyRole::as_str)
}

pub fn outbox_status(name: &str) -> PyResult<OutboxStatus> {
    let all = [
        OutboxStatus::Pending,
        OutboxStatus::Done,
        OutboxStatus::Parked,
        OutboxStatus::Skipped,
    ];
    pick("status", name, &all, OutboxStatus::as_str)
}

pub fn provider_error_kind(name: &str) -> PyResult<ProviderErrorKind> {
    pick(
        "kind",
        name,
        &ProviderErrorKind::ALL,
        ProviderErrorKind::as_str,
    )
}
