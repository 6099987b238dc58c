use crate::faults::Faults;
use crate::paging::{error, page};
use crate::pms::{FIRST_NAMES, LAST_NAMES};
use async_trait::async_trait;
use concierge_core::{
    ContactPreference, CreateVisitorPassRequest, CreateVisitorPassResponse,
    EnsurePlaceholderRequest, EnsurePlaceholderResponse, ExternalRef, IntercomProvider,
    IntercomTenant, ListIntercomTenantsRequest, Page, PreflightCheck, PreflightRequest,
    PreflightResponse, ProviderError, ProviderErrorKind, ProviderResult, RecordError,
    RevokeVisitorPassRequest, TimeWindow,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;

const PROVIDER: &str = "sandbox-intercom";
const SEEDED_TENANTS: usize = 6;
const DEFAULT_PAGE_SIZE: usize = 50;

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

/// An [`IntercomProvider`] (ButterflyMX-like) with one building, `bmx-building-1`, and a few
/// seeded tenants whose contact preferences are mixed (at least one of each). A request that
/// names no building means that one; one that names another building is refused.
///
/// Preflight's checks follow settable flags ([`set_integration_enabled`](Self::set_integration_enabled),
/// [`set_manager_account_active`](Self::set_manager_account_active), both on by default), and
/// while the integration is disabled visitor passes are refused with
/// [`ProviderErrorKind::Forbidden`], as the vendor does.
#[derive(Debug)]
pub struct SandboxIntercom {
    faults: Faults,
    state: Mutex<IntercomState>,
}

#[derive(Debug)]
struct IntercomState {
    building: ExternalRef,
    page_size: usize,
    integration_enabled: bool,
    manager_account_active: bool,
    units: Vec<SandboxIntercomUnit>,
    tenants: Vec<TenantRecord>,
    passes: Vec<SandboxVisitorPass>,
}

#[derive(Debug)]
struct TenantRecord {
    tenant: IntercomTenant,
    unit: ExternalRef,
    email: Option<String>,
    /// The site name, for a placeholder tenant.
    placeholder_for: Option<String>,
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
        self.tenants.push(TenantRecord {
            tenant: IntercomTenant {
                external: external.clone(),
                name,
                contact_preference,
            },
            unit,
            email,
            placeholder_for: None,
        });
        external
    }

    /// Whether `building` (or no building, meaning the default one) is this intercom's.
    fn knows(&self, building: Option<&ExternalRef>) -> bool {
        building.is_none_or(|b| b.id == self.building.id)
    }
}

impl SandboxIntercom {
    /// An intercom with tenants generated from `seed`, sharing `faults`.
    pub fn new(seed: u64, faults: Faults) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut state = IntercomState {
            building: Self::external_ref("bmx-building-1"),
            page_size: DEFAULT_PAGE_SIZE,
            integration_enabled: true,
            manager_account_active: true,
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
        self.lock().building.clone()
    }

    /// Turns the building's integration on or off (preflight check `integration_enabled`).
    pub fn set_integration_enabled(&self, enabled: bool) {
        self.lock().integration_enabled = enabled;
    }

    /// Activates or deactivates the manager account (preflight check
    /// `manager_account_active`).
    pub fn set_manager_account_active(&self, active: bool) {
        self.lock().manager_account_active = active;
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

fn unknown_building(operation: &str, building: Option<&ExternalRef>) -> ProviderError {
    let id = building.map(|b| b.id.as_str()).unwrap_or_default();
    error(
        PROVIDER,
        operation,
        ProviderErrorKind::NotFound,
        format!("no building {id}"),
    )
}

fn check(name: &str, passed: bool, detail: String) -> PreflightCheck {
    PreflightCheck {
        name: name.to_owned(),
        passed,
        detail,
    }
}

#[async_trait]
impl IntercomProvider for SandboxIntercom {
    fn name(&self) -> &str {
        PROVIDER
    }

    /// Finds the unit labelled `unit_label` and, in it, the tenant with `tenant_email`, and
    /// creates whichever is missing (a new tenant gets the vendor's default, phone calls).
    async fn ensure_placeholder(
        &self,
        req: EnsurePlaceholderRequest,
    ) -> ProviderResult<EnsurePlaceholderResponse> {
        self.faults
            .before(self.name(), "ensure_placeholder")
            .await?;
        let mut state = self.lock();
        if !state.knows(req.building.as_ref()) {
            return Err(unknown_building(
                "ensure_placeholder",
                req.building.as_ref(),
            ));
        }
        let mut created = false;
        let unit = match state.units.iter().find(|u| u.label == req.unit_label) {
            Some(u) => u.external.clone(),
            None => {
                created = true;
                state.add_unit(req.unit_label.clone())
            }
        };
        let existing = state.tenants.iter().position(|t| {
            t.unit == unit
                && t.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&req.tenant_email))
        });
        let index = match existing {
            Some(i) => i,
            None => {
                created = true;
                state.add_tenant(
                    unit.clone(),
                    req.tenant_name.clone(),
                    Some(req.tenant_email.clone()),
                    ContactPreference::PhoneCall,
                );
                state.tenants.len() - 1
            }
        };
        let tenant = &mut state.tenants[index];
        tenant.placeholder_for = Some(req.site_name);
        Ok(EnsurePlaceholderResponse {
            unit,
            tenant: tenant.tenant.external.clone(),
            created,
        })
    }

