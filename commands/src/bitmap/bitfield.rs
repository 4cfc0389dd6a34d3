//! `BITFIELD` and `BITFIELD_RO`: signed and unsigned integers of 1 to 64
//! bits (unsigned: 63) at arbitrary bit offsets, read, written and
//! incremented with WRAP, SAT or FAIL overflow. Matches Redis 7.0's
//! `bitfieldGeneric`: every operation is parsed before any runs, and the
//! string grows to hold the farthest written bit.

use super::{edit_string, parse_offset};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keys::{read_with, string_of};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;

#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Get,
    Set,
    Incrby,
}

/// One parsed operation.
struct Op {
    kind: Kind,
    signed: bool,
    bits: u32,
    offset: u64,
    /// The SET value or INCRBY increment.
    arg: i64,
    overflow: Overflow,
}

fn bad_type() -> CommandError {
    CommandError::err(
        "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    )
}

/// `i1`..`i64` or `u1`..`u63` (lower-case prefix only, as Redis).
fn parse_type(raw: &[u8]) -> Result<(bool, u32)> {
    let signed = match raw.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(bad_type()),
    };
    match parse_i64(&raw[1..]) {
        Some(bits) if bits >= 1 && bits <= if signed { 64 } else { 63 } => {
            Ok((signed, bits as u32))
        }
        _ => Err(bad_type()),
    }
}

/// Parses every operation. Errors as Redis, in its order.
fn parse_ops(args: &mut Parse, max_len: u64) -> Result<Vec<Op>> {
    let rest = args.rest();
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut i = 0;
    while i < rest.len() {
        let remaining = rest.len() - i - 1;
        let name = rest[i].to_ascii_lowercase();
        let kind = match name.as_slice() {
            b"get" if remaining >= 2 => Kind::Get,
            b"set" if remaining >= 3 => Kind::Set,
            b"incrby" if remaining >= 3 => Kind::Incrby,
            b"overflow" if remaining >= 1 => {
                overflow = match rest[i + 1].to_ascii_lowercase().as_slice() {
                    b"wrap" => Overflow::Wrap,
                    b"sat" => Overflow::Sat,
                    b"fail" => Overflow::Fail,
                    _ => return Err(CommandError::err("Invalid OVERFLOW type specified")),
                };
                i += 2;
                continue;
            }
            _ => return Err(CommandError::syntax()),
        };
        let (signed, bits) = parse_type(&rest[i + 1])?;
        let offset = parse_offset(&rest[i + 2], Some(bits), max_len)?;
        let arg = if kind == Kind::Get {
            0
        } else {
            parse_i64(&rest[i + 3]).ok_or_else(CommandError::not_integer)?
        };
        ops.push(Op {
            kind,
            signed,
            bits,
            offset,
            arg,
            overflow,
        });
        i += if kind == Kind::Get { 3 } else { 4 };
    }
    Ok(ops)
}

/// The `bits`-bit unsigned integer at bit `offset` (most significant bit
/// first; bits past the end read as 0).
fn get_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    (0..bits as u64).fold(0, |acc, j| {
        (acc << 1) | super::bits::bit_at(bytes, offset + j) as u64
    })
}

/// As [`get_unsigned`], sign-extended.
fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let raw = get_unsigned(bytes, offset, bits);
    if bits < 64 && raw & (1 << (bits - 1)) != 0 {
        (raw | (u64::MAX << bits)) as i64
    } else {
        raw as i64
    }
}

/// Writes the low `bits` bits of `value` at bit `offset` (within `bytes`).
fn set_bits(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..bits as u64 {
        let bit = ((value >> (bits as u64 - 1 - j)) & 1) as u8;
        let pos = offset + j;
        let byte = (pos >> 3) as usize;
        let shift = 7 - (pos & 7);
        bytes[byte] = (bytes[byte] & !(1 << shift)) | (bit << shift);
    }
}

