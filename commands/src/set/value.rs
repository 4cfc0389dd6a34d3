//! The set value and the encoding rules Redis 7.0 applies to it
//! (`t_set.c`'s `setType*` API).
//!
//! A set starts `intset`-encoded: sorted 64-bit integers, which is why
//! `SMEMBERS` lists such a set in numeric order. It becomes `hashtable` for
//! good once it is given a member that is not an integer in Redis's
//! canonical form (`string2ll`: no `+`, no leading zeros, no spaces) or
//! grows past [`MAX_INTSET_ENTRIES`]; removals never convert it back (a
//! restart or AOF rewrite does, as in Redis).

use bytes::Bytes;
use indexmap::IndexSet;

use crate::keyspace::Container;
use crate::parse::parse_i64;

/// Redis 7.0's built-in `set-max-intset-entries`.
pub const MAX_INTSET_ENTRIES: usize = 512;

/// Members per `SADD` in the AOF rewrite (Redis's
/// `AOF_REWRITE_ITEMS_PER_CMD`).
const REWRITE_MEMBERS_PER_CMD: usize = 64;

/// Approximate bytes a hashtable member costs beyond its own bytes.
const MEMBER_OVERHEAD: usize = 32;

/// The value of a set key. Never empty while stored in the keyspace:
/// commands remove the key when they take its last member.
#[derive(Clone)]
pub struct SetValue {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// `intset`: distinct integers, ascending.
    Ints(Vec<i64>),
    /// `hashtable`: members in insertion order (removal moves the last
    /// member into the hole, which keeps `SSCAN` cursors valid).
    Table(IndexSet<Bytes>),
}

impl Default for SetValue {
    /// An empty `intset`, as Redis creates a set for an integer member (and
    /// converts it at once for any other).
    fn default() -> SetValue {
        SetValue {
            repr: Repr::Ints(Vec::new()),
        }
    }
}

/// The members of a set, as bytes, in the set's order.
pub enum Members<'a> {
    /// Integers, formatted as they arrive.
    Ints(std::slice::Iter<'a, i64>),
    /// Stored members.
    Table(indexmap::set::Iter<'a, Bytes>),
}

impl Iterator for Members<'_> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        match self {
            Members::Ints(it) => it.next().map(|n| Bytes::from(n.to_string())),
            Members::Table(it) => it.next().cloned(),
        }
    }
}

impl SetValue {
    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(ints) => ints.len(),
            Repr::Table(table) => table.len(),
        }
    }

    /// True when the set has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `OBJECT ENCODING` reports `intset`.
    pub fn is_intset(&self) -> bool {
        matches!(self.repr, Repr::Ints(_))
    }

    /// True when `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            Repr::Ints(ints) => parse_i64(member).is_some_and(|n| ints.binary_search(&n).is_ok()),
            Repr::Table(table) => table.contains(member),
        }
    }

    /// Adds `member`, converting to `hashtable` for a non-integer member or
    /// past `MAX_INTSET_ENTRIES`. Returns true when it was not there.
    pub fn insert(&mut self, member: Bytes) -> bool {
        if let Repr::Ints(ints) = &mut self.repr {
            let Some(n) = parse_i64(&member) else {
                self.convert();
                return self.insert(member);
            };
            let Err(at) = ints.binary_search(&n) else {
                return false;
            };
            ints.insert(at, n);
            if ints.len() > MAX_INTSET_ENTRIES {
                self.convert();
            }
            return true;
        }
        match &mut self.repr {
            Repr::Table(table) => table.insert(member),
            Repr::Ints(_) => false,
        }
    }

    /// Removes `member`. Returns true when it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Ints(ints) => match parse_i64(member).map(|n| ints.binary_search(&n)) {
                Some(Ok(at)) => {
                    ints.remove(at);
                    true
                }
                _ => false,
            },
            Repr::Table(table) => table.swap_remove(member),
        }
    }

    /// The member at position `index` of the set's order.
    pub fn get_index(&self, index: usize) -> Option<Bytes> {
        match &self.repr {
            Repr::Ints(ints) => ints.get(index).map(|n| Bytes::from(n.to_string())),
            Repr::Table(table) => table.get_index(index).cloned(),
        }
    }

    /// Removes and returns the member at position `index`.
    pub fn remove_index(&mut self, index: usize) -> Option<Bytes> {
        match &mut self.repr {
            Repr::Ints(ints) => {
                (index < ints.len()).then(|| Bytes::from(ints.remove(index).to_string()))
            }
            Repr::Table(table) => table.swap_remove_index(index),
        }
    }

    /// The members in the set's order: ascending for an intset.
    pub fn members(&self) -> Members<'_> {
        match &self.repr {
            Repr::Ints(ints) => Members::Ints(ints.iter()),
            Repr::Table(table) => Members::Table(table.iter()),
        }
    }

    /// Switches to the `hashtable` encoding, keeping the members (in
    /// ascending order).
    fn convert(&mut self) {
        if let Repr::Ints(ints) = &self.repr {
            let table = ints.iter().map(|n| Bytes::from(n.to_string())).collect();
            self.repr = Repr::Table(table);
        }
    }
}

