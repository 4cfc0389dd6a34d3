//! Keyspace iteration: KEYS, SCAN, RANDOMKEY.
//!
//! A database keeps its keys in an insertion-ordered map, so a `SCAN` cursor
//! is simply a position in it ([`Db::key_at`]), walked from the end (see
//! [`scan_db`] for why). Expired keys not yet reclaimed are skipped, never
//! returned.

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::glob::glob_match;
use crate::keyspace::{Db, Entry};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// `KEYS pattern` — every live key matching the glob `pattern`.
///
/// Reply: array of bulk strings, in no particular order.
pub fn keys(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let pattern = args.next_bytes()?;
    args.finish()?;
    let match_all = pattern.as_ref() == b"*";
    let db = ctx.db();
    let keys: Vec<Bytes> = db
        .iter()
        .filter(|(key, entry)| {
            !entry.expired(ctx.now_ms) && (match_all || glob_match(&pattern, key, false))
        })
        .map(|(key, _)| Bytes::copy_from_slice(key))
        .collect();
    drop(db);
    Ok(Reply::bulk_array(keys))
}

/// `SCAN` options.
struct ScanOptions {
    cursor: u64,
    pattern: Option<Bytes>,
    count: usize,
    type_name: Option<Bytes>,
}

impl ScanOptions {
    /// Parses `cursor [MATCH pattern] [COUNT count] [TYPE type]` (options in
    /// any order, the last of each wins). Errors, as Redis 7.0:
    /// `ERR invalid cursor`, `ERR value is not an integer or out of range`,
    /// `ERR syntax error` (unknown option, missing value, COUNT < 1).
    fn parse(args: &mut Parse) -> Result<ScanOptions> {
        let cursor =
            parse_cursor(&args.next_bytes()?).ok_or_else(|| CommandError::err("invalid cursor"))?;
        let mut opts = ScanOptions {
            cursor,
            pattern: None,
            count: 10,
            type_name: None,
        };
        while let Some(opt) = args.try_next() {
            let opt = opt.to_ascii_uppercase();
            let Some(value) = args.try_next() else {
                return Err(CommandError::syntax());
            };
            match opt.as_slice() {
                b"COUNT" => {
                    let count = parse_i64(&value).ok_or_else(CommandError::not_integer)?;
                    if count < 1 {
                        return Err(CommandError::syntax());
                    }
                    opts.count = usize::try_from(count).unwrap_or(usize::MAX);
                }
                // `*` matches everything: no need to run the matcher.
                b"MATCH" => opts.pattern = (value.as_ref() != b"*").then_some(value),
                b"TYPE" => opts.type_name = Some(value),
                _ => return Err(CommandError::syntax()),
            }
        }
        Ok(opts)
    }

    fn wants(&self, key: &[u8], entry: &Entry, now_ms: i64) -> bool {
        !entry.expired(now_ms)
            && self
                .pattern
                .as_ref()
                .is_none_or(|p| glob_match(p, key, false))
            && self
                .type_name
                .as_ref()
                .is_none_or(|t| t.eq_ignore_ascii_case(entry.value.type_name().as_bytes()))
    }
}

