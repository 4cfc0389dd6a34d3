//! The AOF writer: appends encoded records to the current incremental file
//! on a dedicated thread, under one of the three `appendfsync` policies of
//! Redis 7, with group commit.
//!
//! Callers (the command path) hand over bytes already encoded with
//! [`crate::record::encode`] through [`AofWriter::append`], which only copies
//! them into a shared buffer and returns a [`Ticket`]: the file offset (bytes)
//! at which those records end. The writer thread takes *everything* buffered,
//! writes it with one `write`, and under [`FsyncPolicy::Always`] covers it
//! with one `fdatasync`; then it wakes every waiter whose ticket is covered.
//! So N clients writing at once share one fsync instead of paying N.
//!
//! Waiting is separate from appending: [`AofWriter::wait_durable`] blocks a
//! thread (use it from `spawn_blocking` or a plain thread), and
//! [`AofWriter::wait_durable_async`] returns a oneshot receiver for tokio
//! tasks. No fsync or file write ever runs on the caller's thread, except in
//! [`AofWriter::flush_and_sync`] (the shutdown path), which is blocking by
//! contract.
//!
//! Write errors: a failed or short write is cut back (`set_len`) so the file
//! never keeps half a record, the bytes stay buffered, and the thread retries
//! every [`RETRY_INTERVAL`]. Waiters whose bytes were in the failed attempt get
//! the error; [`AofWriter::last_write_status`] reports it until a later write
//! succeeds (like Redis's `aof_last_write_status`).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use tokio::sync::oneshot;

mod threads;

/// How long the writer thread waits before retrying after a failed write or
/// fsync: 100 ms.
pub const RETRY_INTERVAL: Duration = Duration::from_millis(100);

/// Under `everysec` and `no`, how long the writer thread lets records
/// gather after it is woken before it writes them: one `write` then covers
/// every command of that interval instead of a few. Also the most a process
/// crash can lose of acknowledged writes under those policies (plus the
/// time of the write itself).
pub const GATHER_INTERVAL: Duration = Duration::from_micros(500);

/// Longest gap between two background fsyncs under [`FsyncPolicy::EverySec`]
/// while unsynced data exists: 1 s (Redis 7 `appendfsync everysec`).
pub const EVERYSEC_INTERVAL: Duration = Duration::from_secs(1);

/// When appended records reach the disk: Redis 7's `appendfsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// `always`: a ticket is durable only once its bytes are written *and*
    /// covered by an `fdatasync`. A crash loses no acknowledged write.
    /// Concurrent appends share one fsync (group commit).
    Always,
    /// `everysec`: a ticket is durable once written to the file (in the OS
    /// page cache); a background thread fdatasyncs at most once per second
    /// while unsynced data exists. The writer lets records gather for
    /// [`GATHER_INTERVAL`] before writing them, and the server does not wait
    /// for the write before replying: a process crash may lose about the
    /// last millisecond of acknowledged writes, a machine crash about the
    /// last second.
    EverySec,
    /// `no`: a ticket is durable once written; the OS decides when data
    /// reaches the disk (Linux: typically within 30 s). Only
    /// [`AofWriter::flush_and_sync`] and drop fsync explicitly.
    No,
}

impl FromStr for FsyncPolicy {
    type Err = String;

    /// Parses the `appendfsync` values `always`, `everysec` and `no`,
    /// ASCII case-insensitive as Redis 7 config enums are. The error is the
    /// bad value's description, for a config error line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "always" => Ok(FsyncPolicy::Always),
            "everysec" => Ok(FsyncPolicy::EverySec),
            "no" => Ok(FsyncPolicy::No),
            _ => Err(format!("invalid appendfsync value '{s}'")),
        }
    }
}

/// The end offset (bytes from the start of the file) of records handed to
/// [`AofWriter::append`]: they are durable once the file is durable up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ticket(pub u64);

/// Counters since [`AofWriter::open`], for tests and `INFO`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Successful `write` batches (each covers one or more `append` calls).
    pub writes: u64,
    /// Successful `fdatasync` calls, by any thread.
    pub fsyncs: u64,
    /// Bytes written by this writer.
    pub bytes_written: u64,
    /// Failed write or fsync attempts.
    pub errors: u64,
}

