//! The bodies of the writer's threads: the write loop (group commit) and the
//! `everysec` background fsync loop.

use std::fs::File;
use std::io::{self, Write};
use std::time::Instant;

use super::{EVERYSEC_INTERVAL, FsyncPolicy, GATHER_INTERVAL, RETRY_INTERVAL, Shared};

/// Largest buffer capacity, in bytes, the write loop keeps for reuse;
/// a larger one (after a burst of big writes) is freed once written.
const SPARE_MAX: usize = 8 * 1024 * 1024;

/// Takes everything buffered, writes it in one go, fsyncs it under `Always`,
/// wakes the waiters it covers; repeats until shutdown with nothing buffered.
pub(super) fn write_loop(shared: &Shared, mut file: File, name: &str) {
    // Whether the file may hold part of a failed write past `written`; it
    // is cut back before anything else is written so no half record stays.
    let mut dirty_tail = false;
    loop {
        let (data, start) = {
            let mut st = shared.state.lock();
            while st.buf.is_empty() {
                if st.shutdown {
                    return;
                }
                shared.work.wait(&mut st);
                if shared.policy != FsyncPolicy::Always && !st.shutdown && !st.flush_requested {
                    // Nobody waits for these bytes: let more gather first.
                    drop(st);
                    std::thread::sleep(GATHER_INTERVAL);
                    st = shared.state.lock();
                }
            }
            st.flush_requested = false;
            // The last written buffer, emptied, goes in place of the one
            // taken: appenders then fill a buffer that already has the room
            // a batch needs, rather than growing an empty one by doubling
            // (each step a copy under the lock every appender waits on).
            let spare = std::mem::take(&mut st.spare);
            let data = std::mem::replace(&mut st.buf, spare);
            st.in_flight = data.capacity();
            shared.note_buffered(&st);
            (data, st.written)
        };
        let end = start + data.len() as u64;
        match write_batch(&mut file, &data, start, &mut dirty_tail) {
            Ok(()) => {
                let mut st = shared.state.lock();
                st.written = end;
                st.stats.writes += 1;
                st.stats.bytes_written += data.len() as u64;
                st.write_error = None;
                shared.note_status(&st);
                shared.wake_waiters(&mut st);
                if data.capacity() <= SPARE_MAX {
                    let mut data = data;
                    data.clear();
                    st.spare = data;
                }
                st.in_flight = 0;
                shared.note_buffered(&st);
                drop(st);
                if shared.policy == FsyncPolicy::Always {
                    // An fsync error is recorded (and given to the waiters) by
                    // sync_written; the next batch's fsync covers these bytes again.
                    let _ = shared.sync_written();
                }
            }
            Err(e) => {
                let msg = format!("write to the AOF {name} failed: {e}");
                tracing::warn!("{msg}");
                let mut st = shared.state.lock();
                // Keep the bytes, in order, ahead of what came meanwhile: the
                // commands already ran in memory, so they must still reach the file.
                let mut data = data;
                data.extend_from_slice(&st.buf);
                st.buf = data;
                st.in_flight = 0;
                shared.note_buffered(&st);
                st.stats.errors += 1;
                st.write_error = Some(msg.clone());
                shared.note_status(&st);
                st.failed = Some((end, msg));
                shared.wake_waiters(&mut st);
                if st.shutdown {
                    tracing::error!("AOF writer stopping with {} bytes unwritten", st.buf.len());
                    return;
                }
                drop(st);
                std::thread::sleep(RETRY_INTERVAL);
            }
        }
    }
}

/// Writes `data` at the end of `file` (which should be `start` bytes long).
/// On an error after a partial write the file is cut back to `start`, now or
/// (if that fails too) before the next attempt, tracked by `dirty_tail`.
fn write_batch(file: &mut File, data: &[u8], start: u64, dirty_tail: &mut bool) -> io::Result<()> {
    if *dirty_tail {
        file.set_len(start)?;
        *dirty_tail = false;
    }
    let mut done = 0;
    while done < data.len() {
        match file.write(&data[done..]) {
            Ok(0) => {
                return Err(cut_back(
                    file,
                    start,
                    done,
                    dirty_tail,
                    io::Error::new(io::ErrorKind::WriteZero, "wrote 0 bytes"),
                ));
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cut_back(file, start, done, dirty_tail, e)),
        }
    }
    Ok(())
}

/// After a failed write of which `done` bytes landed: removes them, or marks
/// the tail dirty if that fails. Returns the write's error.
fn cut_back(
    file: &File,
    start: u64,
    done: usize,
    dirty_tail: &mut bool,
    e: io::Error,
) -> io::Error {
    if done > 0 && file.set_len(start).is_err() {
        *dirty_tail = true;
    }
    e
}

/// Under `everysec`: once per [`EVERYSEC_INTERVAL`], fdatasyncs if anything
/// written is not yet synced. Exits on shutdown (drop syncs last).
pub(super) fn everysec_loop(shared: &Shared) {
    let mut due = Instant::now() + EVERYSEC_INTERVAL;
    loop {
        {
            let mut st = shared.state.lock();
            loop {
                if st.shutdown {
                    return;
                }
                if Instant::now() >= due {
                    break;
                }
                shared.syncer.wait_until(&mut st, due);
            }
            due = Instant::now() + EVERYSEC_INTERVAL;
            if st.written <= st.synced {
                continue;
            }
        }
        // Errors are recorded in last_write_status by sync_written; the
        // next tick retries.
        let _ = shared.sync_written();
    }
}
