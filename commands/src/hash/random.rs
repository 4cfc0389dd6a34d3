//! HRANDFIELD, and the count rules it shares with SRANDMEMBER (Redis 7.0's
//! `hrandfieldWithCountCommand` / `srandmemberWithCountCommand`): a
//! positive count asks for that many distinct elements (all of them when it
//! is at least the size), a negative one for that many independent picks
//! that may repeat. Read-only: nothing is logged.

use bytes::Bytes;
use rand::Rng;

use super::read_hash;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// The most elements a negative count may ask for. Redis would try to
/// build any reply and exhaust memory; framekv refuses beyond this with
/// `ERR value is out of range`.
const MAX_REPEATED_PICKS: u64 = 10_000_000;

/// Parses a random-pick count as Redis's `getRangeLongFromObjectOrReply(...,
/// -LONG_MAX, LONG_MAX)`. Errors: `ERR value is not an integer or out of
/// range`; `ERR value is out of range, value must between
/// -9223372036854775807 and 9223372036854775807` for `i64::MIN`.
pub(crate) fn parse_count(raw: &[u8]) -> Result<i64> {
    let count = parse_i64(raw).ok_or_else(CommandError::not_integer)?;
    if count == i64::MIN {
        return Err(CommandError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(count)
}

/// Positions (below `len`, which is not 0) answering a random-pick
/// `count`: every position in order when `count >= len`; `count` distinct
/// ones otherwise, in container order when `keep_order` (Redis samples a
/// listpack in order) else in random order; `-count` independent picks for
/// a negative count. Error: `ERR value is out of range` beyond
/// [`MAX_REPEATED_PICKS`] picks.
pub(crate) fn pick_positions(len: usize, count: i64, keep_order: bool) -> Result<Vec<usize>> {
    let mut rng = rand::rng();
    if count < 0 {
        let picks = count.unsigned_abs();
        if picks > MAX_REPEATED_PICKS {
            return Err(CommandError::err("value is out of range"));
        }
        return Ok((0..picks).map(|_| rng.random_range(0..len)).collect());
    }
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    if wanted >= len {
        return Ok((0..len).collect());
    }
    let mut positions = rand::seq::index::sample(&mut rng, len, wanted).into_vec();
    if keep_order {
        positions.sort_unstable();
    }
    Ok(positions)
}

/// `HRANDFIELD key [count [WITHVALUES]]` — random fields of a hash.
///
/// Reply without count: a bulk string, or null for a missing key. With a
/// count: an array of fields (empty for a missing key or count 0); with
/// `WITHVALUES`, RESP2 interleaves `field, value`, RESP3 gives an array of
/// `[field, value]` pairs. Errors: the count errors of [`parse_count`],
/// `ERR syntax error` (anything but `WITHVALUES` after the count), `ERR
/// value is out of range` (WITHVALUES with a count beyond ±2^62), WRONGTYPE.
pub fn hrandfield(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let Some(raw_count) = args.try_next() else {
        let mut db = ctx.db();
        let field = read_hash(&mut db, &key, ctx.now_ms, |hash| {
            let at = rand::rng().random_range(0..hash.len());
            hash.get_index(at)
                .map(|(field, _)| Bytes::copy_from_slice(field))
        })?;
        return Ok(Reply::bulk_or_null(field.flatten()));
    };
    let count = parse_count(&raw_count)?;
    let with_values = match args.try_next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case(b"WITHVALUES") => true,
        Some(_) => return Err(CommandError::syntax()),
    };
    args.finish()?;
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CommandError::err("value is out of range"));
    }
    let resp3 = ctx.resp3();
    let mut db = ctx.db();
    let reply = read_hash(&mut db, &key, ctx.now_ms, |hash| {
        if count == 0 {
            return Ok(Reply::Array(Vec::new()));
        }
        let positions = pick_positions(hash.len(), count, hash.is_listpack())?;
        // One walk of a listpack, however many positions.
        let pairs = hash.pairs_at(&positions).into_iter();
        let bulk = |s: &[u8]| Reply::Bulk(Bytes::copy_from_slice(s));
        let items = match (with_values, resp3) {
            (false, _) => pairs.map(|(f, _)| bulk(f)).collect(),
            (true, true) => pairs
                .map(|(f, v)| Reply::Array(vec![bulk(f), bulk(v)]))
                .collect(),
            (true, false) => pairs.flat_map(|(f, v)| [bulk(f), bulk(v)]).collect(),
        };
        Ok(Reply::Array(items))
    })?;
    reply.unwrap_or_else(|| Ok(Reply::Array(Vec::new())))
}
