//! The outbox dispatcher: performs side effects after their state change committed, at least
//! once, with an idempotency key so each happens once. A failure is retried with exponential
//! backoff; an entry that keeps failing, or fails in a way no retry can fix, is parked for an
//! admin (listable, retryable), never dropped.

use crate::Concierge;
use chrono::Duration;
use concierge_core::*;
use futures_util::StreamExt as _;

/// How many entries one dispatch pass reads at a time.
const DISPATCH_PAGE: usize = 100;

/// How many entries of a page are delivered at once: a whole group. The mailer bounds its own
/// rate and connections (`SmtpMailer`: `max_per_second`, `pool_size`), the HTTP adapters
/// theirs, so this only keeps a slow reply from holding up the rest of its group.
const DISPATCH_CONCURRENCY: usize = DISPATCH_GROUP;

/// How many delivered entries are recorded in one commit: a disk sync per group rather than per
/// entry. A process killed between sending and recording re-sends at most this many (each with
/// the same idempotency key and Message-ID).
pub(crate) const DISPATCH_GROUP: usize = 16;

/// What a dispatch pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct DispatchReport {
    /// Entries delivered.
    pub delivered: u32,
    /// Entries that failed and will be tried again.
    pub retrying: u32,
    /// Entries parked for an admin.
    pub parked: u32,
    /// Entries no longer needed (a newer invitation replaced them).
    pub skipped: u32,
}

enum Outcome {
    Delivered,
    Retrying,
    Parked,
    Skipped,
    /// Another dispatcher handled it meanwhile.
    Raced,
}

impl Concierge {
    pub(crate) async fn dispatch_due(&self) -> Result<DispatchReport> {
        let mut report = DispatchReport::default();
        // Each pass only sees entries due now; an entry that fails is rescheduled into the
        // future, so the loop ends.
        loop {
            let due = self
                .inner
                .store
                .due_outbox(self.now(), DISPATCH_PAGE)
                .await?;
            if due.is_empty() {
                return Ok(report);
            }
            for group in due.chunks(DISPATCH_GROUP) {
                let mut sent = Vec::with_capacity(group.len());
                let mut attempts = futures_util::stream::iter(group.iter().cloned())
                    .map(|entry| self.attempt(entry))
                    .buffer_unordered(DISPATCH_CONCURRENCY);
                while let Some(attempt) = attempts.next().await {
                    sent.push(attempt?);
                }
                for outcome in self.record(sent).await? {
                    match outcome {
                        Outcome::Delivered => report.delivered += 1,
                        Outcome::Retrying => report.retrying += 1,
                        Outcome::Parked => report.parked += 1,
                        Outcome::Skipped => report.skipped += 1,
                        Outcome::Raced => {}
                    }
                }
            }
        }
    }

