//! Scores: reading them as Redis 7.0 does (C's `strtod`, with the checks of
//! `getDoubleFromObject` for `ZADD`/`ZINCRBY`/`WEIGHTS` and the laxer ones
//! of `zslParseRange` for `ZCOUNT`/`ZRANGEBYSCORE` bounds), score ranges
//! (`1.5`, `(1.5`, `-inf`, `+inf`), and printing a score the way Redis
//! prints one outside a double reply (`%.17g`).

use crate::error::{CommandError, Result};

/// What C's `strtod` reads at the start of some text.
struct Strtod {
    /// The value read (0 when nothing was read).
    value: f64,
    /// Bytes consumed, leading white space included; 0 when nothing numeric
    /// was found (C then points the end back at the start).
    consumed: usize,
    /// C's `ERANGE`: a finite literal overflowed to infinity or a non-zero
    /// literal underflowed (to zero or a subnormal).
    range_error: bool,
}

/// C's `isspace` in the "C" locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn starts_with_ci(text: &[u8], word: &[u8]) -> bool {
    text.len() >= word.len() && text[..word.len()].eq_ignore_ascii_case(word)
}

/// Reads the longest prefix of `text` that C's `strtod` accepts: leading
/// white space, a sign, then `inf`/`infinity`/`nan[(chars)]` (any case), a
/// hexadecimal float (`0x1.8p3`) or a decimal one (`1.5e3`, `.5`, `5.`).
fn strtod(text: &[u8]) -> Strtod {
    let nothing = Strtod {
        value: 0.0,
        consumed: 0,
        range_error: false,
    };
    let mut i = text.iter().take_while(|&&c| is_c_space(c)).count();
    let negative = text.get(i) == Some(&b'-');
    if matches!(text.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = &text[i..];
    if starts_with_ci(rest, b"inf") {
        let len = if starts_with_ci(rest, b"infinity") {
            8
        } else {
            3
        };
        return Strtod {
            value: sign * f64::INFINITY,
            consumed: i + len,
            range_error: false,
        };
    }
    if starts_with_ci(rest, b"nan") {
        let mut len = 3;
        if rest.get(3) == Some(&b'(')
            && let Some(close) = rest[4..].iter().position(|&c| c == b')')
            && rest[4..4 + close]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            len = 4 + close + 1;
        }
        return Strtod {
            value: f64::NAN,
            consumed: i + len,
            range_error: false,
        };
    }
    if rest.len() > 2
        && rest[0] == b'0'
        && (rest[1] | 0x20) == b'x'
        && let Some((magnitude, len, range_error)) = hex_float(&rest[2..])
    {
        return Strtod {
            value: sign * magnitude,
            consumed: i + 2 + len,
            range_error,
        };
    }
    match decimal_len(rest) {
        0 => nothing,
        len => {
            let literal = std::str::from_utf8(&rest[..len]).unwrap_or("0");
            let magnitude: f64 = literal.parse().unwrap_or(0.0);
            let mantissa = literal.split(['e', 'E']).next().unwrap_or("");
            let nonzero = mantissa.bytes().any(|c| matches!(c, b'1'..=b'9'));
            Strtod {
                value: sign * magnitude,
                consumed: i + len,
                range_error: magnitude.is_infinite() || (nonzero && !magnitude.is_normal()),
            }
        }
    }
}

