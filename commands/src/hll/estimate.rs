//! The cardinality estimator Redis uses (Otmar Ertl, "New cardinality
//! estimation algorithms for HyperLogLog sketches", arXiv:1702.01284), in
//! the same floating-point order as Redis's `hllCount`, so estimates equal
//! Redis's exactly.

use super::{P, REGISTERS};

/// 1 / (2 ln 2), the estimator's constant for an infinite register count.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        // Redis writes pow(1 - x, 2), which compilers emit as a product.
        z -= (1.0 - x) * (1.0 - x) * y;
        if previous == z {
            return z / 3.0;
        }
    }
}

/// The estimate from a register histogram (`histo[v]` = registers holding v).
pub fn cardinality(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let q = 64 - P as usize;
    let mut z = m * tau((m - histo[q + 1] as f64) / m);
    for j in (1..=q).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    (ALPHA_INF * m * m / z).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_single_register() {
        let mut histo = [0u32; 64];
        histo[0] = REGISTERS as u32;
        assert_eq!(cardinality(&histo), 0);
        histo[0] -= 1;
        histo[1] = 1;
        assert_eq!(cardinality(&histo), 1);
    }
}
