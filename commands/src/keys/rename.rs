//! Moving values between names and databases: RENAME, RENAMENX, COPY, MOVE.
//! The TTL travels with the value. Matches Redis 7.0's `db.c`.
//!
//! Each is deterministic and logs to the AOF as it was sent, when it did
//! something. `COPY ... DB` and `MOVE` read the source in the client's
//! database, so they log through that database (its `SELECT`), holding both
//! databases' locks.

use std::sync::Arc;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{parse_db_index, peek_with};
use crate::keyspace::{Db, Keyspace, Value, free_values};
use crate::parse::Parse;
use crate::reply::Reply;

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
    // A write lookup: the source counts as accessed (time and LFU counter).
    if db.get(&src, ctx.now_ms).is_none() {
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
    // The access time and LFU counter travel with the value, as the object
    // does in Redis (just updated by the lookup above).
    let replaced = db.insert_entry(dst.clone(), entry);
    db.log(ctx.now_ms, args.argv());
    drop(db);
    // Freed off the lock: the overwritten value may be a large session.
    drop(replaced);
    Ok(done)
}

/// `COPY source destination [DB destination-db] [REPLACE]` — copies the value
/// and TTL of `source` to `destination` (in another database with `DB`).
/// Values are deep-copied; a session copy takes the destination key as its
/// id and holds its tables as of their last committed change.
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
    // A session's copy clones its tables' committed histories (reference
    // counts, no waiting for ops), so every COPY runs here, at the
    // command's time, as its replay will.
    let copy = CopyArgs {
        argv: args.argv(),
        current,
        src: &src,
        target,
        dst: &dst,
        replace,
    };
    Ok(Reply::Integer(
        copy.run(&ctx.server.keyspace, ctx.now_ms) as i64
    ))
}

/// A parsed `COPY`: the command as sent (for the AOF) and where from and to.
struct CopyArgs<'a> {
    argv: &'a [Bytes],
    /// The client's database, where `src` is.
    current: usize,
    src: &'a Bytes,
    /// The database `dst` goes to (`current` without `DB`).
    target: usize,
    dst: &'a Bytes,
    replace: bool,
}

impl CopyArgs<'_> {
    /// Copies at `now_ms` with both databases locked, and logs the command
    /// through the source's database (its `SELECT`: the replay reads the
    /// source where it was) before the locks are released. Returns whether
    /// it copied; an overwritten value is freed after the locks are released.
    fn run(&self, keyspace: &Keyspace, now_ms: i64) -> bool {
        let (copied, replaced) = match keyspace.two_dbs(self.current, self.target) {
            Some((mut from, mut to)) => {
                let done = self.between(&mut from, Some(&mut to), now_ms);
                if done.0 {
                    from.log(now_ms, self.argv);
                }
                done
            }
            None => {
                let mut db = keyspace.db(self.current);
                let done = self.between(&mut db, None, now_ms);
                if done.0 {
                    db.log(now_ms, self.argv);
                }
                done
            }
        };
        // A session may hold gigabytes: freed on a background thread.
        free_values(replaced.into_iter().collect(), false);
        copied
    }

    /// Copies `src` from `from` to `dst` in `to` (or in `from` itself when
    /// `to` is `None`). Returns whether it copied and the value it overwrote.
    fn between(
        &self,
        from: &mut Db,
        mut to: Option<&mut Db>,
        now_ms: i64,
    ) -> (bool, Option<Value>) {
        // Checked before duplicating so a refused copy of a big session costs nothing.
        if peek_with(from, self.src, now_ms, |_| ()).is_none() {
            return (false, None);
        }
        let dst_exists = match to.as_deref_mut() {
            Some(to) => to.contains(self.dst, now_ms),
            None => from.contains(self.dst, now_ms),
        };
        if dst_exists && !self.replace {
            return (false, None);
        }
        let Some((value, expire_at, form)) = from.get(self.src, now_ms).map(|e| {
            (
                duplicate_as(&e.value, self.dst),
                e.expire_at(),
                e.string_form,
            )
        }) else {
            return (false, None);
        };
        let target = match to {
            Some(to) => to,
            None => from,
        };
        let replaced = target
            .insert(self.dst.clone(), value, expire_at, now_ms)
            .map(|e| e.value);
        // A copy keeps the source's encoding, as Redis's dupStringObject.
        target.set_string_form(self.dst, form);
        // A new object in Redis: its counter starts afresh, even over a
        // replaced key.
        target.set_lfu(self.dst, crate::keyspace::Lfu::new(now_ms));
        (true, replaced)
    }
}

/// A deep copy of `value` to be stored at `key`: a session's copy takes
/// `key` as its id.
fn duplicate_as(value: &Value, key: &[u8]) -> Value {
    match value {
        Value::Session(session) => Value::Session(Arc::new(
            session.deep_copy_as(String::from_utf8_lossy(key).into_owned()),
        )),
        other => other.duplicate(),
    }
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
    // A write lookup: the source counts as accessed, as in Redis, even
    // when the target already has the key.
    if from.get(&key, ctx.now_ms).is_none() || to.contains(&key, ctx.now_ms) {
        return Ok(Reply::Integer(0));
    }
    let Some(entry) = from.remove(&key) else {
        return Ok(Reply::Integer(0));
    };
    to.insert_entry(key.clone(), entry);
    from.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(1))
}
