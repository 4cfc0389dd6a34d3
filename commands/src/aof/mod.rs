//! Propagation: how a write command reaches the append-only file.
//!
//! A command that changed data calls [`crate::keyspace::Db::log`] with the
//! deterministic form of what it did (`SET k v PXAT <abs>` for `SET k v EX
//! 10`, an explicit `ID` for `SESSION.CREATE`, ...) *while it still holds
//! the database lock*, so records of one database land in the file in the
//! order their effects happened. [`Aof::log`] encodes the record (plus a
//! `SELECT` when the database differs from the previous record's, and a
//! [`CLOCK`] record when the command's time differs from the previous
//! record's) and hands it to the [`AofWriter`], which never blocks the
//! caller on I/O.
//!
//! Replay pins "now" to each record's clock, so every expiry decision made
//! while loading is the one the command made when it ran: a key that was
//! still alive when a later command extended it is alive again at that
//! point of the replay, and one that had expired is gone. No `DEL` is
//! logged when a key expires.
//!
//! Under `appendfsync always` the reply must wait until the record is
//! durable: [`Aof::log`] leaves the record's [`Ticket`] in a thread-local
//! slot that the connection collects with [`take_pending`] after each
//! command (also on the blocking thread that ran a deferred frame command)
//! and waits on before it writes the replies.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use persistence::record;
use persistence::writer::{AofWriter, FsyncPolicy, Ticket};

/// The internal record that sets the replay clock: `FRAMEKV.CLOCK <ms>`
/// (ms since the epoch). Not a command clients can send.
pub const CLOCK: &str = "FRAMEKV.CLOCK";

/// The AOF as seen by commands: off, or appending to one writer.
#[derive(Default)]
pub struct Aof {
    enabled: AtomicBool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    writer: Option<Arc<AofWriter>>,
    /// Database of the last record written to the current file.
    last_db: Option<usize>,
    /// Clock of the last record written to the current file.
    last_clock: Option<i64>,
}

/// A record to wait for before replying: its writer and the offset it ends at.
pub struct Pending {
    /// The writer the record went to (a rewrite may switch writers).
    pub writer: Arc<AofWriter>,
    /// Where the record ends in that writer's file.
    pub ticket: Ticket,
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// The newest record this thread logged since the last call, if any, and
/// only when the reply must wait for it (`appendfsync always`).
pub fn take_pending() -> Option<Pending> {
    PENDING.with(|slot| slot.borrow_mut().take())
}

impl Aof {
    /// True while records are being written (`appendonly yes`, after load).
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// Appends `argv` as a record of database `db` executed at `now_ms`
    /// (ms since the epoch). Does nothing while the AOF is off (or while
    /// the server is loading it). Call with the database lock held.
    pub fn log(&self, db: usize, now_ms: i64, argv: &[impl AsRef<[u8]>]) {
        if !self.is_enabled() {
            return;
        }
        let mut state = self.state.lock();
        let Some(writer) = state.writer.clone() else {
            return;
        };
        let mut bytes = Vec::with_capacity(64);
        if state.last_db != Some(db) {
            record::encode(&[b"SELECT".as_slice(), db.to_string().as_bytes()], &mut bytes);
            state.last_db = Some(db);
        }
        if state.last_clock != Some(now_ms) {
            record::encode(
                &[CLOCK.as_bytes(), now_ms.to_string().as_bytes()],
                &mut bytes,
            );
            state.last_clock = Some(now_ms);
        }
        record::encode(argv, &mut bytes);
        let ticket = writer.append(bytes);
        drop(state);
        if writer.policy() == FsyncPolicy::Always {
            PENDING.with(|slot| *slot.borrow_mut() = Some(Pending { writer, ticket }));
        }
    }

    /// Starts writing to `writer` (after loading, or on `CONFIG SET
    /// appendonly yes`) and returns the writer it replaces. The next record
    /// starts with `SELECT` and a clock record, so each file replays on its
    /// own.
    pub fn switch_to(&self, writer: Option<Arc<AofWriter>>) -> Option<Arc<AofWriter>> {
        let mut state = self.state.lock();
        state.last_db = None;
        state.last_clock = None;
        self.enabled.store(writer.is_some(), Ordering::Release);
        std::mem::replace(&mut state.writer, writer)
    }

    /// The current writer, if the AOF is on.
    pub fn writer(&self) -> Option<Arc<AofWriter>> {
        self.state.lock().writer.clone()
    }
}
