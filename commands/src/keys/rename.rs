//! Moving values between names and databases: RENAME, RENAMENX, COPY, MOVE.
//! The TTL travels with the value. Matches Redis 7.0's `db.c`.

use std::sync::Arc;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{parse_db_index, peek_with};
use crate::keyspace::{Db, Value, free_values, now_ms};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::session::Session;

/// `RENAME key newkey` — moves the value (and its TTL) to `newkey`,
/// replacing whatever was there.
///
/// Reply: `OK` (also when `key == newkey`). Errors: `ERR no such key`.
pub fn rename(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    rename_generic(ctx, args, false)
}

/// `RENAMENX key newkey` — as [`rename`] only when `newkey` does not exist.
///
/// Reply: 1 when renamed, 0 when `newkey` exists (or equals `key`).
/// Errors: `ERR no such key`.
pub fn renamenx(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    rename_generic(ctx, args, true)
}

fn rename_generic(ctx: &mut Ctx, args: &mut Parse, nx: bool) -> Result<Reply> {
    let src = args.next_bytes()?;
    let dst = args.next_bytes()?;
    args.finish()?;
    let done = if nx { Reply::Integer(1) } else { Reply::ok() };
    let not_done = Reply::Integer(0);
    let mut db = ctx.db();
    if !db.contains(&src, ctx.now_ms) {
        return Err(CommandError::no_such_key());
    }
    if src == dst {
        return Ok(if nx { not_done } else { done });
    }
    if nx && db.contains(&dst, ctx.now_ms) {
        return Ok(not_done);
    }
    let Some(entry) = db.remove(&src) else {
        return Err(CommandError::no_such_key());
    };
    // The access time travels with the value, as the object does in Redis.
    let replaced = db.insert(dst, entry.value, entry.expire_at, entry.last_access_ms);
    drop(db);
    // Freed off the lock: the overwritten value may be a large session.
    drop(replaced);
    Ok(done)
}

/// `COPY source destination [DB destination-db] [REPLACE]` — copies the value
/// and TTL of `source` to `destination` (in another database with `DB`).
/// Values are deep-copied; a session copy takes the destination key as its id.
///
/// Reply: 1 when copied, 0 when `source` does not exist or `destination`
/// exists without `REPLACE`. Errors: `ERR syntax error`, the database index
/// errors of [`parse_db_index`], `ERR source and destination objects are the
/// same`.
pub fn copy(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let src = args.next_bytes()?;
    let dst = args.next_bytes()?;
    let current = ctx.client.db;
    let mut target = current;
    let mut replace = false;
    while let Some(opt) = args.try_next() {
        if opt.eq_ignore_ascii_case(b"REPLACE") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"DB") && args.peek().is_some() {
            target = parse_db_index(&args.next_bytes()?, ctx.server.keyspace.len())?;
        } else {
            return Err(CommandError::syntax());
        }
    }
    if target == current && src == dst {
        return Err(CommandError::err(
            "source and destination objects are the same",
        ));
    }
    let now = ctx.now_ms;
    // Bound first so the database guard is released before copy_session locks again.
    let source_session = session_at(&mut ctx.db(), &src, now);
    if let Some((session, expire_at)) = source_session {
        return Ok(copy_session(ctx, session, expire_at, target, dst, replace));
    }
    let (copied, replaced) = match ctx.server.keyspace.two_dbs(current, target) {
        Some((mut from, mut to)) => {
            copy_between(&mut from, &src, Some(&mut *to), &dst, replace, now)
        }
        None => copy_between(&mut ctx.db(), &src, None, &dst, replace, now),
    };
    // Freed after both locks are released.
    drop(replaced);
    Ok(Reply::Integer(copied as i64))
}

/// The session stored at `key`, with its expiry, if `key` holds one.
fn session_at(db: &mut Db, key: &[u8], now_ms: i64) -> Option<(Arc<Session>, Option<i64>)> {
    let entry = db.get(key, now_ms)?;
    match &entry.value {
        Value::Session(session) => Some((session.clone(), entry.expire_at)),
        _ => None,
    }
}

/// COPY of a session: the deep copy waits for every table's lock (an op may
/// be running on one), so it runs on the blocking pool with no database lock
/// held, and the copy is stored afterwards, checking the destination again.
fn copy_session(
    ctx: &Ctx,
    session: Arc<Session>,
    expire_at: Option<i64>,
    target: usize,
    dst: Bytes,
    replace: bool,
) -> Reply {
    if !replace && ctx.server.keyspace.db(target).contains(&dst, ctx.now_ms) {
        return Reply::Integer(0);
    }
    let server = ctx.server.clone();
    Reply::deferred(move || {
        let copy = Value::Session(Arc::new(
            session.deep_copy_as(String::from_utf8_lossy(&dst).into_owned()),
        ));
        let now = now_ms();
        let mut db = server.keyspace.db(target);
        if !replace && db.contains(&dst, now) {
            return Reply::Integer(0);
        }
        let replaced = db.insert(dst, copy, expire_at, now);
        drop(db);
        free_values(replaced.map(|e| e.value).into_iter().collect(), false);
        Reply::Integer(1)
    })
}

/// Copies `src` from `from` to `dst` in `to` (or in `from` itself when `to`
/// is `None`). Returns whether it copied and the value it overwrote.
fn copy_between(
    from: &mut Db,
    src: &Bytes,
    mut to: Option<&mut Db>,
    dst: &Bytes,
    replace: bool,
    now_ms: i64,
) -> (bool, Option<Value>) {
    // Checked before duplicating so a refused copy of a big session costs nothing.
    if peek_with(from, src, now_ms, |_| ()).is_none() {
        return (false, None);
    }
    let dst_exists = match to.as_deref_mut() {
        Some(to) => to.contains(dst, now_ms),
        None => from.contains(dst, now_ms),
    };
    if dst_exists && !replace {
        return (false, None);
    }
    let Some((value, expire_at)) = from
        .get(src, now_ms)
        .map(|e| (e.value.duplicate(), e.expire_at))
    else {
        return (false, None);
    };
    let target = match to {
        Some(to) => to,
        None => from,
    };
    let replaced = target
        .insert(dst.clone(), value, expire_at, now_ms)
        .map(|e| e.value);
    (true, replaced)
}

/// `MOVE key db` — moves the key (with its TTL) to database `db`.
///
/// Reply: 1 when moved, 0 when the key does not exist here or already exists
/// there. Errors: the database index errors of [`parse_db_index`]; `ERR
/// source and destination objects are the same` when `db` is the current one.
pub fn move_key(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let raw = args.next_bytes()?;
    args.finish()?;
    let target = parse_db_index(&raw, ctx.server.keyspace.len())?;
    let Some((mut from, mut to)) = ctx.server.keyspace.two_dbs(ctx.client.db, target) else {
        return Err(CommandError::err(
            "source and destination objects are the same",
        ));
    };
    if !from.contains(&key, ctx.now_ms) || to.contains(&key, ctx.now_ms) {
        return Ok(Reply::Integer(0));
    }
    let Some(entry) = from.remove(&key) else {
        return Ok(Reply::Integer(0));
    };
    to.insert(key, entry.value, entry.expire_at, entry.last_access_ms);
    Ok(Reply::Integer(1))
}
