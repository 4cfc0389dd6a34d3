//! Existence and removal: DEL, UNLINK, EXISTS, TYPE, TOUCH.

use crate::ctx::Ctx;
use crate::error::Result;
use crate::keys::{peek_with, read_with};
use crate::keyspace::{Value, free_values};
use crate::parse::Parse;
use crate::reply::Reply;

/// Removes every live key named in `args` from the client's database and
/// returns the removed values; the lock is released before returning, so the
/// caller frees them off the lock. When it removed any, the command is
/// logged as it was sent (replay removes the same keys: the ones that were
/// missing or expired then are missing or expired again).
fn remove_keys(ctx: &mut Ctx, args: &mut Parse) -> Vec<Value> {
    let keys = args.rest();
    let mut db = ctx.db();
    let mut removed = Vec::new();
    for key in &keys {
        // `contains` drops an expired key first, so it is not counted.
        if db.contains(key, ctx.now_ms)
            && let Some(entry) = db.remove(key)
        {
            removed.push(entry.value);
        }
    }
    if !removed.is_empty() {
        db.log(ctx.now_ms, args.argv());
    }
    removed
}

/// `DEL key [key ...]` — removes the keys, whatever their type.
///
/// Reply: the number of keys removed (a key named twice counts once).
pub fn del(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let removed = remove_keys(ctx, args);
    let count = removed.len() as i64;
    // Freed here, after the database lock is released.
    drop(removed);
    Ok(Reply::Integer(count))
}

/// `UNLINK key [key ...]` — as [`del`], but sessions (whose tables may hold
/// gigabytes) are freed on a background thread so the reply is immediate.
///
/// Reply: the number of keys removed.
pub fn unlink(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let removed = remove_keys(ctx, args);
    let count = removed.len() as i64;
    free_values(removed, true);
    Ok(Reply::Integer(count))
}

/// `EXISTS key [key ...]` — how many of the named keys exist; a key named
/// twice counts twice, as in Redis.
///
/// Reply: integer.
pub fn exists(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let keys = args.rest();
    let mut db = ctx.db();
    let count = keys
        .iter()
        .filter(|k| peek_with(&mut db, k, ctx.now_ms, |_| ()).is_some())
        .count();
    Ok(Reply::Integer(count as i64))
}

/// `TYPE key` — the type of the value at `key`: `string`, `session`, or
/// `none` when it does not exist.
///
/// Reply: status string.
pub fn type_of(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let name = peek_with(&mut ctx.db(), &key, ctx.now_ms, |e| e.value.type_name());
    Ok(Reply::Status(name.unwrap_or("none").into()))
}

/// `TOUCH key [key ...]` — updates the keys' last access time.
///
/// Reply: the number of named keys that exist (duplicates count).
pub fn touch(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let keys = args.rest();
    let mut db = ctx.db();
    let count = keys
        .iter()
        .filter(|k| read_with(&mut db, k, ctx.now_ms, |_| ()).is_some())
        .count();
    Ok(Reply::Integer(count as i64))
}
