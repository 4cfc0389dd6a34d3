//! Decimal and hexadecimal text to [`LongDouble`], as glibc's `strtold`
//! reads it and Redis's `string2ld` accepts it: correctly rounded (half to
//! even) to a 64-bit significand, with exact big-integer arithmetic.

use super::bignum::BigUint;
use super::{LongDouble, MAX_CHARS, Magnitude, finish};

/// Parses a float as Redis's `string2ld`: `strtold` syntax (optional
/// sign, decimal with optional exponent, hexadecimal `0x...p...`,
/// `inf`/`infinity`), no leading space, nothing after the number,
/// at most 5119 bytes. `None` for anything else, for NaN, and for
/// values that overflow or underflow to zero. Bytes after a NUL are
/// ignored, as the C string ends there.
pub(super) fn parse(raw: &[u8]) -> Option<LongDouble> {
    if raw.is_empty() || raw.len() >= MAX_CHARS {
        return None;
    }
    let text = raw.split(|&b| b == 0).next().unwrap_or_default();
    if text.is_empty() {
        // strtold converts nothing and stops at the NUL: 0.
        return Some(LongDouble::ZERO);
    }
    if matches!(text[0], b' ' | b'\t'..=b'\r') {
        return None;
    }
    let (negative, body) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        Magnitude::Infinite
    } else if body.len() > 2 && body[0] == b'0' && body[1].eq_ignore_ascii_case(&b'x') {
        parse_hex(&body[2..])?
    } else {
        parse_decimal(body)?
    };
    Some(LongDouble {
        negative,
        magnitude,
    })
}

/// A saturating exponent: optional sign then at least one digit. Returns
/// the value and the bytes used, or `None` when there is no exponent.
fn parse_exponent(text: &[u8]) -> Option<(i64, usize)> {
    let (negative, start) = match text.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let digits = text[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let value = text[start..start + digits].iter().fold(0i64, |acc, d| {
        acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    Some((if negative { -value } else { value }, start + digits))
}

/// Splits `digits[.digits]` off the front of `text` (digits as `is_digit`
/// says). Returns the digits (point removed), how many followed the point,
/// and the bytes used.
fn split_mantissa(text: &[u8], is_digit: impl Fn(u8) -> bool) -> (Vec<u8>, usize, usize) {
    let int = text.iter().take_while(|&&b| is_digit(b)).count();
    let mut digits = text[..int].to_vec();
    let mut used = int;
    let mut frac = 0;
    if text.get(int) == Some(&b'.') {
        frac = text[int + 1..].iter().take_while(|&&b| is_digit(b)).count();
        digits.extend_from_slice(&text[int + 1..int + 1 + frac]);
        used = int + 1 + frac;
    }
    (digits, frac, used)
}

/// A decimal magnitude: `digits[.digits][e[sign]digits]`, the whole text.
fn parse_decimal(text: &[u8]) -> Option<Magnitude> {
    let (digits, frac, mut used) = split_mantissa(text, |b| b.is_ascii_digit());
    if digits.is_empty() {
        return None;
    }
    let mut exp10 = -(frac as i64);
    if matches!(text.get(used), Some(b'e' | b'E'))
        && let Some((exp, len)) = parse_exponent(&text[used + 1..])
    {
        exp10 = exp10.saturating_add(exp);
        used += 1 + len;
    }
    if used != text.len() {
        return None;
    }
    let start = digits.iter().take_while(|&&d| d == b'0').count();
    let significant = &digits[start..];
    let trailing = significant.iter().rev().take_while(|&&d| d == b'0').count();
    let significant = &significant[..significant.len() - trailing];
    if significant.is_empty() {
        return Some(Magnitude::Zero);
    }
    exp10 = exp10.saturating_add(trailing as i64);
    // The value lies in [10^(magnitude-1), 10^magnitude).
    let magnitude = exp10.saturating_add(significant.len() as i64);
    if !(-4951..=4934).contains(&magnitude) {
        return None;
    }
    let mut n = BigUint::default();
    for &d in significant {
        n.mul_add_small(10, u32::from(d - b'0'));
    }
    let (mantissa, shift) = if exp10 >= 0 {
        n.mul_pow10(exp10 as u32);
        n.round_to_bits(64, false)
    } else {
        let k = (-exp10) as u32;
        // 10^k has at most k*log2(10) + 1 bits: scale so the quotient keeps
        // at least 66 of them.
        let divisor_bits = u64::from(k) * 3322 / 1000 + 2;
        let extra = (66 + divisor_bits).saturating_sub(u64::from(n.bit_len())) as u32;
        n.shl(extra);
        let sticky = n.div_pow10(k);
        let (mantissa, shift) = n.round_to_bits(64, sticky);
        (mantissa, shift - i64::from(extra))
    };
    finish(false, mantissa, shift).map(|value| value.magnitude)
}

/// A hexadecimal magnitude after `0x`: `hex[.hex][p[sign]digits]`.
fn parse_hex(text: &[u8]) -> Option<Magnitude> {
    let (digits, frac, mut used) = split_mantissa(text, |b| b.is_ascii_hexdigit());
    if digits.is_empty() {
        return None;
    }
    let mut exp2 = -4 * frac as i64;
    if matches!(text.get(used), Some(b'p' | b'P'))
        && let Some((exp, len)) = parse_exponent(&text[used + 1..])
    {
        exp2 = exp2.saturating_add(exp);
        used += 1 + len;
    }
    if used != text.len() {
        return None;
    }
    let mut n = BigUint::default();
    for &d in &digits {
        let value = char::from(d).to_digit(16).unwrap_or(0);
        n.mul_add_small(16, value);
    }
    if n.is_zero() {
        return Some(Magnitude::Zero);
    }
    let (mantissa, shift) = n.round_to_bits(64, false);
    finish(false, mantissa, shift.saturating_add(exp2)).map(|value| value.magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_follows_string2ld() {
        for bad in [
            "", " 1", "1 ", "abc", "1e", "1e+", ".", "-", "nan", "NaN", "1x", "0x", "0xg",
            "1e5000", "-1e5000", "1e-5000", "--1",
        ] {
            assert_eq!(parse(bad.as_bytes()), None, "{bad:?}");
        }
        for good in [
            "1",
            "+1",
            "-1.5",
            ".5",
            "5.",
            "1E3",
            "inf",
            "-Infinity",
            "0x1.8p1",
            "0e-9999",
        ] {
            assert!(parse(good.as_bytes()).is_some(), "{good:?}");
        }
        assert!(!parse(b"inf").unwrap().is_finite());
        assert_eq!(parse(b"1\0junk"), parse(b"1"));
        assert_eq!(parse(&[b'1'; MAX_CHARS]), None);
    }
}
