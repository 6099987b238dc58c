//! The sandbox intercom: a ButterflyMX-like [`IntercomProvider`] in memory, with one building
//! in a settable time zone, seeded tenants of mixed contact preferences, the placeholder unit and
//! tenant found or created by label and email, passes found again by their idempotency key on a
//! retry, and scripted faults (a lost reply included).

use crate::faults::Faults;
use crate::paging::{error, page};
use crate::pms::{FIRST_NAMES, LAST_NAMES};
use async_trait::async_trait;
use concierge_core::{
    ContactPreference, CreateVisitorPassRequest, CreateVisitorPassResponse, Cursor,
    EnsurePlaceholderRequest, EnsurePlaceholderResponse, ExternalRef, GetIntercomBuildingRequest,
    IntercomBuilding, IntercomProvider, IntercomTenant, ListIntercomTenantsRequest, Page,
    PreflightCheck, PreflightCheckName, PreflightRequest, PreflightResponse, ProviderError,
    ProviderErrorKind, ProviderResult, RecordError, RetryClass, RevokeVisitorPassRequest,
    TimeWindow,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::Mutex;

const PROVIDER: &str = "sandbox-intercom";
const SEEDED_TENANTS: usize = 6;
const DEFAULT_PAGE_SIZE: usize = 50;
/// The sandbox building's time zone unless set otherwise: far from UTC, with daylight saving.
pub const SANDBOX_INTERCOM_TIME_ZONE: &str = "Australia/Sydney";

/// A unit on the sandbox intercom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxIntercomUnit {
    /// The unit in the intercom.
    pub external: ExternalRef,
    /// Its label, e.g. `Apt 101`.
    pub label: String,
}

/// A visitor pass the sandbox intercom issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxVisitorPass {
    /// The pass in the intercom.
    pub external: ExternalRef,
    /// The tenant it was issued through.
    pub tenant: ExternalRef,
    /// The visitor's name.
    pub visitor_name: String,
    /// When it works.
    pub window: TimeWindow,
    /// The idempotency key it was created with.
    pub idempotency_key: String,
    /// The QR code's URL.
    pub qr_code_url: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// An [`IntercomProvider`] (ButterflyMX-like) with one building, `bmx-building-1`, in
/// [`SANDBOX_INTERCOM_TIME_ZONE`], and a few seeded tenants whose contact preferences are mixed
/// (at least one of each). A request that names another building is not found.
///
/// Preflight's checks follow settable flags ([`set_integration_enabled`](Self::set_integration_enabled),
/// [`set_manager_account_active`](Self::set_manager_account_active),
/// [`set_access_points`](Self::set_access_points), all on by default), and while the integration
/// is disabled visitor passes are refused with [`ProviderErrorKind::Forbidden`].
/// [`lose_next_reply`](Self::lose_next_reply) makes a write happen and its reply be lost.
#[derive(Debug)]
pub struct SandboxIntercom {
    faults: Faults,
    state: Mutex<IntercomState>,
}

#[derive(Debug)]
struct IntercomState {
    building: IntercomBuilding,
    page_size: usize,
    integration_enabled: bool,
    manager_account_active: bool,
    access_points: bool,
    lose_reply: HashSet<String>,
    units: Vec<SandboxIntercomUnit>,
    tenants: Vec<TenantRecord>,
    passes: Vec<SandboxVisitorPass>,
}

#[derive(Debug)]
struct TenantRecord {
    tenant: IntercomTenant,
    unit: ExternalRef,
}

impl IntercomState {
    fn add_unit(&mut self, label: String) -> ExternalRef {
        let external = SandboxIntercom::external_ref(format!("bmx-unit-{}", self.units.len() + 1));
        self.units.push(SandboxIntercomUnit {
            external: external.clone(),
            label,
        });
        external
    }

    fn add_tenant(
        &mut self,
        unit: ExternalRef,
        name: String,
        email: Option<String>,
        contact_preference: ContactPreference,
    ) -> ExternalRef {
        let external =
            SandboxIntercom::external_ref(format!("bmx-tenant-{}", self.tenants.len() + 1));
        let unit_label = self
            .units
            .iter()
            .find(|u| u.external == unit)
            .map(|u| u.label.clone());
        self.tenants.push(TenantRecord {
            tenant: IntercomTenant {
                external: external.clone(),
                name,
                email,
                unit_label,
                contact_preference,
            },
            unit,
        });
        external
    }

