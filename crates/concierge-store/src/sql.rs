//! What the SQLite and PostgreSQL stores share: the row a record becomes, the SQL text (which
//! both engines accept, with `$n` placeholders), error mapping, and the `Store` implementation
//! itself, written once as a macro over the two sqlx drivers (its multi-row writes and leases of
//! many properties are in `batch`).

use concierge_core::{EntityKind, KeyHolder, Record, StoreError};

/// The columns of the `records` table for one record.
pub(crate) struct Row {
    pub kind: &'static str,
    pub id: String,
    pub version: i64,
    pub property_id: Option<String>,
    pub unit_id: Option<String>,
    pub ext_provider: Option<String>,
    pub ext_id: Option<String>,
    pub holder: Option<String>,
    pub live: Option<i64>,
    pub status: Option<&'static str>,
    pub due_at: Option<i64>,
    pub idem_key: Option<String>,
    pub created_at: Option<i64>,
    pub body: String,
}

impl Row {
    pub fn of(record: &Record) -> Result<Self, StoreError> {
        let key = record.key();
        let body = serde_json::to_string(record).map_err(|e| StoreError::Corrupt {
            message: format!("cannot encode {} {}: {e}", key.kind, key.id),
        })?;
        let mut row = Row {
            kind: key.kind.as_str(),
            id: key.id,
            version: record.version() as i64,
            property_id: None,
            unit_id: None,
            ext_provider: None,
            ext_id: None,
            holder: None,
            live: None,
            status: None,
            due_at: None,
            idem_key: None,
            created_at: None,
            body,
        };
        match record {
            Record::Property(_) => {}
            Record::Building(b) => row.property_id = Some(b.property_id.to_string()),
            Record::Unit(u) => row.property_id = Some(u.property_id.to_string()),
            Record::Resident(r) => {
                row.property_id = Some(r.property_id.to_string());
                row.unit_id = Some(r.occupancy.unit_id.to_string());
                row.ext_provider = r.external.as_ref().map(|e| e.provider.clone());
                row.ext_id = r.external.as_ref().map(|e| e.id.clone());
                row.created_at = Some(r.created_at.timestamp_micros());
            }
            Record::SpareHolder(s) => row.unit_id = Some(s.unit_id.to_string()),
            Record::Key(k) => {
                row.unit_id = Some(k.unit_id.to_string());
                row.holder = Some(holder_id(&k.holder));
                row.live = Some(i64::from(k.state.is_live()));
            }
            Record::VisitorPass(v) => {
                row.property_id = Some(v.property_id.to_string());
                row.holder = v.resident_id.as_ref().map(|r| r.to_string());
                row.status = Some(v.state.as_str());
            }
            Record::Secret(_) => {}
            Record::SyncRun(s) => {
                row.property_id = Some(s.property_id.to_string());
                row.created_at = Some(s.started_at.timestamp_micros());
            }
            Record::Outbox(o) => {
                row.property_id = Some(o.property_id.to_string());
                row.status = Some(o.status.as_str());
                row.due_at = Some(o.next_attempt_at.timestamp_micros());
                row.idem_key = Some(o.idempotency_key.clone());
                row.created_at = Some(o.created_at.timestamp_micros());
            }
            Record::Intent(i) => {
                row.property_id = Some(i.property_id.to_string());
                row.status = Some(i.status.as_str());
                row.created_at = Some(i.created_at.timestamp_micros());
            }
            Record::StrataRoll(r) => {
                row.property_id = Some(r.property_id.to_string());
                row.ext_provider = Some(r.external.provider.clone());
                row.ext_id = Some(r.external.id.clone());
                row.status = Some(r.status.as_str());
            }
            // A member's roll is the record that holds it: `holder` keys its listings.
            Record::StrataMember(m) => {
                row.property_id = Some(m.property_id.to_string());
                row.holder = Some(m.roll_id.to_string());
                row.status = Some(m.state.as_str());
                row.ext_provider = Some(m.user.external.provider.clone());
                row.ext_id = Some(m.user.external.id.clone());
            }
        }
        Ok(row)
    }
}

