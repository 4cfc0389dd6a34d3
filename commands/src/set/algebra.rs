//! Set algebra: SINTER, SINTERSTORE, SINTERCARD, SUNION, SUNIONSTORE,
//! SDIFF, SDIFFSTORE. Matches Redis 7.0's `sinterGenericCommand` and
//! `sunionDiffGenericCommand`: every key is type-checked before anything
//! is computed, a missing key is an empty set, and a computed set is built
//! as Redis builds it (an intset while its members allow), so a stored
//! result has Redis's encoding and an all-integer result is listed in
//! ascending order.
//!
//! The STORE forms replace the destination whatever it held (dropping its
//! TTL), or delete it when the result is empty; they log the command as
//! sent, when they changed the destination.

use bytes::Bytes;

use super::SetValue;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Db, Entry, Value};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// The sets a multi-key command reads, lent out of their keyspace entries
/// for the computation (the database stays locked, so nobody sees the
/// entries meanwhile) and put back when this is dropped, panics included.
/// Lending avoids copying the sets: the database hands out one entry at a
/// time.
struct Lent<'a> {
    db: &'a mut Db,
    now_ms: i64,
    /// Each distinct key with its set (`None`: the key is missing).
    sets: Vec<(Bytes, Option<Box<SetValue>>)>,
    /// For each key argument, its index in `sets`.
    slots: Vec<usize>,
}

impl<'a> Lent<'a> {
    /// Looks up every key in order as Redis's `lookupKeyRead` (expiring it,
    /// counting a hit or miss). Error: WRONGTYPE for a key holding another
    /// type (the sets already lent go back).
    fn take(db: &'a mut Db, keys: &[Bytes], now_ms: i64) -> Result<Lent<'a>> {
        let mut lent = Lent {
            db,
            now_ms,
            sets: Vec::with_capacity(keys.len()),
            slots: Vec::with_capacity(keys.len()),
        };
        for key in keys {
            if let Some(slot) = lent.sets.iter().position(|(k, _)| k == key) {
                // Already lent: Redis looks it up again, a hit or a miss.
                if lent.sets[slot].1.is_some() {
                    lent.db.hits += 1;
                } else {
                    lent.db.misses += 1;
                }
                lent.slots.push(slot);
                continue;
            }
            let set = read_with(&mut *lent.db, key, now_ms, |entry| match &mut entry.value {
                Value::Set(set) => Ok(std::mem::take(set)),
                _ => Err(CommandError::wrong_type()),
            })
            .transpose()?;
            lent.sets.push((key.clone(), set));
            lent.slots.push(lent.sets.len() - 1);
        }
        Ok(lent)
    }

    /// The sets in argument order (`None` for a missing key).
    fn operands(&self) -> Vec<Option<&SetValue>> {
        self.slots
            .iter()
            .map(|&slot| self.sets[slot].1.as_deref())
            .collect()
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        for (key, set) in self.sets.drain(..) {
            let Some(set) = set else { continue };
            // Live when lent at this same `now_ms`, so still there.
            if let Some(Entry {
                value: Value::Set(slot),
                ..
            }) = self.db.get(&key, self.now_ms)
            {
                *slot = set;
            }
        }
    }
}

/// The members of the intersection, iterating the smallest set in its
/// order (as Redis); empty when any operand is missing.
fn intersection<'s>(operands: &[Option<&'s SetValue>]) -> Box<dyn Iterator<Item = Bytes> + 's> {
    let Some(mut sets) = operands.iter().copied().collect::<Option<Vec<&SetValue>>>() else {
        return Box::new(std::iter::empty());
    };
    sets.sort_by_key(|s| s.len());
    let Some((&smallest, others)) = sets.split_first() else {
        return Box::new(std::iter::empty());
    };
    let others = others.to_vec();
    Box::new(
        smallest
            .members()
            .filter(move |m| others.iter().all(|s| s.contains(m))),
    )
}

/// The union of the operands, built as Redis builds it.
fn union(operands: &[Option<&SetValue>]) -> SetValue {
    let mut out = SetValue::default();
    for set in operands.iter().flatten() {
        for member in set.members() {
            out.insert(member);
        }
    }
    out
}

/// The first operand minus the others, built as Redis builds it.
fn difference(operands: &[Option<&SetValue>]) -> SetValue {
    let mut out = SetValue::default();
    let Some((Some(first), others)) = operands.split_first() else {
        return out;
    };
    for member in first.members() {
        if !others.iter().flatten().any(|s| s.contains(&member)) {
            out.insert(member);
        }
    }
    out
}

