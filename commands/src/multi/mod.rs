//! Transactions: `MULTI`, `EXEC`, `DISCARD`, `WATCH`, `UNWATCH`, with Redis
//! 7.0's semantics.
//!
//! After `MULTI` a client's commands are checked (name, arity) and queued
//! ([`queue`], called by dispatch); a bad one marks the transaction so that
//! `EXEC` answers `EXECABORT`. `EXEC` runs the queue with every database
//! locked ([`crate::keyspace::Keyspace::exclusive`]), so no other client
//! sees a state in between, and aborts (a null array) when a watched key
//! was modified since `WATCH` — written, deleted, flushed or expired (see
//! [`crate::keyspace::Db::log`], where every logged write touches the
//! watched keys it names). The AOF gets `MULTI` ... `EXEC` around the
//! transaction's records, and a replay applies them only when it reaches
//! the `EXEC`.

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::dispatch;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, Flag, KeySpecDef};

/// A transaction being queued.
#[derive(Default)]
pub struct Multi {
    /// The queued commands, in order.
    pub queue: Vec<Vec<Bytes>>,
    /// A queued command was refused: `EXEC` answers `EXECABORT`.
    pub dirty: bool,
}

/// A key a client watches: its database, the key, its modification count
/// at `WATCH`, and whether it was already expired then.
pub struct WatchedKey {
    db: usize,
    key: Bytes,
    version: u64,
    expired: bool,
}

/// The commands that run at once inside `MULTI` instead of being queued
/// (Redis 7.0's list).
const NOT_QUEUED: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];

/// True when `spec` runs even inside `MULTI`.
pub fn runs_immediately(spec: &CommandSpec) -> bool {
    NOT_QUEUED.contains(&spec.name)
}

/// Queues `argv` for the client's transaction. Reply: `+QUEUED`. Error
/// (which also marks the transaction): `ERR Command not allowed inside a
/// transaction` for `no_multi` commands.
pub fn queue(ctx: &mut Ctx, spec: &CommandSpec, argv: Vec<Bytes>) -> Reply {
    let Some(multi) = ctx.client.multi.as_mut() else {
        return Reply::Error("ERR internal error: no transaction".into());
    };
    if spec.has_flag(Flag::NoMulti) {
        multi.dirty = true;
        return Reply::Error("ERR Command not allowed inside a transaction".into());
    }
    multi.queue.push(argv);
    Reply::Status("QUEUED".into())
}

/// Marks the client's transaction, if any, as failed (an unknown command
/// or a wrong arity while queueing).
pub fn flag_error(ctx: &mut Ctx) {
    if let Some(multi) = ctx.client.multi.as_mut() {
        multi.dirty = true;
    }
}

/// The transaction family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const TX: &[&str] = &["fast", "transaction"];
    vec![
        CommandSpec::new("multi", 1, multi)
            .flags(&["noscript", "loading", "stale", "fast", "allow_busy"])
            .categories(TX)
            .doc("transactions", "1.2.0", "Start a transaction", ""),
        CommandSpec::new("exec", 1, exec)
            .flags(&["noscript", "loading", "stale", "skip_slowlog"])
            .categories(&["slow", "transaction"])
            .doc(
                "transactions",
                "1.2.0",
                "Execute all commands issued after MULTI",
                "",
            ),
        CommandSpec::new("discard", 1, discard)
            .flags(&["noscript", "loading", "stale", "fast", "allow_busy"])
            .categories(TX)
            .doc(
                "transactions",
                "2.0.0",
                "Discard all commands issued after MULTI",
                "",
            ),
        CommandSpec::new("watch", -2, watch)
            .flags(&["noscript", "loading", "stale", "fast", "allow_busy"])
            .categories(TX)
            .keys(1, -1, 1)
            .key_specs(&const { [KeySpecDef::range(&["RO"], 1, -1, 1)] })
            .doc(
                "transactions",
                "2.2.0",
                "Watch the given keys to determine execution of the MULTI/EXEC block",
                "key [key ...]",
            ),
        CommandSpec::new("unwatch", 1, unwatch)
            .flags(&["noscript", "loading", "stale", "fast", "allow_busy"])
            .categories(TX)
            .doc("transactions", "2.2.0", "Forget about all watched keys", ""),
    ]
}

