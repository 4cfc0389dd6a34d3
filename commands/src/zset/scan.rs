//! ZSCAN (Redis 7.0's `scanGenericCommand` for a sorted set).
//!
//! A `listpack` set is returned whole in one call, in score order, with
//! cursor 0, as Redis does. A `skiplist` set is walked by storage position
//! from the end towards 0, `COUNT` positions a call; a non-zero cursor is
//! the number of positions still to visit. Walking backwards keeps SCAN's
//! guarantee: a removal moves the last member into the hole (already
//! visited, so at worst seen twice), new members go at the end (already
//! walked past, which SCAN allows to miss).

use bytes::Bytes;

use super::score::fmt_score;
use super::value::{ZSetValue, read_zset};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::glob::glob_match;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// A SCAN cursor: an unsigned decimal as C's `strtoul` reads it (optional
/// sign, a negative value wraps, nothing else around it).
fn parse_cursor(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() {
        // strtoul("") reads nothing and stops at the terminator: cursor 0.
        return Some(0);
    }
    let (negative, digits) = match raw[0] {
        b'-' => (true, &raw[1..]),
        b'+' => (false, &raw[1..]),
        _ => (false, raw),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// `MATCH` and `COUNT`.
struct ScanOptions {
    pattern: Option<Bytes>,
    count: usize,
}

/// Parses `[MATCH pattern] [COUNT count]` in any order, the last of each
/// winning. Errors: `ERR value is not an integer or out of range`, `ERR
/// syntax error` (unknown option, missing value, COUNT below 1).
fn parse_options(args: &mut Parse) -> Result<ScanOptions> {
    let mut opts = ScanOptions {
        pattern: None,
        count: 10,
    };
    while let Some(word) = args.try_next() {
        let Some(value) = args.try_next() else {
            return Err(CommandError::syntax());
        };
        if word.eq_ignore_ascii_case(b"COUNT") {
            let count = parse_i64(&value).ok_or_else(CommandError::not_integer)?;
            if count < 1 {
                return Err(CommandError::syntax());
            }
            opts.count = usize::try_from(count).unwrap_or(usize::MAX);
        } else if word.eq_ignore_ascii_case(b"MATCH") {
            // `*` matches everything: no need to run the matcher.
            opts.pattern = (value.as_ref() != b"*").then_some(value);
        } else {
            return Err(CommandError::syntax());
        }
    }
    Ok(opts)
}

/// The next cursor and the `(member, score)` pairs of one call.
fn scan_set(zset: &ZSetValue, cursor: u64, opts: &ScanOptions) -> (u64, Vec<(Bytes, f64)>) {
    let wanted = |m: &Bytes| {
        opts.pattern
            .as_ref()
            .is_none_or(|p| glob_match(p, m, false))
    };
    if zset.is_listpack() {
        let pairs = zset
            .iter()
            .filter(|(m, _)| wanted(m))
            .map(|(m, s)| (m.clone(), s))
            .collect();
        return (0, pairs);
    }
    let len = zset.len();
    let left = match cursor {
        0 => len,
        // The set may have shrunk since the last call: members beyond the
        // end moved into the holes below.
        c => usize::try_from(c).unwrap_or(usize::MAX).min(len),
    };
    let stop = left.saturating_sub(opts.count);
    let pairs = (stop..left)
        .rev()
        .filter_map(|pos| zset.at_position(pos))
        .filter(|(m, _)| wanted(m))
        .map(|(m, s)| (m.clone(), s))
        .collect();
    (stop as u64, pairs)
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]` — iterates members and
/// scores.
///
/// Reply: `[next-cursor, [member, score, ...]]`, scores as bulk strings in
/// `%.17g` form in both protocols; `["0", []]` for a missing
/// key (its options unchecked, as Redis). Errors: `ERR invalid cursor`
/// (first), WRONGTYPE, then the option errors of [`parse_options`].
pub fn zscan(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let cursor =
        parse_cursor(&args.next_bytes()?).ok_or_else(|| CommandError::err("invalid cursor"))?;
    let mut db = ctx.db();
    let scanned = read_zset(&mut db, &key, ctx.now_ms, |zset| {
        let opts = parse_options(args)?;
        Ok(scan_set(zset, cursor, &opts))
    })?;
    drop(db);
    let (next, pairs) = scanned.transpose()?.unwrap_or_default();
    let items = pairs
        .into_iter()
        .flat_map(|(m, s)| [Reply::Bulk(m), Reply::text(fmt_score(s))])
        .collect();
    Ok(Reply::Array(vec![
        Reply::text(next.to_string()),
        Reply::Array(items),
    ]))
}
