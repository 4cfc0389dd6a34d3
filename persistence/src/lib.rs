//! framekv persistence: the append-only file (AOF) and its manifest.
//!
//! This crate holds the on-disk formats of SPEC §5. What is here now is the
//! groundwork: the record codec ([`record`]) and the Redis 7 style manifest
//! ([`manifest`]). Nothing in the server uses it yet.
//!
//! # Records
//!
//! An AOF file is a sequence of records, each one write command in
//! deterministic form (relative expiry already turned into `PEXPIREAT`,
//! generated ids and timestamps spelled out). A record is:
//!
//! ```text
//! +------------------+------------------+---------------------------+
//! | len: u64 LE      | crc: u32 LE      | payload: len bytes        |
//! | (payload bytes)  | CRC-32 (IEEE) of | argv as a RESP2 multibulk |
//! |                  | the payload      |                           |
//! +------------------+------------------+---------------------------+
//!   bytes 0..8         bytes 8..12        bytes 12..12+len
//! ```
//!
//! The payload is canonical RESP2: `*N\r\n` then, per argument,
//! `$L\r\n<L bytes>\r\n`, with decimal numbers without sign or leading
//! zeros and `N >= 1`. For example `SET k hello` is the 31-byte payload
//! `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n` behind a 12-byte header,
//! so a hex dump of an AOF reads as commands, and `tail -c +13` of a
//! one-record file feeds straight into any RESP tool. A file has no header of
//! its own; an empty file holds no commands.
//!
//! # Torn tail or corruption
//!
//! A crash can tear the last write, but only the last: bytes before it were
//! written (and, per `appendfsync`, synced) earlier. So the reader keeps the
//! longest prefix of valid records and classifies what stops it
//! ([`record::Tail`]), naming the start offset of the first bad record:
//!
//! * **Truncated** (torn tail, cut off on load under `aof-load-truncated yes`):
//!   fewer than 12 header bytes remain; or the payload length runs past end
//!   of file; or the record has its full length, ends exactly at end of file,
//!   but its CRC or RESP payload is bad (a torn write may leave full-length
//!   garbage); or its header claims more than 2^40 bytes and is the last 12
//!   bytes of the file.
//! * **Corrupt** (loading stops, naming the file and offset): a record whose
//!   CRC or RESP payload is bad and that is followed by more bytes, or a
//!   header claiming more than 2^40 bytes followed by more bytes. Lengths
//!   that large come only from damage, never from a real command.
//!
//! A length that is sane but runs past end of file reads as a torn tail even
//! when damage produced it: the header alone cannot tell the two apart. The
//! decoder never panics and never allocates more than its input justifies.
//!
//! # Manifest
//!
//! As in Redis 7 (`appenddirname`, default `appendonlydir`), the AOF is a
//! directory of files tied by a manifest `appendonly.aof.manifest`:
//!
//! ```text
//! file appendonly.aof.1.base.aof seq 1 type b
//! file appendonly.aof.1.incr.aof seq 1 type i
//! file appendonly.aof.2.incr.aof seq 2 type i
//! ```
//!
//! Loading replays the base (`type b`, at most one; framekv writes it in the
//! record format above, hence `.base.aof` where Redis would have an RDB
//! `.base.rdb`), then every incremental file (`type i`) in increasing `seq`.
//! `type h` lists files a rewrite replaced, kept until deleted. Extra
//! `key value` pairs and `#` comment lines are accepted as Redis 7 does. The
//! manifest is always replaced atomically ([`manifest::write_atomically`]:
//! temp file, fsync, rename, fsync of the directory).
//!
//! # Loader and check tool (written, not yet wired into the server)
//!
//! [`loader::load_dir`] reads the manifest, memory-maps the base and each
//! incremental file with `memmap2`, decodes them zero-copy
//! ([`record::decode_all_shared`]) and hands every record to a callback in
//! order; a torn tail in the last file is cut off under
//! `aof-load-truncated yes`, anything else stops the load naming file and
//! offset. `framekv-check-aof [--fix] [--yes] FILE|MANIFEST` reports the same
//! with redis-check-aof's messages and, with `--fix`, cuts a file back to its
//! last valid record ([`loader::check_file`]).
//!
//! # Snapshots of frame histories
//!
//! [`snapshot::encode_frames`] turns a table's versions (oldest first) into
//! one blob for the AOF base, and [`snapshot::decode_frames`] turns it back.
//! A column that shares its buffers with a column of the previous version
//! (an op left it alone, or renamed it) is stored as a reference; only the
//! columns new in a version are written, as one LZ4-compressed Arrow IPC
//! file per version.
//! Decoded versions share buffers again, so a history of column-local edits
//! costs about one frame on disk and after a restart. Layout: `FKVS`, a u32
//! format version, a CRC-checked table of contents, then the IPC files, each
//! behind a u64 length and a CRC-32; the [`snapshot`] module docs give it
//! byte by byte. Decoding checks every length, index and checksum and never
//! panics.
//!
//! # Who uses it
//!
//! The server (`commands::aof`) logs each write through a
//! [`writer::AofWriter`], replays the manifest's files with
//! [`loader::load_dir`] at start, and rewrites the AOF in the background
//! into a new base file (sessions' tables encoded with [`snapshot`]) plus a
//! new incremental file, switching the manifest atomically.

#![warn(missing_docs)]

pub mod loader;
pub mod manifest;
pub mod record;
pub mod snapshot;
pub mod writer;
