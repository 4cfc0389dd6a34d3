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
//! point of the replay, and one that had expired is gone. A key removed
//! because it expired is also logged, as `DEL`, as Redis propagates it (a
//! command whose clock was read before it waited for the lock may run
//! after the removal), and the active expiry cycle does not run while the
//! AOF loads.
//!
//! Under `appendfsync always` the reply must wait until the record is
//! durable: [`Aof::log`] leaves the record's [`Ticket`] in a thread-local
//! slot that the connection collects with [`take_pending`] after each
//! command (also on the blocking thread that ran a deferred frame command)
//! and waits on before it writes the replies.

mod files;
mod replay;
pub mod rewrite;
mod status;

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use persistence::record;
use persistence::writer::{AofWriter, FsyncPolicy, Ticket};

pub use files::AofFiles;
/// The loader on its own, for `fuzz/`'s `aof` target; the server loads
/// through [`load_and_start`].
pub use replay::replay;
pub use status::Status;

use crate::state::Server;

/// The internal record that sets the replay clock: `FRAMEKV.CLOCK <ms>`
/// (ms since the epoch). Not a command clients can send.
pub const CLOCK: &str = "FRAMEKV.CLOCK";

/// Records whose arguments exceed this many bytes are encoded before the
/// logging lock is taken (64 KiB).
const PRE_ENCODE_ABOVE: usize = 64 * 1024;

/// The AOF as seen by commands: off, or appending to one writer.
#[derive(Default)]
pub struct Aof {
    enabled: AtomicBool,
    /// Set when a record was logged while the writer reported a failed
    /// write or fsync; cleared by [`Aof::write_error`] once it recovered.
    /// Lets every write command check for `MISCONF` without a lock.
    failing: AtomicBool,
    state: Mutex<State>,
    /// The directory and manifest once the AOF is on (or a rewrite ran);
    /// held by a rewrite for its whole run.
    pub files: Mutex<Option<AofFiles>>,
    /// What `INFO persistence` reports.
    pub status: Status,
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
        // A big record (a FRAME.LOAD payload) is encoded before the lock,
        // so other writers wait for a copy, not for the encoding.
        let size: usize = argv.iter().map(|a| a.as_ref().len()).sum();
        let encoded = (size > PRE_ENCODE_ABOVE).then(|| {
            let mut out = Vec::with_capacity(size + 64 * argv.len());
            record::encode(argv, &mut out);
            out
        });
        let mut state = self.state.lock();
        let Some(writer) = state.writer.clone() else {
            return;
        };
        let select = state.last_db != Some(db);
        let clock = state.last_clock != Some(now_ms);
        state.last_db = Some(db);
        state.last_clock = Some(now_ms);
        // Encoded straight into the writer's buffer, under the logging lock
        // so records keep the order of the calls.
        let ticket = writer.append_with(|buf| {
            if select {
                let db = db.to_string();
                record::encode(&[b"SELECT".as_slice(), db.as_bytes()], buf);
            }
            if clock {
                let now = now_ms.to_string();
                record::encode(&[CLOCK.as_bytes(), now.as_bytes()], buf);
            }
            match &encoded {
                Some(encoded) => buf.extend_from_slice(encoded),
                None => record::encode(argv, buf),
            }
        });
        drop(state);
        if writer.is_failing() {
            self.failing.store(true, Ordering::Release);
        }
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

    /// Reopens the current file with `policy` (`CONFIG SET appendfsync`):
    /// under the logging lock, the old writer is flushed and fsynced first,
    /// so records stay in order. Blocking. Error: the flush's or the open's,
    /// and the old writer stays.
    pub fn reopen(&self, policy: FsyncPolicy) -> Result<(), String> {
        let mut state = self.state.lock();
        let Some(old) = state.writer.as_ref() else {
            return Ok(());
        };
        if old.policy() == policy {
            return Ok(());
        }
        let writer = old
            .flush_and_sync()
            .and_then(|()| AofWriter::open(old.path(), policy))
            .map_err(|e| format!("cannot reopen the AOF with the new appendfsync: {e}"))?;
        state.writer = Some(Arc::new(writer));
        Ok(())
    }

    /// The error of the latest failed write or fsync while it stands (a
    /// later success clears it); `None` when the AOF is off or healthy.
    /// Lock-free unless a failure was seen when a record was logged.
    pub fn write_error(&self) -> Option<String> {
        if !self.failing.load(Ordering::Acquire) {
            return None;
        }
        let error = self
            .writer()
            .filter(|w| w.is_failing())
            .and_then(|w| w.last_write_status().err());
        if error.is_none() {
            self.failing.store(false, Ordering::Release);
        }
        error
    }

    /// The current writer, if the AOF is on.
    pub fn writer(&self) -> Option<Arc<AofWriter>> {
        self.state.lock().writer.clone()
    }

    /// Bytes the current writer's buffers hold ([`AofWriter::buffered_bytes`]):
    /// what `maxmemory` leaves out, as Redis 7's
    /// `freeMemoryGetNotCountedMemory` leaves out its AOF buffer. 0 when
    /// the AOF is off.
    pub fn buffered_bytes(&self) -> usize {
        self.state
            .lock()
            .writer
            .as_ref()
            .map_or(0, |w| w.buffered_bytes())
    }
}

/// `appenddirname` (relative to the working directory, which is `dir`
/// once the config is read) and `appendfilename` from the live config.
pub fn dir_and_prefix(server: &Server) -> (PathBuf, String) {
    let dir = PathBuf::from(server.config.get("appenddirname"));
    (dir, server.config.get("appendfilename"))
}

/// `appendfsync` from the live config (`everysec` if unreadable).
pub fn policy(server: &Server) -> FsyncPolicy {
    server
        .config
        .get("appendfsync")
        .parse()
        .unwrap_or(FsyncPolicy::EverySec)
}

