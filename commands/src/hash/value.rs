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
//!
//! The encodings are also two memory layouts:
//!
//! - **listpack**: one heap buffer, exactly as long as its contents
//!   (rebuilt at the new size on every write that changes a length, as
//!   Redis reallocates its listpack), holding the pairs in insertion order
//!   as `field-entry value-entry field-entry value-entry ...`, where an
//!   entry is the byte length as an unsigned LEB128 varint (7 bits a byte,
//!   low bits first, high bit set on every byte but the last: one byte for
//!   lengths below 128, so for every length a listpack allows) followed by
//!   the bytes themselves. The pair count comes first, as two bytes
//!   (little-endian), as Redis's listpack header keeps its element count;
//!   an empty hash has no buffer at all.
//!   Lookups scan the buffer from the start, as Redis does. Updating a
//!   field's value keeps its position; removing a pair closes the gap.
//! - **hashtable**: a boxed `IndexMap<Bytes, Bytes>`, built from the
//!   listpack's pairs in their order at conversion; removal moves the last
//!   pair into the hole (`swap_remove`).

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

/// Approximate bytes a hashtable pair costs beyond its own bytes: the
/// `IndexMap` bucket (the hash and two `Bytes` handles) and its slot in the
/// index table.
const TABLE_PAIR_OVERHEAD: usize =
    std::mem::size_of::<u64>() + 2 * std::mem::size_of::<Bytes>() + std::mem::size_of::<usize>();

/// The value of a hash key: field → value. Never empty while stored in the
/// keyspace: commands remove the key when they delete its last field.
#[derive(Clone, Default)]
pub struct HashValue {
    repr: Repr,
}

/// The two encodings (see the module docs).
#[derive(Clone)]
enum Repr {
    /// `listpack`: the packed pairs.
    Listpack(Listpack),
    /// `hashtable`, for good.
    Table(Box<IndexMap<Bytes, Bytes>>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Listpack(Listpack::default())
    }
}

/// The packed pairs of a listpack hash (layout in the module docs). One
/// pointer and a length: with the count inside the buffer, a hash fits the
/// keyspace's 24-byte [`Value`](crate::keyspace::Value).
#[derive(Clone, Default)]
struct Listpack {
    /// The pair count ([`HEADER`] bytes), then `field-entry value-entry`
    /// for each pair, in insertion order; exactly sized (empty, with no
    /// allocation, for no pairs).
    buf: Box<[u8]>,
}

/// Bytes of the pair count at the start of a listpack buffer.
const HEADER: usize = 2;

// The count's two bytes hold any listpack's number of pairs.
const _: () = assert!(MAX_LISTPACK_ENTRIES <= u16::MAX as usize);

/// Byte offsets of one pair inside a listpack buffer.
#[derive(Clone, Copy)]
struct PairSpan {
    /// Where the field's entry starts.
    start: usize,
    /// Where the value's entry (its length varint) starts.
    value_start: usize,
    /// One past the value's last byte.
    end: usize,
}

/// Appends `n` as an unsigned LEB128 varint.
fn write_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Bytes [`write_varint`] writes for `n` (1 to 10).
fn varint_len(n: usize) -> usize {
    let bits = usize::BITS - n.leading_zeros();
    (bits as usize).div_ceil(7).max(1)
}

/// Reads the varint at `pos`: its value and the position after it. `None`
/// when the buffer ends inside it or it does not fit a `usize`.
fn read_varint(buf: &[u8], mut pos: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    let mut shift = 0u32;
    loop {
        let byte = *buf.get(pos)?;
        pos += 1;
        let bits = usize::from(byte & 0x7f);
        if shift >= usize::BITS || (bits << shift) >> shift != bits {
            return None;
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Some((value, pos));
        }
        shift += 7;
    }
}

/// Reads the entry (varint length, then bytes) at `pos`: its bytes and the
/// position after it. `None` at the end of the buffer (or on a truncated
/// entry, which the writers never produce).
fn read_entry(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let (len, start) = read_varint(buf, pos)?;
    let end = start.checked_add(len)?;
    Some((buf.get(start..end)?, end))
}

