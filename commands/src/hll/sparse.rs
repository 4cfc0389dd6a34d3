//! The sparse encoding's opcodes and Redis's algorithm for updating them
//! in place (`hllSparseSet`: locate, split, substitute, merge), and the
//! conversion to dense.

use super::REGISTERS;
use super::repr::{Corrupt, DENSE, DENSE_LEN, HDR, dense_put, dense_set};

/// Largest value a sparse VAL opcode holds.
const VAL_MAX_VALUE: u8 = 32;
/// Largest run of one VAL opcode.
const VAL_MAX_LEN: usize = 4;
/// Largest run of one ZERO opcode.
const ZERO_MAX_LEN: usize = 64;

/// One decoded sparse opcode.
#[derive(Clone, Copy)]
pub(super) enum Opcode {
    /// A run of zero registers; `wide` for XZERO (two bytes).
    Zero { len: usize, wide: bool },
    /// A run of registers holding `value`.
    Val { value: u8, len: usize },
}

impl Opcode {
    pub(super) fn bytes(self) -> usize {
        match self {
            Opcode::Zero { wide: true, .. } => 2,
            _ => 1,
        }
    }

    pub(super) fn len(self) -> usize {
        match self {
            Opcode::Zero { len, .. } | Opcode::Val { len, .. } => len,
        }
    }
}

/// The opcode at `p` (a byte past the end reads as 0, as the C string's
/// terminator does).
pub(super) fn opcode_at(hll: &[u8], p: usize) -> Opcode {
    let b = hll[p];
    if b & 0x80 != 0 {
        Opcode::Val {
            value: ((b >> 2) & 0x1f) + 1,
            len: (b & 0x3) as usize + 1,
        }
    } else if b & 0x40 != 0 {
        let low = hll.get(p + 1).copied().unwrap_or(0) as usize;
        Opcode::Zero {
            len: (((b & 0x3f) as usize) << 8 | low) + 1,
            wide: true,
        }
    } else {
        Opcode::Zero {
            len: (b & 0x3f) as usize + 1,
            wide: false,
        }
    }
}

fn val_byte(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

pub(super) fn set_xzero(out: &mut [u8], len: usize) {
    let l = len - 1;
    out[0] = (l >> 8) as u8 | 0x40;
    out[1] = (l & 0xff) as u8;
}

/// Appends the shortest zero-run opcode for `len` registers.
fn push_zero(seq: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        let mut run = [0u8; 2];
        set_xzero(&mut run, len);
        seq.extend_from_slice(&run);
    } else {
        seq.push(len as u8 - 1);
    }
}

/// Raises register `index` of a sparse `hll` to `count`, as Redis's
/// `hllSparseSet`; converts to dense when the value does not fit a VAL
/// opcode or the string would pass `max_bytes`. Returns true when a
/// register changed.
pub fn sparse_set(
    hll: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Corrupt> {
    if count > VAL_MAX_VALUE {
        return promote_and_set(hll, index, count);
    }
    // Step 1: find the opcode covering `index`.
    let (mut p, mut first, mut prev, mut span) = (HDR, 0usize, None, 0usize);
    let mut op = None;
    while p < hll.len() {
        let current = opcode_at(hll, p);
        span = current.len();
        op = Some(current);
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += current.bytes();
        first += span;
    }
    let Some(op) = op.filter(|_| span != 0 && p < hll.len()) else {
        return Err(Corrupt);
    };
    // Step 2: the trivial in-place updates.
    match op {
        Opcode::Val { value, .. } if value >= count => return Ok(false),
        Opcode::Val { len: 1, .. }
        | Opcode::Zero {
            len: 1,
            wide: false,
        } => {
            hll[p] = val_byte(count, 1);
            merge_adjacent(hll, prev.unwrap_or(HDR));
            return Ok(true);
        }
        _ => {}
    }
    // The general case: split the opcode around `index`.
    let last = first + span - 1;
    let mut seq = Vec::with_capacity(5);
    match op {
        Opcode::Zero { .. } => {
            if index != first {
                push_zero(&mut seq, index - first);
            }
            seq.push(val_byte(count, 1));
            if index != last {
                push_zero(&mut seq, last - index);
            }
        }
        Opcode::Val { value, .. } => {
            if index != first {
                seq.push(val_byte(value, index - first));
            }
            seq.push(val_byte(count, 1));
            if index != last {
                seq.push(val_byte(value, last - index));
            }
        }
    }
    // Step 3: substitute the new sequence, unless the string grows too big.
    let old_len = op.bytes();
    if seq.len() > old_len && hll.len() + seq.len() - old_len > max_bytes {
        return promote_and_set(hll, index, count);
    }
    hll.splice(p..p + old_len, seq);
    merge_adjacent(hll, prev.unwrap_or(HDR));
    Ok(true)
}

/// Step 4 of `hllSparseSet`: merges adjacent VAL opcodes of equal value
/// (up to the longest run), scanning at most five opcodes from `p`.
fn merge_adjacent(hll: &mut Vec<u8>, mut p: usize) {
    let mut budget = 5;
    while p < hll.len() {
        if budget == 0 {
            break;
        }
        budget -= 1;
        match opcode_at(hll, p) {
            Opcode::Zero { wide, .. } => {
                p += if wide { 2 } else { 1 };
                continue;
            }
            Opcode::Val { value, len } => {
                if p + 1 < hll.len()
                    && let Opcode::Val {
                        value: next_value,
                        len: next_len,
                    } = opcode_at(hll, p + 1)
                    && value == next_value
                    && len + next_len <= VAL_MAX_LEN
                {
                    hll[p + 1] = val_byte(value, len + next_len);
                    hll.remove(p);
                    continue;
                }
            }
        }
        p += 1;
    }
}

fn promote_and_set(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(hll)?;
    dense_set(&mut hll[HDR..], index, count);
    Ok(true)
}

/// Converts a sparse `hll` to dense in place (a dense one is left alone),
/// keeping the header's cached cardinality. Error: the opcodes do not
/// cover exactly 16384 registers.
pub fn to_dense(hll: &mut Vec<u8>) -> Result<(), Corrupt> {
    if hll[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_LEN];
    dense[..HDR].copy_from_slice(&hll[..HDR]);
    dense[4] = DENSE;
    let (mut p, mut idx) = (HDR, 0usize);
    while p < hll.len() {
        let op = opcode_at(hll, p);
        if let Opcode::Val { value, len } = op {
            if idx + len > REGISTERS {
                break;
            }
            for i in idx..idx + len {
                dense_put(&mut dense[HDR..], i, value);
            }
        }
        idx += op.len();
        p += op.bytes();
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    *hll = dense;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::repr::{merge_into, new_sparse};
    use super::*;

    #[test]
    fn sparse_set_splits_and_merges() {
        let mut hll = new_sparse();
        assert_eq!(sparse_set(&mut hll, 0, 3, 3000), Ok(true));
        // VAL(3,1) then XZERO(16383).
        assert_eq!(&hll[16..], &[0x88, 0x7f, 0xfe]);
        assert_eq!(sparse_set(&mut hll, 1, 3, 3000), Ok(true));
        // Merged into VAL(3,2).
        assert_eq!(&hll[16..], &[0x89, 0x7f, 0xfd]);
        assert_eq!(sparse_set(&mut hll, 1, 2, 3000), Ok(false));
        let mut max = vec![0u8; REGISTERS];
        merge_into(&mut max, &hll).unwrap();
        assert_eq!(&max[..3], &[3, 3, 0]);
    }
}
