//! Whole-value reads and writes: GET, SET, SETEX, PSETEX, SETNX, GETSET,
//! GETDEL, GETEX, MGET, MSET, MSETNX. Matches Redis 7.0's `t_string.c`.
//!
//! Each write that changed data logs its deterministic form to the AOF under
//! the database lock, as Redis 7 propagates it: relative expiries become
//! absolute (`SET key value PXAT <ms>`, `PEXPIREAT key <ms>`), `GETSET`
//! becomes `SET`, `GETDEL` and a write whose deadline has passed become `DEL`.

use std::borrow::Cow;

use bytes::Bytes;

use super::expiry::{Expiry, OptionsFor, expire_deadline, parse_options};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{read_with, string_of};
use crate::keyspace::{Db, StringValue, Value};
use crate::parse::Parse;
use crate::reply::Reply;

/// Stores a string at `key` with the TTL action `expiry`, as every string
/// write does, and logs it ([`store_argv`]). A deadline already in the past
/// removes the key instead (the value would be invisible at once, as in
/// Redis); that logs nothing when there was no key. Returns the replaced
/// value so the caller can drop it after releasing the lock.
pub(super) fn store(
    db: &mut Db,
    key: Bytes,
    value: StringValue,
    expiry: Expiry,
    now_ms: i64,
) -> Option<Value> {
    if matches!(expiry, Expiry::At(at) if at <= now_ms) {
        let replaced = db.remove(&key).map(|e| e.value);
        if replaced.is_some() {
            db.log(now_ms, &store_argv(&key, &value, expiry, now_ms));
        }
        return replaced;
    }
    // Logged before the write, under the same lock (so in the same place
    // in the AOF): the record borrows the key and value instead of sharing
    // them with the keyspace, which would cost each a reference-counted
    // header.
    db.log(now_ms, &store_argv(&key, &value, expiry, now_ms));
    let value = Value::String(value);
    match expiry {
        Expiry::Keep => match db.get(&key, now_ms) {
            Some(entry) => Some(std::mem::replace(&mut entry.value, value)),
            None => db.insert(key, value, None, now_ms).map(|e| e.value),
        },
        Expiry::At(at) => db.insert(key, value, Some(at), now_ms).map(|e| e.value),
        Expiry::Default | Expiry::Persist => db.insert(key, value, None, now_ms).map(|e| e.value),
    }
}

/// The deterministic form of what [`store`] does at `now_ms`: `SET key
/// value`, `SET key value KEEPTTL`, `SET key value PXAT <ms>`, or `DEL key`
/// when the deadline is not after `now_ms` (the key is removed, not set).
/// `NX`/`XX`/`GET` are left out, as Redis 7 leaves them out of a rewritten
/// `SET`: the write they allowed is unconditional on replay. Borrows the
/// key and value.
pub(super) fn store_argv<'a>(
    key: &'a [u8],
    value: &'a [u8],
    expiry: Expiry,
    now_ms: i64,
) -> Vec<Cow<'a, [u8]>> {
    if matches!(expiry, Expiry::At(at) if at <= now_ms) {
        return vec![Cow::Borrowed(b"DEL"), key.into()];
    }
    let mut argv = vec![Cow::Borrowed(&b"SET"[..]), key.into(), value.into()];
    match expiry {
        Expiry::At(at) => argv.extend([b"PXAT".into(), at.to_string().into_bytes().into()]),
        Expiry::Keep => argv.push(b"KEEPTTL".into()),
        Expiry::Default | Expiry::Persist => {}
    }
    argv
}

/// The string at `key` for a read command's reply ([`StringValue::to_bytes`]),
/// counting a keyspace hit or miss. Error: WRONGTYPE when the key holds
/// another type.
pub(super) fn read_string(db: &mut Db, key: &[u8], now_ms: i64) -> Result<Option<Bytes>> {
    read_with(db, key, now_ms, |entry| {
        string_of(&entry.value).map(StringValue::to_bytes)
    })
    .transpose()
}

/// `GET key` — the string at `key`.
///
/// Reply: bulk string, or null when the key does not exist.
/// Errors: WRONGTYPE for a non-string key.
pub fn get(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    args.finish()?;
    let value = read_string(&mut ctx.db(), &key, ctx.now_ms)?;
    Ok(Reply::bulk_or_null(value))
}

