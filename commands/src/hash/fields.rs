//! Field reads and writes: HSET, HSETNX, HMSET, HGET, HMGET, HGETALL, HDEL,
//! HLEN, HEXISTS, HKEYS, HVALS, HSTRLEN. Matches Redis 7.0's `t_hash.c`;
//! writes log the command as sent, and only when they changed the hash.

use bytes::Bytes;

use super::{HashValue, hash_or_create, read_hash, write_hash};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;

/// Reads `key field value [field value ...]`. Error: the arity error of
/// `name` when a value is missing, as Redis checks it before the key.
fn parse_pairs(args: &mut Parse, name: &str) -> Result<(Bytes, Vec<(Bytes, Bytes)>)> {
    let key = args.next_key()?;
    let rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(CommandError::wrong_arity(name));
    }
    let mut rest = rest.into_iter();
    let mut pairs = Vec::with_capacity(rest.len() / 2);
    while let (Some(field), Some(value)) = (rest.next(), rest.next()) {
        pairs.push((field, value));
    }
    Ok((key, pairs))
}

/// Sets every pair in the hash at `key` (created if missing) and logs the
/// command. Returns how many fields were new.
fn set_pairs(ctx: &mut Ctx, args: &Parse, key: &Bytes, pairs: Vec<(Bytes, Bytes)>) -> Result<i64> {
    let mut db = ctx.db();
    let hash = hash_or_create(&mut db, key, ctx.now_ms)?;
    // Moved in, not cloned: a clone of an argument allocates a shared header.
    let added = pairs
        .into_iter()
        .map(|(field, value)| hash.set(field, value))
        .filter(|&added| added)
        .count();
    db.log(ctx.now_ms, args.argv());
    Ok(added as i64)
}

/// `HSET key field value [field value ...]` — sets the fields, creating the
/// hash if needed.
///
/// Reply: the number of fields that were added (not updated). Errors:
/// `ERR wrong number of arguments for 'hset' command` for an odd count,
/// WRONGTYPE.
pub fn hset(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let (key, pairs) = parse_pairs(args, "hset")?;
    let added = set_pairs(ctx, args, &key, pairs)?;
    Ok(Reply::Integer(added))
}

/// `HMSET key field value [field value ...]` — as [`hset`] (deprecated in
/// Redis in favour of it).
///
/// Reply: `+OK`. Errors: as [`hset`], naming `hmset`.
pub fn hmset(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let (key, pairs) = parse_pairs(args, "hmset")?;
    set_pairs(ctx, args, &key, pairs)?;
    Ok(Reply::ok())
}

/// `HSETNX key field value` — sets the field only when it does not exist.
///
/// Reply: 1 when set, 0 when the field existed. Errors: WRONGTYPE.
pub fn hsetnx(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let field = args.next_bytes()?;
    let value = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    if write_hash(&mut db, &key, ctx.now_ms)?.is_some_and(|hash| hash.contains(&field)) {
        return Ok(Reply::Integer(0));
    }
    hash_or_create(&mut db, &key, ctx.now_ms)?.set(field, value);
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(1))
}

/// Reads the key and one field argument.
fn key_and_field(args: &mut Parse) -> Result<(Bytes, Bytes)> {
    let key = args.next_bytes()?;
    let field = args.next_bytes()?;
    args.finish()?;
    Ok((key, field))
}

/// `HGET key field` — the value of a field.
///
/// Reply: bulk string, or null when the field or the key does not exist.
/// Errors: WRONGTYPE.
pub fn hget(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let (key, field) = key_and_field(args)?;
    let mut db = ctx.db();
    let value = read_hash(&mut db, &key, ctx.now_ms, |hash| {
        hash.get(&field).map(Bytes::copy_from_slice)
    })?;
    Ok(Reply::bulk_or_null(value.flatten()))
}

