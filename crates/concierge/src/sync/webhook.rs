//! Buildium's signed webhooks, for a targeted re-sync (R-PMS-6: a sync can be triggered at once):
//! a delivery is checked (its signature in constant time, its timestamp within the
//! subscription's tolerance), matched to the linked property it concerns, recorded durably in
//! the intent ledger (so a replay within the tolerance is refused, and a delivery acknowledged
//! before a crash is still acted on), and answered at once; the property is then synced again
//! through the API, never from the payload's data. Duplicates and out-of-order deliveries change
//! nothing: a sync reads the vendor's current state.

use super::*;
#[cfg(feature = "buildium")]
use sha2::Digest as _;

/// The ledger's operation for a webhook delivery.
const OPERATION: &str = "buildium_webhook";

/// What became of a webhook delivery that was accepted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct WebhookReceipt {
    /// The event (`Lease.Updated`, `LeaseTenant.Created`…).
    pub event: String,
    /// The linked property it concerns, when one does.
    pub property_id: Option<PropertyId>,
    /// Whether a re-sync of that property is queued (recorded; it runs in the background and
    /// survives a restart: see `process_webhook_events`).
    pub queued: bool,
    /// What was done, in words.
    pub detail: String,
}

impl Concierge {
    /// Receives one Buildium webhook delivery: its `buildium-webhook-timestamp` and
    /// `buildium-webhook-signature` headers (as received; `None` when missing) and its raw body.
    /// Refused with `WEBHOOK_REJECTED` when the signature is not the subscription's
    /// (`bad_signature`), the timestamp is outside the tolerance (`stale`), it was received
    /// before (`replayed`), a header is missing or the body is no webhook. An accepted delivery
    /// is recorded and answered at once (Buildium waits 10 seconds at most); the property it
    /// concerns is synced again in the background. Needs no admin: the signature is the
    /// caller's proof.
    pub async fn receive_buildium_webhook(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookReceipt> {
        self.ensure_open()?;
        #[cfg(not(feature = "buildium"))]
        {
            let _ = (timestamp, signature, body);
            Err(Error::invalid(
                "buildium_webhook",
                "this build has no Buildium support (feature `buildium`)",
            ))
        }
        #[cfg(feature = "buildium")]
        {
            use concierge_buildium::webhook::{Refusal, verify};
            let config = self.inner.buildium_webhook.as_ref().ok_or_else(|| {
                Error::invalid(
                    "buildium_webhook",
                    "is not set: without the subscription's secret no delivery can be verified",
                )
            })?;
            let event = verify(
                &config.secret,
                timestamp,
                signature,
                body,
                self.now(),
                config.tolerance,
            )
            .map_err(|refusal| Error::WebhookRejected {
                reason: match refusal {
                    Refusal::MissingHeader(_) => WebhookRejection::MissingHeader,
                    Refusal::BadSignature => WebhookRejection::BadSignature,
                    Refusal::Stale => WebhookRejection::Stale,
                    Refusal::Malformed => WebhookRejection::Malformed,
                },
            })?;
            let Some(property) = self.property_named_by(&event).await? else {
                return Ok(WebhookReceipt {
                    event: event.event_name,
                    property_id: None,
                    queued: false,
                    detail: "no linked property has the records it names: nothing to re-sync \
                             (the next scheduled sync reads what is new)"
                        .into(),
                });
            };
            // One delivery, one intent: its id is the digest of what was signed, so the same
            // delivery again (a replay, or a retry Buildium re-signed alike) is refused.
            let digest = sha2::Sha256::digest(
                [timestamp.unwrap_or_default().as_bytes(), b".", body].concat(),
            );
            let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
            let mut intent = Intent::record(
                IntentId::from_string(format!("webhook.buildium.{hex}")),
                property.id.clone(),
                OPERATION,
                event.event_name.clone(),
                self.now(),
            );
            let mut batch = Batch::new();
            batch.put(&mut intent);
            self.inner.store.commit(batch).await.map_err(|e| match e {
                StoreError::Concurrent { .. } => Error::WebhookRejected {
                    reason: WebhookRejection::Replayed,
                },
                other => other.into(),
            })?;
            // Answered now; the re-sync runs beside.
            let background = self.clone();
            tokio::spawn(async move {
                if let Err(e) = background.process_webhook_events().await {
                    tracing::warn!(error = %e, "the re-sync a webhook asked for failed; the next pass tries again");
                }
            });
            Ok(WebhookReceipt {
                event: event.event_name,
                property_id: Some(property.id.clone()),
                queued: true,
                detail: format!("{} will be synced again", property.name),
            })
        }
    }

    /// Syncs again, once each, the properties named by the webhook deliveries recorded and not
    /// yet acted on (those of a process that stopped too); returns how many properties were
    /// synced. Runs after each accepted delivery; call it at start-up, or let the scheduler.
    pub async fn process_webhook_events(&self) -> Result<usize> {
        self.ensure_open()?;
        let _one_pass = self.inner.webhooks.lock().await;
        let recorded: Vec<Intent> = self
            .inner
            .store
            .list_intents(IntentStatus::Recorded)
            .await?
            .into_iter()
            .filter(|i| i.operation == OPERATION)
            .collect();
        let mut properties: Vec<PropertyId> =
            recorded.iter().map(|i| i.property_id.clone()).collect();
        properties.sort();
        properties.dedup();
        let mut synced = 0;
        for property in &properties {
            // A property whose sync failed keeps its deliveries for the next pass.
            let outcome = match self.sync_unchecked(property, SyncOptions::default()).await {
                Ok(_) => {
                    synced += 1;
                    (
                        IntentStatus::Succeeded,
                        serde_json::json!({ "synced": true }),
                    )
                }
                Err(e) if e.is_retryable() => continue,
                Err(e) => (
                    IntentStatus::Failed,
                    serde_json::json!({ "error": e.to_string() }),
                ),
            };
            for mut intent in recorded
                .iter()
                .filter(|i| &i.property_id == property)
                .cloned()
            {
                intent.status = outcome.0;
                intent.outcome = Some(outcome.1.clone());
                intent.updated_at = self.now();
                let mut batch = Batch::new();
                batch.put(&mut intent);
                // Another process may have settled it meanwhile: nothing is lost either way.
                let _ = self.inner.store.commit(batch).await;
            }
        }
        Ok(synced)
    }

    /// The linked property a webhook concerns: by the property it names, else the unit's,
    /// else the tenant's (found among our records, not in the payload's data).
    #[cfg(feature = "buildium")]
    async fn property_named_by(
        &self,
        event: &concierge_buildium::webhook::WebhookEvent,
    ) -> Result<Option<Property>> {
        let linked: Vec<Property> = self
            .inner
            .store
            .list_properties()
            .await?
            .into_iter()
            .filter(|p| {
                p.external
                    .as_ref()
                    .is_some_and(|e| e.provider == "buildium")
            })
            .collect();
        let same =
            |r: &Option<ExternalRef>, id: i64| r.as_ref().is_some_and(|e| e.id == id.to_string());
        if let Some(id) = event.property_id
            && let Some(p) = linked.iter().find(|p| same(&p.external, id))
        {
            return Ok(Some(p.clone()));
        }
        if let Some(id) = event.unit_id {
            for p in &linked {
                let units = self.inner.store.list_units(&p.id).await?;
                if units.iter().any(|u| same(&u.external, id)) {
                    return Ok(Some(p.clone()));
                }
            }
        }
        if let Some(tenant) = event.tenant_id {
            let mut keys = vec![tenant.to_string()];
            if let Some(lease) = event.lease_id {
                keys.push(format!("{tenant}:{lease}"));
            }
            for p in &linked {
                for key in &keys {
                    let external = ExternalRef::new("buildium", key.clone());
                    if self
                        .inner
                        .store
                        .find_resident_by_external(&p.id, &external)
                        .await?
                        .is_some()
                    {
                        return Ok(Some(p.clone()));
                    }
                }
            }
        }
        Ok(None)
    }
}
