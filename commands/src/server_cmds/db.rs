//! `DBSIZE`, `FLUSHDB`, `FLUSHALL`.

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::free_values;
use crate::parse::Parse;
use crate::reply::Reply;

/// `DBSIZE` — the number of keys in the selected database.
///
/// Reply: integer. Keys past their TTL that were not reclaimed yet count, as
/// in Redis 7.0.
pub fn dbsize(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Integer(ctx.db().len() as i64))
}

/// `FLUSHDB [ASYNC | SYNC]` — removes every key of the selected database.
///
/// Reply: `+OK`. Error: `ERR syntax error` for any other argument.
/// Matches Redis 7.0; the removed values are freed after the database lock
/// is released. Logged as sent, always.
pub fn flushdb(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let asynchronous = parse_flush_mode(args)?;
    let mut db = ctx.db();
    let freed = db.clear();
    // Logged even when the database was empty, as Redis propagates it.
    db.log(ctx.now_ms, args.argv());
    drop(db);
    free_values(freed, asynchronous);
    Ok(Reply::ok())
}

/// `FLUSHALL [ASYNC | SYNC]` — removes every key of every database.
///
/// Reply: `+OK`. Error: `ERR syntax error` for any other argument.
/// Matches Redis 7.0. Every database is locked at once, so the one `FLUSHALL`
/// record in the AOF stands exactly between the writes before and after it.
pub fn flushall(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let asynchronous = parse_flush_mode(args)?;
    let mut dbs = ctx.server.keyspace.all_dbs();
    let freed: Vec<_> = dbs.iter_mut().flat_map(|db| db.clear()).collect();
    // Every database's watched keys changed (the record below names one).
    dbs.iter().for_each(|db| db.watched.touch_all());
    dbs[ctx.client.db].log(ctx.now_ms, args.argv());
    drop(dbs);
    free_values(freed, asynchronous);
    Ok(Reply::ok())
}

/// Reads the optional `ASYNC` / `SYNC` word; true for `ASYNC`.
fn parse_flush_mode(args: &mut Parse) -> Result<bool> {
    let asynchronous = match args.try_next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case(b"async") => true,
        Some(word) if word.eq_ignore_ascii_case(b"sync") => false,
        Some(_) => return Err(CommandError::syntax()),
    };
    args.finish()?;
    Ok(asynchronous)
}
