//! Process memory accounting for `INFO memory` and `maxmemory`.
//!
//! The server binary installs [`CountingAlloc`] as its global allocator;
//! it forwards to mimalloc and keeps a running total of live bytes, which
//! is what Redis reports as `used_memory`.
//!
//! mimalloc rather than glibc's malloc: a pipelined batch allocates and
//! frees many small blocks of one size, which overflows glibc's per-thread
//! cache (7 blocks a size) into its slower bins; mimalloc's free lists have
//! no such bound. Under callgrind that made a pipelined GET 7.6% fewer
//! instructions and an LPUSH 8.0% fewer. Redis itself ships with jemalloc
//! for the same reason.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

use mimalloc::MiMalloc;

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

// SAFETY: every method forwards to `MiMalloc` with the caller's arguments
// unchanged; the counters are plain atomics and never affect allocation.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged, see above.
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged, see above.
        let p = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged, see above.
        unsafe { MiMalloc.dealloc(ptr, layout) };
        note(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged, see above.
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Returns to the system the pages freed more than mimalloc's purge delay
/// ago (10 ms, its default) by the calling thread, by threads that have
/// exited, and whole segments freed by any thread (`mi_collect`); `force`
/// (`MEMORY PURGE`, and the main thread once start-up is done) purges
/// those regardless of the delay. The background task calls it every
/// cycle, unforced, on its async worker and on the blocking thread that
/// runs active expiry.
///
/// mimalloc keeps freed pages for that delay so that the allocations right
/// after reuse them without a page fault, but it purges them only when
/// the owning thread allocates or collects again: without this call they
/// would stay resident on a server gone idle. The alternative, a delay of 0
/// (purge on free, which this server had), cost a page fault for every 4
/// KiB a frame op wrote: on the 882,640-row benchmark frame a fill took
/// 21.2 ms against 16.4 with the delay, a filter 23.3 against 18.1 and a
/// summary 65.1 against 56.9 (p50 of 6 sessions alternated in one run),
/// and a filter and undo loop faulted 7,100 pages a filter against 430.
/// With this call RSS stays close to purge on free: a loaded, filled and
/// filtered frame held 385 MB against 371 with purge on free (626 without
/// the call), and its memory went back to the system within a second of
/// `FLUSHALL`; with 1M small strings RSS was 197.7 MiB against 198.8, with
/// 1M small hashes 121.6 against 128.3 (`benches/memory_compare.sh`). At 1M
/// keys an idle server's CPU time was level with the build without the
/// call (4 against 3 ticks of 10 ms in 10 s).
pub fn purge_freed(force: bool) {
    // SAFETY: `mi_collect` works on the calling thread's own heap and on
    // mimalloc's shared structures under its own synchronisation.
    unsafe { libmimalloc_sys::mi_collect(force) };
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
