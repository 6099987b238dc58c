//! Argument parsing: JS strings into the facade's enums and dates. Every problem becomes a
//! VALIDATION issue named after the facade's field (snake_case, as in every language).

use chrono::NaiveDate;
use concierge::validate::Checks;
use concierge::{
    AccessLevel, AccountStatus, OccupancyPhase, OccupancyRole, OutboxStatus, ProviderErrorKind,
    ResidentSource,
};

/// The value named `value` among `names`; if none, records "must be one of …" for `field`.
pub(crate) fn one_of<T: Copy>(
    checks: &mut Checks,
    field: &str,
    value: &str,
    names: &[(&str, T)],
) -> Option<T> {
    let found = names
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v);
    if found.is_none() {
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        checks.fail(field, format!("must be one of {}", list.join(", ")));
    }
    found
}

/// An optional `"YYYY-MM-DD"` date.
pub(crate) fn date(checks: &mut Checks, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let value = value?;
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            checks.fail(field, "must be a date written YYYY-MM-DD");
            None
        }
    }
}

macro_rules! names {
    ($fn_name:ident, $ty:ty, [$($variant:expr),* $(,)?]) => {
        pub(crate) fn $fn_name(checks: &mut Checks, field: &str, value: &str) -> Option<$ty> {
            one_of(checks, field, value, &[$(($variant.as_str(), $variant)),*])
        }
    };
}

names!(
    access_level,
    AccessLevel,
    [AccessLevel::None, AccessLevel::Read, AccessLevel::Full]
);
names!(
    account_status,
    AccountStatus,
    [
        AccountStatus::NotInvited,
        AccountStatus::PendingActivation,
        AccountStatus::Live,
        AccountStatus::ActivationExpired,
    ]
);
names!(
    phase,
    OccupancyPhase,
    [
        OccupancyPhase::Future,
        OccupancyPhase::Current,
        OccupancyPhase::Past
    ]
);
names!(
    source,
    ResidentSource,
    [
        ResidentSource::Pms,
        ResidentSource::Strata,
        ResidentSource::Manual
    ]
);
names!(
    role,
    OccupancyRole,
    [
        OccupancyRole::Primary,
        OccupancyRole::Secondary,
        OccupancyRole::Occupant
    ]
);
names!(
    outbox_status,
    OutboxStatus,
    [
        OutboxStatus::Pending,
        OutboxStatus::Done,
        OutboxStatus::Parked,
        OutboxStatus::Skipped
    ]
);

/// A provider error kind, by its snake_case name.
pub(crate) fn provider_error_kind(
    checks: &mut Checks,
    field: &str,
    value: &str,
) -> Option<ProviderErrorKind> {
    let names: Vec<(&str, ProviderErrorKind)> = ProviderErrorKind::ALL
        .iter()
        .map(|k| (k.as_str(), *k))
        .collect();
    one_of(checks, field, value, &names)
}