/// The `holder` column of a key.
pub(crate) fn holder_id(holder: &KeyHolder) -> String {
    match holder {
        KeyHolder::Resident(id) => id.to_string(),
        KeyHolder::Spare(id) => id.to_string(),
    }
}

pub(crate) const INSERT: &str = "INSERT INTO records \
    (kind, id, version, property_id, unit_id, ext_provider, ext_id, holder, live, status, due_at, idem_key, created_at, body) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
pub(crate) const UPDATE: &str = "UPDATE records SET version = $3, property_id = $4, unit_id = $5, \
    ext_provider = $6, ext_id = $7, holder = $8, live = $9, status = $10, due_at = $11, idem_key = $12, \
    created_at = $13, body = $14 WHERE kind = $1 AND id = $2 AND version = $15";
pub(crate) const GET: &str = "SELECT body FROM records WHERE kind = $1 AND id = $2";
pub(crate) const BY_KIND: &str = "SELECT body FROM records WHERE kind = $1 ORDER BY id";
pub(crate) const BY_PROPERTY: &str =
    "SELECT body FROM records WHERE kind = $1 AND property_id = $2 ORDER BY id";
/// Resident listings, one text per filter so each can use its index (an `$n IS NULL OR …`
/// predicate would make the engine scan every resident). Parameters: the filters present
/// (property, unit), then the id to start after, then the limit.
pub(crate) fn residents_sql(property: bool, unit: bool) -> &'static str {
    match (property, unit) {
        (true, true) => {
            "SELECT body FROM records WHERE kind = 'resident' AND property_id = $1 \
            AND unit_id = $2 AND id > $3 ORDER BY id LIMIT $4"
        }
        (true, false) => {
            "SELECT body FROM records WHERE kind = 'resident' AND property_id = $1 \
            AND id > $2 ORDER BY id LIMIT $3"
        }
        (false, true) => {
            "SELECT body FROM records WHERE kind = 'resident' AND unit_id = $1 \
            AND id > $2 ORDER BY id LIMIT $3"
        }
        (false, false) => {
            "SELECT body FROM records WHERE kind = 'resident' AND id > $1 ORDER BY id LIMIT $2"
        }
    }
}
pub(crate) const BY_EXTERNAL: &str = "SELECT body FROM records WHERE kind = 'resident' \
    AND property_id = $1 AND ext_provider = $2 AND ext_id = $3";
pub(crate) const DUE: &str = "SELECT body FROM records WHERE kind = 'outbox_entry' AND status = 'pending' \
    AND due_at <= $1 ORDER BY due_at, id LIMIT $2";
pub(crate) const BY_STATUS: &str =
    "SELECT body FROM records WHERE kind = $1 AND status = $2 ORDER BY created_at, id";
/// Key listings, one text per filter (see [`residents_sql`]), each served by an index ending in
/// `id` (`records_by_holder`, `records_by_unit`, the primary key). Parameters: the filters present
/// (holder, unit), then the id to start after, then the limit.
pub(crate) fn keys_sql(holder: bool, unit: bool) -> &'static str {
    match (holder, unit) {
        (true, true) => {
            "SELECT body FROM records WHERE kind = 'key' AND holder = $1 AND unit_id = $2 \
            AND id > $3 ORDER BY id LIMIT $4"
        }
        (true, false) => {
            "SELECT body FROM records WHERE kind = 'key' AND holder = $1 \
            AND id > $2 ORDER BY id LIMIT $3"
        }
        (false, true) => {
            "SELECT body FROM records WHERE kind = 'key' AND unit_id = $1 \
            AND id > $2 ORDER BY id LIMIT $3"
        }
        (false, false) => {
            "SELECT body FROM records WHERE kind = 'key' AND id > $1 ORDER BY id LIMIT $2"
        }
    }
}
/// Outbox entries of one status, a keyset page at a time through `records_by_status`.
/// Parameters: status, the id to start after, the limit.
pub(crate) const OUTBOX_PAGE: &str = "SELECT body FROM records WHERE kind = 'outbox_entry' \
    AND status = $1 AND id > $2 ORDER BY id LIMIT $3";
