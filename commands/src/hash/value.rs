//! The hash value and the encoding rules Redis 7.0 applies to it
//! (`t_hash.c`'s `hashType*` API).
//!
//! A hash starts `listpack`-encoded and becomes `hashtable` for good once it
//! holds more than [`MAX_LISTPACK_ENTRIES`] fields or is given a field or
//! value longer than [`MAX_LISTPACK_VALUE`] bytes; removing fields never
//! converts it back (a restart or AOF rewrite does, as in Redis). The two
//! encodings differ in what clients can see: a listpack keeps insertion
//! order and answers `HSCAN` in one call; a hashtable is scanned with a
//! cursor.

use bytes::Bytes;
use indexmap::IndexMap;

use crate::keyspace::Container;

/// Redis 7.0's built-in `hash-max-listpack-entries` (what `CONFIG GET`
/// reports on a server started without a config file).
pub const MAX_LISTPACK_ENTRIES: usize = 512;

/// Redis 7.0's built-in `hash-max-listpack-value`, in bytes.
pub const MAX_LISTPACK_VALUE: usize = 64;

/// Field/value pairs per `HSET` in the AOF rewrite (Redis's
/// `AOF_REWRITE_ITEMS_PER_CMD`).
const REWRITE_PAIRS_PER_CMD: usize = 64;

/// Approximate bytes a field/value pair costs beyond its own bytes.
const PAIR_OVERHEAD: usize = 48;

/// The value of a hash key: field → value. Never empty while stored in the
/// keyspace: commands remove the key when they delete its last field.
#[derive(Clone, Default)]
pub struct HashValue {
    /// The pairs; in insertion order while the hash is a listpack.
    fields: IndexMap<Bytes, Bytes>,
    /// True once the hash has been converted to the `hashtable` encoding.
    hashtable: bool,
}

impl HashValue {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the hash has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// True when `OBJECT ENCODING` reports `listpack`.
    pub fn is_listpack(&self) -> bool {
        !self.hashtable
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&Bytes> {
        self.fields.get(field)
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.fields.contains_key(field)
    }

    /// Sets `field` to `value`, converting to `hashtable` when either is
    /// too long for a listpack or the hash grows past
    /// `MAX_LISTPACK_ENTRIES`. Returns true when the field is new.
    pub fn set(&mut self, field: Bytes, value: Bytes) -> bool {
        if field.len() > MAX_LISTPACK_VALUE || value.len() > MAX_LISTPACK_VALUE {
            self.hashtable = true;
        }
        let added = self.fields.insert(field, value).is_none();
        if self.fields.len() > MAX_LISTPACK_ENTRIES {
            self.hashtable = true;
        }
        added
    }

    /// Removes `field`. Returns true when it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        if self.hashtable {
            // A hashtable has no order to keep.
            self.fields.swap_remove(field).is_some()
        } else {
            self.fields.shift_remove(field).is_some()
        }
    }

    /// The pairs in the hash's order (insertion order for a listpack).
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Bytes)> {
        self.fields.iter()
    }

    /// The pair at position `index` of [`HashValue::iter`]'s order.
    pub fn get_index(&self, index: usize) -> Option<(&Bytes, &Bytes)> {
        self.fields.get_index(index)
    }
}

impl Container for HashValue {
    /// `listpack` or `hashtable`, as Redis 7.0.
    fn encoding(&self) -> &'static str {
        if self.hashtable {
            "hashtable"
        } else {
            "listpack"
        }
    }

    fn memory_bytes(&self) -> usize {
        let pairs: usize = self
            .fields
            .iter()
            .map(|(f, v)| f.len() + v.len() + PAIR_OVERHEAD)
            .sum();
        pairs + std::mem::size_of::<HashValue>()
    }

    /// `HSET key f1 v1 f2 v2 ...`, at most `REWRITE_PAIRS_PER_CMD` pairs
    /// a command, in the hash's order, so a listpack replays in the same
    /// order.
    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let pairs: Vec<(&Bytes, &Bytes)> = self.fields.iter().collect();
        pairs
            .chunks(REWRITE_PAIRS_PER_CMD)
            .map(|chunk| {
                let mut argv = Vec::with_capacity(chunk.len() * 2 + 2);
                argv.push(Bytes::from_static(b"HSET"));
                argv.push(key.clone());
                for (field, value) in chunk {
                    argv.push((*field).clone());
                    argv.push((*value).clone());
                }
                argv
            })
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::from(s.to_string())
    }

    #[test]
    fn long_values_and_many_fields_convert_for_good() {
        let mut h = HashValue::default();
        assert!(h.set(b("a"), Bytes::from(vec![b'x'; MAX_LISTPACK_VALUE])));
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.set(b("a"), Bytes::from(vec![b'x'; MAX_LISTPACK_VALUE + 1])));
        assert_eq!(h.encoding(), "hashtable");
        h.remove(b"a");
        assert!(h.set(b("a"), b("1")));
        assert_eq!(h.encoding(), "hashtable");

        let mut h = HashValue::default();
        for i in 0..MAX_LISTPACK_ENTRIES {
            h.set(b(&format!("f{i}")), b("v"));
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b("one more"), b("v"));
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn listpack_keeps_insertion_order_across_removals() {
        let mut h = HashValue::default();
        for f in ["a", "b", "c", "d"] {
            h.set(b(f), b("v"));
        }
        h.remove(b"b");
        h.set(b("a"), b("w"));
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f.as_ref()).collect();
        assert_eq!(order, [&b"a"[..], b"c", b"d"]);
    }

    #[test]
    fn rewrite_chunks_pairs() {
        let mut h = HashValue::default();
        for i in 0..130 {
            h.set(b(&format!("f{i}")), b(&i.to_string()));
        }
        let cmds = h.rewrite_commands(&b("k"));
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0].len(), 2 + 2 * REWRITE_PAIRS_PER_CMD);
        assert_eq!(cmds[2].len(), 2 + 2 * 2);
        assert_eq!(cmds[0][2], b("f0"));
        assert_eq!(cmds[0][3], b("0"));
    }
}
