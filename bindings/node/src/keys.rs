//! Smart keys (R-KEY-1..4, R-PMS-4, R-PMS-7): encoders, previews, key writes, cancellations.

use crate::admin::Admin;
use crate::client::Concierge;
use crate::error::promise;
use crate::records::{ExternalRef, Instant, Unit, external};
use concierge::{KeyHolder, KeyId, MakeKey, ResidentId, SpareHolderId, UnitId};
use napi::Env;
use napi::bindgen_prelude::{PromiseRaw, Result};
use napi_derive::napi;

/// A key encoder of the lock system.
#[napi(object, object_from_js = false)]
pub struct Encoder {
    /// Its id in the lock system: what `previewKey` / `makeKey` take as `encoder` (its name
    /// works too).
    pub id: String,
    /// Its name, e.g. "NCoder Lobby".
    pub name: String,
    /// Whether it is connected.
    pub online: bool,
    /// Whether it is initialised and can write keys.
    pub initialized: bool,
}

impl From<concierge::EncoderInfo> for Encoder {
    fn from(e: concierge::EncoderInfo) -> Self {
        Self {
            id: e.external.id,
            name: e.name,
            online: e.online,
            initialized: e.initialized,
        }
    }
}

/// A smart key: one holder, one unit, one live key per holder and unit.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct SmartKey {
    /// Its id.
    pub id: String,
    /// Who holds it: a resident or a spare holder of the unit.
    #[napi(ts_type = "KeyHolderKind")]
    pub holder_kind: String,
    /// The resident's or spare holder's id.
    pub holder_id: String,
    /// The one unit it opens.
    pub unit_id: String,
    /// The encoder it was written on.
    pub encoder_id: String,
    /// Where it stands; `encoding` and `active` are live.
    #[napi(ts_type = "KeyState")]
    pub state: String,
    /// The key in the lock system; `null` until written.
    pub external_ref: Option<ExternalRef>,
    /// When it was requested.
    #[napi(ts_type = "Date")]
    pub created_at: Instant,
}

fn holder_parts(h: KeyHolder) -> (&'static str, String) {
    match h {
        KeyHolder::Resident(id) => ("resident", id.to_string()),
        KeyHolder::Spare(id) => ("spare", id.to_string()),
    }
}

fn key_state(s: concierge::KeyState) -> &'static str {
    match s {
        concierge::KeyState::Encoding => "encoding",
        concierge::KeyState::Active => "active",
        concierge::KeyState::Cancelled => "cancelled",
        concierge::KeyState::Replaced => "replaced",
    }
}

impl From<concierge::SmartKey> for SmartKey {
    fn from(k: concierge::SmartKey) -> Self {
        let (kind, holder_id) = holder_parts(k.holder);
        Self {
            id: k.id.to_string(),
            holder_kind: kind.to_owned(),
            holder_id,
            unit_id: k.unit_id.to_string(),
            encoder_id: k.encoder.id,
            state: key_state(k.state).to_owned(),
            external_ref: external(k.external),
            created_at: Instant(k.created_at),
        }
    }
}

/// What `makeKey` will write, for the admin to confirm.
#[napi(object, object_from_js = false, use_nullable = true)]
pub struct KeyPreview {
    /// Who gets the key.
    #[napi(ts_type = "KeyHolderKind")]
    pub holder_kind: String,
    /// The resident's or spare holder's id.
    pub holder_id: String,
    /// The resident's full name, or the spare holder's label.
    pub holder_name: String,
    /// The one unit the key opens.
    pub unit: Unit,
    /// The encoder that writes it.
    pub encoder: Encoder,
    /// The id of the live key this one replaces, or `null`.
    pub replaces: Option<String>,
}

impl From<concierge::KeyPreview> for KeyPreview {
    fn from(p: concierge::KeyPreview) -> Self {
        let (kind, holder_id) = holder_parts(p.holder);
        Self {
            holder_kind: kind.to_owned(),
            holder_id,
            holder_name: p.holder_name,
            unit: p.unit.into(),
            encoder: p.encoder.into(),
            replaces: p.replaces.map(|k| k.to_string()),
        }
    }
}

/// A key to write (`previewKey`, `makeKey`): exactly one of `residentId` and `spareHolderId`.
#[napi(object, object_to_js = false)]
pub struct MakeKeyOptions {
    /// A current or future resident: the key opens their unit.
    pub resident_id: Option<String>,
    /// A spare holder of a unit: the unit's spare key.
    pub spare_holder_id: Option<String>,
    /// The encoder's id (or name), as `listEncoders` gives it.
    pub encoder: String,
    /// Replace the holder's live key for the unit (a lost card): the old key is cancelled.
    /// Default: false.
    pub replace: Option<bool>,
}

