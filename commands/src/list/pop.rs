//! Taking elements off an end: LPOP, RPOP and LMPOP (Redis 7.0's
//! `popGenericCommand` and `lmpopGenericCommand`), and the non-blocking
//! pops the blocking commands (`BLPOP`, `BRPOP`, `BLMPOP`) run once a list
//! has elements.
//!
//! `LPOP`/`RPOP` log their argv as sent; `LMPOP` logs `LPOP key n` /
//! `RPOP key n` with the number of elements it took, as Redis 7 propagates
//! it ([`pop_argv`]).

use bytes::Bytes;

use super::value::{End, list_mut, parse_at_least};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::Db;
use crate::parse::Parse;
use crate::reply::Reply;

/// Pops up to `count` elements from `end` of the list at `key`, nearest
/// first, and removes the key when it empties. Logs nothing (the caller
/// logs [`pop_argv`]).
///
/// Returns `None` when there is no key (nothing done). Error: WRONGTYPE
/// when `key` holds another type (nothing done).
pub(crate) fn pop_from(
    db: &mut Db,
    key: &[u8],
    end: End,
    count: usize,
    now_ms: i64,
) -> Result<Option<Vec<Bytes>>> {
    let Some(list) = list_mut(db, key, now_ms)? else {
        return Ok(None);
    };
    if list.items.is_empty() {
        return Ok(None);
    }
    let popped = list.pop(end, count);
    if list.items.is_empty() {
        db.remove(key);
    }
    Ok(Some(popped))
}

/// Pops up to `count` elements from `end` of the first of `keys` that holds
/// a list, as `LMPOP`, `BLMPOP` and `BLPOP`/`BRPOP` (count 1) do: missing
/// keys are skipped, a key of another type before the first list is an
/// error. Logs nothing (the caller logs [`pop_argv`] for the key).
///
/// Returns the key and the elements, nearest first; `None` when no key
/// holds a list. Error: WRONGTYPE (nothing done).
pub(crate) fn pop_first(
    db: &mut Db,
    keys: &[Bytes],
    end: End,
    count: usize,
    now_ms: i64,
) -> Result<Option<(Bytes, Vec<Bytes>)>> {
    for key in keys {
        if let Some(popped) = pop_from(db, key, end, count, now_ms)? {
            return Ok(Some((key.clone(), popped)));
        }
    }
    Ok(None)
}

/// The AOF record of a pop that took elements from `end` of `key`: `LPOP
/// key` / `RPOP key` for a single-element pop without count (`LPOP key`,
/// `BLPOP`), `LPOP key <count>` with the number actually taken for the
/// counted forms (`LMPOP`, `BLMPOP`), as Redis 7 propagates them.
pub(crate) fn pop_argv(key: &Bytes, end: End, count: Option<usize>) -> Vec<Bytes> {
    let mut argv = vec![end.pop_command(), key.clone()];
    if let Some(count) = count {
        argv.push(Bytes::from(count.to_string()));
    }
    argv
}

/// `LPOP key [count]` — removes and returns the head element, or up to
/// `count` elements from the head.
///
/// Reply: without count, a bulk string or null (no key); with count, an
/// array (empty for count 0) or a null array (no key). Errors: `ERR value
/// is out of range, must be positive` for a count that is negative or not
/// an integer, the arity error for more arguments, WRONGTYPE.
pub fn lpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    pop(ctx, args, End::Left)
}

/// `RPOP key [count]` — as [`lpop`] at the tail; with count, the tail
/// element comes first.
pub fn rpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    pop(ctx, args, End::Right)
}

fn pop(ctx: &mut Ctx, args: &mut Parse, end: End) -> Result<Reply> {
    if args.arg_count() > 2 {
        return Err(CommandError::wrong_arity(args.name()));
    }
    let key = args.next_key()?;
    let count = match args.try_next() {
        Some(raw) => Some(parse_at_least(
            &raw,
            0,
            "value is out of range, must be positive",
        )?),
        None => None,
    };
    let mut db = ctx.db();
    let Some(list) = list_mut(&mut db, &key, ctx.now_ms)? else {
        return Ok(match count {
            Some(_) => Reply::NullArray,
            None => Reply::Null,
        });
    };
    let n = match count {
        Some(0) => return Ok(Reply::Array(Vec::new())),
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => 1,
    };
    let popped = list.pop(end, n);
    if list.items.is_empty() {
        db.remove(&key);
    }
    db.log(ctx.now_ms, args.argv());
    Ok(match count {
        Some(_) => Reply::bulk_array(popped),
        None => Reply::bulk_or_null(popped.into_iter().next()),
    })
}

/// `LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]` — pops up to
/// `count` (default 1) elements from the first non-empty list among the
/// keys. Logged as `LPOP key n` / `RPOP key n` ([`pop_argv`]).
///
/// Reply: a two-element array `[key, [element, ...]]`, or a null array
/// when no key holds a list. Errors: `ERR numkeys should be greater than
/// 0`, `ERR count should be greater than 0`, `ERR syntax error` (too few
/// keys, a bad end, an unknown or repeated option), WRONGTYPE for a key of
/// another type met before a list.
pub fn lmpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let (keys, end, count) = parse_mpop(args)?;
    let mut db = ctx.db();
    let Some((key, popped)) = pop_first(&mut db, &keys, end, count, ctx.now_ms)? else {
        return Ok(Reply::NullArray);
    };
    db.log(ctx.now_ms, &pop_argv(&key, end, Some(popped.len())));
    Ok(mpop_reply(key, popped))
}

/// The `[key, [element, ...]]` reply of `LMPOP` / `BLMPOP`.
pub(crate) fn mpop_reply(key: Bytes, popped: Vec<Bytes>) -> Reply {
    Reply::Array(vec![Reply::Bulk(key), Reply::bulk_array(popped)])
}

/// Parses `numkeys key [key ...] LEFT | RIGHT [COUNT count]` (the
/// arguments of `LMPOP`, and of `BLMPOP` after its timeout) into the keys,
/// the end and the count (1 when not given). Errors as [`lmpop`] lists.
pub(crate) fn parse_mpop(args: &mut Parse) -> Result<(Vec<Bytes>, End, usize)> {
    let numkeys = args.next_bytes()?;
    let numkeys = parse_at_least(&numkeys, 1, "numkeys should be greater than 0")?;
    let numkeys = usize::try_from(numkeys).map_err(|_| CommandError::syntax())?;
    if numkeys >= args.remaining() {
        return Err(CommandError::syntax());
    }
    let keys: Vec<Bytes> = (0..numkeys).filter_map(|_| args.try_next()).collect();
    let end = End::parse(&args.next_bytes()?)?;
    let mut count = None;
    while let Some(option) = args.try_next() {
        let more = !args.is_empty();
        if count.is_none() && more && option.eq_ignore_ascii_case(b"count") {
            let raw = args.next_bytes()?;
            count = Some(parse_at_least(&raw, 1, "count should be greater than 0")?);
        } else {
            return Err(CommandError::syntax());
        }
    }
    let count = count.map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX));
    Ok((keys, end, count))
}