impl Container for SetValue {
    /// `intset` or `hashtable`, as Redis 7.0 (its `listpack` sets came
    /// with 7.2).
    fn encoding(&self) -> &'static str {
        if self.is_intset() {
            "intset"
        } else {
            "hashtable"
        }
    }

    fn memory_bytes(&self) -> usize {
        let members = match &self.repr {
            Repr::Ints(ints) => ints.len() * std::mem::size_of::<i64>(),
            Repr::Table(table) => table.iter().map(|m| m.len() + MEMBER_OVERHEAD).sum(),
        };
        members + std::mem::size_of::<SetValue>()
    }

    /// `SADD key m1 m2 ...`, at most `REWRITE_MEMBERS_PER_CMD` members a
    /// command, in the set's order.
    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let members: Vec<Bytes> = self.members().collect();
        members
            .chunks(REWRITE_MEMBERS_PER_CMD)
            .map(|chunk| {
                let mut argv = Vec::with_capacity(chunk.len() + 2);
                argv.push(Bytes::from_static(b"SADD"));
                argv.push(key.clone());
                argv.extend_from_slice(chunk);
                argv
            })
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::from(s.to_string())
    }

    fn listed(set: &SetValue) -> Vec<String> {
        set.members()
            .map(|m| String::from_utf8_lossy(&m).into_owned())
            .collect()
    }

    #[test]
    fn integers_stay_sorted_until_a_string_arrives() {
        let mut s = SetValue::default();
        for m in ["3", "-5", "10", "1", "3"] {
            s.insert(b(m));
        }
        assert_eq!(s.encoding(), "intset");
        assert_eq!(listed(&s), ["-5", "1", "3", "10"]);
        assert!(s.contains(b"10") && !s.contains(b"010") && !s.contains(b"x"));
        assert!(s.insert(b("a")));
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(listed(&s), ["-5", "1", "3", "10", "a"]);
        assert!(s.remove(b"a"));
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn non_canonical_integers_and_size_convert() {
        for m in ["01", "+1", "-0", " 1", "9223372036854775808"] {
            let mut s = SetValue::default();
            s.insert(b(m));
            assert_eq!(s.encoding(), "hashtable", "{m}");
        }
        let mut s = SetValue::default();
        for i in 0..MAX_INTSET_ENTRIES {
            s.insert(b(&i.to_string()));
        }
        assert_eq!(s.encoding(), "intset");
        s.insert(b("-1"));
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), MAX_INTSET_ENTRIES + 1);
    }

    #[test]
    fn rewrite_chunks_members() {
        let mut s = SetValue::default();
        for i in 0..130 {
            s.insert(b(&i.to_string()));
        }
        let cmds = s.rewrite_commands(&b("k"));
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0][2], b("0"));
        assert_eq!(cmds[2].len(), 2 + 2);
    }
}