/// A roll's members, a keyset page at a time: all of them through `records_by_holder`, or one
/// state's through `records_by_holder_status`. Parameters: roll, (state,) the id to start
/// after, the limit.
pub(crate) fn members_sql(state: bool) -> &'static str {
    if state {
        "SELECT body FROM records WHERE kind = 'strata_member' AND holder = $1 AND status = $2 \
        AND id > $3 ORDER BY id LIMIT $4"
    } else {
        "SELECT body FROM records WHERE kind = 'strata_member' AND holder = $1 \
        AND id > $2 ORDER BY id LIMIT $3"
    }
}
/// A page of a property's visitor passes, optionally of one state and one resident.
/// Parameters: property, state (or NULL), resident (or NULL), the id to start after, the limit.
pub(crate) const PASSES: &str = "SELECT body FROM records WHERE kind = 'visitor_pass' \
    AND property_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR holder = $3) \
    AND id > $4 ORDER BY id LIMIT $5";
pub(crate) const SPARES: &str =
    "SELECT body FROM records WHERE kind = 'spare_holder' AND unit_id = $1 ORDER BY id";
pub(crate) const LATEST_RUN: &str = "SELECT body FROM records WHERE kind = 'sync_run' AND property_id = $1 \
    ORDER BY created_at DESC, id DESC LIMIT 1";
pub(crate) const LEASE_HOLDER: &str =
    "SELECT holder, expires_at FROM leases WHERE property_id = $1";

/// How many rows a filtered resident listing reads at a time.
pub(crate) const RESIDENT_CHUNK: i64 = 500;

pub(crate) fn decode(body: &str) -> Result<Record, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        message: format!("a stored record cannot be read: {e}"),
    })
}

pub(crate) fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable {
        message: e.to_string(),
    }
}

/// Maps a failed insert or update of `row` to the rule it broke.
pub(crate) fn write_error(e: sqlx::Error, row: &Row) -> StoreError {
    if let Some(db) = e.as_database_error()
        && db.is_unique_violation()
    {
        let text = format!("{} {}", db.message(), db.constraint().unwrap_or_default());
        let (constraint, message) = if text.contains("ext_id") || text.contains("external_ref") {
            (
                concierge_core::Constraint::ResidentExternalRef,
                format!(
                    "another resident of property {} has this external reference",
                    row.property_id.as_deref().unwrap_or("?")
                ),
            )
        } else if text.contains("holder") || text.contains("live_key") {
            (
                concierge_core::Constraint::OneLiveKeyPerHolderAndUnit,
                format!(
                    "{} already holds a live key for unit {}",
                    row.holder.as_deref().unwrap_or("?"),
                    row.unit_id.as_deref().unwrap_or("?")
                ),
            )
        } else if text.contains("idem_key") || text.contains("idempotency_key") {
            (
                concierge_core::Constraint::OutboxIdempotencyKey,
                format!(
                    "an outbox entry with key {} exists",
                    row.idem_key.as_deref().unwrap_or("?")
                ),
            )
        } else {
            return concurrent(row);
        };
        return StoreError::Constraint {
            constraint,
            message,
        };
    }
    unavailable(e)
}

pub(crate) fn concurrent(row: &Row) -> StoreError {
    let entity = [
        EntityKind::Property,
        EntityKind::Building,
        EntityKind::Unit,
        EntityKind::Resident,
        EntityKind::SpareHolder,
        EntityKind::Key,
        EntityKind::VisitorPass,
        EntityKind::SyncRun,
        EntityKind::OutboxEntry,
        EntityKind::Intent,
        EntityKind::StrataRoll,
        EntityKind::StrataMember,
        EntityKind::Secret,
    ]
    .into_iter()
    .find(|k| k.as_str() == row.kind)
    .unwrap_or(EntityKind::Property);
    StoreError::Concurrent {
        entity,
        id: row.id.clone(),
    }
}

/// Binds the 14 columns of a [`Row`] to a query, in the order of [`INSERT`] and [`UPDATE`] (and
/// of each row of `crate::batch::upsert_sql`).
macro_rules! bind_row {
    ($query:expr, $row:expr) => {
        $query
            .bind($row.kind)
            .bind(&$row.id)
            .bind($row.version)
            .bind(&$row.property_id)
            .bind(&$row.unit_id)
            .bind(&$row.ext_provider)
            .bind(&$row.ext_id)
            .bind(&$row.holder)
            .bind($row.live)
            .bind($row.status)
            .bind($row.due_at)
            .bind(&$row.idem_key)
            .bind($row.created_at)
            .bind(&$row.body)
    };
}

