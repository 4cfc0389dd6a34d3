//! Finding a session for a command: type check, expiry, and the sliding TTL.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::{Db, Value};

use super::Session;

/// A session found by [`open`], with what the command may report about the
/// access.
pub struct Opened {
    /// The session.
    pub session: Arc<Session>,
    /// The access time before this one, ms since the epoch.
    pub previous_access_ms: i64,
    /// The key's absolute expiry after the access (ms since the epoch), if any.
    pub expire_at: Option<i64>,
}

/// `ERR no such session '<id>'`.
pub fn no_such_session(id: &[u8]) -> CommandError {
    CommandError::err(format!("no such session '{}'", String::from_utf8_lossy(id)))
}

/// Finds session `id` in the client's database and records the access:
/// the access time, and for a `SLIDING` session with a TTL the expiry is
/// reset to the full length (a session made persistent with `PERSIST`
/// stays persistent). The database lock is held only inside this call.
///
/// Errors: `ERR no such session '<id>'` when the key is missing or expired;
/// `WRONGTYPE` when it holds another type.
pub fn open(ctx: &Ctx, id: &[u8]) -> Result<Opened> {
    let mut db = ctx.db();
    open_in(&mut db, id, ctx.now_ms)
}

/// [`open`] on an already locked database (commands naming two sessions).
///
/// A slid expiry is logged to the AOF as `PEXPIREAT id <ms>` (when it
/// moved), so every command that reads a sliding session is a write to the
/// AOF. The access time itself is not logged (as Redis does not persist
/// LRU clocks).
pub fn open_in(db: &mut Db, id: &[u8], now_ms: i64) -> Result<Opened> {
    let mut opened = find_in(db, id, now_ms)?;
    let session = &opened.session;
    let ttl_len = session.ttl_len_ms.load(Ordering::Relaxed);
    if let Some(old) = opened.expire_at
        && session.sliding.load(Ordering::Relaxed)
        && ttl_len > 0
    {
        let at = now_ms.saturating_add(ttl_len);
        opened.expire_at = Some(at);
        if at != old {
            db.set_expire(id, Some(at), now_ms);
            db.log(now_ms, &[&b"PEXPIREAT"[..], id, at.to_string().as_bytes()]);
        }
    }
    Ok(opened)
}

/// Finds session `id` and marks the access time, without sliding its TTL
/// (for `SESSION.TOUCH`, which sets the expiry itself). `expire_at` is the
/// key's expiry as found.
pub(super) fn find_in(db: &mut Db, id: &[u8], now_ms: i64) -> Result<Opened> {
    let (session, expire_at) = match db.get(id, now_ms) {
        None => return Err(no_such_session(id)),
        Some(entry) => match &entry.value {
            Value::Session(s) => (s.clone(), entry.expire_at()),
            _ => return Err(CommandError::wrong_type()),
        },
    };
    let previous_access_ms = session.touch(now_ms);
    Ok(Opened {
        session,
        previous_access_ms,
        expire_at,
    })
}
