//! `client-output-buffer-limit`, as Redis 7.0: per client class (`normal`,
//! `replica`, `pubsub`) a hard limit, a soft limit and a soft time. A client
//! whose pending output (the connection's unwritten output buffer plus the
//! out-of-band messages queued for it) exceeds the hard limit, or stays
//! over the soft limit for more than the soft time, is closed.
//!
//! The directive's value is kept as text in [`crate::config::Config`]
//! (`normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60`,
//! as `CONFIG GET` shows it); [`Limits`] holds the same numbers in atomics,
//! so checking costs a few relaxed loads. MONITOR clients are `normal`
//! clients here, as in Redis (a monitor is a replica that is not counted as
//! one for these limits).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};

use crate::client::{ClientHandle, Outgoing};
use crate::reply::Reply;

/// The directive's name.
pub const DIRECTIVE: &str = "client-output-buffer-limit";

/// Redis 7.0's default value, in `CONFIG GET` form.
pub const DEFAULT: &str = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";

/// A client class with its own limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Ordinary clients, MONITOR clients included.
    Normal = 0,
    /// Replicas (`slave` / `replica`); framekv has none, the value is kept.
    Replica = 1,
    /// Clients subscribed to a channel or pattern.
    Pubsub = 2,
}

/// One class's limits: bytes, bytes, seconds; 0 disables each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassLimit {
    /// Close as soon as pending output exceeds this many bytes.
    pub hard: u64,
    /// Close when pending output stays above this many bytes ...
    pub soft: u64,
    /// ... for more than this many seconds.
    pub soft_seconds: u64,
}

const NAMES: [&str; 3] = ["normal", "slave", "pubsub"];

fn class_named(word: &str) -> Option<usize> {
    match word.to_ascii_lowercase().as_str() {
        "normal" => Some(0),
        "slave" | "replica" => Some(1),
        "pubsub" => Some(2),
        _ => None,
    }
}

/// Parses `value` (`<class> <hard> <soft> <soft-seconds>` repeated; memory
/// units allowed) over the limits in `current` (only the classes named
/// change, as in Redis) and returns the full value in `CONFIG GET` form.
/// Error: Redis 7.0's message for the problem.
pub fn merge(current: &str, value: &str) -> Result<String, String> {
    let mut limits = parse_full(current).unwrap_or_else(|| parse_full(DEFAULT).unwrap_or_default());
    let words: Vec<&str> = value.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    for group in words.chunks(4) {
        let class = class_named(group[0])
            .ok_or("Invalid client class specified in buffer limit configuration.")?;
        let bad = || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let hard = crate::config::parse_memory(group[1]).ok_or_else(bad)?;
        let soft = crate::config::parse_memory(group[2]).ok_or_else(bad)?;
        let soft_seconds: u64 = group[3].parse().map_err(|_| bad())?;
        limits[class] = ClassLimit {
            hard,
            soft,
            soft_seconds,
        };
    }
    Ok(render(&limits))
}

fn parse_full(text: &str) -> Option<[ClassLimit; 3]> {
    let mut limits = [ClassLimit::default(); 3];
    let words: Vec<&str> = text.split_whitespace().collect();
    for group in words.chunks(4) {
        let [name, hard, soft, secs] = group else {
            return None;
        };
        limits[class_named(name)?] = ClassLimit {
            hard: hard.parse().ok()?,
            soft: soft.parse().ok()?,
            soft_seconds: secs.parse().ok()?,
        };
    }
    Some(limits)
}