/// Implements `Store` for a type with a `pool` field and a `begin()` method, over the sqlx
/// driver `$db`.
macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        sql_batch!($store, $db);

        #[async_trait::async_trait]
        impl concierge_core::Store for $store {
            async fn commit(
                &self,
                batch: concierge_core::Batch,
            ) -> concierge_core::StoreResult<()> {
                if let Some(plan) = crate::batch::Plan::of(&batch)
                    && self.commit_batched(&batch, &plan).await?
                {
                    return Ok(());
                }
                self.commit_rows(&batch).await
            }

            async fn get(
                &self,
                key: &concierge_core::RecordKey,
            ) -> concierge_core::StoreResult<Option<concierge_core::Record>> {
                use crate::sql::*;
                use sqlx::Row as _;
                let row = sqlx::query(GET)
                    .bind(key.kind.as_str())
                    .bind(&key.id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                row.map(|r| decode(r.get::<&str, _>(0))).transpose()
            }

            async fn list_properties(
                &self,
            ) -> concierge_core::StoreResult<Vec<concierge_core::Property>> {
                self.list_kind(crate::sql::BY_KIND, "property", None).await
            }

            async fn list_buildings(
                &self,
                property: &concierge_core::PropertyId,
            ) -> concierge_core::StoreResult<Vec<concierge_core::Building>> {
                self.list_kind(crate::sql::BY_PROPERTY, "building", Some(property.as_str()))
                    .await
            }

            async fn list_units(
                &self,
                property: &concierge_core::PropertyId,
            ) -> concierge_core::StoreResult<Vec<concierge_core::Unit>> {
                self.list_kind(crate::sql::BY_PROPERTY, "unit", Some(property.as_str()))
                    .await
            }

            async fn list_residents(
                &self,
                query: &concierge_core::ResidentQuery,
            ) -> concierge_core::StoreResult<Vec<concierge_core::Resident>> {
                use crate::sql::*;
                use concierge_core::Versioned as _;
                let mut out = Vec::new();
                let mut after = query
                    .after
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                let want = query.limit.unwrap_or(usize::MAX);
                let sql = residents_sql(query.property_id.is_some(), query.unit_id.is_some());
                loop {
                    let binds = [
                        query.property_id.as_ref().map(|p| p.to_string()),
                        query.unit_id.as_ref().map(|u| u.to_string()),
                        Some(after.clone()),
                    ]
                    .into_iter()
                    .flatten()
                    .map(Some)
                    .collect();
                    let records = self.read_bodies(sql, binds, Some(RESIDENT_CHUNK)).await?;
                    let exhausted = (records.len() as i64) < RESIDENT_CHUNK;
                    for record in records {
                        let Some(resident) = concierge_core::Resident::from_record(record) else {
                            continue;
                        };
                        after = resident.id.to_string();
                        if query.matches(&resident) {
                            out.push(resident);
                            if out.len() >= want {
                                return Ok(out);
                            }
                        }
                    }
                    if exhausted {
                        return Ok(out);
                    }
                }
            }

            async fn find_resident_by_external(
                &self,
                property: &concierge_core::PropertyId,
                external: &concierge_core::ExternalRef,
            ) -> concierge_core::StoreResult<Option<concierge_core::Resident>> {
                use crate::sql::*;
                use concierge_core::Versioned as _;
                use sqlx::Row as _;
                let row = sqlx::query(BY_EXTERNAL)
                    .bind(property.as_str())
                    .bind(&external.provider)
                    .bind(&external.id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                match row {
                    Some(r) => Ok(concierge_core::Resident::from_record(decode(
                        r.get::<&str, _>(0),
                    )?)),
                    None => Ok(None),
                }
            }

            async fn due_outbox(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: usize,
            ) -> concierge_core::StoreResult<Vec<concierge_core::OutboxEntry>> {
                use crate::sql::*;
                use concierge_core::Versioned as _;
                use sqlx::Row as _;
                let rows = sqlx::query(DUE)
                    .bind(now.timestamp_micros())
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(unavailable)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    if let Some(e) =
                        concierge_core::OutboxEntry::from_record(decode(row.get::<&str, _>(0))?)
                    {
                        out.push(e);
                    }
                }
                Ok(out)
            }

            async fn list_outbox(
                &self,
                query: &concierge_core::OutboxQuery,
            ) -> concierge_core::StoreResult<Vec<concierge_core::OutboxEntry>> {
                let after = query
                    .after
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                self.list_page(
                    crate::sql::OUTBOX_PAGE,
                    vec![query.status.as_str().to_owned(), after],
                    query.limit,
                )
                .await
            }

            async fn list_intents(
                &self,
                status: concierge_core::IntentStatus,
            ) -> concierge_core::StoreResult<Vec<concierge_core::Intent>> {
                self.list_status("intent", status.as_str()).await
            }

            async fn try_acquire_lease(
                &self,
                property: &concierge_core::PropertyId,
                holder: &str,
                now: chrono::DateTime<chrono::Utc>,
                ttl: chrono::Duration,
            ) -> concierge_core::StoreResult<bool> {
                let held = self
                    .acquire_leases(std::slice::from_ref(property), holder, now, ttl)
                    .await?;
                Ok(held.first().copied().unwrap_or(false))
            }

            async fn lease_holder(
                &self,
                property: &concierge_core::PropertyId,
            ) -> concierge_core::StoreResult<Option<(String, chrono::DateTime<chrono::Utc>)>> {
                use crate::sql::*;
                let row: Option<(String, i64)> = sqlx::query_as(LEASE_HOLDER)
                    .bind(property.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
                Ok(row.and_then(|(holder, micros)| {
                    chrono::DateTime::from_timestamp_micros(micros)
                        .map(|at| (crate::liveness::holder_of(&holder).to_owned(), at))
                }))
            }

            async fn release_lease(
                &self,
                property: &concierge_core::PropertyId,
                holder: &str,
            ) -> concierge_core::StoreResult<()> {
                self.release_leases_of(std::slice::from_ref(property), holder)
                    .await
            }

            async fn try_acquire_leases(
                &self,
                properties: &[concierge_core::PropertyId],
                holder: &str,
                now: chrono::DateTime<chrono::Utc>,
                ttl: chrono::Duration,
            ) -> concierge_core::StoreResult<Vec<bool>> {
                self.acquire_leases(properties, holder, now, ttl).await
            }

            async fn release_leases(
                &self,
                properties: &[concierge_core::PropertyId],
                holder: &str,
            ) -> concierge_core::StoreResult<()> {
                self.release_leases_of(properties, holder).await
            }

            async fn list_keys(
                &self,
                query: &concierge_core::KeyQuery,
            ) -> concierge_core::StoreResult<Vec<concierge_core::SmartKey>> {
                let sql = crate::sql::keys_sql(query.holder.is_some(), query.unit_id.is_some());
                let mut binds: Vec<String> = [
                    query.holder.as_ref().map(crate::sql::holder_id),
                    query.unit_id.as_ref().map(|u| u.to_string()),
                ]
                .into_iter()
                .flatten()
                .collect();
                binds.push(
                    query
                        .after
                        .as_ref()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                );
                self.list_page(sql, binds, query.limit).await
            }

            async fn list_spare_holders(
                &self,
                unit: &concierge_core::UnitId,
            ) -> concierge_core::StoreResult<Vec<concierge_core::SpareHolder>> {
                self.list_bound(crate::sql::SPARES, &[Some(unit.to_string())])
                    .await
            }

            async fn latest_sync_run(
                &self,
                property: &concierge_core::PropertyId,
            ) -> concierge_core::StoreResult<Option<concierge_core::SyncRun>> {
                let runs: Vec<concierge_core::SyncRun> = self
                    .list_bound(crate::sql::LATEST_RUN, &[Some(property.to_string())])
                    .await?;
                Ok(runs.into_iter().next())
            }

            async fn list_strata_rolls(
                &self,
            ) -> concierge_core::StoreResult<Vec<concierge_core::StrataRoll>> {
                self.list_kind(crate::sql::BY_KIND, "strata_roll", None)
                    .await
            }

            async fn list_strata_members(
                &self,
                query: &concierge_core::MemberQuery,
            ) -> concierge_core::StoreResult<Vec<concierge_core::StrataMember>> {
                let sql = crate::sql::members_sql(query.state.is_some());
                let mut binds = vec![query.roll_id.to_string()];
                binds.extend(query.state.map(|s| s.as_str().to_owned()));
                binds.push(
                    query
                        .after
                        .as_ref()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                );
                self.list_page(sql, binds, query.limit).await
            }

            async fn list_visitor_passes(
                &self,
                query: &concierge_core::PassQuery,
            ) -> concierge_core::StoreResult<Vec<concierge_core::VisitorPass>> {
                let binds = vec![
                    Some(query.property_id.to_string()),
                    query.state.map(|s| s.as_str().to_owned()),
                    query.resident_id.as_ref().map(|r| r.to_string()),
                    Some(
                        query
                            .after
                            .as_ref()
                            .map(|a| a.to_string())
                            .unwrap_or_default(),
                    ),
                ];
                self.list_page_opt(crate::sql::PASSES, binds, query.limit)
                    .await
            }

            fn activation_secret(
                &self,
            ) -> concierge_core::StoreResult<concierge_core::SecretSource> {
                Ok(self.secret_source())
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }

        impl $store {
            async fn list_kind<R: concierge_core::Versioned>(
                &self,
                sql: &'static str,
                kind: &str,
                property: Option<&str>,
            ) -> concierge_core::StoreResult<Vec<R>> {
                let mut binds = vec![Some(kind.to_owned())];
                binds.extend(property.map(|p| Some(p.to_owned())));
                self.list_bound(sql, &binds).await
            }

            async fn list_bound<R: concierge_core::Versioned>(
                &self,
                sql: &'static str,
                binds: &[Option<String>],
            ) -> concierge_core::StoreResult<Vec<R>> {
                let records = self.read_bodies(sql, binds.to_vec(), None).await?;
                Ok(records.into_iter().filter_map(R::from_record).collect())
            }

            /// The records a listing `sql` selects, bound to `binds` then `limit` if given.
            async fn read_bodies(
                &self,
                sql: &'static str,
                binds: Vec<Option<String>>,
                limit: Option<i64>,
            ) -> concierge_core::StoreResult<Vec<concierge_core::Record>> {
                use crate::sql::*;
                use sqlx::Row as _;
                let mut query = sqlx::query(sql);
                for value in binds {
                    query = query.bind(value);
                }
                if let Some(limit) = limit {
                    query = query.bind(limit);
                }
                let rows = query.fetch_all(&self.pool).await.map_err(unavailable)?;
                rows.iter()
                    .map(|row| decode(row.get::<&str, _>(0)))
                    .collect()
            }

            /// One keyset page: `sql` takes `binds`, then the limit (every row when `None`).
            async fn list_page<R: concierge_core::Versioned>(
                &self,
                sql: &'static str,
                binds: Vec<String>,
                limit: Option<usize>,
            ) -> concierge_core::StoreResult<Vec<R>> {
                self.list_page_opt(sql, binds.into_iter().map(Some).collect(), limit)
                    .await
            }

            /// One keyset page whose parameters may be NULL.
            async fn list_page_opt<R: concierge_core::Versioned>(
                &self,
                sql: &'static str,
                binds: Vec<Option<String>>,
                limit: Option<usize>,
            ) -> concierge_core::StoreResult<Vec<R>> {
                let limit = limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
                let records = self.read_bodies(sql, binds, Some(limit)).await?;
                Ok(records.into_iter().filter_map(R::from_record).collect())
            }

            async fn list_status<R: concierge_core::Versioned>(
                &self,
                kind: &str,
                status: &str,
            ) -> concierge_core::StoreResult<Vec<R>> {
                let binds = [Some(kind.to_owned()), Some(status.to_owned())];
                self.list_bound(crate::sql::BY_STATUS, &binds).await
            }
        }
    };
}
