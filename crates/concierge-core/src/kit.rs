//! The provider conformance kit (R-SDK-1): checks an adapter author runs against their own
//! PMS or key encoder, in any language, to learn whether it honours what the engine relies on.
//! Each check has a stable name and says why it failed; the report lists them all.
//!
//! PMS checks read only. Key encoder checks write one key on the encoder named and cancel it:
//! run them against a test account.

use crate::error::{ProviderError, ProviderErrorKind};
use crate::ids::ExternalRef;
use crate::providers::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::future::Future;

/// How many pages one listing may take before the kit calls it endless.
pub const MAX_PAGES: usize = 10_000;

/// How many properties the PMS checks list units and residents of.
pub const PROPERTIES_CHECKED: usize = 3;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The adapter does what the engine relies on.
    Passed,
    /// It does not: `detail` says how.
    Failed,
    /// Not run: `detail` says why (nothing to check it on).
    Skipped,
}

/// One check of the kit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdapterCheck {
    /// Its stable name (`units_page_through`, `encode_once`…).
    pub name: String,
    /// What the engine relies on, in words.
    pub rule: String,
    /// Passed, failed or skipped.
    pub outcome: CheckOutcome,
    /// Why it failed or was skipped, or what it saw.
    pub detail: String,
}

/// What the kit found of one adapter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdapterReport {
    /// The adapter's name.
    pub provider: String,
    /// Every check, in the order run.
    pub checks: Vec<AdapterCheck>,
    /// How many passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// How many were skipped.
    pub skipped: usize,
}

impl AdapterReport {
    fn new(provider: &str) -> Self {
        Self {
            provider: provider.to_owned(),
            checks: Vec::new(),
            passed: 0,
            failed: 0,
            skipped: 0,
        }
    }

    fn record(&mut self, name: &str, rule: &str, outcome: Result<String, Verdict>) {
        let (outcome, detail) = match outcome {
            Ok(seen) => (CheckOutcome::Passed, seen),
            Err(Verdict::Failed(why)) => (CheckOutcome::Failed, why),
            Err(Verdict::Skipped(why)) => (CheckOutcome::Skipped, why),
        };
        match outcome {
            CheckOutcome::Passed => self.passed += 1,
            CheckOutcome::Failed => self.failed += 1,
            CheckOutcome::Skipped => self.skipped += 1,
        }
        self.checks.push(AdapterCheck {
            name: name.to_owned(),
            rule: rule.to_owned(),
            outcome,
            detail,
        });
    }

    /// Whether no check failed.
    pub fn ok(&self) -> bool {
        self.failed == 0
    }

    /// The report as lines of text: one per check.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{}: {} passed, {} failed, {} skipped\n",
            self.provider, self.passed, self.failed, self.skipped
        );
        for c in &self.checks {
            let mark = match c.outcome {
                CheckOutcome::Passed => "ok  ",
                CheckOutcome::Failed => "FAIL",
                CheckOutcome::Skipped => "skip",
            };
            out.push_str(&format!("  {mark} {}: {}\n", c.name, c.detail));
        }
        out
    }
}

enum Verdict {
    Failed(String),
    Skipped(String),
}

fn failed<T>(why: impl Into<String>) -> Result<T, Verdict> {
    Err(Verdict::Failed(why.into()))
}

/// Every page of a listing: the readable items, the unreadable ones, and the pages; fails
/// when a cursor comes back, or the listing does not end within [`MAX_PAGES`].
async fn page_through<T, F, Fut>(mut fetch: F) -> Result<(Vec<T>, usize, usize), Verdict>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = ProviderResult<Page<T>>>,
{
    let mut cursor = None;
    let mut seen_cursors = HashSet::new();
    let (mut items, mut unreadable, mut pages) = (Vec::new(), 0, 0);
    loop {
        let page = fetch(cursor.clone())
            .await
            .map_err(|e| Verdict::Failed(format!("page {} failed: {e}", pages + 1)))?;
        pages += 1;
        for item in page.items {
            match item {
                Ok(i) => items.push(i),
                Err(_) => unreadable += 1,
            }
        }
        match page.next {
            None => return Ok((items, unreadable, pages)),
            Some(next) => {
                if !seen_cursors.insert(next.0.clone()) {
                    return failed(format!(
                        "page {pages} gave a cursor an earlier page gave: the listing would never end"
                    ));
                }
                if pages >= MAX_PAGES {
                    return failed(format!("still not ended after {MAX_PAGES} pages"));
                }
                cursor = Some(next);
            }
        }
    }
}