/// A SCAN cursor: an unsigned decimal, as C's `strtoul` reads it (optional
/// sign, a negative value wraps, no leading space).
fn parse_cursor(raw: &[u8]) -> Option<u64> {
    let (negative, digits) = match raw.first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw),
    };
    if raw.is_empty() {
        // strtoul("") reads nothing and stops at the terminator: cursor 0.
        return Some(0);
    }
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

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` — visits about
/// `count` (default 10) key slots from `cursor` and returns the live keys
/// among them that match.
///
/// Reply: `[next-cursor, [key, ...]]`; the next cursor is `"0"` when the
/// iteration is complete. An unknown TYPE matches nothing, as in Redis 7.0.
pub fn scan(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let opts = ScanOptions::parse(args)?;
    let db = ctx.db();
    let (next, keys) = scan_db(&db, &opts, ctx.now_ms);
    drop(db);
    Ok(Reply::Array(vec![
        Reply::text(next.to_string()),
        Reply::bulk_array(keys),
    ]))
}

/// Visits up to `opts.count` positions below the cursor and returns the
/// next cursor (0 when done) with the wanted keys among them.
///
/// The walk goes from the end of the map towards position 0; a non-zero
/// cursor is the number of positions still to visit, and 0 starts at the
/// end. Walking backwards keeps Redis's guarantee that a key present for
/// the whole iteration is returned: a removal moves the map's last entry
/// into the hole ([`Db::remove`] swaps), which either brings an already
/// visited entry back into the unvisited part (a duplicate, which SCAN
/// allows) or moves an unvisited one within the unvisited part. New keys
/// are appended at the end, already walked past, and may be missed, which
/// SCAN also allows.
fn scan_db(db: &Db, opts: &ScanOptions, now_ms: i64) -> (u64, Vec<Bytes>) {
    let len = db.len();
    let left = match opts.cursor {
        0 => len,
        // The database may have shrunk since the last call: its entries
        // beyond the end moved into the holes below.
        c => usize::try_from(c).unwrap_or(usize::MAX).min(len),
    };
    let stop = left.saturating_sub(opts.count);
    let keys = (stop..left)
        .rev()
        .filter_map(|i| db.key_at(i))
        .filter(|(key, entry)| opts.wants(key, entry, now_ms))
        .map(|(key, _)| Bytes::copy_from_slice(key))
        .collect();
    (stop as u64, keys)
}

/// `RANDOMKEY` — a random live key.
///
/// Reply: bulk string, or null when the database has no live key.
pub fn randomkey(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let db = ctx.db();
    let len = db.len();
    if len == 0 {
        return Ok(Reply::Null);
    }
    // Random probes first; when they keep landing on expired keys (a
    // database of mostly dead keys), fall back to a walk from a random start.
    let start = rand::random_range(0..len);
    let probes = (0..100).map(|_| rand::random_range(0..len));
    let walk = (0..len).map(|i| (start + i) % len);
    let key = probes
        .chain(walk)
        .filter_map(|i| db.key_at(i))
        .find(|(_, entry)| !entry.expired(ctx.now_ms))
        .map(|(key, _)| Bytes::copy_from_slice(key));
    Ok(Reply::bulk_or_null(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::{StringValue, Value};

    #[test]
    fn cursor_parses_like_strtoul() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"abc"), None);
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1x"), None);
    }

    #[test]
    fn scan_visits_every_live_key_once_and_ends_with_zero() {
        let mut db = Db::default();
        for i in 0..25 {
            let expire = (i % 5 == 0).then_some(50);
            db.insert(
                Bytes::from(format!("k{i}")),
                Value::String(StringValue::from_slice(b"v")),
                expire,
                0,
            );
        }
        let mut opts = ScanOptions {
            cursor: 0,
            pattern: None,
            count: 7,
            type_name: None,
        };
        let mut seen = Vec::new();
        loop {
            let (next, keys) = scan_db(&db, &opts, 100);
            seen.extend(keys);
            if next == 0 {
                break;
            }
            opts.cursor = next;
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 20, "5 of 25 keys are expired");
    }

    #[test]
    fn keys_present_throughout_are_returned_despite_deletes_and_overwrites() {
        let v = || Value::String(StringValue::from_slice(b"v"));
        let mut db = Db::default();
        for i in 0..100 {
            db.insert(Bytes::from(format!("k{i}")), v(), None, 0);
        }
        let mut opts = ScanOptions {
            cursor: 0,
            pattern: None,
            count: 10,
            type_name: None,
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut round = 0;
        loop {
            let (next, keys) = scan_db(&db, &opts, 0);
            seen.extend(keys);
            // Between calls: delete keys on both sides of the cursor,
            // overwrite others, add new ones.
            for j in 0..3 {
                db.remove(format!("d{round}-{j}").as_bytes());
                db.remove(format!("k{}", 90 + round % 10 - j * 30).as_bytes());
                db.insert(
                    Bytes::from(format!("k{}", (round * 7) % 60 + 30)),
                    v(),
                    Some(5),
                    0,
                );
                db.insert(Bytes::from(format!("new{round}-{j}")), v(), None, 0);
            }
            round += 1;
            if next == 0 {
                break;
            }
            opts.cursor = next;
        }
        // Keys never deleted: k0..k29 except those removed above, plus every
        // overwritten one (overwrites keep the key present).
        let deleted: std::collections::BTreeSet<String> = (0..round)
            .flat_map(|r| (0..3).map(move |j| 90 + r % 10 - j * 30))
            .map(|n| format!("k{n}"))
            .collect();
        for i in 0..100 {
            let key = format!("k{i}");
            if !deleted.contains(&key) {
                assert!(seen.contains(key.as_bytes()), "{key} missed");
            }
        }
    }
}
