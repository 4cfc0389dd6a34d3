//! Sessions: a key of type `session` holding named tables (data frames with
//! their history) and a small metadata map. `SESSION.*` commands live here.
//!
//! Locking: the database lock is held to find a session and slide its TTL
//! ([`access`]) and to commit a frame change (see `frame::commit`); the
//! `tables` map lock only to find, add or remove a table; a table's own lock
//! while its history is read or changed. The order is a table, then the
//! database, then the session's maps: a frame command holds its table while
//! it commits under the database lock, and nothing blocks on a table's lock
//! while holding the database lock (readers under it use the published
//! state or `try_lock`).

mod access;
mod commands;
mod info;
mod listing;
pub mod restore;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use parking_lot::Mutex;

pub use access::{Opened, no_such_session, open, open_in};
pub use commands::commands;
pub use info::info_fields;

use crate::frame::Table;
use crate::frame::memory::SeenBuffers;

/// A data-editing session. Stored in the keyspace as `Value::Session(Arc<Session>)`;
/// frame jobs hold a clone of the `Arc` while they work, off the keyspace lock.
pub struct Session {
    /// The session id (also its key).
    pub id: String,
    /// Owning user name.
    pub owner: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Last access, ms since the epoch.
    pub last_access_ms: AtomicI64,
    /// Full TTL length in ms for sliding sessions (reset on every access); 0 = none.
    pub ttl_len_ms: AtomicI64,
    /// Whether every access resets the TTL.
    pub sliding: AtomicBool,
    /// Metadata fields, in insertion order.
    pub meta: Mutex<Vec<(String, String)>>,
    /// Tables by name. Each table has its own lock so that work on one
    /// table does not wait for another.
    pub tables: Mutex<BTreeMap<String, Arc<Mutex<Table>>>>,
    /// Each table as of its last committed change (a cheap clone: versions
    /// share buffers): for readers that must not wait while an op holds the
    /// table's lock (`MEMORY USAGE`, `INFO sessions`, `COPY`, the AOF
    /// rewrite's snapshot, all under the database lock). Changed only under
    /// the database lock, together with the AOF record of the change, so it
    /// always matches what the AOF says. Its bytes are counted when a
    /// reader asks, not at the commit: counting a filtered string column
    /// walks every row (Polars caches the sum in the column afterwards).
    published: Mutex<HashMap<String, Table>>,
}

/// How much a table (or a whole session) holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Versions kept in the history (all tables, for a session).
    pub versions: usize,
    /// Bytes of the distinct column buffers of those versions.
    pub memory_bytes: usize,
}

impl Session {
    /// A session without tables. `ttl_len_ms` is the full TTL (0 = none).
    pub fn new(
        id: String,
        owner: String,
        now_ms: i64,
        ttl_len_ms: i64,
        sliding: bool,
        meta: Vec<(String, String)>,
    ) -> Session {
        Session {
            id,
            owner,
            created_ms: now_ms,
            last_access_ms: AtomicI64::new(now_ms),
            ttl_len_ms: AtomicI64::new(ttl_len_ms),
            sliding: AtomicBool::new(sliding),
            meta: Mutex::new(meta),
            tables: Mutex::new(BTreeMap::new()),
            published: Mutex::new(HashMap::new()),
        }
    }

    /// Approximate bytes held by every table's versions, shared buffers
    /// counted once (across versions and across tables). Never waits for a
    /// table that an op is changing: such a table counts with the size it
    /// had after its last change.
    pub fn memory_bytes(&self) -> usize {
        self.footprint().memory_bytes
    }

    /// Versions and bytes of all tables; see [`Session::memory_bytes`].
    pub fn footprint(&self) -> Footprint {
        let tables = self.tables.lock().clone();
        let mut seen = SeenBuffers::default();
        let mut total = Footprint::default();
        for (name, table) in &tables {
            let part = match table.try_lock() {
                Some(table) => table_footprint(&table, &mut seen),
                None => {
                    // Cloned out so that the count does not hold the map's
                    // lock, which a commit takes under the database lock.
                    let published = self.published.lock().get(name).cloned();
                    published.map_or_else(Footprint::default, |t| table_footprint(&t, &mut seen))
                }
            };
            total.versions += part.versions;
            total.memory_bytes += part.memory_bytes;
        }
        total
    }