/// Length of the decimal float at the start of `text` (`digits[.digits]`
/// with at least one digit, then an optional exponent that has digits);
/// 0 when there is none.
fn decimal_len(text: &[u8]) -> usize {
    let digits = |from: usize| {
        text[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let int = digits(0);
    let mut len = int;
    let mut frac = 0;
    if text.get(len) == Some(&b'.') {
        frac = digits(len + 1);
        if int + frac > 0 {
            len += 1 + frac;
        }
    }
    if int + frac == 0 {
        return 0;
    }
    if matches!(text.get(len), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(text.get(len + 1), Some(b'+' | b'-')));
        let exp = digits(len + 1 + sign);
        if exp > 0 {
            len += 1 + sign + exp;
        }
    }
    len
}

/// Reads a hexadecimal float after its `0x`: `hex[.hex][p[+-]digits]`.
/// Returns the magnitude, the bytes read and whether it overflowed or
/// underflowed; `None` when no hex digit follows (C then reads just `0`).
/// Digits beyond 15 significant ones are truncated.
fn hex_float(text: &[u8]) -> Option<(f64, usize, bool)> {
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut seen = false;
    let mut nonzero = false;
    let mut i = 0;
    let mut in_fraction = false;
    while let Some(&c) = text.get(i) {
        if c == b'.' && !in_fraction {
            in_fraction = true;
            i += 1;
            continue;
        }
        let Some(digit) = (c as char).to_digit(16) else {
            break;
        };
        seen = true;
        nonzero |= digit != 0;
        if mantissa >> 56 == 0 {
            mantissa = mantissa * 16 + u64::from(digit);
            exponent -= if in_fraction { 4 } else { 0 };
        } else if !in_fraction {
            exponent += 4;
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    if matches!(text.get(i), Some(b'p' | b'P')) {
        let negative = text.get(i + 1) == Some(&b'-');
        let sign = usize::from(matches!(text.get(i + 1), Some(b'+' | b'-')));
        let digits: Vec<u8> = text[i + 1 + sign..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .copied()
            .collect();
        if !digits.is_empty() {
            let value = digits.iter().fold(0i64, |acc, &d| {
                (acc * 10 + i64::from(d - b'0')).min(100_000)
            });
            exponent += if negative { -value } else { value };
            i += 1 + sign + digits.len();
        }
    }
    let scale = 2f64.powi(exponent.clamp(-2000, 2000) as i32);
    let magnitude = if mantissa == 0 {
        0.0
    } else if scale == 0.0 || scale.is_infinite() {
        // 2^exponent alone is out of range: scale in two steps.
        let half = 2f64.powi((exponent / 2).clamp(-1100, 1100) as i32);
        let other = 2f64.powi((exponent - exponent / 2).clamp(-1100, 1100) as i32);
        mantissa as f64 * half * other
    } else {
        mantissa as f64 * scale
    };
    let range_error = magnitude.is_infinite() || (nonzero && !magnitude.is_normal());
    Some((magnitude, i, range_error))
}

/// A score argument (`ZADD`, `ZINCRBY`, `WEIGHTS`), as Redis's
/// `getDoubleFromObject`: the whole text must be a `strtod` float, not
/// empty, not starting with white space, not NaN, and not a finite
/// literal out of `f64` range. `inf`, `-inf`, `+inf`, `infinity` and
/// hexadecimal floats are accepted.
pub fn parse_score(raw: &[u8]) -> Option<f64> {
    if raw.first().is_none_or(|&c| is_c_space(c)) {
        return None;
    }
    let read = strtod(raw);
    let out_of_range = read.range_error && (read.value.is_infinite() || read.value == 0.0);
    (read.consumed == raw.len() && !read.value.is_nan() && !out_of_range).then_some(read.value)
}

/// A score argument, or `ERR value is not a valid float`.
pub fn score_arg(raw: &[u8]) -> Result<f64> {
    parse_score(raw).ok_or_else(CommandError::not_float)
}

/// A score range: `min`/`max` with their exclusive flags (`(1.5`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// True when `min` itself is excluded.
    pub minex: bool,
    /// True when `max` itself is excluded.
    pub maxex: bool,
}

impl ScoreRange {
    /// Parses `min max` as Redis's `zslParseRange`: an optional `(` makes a
    /// bound exclusive, the rest is read by `strtod` up to the end (so
    /// leading white space, an empty bound (0) and `1e400` (inf) are
    /// accepted). Error: `ERR min or max is not a float` (NaN included).
    pub fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange> {
        let bad = || CommandError::err("min or max is not a float");
        let (min, minex) = parse_bound(min).ok_or_else(bad)?;
        let (max, maxex) = parse_bound(max).ok_or_else(bad)?;
        Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    /// True when `score` is at or above the lower bound.
    pub fn gte_min(&self, score: f64) -> bool {
        if self.minex {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// True when `score` is at or below the upper bound.
    pub fn lte_max(&self, score: f64) -> bool {
        if self.maxex {
            score < self.max
        } else {
            score <= self.max
        }
    }

    /// True when no score can be in the range.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One bound of a score range; `None` when it is not a float. The text
/// ends at its end or at a NUL byte (C strings).
fn parse_bound(raw: &[u8]) -> Option<(f64, bool)> {
    let (text, exclusive) = match raw.first() {
        Some(b'(') => (&raw[1..], true),
        _ => (raw, false),
    };
    let read = strtod(text);
    let at_end = text.get(read.consumed).is_none_or(|&c| c == 0);
    (at_end && !read.value.is_nan()).then_some((read.value, exclusive))
}

/// `score` as C's `printf("%.17g")` prints it, the form Redis 7.0 uses for
/// scores in bulk strings (`ZSCAN`, the AOF rewrite): `1`, `1.5`,
/// `0.10000000000000001`, `1e+20`, `inf`, `-inf`, `-0`.
pub fn fmt_score(score: f64) -> String {
    if score.is_nan() {
        return "nan".into();
    }
    if score.is_infinite() {
        return if score > 0.0 { "inf" } else { "-inf" }.into();
    }
    if score == 0.0 {
        return if score.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // %g picks its notation from the exponent after rounding to 17
    // significant digits, which is what `{:.16e}` gives.
    let scientific = format!("{score:.16e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..17).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_fraction_zeros(mantissa),
            exponent.unsigned_abs()
        )
    } else {
        let fixed = format!("{score:.*}", (16 - exponent) as usize);
        strip_fraction_zeros(&fixed).to_string()
    }
}

/// `%g` drops the fraction's trailing zeros, and the point when nothing is left.
fn strip_fraction_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_parse_like_get_double_from_object() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"1.5e3"), Some(1500.0));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b"0x1.8p1"), Some(3.0));
        assert_eq!(parse_score(b".5"), Some(0.5));
        assert_eq!(parse_score(b"5."), Some(5.0));
        assert_eq!(parse_score(b"-0"), Some(-0.0));
        assert!(parse_score(b"1e-310").is_some_and(|v| v > 0.0));
        for bad in [
            &b"nan"[..],
            b"-nan",
            b"abc",
            b"",
            b" 1",
            b"1 ",
            b"1e",
            b"1e400",
            b"1e-400",
            b".",
            b"0x",
            b"1\x002",
        ] {
            assert_eq!(parse_score(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn range_bounds_parse_like_zsl_parse_range() {
        let r = ScoreRange::parse(b"(1", b"2").unwrap();
        assert_eq!((r.min, r.minex, r.max, r.maxex), (1.0, true, 2.0, false));
        assert_eq!(ScoreRange::parse(b"(", b"").unwrap().min, 0.0);
        assert_eq!(
            ScoreRange::parse(b" 1", b"1e400").unwrap().max,
            f64::INFINITY
        );
        assert_eq!(ScoreRange::parse(b"0x1", b"2").unwrap().min, 1.0);
        for bad in [&b"abc"[..], b"(nan", b"1 ", b"   ", b"1e"] {
            assert!(ScoreRange::parse(bad, b"1").is_err(), "{bad:?}");
        }
        assert!(ScoreRange::parse(b"(2", b"2").unwrap().is_empty());
        assert!(!ScoreRange::parse(b"2", b"2").unwrap().is_empty());
    }

    #[test]
    fn scores_print_like_printf_17g() {
        assert_eq!(fmt_score(1.0), "1");
        assert_eq!(fmt_score(1.5), "1.5");
        assert_eq!(fmt_score(1.1), "1.1000000000000001");
        assert_eq!(fmt_score(0.1), "0.10000000000000001");
        assert_eq!(fmt_score(1e20), "1e+20");
        assert_eq!(fmt_score(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(fmt_score(1e-5), "1.0000000000000001e-05");
        assert_eq!(fmt_score(0.0001), "0.0001");
        assert_eq!(fmt_score(f64::NEG_INFINITY), "-inf");
        assert_eq!(fmt_score(-0.0), "-0");
        assert_eq!(fmt_score(-0.9), "-0.90000000000000002");
    }
}
