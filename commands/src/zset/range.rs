//! Range reads: ZRANGE (by rank, `BYSCORE`, `BYLEX`, `REV`, `LIMIT`,
//! `WITHSCORES`), ZRANGESTORE, and the legacy ZRANGEBYSCORE,
//! ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX and ZREVRANGE, all one
//! parser and one evaluator as Redis 7.0's `zrangeGenericCommand`.
//!
//! Only `ZRANGESTORE` writes; it logs its argv as sent when it stored a
//! set or deleted an existing destination.

use bytes::Bytes;

use super::lex::LexRange;
use super::output::{Shape, pairs_reply, store_result};
use super::score::ScoreRange;
use super::value::{ZSetValue, read_zset};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// What selects the members.
#[derive(Clone, Debug, PartialEq)]
pub enum Bounds {
    /// Ranks `start..=stop`, negative counting from the end.
    Rank(i64, i64),
    /// Scores.
    Score(ScoreRange),
    /// Members, byte-wise (for equal scores).
    Lex(LexRange),
}

/// A parsed range request.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The range.
    pub bounds: Bounds,
    /// Highest first.
    pub rev: bool,
    /// Members of the range to skip (`LIMIT offset`); negative selects none.
    pub offset: i64,
    /// Most members to return (`LIMIT ... count`); negative for all.
    pub limit: i64,
}