/// Fails when two items have the same id.
fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a ExternalRef>) -> Result<(), Verdict> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return failed(format!("{what} {} is listed twice", id.id));
        }
    }
    Ok(())
}

/// Fails when an item names another provider.
fn ours<'a>(
    name: &str,
    what: &str,
    ids: impl Iterator<Item = &'a ExternalRef>,
) -> Result<(), Verdict> {
    for id in ids {
        if id.provider != name {
            return failed(format!(
                "{what} {} names provider `{}`, not the adapter's name `{name}`",
                id.id, id.provider
            ));
        }
    }
    Ok(())
}

/// Fails unless the records of a property's listing (each as its reference and its property's)
/// are listed once each, named by the adapter, and of the property asked for.
fn of_property<'a>(
    name: &str,
    what: &str,
    asked: &ExternalRef,
    records: impl Iterator<Item = (&'a ExternalRef, &'a ExternalRef)> + Clone,
) -> Result<(), Verdict> {
    unique(what, records.clone().map(|(r, _)| r))?;
    ours(name, what, records.clone().map(|(r, _)| r))?;
    match records.into_iter().find(|(_, p)| *p != asked) {
        Some((r, p)) => failed(format!(
            "{what} {} of property {} names property {}",
            r.id, asked.id, p.id
        )),
        None => Ok(()),
    }
}

/// Fails unless `e` names `provider` and `operation`.
fn names(e: &ProviderError, provider: &str, operation: &str) -> Result<(), Verdict> {
    if e.provider != provider || e.operation != operation {
        return failed(format!(
            "the error names provider `{}` and operation `{}`, not `{provider}` and `{operation}`",
            e.provider, e.operation
        ));
    }
    Ok(())
}

/// Runs the PMS checks against `pms`: it pages through its properties, and the units and
/// residents of the first [`PROPERTIES_CHECKED`].
pub async fn check_pms(pms: &dyn PmsProvider) -> AdapterReport {
    let name = pms.name().to_owned();
    let mut report = AdapterReport::new(&name);

    let listed =
        page_through(|cursor| pms.list_properties(ListPmsPropertiesRequest { cursor })).await;
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
            pms.list_units(ListPmsUnitsRequest {
                properties: one.clone(),
                cursor,
            })
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
            pms.list_residents(ListPmsResidentsRequest {
                properties: one.clone(),
                updated_since: None,
                cursor,
            })
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
            pms.list_residents(ListPmsResidentsRequest {
                properties: two.clone(),
                updated_since: None,
                cursor,
            })
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
        Some(property) => match pms
            .list_units(ListPmsUnitsRequest {
                properties: vec![property.external.clone()],
                cursor: Some(Cursor("concierge-kit: not a cursor".into())),
            })
            .await
        {
            Ok(_) => failed(
                "a cursor the adapter never issued was answered with a page: a lost cursor \
                 would silently restart or skip a listing",
            ),
            Err(e) => names(&e, &name, "list_units").and_then(|()| {
                if e.retryable() {
                    failed(format!(
                        "refused as retryable ({}): trying again cannot help",
                        e.retry.as_str()
                    ))
                } else {
                    Ok(format!("refused: {} ({})", e.kind, e.retry.as_str()))
                }
            }),
        },
    };
    report.record(
        "unknown_cursor_refused",
        "a cursor the adapter never issued is refused with an error naming the provider and \
         operation, not retryable",
        refused,
    );
    report
}

