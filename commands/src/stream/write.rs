//! Stream writes: XADD, XDEL, XSETID.

use bytes::Bytes;

use super::id::{StreamId, parse_strict};
use super::stream_mut;
use super::trim::{apply_trim, parse_trim_args};
use super::value::StreamValue;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::Value;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// ```text
/// XADD key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]]
///     <* | id> field value [field value ...]
/// ```
///
/// Appends an entry with the given id (`ms-seq`, `ms` for `ms-0`, `ms-*`
/// for the next sequence) or a generated one (`*`: now in ms, or the last
/// id plus one when the clock is behind), creating the stream unless
/// `NOMKSTREAM`; then trims as XTRIM does.
///
/// Reply: the entry's id; null when `NOMKSTREAM` and the key is missing.
/// Errors: see [`parse_trim_args`]; `ERR wrong number of arguments for
/// 'xadd' command` (fields and values do not pair up); `ERR The ID
/// specified in XADD must be greater than 0-0`; `ERR The ID specified in
/// XADD is equal or smaller than the target stream top item`; `ERR The
/// stream has exhausted the last possible ID, unable to add more items`;
/// WRONGTYPE. Logged with the id it got and the exact trim (see
/// [`apply_trim`]).
pub fn xadd(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let rest = args.rest();
    let opts = parse_trim_args(&rest, true)?;
    let pairs = rest.len().saturating_sub(opts.id_at + 1);
    if opts.id_at >= rest.len() || pairs < 2 || pairs % 2 == 1 {
        return Err(CommandError::wrong_arity("xadd"));
    }
    if opts.id == Some((StreamId::MIN, true)) {
        return Err(CommandError::err(
            "The ID specified in XADD must be greater than 0-0",
        ));
    }
    let fields: Vec<(Bytes, Bytes)> = rest[opts.id_at + 1..]
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let now = ctx.now_ms;
    let mut db = ctx.db();
    let created = match stream_mut(&mut db, &key, now)? {
        Some(_) => false,
        None if opts.no_mkstream => return Ok(Reply::Null),
        None => {
            db.insert(key.clone(), Value::Stream(Box::default()), None, now);
            true
        }
    };
    let outcome = stream_mut(&mut db, &key, now)?
        .ok_or_else(CommandError::no_such_key)
        .and_then(|stream| add(stream, opts.id, fields.clone(), now));
    let id = match outcome {
        Ok(id) => id,
        Err(e) => {
            if created {
                // Nothing was added: leave no empty stream behind.
                db.remove(&key);
            }
            return Err(e);
        }
    };
    let trim_argv = match stream_mut(&mut db, &key, now)? {
        Some(stream) => apply_trim(stream, &opts).1,
        None => Vec::new(),
    };
    let mut argv = vec![Bytes::from_static(b"XADD"), key];
    argv.extend(trim_argv);
    argv.push(id.to_bytes());
    argv.extend(fields.into_iter().flat_map(|(f, v)| [f, v]));
    db.log(now, &argv);
    Ok(Reply::Bulk(id.to_bytes()))
}

/// Appends `fields` to `stream` under the id XADD picks; returns the id.
fn add(
    stream: &mut StreamValue,
    requested: Option<(StreamId, bool)>,
    fields: Vec<(Bytes, Bytes)>,
    now_ms: i64,
) -> Result<StreamId> {
    if stream.last_id == StreamId::MAX {
        return Err(CommandError::err(
            "The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let id = stream.next_id(requested, now_ms.max(0) as u64)?;
    stream.append(id, fields)?;
    Ok(id)
}

/// `XDEL key id [id ...]` — deletes entries by id.
///
/// Reply: how many existed and were deleted; 0 for a missing key (the ids
/// are not even read then). Errors: `ERR Invalid stream ID specified as
/// stream command argument` (nothing is deleted), WRONGTYPE. Logged as
/// sent when it deleted any.
pub fn xdel(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let raw_ids = args.rest();
    let mut db = ctx.db();
    let Some(stream) = stream_mut(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::Integer(0));
    };
    let ids = raw_ids
        .iter()
        .map(|raw| parse_strict(raw))
        .collect::<Result<Vec<_>>>()?;
    let deleted = ids.into_iter().filter(|id| stream.delete(*id)).count();
    if deleted > 0 {
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(deleted as i64))
}

/// `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID
/// max-deleted-id]` — sets the stream's last id (and counters), as the
/// AOF rewrite does after recreating a stream's entries.
///
/// Reply: `OK`. Errors: the invalid-id error, `ERR syntax error`, `ERR
/// value is not an integer or out of range`, `ERR entries_added must be
/// positive`, `ERR The ID specified in XSETID is smaller than the provided
/// max_deleted_entry_id`, `ERR no such key`, WRONGTYPE, `ERR The ID
/// specified in XSETID is smaller than the target stream top item`, `ERR The entries_added specified in XSETID is smaller than the
/// target stream length`. Logged as sent.
pub fn xsetid(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let id = parse_strict(&args.next_bytes()?)?;
    let mut entries_added = None;
    let mut max_deleted = StreamId::MIN;
    while let Some(opt) = args.try_next() {
        let Some(value) = args.try_next() else {
            return Err(CommandError::syntax());
        };
        if opt.eq_ignore_ascii_case(b"entriesadded") {
            let n = parse_i64(&value).ok_or_else(CommandError::not_integer)?;
            if n < 0 {
                return Err(CommandError::err("entries_added must be positive"));
            }
            entries_added = Some(n as u64);
        } else if opt.eq_ignore_ascii_case(b"maxdeletedid") {
            max_deleted = parse_strict(&value)?;
            if id < max_deleted {
                return Err(CommandError::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
        } else {
            return Err(CommandError::syntax());
        }
    }
    let mut db = ctx.db();
    let stream = stream_mut(&mut db, &key, ctx.now_ms)?.ok_or_else(CommandError::no_such_key)?;
    if stream.length() > 0 {
        if id < stream.last_valid_id() {
            return Err(CommandError::err(
                "The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if entries_added.is_some_and(|n| n < stream.length()) {
            return Err(CommandError::err(
                "The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    stream.last_id = id;
    if let Some(n) = entries_added {
        stream.entries_added = n;
    }
    if max_deleted != StreamId::MIN {
        stream.max_deleted_id = max_deleted;
    }
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::ok())
}