/// The shared state, behind [`Shared::state`]. All offsets are file offsets
/// in bytes, with `synced <= written <= appended`.
struct State {
    /// Appended bytes not yet handed to the writer thread.
    buf: Vec<u8>,
    /// The last written buffer, emptied, which the writer thread puts in
    /// place of the one it takes (see the write loop).
    spare: Vec<u8>,
    /// Capacity of the buffer the writer thread is writing, 0 between
    /// batches.
    in_flight: usize,
    /// End offset of everything appended (the file size once all is written).
    appended: u64,
    /// End offset of what is in the file.
    written: u64,
    /// End offset covered by a successful fdatasync.
    synced: u64,
    /// Highest end offset of a failed write/fsync attempt, and its error:
    /// waiters at or below it that are not yet durable get the error.
    failed: Option<(u64, String)>,
    /// The error of the latest write if it failed, cleared by a successful
    /// write ([`AofWriter::last_write_status`]).
    write_error: Option<String>,
    /// The error of the latest fsync if it failed, cleared by a successful
    /// fsync (Redis 7 reports `aof_last_write_status:err` for either).
    sync_error: Option<String>,
    /// Async waiters, woken when durable or failed.
    async_waiters: Vec<(u64, oneshot::Sender<io::Result<()>>)>,
    stats: WriterStats,
    /// Set by drop: the threads finish what is buffered and exit.
    shutdown: bool,
    /// Set by [`AofWriter::flush_and_sync`]: write without gathering.
    flush_requested: bool,
}

/// What the threads and the handle share.
struct Shared {
    policy: FsyncPolicy,
    state: Mutex<State>,
    /// Wakes the writer thread: data appended or shutdown.
    work: Condvar,
    /// Wakes blocking waiters: `written`, `synced` or `failed` moved.
    progress: Condvar,
    /// Wakes the everysec syncer early: shutdown.
    syncer: Condvar,
    /// A second handle on the file for fsyncs outside the writer thread (the
    /// everysec syncer, flush_and_sync); fdatasync acts on the file, not the fd.
    sync_file: File,
    /// True while the latest write or fsync failed: what
    /// [`AofWriter::is_failing`] reads without taking the lock.
    failing: std::sync::atomic::AtomicBool,
    /// Bytes the writer's buffers hold allocated (the pending buffer, the
    /// spare and the batch being written), for
    /// [`AofWriter::buffered_bytes`] without the lock.
    buffered: std::sync::atomic::AtomicUsize,
}