/// `HMGET key field [field ...]` — the values of the fields.
///
/// Reply: array with a bulk string or null for each field, in argument
/// order (all nulls for a missing key). Errors: WRONGTYPE.
pub fn hmget(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let fields = args.rest();
    let mut db = ctx.db();
    let values = read_hash(&mut db, &key, ctx.now_ms, |hash| {
        fields
            .iter()
            .map(|f| Reply::bulk_or_null(hash.get(f).map(Bytes::copy_from_slice)))
            .collect()
    })?;
    Ok(Reply::Array(values.unwrap_or_else(|| {
        fields.iter().map(|_| Reply::Null).collect()
    })))
}

/// `HDEL key field [field ...]` — removes the fields; the key goes with
/// its last field.
///
/// Reply: the number of fields removed. Errors: WRONGTYPE.
pub fn hdel(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let fields = args.rest();
    let mut db = ctx.db();
    let Some(hash) = write_hash(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::Integer(0));
    };
    let removed = fields.iter().filter(|f| hash.remove(f)).count();
    let emptied = hash.is_empty();
    if emptied {
        db.remove(&key);
    }
    if removed > 0 {
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(removed as i64))
}

/// Applies `f` to the hash at `key` for a read command that takes only the
/// key, giving `missing` when the key does not exist.
fn read_whole(
    ctx: &mut Ctx,
    args: &mut Parse,
    missing: Reply,
    f: impl FnOnce(&HashValue) -> Reply,
) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    Ok(read_hash(&mut db, &key, ctx.now_ms, f)?.unwrap_or(missing))
}

/// `HLEN key` — the number of fields.
///
/// Reply: integer (0 for a missing key). Errors: WRONGTYPE.
pub fn hlen(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    read_whole(ctx, args, Reply::Integer(0), |hash| {
        Reply::Integer(hash.len() as i64)
    })
}

/// `HGETALL key` — every field and value.
///
/// Reply: a map (RESP2: flat `[field, value, ...]` array) in the hash's
/// order; empty for a missing key. Errors: WRONGTYPE.
pub fn hgetall(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    read_whole(ctx, args, Reply::Map(Vec::new()), |hash| {
        Reply::Map(
            hash.iter()
                .map(|(f, v)| {
                    (
                        Reply::Bulk(Bytes::copy_from_slice(f)),
                        Reply::Bulk(Bytes::copy_from_slice(v)),
                    )
                })
                .collect(),
        )
    })
}

/// `HKEYS key` — every field.
///
/// Reply: array of bulk strings; empty for a missing key. Errors: WRONGTYPE.
pub fn hkeys(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    read_whole(ctx, args, Reply::Array(Vec::new()), |hash| {
        Reply::bulk_array(hash.iter().map(|(f, _)| Bytes::copy_from_slice(f)))
    })
}

/// `HVALS key` — every value.
///
/// Reply: array of bulk strings; empty for a missing key. Errors: WRONGTYPE.
pub fn hvals(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    read_whole(ctx, args, Reply::Array(Vec::new()), |hash| {
        Reply::bulk_array(hash.iter().map(|(_, v)| Bytes::copy_from_slice(v)))
    })
}

/// `HEXISTS key field` — whether the field exists.
///
/// Reply: integer 1 or 0. Errors: WRONGTYPE.
pub fn hexists(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let (key, field) = key_and_field(args)?;
    let mut db = ctx.db();
    let found = read_hash(&mut db, &key, ctx.now_ms, |hash| hash.contains(&field))?;
    Ok(Reply::Integer(i64::from(found.unwrap_or(false))))
}

/// `HSTRLEN key field` — the length in bytes of a field's value.
///
/// Reply: integer, 0 when the field or the key does not exist. Errors:
/// WRONGTYPE.
pub fn hstrlen(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let (key, field) = key_and_field(args)?;
    let mut db = ctx.db();
    let len = read_hash(&mut db, &key, ctx.now_ms, |hash| {
        hash.get(&field).map_or(0, |v| v.len())
    })?;
    Ok(Reply::Integer(len.unwrap_or(0) as i64))
}
