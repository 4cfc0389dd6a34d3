//! What other connections see of the script that is running: since when,
//! whether it has written, and a `SCRIPT KILL` request; and the gate that
//! makes them wait for it or answer `BUSY` (Redis 7.0's
//! `busy-reply-threshold`).

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::reply::Reply;
use crate::state::Server;

/// Redis 7.0's reply to a command sent while a script has run longer than
/// `busy-reply-threshold`.
pub const BUSY: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

/// The running script, if any. One per server; at most one script runs at
/// a time, since a script holds every database.
#[derive(Default)]
pub struct ScriptStatus {
    /// True while a script runs (the gate's lock-free check).
    running: AtomicBool,
    /// When the running script started; `None` when none runs.
    started: Mutex<Option<Instant>>,
    /// The running script has run a write command (`SCRIPT KILL` then
    /// answers `UNKILLABLE`).
    wrote: AtomicBool,
    /// `SCRIPT KILL` asked the running script to stop.
    kill: AtomicBool,
    /// Woken when a script ends.
    ended: Notify,
}

/// A script marked running; dropping it marks the script ended.
pub struct Running<'a>(&'a ScriptStatus);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// What `SCRIPT KILL` found.
pub enum KillOutcome {
    /// The running script will stop at its next instruction check.
    Killed,
    /// No script runs (`NOTBUSY`).
    NotBusy,
    /// The script has written, so stopping it would leave half its effects
    /// (`UNKILLABLE`).
    Unkillable,
}

impl ScriptStatus {
    /// Marks a script as started now, until the returned guard is dropped
    /// (also when the run unwinds). Called with every database held.
    pub fn begin(&self) -> Running<'_> {
        self.wrote.store(false, Relaxed);
        self.kill.store(false, Relaxed);
        *self.started.lock() = Some(Instant::now());
        self.running.store(true, Relaxed);
        Running(self)
    }

    /// Marks the running script as ended and wakes the clients waiting for it.
    fn end(&self) {
        self.running.store(false, Relaxed);
        *self.started.lock() = None;
        self.kill.store(false, Relaxed);
        self.ended.notify_waiters();
    }

    /// How long the running script has run; `None` when none runs.
    pub fn running_for(&self) -> Option<Duration> {
        if !self.running.load(Relaxed) {
            return None;
        }
        self.started.lock().map(|at| at.elapsed())
    }

    /// Records that the running script ran a write command.
    pub fn note_write(&self) {
        self.wrote.store(true, Relaxed);
    }

    /// True when the running script has run a write command.
    pub fn has_written(&self) -> bool {
        self.wrote.load(Relaxed)
    }

    /// True once `SCRIPT KILL` asked the running script to stop.
    pub fn kill_requested(&self) -> bool {
        self.kill.load(Relaxed)
    }

    /// `SCRIPT KILL` / `FUNCTION KILL`: asks the running script to stop
    /// unless it has written.
    pub fn request_kill(&self) -> KillOutcome {
        let started = self.started.lock();
        if started.is_none() {
            return KillOutcome::NotBusy;
        }
        if self.wrote.load(Relaxed) {
            return KillOutcome::Unkillable;
        }
        self.kill.store(true, Relaxed);
        KillOutcome::Killed
    }
}

/// True while a script runs (one atomic load): [`admit`] may then wait.
pub fn is_running(server: &Server) -> bool {
    server.scripts.status.running.load(Relaxed)
}

/// Waits, without holding an async worker, while a script runs, as Redis
/// (which serves nobody while a script runs) makes every client wait.
/// Once the script has run past `busy-reply-threshold` (ms), commands
/// flagged `allow_busy` (`SCRIPT KILL`, `FUNCTION KILL`, `MULTI` ...) run
/// and every other gets the `BUSY` error returned here. `None`: go ahead.
/// Costs one atomic load when no script runs.
pub async fn admit(server: &Server, argv: &[Bytes]) -> Option<Reply> {
    if !is_running(server) {
        return None;
    }
    let status = &server.scripts.status;
    loop {
        let ended = status.ended.notified();
        tokio::pin!(ended);
        ended.as_mut().enable();
        let elapsed = status.running_for()?;
        let threshold =
            Duration::from_millis(server.config.get_i64("busy-reply-threshold").max(0) as u64);
        if elapsed >= threshold {
            let allowed = crate::dispatch::resolve(argv)
                .is_ok_and(|spec| spec.has_flag(crate::table::Flag::AllowBusy));
            return if allowed {
                None
            } else {
                Some(Reply::Error(BUSY.into()))
            };
        }
        // Woken when the script ends, or when it crosses the threshold.
        let _ = tokio::time::timeout(threshold - elapsed, ended).await;
    }
}