/// ```text
/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
///     EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
/// ```
///
/// Reply: `OK`; null when `NX`/`XX` prevented the write; with `GET`, the old
/// value (or null) whether or not the write happened.
/// Errors: `ERR syntax error`, `ERR value is not an integer or out of range`,
/// `ERR invalid expire time in 'set' command`, and WRONGTYPE with `GET` on a
/// non-string key (nothing is written then). Logged as [`store_argv`] says.
pub fn set(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    let value = args.next_value()?;
    let opts = parse_options(args, OptionsFor::Set, ctx.now_ms)?;
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let (old, exists) = if opts.get {
        let old = read_string(&mut db, &key, now)?;
        let exists = old.is_some();
        (old, exists)
    } else {
        (None, db.contains(&key, now))
    };
    let reply_for = |old: Option<Bytes>, written: bool| match (opts.get, written) {
        (true, _) => Reply::bulk_or_null(old),
        (false, true) => Reply::ok(),
        (false, false) => Reply::Null,
    };
    if (opts.nx && exists) || (opts.xx && !exists) {
        return Ok(reply_for(old, false));
    }
    let replaced = store(&mut db, key, value, opts.expiry, now);
    drop(db);
    // Dropped here, off the lock: the replaced value may be a large session.
    drop(replaced);
    Ok(reply_for(old, true))
}

/// `SETEX key seconds value` — `SET key value EX seconds`, logged as `SET
/// key value PXAT <ms>`.
///
/// Reply: `OK`. Errors: `ERR value is not an integer or out of range`,
/// `ERR invalid expire time in 'setex' command`.
pub fn setex(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    set_with_ttl(ctx, args, true)
}

/// `PSETEX key milliseconds value` — `SET key value PX milliseconds`.
///
/// Reply: `OK`. Errors as [`setex`], naming `psetex`.
pub fn psetex(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    set_with_ttl(ctx, args, false)
}

fn set_with_ttl(ctx: &mut Ctx, args: &mut Parse, seconds: bool) -> Result<Reply> {
    let key = args.next_bytes()?;
    let ttl = args.next_bytes()?;
    let value = args.next_value()?;
    args.finish()?;
    let at = expire_deadline(&ttl, seconds, true, ctx.now_ms, args.name())?;
    let replaced = store(&mut ctx.db(), key, value, Expiry::At(at), ctx.now_ms);
    drop(replaced);
    Ok(Reply::ok())
}

/// `SETNX key value` — sets `key` only when it does not exist.
///
/// Reply: integer 1 when set, 0 when the key existed (of any type).
pub fn setnx(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let value = args.next_value()?;
    args.finish()?;
    let mut db = ctx.db();
    if db.contains(&key, ctx.now_ms) {
        return Ok(Reply::Integer(0));
    }
    db.insert(key, Value::String(value), None, ctx.now_ms);
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(1))
}

/// `GETSET key value` — sets `key` and returns its old value; the TTL is
/// cleared. Logged as `SET key value`.
///
/// Reply: the old value, or null. Errors: WRONGTYPE (nothing written).
pub fn getset(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let value = args.next_value()?;
    args.finish()?;
    let mut db = ctx.db();
    let old = read_string(&mut db, &key, ctx.now_ms)?;
    // Logged as Redis 7 propagates it: the `SET` it amounts to.
    db.log(ctx.now_ms, &[b"SET".as_slice(), &key, &value]);
    db.insert(key, Value::String(value), None, ctx.now_ms);
    Ok(Reply::bulk_or_null(old))
}

/// `GETDEL key` — returns the string at `key` and deletes the key. Logged
/// as `DEL key`.
///
/// Reply: bulk string, or null. Errors: WRONGTYPE (the key is kept).
pub fn getdel(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    let value = read_string(&mut db, &key, ctx.now_ms)?;
    if value.is_some() {
        db.remove(&key);
        db.log(ctx.now_ms, &[b"DEL".as_slice(), &key]);
    }
    Ok(Reply::bulk_or_null(value))
}

