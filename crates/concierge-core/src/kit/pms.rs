//! The conformance kit's checks of a PMS adapter: paging, one record once, records of the
//! property asked for, several properties per listing, unknown cursors, secrets.

use super::*;

/// Runs the PMS checks against `pms`: it pages through its properties, and the units and
/// residents of the first [`PROPERTIES_CHECKED`]; no error it gives may hold one of `secrets`
/// (its credentials). It only reads.
pub async fn check_pms(pms: &dyn PmsProvider, secrets: &[SecretString]) -> AdapterReport {
    let name = pms.name().to_owned();
    let mut report = AdapterReport::new(&name);
    let errors = Errors::default();

    let listed =
        page_through(|cursor| errors.see(pms.list_properties(ListPmsPropertiesRequest { cursor })))
            .await;
    let properties: Vec<PmsProperty> = match listed {
        Ok((items, unreadable, pages)) => {
            let check = unique("property", items.iter().map(|p| &p.external))
                .and_then(|()| ours(&name, "property", items.iter().map(|p| &p.external)))
                .map(|()| {
                    format!(
                        "{} properties ({unreadable} unreadable) in {pages} pages",
                        items.len()
                    )
                });
            report.record(
                "properties_page_through",
                "properties page to an end, each once, each named by the adapter",
                check,
            );
            items
        }
        Err(v) => {
            report.record(
                "properties_page_through",
                "properties page to an end, each once",
                Err(v),
            );
            Vec::new()
        }
    };

    let checked: Vec<&PmsProperty> = properties.iter().take(PROPERTIES_CHECKED).collect();
    let mut unit_failures = Vec::new();
    let mut resident_failures = Vec::new();
    let mut unit_count = 0;
    let mut resident_count = 0;
    for property in &checked {
        let one = vec![property.external.clone()];
        let units = page_through(|cursor| {
            errors.see(pms.list_units(ListPmsUnitsRequest {
                properties: one.clone(),
                cursor,
            }))
        })
        .await
        .and_then(|(items, _, _)| {
            let refs = items.iter().map(|u| (&u.external, &u.property));
            of_property(&name, "unit", &property.external, refs)?;
            Ok(items)
        });
        let units = match units {
            Ok(units) => units,
            Err(Verdict::Failed(why)) | Err(Verdict::Skipped(why)) => {
                unit_failures.push(format!("property {}: {why}", property.external.id));
                continue;
            }
        };
        unit_count += units.len();
        let unit_ids: HashSet<&ExternalRef> = units.iter().map(|u| &u.external).collect();
        let residents = page_through(|cursor| {
            errors.see(pms.list_residents(ListPmsResidentsRequest {
                properties: one.clone(),
                updated_since: None,
                cursor,
            }))
        })
        .await
        .and_then(|(items, _, _)| {
            let refs = items.iter().map(|r| (&r.external, &r.property));
            of_property(&name, "resident", &property.external, refs)?;
            if let Some(r) = items.iter().find(|r| !unit_ids.contains(&r.unit)) {
                return failed(format!(
                    "resident {} lives in unit {}, which the property's unit listing did not show",
                    r.external.id, r.unit.id
                ));
            }
            Ok(items.len())
        });
        match residents {
            Ok(n) => resident_count += n,
            Err(Verdict::Failed(why)) | Err(Verdict::Skipped(why)) => {
                resident_failures.push(format!("property {}: {why}", property.external.id));
            }
        }
    }
    let skipped = || Err(Verdict::Skipped("the PMS lists no property".into()));
    report.record(
        "units_page_through",
        "a property's units page to an end, each once, each naming the property asked for",
        if checked.is_empty() {
            skipped()
        } else if unit_failures.is_empty() {
            Ok(format!(
                "{unit_count} units of {} properties",
                checked.len()
            ))
        } else {
            failed(unit_failures.join("; "))
        },
    );
    report.record(
        "residents_page_through",
        "a property's residents page to an end, each once, in units the unit listing shows",
        if checked.is_empty() {
            skipped()
        } else if resident_failures.is_empty() {
            Ok(format!(
                "{resident_count} residents of {} properties",
                checked.len()
            ))
        } else {
            failed(resident_failures.join("; "))
        },
    );

    // Several properties in one listing: each property's records together.
    let per_listing = pms.properties_per_listing();
    let together = if per_listing < 2 {
        Err(Verdict::Skipped(format!(
            "the adapter lists {per_listing} property at a time"
        )))
    } else if checked.len() < 2 {
        Err(Verdict::Skipped(
            "fewer than two properties to list together".into(),
        ))
    } else {
        let two: Vec<ExternalRef> = checked.iter().take(2).map(|p| p.external.clone()).collect();
        page_through(|cursor| {
            errors.see(pms.list_residents(ListPmsResidentsRequest {
                properties: two.clone(),
                updated_since: None,
                cursor,
            }))
        })
        .await
        .and_then(|(items, _, _)| {
            let mut left: Vec<&ExternalRef> = Vec::new();
            for r in &items {
                if !two.contains(&r.property) {
                    return failed(format!(
                        "resident {} names a property not asked for",
                        r.external.id
                    ));
                }
                if left.last() != Some(&&r.property) {
                    if left.contains(&&r.property) {
                        return failed(format!(
                            "property {}'s residents came back after another property's",
                            r.property.id
                        ));
                    }
                    left.push(&r.property);
                }
            }
            Ok(format!(
                "{} residents of 2 properties, each property's together",
                items.len()
            ))
        })
    };
    report.record(
        "properties_listed_together",
        "a listing of several properties keeps each property's records together",
        together,
    );

    // A cursor the adapter never issued.
    let refused = match checked.first() {
        None => skipped(),
        Some(property) => refused_cursor(
            errors
                .see(pms.list_units(ListPmsUnitsRequest {
                    properties: vec![property.external.clone()],
                    cursor: Some(Cursor(NOT_A_CURSOR.into())),
                }))
                .await,
            &name,
            "list_units",
        ),
    };
    report.record("unknown_cursor_refused", CURSOR_RULE, refused);
    errors.check_secrets(&mut report, secrets);
    report
}