    /// Publishes `table`'s state after a committed change (see
    /// `published`); the caller holds the table's lock and, for a session
    /// in the keyspace, the database lock.
    pub fn remember(&self, name: &str, table: &Table) {
        self.published
            .lock()
            .insert(name.to_string(), table.clone());
    }

    /// Forgets a dropped table's published state.
    pub fn forget(&self, name: &str) {
        self.published.lock().remove(name);
    }

    /// Every table as of its last committed change, by name. Never waits
    /// for an op.
    pub fn published_tables(&self) -> Vec<(String, Table)> {
        let mut tables: Vec<(String, Table)> = self
            .published
            .lock()
            .iter()
            .map(|(name, table)| (name.clone(), table.clone()))
            .collect();
        tables.sort_by(|a, b| a.0.cmp(&b.0));
        tables
    }

    /// The table named `name`, if any.
    pub fn table(&self, name: &str) -> Option<Arc<Mutex<Table>>> {
        self.tables.lock().get(name).cloned()
    }

    /// Table names in order.
    pub fn table_names(&self) -> Vec<String> {
        self.tables.lock().keys().cloned().collect()
    }

    /// Marks an access at `now_ms` and returns the previous access time.
    pub fn touch(&self, now_ms: i64) -> i64 {
        self.last_access_ms.swap(now_ms, Ordering::Relaxed)
    }

    /// An independent copy (for `COPY`): same id, owner, metadata and
    /// tables with their whole history as of their last committed change
    /// (what the AOF holds; an op still running is not included); the
    /// copies share immutable column buffers with the original, and later
    /// edits of either do not affect the other. Never waits for an op.
    pub fn deep_copy(&self) -> Session {
        self.deep_copy_as(self.id.clone())
    }

    /// [`Session::deep_copy`] under another id (the destination key).
    pub fn deep_copy_as(&self, id: String) -> Session {
        let copy = Session::new(
            id,
            self.owner.clone(),
            self.created_ms,
            self.ttl_len_ms.load(Ordering::Relaxed),
            self.sliding.load(Ordering::Relaxed),
            self.meta.lock().clone(),
        );
        copy.last_access_ms.store(
            self.last_access_ms.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        let mut copied = BTreeMap::new();
        for (name, table) in self.published_tables() {
            copy.remember(&name, &table);
            copied.insert(name, Arc::new(Mutex::new(table)));
        }
        *copy.tables.lock() = copied;
        copy
    }
}

/// Versions and bytes of `table`, counting only the columns that `seen` has
/// not counted before (shared buffers count once across versions and
/// tables).
fn table_footprint(table: &Table, seen: &mut SeenBuffers) -> Footprint {
    Footprint {
        versions: table.len(),
        memory_bytes: table.versions().map(|v| seen.add_frame(&v.frame)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    #[test]
    fn deep_copy_is_independent_and_memory_counts_shared_buffers_once() {
        let s = Session::new(
            "s".into(),
            "default".into(),
            0,
            0,
            false,
            vec![("k".into(), "v".into())],
        );
        let frame = df!("a" => (0..1000i64).collect::<Vec<_>>()).unwrap();
        let bytes = frame.estimated_size();
        // Tables enter a session as a commit does: stored and published.
        let add = |name: &str, table: Table| {
            s.remember(name, &table);
            s.tables
                .lock()
                .insert(name.into(), Arc::new(Mutex::new(table)));
        };
        add(
            "t",
            Table::new(frame.clone(), "load", "{}".into(), String::new(), 0),
        );
        // A second table over the same buffers costs nothing more.
        add(
            "u",
            Table::new(frame, "copy", "{}".into(), String::new(), 0),
        );
        assert_eq!(s.memory_bytes(), bytes);
        let copy = s.deep_copy_as("c".into());
        copy.tables.lock().remove("t");
        assert_eq!(s.table_names(), vec!["t", "u"]);
        assert_eq!(copy.table_names(), vec!["u"]);
        assert_eq!(
            copy.meta.lock().clone(),
            vec![("k".to_string(), "v".to_string())]
        );
    }
}
