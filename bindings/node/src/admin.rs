//! `Admin`: who acts. The host application authenticates its staff and builds one for each.

use crate::args;
use crate::error::throw;
use concierge::validate::Checks;
use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// Access per area; each is `"none"` (the default), `"read"` or `"full"`.
#[napi(object, object_to_js = false)]
pub struct AdminOptions {
    /// Integrations access: providers, import, sync settings, the outbox.
    #[napi(ts_type = "AccessLevel")]
    pub integrations: Option<String>,
    /// Residence access: move in and out, statuses, invitations.
    #[napi(ts_type = "AccessLevel")]
    pub residence: Option<String>,
}

/// An operator acting through the SDK.
#[napi]
pub struct Admin {
    pub(crate) inner: concierge::Admin,
}

#[napi]
impl Admin {
    /// An admin with the given access (none where left out). An unknown level throws an
    /// `Error` with code `VALIDATION`.
    #[napi(constructor)]
    pub fn new(env: Env, name: String, options: Option<AdminOptions>) -> Result<Self> {
        let mut inner = concierge::Admin::new(name);
        if let Some(options) = options {
            let mut checks = Checks::new();
            let integrations = options.integrations.as_deref();
            if let Some(level) =
                integrations.and_then(|l| args::access_level(&mut checks, "integrations", l))
            {
                inner = inner.with_integrations(level);
            }
            let residence = options.residence.as_deref();
            if let Some(level) =
                residence.and_then(|l| args::access_level(&mut checks, "residence", l))
            {
                inner = inner.with_residence(level);
            }
            if let Err(e) = checks.finish() {
                return throw(&env, e.into());
            }
        }
        Ok(Self { inner })
    }

    /// An admin with full access to both areas.
    #[napi(factory)]
    pub fn full_access(name: String) -> Self {
        Self {
            inner: concierge::Admin::full_access(name),
        }
    }

    /// The admin's id.
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.inner.id.to_string()
    }

    /// The display name.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Integrations access.
    #[napi(getter, ts_return_type = "AccessLevel")]
    pub fn integrations(&self) -> &'static str {
        self.inner.permissions.integrations.as_str()
    }

    /// Residence access.
    #[napi(getter, ts_return_type = "AccessLevel")]
    pub fn residence(&self) -> &'static str {
        self.inner.permissions.residence.as_str()
    }
}
