//! Field counters: HINCRBY and HINCRBYFLOAT. Matches Redis 7.0's
//! `hincrbyCommand` / `hincrbyfloatCommand`: the increment is parsed before
//! the key is looked up, a missing field (or key) counts as 0, and the
//! result is stored as decimal text.

use bytes::Bytes;

use super::long_double::LongDouble;
use super::{hash_or_create, write_hash};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// `HINCRBY key field increment` — adds an integer to a field.
///
/// Reply: the new value. Errors: `ERR value is not an integer or out of
/// range` (increment), `ERR hash value is not an integer` (stored value),
/// `ERR increment or decrement would overflow`, WRONGTYPE. Logged as sent.
pub fn hincrby(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let field = args.next_bytes()?;
    let delta = args.next_i64()?;
    args.finish()?;
    let mut db = ctx.db();
    let current = match write_hash(&mut db, &key, ctx.now_ms)?.and_then(|h| h.get(&field)) {
        None => 0,
        Some(value) => {
            parse_i64(value).ok_or_else(|| CommandError::err("hash value is not an integer"))?
        }
    };
    let next = current
        .checked_add(delta)
        .ok_or_else(|| CommandError::err("increment or decrement would overflow"))?;
    hash_or_create(&mut db, &key, ctx.now_ms)?.set(field, Bytes::from(next.to_string()));
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(next))
}

/// `HINCRBYFLOAT key field increment` — adds a float to a field, with
/// Redis's `long double` arithmetic and text form (see [`LongDouble`]).
///
/// Reply: the new value as a bulk string. Errors: `ERR value is not a valid
/// float` (increment), `ERR value is NaN or Infinity` (an infinite
/// increment), `ERR hash value is not a float` (stored value), `ERR
/// increment would produce NaN or Infinity`, WRONGTYPE. Logged as `HSET key
/// field <new value>`, as Redis propagates it.
pub fn hincrbyfloat(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let field = args.next_bytes()?;
    let delta = LongDouble::parse(&args.next_bytes()?).ok_or_else(CommandError::not_float)?;
    args.finish()?;
    if !delta.is_finite() {
        return Err(CommandError::err("value is NaN or Infinity"));
    }
    let mut db = ctx.db();
    let current = match write_hash(&mut db, &key, ctx.now_ms)?.and_then(|h| h.get(&field)) {
        None => LongDouble::ZERO,
        Some(value) => LongDouble::parse(value)
            .ok_or_else(|| CommandError::err("hash value is not a float"))?,
    };
    let next = current
        .checked_add(delta)
        .ok_or_else(|| CommandError::err("increment would produce NaN or Infinity"))?;
    let text = Bytes::from(next.to_human());
    hash_or_create(&mut db, &key, ctx.now_ms)?.set(field.clone(), text.clone());
    db.log(ctx.now_ms, &[&b"HSET"[..], &key, &field, &text]);
    Ok(Reply::Bulk(text))
}
