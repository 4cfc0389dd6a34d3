//! The AOF rewrite (`BGREWRITEAOF`, `BGSAVE`, `SAVE`, automatic): a new base
//! file holding the current data set, written in the background.
//!
//! The snapshot is taken under every database lock, at the same moment the
//! writer switches to a new incremental file, so the base plus the files
//! from the switch on replay to exactly the live data set. Taking it is
//! cheap (values are reference-counted; sessions contribute their
//! published tables, clones that share buffers); encoding and writing it,
//! tables as Arrow IPC blobs, runs on the rewrite thread while clients go
//! on being served. Stall: one pass over the keys under the locks (about
//! 70 ms for 1M string keys here), reported as `latest_fork_usec`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::time::Instant;

use bytes::Bytes;
use persistence::record;
use persistence::writer::{AofWriter, FsyncPolicy};

use super::CLOCK;
use super::files::AofFiles;
use crate::error::CommandError;
use crate::frame::Table;
use crate::keyspace::{StringValue, Value, prefetch};
use crate::state::Server;

/// How long automatic rewrites wait after a failed one (a full disk would
/// otherwise start one every cron tick); `BGREWRITEAOF` is not held back.
pub const RETRY_AFTER_FAILURE: std::time::Duration = std::time::Duration::from_secs(60);

/// One key of the snapshot.
enum Item {
    /// Shared with the keyspace (no copy under the locks).
    String(StringValue),
    /// A hash, list, set, sorted set or stream: cloned under the locks,
    /// turned into commands by the rewrite thread.
    Container(Value),
    Session {
        restore: Vec<Bytes>,
        tables: Vec<(String, Table)>,
    },
}

/// A database's keys at the snapshot: key, value, absolute expiry (ms).
type DbSnapshot = Vec<(Bytes, Item, Option<i64>)>;

/// Starts a rewrite on a new thread. Error: `ERR Background append only
/// file rewriting already in progress` (Redis 7's text).
pub fn start(server: &Arc<Server>) -> Result<(), CommandError> {
    start_with(server, false)
}

/// [`start`]; with `enable`, the rewrite also turns the AOF on at its
/// switch (`CONFIG SET appendonly yes`), so the new base holds everything
/// written before and the new incremental file everything after.
pub fn start_with(server: &Arc<Server>, enable: bool) -> Result<(), CommandError> {
    let status = &server.aof.status;
    if status.rewrite_in_progress.swap(true, AcqRel) {
        return Err(CommandError::err(
            "Background append only file rewriting already in progress",
        ));
    }
    *status.rewrite_started.lock() = Some(Instant::now());
    let server = Arc::clone(server);
    let spawned = std::thread::Builder::new()
        .name("aof-rewrite".into())
        .spawn(move || finish(&server, rewrite(&server, enable)));
    if let Err(e) = spawned {
        status.rewrite_in_progress.store(false, Relaxed);
        return Err(CommandError::err(format!("cannot start the rewrite: {e}")));
    }
    Ok(())
}

/// Records the outcome in the status for `INFO persistence`.
fn finish(server: &Server, result: io::Result<u64>) {
    let status = &server.aof.status;
    let took = status
        .rewrite_started
        .lock()
        .take()
        .map_or(0, |t| t.elapsed().as_secs() as i64);
    status.last_rewrite_time_sec.store(took, Relaxed);
    match result {
        Ok(base_size) => {
            tracing::info!(base_size, "background AOF rewrite finished successfully");
            status.base_size.store(base_size, Relaxed);
            status.rewrite_base_size.store(base_size, Relaxed);
            status.rewrites.fetch_add(1, Relaxed);
            status.last_rewrite_ok.store(true, Relaxed);
            status.consecutive_failures.store(0, Relaxed);
            status
                .last_save_unix
                .store(crate::keyspace::now_ms() / 1000, Relaxed);
        }
        Err(e) => {
            tracing::error!(error = %e, "background AOF rewrite failed");
            status.last_rewrite_ok.store(false, Relaxed);
            status.consecutive_failures.fetch_add(1, Relaxed);
            *status.last_failure.lock() = Some(Instant::now());
        }
    }
    status.rewrite_in_progress.store(false, Relaxed);
}

