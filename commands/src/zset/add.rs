//! Adding, updating and removing members: ZADD, ZINCRBY and ZREM (Redis
//! 7.0's `zaddGenericCommand`, `zsetAdd` and `zremCommand`).
//!
//! Each logs its argv as sent, and only when it changed something (an
//! added member or a changed score; a removed member), as Redis counts
//! `server.dirty`: a `ZADD` that only repeats scores is not logged.

use bytes::Bytes;

use super::score::score_arg;
use super::value::{ZSetValue, remove_if_empty, zset_mut};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::{Db, Value};
use crate::parse::Parse;
use crate::reply::Reply;

/// `ZADD` options.
#[derive(Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What one score-member pair did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// A new member.
    Added,
    /// An existing member's score changed.
    Updated,
    /// The member was there with that score already.
    Same,
    /// An option prevented the write (NX, XX, GT, LT).
    Skipped,
}

/// Redis's error for an increment that produced NaN (`inf` + `-inf`).
fn nan_error() -> CommandError {
    CommandError::err("resulting score is not a number (NaN)")
}

/// ```text
/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
/// ```
///
/// Reply: the number of members added (added or changed with `CH`); with
/// `INCR`, the member's new score as a double, or null when an option
/// prevented the write. Errors, checked before anything is written: `ERR
/// syntax error` (no pairs or an odd count), `ERR XX and NX options at
/// the same time are not compatible`, `ERR GT, LT, and/or NX options at the
/// same time are not compatible`, `ERR INCR option supports a single
/// increment-element pair`, `ERR value is not a valid float`, WRONGTYPE,
/// and `ERR resulting score is not a number (NaN)` for an `INCR` of
/// `inf` by `-inf`.
pub fn zadd(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    let mut flags = AddFlags::default();
    while let Some(word) = args.peek() {
        let is = |name: &[u8]| word.eq_ignore_ascii_case(name);
        let flag = if is(b"NX") {
            &mut flags.nx
        } else if is(b"XX") {
            &mut flags.xx
        } else if is(b"GT") {
            &mut flags.gt
        } else if is(b"LT") {
            &mut flags.lt
        } else if is(b"CH") {
            &mut flags.ch
        } else if is(b"INCR") {
            &mut flags.incr
        } else {
            break;
        };
        *flag = true;
        args.try_next();
    }
    let rest = args.rest();
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Err(CommandError::syntax());
    }
    if flags.nx && flags.xx {
        return Err(CommandError::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CommandError::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && rest.len() > 2 {
        return Err(CommandError::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    // Members moved in, not cloned: a clone of an argument allocates a
    // shared header.
    let mut rest = rest.into_iter();
    let mut pairs = Vec::with_capacity(rest.len() / 2);
    while let (Some(score), Some(member)) = (rest.next(), rest.next()) {
        pairs.push((score_arg(&score)?, member));
    }
    add_generic(ctx, args, key, flags, pairs)
}

/// `ZINCRBY key increment member` — `ZADD key INCR increment member`.
///
/// Reply: the new score (a double). Errors: `ERR value is not a valid
/// float`, `ERR resulting score is not a number (NaN)`, WRONGTYPE.
pub fn zincrby(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let increment = score_arg(&args.next_bytes()?)?;
    let member = args.next_bytes()?;
    args.finish()?;
    let flags = AddFlags {
        incr: true,
        ..AddFlags::default()
    };
    add_generic(ctx, args, key, flags, vec![(increment, member)])
}

/// Applies parsed pairs to the set at `key` (created when missing, unless
/// `XX`), replies and logs as [`zadd`] says.
fn add_generic(
    ctx: &mut Ctx,
    args: &Parse,
    key: Bytes,
    flags: AddFlags,
    pairs: Vec<(f64, Bytes)>,
) -> Result<Reply> {
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let reply_for = |count: i64, score: Option<f64>| {
        if flags.incr {
            score.map_or(Reply::Null, Reply::Double)
        } else {
            Reply::Integer(count)
        }
    };
    if zset_mut(&mut db, &key, now)?.is_none() {
        if flags.xx {
            return Ok(reply_for(0, None));
        }
        db.insert(key.clone(), Value::ZSet(Box::default()), None, now);
    }
    let (mut added, mut updated, mut last_score) = (0, 0, None);
    let result = apply_pairs(&mut db, &key, now, flags, pairs, |outcome, score| {
        match outcome {
            Outcome::Added => added += 1,
            Outcome::Updated => updated += 1,
            Outcome::Same => {}
            Outcome::Skipped => return,
        }
        last_score = Some(score);
    });
    // A new key that got nothing (not possible today: only INCR can fail,
    // and only on an existing member) must not stay empty.
    remove_if_empty(&mut db, &key, now);
    result?;
    if added + updated > 0 {
        db.log(now, args.argv());
    }
    let count = if flags.ch { added + updated } else { added };
    Ok(reply_for(count, last_score))
}

/// Runs [`add_one`] for each pair on the set at `key`, reporting each
/// outcome and resulting score to `seen`; stops at the first error.
fn apply_pairs(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    flags: AddFlags,
    pairs: Vec<(f64, Bytes)>,
    mut seen: impl FnMut(Outcome, f64),
) -> Result<()> {
    let Some(zset) = zset_mut(db, key, now_ms)? else {
        return Ok(());
    };
    for (score, member) in pairs {
        let (outcome, score) = add_one(zset, member, score, flags)?;
        seen(outcome, score);
    }
    Ok(())
}

/// One pair, as Redis's `zsetAdd`: NX skips existing members, XX missing
/// ones; INCR adds the current score; GT/LT skip an update that would not
/// raise/lower the score (new members are always added). Returns what
/// happened and the resulting score. Error: NaN after an increment.
fn add_one(zset: &mut ZSetValue, member: Bytes, score: f64, f: AddFlags) -> Result<(Outcome, f64)> {
    let Some(current) = zset.score(&member) else {
        if f.xx {
            return Ok((Outcome::Skipped, score));
        }
        zset.insert(member, score);
        return Ok((Outcome::Added, score));
    };
    if f.nx {
        return Ok((Outcome::Skipped, score));
    }
    let score = if f.incr { score + current } else { score };
    if score.is_nan() {
        return Err(nan_error());
    }
    if (f.lt && score >= current) || (f.gt && score <= current) {
        return Ok((Outcome::Skipped, score));
    }
    if score == current {
        return Ok((Outcome::Same, score));
    }
    zset.insert(member, score);
    Ok((Outcome::Updated, score))
}

/// `ZREM key member [member ...]` — removes members; the key goes when
/// its set empties.
///
/// Reply: the number of members removed (0 for a missing key). Errors:
/// WRONGTYPE. Logged as sent when it removed something.
pub fn zrem(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let members = args.rest();
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let Some(zset) = zset_mut(&mut db, &key, now)? else {
        return Ok(Reply::Integer(0));
    };
    let removed = members.iter().filter(|m| zset.remove(m).is_some()).count();
    remove_if_empty(&mut db, &key, now);
    if removed > 0 {
        db.log(now, args.argv());
    }
    Ok(Reply::Integer(removed as i64))
}
