//! Committing a frame change: where a table's new state becomes visible,
//! published and logged, all under the database lock.
//!
//! A frame command computes off every lock but its table's, then commits:
//! it locks the database, checks that the session is still the one stored
//! under the key the client named (not deleted, expired, renamed away or
//! replaced while the op ran) and that the table is still the session's,
//! changes the table, publishes its state ([`Session::remember`]) and
//! appends the command's record to the AOF before the database lock drops.
//! Because every committed change happens under the database lock, the AOF
//! rewrite, which snapshots the keyspace under every database lock, sees
//! exactly the changes whose records precede its switch to a new
//! incremental file, and a replay rebuilds the same history.
//!
//! Lock order: a table, then the database, then the session's maps. No
//! thread takes a table's lock while it holds the database lock.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use super::{Table, no_such_table};
use crate::error::Result;
use crate::keyspace::{Db, Entry, Value};
use crate::session::{Session, no_such_session};
use crate::state::Server;

/// The session a frame command works on: where it was found, and when.
#[derive(Clone)]
pub struct Target {
    /// The server (for the keyspace).
    pub server: Arc<Server>,
    /// The client's database when the command ran.
    pub db: usize,
    /// The key the client named.
    pub id: Bytes,
    /// The session found there.
    pub session: Arc<Session>,
    /// The command's time (ms since the epoch): its versions' timestamps
    /// and the time of its AOF record.
    pub now_ms: i64,
}

impl Target {
    /// Runs `change` with the database locked, if the key still holds this
    /// session. `change` mutates the session's tables and calls
    /// [`Target::log`]. Error: `ERR no such session '<id>'` when the session
    /// is gone (nothing changes).
    pub fn commit<T>(&self, change: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        let mut db = self.server.keyspace.db(self.db);
        let live = matches!(
            db.peek(&self.id, self.now_ms),
            Some(Entry { value: Value::Session(s), .. }) if Arc::ptr_eq(s, &self.session)
        );
        if !live {
            return Err(no_such_session(&self.id));
        }
        change(&mut db)
    }

    /// [`Target::commit`] for a change to existing table `name` (held
    /// through `slot`, whose lock the caller holds as `table`): also checks
    /// that `name` still maps to `slot`, then runs `change` on the table,
    /// publishes it and logs `argv`. Error: [`no_such_table`] when the table
    /// was dropped or replaced meanwhile.
    pub fn commit_table<T>(
        &self,
        name: &str,
        slot: &Arc<Mutex<Table>>,
        table: &mut Table,
        argv: &[impl AsRef<[u8]>],
        change: impl FnOnce(&mut Table) -> Result<T>,
    ) -> Result<T> {
        self.commit(|db| {
            let current = self.session.tables.lock().get(name).cloned();
            if !current.is_some_and(|c| Arc::ptr_eq(&c, slot)) {
                return Err(no_such_table(&self.id, name));
            }
            let out = change(table)?;
            self.session.remember(name, table);
            db.log(self.now_ms, argv);
            Ok(out)
        })
    }
}
