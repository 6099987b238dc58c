//! Authenticated API calls: each request carries the current access token; a 401 gets one
//! refresh (or another process's newer pair) and one more try. Reads and deletes are retried by
//! the transport; a create whose answer was lost (a timeout, a 5xx) is an unknown outcome.

use crate::auth::Keeper;
use crate::wire;
use concierge_core::{FailureSource, ProviderError, ProviderErrorKind, ProviderResult, RetryClass};
use concierge_http::{HttpClient, RequestBuilder};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The most pages read for one listing before giving up (a `next_page` that never ends).
const MAX_PAGES: u64 = 10_000;

/// The API client and the tokens it uses.
pub(crate) struct Api {
    pub http: HttpClient,
    pub keeper: Keeper,
    pub page_size: u32,
}

/// A create whose answer was lost may have been done: ask before creating again.
pub(crate) fn write_outcome(mut e: ProviderError) -> ProviderError {
    if e.source_of_failure == FailureSource::Response && e.http_status.is_some_and(|s| s >= 500) {
        e.retry = RetryClass::UnknownOutcome;
        e.message
            .push_str(" (the create may have been done: look it up before creating again)");
    }
    e
}

/// Whether a create may have been done although it failed (its answer was lost).
pub(crate) fn maybe_done(e: &ProviderError) -> bool {
    e.retry == RetryClass::UnknownOutcome
}

/// Whether a failure is ButterflyMX's 422 with `code`.
pub(crate) fn is_vendor(e: &ProviderError, code: &str) -> bool {
    e.kind == ProviderErrorKind::Rejected && e.vendor_code.as_deref() == Some(code)
}

impl Api {
    /// Sends the request `build` makes with the access token; after a 401, once more with a
    /// new one.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        operation: &str,
        build: impl Fn(&HttpClient) -> RequestBuilder,
    ) -> ProviderResult<T> {
        let token = self.keeper.access(operation).await?;
        match build(&self.http).bearer_auth(&token).send_json::<T>().await {
            Ok(reply) => Ok(reply.body),
            Err(e) if e.http_status == Some(401) => {
                tracing::debug!(
                    operation,
                    "ButterflyMX answered 401; refreshing the token once"
                );
                let token = self.keeper.after_unauthorized(operation, &token).await?;
                build(&self.http)
                    .bearer_auth(&token)
                    .send_json::<T>()
                    .await
                    .map(|reply| reply.body)
                    .map_err(|mut e| {
                        if e.http_status == Some(401) {
                            e.message = format!(
                                "{}: ButterflyMX refused a freshly refreshed token; the building admin's consent \
                                 may have been withdrawn or may not cover this building",
                                e.message
                            );
                        }
                        e
                    })
            }
            Err(e) => Err(e),
        }
    }

    /// `GET path?query`, as `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        operation: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> ProviderResult<T> {
        self.call(operation, |http| http.get(operation, path).query(query))
            .await
    }

    /// `POST path` with `body`: sent once (never blindly again), a lost answer an unknown
    /// outcome.
    pub(crate) async fn create<T: DeserializeOwned>(
        &self,
        operation: &str,
        path: &str,
        body: &Value,
    ) -> ProviderResult<T> {
        self.call(operation, |http| http.post(operation, path).json(body))
            .await
            .map_err(write_outcome)
    }

    /// `DELETE path` (204).
    pub(crate) async fn delete(&self, operation: &str, path: &str) -> ProviderResult<()> {
        self.call::<Value>(operation, |http| http.delete(operation, path))
            .await
            .map(|_| ())
    }

    /// Page `page` of a listing, `per` the configured page size.
    pub(crate) async fn page(
        &self,
        operation: &str,
        path: &str,
        filters: &[(&str, String)],
        page: u64,
    ) -> ProviderResult<wire::List> {
        let mut query = filters.to_vec();
        query.push(("page", page.to_string()));
        query.push(("per", self.page_size.to_string()));
        self.get(operation, path, &query).await
    }

    /// Every page of a listing.
    pub(crate) async fn all(
        &self,
        operation: &str,
        path: &str,
        filters: &[(&str, String)],
    ) -> ProviderResult<Vec<Value>> {
        let mut items = Vec::new();
        let mut page = 1;
        loop {
            let reply = self.page(operation, path, filters, page).await?;
            let next = reply.next_page();
            items.extend(reply.data);
            match next {
                Some(next) if next > page && next <= MAX_PAGES => page = next,
                Some(_) => {
                    return Err(crate::map::invalid(
                        operation,
                        "the listing's next page does not move forward",
                    ));
                }
                None => return Ok(items),
            }
        }
    }
}