    /// Reports `building_configured`, `manager_account_active`, `integration_enabled` and
    /// `placeholder_tenant_present`, plus the tenants on phone calls (placeholders excluded:
    /// nobody answers for them).
    async fn preflight(&self, req: PreflightRequest) -> ProviderResult<PreflightResponse> {
        self.faults.before(self.name(), "preflight").await?;
        let state = self.lock();
        let building_ok = state.knows(req.building.as_ref());
        let building_id = req
            .building
            .as_ref()
            .map_or(state.building.id.as_str(), |b| b.id.as_str());
        let placeholder = state
            .tenants
            .iter()
            .find(|t| t.placeholder_for.as_deref() == Some(req.site_name.as_str()));
        let checks = vec![
            check(
                "building_configured",
                building_ok,
                if building_ok {
                    format!("building {building_id} is set up on the intercom")
                } else {
                    format!("the intercom has no building {building_id}")
                },
            ),
            check(
                "manager_account_active",
                state.manager_account_active,
                if state.manager_account_active {
                    "the manager account is active".to_owned()
                } else {
                    "the manager account is deactivated; reactivate it in the intercom portal"
                        .to_owned()
                },
            ),
            check(
                "integration_enabled",
                state.integration_enabled,
                if state.integration_enabled {
                    "the integration is enabled for the building".to_owned()
                } else {
                    "the integration is not enabled for the building; ask the vendor to enable it"
                        .to_owned()
                },
            ),
            check(
                "placeholder_tenant_present",
                placeholder.is_some(),
                match placeholder {
                    Some(t) => format!("placeholder tenant {} is present", t.tenant.external.id),
                    None => format!(
                        "no placeholder tenant for site '{}'; create it first",
                        req.site_name
                    ),
                },
            ),
        ];
        let phone_call_tenants = state
            .tenants
            .iter()
            .filter(|t| {
                t.placeholder_for.is_none()
                    && t.tenant.contact_preference == ContactPreference::PhoneCall
            })
            .map(|t| t.tenant.external.clone())
            .collect();
        Ok(PreflightResponse {
            checks,
            phone_call_tenants,
        })
    }

    async fn list_tenants(
        &self,
        req: ListIntercomTenantsRequest,
    ) -> ProviderResult<Page<IntercomTenant>> {
        self.faults.before(self.name(), "list_tenants").await?;
        let state = self.lock();
        if !state.knows(req.building.as_ref()) {
            return Err(unknown_building("list_tenants", req.building.as_ref()));
        }
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

    /// A repeated `idempotency_key` returns the pass created first, whatever the rest of the
    /// request says.
    async fn create_visitor_pass(
        &self,
        req: CreateVisitorPassRequest,
    ) -> ProviderResult<CreateVisitorPassResponse> {
        const OP: &str = "create_visitor_pass";
        self.faults.before(self.name(), OP).await?;
        let mut state = self.lock();
        if let Some(p) = state
            .passes
            .iter()
            .find(|p| p.idempotency_key == req.idempotency_key)
        {
            return Ok(CreateVisitorPassResponse {
                external: p.external.clone(),
                qr_code_url: Some(p.qr_code_url.clone()),
            });
        }
        if !state.integration_enabled {
            return Err(error(
                PROVIDER,
                OP,
                ProviderErrorKind::Forbidden,
                "the integration is not enabled for the building",
            ));
        }
        if req.window.ends_at <= req.window.starts_at {
            return Err(error(
                PROVIDER,
                OP,
                ProviderErrorKind::Rejected,
                "the pass must end after it starts",
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
                ProviderErrorKind::NotFound,
                format!("no tenant {}", req.tenant.id),
            ));
        }
        let id = format!("bmx-pass-{}", state.passes.len() + 1);
        let qr_code_url = format!("https://sandbox-intercom.invalid/qr/{id}");
        let external = Self::external_ref(id);
        state.passes.push(SandboxVisitorPass {
            external: external.clone(),
            tenant: req.tenant,
            visitor_name: req.visitor_name,
            window: req.window,
            idempotency_key: req.idempotency_key,
            qr_code_url: qr_code_url.clone(),
            revoked: false,
        });
        Ok(CreateVisitorPassResponse {
            external,
            qr_code_url: Some(qr_code_url),
        })
    }

    /// Revoking a revoked pass again succeeds.
    async fn revoke_visitor_pass(&self, req: RevokeVisitorPassRequest) -> ProviderResult<()> {
        self.faults
            .before(self.name(), "revoke_visitor_pass")
            .await?;
        let mut state = self.lock();
        match state
            .passes
            .iter_mut()
            .find(|p| p.external.id == req.pass.id)
        {
            Some(p) => {
                p.revoked = true;
                Ok(())
            }
            None => Err(error(
                PROVIDER,
                "revoke_visitor_pass",
                ProviderErrorKind::NotFound,
                format!("no visitor pass {}", req.pass.id),
            )),
        }
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
            building: None,
            site_name: "Harbour View".into(),
            unit_label: "STRATIS".into(),
            tenant_name: "STRATIS User".into(),
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
            tenant: tenant.clone(),
            visitor_name: "Sam Visitor".into(),
            window: window(hours),
            idempotency_key: key.into(),
        }
    }

