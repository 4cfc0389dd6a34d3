//! Taking the lowest or highest members: ZPOPMIN, ZPOPMAX and ZMPOP
//! (Redis 7.0's `genericZpopCommand` and `zmpopGenericCommand`), and the
//! non-blocking pops `BZPOPMIN`, `BZPOPMAX` and `BZMPOP` run once a key
//! has members.
//!
//! A pop is logged as `ZREM key <the members taken>` ([`pop_argv`]). Redis
//! 7.0 propagates `ZPOPMIN`/`ZPOPMAX` as sent and `ZMPOP` as `ZPOPMIN key
//! <count>` / `ZPOPMAX key <count>`; replaying either removes exactly the
//! members popped, as the `ZREM` does, without depending on the order.

use bytes::Bytes;

use super::output::{Shape, pairs_reply};
use super::value::{remove_if_empty, zset_mut};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::Db;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// Members taken by a pop, with their scores, nearest first.
pub(crate) type Popped = Vec<(Bytes, f64)>;

/// Pops up to `count` members from the lowest (`max` false) or highest end
/// of the set at `key`, nearest first, and removes the key when it
/// empties. Logs nothing (the caller logs [`pop_argv`]).
///
/// Returns `None` when there is no key. Error: WRONGTYPE (nothing done).
pub(crate) fn pop_from(
    db: &mut Db,
    key: &[u8],
    max: bool,
    count: usize,
    now_ms: i64,
) -> Result<Option<Popped>> {
    let Some(zset) = zset_mut(db, key, now_ms)? else {
        return Ok(None);
    };
    let popped: Popped = (0..count).map_while(|_| zset.pop(max)).collect();
    remove_if_empty(db, key, now_ms);
    Ok(Some(popped))
}

/// Pops from the first of `keys` that holds a sorted set, as `ZMPOP`,
/// `BZMPOP` and `BZPOPMIN`/`BZPOPMAX` (count 1) do: missing keys are
/// skipped, a key of another type before the first set is an error, keys
/// after it are not looked at. Logs nothing.
///
/// Returns the key and the members taken with their scores, nearest
/// first; `None` when no key holds a set. Error: WRONGTYPE.
pub(crate) fn pop_first(
    db: &mut Db,
    keys: &[Bytes],
    max: bool,
    count: usize,
    now_ms: i64,
) -> Result<Option<(Bytes, Popped)>> {
    for key in keys {
        if let Some(popped) = pop_from(db, key, max, count, now_ms)? {
            return Ok(Some((key.clone(), popped)));
        }
    }
    Ok(None)
}

/// The AOF record of a pop that took `popped` from `key`: `ZREM key
/// member ...`.
pub(crate) fn pop_argv(key: &Bytes, popped: &[(Bytes, f64)]) -> Vec<Bytes> {
    let mut argv = Vec::with_capacity(2 + popped.len());
    argv.push(Bytes::from_static(b"ZREM"));
    argv.push(key.clone());
    argv.extend(popped.iter().map(|(m, _)| m.clone()));
    argv
}

/// `ZPOPMIN key [count]` — removes and returns the lowest-scored member,
/// or up to `count` of them, lowest first.
///
/// Reply: `[member, score]` without a count; with one, RESP2 interleaves
/// `member, score, ...` and RESP3 nests `[member, score]` pairs. An empty
/// array for a missing key or count 0. Errors: `ERR syntax error` (more
/// arguments), `ERR value is out of range, must be positive` (count not a
/// non-negative integer), WRONGTYPE (count 0 included, as Redis).
pub fn zpopmin(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    pop_generic(ctx, args, false)
}

/// `ZPOPMAX key [count]` — as [`zpopmin`], from the highest score.
pub fn zpopmax(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    pop_generic(ctx, args, true)
}

fn pop_generic(ctx: &mut Ctx, args: &mut Parse, max: bool) -> Result<Reply> {
    let key = args.next_key()?;
    let count_arg = args.try_next();
    args.finish()?;
    let count = match &count_arg {
        None => 1,
        Some(raw) => {
            let count = parse_i64(raw)
                .filter(|&n| n >= 0)
                .ok_or_else(|| CommandError::err("value is out of range, must be positive"))?;
            usize::try_from(count).unwrap_or(usize::MAX)
        }
    };
    let shape = if ctx.resp3() && count_arg.is_some() {
        Shape::Nested
    } else {
        Shape::Flat
    };
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let popped = pop_from(&mut db, &key, max, count, now)?.unwrap_or_default();
    if !popped.is_empty() {
        db.log(now, &pop_argv(&key, &popped));
    }
    Ok(pairs_reply(popped, shape))
}

/// The arguments of `ZMPOP` / `BZMPOP` after the command (and timeout):
/// the keys, which end, and how many to take.
pub(crate) struct MpopArgs {
    /// The keys, in the order given.
    pub keys: Vec<Bytes>,
    /// True for `MAX`.
    pub max: bool,
    /// `COUNT` (1 by default).
    pub count: usize,
}

/// Parses `numkeys key [key ...] <MIN | MAX> [COUNT count]` from the
/// cursor. Errors, as Redis 7.0: `ERR numkeys should be greater than 0`,
/// `ERR syntax error` (too few arguments, not MIN/MAX, an unknown or
/// repeated option), `ERR count should be greater than 0`.
pub(crate) fn parse_mpop(args: &mut Parse) -> Result<MpopArgs> {
    let numkeys = parse_i64(&args.next_bytes()?)
        .filter(|&n| n > 0)
        .ok_or_else(|| CommandError::err("numkeys should be greater than 0"))?;
    if numkeys >= args.remaining() as i64 {
        return Err(CommandError::syntax());
    }
    let keys: Vec<Bytes> = (0..numkeys)
        .map(|_| args.next_bytes())
        .collect::<Result<_>>()?;
    let max = match args.next_bytes()?.to_ascii_uppercase().as_slice() {
        b"MIN" => false,
        b"MAX" => true,
        _ => return Err(CommandError::syntax()),
    };
    let mut count = None;
    while let Some(word) = args.try_next() {
        if count.is_none() && word.eq_ignore_ascii_case(b"COUNT") && !args.is_empty() {
            let n = parse_i64(&args.next_bytes()?)
                .filter(|&n| n > 0)
                .ok_or_else(|| CommandError::err("count should be greater than 0"))?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
        } else {
            return Err(CommandError::syntax());
        }
    }
    Ok(MpopArgs {
        keys,
        max,
        count: count.unwrap_or(1),
    })
}

/// The reply of `ZMPOP`/`BZMPOP` that popped `popped` from `key`: `[key,
/// [[member, score], ...]]` in both protocols.
pub(crate) fn mpop_reply(key: Bytes, popped: Popped) -> Reply {
    Reply::Array(vec![Reply::Bulk(key), pairs_reply(popped, Shape::Nested)])
}

/// `ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]` — pops from the
/// first key that holds a sorted set.
///
/// Reply: `[key, [[member, score], ...]]`, or a null array when no key
/// holds a set. Errors: those of [`parse_mpop`], WRONGTYPE for a key of
/// another type met before the first set.
pub fn zmpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let parsed = parse_mpop(args)?;
    let now = ctx.now_ms;
    let mut db = ctx.db();
    match pop_first(&mut db, &parsed.keys, parsed.max, parsed.count, now)? {
        None => Ok(Reply::NullArray),
        Some((key, popped)) => {
            db.log(now, &pop_argv(&key, &popped));
            Ok(mpop_reply(key, popped))
        }
    }
}
