//! The provider conformance kit (R-SDK-1): checks an adapter author runs against their own
//! adapter (a PMS, a strata system, an intercom, a key encoder or a mailer), in any language,
//! to learn whether it honours what the engine relies on. Each check has a stable name and
//! says why it failed; the report lists them all.
//!
//! This module owns the report and what the checks share (paging through a listing, the
//! errors seen, the secrets check); each kind's checks are in a module of their own. PMS and
//! strata checks read only. Intercom, key encoder and mailer checks write (a placeholder and
//! a visitor pass, one key, one email): run them against a test account.

mod intercom;
mod key_encoder;
mod mailer;
mod pms;
mod strata;

pub use intercom::check_intercom;
pub use key_encoder::check_key_encoder;
pub use mailer::check_mailer;
pub use pms::check_pms;
pub use strata::check_strata;

use crate::error::{ProviderError, ProviderErrorKind};
use crate::ids::ExternalRef;
use crate::providers::*;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::future::Future;
use std::sync::Mutex;

/// How many pages one listing may take before the kit calls it endless.
pub const MAX_PAGES: usize = 10_000;

/// How many properties (strata buildings) the checks list units and residents (users) of.
pub const PROPERTIES_CHECKED: usize = 3;

/// The cursor the kit gives to learn whether an adapter refuses one it never issued.
const NOT_A_CURSOR: &str = "concierge-kit: not a cursor";

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
    pub(crate) fn new(provider: &str) -> Self {
        Self {
            provider: provider.to_owned(),
            checks: Vec::new(),
            passed: 0,
            failed: 0,
            skipped: 0,
        }
    }

    pub(crate) fn record(&mut self, name: &str, rule: &str, outcome: Result<String, Verdict>) {
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

pub(crate) enum Verdict {
    Failed(String),
    Skipped(String),
}

pub(crate) fn failed<T>(why: impl Into<String>) -> Result<T, Verdict> {
    Err(Verdict::Failed(why.into()))
}

/// Every page of a listing: the readable items, the unreadable ones, and the pages; fails
/// when a cursor comes back, or the listing does not end within [`MAX_PAGES`].
pub(crate) async fn page_through<T, F, Fut>(mut fetch: F) -> Result<(Vec<T>, usize, usize), Verdict>
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
pub(crate) fn unique<'a>(
    what: &str,
    ids: impl Iterator<Item = &'a ExternalRef>,
) -> Result<(), Verdict> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return failed(format!("{what} {} is listed twice", id.id));
        }
    }
    Ok(())
}

/// Fails when an item names another provider.
pub(crate) fn ours<'a>(
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
pub(crate) fn of_property<'a>(
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
pub(crate) fn names(e: &ProviderError, provider: &str, operation: &str) -> Result<(), Verdict> {
    if e.provider != provider || e.operation != operation {
        return failed(format!(
            "the error names provider `{}` and operation `{}`, not `{provider}` and `{operation}`",
            e.provider, e.operation
        ));
    }
    Ok(())
}

/// Passes when `answered` is a refusal for good: an error naming `provider` and `operation`,
/// not retryable, and (when `kinds` is not empty) of one of `kinds`; `accepted` says what is
/// wrong with an answer that is not a refusal.
pub(crate) fn refused_for_good<T>(
    answered: ProviderResult<T>,
    provider: &str,
    operation: &str,
    kinds: &[ProviderErrorKind],
    accepted: impl FnOnce(T) -> String,
) -> Result<String, Verdict> {
    match answered {
        Ok(answer) => failed(accepted(answer)),
        Err(e) => names(&e, provider, operation).and_then(|()| {
            if !kinds.is_empty() && !kinds.contains(&e.kind) {
                let expected: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                failed(format!(
                    "refused as {}, not {}",
                    e.kind,
                    expected.join(" or ")
                ))
            } else if e.retryable() {
                failed(format!(
                    "refused as retryable ({}): trying again cannot help",
                    e.retry.as_str()
                ))
            } else {
                Ok(format!("refused: {} ({})", e.kind, e.retry.as_str()))
            }
        }),
    }
}

