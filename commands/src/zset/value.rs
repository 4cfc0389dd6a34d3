//! The value of a sorted-set key: member → score for look-ups, plus the
//! `(score, member)` order for ranks and ranges, and the encoding Redis
//! 7.0 would report for it.

use bytes::Bytes;
use indexmap::IndexMap;

use super::lex::LexRange;
use super::score::{ScoreRange, fmt_score};
use super::sorted::{Score, SortedList};
use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Container, Db, Value};

/// Redis 7.0's default `zset-max-listpack-entries`: a sorted set with more
/// members is a `skiplist`.
pub const MAX_LISTPACK_ENTRIES: usize = 128;
/// Redis 7.0's default `zset-max-listpack-value`: a member longer than this
/// (bytes) makes the set a `skiplist`.
pub const MAX_LISTPACK_VALUE: usize = 64;
/// Members per `ZADD` of the AOF rewrite (Redis's `AOF_REWRITE_ITEMS_PER_CMD`).
const REWRITE_PAIRS_PER_CMD: usize = 64;
/// Approximate bytes of bookkeeping per member (map slot, order slot).
const MEMBER_OVERHEAD: usize = 80;

/// A sorted set. Never empty while stored in the keyspace: commands remove
/// the key when they take its last member.
#[derive(Clone, Default)]
pub struct ZSetValue {
    /// Member → score. Insertion-ordered with swap-removal, so positions
    /// serve as `ZSCAN` cursors and `ZRANDMEMBER` picks in O(1).
    scores: IndexMap<Bytes, f64>,
    /// The `(score, member)` order.
    order: SortedList,
    /// True once Redis would have converted the set to a `skiplist`: a
    /// write never converts back (store commands build their result anew
    /// with [`ZSetValue::from_pairs`]).
    skiplist: bool,
    /// Sum of the members' lengths, for `MEMORY USAGE`.
    member_bytes: usize,
}

impl ZSetValue {
    /// A set holding `pairs` (later duplicates of a member win), encoded as
    /// Redis encodes a freshly built result (`ZUNIONSTORE`, `ZRANGESTORE`):
    /// `listpack` when small enough, else `skiplist`.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Bytes, f64)>) -> ZSetValue {
        let mut set = ZSetValue {
            skiplist: true,
            ..ZSetValue::default()
        };
        for (member, score) in pairs {
            set.insert(member, score);
        }
        set.skiplist = set.len() > MAX_LISTPACK_ENTRIES
            || set.scores.keys().any(|m| m.len() > MAX_LISTPACK_VALUE);
        if !set.skiplist {
            set.normalise_zeros();
        }
        set
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// True while `OBJECT ENCODING` reports `listpack`.
    pub fn is_listpack(&self) -> bool {
        !self.skiplist
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Sets the score of `member`, adding it when absent. Returns the old
    /// score. `score` must not be NaN.
    ///
    /// Converts to `skiplist` when a new member is longer than
    /// `MAX_LISTPACK_VALUE` or the set grows past `MAX_LISTPACK_ENTRIES`,
    /// as Redis's `zsetAdd`. A listpack stores `-0` as `0` (Redis writes
    /// the score as text, integer form first); a skiplist keeps `-0`.
    pub fn insert(&mut self, member: Bytes, mut score: f64) -> Option<f64> {
        let old = self.scores.get(&member).copied();
        if old.is_none()
            && !self.skiplist
            && (self.len() + 1 > MAX_LISTPACK_ENTRIES || member.len() > MAX_LISTPACK_VALUE)
        {
            self.skiplist = true;
        }
        if !self.skiplist && score == 0.0 {
            score = 0.0;
        }
        match old {
            Some(old_score) => {
                self.order.remove(&(Score(old_score), member.clone()));
            }
            None => self.member_bytes += member.len(),
        }
        self.order.insert((Score(score), member.clone()));
        self.scores.insert(member, score);
        old
    }

    /// Removes `member`. Returns its score when it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (member, score) = self.scores.swap_remove_entry(member)?;
        self.order.remove(&(Score(score), member.clone()));
        self.member_bytes -= member.len();
        Some(score)
    }

    /// Removes and returns the lowest (`max` false) or highest pair.
    pub fn pop(&mut self, max: bool) -> Option<(Bytes, f64)> {
        let (score, member) = self.order.pop(max)?;
        self.scores.swap_remove(&member);
        self.member_bytes -= member.len();
        Some((member, score.0))
    }

    /// Turns every stored `-0` into `0` (a listpack's text form).
    fn normalise_zeros(&mut self) {
        let negative: Vec<Bytes> = self
            .scores
            .iter()
            .filter(|(_, s)| **s == 0.0 && s.is_sign_negative())
            .map(|(m, _)| m.clone())
            .collect();
        for member in negative {
            self.insert(member, 0.0);
        }
    }

