use concierge_core::{ProviderError, ProviderErrorKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A scripted misbehaviour of one operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The call fails with this kind of error.
    Fail(ProviderErrorKind),
    /// The call waits this long, then proceeds.
    Delay(Duration),
}

/// The fault script shared by every sandbox fake. Operations are named as the trait methods
/// are (`send`, `list_residents`, `encode_key`, …); a fault for `*` applies to any operation.
/// Cheap to clone; clones share the script.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    inner: Arc<Mutex<Script>>,
}

#[derive(Debug, Default)]
struct Script {
    queued: HashMap<String, Vec<Fault>>,
    latency: HashMap<String, Duration>,
    calls: HashMap<String, u64>,
}

impl Faults {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next call of `operation` fails with `kind`.
    pub fn fail_next(&self, operation: &str, kind: ProviderErrorKind) {
        self.fail_times(operation, kind, 1);
    }

    /// The next `times` calls of `operation` fail with `kind`.
    pub fn fail_times(&self, operation: &str, kind: ProviderErrorKind, times: usize) {
        let mut s = self.lock();
        let queue = s.queued.entry(operation.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(Fault::Fail(kind), times));
    }

    /// Every call of `operation` waits `latency` first (zero removes it).
    pub fn set_latency(&self, operation: &str, latency: Duration) {
        let mut s = self.lock();
        if latency.is_zero() {
            s.latency.remove(operation);
        } else {
            s.latency.insert(operation.to_owned(), latency);
        }
    }

    /// Removes every scripted fault and latency.
    pub fn clear(&self) {
        let mut s = self.lock();
        s.queued.clear();
        s.latency.clear();
    }

    /// How many times `operation` was called (faulted calls included).
    pub fn calls(&self, operation: &str) -> u64 {
        self.lock().calls.get(operation).copied().unwrap_or(0)
    }

    /// How many calls were made to any operation.
    pub fn total_calls(&self) -> u64 {
        self.lock().calls.values().sum()
    }

    /// Called by a fake at the start of `operation`: counts the call, applies latency, and
    /// returns the scripted error, if any.
    pub async fn before(&self, provider: &str, operation: &str) -> Result<(), ProviderError> {
        let (fault, latency) = {
            let mut s = self.lock();
            *s.calls.entry(operation.to_owned()).or_default() += 1;
            let mut fault = None;
            for key in [operation, "*"] {
                if let Some(queue) = s.queued.get_mut(key)
                    && !queue.is_empty()
                {
                    fault = Some(queue.remove(0));
                    break;
                }
            }
            let latency = s
                .latency
                .get(operation)
                .or_else(|| s.latency.get("*"))
                .copied();
            (fault, latency)
        };
        if let Some(latency) = latency {
            tokio::time::sleep(latency).await;
        }
        match fault {
            Some(Fault::Fail(kind)) => Err(ProviderError::new(
                provider,
                operation,
                kind,
                format!("scripted sandbox fault: {kind}"),
            )
            .with_request_id(format!("sandbox-{operation}"))),
            Some(Fault::Delay(d)) => {
                tokio::time::sleep(d).await;
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scripted_failure_hits_the_next_call_only_and_calls_are_counted() {
        let f = Faults::new();
        f.fail_next("send", ProviderErrorKind::Unavailable);
        let err = f.before("sandbox-mailer", "send").await.unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Unavailable);
        assert!(err.retryable());
        assert_eq!(err.provider, "sandbox-mailer");
        assert!(f.before("sandbox-mailer", "send").await.is_ok());
        assert_eq!(f.calls("send"), 2);
    }

    #[tokio::test]
    async fn a_wildcard_fault_applies_to_any_operation() {
        let f = Faults::new();
        f.fail_next("*", ProviderErrorKind::Timeout);
        assert!(f.before("p", "list_units").await.is_err());
        assert!(f.before("p", "list_units").await.is_ok());
    }
}