    fn passed(r: &PreflightResponse, name: &str) -> bool {
        r.checks.iter().find(|c| c.name == name).unwrap().passed
    }

    #[tokio::test]
    async fn ensuring_the_placeholder_twice_leaves_one_unit_and_one_tenant() {
        let i = intercom();
        let (units, tenants) = (i.units().len(), i.tenants().len());
        let first = i.ensure_placeholder(placeholder_req()).await.unwrap();
        assert!(first.created);
        let second = i.ensure_placeholder(placeholder_req()).await.unwrap();
        assert!(!second.created);
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
                building: Some(SandboxIntercom::external_ref("bmx-building-7")),
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
        let i = intercom();
        let req = || PreflightRequest {
            building: Some(i.building()),
            site_name: "Harbour View".into(),
        };
        let before = i.preflight(req()).await.unwrap();
        let names: Vec<&str> = before.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "building_configured",
                "manager_account_active",
                "integration_enabled",
                "placeholder_tenant_present"
            ]
        );
        assert!(!passed(&before, "placeholder_tenant_present"));
        i.ensure_placeholder(placeholder_req()).await.unwrap();
        let after = i.preflight(req()).await.unwrap();
        assert!(after.checks.iter().all(|c| c.passed), "{:?}", after.checks);
    }

    #[tokio::test]
    async fn preflight_follows_the_integration_and_manager_account_flags() {
        let i = intercom();
        i.set_integration_enabled(false);
        i.set_manager_account_active(false);
        let r = i.preflight(PreflightRequest::default()).await.unwrap();
        assert!(passed(&r, "building_configured"));
        assert!(!passed(&r, "integration_enabled"));
        assert!(!passed(&r, "manager_account_active"));
        i.set_integration_enabled(true);
        let r = i.preflight(PreflightRequest::default()).await.unwrap();
        assert!(passed(&r, "integration_enabled"));
        assert!(!passed(&r, "manager_account_active"));
        let r = i
            .preflight(PreflightRequest {
                building: Some(SandboxIntercom::external_ref("bmx-building-7")),
                site_name: String::new(),
            })
            .await
            .unwrap();
        assert!(!passed(&r, "building_configured"));
    }

    #[tokio::test]
    async fn preflight_lists_phone_call_tenants_but_not_the_placeholder() {
        let i = intercom();
        let placeholder = i.ensure_placeholder(placeholder_req()).await.unwrap();
        let first = i.tenants()[0].external.clone();
        assert!(i.set_contact_preference(&first.id, ContactPreference::PhoneCall));
        let r = i.preflight(PreflightRequest::default()).await.unwrap();
        let expected: Vec<ExternalRef> = i
            .tenants()
            .into_iter()
            .filter(|t| t.contact_preference == ContactPreference::PhoneCall)
            .map(|t| t.external)
            .filter(|t| *t != placeholder.tenant)
            .collect();
        assert!(r.phone_call_tenants.contains(&first));
        assert!(!r.phone_call_tenants.contains(&placeholder.tenant));
        assert_eq!(r.phone_call_tenants, expected);
        assert!(i.set_contact_preference(&first.id, ContactPreference::MobileApp));
        let r = i.preflight(PreflightRequest::default()).await.unwrap();
        assert!(!r.phone_call_tenants.contains(&first));
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
            .create_visitor_pass(pass_req(&tenant, "visit-1", 2))
            .await
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(i.passes().len(), 1);
        assert_eq!(
            a.qr_code_url.as_deref(),
            Some(format!("https://sandbox-intercom.invalid/qr/{}", a.external.id).as_str())
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
        let revoke = |id: &ExternalRef| RevokeVisitorPassRequest { pass: id.clone() };
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
                    building: None,
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
