//! Stream entry ids (`<ms>-<seq>`) and Redis's rules for reading them from
//! arguments (`streamGenericParseIDOrReply`, `streamParseIntervalIDOrReply`).

use std::fmt;

use bytes::Bytes;

use crate::error::{CommandError, Result};
use crate::parse::parse_i64;

/// A stream entry id: milliseconds, then a sequence number within them.
/// Ordered as Redis orders ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The smallest id, `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest id, `18446744073709551615-18446744073709551615`.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// The id right after this one, `None` for [`StreamId::MAX`].
    pub fn next(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (_, seq) if seq < u64::MAX => Some(StreamId {
                seq: seq + 1,
                ..self
            }),
            (ms, _) if ms < u64::MAX => Some(StreamId { ms: ms + 1, seq: 0 }),
            _ => None,
        }
    }

    /// The id right before this one, `None` for [`StreamId::MIN`].
    pub fn prev(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (_, seq) if seq > 0 => Some(StreamId {
                seq: seq - 1,
                ..self
            }),
            (ms, _) if ms > 0 => Some(StreamId {
                ms: ms - 1,
                seq: u64::MAX,
            }),
            _ => None,
        }
    }

    /// The id as a bulk string's bytes (`1526919030474-55`).
    pub fn to_bytes(self) -> Bytes {
        Bytes::from(self.to_string())
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Redis's error for an id argument it cannot read.
pub fn invalid_id() -> CommandError {
    CommandError::err("Invalid stream ID specified as stream command argument")
}

/// Redis's `string2ull`: a canonical integer (refused when negative), or
/// else what C's `strtoull` accepts whole (leading spaces, a sign, leading
/// zeros; a `-` negates modulo 2^64), without overflow.
fn string2ull(text: &[u8]) -> Option<u64> {
    if let Some(v) = parse_i64(text) {
        return u64::try_from(v).ok();
    }
    let text = match text.iter().position(|b| !matches!(b, b' ' | b'\t'..=b'\r')) {
        Some(start) => &text[start..],
        None => return None,
    };
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add((d - b'0') as u64)
    })?;
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// How an id argument is read.
#[derive(Clone, Copy)]
pub struct IdRules {
    /// Refuse `-` and `+` (Redis's strict parse).
    pub strict: bool,
    /// The sequence when the argument has none (`5` is `5-<missing_seq>`).
    pub missing_seq: u64,
    /// Accept `<ms>-*` (XADD): the sequence is then left to the stream.
    pub auto_seq: bool,
}

/// A parsed id argument: the id, and whether its sequence was given (false
/// only for `<ms>-*`).
pub fn parse_id(raw: &[u8], rules: IdRules) -> Result<(StreamId, bool)> {
    if raw.len() > 127 {
        return Err(invalid_id());
    }
    match raw {
        b"-" | b"+" if rules.strict => return Err(invalid_id()),
        b"-" => return Ok((StreamId::MIN, true)),
        b"+" => return Ok((StreamId::MAX, true)),
        _ => {}
    }
    let (ms_part, seq_part) = match raw.iter().position(|&b| b == b'-') {
        Some(dash) => (&raw[..dash], Some(&raw[dash + 1..])),
        None => (raw, None),
    };
    let ms = string2ull(ms_part).ok_or_else(invalid_id)?;
    let (seq, seq_given) = match seq_part {
        None => (rules.missing_seq, true),
        Some(b"*") if rules.auto_seq => (0, false),
        Some(seq) => (string2ull(seq).ok_or_else(invalid_id)?, true),
    };
    Ok((StreamId { ms, seq }, seq_given))
}

/// A strict id (`XDEL`, `XREAD`, `MINID`): no `-`/`+`, missing sequence 0.
pub fn parse_strict(raw: &[u8]) -> Result<StreamId> {
    let rules = IdRules {
        strict: true,
        missing_seq: 0,
        auto_seq: false,
    };
    parse_id(raw, rules).map(|(id, _)| id)
}

/// One end of an XRANGE interval: `-`, `+`, an id (a missing sequence is
/// 0 for the start, the largest for the end), or `(id` for an exclusive
/// end. Errors: the invalid-id error; `ERR invalid start ID for the
/// interval` / `ERR invalid end ID for the interval` when an exclusive end
/// has no neighbour.
pub fn parse_interval(raw: &[u8], is_start: bool) -> Result<StreamId> {
    let missing_seq = if is_start { 0 } else { u64::MAX };
    let exclusive = raw.len() > 1 && raw[0] == b'(';
    let rules = IdRules {
        strict: exclusive,
        missing_seq,
        auto_seq: false,
    };
    let body = if exclusive { &raw[1..] } else { raw };
    let (id, _) = parse_id(body, rules)?;
    if !exclusive {
        return Ok(id);
    }
    let moved = if is_start { id.next() } else { id.prev() };
    moved.ok_or_else(|| {
        CommandError::err(if is_start {
            "invalid start ID for the interval"
        } else {
            "invalid end ID for the interval"
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    #[test]
    fn ids_parse_like_redis() {
        let strict = |s: &str| parse_strict(s.as_bytes());
        assert_eq!(strict("5"), Ok(id(5, 0)));
        assert_eq!(strict("5-3"), Ok(id(5, 3)));
        assert_eq!(strict("00005-1"), Ok(id(5, 1)));
        assert_eq!(strict(" 1"), Ok(id(1, 0)));
        assert_eq!(strict("+2"), Ok(id(2, 0)));
        assert!(strict("-").is_err());
        assert!(strict("-1").is_err());
        assert!(strict("5-").is_err());
        assert!(strict("5--3").is_err());
        assert!(strict("x").is_err());
        assert!(strict("18446744073709551616").is_err());
        assert_eq!(strict("5--0"), Ok(id(5, 0)));
        assert_eq!(parse_interval(b"-", true), Ok(StreamId::MIN));
        assert_eq!(parse_interval(b"5", false), Ok(id(5, u64::MAX)));
        assert_eq!(parse_interval(b"(5-1", true), Ok(id(5, 2)));
        assert_eq!(parse_interval(b"(5-0", false), Ok(id(4, u64::MAX)));
        assert!(parse_interval(b"(-", true).is_err());
        assert!(parse_interval(b"(0-0", false).is_err());
    }

    #[test]
    fn auto_sequence_only_when_allowed() {
        let xadd = IdRules {
            strict: true,
            missing_seq: 0,
            auto_seq: true,
        };
        assert_eq!(parse_id(b"7-*", xadd), Ok((id(7, 0), false)));
        assert!(parse_strict(b"7-*").is_err());
    }
}