/// The rewrite itself. Returns the new base file's size in bytes.
fn rewrite(server: &Arc<Server>, enable: bool) -> io::Result<u64> {
    let aof = &server.aof;
    let mut files_slot = aof.files.lock();
    if files_slot.is_none() {
        let (dir, prefix) = super::dir_and_prefix(server);
        *files_slot = Some(AofFiles::open(&dir, &prefix)?);
    }
    // Set just above.
    let files = files_slot.as_mut().expect("AOF files");
    let logging = aof.is_enabled() || enable;
    // Most of what is buffered reaches the disk before the locks are taken,
    // so the flush under them is short.
    if let Some(old) = aof.writer() {
        old.flush_and_sync()?;
    }
    let (incr_path, incr_seq) = files.add_incr()?;
    let switched = {
        let stalled = Instant::now();
        let dbs = server.keyspace.all_dbs();
        let now_ms = crate::keyspace::now_ms();
        let taken = switch_writer(server, logging, &incr_path).map(|old| {
            let snapshot: Vec<DbSnapshot> = dbs.iter().map(|db| capture(db, now_ms)).collect();
            (snapshot, now_ms, old)
        });
        drop(dbs);
        // What Redis reports as the fork's cost: how long clients waited.
        let usec = stalled.elapsed().as_micros() as u64;
        aof.status.latest_snapshot_usec.store(usec, Relaxed);
        tracing::info!(
            usec,
            "AOF rewrite snapshot taken (clients waited this long)"
        );
        taken
    };
    let (snapshot, now_ms) = match switched {
        Ok((snapshot, now_ms, old)) => {
            // Off the locks: the old writer's last fsync and its threads'
            // exit (when no connection still holds it).
            drop(old);
            (snapshot, now_ms)
        }
        Err(e) => {
            // Nothing was written to the new file: the manifest goes back to
            // naming the one the writer still appends to.
            if let Err(undo) = files.remove_last_incr() {
                tracing::error!(error = %undo, "cannot take the new incremental file out of the manifest");
            }
            return Err(e);
        }
    };
    let temp = files.temp_base();
    let written = write_base(&temp, &snapshot, now_ms);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    drop(snapshot);
    files.install_base(&temp, incr_seq)
}

/// Under every database lock: opens the new incremental file with the
/// `appendfsync` in force now (a `CONFIG SET` just before cannot be lost),
/// writes out what the old writer holds, and switches to the new one.
/// Returns the old writer for the caller to drop once the locks are
/// released: dropping it fsyncs the old file, which under load can take
/// tens of milliseconds that every client would otherwise wait (as Redis 7
/// fsyncs and closes the old file in the background). Under `appendfsync
/// always` the old file is fsynced here, so the new file never holds a
/// record whose predecessors could be lost. Does nothing when the AOF
/// stays off.
fn switch_writer(
    server: &Server,
    logging: bool,
    incr_path: &std::path::Path,
) -> io::Result<Option<Arc<AofWriter>>> {
    if !logging {
        return Ok(None);
    }
    let writer = AofWriter::open(incr_path, super::policy(server))?;
    if let Some(old) = server.aof.writer() {
        if old.policy() == FsyncPolicy::Always {
            old.flush_and_sync()?;
        } else {
            old.flush()?;
        }
    }
    Ok(server.aof.switch_to(Some(Arc::new(writer))))
}

/// Slots ahead of the one being captured whose key and string value are
/// prefetched: each would otherwise be a cache miss under every lock.
const PREFETCH_AHEAD: usize = 16;