/// Passes when a cursor the adapter never issued was refused for good.
pub(crate) fn refused_cursor<T>(
    answered: ProviderResult<T>,
    provider: &str,
    operation: &str,
) -> Result<String, Verdict> {
    refused_for_good(answered, provider, operation, &[], |_| {
        "a cursor the adapter never issued was answered with a page: a lost cursor would \
         silently restart or skip a listing"
            .into()
    })
}

/// The rule of [`refused_cursor`].
pub(crate) const CURSOR_RULE: &str = "a cursor the adapter never issued is refused with an error \
     naming the provider and operation, not retryable";

/// Every error the adapter gave during a run of the kit, as text (its display and debug forms),
/// with the operation that gave it: where the secrets check looks.
#[derive(Default)]
pub(crate) struct Errors(Mutex<Vec<(String, String)>>);

impl Errors {
    /// Awaits `call`, keeping the text of its error if it fails.
    pub(crate) async fn see<T>(
        &self,
        call: impl Future<Output = ProviderResult<T>>,
    ) -> ProviderResult<T> {
        let out = call.await;
        if let Err(e) = &out {
            self.0
                .lock()
                .expect("kit errors lock")
                .push((e.operation.clone(), format!("{e}\n{e:?}")));
        }
        out
    }

    /// Records the check that no error seen holds any of `secrets` (the adapter's own, and
    /// those the kit handed it), and takes them out of the report's details, which quote
    /// errors.
    pub(crate) fn check_secrets(&self, report: &mut AdapterReport, secrets: &[SecretString]) {
        // A secret of a few characters would be found in any text.
        let secrets: Vec<&str> = secrets
            .iter()
            .map(|s| s.expose_secret())
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        let errors = self.0.lock().expect("kit errors lock");
        let verdict = if secrets.is_empty() {
            Err(Verdict::Skipped(format!(
                "no secret of {MIN_SECRET_LEN} characters or more to look for: give the \
                 adapter's credentials"
            )))
        } else if errors.is_empty() {
            Err(Verdict::Skipped(
                "the adapter gave no error to look in".into(),
            ))
        } else {
            let leak = errors.iter().find_map(|(operation, text)| {
                let i = secrets.iter().position(|s| text.contains(s))?;
                Some((operation, i))
            });
            match leak {
                // Never the secret itself: which one, and where.
                Some((operation, i)) => failed(format!(
                    "the error of `{operation}` holds secret #{} of those given",
                    i + 1
                )),
                None => Ok(format!(
                    "{} errors hold none of {} secrets",
                    errors.len(),
                    secrets.len()
                )),
            }
        };
        // The report quotes errors: what an adapter leaked must not leak again from it.
        for check in &mut report.checks {
            for secret in &secrets {
                if check.detail.contains(secret) {
                    check.detail = check.detail.replace(secret, "<secret>");
                }
            }
        }
        report.record(
            "secrets_stay_out_of_errors",
            "no error the adapter gives holds a secret: its credentials, or one it was handed",
            verdict,
        );
    }
}

/// The shortest secret the secrets check looks for.
pub const MIN_SECRET_LEN: usize = 6;

/// A made-up secret the kit hands an adapter (a consent code, an email's link), to look for in
/// its errors afterwards.
pub(crate) fn canary(run_id: &str) -> SecretString {
    SecretString::from(format!("concierge-kit-canary-{run_id}"))
}

/// An id no record has, shaped like `like` (a listed record's id) so that an adapter whose ids
/// are numbers is asked about a number: all nines, one digit longer (at most 18 digits);
/// otherwise a made-up name.
pub(crate) fn made_up_id(like: Option<&str>) -> String {
    match like {
        Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            "9".repeat((id.len() + 1).clamp(6, 18))
        }
        _ => "concierge-kit-no-such-building".to_owned(),
    }
}
