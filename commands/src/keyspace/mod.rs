//! The keyspace: numbered databases of keys, each with a value and an
//! optional absolute expiry time.
//!
//! Each database is one `HashMap`-like table behind one mutex. Commands run
//! with the database locked, so every command, multi-key ones included, is
//! atomic to other clients, as in Redis. Heavy frame work never runs under
//! this lock: frame commands take the session's `Arc` and release the lock
//! before they compute (see [`crate::frame`]).
//!
//! Expiry follows Redis: a key past its deadline is removed when it is
//! accessed (lazy expiry), and [`Db::active_expire`] removes keys nobody reads,
//! in deadline order, a bounded amount per call so clients are not stalled.

mod db;
mod free;
mod value;

pub use db::{Db, Entry};
pub use free::free_values;
pub use value::{Container, Value};

use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use crate::aof::Aof;

/// All databases (`SELECT 0..databases-1`).
pub struct Keyspace {
    dbs: Vec<Mutex<Db>>,
}

impl Keyspace {
    /// A keyspace with `count` empty databases whose writes go to `aof`.
    pub fn new(count: usize, aof: &Arc<Aof>) -> Keyspace {
        Keyspace {
            dbs: (0..count)
                .map(|i| Mutex::new(Db::new(i, Arc::clone(aof))))
                .collect(),
        }
    }

    /// Locks every database in index order (FLUSHALL, SWAPDB, the AOF
    /// rewrite's snapshot), so nothing changes while the guards live.
    pub fn all_dbs(&self) -> Vec<MutexGuard<'_, Db>> {
        self.dbs.iter().map(|db| db.lock()).collect()
    }

    /// Number of databases.
    pub fn len(&self) -> usize {
        self.dbs.len()
    }

    /// Always false: there is at least one database.
    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    /// Locks database `index`. Panics if `index` is out of range: callers
    /// validate it (`SELECT`) before storing it in the client.
    pub fn db(&self, index: usize) -> MutexGuard<'_, Db> {
        self.dbs[index].lock()
    }

    /// Locks two databases in index order (for `MOVE`, `COPY ... DB`), so
    /// two clients moving keys in opposite directions cannot deadlock.
    /// Returns `None` when `a == b`.
    pub fn two_dbs(&self, a: usize, b: usize) -> Option<(MutexGuard<'_, Db>, MutexGuard<'_, Db>)> {
        if a == b {
            return None;
        }
        if a < b {
            let first = self.dbs[a].lock();
            let second = self.dbs[b].lock();
            Some((first, second))
        } else {
            let second = self.dbs[b].lock();
            let first = self.dbs[a].lock();
            Some((first, second))
        }
    }
}

/// Milliseconds since the Unix epoch, the unit of every stored expiry.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