impl Shared {
    /// Publishes the buffers' allocated bytes (call under the lock after
    /// any of them changed).
    fn note_buffered(&self, st: &State) {
        let bytes = st.buf.capacity() + st.spare.capacity() + st.in_flight;
        self.buffered
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether `end` is durable under the policy.
    fn is_durable(&self, st: &State, end: u64) -> bool {
        match self.policy {
            FsyncPolicy::Always => st.synced >= end,
            FsyncPolicy::EverySec | FsyncPolicy::No => st.written >= end,
        }
    }

    /// `Some(result)` once the wait for `end` is over: Ok when durable, the
    /// error when an attempt covering it failed.
    fn outcome(&self, st: &State, end: u64) -> Option<io::Result<()>> {
        if self.is_durable(st, end) {
            return Some(Ok(()));
        }
        match &st.failed {
            Some((through, msg)) if *through >= end => Some(Err(io::Error::other(msg.clone()))),
            _ => None,
        }
    }

    /// Mirrors whether the latest write or fsync failed into `failing`.
    /// Called with the lock held, after `write_error` or `sync_error` changed.
    fn note_status(&self, st: &State) {
        let failing = st.write_error.is_some() || st.sync_error.is_some();
        self.failing
            .store(failing, std::sync::atomic::Ordering::Release);
    }

    /// Wakes every waiter after `written`, `synced` or `failed` moved.
    /// Called with the lock held.
    fn wake_waiters(&self, st: &mut State) {
        self.progress.notify_all();
        let waiters = std::mem::take(&mut st.async_waiters);
        for (end, tx) in waiters {
            match self.outcome(st, end) {
                // A dropped receiver means nobody waits any more.
                Some(result) => drop(tx.send(result)),
                None => st.async_waiters.push((end, tx)),
            }
        }
    }

    /// fdatasyncs `sync_file` to cover what is written now; records success
    /// or failure. Runs without the lock held during the syscall.
    fn sync_written(&self) -> io::Result<()> {
        let target = self.state.lock().written;
        let result = self.sync_file.sync_data();
        let mut st = self.state.lock();
        match &result {
            Ok(()) => {
                st.synced = st.synced.max(target);
                st.stats.fsyncs += 1;
                st.sync_error = None;
                self.note_status(&st);
            }
            Err(e) => {
                let msg = format!("fsync of the AOF failed: {e}");
                tracing::warn!("{msg}");
                st.stats.errors += 1;
                st.sync_error = Some(msg.clone());
                self.note_status(&st);
                if self.policy == FsyncPolicy::Always {
                    st.failed = Some((target, msg));
                }
            }
        }
        self.wake_waiters(&mut st);
        result
    }
}

/// Appends records to one AOF file from a dedicated thread (plus, under
/// `everysec`, a background fsync thread). Cheap to share behind an `Arc`:
/// every method takes `&self`.
///
/// Dropping it writes what is buffered, fsyncs (whatever the policy), and
/// joins its threads; errors then are logged, not returned — call
/// [`AofWriter::flush_and_sync`] first to see them.
pub struct AofWriter {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    path: std::path::PathBuf,
}

impl AofWriter {
    /// Opens (creating if missing) `path` for appending and starts the
    /// writer thread. Tickets continue from the file's current length.
    ///
    /// Errors: opening or `stat`ing the file, cloning its handle, or
    /// spawning a thread.
    pub fn open(path: &Path, policy: FsyncPolicy) -> io::Result<AofWriter> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let len = file.metadata()?.len();
        let shared = Arc::new(Shared {
            policy,
            state: Mutex::new(State {
                buf: Vec::new(),
                spare: Vec::new(),
                in_flight: 0,
                appended: len,
                written: len,
                synced: len,
                failed: None,
                write_error: None,
                sync_error: None,
                async_waiters: Vec::new(),
                stats: WriterStats::default(),
                shutdown: false,
                flush_requested: false,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
            syncer: Condvar::new(),
            sync_file: file.try_clone()?,
            failing: std::sync::atomic::AtomicBool::new(false),
            buffered: std::sync::atomic::AtomicUsize::new(0),
        });
        let mut writer = AofWriter {
            shared: Arc::clone(&shared),
            threads: Vec::new(),
            path: path.to_path_buf(),
        };
        let name = path.display().to_string();
        let s = Arc::clone(&shared);
        // On a spawn error `writer` drops here: shutdown joins what started.
        writer.threads.push(
            std::thread::Builder::new()
                .name("aof-writer".into())
                .spawn(move || threads::write_loop(&s, file, &name))?,
        );
        if policy == FsyncPolicy::EverySec {
            let s = Arc::clone(&shared);
            writer.threads.push(
                std::thread::Builder::new()
                    .name("aof-fsync".into())
                    .spawn(move || threads::everysec_loop(&s))?,
            );
        }
        Ok(writer)
    }

    /// The file this writer appends to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The policy this writer was opened with.
    pub fn policy(&self) -> FsyncPolicy {
        self.shared.policy
    }

    /// Queues `records` (bytes from [`crate::record::encode`], one or more
    /// whole records) and returns the offset they end at. Never blocks on
    /// I/O: it copies into the shared buffer and wakes the writer thread.
    /// Records from one thread land in call order; calls from different
    /// threads are ordered by who takes the lock first, and never interleave.
    pub fn append(&self, records: Vec<u8>) -> Ticket {
        let mut records = Some(records);
        self.append_with(|buf| match records.take() {
            // Reuse the caller's allocation for the common single-append batch.
            Some(records) if buf.is_empty() => *buf = records,
            Some(records) => buf.extend_from_slice(&records),
            None => {}
        })
    }

    /// Like [`AofWriter::append`], but `encode` writes the records straight
    /// into the shared buffer (it must append whole records and nothing
    /// else), saving a buffer per call. Runs under the writer's lock: keep
    /// it to encoding.
    pub fn append_with(&self, encode: impl FnOnce(&mut Vec<u8>)) -> Ticket {
        let mut st = self.shared.state.lock();
        let was_empty = st.buf.is_empty();
        let before = st.buf.len();
        encode(&mut st.buf);
        st.appended += (st.buf.len() - before) as u64;
        self.shared.note_buffered(&st);
        let ticket = Ticket(st.appended);
        drop(st);
        // A non-empty buffer means the writer thread was already woken (or
        // is busy and takes it next): waking it per append would cost a
        // context switch per command under load.
        if was_empty {
            self.shared.work.notify_one();
        }
        ticket
    }

    /// Blocks until `ticket` is durable under the policy (see
    /// [`FsyncPolicy`]), or returns the error of a failed write (or, under
    /// `Always`, fsync) that covered it. Do not call on an async worker.
    pub fn wait_durable(&self, ticket: Ticket) -> io::Result<()> {
        let mut st = self.shared.state.lock();
        loop {
            if let Some(result) = self.shared.outcome(&st, ticket.0) {
                return result;
            }
            self.shared.progress.wait(&mut st);
        }
    }

    /// Like [`AofWriter::wait_durable`] for async code: the receiver yields
    /// the same result. It yields `RecvError` only if the writer is dropped
    /// with the ticket still pending (a failed final flush).
    pub fn wait_durable_async(&self, ticket: Ticket) -> oneshot::Receiver<io::Result<()>> {
        let (tx, rx) = oneshot::channel();
        let mut st = self.shared.state.lock();
        match self.shared.outcome(&st, ticket.0) {
            // The receiver is still held here, so the send cannot fail.
            Some(result) => drop(tx.send(result)),
            None => st.async_waiters.push((ticket.0, tx)),
        }
        rx
    }

    /// Writes everything appended so far and fdatasyncs it, whatever the
    /// policy (the shutdown path; blocking). Errors: the write or fsync error.
    pub fn flush_and_sync(&self) -> io::Result<()> {
        let target = {
            let mut st = self.shared.state.lock();
            let target = self.wait_written(&mut st)?;
            if st.synced >= target {
                return Ok(());
            }
            target
        };
        self.shared.sync_written()?;
        debug_assert!(self.shared.state.lock().synced >= target);
        Ok(())
    }

    /// Writes everything appended so far to the file (the kernel's page
    /// cache), without an fsync: for a writer being switched away from
    /// under locks, whose fsync can wait until they are released (as
    /// Redis 7 fsyncs and closes the old incremental file in the
    /// background). Blocking. Error: the write error.
    pub fn flush(&self) -> io::Result<()> {
        let mut st = self.shared.state.lock();
        self.wait_written(&mut st).map(drop)
    }

    /// Waits (releasing the lock meanwhile) until everything appended when
    /// called is written; returns that offset. Error: the write error that
    /// covered it.
    fn wait_written(&self, st: &mut parking_lot::MutexGuard<'_, State>) -> io::Result<u64> {
        let target = st.appended;
        while st.written < target {
            if let Some((through, msg)) = &st.failed
                && *through >= target
            {
                return Err(io::Error::other(msg.clone()));
            }
            st.flush_requested = true;
            self.shared.work.notify_one();
            self.shared.progress.wait(st);
        }
        Ok(target)
    }

    /// Bytes allocated for appended records not yet written, and for the
    /// buffers kept for reuse: memory Redis leaves out of `maxmemory`
    /// (its AOF buffer is "not counted for evict"). Lock-free.
    pub fn buffered_bytes(&self) -> usize {
        self.shared
            .buffered
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The file size in bytes once everything appended is written
    /// (`aof_current_size`): the length at open plus every append.
    pub fn size(&self) -> u64 {
        self.shared.state.lock().appended
    }

    /// `Ok` unless the latest write or the latest fsync failed (as Redis 7's
    /// `aof_last_write_status`); the error text names the operation, the
    /// file (for writes) and the OS error.
    pub fn last_write_status(&self) -> Result<(), String> {
        let st = self.shared.state.lock();
        match st.write_error.as_ref().or(st.sync_error.as_ref()) {
            None => Ok(()),
            Some(msg) => Err(msg.clone()),
        }
    }

    /// True while [`AofWriter::last_write_status`] is an error; cheap (no
    /// lock), for checking before every write command.
    pub fn is_failing(&self) -> bool {
        self.shared
            .failing
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Write and fsync counters since open.
    pub fn stats(&self) -> WriterStats {
        self.shared.state.lock().stats
    }
}

impl Drop for AofWriter {
    fn drop(&mut self) {
        if !self.threads.is_empty()
            && let Err(e) = self.flush_and_sync()
        {
            tracing::error!("final AOF flush failed: {e}");
        }
        self.shared.state.lock().shutdown = true;
        self.shared.work.notify_all();
        self.shared.syncer.notify_all();
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("an AOF thread panicked");
            }
        }
    }
}

#[cfg(test)]
mod tests;
