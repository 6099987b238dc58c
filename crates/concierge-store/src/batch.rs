//! How the SQLite and PostgreSQL stores write many rows at once: a batch's puts as multi-row
//! upserts and its look-ups (stored versions, parents) as multi-row selects, a few statements
//! per page of a sync instead of a round trip per row; leases taken and given back for many
//! properties at once. The SQL text is built here for a number of rows; the statements run in
//! `sql_batch!`, expanded inside each store.
//!
//! Both engines accept the same text but for its placeholders: numbered (`$n`) for PostgreSQL,
//! anonymous (`?`) for SQLite, which looks each named or numbered parameter up by a linear
//! search when it prepares a statement and binds it, so a statement of 1,000 rows of 14
//! numbered parameters takes longer than writing the rows one at a time.
//!
//! A batch is written in multi-row statements only when that cannot change what the commit
//! does: when anything is off (a put does not find the version it expects, a statement fails
//! or writes fewer rows than sent), the transaction is rolled back and the batch is written
//! again row by row in a fresh one, exactly as before, so the caller gets the same error, for
//! the same record, as a row-by-row commit gives. Parents are checked after the writes, as
//! before, whenever one was not found when the batch was looked up.

use crate::sql::Row;
use concierge_core::{Batch, Constraint, RecordKey, StoreError};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

/// Bind parameters one statement may carry: SQLite's limit since 3.32 (the bundled library is
/// 3.51), below PostgreSQL's 65535.
pub(crate) const MAX_PARAMS: usize = 32_766;

/// The columns of a [`Row`], in the order `bind_row!` binds them.
const COLUMNS: &str = "kind, id, version, property_id, unit_id, ext_provider, ext_id, holder, \
    live, status, due_at, idem_key, created_at, body";
/// How many columns a [`Row`] binds.
const WIDTH: usize = 14;

/// Rows of one upsert.
pub(crate) const UPSERT_ROWS: usize = MAX_PARAMS / WIDTH;
const _: () = assert!(UPSERT_ROWS * WIDTH <= MAX_PARAMS);
/// Keys (kind and id) of one look-up.
pub(crate) const LOOKUP_KEYS: usize = MAX_PARAMS / 2;
/// Properties of one lease statement: three parameters each, and "now" once.
pub(crate) const LEASE_ROWS: usize = (MAX_PARAMS - 1) / 3;

/// How a driver writes the placeholders of the multi-row statements (see the module docs).
pub(crate) trait Placeholders {
    /// `$1`, `$2`… when true; `?` each when false.
    const NUMBERED: bool;
}

impl Placeholders for sqlx::Sqlite {
    const NUMBERED: bool = false;
}

#[cfg(feature = "postgres")]
impl Placeholders for sqlx::Postgres {
    const NUMBERED: bool = true;
}

/// Writes placeholders in binding order.
struct Params {
    numbered: bool,
    next: usize,
}

impl Params {
    fn new(numbered: bool) -> Self {
        Self { numbered, next: 1 }
    }

    /// Appends the next placeholder to `text`.
    fn push(&mut self, text: &mut String) {
        if self.numbered {
            let _ = write!(text, "${}", self.next);
        } else {
            text.push('?');
        }
        self.next += 1;
    }

    /// Appends `rows` parenthesised tuples of `width` placeholders.
    fn tuples(&mut self, text: &mut String, rows: usize, width: usize) {
        text.reserve(rows * width * 8);
        for r in 0..rows {
            text.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..width {
                if c > 0 {
                    text.push_str(", ");
                }
                self.push(text);
            }
            text.push(')');
        }
    }
}

