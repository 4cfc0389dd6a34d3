//! Freeing removed values without stalling clients (Redis's lazy free).

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::value::Value;

/// Values handed to lazy-free threads and not yet dropped.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// Values a background thread is still freeing (`INFO memory`
/// `lazyfree_pending_objects`; eviction waits for them, see
/// `evict::perform_evictions`).
pub fn lazyfree_pending() -> usize {
    PENDING.load(Relaxed)
}

/// More removed values than this are freed on a background thread even
/// without `ASYNC`: freeing them inline would hold up the caller.
const INLINE_FREE_LIMIT: usize = 1024;

/// Drops values removed from the keyspace, after the caller released the
/// database lock. They are freed on a background thread when
/// `asynchronous` is set (`FLUSHALL ASYNC`, `UNLINK`), when there are many,
/// or when any is a session, whose tables may hold gigabytes; otherwise
/// inline.
pub fn free_values(values: Vec<Value>, asynchronous: bool) {
    let heavy =
        values.len() > INLINE_FREE_LIMIT || values.iter().any(|v| matches!(v, Value::Session(_)));
    if values.is_empty() || !(asynchronous || heavy) {
        return;
    }
    let count = values.len();
    PENDING.fetch_add(count, Relaxed);
    let spawned = std::thread::Builder::new()
        .name("framekv-lazyfree".into())
        .spawn(move || {
            drop(values);
            PENDING.fetch_sub(count, Relaxed);
        });
    if let Err(e) = spawned {
        PENDING.fetch_sub(count, Relaxed);
        // The closure (and the values in it) was dropped here instead; the
        // removal itself already happened, so this only costs latency.
        tracing::warn!(error = %e, "could not start the lazy-free thread; freed inline");
    }
}
