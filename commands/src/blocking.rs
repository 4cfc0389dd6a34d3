//! Blocking commands (`BLPOP`, `BLMOVE`, `BZPOPMIN`, `XREAD BLOCK`, ...):
//! clients waiting for keys, served in FIFO order by the write that makes
//! them servable.
//!
//! A blocking command first tries its non-blocking effect. When there is
//! nothing to take it registers a [`Waiter`] on each of its keys in the
//! database ([`block`]), under the same lock, so no write can slip in
//! between, and replies [`Reply::Block`]. Every write logs what it did
//! ([`crate::keyspace::Db::log`]); a logged write naming a key someone
//! waits on marks the key ready, and when the writer releases the database
//! ([`crate::keyspace::DbGuard`]'s drop) the waiters of ready keys are
//! served in the order they blocked, each running its non-blocking effect
//! (and logging it) under that same lock, as Redis serves blocked clients
//! right after the command that fed them. The served reply travels to the
//! waiting connection over a oneshot channel; a waiter whose connection is
//! gone, or which timed out or was unblocked, is skipped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::oneshot;

use crate::keyspace::Db;
use crate::reply::Reply;

/// What a waiter runs when one of its keys is ready: its non-blocking
/// effect on the locked database at `now_ms`, `None` when there is still
/// nothing to take (it keeps waiting).
pub type Serve = Box<dyn FnMut(&mut Db, i64) -> Option<Reply> + Send>;

/// A blocked client, registered on every key it waits for.
pub struct Waiter {
    /// Set once: served, timed out, unblocked or gone.
    done: AtomicBool,
    serve: Mutex<Serve>,
    reply: Mutex<Option<oneshot::Sender<Reply>>>,
    /// The keys it is registered on (its database's).
    pub keys: Vec<Bytes>,
}

impl Waiter {
    /// Ends the wait (timeout, unblock): true unless it was served first.
    /// Call with the waiter's database locked: serving happens under that
    /// lock, so the two cannot overlap.
    pub fn claim(&self) -> bool {
        !self.done.swap(true, Ordering::AcqRel)
    }

    /// True once the waiter was served, timed out or unblocked.
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    fn gone(&self) -> bool {
        self.reply.lock().as_ref().is_none_or(|tx| tx.is_closed())
    }

    /// Tries to serve the waiter on `db`: runs its effect and sends the
    /// reply. True when it was served (or turned out to be gone).
    pub(crate) fn try_serve(&self, db: &mut Db, now_ms: i64) -> bool {
        if self.is_done() {
            return true;
        }
        if self.gone() {
            self.done.store(true, Ordering::Release);
            return true;
        }
        let Some(reply) = (self.serve.lock())(db, now_ms) else {
            return false;
        };
        self.done.store(true, Ordering::Release);
        if let Some(tx) = self.reply.lock().take() {
            // The receiver was alive just above; if it closed since, the
            // effect already happened, as when Redis serves a client whose
            // connection drops right after.
            let _ = tx.send(reply);
        }
        true
    }
}

/// A command's reply when it must wait: the connection waits on
/// `receiver` until served, or until `timeout` (then it replies
/// `on_timeout`), an unblock, or the client's end.
pub struct Blocked {
    /// The database the keys are in.
    pub db: usize,
    /// The waiter registered on the keys.
    pub waiter: Arc<Waiter>,
    /// Where the served reply arrives.
    pub receiver: oneshot::Receiver<Reply>,
    /// `None` blocks forever (a timeout of 0).
    pub timeout: Option<Duration>,
    /// The reply when the timeout passes (`*-1` for list pops, ...).
    pub on_timeout: Reply,
}

/// Registers a waiter for `keys` of the locked `db` (number `db_index`) and
/// returns the reply that makes the connection wait. Call only after the
/// non-blocking attempt found nothing, without releasing the lock between.
pub fn block(
    db: &mut Db,
    db_index: usize,
    keys: Vec<Bytes>,
    serve: Serve,
    timeout: Option<Duration>,
    on_timeout: Reply,
) -> Reply {
    let (tx, receiver) = oneshot::channel();
    let waiter = Arc::new(Waiter {
        done: AtomicBool::new(false),
        serve: Mutex::new(serve),
        reply: Mutex::new(Some(tx)),
        keys,
    });
    db.add_waiter(&waiter);
    Reply::Block(Box::new(Blocked {
        db: db_index,
        waiter,
        receiver,
        timeout,
        on_timeout,
    }))
}

/// Parses a blocking timeout in seconds (a float, as Redis 7 accepts):
/// `None` for 0 (wait forever). Errors, as Redis: `ERR timeout is not a
/// float or out of range`; `ERR timeout is negative`.
pub fn parse_timeout(raw: &[u8]) -> crate::error::Result<Option<Duration>> {
    let invalid = || crate::error::CommandError::err("timeout is not a float or out of range");
    let seconds: f64 = std::str::from_utf8(raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| s.is_finite())
        .ok_or_else(invalid)?;
    if seconds < 0.0 {
        return Err(crate::error::CommandError::err("timeout is negative"));
    }
    if seconds == 0.0 {
        return Ok(None);
    }
    Duration::try_from_secs_f64(seconds)
        .map(Some)
        .map_err(|_| invalid())
}

/// [`block`] for the calling client, or `on_timeout` at once when the
/// client runs inside a transaction (as Redis's blocking commands do not
/// wait inside `MULTI`).
pub fn wait_for(
    ctx: &crate::ctx::Ctx,
    db: &mut Db,
    keys: Vec<Bytes>,
    serve: Serve,
    timeout: Option<Duration>,
    on_timeout: Reply,
) -> Reply {
    if ctx.server.keyspace.in_exclusive() {
        return on_timeout;
    }
    block(db, ctx.client.db, keys, serve, timeout, on_timeout)
}