/// Writes `rows` rows, each bound as `bind_row!` binds a [`Row`]. A row that does not exist is
/// inserted; one that does is updated only when its stored version is one less than the new
/// one, i.e. the version the writer read, and never by a new record (version 1). Only puts
/// whose new version is the expected one plus one are written this way, and an update only of
/// a record the batch found stored (records are never deleted), so a row the statement skips is
/// a write the store refuses: fewer rows affected than sent.
pub(crate) fn upsert_sql(numbered: bool, rows: usize) -> String {
    let mut text = format!("INSERT INTO records ({COLUMNS}) VALUES ");
    Params::new(numbered).tuples(&mut text, rows, WIDTH);
    text.push_str(
        " ON CONFLICT (kind, id) DO UPDATE SET \
        version = excluded.version, property_id = excluded.property_id, \
        unit_id = excluded.unit_id, ext_provider = excluded.ext_provider, \
        ext_id = excluded.ext_id, holder = excluded.holder, live = excluded.live, \
        status = excluded.status, due_at = excluded.due_at, idem_key = excluded.idem_key, \
        created_at = excluded.created_at, body = excluded.body \
        WHERE records.version = excluded.version - 1 AND excluded.version > 1",
    );
    text
}

/// The kind, id and version of each of `keys` stored records, bound as kind, id, kind, id…
/// A join, not `(kind, id) IN (…)`: SQLite would scan the whole table for the latter.
pub(crate) fn lookup_sql(numbered: bool, keys: usize) -> String {
    let mut text = String::from("SELECT records.kind, records.id, records.version FROM (VALUES ");
    Params::new(numbered).tuples(&mut text, keys, 2);
    text.push_str(
        ") AS wanted JOIN records \
        ON records.kind = wanted.column1 AND records.id = wanted.column2",
    );
    text
}

/// Takes or renews the leases of `properties` properties, each bound as property, holder,
/// expiry, then "now" once: where free, expired at "now", or already the holder's (the rule of
/// one lease). Returns the properties whose lease the holder has now.
pub(crate) fn acquire_sql(numbered: bool, properties: usize) -> String {
    let mut params = Params::new(numbered);
    let mut text = String::from("INSERT INTO leases (property_id, holder, expires_at) VALUES ");
    params.tuples(&mut text, properties, 3);
    text.push_str(
        " ON CONFLICT (property_id) DO UPDATE SET holder = excluded.holder, \
        expires_at = excluded.expires_at WHERE leases.expires_at <= ",
    );
    params.push(&mut text);
    text.push_str(" OR leases.holder = excluded.holder RETURNING property_id");
    text
}

/// Gives back the leases of `properties` properties that the holder holds, bound as holder,
/// then each property.
pub(crate) fn release_sql(numbered: bool, properties: usize) -> String {
    let mut params = Params::new(numbered);
    let mut text = String::from("DELETE FROM leases WHERE holder = ");
    params.push(&mut text);
    text.push_str(" AND property_id IN (");
    for p in 0..properties {
        if p > 0 {
            text.push_str(", ");
        }
        params.push(&mut text);
    }
    text.push(')');
    text
}

/// The holders of the leases of `properties` properties, bound as each property: rows of
/// property id and holder.
pub(crate) fn holders_sql(numbered: bool, properties: usize) -> String {
    let mut params = Params::new(numbered);
    let mut text = String::from("SELECT property_id, holder FROM leases WHERE property_id IN (");
    for p in 0..properties {
        if p > 0 {
            text.push_str(", ");
        }
        params.push(&mut text);
    }
    text.push(')');
    text
}

/// Takes over one lease from a holder proven dead, bound as the new holder, its expiry, the
/// property, and the dead holder (so a lease that changed hands meanwhile is left alone).
pub(crate) fn take_over_sql(numbered: bool) -> String {
    let mut params = Params::new(numbered);
    let mut text = String::from("UPDATE leases SET holder = ");
    params.push(&mut text);
    text.push_str(", expires_at = ");
    params.push(&mut text);
    text.push_str(" WHERE property_id = ");
    params.push(&mut text);
    text.push_str(" AND holder = ");
    params.push(&mut text);
    text
}

/// Stored versions by kind (as stored) and id.
pub(crate) type Stored = HashMap<(String, String), i64>;

fn stored_key(key: &RecordKey) -> (String, String) {
    (key.kind.as_str().to_owned(), key.id.clone())
}

