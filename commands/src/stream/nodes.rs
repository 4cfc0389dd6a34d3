//! The shape of Redis's stream storage, kept alongside the entries so that
//! approximate trimming (`MAXLEN ~`, `MINID ~`) removes exactly what Redis
//! removes.
//!
//! Redis stores a stream as a radix tree of listpack "nodes". A node starts
//! with a master entry (live count, deleted count, the field names of its
//! first entry) and takes entries until it holds `stream-node-max-entries`
//! (100) of them, live or deleted, or its listpack reaches
//! `stream-node-max-bytes` (4096); deleted entries stay in place as
//! tombstones until the whole node goes. Approximate trimming only drops
//! whole nodes, so the result depends on where nodes end, which depends on
//! listpack byte sizes. [`Node`] tracks exactly what decides that: counts,
//! the master fields and the listpack's length, computed with listpack's
//! encoding rules (integers in 1-9 bytes, strings with 1-5 byte headers,
//! a 1-5 byte back-length per element). Both limits are Redis 7.0's
//! defaults.

use bytes::Bytes;

use super::id::StreamId;
use crate::parse::parse_i64;

/// Redis 7.0's default `stream-node-max-entries`.
pub const NODE_MAX_ENTRIES: u64 = 100;
/// Redis 7.0's default `stream-node-max-bytes`.
pub const NODE_MAX_BYTES: usize = 4096;
/// The largest total field and value size one entry may have.
pub const MAX_ENTRY_BYTES: usize = 1 << 30;

/// Listpack header (total bytes, element count) plus the end byte.
const LISTPACK_OVERHEAD: usize = 6 + 1;
/// Entry flag: the entry's fields are the master entry's.
const SAME_FIELDS: i64 = 2;

/// Bytes of an element's back-length for an encoding of `len` bytes.
fn backlen(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..16383 => 2,
        16383..2097151 => 3,
        2097151..268435455 => 4,
        _ => 5,
    }
}

/// Bytes of a listpack integer element.
fn int_size(v: i64) -> usize {
    let encoded = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8388608..=8388607 => 4,
        -2147483648..=2147483647 => 5,
        _ => 9,
    };
    encoded + backlen(encoded)
}

/// Bytes of a listpack string element (stored as an integer when it reads
/// as one, as listpack does).
fn str_size(s: &[u8]) -> usize {
    if let Some(v) = parse_i64(s) {
        return int_size(v);
    }
    let encoded = match s.len() {
        0..64 => 1 + s.len(),
        64..4096 => 2 + s.len(),
        _ => 5 + s.len(),
    };
    encoded + backlen(encoded)
}

/// One listpack node: what Redis's append and trim decisions read.
#[derive(Clone, Debug)]
pub struct Node {
    /// Field names of the master entry.
    master_fields: Vec<Bytes>,
    /// Live entries.
    pub live: u64,
    /// Tombstones (deleted entries still stored).
    pub deleted: u64,
    /// Bytes of every element except the two counters.
    body: usize,
    /// Id of the last entry stored (live or not).
    pub last: StreamId,
}

impl Node {
    /// A node whose first entry is `id` with `fields`.
    pub fn new(id: StreamId, fields: &[(Bytes, Bytes)]) -> Node {
        let master_fields: Vec<Bytes> = fields.iter().map(|(f, _)| f.clone()).collect();
        let master = int_size(master_fields.len() as i64)
            + master_fields.iter().map(|f| str_size(f)).sum::<usize>()
            + int_size(0);
        let mut node = Node {
            master_fields,
            live: 0,
            deleted: 0,
            body: master,
            last: id,
        };
        node.push(id, id, fields);
        node
    }

    /// The listpack's total length in bytes.
    pub fn bytes(&self) -> usize {
        LISTPACK_OVERHEAD + int_size(self.live as i64) + int_size(self.deleted as i64) + self.body
    }

    /// True when Redis would start a new node rather than append an entry
    /// whose fields and values total `entry_bytes` to this one.
    pub fn is_full_for(&self, entry_bytes: usize) -> bool {
        self.bytes() + entry_bytes >= NODE_MAX_BYTES || self.live + self.deleted >= NODE_MAX_ENTRIES
    }

    /// Appends entry `id` to this node whose master id is `master`.
    pub fn push(&mut self, master: StreamId, id: StreamId, fields: &[(Bytes, Bytes)]) {
        let same = fields.len() == self.master_fields.len()
            && fields
                .iter()
                .zip(&self.master_fields)
                .all(|((f, _), m)| f == m);
        let mut size = int_size(if same { SAME_FIELDS } else { 0 })
            + int_size(id.ms.wrapping_sub(master.ms) as i64)
            + int_size(id.seq.wrapping_sub(master.seq) as i64);
        let mut elements = 3 + fields.len() as i64;
        if !same {
            size += int_size(fields.len() as i64);
            size += fields.iter().map(|(f, _)| str_size(f)).sum::<usize>();
            elements += fields.len() as i64 + 1;
        }
        size += fields.iter().map(|(_, v)| str_size(v)).sum::<usize>();
        size += int_size(elements);
        self.body += size;
        self.live += 1;
        self.last = id;
    }

    /// Marks one live entry deleted (its flag changes in place, same size).
    pub fn mark_deleted(&mut self) {
        self.live -= 1;
        self.deleted += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_sizes_follow_listpack() {
        assert_eq!(int_size(0), 2);
        assert_eq!(int_size(127), 2);
        assert_eq!(int_size(128), 3);
        assert_eq!(int_size(-1), 3);
        assert_eq!(int_size(40_000), 5);
        assert_eq!(int_size(1 << 40), 10);
        assert_eq!(str_size(b"12"), 2);
        assert_eq!(str_size(b"012"), 5);
        assert_eq!(str_size(&[b'a'; 63]), 65);
        assert_eq!(str_size(&[b'a'; 64]), 67);
        assert_eq!(str_size(&[b'a'; 200]), 204);
    }

    #[test]
    fn a_node_of_one_small_entry() {
        let id = StreamId { ms: 1, seq: 1 };
        let fields = vec![(Bytes::from("f"), Bytes::from("v"))];
        let node = Node::new(id, &fields);
        // Header 6 + counts 2+2 + master (2 + 3 + 2) + entry
        // (flags 2, deltas 2+2, value 3, lp-count 2) + end 1.
        assert_eq!(node.bytes(), 6 + 4 + 7 + 11 + 1);
        assert!(!node.is_full_for(10));
    }
}