/// ```text
/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
///     PXAT unix-time-milliseconds | PERSIST]
/// ```
///
/// Returns the string at `key` and changes its TTL; a deadline in the past
/// deletes the key (the value is still returned). Logged as `PEXPIREAT key
/// <ms>`, `PERSIST key` (only when a TTL was removed) or `DEL key`.
/// Reply: bulk string, or null. Errors: `ERR syntax error`,
/// `ERR invalid expire time in 'getex' command`, WRONGTYPE.
pub fn getex(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let opts = parse_options(args, OptionsFor::GetEx, ctx.now_ms)?;
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let Some(value) = read_string(&mut db, &key, now)? else {
        return Ok(Reply::Null);
    };
    match opts.expiry {
        Expiry::At(at) if at <= now => {
            db.remove(&key);
            db.log(now, &[b"DEL".as_slice(), &key]);
        }
        Expiry::At(at) => {
            db.set_expire(&key, Some(at), now);
            db.log(
                now,
                &[b"PEXPIREAT".as_slice(), &key, at.to_string().as_bytes()],
            );
        }
        Expiry::Persist => {
            // Only a TTL actually removed is a change (Redis's `removeExpire`).
            if db.peek(&key, now).is_some_and(|e| e.expire_at().is_some()) {
                db.set_expire(&key, None, now);
                db.log(now, &[b"PERSIST".as_slice(), &key]);
            }
        }
        Expiry::Default | Expiry::Keep => {}
    }
    Ok(Reply::Bulk(value))
}

/// `MGET key [key ...]` — the strings at each key.
///
/// Reply: array with one bulk string per key; null for a missing key or one
/// holding another type (never WRONGTYPE, as Redis).
pub fn mget(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let keys = args.rest();
    let mut db = ctx.db();
    let values = keys
        .iter()
        .map(|key| {
            let value = read_with(&mut db, key, ctx.now_ms, |e| {
                string_of(&e.value).ok().map(StringValue::to_bytes)
            });
            Reply::bulk_or_null(value.flatten())
        })
        .collect();
    Ok(Reply::Array(values))
}

/// `MSET key value [key value ...]` — sets every pair, clearing their TTLs.
///
/// Reply: `OK`. Errors: `ERR wrong number of arguments for 'mset' command`
/// for an odd number of arguments.
pub fn mset(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let pairs = pairs(args)?;
    let mut db = ctx.db();
    let replaced: Vec<Value> = pairs
        .into_iter()
        .filter_map(|(k, v)| {
            db.insert(k, Value::String(v), None, ctx.now_ms)
                .map(|e| e.value)
        })
        .collect();
    db.log(ctx.now_ms, args.argv());
    drop(db);
    drop(replaced);
    Ok(Reply::ok())
}

/// `MSETNX key value [key value ...]` — sets every pair only when none of
/// the keys exists.
///
/// Reply: integer 1 when all were set, 0 when nothing was. Errors as [`mset`].
pub fn msetnx(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let pairs = pairs(args)?;
    let mut db = ctx.db();
    if pairs.iter().any(|(k, _)| db.contains(k, ctx.now_ms)) {
        return Ok(Reply::Integer(0));
    }
    for (k, v) in pairs {
        db.insert(k, Value::String(v), None, ctx.now_ms);
    }
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(1))
}

/// The remaining arguments as `(key, value)` pairs, each value copied once
/// into its string value (the keys are shared: the keyspace copies those
/// it stores); an odd count is an arity error, as Redis reports it.
fn pairs(args: &mut Parse) -> Result<Vec<(Bytes, StringValue)>> {
    if !args.remaining().is_multiple_of(2) {
        return Err(CommandError::wrong_arity(args.name()));
    }
    let mut pairs = Vec::with_capacity(args.remaining() / 2);
    while !args.is_empty() {
        pairs.push((args.next_key()?, args.next_value()?));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(argv: Vec<Cow<'_, [u8]>>) -> Vec<String> {
        argv.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    #[test]
    fn store_argv_makes_expiry_absolute_and_drops_conditions() {
        let (k, v) = (Bytes::from("k"), Bytes::from("v"));
        let logged = |expiry| words(store_argv(&k, &v, expiry, 1_000));
        assert_eq!(logged(Expiry::Default), ["SET", "k", "v"]);
        assert_eq!(logged(Expiry::Keep), ["SET", "k", "v", "KEEPTTL"]);
        assert_eq!(
            logged(Expiry::At(11_000)),
            ["SET", "k", "v", "PXAT", "11000"]
        );
        // A deadline that is not in the future removes the key instead.
        assert_eq!(logged(Expiry::At(1_000)), ["DEL", "k"]);
    }

    #[test]
    fn store_with_a_past_deadline_removes_the_key() {
        let mut db = Db::default();
        let put = |db: &mut Db, value: &'static str, expiry| {
            store(db, Bytes::from("k"), value.as_bytes().into(), expiry, 10);
        };
        put(&mut db, "v", Expiry::Default);
        put(&mut db, "w", Expiry::At(5));
        assert!(!db.contains(b"k", 10));
        put(&mut db, "x", Expiry::At(50));
        assert_eq!(db.get(b"k", 10).and_then(|e| e.expire_at()), Some(50));
    }
}
