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
/// is released.
pub fn flushdb(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let asynchronous = parse_flush_mode(args)?;
    let freed = ctx.db().clear();
    free_values(freed, asynchronous);
    Ok(Reply::ok())
}

/// `FLUSHALL [ASYNC | SYNC]` — removes every key of every database.
///
/// Reply: `+OK`. Error: `ERR syntax error` for any other argument.
/// Matches Redis 7.0.
pub fn flushall(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let asynchronous = parse_flush_mode(args)?;
    let keyspace = &ctx.server.keyspace;
    let mut freed = Vec::new();
    for index in 0..keyspace.len() {
        // One lock at a time: the guard is dropped at the end of each statement.
        freed.extend(keyspace.db(index).clear());
    }
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
