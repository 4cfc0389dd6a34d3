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
mod key;
pub mod lfu;
#[cfg(test)]
mod model_tests;
mod string;
mod table;
mod value;
mod watch;

pub use db::{Db, Entry, StringForm};
pub use free::{free_values, lazyfree_pending};
pub use lfu::{Lfu, LfuConfig};
pub use string::{StringValue, prefetch};
pub use value::{Container, Value};

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use crate::aof::Aof;

/// All databases (`SELECT 0..databases-1`).
pub struct Keyspace {
    dbs: Vec<Mutex<Db>>,
}

thread_local! {
    /// Set while this thread holds every database lock for an atomic unit
    /// (`EXEC`, a script): the keyspace it holds them for. Lock calls for
    /// that keyspace on this thread then hand out the held databases
    /// instead of locking again (which would deadlock).
    static EXCLUSIVE: Cell<*const Keyspace> = const { Cell::new(std::ptr::null()) };
}

/// A locked database: its own lock, or (inside [`Keyspace::exclusive`]) a
/// database this thread already holds. Dereferences to [`Db`].
pub struct DbGuard<'a> {
    inner: GuardInner<'a>,
}

enum GuardInner<'a> {
    Locked(MutexGuard<'a, Db>),
    Held(&'a mut Db),
}

impl Deref for DbGuard<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        match &self.inner {
            GuardInner::Locked(g) => g,
            GuardInner::Held(db) => db,
        }
    }
}

impl DerefMut for DbGuard<'_> {
    fn deref_mut(&mut self) -> &mut Db {
        match &mut self.inner {
            GuardInner::Locked(g) => g,
            GuardInner::Held(db) => db,
        }
    }
}

impl Drop for DbGuard<'_> {
    /// Before the lock goes, serves the clients blocked on keys the
    /// guard's writes made ready (see [`crate::blocking`]).
    fn drop(&mut self) {
        if self.has_ready() {
            let now = now_ms();
            self.serve_ready(now);
        }
    }
}

impl Keyspace {
    /// True while this thread holds every database ([`Keyspace::exclusive`]):
    /// blocking commands then do not block (as inside Redis's `MULTI`).
    pub fn in_exclusive(&self) -> bool {
        self.held_here()
    }

    /// A keyspace with `count` empty databases whose writes go to `aof`,
    /// whose events go to `notifier` and whose accesses follow the LFU
    /// settings `lfu`.
    pub fn new(
        count: usize,
        aof: &Arc<Aof>,
        notifier: &Arc<crate::notify::Notifier>,
        lfu: &Arc<LfuConfig>,
    ) -> Keyspace {
        Keyspace {
            dbs: (0..count)
                .map(|i| {
                    let db = Db::new(i, Arc::clone(aof), Arc::clone(notifier), Arc::clone(lfu));
                    Mutex::new(db)
                })
                .collect(),
        }
    }

    /// Number of databases.
    pub fn len(&self) -> usize {
        self.dbs.len()
    }

    /// Always false: there is at least one database.
    pub fn is_empty(&self) -> bool {
        self.dbs.is_empty()
    }

    /// True while this thread runs inside [`Keyspace::exclusive`].
    fn held_here(&self) -> bool {
        EXCLUSIVE.with(|e| std::ptr::eq(e.get(), self))
    }

    /// A guard on database `index` that the exclusive unit already holds.
    fn held(&self, index: usize) -> DbGuard<'_> {
        // SAFETY: this thread holds every database's lock for the whole
        // `exclusive` call (its guards live in that frame), so no other
        // thread can reach the Db. Within the thread, handing out a second
        // guard to a database while one is alive never happens: it is the
        // same code that, outside `exclusive`, would lock the database a
        // second time and deadlock, which the commands never do.
        let db = unsafe { &mut *self.dbs[index].data_ptr() };
        DbGuard {
            inner: GuardInner::Held(db),
        }
    }

    /// Runs `unit` with every database locked (in index order), so it is
    /// atomic to all other clients: `EXEC`, scripts. Inside it, on this
    /// thread, [`Keyspace::db`] and friends return the held databases.
    pub fn exclusive<T>(&self, unit: impl FnOnce() -> T) -> T {
        if self.held_here() {
            return unit();
        }
        let guards: Vec<MutexGuard<'_, Db>> = self.dbs.iter().map(|db| db.lock()).collect();
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                EXCLUSIVE.with(|e| e.set(std::ptr::null()));
            }
        }
        EXCLUSIVE.with(|e| e.set(self));
        let reset = Reset;
        let out = unit();
        drop(reset);
        drop(guards);
        out
    }

    /// Every database in index order (FLUSHALL, the AOF rewrite's
    /// snapshot), so nothing changes while the guards live.
    pub fn all_dbs(&self) -> Vec<DbGuard<'_>> {
        (0..self.dbs.len()).map(|i| self.db(i)).collect()
    }

    /// Locks database `index`. Panics if `index` is out of range: callers
    /// validate it (`SELECT`) before storing it in the client.
    pub fn db(&self, index: usize) -> DbGuard<'_> {
        if self.held_here() {
            return self.held(index);
        }
        DbGuard {
            inner: GuardInner::Locked(self.dbs[index].lock()),
        }
    }

    /// Locks two databases in index order (for `MOVE`, `COPY ... DB`), so
    /// two clients moving keys in opposite directions cannot deadlock.
    /// Returns `None` when `a == b`.
    pub fn two_dbs(&self, a: usize, b: usize) -> Option<(DbGuard<'_>, DbGuard<'_>)> {
        if a == b {
            return None;
        }
        if a < b {
            let first = self.db(a);
            let second = self.db(b);
            Some((first, second))
        } else {
            let second = self.db(b);
            let first = self.db(a);
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