fn render(limits: &[ClassLimit; 3]) -> String {
    NAMES
        .iter()
        .zip(limits)
        .map(|(name, l)| format!("{name} {} {} {}", l.hard, l.soft, l.soft_seconds))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The live limits, readable without a lock.
#[derive(Debug)]
pub struct Limits {
    /// hard, soft, soft seconds per class.
    values: [[AtomicU64; 3]; 3],
}

impl Default for Limits {
    fn default() -> Self {
        let limits = Limits {
            values: Default::default(),
        };
        limits.store(DEFAULT);
        limits
    }
}

impl Limits {
    /// Stores a full value as [`merge`] returns it; ignores malformed text.
    pub fn store(&self, value: &str) {
        if let Some(parsed) = parse_full(value) {
            for (slot, l) in self.values.iter().zip(parsed) {
                slot[0].store(l.hard, Relaxed);
                slot[1].store(l.soft, Relaxed);
                slot[2].store(l.soft_seconds, Relaxed);
            }
        }
    }

    /// The limits of `class`.
    pub fn get(&self, class: Class) -> ClassLimit {
        let slot = &self.values[class as usize];
        ClassLimit {
            hard: slot[0].load(Relaxed),
            soft: slot[1].load(Relaxed),
            soft_seconds: slot[2].load(Relaxed),
        }
    }
}

impl ClassLimit {
    /// True when neither limit is set.
    pub fn is_off(&self) -> bool {
        self.hard == 0 && self.soft == 0
    }

    /// The smallest pending size that needs a closer look (`u64::MAX` when off).
    pub fn threshold(&self) -> u64 {
        match (self.hard, self.soft) {
            (0, 0) => u64::MAX,
            (0, s) => s,
            (h, 0) => h,
            (h, s) => h.min(s),
        }
    }
}

/// Per-client soft-limit state and the decision, in Redis's
/// `checkClientOutputBufferLimits` terms. `soft_since_ms` is 0 while the
/// client is under its soft limit. Returns true when the client must close.
pub fn over_limit(limit: ClassLimit, pending: u64, soft_since_ms: &AtomicU64, now_ms: u64) -> bool {
    if limit.hard > 0 && pending >= limit.hard {
        return true;
    }
    if limit.soft > 0 && pending >= limit.soft {
        let since = soft_since_ms.load(Relaxed);
        if since == 0 {
            soft_since_ms.store(now_ms.max(1), Relaxed);
            return false;
        }
        return now_ms.saturating_sub(since) / 1000 > limit.soft_seconds;
    }
    soft_since_ms.store(0, Relaxed);
    false
}

/// One client's pending output and soft-limit state, on its
/// [`ClientHandle`] so that publishers can check it.
#[derive(Debug, Default)]
pub struct Pending {
    /// Bytes of the messages waiting in the client's channel.
    queued: AtomicU64,
    /// Bytes of the connection's output buffer being written.
    buffered: AtomicU64,
    /// When the client went over its soft limit (ms), 0 when under it.
    soft_since_ms: AtomicU64,
    /// Set once a limit closed the client (logged once).
    closed: AtomicBool,
    /// The server's limits, attached when the connection starts.
    limits: OnceLock<Arc<Limits>>,
}

impl Pending {
    /// Attaches the server's live limits; until then nothing is limited.
    pub fn attach(&self, limits: Arc<Limits>) {
        let _ = self.limits.set(limits);
    }

    /// Pending output bytes (`omem` in `CLIENT LIST`).
    pub fn total(&self) -> u64 {
        self.queued.load(Relaxed) + self.buffered.load(Relaxed)
    }

    /// Counts `item` as queued, unless the client is closing or this takes
    /// it over a limit: then the client is closed and false returned (the
    /// message must be dropped). Costs one add and a few loads while the
    /// client is under the smallest limit set.
    pub fn admit(&self, handle: &ClientHandle, item: &Outgoing) -> bool {
        if self.closed.load(Relaxed) {
            return false;
        }
        let size = outgoing_size(item);
        let queued = self.queued.fetch_add(size, Relaxed) + size;
        if self.over(handle, queued + self.buffered.load(Relaxed)) {
            self.queued.fetch_sub(size, Relaxed);
            return false;
        }
        true
    }

    /// True when messages wait in the client's channel, or are about to:
    /// [`Pending::admit`] counts a message before sending it. One load,
    /// where polling the channel costs a lock-free pop; a message whose
    /// count this misses is taken after the next command, or when the
    /// connection next waits.
    pub fn has_queued(&self) -> bool {
        self.queued.load(Relaxed) > 0
    }

    /// The connection took `item` from the channel (to encode it).
    pub fn taken(&self, item: &Outgoing) {
        self.queued.fetch_sub(outgoing_size(item), Relaxed);
    }

    /// The connection is about to write `len` bytes (0 once written). False
    /// when they take the client over a limit: it is closed, and the bytes
    /// must not be written.
    pub fn writing(&self, handle: &ClientHandle, len: usize) -> bool {
        let len = len as u64;
        self.buffered.store(len, Relaxed);
        if len > 0 && self.over(handle, len + self.queued.load(Relaxed)) {
            self.buffered.store(0, Relaxed);
            return false;
        }
        true
    }

    /// True (and the client closed, with Redis's warning) when `pending`
    /// bytes break the client's class limits.
    fn over(&self, handle: &ClientHandle, pending: u64) -> bool {
        let Some(limits) = self.limits.get() else {
            return false;
        };
        let normal = limits.get(Class::Normal);
        let pubsub = limits.get(Class::Pubsub);
        if pending < normal.threshold().min(pubsub.threshold()) {
            if self.soft_since_ms.load(Relaxed) != 0 {
                self.soft_since_ms.store(0, Relaxed);
            }
            return false;
        }
        // MONITOR clients are normal clients here, as in Redis.
        let limit = if handle.info.lock().is_pubsub() {
            pubsub
        } else {
            normal
        };
        let now_ms = crate::keyspace::now_ms().max(0) as u64;
        if !over_limit(limit, pending, &self.soft_since_ms, now_ms) {
            return false;
        }
        if !self.closed.swap(true, Relaxed) {
            tracing::warn!(
                "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                handle.info_line()
            );
            handle.kill();
        }
        true
    }
}

/// Approximate encoded size of one queued message, bytes. The same value is
/// added when it is queued and subtracted when the connection takes it.
pub fn outgoing_size(item: &Outgoing) -> u64 {
    match item {
        Outgoing::Push(items) => 16 + items.iter().map(reply_size).sum::<u64>(),
        Outgoing::Status(line) => 3 + line.len() as u64,
        Outgoing::Wake => 0,
    }
}

fn reply_size(reply: &Reply) -> u64 {
    match reply {
        Reply::Bulk(b) => 16 + b.len() as u64,
        Reply::Status(s) => 16 + s.len() as u64,
        Reply::Error(s) | Reply::Verbatim(s) => 16 + s.len() as u64,
        Reply::Array(items) | Reply::Set(items) => 16 + items.iter().map(reply_size).sum::<u64>(),
        Reply::Bulks(bulks) => {
            16 + bulks
                .items()
                .map(|item| 16 + item.len() as u64)
                .sum::<u64>()
        }
        Reply::Map(pairs) => {
            16 + pairs
                .iter()
                .map(|(k, v)| reply_size(k) + reply_size(v))
                .sum::<u64>()
        }
        Reply::Pushes(groups) => groups
            .iter()
            .map(|g| 16 + g.iter().map(reply_size).sum::<u64>())
            .sum(),
        _ => 24,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_updates_named_classes_only() {
        let v = merge(DEFAULT, "pubsub 1mb 2 3").unwrap();
        assert_eq!(
            v,
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2 3"
        );
        let v = merge(&v, "NORMAL 5 10 3 replica 1 2 3").unwrap();
        assert_eq!(v, "normal 5 10 3 slave 1 2 3 pubsub 1048576 2 3");
        assert!(
            merge(DEFAULT, "normal 1 2")
                .unwrap_err()
                .starts_with("Wrong number")
        );
        assert!(merge(DEFAULT, "").unwrap_err().starts_with("Wrong number"));
        assert!(
            merge(DEFAULT, "master 1 2 3")
                .unwrap_err()
                .starts_with("Invalid client class")
        );
        assert!(
            merge(DEFAULT, "normal a 2 3")
                .unwrap_err()
                .starts_with("Error in hard")
        );
        assert!(
            merge(DEFAULT, "normal 1 2 -3")
                .unwrap_err()
                .starts_with("Error in hard")
        );
    }

    #[test]
    fn hard_and_soft_limits_decide_as_redis() {
        let since = AtomicU64::new(0);
        let l = ClassLimit {
            hard: 100,
            soft: 50,
            soft_seconds: 2,
        };
        assert!(over_limit(l, 100, &since, 10_000));
        assert!(!over_limit(l, 60, &since, 10_000));
        assert!(!over_limit(l, 60, &since, 12_000));
        assert!(over_limit(l, 60, &since, 13_000));
        assert!(!over_limit(l, 10, &since, 14_000));
        assert_eq!(since.load(Relaxed), 0);
        let limits = Limits::default();
        assert_eq!(limits.get(Class::Pubsub).hard, 33554432);
        assert!(limits.get(Class::Normal).is_off());
    }
}
