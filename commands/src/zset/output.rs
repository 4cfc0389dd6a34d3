//! What the sorted-set commands hand back: `(member, score)` lists in the
//! reply shapes Redis 7.0 uses, and results stored at a destination key
//! (`ZRANGESTORE`, `ZUNIONSTORE`, `ZINTERSTORE`, `ZDIFFSTORE`).

use bytes::Bytes;

use super::value::ZSetValue;
use crate::keyspace::{Db, Value};
use crate::reply::Reply;

/// How a list of pairs goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Members only: `[m1, m2, ...]`.
    Members,
    /// `[m1, s1, m2, s2, ...]` (RESP2 `WITHSCORES`, `ZPOPMIN` without count).
    Flat,
    /// `[[m1, s1], [m2, s2], ...]` (RESP3 `WITHSCORES`, `ZMPOP`).
    Nested,
}

impl Shape {
    /// The shape of a `WITHSCORES` reply: nested pairs in RESP3, a flat
    /// array in RESP2; members only without scores.
    pub fn with_scores(withscores: bool, resp3: bool) -> Shape {
        match (withscores, resp3) {
            (false, _) => Shape::Members,
            (true, true) => Shape::Nested,
            (true, false) => Shape::Flat,
        }
    }
}

/// `pairs` as an array of the given shape; scores are doubles (bulk
/// strings in `%.17g` form for RESP2).
pub fn pairs_reply(pairs: Vec<(Bytes, f64)>, shape: Shape) -> Reply {
    let items = match shape {
        Shape::Members => pairs.into_iter().map(|(m, _)| Reply::Bulk(m)).collect(),
        Shape::Flat => pairs
            .into_iter()
            .flat_map(|(m, s)| [Reply::Bulk(m), Reply::Double(s)])
            .collect(),
        Shape::Nested => pairs
            .into_iter()
            .map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)]))
            .collect(),
    };
    Reply::Array(items)
}

/// Stores `pairs` as a new sorted set at `dst` (replacing any value and
/// its TTL), or deletes `dst` when there are none, as Redis's store
/// commands finish; logs `argv` when that changed the keyspace (a stored
/// set, or an existing `dst` deleted). Returns the stored set's length
/// and the value it replaced, for the caller to drop once the database is
/// unlocked (it may be a large session).
pub fn store_result(
    db: &mut Db,
    dst: Bytes,
    pairs: Vec<(Bytes, f64)>,
    now_ms: i64,
    argv: &[Bytes],
) -> (usize, Option<Value>) {
    if pairs.is_empty() {
        let mut replaced = None;
        if db.contains(&dst, now_ms) {
            replaced = db.remove(&dst).map(|e| e.value);
            db.log(now_ms, argv);
        }
        return (0, replaced);
    }
    let set = ZSetValue::from_pairs(pairs);
    let len = set.len();
    let replaced = db.insert(dst, Value::ZSet(Box::new(set)), None, now_ms);
    db.log(now_ms, argv);
    (len, replaced.map(|e| e.value))
}
