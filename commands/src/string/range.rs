//! Byte-range commands: APPEND, STRLEN, GETRANGE (and its old name SUBSTR),
//! SETRANGE. Matches Redis 7.0's `t_string.c`. The writes are deterministic
//! and log to the AOF as they were sent.

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{read_with, string_of};
use crate::keyspace::{StringForm, StringValue, Value};
use crate::parse::Parse;
use crate::reply::Reply;

/// Error when `len` exceeds `max`, with Redis's text.
fn check_length(len: u64, max: u64) -> Result<()> {
    if len > max {
        return Err(CommandError::err(
            "string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    Ok(())
}

/// `APPEND key value` — appends to the string at `key` (creating it), keeping
/// its TTL.
///
/// Reply: the new length. Errors: WRONGTYPE; `ERR string exceeds maximum
/// allowed size (proto-max-bulk-len)`.
pub fn append(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_key()?;
    let suffix = args.next_value()?;
    args.finish()?;
    let max = ctx.server.config.proto_max_bulk_len();
    let mut db = ctx.db();
    match db.get(&key, ctx.now_ms).map(|e| &mut e.value) {
        None => {
            let len = suffix.len();
            db.insert(key, Value::String(suffix), None, ctx.now_ms);
            db.log(ctx.now_ms, args.argv());
            Ok(Reply::Integer(len as i64))
        }
        Some(Value::String(stored)) => {
            check_length((stored.len() + suffix.len()) as u64, max)?;
            // The vector doubles as it grows, so repeated `APPEND`s are
            // amortised O(1) a byte, as Redis's sds preallocation makes them.
            stored.extend_from_slice(&suffix);
            let len = stored.len();
            // Redis unshares the value into a raw string before appending.
            db.set_string_form(&key, StringForm::Raw);
            db.log(ctx.now_ms, args.argv());
            Ok(Reply::Integer(len as i64))
        }
        Some(_) => Err(CommandError::wrong_type()),
    }
}

/// `STRLEN key` — the length of the string at `key`.
///
/// Reply: integer, 0 for a missing key. Errors: WRONGTYPE.
pub fn strlen(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    args.finish()?;
    let len = read_with(&mut ctx.db(), &key, ctx.now_ms, |e| {
        string_of(&e.value).map(|s| s.len())
    })
    .transpose()?;
    Ok(Reply::Integer(len.unwrap_or(0) as i64))
}

/// `GETRANGE key start end` (also `SUBSTR`) — the bytes from `start` to `end`
/// inclusive; negative offsets count from the end.
///
/// Reply: bulk string, empty when the range is empty or the key missing.
/// Errors: `ERR value is not an integer or out of range`, WRONGTYPE.
pub fn getrange(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let start = args.next_i64()?;
    let end = args.next_i64()?;
    args.finish()?;
    let range = read_with(&mut ctx.db(), &key, ctx.now_ms, |e| {
        string_of(&e.value).map(|value| byte_range(value, start, end))
    })
    .transpose()?;
    Ok(Reply::Bulk(range.unwrap_or_default()))
}

/// Redis's `getrangeCommand` index rules: the range's bytes, copied.
fn byte_range(value: &[u8], start: i64, end: i64) -> Bytes {
    let len = value.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Bytes::new();
    }
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end }.max(0).min(len - 1);
    if len == 0 || start > end {
        return Bytes::new();
    }
    Bytes::copy_from_slice(&value[start as usize..=end as usize])
}

/// `SETRANGE key offset value` — overwrites the string at `key` from byte
/// `offset`, zero-padding it when it is shorter; keeps the TTL.
///
/// Reply: the new length (a missing key with an empty `value` stays missing:
/// 0; an empty `value` changes nothing and is not logged). Errors: `ERR value is not an integer or out of range`,
/// `ERR offset is out of range` (negative), `ERR string exceeds maximum
/// allowed size (proto-max-bulk-len)`, WRONGTYPE.
pub fn setrange(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let offset = args.next_i64()?;
    let patch = args.next_bytes()?;
    args.finish()?;
    if offset < 0 {
        return Err(CommandError::err("offset is out of range"));
    }
    let max = ctx.server.config.proto_max_bulk_len();
    let mut db = ctx.db();
    let current_len = match db.peek(&key, ctx.now_ms) {
        None => None,
        Some(entry) => Some(string_of(&entry.value)?.len()),
    };
    if patch.is_empty() {
        return Ok(Reply::Integer(current_len.unwrap_or(0) as i64));
    }
    // offset >= 0 and at most i64::MAX, so the sum fits in u64.
    check_length(offset as u64 + patch.len() as u64, max)?;
    let offset = offset as usize;
    let end = offset + patch.len();
    let len = match db.get(&key, ctx.now_ms).map(|e| &mut e.value) {
        // Edited in place; the key keeps its TTL.
        Some(Value::String(stored)) => {
            stored.zero_extend(end);
            stored.as_mut_slice()[offset..end].copy_from_slice(&patch);
            stored.len()
        }
        // The type was checked above: no key.
        _ => {
            let mut buf = vec![0; end];
            buf[offset..].copy_from_slice(&patch);
            db.insert(
                key.clone(),
                Value::String(StringValue::from_slice(&buf)),
                None,
                ctx.now_ms,
            );
            end
        }
    };
    db.set_string_form(&key, StringForm::Raw);
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Integer(len as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_range_follows_redis_index_rules() {
        let v = Bytes::from("hello world");
        let r = |s, e| String::from_utf8(byte_range(&v, s, e).to_vec()).unwrap();
        assert_eq!(r(0, 4), "hello");
        assert_eq!(r(-5, -1), "world");
        assert_eq!(r(5, 2), "");
        assert_eq!(r(0, -100), "h");
        assert_eq!(r(-100, -1), "hello world");
        assert_eq!(r(100, 200), "");
        assert_eq!(r(0, 100), "hello world");
        assert_eq!(r(-1, -5), "");
        assert_eq!(byte_range(&Bytes::new(), 0, -1), Bytes::new());
    }
}