/// `value + incr` for a `bits`-bit unsigned field, as Redis's
/// `checkUnsignedBitfieldOverflow`: `Ok` when it fits, else `Err` with the
/// wrapped or saturated result (FAIL ignores it).
fn add_unsigned(value: u64, incr: i64, bits: u32, overflow: Overflow) -> Result<u64, u64> {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let high = value > max || (incr > 0 && incr > max_incr);
    let low = !high && incr < 0 && incr < min_incr;
    if !high && !low {
        return Ok(value.wrapping_add(incr as u64));
    }
    Err(match overflow {
        Overflow::Sat if high => max,
        Overflow::Sat => 0,
        _ => value.wrapping_add(incr as u64) & !(u64::MAX.checked_shl(bits).unwrap_or(0)),
    })
}

/// `value + incr` for a `bits`-bit signed field, as Redis's
/// `checkSignedBitfieldOverflow` (see [`add_unsigned`]).
fn add_signed(value: i64, incr: i64, bits: u32, overflow: Overflow) -> Result<i64, i64> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let high = value > max
        || (bits != 64 && incr > max_incr)
        || (value >= 0 && incr > 0 && incr > max_incr);
    let low = !high
        && (value < min
            || (bits != 64 && incr < min_incr)
            || (value < 0 && incr < 0 && incr < min_incr));
    if !high && !low {
        return Ok(value.wrapping_add(incr));
    }
    Err(match overflow {
        Overflow::Sat if high => max,
        Overflow::Sat => min,
        _ => {
            let sum = (value as u64).wrapping_add(incr as u64);
            if bits == 64 {
                sum as i64
            } else if sum & (1 << (bits - 1)) != 0 {
                (sum | (u64::MAX << bits)) as i64
            } else {
                (sum & !(u64::MAX << bits)) as i64
            }
        }
    })
}

/// Runs one SET or INCRBY on `bytes`. Returns the reply value, or `None`
/// when FAIL refused the overflowing write.
fn write_op(bytes: &mut [u8], op: &Op) -> Option<i64> {
    let (new, reply) = if op.signed {
        let old = get_signed(bytes, op.offset, op.bits);
        let (base, incr) = if op.kind == Kind::Incrby {
            (old, op.arg)
        } else {
            (op.arg, 0)
        };
        let new = match add_signed(base, incr, op.bits, op.overflow) {
            Ok(v) => v,
            Err(_) if op.overflow == Overflow::Fail => return None,
            Err(v) => v,
        };
        (new as u64, if op.kind == Kind::Incrby { new } else { old })
    } else {
        let old = get_unsigned(bytes, op.offset, op.bits);
        let (base, incr) = if op.kind == Kind::Incrby {
            (old, op.arg)
        } else {
            (op.arg as u64, 0)
        };
        let new = match add_unsigned(base, incr, op.bits, op.overflow) {
            Ok(v) => v,
            Err(_) if op.overflow == Overflow::Fail => return None,
            Err(v) => v,
        };
        (
            new,
            if op.kind == Kind::Incrby {
                new as i64
            } else {
                old as i64
            },
        )
    };
    set_bits(bytes, op.offset, op.bits, new);
    Some(reply)
}

fn read_op(bytes: &[u8], op: &Op) -> i64 {
    if op.signed {
        get_signed(bytes, op.offset, op.bits)
    } else {
        get_unsigned(bytes, op.offset, op.bits) as i64
    }
}

/// ```text
/// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
///     <SET encoding offset value | INCRBY encoding offset increment> ...]
/// ```
///
/// `encoding` is `i<bits>` or `u<bits>`; `offset` a bit offset, or `#n` for
/// the n-th field of that width. Reply: an array with one integer per
/// GET/SET/INCRBY (SET answers the old value, INCRBY the new one), null
/// where FAIL refused an overflow. Errors: `ERR syntax error`, `ERR Invalid
/// OVERFLOW type specified`, `ERR Invalid bitfield type...`, `ERR bit
/// offset is not an integer or out of range`, `ERR value is not an integer
/// or out of range`, WRONGTYPE. Logged as sent when it has a write.
pub fn bitfield(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    run(ctx, args, false)
}

