//! Membership: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SMOVE
//! and SSCAN. Matches Redis 7.0's `t_set.c`; writes log the command as
//! sent, and only when they changed a set.

use bytes::Bytes;

use super::{SetValue, drop_if_empty, read_set, set_or_create, write_set};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::hash::scan::{ElementScan, parse_cursor, scan_reply};
use crate::parse::Parse;
use crate::reply::Reply;

/// `SADD key member [member ...]` — adds the members, creating the set if
/// needed.
///
/// Reply: the number of members that were not already there. Errors:
/// WRONGTYPE.
pub fn sadd(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    let members = args.rest();
    let mut db = ctx.db();
    let set = set_or_create(&mut db, &key, ctx.now_ms)?;
    // Moved in, not cloned: a clone of an argument allocates a shared header.
    let added = members
        .into_iter()
        .filter_map(|m| set.insert(m).then_some(()))
        .count();
    if added > 0 {
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(added as i64))
}

/// `SREM key member [member ...]` — removes the members; the key goes with
/// its last member.
///
/// Reply: the number of members removed. Errors: WRONGTYPE.
pub fn srem(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let members = args.rest();
    let mut db = ctx.db();
    let Some(set) = write_set(&mut db, &key, ctx.now_ms)? else {
        return Ok(Reply::Integer(0));
    };
    let removed = members.iter().filter(|m| set.remove(m)).count();
    if removed > 0 {
        drop_if_empty(&mut db, &key, ctx.now_ms);
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(removed as i64))
}

/// `SMEMBERS key` — every member: ascending for an intset, in the set's
/// order otherwise.
///
/// Reply: a set (RESP2: array); empty for a missing key. Errors: WRONGTYPE.
pub fn smembers(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    let members = read_set(&mut db, &key, ctx.now_ms, |set| {
        set.members().map(Reply::Bulk).collect()
    })?;
    Ok(Reply::Set(members.unwrap_or_default()))
}

/// `SISMEMBER key member` — whether `member` is in the set.
///
/// Reply: integer 1 or 0. Errors: WRONGTYPE.
pub fn sismember(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let member = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    let found = read_set(&mut db, &key, ctx.now_ms, |set| set.contains(&member))?;
    Ok(Reply::Integer(i64::from(found.unwrap_or(false))))
}

/// `SMISMEMBER key member [member ...]` — membership of each member.
///
/// Reply: array of integers 1 or 0, in argument order. Errors: WRONGTYPE.
pub fn smismember(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let members = args.rest();
    let mut db = ctx.db();
    let flags = read_set(&mut db, &key, ctx.now_ms, |set| {
        members
            .iter()
            .map(|m| Reply::Integer(i64::from(set.contains(m))))
            .collect()
    })?;
    Ok(Reply::Array(flags.unwrap_or_else(|| {
        members.iter().map(|_| Reply::Integer(0)).collect()
    })))
}

/// `SCARD key` — the number of members.
///
/// Reply: integer (0 for a missing key). Errors: WRONGTYPE.
pub fn scard(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    let len = read_set(&mut db, &key, ctx.now_ms, SetValue::len)?;
    Ok(Reply::Integer(len.unwrap_or(0) as i64))
}

/// `SMOVE source destination member` — moves a member between sets,
/// creating the destination if needed; the source goes with its last
/// member.
///
/// Reply: 1 when moved (or, with source = destination, when it is a
/// member), 0 when the source is missing or lacks the member. Errors:
/// WRONGTYPE for either key (a missing source answers 0 first, as Redis).
pub fn smove(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let source = args.next_bytes()?;
    let destination = args.next_bytes()?;
    let member = args.next_bytes()?;
    args.finish()?;
    let mut db = ctx.db();
    if write_set(&mut db, &source, ctx.now_ms)?.is_none() {
        return Ok(Reply::Integer(0));
    }
    write_set(&mut db, &destination, ctx.now_ms)?;
    if source == destination {
        let found = write_set(&mut db, &source, ctx.now_ms)?.is_some_and(|s| s.contains(&member));
        return Ok(Reply::Integer(i64::from(found)));
    }
    let removed = write_set(&mut db, &source, ctx.now_ms)?.is_some_and(|s| s.remove(&member));
    if !removed {
        return Ok(Reply::Integer(0));
    }
    drop_if_empty(&mut db, &source, ctx.now_ms);
    set_or_create(&mut db, &destination, ctx.now_ms)?.insert(member);
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(1))
}

/// `SSCAN key cursor [MATCH pattern] [COUNT count]` — iterates the members
/// of a set (see [`crate::hash::scan`]): an intset is answered whole with
/// cursor 0.
///
/// Reply: `[next-cursor, [member, ...]]`; a missing key gives `["0", []]`.
/// Errors: `ERR invalid cursor`, WRONGTYPE, then the option errors of
/// [`ElementScan::parse`].
pub fn sscan(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let cursor = parse_cursor(&args.next_bytes()?)?;
    let mut db = ctx.db();
    let found = read_set(&mut db, &key, ctx.now_ms, |set| {
        let scan = ElementScan::parse(cursor, args)?;
        if set.is_intset() {
            let all: Vec<Bytes> = set.members().filter(|m| scan.wants(m)).collect();
            return Ok(scan_reply(0, all));
        }
        let (next, positions) = scan.window(set.len());
        let found = positions
            .filter_map(|i| set.get_index(i))
            .filter(|m| scan.wants(m))
            .collect();
        Ok(scan_reply(next, found))
    })?;
    found.unwrap_or_else(|| Ok(scan_reply(0, Vec::new())))
}
