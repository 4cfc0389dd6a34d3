//! The hash HyperLogLog feeds on: MurmurHash64A with Redis's seed, and the
//! register index / run length Redis derives from it (`hllPatLen`).

/// Redis's seed for HyperLogLog hashing.
const SEED: u64 = 0xadc8_3b19;

/// MurmurHash64A (Austin Appleby's 64-bit variant, little-endian reads), as
/// Redis's `MurmurHash64A`.
pub fn murmur64a(data: &[u8]) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = SEED ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        // chunks_exact yields 8-byte slices.
        let mut k = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register `element` maps to and the length of its run of zero bits
/// plus one (1..=51), as Redis's `hllPatLen` with 14 index bits.
pub fn register_and_count(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element);
    let index = (hash & (super::REGISTERS as u64 - 1)) as usize;
    // The sentinel bit bounds the count at Q + 1 = 51.
    let rest = (hash >> super::P) | (1u64 << (64 - super::P));
    (index, rest.trailing_zeros() as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_handles_tails_and_blocks() {
        // Stable across lengths 0..=17 (every tail length, one and two blocks).
        let data: Vec<u8> = (0..17).collect();
        let hashes: Vec<u64> = (0..=17).map(|n| murmur64a(&data[..n])).collect();
        let mut unique = hashes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), hashes.len());
    }

    #[test]
    fn counts_stay_in_range() {
        for i in 0..1000 {
            let (index, count) = register_and_count(format!("e{i}").as_bytes());
            assert!(index < super::super::REGISTERS);
            assert!((1..=51).contains(&count));
        }
    }
}
