//! Moving an element between lists: LMOVE and RPOPLPUSH (Redis 7.0's
//! `lmoveGenericCommand`), and the non-blocking move `BLMOVE` and
//! `BRPOPLPUSH` run once the source has elements. Every move, blocking or
//! not, is logged as the `LMOVE` it amounts to ([`move_argv`]).

use bytes::Bytes;

use super::value::{End, check_list, list_mut, push_all};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::keyspace::Db;
use crate::parse::Parse;
use crate::reply::Reply;

/// Pops one element from `from` of the list at `src` and pushes it at `to`
/// of the list at `dst` (created when missing; `src == dst` rotates the
/// list). Removes `src` when it empties. Logs nothing (the caller logs
/// [`move_argv`]).
///
/// Returns the moved element; `None` when `src` does not exist (nothing
/// done, whatever `dst` holds). Error: WRONGTYPE when `src`, then `dst`,
/// holds another type (nothing done).
pub(crate) fn move_between(
    db: &mut Db,
    src: &Bytes,
    dst: &Bytes,
    from: End,
    to: End,
    now_ms: i64,
) -> Result<Option<Bytes>> {
    match list_mut(db, src, now_ms)? {
        Some(list) if !list.items.is_empty() => {}
        _ => return Ok(None),
    }
    check_list(db, dst, now_ms)?;
    let Some(list) = list_mut(db, src, now_ms)? else {
        return Ok(None);
    };
    let Some(item) = list.pop(from, 1).pop() else {
        return Ok(None);
    };
    if src == dst {
        list.push(to, item.clone());
        return Ok(Some(item));
    }
    if list.items.is_empty() {
        db.remove(src);
    }
    push_all(db, dst, to, [item.clone()], now_ms)?;
    Ok(Some(item))
}

/// The AOF record of a move [`move_between`] did: `LMOVE src dst <from>
/// <to>`, as Redis 7 propagates a served `BLMOVE` (`RPOPLPUSH` and
/// `BRPOPLPUSH` are `LMOVE src dst RIGHT LEFT`).
pub(crate) fn move_argv(src: &Bytes, dst: &Bytes, from: End, to: End) -> Vec<Bytes> {
    vec![
        Bytes::from_static(b"LMOVE"),
        src.clone(),
        dst.clone(),
        from.keyword(),
        to.keyword(),
    ]
}

/// `LMOVE source destination LEFT | RIGHT LEFT | RIGHT` — pops an element
/// from one end of `source` and pushes it at one end of `destination`.
///
/// Reply: the element, or null when `source` does not exist. Errors: `ERR
/// syntax error` for an end that is not `LEFT`/`RIGHT` (checked first),
/// WRONGTYPE for either key.
pub fn lmove(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let src = args.next_bytes()?;
    let dst = args.next_bytes()?;
    let from = End::parse(&args.next_bytes()?)?;
    let to = End::parse(&args.next_bytes()?)?;
    args.finish()?;
    run(ctx, src, dst, from, to)
}

/// `RPOPLPUSH source destination` — `LMOVE source destination RIGHT LEFT`.
///
/// Reply and errors: as [`lmove`].
pub fn rpoplpush(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let src = args.next_bytes()?;
    let dst = args.next_bytes()?;
    args.finish()?;
    run(ctx, src, dst, End::Right, End::Left)
}

fn run(ctx: &mut Ctx, src: Bytes, dst: Bytes, from: End, to: End) -> Result<Reply> {
    let mut db = ctx.db();
    let moved = move_between(&mut db, &src, &dst, from, to, ctx.now_ms)?;
    if moved.is_some() {
        db.log(ctx.now_ms, &move_argv(&src, &dst, from, to));
    }
    Ok(Reply::bulk_or_null(moved))
}
