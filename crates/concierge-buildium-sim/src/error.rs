//! Errors of the control API.

/// A control call referred to something the simulator does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// No listed unit has this id.
    #[error("no rental unit {unit_id}")]
    UnknownUnit {
        /// The id asked for.
        unit_id: i32,
    },
    /// No lease has this id, or it was deleted.
    #[error("no lease {lease_id}")]
    UnknownLease {
        /// The id asked for.
        lease_id: i32,
    },
    /// No tenant has this id, or every lease of theirs was deleted.
    #[error("no tenant {tenant_id}")]
    UnknownTenant {
        /// The id asked for.
        tenant_id: i32,
    },
}
