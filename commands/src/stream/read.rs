//! Stream reads: XLEN, XRANGE, XREVRANGE and XREAD, plus the pieces of
//! XREAD a blocking `XREAD BLOCK` reuses ([`parse_xread`], [`resolve_ids`],
//! [`read_after`]).

use std::time::Duration;

use bytes::Bytes;

use super::id::{StreamId, parse_interval, parse_strict};
use super::value::{Fields, StreamValue};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Db, Value};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// Applies `f` to the stream at `key` for a read, counting a keyspace hit
/// or miss; `None` when the key is missing. Error: WRONGTYPE.
fn read_stream<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&StreamValue) -> R,
) -> Result<Option<R>> {
    read_with(db, key, now_ms, |e| match &e.value {
        Value::Stream(s) => Ok(f(s)),
        _ => Err(CommandError::wrong_type()),
    })
    .transpose()
}

/// One entry as Redis replies it: `[id, [field, value, ...]]`.
fn entry_reply(id: StreamId, fields: &Fields) -> Reply {
    let flat = fields
        .iter()
        .flat_map(|(f, v)| [Reply::Bulk(f.clone()), Reply::Bulk(v.clone())])
        .collect();
    Reply::Array(vec![Reply::Bulk(id.to_bytes()), Reply::Array(flat)])
}

/// `XLEN key` — the number of entries.
///
/// Reply: integer, 0 for a missing key. Errors: WRONGTYPE.
pub fn xlen(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let len = read_stream(&mut ctx.db(), &key, ctx.now_ms, StreamValue::length)?;
    Ok(Reply::Integer(len.unwrap_or(0) as i64))
}

/// `XRANGE key start end [COUNT count]` — entries with ids from `start`
/// to `end` (`-`, `+`, `ms`, `ms-seq`, or `(id` to exclude it).
///
/// Reply: an array of `[id, [field, value, ...]]`; empty for a missing
/// key; null with `COUNT 0` (a negative count is 0). Errors: the
/// invalid-id error, `ERR invalid start ID for the interval`, `ERR invalid
/// end ID for the interval`, `ERR syntax error`, `ERR value is not an
/// integer or out of range`, WRONGTYPE.
pub fn xrange(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range(ctx, args, false)
}

/// `XREVRANGE key end start [COUNT count]` — [`xrange`] from the newest.
pub fn xrevrange(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    range(ctx, args, true)
}

fn range(ctx: &mut Ctx, args: &mut Parse, rev: bool) -> Result<Reply> {
    let key = args.next_bytes()?;
    let first = args.next_bytes()?;
    let second = args.next_bytes()?;
    let (start_arg, end_arg) = if rev {
        (&second, &first)
    } else {
        (&first, &second)
    };
    let start = parse_interval(start_arg, true)?;
    let end = parse_interval(end_arg, false)?;
    let mut count: Option<usize> = None;
    while let Some(opt) = args.try_next() {
        match args.peek() {
            Some(raw) if opt.eq_ignore_ascii_case(b"count") => {
                let n = parse_i64(raw).ok_or_else(CommandError::not_integer)?;
                count = Some(n.max(0) as usize);
                args.try_next();
            }
            _ => return Err(CommandError::syntax()),
        }
    }
    let reply = read_stream(&mut ctx.db(), &key, ctx.now_ms, |s| match count {
        Some(0) => Reply::NullArray,
        _ => Reply::Array(
            s.range(start, end, count.unwrap_or(0), rev)
                .into_iter()
                .map(|(id, fields)| entry_reply(id, fields))
                .collect(),
        ),
    })?;
    Ok(reply.unwrap_or_else(|| Reply::Array(Vec::new())))
}

/// The parsed arguments of `XREAD [COUNT count] [BLOCK milliseconds]
/// STREAMS key [key ...] id [id ...]`.
pub(crate) struct XreadArgs {
    /// Entries per stream at most; 0 for no limit.
    pub count: usize,
    /// `BLOCK`: `Some(None)` waits forever (0), `Some(Some(d))` up to `d`.
    pub block: Option<Option<Duration>>,
    /// The stream keys.
    pub keys: Vec<Bytes>,
    /// The ids as given (`$` or an id), one per key.
    pub ids: Vec<Bytes>,
}

