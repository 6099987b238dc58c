//! The SQLite store: one file, the embedded default.

use crate::SCHEMA_VERSION;
use crate::sql::unavailable;
use concierge_core::{ActivationSecret, SecretSource, StoreError};
use secrecy::ExposeSecret;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row as _, Sqlite, Transaction};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of a Concierge database ("Conc").
const APPLICATION_ID: i64 = 0x436f_6e63;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A [`Store`](concierge_core::Store) in one SQLite file. Cheap to clone; share one per process.
///
/// Writes are serialised by SQLite (`BEGIN IMMEDIATE`); several processes may open the same
/// file, but PostgreSQL is the choice for many writers.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    secret: ActivationSecret,
    /// Proves this process alive to the others sharing the file (see `liveness`).
    lease_token: std::sync::Arc<str>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// Refuses, changing nothing, a file that is not a Concierge database, is damaged, or was
    /// written by a newer version of Concierge.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let location = path.display().to_string();
        let incompatible = |found: Option<i64>, message: String| StoreError::Incompatible {
            location: location.clone(),
            found,
            supported: SCHEMA_VERSION,
            message,
        };
        // Look before touching: an existing file is first opened read-only, so a file that is
        // not ours (or is newer) is refused with not a byte of it changed.
        if path.exists() {
            let probe = SqliteConnectOptions::new().filename(&path).read_only(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(probe)
                .await
                .map_err(|e| open_error(e, &location, &incompatible))?;
            let checked = check_ours(&pool).await;
            pool.close().await;
            let (app_id, user_version, tables) =
                checked.map_err(|e| open_error(e, &location, &incompatible))?;
            if app_id != APPLICATION_ID && (app_id != 0 || tables > 0) {
                return Err(incompatible(
                    Some(user_version),
                    "not a Concierge database (it holds other data); nothing was changed".into(),
                ));
            }
            if user_version > SCHEMA_VERSION {
                return Err(incompatible(
                    Some(user_version),
                    "written by a newer version of Concierge; nothing was changed or migrated downwards"
                        .into(),
                ));
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // What is overwritten or deleted is zeroed, not left in free pages of the file.
            .pragma("secure_delete", "ON")
            // Up to 32 MiB of pages cached per connection (SQLite's default is 2 MiB): a large
            // portfolio's writes land all over the tables' indexes.
            .pragma("cache_size", "-32768");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| open_error(e, &location, &incompatible))?;
        let user_version: i64 = sqlx::query("PRAGMA user_version")
            .fetch_one(&pool)
            .await
            .map_err(unavailable)?
            .get(0);
        let quick: String = sqlx::query("PRAGMA quick_check")
            .fetch_one(&pool)
            .await
            .map_err(unavailable)?
            .get(0);
        if quick != "ok" {
            return Err(incompatible(
                Some(user_version),
                format!("the database is damaged: {quick}"),
            ));
        }
        MIGRATOR.run(&pool).await.map_err(|e| {
            incompatible(
                Some(user_version),
                format!("cannot bring the schema up to date: {e}"),
            )
        })?;
        let secret = match key_file(&path) {
            Ok(secret) => secret,
            Err(e) => {
                pool.close().await;
                return Err(e);
            }
        };
        tracing::debug!(path = %location, "sqlite store open");
        Ok(Self {
            pool,
            path,
            secret,
            lease_token: crate::liveness::local_token().into(),
        })
    }

    /// This process's liveness token, written with each lease it takes.
    pub(crate) fn lease_token(&self) -> &str {
        &self.lease_token
    }

    /// Whether the process that wrote `token` is certainly dead.
    pub(crate) async fn holder_is_dead(&self, token: &str) -> bool {
        crate::liveness::local_is_dead(token)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key file of the activation secret beside the database: `<database>.activation-key`.
    pub fn activation_key_path(&self) -> PathBuf {
        key_file_path(&self.path)
    }

    fn secret_source(&self) -> SecretSource {
        SecretSource::Kept(self.secret.clone())
    }

    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)
    }
}

