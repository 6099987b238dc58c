//! The conformance kit's checks of a strata adapter: buildings and users page to an end, each
//! once, users of the building asked for with at least one lot, a building read alone as it
//! was listed, unknown buildings and cursors refused, secrets. It only reads.

use super::*;

/// Runs the strata checks against `strata`: it pages through its buildings, reads the first
/// [`PROPERTIES_CHECKED`] active ones alone and pages through their users; no error it gives
/// may hold one of `secrets` (its credentials).
pub async fn check_strata(strata: &dyn StrataProvider, secrets: &[SecretString]) -> AdapterReport {
    let name = strata.name().to_owned();
    let mut report = AdapterReport::new(&name);
    let errors = Errors::default();

    let listed = page_through(|cursor| {
        errors.see(strata.list_buildings(ListStrataBuildingsRequest { cursor }))
    })
    .await;
    let buildings: Vec<StrataBuilding> = match listed {
        Ok((items, unreadable, pages)) => {
            let check = unique("building", items.iter().map(|b| &b.external))
                .and_then(|()| ours(&name, "building", items.iter().map(|b| &b.external)))
                .map(|()| {
                    format!(
                        "{} buildings ({unreadable} unreadable) in {pages} pages",
                        items.len()
                    )
                });
            report.record("buildings_page_through", BUILDINGS_RULE, check);
            items
        }
        Err(v) => {
            report.record("buildings_page_through", BUILDINGS_RULE, Err(v));
            Vec::new()
        }
    };
    let checked: Vec<&StrataBuilding> = buildings
        .iter()
        .filter(|b| b.status == StrataBuildingStatus::Active)
        .take(PROPERTIES_CHECKED)
        .collect();
    let none = || {
        Err(Verdict::Skipped(
            "the strata system lists no active building".into(),
        ))
    };

    // Each building read alone is the building listed.
    let mut read_failures = Vec::new();
    for building in &checked {
        let read = errors
            .see(strata.get_building(GetStrataBuildingRequest {
                building: Some(building.external.clone()),
            }))
            .await;
        match read {
            Ok(b) if b == **building => {}
            Ok(b) => read_failures.push(format!(
                "building {} read alone is {:?} ({}), listed as {:?} ({})",
                building.external.id, b.name, b.plan_number, building.name, building.plan_number
            )),
            Err(e) => read_failures.push(format!("building {}: {e}", building.external.id)),
        }
    }
    report.record(
        "building_read_as_listed",
        "a building read alone is the building the listing gave",
        if checked.is_empty() {
            none()
        } else if read_failures.is_empty() {
            Ok(format!("{} buildings", checked.len()))
        } else {
            failed(read_failures.join("; "))
        },
    );

    // Users of each building.
    let mut user_failures = Vec::new();
    let mut user_count = 0;
    for building in &checked {
        let asked = building.external.clone();
        let users = page_through(|cursor| {
            errors.see(strata.list_users(ListStrataUsersRequest {
                building: Some(asked.clone()),
                cursor,
            }))
        })
        .await
        .and_then(|(items, _, _)| {
            let refs = items.iter().map(|u| (&u.external, &u.building));
            of_property(&name, "user", &asked, refs)?;
            if let Some(u) = items.iter().find(|u| u.lots.is_empty()) {
                return failed(format!("user {} holds no lot", u.external.id));
            }
            if let Some(u) = items.iter().find(|u| u.display_name.trim().is_empty()) {
                return failed(format!("user {} has no name", u.external.id));
            }
            Ok(items.len())
        });
        match users {
            Ok(n) => user_count += n,
            Err(Verdict::Failed(why)) | Err(Verdict::Skipped(why)) => {
                user_failures.push(format!("building {}: {why}", asked.id));
            }
        }
    }
    report.record(
        "users_page_through",
        "a building's users page to an end, each once, each naming the building asked for and \
         holding at least one lot",
        if checked.is_empty() {
            none()
        } else if user_failures.is_empty() {
            Ok(format!("{user_count} users of {} buildings", checked.len()))
        } else {
            failed(user_failures.join("; "))
        },
    );

    // A building the strata system does not have.
    let unknown = ExternalRef::new(
        &name,
        made_up_id(buildings.first().map(|b| b.external.id.as_str())),
    );
    let missing = errors
        .see(strata.get_building(GetStrataBuildingRequest {
            building: Some(unknown),
        }))
        .await;
    report.record(
        "unknown_building_not_found",
        "a building the strata system does not have (or no longer shares) is not_found or \
         forbidden, naming the provider and operation, not retryable",
        refused_for_good(
            missing,
            &name,
            "get_building",
            &[ProviderErrorKind::NotFound, ProviderErrorKind::Forbidden],
            |b| format!("a made-up building was answered as {:?}", b.name),
        ),
    );

    let refused = refused_cursor(
        errors
            .see(strata.list_buildings(ListStrataBuildingsRequest {
                cursor: Some(Cursor(NOT_A_CURSOR.into())),
            }))
            .await,
        &name,
        "list_buildings",
    );
    report.record("unknown_cursor_refused", CURSOR_RULE, refused);
    errors.check_secrets(&mut report, secrets);
    report
}

const BUILDINGS_RULE: &str = "buildings page to an end, each once, each named by the adapter";
