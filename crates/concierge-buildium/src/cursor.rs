//! Where a listing over many properties stands, as the cursor the adapter hands out: the chunk
//! of `propertyids` being paged, the offset in it, and, for an ordered full listing of leases,
//! the tenants already shown of the property the previous page ended in.
//!
//! Written as `chunk.offset` or `chunk.offset.property.tenant-tenant-…`; a bare number (the
//! cursor of the properties listing, which has no chunks) is an offset in the first chunk.

use crate::map::Carry;
use concierge_core::Cursor;
use std::collections::BTreeSet;

/// A position in a chunked listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Position {
    /// The chunk of property ids.
    pub chunk: usize,
    /// The offset in that chunk's listing.
    pub offset: u64,
    /// What the previous page carried on (ordered full lease listings only).
    pub carry: Option<Carry>,
}

impl Position {
    /// Reads a cursor this adapter issued; `None` for a cursor it did not.
    pub(crate) fn parse(cursor: Option<&Cursor>) -> Option<Self> {
        let Some(cursor) = cursor else {
            return Some(Self::default());
        };
        let mut parts = cursor.0.split('.');
        let first: u64 = parts.next()?.parse().ok()?;
        let Some(offset) = parts.next() else {
            return Some(Self {
                offset: first,
                ..Self::default()
            });
        };
        let chunk = usize::try_from(first).ok()?;
        let offset = offset.parse().ok()?;
        let carry = match (parts.next(), parts.next()) {
            (None, _) => None,
            (Some(property), tenants) => {
                let property = property.parse().ok()?;
                let tenants = match tenants {
                    None | Some("") => BTreeSet::new(),
                    Some(t) => t
                        .split('-')
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .ok()?,
                };
                Some(Carry { property, tenants })
            }
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            chunk,
            offset,
            carry,
        })
    }

    /// The cursor for this position.
    pub(crate) fn cursor(&self) -> Cursor {
        let mut text = format!("{}.{}", self.chunk, self.offset);
        if let Some(carry) = &self.carry {
            let tenants: Vec<String> = carry.tenants.iter().map(i64::to_string).collect();
            text.push_str(&format!(".{}.{}", carry.property, tenants.join("-")));
        }
        Cursor(text)
    }

    /// Where the listing goes after a page of chunk `self.chunk` of `chunks`: the page's next
    /// offset in the chunk, else the next chunk, else nowhere. A carry crosses pages, never
    /// chunks (chunks hold different properties).
    pub(crate) fn next(
        &self,
        next_offset: Option<u64>,
        chunks: usize,
        carry: Option<Carry>,
    ) -> Option<Self> {
        match next_offset {
            Some(offset) => Some(Self {
                chunk: self.chunk,
                offset,
                carry,
            }),
            None if self.chunk + 1 < chunks => Some(Self {
                chunk: self.chunk + 1,
                offset: 0,
                carry: None,
            }),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_back_as_written() {
        let positions = [
            Position::default(),
            Position {
                chunk: 2,
                offset: 3000,
                carry: None,
            },
            Position {
                chunk: 0,
                offset: 1000,
                carry: Some(Carry {
                    property: 77,
                    tenants: [5, 9, 12].into(),
                }),
            },
            Position {
                chunk: 1,
                offset: 1000,
                carry: Some(Carry {
                    property: 8,
                    tenants: BTreeSet::new(),
                }),
            },
        ];
        for p in positions {
            assert_eq!(Position::parse(Some(&p.cursor())), Some(p));
        }
        assert_eq!(Position::parse(None), Some(Position::default()));
        assert_eq!(
            Position::parse(Some(&Cursor("2000".into()))),
            Some(Position {
                chunk: 0,
                offset: 2000,
                carry: None
            })
        );
        for bad in ["", "x", "1.x", "1.2.x", "1.2.3.4-y", "1.2.3.4.5", "-1.0"] {
            assert_eq!(Position::parse(Some(&Cursor(bad.into()))), None, "{bad}");
        }
    }

    #[test]
    fn a_listing_moves_to_the_next_chunk_and_ends_after_the_last() {
        let p = Position::default();
        let carry = Some(Carry {
            property: 1,
            tenants: [4].into(),
        });
        let next = p.next(Some(1000), 3, carry.clone()).unwrap();
        assert_eq!(
            (next.chunk, next.offset, next.carry),
            (0, 1000, carry.clone())
        );
        let next = p.next(None, 3, carry).unwrap();
        assert_eq!((next.chunk, next.offset, next.carry), (1, 0, None));
        let last = Position {
            chunk: 2,
            ..Position::default()
        };
        assert_eq!(last.next(None, 3, None), None);
    }
}