/// Optional filters of `listKeys`; all given ones must match.
#[napi(object, object_to_js = false)]
pub struct KeyFilterOptions {
    /// Only this resident's keys.
    pub resident_id: Option<String>,
    /// Only this spare holder's keys.
    pub spare_holder_id: Option<String>,
    /// Only keys opening this unit.
    pub unit_id: Option<String>,
}

/// The holder named by `resident_id` / `spare_holder_id`: exactly one must be given, else a
/// VALIDATION error on field `holder`.
fn holder(
    resident_id: Option<String>,
    spare_holder_id: Option<String>,
) -> concierge::Result<KeyHolder> {
    match (resident_id, spare_holder_id) {
        (Some(r), None) => Ok(KeyHolder::Resident(ResidentId::from(r))),
        (None, Some(s)) => Ok(KeyHolder::Spare(SpareHolderId::from(s))),
        _ => Err(concierge::Error::invalid(
            "holder",
            "give exactly one of resident_id and spare_holder_id",
        )),
    }
}

/// The facade's request, or the VALIDATION error.
fn make_key(options: MakeKeyOptions) -> concierge::Result<MakeKey> {
    Ok(MakeKey {
        holder: holder(options.resident_id, options.spare_holder_id)?,
        encoder: options.encoder,
        replace: options.replace.unwrap_or(false),
    })
}

#[napi]
impl Concierge {
    /// The lock system's encoders and their state (Residence, read).
    #[napi]
    pub fn list_encoders<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
    ) -> Result<PromiseRaw<'env, Vec<Encoder>>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let list = c.list_encoders(&admin).await?;
            Ok(list.into_iter().map(Encoder::from).collect())
        })
    }

    /// What `makeKey` will write, without writing anything (Residence, full). Refuses what
    /// `makeKey` would refuse.
    #[napi]
    pub fn preview_key<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        options: MakeKeyOptions,
    ) -> Result<PromiseRaw<'env, KeyPreview>> {
        let req = make_key(options);
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            Ok(c.preview_key(&admin, &req?).await?.into())
        })
    }

    /// Writes a key for a current or future resident or a spare holder, on an encoder
    /// (Residence, full, checked before the encoder is called). A second live key for the same
    /// holder and unit is refused with code `CONFLICT` naming the first, unless `replace` is
    /// set. A write whose reply was lost rejects with `PROVIDER`, `retryable: true`; calling
    /// again finishes it without writing a second key.
    #[napi]
    pub fn make_key<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        options: MakeKeyOptions,
    ) -> Result<PromiseRaw<'env, SmartKey>> {
        let req = make_key(options);
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(
            env,
            async move { Ok(c.make_key(&admin, req?).await?.into()) },
        )
    }

    /// Cancels a live key (Residence, full); the lock system is told through the outbox.
    #[napi]
    pub fn cancel_key<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        key_id: String,
    ) -> Result<PromiseRaw<'env, SmartKey>> {
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            Ok(c.cancel_key(&admin, &KeyId::from(key_id)).await?.into())
        })
    }

    /// Keys of a holder and/or a unit, in every state (Residence, read). Giving both
    /// `residentId` and `spareHolderId` rejects with `VALIDATION`.
    #[napi]
    pub fn list_keys<'env>(
        &self,
        env: &'env Env,
        admin: &Admin,
        filter: Option<KeyFilterOptions>,
    ) -> Result<PromiseRaw<'env, Vec<SmartKey>>> {
        let (mut parsed, mut unit) = (Ok(None), None);
        if let Some(f) = filter {
            if f.resident_id.is_some() || f.spare_holder_id.is_some() {
                parsed = holder(f.resident_id, f.spare_holder_id).map(Some);
            }
            unit = f.unit_id.map(UnitId::from);
        }
        let (c, admin) = (self.inner.clone(), admin.inner.clone());
        promise(env, async move {
            let holder = parsed?;
            let list = c.list_keys(&admin, holder.as_ref(), unit.as_ref()).await?;
            Ok(list.into_iter().map(SmartKey::from).collect())
        })
    }

    /// Finishes every key write whose outcome is not recorded (after a crash or a lost reply),
    /// asking the lock system first, so no key is written twice. Resolves to how many it
    /// settled. Acts as the system, not as an admin.
    #[napi]
    pub fn reconcile_keys<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, u32>> {
        let c = self.inner.clone();
        promise(env, async move {
            let settled = c.reconcile_keys().await?;
            Ok(u32::try_from(settled).unwrap_or(u32::MAX))
        })
    }
}

/// Names of the key enumerations, as TypeScript types.
#[allow(dead_code)]
mod names {
    use napi_derive::napi;

    /// Who holds a smart key.
    #[napi(string_enum = "snake_case")]
    pub enum KeyHolderKind {
        Resident,
        Spare,
    }

    /// Where a smart key stands.
    #[napi(string_enum = "snake_case")]
    pub enum KeyState {
        Encoding,
        Active,
        Cancelled,
        Replaced,
    }
}
