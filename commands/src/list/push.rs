//! Adding and replacing elements: LPUSH, RPUSH, LPUSHX, RPUSHX, LINSERT and
//! LSET (Redis 7.0's `pushGenericCommand`, `pushxGenericCommand`,
//! `linsertCommand`, `lsetCommand`). Each logs its argv as sent when it
//! changed the list.

use super::value::{End, list_mut, parse_index, position, push_all};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;

/// `LPUSH key element [element ...]` — pushes each element at the head in
/// turn (so the last one ends up first), creating the list.
///
/// Reply: integer, the length after the push. Errors: WRONGTYPE.
pub fn lpush(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    push(ctx, args, End::Left, false)
}

/// `RPUSH key element [element ...]` — appends each element at the tail,
/// creating the list.
///
/// Reply: integer, the length after the push. Errors: WRONGTYPE.
pub fn rpush(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    push(ctx, args, End::Right, false)
}

/// `LPUSHX key element [element ...]` — `LPUSH` only when the list exists.
///
/// Reply: integer, the length after the push; 0 (nothing done) when there
/// is no key. Errors: WRONGTYPE.
pub fn lpushx(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    push(ctx, args, End::Left, true)
}

/// `RPUSHX key element [element ...]` — `RPUSH` only when the list exists.
///
/// Reply: as [`lpushx`].
pub fn rpushx(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    push(ctx, args, End::Right, true)
}

fn push(ctx: &mut Ctx, args: &mut Parse, end: End, only_existing: bool) -> Result<Reply> {
    let key = args.next_key()?;
    let items = args.rest();
    let mut db = ctx.db();
    if only_existing && list_mut(&mut db, &key, ctx.now_ms)?.is_none() {
        return Ok(Reply::Integer(0));
    }
    let len = push_all(&mut db, &key, end, items, ctx.now_ms)?;
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(len as i64))
}

/// `LINSERT key BEFORE | AFTER pivot element` — inserts `element` next to
/// the first `pivot` from the head.
///
/// Reply: integer, the new length; -1 when `pivot` is not in the list; 0
/// when there is no key. Errors: `ERR syntax error` for anything but
/// `BEFORE`/`AFTER` (checked before the key), WRONGTYPE.
pub fn linsert(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let place = args.next_bytes()?;
    let pivot = args.next_bytes()?;
    let element = args.next_bytes()?;
    args.finish()?;
    let after = if place.eq_ignore_ascii_case(b"after") {
        true
    } else if place.eq_ignore_ascii_case(b"before") {
        false
    } else {
        return Err(CommandError::syntax());
    };
    let mut db = ctx.db();
    let Some(list) = list_mut(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::Integer(0));
    };
    let Some(at) = list.items.iter().position(|item| *item == pivot) else {
        return Ok(Reply::Integer(-1));
    };
    list.items.insert(at + usize::from(after), element);
    let len = list.items.len();
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(len as i64))
}

/// `LSET key index element` — replaces the element at `index` (negative
/// from the tail).
///
/// Reply: `OK`. Errors: `ERR no such key`, WRONGTYPE, `ERR value is not an
/// integer or out of range` (checked after the key), `ERR index out of
/// range`.
pub fn lset(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let index = args.next_bytes()?;
    let element = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    let list = list_mut(&mut db, &key, ctx.now_ms)?.ok_or_else(CommandError::no_such_key)?;
    let index = parse_index(&index)?;
    let at =
        position(index, list.items.len()).ok_or_else(|| CommandError::err("index out of range"))?;
    list.items[at] = element;
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::ok())
}
