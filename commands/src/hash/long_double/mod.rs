//! Redis's `long double` arithmetic for `HINCRBYFLOAT`, in software.
//!
//! Redis 7.0 parses the stored value and the increment with `strtold`
//! (`string2ld`), adds them as x86-64 `long double`s (x87 80-bit extended
//! precision: a 64-bit significand) and prints the sum with `%.17Lf`,
//! trimming trailing zeros (`ld2string` in `LD_STR_HUMAN` mode). An `f64`
//! sum gives different text for ordinary input (`0.1 + 0.2` is `0.3` in
//! Redis, `0.30000000000000004` in `f64`), so this module reproduces the
//! three steps exactly: correctly rounded parsing (half to even), addition
//! rounded to 64 significant bits, and exact decimal printing rounded half
//! to even at the 17th decimal.
//!
//! Values below the smallest normal `long double` (about 3.4e-4932) are
//! flushed to zero; printed with 17 decimals they would read `0` anyway.

mod bignum;
mod parse;

use bignum::BigUint;

/// Redis's `MAX_LONG_DOUBLE_CHARS`: longer input is not a valid float.
const MAX_CHARS: usize = 5 * 1024;

/// Exponent (of the top significand bit) of the largest finite value.
const MAX_TOP_EXP: i64 = 16383;

/// Exponent (of the top significand bit) of the smallest normal value.
const MIN_TOP_EXP: i64 = -16382;

/// Below this top-bit exponent even a subnormal rounds to zero: `strtold`
/// reports the underflow and Redis refuses the input.
const UNDERFLOW_TOP_EXP: i64 = -16446;

/// An x87 extended-precision value (finite or infinite; NaN is never
/// produced: operations that would make one return `None`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LongDouble {
    negative: bool,
    magnitude: Magnitude,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Magnitude {
    Zero,
    /// `mantissa * 2^exp`, with the top bit of `mantissa` set.
    Finite {
        mantissa: u64,
        exp: i64,
    },
    Infinite,
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble {
        negative: false,
        magnitude: Magnitude::Zero,
    };

    /// Parses a float as Redis's `string2ld` (see [`parse::parse`]).
    pub fn parse(raw: &[u8]) -> Option<LongDouble> {
        parse::parse(raw)
    }

    /// True unless infinite.
    pub fn is_finite(self) -> bool {
        !matches!(self.magnitude, Magnitude::Infinite)
    }

    /// The sum rounded to 64 significant bits (half to even). `None` when
    /// it is not finite (an infinite operand, or overflow).
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        let (a, b) = match (self.magnitude, other.magnitude) {
            (Magnitude::Infinite, _) | (_, Magnitude::Infinite) => return None,
            (Magnitude::Zero, Magnitude::Zero) => {
                return Some(LongDouble {
                    negative: self.negative && other.negative,
                    magnitude: Magnitude::Zero,
                });
            }
            (Magnitude::Zero, _) => return Some(other),
            (_, Magnitude::Zero) => return Some(self),
            (
                Magnitude::Finite {
                    mantissa: ma,
                    exp: ea,
                },
                Magnitude::Finite {
                    mantissa: mb,
                    exp: eb,
                },
            ) => ((self.negative, ma, ea), (other.negative, mb, eb)),
        };
        // The larger magnitude first.
        let (big, small) = if (a.2, a.1) >= (b.2, b.1) {
            (a, b)
        } else {
            (b, a)
        };
        let gap = big.2 - small.2;
        if gap > 128 {
            // The smaller is below a quarter ulp of the larger's 2^-64:
            // rounding gives the larger back.
            return Some(self_from(big.0, big.1, big.2));
        }
        // 62 guard bits; bits shifted out of the smaller set a sticky bit.
        let wide_a = u128::from(big.1) << 62;
        let wide_b = u128::from(small.1) << 62;
        let gap = gap as u32;
        let mut shifted = wide_b.checked_shr(gap).unwrap_or(0);
        if gap > 0 && shifted.checked_shl(gap).unwrap_or(0) != wide_b {
            shifted |= 1;
        }
        let sum = if big.0 == small.0 {
            wide_a + shifted
        } else {
            wide_a - shifted
        };
        if sum == 0 {
            return Some(LongDouble::ZERO);
        }
        let (mantissa, shift) = round_u128(sum);
        finish(big.0, mantissa, big.2 - 62 + shift)
    }

    /// The text Redis stores and replies for a `long double` (`%.17Lf`
    /// without trailing zeros or a trailing point; `-0` becomes `0`;
    /// `inf` / `-inf` for infinities).
    pub fn to_human(self) -> String {
        let (mantissa, exp) = match self.magnitude {
            Magnitude::Zero => return "0".to_string(),
            Magnitude::Infinite => {
                return if self.negative { "-inf" } else { "inf" }.to_string();
            }
            Magnitude::Finite { mantissa, exp } => (mantissa, exp),
        };
        let sign = if self.negative { "-" } else { "" };
        if exp >= 0 {
            let mut int = BigUint::from_u64(mantissa);
            int.shl(exp as u32);
            return format!("{sign}{}", int.to_decimal());
        }
        const SCALE: u128 = 100_000_000_000_000_000; // 10^17
        let scaled = u128::from(mantissa) * SCALE;
        let shift = (-exp) as u32;
        let rounded = if shift >= 128 {
            // Below 2^121 / 2^128: less than half a unit of the 17th decimal.
            0
        } else {
            let quotient = scaled >> shift;
            let rest = scaled - (quotient << shift);
            let half = 1u128 << (shift - 1);
            if rest > half || (rest == half && quotient & 1 == 1) {
                quotient + 1
            } else {
                quotient
            }
        };
        let (int, frac) = (rounded / SCALE, rounded % SCALE);
        let fraction = format!("{frac:017}");
        let fraction = fraction.trim_end_matches('0');
        let text = if fraction.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{fraction}")
        };
        if text == "-0" { "0".to_string() } else { text }
    }
}

