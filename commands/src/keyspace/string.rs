//! The string value: one allocation holding a reference count and the
//! bytes, behind a 16-byte handle (Redis keeps an object's reference count
//! and its sds in two allocations; this is one).
//!
//! A value is shared by cloning the handle (one atomic increment, no copy
//! of the bytes and no allocation): the AOF rewrite's snapshot and a large
//! reply do so. Edits go through `&mut self` and copy the bytes first when
//! they are shared, so a snapshot keeps what it saw.
//!
//! Layout: a 4-byte count, then `cap` bytes of which the first `len` are
//! the string; `len` and `cap` live in the handle. So a 100-byte value takes
//! a 104-byte allocation, and the handle is a pointer and two `u32`s: with
//! the variant tag, [`Value`](super::Value) stays 24 bytes.

use std::alloc::{self, Layout};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering, fence};

use bytes::Bytes;

/// Bytes of the reference count in front of the string's bytes.
const HEADER: usize = std::mem::size_of::<AtomicU32>();

/// Replies at least this long share the value rather than copy it: the
/// share costs a small allocation, a copy costs a pass over the bytes.
const SHARE_FROM: usize = 64 * 1024;

/// Growth past this many bytes adds this many instead of doubling (Redis's
/// `SDS_MAX_PREALLOC`).
const MAX_PREALLOC: usize = 1024 * 1024;

/// A string value (binary-safe), at most [`StringValue::MAX_LEN`] bytes.
pub struct StringValue {
    /// The allocation: the count, then `cap` bytes.
    ptr: NonNull<AtomicU32>,
    len: u32,
    cap: u32,
}

// SAFETY: as `Arc<[u8]>`: the bytes are only written through `&mut self`
// when the count says this handle is the only one, and the count is atomic.
unsafe impl Send for StringValue {}
// SAFETY: `&StringValue` only reads the bytes and the count.
unsafe impl Sync for StringValue {}

impl StringValue {
    /// The longest string a value holds: 4 GiB - 1 bytes, since its length
    /// is a `u32`. `proto-max-bulk-len` is bounded by it, so neither a
    /// request nor a command that grows a string can go past it.
    pub const MAX_LEN: usize = u32::MAX as usize;

    /// A new value holding a copy of `bytes`, exactly sized.
    ///
    /// Panics when `bytes` is longer than [`StringValue::MAX_LEN`]; callers
    /// bound their inputs by `proto-max-bulk-len`, or check with
    /// [`StringValue::fits`] where a script builds them.
    pub fn from_slice(bytes: &[u8]) -> StringValue {
        let mut value = StringValue::with_capacity(bytes.len());
        // SAFETY: the new allocation has room for `bytes.len()` bytes after
        // the count, and cannot overlap `bytes`.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), value.data(), bytes.len()) };
        value.len = bytes.len() as u32;
        value
    }

    /// True when a string of `len` bytes fits a value.
    pub fn fits(len: usize) -> bool {
        len <= StringValue::MAX_LEN
    }