/// The pairs of a listpack buffer, in order, with their spans.
struct ListpackPairs<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for ListpackPairs<'a> {
    type Item = (&'a [u8], &'a [u8], PairSpan);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.pos;
        let (field, value_start) = read_entry(self.buf, start)?;
        let (value, end) = read_entry(self.buf, value_start)?;
        self.pos = end;
        Some((
            field,
            value,
            PairSpan {
                start,
                value_start,
                end,
            },
        ))
    }
}

impl Listpack {
    /// The pairs with their spans, in insertion order.
    fn pairs(&self) -> ListpackPairs<'_> {
        ListpackPairs {
            buf: &self.buf,
            pos: HEADER,
        }
    }

    /// Number of pairs (read from the header; 0 for no buffer).
    fn len(&self) -> usize {
        match *self.buf {
            [lo, hi, ..] => usize::from(u16::from_le_bytes([lo, hi])),
            _ => 0,
        }
    }

    /// The pair whose field is `field`: its value and span.
    fn find(&self, field: &[u8]) -> Option<(&[u8], PairSpan)> {
        self.pairs()
            .find(|(f, _, _)| *f == field)
            .map(|(_, v, span)| (v, span))
    }

    /// Replaces `self.buf[range]` with `entries`, each written as an entry,
    /// in a new exactly-sized buffer holding `count` pairs (no buffer for
    /// none). `range` must lie inside the pairs (callers pass spans found
    /// in them, or their end).
    fn splice(&mut self, range: std::ops::Range<usize>, entries: &[&[u8]], count: usize) {
        if count == 0 {
            self.buf = Box::default();
            return;
        }
        // Both empty when there is no buffer yet (`push` to an empty hash).
        let head = self.buf.get(HEADER..range.start).unwrap_or_default();
        let tail = self.buf.get(range.end..).unwrap_or_default();
        let added: usize = entries.iter().map(|e| varint_len(e.len()) + e.len()).sum();
        let mut out = Vec::with_capacity(HEADER + head.len() + added + tail.len());
        // `count` is at most MAX_LISTPACK_ENTRIES, which fits (see HEADER).
        out.extend_from_slice(&(count as u16).to_le_bytes());
        out.extend_from_slice(head);
        for entry in entries {
            write_varint(&mut out, entry.len());
            out.extend_from_slice(entry);
        }
        out.extend_from_slice(tail);
        self.buf = out.into_boxed_slice();
    }

    /// Sets the value of the pair at `span` (whose current value is
    /// `old_len` bytes long), keeping its position.
    fn replace_value(&mut self, span: PairSpan, old_len: usize, value: &[u8]) {
        if old_len == value.len() {
            // Same length, same varint: overwrite in place.
            self.buf[span.end - old_len..span.end].copy_from_slice(value);
        } else {
            self.splice(span.value_start..span.end, &[value], self.len());
        }
    }

    /// Appends a new pair.
    fn push(&mut self, field: &[u8], value: &[u8]) {
        let end = self.buf.len().max(HEADER);
        self.splice(end..end, &[field, value], self.len() + 1);
    }

    /// Removes the pair whose field is `field`. Returns true when it existed.
    fn remove(&mut self, field: &[u8]) -> bool {
        let Some((_, span)) = self.find(field) else {
            return false;
        };
        self.splice(span.start..span.end, &[], self.len() - 1);
        true
    }

    /// The pairs copied into a hashtable, in the listpack's order, with
    /// room for one more.
    fn to_table(&self) -> IndexMap<Bytes, Bytes> {
        let mut map = IndexMap::with_capacity(self.len() + 1);
        for (field, value, _) in self.pairs() {
            map.insert(Bytes::copy_from_slice(field), Bytes::copy_from_slice(value));
        }
        map
    }
}

