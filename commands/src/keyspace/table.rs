//! The table behind one database: keys and their entries in a vector, in
//! insertion order, with a hash index of 4-byte positions into it.
//!
//! The same shape as `indexmap::IndexMap` (positions serve as `SCAN`
//! cursors, `RANDOMKEY` picks a position, a removal moves the last key into
//! the hole), cut down to what a keyspace pays for a million keys:
//! - the index holds `u32` positions (5 bytes a bucket with its control
//!   byte, where `IndexMap`'s `usize` takes 9);
//! - slots do not keep their key's hash (8 bytes): the index rehashes keys
//!   when it grows, as Redis's dict does;
//! - keys up to 15 bytes are inline (see [`StoredKey`]).
//!
//! A database holds at most `u32::MAX` keys (at 100 bytes a key, 400 GB).

use hashbrown::HashTable;
use hashbrown::hash_table::{Entry as IndexEntry, VacantEntry};
use std::hash::{BuildHasher, Hasher, RandomState};

use super::db::Entry;
use super::key::StoredKey;

/// A key and its entry.
struct Slot {
    key: StoredKey,
    entry: Entry,
}

/// Keys and entries in insertion order (see the module doc).
#[derive(Default)]
pub struct KeyTable {
    slots: Vec<Slot>,
    /// Positions in `slots`, found by the hash of the slot's key.
    index: HashTable<u32>,
    /// SipHash with random keys, as Redis hashes its keyspace with SipHash:
    /// clients choose keys, and a faster hash whose seed can be worked out
    /// from timings would let them aim many at one bucket (foldhash's own
    /// documentation rules it out for long-running programs facing such
    /// clients).
    hasher: RandomState,
}

/// Where [`KeyTable::slot`] found a key: its position, or the place to add
/// it.
pub enum Place<'a> {
    /// The key is at this position.
    Occupied(usize),
    /// The key is absent; [`Vacant::insert`] adds it at the end.
    Vacant(Vacant<'a>),
}

/// An absent key's place in the index (see [`Place`]).
pub struct Vacant<'a> {
    at: VacantEntry<'a, u32>,
    slots: &'a mut Vec<Slot>,
}

impl Vacant<'_> {
    /// Adds `key` (the key looked up) with `entry` at the end. Returns its
    /// position.
    pub fn insert(self, key: &[u8], entry: Entry) -> usize {
        let position = self.slots.len();
        self.at.insert(to_u32(position));
        self.slots.push(Slot {
            key: StoredKey::new(key),
            entry,
        });
        position
    }
}

/// `key`'s hash: its bytes alone, in one write (`Hash for [u8]` would
/// write the length first, a second round of the hasher).
fn hash_key(hasher: &RandomState, key: &[u8]) -> u64 {
    let mut state = hasher.build_hasher();
    state.write(key);
    state.finish()
}

/// A position as the index stores it.
fn to_u32(position: usize) -> u32 {
    // The module's documented limit: no machine holds 2^32 keys (hundreds of
    // gigabytes) in one database.
    u32::try_from(position).expect("fewer than 2^32 keys in a database")
}

impl KeyTable {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn hash(&self, key: &[u8]) -> u64 {
        hash_key(&self.hasher, key)
    }

    /// The position of `key`, if present.
    pub fn position(&self, key: &[u8]) -> Option<usize> {
        let slots = &self.slots;
        self.index
            .find(self.hash(key), |&i| slots[i as usize].key.as_slice() == key)
            .map(|&i| i as usize)
    }

    /// `key`'s position and entry.
    pub fn get_full(&self, key: &[u8]) -> Option<(usize, &Entry)> {
        let i = self.position(key)?;
        Some((i, &self.slots[i].entry))
    }

    /// `key`'s position, stored key and entry, the entry mutable.
    pub fn get_full_mut(&mut self, key: &[u8]) -> Option<(usize, &[u8], &mut Entry)> {
        let i = self.position(key)?;
        let slot = &mut self.slots[i];
        Some((i, slot.key.as_slice(), &mut slot.entry))
    }

    /// `key`'s entry.
    pub fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.get_full(key).map(|(_, entry)| entry)
    }

    /// `key`'s entry, mutable.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.get_full_mut(key).map(|(_, _, entry)| entry)
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.position(key).is_some()
    }

    /// The key and entry at `position`.
    pub fn get_index(&self, position: usize) -> Option<(&[u8], &Entry)> {
        let slot = self.slots.get(position)?;
        Some((slot.key.as_slice(), &slot.entry))
    }

    /// The key and entry at `position`, the entry mutable.
    pub fn get_index_mut(&mut self, position: usize) -> Option<(&[u8], &mut Entry)> {
        let slot = self.slots.get_mut(position)?;
        Some((slot.key.as_slice(), &mut slot.entry))
    }

    /// Finds `key` or its place, with one hash of the key; see [`Place`].
    pub fn slot(&mut self, key: &[u8]) -> Place<'_> {
        let hash = self.hash(key);
        let KeyTable {
            slots,
            index,
            hasher,
        } = self;
        let found = index.entry(
            hash,
            |&i| slots[i as usize].key.as_slice() == key,
            |&i| hash_key(hasher, slots[i as usize].key.as_slice()),
        );
        match found {
            IndexEntry::Occupied(at) => Place::Occupied(*at.get() as usize),
            IndexEntry::Vacant(at) => Place::Vacant(Vacant { at, slots }),
        }
    }

    /// Stores `entry` at `key`, in place when present (keeping its
    /// position). Returns the entry it replaced.
    pub fn insert(&mut self, key: &[u8], entry: Entry) -> Option<Entry> {
        match self.slot(key) {
            Place::Occupied(i) => Some(std::mem::replace(&mut self.slots[i].entry, entry)),
            Place::Vacant(place) => {
                place.insert(key, entry);
                None
            }
        }
    }

    /// Removes `key`, moving the last key into its position (as
    /// `IndexMap::swap_remove`). Returns its entry.
    pub fn swap_remove(&mut self, key: &[u8]) -> Option<Entry> {
        let hash = self.hash(key);
        let slots = &self.slots;
        let found = self
            .index
            .find_entry(hash, |&i| slots[i as usize].key.as_slice() == key)
            .ok()?;
        let position = found.remove().0 as usize;
        let last = self.slots.len() - 1;
        if position != last {
            // The last slot moves into the hole: its index entry follows.
            let moved = self.hash(self.slots[last].key.as_slice());
            let at = self
                .index
                .find_mut(moved, |&i| i as usize == last)
                // Every slot has exactly one index entry.
                .expect("the last slot is indexed");
            *at = to_u32(position);
        }
        Some(self.slots.swap_remove(position).entry)
    }

    /// Removes every key, returning the entries.
    pub fn drain(&mut self) -> impl Iterator<Item = Entry> + '_ {
        self.index.clear();
        self.slots.drain(..).map(|slot| slot.entry)
    }

    /// Keys and entries in position order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Entry)> {
        self.slots
            .iter()
            .map(|slot| (slot.key.as_slice(), &slot.entry))
    }
}