/// A batch ready to be written in multi-row statements.
pub(crate) struct Plan {
    /// The rows, in batch order.
    pub rows: Vec<Row>,
    /// Consecutive runs of rows, one statement each: at most [`UPSERT_ROWS`] rows, each record
    /// at most once (PostgreSQL's upsert cannot touch a row twice in one statement).
    pub statements: Vec<Range<usize>>,
    /// Every record written or referred to, looked up before writing.
    pub lookups: Vec<RecordKey>,
    /// The records written.
    written: HashSet<RecordKey>,
    /// The records referred to as parents.
    parents: BTreeSet<RecordKey>,
}

impl Plan {
    /// The plan of `batch`, or `None` when it is to be written row by row: a put whose new
    /// version is not the expected one plus one (not made by [`Batch::put`]), or a record that
    /// cannot be encoded (row by row reports it where it always has).
    pub fn of(batch: &Batch) -> Option<Self> {
        let mut rows = Vec::with_capacity(batch.puts.len());
        let mut statements = Vec::new();
        let mut start = 0;
        let mut in_statement = HashSet::new();
        let mut written = HashSet::new();
        let mut parents = BTreeSet::new();
        for (i, put) in batch.puts.iter().enumerate() {
            let version = put.record.version();
            if put.expected_version.checked_add(1) != Some(version)
                || i64::try_from(version).is_err()
            {
                return None;
            }
            let row = Row::of(&put.record).ok()?;
            let key = put.record.key();
            if i - start == UPSERT_ROWS || in_statement.contains(&key) {
                statements.push(start..i);
                start = i;
                in_statement.clear();
            }
            in_statement.insert(key.clone());
            parents.extend(put.record.parents());
            written.insert(key);
            rows.push(row);
        }
        if start < rows.len() {
            statements.push(start..rows.len());
        }
        let lookups = written
            .iter()
            .chain(parents.iter().filter(|p| !written.contains(*p)))
            .cloned()
            .collect();
        Some(Self {
            rows,
            statements,
            lookups,
            written,
            parents,
        })
    }

    /// Whether each put finds the version it expects, given the `stored` versions and the puts
    /// before it: none for a new record (expected 0), else the one the writer read. When not,
    /// the batch is written row by row, which says which put failed and how.
    pub fn versions_match(&self, batch: &Batch, stored: &Stored) -> bool {
        let mut staged: HashMap<RecordKey, i64> = HashMap::new();
        for (put, row) in batch.puts.iter().zip(&self.rows) {
            let key = put.record.key();
            let current = staged
                .get(&key)
                .or_else(|| stored.get(&stored_key(&key)))
                .copied();
            let expected = match put.expected_version {
                0 => None,
                v => Some(v as i64),
            };
            if current != expected {
                return false;
            }
            staged.insert(key, row.version);
        }
        true
    }

    /// Whether some parent was neither stored when looked up nor written by the batch: then the
    /// parents are checked again once the batch is written, as a row-by-row commit checks them.
    pub fn parents_unresolved(&self, stored: &Stored) -> bool {
        self.parents
            .iter()
            .any(|p| !self.written.contains(p) && !stored.contains_key(&stored_key(p)))
    }
}

/// Every parent a record of `batch` refers to, with the record referring to it, in order.
pub(crate) fn parent_pairs(batch: &Batch) -> BTreeSet<(RecordKey, RecordKey)> {
    let mut pairs = BTreeSet::new();
    for put in &batch.puts {
        for parent in put.record.parents() {
            pairs.insert((parent, put.record.key()));
        }
    }
    pairs
}

/// The refusal of the first parent of `pairs` that is not `found`, naming the first record that
/// refers to it.
pub(crate) fn missing_parent(
    pairs: &BTreeSet<(RecordKey, RecordKey)>,
    found: &Stored,
) -> Option<StoreError> {
    let (parent, child) = pairs
        .iter()
        .find(|(parent, _)| !found.contains_key(&stored_key(parent)))?;
    Some(StoreError::Constraint {
        constraint: Constraint::ParentExists,
        message: format!(
            "{} {} refers to missing {} {}",
            child.kind, child.id, parent.kind, parent.id
        ),
    })
}

