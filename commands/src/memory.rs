//! Process memory accounting for `INFO memory` and `maxmemory`.
//!
//! The server binary installs [`CountingAlloc`] as its global allocator;
//! it forwards to the system allocator and keeps a running total of live
//! bytes, which is what Redis reports as `used_memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// Counter shards: each thread adds to its own (threads beyond this many
/// share), so the allocations of two threads never contend for one cache
/// line. A single shared counter cost a fifth of the CPU of a pipelined
/// SET benchmark in lock-prefixed adds bouncing between cores.
const SHARDS: usize = 32;

/// One shard on its own cache line (128 bytes: adjacent-line prefetch).
#[repr(align(128))]
struct Shard(AtomicIsize);

/// Bytes allocated minus bytes freed by the threads of each shard; a shard
/// can go negative (memory freed by another thread than the one that
/// allocated it), the sum cannot.
static LIVE: [Shard; SHARDS] = [const { Shard(AtomicIsize::new(0)) }; SHARDS];
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A global allocator that counts live bytes. Install it in the binary:
/// `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
pub struct CountingAlloc;

/// Adds `delta` bytes to the calling thread's shard.
fn note(delta: isize) {
    LIVE[crate::shard::thread_index() % SHARDS]
        .0
        .fetch_add(delta, Relaxed);
}

fn grew(size: usize) {
    note(size as isize);
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; the counters are plain atomics and never affect allocation.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged, see above.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged, see above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged, see above.
        unsafe { System.dealloc(ptr, layout) };
        note(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged, see above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Live heap bytes (`used_memory`): the sum of the shards, so a few dozen
/// loads; also raises [`peak_memory`] (as Redis samples its peak in its
/// cron and wherever it reads the figure). 0 when [`CountingAlloc`] is not
/// installed.
pub fn used_memory() -> usize {
    let total: isize = LIVE.iter().map(|shard| shard.0.load(Relaxed)).sum();
    let used = total.max(0) as usize;
    PEAK.fetch_max(used, Relaxed);
    used
}

/// Highest [`used_memory`] seen when it was read (`used_memory_peak`); the
/// server reads it at least every cron tick.
pub fn peak_memory() -> usize {
    PEAK.load(Relaxed)
}