/// Runs the key encoder checks against `encoder`, writing one key on `encoder_id` (with a fresh
/// idempotency key made from `run_id`) and cancelling it.
pub async fn check_key_encoder(
    encoder: &dyn KeyEncoder,
    encoder_id: &str,
    run_id: &str,
) -> AdapterReport {
    let name = encoder.name().to_owned();
    let mut report = AdapterReport::new(&name);
    let listed = encoder
        .list_encoders(ListEncodersRequest::default())
        .await
        .map_err(|e| Verdict::Failed(e.to_string()))
        .and_then(|r| {
            ours(&name, "encoder", r.encoders.iter().map(|e| &e.external))?;
            r.encoders
                .into_iter()
                .find(|e| e.answers_to(encoder_id))
                .ok_or_else(|| Verdict::Failed(format!("no encoder {encoder_id} is listed")))
        });
    let target = match &listed {
        Ok(e) => Some(e.external.clone()),
        Err(_) => None,
    };
    report.record(
        "encoders_listed",
        "the encoders are listed, named by the adapter",
        listed.map(|e| {
            format!(
                "{} (online {}, initialised {})",
                e.name, e.online, e.initialized
            )
        }),
    );
    let Some(target) = target else {
        for (check, rule) in KEY_CHECKS {
            report.record(
                check,
                rule,
                Err(Verdict::Skipped("no encoder to write on".into())),
            );
        }
        return report;
    };
    let intent = format!("concierge-kit-{run_id}");
    let request = EncodeKeyRequest {
        encoder: target,
        holder_ref: format!("kit-holder-{run_id}"),
        unit_ref: format!("kit-unit-{run_id}"),
        idempotency_key: intent.clone(),
        deadline: std::time::Duration::from_secs(60),
    };

    let unknown = encoder
        .key_state(KeyStateRequest {
            key: None,
            idempotency_key: Some(format!("{intent}-never-written")),
        })
        .await;
    report.record(
        KEY_CHECKS[0].0,
        KEY_CHECKS[0].1,
        match unknown {
            Ok(s) if s.state == EncoderKeyState::NotAssigned && s.key.is_none() => {
                Ok("not assigned".into())
            }
            Ok(s) => failed(format!(
                "an intent never written is {:?} with key {:?}",
                s.state, s.key
            )),
            Err(e) if e.kind == ProviderErrorKind::NotFound => Ok("not found".into()),
            Err(e) => failed(e.to_string()),
        },
    );

    let first = encoder.encode_key(request.clone()).await;
    let second = encoder.encode_key(request.clone()).await;
    let key = match (&first, &second) {
        (Ok(a), Ok(b)) if a.key == b.key => Ok(a.key.clone()),
        (Ok(a), Ok(b)) => Err(Verdict::Failed(format!(
            "the same intent wrote two keys: {} and {}",
            a.key.id, b.key.id
        ))),
        (Err(e), _) | (_, Err(e)) => Err(Verdict::Failed(e.to_string())),
    };
    let written = key.as_ref().ok().cloned();
    report.record(
        KEY_CHECKS[1].0,
        KEY_CHECKS[1].1,
        key.map(|k| format!("key {}", k.id)),
    );

    let found = match &written {
        None => Err(Verdict::Skipped("no key was written".into())),
        Some(k) => match encoder
            .key_state(KeyStateRequest {
                key: None,
                idempotency_key: Some(intent.clone()),
            })
            .await
        {
            Ok(s) if s.key.as_ref() == Some(k) => Ok(format!("{:?}", s.state)),
            Ok(s) => failed(format!(
                "asked by its intent, the key is {:?} ({:?})",
                s.key, s.state
            )),
            Err(e) => failed(e.to_string()),
        },
    };
    report.record(KEY_CHECKS[2].0, KEY_CHECKS[2].1, found);

    let cancelled = match &written {
        None => Err(Verdict::Skipped("no key was written".into())),
        Some(k) => {
            let cancel = CancelKeyRequest {
                key: k.clone(),
                idempotency_key: format!("{intent}-cancel"),
            };
            match (
                encoder.cancel_key(cancel.clone()).await,
                encoder.cancel_key(cancel).await,
            ) {
                (Ok(()), Ok(())) => match encoder
                    .key_state(KeyStateRequest {
                        key: Some(k.clone()),
                        idempotency_key: None,
                    })
                    .await
                {
                    Ok(s) if s.state == EncoderKeyState::Outdated => Ok("outdated".into()),
                    Ok(s) => failed(format!("after cancelling, the key is {:?}", s.state)),
                    Err(e) => failed(e.to_string()),
                },
                (Err(e), _) | (_, Err(e)) => failed(e.to_string()),
            }
        }
    };
    report.record(KEY_CHECKS[3].0, KEY_CHECKS[3].1, cancelled);
    report
}

const KEY_CHECKS: [(&str, &str); 4] = [
    (
        "unknown_intent_not_assigned",
        "asked about an intent it never wrote, the adapter says not assigned",
    ),
    (
        "encode_once",
        "writing twice with the same idempotency key makes one key",
    ),
    (
        "lost_reply_found_again",
        "a written key is found by its intent's idempotency key (after a lost reply)",
    ),
    (
        "cancel_twice_harmless",
        "cancelling a key twice succeeds both times and leaves it outdated",
    ),
];
