//! The intercom's checks of a site (R-VISIT-2), in order: the admin's consent gives a token,
//! our application sees the building, the placeholder unit and tenant exist where they belong,
//! and the building has doors. Each check says what was found or what to do; a check whose
//! premise failed says "not checked: …". A vendor's "no" is a failed check; only a failure
//! that may pass (a timeout, a 5xx) is an error, as it gives no verdict.

use crate::Inner;
use crate::map::id_of;
use crate::wire;
use concierge_core::{
    PreflightCheck, PreflightCheckName as Name, PreflightRequest, PreflightResponse, ProviderError,
    ProviderErrorKind, ProviderResult,
};
use serde_json::Value;

const OP: &str = "preflight";

/// Whether a failure is the vendor's verdict (a refusal) rather than a passing failure.
fn verdict(e: &ProviderError) -> bool {
    !e.retryable() && e.retry != concierge_core::RetryClass::UnknownOutcome
}

/// Fails the remaining checks, in order, as not checked for `reason`.
fn skip_rest(checks: &mut Vec<PreflightCheck>, reason: &str) {
    let done: Vec<Name> = checks.iter().map(|c| c.name).collect();
    for name in [
        Name::ManagerAccountActive,
        Name::IntegrationEnabled,
        Name::PlaceholderUnit,
        Name::PlaceholderTenant,
        Name::AccessPoints,
    ] {
        if !done.contains(&name) {
            checks.push(PreflightCheck::new(
                name,
                false,
                format!("not checked: {reason}"),
            ));
        }
    }
}

/// Runs every check.
pub(crate) async fn run(inner: &Inner, req: PreflightRequest) -> ProviderResult<PreflightResponse> {
    let building = id_of(OP, "building", &req.building)?;
    let mut checks = Vec::new();

    // 1. The admin's consent gives a token.
    match inner.api.keeper.access(OP).await {
        Ok(_) => checks.push(PreflightCheck::new(
            Name::ManagerAccountActive,
            true,
            "the building admin's consent gives an access token",
        )),
        Err(e) if verdict(&e) => {
            checks.push(PreflightCheck::new(
                Name::ManagerAccountActive,
                false,
                format!("{}; consent page: {}", e.message, inner.consent_url()),
            ));
            skip_rest(&mut checks, "no access token");
            return Ok(PreflightResponse { checks });
        }
        Err(e) => return Err(e),
    }

    // 2. Our application sees the building.
    let path = format!("/v4/buildings/{building}");
    match inner.api.get::<wire::One<Value>>(OP, &path, &[]).await {
        Ok(found) => {
            let name = found
                .data
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned();
            let zone = found
                .data
                .get("time_zone")
                .and_then(Value::as_str)
                .unwrap_or("no time zone")
                .to_owned();
            checks.push(PreflightCheck::new(
                Name::IntegrationEnabled,
                true,
                format!(
                    "ButterflyMX shows building {building} ({name}, {zone}) to our application"
                ),
            ));
        }
        Err(e)
            if matches!(
                e.kind,
                ProviderErrorKind::NotFound
                    | ProviderErrorKind::Unauthorized
                    | ProviderErrorKind::Forbidden
            ) =>
        {
            checks.push(PreflightCheck::new(
                Name::IntegrationEnabled,
                false,
                format!(
                    "ButterflyMX does not show building {building} to our application (HTTP {}): ask ButterflyMX \
                     to enable the integration for this building, and check the admin who consented manages it",
                    e.http_status.unwrap_or_default()
                ),
            ));
            skip_rest(
                &mut checks,
                "the building is not visible to our application",
            );
            return Ok(PreflightResponse { checks });
        }
        Err(e) => return Err(e),
    }

    // 3. The placeholder unit.
    let unit_ok = match &req.unit {
        None => {
            checks.push(PreflightCheck::new(
                Name::PlaceholderUnit,
                false,
                "no placeholder unit was provisioned: provision the site's placeholder",
            ));
            None
        }
        Some(unit_ref) => {
            let unit = id_of(OP, "unit", unit_ref)?;
            match inner
                .api
                .get::<wire::One<wire::Unit>>(OP, &format!("/v4/units/{unit}"), &[])
                .await
            {
                Ok(found) if found.data.building_id.is_none_or(|b| b == building) => {
                    let label = found.data.label.unwrap_or_default();
                    checks.push(PreflightCheck::new(
                        Name::PlaceholderUnit,
                        true,
                        format!("placeholder unit {unit} ({label}) is in the building"),
                    ));
                    Some(unit)
                }
                Ok(_) => {
                    checks.push(PreflightCheck::new(
                        Name::PlaceholderUnit,
                        false,
                        format!("unit {unit} is in another building: provision the site's placeholder again"),
                    ));
                    None
                }
                Err(e) if e.kind == ProviderErrorKind::NotFound => {
                    checks.push(PreflightCheck::new(
                        Name::PlaceholderUnit,
                        false,
                        format!("placeholder unit {unit} no longer exists on ButterflyMX: provision the site's placeholder again"),
                    ));
                    None
                }
                Err(e) => return Err(e),
            }
        }
    };

    // 4. The placeholder tenant, in the placeholder unit.
    match (unit_ok, &req.tenant) {
        (None, _) => checks.push(PreflightCheck::new(
            Name::PlaceholderTenant,
            false,
            "not checked: the placeholder unit is missing",
        )),
        (Some(_), None) => checks.push(PreflightCheck::new(
            Name::PlaceholderTenant,
            false,
            "no placeholder tenant was provisioned: provision the site's placeholder",
        )),
        (Some(unit), Some(tenant_ref)) => {
            let tenant = id_of(OP, "tenant", tenant_ref)?;
            match inner.api.get::<wire::One<wire::Tenant>>(OP, &format!("/v4/tenants/{tenant}"), &[]).await {
                Ok(found) => {
                    let in_unit = found.data.unit.as_ref().and_then(|u| u.id);
                    let passed = in_unit == Some(unit) && found.data.building_id.is_none_or(|b| b == building);
                    let detail = if passed {
                        format!("placeholder tenant {tenant} is in placeholder unit {unit}")
                    } else {
                        format!(
                            "tenant {tenant} is not in placeholder unit {unit}: provision the site's placeholder again"
                        )
                    };
                    checks.push(PreflightCheck::new(Name::PlaceholderTenant, passed, detail));
                }
                Err(e) if e.kind == ProviderErrorKind::NotFound => checks.push(PreflightCheck::new(
                    Name::PlaceholderTenant,
                    false,
                    format!("placeholder tenant {tenant} no longer exists on ButterflyMX: provision the site's placeholder again"),
                )),
                Err(e) => return Err(e),
            }
        }
    }

    // 5. Doors a pass can open.
    let doors = inner.doors.fetch(&inner.api, OP, building).await?;
    checks.push(if doors.is_empty() {
        PreflightCheck::new(
            Name::AccessPoints,
            false,
            "ButterflyMX shows no access points (doors) for the building: ask the building admin or \
             ButterflyMX to set them up, or to give our application access to them",
        )
    } else {
        PreflightCheck::new(
            Name::AccessPoints,
            true,
            format!("{} access point(s) a visitor pass will open", doors.len()),
        )
    });
    Ok(PreflightResponse { checks })
}
