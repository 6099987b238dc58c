//! The conformance kit's checks of an intercom adapter: buildings page to an end, a building
//! read alone as listed, unknown buildings and cursors refused, the placeholder made once, a
//! pass made once for exactly its window and found again after a lost reply, revoking twice
//! harmless, a made-up consent code refused, secrets. It writes on the building named: a
//! placeholder unit and tenant (adopted by later runs) and one visitor pass, which it revokes.

use super::*;
use crate::TimeWindow;
use chrono::{DurationRound, TimeDelta, Utc};

/// The placeholder the kit provisions: the same on every run, so later runs adopt it.
fn kit_placeholder(building: &ExternalRef) -> EnsurePlaceholderRequest {
    EnsurePlaceholderRequest {
        building: building.clone(),
        unit_label: "Concierge Kit".into(),
        unit_floor: "0".into(),
        tenant_first_name: "Concierge".into(),
        tenant_last_name: "Kit".into(),
        tenant_email: "concierge-kit@example.com".into(),
    }
}

/// Runs the intercom checks against `intercom`, writing on its building `building_id` (with a
/// fresh pass named from `run_id`); no error it gives may hold one of `secrets` (its
/// credentials) or the made-up consent code the kit hands it.
pub async fn check_intercom(
    intercom: &dyn IntercomProvider,
    building_id: &str,
    run_id: &str,
    secrets: &[SecretString],
) -> AdapterReport {
    let name = intercom.name().to_owned();
    let mut report = AdapterReport::new(&name);
    let errors = Errors::default();
    let mut secrets = secrets.to_vec();

    let listed = page_through(|cursor| errors.see(intercom.list_buildings(cursor))).await;
    let target = match listed {
        Ok((items, unreadable, pages)) => {
            let refs = || items.iter().map(|b| &b.external);
            let check = unique("building", refs())
                .and_then(|()| ours(&name, "building", refs()))
                .and_then(|()| {
                    items
                        .iter()
                        .find(|b| b.external.id == building_id)
                        .ok_or_else(|| {
                            Verdict::Failed(format!("building {building_id} is not listed"))
                        })
                });
            let target = check.as_ref().ok().map(|b| (*b).clone());
            report.record(
                "buildings_page_through",
                "buildings page to an end, each once, each named by the adapter, the one \
                 checked among them",
                check.map(|_| {
                    format!(
                        "{} buildings ({unreadable} unreadable) in {pages} pages",
                        items.len()
                    )
                }),
            );
            target
        }
        Err(v) => {
            report.record(
                "buildings_page_through",
                "buildings page to an end, each once",
                Err(v),
            );
            None
        }
    };

    let read = match &target {
        None => Err(Verdict::Skipped(format!(
            "building {building_id} is not listed"
        ))),
        Some(b) => match errors
            .see(intercom.get_building(GetIntercomBuildingRequest {
                building: b.external.clone(),
            }))
            .await
        {
            Ok(read) if read == *b => Ok(format!("{} ({:?})", read.name, read.time_zone)),
            Ok(read) => failed(format!("read alone it is {read:?}, listed as {b:?}")),
            Err(e) => failed(e.to_string()),
        },
    };
    report.record(
        "building_read_as_listed",
        "a building read alone is the building the listing gave",
        read,
    );

    let missing = errors
        .see(intercom.get_building(GetIntercomBuildingRequest {
            building: ExternalRef::new(
                &name,
                made_up_id(target.as_ref().map(|b| b.external.id.as_str())),
            ),
        }))
        .await;
    report.record(
        "unknown_building_not_found",
        "a building the intercom does not have (or does not share) is not_found or forbidden, \
         naming the provider and operation, not retryable",
        refused_for_good(
            missing,
            &name,
            "get_building",
            &[ProviderErrorKind::NotFound, ProviderErrorKind::Forbidden],
            |b| format!("a made-up building was answered as {:?}", b.name),
        ),
    );

    // A made-up consent code: refused, and kept out of the error.
    match intercom.consent_url() {
        None => report.record(
            CONSENT_CHECK.0,
            CONSENT_CHECK.1,
            Err(Verdict::Skipped("the intercom needs no consent".into())),
        ),
        Some(_) => {
            let code = canary(run_id);
            secrets.push(code.clone());
            let answered = errors
                .see(intercom.authorize(AuthorizeIntercomRequest { code }))
                .await;
            report.record(
                CONSENT_CHECK.0,
                CONSENT_CHECK.1,
                match answered {
                    Ok(()) => failed("a made-up consent code was accepted"),
                    Err(e) => {
                        names(&e, &name, "authorize").map(|()| format!("refused: {}", e.kind))
                    }
                },
            );
        }
    }

    let Some(building) = target.map(|b| b.external) else {
        for (check, rule) in WRITE_CHECKS {
            report.record(
                check,
                rule,
                Err(Verdict::Skipped("no building to write on".into())),
            );
        }
        errors.check_secrets(&mut report, &secrets);
        return report;
    };

    // The placeholder, twice.
    let request = kit_placeholder(&building);
    let first = errors
        .see(intercom.ensure_placeholder(request.clone()))
        .await;
    let second = errors.see(intercom.ensure_placeholder(request)).await;
    let placeholder = match (first, second) {
        (Ok(a), Ok(b)) if a.unit != b.unit || a.tenant != b.tenant => {
            Err(Verdict::Failed(format!(
                "the second call gave unit {} and tenant {}, the first {} and {}",
                b.unit.id, b.tenant.id, a.unit.id, a.tenant.id
            )))
        }
        (Ok(_), Ok(b)) if b.created_unit || b.created_tenant => Err(Verdict::Failed(
            "the second call says it created the unit or the tenant again".into(),
        )),
        (Ok(a), Ok(_)) => Ok(a),
        (Err(e), _) | (_, Err(e)) => Err(Verdict::Failed(e.to_string())),
    };
    let made = placeholder.as_ref().ok().cloned();
    report.record(
        WRITE_CHECKS[0].0,
        WRITE_CHECKS[0].1,
        placeholder.map(|p| format!("unit {}, tenant {}", p.unit.id, p.tenant.id)),
    );
    let Some(made) = made else {
        for (check, rule) in &WRITE_CHECKS[1..] {
            report.record(
                check,
                rule,
                Err(Verdict::Skipped(
                    "no placeholder tenant to issue passes through".into(),
                )),
            );
        }
        errors.check_secrets(&mut report, &secrets);
        return report;
    };

    // The preflight sees it.
    let preflight = errors
        .see(intercom.preflight(PreflightRequest {
            building: building.clone(),
            unit: Some(made.unit.clone()),
            tenant: Some(made.tenant.clone()),
        }))
        .await;
    report.record(
        WRITE_CHECKS[1].0,
        WRITE_CHECKS[1].1,
        match preflight {
            Err(e) => failed(e.to_string()),
            Ok(p) => {
                let about_placeholder: Vec<&PreflightCheck> = p
                    .checks
                    .iter()
                    .filter(|c| {
                        matches!(
                            c.name,
                            PreflightCheckName::PlaceholderUnit
                                | PreflightCheckName::PlaceholderTenant
                        )
                    })
                    .collect();
                match about_placeholder.iter().find(|c| !c.passed) {
                    _ if about_placeholder.is_empty() => Err(Verdict::Skipped(
                        "the preflight answers no placeholder check".into(),
                    )),
                    Some(c) => failed(format!("{} failed: {}", c.name.as_str(), c.detail)),
                    None => Ok(format!("{} checks", p.checks.len())),
                }
            }
        },
    );

    // A pass, then the same pass asked again as after a lost reply.
    let starts_at = (Utc::now() + TimeDelta::days(1))
        .duration_trunc(TimeDelta::minutes(1))
        .unwrap_or_else(|_| Utc::now() + TimeDelta::days(1));
    let window = TimeWindow {
        starts_at,
        ends_at: starts_at + TimeDelta::hours(2),
    };
    let pass_request = CreateVisitorPassRequest {
        building: building.clone(),
        tenant: made.tenant.clone(),
        visitor_name: "Concierge Kit".into(),
        window,
        idempotency_key: format!("concierge-kit-{run_id}"),
        retry: false,
    };
    let created = errors
        .see(intercom.create_visitor_pass(pass_request.clone()))
        .await;
    let pass = created.as_ref().ok().map(|p| p.external.clone());
    report.record(
        WRITE_CHECKS[2].0,
        WRITE_CHECKS[2].1,
        match &created {
            Ok(p) if p.window == window => Ok(format!("pass {}", p.external.id)),
            Ok(p) => failed(format!(
                "asked for {} to {}, the intercom recorded {} to {}",
                window.starts_at, window.ends_at, p.window.starts_at, p.window.ends_at
            )),
            Err(e) => failed(e.to_string()),
        },
    );
    let again = match &pass {
        None => Err(Verdict::Skipped("no pass was made".into())),
        Some(first) => match errors
            .see(intercom.create_visitor_pass(CreateVisitorPassRequest {
                retry: true,
                ..pass_request
            }))
            .await
        {
            Ok(p) if p.external == *first => Ok(format!("pass {} found again", first.id)),
            Ok(p) => failed(format!(
                "a retry made pass {} beside pass {}: a lost reply makes two passes",
                p.external.id, first.id
            )),
            Err(e) => failed(e.to_string()),
        },
    };
    report.record(WRITE_CHECKS[3].0, WRITE_CHECKS[3].1, again);

    let revoked = match pass {
        None => Err(Verdict::Skipped("no pass was made".into())),
        Some(pass) => {
            let request = RevokeVisitorPassRequest { visitor_pass: pass };
            match errors
                .see(intercom.revoke_visitor_pass(request.clone()))
                .await
            {
                Err(e) => failed(e.to_string()),
                Ok(()) => match errors.see(intercom.revoke_visitor_pass(request)).await {
                    Ok(()) => Ok("revoked; again: done".into()),
                    Err(e) if e.kind == ProviderErrorKind::NotFound => {
                        Ok("revoked; again: not found".into())
                    }
                    Err(e) => failed(format!("revoking again: {e}")),
                },
            }
        }
    };
    report.record(WRITE_CHECKS[4].0, WRITE_CHECKS[4].1, revoked);

    let refused = refused_cursor(
        errors
            .see(intercom.list_tenants(ListIntercomTenantsRequest {
                building,
                cursor: Some(Cursor(NOT_A_CURSOR.into())),
            }))
            .await,
        &name,
        "list_tenants",
    );
    report.record(WRITE_CHECKS[5].0, CURSOR_RULE, refused);
    errors.check_secrets(&mut report, &secrets);
    report
}

const CONSENT_CHECK: (&str, &str) = (
    "made_up_consent_refused",
    "a consent code the intercom never issued is refused, with an error naming the provider \
     and operation",
);

const WRITE_CHECKS: [(&str, &str); 6] = [
    (
        "placeholder_once",
        "provisioning the placeholder twice makes one unit and one tenant, the second call \
         adopting them",
    ),
    (
        "preflight_sees_placeholder",
        "after provisioning, the preflight's placeholder checks pass",
    ),
    (
        "pass_window_kept",
        "a visitor pass works for exactly the window asked for",
    ),
    (
        "lost_reply_found_again",
        "a pass asked for again as a retry (its reply lost) is found, not made twice",
    ),
    (
        "revoke_twice_harmless",
        "revoking a pass succeeds, and revoking it again succeeds or is not_found",
    ),
    ("unknown_cursor_refused", CURSOR_RULE),
];