/// The pairs of a hash in its order (see [`HashValue::iter`]).
enum Iter<'a> {
    Listpack(ListpackPairs<'a>),
    Table(indexmap::map::Iter<'a, Bytes, Bytes>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(pairs) => pairs.next().map(|(f, v, _)| (f, v)),
            Iter::Table(pairs) => pairs.next().map(|(f, v)| (f.as_ref(), v.as_ref())),
        }
    }
}

impl HashValue {
    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len(),
            Repr::Table(map) => map.len(),
        }
    }

    /// True when the hash has no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `OBJECT ENCODING` reports `listpack`.
    pub fn is_listpack(&self) -> bool {
        matches!(self.repr, Repr::Listpack(_))
    }

    /// The value of `field`, borrowed from the hash (a linear scan for a
    /// listpack).
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Listpack(lp) => lp.find(field).map(|(value, _)| value),
            Repr::Table(map) => map.get(field).map(Bytes::as_ref),
        }
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Sets `field` to `value`, converting to `hashtable` when either is
    /// longer than [`MAX_LISTPACK_VALUE`] bytes or the hash grows past
    /// [`MAX_LISTPACK_ENTRIES`] fields. An existing field keeps its
    /// position. Returns true when the field is new.
    pub fn set(&mut self, field: Bytes, value: Bytes) -> bool {
        match &mut self.repr {
            Repr::Table(map) => map.insert(field, value).is_none(),
            Repr::Listpack(lp) => {
                if field.len() <= MAX_LISTPACK_VALUE && value.len() <= MAX_LISTPACK_VALUE {
                    if let Some((old, span)) = lp.find(&field) {
                        let old_len = old.len();
                        lp.replace_value(span, old_len, &value);
                        return false;
                    }
                    if lp.len() < MAX_LISTPACK_ENTRIES {
                        lp.push(&field, &value);
                        return true;
                    }
                }
                // Too long, or one field too many: a hashtable for good,
                // holding the pairs in their listpack order.
                let mut map = lp.to_table();
                let added = map.insert(field, value).is_none();
                self.repr = Repr::Table(Box::new(map));
                added
            }
        }
    }

    /// Removes `field`. Returns true when it existed. A listpack keeps the
    /// other pairs' order; a hashtable moves its last pair into the hole.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(lp) => lp.remove(field),
            // A hashtable has no order to keep.
            Repr::Table(map) => map.swap_remove(field).is_some(),
        }
    }

    /// The `(field, value)` pairs in the hash's order (insertion order for
    /// a listpack), borrowed from the hash.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        match &self.repr {
            Repr::Listpack(lp) => Iter::Listpack(lp.pairs()),
            Repr::Table(map) => Iter::Table(map.iter()),
        }
    }

    /// The pair at position `index` of [`HashValue::iter`]'s order: O(1)
    /// for a hashtable, a scan for a listpack (use [`HashValue::pairs_at`]
    /// for several positions).
    pub fn get_index(&self, index: usize) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Listpack(_) => self.iter().nth(index),
            Repr::Table(map) => map.get_index(index).map(|(f, v)| (f.as_ref(), v.as_ref())),
        }
    }

    /// The pairs at `positions` of [`HashValue::iter`]'s order, in the
    /// order (and with the repeats) of `positions`; positions past the end
    /// are skipped. Walks a listpack once, whatever the number of
    /// positions.
    pub fn pairs_at(&self, positions: &[usize]) -> Vec<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Listpack(_) => {
                let pairs: Vec<(&[u8], &[u8])> = self.iter().collect();
                positions
                    .iter()
                    .filter_map(|&i| pairs.get(i).copied())
                    .collect()
            }
            Repr::Table(_) => positions
                .iter()
                .filter_map(|&i| self.get_index(i))
                .collect(),
        }
    }
}

