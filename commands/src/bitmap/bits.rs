//! Single bits: SETBIT and GETBIT.

use super::{edit_string, parse_offset};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{read_with, string_of};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// The bit at `offset` of `bytes` (0 past the end).
pub(super) fn bit_at(bytes: &[u8], offset: u64) -> u8 {
    let byte = (offset >> 3) as usize;
    bytes.get(byte).map_or(0, |b| (b >> (7 - (offset & 7))) & 1)
}

/// `SETBIT key offset value` — sets or clears one bit, growing (or
/// creating) the string with zero bytes as needed; the TTL is kept.
///
/// Reply: the bit's previous value. Errors: `ERR bit offset is not an
/// integer or out of range` (negative, or its byte at or past
/// `proto-max-bulk-len`), `ERR bit is not an integer or out of range`
/// (not 0 or 1), WRONGTYPE. Logged as sent when the string changed.
pub fn setbit(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let offset = parse_offset(
        &args.next_bytes()?,
        None,
        ctx.server.config.proto_max_bulk_len(),
    )?;
    let on = match parse_i64(&args.next_bytes()?) {
        Some(v @ (0 | 1)) => v as u8,
        _ => return Err(CommandError::err("bit is not an integer or out of range")),
    };
    args.finish()?;
    let mut db = ctx.db();
    let byte = (offset >> 3) as usize;
    let shift = 7 - (offset & 7);
    let (old, grew) = edit_string(&mut db, &key, byte + 1, ctx.now_ms, |bytes| {
        let old = (bytes[byte] >> shift) & 1;
        bytes[byte] = (bytes[byte] & !(1 << shift)) | (on << shift);
        old
    })?;
    if grew || old != on {
        db.log(ctx.now_ms, args.argv());
    }
    Ok(Reply::Integer(old as i64))
}

/// `GETBIT key offset` — the bit at `offset`.
///
/// Reply: 0 or 1; 0 past the end of the string or for a missing key.
/// Errors: `ERR bit offset is not an integer or out of range`, WRONGTYPE.
pub fn getbit(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let offset = parse_offset(
        &args.next_bytes()?,
        None,
        ctx.server.config.proto_max_bulk_len(),
    )?;
    args.finish()?;
    let bit = read_with(&mut ctx.db(), &key, ctx.now_ms, |e| {
        string_of(&e.value).map(|s| bit_at(s, offset))
    })
    .transpose()?;
    Ok(Reply::Integer(bit.unwrap_or(0) as i64))
}
