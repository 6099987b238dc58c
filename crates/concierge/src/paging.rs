//! Paged listings: the page a caller asks for ([`PageRequest`]), the page it gets back
//! ([`Listing`]), the opaque cursors between pages, and [`paginate`], which turns any paged
//! listing into a `Stream` of its items fetched page by page.
//!
//! A cursor is opaque to callers: pass back the `next_cursor` of the previous page, unchanged.
//! (Today it is the id of the last item of that page, and the store reads the next page by
//! keyset, `id > cursor ORDER BY id LIMIT n`, through an index, so a page costs the same and
//! memory stays flat however large the portfolio is.)

use crate::{Concierge, KeyFilter, ResidentFilter};
use concierge_core::{
    Admin, Error, OutboxEntry, OutboxStatus, PropertyId, Resident, Result, SmartKey, SpareHolder,
    SyncError, UnitId,
};
use futures_util::Stream;
use std::future::Future;

/// How many items a page holds when the request does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The most items a page may hold.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Which page of a listing to return: the first (no cursor) or the one after `cursor`, of at
/// most `limit` items (default [`DEFAULT_PAGE_SIZE`], at most [`MAX_PAGE_SIZE`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// The previous page's `next_cursor`; `None` for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// At most this many items (1 to 1000); `None` for 100.
    #[serde(default)]
    pub limit: Option<u32>,
}

impl PageRequest {
    /// The first page, of the default size.
    pub fn first() -> Self {
        Self::default()
    }

    /// The page after `cursor` (a previous page's `next_cursor`).
    pub fn after(cursor: impl Into<String>) -> Self {
        Self {
            cursor: Some(cursor.into()),
            limit: None,
        }
    }

    /// Sets the page size (1 to 1000).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The page size asked for, checked: a validation error on `limit` outside 1..=1000.
    pub(crate) fn page_size(&self) -> Result<usize> {
        match self.limit {
            None => Ok(DEFAULT_PAGE_SIZE as usize),
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n as usize),
            Some(_) => Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            )),
        }
    }

    /// The id the page starts after, checked: a cursor that is not one of this listing's ids
    /// (of the `I` type, `prefix_…`) is a validation error on `cursor`.
    pub(crate) fn after_id<I: From<String>>(&self, prefix: &str) -> Result<Option<I>> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        let valid = cursor
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|rest| {
                !rest.is_empty()
                    && rest.len() <= 64
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if valid {
            Ok(Some(I::from(cursor.clone())))
        } else {
            Err(bad_cursor())
        }
    }

    /// Checks both fields at once (limit first), returning the page size and the id to start
    /// after. Read `size + 1` items from the store and build the page with [`Listing::keyset`].
    pub(crate) fn keyset<I: From<String>>(&self, prefix: &str) -> Result<(usize, Option<I>)> {
        Ok((self.page_size()?, self.after_id(prefix)?))
    }

    /// Pages a listing held in memory: `cursor` is an offset into it, tagged with `tag` (what
    /// the listing is a snapshot of) so a cursor of another snapshot is refused rather than
    /// silently skipping or repeating items. For short listings only.
    pub(crate) fn page_in_memory<T>(&self, items: Vec<T>, tag: &str) -> Result<Listing<T>> {
        let size = self.page_size()?;
        let start = match &self.cursor {
            None => 0,
            Some(cursor) => {
                let offset = cursor
                    .strip_prefix(tag)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(bad_cursor)?;
                if offset > items.len() {
                    return Err(bad_cursor());
                }
                offset
            }
        };
        let end = start.saturating_add(size).min(items.len());
        let next_cursor = (end < items.len()).then(|| format!("{tag}.{end}"));
        let items = items.into_iter().skip(start).take(end - start).collect();
        Ok(Listing { items, next_cursor })
    }
}

