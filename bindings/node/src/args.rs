//! Argument parsing: JS strings into the facade's enums and dates. Every problem becomes a
//! VALIDATION issue named after the facade's field (snake_case, as in every language).
//!
//! The names themselves are the core's (`parse` / `as_str` / `ALL`); the binding keeps no
//! table of its own, except for the enums whose variants the core does not list.

use chrono::NaiveDate;
use concierge::validate::Checks;
use concierge::{
    AccessLevel, AccountStatus, OccupancyPhase, OccupancyRole, OutboxStatus, ProviderErrorKind,
    ResidentSource, SyncMode,
};

/// `value` parsed by `parse`; if it names nothing, records "must be one of …" (the names of
/// `all`) for `field`.
fn one_of<T: Copy>(
    checks: &mut Checks,
    field: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Option<T> {
    let found = parse(value);
    if found.is_none() {
        let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
        checks.fail(field, format!("must be one of {}", names.join(", ")));
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

macro_rules! parsed {
    ($fn_name:ident, $ty:ident, $all:expr) => {
        #[doc = concat!("A [`", stringify!($ty), "`] by its snake_case name.")]
        pub(crate) fn $fn_name(checks: &mut Checks, field: &str, value: &str) -> Option<$ty> {
            one_of(checks, field, value, $ty::parse, &$all, $ty::as_str)
        }
    };
}

parsed!(account_status, AccountStatus, AccountStatus::ALL);
parsed!(phase, OccupancyPhase, OccupancyPhase::ALL);
parsed!(source, ResidentSource, ResidentSource::ALL);
parsed!(outbox_status, OutboxStatus, OutboxStatus::ALL);
parsed!(
    provider_error_kind,
    ProviderErrorKind,
    ProviderErrorKind::ALL
);
// The core parses these but has no `ALL` for them; the lists only word the message.
parsed!(
    access_level,
    AccessLevel,
    [AccessLevel::None, AccessLevel::Read, AccessLevel::Full]
);
parsed!(
    role,
    OccupancyRole,
    [
        OccupancyRole::Primary,
        OccupancyRole::Secondary,
        OccupancyRole::Occupant
    ]
);
parsed!(sync_mode, SyncMode, [SyncMode::Full, SyncMode::Incremental]);
