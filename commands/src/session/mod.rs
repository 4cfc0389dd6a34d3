//! Sessions: a key of type `session` holding named tables (data frames with
//! their history) and a small metadata map. `SESSION.*` commands live here.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64};

use parking_lot::Mutex;

use crate::frame::Table;
use crate::table::CommandSpec;

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
}

impl Session {
    /// Approximate bytes held by every table's versions, shared buffers
    /// counted once.
    pub fn memory_bytes(&self) -> usize {
        0
    }

    /// An independent copy (for `COPY`): same tables and metadata, sharing
    /// immutable column buffers.
    pub fn deep_copy(&self) -> Session {
        unimplemented!("session copy is built with the session family")
    }
}

/// The session family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}

/// `INFO sessions` fields (`sessions`, `tables`, `frame_versions`,
/// `frame_memory_bytes`, ...), in order, computed across all databases.
pub fn info_fields(_server: &crate::state::Server) -> Vec<(String, String)> {
    Vec::new()
}