impl Container for HashValue {
    /// `listpack` or `hashtable`, as Redis 7.0.
    fn encoding(&self) -> &'static str {
        if self.is_listpack() {
            "listpack"
        } else {
            "hashtable"
        }
    }

    /// In bytes: the `HashValue` itself plus, for a listpack, its buffer's
    /// length (the buffer is exactly sized); for a hashtable, the map's
    /// header and, for each pair, its bytes plus [`TABLE_PAIR_OVERHEAD`].
    fn memory_bytes(&self) -> usize {
        let own = std::mem::size_of::<HashValue>();
        match &self.repr {
            Repr::Listpack(lp) => own + lp.buf.len(),
            Repr::Table(map) => {
                let pairs: usize = map
                    .iter()
                    .map(|(f, v)| f.len() + v.len() + TABLE_PAIR_OVERHEAD)
                    .sum();
                own + std::mem::size_of::<IndexMap<Bytes, Bytes>>() + pairs
            }
        }
    }

    /// `HSET key f1 v1 f2 v2 ...`, at most `REWRITE_PAIRS_PER_CMD` pairs
    /// a command, in the hash's order, so a listpack replays in the same
    /// order.
    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let pairs: Vec<(&[u8], &[u8])> = self.iter().collect();
        pairs
            .chunks(REWRITE_PAIRS_PER_CMD)
            .map(|chunk| {
                let mut argv = Vec::with_capacity(chunk.len() * 2 + 2);
                argv.push(Bytes::from_static(b"HSET"));
                argv.push(key.clone());
                for (field, value) in chunk {
                    argv.push(Bytes::copy_from_slice(field));
                    argv.push(Bytes::copy_from_slice(value));
                }
                argv
            })
            .collect()
    }

    fn is_empty(&self) -> bool {
        HashValue::is_empty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::from(s.to_string())
    }

    /// The pairs as owned vectors, in iteration order.
    fn pairs(h: &HashValue) -> Vec<(Vec<u8>, Vec<u8>)> {
        h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()
    }

    /// The listpack buffer of `h` (panics on a hashtable: test helper).
    fn buffer(h: &HashValue) -> &[u8] {
        match &h.repr {
            Repr::Listpack(lp) => &lp.buf,
            Repr::Table(_) => panic!("not a listpack"),
        }
    }

    fn owned(list: &[(&[u8], &[u8])]) -> Vec<(Vec<u8>, Vec<u8>)> {
        list.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()
    }

    #[test]
    fn value_stays_small() {
        // A pointer and a length; the hashtable box takes the null
        // pointer's niche, so the encoding costs no tag.
        assert_eq!(std::mem::size_of::<HashValue>(), 16);
    }

    #[test]
    fn varints_round_trip() {
        // 300 = 0b10_0101100: low 7 bits 0x2c with the high bit, then 2.
        let cases: [(usize, &[u8]); 5] = [
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
        ];
        for (n, encoded) in cases {
            let mut out = Vec::new();
            write_varint(&mut out, n);
            assert_eq!(out, encoded, "{n}");
            assert_eq!(varint_len(n), encoded.len(), "{n}");
            assert_eq!(read_varint(&out, 0), Some((n, encoded.len())), "{n}");
        }
        let mut out = Vec::new();
        write_varint(&mut out, usize::MAX);
        assert_eq!(out.len(), 10);
        assert_eq!(varint_len(usize::MAX), 10);
        assert_eq!(read_varint(&out, 0), Some((usize::MAX, 10)));
        // Truncated: a continuation byte at the end.
        assert_eq!(read_varint(&[0x80], 0), None);
        // Past 64 bits.
        assert_eq!(read_varint(&[0xff; 11], 0), None);
    }

    #[test]
    fn listpack_layout_is_packed_and_exact() {
        let mut h = HashValue::default();
        assert!(buffer(&h).is_empty());
        assert!(h.set(b("f1"), b("v1")));
        assert!(h.set(b("f2"), b("")));
        assert_eq!(buffer(&h), b"\x02\x00\x02f1\x02v1\x02f2\x00");
        // The count's 2, then (1 + 2) + (1 + 2) + (1 + 2) + (1 + 0) bytes.
        assert_eq!(h.memory_bytes(), std::mem::size_of::<HashValue>() + 12);
        // Update in place with a longer value: the buffer grows by one.
        assert!(!h.set(b("f1"), b("v1x")));
        assert_eq!(buffer(&h), b"\x02\x00\x02f1\x03v1x\x02f2\x00");
        // Same length: overwritten in place.
        assert!(!h.set(b("f1"), b("abc")));
        assert_eq!(buffer(&h), b"\x02\x00\x02f1\x03abc\x02f2\x00");
        assert!(h.remove(b"f1"));
        assert_eq!(buffer(&h), b"\x01\x00\x02f2\x00");
        assert!(h.remove(b"f2"));
        assert!(buffer(&h).is_empty());
        assert!(h.is_empty());
        assert_eq!(h.encoding(), "listpack");
    }

    #[test]
    fn listpack_round_trip_keeps_order() {
        let mut h = HashValue::default();
        for (f, v) in [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")] {
            assert!(h.set(b(f), b(v)));
        }
        assert_eq!(h.len(), 4);
        assert_eq!(h.get(b"c"), Some(&b"3"[..]));
        assert_eq!(h.get(b"e"), None);
        assert!(h.contains(b"a"));
        // Updating keeps the position; removing closes the gap.
        assert!(!h.set(b("b"), b("twenty")));
        assert!(h.remove(b"a"));
        assert!(!h.remove(b"a"));
        assert!(h.set(b("a"), b("again")));
        assert_eq!(
            pairs(&h),
            owned(&[
                (b"b", b"twenty"),
                (b"c", b"3"),
                (b"d", b"4"),
                (b"a", b"again")
            ])
        );
        assert_eq!(h.len(), 4);
        assert_eq!(h.get_index(0), Some((&b"b"[..], &b"twenty"[..])));
        assert_eq!(h.get_index(3), Some((&b"a"[..], &b"again"[..])));
        assert_eq!(h.get_index(4), None);
        assert_eq!(
            owned(&h.pairs_at(&[3, 0, 3, 9])),
            owned(&[(b"a", b"again"), (b"b", b"twenty"), (b"a", b"again")])
        );
        assert_eq!(h.encoding(), "listpack");
    }

    #[test]
    fn binary_fields_and_values() {
        let mut h = HashValue::default();
        let nul = Bytes::from_static(b"\x00");
        let high = Bytes::from_static(b"\xff\x00\xff");
        let empty = Bytes::new();
        // A 64-byte value of 0x80 bytes, which look like varint continuations.
        let cont = Bytes::from(vec![0x80u8; MAX_LISTPACK_VALUE]);
        assert!(h.set(nul.clone(), high.clone()));
        assert!(h.set(empty.clone(), empty.clone()));
        assert!(h.set(high.clone(), nul.clone()));
        assert!(h.set(cont.clone(), cont.clone()));
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.get(b"\x00"), Some(&b"\xff\x00\xff"[..]));
        assert_eq!(h.get(b""), Some(&b""[..]));
        assert_eq!(h.get(b"\xff\x00\xff"), Some(&b"\x00"[..]));
        assert_eq!(
            h.get(&[0x80u8; MAX_LISTPACK_VALUE]),
            Some(&[0x80u8; 64][..])
        );
        assert_eq!(h.get(b"\xff"), None);
        assert_eq!(
            pairs(&h),
            vec![
                (vec![0], vec![0xff, 0, 0xff]),
                (vec![], vec![]),
                (vec![0xff, 0, 0xff], vec![0]),
                (vec![0x80; 64], vec![0x80; 64]),
            ]
        );
        // The count, then 1+1 + 1+3, 1+0 + 1+0, 1+3 + 1+1, 1+64 + 1+64 bytes.
        assert_eq!(buffer(&h).len(), HEADER + 6 + 2 + 6 + 130);
        assert_eq!(buffer(&h)[..HEADER], [4, 0]);
        assert!(h.remove(b""));
        assert_eq!(h.get(b""), None);
        assert_eq!(h.len(), 3);
        assert_eq!(h.get(b"\xff\x00\xff"), Some(&b"\x00"[..]));
    }

    #[test]
    fn long_values_and_many_fields_convert_for_good() {
        let mut h = HashValue::default();
        assert!(h.set(b("a"), Bytes::from(vec![b'x'; MAX_LISTPACK_VALUE])));
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.set(b("a"), Bytes::from(vec![b'x'; MAX_LISTPACK_VALUE + 1])));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"a").map(<[u8]>::len), Some(MAX_LISTPACK_VALUE + 1));
        h.remove(b"a");
        assert!(h.set(b("a"), b("1")));
        assert_eq!(h.encoding(), "hashtable");

        let mut h = HashValue::default();
        for i in 0..MAX_LISTPACK_ENTRIES {
            h.set(b(&format!("f{i}")), b("v"));
        }
        assert_eq!(h.encoding(), "listpack");
        // Updating an existing field at the limit does not convert.
        assert!(!h.set(b("f0"), b("w")));
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b("one more"), b("v")));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), MAX_LISTPACK_ENTRIES + 1);
        // Converted in listpack order, the new field last.
        let fields: Vec<String> = h
            .iter()
            .map(|(f, _)| String::from_utf8_lossy(f).into_owned())
            .collect();
        let mut expected: Vec<String> =
            (0..MAX_LISTPACK_ENTRIES).map(|i| format!("f{i}")).collect();
        expected.push("one more".to_string());
        assert_eq!(fields, expected);
        assert_eq!(h.get(b"f0"), Some(&b"w"[..]));
    }

    #[test]
    fn a_long_field_converts_keeping_order() {
        let mut h = HashValue::default();
        h.set(b("a"), b("1"));
        h.set(b("b"), b("2"));
        let long_field = Bytes::from(vec![b'f'; MAX_LISTPACK_VALUE + 1]);
        assert!(h.set(long_field.clone(), b("3")));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(
            pairs(&h),
            vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"2".to_vec()),
                (long_field.to_vec(), b"3".to_vec()),
            ]
        );
        // Removal to empty never converts back.
        for f in [&b"a"[..], b"b", &long_field] {
            assert!(h.remove(f));
        }
        assert!(h.is_empty());
        h.set(b("x"), b("y"));
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn hashtable_removal_moves_the_last_pair() {
        let mut h = HashValue::default();
        h.set(b("big"), Bytes::from(vec![b'v'; MAX_LISTPACK_VALUE + 1]));
        for f in ["b", "c", "d"] {
            h.set(b(f), b("v"));
        }
        assert!(h.remove(b"b"));
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(order, [&b"big"[..], b"d", b"c"]);
        assert_eq!(h.get_index(1), Some((&b"d"[..], &b"v"[..])));
        assert_eq!(
            owned(&h.pairs_at(&[2, 2, 7])),
            owned(&[(b"c", b"v"), (b"c", b"v")])
        );
    }

    #[test]
    fn listpack_keeps_insertion_order_across_removals() {
        let mut h = HashValue::default();
        for f in ["a", "b", "c", "d"] {
            h.set(b(f), b("v"));
        }
        h.remove(b"b");
        h.set(b("a"), b("w"));
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
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
        assert_eq!(cmds[2][4], b("f129"));
        assert_eq!(cmds[2][5], b("129"));
    }

    #[test]
    fn rewrite_of_a_listpack_is_in_its_order() {
        let mut h = HashValue::default();
        for (f, v) in [("z", "1"), ("a", "2"), ("m", "3")] {
            h.set(b(f), b(v));
        }
        h.set(b("z"), b("4"));
        let cmds = h.rewrite_commands(&b("k"));
        let expected: Vec<Bytes> = ["HSET", "k", "z", "4", "a", "2", "m", "3"]
            .into_iter()
            .map(b)
            .collect();
        assert_eq!(cmds, vec![expected]);
    }
}