/// The live keys of one database (expired ones are left out).
fn capture(db: &crate::keyspace::Db, now_ms: i64) -> DbSnapshot {
    let mut keys = Vec::with_capacity(db.len());
    let mut ahead = db.iter().skip(PREFETCH_AHEAD);
    keys.extend(
        db.iter()
            .inspect(|_| {
                if let Some((key, entry)) = ahead.next() {
                    prefetch(key.as_ptr());
                    if let Value::String(s) = &entry.value {
                        s.prefetch();
                    }
                }
            })
            .filter(|(_, e)| !e.expired(now_ms))
            .map(|(key, entry)| {
                let item = match &entry.value {
                    Value::String(s) => Item::String(s.clone()),
                    Value::Session(s) => Item::Session {
                        restore: crate::session::restore::restore_argv(key, s),
                        tables: s.published_tables(),
                    },
                    container => Item::Container(container.duplicate()),
                };
                (Bytes::copy_from_slice(key), item, entry.expire_at())
            }),
    );
    keys
}

/// Writes the base file: per database a `SELECT` and a clock record, then
/// every key as the commands that recreate it; then fsyncs it.
fn write_base(path: &std::path::Path, snapshot: &[DbSnapshot], now_ms: i64) -> io::Result<()> {
    let file = File::create(path)?;
    let mut out = BufWriter::with_capacity(1 << 20, &file);
    let mut buf = Vec::with_capacity(1 << 16);
    for (index, keys) in snapshot.iter().enumerate() {
        if keys.is_empty() {
            continue;
        }
        let index = index.to_string();
        record::encode(&[b"SELECT".as_slice(), index.as_bytes()], &mut buf);
        record::encode(&[CLOCK.as_bytes(), now_ms.to_string().as_bytes()], &mut buf);
        for (key, item, expire_at) in keys {
            match item {
                Item::String(value) => {
                    record::encode(&[b"SET".as_slice(), key, &value[..]], &mut buf);
                }
                Item::Container(value) => {
                    for argv in value.rewrite_commands(key).unwrap_or_default() {
                        record::encode(&argv, &mut buf);
                    }
                }
                Item::Session { restore, tables } => {
                    record::encode(restore, &mut buf);
                    for (name, table) in tables {
                        let argv = crate::frame::restore_argv(key, name, table)
                            .map_err(|e| io::Error::other(e.0))?;
                        record::encode(&argv, &mut buf);
                    }
                }
            }
            if let Some(at) = expire_at {
                let at = at.to_string();
                record::encode(&[b"PEXPIREAT".as_slice(), key, at.as_bytes()], &mut buf);
            }
            if buf.len() >= 1 << 16 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    drop(out);
    file.sync_all()
}

/// True when a rewrite should start now: one was scheduled (`BGSAVE
/// SCHEDULE`) and none runs, or `auto-aof-rewrite-percentage` and
/// `auto-aof-rewrite-min-size` call for one: the AOF is on, no rewrite runs,
/// it is at least the
/// minimum size and has grown by the percentage since the last rewrite (or
/// the start), as Redis 7's `serverCron` decides.
pub fn auto_rewrite_due(server: &Server) -> bool {
    let status = &server.aof.status;
    if status.rewrite_in_progress.load(Relaxed) || status.is_loading() {
        return false;
    }
    if status.rewrite_scheduled.swap(false, AcqRel) {
        return true;
    }
    if !server.aof.is_enabled() {
        return false;
    }
    if status.last_failure.lock().is_some_and(|at| {
        status.consecutive_failures.load(Relaxed) > 0 && at.elapsed() < RETRY_AFTER_FAILURE
    }) {
        return false;
    }
    let percentage = server.config.get_i64("auto-aof-rewrite-percentage");
    let min_size = server.config.get_i64("auto-aof-rewrite-min-size").max(0) as u64;
    if percentage <= 0 {
        return false;
    }
    let size = super::current_size(server);
    let base = status.rewrite_base_size.load(Relaxed).max(1);
    size >= min_size && size.saturating_sub(base) * 100 / base >= percentage as u64
}
