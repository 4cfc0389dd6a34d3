//! The blocking sorted-set pops: `BZPOPMIN`, `BZPOPMAX`, `BZMPOP`. As the
//! blocking list pops (see [`crate::blocking`]): the non-blocking pop when
//! a set has members, else the client waits and the write that adds
//! members serves it; logged as `ZREM key member` of what was taken.

use bytes::Bytes;

use super::pop::{mpop_reply, parse_mpop, pop_argv, pop_first};
use crate::blocking::{self, Serve};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, KeySpecDef};

/// Registrations (flags, categories and key specs as Redis 7.0).
pub fn commands() -> Vec<CommandSpec> {
    const CATS: &[&str] = &["write", "sortedset", "fast", "blocking"];
    vec![
        CommandSpec::new("bzpopmin", -3, bzpopmin)
            .flags(&["write", "noscript", "blocking", "fast"])
            .categories(CATS)
            .keys(1, -2, 1)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, -2, 1)] })
            .doc(
                "sorted-set",
                "5.0.0",
                "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
                "key [key ...] timeout",
            ),
        CommandSpec::new("bzpopmax", -3, bzpopmax)
            .flags(&["write", "noscript", "blocking", "fast"])
            .categories(CATS)
            .keys(1, -2, 1)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, -2, 1)] })
            .doc(
                "sorted-set",
                "5.0.0",
                "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
                "key [key ...] timeout",
            ),
        CommandSpec::new("bzmpop", -5, bzmpop)
            .flags(&["write", "blocking"])
            .categories(&["write", "sortedset", "slow", "blocking"])
            .keynum(2, 3, 1)
            .key_specs(&const { [KeySpecDef::keynum(&["RW", "access", "delete"], 2, 0, 1, 1)] })
            .doc(
                "sorted-set",
                "7.0.0",
                "Remove and return members with scores in a sorted set or block until one is available",
                "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]",
            ),
    ]
}

fn bzpopmin(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    bzpop(ctx, args, false)
}

fn bzpopmax(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    bzpop(ctx, args, true)
}

/// `BZPOPMIN|BZPOPMAX key [key ...] timeout`: reply `[key, member,
/// score]`, or a null array when the timeout passes.
fn bzpop(ctx: &mut Ctx, args: &mut Parse, max: bool) -> Result<Reply> {
    let mut keys = args.rest();
    let timeout = blocking::parse_timeout(&keys.pop().unwrap_or_default())?;
    let triple = |key: Bytes, mut popped: Vec<(Bytes, f64)>| {
        let (member, score) = popped.pop()?;
        Some(Reply::Array(vec![
            Reply::Bulk(key),
            Reply::Bulk(member),
            Reply::Double(score),
        ]))
    };
    let serve_keys = keys.clone();
    let serve: Serve = Box::new(move |db, now| {
        let (key, popped) = pop_first(db, &serve_keys, max, 1, now).ok()??;
        db.log(now, &pop_argv(&key, &popped));
        triple(key, popped)
    });
    let mut db = ctx.db();
    if let Some((key, popped)) = pop_first(&mut db, &keys, max, 1, ctx.now_ms)? {
        db.log(ctx.now_ms, &pop_argv(&key, &popped));
        return Ok(triple(key, popped).unwrap_or(Reply::NullArray));
    }
    Ok(blocking::wait_for(
        ctx,
        &mut db,
        keys,
        serve,
        timeout,
        Reply::NullArray,
    ))
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: reply
/// `[key, [[member, score], ...]]`, or a null array on timeout.
fn bzmpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let timeout = blocking::parse_timeout(&args.next_bytes()?)?;
    let parsed = parse_mpop(args)?;
    let (max, count) = (parsed.max, parsed.count);
    let serve_keys = parsed.keys.clone();
    let serve: Serve = Box::new(move |db, now| {
        let (key, popped) = pop_first(db, &serve_keys, max, count, now).ok()??;
        db.log(now, &pop_argv(&key, &popped));
        Some(mpop_reply(key, popped))
    });
    let mut db = ctx.db();
    if let Some((key, popped)) = pop_first(&mut db, &parsed.keys, max, count, ctx.now_ms)? {
        db.log(ctx.now_ms, &pop_argv(&key, &popped));
        return Ok(mpop_reply(key, popped));
    }
    Ok(blocking::wait_for(
        ctx,
        &mut db,
        parsed.keys,
        serve,
        timeout,
        Reply::NullArray,
    ))
}