    /// Records what happened to a group of entries in one commit; if another dispatcher got
    /// to one of them first, each is recorded on its own and the raced ones are left to it.
    async fn record(&self, sent: Vec<(OutboxEntry, Outcome)>) -> Result<Vec<Outcome>> {
        let mut batch = Batch::new();
        let mut entries = Vec::with_capacity(sent.len());
        let mut outcomes = Vec::with_capacity(sent.len());
        for (entry, outcome) in sent {
            entries.push(entry);
            outcomes.push(outcome);
        }
        let mut copies = entries.clone();
        for entry in &mut copies {
            batch.put(entry);
        }
        match self.inner.store.commit(batch).await {
            Ok(()) => return Ok(outcomes),
            Err(StoreError::Concurrent { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let mut recorded = Vec::with_capacity(entries.len());
        for (mut entry, outcome) in entries.into_iter().zip(outcomes) {
            let mut batch = Batch::new();
            batch.put(&mut entry);
            recorded.push(match self.inner.store.commit(batch).await {
                Ok(()) => outcome,
                Err(StoreError::Concurrent { .. }) => Outcome::Raced,
                Err(e) => return Err(e.into()),
            });
        }
        Ok(recorded)
    }

    /// Delivers one freshly committed entry now, if inline dispatch is on. Failure is not the
    /// caller's: the entry stays queued and the dispatcher retries it.
    pub(crate) async fn deliver_inline(&self, entry: OutboxEntry) {
        if !self.inner.config.dispatch_inline {
            return;
        }
        if let Err(e) = self.deliver(entry).await {
            tracing::warn!(error = %e, "outbox delivery deferred");
        }
    }

    /// Delivers one entry and records the outcome.
    async fn deliver(&self, entry: OutboxEntry) -> Result<Outcome> {
        let sent = self.attempt(entry).await?;
        Ok(self.record(vec![sent]).await?.remove(0))
    }

    /// Performs one entry's side effect; returns the entry as it is to be recorded, and what
    /// happened. Nothing is written.
    async fn attempt(&self, mut entry: OutboxEntry) -> Result<(OutboxEntry, Outcome)> {
        let now = self.now();
        let result = match &entry.message {
            OutboxMessage::ActivationEmail {
                resident_id,
                invitation,
            } => {
                self.send_activation_email(resident_id, *invitation, &entry.idempotency_key)
                    .await?
            }
            OutboxMessage::CancelKey { key, .. } => {
                self.cancel_key_in_lock_system(key, &entry.idempotency_key)
                    .await
            }
            OutboxMessage::RevokeVisitorPass { pass, .. } => {
                self.revoke_pass_on_intercom(pass).await
            }
        };
        entry.attempts += 1;
        let outcome = match result {
            Ok(true) => {
                entry.status = OutboxStatus::Done;
                entry.last_error = None;
                Outcome::Delivered
            }
            Ok(false) => {
                entry.status = OutboxStatus::Skipped;
                Outcome::Skipped
            }
            Err(e) => {
                entry.last_error = Some(e.to_string());
                if e.retryable() && entry.attempts < self.inner.config.outbox_max_attempts {
                    entry.next_attempt_at = now + self.backoff(entry.attempts);
                    Outcome::Retrying
                } else {
                    entry.status = OutboxStatus::Parked;
                    tracing::warn!(entry = %entry.id, error = %e, "outbox entry parked");
                    Outcome::Parked
                }
            }
        };
        Ok((entry, outcome))
    }

    /// Sends the welcome email of invitation `invitation`, its token derived again from the
    /// account's invitation and the activation secret. `Ok(Ok(true))`: sent; `Ok(Ok(false))`:
    /// no longer needed (a newer invitation replaced it, or the account went live);
    /// `Ok(Err(_))`: it could not be sent (the mailer failed, or a configuration error: the
    /// secret changed, or the property's templates do not render; those park).
    async fn send_activation_email(
        &self,
        resident_id: &ResidentId,
        invitation: u32,
        idempotency_key: &str,
    ) -> Result<std::result::Result<bool, ProviderError>> {
        let resident: Resident = match self.inner.store.load(resident_id.as_str()).await {
            Ok(r) => r,
            Err(Error::NotFound { .. }) => return Ok(Ok(false)),
            Err(e) => return Err(e),
        };
        let now = self.now();
        let Some(to) = resident.email.clone() else {
            return Ok(Ok(false));
        };
        if resident.status(now) != AccountStatus::PendingActivation {
            return Ok(Ok(false));
        }
        let token = match resident.account.link_token(
            resident.id.as_str(),
            invitation,
            &self.inner.activation_secret,
        ) {
            Ok(Some(token)) => token,
            Ok(None) => return Ok(Ok(false)),
            Err(e) => {
                return Ok(Err(ProviderError::new(
                    "concierge",
                    "activation_email",
                    ProviderErrorKind::Rejected,
                    format!("configuration: {e}"),
                )));
            }
        };
        let property: Property = self.inner.store.load(resident.property_id.as_str()).await?;
        let message = match crate::email::welcome_email(
            &property,
            &resident,
            to,
            &token,
            resident.account.activation_expires_at(),
            idempotency_key,
        ) {
            Ok(message) => message,
            Err(e) => return Ok(Err(e)),
        };
        Ok(self.inner.mailer.send(message).await.map(|_| true))
    }

    /// Cancels a key in the lock system. `Ok(Ok(true))`: cancelled (or already gone).
    async fn cancel_key_in_lock_system(
        &self,
        key: &ExternalRef,
        idempotency_key: &str,
    ) -> std::result::Result<bool, ProviderError> {
        let Some(encoder) = self.inner.key_encoder.as_ref() else {
            return Err(ProviderError::new(
                "concierge",
                "cancel_key",
                ProviderErrorKind::Unavailable,
                "no key encoder is configured; the cancellation stays queued",
            ));
        };
        let request = CancelKeyRequest {
            key: key.clone(),
            idempotency_key: idempotency_key.to_owned(),
        };
        match encoder.cancel_key(request).await {
            Ok(()) => Ok(true),
            // A key the lock system no longer has is as cancelled as it gets.
            Err(e) if e.kind == ProviderErrorKind::NotFound => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Revokes a visitor pass on the intercom. `Ok(true)`: revoked (or already gone).
    async fn revoke_pass_on_intercom(
        &self,
        pass: &ExternalRef,
    ) -> std::result::Result<bool, ProviderError> {
        let Some(intercom) = self.inner.intercom.as_ref() else {
            return Err(ProviderError::new(
                "concierge",
                "revoke_visitor_pass",
                ProviderErrorKind::Unavailable,
                "no intercom is configured; the revocation stays queued",
            ));
        };
        match intercom
            .revoke_visitor_pass(RevokeVisitorPassRequest {
                visitor_pass: pass.clone(),
            })
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if e.kind == ProviderErrorKind::NotFound => Ok(true),
            Err(e) => Err(e),
        }
    }

    fn backoff(&self, attempts: u32) -> Duration {
        let config = &self.inner.config;
        let factor = 1i32 << attempts.saturating_sub(1).min(20);
        std::cmp::min(
            config.outbox_base_backoff * factor,
            config.outbox_max_backoff,
        )
    }
}
