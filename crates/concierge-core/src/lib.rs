//! # concierge-core
//!
//! The heart of Concierge: domain types for every flow (properties, units, residents and their
//! accounts, smart keys, visitor passes, sync runs), the provider traits that adapters implement
//! ([`PmsProvider`], [`StrataProvider`], [`IntercomProvider`], [`KeyEncoder`], [`Mailer`],
//! [`Clock`], [`Store`]), the resident account state machine, permissions and errors.
//!
//! No HTTP, no SQL and no bindings live here: adapters, stores and the `concierge` facade
//! depend on this crate, never the other way round.
//!
//! ```
//! use concierge_core::{Account, AccountStatus, ActivationSecret, DEFAULT_ACTIVATION_VALIDITY};
//! use chrono::{Duration, Utc};
//!
//! let now = Utc::now();
//! let mut account = Account::new();
//! // The key links are derived with; a handle keeps it apart from the data.
//! let secret = ActivationSecret::random()?;
//! let token = account.invite("res_1", now, DEFAULT_ACTIVATION_VALIDITY, &secret)?;
//! assert_eq!(account.status(now), AccountStatus::PendingActivation);
//! // Nobody activated: eight days later the link has expired, with no sweeper having run.
//! assert_eq!(account.status(now + Duration::days(8)), AccountStatus::ActivationExpired);
//! # drop(token);
//! # Ok::<(), concierge_core::Error>(())
//! ```

#![warn(missing_docs)]

pub mod account;
pub mod arrival;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod credentials;
pub mod domain;
pub mod error;
pub mod ids;
pub mod kit;
pub mod memory;
pub mod password;
pub mod permissions;
pub mod providers;
pub mod roll;
pub mod store;
pub mod strata;
pub mod validate;

pub use account::{
    Account, AccountAction, AccountStatus, ActivationToken, DEFAULT_ACTIVATION_VALIDITY,
};
pub use arrival::Arrival;
pub use credentials::ActivationSecret;
pub use domain::*;
pub use error::{
    ConflictKind, Constraint, EntityKind, Error, ErrorCode, ErrorField, FailureSource, FieldIssue,
    ProviderError, ProviderErrorKind, Result, RetryClass, StoreError, TokenRejection,
    ValidationError, WebhookRejection,
};
pub use ids::*;
pub use memory::{MemoryStore, StoreStats};
pub use password::{PasswordHash, PasswordMode};
pub use permissions::{AccessLevel, Admin, Permission, Permissions};
pub use providers::*;
pub use roll::{MemberQuery, MemberState, StrataMember, StrataRoll, StrataSyncRun};
pub use store::{
    Batch, Intent, IntentStatus, KeyQuery, OutboxEntry, OutboxMessage, OutboxQuery, OutboxStatus,
    PassQuery, Put, Record, RecordKey, ResidentQuery, SealedSecret, SecretSource, Store, StoreExt,
    StoreResult, Versioned,
};

/// Each enum is declared once: strum gives its string form, parsing and list, serde its wire
/// form; both follow the same case rule, so they must agree for every variant.
#[cfg(test)]
mod enum_forms {
    use super::*;

    macro_rules! agree {
        ($($enum:ty),* $(,)?) => {$(
            for &value in <$enum as strum::VariantArray>::VARIANTS {
                assert_eq!(
                    serde_json::to_value(value).unwrap(),
                    serde_json::Value::from(value.as_str()),
                    "{}", stringify!($enum)
                );
                assert_eq!(value.as_str().parse::<$enum>().ok(), Some(value));
            }
        )*};
    }

    #[test]
    fn every_enum_reads_and_writes_the_same_string_as_serde() {
        agree!(
            AccountStatus,
            AccountAction,
            OccupancyRole,
            EntityKind,
            TokenRejection,
            WebhookRejection,
            AccessLevel,
            Permission,
            OccupancyPhase,
            ResidentSource,
            StrataUserType,
            StrataBuildingStatus,
            MemberState,
            SyncErrorKind,
            SyncMode,
            ProviderErrorKind,
            OutboxStatus,
            IntentStatus,
        );
        for &code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>().ok(), Some(code));
        }
    }
}
