//! The secret vault adapters get from the handle: what they must keep between runs (an OAuth
//! refresh token that rotates on every refresh) saved in the handle's store, sealed with a key
//! derived from the activation secret, so the database never holds it in clear.

use async_trait::async_trait;
use concierge_core::*;
use secrecy::SecretString;
use std::sync::{Arc, OnceLock};

/// A [`SecretVault`] on the handle's store. It is made before the store is opened (adapters are
/// built first) and bound to the store and secret when the handle is built; until then a call
/// fails as unavailable.
#[derive(Default)]
pub struct StoreVault {
    bound: OnceLock<(Arc<dyn Store>, ActivationSecret)>,
}

impl std::fmt::Debug for StoreVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreVault")
            .field("bound", &self.bound.get().is_some())
            .finish()
    }
}

impl StoreVault {
    /// A vault not bound yet.
    pub fn unbound() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Binds the vault to `store`, sealing with `secret`. A second bind is ignored.
    pub(crate) fn bind(&self, store: Arc<dyn Store>, secret: ActivationSecret) {
        let _ = self.bound.set((store, secret));
    }

    fn get(&self) -> StoreResult<&(Arc<dyn Store>, ActivationSecret)> {
        self.bound.get().ok_or_else(|| StoreError::Unavailable {
            message: "the secret vault is not bound to a store yet".into(),
        })
    }
}

fn corrupt(e: Error) -> StoreError {
    match e {
        Error::Store(e) => e,
        other => StoreError::Corrupt {
            message: other.to_string(),
        },
    }
}

#[async_trait]
impl SecretVault for StoreVault {
    async fn load(&self, name: &str) -> StoreResult<Option<SecretString>> {
        let (store, secret) = self.get()?;
        let key = RecordKey {
            kind: EntityKind::Secret,
            id: name.to_owned(),
        };
        match store.get(&key).await? {
            Some(Record::Secret(s)) => secret.open(name, &s.sealed).map(Some).map_err(corrupt),
            _ => Ok(None),
        }
    }

    /// Saves the value; a concurrent save by another process is overwritten (the newest value
    /// wins, as the newest rotated token is the one that works).
    async fn save(&self, name: &str, value: SecretString) -> StoreResult<()> {
        let (store, secret) = self.get()?;
        let sealed = secret.seal(name, &value).map_err(corrupt)?;
        let key = RecordKey {
            kind: EntityKind::Secret,
            id: name.to_owned(),
        };
        for _ in 0..5 {
            let version = match store.get(&key).await? {
                Some(r) => r.version(),
                None => 0,
            };
            let mut record = SealedSecret {
                id: name.to_owned(),
                sealed: sealed.clone(),
                updated_at: chrono::Utc::now(),
                version,
            };
            let mut batch = Batch::new();
            batch.put(&mut record);
            match store.commit(batch).await {
                Err(StoreError::Concurrent { .. }) => continue,
                other => return other,
            }
        }
        Err(StoreError::Unavailable {
            message: format!("secret {name} kept changing under concurrent saves"),
        })
    }
}
