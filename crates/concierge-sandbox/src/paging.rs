//! Offset paging shared by the sandbox fakes: the cursor is the offset of the page's first item,
//! as text, and `next` is `None` on the last page.

use concierge_core::{Cursor, Page, ProviderError, ProviderErrorKind, ProviderResult, RecordError};

/// The page of `items` that starts at `cursor` and holds at most `page_size` items (at least
/// one, so a zero page size cannot loop forever). A cursor that is not an offset is rejected.
pub(crate) fn page<'a, T: Clone + 'a>(
    provider: &str,
    operation: &str,
    items: impl Iterator<Item = &'a Result<T, RecordError>>,
    cursor: Option<&Cursor>,
    page_size: usize,
) -> ProviderResult<Page<T>> {
    let start = match cursor {
        None => 0,
        Some(c) => c.0.parse::<usize>().map_err(|_| {
            ProviderError::new(
                provider,
                operation,
                ProviderErrorKind::Rejected,
                "the cursor is not one this provider issued",
            )
        })?,
    };
    let size = page_size.max(1);
    let mut rest = items.skip(start);
    let items: Vec<Result<T, RecordError>> = rest.by_ref().take(size).cloned().collect();
    let next = rest
        .next()
        .is_some()
        .then(|| Cursor((start + items.len()).to_string()));
    Ok(Page { items, next })
}

/// A provider error of `kind` for `operation`.
pub(crate) fn error(
    provider: &str,
    operation: &str,
    kind: ProviderErrorKind,
    message: impl Into<String>,
) -> ProviderError {
    ProviderError::new(provider, operation, kind, message)
}

/// The lower-case email `first.last@domain`, made unique within `used` by a number suffix.
pub(crate) fn unique_email(
    first: &str,
    last: &str,
    domain: &str,
    used: &mut std::collections::HashSet<String>,
) -> String {
    let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
    let mut candidate = format!("{base}@{domain}");
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{base}{n}@{domain}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_list_once_and_the_last_page_has_no_next() {
        let all: Vec<Result<u32, RecordError>> = (0..5).map(Ok).collect();
        let first = page("p", "op", all.iter(), None, 2).unwrap();
        assert_eq!(first.next, Some(Cursor("2".into())));
        let last = page("p", "op", all.iter(), Some(&Cursor("4".into())), 2).unwrap();
        assert_eq!(last.items.len(), 1);
        assert_eq!(last.next, None);
        let err = page("p", "op", all.iter(), Some(&Cursor("x".into())), 2).unwrap_err();
        assert_eq!(err.kind, ProviderErrorKind::Rejected);
    }
}