fn key_file_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".activation-key");
    PathBuf::from(name)
}

/// Reads the activation secret from the key file beside `database`, creating it (owner-only,
/// 0600) with 32 random bytes on first open. Created under a temporary name and linked into
/// place, so two processes opening a new database at once end up with the same key.
fn key_file(database: &Path) -> Result<ActivationSecret, StoreError> {
    let path = key_file_path(database);
    let location = path.display().to_string();
    let failed = |what: &str, e: &dyn std::fmt::Display| StoreError::Unavailable {
        message: format!("cannot {what} the activation key file {location}: {e}"),
    };
    let read = |path: &Path| -> Result<ActivationSecret, StoreError> {
        let text = std::fs::read_to_string(path).map_err(|e| failed("read", &e))?;
        ActivationSecret::from_key_file_text(&text).map_err(|e| failed("use", &e))
    };
    if path.exists() {
        return read(&path);
    }
    let secret = ActivationSecret::random().map_err(|e| failed("create", &e))?;
    let temporary = PathBuf::from(format!("{location}.{}-{}", std::process::id(), uuid_like()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut f| {
        f.write_all(secret.to_text().expose_secret().as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, &path));
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => Ok(secret),
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(failed("create", &e)),
    }
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `application_id`, `user_version` and the number of tables of an open database.
async fn check_ours(pool: &SqlitePool) -> Result<(i64, i64, i64), sqlx::Error> {
    let app_id: i64 = sqlx::query("PRAGMA application_id")
        .fetch_one(pool)
        .await?
        .get(0);
    let user_version: i64 = sqlx::query("PRAGMA user_version")
        .fetch_one(pool)
        .await?
        .get(0);
    let tables: i64 = sqlx::query("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(pool)
        .await?
        .get(0);
    Ok((app_id, user_version, tables))
}

fn open_error(
    e: sqlx::Error,
    location: &str,
    incompatible: &impl Fn(Option<i64>, String) -> StoreError,
) -> StoreError {
    if is_not_a_database(&e) {
        incompatible(
            None,
            "not a SQLite database, or damaged; nothing was changed".into(),
        )
    } else {
        StoreError::Unavailable {
            message: format!("cannot open {location}: {e}"),
        }
    }
}

fn is_not_a_database(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| {
        let m = d.message();
        m.contains("not a database") || m.contains("malformed") || m.contains("encrypted")
    })
}

sql_store!(SqliteStore, sqlx::Sqlite);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::*;

    /// Every listing is answered through an index: none scans the records table (the listing
    /// indexes hold only rows that have their column, so a query that could not prove it would
    /// fall back to a scan).
    #[tokio::test]
    async fn every_listing_uses_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("plans.db"))
            .await
            .unwrap();
        let mut listings = vec![
            BY_KIND,
            BY_PROPERTY,
            BY_EXTERNAL,
            DUE,
            BY_STATUS,
            OUTBOX_PAGE,
            PASSES,
            SPARES,
            LATEST_RUN,
            GET,
        ];
        for (a, b) in [(true, true), (true, false), (false, true), (false, false)] {
            listings.push(residents_sql(a, b));
            listings.push(keys_sql(a, b));
        }
        listings.push(members_sql(true));
        listings.push(members_sql(false));
        for sql in listings {
            let params = (1..10).filter(|n| sql.contains(&format!("${n}"))).count();
            let mut query = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
            for _ in 0..params {
                query = query.bind("x");
            }
            let plan: Vec<String> = query
                .fetch_all(&store.pool)
                .await
                .unwrap()
                .iter()
                .map(|row| row.get::<String, _>(3))
                .collect();
            assert!(
                !plan.iter().any(|step| step.starts_with("SCAN records")),
                "{sql}\n{plan:#?}"
            );
            assert!(
                plan.iter().any(|step| step.contains("USING")),
                "{sql}\n{plan:#?}"
            );
        }
    }
}
