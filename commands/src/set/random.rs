//! Random members: SPOP and SRANDMEMBER, following Redis 7.0's
//! `spopWithCountCommand` / `srandmemberWithCountCommand`.
//!
//! `SPOP` is logged as its outcome, never as the random command: `SREM key
//! <popped members>` (in batches of [`SREM_BATCH`]), or `DEL key` when the
//! count took the whole set, as Redis propagates it.

use bytes::Bytes;
use rand::Rng;

use super::{SetValue, drop_if_empty, read_set, write_set};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::hash::random::{parse_count, pick_positions};
use crate::keyspace::Db;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// Members per logged `SREM` (Redis propagates a counted `SPOP` in
/// batches of 1024).
const SREM_BATCH: usize = 1024;

/// Redis's `SPOP_MOVE_STRATEGY_MUL`: when the members left would be at
/// most a fifth of those popped, the set is rebuilt from the members that
/// stay instead of popping one at a time.
const MOVE_STRATEGY_MUL: usize = 5;

/// Logs the removal of `popped` from `key` as `SREM` commands.
fn log_srem(db: &Db, now_ms: i64, key: &Bytes, popped: &[Bytes]) {
    for batch in popped.chunks(SREM_BATCH) {
        let mut argv = Vec::with_capacity(batch.len() + 2);
        argv.push(Bytes::from_static(b"SREM"));
        argv.push(key.clone());
        argv.extend_from_slice(batch);
        db.log(now_ms, &argv);
    }
}

/// `SPOP key [count]` — removes and returns random members; the key goes
/// with its last member.
///
/// Reply without count: a bulk string, or null for a missing key. With a
/// count: a set (RESP2: array) of distinct members, empty for a missing key
/// or count 0. Errors: `ERR value is out of range, must be positive`
/// (count not a non-negative integer), `ERR syntax error` (more
/// arguments), WRONGTYPE.
pub fn spop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    if args.remaining() > 1 {
        return Err(CommandError::syntax());
    }
    let Some(raw_count) = args.try_next() else {
        return spop_one(ctx, key);
    };
    let count = parse_i64(&raw_count)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| CommandError::err("value is out of range, must be positive"))?;
    let now_ms = ctx.now_ms;
    let mut db = ctx.db();
    let Some(set) = write_set(&mut db, &key, now_ms)? else {
        return Ok(Reply::Set(Vec::new()));
    };
    if count == 0 {
        return Ok(Reply::Set(Vec::new()));
    }
    let len = set.len();
    if count >= len {
        // The whole set, in its order; the key goes. Redis answers this
        // case through SUNION's read look-up, which counts a keyspace hit.
        let all = set.members().map(Reply::Bulk).collect();
        db.hits += 1;
        db.remove(&key);
        db.log(now_ms, &[&b"DEL"[..], &key]);
        return Ok(Reply::Set(all));
    }
    let remaining = len - count;
    let popped = if remaining * MOVE_STRATEGY_MUL > count {
        pop_each(set, count)
    } else {
        keep_some(set, remaining)
    };
    log_srem(&db, now_ms, &key, &popped);
    Ok(Reply::Set(popped.into_iter().map(Reply::Bulk).collect()))
}

/// `SPOP key` without a count.
fn spop_one(ctx: &mut Ctx, key: Bytes) -> Result<Reply> {
    let mut db = ctx.db();
    let Some(set) = write_set(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::Null);
    };
    let at = rand::rng().random_range(0..set.len());
    let member = set.remove_index(at);
    if let Some(member) = &member {
        drop_if_empty(&mut db, &key, ctx.now_ms);
        db.log(ctx.now_ms, &[&b"SREM"[..], &key, member]);
    }
    Ok(Reply::bulk_or_null(member))
}

/// Pops `count` (less than the size) random members one at a time.
fn pop_each(set: &mut SetValue, count: usize) -> Vec<Bytes> {
    let mut rng = rand::rng();
    (0..count)
        .filter_map(|_| set.remove_index(rng.random_range(0..set.len())))
        .collect()
}

/// Keeps `remaining` random members in a set rebuilt from them (which may
/// become an intset again, as in Redis) and returns the others, in the old
/// set's order.
fn keep_some(set: &mut SetValue, remaining: usize) -> Vec<Bytes> {
    let mut rng = rand::rng();
    let mut kept = SetValue::default();
    for _ in 0..remaining {
        if let Some(member) = set.remove_index(rng.random_range(0..set.len())) {
            kept.insert(member);
        }
    }
    let popped = std::mem::replace(set, kept);
    popped.members().collect()
}

/// `SRANDMEMBER key [count]` — random members, without removing them.
///
/// Reply without count: a bulk string, or null for a missing key. With a
/// count: an array (see [`pick_positions`] for positive and negative
/// counts), empty for a missing key or count 0. Errors: `ERR syntax error`
/// (more arguments), the count errors of [`parse_count`], WRONGTYPE.
pub fn srandmember(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    if args.remaining() > 1 {
        return Err(CommandError::syntax());
    }
    let mut db = ctx.db();
    let Some(raw_count) = args.try_next() else {
        let member = read_set(&mut db, &key, ctx.now_ms, |set| {
            set.get_index(rand::rng().random_range(0..set.len()))
        })?;
        return Ok(Reply::bulk_or_null(member.flatten()));
    };
    let count = parse_count(&raw_count)?;
    let reply = read_set(&mut db, &key, ctx.now_ms, |set| {
        if count == 0 {
            return Ok(Reply::Array(Vec::new()));
        }
        let positions = pick_positions(set.len(), count, false)?;
        Ok(Reply::Array(
            positions
                .into_iter()
                .filter_map(|i| set.get_index(i))
                .map(Reply::Bulk)
                .collect(),
        ))
    })?;
    reply.unwrap_or_else(|| Ok(Reply::Array(Vec::new())))
}
