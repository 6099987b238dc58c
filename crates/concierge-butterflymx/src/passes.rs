//! Visitor passes (R-VISIT-3): a custom keychain for exactly the visit's window, issued
//! through the placeholder tenant on the building's doors, with one virtual key minted without
//! being sent (its QR code and public page are returned; its PIN is never read). A first
//! attempt creates directly; a retry looks the keychain up by its name first, so one
//! idempotency key never makes two keychains.

use crate::Inner;
use crate::client::{Api, maybe_done};
use crate::map::{external, id_of, instant, keychain_name, parse_instant, rejected};
use crate::wire;
use concierge_core::{
    CreateVisitorPassRequest, CreateVisitorPassResponse, ProviderError, ProviderErrorKind,
    ProviderResult, RetryClass, RevokeVisitorPassRequest, TimeWindow,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const CREATE: &str = "create_visitor_pass";
const REVOKE: &str = "revoke_visitor_pass";

/// Each building's access point ids, remembered for a while to save a request per pass.
pub(crate) struct Doors {
    ttl: Duration,
    cache: Mutex<HashMap<i64, (Instant, Vec<i64>)>>,
}

impl Doors {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Instant, Vec<i64>)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, building: i64) -> Option<Vec<i64>> {
        self.lock()
            .get(&building)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, ids)| ids.clone())
    }

    fn forget(&self, building: i64) {
        self.lock().remove(&building);
    }

    /// Reads the building's access points (every page) and remembers them.
    pub(crate) async fn fetch(
        &self,
        api: &Api,
        operation: &str,
        building: i64,
    ) -> ProviderResult<Vec<i64>> {
        let filters = [("q[building_id_eq]", building.to_string())];
        let items = api.all(operation, "/v4/access_points", &filters).await?;
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            let door: wire::AccessPoint = serde_json::from_value(item).map_err(|_| {
                crate::map::invalid(operation, "an access point without an integer id")
            })?;
            ids.push(door.id);
        }
        if !self.ttl.is_zero() {
            self.lock().insert(building, (Instant::now(), ids.clone()));
        }
        Ok(ids)
    }

    /// The building's access points, from the cache when fresh; `true` when they came from it.
    async fn get(&self, api: &Api, building: i64) -> ProviderResult<(Vec<i64>, bool)> {
        match self.cached(building) {
            Some(ids) => Ok((ids, true)),
            None => Ok((self.fetch(api, CREATE, building).await?, false)),
        }
    }
}

/// The keychain named `name` issued through `tenant`, if any (the name filter ignores case:
/// the name is compared exactly here).
async fn find_keychain(
    api: &Api,
    tenant: i64,
    name: &str,
) -> ProviderResult<Option<wire::Keychain>> {
    let filters = [
        ("q[name_eq]", name.to_owned()),
        ("q[tenant_id_eq]", tenant.to_string()),
    ];
    let page = api.page(CREATE, "/v4/keychains", &filters, 1).await?;
    let mut found: Vec<wire::Keychain> = page
        .data
        .into_iter()
        .filter_map(|v| serde_json::from_value::<wire::Keychain>(v).ok())
        .filter(|k| k.name.as_deref() == Some(name))
        .collect();
    found.sort_by_key(|k| k.id);
    Ok(found.into_iter().next())
}

/// The first key of keychain `keychain`, if any.
async fn find_key(api: &Api, keychain: i64) -> ProviderResult<Option<wire::VirtualKey>> {
    let filters = [("q[keychain_id_eq]", keychain.to_string())];
    let page = api.page(CREATE, "/v4/virtual_keys", &filters, 1).await?;
    let mut keys: Vec<wire::VirtualKey> = page
        .data
        .into_iter()
        .filter_map(|v| serde_json::from_value::<wire::VirtualKey>(v).ok())
        .collect();
    keys.sort_by_key(|k| k.id);
    Ok(keys.into_iter().next())
}

/// Mints one key on `keychain`, sent to nobody.
async fn mint_key(api: &Api, keychain: i64, visitor: &str) -> ProviderResult<wire::VirtualKey> {
    let body = json!({ "keychain_id": keychain, "name": visitor });
    let created: wire::One<wire::VirtualKey> =
        api.create(CREATE, "/v4/virtual_keys", &body).await?;
    Ok(created.data)
}

