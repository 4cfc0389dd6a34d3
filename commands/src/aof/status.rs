//! What `INFO persistence`, `LASTSAVE` and the `-LOADING` check read:
//! loading progress and the rewrite's state and history.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::Mutex;

/// Loading and rewrite state for `INFO persistence`, `LASTSAVE` and the
/// `-LOADING` check.
pub struct Status {
    /// True while the AOF is being loaded (`loading:1`).
    pub loading: AtomicBool,
    /// Unix seconds when loading started (`loading_start_time`).
    pub loading_start_unix: AtomicI64,
    /// Bytes of AOF to load (`loading_total_bytes`).
    pub loading_total_bytes: AtomicU64,
    /// Bytes replayed so far, approximately (`loading_loaded_bytes`).
    pub loading_loaded_bytes: AtomicU64,
    /// A rewrite is running (`aof_rewrite_in_progress`).
    pub rewrite_in_progress: AtomicBool,
    /// A rewrite is to start once the running one ends (`BGSAVE SCHEDULE`;
    /// `aof_rewrite_scheduled`).
    pub rewrite_scheduled: AtomicBool,
    /// When the running rewrite started.
    pub rewrite_started: Mutex<Option<Instant>>,
    /// Seconds the last rewrite took (-1 before the first).
    pub last_rewrite_time_sec: AtomicI64,
    /// Whether the last rewrite succeeded (`aof_last_bgrewrite_status`).
    pub last_rewrite_ok: AtomicBool,
    /// How long the last rewrite held every database lock to take its
    /// snapshot, µs (`latest_fork_usec`, what Redis reports for its fork).
    pub latest_snapshot_usec: AtomicU64,
    /// Rewrites completed since start (`aof_rewrites`).
    pub rewrites: AtomicU64,
    /// Rewrites failed in a row (`aof_rewrites_consecutive_failures`).
    pub consecutive_failures: AtomicU64,
    /// When the last rewrite failed: automatic rewrites wait
    /// [`super::rewrite::RETRY_AFTER_FAILURE`] after it.
    pub last_failure: Mutex<Option<Instant>>,
    /// Size of the base file after the last rewrite or at load (`aof_base_size`).
    pub base_size: AtomicU64,
    /// AOF size after the last rewrite or at load: automatic rewrites
    /// measure growth from it.
    pub rewrite_base_size: AtomicU64,
    /// Unix seconds of the last successful rewrite, or of the start (`LASTSAVE`).
    pub last_save_unix: AtomicI64,
}

impl Default for Status {
    fn default() -> Status {
        Status {
            loading: AtomicBool::new(false),
            loading_start_unix: AtomicI64::new(0),
            loading_total_bytes: AtomicU64::new(0),
            loading_loaded_bytes: AtomicU64::new(0),
            rewrite_in_progress: AtomicBool::new(false),
            rewrite_scheduled: AtomicBool::new(false),
            rewrite_started: Mutex::new(None),
            last_rewrite_time_sec: AtomicI64::new(-1),
            last_rewrite_ok: AtomicBool::new(true),
            latest_snapshot_usec: AtomicU64::new(0),
            rewrites: AtomicU64::new(0),
            consecutive_failures: AtomicU64::new(0),
            last_failure: Mutex::new(None),
            base_size: AtomicU64::new(0),
            rewrite_base_size: AtomicU64::new(0),
            last_save_unix: AtomicI64::new(crate::keyspace::now_ms() / 1000),
        }
    }
}

impl Status {
    /// True while the AOF is being loaded.
    pub fn is_loading(&self) -> bool {
        self.loading.load(Ordering::Acquire)
    }
}
