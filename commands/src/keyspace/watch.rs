//! Watched keys (`WATCH`): a modification count per key some client
//! watches, bumped by every logged write that names the key.
//!
//! Every write command logs what it did under the database lock
//! ([`super::Db::log`]), so that one call is where a watched key learns it
//! was modified: written, deleted, expired (an expiry is logged as `DEL`),
//! or flushed. Only watched keys are tracked; the cost for a database
//! nobody watches is one emptiness check per write.

use std::cell::RefCell;
use std::collections::HashMap;

use bytes::Bytes;

/// One database's watched keys: key → (modification count, watchers).
#[derive(Default)]
pub struct Watched(RefCell<HashMap<Bytes, (u64, usize)>>);

impl Watched {
    /// True when no client watches a key of this database.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    /// Adds a watcher of `key`; returns its current modification count.
    pub fn watch(&self, key: &Bytes) -> u64 {
        let mut map = self.0.borrow_mut();
        let entry = map.entry(key.clone()).or_insert((0, 0));
        entry.1 += 1;
        entry.0
    }

    /// Removes a watcher of `key` (forgetting the key with its last one).
    pub fn unwatch(&self, key: &[u8]) {
        let mut map = self.0.borrow_mut();
        if let Some(entry) = map.get_mut(key) {
            entry.1 = entry.1.saturating_sub(1);
            if entry.1 == 0 {
                map.remove(key);
            }
        }
    }

    /// The modification count of a watched `key` (0 when unwatched).
    pub fn version(&self, key: &[u8]) -> u64 {
        self.0.borrow().get(key).map_or(0, |e| e.0)
    }

    /// Counts a modification of `key`, if watched.
    pub fn touch(&self, key: &[u8]) {
        if let Some(entry) = self.0.borrow_mut().get_mut(key) {
            entry.0 += 1;
        }
    }

    /// Counts a modification of every watched key (`FLUSHDB`, `FLUSHALL`).
    pub fn touch_all(&self) {
        for entry in self.0.borrow_mut().values_mut() {
            entry.0 += 1;
        }
    }
}
