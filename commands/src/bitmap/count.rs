//! Bit scans: BITCOUNT and BITPOS, with BYTE (default) or BIT ranges.
//! Matches Redis 7.0's `bitcountCommand` / `bitposCommand`, including the
//! order in which they check their arguments (a missing key answers before
//! the range is parsed).

use bytes::Bytes;

use super::bits::bit_at;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{read_with, string_of};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

/// Runs `f` on the string at `key` for a read, counting a keyspace hit or
/// miss; `None` for a missing key. The string is read in place, under the
/// lock, as Redis reads it: a large bitmap is never copied. Errors:
/// WRONGTYPE, or what `f` returns.
fn with_string<R>(
    ctx: &mut Ctx,
    key: &[u8],
    f: impl FnOnce(&[u8]) -> Result<R>,
) -> Result<Option<R>> {
    read_with(&mut ctx.db(), key, ctx.now_ms, |e| {
        f(&string_of(&e.value)?[..])
    })
    .transpose()
}

fn int_arg(raw: &Bytes) -> Result<i64> {
    parse_i64(raw).ok_or_else(CommandError::not_integer)
}

/// `BYTE` (false) or `BIT` (true). Error: `ERR syntax error`.
fn unit_arg(raw: &Bytes) -> Result<bool> {
    if raw.eq_ignore_ascii_case(b"bit") {
        Ok(true)
    } else if raw.eq_ignore_ascii_case(b"byte") {
        Ok(false)
    } else {
        Err(CommandError::syntax())
    }
}

/// Redis's range rules over `len` bytes: negative indexes count from the
/// end, then both are clamped into the string. Returns the inclusive bit
/// range, or `None` when it is empty.
fn bit_range(len: usize, start: i64, end: i64, in_bits: bool) -> Option<(u64, u64)> {
    let total = if in_bits { len as i64 * 8 } else { len as i64 };
    let start = if start < 0 { total + start } else { start }.max(0);
    let end = if end < 0 { total + end } else { end }
        .max(0)
        .min(total - 1);
    if start > end {
        return None;
    }
    let (start, end) = (start as u64, end as u64);
    Some(if in_bits {
        (start, end)
    } else {
        (start * 8, end * 8 + 7)
    })
}

/// Set bits of `bytes` in the inclusive bit range `lo..=hi` (within the string).
fn count_bits(bytes: &[u8], lo: u64, hi: u64) -> u64 {
    let (first, last) = ((lo >> 3) as usize, (hi >> 3) as usize);
    let whole: u64 = bytes[first..=last]
        .iter()
        .map(|b| b.count_ones() as u64)
        .sum();
    // Bits of the edge bytes that lie outside the range.
    let before = (bytes[first] as u16 >> (8 - (lo & 7))).count_ones();
    let after = (bytes[last] as u16 & ((1u16 << (7 - (hi & 7))) - 1)).count_ones();
    whole - before as u64 - after as u64
}

/// The first bit equal to `bit` in the inclusive bit range `lo..=hi`.
fn find_bit(bytes: &[u8], lo: u64, hi: u64, bit: u8) -> Option<u64> {
    let skip = if bit == 1 { 0x00 } else { 0xff };
    let mut pos = lo;
    while pos <= hi {
        let byte = bytes[(pos >> 3) as usize];
        if pos & 7 == 0 && byte == skip && pos + 7 <= hi {
            pos += 8;
            continue;
        }
        if bit_at(bytes, pos) == bit {
            return Some(pos);
        }
        pos += 1;
    }
    None
}