/// A keychain exists but its key could not be had: the pass is half made, and only a retry
/// (which finds the keychain) completes it.
fn half_made(mut e: ProviderError, keychain: i64) -> ProviderError {
    e.retry = RetryClass::UnknownOutcome;
    e.message = format!(
        "{} (keychain {keychain} was created without its key: retry with `retry` set to complete it)",
        e.message
    );
    e
}

pub(crate) fn response(
    keychain: wire::Keychain,
    key: wire::VirtualKey,
    asked: TimeWindow,
) -> CreateVisitorPassResponse {
    let recorded = match (
        parse_instant(keychain.starts_at.as_deref()),
        parse_instant(keychain.ends_at.as_deref()),
    ) {
        (Some(starts_at), Some(ends_at)) => TimeWindow { starts_at, ends_at },
        _ => {
            tracing::warn!(
                keychain = keychain.id,
                "the keychain's window could not be read; reporting the one asked for"
            );
            asked
        }
    };
    CreateVisitorPassResponse {
        external: external(keychain.id),
        key: Some(external(key.id)),
        qr_code_url: key.qr_code_url,
        instructions_url: key.instructions_url,
        window: recorded,
    }
}

/// Creates (or, on a retry, finds and completes) the pass.
pub(crate) async fn create(
    inner: &Inner,
    req: CreateVisitorPassRequest,
) -> ProviderResult<CreateVisitorPassResponse> {
    if req.window.starts_at >= req.window.ends_at {
        return Err(rejected(
            CREATE,
            "the pass's window must start before it ends",
        ));
    }
    let building = id_of(CREATE, "building", &req.building)?;
    let tenant = id_of(CREATE, "tenant", &req.tenant)?;
    let visitor = req.visitor_name.trim();
    if visitor.is_empty() || req.idempotency_key.trim().is_empty() {
        return Err(rejected(
            CREATE,
            "a pass needs a visitor name and an idempotency key",
        ));
    }
    let api = &inner.api;
    let name = keychain_name(visitor, &req.idempotency_key);

    if req.retry
        && let Some(keychain) = find_keychain(api, tenant, &name).await?
    {
        let key = match find_key(api, keychain.id).await? {
            Some(key) => key,
            None => mint_key(api, keychain.id, visitor)
                .await
                .map_err(|e| half_made(e, keychain.id))?,
        };
        return Ok(response(keychain, key, req.window));
    }

    let (mut doors, mut cached) = inner.doors.get(api, building).await?;
    let keychain = loop {
        if doors.is_empty() {
            return Err(rejected(
                CREATE,
                format!(
                    "ButterflyMX shows no access points for building {building}: a pass would open no door"
                ),
            ));
        }
        let body = json!({ "keychain": {
            "name": name,
            "starts_at": instant(req.window.starts_at),
            "ends_at": instant(req.window.ends_at),
            "tenant_id": tenant,
            "access_point_ids": doors,
        }});
        match api
            .create::<wire::One<wire::Keychain>>(CREATE, "/v4/keychains/custom", &body)
            .await
        {
            Ok(created) => break created.data,
            // Doors remembered from before may be gone: once, with the doors as they are now.
            Err(e) if cached && e.kind == ProviderErrorKind::Rejected => {
                inner.doors.forget(building);
                let fresh = inner.doors.fetch(api, CREATE, building).await?;
                if fresh == doors {
                    return Err(e);
                }
                (doors, cached) = (fresh, false);
            }
            Err(e) => {
                if maybe_done(&e) {
                    tracing::warn!(
                        operation = CREATE,
                        "keychain create answer lost; a retry looks it up"
                    );
                }
                return Err(e);
            }
        }
    };
    let key = mint_key(api, keychain.id, visitor)
        .await
        .map_err(|e| half_made(e, keychain.id))?;
    Ok(response(keychain, key, req.window))
}

/// Deletes the pass's keychain (and so its keys). One the vendor no longer has is `NotFound`.
pub(crate) async fn revoke(api: &Api, req: RevokeVisitorPassRequest) -> ProviderResult<()> {
    let keychain = id_of(REVOKE, "pass", &req.visitor_pass)?;
    api.delete(REVOKE, &format!("/v4/keychains/{keychain}"))
        .await
}
