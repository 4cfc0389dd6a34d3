//! Lexicographical ranges (`ZRANGEBYLEX`, `ZLEXCOUNT`, `ZREMRANGEBYLEX`,
//! `ZRANGE ... BYLEX`): `[a` (inclusive), `(a` (exclusive), `-` and `+`
//! (below and above every member), compared byte-wise as Redis's
//! `sdscmplex`.

use std::cmp::Ordering;

use bytes::Bytes;

use crate::error::{CommandError, Result};

/// One end of a lexicographical range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edge {
    /// `-`: below every string.
    Bottom,
    /// `+`: above every string.
    Top,
    /// A member.
    At(Bytes),
}

/// A lexicographical range, as Redis's `zlexrangespec`. `-` and `+` are
/// exclusive, as Redis parses them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    /// Lower end.
    pub min: Edge,
    /// Upper end.
    pub max: Edge,
    /// True when `min` itself is excluded.
    pub minex: bool,
    /// True when `max` itself is excluded.
    pub maxex: bool,
}

/// Redis's `sdscmplex`: `-` is below and `+` above everything, themselves
/// included only when equal.
fn cmp_edges(a: &Edge, b: &Edge) -> Ordering {
    match (a, b) {
        (Edge::Bottom, Edge::Bottom) | (Edge::Top, Edge::Top) => Ordering::Equal,
        (Edge::Bottom, _) | (_, Edge::Top) => Ordering::Less,
        (Edge::Top, _) | (_, Edge::Bottom) => Ordering::Greater,
        (Edge::At(x), Edge::At(y)) => x.cmp(y),
    }
}

/// `member` compared with an edge.
fn cmp_member(member: &[u8], edge: &Edge) -> Ordering {
    match edge {
        Edge::Bottom => Ordering::Greater,
        Edge::Top => Ordering::Less,
        Edge::At(at) => member.cmp(at.as_ref()),
    }
}

/// One item of a range, as Redis's `zslParseLexRangeItem`: `+` or `-`
/// alone (a C string: a NUL byte ends it), or `(`/`[` and a member.
fn parse_item(raw: &Bytes) -> Option<(Edge, bool)> {
    let alone = raw.get(1).is_none_or(|&c| c == 0);
    match raw.first()? {
        b'+' if alone => Some((Edge::Top, true)),
        b'-' if alone => Some((Edge::Bottom, true)),
        b'(' => Some((Edge::At(raw.slice(1..)), true)),
        b'[' => Some((Edge::At(raw.slice(1..)), false)),
        _ => None,
    }
}

impl LexRange {
    /// Parses `min max`. Error: `ERR min or max not valid string range item`.
    pub fn parse(min: &Bytes, max: &Bytes) -> Result<LexRange> {
        let bad = || CommandError::err("min or max not valid string range item");
        let (min, minex) = parse_item(min).ok_or_else(bad)?;
        let (max, maxex) = parse_item(max).ok_or_else(bad)?;
        Ok(LexRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    /// True when `member` is at or above the lower end.
    pub fn gte_min(&self, member: &[u8]) -> bool {
        let cmp = cmp_member(member, &self.min);
        if self.minex { cmp.is_gt() } else { cmp.is_ge() }
    }

    /// True when `member` is at or below the upper end.
    pub fn lte_max(&self, member: &[u8]) -> bool {
        let cmp = cmp_member(member, &self.max);
        if self.maxex { cmp.is_lt() } else { cmp.is_le() }
    }

    /// True when no member can be in the range.
    pub fn is_empty(&self) -> bool {
        let cmp = cmp_edges(&self.min, &self.max);
        cmp.is_gt() || (cmp.is_eq() && (self.minex || self.maxex))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(min: &str, max: &str) -> Result<LexRange> {
        LexRange::parse(&Bytes::from(min.to_string()), &Bytes::from(max.to_string()))
    }

    #[test]
    fn items_parse_like_redis() {
        assert!(range("-", "+").is_ok());
        assert!(range("[a", "(b").is_ok());
        assert!(range("(", "[").is_ok());
        for (min, max) in [("a", "+"), ("", "+"), ("-x", "+"), ("-", "+y")] {
            assert!(range(min, max).is_err(), "{min} {max}");
        }
    }

    #[test]
    fn bounds_compare_bytewise() {
        let r = range("[b", "(d").unwrap();
        assert!(!r.gte_min(b"a") && r.gte_min(b"b") && r.gte_min(b"c"));
        assert!(r.lte_max(b"c") && !r.lte_max(b"d"));
        let all = range("-", "+").unwrap();
        assert!(all.gte_min(b"") && all.lte_max(b"\xff"));
        assert!(range("+", "-").unwrap().is_empty());
        assert!(range("-", "-").unwrap().is_empty());
        assert!(range("[b", "(b").unwrap().is_empty());
        assert!(!range("[b", "[b").unwrap().is_empty());
    }
}