/// The batched paths of a store over sqlx driver `$db`: commit in multi-row statements (or row
/// by row), parent checks, leases of many properties.
macro_rules! sql_batch {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Writes `batch` in multi-row statements in one transaction (see the module docs).
            /// `Ok(false)`: something was off, nothing was written, and the batch is to be
            /// written row by row. An error: no transaction could be begun, a parent is
            /// missing, or the commit failed (each as a row-by-row commit reports it).
            pub(crate) async fn commit_batched(
                &self,
                batch: &concierge_core::Batch,
                plan: &crate::batch::Plan,
            ) -> concierge_core::StoreResult<bool> {
                use crate::batch::*;
                use crate::sql::*;
                let numbered = <$db as Placeholders>::NUMBERED;
                let mut tx = self.begin().await?;
                let stored = match Self::stored_versions(&mut tx, &plan.lookups).await {
                    Ok(stored) if plan.versions_match(batch, &stored) => stored,
                    _ => {
                        let _ = tx.rollback().await;
                        return Ok(false);
                    }
                };
                for range in &plan.statements {
                    let rows = &plan.rows[range.clone()];
                    let sql = upsert_sql(numbered, rows.len());
                    // Not kept in the connection's statement cache: one statement per row count
                    // would fill it with texts of up to 2,340 rows each.
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
                    for row in rows {
                        query = bind_row!(query, row);
                    }
                    match query.execute(&mut *tx).await {
                        Ok(done) if done.rows_affected() == rows.len() as u64 => {}
                        _ => {
                            let _ = tx.rollback().await;
                            return Ok(false);
                        }
                    }
                }
                if plan.parents_unresolved(&stored) {
                    Self::check_parents(&mut tx, batch).await?;
                }
                tx.commit().await.map_err(unavailable)?;
                Ok(true)
            }

            /// Writes `batch` one row at a time in one transaction: one insert or versioned
            /// update per put, in order, stopping at the first refusal, then the parents.
            async fn commit_rows(
                &self,
                batch: &concierge_core::Batch,
            ) -> concierge_core::StoreResult<()> {
                use crate::sql::*;
                let mut tx = self.begin().await?;
                for put in &batch.puts {
                    let row = Row::of(&put.record)?;
                    let result = if put.expected_version == 0 {
                        bind_row!(sqlx::query(INSERT), row).execute(&mut *tx).await
                    } else {
                        bind_row!(sqlx::query(UPDATE), row)
                            .bind(put.expected_version as i64)
                            .execute(&mut *tx)
                            .await
                    };
                    match result {
                        Ok(done) if done.rows_affected() == 1 => {}
                        Ok(_) => return Err(concurrent(&row)),
                        Err(e) => return Err(write_error(e, &row)),
                    }
                }
                Self::check_parents(&mut tx, batch).await?;
                tx.commit().await.map_err(unavailable)?;
                Ok(())
            }

            /// Refuses the batch if a parent of one of its records does not exist (after its
            /// writes, so a parent written by the batch counts): the first missing parent in
            /// key order, named with the first record referring to it.
            async fn check_parents(
                tx: &mut sqlx::Transaction<'static, $db>,
                batch: &concierge_core::Batch,
            ) -> concierge_core::StoreResult<()> {
                let pairs = crate::batch::parent_pairs(batch);
                let parents: std::collections::BTreeSet<_> =
                    pairs.iter().map(|(parent, _)| parent.clone()).collect();
                let parents: Vec<_> = parents.into_iter().collect();
                let found = Self::stored_versions(tx, &parents).await?;
                match crate::batch::missing_parent(&pairs, &found) {
                    Some(refused) => Err(refused),
                    None => Ok(()),
                }
            }

            /// The stored versions of those of `keys` that exist, a few thousand per query.
            pub(crate) async fn stored_versions(
                tx: &mut sqlx::Transaction<'static, $db>,
                keys: &[concierge_core::RecordKey],
            ) -> concierge_core::StoreResult<crate::batch::Stored> {
                use crate::batch::*;
                let mut found = Stored::with_capacity(keys.len());
                for chunk in keys.chunks(LOOKUP_KEYS) {
                    let mut query =
                        sqlx::query_as::<_, (String, String, i64)>(sqlx::AssertSqlSafe(
                            lookup_sql(<$db as Placeholders>::NUMBERED, chunk.len()),
                        ))
                        .persistent(false);
                    for key in chunk {
                        query = query.bind(key.kind.as_str()).bind(&key.id);
                    }
                    let rows = query
                        .fetch_all(&mut **tx)
                        .await
                        .map_err(crate::sql::unavailable)?;
                    found.extend(rows.into_iter().map(|(kind, id, v)| ((kind, id), v)));
                }
                Ok(found)
            }

            /// [`concierge_core::Store::try_acquire_leases`] in one transaction, a few thousand
            /// properties per statement, in property order (two processes taking overlapping
            /// sets lock their rows in the same order, so neither waits on the other forever).
            async fn acquire_leases(
                &self,
                properties: &[concierge_core::PropertyId],
                holder: &str,
                now: chrono::DateTime<chrono::Utc>,
                ttl: chrono::Duration,
            ) -> concierge_core::StoreResult<Vec<bool>> {
                use crate::batch::*;
                use crate::sql::unavailable;
                if properties.is_empty() {
                    return Ok(Vec::new());
                }
                let mut ids: Vec<&str> = properties.iter().map(|p| p.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                let mut held = std::collections::HashSet::new();
                let holder = crate::liveness::compose(holder, self.lease_token());
                let holder = holder.as_str();
                let mut tx = self.begin().await?;
                for chunk in ids.chunks(LEASE_ROWS) {
                    let sql = acquire_sql(<$db as Placeholders>::NUMBERED, chunk.len());
                    let mut query =
                        sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql)).persistent(false);
                    let until = (now + ttl).timestamp_micros();
                    for id in chunk {
                        query = query.bind(*id).bind(holder).bind(until);
                    }
                    query = query.bind(now.timestamp_micros());
                    let rows = query.fetch_all(&mut *tx).await.map_err(unavailable)?;
                    held.extend(rows.into_iter().map(|(id,)| id));
                }
                // Leases still held by others: those of a holder proven dead (a killed
                // process) are taken over now, not when they expire.
                let missing: Vec<&str> =
                    ids.iter().copied().filter(|id| !held.contains(*id)).collect();
                let mut dead: std::collections::HashMap<String, bool> =
                    std::collections::HashMap::new();
                for chunk in missing.chunks(LEASE_ROWS) {
                    let sql = holders_sql(<$db as Placeholders>::NUMBERED, chunk.len());
                    let mut query =
                        sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql))
                            .persistent(false);
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    let rows = query.fetch_all(&mut *tx).await.map_err(unavailable)?;
                    for (id, stored) in rows {
                        let Some(token) = crate::liveness::token_of(&stored) else {
                            continue;
                        };
                        if token == self.lease_token() {
                            continue;
                        }
                        let is_dead = match dead.get(token) {
                            Some(known) => *known,
                            None => {
                                let known = self.holder_is_dead(token).await;
                                dead.insert(token.to_owned(), known);
                                known
                            }
                        };
                        if !is_dead {
                            continue;
                        }
                        let done = sqlx::query(sqlx::AssertSqlSafe(take_over_sql(
                            <$db as Placeholders>::NUMBERED,
                        )))
                        .bind(holder)
                        .bind((now + ttl).timestamp_micros())
                        .bind(id.as_str())
                        .bind(stored.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(unavailable)?;
                        if done.rows_affected() == 1 {
                            tracing::info!(
                                property = %id,
                                "took over the sync lease of a process that is no longer running"
                            );
                            held.insert(id);
                        }
                    }
                }
                tx.commit().await.map_err(unavailable)?;
                Ok(properties
                    .iter()
                    .map(|p| held.contains(p.as_str()))
                    .collect())
            }

            /// [`concierge_core::Store::release_leases`] in one transaction, a few thousand
            /// properties per statement, in property order.
            async fn release_leases_of(
                &self,
                properties: &[concierge_core::PropertyId],
                holder: &str,
            ) -> concierge_core::StoreResult<()> {
                use crate::batch::*;
                use crate::sql::unavailable;
                if properties.is_empty() {
                    return Ok(());
                }
                let mut ids: Vec<&str> = properties.iter().map(|p| p.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                let holder = crate::liveness::compose(holder, self.lease_token());
                let mut tx = self.begin().await?;
                for chunk in ids.chunks(LEASE_ROWS) {
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(release_sql(
                        <$db as Placeholders>::NUMBERED,
                        chunk.len(),
                    )))
                    .persistent(false)
                    .bind(holder.as_str());
                    for id in chunk {
                        query = query.bind(*id);
                    }
                    query.execute(&mut *tx).await.map_err(unavailable)?;
                }
                tx.commit().await.map_err(unavailable)?;
                Ok(())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_across_rows_or_anonymous() {
        assert!(lookup_sql(true, 2).contains("VALUES ($1, $2), ($3, $4))"));
        assert!(lookup_sql(false, 2).contains("VALUES (?, ?), (?, ?))"));
        let acquire = acquire_sql(true, 2);
        assert!(acquire.contains("VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT"));
        assert!(acquire.contains("expires_at <= $7 OR"));
        assert!(acquire_sql(false, 1).contains("VALUES (?, ?, ?) ON CONFLICT"));
        assert!(release_sql(true, 3).ends_with("holder = $1 AND property_id IN ($2, $3, $4)"));
        assert!(release_sql(false, 2).ends_with("holder = ? AND property_id IN (?, ?)"));
        let last = format!("${})", UPSERT_ROWS * WIDTH);
        assert!(upsert_sql(true, UPSERT_ROWS).contains(&(last + " ON CONFLICT")));
        assert_eq!(
            upsert_sql(false, 3).matches('?').count(),
            3 * WIDTH,
            "one placeholder per column per row"
        );
    }

    #[test]
    fn a_record_put_twice_starts_a_new_statement_and_odd_versions_go_row_by_row() {
        let property = concierge_core::Property {
            id: concierge_core::PropertyId::new(),
            name: "P".into(),
            site_name: "p".into(),
            settings: Default::default(),
            external: None,
            time_zone: None,
            intercom: None,
            created_at: concierge_core::conformance::t0(),
            version: 0,
        };
        let mut p = property.clone();
        let mut batch = Batch::new();
        batch.put(&mut p);
        p.name = "Again".into();
        batch.put(&mut p);
        let plan = Plan::of(&batch).expect("a plan");
        assert_eq!(plan.statements, vec![0..1, 1..2]);
        assert!(plan.versions_match(&batch, &Stored::new()));
        let stored = Stored::from([(("property".into(), property.id.to_string()), 1)]);
        assert!(
            !plan.versions_match(&batch, &stored),
            "an insert of a stored id"
        );

        batch.puts[1].expected_version = 5;
        assert!(
            Plan::of(&batch).is_none(),
            "new version is not expected + 1"
        );
    }

    /// The batched path on a real store: taken for a page of inserts, then of updates; refused
    /// (nothing written) for a stale page; and the upsert itself skips a row whose version
    /// moved on after it was looked up, or an insert of a row that appeared meanwhile.
    macro_rules! on_a_store {
        ($make:expr) => {
            use super::super::*;
            use concierge_core::conformance::{place, resident};
            use concierge_core::{Record, Resident, Store as _, StoreExt as _, Versioned as _};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_page_is_written_in_one_multi_row_statement() {
                let Some(store) = $make.await else { return };
                let (_, _, unit) = place(&store).await;
                let mut page: Vec<Resident> = (0..1000)
                    .map(|i| resident(&unit, &format!("R{i}"), Some(&format!("e-{i}"))))
                    .collect();
                for round in 0..2 {
                    let mut batch = Batch::new();
                    for r in &mut page {
                        r.phone = Some(format!("round {round}"));
                        batch.put(r);
                    }
                    let plan = Plan::of(&batch).expect("a plan");
                    assert_eq!(plan.statements, vec![0..1000]);
                    assert!(store.commit_batched(&batch, &plan).await.expect("commit"));
                }
                let stored: Resident = store.load(page[999].id.as_str()).await.expect("load");
                assert_eq!(stored, page[999]);

                let mut stale = page.clone();
                stale[10].version = 1;
                let mut batch = Batch::new();
                for r in &mut stale {
                    batch.put(r);
                }
                let plan = Plan::of(&batch).expect("a plan");
                assert!(!store.commit_batched(&batch, &plan).await.expect("refused"));
                let stored: Resident = store.load(page[0].id.as_str()).await.expect("load");
                assert_eq!(stored, page[0], "nothing written");
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_upsert_skips_rows_that_moved_on() {
                let Some(store) = $make.await else { return };
                let (_, _, unit) = place(&store).await;
                let mut stored: Vec<Resident> = (0..3)
                    .map(|i| resident(&unit, &format!("S{i}"), None))
                    .collect();
                let mut batch = Batch::new();
                for r in &mut stored {
                    batch.put(r);
                }
                store.commit(batch).await.expect("three at version 1");
                let mut moved = stored[1].clone();
                let mut batch = Batch::new();
                batch.put(&mut moved);
                store.commit(batch).await.expect("one at version 2");

                let version = |r: &Resident, v: u64| {
                    let mut r = r.clone();
                    r.set_version(v);
                    r.last_name = format!("written at {v}");
                    crate::sql::Row::of(&Record::from(r)).expect("row")
                };
                let rows = [
                    version(&stored[0], 2), // read 1, stored 1: written
                    version(&stored[1], 2), // read 1, stored 2: skipped
                    version(&stored[2], 1), // new, but stored: skipped
                    version(&resident(&unit, "New", None), 1), // new: written
                ];
                let mut tx = store.begin().await.expect("begin");
                let sql = upsert_sql(<Db as Placeholders>::NUMBERED, rows.len());
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for row in &rows {
                    query = bind_row!(query, row);
                }
                let done = query.execute(&mut *tx).await.expect("upsert");
                assert_eq!(done.rows_affected(), 2);
                let keys: Vec<RecordKey> = stored
                    .iter()
                    .map(|r| RecordKey::of::<Resident>(r.id.as_str()))
                    .collect();
                let versions = StoreOf::stored_versions(&mut tx, &keys)
                    .await
                    .expect("look up");
                let at = |r: &Resident| versions[&("resident".to_owned(), r.id.to_string())];
                assert_eq!((at(&stored[0]), at(&stored[1]), at(&stored[2])), (2, 2, 1));
                tx.rollback().await.expect("rollback");
            }
        };
    }

    mod sqlite {
        type StoreOf = crate::SqliteStore;
        type Db = sqlx::Sqlite;
        on_a_store!(async {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("batch.db");
            // The directory must outlive the store: leak it for the test's duration.
            std::mem::forget(dir);
            Some(crate::SqliteStore::open(path).await.expect("open"))
        });
    }

    #[cfg(feature = "postgres")]
    mod postgres {
        type StoreOf = crate::PgStore;
        type Db = sqlx::Postgres;
        // Shared by every test of the module (a static inside the block below would be one per
        // test, each counting from 0: two tests would race to create, then share, one schema).
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        static CLEAN: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
        on_a_store!(async {
            let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
                eprintln!("SKIPPED: DATABASE_URL is not set, so there is no PostgreSQL server");
                return None;
            };
            CLEAN.get_or_init(|| drop_old_schemas(&url)).await;
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let schema = format!("ccbatch_{}_{n}", std::process::id());
            Some(
                crate::PgStore::connect_in_schema(&url, Some(&schema))
                    .await
                    .expect("connect"),
            )
        });

        /// Drops the schemas earlier runs of these tests left behind.
        async fn drop_old_schemas(url: &str) {
            let Ok(pool) = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
            else {
                return;
            };
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ccbatch\\_%' \
                AND nspname NOT LIKE $1",
            )
            .bind(format!("ccbatch_{}_%", std::process::id()))
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            for (name,) in rows {
                if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    let drop = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
                }
            }
        }
    }
}