/// A finite value from parts already normalized.
fn self_from(negative: bool, mantissa: u64, exp: i64) -> LongDouble {
    LongDouble {
        negative,
        magnitude: Magnitude::Finite { mantissa, exp },
    }
}

/// Rounds a nonzero `u128` to 64 significant bits, half to even (bit 0 of
/// `value` may be a sticky bit). Returns `(mantissa, shift)`, the value
/// being `mantissa * 2^shift`.
fn round_u128(value: u128) -> (u64, i64) {
    let len = 128 - value.leading_zeros();
    if len <= 64 {
        let pad = 64 - len;
        return ((value << pad) as u64, -i64::from(pad));
    }
    let drop = len - 64;
    let mut mantissa = (value >> drop) as u64;
    let half = (value >> (drop - 1)) & 1 == 1;
    let rest = value & ((1u128 << (drop - 1)) - 1) != 0;
    if half && (rest || mantissa & 1 == 1) {
        match mantissa.checked_add(1) {
            Some(m) => mantissa = m,
            None => return (1 << 63, i64::from(drop) + 1),
        }
    }
    (mantissa, i64::from(drop))
}

/// Checks the exponent range of `mantissa * 2^exp` (64-bit normalized
/// mantissa): `None` for overflow or underflow to zero; a subnormal is
/// flushed to zero.
fn finish(negative: bool, mantissa: u64, exp: i64) -> Option<LongDouble> {
    let top = exp + 63;
    if !(UNDERFLOW_TOP_EXP..=MAX_TOP_EXP).contains(&top) {
        None
    } else if top < MIN_TOP_EXP {
        Some(LongDouble {
            negative,
            magnitude: Magnitude::Zero,
        })
    } else {
        Some(self_from(negative, mantissa, exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).unwrap();
        let b = LongDouble::parse(b.as_bytes()).unwrap();
        a.checked_add(b).unwrap().to_human()
    }

    #[test]
    fn sums_print_like_redis() {
        // Each expected text was produced by redis-server 7.0.15.
        assert_eq!(add("0.1", "0.2"), "0.3");
        assert_eq!(add("10.5", "0.1"), "10.6");
        assert_eq!(add("1", "1e3"), "1001");
        assert_eq!(add("5.0e3", "2"), "5002");
        assert_eq!(add("0", "1e-20"), "0");
        assert_eq!(add("-1", "1"), "0");
        assert_eq!(add("3", "-5.5"), "-2.5");
        assert_eq!(add("1e30", "0"), "1000000000000000000024696061952");
        assert_eq!(add("1.5e-7", "5"), "5.00000015");
        assert_eq!(
            add("123456789.123456789", "0"),
            "123456789.12345678899873747"
        );
        assert_eq!(add("-0.00000000000000001", "0"), "-0.00000000000000001");
        assert_eq!(add("0.000000000000000015", "0"), "0.00000000000000002");
        assert_eq!(add("0x1.8p1", "0"), "3");
        assert_eq!(add("0.1", "0"), "0.1");
        assert_eq!(add("17179869184", "1.5"), "17179869185.5");
        assert_eq!(add("9223372036854775807", "1"), "9223372036854775808");
        assert_eq!(add("0x1p-2", "0"), "0.25");
        assert_eq!(add("1.0000000000000000001", "0"), "1");
        assert_eq!(add("0.000003814697265625", "0"), "0.00000381469726562");
        assert_eq!(add("0.000011444091796875", "0"), "0.00001144409179688");
    }

    #[test]
    fn overflow_and_infinities_are_not_finite_sums() {
        let max = LongDouble::parse(b"1.18973149535723176502e4932").unwrap();
        assert_eq!(max.checked_add(max), None);
        // The largest finite value prints with all its 4933 digits.
        let one_and_half = LongDouble::parse(b"1.5").unwrap();
        let text = max.checked_add(one_and_half).unwrap().to_human();
        assert_eq!(text.len(), 4933);
        assert!(text.starts_with("11897314953572317650212638530309702051690633"));
        assert!(
            text.ends_with("588489260031762345960769508849149662444156604419552086811989770240")
        );
        let inf = LongDouble::parse(b"inf").unwrap();
        assert_eq!(inf.checked_add(LongDouble::ZERO), None);
    }
}
