//! A minimal unsigned big integer, just enough for exact decimal ↔ binary
//! conversion of `long double` values (the parent module): build from
//! digits, multiply and divide by small numbers, shift, read the top bits,
//! print in decimal.

/// An unsigned integer of any size: 32-bit limbs, least significant first,
/// no trailing zero limbs (zero is the empty vector).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BigUint {
    limbs: Vec<u32>,
}

/// Ten to the ninth, the largest power of ten in a limb.
const BILLION: u32 = 1_000_000_000;

impl BigUint {
    /// The value `n`.
    pub fn from_u64(n: u64) -> BigUint {
        let mut big = BigUint {
            limbs: vec![n as u32, (n >> 32) as u32],
        };
        big.trim();
        big
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    /// `self = self * factor + addend`.
    pub fn mul_add_small(&mut self, factor: u32, addend: u32) {
        let mut carry = u64::from(addend);
        for limb in &mut self.limbs {
            let wide = u64::from(*limb) * u64::from(factor) + carry;
            *limb = wide as u32;
            carry = wide >> 32;
        }
        if carry > 0 {
            self.limbs.push(carry as u32);
        }
        self.trim();
    }

    /// `self *= 10^exp`.
    pub fn mul_pow10(&mut self, mut exp: u32) {
        while exp >= 9 {
            self.mul_add_small(BILLION, 0);
            exp -= 9;
        }
        if exp > 0 {
            self.mul_add_small(10u32.pow(exp), 0);
        }
    }

    /// `self /= divisor` (truncating). Returns true when the remainder was
    /// not zero. `divisor` must not be zero.
    pub fn div_small(&mut self, divisor: u32) -> bool {
        let rem = self.div_small_rem(divisor);
        rem != 0
    }

    /// `self /= divisor` (truncating), returning the remainder.
    fn div_small_rem(&mut self, divisor: u32) -> u32 {
        let mut rem: u64 = 0;
        for limb in self.limbs.iter_mut().rev() {
            let wide = (rem << 32) | u64::from(*limb);
            *limb = (wide / u64::from(divisor)) as u32;
            rem = wide % u64::from(divisor);
        }
        self.trim();
        rem as u32
    }

    /// `self /= 10^exp` (truncating). Returns true when anything nonzero
    /// was dropped.
    pub fn div_pow10(&mut self, mut exp: u32) -> bool {
        let mut inexact = false;
        while exp >= 9 && !self.is_zero() {
            inexact |= self.div_small(BILLION);
            exp -= 9;
        }
        if self.is_zero() {
            return inexact;
        }
        if exp >= 9 {
            return inexact;
        }
        if exp > 0 {
            inexact |= self.div_small(10u32.pow(exp));
        }
        inexact
    }

    /// `self <<= bits`.
    pub fn shl(&mut self, bits: u32) {
        if self.is_zero() {
            return;
        }
        let (words, bits) = ((bits / 32) as usize, bits % 32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.limbs {
                let next = *limb >> (32 - bits);
                *limb = (*limb << bits) | carry;
                carry = next;
            }
            if carry > 0 {
                self.limbs.push(carry);
            }
        }
        self.limbs.splice(0..0, std::iter::repeat_n(0, words));
    }

    /// Number of significant bits (0 for zero).
    pub fn bit_len(&self) -> u32 {
        match self.limbs.last() {
            None => 0,
            Some(top) => (self.limbs.len() as u32 - 1) * 32 + (32 - top.leading_zeros()),
        }
    }

    /// Bit `index` (0 is the least significant).
    fn bit(&self, index: u32) -> bool {
        let limb = self.limbs.get((index / 32) as usize).copied().unwrap_or(0);
        limb >> (index % 32) & 1 == 1
    }

    /// True when any bit below `index` is set.
    fn any_below(&self, index: u32) -> bool {
        let (words, bits) = ((index / 32) as usize, index % 32);
        let whole = self.limbs.iter().take(words).any(|&l| l != 0);
        let partial = bits > 0
            && self
                .limbs
                .get(words)
                .is_some_and(|&l| l & ((1u32 << bits) - 1) != 0);
        whole || partial
    }

    /// The bits from `low` up (`self >> low`) as a `u128`; the caller
    /// guarantees they fit.
    fn bits_from(&self, low: u32) -> u128 {
        (low..self.bit_len())
            .rev()
            .fold(0u128, |acc, i| (acc << 1) | u128::from(self.bit(i)))
    }

    /// The value rounded to `width` significant bits (1..=64), half to
    /// even, with `sticky` standing for nonzero bits below the value's
    /// lowest (dropped earlier). Returns `(mantissa, shift)`: the value is
    /// about `mantissa * 2^shift`, `mantissa` has exactly `width` bits
    /// (the top one set). Zero gives `(0, 0)`.
    pub fn round_to_bits(&self, width: u32, sticky: bool) -> (u64, i64) {
        let len = self.bit_len();
        if len == 0 {
            return (0, 0);
        }
        if len <= width {
            // Exact; a sticky remainder below is less than half an ulp.
            let mantissa = self.bits_from(0) as u64;
            let pad = width - len;
            return (mantissa << pad, -i64::from(pad));
        }
        let drop = len - width;
        let mut mantissa = self.bits_from(drop);
        let half = self.bit(drop - 1);
        let rest = sticky || self.any_below(drop - 1);
        if half && (rest || mantissa & 1 == 1) {
            mantissa += 1;
            if mantissa >> width != 0 {
                return ((mantissa >> 1) as u64, i64::from(drop) + 1);
            }
        }
        (mantissa as u64, i64::from(drop))
    }

    /// The decimal digits (`"0"` for zero).
    pub fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut chunks = Vec::new();
        let mut rest = self.clone();
        while !rest.is_zero() {
            chunks.push(rest.div_small_rem(BILLION));
        }
        let mut out = String::new();
        for (i, chunk) in chunks.iter().rev().enumerate() {
            if i == 0 {
                out.push_str(&chunk.to_string());
            } else {
                out.push_str(&format!("{chunk:09}"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_decimal(digits: &str) -> BigUint {
        let mut n = BigUint::default();
        for d in digits.bytes() {
            n.mul_add_small(10, u32::from(d - b'0'));
        }
        n
    }

    #[test]
    fn decimal_round_trip_and_arithmetic() {
        let n = from_decimal("123456789012345678901234567890");
        assert_eq!(n.to_decimal(), "123456789012345678901234567890");
        let mut m = n.clone();
        m.mul_pow10(20);
        assert_eq!(
            m.to_decimal(),
            "12345678901234567890123456789000000000000000000000"
        );
        assert!(!m.div_pow10(20));
        assert_eq!(m, n);
        assert!(m.div_pow10(2));
        assert_eq!(m.to_decimal(), "1234567890123456789012345678");
        let mut s = BigUint::from_u64(3);
        s.shl(100);
        assert_eq!(s.bit_len(), 102);
        assert_eq!(s.to_decimal(), "3802951800684688204490109616128");
    }

    #[test]
    fn rounding_is_half_to_even() {
        // 0b1011 to 3 bits: 101|1 -> tie, odd -> 110.
        assert_eq!(
            BigUint::from_u64(0b1011).round_to_bits(3, false),
            (0b110, 1)
        );
        // 0b1001 to 3 bits: 100|1 -> tie, even -> 100.
        assert_eq!(
            BigUint::from_u64(0b1001).round_to_bits(3, false),
            (0b100, 1)
        );
        // The sticky bit breaks the tie upwards.
        assert_eq!(BigUint::from_u64(0b1001).round_to_bits(3, true), (0b101, 1));
        // Carry out of the top: 111|1 -> 1000 -> 100 with one more shift.
        assert_eq!(
            BigUint::from_u64(0b1111).round_to_bits(3, false),
            (0b100, 2)
        );
        assert_eq!(
            BigUint::from_u64(1).round_to_bits(64, false),
            (1 << 63, -63)
        );
    }
}