/// A computed set as a reply: a set (RESP2: array) in its order.
fn set_reply(members: impl Iterator<Item = Bytes>) -> Reply {
    Reply::Set(members.map(Reply::Bulk).collect())
}

/// Runs `op` over the sets named by every remaining argument.
fn compute<R>(
    ctx: &mut Ctx,
    args: &mut Parse,
    op: impl FnOnce(&[Option<&SetValue>]) -> R,
) -> Result<R> {
    let keys = args.rest();
    let mut db = ctx.db();
    let lent = Lent::take(&mut db, &keys, ctx.now_ms)?;
    Ok(op(&lent.operands()))
}

/// `SINTER key [key ...]` — the members common to every set.
///
/// Reply: a set (RESP2: array); empty when any key is missing. Errors:
/// WRONGTYPE.
pub fn sinter(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    compute(ctx, args, |sets| set_reply(intersection(sets)))
}

/// `SUNION key [key ...]` — the members of any set.
///
/// Reply: a set (RESP2: array). Errors: WRONGTYPE.
pub fn sunion(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    compute(ctx, args, |sets| set_reply(union(sets).members()))
}

/// `SDIFF key [key ...]` — the members of the first set in none of the
/// others.
///
/// Reply: a set (RESP2: array). Errors: WRONGTYPE.
pub fn sdiff(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    compute(ctx, args, |sets| set_reply(difference(sets).members()))
}

/// Computes `op` over the source keys and stores the result at the
/// destination (the first argument).
fn store(
    ctx: &mut Ctx,
    args: &mut Parse,
    op: impl FnOnce(&[Option<&SetValue>]) -> SetValue,
) -> Result<Reply> {
    let destination = args.next_bytes()?;
    let keys = args.rest();
    let mut db = ctx.db();
    let result = {
        let lent = Lent::take(&mut db, &keys, ctx.now_ms)?;
        op(&lent.operands())
    };
    let len = result.len() as i64;
    if len > 0 {
        db.insert(destination, Value::Set(Box::new(result)), None, ctx.now_ms);
        db.log(ctx.now_ms, args.argv());
    } else if db.contains(&destination, ctx.now_ms) {
        db.remove(&destination);
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(len))
}

/// `SINTERSTORE destination key [key ...]` — stores [`sinter`]'s result.
///
/// Reply: the size of the result. Errors: WRONGTYPE (sources only).
pub fn sinterstore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    store(ctx, args, |sets| {
        let mut out = SetValue::default();
        for member in intersection(sets) {
            out.insert(member);
        }
        out
    })
}

/// `SUNIONSTORE destination key [key ...]` — stores [`sunion`]'s result.
///
/// Reply: the size of the result. Errors: WRONGTYPE (sources only).
pub fn sunionstore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    store(ctx, args, union)
}

/// `SDIFFSTORE destination key [key ...]` — stores [`sdiff`]'s result.
///
/// Reply: the size of the result. Errors: WRONGTYPE (sources only).
pub fn sdiffstore(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    store(ctx, args, difference)
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]` — the size of the
/// intersection, counting at most `limit` members (0: no limit).
///
/// Reply: integer. Errors: `ERR numkeys should be greater than 0`, `ERR
/// Number of keys can't be greater than number of args`, `ERR LIMIT can't
/// be negative`, `ERR syntax error`, WRONGTYPE.
pub fn sintercard(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let numkeys = parse_i64(&args.next_bytes()?)
        .filter(|&n| n > 0)
        .ok_or_else(|| CommandError::err("numkeys should be greater than 0"))?;
    if numkeys > args.remaining() as i64 {
        return Err(CommandError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let keys: Vec<Bytes> = (0..numkeys).filter_map(|_| args.try_next()).collect();
    let mut limit = 0usize;
    while let Some(opt) = args.try_next() {
        if !opt.eq_ignore_ascii_case(b"LIMIT") || args.is_empty() {
            return Err(CommandError::syntax());
        }
        limit = args
            .try_next()
            .and_then(|raw| parse_i64(&raw))
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| CommandError::err("LIMIT can't be negative"))?;
    }
    let mut db = ctx.db();
    let lent = Lent::take(&mut db, &keys, ctx.now_ms)?;
    let operands = lent.operands();
    let members = intersection(&operands);
    let count = if limit > 0 {
        members.take(limit).count()
    } else {
        members.count()
    };
    Ok(Reply::Integer(count as i64))
}
