//! # concierge-store
//!
//! Durable [`Store`](concierge_core::Store)s for Concierge:
//!
//! - [`SqliteStore`]: one file, no server, write-ahead log, `synchronous = FULL` so a change is
//!   on disk before it is acknowledged. The embedded default (the demo, the CLI,
//!   `Concierge.open(path)`).
//! - [`PgStore`] (feature `postgres`, on by default): several processes sharing one PostgreSQL
//!   database; leases and optimistic versions keep them from stepping on each other.
//!
//! Both apply their versioned migrations (embedded in this crate, run by sqlx's migrator) when
//! opened. A database that is not Concierge's, is damaged, or was written by a newer version is
//! refused with [`StoreError::Incompatible`](concierge_core::StoreError::Incompatible) naming the
//! file (or host) and both schema versions; nothing is overwritten or migrated downwards.
//!
//! ```no_run
//! # async fn f() -> Result<(), concierge_core::StoreError> {
//! let store = concierge_store::SqliteStore::open("concierge.db").await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

#[macro_use]
mod sql;
#[macro_use]
mod batch;
mod liveness;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// The newest schema version this crate knows. Each migration sets it.
pub const SCHEMA_VERSION: i64 = 6;