    /// An empty value with room for `cap` bytes. Panics past `MAX_LEN`.
    fn with_capacity(cap: usize) -> StringValue {
        let cap = u32::try_from(cap).expect("string value longer than MAX_LEN");
        let layout = layout(cap);
        // SAFETY: the layout is never zero-sized (the count is in it).
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<AtomicU32>()) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: freshly allocated, aligned for the count.
        unsafe { ptr.as_ptr().write(AtomicU32::new(1)) };
        StringValue { ptr, len: 0, cap }
    }

    /// Bytes allocated for the string (its length, or more after it grew).
    pub fn capacity(&self) -> usize {
        self.cap as usize
    }

    /// The bytes, copied into a `Bytes` for a reply; a long value is
    /// shared instead (the reply keeps it alive; a later edit copies).
    pub fn to_bytes(&self) -> Bytes {
        if self.len() >= SHARE_FROM {
            Bytes::from_owner(self.clone())
        } else {
            Bytes::copy_from_slice(self)
        }
    }

    /// Appends `more`, growing as Redis's `sdsMakeRoomFor` does (double
    /// the needed length, or add 1 MiB past 1 MiB), so repeated appends
    /// cost amortised O(1) a byte. The caller bounds the new length by
    /// `proto-max-bulk-len`.
    pub fn extend_from_slice(&mut self, more: &[u8]) {
        let start = self.len();
        self.grow_to(start + more.len());
        self.as_mut_slice()[start..].copy_from_slice(more);
    }

    /// Extends the string with zero bytes to `len` bytes (no-op when it is
    /// already that long), with the growth of [`Self::extend_from_slice`].
    pub fn zero_extend(&mut self, len: usize) {
        if len > self.len() {
            self.grow_to(len);
        }
    }

    /// Replaces the bytes with `bytes`, reusing the allocation when it is
    /// unshared and large enough (`INCR` rewriting its digits).
    pub fn assign(&mut self, bytes: &[u8]) {
        if self.is_unique() && bytes.len() <= self.capacity() {
            // SAFETY: unique, room for `bytes.len() <= cap` bytes, and
            // `bytes` is not inside this allocation (`&mut self` excludes
            // a borrow of it). Written through the pointer: the bytes past
            // `len` may never have been initialised.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.data(), bytes.len()) };
            // At most `cap`, a u32.
            self.len = bytes.len() as u32;
        } else {
            *self = StringValue::from_slice(bytes);
        }
    }

    /// The bytes for editing in place; copied first when shared.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        if !self.is_unique() {
            let copy = StringValue::from_slice(self);
            *self = copy;
        }
        // SAFETY: unique (checked above), and `len` bytes are initialised.
        unsafe { std::slice::from_raw_parts_mut(self.data(), self.len()) }
    }

    /// Sets the length to `len` (at least the current one), the new bytes
    /// zero, making room: reallocates when the value is unshared, copies
    /// when it is shared. Leaves the value unshared.
    fn grow_to(&mut self, len: usize) {
        if len > self.capacity() {
            let cap = if len < MAX_PREALLOC {
                len * 2
            } else {
                len + MAX_PREALLOC
            };
            let cap = cap.min(StringValue::MAX_LEN).max(len);
            self.reallocate(cap);
        } else if !self.is_unique() {
            self.reallocate(self.capacity());
        }
        let old = self.len();
        // SAFETY: unique after the reallocation above, `old <= len <= cap`.
        unsafe { std::ptr::write_bytes(self.data().add(old), 0, len - old) };
        // `len <= cap`, a u32.
        self.len = len as u32;
    }

    /// Moves the bytes into an unshared allocation of `cap` bytes.
    fn reallocate(&mut self, cap: usize) {
        if self.is_unique() {
            let new_cap = u32::try_from(cap).expect("string value longer than MAX_LEN");
            // SAFETY: this handle owns the allocation alone, allocated with
            // `layout(self.cap)`; the new size is not zero.
            let raw = unsafe {
                alloc::realloc(
                    self.ptr.as_ptr().cast(),
                    layout(self.cap),
                    layout(new_cap).size(),
                )
            };
            let Some(ptr) = NonNull::new(raw.cast::<AtomicU32>()) else {
                alloc::handle_alloc_error(layout(new_cap))
            };
            self.ptr = ptr;
            self.cap = new_cap;
        } else {
            let mut copy = StringValue::with_capacity(cap);
            // SAFETY: room for `len <= cap` bytes, separate allocations.
            unsafe { std::ptr::copy_nonoverlapping(self.data(), copy.data(), self.len()) };
            copy.len = self.len;
            *self = copy;
        }
    }

    /// Asks the CPU to start loading the allocation's first cache line (the
    /// count and the first bytes), for a loop that will clone or read
    /// values in a row (the AOF rewrite's snapshot).
    pub fn prefetch(&self) {
        prefetch(self.ptr.as_ptr().cast());
    }

    /// True when no other handle shares the allocation.
    fn is_unique(&self) -> bool {
        // Acquire: pairs with other handles' release on drop, so their
        // reads are over before this one writes.
        self.count().load(Ordering::Acquire) == 1
    }

    fn count(&self) -> &AtomicU32 {
        // SAFETY: the count lives as long as any handle.
        unsafe { self.ptr.as_ref() }
    }

    /// The first byte after the count.
    fn data(&self) -> *mut u8 {
        // SAFETY: within the allocation (the count is its first 4 bytes).
        unsafe { self.ptr.as_ptr().cast::<u8>().add(HEADER) }
    }
}

