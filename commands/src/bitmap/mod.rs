//! Bitmaps on string values (Redis's `bitops.c`): SETBIT, GETBIT, BITCOUNT,
//! BITPOS, BITOP, BITFIELD and BITFIELD_RO.
//!
//! A bitmap is an ordinary [`Value::String`]: bit 0 is the most significant
//! bit of byte 0. Writes past the end grow the string with zero bytes, as
//! Redis does, up to `proto-max-bulk-len` bytes. Every table entry (arity,
//! flags, ACL categories, key specs, docs) matches Redis 7.0's `COMMAND
//! INFO` and `COMMAND DOCS`. The writes are deterministic and log their
//! argv as sent (BITOP as sent too: it only reads the keyspace).

mod bitfield;
mod bitop;
mod bits;
mod count;

use bytes::Bytes;

use crate::error::{CommandError, Result};
use crate::keyspace::{Db, StringForm, StringValue, Value};
use crate::parse::parse_i64;
use crate::table::{CommandSpec, KeySpecDef};

/// Redis's error for a bad or too large bit offset.
fn bad_offset() -> CommandError {
    CommandError::err("bit offset is not an integer or out of range")
}

/// A bit offset argument, as Redis's `getBitOffsetFromArgument`: a
/// non-negative integer whose byte (`offset / 8`) lies below `max_len`.
/// With `field_bits` (BITFIELD), `#n` means `n * field_bits`.
///
/// Error: `ERR bit offset is not an integer or out of range`.
fn parse_offset(raw: &[u8], field_bits: Option<u32>, max_len: u64) -> Result<u64> {
    let (digits, multiplier) = match (raw.first(), field_bits) {
        (Some(b'#'), Some(bits)) => (&raw[1..], bits as i64),
        _ => (raw, 1),
    };
    let offset = parse_i64(digits)
        .ok_or_else(bad_offset)?
        .wrapping_mul(multiplier);
    if offset < 0 || (offset as u64 >> 3) >= max_len {
        return Err(bad_offset());
    }
    Ok(offset as u64)
}

/// Runs `edit` on the string at `key`, first zero-padded to at least `len`
/// bytes; a missing key is created (without TTL) as `len` zero bytes, an
/// existing one keeps its TTL. As Redis's `lookupStringForBitCommand`
/// (a write lookup: no keyspace hit or miss is counted).
///
/// Returns what `edit` returned and whether the key was created or grew.
/// Error: WRONGTYPE (nothing is created).
fn edit_string<R>(
    db: &mut Db,
    key: &Bytes,
    len: usize,
    now_ms: i64,
    edit: impl FnOnce(&mut [u8]) -> R,
) -> Result<(R, bool)> {
    match db.get(key, now_ms).map(|e| &mut e.value) {
        Some(Value::String(stored)) => {
            let grew = stored.len() < len;
            stored.zero_extend(len);
            let out = edit(stored.as_mut_slice());
            // Redis unshares the value into a raw string before editing.
            db.set_string_form(key, StringForm::Raw);
            Ok((out, grew))
        }
        Some(_) => Err(CommandError::wrong_type()),
        None => {
            let mut buf = vec![0; len];
            let out = edit(&mut buf);
            db.insert(
                key.clone(),
                Value::String(StringValue::from_slice(&buf)),
                None,
                now_ms,
            );
            db.set_string_form(key, StringForm::Raw);
            Ok((out, true))
        }
    }
}

/// The bitmap family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const RO_ACCESS: &[KeySpecDef] = &[KeySpecDef::range(&["RO", "access"], 1, 0, 1)];
    vec![
        CommandSpec::new("setbit", 4, bits::setbit)
            .key_specs(&const { [KeySpecDef::range(&["RW", "access", "update"], 1, 0, 1)] })
            .flags(&["write", "denyoom"])
            .categories(&["write", "bitmap", "slow"])
            .keys(1, 1, 1)
            .doc(
                "bitmap",
                "2.2.0",
                "Sets or clears the bit at offset in the string value stored at key",
                "key offset value",
            ),
        CommandSpec::new("getbit", 3, bits::getbit)
            .key_specs(RO_ACCESS)
            .flags(&["readonly", "fast"])
            .categories(&["read", "bitmap", "fast"])
            .keys(1, 1, 1)
            .doc(
                "bitmap",
                "2.2.0",
                "Returns the bit value at offset in the string value stored at key",
                "key offset",
            ),
        CommandSpec::new("bitcount", -2, count::bitcount)
            .key_specs(RO_ACCESS)
            .flags(&["readonly"])
            .categories(&["read", "bitmap", "slow"])
            .keys(1, 1, 1)
            .doc(
                "bitmap",
                "2.6.0",
                "Count set bits in a string",
                "key [start end [BYTE | BIT]]",
            ),
        CommandSpec::new("bitpos", -3, count::bitpos)
            .key_specs(RO_ACCESS)
            .flags(&["readonly"])
            .categories(&["read", "bitmap", "slow"])
            .keys(1, 1, 1)
            .doc(
                "bitmap",
                "2.8.7",
                "Find first bit set or clear in a string",
                "key bit [start [end [BYTE | BIT]]]",
            ),
        CommandSpec::new("bitop", -4, bitop::bitop)
            .key_specs(
                &const {
                    [
                        KeySpecDef::range(&["OW", "update"], 2, 0, 1),
                        KeySpecDef::range(&["RO", "access"], 3, -1, 1),
                    ]
                },
            )
            .flags(&["write", "denyoom"])
            .categories(&["write", "bitmap", "slow"])
            .keys(2, -1, 1)
            .doc(
                "bitmap",
                "2.6.0",
                "Perform bitwise operations between strings",
                "<AND | OR | XOR | NOT> destkey key [key ...]",
            ),
        CommandSpec::new("bitfield", -2, bitfield::bitfield)
            .key_specs(
                &const {
                    [KeySpecDef::range(&["RW", "access", "update", "variable_flags"], 1, 0, 1)
                        .notes("This command allows both access and modification of the key")]
                },
            )
            .flags(&["write", "denyoom"])
            .categories(&["write", "bitmap", "slow"])
            .keys(1, 1, 1)
            .doc(
                "bitmap",
                "3.2.0",
                "Perform arbitrary bitfield integer operations on strings",
                "key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]",
            ),
        CommandSpec::new("bitfield_ro", -2, bitfield::bitfield_ro)
            .key_specs(RO_ACCESS)
            .flags(&["readonly", "fast"])
            .categories(&["read", "bitmap", "fast"])
            .keys(1, 1, 1)
            .doc(
                "bitmap",
                "6.0.0",
                "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
                "key [GET encoding offset [GET encoding offset ...]]",
            ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_redis_limits() {
        let max = 512 * 1024 * 1024;
        assert_eq!(parse_offset(b"0", None, max), Ok(0));
        assert_eq!(parse_offset(b"4294967295", None, max), Ok(4_294_967_295));
        assert!(parse_offset(b"4294967296", None, max).is_err());
        assert!(parse_offset(b"-1", None, max).is_err());
        assert!(parse_offset(b"#2", None, max).is_err());
        assert_eq!(parse_offset(b"#2", Some(8), max), Ok(16));
        assert!(parse_offset(b"#", Some(8), max).is_err());
        assert!(parse_offset(b"#-1", Some(8), max).is_err());
    }
}
