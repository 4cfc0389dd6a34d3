//! Cursor iteration inside one container (`HSCAN`, and `SSCAN` through
//! [`ElementScan`]), as Redis 7.0's `scanGenericCommand` does it for a key's
//! value.
//!
//! A small encoding (listpack hash, intset set) is answered whole in one
//! call with cursor 0, whatever `COUNT` says. A hashtable keeps its
//! elements in an insertion-ordered map whose removals move the last
//! element into the hole, so a cursor is a position walked from the end
//! towards 0, as the keyspace's `SCAN` does (see `keys::scan`): an element
//! present for the whole iteration is returned at least once.

use bytes::Bytes;

use super::read_hash;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::glob::glob_match;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// Parses a scan cursor as Redis's `parseScanCursorOrReply` (C's `strtoul`:
/// optional sign, a negative value wraps, no leading space, nothing after
/// the digits). Error: `ERR invalid cursor`.
pub(crate) fn parse_cursor(raw: &[u8]) -> Result<u64> {
    let invalid = || CommandError::err("invalid cursor");
    if raw.is_empty() {
        // strtoul("") reads nothing and stops at the terminator: cursor 0.
        return Ok(0);
    }
    let (negative, digits) = match raw[0] {
        b'-' => (true, &raw[1..]),
        b'+' => (false, &raw[1..]),
        _ => (false, raw),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let value = digits.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    });
    let value = value.ok_or_else(invalid)?;
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// A container scan's cursor and options: `cursor [MATCH pattern] [COUNT
/// count]`.
pub(crate) struct ElementScan {
    /// Where to continue (0 starts).
    pub cursor: u64,
    /// Elements (hash fields) must match this glob; `None` for all.
    pattern: Option<Bytes>,
    /// Positions to visit in one call (default 10).
    count: usize,
}

impl ElementScan {
    /// Parses the options after the cursor (options in any order, the last
    /// of each wins). Redis reads them only once the key is found, so a
    /// missing key answers an empty scan whatever they are. Errors: `ERR
    /// value is not an integer or out of range` (COUNT), `ERR syntax error`
    /// (COUNT < 1, an unknown option, a missing value; `TYPE` included).
    pub(crate) fn parse(cursor: u64, args: &mut Parse) -> Result<ElementScan> {
        let mut scan = ElementScan {
            cursor,
            pattern: None,
            count: 10,
        };
        while let Some(opt) = args.try_next() {
            let Some(value) = args.try_next() else {
                return Err(CommandError::syntax());
            };
            if opt.eq_ignore_ascii_case(b"COUNT") {
                let count = parse_i64(&value).ok_or_else(CommandError::not_integer)?;
                if count < 1 {
                    return Err(CommandError::syntax());
                }
                scan.count = usize::try_from(count).unwrap_or(usize::MAX);
            } else if opt.eq_ignore_ascii_case(b"MATCH") {
                // `*` matches everything: no need to run the matcher.
                scan.pattern = (value.as_ref() != b"*").then_some(value);
            } else {
                return Err(CommandError::syntax());
            }
        }
        Ok(scan)
    }

    /// True when `element` matches the MATCH pattern (or there is none).
    pub(crate) fn wants(&self, element: &[u8]) -> bool {
        self.pattern
            .as_ref()
            .is_none_or(|p| glob_match(p, element, false))
    }

    /// For a hashtable of `len` elements: the positions this call visits
    /// (in visiting order) and the cursor to return (0 when done).
    pub(crate) fn window(&self, len: usize) -> (u64, impl Iterator<Item = usize> + use<>) {
        let left = match self.cursor {
            0 => len,
            // The container may have shrunk since the last call: its
            // elements beyond the end moved into the holes below.
            c => usize::try_from(c).unwrap_or(usize::MAX).min(len),
        };
        let stop = left.saturating_sub(self.count);
        (stop as u64, (stop..left).rev())
    }
}

/// The `[cursor, [elements...]]` reply of a container scan.
pub(crate) fn scan_reply(cursor: u64, elements: Vec<Bytes>) -> Reply {
    Reply::Array(vec![
        Reply::text(cursor.to_string()),
        Reply::bulk_array(elements),
    ])
}

/// `HSCAN key cursor [MATCH pattern] [COUNT count]` — iterates the fields
/// and values of a hash; MATCH filters on the field.
///
/// Reply: `[next-cursor, [field, value, ...]]`; the cursor is `"0"` when
/// the iteration is complete (always, for a listpack hash), and a missing
/// key gives `["0", []]`. Errors: `ERR invalid cursor`, WRONGTYPE, then the
/// option errors of [`ElementScan::parse`].
pub fn hscan(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(&args.next_bytes()?)?;
    let mut db = ctx.db();
    let found = read_hash(&mut db, &key, ctx.now_ms, |hash| {
        let scan = ElementScan::parse(cursor, args)?;
        let mut out = Vec::new();
        let mut push = |(field, value): (&[u8], &[u8])| {
            if scan.wants(field) {
                out.push(Bytes::copy_from_slice(field));
                out.push(Bytes::copy_from_slice(value));
            }
        };
        if hash.is_listpack() {
            hash.iter().for_each(&mut push);
            return Ok(scan_reply(0, out));
        }
        let (next, positions) = scan.window(hash.len());
        positions.filter_map(|i| hash.get_index(i)).for_each(push);
        Ok(scan_reply(next, out))
    })?;
    found.unwrap_or_else(|| Ok(scan_reply(0, Vec::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_parses_like_strtoul() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        assert!(parse_cursor(b"18446744073709551616").is_err());
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert!(parse_cursor(b"abc").is_err());
        assert!(parse_cursor(b" 1").is_err());
        assert!(parse_cursor(b"1x").is_err());
    }

    #[test]
    fn window_walks_from_the_end_to_zero() {
        let mut scan = ElementScan {
            cursor: 0,
            pattern: None,
            count: 4,
        };
        let mut seen = Vec::new();
        loop {
            let (next, positions) = scan.window(10);
            seen.extend(positions);
            if next == 0 {
                break;
            }
            scan.cursor = next;
        }
        assert_eq!(seen, (0..10).rev().collect::<Vec<_>>());
    }
}