    /// The 0-based rank of `member` in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let (member, score) = self.scores.get_key_value(member)?;
        self.order.rank(&(Score(*score), member.clone()))
    }

    /// The pair at ascending rank `rank`.
    pub fn at_rank(&self, rank: usize) -> Option<(&Bytes, f64)> {
        self.order.get(rank).map(|(s, m)| (m, s.0))
    }

    /// Every pair, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, f64)> + '_ {
        self.iter_from(0)
    }

    /// The pairs from ascending rank `rank` on, ascending.
    pub fn iter_from(&self, rank: usize) -> impl Iterator<Item = (&Bytes, f64)> + '_ {
        self.order.iter_from(rank).map(|(s, m)| (m, s.0))
    }

    /// The pairs from ascending rank `rank` down to the lowest, descending.
    pub fn rev_iter_from(&self, rank: usize) -> impl Iterator<Item = (&Bytes, f64)> + '_ {
        self.order.rev_iter_from(rank).map(|(s, m)| (m, s.0))
    }

    /// The pair at storage position `pos` (`ZSCAN` cursors, random picks).
    pub fn at_position(&self, pos: usize) -> Option<(&Bytes, f64)> {
        self.scores.get_index(pos).map(|(m, s)| (m, *s))
    }

    /// Rank of the lowest pair within `range`, as Redis's
    /// `zslFirstInRange`.
    pub fn first_in_score(&self, range: &ScoreRange) -> Option<usize> {
        if range.is_empty() {
            return None;
        }
        let at = self.order.partition_point(|(s, _)| !range.gte_min(s.0));
        self.at_rank(at)
            .filter(|(_, s)| range.lte_max(*s))
            .map(|_| at)
    }

    /// Rank of the highest pair within `range` (`zslLastInRange`).
    pub fn last_in_score(&self, range: &ScoreRange) -> Option<usize> {
        if range.is_empty() {
            return None;
        }
        let at = self.order.partition_point(|(s, _)| range.lte_max(s.0));
        let at = at.checked_sub(1)?;
        self.at_rank(at)
            .filter(|(_, s)| range.gte_min(*s))
            .map(|_| at)
    }

    /// Redis's `zslIsInLexRange`: the range is not empty, the highest
    /// member is not below it and the lowest not above it.
    fn may_hold_lex(&self, range: &LexRange) -> bool {
        !range.is_empty()
            && self
                .at_rank(self.len().wrapping_sub(1))
                .is_some_and(|(m, _)| range.gte_min(m))
            && self.at_rank(0).is_some_and(|(m, _)| range.lte_max(m))
    }

    /// Rank where a lex range starts, as Redis's `zzlFirstInLexRange` /
    /// `zslFirstInLexRange`. Lex ranges assume equal scores; with mixed
    /// scores Redis's answer depends on the encoding, and so does this
    /// one: a listpack is walked from the start, a skiplist searched.
    pub fn first_in_lex(&self, range: &LexRange) -> Option<usize> {
        if !self.may_hold_lex(range) {
            return None;
        }
        let at = if self.skiplist {
            self.order.partition_point(|(_, m)| !range.gte_min(m))
        } else {
            self.iter().position(|(m, _)| range.gte_min(m))?
        };
        self.at_rank(at)
            .filter(|(m, _)| range.lte_max(m))
            .map(|_| at)
    }

    /// Rank where a lex range ends, walking back (`zzlLastInLexRange` /
    /// `zslLastInLexRange`); see [`ZSetValue::first_in_lex`].
    pub fn last_in_lex(&self, range: &LexRange) -> Option<usize> {
        if !self.may_hold_lex(range) {
            return None;
        }
        let at = if self.skiplist {
            self.order
                .partition_point(|(_, m)| range.lte_max(m))
                .checked_sub(1)?
        } else {
            let from_end = self
                .rev_iter_from(usize::MAX)
                .position(|(m, _)| range.lte_max(m))?;
            self.len() - 1 - from_end
        };
        self.at_rank(at)
            .filter(|(m, _)| range.gte_min(m))
            .map(|_| at)
    }
}

