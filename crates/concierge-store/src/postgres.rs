//! The PostgreSQL store: several processes sharing one database.

use crate::SCHEMA_VERSION;
use crate::sql::unavailable;
use concierge_core::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, Postgres, Row as _, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A [`Store`](concierge_core::Store) in PostgreSQL. Cheap to clone; share one per process,
/// and run as many processes as needed against one database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    location: String,
    /// Proves this store alive to the other processes (see `liveness`): the backend of
    /// `alive`, a connection kept open, unused, for the store's whole life.
    lease_token: Arc<str>,
    _alive: Arc<Alive>,
}

/// The connection whose life is the store's: the server ends it when the process dies.
struct Alive(#[allow(dead_code)] PgConnection);

impl std::fmt::Debug for Alive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Alive")
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and
    /// brings its schema up to date. The password never appears in errors or `Debug` output.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_in_schema(url, None).await
    }

    /// Like [`PgStore::connect`], keeping every table in `schema` (created if missing), so
    /// several Concierge deployments or test runs can share one database.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(|_| StoreError::Incompatible {
            location: "the PostgreSQL URL".into(),
            found: None,
            supported: SCHEMA_VERSION,
            message: "not a valid postgres:// URL".into(),
        })?;
        let mut location = format!(
            "postgres://{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        );
        let password = url_password(url);
        let scrub = |text: String| match &password {
            Some(p) if !p.is_empty() => text.replace(p.as_str(), "<redacted>"),
            _ => text,
        };
        // One connection first: a refused or unreachable server fails fast and clearly.
        let mut first =
            PgConnection::connect_with(&options)
                .await
                .map_err(|e| StoreError::Unavailable {
                    message: scrub(format!("cannot reach PostgreSQL at {location}: {e}")),
                })?;
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Incompatible {
                    location,
                    found: None,
                    supported: SCHEMA_VERSION,
                    message: "a schema name is letters, digits and underscores".into(),
                });
            }
            location = format!("{location} (schema {schema})");
            // The name was checked above: letters, digits and underscores only.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&mut first)
            .await
            .map_err(|e| StoreError::Unavailable {
                message: scrub(e.to_string()),
            })?;
        }
        // The first connection stays open as the store's proof of life.
        let (pid, started): (i32, i64) = sqlx::query_as(
            "SELECT pid, (extract(epoch FROM backend_start) * 1000000)::bigint \
             FROM pg_stat_activity WHERE pid = pg_backend_pid()",
        )
        .fetch_one(&mut first)
        .await
        .map_err(|e| StoreError::Unavailable {
            message: scrub(e.to_string()),
        })?;
        let lease_token: Arc<str> = format!("pg:{pid}:{started}").into();
        let alive = Arc::new(Alive(first));
        let options = match schema {
            Some(schema) => options.options([("search_path", schema)]),
            None => options,
        };
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable {
                message: scrub(format!("cannot reach PostgreSQL at {location}: {e}")),
            })?;

        // A newer Concierge's migrations already applied: refuse, change nothing.
        let applied: Option<i64> = match sqlx::query("SELECT max(version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
        {
            Ok(row) => row.get(0),
            Err(_) => None,
        };
        if let Some(found) = applied
            && found > SCHEMA_VERSION
        {
            return Err(StoreError::Incompatible {
                location,
                found: Some(found),
                supported: SCHEMA_VERSION,
                message: "written by a newer version of Concierge; nothing was changed or migrated downwards".into(),
            });
        }
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Incompatible {
                location: location.clone(),
                found: applied,
                supported: SCHEMA_VERSION,
                message: scrub(format!("cannot bring the schema up to date: {e}")),
            })?;
        Ok(Self {
            pool,
            location,
            lease_token,
            _alive: alive,
        })
    }

    /// This store's liveness token, written with each lease it takes.
    pub(crate) fn lease_token(&self) -> &str {
        &self.lease_token
    }

    /// Whether the store that wrote `token` is certainly gone: its connection is no longer
    /// listed by the server. Anything that cannot be read is taken as alive.
    pub(crate) async fn holder_is_dead(&self, token: &str) -> bool {
        let mut parts = token.split(':');
        let (Some("pg"), Some(pid), Some(started), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let (Ok(pid), Ok(started)) = (pid.parse::<i32>(), started.parse::<i64>()) else {
            return false;
        };
        let listed: Result<Option<(i32,)>, _> = sqlx::query_as(
            "SELECT pid FROM pg_stat_activity WHERE pid = $1 \
             AND (extract(epoch FROM backend_start) * 1000000)::bigint = $2",
        )
        .bind(pid)
        .bind(started)
        .fetch_optional(&self.pool)
        .await;
        matches!(listed, Ok(None))
    }

    /// Where the store is: host, port, database (and schema), never the password.
    pub fn location(&self) -> &str {
        &self.location
    }

    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(unavailable)
    }
}

/// The password part of a URL, to scrub it from any message that might echo it.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.split_once('@')?.0;
    Some(userinfo.split_once(':')?.1.to_owned())
}

impl PgStore {
    /// Several processes share a PostgreSQL database, so the activation secret must be given
    /// to each of them (`activation_secret`).
    fn secret_source(&self) -> concierge_core::SecretSource {
        concierge_core::SecretSource::Required
    }
}

sql_store!(PgStore, sqlx::Postgres);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_found_for_scrubbing() {
        assert_eq!(
            url_password("postgres://u:s3cret@h:5432/d").as_deref(),
            Some("s3cret")
        );
        assert_eq!(url_password("postgres://h/d"), None);
    }
}
