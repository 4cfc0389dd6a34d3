//! Point reads: ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT and
//! ZLEXCOUNT. Read-only: nothing is logged.

use super::lex::LexRange;
use super::score::ScoreRange;
use super::value::read_zset;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::parse::Parse;
use crate::reply::Reply;

/// `ZCARD key` — the number of members.
///
/// Reply: integer, 0 for a missing key. Errors: WRONGTYPE.
pub fn zcard(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let len = read_zset(&mut ctx.db(), &key, ctx.now_ms, |z| z.len())?;
    Ok(Reply::Integer(len.unwrap_or(0) as i64))
}

/// `ZSCORE key member` — the member's score.
///
/// Reply: a double (RESP2: bulk string in `%.17g` form), or null when the
/// key or member is missing. Errors: WRONGTYPE.
pub fn zscore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let member = args.next_bytes()?;
    args.finish()?;
    let score = read_zset(&mut ctx.db(), &key, ctx.now_ms, |z| z.score(&member))?;
    Ok(score.flatten().map_or(Reply::Null, Reply::Double))
}

/// `ZMSCORE key member [member ...]` — the scores of several members.
///
/// Reply: an array with a double or null per member (all null for a
/// missing key). Errors: WRONGTYPE.
pub fn zmscore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let members = args.rest();
    let scores = read_zset(&mut ctx.db(), &key, ctx.now_ms, |z| {
        members.iter().map(|m| z.score(m)).collect::<Vec<_>>()
    })?
    .unwrap_or_else(|| vec![None; members.len()]);
    Ok(Reply::Array(
        scores
            .into_iter()
            .map(|s| s.map_or(Reply::Null, Reply::Double))
            .collect(),
    ))
}

/// `ZRANK key member` — the member's 0-based rank, lowest score first.
///
/// Reply: integer, or null when the key or member is missing. Errors:
/// WRONGTYPE.
pub fn zrank(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    rank_generic(ctx, args, false)
}

/// `ZREVRANK key member` — the member's 0-based rank, highest score first.
///
/// Reply and errors as [`zrank`].
pub fn zrevrank(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    rank_generic(ctx, args, true)
}

fn rank_generic(ctx: &mut Ctx, args: &mut Parse, reverse: bool) -> Result<Reply> {
    let key = args.next_bytes()?;
    let member = args.next_bytes()?;
    args.finish()?;
    let rank = read_zset(&mut ctx.db(), &key, ctx.now_ms, |z| {
        z.rank(&member)
            .map(|r| if reverse { z.len() - 1 - r } else { r })
    })?;
    Ok(rank
        .flatten()
        .map_or(Reply::Null, |r| Reply::Integer(r as i64)))
}

/// `ZCOUNT key min max` — the number of members with a score in the range
/// (`(` makes a bound exclusive; `-inf`/`+inf` allowed).
///
/// Reply: integer. Errors: `ERR min or max is not a float` (checked before
/// the key), WRONGTYPE.
pub fn zcount(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let range = ScoreRange::parse(&args.next_bytes()?, &args.next_bytes()?)?;
    args.finish()?;
    let count = read_zset(&mut ctx.db(), &key, ctx.now_ms, |z| {
        match (z.first_in_score(&range), z.last_in_score(&range)) {
            (Some(first), Some(last)) if last >= first => last - first + 1,
            _ => 0,
        }
    })?;
    Ok(Reply::Integer(count.unwrap_or(0) as i64))
}

/// `ZLEXCOUNT key min max` — the number of members in the lexicographical
/// range (`[a`, `(a`, `-`, `+`), for a set whose scores are all equal.
///
/// Reply: integer. Errors: `ERR min or max not valid string range item`
/// (checked before the key), WRONGTYPE.
pub fn zlexcount(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let range = LexRange::parse(&args.next_bytes()?, &args.next_bytes()?)?;
    args.finish()?;
    let count = read_zset(&mut ctx.db(), &key, ctx.now_ms, |z| {
        let Some(first) = z.first_in_lex(&range) else {
            return 0;
        };
        if z.is_listpack() {
            // Redis counts a listpack by walking from the first member in range.
            z.iter_from(first)
                .take_while(|(m, _)| range.lte_max(m))
                .count()
        } else {
            // A skiplist: from the ranks of the first and last in range.
            z.last_in_lex(&range)
                .map_or(z.len() - first, |last| (last + 1).saturating_sub(first))
        }
    })?;
    Ok(Reply::Integer(count.unwrap_or(0) as i64))
}