/// Loads the AOF (when `appendonly yes`) and starts logging. Runs on a
/// plain thread at start while clients get `-LOADING`. Errors: the
/// loader's (naming file and offset) or an I/O error opening the files;
/// the caller refuses to start, as Redis does. Clients keep getting
/// `-LOADING` after an error: the process is about to exit, and a client
/// served in between would take the refused start for a ready server.
pub fn load_and_start(server: &Arc<Server>) -> Result<(), String> {
    let status = &server.aof.status;
    status
        .loading_start_unix
        .store(crate::keyspace::now_ms() / 1000, Ordering::Relaxed);
    status.loading.store(true, Ordering::Release);
    load_then_open(server)?;
    status.loading.store(false, Ordering::Release);
    Ok(())
}

fn load_then_open(server: &Arc<Server>) -> Result<(), String> {
    let (dir, prefix) = dir_and_prefix(server);
    let truncated_ok = server.config.get("aof-load-truncated") == "yes";
    let started = Instant::now();
    let (report, failed) =
        replay::replay(server, &dir, &prefix, truncated_ok).map_err(|e| e.to_string())?;
    if let Some((file, at, cut)) = &report.truncated {
        tracing::warn!(
            "!!! Warning: short read while loading the AOF file {}!!! Cut {cut} bytes of a torn record at offset {at}: the AOF was truncated to its last complete record",
            file.display()
        );
    }
    tracing::info!(
        records = report.records,
        bytes = report.bytes,
        failed,
        ms = started.elapsed().as_millis() as u64,
        "DB loaded from append only file"
    );
    // As Redis runs loaded commands without `call()`: replay does not count
    // in `INFO stats` / `commandstats`.
    crate::server_cmds::config_cmd::reset_stats(server);
    drop_expired(server);
    let files = AofFiles::open(&dir, &prefix)
        .map_err(|e| format!("cannot open the AOF in {}: {e}", dir.display()))?;
    let writer = AofWriter::open(&files.current_incr(), policy(server))
        .map_err(|e| format!("cannot open {}: {e}", files.current_incr().display()))?;
    server
        .aof
        .status
        .base_size
        .store(files.base_size(), Ordering::Relaxed);
    server
        .aof
        .status
        .rewrite_base_size
        .store(files.total_size(), Ordering::Relaxed);
    *server.aof.files.lock() = Some(files);
    server.aof.switch_to(Some(Arc::new(writer)));
    Ok(())
}

/// Why `CONFIG SET name value` may not change the AOF now, checked before
/// any directive is set: `appendonly` cannot change while the AOF loads,
/// nor be turned on while a rewrite (which would have to be the one that
/// turns it on) runs.
pub fn config_refusal(server: &Server, name: &str, value: &str) -> Option<&'static str> {
    if name != "appendonly" {
        return None;
    }
    let status = &server.aof.status;
    if status.is_loading() {
        return Some("the AOF is loading");
    }
    let turning_on = value == "yes" && !server.aof.is_enabled();
    if turning_on && status.rewrite_in_progress.load(Ordering::Acquire) {
        return Some("an AOF rewrite is in progress; try again when it ends");
    }
    None
}

/// Applies a `CONFIG SET` of `appendonly`: turning the AOF on starts a
/// rewrite that switches it on (as Redis 7); turning it off stops logging
/// (the writer flushes and fsyncs on a background thread). A new
/// `appendfsync` is applied by [`Aof::reopen`], which the caller runs off
/// the async workers. Error: the rewrite's (one already running).
pub fn config_changed(
    server: &Arc<Server>,
    names: &[&str],
) -> Result<(), crate::error::CommandError> {
    if names.contains(&"notify-keyspace-events") {
        server
            .notifier
            .configure(&server.config.get("notify-keyspace-events"));
    }
    let wanted = server.config.get_bool("appendonly");
    if names.contains(&"appendonly") && wanted != server.aof.is_enabled() {
        if wanted {
            return rewrite::start_with(server, true);
        }
        let old = server.aof.switch_to(None);
        std::thread::spawn(move || drop(old));
        return Ok(());
    }
    Ok(())
}

/// Removes the keys whose deadline passed while the server was down, so
/// none of them is seen after loading (not even by `DBSIZE`), and frees
/// their values (sessions' tables included) off the locks.
fn drop_expired(server: &Server) {
    let now = crate::keyspace::now_ms();
    let mut removed = 0;
    for index in 0..server.keyspace.len() {
        loop {
            let (freed, more) = server.keyspace.db(index).active_expire(now, 1000);
            removed += freed.len();
            crate::keyspace::free_values(freed, false);
            if !more {
                break;
            }
        }
    }
    if removed > 0 {
        tracing::info!(
            keys = removed,
            "keys that expired while the server was down removed"
        );
    }
}

/// Writes and fsyncs everything logged (the shutdown path; blocking).
pub fn flush(server: &Server) {
    if let Some(writer) = server.aof.writer()
        && let Err(e) = writer.flush_and_sync()
    {
        tracing::error!(error = %e, "cannot flush the AOF at shutdown");
    }
}

/// `aof_current_size`: the base and incremental files' bytes on disk
/// (during a rewrite, which holds the file list: the base size plus the
/// current incremental file's). Never waits for a rewrite.
pub fn current_size(server: &Server) -> u64 {
    let on_disk = server
        .aof
        .files
        .try_lock()
        .and_then(|f| f.as_ref().map(|f| f.total_size()));
    on_disk.unwrap_or_else(|| {
        server.aof.status.base_size.load(Ordering::Relaxed)
            + server.aof.writer().map_or(0, |w| w.size())
    })
}