impl Container for ZSetValue {
    fn encoding(&self) -> &'static str {
        if self.skiplist {
            "skiplist"
        } else {
            "listpack"
        }
    }

    fn memory_bytes(&self) -> usize {
        self.member_bytes + self.len() * MEMBER_OVERHEAD + std::mem::size_of::<ZSetValue>()
    }

    /// `ZADD key score member ...`, `REWRITE_PAIRS_PER_CMD` pairs a
    /// command, scores in `%.17g` form (which reads back exactly).
    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let pairs: Vec<(&Bytes, f64)> = self.iter().collect();
        pairs
            .chunks(REWRITE_PAIRS_PER_CMD)
            .map(|chunk| {
                let mut argv = Vec::with_capacity(2 + 2 * chunk.len());
                argv.push(Bytes::from_static(b"ZADD"));
                argv.push(key.clone());
                for (member, score) in chunk {
                    argv.push(Bytes::from(fmt_score(*score)));
                    argv.push((*member).clone());
                }
                argv
            })
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }
}

/// The sorted set at `key` for a write (no keyspace hit/miss counted, as
/// Redis's `lookupKeyWrite`); `None` when there is no key. Error:
/// WRONGTYPE for another type.
pub fn zset_mut<'a>(db: &'a mut Db, key: &[u8], now_ms: i64) -> Result<Option<&'a mut ZSetValue>> {
    match db.get(key, now_ms) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::ZSet(zset) => Ok(Some(zset)),
            _ => Err(CommandError::wrong_type()),
        },
    }
}

/// Runs `f` on the sorted set at `key` for a read command (counts a
/// keyspace hit or miss, touches the access time, as `lookupKeyRead`);
/// `None` when there is no key. Error: WRONGTYPE for another type.
pub fn read_zset<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&ZSetValue) -> R,
) -> Result<Option<R>> {
    read_with(db, key, now_ms, |entry| match &entry.value {
        Value::ZSet(zset) => Ok(f(zset)),
        _ => Err(CommandError::wrong_type()),
    })
    .transpose()
}

/// Drops the key when its set emptied, as every removing command does.
pub fn remove_if_empty(db: &mut Db, key: &[u8], now_ms: i64) {
    if matches!(zset_mut(db, key, now_ms), Ok(Some(z)) if z.is_empty()) {
        db.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::from(s.to_string())
    }

    #[test]
    fn encoding_follows_redis_limits() {
        let mut z = ZSetValue::default();
        for i in 0..MAX_LISTPACK_ENTRIES {
            z.insert(b(&format!("m{i}")), i as f64);
        }
        assert_eq!(z.encoding(), "listpack");
        z.insert(b("one-more"), 0.0);
        assert_eq!(z.encoding(), "skiplist");
        z.remove(b"one-more");
        assert_eq!(z.encoding(), "skiplist", "never converts back");
        let mut long = ZSetValue::default();
        long.insert(b(&"x".repeat(MAX_LISTPACK_VALUE)), 1.0);
        assert_eq!(long.encoding(), "listpack");
        long.insert(b(&"x".repeat(MAX_LISTPACK_VALUE + 1)), 1.0);
        assert_eq!(long.encoding(), "skiplist");
        let rebuilt = ZSetValue::from_pairs(z.iter().take(3).map(|(m, s)| (m.clone(), s)));
        assert_eq!(rebuilt.encoding(), "listpack");
    }

    #[test]
    fn listpack_stores_negative_zero_as_zero() {
        let mut z = ZSetValue::default();
        z.insert(b("a"), -0.0);
        assert!(z.score(b"a").unwrap().is_sign_positive());
        z.insert(b(&"x".repeat(70)), 1.0);
        z.insert(b("b"), -0.0);
        assert!(z.score(b"b").unwrap().is_sign_negative());
    }

    #[test]
    fn ranks_ranges_and_rewrite() {
        let mut z = ZSetValue::default();
        for (m, s) in [("a", 1.0), ("b", 2.0), ("c", 2.0), ("d", 3.5)] {
            z.insert(b(m), s);
        }
        z.insert(b("a"), 5.0);
        assert_eq!(z.rank(b"a"), Some(3));
        assert_eq!(z.rank(b"b"), Some(0));
        let r = ScoreRange::parse(b"(2", b"5").unwrap();
        assert_eq!(
            (z.first_in_score(&r), z.last_in_score(&r)),
            (Some(2), Some(3))
        );
        let none = ScoreRange::parse(b"6", b"+inf").unwrap();
        assert_eq!(z.first_in_score(&none), None);
        let argv = z.rewrite_commands(&b("k"));
        let words: Vec<&[u8]> = argv[0].iter().map(|a| a.as_ref()).collect();
        assert_eq!(
            words,
            [
                &b"ZADD"[..],
                b"k",
                b"2",
                b"b",
                b"2",
                b"c",
                b"3.5",
                b"d",
                b"5",
                b"a"
            ]
        );
        assert_eq!(z.pop(true), Some((b("a"), 5.0)));
        assert_eq!(z.pop(false), Some((b("b"), 2.0)));
        assert_eq!(z.len(), 2);
    }
}