fn bad_cursor() -> Error {
    Error::invalid(
        "cursor",
        "is not a cursor of this listing; pass back a next_cursor unchanged",
    )
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Listing<T> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Listing<T> {
    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Listing<U> {
        Listing {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }

    /// A page of a keyset listing from `items`, read from the store with a limit of `limit + 1`
    /// (see [`PageRequest::keyset`]): the extra item, when there is one, proves a next page
    /// exists, so the last page never carries a cursor to an empty one.
    pub(crate) fn keyset(mut items: Vec<T>, limit: usize, id: impl Fn(&T) -> String) -> Self {
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(id)
        } else {
            None
        };
        Self { items, next_cursor }
    }

    /// The request for the next page (same size), or `None` after the last page.
    pub fn next_page(&self, current: &PageRequest) -> Option<PageRequest> {
        self.next_cursor.as_ref().map(|cursor| PageRequest {
            cursor: Some(cursor.clone()),
            limit: current.limit,
        })
    }

    /// Whether the page has no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many items the page has.
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

impl<T> IntoIterator for Listing<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Every item of a paged listing, as a `Stream` that fetches one page at a time, starting with
/// `first` and following each page's `next_cursor`. Only one page is held at a time. The stream
/// ends after the last page, or after yielding the first error.
///
/// ```
/// # #[cfg(not(feature = "sandbox"))] fn main() {}
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> concierge::Result<()> {
/// # use concierge::{Admin, Concierge, ResidentFilter, PageRequest, paginate};
/// # use futures_util::TryStreamExt;
/// # let sandbox = concierge::sandbox::Sandbox::new(7);
/// # let concierge = Concierge::builder().sandbox(&sandbox).build()?;
/// let desk = Admin::full_access("desk-1", "Front desk");
/// let everyone: Vec<_> = paginate(PageRequest::first().limit(500), |page| {
///     concierge.list_residents(&desk, ResidentFilter::default(), page)
/// })
/// .try_collect()
/// .await?;
/// # assert!(everyone.is_empty());
/// # Ok(()) }
/// ```
pub fn paginate<'a, T, F, Fut>(first: PageRequest, fetch: F) -> impl Stream<Item = Result<T>> + 'a
where
    T: 'a,
    F: FnMut(PageRequest) -> Fut + 'a,
    Fut: Future<Output = Result<Listing<T>>> + 'a,
{
    let state = (fetch, Some(first), Vec::new().into_iter());
    futures_util::stream::unfold(state, |(mut fetch, mut next, mut items)| async move {
        loop {
            if let Some(item) = items.next() {
                return Some((Ok(item), (fetch, next, items)));
            }
            let request = next.take()?;
            match fetch(request.clone()).await {
                Ok(page) => {
                    next = page.next_page(&request);
                    items = page.items.into_iter();
                }
                Err(e) => return Some((Err(e), (fetch, None, items))),
            }
        }
    })
}

/// Every item of each paged listing as a `Stream`, fetched a page of [`DEFAULT_PAGE_SIZE`] at a
/// time (see [`paginate`]): `while let Some(r) = residents.next().await { … }`.
impl Concierge {
    /// Every resident matching `filter`, in id order (Residence, read).
    pub fn stream_residents<'a>(
        &'a self,
        admin: &'a Admin,
        filter: ResidentFilter,
    ) -> impl Stream<Item = Result<Resident>> + 'a {
        paginate(PageRequest::first(), move |page| {
            self.list_residents(admin, filter.clone(), page)
        })
    }

    /// Every key matching `filter`, in id order (Residence, read).
    pub fn stream_keys<'a>(
        &'a self,
        admin: &'a Admin,
        filter: KeyFilter,
    ) -> impl Stream<Item = Result<SmartKey>> + 'a {
        paginate(PageRequest::first(), move |page| {
            self.list_keys(admin, filter.clone(), page)
        })
    }

    /// Every outbox entry with `status`, in id order (Integrations, read).
    pub fn stream_outbox<'a>(
        &'a self,
        admin: &'a Admin,
        status: OutboxStatus,
    ) -> impl Stream<Item = Result<OutboxEntry>> + 'a {
        paginate(PageRequest::first(), move |page| {
            self.list_outbox(admin, status, page)
        })
    }

    /// Every error of the property's latest sync (Residence, read).
    pub fn stream_sync_errors<'a>(
        &'a self,
        admin: &'a Admin,
        property_id: &'a PropertyId,
    ) -> impl Stream<Item = Result<SyncError>> + 'a {
        paginate(PageRequest::first(), move |page| {
            self.sync_errors(admin, property_id, page)
        })
    }

    /// Every spare key holder of the unit, in id order (Residence, read).
    pub fn stream_spare_holders<'a>(
        &'a self,
        admin: &'a Admin,
        unit_id: &'a UnitId,
    ) -> impl Stream<Item = Result<SpareHolder>> + 'a {
        paginate(PageRequest::first(), move |page| {
            self.list_spare_holders(admin, unit_id, page)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concierge_core::{ErrorCode, ResidentId};

    fn field(err: Error) -> String {
        assert_eq!(err.code(), ErrorCode::Validation);
        match err {
            Error::Validation(v) => v.issues[0].field.clone(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn limits_outside_1_to_1000_are_refused_on_limit() {
        assert_eq!(PageRequest::first().page_size().unwrap(), 100);
        assert_eq!(PageRequest::first().limit(1).page_size().unwrap(), 1);
        assert_eq!(PageRequest::first().limit(1000).page_size().unwrap(), 1000);
        for bad in [0, 1001, u32::MAX] {
            let err = PageRequest::first().limit(bad).page_size().unwrap_err();
            assert_eq!(field(err), "limit");
        }
    }

    #[test]
    fn cursors_must_be_ids_of_the_listing() {
        let id = ResidentId::new();
        let ok: Option<ResidentId> = PageRequest::after(id.as_str())
            .after_id(ResidentId::PREFIX)
            .unwrap();
        assert_eq!(ok, Some(id));
        for bad in [
            "",
            "garbage",
            "res_",
            "key_abc",
            "res_a b",
            "res_'; DROP TABLE",
        ] {
            let err = PageRequest::after(bad)
                .after_id::<ResidentId>(ResidentId::PREFIX)
                .unwrap_err();
            assert_eq!(field(err), "cursor", "{bad:?}");
        }
    }

    #[test]
    fn in_memory_pages_follow_offsets_of_their_own_snapshot() {
        let items: Vec<u32> = (0..250).collect();
        let mut request = PageRequest::first();
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = request.page_in_memory(items.clone(), "run_1").unwrap();
            pages += 1;
            seen.extend(page.items.iter().copied());
            match page.next_page(&request) {
                Some(next) => request = next,
                None => break,
            }
        }
        assert_eq!((pages, seen), (3, items.clone()));
        for bad in ["run_2.100", "run_1.x", "run_1.999", "100"] {
            let err = PageRequest::after(bad)
                .page_in_memory(items.clone(), "run_1")
                .unwrap_err();
            assert_eq!(field(err), "cursor", "{bad:?}");
        }
    }

    #[test]
    fn a_page_request_is_read_from_json_strictly() {
        let req: PageRequest = serde_json::from_str(r#"{"cursor":"res_1","limit":5}"#).unwrap();
        assert_eq!(req, PageRequest::after("res_1").limit(5));
        assert_eq!(
            serde_json::from_str::<PageRequest>("{}").unwrap(),
            PageRequest::first()
        );
        assert!(serde_json::from_str::<PageRequest>(r#"{"page":2}"#).is_err());
    }
}
