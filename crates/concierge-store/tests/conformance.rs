//! The store conformance suite, unchanged, on SQLite and on PostgreSQL.

mod support;

mod sqlite {
    use concierge_core::Store;
    use concierge_store::SqliteStore;
    use std::sync::Arc;

    async fn store() -> Option<Arc<dyn Store>> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("conformance.db");
        // The directory must outlive the store: leak it for the test's duration.
        std::mem::forget(dir);
        Some(Arc::new(SqliteStore::open(path).await.expect("open")))
    }

    concierge_core::conformance_tests!(store());
}

mod postgres {
    use concierge_core::Store;
    use std::sync::Arc;

    async fn store() -> Option<Arc<dyn Store>> {
        static CLEAN: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
        CLEAN
            .get_or_init(|| super::support::drop_old_schemas("ccf"))
            .await;
        // Without a server the conformance macro says each check is skipped.
        match super::support::pg_store("ccf").await {
            Some(s) => Some(Arc::new(s)),
            None => None,
        }
    }

    concierge_core::conformance_tests!(store());
}