/// `BITCOUNT key [start end [BYTE | BIT]]` — the number of set bits, in
/// the whole string or in a range of bytes (default) or bits.
///
/// Reply: integer; 0 for a missing key. Errors: `ERR value is not an
/// integer or out of range`, `ERR syntax error` (a lone `start`, an unknown
/// unit, extra arguments), WRONGTYPE.
pub fn bitcount(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let rest = args.rest();
    let count = with_string(ctx, &key, |value| {
        let range = match rest.len() {
            0 => bit_range(value.len(), 0, -1, false),
            2 | 3 => {
                let (start, end) = (int_arg(&rest[0])?, int_arg(&rest[1])?);
                if start < 0 && end < 0 && start > end {
                    return Ok(0);
                }
                let in_bits = match rest.get(2) {
                    Some(unit) => unit_arg(unit)?,
                    None => false,
                };
                bit_range(value.len(), start, end, in_bits)
            }
            _ => return Err(CommandError::syntax()),
        };
        Ok(range.map_or(0, |(lo, hi)| count_bits(value, lo, hi)))
    })?;
    Ok(Reply::Integer(count.unwrap_or(0) as i64))
}

/// `BITPOS key bit [start [end [BYTE | BIT]]]` — the position of the first
/// bit equal to `bit`, counted from the start of the string.
///
/// A missing key is an endless run of zeros: the answer is 0 when looking
/// for 0 and -1 when looking for 1. Looking for 0 without an `end`, the bit
/// just past the string counts as clear. Reply: integer, -1 when not found or the range is empty.
/// Errors: `ERR value is not an integer or out of range`, `ERR The bit
/// argument must be 1 or 0.`, `ERR syntax error`, WRONGTYPE.
pub fn bitpos(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    let bit = int_arg(&args.next_bytes()?)?;
    if bit != 0 && bit != 1 {
        return Err(CommandError::err("The bit argument must be 1 or 0."));
    }
    let bit = bit as u8;
    let rest = args.rest();
    let pos = with_string(ctx, &key, |value| {
        let (range, end_given) = match rest.len() {
            0 => (bit_range(value.len(), 0, -1, false), false),
            1..=3 => {
                // Redis reads the start, then the unit, then the end.
                let start = int_arg(&rest[0])?;
                let in_bits = match rest.get(2) {
                    Some(unit) => unit_arg(unit)?,
                    None => false,
                };
                let end = match rest.get(1) {
                    Some(end) => int_arg(end)?,
                    None => -1,
                };
                (bit_range(value.len(), start, end, in_bits), rest.len() > 1)
            }
            _ => return Err(CommandError::syntax()),
        };
        let Some((lo, hi)) = range else {
            return Ok(-1);
        };
        Ok(match find_bit(value, lo, hi, bit) {
            Some(pos) => pos as i64,
            None if bit == 0 && !end_given => hi as i64 + 1,
            None => -1,
        })
    })?;
    Ok(Reply::Integer(pos.unwrap_or(if bit == 1 { -1 } else { 0 })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_respect_bit_edges() {
        let v = [0xffu8, 0x0f, 0xf0];
        assert_eq!(count_bits(&v, 0, 23), 16);
        assert_eq!(count_bits(&v, 4, 11), 4);
        assert_eq!(count_bits(&v, 12, 19), 8);
        assert_eq!(count_bits(&v, 9, 9), 0);
        assert_eq!(count_bits(&v, 15, 16), 2);
    }

    #[test]
    fn ranges_follow_redis_clamping() {
        assert_eq!(bit_range(3, 0, -1, false), Some((0, 23)));
        assert_eq!(bit_range(3, -100, 100, true), Some((0, 23)));
        assert_eq!(bit_range(3, 2, 1, false), None);
        assert_eq!(bit_range(0, 0, -1, false), None);
        assert_eq!(bit_range(3, 5, 10, true), Some((5, 10)));
    }

    #[test]
    fn find_bit_scans_ranges() {
        let v = [0x00u8, 0x00, 0x01];
        assert_eq!(find_bit(&v, 0, 23, 1), Some(23));
        assert_eq!(find_bit(&v, 0, 22, 1), None);
        assert_eq!(find_bit(&[0xffu8, 0xfe], 0, 15, 0), Some(15));
        assert_eq!(find_bit(&[0xffu8], 3, 7, 0), None);
    }
}