/// `MULTI`. Reply: `+OK`. Error: `ERR MULTI calls can not be nested`.
fn multi(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    if ctx.client.multi.is_some() {
        return Err(CommandError::err("MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(Multi::default());
    Ok(Reply::ok())
}

/// `DISCARD`. Reply: `+OK`; the queue and the watches are dropped. Error:
/// `ERR DISCARD without MULTI`.
fn discard(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    if ctx.client.multi.take().is_none() {
        return Err(CommandError::err("DISCARD without MULTI"));
    }
    unwatch_all(ctx);
    Ok(Reply::ok())
}

/// `WATCH key [key ...]`. Reply: `+OK`. Error: `ERR WATCH inside MULTI is
/// not allowed`.
fn watch(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    if ctx.client.multi.is_some() {
        return Err(CommandError::err("WATCH inside MULTI is not allowed"));
    }
    let keys = args.rest();
    let db_index = ctx.client.db;
    let db = ctx.db();
    for key in keys {
        let already = ctx
            .client
            .watching
            .iter()
            .any(|w| w.db == db_index && w.key == key);
        if already {
            continue;
        }
        // Expired but not yet removed counts as expired (and is not
        // removed here: WATCH is not an access).
        let expired = db.expire_at(&key).is_some_and(|at| at <= ctx.now_ms);
        let version = db.watched.watch(&key);
        ctx.client.watching.push(WatchedKey {
            db: db_index,
            key,
            version,
            expired,
        });
    }
    drop(db);
    Ok(Reply::ok())
}

/// `UNWATCH`. Reply: `+OK`.
fn unwatch(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    unwatch_all(ctx);
    Ok(Reply::ok())
}

/// Forgets every key the client watches (`EXEC`, `DISCARD`, `UNWATCH`,
/// `RESET`, disconnection).
pub fn unwatch_all(ctx: &mut Ctx) {
    for watched in std::mem::take(&mut ctx.client.watching) {
        ctx.server
            .keyspace
            .db(watched.db)
            .watched
            .unwatch(&watched.key);
    }
}

/// True when a watched key was modified since `WATCH`, or has expired
/// since (it was alive then and its deadline has passed now). Called with
/// every database held.
fn watch_failed(ctx: &Ctx) -> bool {
    ctx.client.watching.iter().any(|w| {
        let db = ctx.server.keyspace.db(w.db);
        let expired_now = db.expire_at(&w.key).is_some_and(|at| at <= ctx.now_ms);
        db.watched.version(&w.key) != w.version || (!w.expired && expired_now)
    })
}

/// `EXEC`. Reply: an array with each queued command's reply (errors
/// included, as Redis: a failing command does not stop the others); a
/// null array when a watched key changed. Errors: `ERR EXEC without
/// MULTI`; `EXECABORT Transaction discarded because of previous errors.`
fn exec(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let Some(multi) = ctx.client.multi.take() else {
        return Err(CommandError::err("EXEC without MULTI"));
    };
    if multi.dirty {
        unwatch_all(ctx);
        return Err(CommandError(
            "EXECABORT Transaction discarded because of previous errors.".into(),
        ));
    }
    let server = ctx.server.clone();
    let reply = server.keyspace.exclusive(|| {
        if watch_failed(ctx) {
            unwatch_all(ctx);
            return Reply::NullArray;
        }
        unwatch_all(ctx);
        let writes = multi.queue.iter().any(|argv| {
            dispatch::resolve(argv).is_ok_and(|spec| {
                spec.has_flag(Flag::Write) || crate::scripting::runs_script(spec.name.as_bytes())
            })
        });
        if writes {
            ctx.db().log(ctx.now_ms, &[b"MULTI".as_slice()]);
        }
        let mut replies = Vec::with_capacity(multi.queue.len());
        for argv in multi.queue {
            let reply = match dispatch::execute(ctx, argv) {
                // Inside the transaction, heavy work runs here and now: the
                // connection runs EXEC off the async workers.
                Reply::Deferred(work) => (work.0)(),
                reply => reply,
            };
            replies.push(reply);
        }
        if writes {
            ctx.db().log(ctx.now_ms, &[b"EXEC".as_slice()]);
        }
        Reply::Array(replies)
    });
    Ok(reply)
}
