//! ZRANDMEMBER (Redis 7.0's `zrandmemberCommand`): a positive count asks
//! for that many distinct members (all of them, highest first, when it is
//! at least the size), a negative one for that many independent picks
//! that may repeat. Read-only: nothing is logged.

use rand::Rng;

use super::output::{Shape, pairs_reply};
use super::value::read_zset;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// The most members a negative count may ask for. Redis would try to
/// build any reply and exhaust memory; framekv refuses beyond this with
/// `ERR value is out of range` (as its HRANDFIELD does).
const MAX_REPEATED_PICKS: u64 = 10_000_000;

/// ```text
/// ZRANDMEMBER key [count [WITHSCORES]]
/// ```
///
/// Reply without count: a member (bulk string), or null for a missing
/// key. With a count: an array of members (empty for a missing key or
/// count 0); with `WITHSCORES`, RESP2 interleaves `member, score` and RESP3
/// gives `[member, score]` pairs. Errors: `ERR value is not an integer or
/// out of range`; `ERR value is out of range, value must between
/// -9223372036854775807 and 9223372036854775807` for `i64::MIN`; `ERR
/// syntax error` (anything but `WITHSCORES` after the count); `ERR value
/// is out of range` (`WITHSCORES` with a count beyond ±2^62, or more than
/// 10 million repeated picks); WRONGTYPE.
pub fn zrandmember(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let Some(raw_count) = args.try_next() else {
        let mut db = ctx.db();
        let member = read_zset(&mut db, &key, ctx.now_ms, |z| {
            let at = rand::rng().random_range(0..z.len());
            z.at_position(at).map(|(m, _)| m.clone())
        })?;
        return Ok(Reply::bulk_or_null(member.flatten()));
    };
    let count = parse_i64(&raw_count).ok_or_else(CommandError::not_integer)?;
    if count == i64::MIN {
        return Err(CommandError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withscores = match args.try_next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case(b"WITHSCORES") => true,
        Some(_) => return Err(CommandError::syntax()),
    };
    args.finish()?;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CommandError::err("value is out of range"));
    }
    let shape = Shape::with_scores(withscores, ctx.resp3());
    let mut db = ctx.db();
    let picked = read_zset(&mut db, &key, ctx.now_ms, |z| {
        if count == 0 {
            return Ok(Vec::new());
        }
        let mut rng = rand::rng();
        let len = z.len();
        let pair = |pos: usize| z.at_position(pos).map(|(m, s)| (m.clone(), s));
        if count < 0 {
            let picks = count.unsigned_abs();
            if picks > MAX_REPEATED_PICKS {
                return Err(CommandError::err("value is out of range"));
            }
            return Ok((0..picks)
                .filter_map(|_| pair(rng.random_range(0..len)))
                .collect());
        }
        let wanted = usize::try_from(count).unwrap_or(usize::MAX);
        if wanted >= len {
            // The whole set, highest first, as Redis 7.0 returns it.
            return Ok(z
                .rev_iter_from(usize::MAX)
                .map(|(m, s)| (m.clone(), s))
                .collect());
        }
        Ok(rand::seq::index::sample(&mut rng, len, wanted)
            .into_iter()
            .filter_map(pair)
            .collect())
    })?;
    Ok(pairs_reply(picked.transpose()?.unwrap_or_default(), shape))
}
