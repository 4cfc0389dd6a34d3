//! Counters that every command bumps, split per thread.
//!
//! An atomic that two cores update on every command moves its cache line
//! between them each time; with two workers serving a pipelined benchmark
//! that bouncing cost more than the command itself. Each thread is given a
//! shard index once, and hot counters keep one cache line per shard; reads
//! (`INFO`) add the shards up.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Shards of a [`ShardedCounter`] and of the command statistics. Threads
/// beyond this many share shards (still correct, just contended again).
pub const SHARDS: usize = 8;

static NEXT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's index, `usize::MAX` until first asked. `const` and
    /// without a destructor, so reading it never allocates (the global
    /// allocator's counters use it too).
    static INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The calling thread's index: unique, assigned in order on first use
/// (`usize::MAX` while the thread is being torn down, when no index is
/// its own). Callers reduce it modulo their shard count, or, as the
/// allocator's counter, own the slot of a small index.
// On every allocation: inlined even where our code builds at opt-level 1.
#[inline(always)]
pub fn thread_index() -> usize {
    INDEX
        .try_with(|slot| {
            let mut index = slot.get();
            if index == usize::MAX {
                index = NEXT.fetch_add(1, Ordering::Relaxed);
                slot.set(index);
            }
            index
        })
        .unwrap_or(usize::MAX)
}

/// One counter on its own cache line.
#[derive(Default)]
#[repr(align(64))]
struct Line(AtomicU64);

/// A `u64` counter with the `AtomicU64` methods counters use
/// (`fetch_add`, `load`, `store`), kept in [`SHARDS`] cache lines.
#[derive(Default)]
pub struct ShardedCounter([Line; SHARDS]);

impl ShardedCounter {
    /// Adds `n` to the calling thread's shard. Returns nothing, unlike
    /// `AtomicU64::fetch_add`: no caller needs the old total.
    pub fn fetch_add(&self, n: u64, order: Ordering) {
        self.0[thread_index() % SHARDS].0.fetch_add(n, order);
    }

    /// The total over all shards.
    pub fn load(&self, order: Ordering) -> u64 {
        self.0.iter().map(|line| line.0.load(order)).sum()
    }

    /// Sets the total to `n` (`CONFIG RESETSTAT` stores 0).
    pub fn store(&self, n: u64, order: Ordering) {
        for (i, line) in self.0.iter().enumerate() {
            line.0.store(if i == 0 { n } else { 0 }, order);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;

    #[test]
    fn shards_add_up_across_threads() {
        let counter = ShardedCounter::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        counter.fetch_add(2, Relaxed);
                    }
                });
            }
        });
        assert_eq!(counter.load(Relaxed), 8000);
        counter.store(5, Relaxed);
        assert_eq!(counter.load(Relaxed), 5);
    }
}
