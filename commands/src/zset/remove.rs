//! Range removals: ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX
//! (Redis 7.0's `zremrangeGenericCommand`). Each logs its argv as sent
//! when it removed something; the key goes when its set empties.

use bytes::Bytes;

use super::lex::LexRange;
use super::range::{Bounds, Query, run};
use super::score::ScoreRange;
use super::value::{remove_if_empty, zset_mut};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// `ZREMRANGEBYRANK key start stop` — removes the members ranked
/// `start..=stop` (negative ranks count from the highest).
///
/// Reply: the number removed. Errors: `ERR value is not an integer or out
/// of range` (before the key), WRONGTYPE.
pub fn zremrangebyrank(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let start = parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
    let stop = parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
    args.finish()?;
    remove_range(ctx, args, key, Bounds::Rank(start, stop))
}

/// `ZREMRANGEBYSCORE key min max` — removes the members scored within the
/// range (`(` for exclusive bounds, `-inf`/`+inf`).
///
/// Reply: the number removed. Errors: `ERR min or max is not a float`
/// (before the key), WRONGTYPE.
pub fn zremrangebyscore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let range = ScoreRange::parse(&args.next_bytes()?, &args.next_bytes()?)?;
    args.finish()?;
    remove_range(ctx, args, key, Bounds::Score(range))
}

/// `ZREMRANGEBYLEX key min max` — removes the members within the
/// lexicographical range (`[a`, `(a`, `-`, `+`).
///
/// Reply: the number removed. Errors: `ERR min or max not valid string
/// range item` (before the key), WRONGTYPE.
pub fn zremrangebylex(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let range = LexRange::parse(&args.next_bytes()?, &args.next_bytes()?)?;
    args.finish()?;
    remove_range(ctx, args, key, Bounds::Lex(range))
}

fn remove_range(ctx: &mut Ctx, args: &Parse, key: Bytes, bounds: Bounds) -> Result<Reply> {
    let query = Query {
        bounds,
        rev: false,
        offset: 0,
        limit: -1,
    };
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let Some(zset) = zset_mut(&mut db, &key, now)? else {
        return Ok(Reply::Integer(0));
    };
    let doomed = run(zset, &query);
    for (member, _) in &doomed {
        zset.remove(member);
    }
    remove_if_empty(&mut db, &key, now);
    if !doomed.is_empty() {
        db.log(now, args.argv());
    }
    Ok(Reply::Integer(doomed.len() as i64))
}
