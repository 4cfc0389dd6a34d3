//! Removing elements in place: LREM and LTRIM (Redis 7.0's `lremCommand`,
//! `ltrimCommand`). Both log their argv as sent when they removed
//! something, and remove the key when the list empties.

use super::value::{list_mut, parse_index, span};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::parse::Parse;
use crate::reply::Reply;

/// `LREM key count element` — removes the first `count` occurrences of
/// `element` from the head (`count` > 0), the last `|count|` from the tail
/// (`count` < 0), or all of them (0).
///
/// Reply: integer, how many were removed (0 when there is no key). Errors:
/// `ERR value is not an integer or out of range` (checked before the key),
/// WRONGTYPE.
pub fn lrem(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let count = parse_index(&args.next_bytes()?)?;
    let element = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    let Some(list) = list_mut(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::Integer(0));
    };
    // At most |count| removals; 0 means no limit (so does |LONG_MIN|, far
    // beyond any list length, as in Redis).
    let limit = match count.unsigned_abs() {
        0 => u64::MAX,
        n => n,
    };
    let len = list.items.len();
    let mut removed: u64 = 0;
    let mut doomed = vec![false; len];
    let order: Box<dyn Iterator<Item = usize>> = if count < 0 {
        Box::new((0..len).rev())
    } else {
        Box::new(0..len)
    };
    for at in order {
        if removed == limit {
            break;
        }
        if list.items[at] == element {
            doomed[at] = true;
            removed += 1;
        }
    }
    if removed == 0 {
        return Ok(Reply::Integer(0));
    }
    let mut at = 0;
    list.items.retain(|_| {
        let keep = !doomed[at];
        at += 1;
        keep
    });
    if list.items.is_empty() {
        db.remove(&key);
    }
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(removed as i64))
}

/// `LTRIM key start stop` — keeps only the elements from `start` to `stop`
/// inclusive (as `LRANGE` selects them); an empty range removes the key.
///
/// Reply: `OK` (also when there is no key). Errors: `ERR value is not an
/// integer or out of range` (checked before the key), WRONGTYPE.
pub fn ltrim(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let start = parse_index(&args.next_bytes()?)?;
    let stop = parse_index(&args.next_bytes()?)?;
    args.finish()?;
    let mut db = ctx.db();
    let Some(list) = list_mut(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::ok());
    };
    let len = list.items.len();
    match span(start, stop, len) {
        Some((first, last)) => {
            if first == 0 && last + 1 == len {
                return Ok(Reply::ok());
            }
            list.items.truncate(last + 1);
            list.items.drain(..first);
        }
        None => {
            db.remove(&key);
        }
    }
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::ok())
}
