//! A key as the keyspace's table stores it: 16 bytes in the slot, with the
//! key's bytes inline when there are at most [`INLINE_MAX`] of them (Redis
//! keys are mostly short: `user:1042`, `session:ab12`), else in a boxed
//! slice of their own. An inline key costs no allocation, where a
//! `Box<[u8]>` (also 16 bytes) costs one of at least 16 bytes.
//!
//! Layout (64-bit targets only; see the assertions below): 16 bytes whose
//! last byte is the tag. Inline, bytes 0..15 hold the key and the tag is
//! `0x80 | len`. On the heap, bytes 0..8 hold the pointer and bytes 8..16
//! the length as a little-endian `u64`, whose top byte (the tag position)
//! is below `0x80` for any length a slice can have.

/// The longest key kept inline.
pub const INLINE_MAX: usize = 15;

/// Set in the tag byte of an inline key; the low four bits are its length.
const INLINE_TAG: u8 = 0x80;

/// The tag's position in the 16 bytes.
const TAG_AT: usize = 15;

// The heap form is a pointer and an 8-byte length filling 16 bytes exactly,
// so the tag byte is always initialised: 64-bit targets only.
const _: () = assert!(std::mem::size_of::<usize>() == 8);
const _: () = assert!(std::mem::size_of::<StoredKey>() == 16);

/// A key's bytes, owned; see the module doc for the layout.
pub struct StoredKey {
    repr: Repr,
}

#[repr(C)]
#[derive(Clone, Copy)]
union Repr {
    inline: [u8; 16],
    heap: Heap,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Heap {
    /// From `Box::<[u8]>::into_raw`; owned by the key.
    ptr: *mut u8,
    /// The slice's length, little-endian whatever the target, so its top
    /// byte sits at [`TAG_AT`].
    len: [u8; 8],
}

// SAFETY: a StoredKey owns its heap bytes alone, as a Box<[u8]> does, and
// has no interior mutability.
unsafe impl Send for StoredKey {}
// SAFETY: as for Send: shared references only read the bytes.
unsafe impl Sync for StoredKey {}

impl StoredKey {
    /// A copy of `key`: inline when it is at most [`INLINE_MAX`] bytes.
    pub fn new(key: &[u8]) -> StoredKey {
        if key.len() <= INLINE_MAX {
            let mut inline = [0u8; 16];
            inline[..key.len()].copy_from_slice(key);
            inline[TAG_AT] = INLINE_TAG | key.len() as u8;
            return StoredKey {
                repr: Repr { inline },
            };
        }
        let boxed: Box<[u8]> = key.into();
        let len = (boxed.len() as u64).to_le_bytes();
        let ptr = Box::into_raw(boxed) as *mut u8;
        StoredKey {
            repr: Repr {
                heap: Heap { ptr, len },
            },
        }
    }

    /// The tag byte: `INLINE_TAG | len` inline, the length's top byte
    /// (below `INLINE_TAG`) on the heap.
    fn tag(&self) -> u8 {
        // SAFETY: both forms initialise all 16 bytes (the heap form has no
        // padding: a pointer and 8 bytes), so byte 15 is always a valid u8.
        unsafe { self.repr.inline[TAG_AT] }
    }

    fn is_inline(&self) -> bool {
        self.tag() & INLINE_TAG != 0
    }

    /// The key's bytes.
    pub fn as_slice(&self) -> &[u8] {
        if self.is_inline() {
            let len = (self.tag() & !INLINE_TAG) as usize;
            // SAFETY: the inline form is active (tag checked) and `len` is
            // at most 15, inside the 16-byte array.
            unsafe { &self.repr.inline[..len] }
        } else {
            // SAFETY: the heap form is active (tag checked); `ptr` and the
            // length came from one live Box<[u8]> that this key owns.
            unsafe {
                let heap = self.repr.heap;
                std::slice::from_raw_parts(heap.ptr, u64::from_le_bytes(heap.len) as usize)
            }
        }
    }
}

impl Drop for StoredKey {
    fn drop(&mut self) {
        if self.is_inline() {
            return;
        }
        // SAFETY: the heap form is active; rebuilds the Box that `new`
        // released, exactly once (this is the key's drop).
        unsafe {
            let heap = self.repr.heap;
            let len = u64::from_le_bytes(heap.len) as usize;
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                heap.ptr, len,
            )));
        }
    }
}

impl Clone for StoredKey {
    fn clone(&self) -> StoredKey {
        StoredKey::new(self.as_slice())
    }
}

impl PartialEq for StoredKey {
    fn eq(&self, other: &StoredKey) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for StoredKey {}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", bytes::Bytes::copy_from_slice(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length_across_the_inline_boundary() {
        for len in 0..=40usize {
            // Bytes with the top bit set, as the inline tag has.
            let key: Vec<u8> = (0..len).map(|i| 0xF0u8.wrapping_add(i as u8)).collect();
            let stored = StoredKey::new(&key);
            assert_eq!(stored.as_slice(), &key[..], "length {len}");
            assert_eq!(stored.is_inline(), len <= INLINE_MAX, "length {len}");
            let copy = stored.clone();
            drop(stored);
            assert_eq!(copy.as_slice(), &key[..]);
        }
    }

    #[test]
    fn equal_keys_compare_equal_whatever_their_form() {
        let long = vec![b'k'; 200];
        assert_eq!(StoredKey::new(&long), StoredKey::new(&long));
        assert_ne!(StoredKey::new(b"a"), StoredKey::new(b"b"));
        assert_ne!(StoredKey::new(b""), StoredKey::new(b"\0"));
    }
}
