//! The site's placeholder unit and tenant (R-VISIT-1), looked up before they are created and
//! adopted when found, so retries, lost replies and a second process never make two: the
//! vendor has no idempotency key, but refuses a second unit label (422 `taken`) in a building
//! and a second tenant email.

use crate::client::{Api, is_vendor, maybe_done};
use crate::map::{external, id_of, instant, rejected};
use crate::wire;
use chrono::Utc;
use concierge_core::{
    EnsurePlaceholderRequest, EnsurePlaceholderResponse, ProviderError, ProviderResult,
};
use concierge_http::RetryPolicy;
use serde_json::{Value, json};

const OP: &str = "ensure_placeholder";

/// A non-blank field of the request.
fn required<'a>(value: &'a str, what: &str) -> ProviderResult<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        return Err(rejected(
            OP,
            format!("the placeholder {what} must not be empty"),
        ));
    }
    Ok(value)
}

/// Waits before creating again after a create failed without an answer to act on.
async fn pause(policy: &RetryPolicy, attempt: u32, e: &ProviderError) {
    let backoff = policy
        .initial_backoff
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(policy.max_backoff);
    tokio::time::sleep(e.retry_after.unwrap_or(backoff).min(policy.max_backoff)).await;
}

/// Whether a failed create is worth a look-up and another try: the record was taken (by a
/// concurrent caller), the answer was lost, or the failure passes.
fn recoverable(e: &ProviderError) -> bool {
    is_vendor(e, "taken") || maybe_done(e) || e.retryable()
}

/// The unit labelled `label` (case-insensitively) in `building`, lowest id first.
async fn find_unit(api: &Api, building: i64, label: &str) -> ProviderResult<Option<i64>> {
    let filters = [
        ("q[building_id_eq]", building.to_string()),
        ("q[label_eq]", label.to_owned()),
    ];
    let page = api.page(OP, "/v4/units", &filters, 1).await?;
    let mut ids: Vec<i64> = page
        .data
        .into_iter()
        .filter_map(|v| serde_json::from_value::<wire::Unit>(v).ok())
        .filter(|u| u.building_id.is_none_or(|b| b == building))
        .filter(|u| {
            u.label
                .as_deref()
                .is_some_and(|l| l.trim().eq_ignore_ascii_case(label))
        })
        .map(|u| u.id)
        .collect();
    ids.sort_unstable();
    Ok(ids.first().copied())
}

/// The tenant of `unit` with `email` (case-insensitively), lowest id first. The vendor has no
/// email filter: the unit's tenants are read and matched here.
async fn find_tenant(api: &Api, unit: i64, email: &str) -> ProviderResult<Option<i64>> {
    let filters = [("q[unit_id_eq]", unit.to_string())];
    let tenants = api.all(OP, "/v4/tenants", &filters).await?;
    let mut ids: Vec<i64> = tenants
        .into_iter()
        .filter_map(|v| serde_json::from_value::<wire::Tenant>(v).ok())
        .filter(|t| t.unit.as_ref().and_then(|u| u.id).is_none_or(|u| u == unit))
        .filter(|t| {
            t.email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
        })
        .map(|t| t.id)
        .collect();
    ids.sort_unstable();
    Ok(ids.first().copied())
}

/// Finds or creates the unit; `true` when this call created it.
async fn ensure_unit(
    api: &Api,
    policy: &RetryPolicy,
    building: i64,
    label: &str,
    floor: &str,
) -> ProviderResult<(i64, bool)> {
    if let Some(unit) = find_unit(api, building, label).await? {
        return Ok((unit, false));
    }
    let path = format!("/v4/buildings/{building}/units");
    let body = json!({ "unit": { "label": label, "floor": floor } });
    let attempts = policy.max_attempts.max(1);
    for attempt in 1..=attempts {
        let e = match api.create::<wire::One<wire::Unit>>(OP, &path, &body).await {
            Ok(created) => return Ok((created.data.id, true)),
            Err(e) if recoverable(&e) => e,
            Err(e) => return Err(e),
        };
        if let Some(unit) = find_unit(api, building, label).await? {
            return Ok((unit, false));
        }
        if is_vendor(&e, "taken") || attempt == attempts {
            return Err(e);
        }
        pause(policy, attempt, &e).await;
    }
    unreachable!("the loop returns on its last attempt")
}

/// Finds or creates the tenant; `true` when this call created it. A unit this call just
/// created has no tenants: the look-up is skipped.
#[allow(clippy::too_many_arguments)]
async fn ensure_tenant(
    api: &Api,
    policy: &RetryPolicy,
    unit: i64,
    new_unit: bool,
    first_name: &str,
    last_name: &str,
    email: &str,
) -> ProviderResult<(i64, bool)> {
    if !new_unit && let Some(tenant) = find_tenant(api, unit, email).await? {
        return Ok((tenant, false));
    }
    let attempts = policy.max_attempts.max(1);
    for attempt in 1..=attempts {
        let body: Value = json!({ "tenant": {
            "unit_id": unit,
            "active_at": instant(Utc::now()),
            "user_attributes": { "first_name": first_name, "last_name": last_name, "email": email },
        }});
        let mut e = match api
            .create::<wire::One<wire::Tenant>>(OP, "/v4/tenants", &body)
            .await
        {
            Ok(created) => return Ok((created.data.id, true)),
            Err(e) if recoverable(&e) => e,
            Err(e) => return Err(e),
        };
        if let Some(tenant) = find_tenant(api, unit, email).await? {
            return Ok((tenant, false));
        }
        if is_vendor(&e, "taken") {
            e.message = format!(
                "{}: the placeholder email belongs to a tenant outside the placeholder unit; \
                 remove that tenant or give the site another placeholder email",
                e.message
            );
            return Err(e);
        }
        if attempt == attempts {
            return Err(e);
        }
        pause(policy, attempt, &e).await;
    }
    unreachable!("the loop returns on its last attempt")
}

/// Ensures the placeholder unit, then its tenant.
pub(crate) async fn ensure(
    api: &Api,
    policy: &RetryPolicy,
    req: EnsurePlaceholderRequest,
) -> ProviderResult<EnsurePlaceholderResponse> {
    let building = id_of(OP, "building", &req.building)?;
    let label = required(&req.unit_label, "unit label")?;
    let floor = required(&req.unit_floor, "unit floor")?;
    let first_name = required(&req.tenant_first_name, "tenant first name")?;
    let last_name = required(&req.tenant_last_name, "tenant last name")?;
    let email = required(&req.tenant_email, "tenant email")?;
    let (unit, created_unit) = ensure_unit(api, policy, building, label, floor).await?;
    let (tenant, created_tenant) = ensure_tenant(
        api,
        policy,
        unit,
        created_unit,
        first_name,
        last_name,
        email,
    )
    .await?;
    Ok(EnsurePlaceholderResponse {
        unit: external(unit),
        tenant: external(tenant),
        created_unit,
        created_tenant,
    })
}
