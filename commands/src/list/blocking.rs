//! The blocking list commands: `BLPOP`, `BRPOP`, `BRPOPLPUSH`, `BLMOVE`,
//! `BLMPOP`. Each runs its non-blocking effect when it can; otherwise the
//! client waits (see [`crate::blocking`]) and the first write that gives
//! one of its keys elements serves it, oldest waiter first. Logged as the
//! non-blocking effect they had (`LPOP key`, `LMOVE ...`, `LPOP key n`),
//! as Redis 7 propagates them; inside `MULTI` they do not wait.

use std::time::Duration;

use bytes::Bytes;

use super::moves::{move_argv, move_between};
use super::pop::{mpop_reply, parse_mpop, pop_argv, pop_first};
use super::value::End;
use crate::blocking::{self, Serve};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, KeySpecDef};

/// The blocking list commands' registrations (flags, categories and key
/// specs as Redis 7.0).
pub fn commands() -> Vec<CommandSpec> {
    const FLAGS: &[&str] = &["write", "noscript", "blocking"];
    const CATS: &[&str] = &["write", "list", "slow", "blocking"];
    vec![
        CommandSpec::new("blpop", -3, blpop)
            .flags(FLAGS)
            .categories(CATS)
            .keys(1, -2, 1)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, -2, 1)] })
            .doc(
                "list",
                "2.0.0",
                "Remove and get the first element in a list, or block until one is available",
                "key [key ...] timeout",
            ),
        CommandSpec::new("brpop", -3, brpop)
            .flags(FLAGS)
            .categories(CATS)
            .keys(1, -2, 1)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "delete"], 1, -2, 1)] })
            .doc(
                "list",
                "2.0.0",
                "Remove and get the last element in a list, or block until one is available",
                "key [key ...] timeout",
            ),
        CommandSpec::new("brpoplpush", 4, brpoplpush)
            .flags(&["write", "denyoom", "noscript", "blocking"])
            .categories(CATS)
            .keys(1, 2, 1)
            .key_specs(
                &const {
                    [
                        KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1),
                        KeySpecDef::range(&["RW", "insert"], 2, 0, 1),
                    ]
                },
            )
            .doc(
                "list",
                "2.2.0",
                "Pop an element from a list, push it to another list and return it; or block until one is available",
                "source destination timeout",
            ),
        CommandSpec::new("blmove", 6, blmove)
            .flags(&["write", "denyoom", "noscript", "blocking"])
            .categories(CATS)
            .keys(1, 2, 1)
            .key_specs(
                &const {
                    [
                        KeySpecDef::range(&["RW", "access", "delete"], 1, 0, 1),
                        KeySpecDef::range(&["RW", "insert"], 2, 0, 1),
                    ]
                },
            )
            .doc(
                "list",
                "6.2.0",
                "Pop an element from a list, push it to another list and return it; or block until one is available",
                "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout",
            ),
        CommandSpec::new("blmpop", -5, blmpop)
            .flags(&["write", "blocking"])
            .categories(CATS)
            .keynum(2, 3, 1)
            .key_specs(&const { [KeySpecDef::keynum(&["RW", "access", "delete"], 2, 0, 1, 1)] })
            .doc(
                "list",
                "7.0.0",
                "Pop elements from a list, or block until one is available",
                "timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]",
            ),
    ]
}

/// `BLPOP key [key ...] timeout`: reply `[key, element]`, or a null array
/// when the timeout passes.
fn blpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    bpop(ctx, args, End::Left)
}

/// `BRPOP key [key ...] timeout`: as [`blpop`] from the tail.
fn brpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    bpop(ctx, args, End::Right)
}

fn bpop(ctx: &mut Ctx, args: &mut Parse, end: End) -> Result<Reply> {
    let mut keys = args.rest();
    // Arity guarantees a key and the timeout.
    let timeout = blocking::parse_timeout(&keys.pop().unwrap_or_default())?;
    let serve_keys = keys.clone();
    let serve: Serve = Box::new(move |db, now| {
        let (key, mut popped) = pop_first(db, &serve_keys, end, 1, now).ok()??;
        db.log(now, &pop_argv(&key, end, None));
        Some(Reply::Array(vec![
            Reply::Bulk(key),
            Reply::Bulk(popped.pop()?),
        ]))
    });
    let mut db = ctx.db();
    if let Some((key, mut popped)) = pop_first(&mut db, &keys, end, 1, ctx.now_ms)? {
        db.log(ctx.now_ms, &pop_argv(&key, end, None));
        let item = popped.pop().unwrap_or_default();
        return Ok(Reply::Array(vec![Reply::Bulk(key), Reply::Bulk(item)]));
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

/// `BRPOPLPUSH source destination timeout`: `BLMOVE ... RIGHT LEFT`.
fn brpoplpush(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let src = args.next_bytes()?;
    let dst = args.next_bytes()?;
    let timeout = blocking::parse_timeout(&args.next_bytes()?)?;
    bmove(ctx, src, dst, End::Right, End::Left, timeout)
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`: reply the
/// element, or a null reply when the timeout passes.
fn blmove(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let src = args.next_bytes()?;
    let dst = args.next_bytes()?;
    let from = End::parse(&args.next_bytes()?)?;
    let to = End::parse(&args.next_bytes()?)?;
    let timeout = blocking::parse_timeout(&args.next_bytes()?)?;
    bmove(ctx, src, dst, from, to, timeout)
}

fn bmove(
    ctx: &mut Ctx,
    src: Bytes,
    dst: Bytes,
    from: End,
    to: End,
    timeout: Option<Duration>,
) -> Result<Reply> {
    let (s, d) = (src.clone(), dst.clone());
    let serve: Serve = Box::new(move |db, now| {
        let item = move_between(db, &s, &d, from, to, now).ok()??;
        db.log(now, &move_argv(&s, &d, from, to));
        Some(Reply::Bulk(item))
    });
    let mut db = ctx.db();
    if let Some(item) = move_between(&mut db, &src, &dst, from, to, ctx.now_ms)? {
        db.log(ctx.now_ms, &move_argv(&src, &dst, from, to));
        return Ok(Reply::Bulk(item));
    }
    Ok(blocking::wait_for(
        ctx,
        &mut db,
        vec![src],
        serve,
        timeout,
        Reply::Null,
    ))
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`: reply
/// `[key, [element ...]]`, or a null array when the timeout passes.
fn blmpop(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let timeout = blocking::parse_timeout(&args.next_bytes()?)?;
    let (keys, end, count) = parse_mpop(args)?;
    let serve_keys = keys.clone();
    let serve: Serve = Box::new(move |db, now| {
        let (key, popped) = pop_first(db, &serve_keys, end, count, now).ok()??;
        db.log(now, &pop_argv(&key, end, Some(popped.len())));
        Some(mpop_reply(key, popped))
    });
    let mut db = ctx.db();
    if let Some((key, popped)) = pop_first(&mut db, &keys, end, count, ctx.now_ms)? {
        db.log(ctx.now_ms, &pop_argv(&key, end, Some(popped.len())));
        return Ok(mpop_reply(key, popped));
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