    fn check_building(&self, operation: &str, building: &ExternalRef) -> ProviderResult<()> {
        if building.id == self.building.external.id && self.integration_enabled {
            Ok(())
        } else {
            Err(error(
                PROVIDER,
                operation,
                ProviderErrorKind::NotFound,
                format!("no building {}", building.id),
            ))
        }
    }

    /// Whether the reply of this call of `operation` is to be lost (once).
    fn loses_reply(&mut self, operation: &str) -> bool {
        self.lose_reply.remove(operation)
    }
}

fn lost(operation: &str) -> ProviderError {
    ProviderError::new(
        PROVIDER,
        operation,
        ProviderErrorKind::Timeout,
        "scripted sandbox fault: the reply was lost after the write",
    )
    .with_retry(RetryClass::UnknownOutcome)
}

impl SandboxIntercom {
    /// An intercom with tenants generated from `seed`, sharing `faults`.
    pub fn new(seed: u64, faults: Faults) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut state = IntercomState {
            building: IntercomBuilding {
                external: Self::external_ref("bmx-building-1"),
                name: "Sandbox Tower".into(),
                time_zone: Some(SANDBOX_INTERCOM_TIME_ZONE.into()),
            },
            page_size: DEFAULT_PAGE_SIZE,
            integration_enabled: true,
            manager_account_active: true,
            access_points: true,
            lose_reply: HashSet::new(),
            units: Vec::new(),
            tenants: Vec::new(),
            passes: Vec::new(),
        };
        for i in 0..SEEDED_TENANTS {
            let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
            let preference = match i {
                0 => ContactPreference::PhoneCall,
                1 => ContactPreference::MobileApp,
                _ if rng.random_bool(0.5) => ContactPreference::PhoneCall,
                _ => ContactPreference::MobileApp,
            };
            let unit = state.add_unit(format!("Apt {}", 101 + i));
            let email = format!(
                "{}.{}@example.org",
                first.to_lowercase(),
                last.to_lowercase()
            );
            state.add_tenant(unit, format!("{first} {last}"), Some(email), preference);
        }
        Self {
            faults,
            state: Mutex::new(state),
        }
    }

    /// A reference to record `id` of this intercom.
    pub fn external_ref(id: impl Into<String>) -> ExternalRef {
        ExternalRef::new(PROVIDER, id)
    }

    /// The intercom's building.
    pub fn building(&self) -> ExternalRef {
        self.lock().building.external.clone()
    }

    /// Sets the building's IANA time zone (`None`: the intercom gives none).
    pub fn set_time_zone(&self, zone: Option<&str>) {
        self.lock().building.time_zone = zone.map(str::to_owned);
    }

    /// Turns the building's integration on or off (preflight check `integration_enabled`):
    /// while off, the building is not found, as on the vendor.
    pub fn set_integration_enabled(&self, enabled: bool) {
        self.lock().integration_enabled = enabled;
    }

    /// Activates or deactivates the manager account (preflight check
    /// `manager_account_active`).
    pub fn set_manager_account_active(&self, active: bool) {
        self.lock().manager_account_active = active;
    }

    /// Gives the building doors or none (preflight check `access_points`).
    pub fn set_access_points(&self, present: bool) {
        self.lock().access_points = present;
    }

    /// The next call of the write `operation` (`ensure_placeholder`, `create_visitor_pass`,
    /// `revoke_visitor_pass`) does its work, then fails as if its reply were lost.
    pub fn lose_next_reply(&self, operation: &str) {
        self.lock().lose_reply.insert(operation.to_owned());
    }

    /// Changes the number of items per page.
    pub fn set_page_size(&self, page_size: usize) {
        self.lock().page_size = page_size;
    }

    /// Adds a tenant in a new unit labelled `unit_label`; returns the tenant.
    pub fn add_tenant(
        &self,
        unit_label: &str,
        name: &str,
        contact_preference: ContactPreference,
    ) -> ExternalRef {
        let mut state = self.lock();
        let unit = state.add_unit(unit_label.to_owned());
        state.add_tenant(unit, name.to_owned(), None, contact_preference)
    }

    /// Changes a tenant's contact preference. Returns whether the tenant exists.
    pub fn set_contact_preference(&self, tenant_id: &str, preference: ContactPreference) -> bool {
        let mut state = self.lock();
        match state
            .tenants
            .iter_mut()
            .find(|t| t.tenant.external.id == tenant_id)
        {
            Some(t) => {
                t.tenant.contact_preference = preference;
                true
            }
            None => false,
        }
    }

    /// Every unit, oldest first.
    pub fn units(&self) -> Vec<SandboxIntercomUnit> {
        self.lock().units.clone()
    }

    /// Every tenant, oldest first, placeholders included.
    pub fn tenants(&self) -> Vec<IntercomTenant> {
        self.lock()
            .tenants
            .iter()
            .map(|t| t.tenant.clone())
            .collect()
    }

    /// Every visitor pass issued, oldest first.
    pub fn passes(&self) -> Vec<SandboxVisitorPass> {
        self.lock().passes.clone()
    }

    /// The pass with intercom id `pass_id`.
    pub fn pass(&self, pass_id: &str) -> Option<SandboxVisitorPass> {
        self.lock()
            .passes
            .iter()
            .find(|p| p.external.id == pass_id)
            .cloned()
    }

    /// The passes that work at `at` (not revoked, `at` inside the window).
    pub fn valid_passes_at(&self, at: chrono::DateTime<chrono::Utc>) -> Vec<SandboxVisitorPass> {
        self.lock()
            .passes
            .iter()
            .filter(|p| !p.revoked && p.window.contains(at))
            .cloned()
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, IntercomState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn response(p: &SandboxVisitorPass) -> CreateVisitorPassResponse {
    CreateVisitorPassResponse {
        external: p.external.clone(),
        key: Some(SandboxIntercom::external_ref(format!(
            "{}-key",
            p.external.id
        ))),
        qr_code_url: Some(p.qr_code_url.clone()),
        instructions_url: Some(format!(
            "https://sandbox-intercom.invalid/public/virtual_keys/{}",
            p.external.id
        )),
        window: p.window,
    }
}

#[async_trait]
impl IntercomProvider for SandboxIntercom {
    fn name(&self) -> &str {
        PROVIDER
    }

    async fn list_buildings(
        &self,
        cursor: Option<Cursor>,
    ) -> ProviderResult<Page<IntercomBuilding>> {
        self.faults.before(self.name(), "list_buildings").await?;
        let state = self.lock();
        let all: Vec<Result<IntercomBuilding, RecordError>> = if state.integration_enabled {
            vec![Ok(state.building.clone())]
        } else {
            Vec::new()
        };
        page(
            PROVIDER,
            "list_buildings",
            all.iter(),
            cursor.as_ref(),
            state.page_size,
        )
    }

    async fn get_building(
        &self,
        req: GetIntercomBuildingRequest,
    ) -> ProviderResult<IntercomBuilding> {
        self.faults.before(self.name(), "get_building").await?;
        let state = self.lock();
        state.check_building("get_building", &req.building)?;
        Ok(state.building.clone())
    }

    /// Finds the unit labelled `unit_label` and, in it, the tenant with `tenant_email`, and
    /// creates whichever is missing (a new tenant gets the vendor's default, phone calls).
    async fn ensure_placeholder(
        &self,
        req: EnsurePlaceholderRequest,
    ) -> ProviderResult<EnsurePlaceholderResponse> {
        const OP: &str = "ensure_placeholder";
        self.faults.before(self.name(), OP).await?;
        let mut state = self.lock();
        state.check_building(OP, &req.building)?;
        let found = state.units.iter().find(|u| u.label == req.unit_label);
        let created_unit = found.is_none();
        let unit = match found {
            Some(u) => u.external.clone(),
            None => state.add_unit(req.unit_label.clone()),
        };
        let existing = state.tenants.iter().find(|t| {
            t.unit == unit
                && t.tenant
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&req.tenant_email))
        });
        let created_tenant = existing.is_none();
        let tenant = match existing {
            Some(t) => t.tenant.external.clone(),
            None => state.add_tenant(
                unit.clone(),
                format!("{} {}", req.tenant_first_name, req.tenant_last_name)
                    .trim()
                    .to_owned(),
                Some(req.tenant_email.clone()),
                ContactPreference::PhoneCall,
            ),
        };
        if state.loses_reply(OP) {
            return Err(lost(OP));
        }
        Ok(EnsurePlaceholderResponse {
            unit,
            tenant,
            created_unit,
            created_tenant,
        })
    }

    /// Reports `manager_account_active`, `integration_enabled`, `placeholder_unit`,
    /// `placeholder_tenant` and `access_points`.
    async fn preflight(&self, req: PreflightRequest) -> ProviderResult<PreflightResponse> {
        self.faults.before(self.name(), "preflight").await?;
        let state = self.lock();
        let account = state.manager_account_active;
        let enabled = account && state.check_building("preflight", &req.building).is_ok();
        let unit = req
            .unit
            .as_ref()
            .filter(|u| state.units.iter().any(|x| &x.external == *u));
        let tenant = req.tenant.as_ref().and_then(|t| {
            state
                .tenants
                .iter()
                .find(|x| &x.tenant.external == t && Some(&x.unit) == unit)
        });
        let not_checked = "not checked: an earlier check failed";
        let checks = vec![
            PreflightCheck::new(
                PreflightCheckName::ManagerAccountActive,
                account,
                if account {
                    "the manager's intercom account is active"
                } else {
                    "the manager's intercom account is not active; reactivate it, then give consent again"
                },
            ),
            PreflightCheck::new(
                PreflightCheckName::IntegrationEnabled,
                enabled,
                match (account, enabled) {
                    (false, _) => not_checked.to_owned(),
                    (true, true) => format!("building {} is enabled", req.building.id),
                    (true, false) => format!(
                        "building {} is not enabled for the integration; ask the intercom vendor to enable it",
                        req.building.id
                    ),
                },
            ),
            PreflightCheck::new(
                PreflightCheckName::PlaceholderUnit,
                enabled && unit.is_some(),
                match (enabled, unit) {
                    (false, _) => not_checked.to_owned(),
                    (true, Some(u)) => format!("placeholder unit {} exists", u.id),
                    (true, None) => "no placeholder unit: provision the site".to_owned(),
                },
            ),
            PreflightCheck::new(
                PreflightCheckName::PlaceholderTenant,
                enabled && tenant.is_some(),
                match (enabled, tenant) {
                    (false, _) => not_checked.to_owned(),
                    (true, Some(t)) => {
                        format!("placeholder tenant {} exists", t.tenant.external.id)
                    }
                    (true, None) => {
                        "no placeholder tenant in the placeholder unit: provision the site"
                            .to_owned()
                    }
                },
            ),
            PreflightCheck::new(
                PreflightCheckName::AccessPoints,
                enabled && state.access_points,
                match (enabled, state.access_points) {
                    (false, _) => not_checked.to_owned(),
                    (true, true) => "the building has doors for visitor passes".to_owned(),
                    (true, false) => {
                        "the building has no access points: a pass would open no door".to_owned()
                    }
                },
            ),
        ];
        Ok(PreflightResponse { checks })
    }

    async fn list_tenants(
        &self,
        req: ListIntercomTenantsRequest,
    ) -> ProviderResult<Page<IntercomTenant>> {
        self.faults.before(self.name(), "list_tenants").await?;
        let state = self.lock();
        state.check_building("list_tenants", &req.building)?;
        let all: Vec<Result<IntercomTenant, RecordError>> =
            state.tenants.iter().map(|t| Ok(t.tenant.clone())).collect();
        page(
            PROVIDER,
            "list_tenants",
            all.iter(),
            req.cursor.as_ref(),
            state.page_size,
        )
    }

    /// On a retry, a pass already made with the request's `idempotency_key` is returned, not
    /// made again; a first attempt always creates (as the vendor does).
    async fn create_visitor_pass(
        &self,
        req: CreateVisitorPassRequest,
    ) -> ProviderResult<CreateVisitorPassResponse> {
        const OP: &str = "create_visitor_pass";
        if req.window.ends_at <= req.window.starts_at {
            return Err(error(
                PROVIDER,
                OP,
                ProviderErrorKind::Rejected,
                "the pass must end after it starts",
            ));
        }
        self.faults.before(self.name(), OP).await?;
        let mut state = self.lock();
        if req.retry
            && let Some(p) = state
                .passes
                .iter()
                .find(|p| p.idempotency_key == req.idempotency_key)
        {
            return Ok(response(p));
        }
        if !state.integration_enabled {
            return Err(error(
                PROVIDER,
                OP,
                ProviderErrorKind::Forbidden,
                "the integration is not enabled for the building",
            ));
        }
        if !state
            .tenants
            .iter()
            .any(|t| t.tenant.external.id == req.tenant.id)
        {
            return Err(error(
                PROVIDER,
                OP,
                ProviderErrorKind::Rejected,
                format!(
                    "no tenant {}: must have an associated unit or tenant",
                    req.tenant.id
                ),
            ));
        }
        let id = format!("bmx-pass-{}", state.passes.len() + 1);
        let pass = SandboxVisitorPass {
            external: Self::external_ref(&id),
            tenant: req.tenant,
            visitor_name: req.visitor_name,
            window: req.window,
            idempotency_key: req.idempotency_key,
            qr_code_url: format!("https://sandbox-intercom.invalid/qr/{id}.png"),
            revoked: false,
        };
        let out = response(&pass);
        state.passes.push(pass);
        if state.loses_reply(OP) {
            return Err(lost(OP));
        }
        Ok(out)
    }

    /// Revoking a revoked pass again succeeds; an unknown pass is not found.
    async fn revoke_visitor_pass(&self, req: RevokeVisitorPassRequest) -> ProviderResult<()> {
        const OP: &str = "revoke_visitor_pass";
        self.faults.before(self.name(), OP).await?;
        let mut state = self.lock();
        match state
            .passes
            .iter_mut()
            .find(|p| p.external.id == req.visitor_pass.id)
        {
            Some(p) => p.revoked = true,
            None => {
                return Err(error(
                    PROVIDER,
                    OP,
                    ProviderErrorKind::NotFound,
                    format!("no visitor pass {}", req.visitor_pass.id),
                ));
            }
        }
        if state.loses_reply(OP) {
            return Err(lost(OP));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn intercom() -> SandboxIntercom {
        SandboxIntercom::new(9, Faults::new())
    }

    fn placeholder_req() -> EnsurePlaceholderRequest {
        EnsurePlaceholderRequest {
            building: SandboxIntercom::external_ref("bmx-building-1"),
            unit_label: "STRATIS".into(),
            unit_floor: "0".into(),
            tenant_first_name: "STRATIS".into(),
            tenant_last_name: "User".into(),
            tenant_email: "butterflymx+harbour-view@example.org".into(),
        }
    }

    fn window(hours: i64) -> TimeWindow {
        let starts_at = Utc.with_ymd_and_hms(2026, 1, 6, 10, 0, 0).unwrap();
        TimeWindow {
            starts_at,
            ends_at: starts_at + Duration::hours(hours),
        }
    }

    fn pass_req(tenant: &ExternalRef, key: &str, hours: i64) -> CreateVisitorPassRequest {
        CreateVisitorPassRequest {
            building: SandboxIntercom::external_ref("bmx-building-1"),
            tenant: tenant.clone(),
            visitor_name: "Sam Visitor".into(),
            window: window(hours),
            idempotency_key: key.into(),
            retry: false,
        }
    }

    fn passed(r: &PreflightResponse, name: PreflightCheckName) -> bool {
        r.checks.iter().find(|c| c.name == name).unwrap().passed
    }

    #[tokio::test]
    async fn ensuring_the_placeholder_twice_leaves_one_unit_and_one_tenant() {
        let i = intercom();
        let (units, tenants) = (i.units().len(), i.tenants().len());
        let first = i.ensure_placeholder(placeholder_req()).await.unwrap();
        assert!(first.created_unit && first.created_tenant);
        let second = i.ensure_placeholder(placeholder_req()).await.unwrap();
        assert!(!second.created_unit && !second.created_tenant);
        assert_eq!(
            (second.unit.clone(), second.tenant.clone()),
            (first.unit, first.tenant)
        );
        assert_eq!(i.units().len(), units + 1);
        assert_eq!(i.tenants().len(), tenants + 1);
        let tenant = i
            .tenants()
            .into_iter()
            .find(|t| t.external == second.tenant)
            .unwrap();
        assert_eq!(tenant.name, "STRATIS User");
        assert_eq!(tenant.contact_preference, ContactPreference::PhoneCall);
    }

    #[tokio::test]
    async fn ensuring_a_placeholder_on_another_building_is_not_found() {
        let i = intercom();
        let err = i
            .ensure_placeholder(EnsurePlaceholderRequest {
                building: SandboxIntercom::external_ref("bmx-building-7"),
                ..placeholder_req()
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::NotFound);
    }

    #[test]
    fn seeded_tenants_mix_contact_preferences_and_follow_the_seed() {
        let a = SandboxIntercom::new(1, Faults::new()).tenants();
        assert_eq!(a, SandboxIntercom::new(1, Faults::new()).tenants());
        let names = |seed| -> Vec<String> {
            SandboxIntercom::new(seed, Faults::new())
                .tenants()
                .into_iter()
                .map(|t| t.name)
                .collect()
        };
        assert_ne!(names(1), names(2));
        assert!(
            a.iter()
                .any(|t| t.contact_preference == ContactPreference::PhoneCall)
        );
        assert!(
            a.iter()
                .any(|t| t.contact_preference == ContactPreference::MobileApp)
        );
    }

    #[tokio::test]
    async fn preflight_passes_only_once_the_placeholder_exists() {
        // R-VISIT-2
        let i = intercom();
        let before = i
            .preflight(PreflightRequest {
                building: i.building(),
                unit: None,
                tenant: None,
            })
            .await
            .unwrap();
        let names: Vec<PreflightCheckName> = before.checks.iter().map(|c| c.name).collect();
        assert_eq!(names, &PreflightCheckName::ALL[1..]);
        assert!(!passed(&before, PreflightCheckName::PlaceholderTenant));
        let p = i.ensure_placeholder(placeholder_req()).await.unwrap();
        let after = i
            .preflight(PreflightRequest {
                building: i.building(),
                unit: Some(p.unit),
                tenant: Some(p.tenant),
            })
            .await
            .unwrap();
        assert!(after.checks.iter().all(|c| c.passed), "{:?}", after.checks);
    }

    #[tokio::test]
    async fn preflight_follows_the_integration_and_manager_account_flags() {
        // R-VISIT-2
        let i = intercom();
        let req = || PreflightRequest {
            building: i.building(),
            unit: None,
            tenant: None,
        };
        i.set_integration_enabled(false);
        i.set_manager_account_active(false);
        let r = i.preflight(req()).await.unwrap();
        assert!(!passed(&r, PreflightCheckName::ManagerAccountActive));
        assert!(!passed(&r, PreflightCheckName::IntegrationEnabled));
        assert!(r.checks[1].detail.starts_with("not checked"));
        i.set_manager_account_active(true);
        let r = i.preflight(req()).await.unwrap();
        assert!(passed(&r, PreflightCheckName::ManagerAccountActive));
        assert!(!passed(&r, PreflightCheckName::IntegrationEnabled));
        assert!(r.checks[1].detail.contains("ask the intercom vendor"));
        i.set_integration_enabled(true);
        i.set_access_points(false);
        let r = i.preflight(req()).await.unwrap();
        assert!(passed(&r, PreflightCheckName::IntegrationEnabled));
        assert!(!passed(&r, PreflightCheckName::AccessPoints));
    }

    #[tokio::test]
    async fn the_same_idempotency_key_returns_the_same_pass() {
        let i = intercom();
        let tenant = i
            .ensure_placeholder(placeholder_req())
            .await
            .unwrap()
            .tenant;
        let a = i
            .create_visitor_pass(pass_req(&tenant, "visit-1", 2))
            .await
            .unwrap();
        let b = i
            .create_visitor_pass(CreateVisitorPassRequest {
                retry: true,
                ..pass_req(&tenant, "visit-1", 2)
            })
            .await
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(i.passes().len(), 1);
        assert_eq!(
            a.qr_code_url.as_deref(),
            Some(format!("https://sandbox-intercom.invalid/qr/{}.png", a.external.id).as_str())
        );
        let c = i
            .create_visitor_pass(pass_req(&tenant, "visit-2", 2))
            .await
            .unwrap();
        assert_ne!(a.external, c.external);
        assert_eq!(i.passes().len(), 2);
        let pass = i.pass(&a.external.id).unwrap();
        assert_eq!(pass.window, window(2));
        assert_eq!(i.valid_passes_at(window(2).starts_at).len(), 2);
    }

    #[tokio::test]
    async fn a_window_that_does_not_end_after_it_starts_is_rejected() {
        let i = intercom();
        let tenant = i
            .ensure_placeholder(placeholder_req())
            .await
            .unwrap()
            .tenant;
        for hours in [0, -1] {
            let err = i
                .create_visitor_pass(pass_req(&tenant, &format!("k{hours}"), hours))
                .await
                .unwrap_err();
            assert_eq!(err.kind, ProviderErrorKind::Rejected);
            assert!(!err.retryable());
        }
        assert!(i.passes().is_empty());
    }

    #[tokio::test]
    async fn passes_are_forbidden_while_the_integration_is_disabled() {
        let i = intercom();
        let tenant = i
            .ensure_placeholder(placeholder_req())
            .await
            .unwrap()
            .tenant;
        i.set_integration_enabled(false);
        let err = i
            .create_visitor_pass(pass_req(&tenant, "k", 1))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Forbidden);
    }

    #[tokio::test]
    async fn revoking_marks_the_pass_revoked_and_an_unknown_pass_is_not_found() {
        let i = intercom();
        let tenant = i
            .ensure_placeholder(placeholder_req())
            .await
            .unwrap()
            .tenant;
        let pass = i
            .create_visitor_pass(pass_req(&tenant, "v", 1))
            .await
            .unwrap();
        let revoke = |id: &ExternalRef| RevokeVisitorPassRequest {
            visitor_pass: id.clone(),
        };
        i.revoke_visitor_pass(revoke(&pass.external)).await.unwrap();
        assert!(i.pass(&pass.external.id).unwrap().revoked);
        assert!(i.valid_passes_at(window(1).starts_at).is_empty());
        i.revoke_visitor_pass(revoke(&pass.external)).await.unwrap();
        let err = i
            .revoke_visitor_pass(revoke(&SandboxIntercom::external_ref("bmx-pass-404")))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::NotFound);
    }

    #[tokio::test]
    async fn paging_returns_every_tenant_exactly_once() {
        let i = intercom();
        i.set_page_size(4);
        let mut listed = Vec::new();
        let mut cursor = None;
        loop {
            let page = i
                .list_tenants(ListIntercomTenantsRequest {
                    building: i.building(),
                    cursor,
                })
                .await
                .unwrap();
            listed.extend(page.items.into_iter().map(|t| t.unwrap()));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(listed, i.tenants());
    }

    #[tokio::test]
    async fn a_lost_reply_is_an_unknown_outcome_and_a_retry_finds_the_pass() {
        // R-VISIT-3
        let i = intercom();
        let tenant = i
            .ensure_placeholder(placeholder_req())
            .await
            .unwrap()
            .tenant;
        i.lose_next_reply("create_visitor_pass");
        let err = i
            .create_visitor_pass(pass_req(&tenant, "lost", 1))
            .await
            .unwrap_err();
        assert_eq!(err.retry, RetryClass::UnknownOutcome);
        let found = i
            .create_visitor_pass(CreateVisitorPassRequest {
                retry: true,
                ..pass_req(&tenant, "lost", 1)
            })
            .await
            .unwrap();
        assert_eq!(i.passes().len(), 1);
        assert_eq!(found.external, i.passes()[0].external);
    }

    #[tokio::test]
    async fn a_scripted_fault_fails_create_visitor_pass_and_creates_nothing() {
        let faults = Faults::new();
        let i = SandboxIntercom::new(1, faults.clone());
        let tenant = i
            .ensure_placeholder(placeholder_req())
            .await
            .unwrap()
            .tenant;
        faults.fail_next("create_visitor_pass", ProviderErrorKind::Unavailable);
        let err = i
            .create_visitor_pass(pass_req(&tenant, "k", 1))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Unavailable);
        assert_eq!(err.operation, "create_visitor_pass");
        assert!(i.passes().is_empty());
        assert!(
            i.create_visitor_pass(pass_req(&tenant, "k", 1))
                .await
                .is_ok()
        );
        assert_eq!(i.passes().len(), 1);
    }
}