/// Asks the CPU to start loading the cache line at `ptr` (a hint: any
/// address is allowed, none is read).
pub fn prefetch(ptr: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing into the program.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(ptr.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

/// The allocation for `cap` bytes: the count, then the bytes.
fn layout(cap: u32) -> Layout {
    // At most 4 + u32::MAX bytes, far below isize::MAX on 64-bit.
    Layout::from_size_align(HEADER + cap as usize, std::mem::align_of::<AtomicU32>())
        .expect("string value layout")
}

impl std::ops::Deref for StringValue {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `len` bytes after the count are initialised, and only
        // `&mut self` methods change them.
        unsafe { std::slice::from_raw_parts(self.data(), self.len as usize) }
    }
}

impl AsRef<[u8]> for StringValue {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Clone for StringValue {
    /// Shares the bytes: one atomic increment.
    fn clone(&self) -> StringValue {
        // Relaxed, as `Arc::clone`: a new handle needs no ordering with
        // the others. More than u32::MAX live handles would be a leak of
        // billions of replies or snapshots; abort rather than wrap.
        if self.count().fetch_add(1, Ordering::Relaxed) == u32::MAX {
            std::process::abort();
        }
        StringValue {
            ptr: self.ptr,
            len: self.len,
            cap: self.cap,
        }
    }
}

impl Drop for StringValue {
    fn drop(&mut self) {
        if self.count().fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // As `Arc`'s drop: every other handle's use happened before this.
        fence(Ordering::Acquire);
        // SAFETY: the last handle; allocated with `layout(self.cap)` (every
        // handle of one allocation has the same `cap`: it changes only
        // while a handle is unique).
        unsafe { alloc::dealloc(self.ptr.as_ptr().cast(), layout(self.cap)) };
    }
}

impl Default for StringValue {
    fn default() -> StringValue {
        StringValue::with_capacity(0)
    }
}

impl From<&[u8]> for StringValue {
    fn from(bytes: &[u8]) -> StringValue {
        StringValue::from_slice(bytes)
    }
}

impl std::fmt::Debug for StringValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", Bytes::copy_from_slice(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_is_16_bytes_and_allocation_adds_4() {
        assert_eq!(std::mem::size_of::<StringValue>(), 16);
        let v = StringValue::from_slice(&[7; 100]);
        assert_eq!(v.capacity(), 100);
        assert_eq!(layout(v.cap).size(), 104);
        assert_eq!(&v[..], &[7; 100][..]);
    }

    #[test]
    fn empty_values_work() {
        let mut v = StringValue::default();
        assert!(v.is_empty());
        assert!(v.as_mut_slice().is_empty());
        v.extend_from_slice(b"");
        assert!(v.is_empty());
        v.extend_from_slice(b"ab");
        assert_eq!(&v[..], b"ab");
        assert_eq!(&StringValue::from_slice(b"")[..], b"");
    }

    #[test]
    fn appends_grow_geometrically_and_keep_bytes() {
        let mut v = StringValue::from_slice(b"x");
        let mut expected = b"x".to_vec();
        let mut reallocations = 0;
        for i in 0..10_000u32 {
            let cap = v.capacity();
            let piece = i.to_le_bytes();
            v.extend_from_slice(&piece);
            expected.extend_from_slice(&piece);
            reallocations += usize::from(v.capacity() != cap);
        }
        assert_eq!(&v[..], &expected[..]);
        // Doubling: about log2(40,001) reallocations, not one per append.
        assert!(reallocations <= 17, "{reallocations}");
    }

    #[test]
    fn a_shared_value_is_copied_before_an_edit() {
        let mut v = StringValue::from_slice(b"hello");
        let snapshot = v.clone();
        v.as_mut_slice()[0] = b'j';
        assert_eq!(&snapshot[..], b"hello");
        assert_eq!(&v[..], b"jello");
        let mut w = snapshot.clone();
        w.extend_from_slice(b" world");
        assert_eq!(&snapshot[..], b"hello");
        assert_eq!(&w[..], b"hello world");
        let mut z = snapshot.clone();
        z.assign(b"42");
        assert_eq!(&snapshot[..], b"hello");
        assert_eq!(&z[..], b"42");
        let mut y = snapshot.clone();
        y.zero_extend(8);
        assert_eq!(&snapshot[..], b"hello");
        assert_eq!(&y[..], b"hello\0\0\0");
        drop(snapshot);
        assert_eq!(&v[..], b"jello");
    }

    #[test]
    fn zero_extend_pads_with_zeros_and_never_shrinks() {
        let mut v = StringValue::from_slice(b"ab");
        v.zero_extend(1);
        assert_eq!(&v[..], b"ab");
        v.zero_extend(5);
        assert_eq!(&v[..], b"ab\0\0\0");
        // Capacity left over from growth is zeroed too when reached.
        v.assign(b"z");
        v.zero_extend(4);
        assert_eq!(&v[..], b"z\0\0\0");
    }

    #[test]
    fn assign_reuses_an_unshared_allocation() {
        let mut v = StringValue::from_slice(b"12345");
        let before = v.ptr;
        v.assign(b"99");
        assert_eq!(&v[..], b"99");
        assert_eq!(v.ptr, before);
        v.assign(b"1234567");
        assert_eq!(&v[..], b"1234567");
    }

    #[test]
    fn long_replies_share_short_ones_copy() {
        let long = StringValue::from_slice(&vec![1; SHARE_FROM]);
        let reply = long.to_bytes();
        assert!(!long.is_unique());
        drop(reply);
        assert!(long.is_unique());
        let short = StringValue::from_slice(b"abc");
        assert_eq!(short.to_bytes(), Bytes::from_static(b"abc"));
        assert!(short.is_unique());
    }

    #[test]
    fn clones_cross_threads() {
        let v = StringValue::from_slice(b"shared");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let c = v.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        drop(c.clone());
                    }
                    c.len()
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 6);
        }
        assert!(v.is_unique());
    }
}