/// Parses XREAD's arguments (after the name). Errors, as Redis 7.0: `ERR
/// syntax error` (unknown option, no `STREAMS`), `ERR value is not an
/// integer or out of range`, `ERR timeout is not an integer or out of
/// range`, `ERR timeout is negative`, `ERR Unbalanced XREAD list of streams: for
/// each stream key an ID or '$' must be specified.`, and the GROUP/NOACK
/// errors pointing at XREADGROUP.
pub(crate) fn parse_xread(args: &mut Parse) -> Result<XreadArgs> {
    let mut count = 0;
    let mut block = None;
    loop {
        let Some(opt) = args.try_next() else {
            return Err(CommandError::syntax());
        };
        let more = args.remaining();
        let opt = opt.to_ascii_lowercase();
        match opt.as_slice() {
            b"block" if more > 0 => block = Some(parse_block(&args.next_bytes()?)?),
            b"count" if more > 0 => {
                let n = parse_i64(&args.next_bytes()?).ok_or_else(CommandError::not_integer)?;
                count = n.max(0) as usize;
            }
            b"streams" if more > 0 => break,
            b"group" if more >= 2 => {
                return Err(CommandError::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            b"noack" => {
                return Err(CommandError::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            _ => return Err(CommandError::syntax()),
        }
    }
    let mut rest = args.rest();
    if !rest.len().is_multiple_of(2) {
        return Err(CommandError::err(
            "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
        ));
    }
    let ids = rest.split_off(rest.len() / 2);
    Ok(XreadArgs {
        count,
        block,
        keys: rest,
        ids,
    })
}

/// `BLOCK milliseconds`: `None` for 0 (forever). Errors as Redis's
/// `getTimeoutFromObjectOrReply` in milliseconds.
fn parse_block(raw: &[u8]) -> Result<Option<Duration>> {
    let ms = parse_i64(raw)
        .ok_or_else(|| CommandError::err("timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CommandError::err("timeout is negative"));
    }
    Ok((ms > 0).then(|| Duration::from_millis(ms as u64)))
}

/// The ids to read after, one per key: `$` is the stream's last id (0-0
/// for a missing key). Counts a keyspace hit or miss per key, as Redis.
/// Errors: WRONGTYPE, the invalid-id error, `ERR The > ID can be specified
/// only when calling XREADGROUP using the GROUP <group> <consumer>
/// option.`
pub(crate) fn resolve_ids(db: &mut Db, args: &XreadArgs, now_ms: i64) -> Result<Vec<StreamId>> {
    args.keys
        .iter()
        .zip(&args.ids)
        .map(|(key, raw)| {
            let last = read_stream(db, key, now_ms, |s| s.last_id)?;
            match raw.as_ref() {
                b"$" => Ok(last.unwrap_or_default()),
                b">" => Err(CommandError::err(
                    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                )),
                _ => parse_strict(raw),
            }
        })
        .collect()
}

/// XREAD's non-blocking read on a locked database: for each key whose
/// stream has entries after its id in `after`, up to `count` of them (0:
/// all). Counts a keyspace hit or miss per key.
///
/// Reply: `None` when no stream has anything; else RESP3 a map of key to
/// entries, RESP2 an array of `[key, entries]` pairs (`resp3` chooses).
/// Errors: WRONGTYPE.
pub(crate) fn read_after(
    db: &mut Db,
    keys: &[Bytes],
    after: &[StreamId],
    count: usize,
    resp3: bool,
    now_ms: i64,
) -> Result<Option<Reply>> {
    let mut served = Vec::new();
    for (key, &after) in keys.iter().zip(after) {
        let entries = read_stream(db, key, now_ms, |s| {
            if s.length() == 0 || s.last_valid_id() <= after {
                return None;
            }
            let start = after.next()?;
            let entries: Vec<Reply> = s
                .range(start, StreamId::MAX, count, false)
                .into_iter()
                .map(|(id, fields)| entry_reply(id, fields))
                .collect();
            Some(Reply::Array(entries))
        })?;
        if let Some(entries) = entries.flatten() {
            served.push((Reply::Bulk(key.clone()), entries));
        }
    }
    if served.is_empty() {
        return Ok(None);
    }
    Ok(Some(if resp3 {
        Reply::Map(served)
    } else {
        Reply::Array(
            served
                .into_iter()
                .map(|(k, v)| Reply::Array(vec![k, v]))
                .collect(),
        )
    }))
}

/// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id
/// ...]` — entries with ids greater than the given ones (`$`: the
/// stream's last id), from each stream that has any.
///
/// Reply: RESP2 an array of `[key, [[id, [field, value, ...]], ...]]`,
/// RESP3 a map of key to entries; null when no stream has new entries.
/// Errors: see [`parse_xread`] and [`resolve_ids`].
///
/// `BLOCK` is parsed and validated; waiting for new entries is not done
/// here (the blocking layer builds on [`read_after`]): with nothing to
/// read, the reply is the null of a timeout.
pub fn xread(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let parsed = parse_xread(args)?;
    let mut db = ctx.db();
    let after = resolve_ids(&mut db, &parsed, ctx.now_ms)?;
    let resp3 = ctx.resp3();
    let reply = read_after(
        &mut db,
        &parsed.keys,
        &after,
        parsed.count,
        resp3,
        ctx.now_ms,
    )?;
    if let Some(reply) = reply {
        return Ok(reply);
    }
    // BLOCK: wait for an XADD to one of the streams (not inside MULTI).
    let Some(timeout) = parsed.block else {
        return Ok(Reply::NullArray);
    };
    let (keys, count) = (parsed.keys.clone(), parsed.count);
    let serve: crate::blocking::Serve = Box::new(move |db, now| {
        read_after(db, &keys, &after, count, resp3, now)
            .ok()
            .flatten()
    });
    Ok(crate::blocking::wait_for(
        ctx,
        &mut db,
        parsed.keys,
        serve,
        timeout,
        Reply::NullArray,
    ))
}