/// `BITFIELD_RO key [GET encoding offset ...]` — [`bitfield`] limited to
/// GET. Error: `ERR BITFIELD_RO only supports the GET subcommand`.
pub fn bitfield_ro(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    run(ctx, args, true)
}

fn run(ctx: &mut Ctx, args: &mut Parse, read_only: bool) -> Result<Reply> {
    let key = args.next_bytes()?;
    let ops = parse_ops(args, ctx.server.config.proto_max_bulk_len())?;
    let mut db = ctx.db();
    let highest = ops
        .iter()
        .filter(|op| op.kind != Kind::Get)
        .map(|op| op.offset + op.bits as u64 - 1)
        .max();
    let Some(highest) = highest else {
        // Read in place; a missing key reads as an empty string.
        let read_all = |value: &[u8]| -> Vec<Reply> {
            ops.iter()
                .map(|op| Reply::Integer(read_op(value, op)))
                .collect()
        };
        let replies = read_with(&mut db, &key, ctx.now_ms, |e| {
            string_of(&e.value).map(|s| read_all(s))
        });
        return Ok(Reply::Array(match replies.transpose()? {
            Some(replies) => replies,
            None => read_all(&[]),
        }));
    };
    if read_only {
        return Err(CommandError::err(
            "BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let len = (highest >> 3) as usize + 1;
    let (replies, _) = edit_string(&mut db, &key, len, ctx.now_ms, |bytes| {
        ops.iter()
            .map(|op| match op.kind {
                Kind::Get => Reply::Integer(read_op(bytes, op)),
                _ => write_op(bytes, op).map_or(Reply::Null, Reply::Integer),
            })
            .collect()
    })?;
    db.log(ctx.now_ms, args.argv());
    Ok(Reply::Array(replies))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_overflow_wraps_saturates_or_fails() {
        assert_eq!(add_unsigned(250, 10, 8, Overflow::Wrap), Err(4));
        assert_eq!(add_unsigned(250, 10, 8, Overflow::Sat), Err(255));
        assert_eq!(add_unsigned(5, -10, 8, Overflow::Sat), Err(0));
        assert_eq!(add_unsigned(5, -10, 8, Overflow::Wrap), Err(251));
        assert_eq!(add_unsigned(5, 10, 8, Overflow::Wrap), Ok(15));
        assert_eq!(add_unsigned(u64::MAX, 0, 8, Overflow::Wrap), Err(255));
    }

    #[test]
    fn signed_overflow_wraps_saturates_or_fails() {
        assert_eq!(add_signed(120, 10, 8, Overflow::Wrap), Err(-126));
        assert_eq!(add_signed(120, 10, 8, Overflow::Sat), Err(127));
        assert_eq!(add_signed(-120, -10, 8, Overflow::Sat), Err(-128));
        assert_eq!(add_signed(-120, -10, 8, Overflow::Wrap), Err(126));
        assert_eq!(add_signed(1, 2, 8, Overflow::Fail), Ok(3));
        assert_eq!(add_signed(i64::MAX, 1, 64, Overflow::Wrap), Err(i64::MIN));
    }

    #[test]
    fn fields_read_and_write_msb_first() {
        let mut b = vec![0u8; 2];
        set_bits(&mut b, 4, 8, 0xab);
        assert_eq!(b, vec![0x0a, 0xb0]);
        assert_eq!(get_unsigned(&b, 4, 8), 0xab);
        assert_eq!(get_signed(&b, 4, 8), 0xab_u8 as i8 as i64);
        assert_eq!(get_unsigned(&b, 12, 8), 0);
    }
}
