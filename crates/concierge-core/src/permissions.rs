//! Admins and their permissions (R-PERM-1, R-PERM-2).
//!
//! Two areas, as the property platform's Roles & Permissions screen has them: **Integrations**
//! (connecting providers, import, Go Live, sync settings) and **Residence** (move in and out,
//! statuses, invitations, keys). Each has an access level; changing anything needs `Full`,
//! reading needs `Read` or better. Every facade operation that acts for an admin calls
//! [`Admin::require`] before it touches a provider or the store.

use crate::error::{Error, Result};
use crate::ids::AdminId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A permission area.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Permission {
    /// Managing integrations: providers, import, Go Live, sync settings (R-PERM-1).
    Integrations,
    /// Managing residents: move in/out, statuses, invitations, keys (R-PERM-2).
    Residence,
}

impl Permission {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of an area an admin may do. Ordered: `None < Read < Full`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccessLevel {
    /// No access.
    #[default]
    None,
    /// May look, not change.
    Read,
    /// Full access.
    Full,
}

impl AccessLevel {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An admin's access, per area.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(default, deny_unknown_fields)]
pub struct Permissions {
    /// Integrations access.
    pub integrations: AccessLevel,
    /// Residence access.
    pub residence: AccessLevel,
}

impl Permissions {
    /// The level held in `permission`'s area.
    pub fn level(&self, permission: Permission) -> AccessLevel {
        match permission {
            Permission::Integrations => self.integrations,
            Permission::Residence => self.residence,
        }
    }
}

/// An operator acting through the SDK. The host application authenticates its staff and builds
/// an `Admin` for each, with the id and display name its own user directory knows them by (never
/// a made-up one: logs, audit and permission errors name the admin by it). Concierge checks the
/// permissions on every call that acts for one, and refuses an admin whose id is empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Admin {
    /// The host application's id for this operator.
    pub id: AdminId,
    /// A display name for logs and audit.
    pub name: String,
    /// What they may do; no access when left out.
    #[serde(default)]
    pub permissions: Permissions,
}

impl Admin {
    /// The host's operator `id`, shown as `name`, with no access at all; add access with the
    /// `with_*` methods. An empty id is refused when the admin is used ([`Admin::require`]).
    pub fn new(id: impl Into<AdminId>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            permissions: Permissions::default(),
        }
    }

    /// The host's operator `id`, shown as `name`, with full access to both areas.
    pub fn full_access(id: impl Into<AdminId>, name: impl Into<String>) -> Self {
        Self::new(id, name)
            .with_integrations(AccessLevel::Full)
            .with_residence(AccessLevel::Full)
    }

    /// Sets the Integrations access level.
    pub fn with_integrations(mut self, level: AccessLevel) -> Self {
        self.permissions.integrations = level;
        self
    }

    /// Sets the Residence access level.
    pub fn with_residence(mut self, level: AccessLevel) -> Self {
        self.permissions.residence = level;
        self
    }

    /// Refuses with [`Error::PermissionDenied`] unless this admin holds `required` or better in
    /// `permission`'s area, and with a validation error on `admin.id` when the id is empty (or
    /// only blanks): every admin is someone the host application knows.
    pub fn require(
        &self,
        permission: Permission,
        required: AccessLevel,
        action: &str,
    ) -> Result<()> {
        if self.id.as_str().trim().is_empty() {
            return Err(Error::invalid("admin.id", "must not be empty"));
        }
        let held = self.permissions.level(permission);
        if held >= required {
            Ok(())
        } else {
            Err(Error::PermissionDenied {
                admin: self.id.to_string(),
                admin_name: self.name.clone(),
                action: action.to_owned(),
                permission,
                required,
                held,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // R-PERM-1
    #[test]
    fn integrations_work_needs_full_integrations_access() {
        let reader = Admin::new("u-1", "Reader").with_integrations(AccessLevel::Read);
        let err = reader
            .require(Permission::Integrations, AccessLevel::Full, "go_live")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "permission denied: go_live needs integrations full, admin Reader (u-1) has read"
            )
        );
        assert!(
            Admin::new("u-2", "Full")
                .with_integrations(AccessLevel::Full)
                .require(Permission::Integrations, AccessLevel::Full, "go_live")
                .is_ok()
        );
    }

    // R-PERM-2
    #[test]
    fn residence_access_does_not_grant_integrations_and_vice_versa() {
        let residence_only = Admin::new("u-3", "Residence").with_residence(AccessLevel::Full);
        assert!(
            residence_only
                .require(Permission::Integrations, AccessLevel::Read, "x")
                .is_err()
        );
        let integrations_only =
            Admin::new("u-4", "Integrations").with_integrations(AccessLevel::Full);
        assert!(
            integrations_only
                .require(Permission::Residence, AccessLevel::Read, "x")
                .is_err()
        );
    }

    #[test]
    fn the_admin_is_named_by_the_hosts_id_and_an_empty_id_is_refused() {
        let desk = Admin::full_access("desk-1", "Front desk");
        assert_eq!(desk.id.as_str(), "desk-1");
        assert_eq!(desk.name, "Front desk");
        assert!(
            desk.require(Permission::Residence, AccessLevel::Full, "x")
                .is_ok()
        );
        let denied = Admin::new("desk-2", "Night desk")
            .require(Permission::Residence, AccessLevel::Read, "list_residents")
            .unwrap_err();
        match &denied {
            Error::PermissionDenied {
                admin, admin_name, ..
            } => {
                assert_eq!(admin, "desk-2");
                assert_eq!(admin_name, "Night desk");
            }
            other => panic!("expected PermissionDenied, got {other:?}"),
        }
        for id in ["", "  "] {
            let err = Admin::full_access(id, "Nobody")
                .require(Permission::Residence, AccessLevel::Read, "x")
                .unwrap_err();
            match err {
                Error::Validation(v) => {
                    assert_eq!(v.issues.len(), 1);
                    assert_eq!(v.issues[0].field, "admin.id");
                    assert_eq!(v.issues[0].message, "must not be empty");
                }
                other => panic!("expected a validation error, got {other:?}"),
            }
        }
    }
}
