//! Redis's HyperLogLog string layout, byte for byte.
//!
//! ```text
//! +------+---+-----+----------+--------------------------------+
//! | HYLL | E | N/U | Cardin.  | registers (dense or sparse)    |
//! +------+---+-----+----------+--------------------------------+
//!   4      1   3     8 (LE; top bit of the last byte = stale)
//! ```
//!
//! Dense: 16384 six-bit registers packed least significant bit first
//! (12288 bytes). Sparse: run-length opcodes — `00xxxxxx` ZERO (1..64
//! zero registers), `01xxxxxx yyyyyyyy` XZERO (1..16384 zero registers),
//! `1vvvvvxx` VAL (1..4 registers of value 1..32). The update algorithms
//! are Redis's own ([`super::sparse`]), so a value built here equals, byte
//! for byte, the one Redis builds from the same commands, and either server
//! reads the other's values.

use super::REGISTERS;
use super::sparse::{Opcode, opcode_at, set_xzero};

/// Header length in bytes.
pub const HDR: usize = 16;
/// Bits per dense register.
const BITS: usize = 6;
/// Largest register value.
const REG_MAX: u8 = (1 << BITS) - 1;
/// Length of a dense value, header included.
pub const DENSE_LEN: usize = HDR + REGISTERS * BITS / 8;
/// Encoding byte values.
pub const DENSE: u8 = 0;
/// See [`DENSE`].
pub const SPARSE: u8 = 1;

/// The value is not a well-formed HyperLogLog (Redis's `INVALIDOBJ`).
#[derive(Debug, PartialEq)]
pub struct Corrupt;

/// A new, empty HyperLogLog: sparse, one XZERO covering every register,
/// cached cardinality 0 (valid), as Redis's `createHLLObject`.
pub fn new_sparse() -> Vec<u8> {
    let mut hll = vec![0u8; HDR];
    hll[..4].copy_from_slice(b"HYLL");
    hll[4] = SPARSE;
    let mut run = [0u8; 2];
    set_xzero(&mut run, REGISTERS);
    hll.extend_from_slice(&run);
    hll
}

/// True when `value` passes Redis's `isHLLObjectOrReply` checks: long
/// enough, `HYLL` magic, a known encoding, and the exact dense length.
pub fn is_valid(value: &[u8]) -> bool {
    value.len() >= HDR
        && &value[..4] == b"HYLL"
        && value[4] <= SPARSE
        && (value[4] != DENSE || value.len() == DENSE_LEN)
}

/// The cached cardinality, when it is not marked stale.
pub fn cached_card(hll: &[u8]) -> Option<u64> {
    let card = u64::from_le_bytes(hll[8..HDR].try_into().ok()?);
    (card >> 63 == 0).then_some(card)
}

/// Stores `card` as the cached cardinality (marking it valid).
pub fn set_cached_card(hll: &mut [u8], card: u64) {
    hll[8..HDR].copy_from_slice(&card.to_le_bytes());
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(hll: &mut [u8]) {
    hll[HDR - 1] |= 0x80;
}

/// Dense register `index` of `regs` (the bytes after the header).
pub fn dense_get(regs: &[u8], index: usize) -> u8 {
    let byte = index * BITS / 8;
    let shift = (index * BITS) & 7;
    let b0 = regs[byte] as u16;
    let b1 = regs.get(byte + 1).copied().unwrap_or(0) as u16;
    (((b0 >> shift) | (b1 << (8 - shift))) & REG_MAX as u16) as u8
}

pub(super) fn dense_put(regs: &mut [u8], index: usize, value: u8) {
    let byte = index * BITS / 8;
    let shift = (index * BITS) & 7;
    let v = value as u16;
    regs[byte] = ((regs[byte] as u16 & !((REG_MAX as u16) << shift)) | (v << shift)) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        let high = 8 - shift;
        *next = ((*next as u16 & !((REG_MAX as u16) >> high)) | (v >> high)) as u8;
    }
}

/// Raises dense register `index` to `count`. True when it changed.
pub fn dense_set(regs: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(regs, index) {
        dense_put(regs, index, count);
        true
    } else {
        false
    }
}

/// Raises each of `max` (one byte per register) to the registers of a
/// valid `hll`, as Redis's `hllMerge`. Error: a sparse value that does not
/// cover exactly 16384 registers.
pub fn merge_into(max: &mut [u8], hll: &[u8]) -> Result<(), Corrupt> {
    if hll[4] == DENSE {
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(&hll[HDR..], i));
        }
        return Ok(());
    }
    let (mut p, mut idx) = (HDR, 0usize);
    while p < hll.len() {
        let op = opcode_at(hll, p);
        if let Opcode::Val { value, len } = op {
            if idx + len > REGISTERS {
                return Err(Corrupt);
            }
            for m in &mut max[idx..idx + len] {
                *m = (*m).max(value);
            }
        }
        idx += op.len();
        p += op.bytes();
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

/// How many registers hold each value (index 0..64), for the estimator.
/// Error: a sparse value that does not cover exactly 16384 registers.
pub fn histogram(hll: &[u8]) -> Result<[u32; 64], Corrupt> {
    let mut histo = [0u32; 64];
    if hll[4] == DENSE {
        for i in 0..REGISTERS {
            histo[dense_get(&hll[HDR..], i) as usize] += 1;
        }
        return Ok(histo);
    }
    let (mut p, mut idx) = (HDR, 0usize);
    while p < hll.len() {
        let op = opcode_at(hll, p);
        let value = match op {
            Opcode::Val { value, .. } => value as usize,
            Opcode::Zero { .. } => 0,
        };
        histo[value] += op.len() as u32;
        idx += op.len();
        p += op.bytes();
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(histo)
}

/// The histogram of raw registers (one byte each, as PFCOUNT's union).
pub fn raw_histogram(regs: &[u8]) -> [u32; 64] {
    let mut histo = [0u32; 64];
    for &r in regs {
        histo[(r & 63) as usize] += 1;
    }
    histo
}

#[cfg(test)]
mod tests {
    use super::super::sparse::{sparse_set, to_dense};
    use super::*;

    #[test]
    fn new_value_matches_redis_bytes() {
        let hll = new_sparse();
        assert_eq!(hll.len(), 18);
        assert_eq!(&hll[..5], b"HYLL\x01");
        assert_eq!(&hll[16..], &[0x7f, 0xff]);
        assert!(is_valid(&hll));
        assert_eq!(cached_card(&hll), Some(0));
    }

    #[test]
    fn dense_registers_round_trip() {
        let mut hll = new_sparse();
        sparse_set(&mut hll, 5, 40, 3000).unwrap();
        assert_eq!(hll.len(), DENSE_LEN);
        for i in [0, 1, 2, 3, 16383] {
            dense_set(&mut hll[HDR..], i, (i % 63) as u8 + 1);
        }
        assert_eq!(dense_get(&hll[HDR..], 5), 40);
        assert_eq!(dense_get(&hll[HDR..], 16383), (16383 % 63) as u8 + 1);
        assert_eq!(histogram(&hll).unwrap()[0], REGISTERS as u32 - 6);
    }

    #[test]
    fn corrupt_sparse_values_are_refused() {
        let mut hll = new_sparse();
        hll[17] = 0xfe; // XZERO of 16383: one register short.
        assert_eq!(histogram(&hll), Err(Corrupt));
        assert_eq!(to_dense(&mut hll.clone()), Err(Corrupt));
        assert_eq!(merge_into(&mut [0u8; REGISTERS], &hll), Err(Corrupt));
    }
}