/// The range kind a command fixes, or `Auto` when its options pick it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Parses `key min max [options]` after the command name (after the
/// destination for `ZRANGESTORE`). `by`/`rev` are what the command fixes
/// (`ZREVRANGEBYSCORE`: score, reversed); `None`/`Auto` lets the options
/// choose, each at most once. Returns the key, the query and `WITHSCORES`.
///
/// Errors, in Redis's order: `ERR syntax error` (unknown or repeated
/// option, `WITHSCORES` for a store), `ERR value is not an integer or out
/// of range` (LIMIT values), `ERR syntax error, LIMIT is only supported in
/// combination with either BYSCORE or BYLEX`, `ERR syntax error,
/// WITHSCORES not supported in combination with BYLEX`, then the range's
/// own errors (`ERR value is not an integer or out of range`, `ERR min or
/// max is not a float`, `ERR min or max not valid string range item`).
fn parse_query(
    args: &mut Parse,
    store: bool,
    mut by: By,
    mut rev: Option<bool>,
) -> Result<(Bytes, Query, bool)> {
    let key = args.next_bytes()?;
    let first = args.next_bytes()?;
    let second = args.next_bytes()?;
    let mut withscores = false;
    let (mut offset, mut limit) = (0, -1);
    while let Some(word) = args.try_next() {
        let is = |name: &str| word.eq_ignore_ascii_case(name.as_bytes());
        if !store && is("WITHSCORES") {
            withscores = true;
        } else if is("LIMIT") && args.remaining() >= 2 {
            offset = parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
            limit = parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
        } else if rev.is_none() && is("REV") {
            rev = Some(true);
        } else if by == By::Auto && is("BYLEX") {
            by = By::Lex;
        } else if by == By::Auto && is("BYSCORE") {
            by = By::Score;
        } else {
            return Err(CommandError::syntax());
        }
    }
    let rev = rev.unwrap_or(false);
    if by == By::Auto {
        by = By::Rank;
    }
    if limit != -1 && by == By::Rank {
        return Err(CommandError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && by == By::Lex {
        return Err(CommandError::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    // Reversed score and lex ranges are written `max min`.
    let (min, max) = if rev && by != By::Rank {
        (second, first)
    } else {
        (first, second)
    };
    let bounds = match by {
        By::Score => Bounds::Score(ScoreRange::parse(&min, &max)?),
        By::Lex => Bounds::Lex(LexRange::parse(&min, &max)?),
        By::Rank | By::Auto => {
            let start = parse_i64(&min).ok_or_else(CommandError::not_integer)?;
            let stop = parse_i64(&max).ok_or_else(CommandError::not_integer)?;
            Bounds::Rank(start, stop)
        }
    };
    let query = Query {
        bounds,
        rev,
        offset,
        limit,
    };
    Ok((key, query, withscores))
}

/// Whether a member (with its score) is still in the range being walked.
type InRange<'a> = Box<dyn Fn(&Bytes, f64) -> bool + 'a>;

/// The members `query` selects, in reply order, as Redis's
/// `genericZrangebyrankCommand` / `...byscore...` / `...bylex...`.
pub fn run(zset: &ZSetValue, query: &Query) -> Vec<(Bytes, f64)> {
    let len = zset.len() as i64;
    let (start, in_range): (usize, InRange<'_>) = match &query.bounds {
        Bounds::Rank(start, stop) => {
            let start = if *start < 0 { len + start } else { *start }.max(0);
            let stop = if *stop < 0 { len + stop } else { *stop };
            if start > stop || start >= len {
                return Vec::new();
            }
            let count = (stop.min(len - 1) - start + 1) as usize;
            let pairs: Vec<_> = if query.rev {
                zset.rev_iter_from((len - 1 - start) as usize)
                    .take(count)
                    .map(|(m, s)| (m.clone(), s))
                    .collect()
            } else {
                zset.iter_from(start as usize)
                    .take(count)
                    .map(|(m, s)| (m.clone(), s))
                    .collect()
            };
            return pairs;
        }
        _ if query.offset < 0 || (query.offset > 0 && query.offset >= len) => {
            return Vec::new();
        }
        Bounds::Score(range) => {
            let first = if query.rev {
                zset.last_in_score(range)
            } else {
                zset.first_in_score(range)
            };
            let Some(first) = first else {
                return Vec::new();
            };
            let rev = query.rev;
            (
                first,
                Box::new(move |_, s| {
                    if rev {
                        range.gte_min(s)
                    } else {
                        range.lte_max(s)
                    }
                }),
            )
        }
        Bounds::Lex(range) => {
            let first = if query.rev {
                zset.last_in_lex(range)
            } else {
                zset.first_in_lex(range)
            };
            let Some(first) = first else {
                return Vec::new();
            };
            let rev = query.rev;
            (
                first,
                Box::new(move |m, _| {
                    if rev {
                        range.gte_min(m)
                    } else {
                        range.lte_max(m)
                    }
                }),
            )
        }
    };
    let walk: Box<dyn Iterator<Item = (&Bytes, f64)>> = if query.rev {
        Box::new(zset.rev_iter_from(start))
    } else {
        Box::new(zset.iter_from(start))
    };
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    walk.skip(query.offset as usize)
        .take(limit)
        .take_while(|(m, s)| in_range(m, *s))
        .map(|(m, s)| (m.clone(), s))
        .collect()
}

/// Runs a range read and replies with its members (and scores).
fn range_reply(ctx: &mut Ctx, args: &mut Parse, by: By, rev: Option<bool>) -> Result<Reply> {
    let (key, query, withscores) = parse_query(args, false, by, rev)?;
    let shape = Shape::with_scores(withscores, ctx.resp3());
    let pairs = read_zset(&mut ctx.db(), &key, ctx.now_ms, |z| run(z, &query))?;
    Ok(pairs_reply(pairs.unwrap_or_default(), shape))
}

/// ```text
/// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
/// ```
///
/// Reply: the members in range, lowest first (highest with `REV`); with
/// `WITHSCORES`, `member, score` pairs (RESP3: `[member, score]` arrays).
/// Errors: see [`parse_query`], and WRONGTYPE.
pub fn zrange(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range_reply(ctx, args, By::Auto, None)
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`.
pub fn zrangebyscore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range_reply(ctx, args, By::Score, Some(false))
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`.
pub fn zrevrangebyscore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range_reply(ctx, args, By::Score, Some(true))
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`.
pub fn zrangebylex(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range_reply(ctx, args, By::Lex, Some(false))
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`.
pub fn zrevrangebylex(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range_reply(ctx, args, By::Lex, Some(true))
}

/// `ZREVRANGE key start stop [WITHSCORES]` — ranks counted from the highest.
pub fn zrevrange(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range_reply(ctx, args, By::Rank, Some(true))
}

/// ```text
/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
/// ```
///
/// Stores the range of `src` at `dst` (replacing it, TTL included), or
/// deletes `dst` when the range is empty or `src` missing.
///
/// Reply: the number of members stored. Errors: as [`zrange`] (no
/// `WITHSCORES`), WRONGTYPE for `src` (`dst` is then left alone).
pub fn zrangestore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let dst = args.next_bytes()?;
    let (src, query, _) = parse_query(args, true, By::Auto, None)?;
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let pairs = read_zset(&mut db, &src, now, |z| run(z, &query))?.unwrap_or_default();
    let (stored, replaced) = store_result(&mut db, dst, pairs, now, args.argv());
    drop(db);
    drop(replaced);
    Ok(Reply::Integer(stored as i64))
}
