//! Typed identifiers. Every id is a newtype so a `UnitId` can never be passed where a
//! `ResidentId` is expected; all of them print as `prefix_<uuid>` so logs say what they are.
//! New ids are UUIDv7: unique and unguessable in their random part, and ordered by creation
//! time, so the records one sync creates are written side by side in the store's indexes
//! rather than all over them (ids made before are kept as they are).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
        #[serde(transparent)]
        pub struct $name(#[schemars(length(min = 1))] String);

        /// Refuses an empty (or blank) id, so a caller's `""` is a validation error on its field.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = String::deserialize(d)?;
                if value.trim().is_empty() {
                    return Err(serde::de::Error::custom("must not be empty"));
                }
                Ok(Self(value))
            }
        }

        impl $name {
            /// The prefix every id of this type starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new id (UUIDv7: time-ordered, random within the millisecond).
            pub fn new() -> Self {
                Self(format!("{}_{}", $prefix, uuid::Uuid::now_v7().simple()))
            }

            /// Wraps an existing id, as read back from a store or passed in by a caller.
            pub fn from_string(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(/// A managed residential property (a site).
    PropertyId, "prop");
id_type!(/// A building of a property.
    BuildingId, "bldg");
id_type!(/// One home in a building.
    UnitId, "unit");
id_type!(/// A resident: one person's occupancy of one unit.
    ResidentId, "res");
id_type!(/// A spare key holder of a unit (never a fake person).
    SpareHolderId, "spare");
id_type!(/// A smart key written on a card.
    KeyId, "key");
id_type!(/// A visitor pass (QR virtual key) for one visit.
    VisitorPassId, "visit");
id_type!(/// One run of a provider sync.
    SyncRunId, "sync");
id_type!(/// An operator acting through the SDK.
    AdminId, "admin");
id_type!(/// An amenity of a property (gym, pool, parcel room...).
    AmenityId, "amen");
id_type!(/// An entry of the side-effect outbox.
    OutboxId, "obx");
id_type!(/// An intent of the idempotency ledger; its text is the idempotency key.
    IntentId, "intent");
id_type!(/// A strata building linked to a property: its roll.
    StrataRollId, "sroll");
id_type!(/// A strata user of a linked building.
    StrataMemberId, "smem");

/// A record's identity in an outside system: which provider, and the id it gave the record.
/// A re-sync matches records on this, never on names.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct ExternalRef {
    /// The provider's stable name, e.g. `buildium`.
    pub provider: String,
    /// The id the provider gave the record.
    pub id: String,
}

impl ExternalRef {
    /// A reference to record `id` of `provider`.
    pub fn new(provider: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for ExternalRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_are_unique() {
        let a = ResidentId::new();
        let b = ResidentId::new();
        assert!(a.as_str().starts_with("res_"));
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), format!("ResidentId({a})"));
    }
}
