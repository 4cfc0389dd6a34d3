//! Process memory accounting for `INFO memory` and `maxmemory`.
//!
//! The server binary installs [`CountingAlloc`] as its global allocator;
//! it forwards to the system allocator and keeps a running total of live
//! bytes, which is what Redis reports as `used_memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// Threads that keep a counter of their own. Each of the first `SLOTS`
/// threads to allocate gets one, written by that thread only, with a plain
/// load and store: no lock-prefixed add, no cache line shared with another
/// core. A single shared counter cost a fifth of the CPU of a pipelined SET
/// benchmark; a sharded one with atomic adds still cost 8%. Slots are
/// not given back when a thread exits (an allocator cannot run thread-exit
/// code safely), so threads after the first `SLOTS` (blocking-pool threads
/// of a long-running server) share one more counter with atomic adds; the
/// runtime's workers, started first, keep the fast path.
const SLOTS: usize = 64;

/// One counter on its own cache line (128 bytes: adjacent-line prefetch).
#[repr(align(128))]
struct Slot(AtomicIsize);

/// Bytes allocated minus bytes freed by the thread owning each slot, then
/// the shared counter. A slot can go negative (memory freed by another
/// thread than the one that allocated it); the sum cannot.
static LIVE: [Slot; SLOTS + 1] = [const { Slot(AtomicIsize::new(0)) }; SLOTS + 1];
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A global allocator that counts live bytes. Install it in the binary:
/// `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
pub struct CountingAlloc;

/// Adds `delta` bytes to the calling thread's count.
fn note(delta: isize) {
    // Threads get their index at their first allocation (or first sharded
    // counter), so the runtime's workers, started first, own slots.
    let slot = crate::shard::thread_index().min(SLOTS);
    let counter = &LIVE[slot].0;
    if slot < SLOTS {
        // Only this thread writes this slot (its index is its own),
        // so a load and a store cannot lose an update.
        counter.store(counter.load(Relaxed) + delta, Relaxed);
    } else {
        counter.fetch_add(delta, Relaxed);
    }
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

/// Live heap bytes (`used_memory`): the sum of the slots, so a few dozen
/// loads; also raises [`peak_memory`] (as Redis samples its peak in its
/// cron and wherever it reads the figure). 0 when [`CountingAlloc`] is not
/// installed.
pub fn used_memory() -> usize {
    let total: isize = LIVE.iter().map(|slot| slot.0.load(Relaxed)).sum();
    let used = total.max(0) as usize;
    PEAK.fetch_max(used, Relaxed);
    used
}

/// Highest [`used_memory`] seen when it was read (`used_memory_peak`); the
/// server reads it at least every cron tick.
pub fn peak_memory() -> usize {
    PEAK.load(Relaxed)
}
