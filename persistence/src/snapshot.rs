//! Snapshot codec: a table's history of frames as one compact blob.
//!
//! The AOF rewrite stores each table's versions (oldest first) with
//! [`encode_frames`] and restores them with [`decode_frames`]. Versions made
//! by column-local edits share most column buffers in memory (SPEC §4); the
//! codec keeps that sharing on disk and after a restart: a column whose
//! storage is the very same as a column of the *previous* version (at any
//! position, under any name, since a rename shares buffers) is stored as a
//! reference, and only the columns new in a version are written, as one Arrow
//! IPC file (Polars `IpcWriter`, LZ4-compressed buffers) per version. Decoding turns a reference back
//! into a clone of the previous decoded version's column (renamed where the
//! name differs), so decoded versions share buffers again.
//!
//! # Column identity
//!
//! Two columns are the same when they have equal dtypes and, chunk by chunk,
//! the same physical values buffer (address and length, as
//! `commands::frame::memory::SeenBuffers` counts them; the views buffer for
//! strings) and the same validity bitmap (address and bit offset, or none).
//! The dtype and validity are part of the key because a zero-copy cast
//! (`int64` to `datetime`) or a null mask change can reuse a values buffer.
//! Columns whose storage cannot be identified (broadcast scalars, nested
//! types) are always written.
//!
//! # Format (version 1)
//!
//! All integers are little-endian. CRC-32 is IEEE (as in AOF records).
//!
//! ```text
//! offset  size      field
//! 0       4         magic "FKVS"
//! 4       4 (u32)   format version, 1
//! 8       8 (u64)   toc_len: bytes of the table of contents
//! 16      4 (u32)   toc_crc: CRC-32 of the table of contents
//! 20      toc_len   table of contents (below)
//! ...               one blob per frame, in frame order:
//!           8 (u64)   blob_len
//!           4 (u32)   blob_crc: CRC-32 of the blob bytes
//!           blob_len  Arrow IPC file (LZ4 buffers) of the frame's new columns, in the order
//!                     they appear in the frame; empty (blob_len 0) when the
//!                     frame has no new column
//! ```
//!
//! The input must end right after the last blob. The table of contents:
//!
//! ```text
//! u32       frame_count
//! per frame:
//!   u64     height (rows; kept for frames without columns)
//!   u32     column_count
//!   per column, in frame order:
//!     u8    kind: 0 = new (stored in this frame's blob), 1 = prev (reference)
//!     u32   index: new: column position in this frame's IPC file;
//!                  prev: column position in the previous frame
//!     u32   name_len, then name_len bytes: the column name (UTF-8)
//! ```
//!
//! # Errors
//!
//! Decoding never panics on corrupt input: the magic, version, every length,
//! checksum, kind and index are checked, each new column of a blob must be
//! used exactly once, and a panic inside the Arrow reader is caught. Every
//! failure is a [`SnapshotError`] naming what was wrong and where.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use polars::prelude::{
    Column, DataFrame, IpcCompression, IpcReader, IpcWriter, SerReader, SerWriter,
};

mod identity;
#[cfg(test)]
mod tests;
mod toc;

pub use identity::{ColumnKey, column_key};
use toc::{FrameEntry, Reader, Source, parse_toc, put_column, put_u32, put_u64, to_u32};

/// The four bytes every snapshot starts with.
pub const MAGIC: [u8; 4] = *b"FKVS";
/// The format version [`encode_frames`] writes and [`decode_frames`] reads.
pub const FORMAT_VERSION: u32 = 1;

const HEADER_LEN: usize = 20;

/// Why a snapshot could not be encoded or decoded; the message names the
/// frame, column or offset at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError(String);

impl SnapshotError {
    fn new(message: impl Into<String>) -> Self {
        SnapshotError(message.into())
    }

    /// The human-readable description.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "snapshot: {}", self.0)
    }
}

impl std::error::Error for SnapshotError {}

/// Encodes `frames` (the versions of one table, oldest first) in the format
/// of the module docs: columns shared with the previous frame become
/// references, the rest go into one Arrow IPC file per frame.
///
/// Errors: a frame or column count, height or name length beyond the
/// format's integer sizes, or an Arrow IPC writer failure (naming the frame).
pub fn encode_frames(frames: &[DataFrame]) -> Result<Vec<u8>, SnapshotError> {
    encode_frames_after(None, frames)
}

/// Like [`encode_frames`], but the first frame may reference columns of
/// `base`, a frame the reader already has (a table's current version),
/// which is not stored: a new version costs only the columns it changed.
/// Decode with [`decode_frames_after`] and the same `base`.
pub fn encode_frames_after(
    base: Option<&DataFrame>,
    frames: &[DataFrame],
) -> Result<Vec<u8>, SnapshotError> {
    let mut toc = Vec::new();
    put_u32(&mut toc, to_u32(frames.len(), "frame count")?);
    let mut blobs = Vec::with_capacity(frames.len());
    let mut previous: Option<&DataFrame> = base;
    for (i, frame) in frames.iter().enumerate() {
        let sources = plan_frame(previous, frame)?;
        put_u64(&mut toc, frame.height() as u64);
        put_u32(&mut toc, to_u32(frame.width(), "column count")?);
        let mut new_columns = Vec::new();
        for (column, source) in frame.columns().iter().zip(&sources) {
            if let Source::New(_) = source {
                new_columns.push(column.clone());
            }
            put_column(&mut toc, *source, column.name())?;
        }
        blobs.push(write_ipc(frame.height(), new_columns, i)?);
        previous = Some(frame);
    }

    let body: usize = blobs.iter().map(|b| 12 + b.len()).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + toc.len() + body);
    out.extend_from_slice(&MAGIC);
    put_u32(&mut out, FORMAT_VERSION);
    put_u64(&mut out, toc.len() as u64);
    put_u32(&mut out, crc32fast::hash(&toc));
    out.extend_from_slice(&toc);
    for blob in &blobs {
        put_u64(&mut out, blob.len() as u64);
        put_u32(&mut out, crc32fast::hash(blob));
        out.extend_from_slice(blob);
    }
    Ok(out)
}

/// Decodes a snapshot written by [`encode_frames`] into its frames, oldest
/// first. A referenced column is a clone of the previous decoded frame's
/// column, so consecutive versions share buffers as they did in memory.
///
/// Errors: bad magic or version, a length running past the input, a CRC
/// mismatch, an unknown column kind, an index out of range, a reference in
/// the first frame, a name that is not UTF-8, duplicate names, columns whose
/// length differs from the frame height, an unreadable IPC blob, or bytes
/// after the last blob.
pub fn decode_frames(bytes: &[u8]) -> Result<Vec<DataFrame>, SnapshotError> {
    decode_frames_after(None, bytes)
}

/// Decodes what [`encode_frames_after`] wrote with `base`: references of
/// the first frame are clones of `base`'s columns (sharing its buffers).
/// Errors: as [`decode_frames`]; a reference past `base`'s columns.
pub fn decode_frames_after(
    base: Option<&DataFrame>,
    bytes: &[u8],
) -> Result<Vec<DataFrame>, SnapshotError> {
    let mut input = Reader::new(bytes);
    let magic = input.take(4, "magic")?;
    if magic != MAGIC {
        return Err(SnapshotError::new("bad magic, not a framekv snapshot"));
    }
    let version = input.u32("format version")?;
    if version != FORMAT_VERSION {
        return Err(SnapshotError::new(format!(
            "unsupported format version {version} (expected {FORMAT_VERSION})"
        )));
    }
    let toc_len = input.len("table of contents length")?;
    let toc_crc = input.u32("table of contents CRC")?;
    let toc = input.take(toc_len, "table of contents")?;
    if crc32fast::hash(toc) != toc_crc {
        return Err(SnapshotError::new("table of contents CRC mismatch"));
    }
    let entries = parse_toc(toc)?;

    let mut frames: Vec<DataFrame> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let blob_len = input.len(&format!("frame {i} blob length"))?;
        let blob_crc = input.u32(&format!("frame {i} blob CRC"))?;
        let blob = input.take(blob_len, &format!("frame {i} blob"))?;
        if crc32fast::hash(blob) != blob_crc {
            return Err(SnapshotError::new(format!("frame {i}: blob CRC mismatch")));
        }
        let new_columns = read_ipc(blob, entry.height, i)?;
        let previous = frames.last().or(base);
        let frame = build_frame(entry, new_columns, previous, i)?;
        frames.push(frame);
    }
    if input.remaining() != 0 {
        return Err(SnapshotError::new(format!(
            "{} unexpected bytes after the last frame at offset {}",
            input.remaining(),
            input.pos
        )));
    }
    Ok(frames)
}

/// Decides, column by column, whether `frame` references `previous` or
/// stores the column anew.
fn plan_frame(
    previous: Option<&DataFrame>,
    frame: &DataFrame,
) -> Result<Vec<Source>, SnapshotError> {
    let mut by_key: HashMap<ColumnKey, Vec<usize>> = HashMap::new();
    if let Some(previous) = previous {
        for (pos, column) in previous.columns().iter().enumerate() {
            if let Some(key) = column_key(column) {
                by_key.entry(key).or_default().push(pos);
            }
        }
    }
    let mut next_new = 0u32;
    let mut sources = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let shared = column_key(column).and_then(|key| {
            let candidates = by_key.get(&key)?;
            // The key holds no dtype: a zero-copy cast keeps the buffers.
            candidates
                .iter()
                .copied()
                .find(|&pos| previous.is_some_and(|p| p.columns()[pos].dtype() == column.dtype()))
        });
        let source = match shared {
            Some(pos) => Source::Prev(to_u32(pos, "column position")?),
            None => {
                next_new += 1;
                Source::New(next_new - 1)
            }
        };
        sources.push(source);
    }
    Ok(sources)
}

/// The IPC file of a frame's new columns; empty when there are none.
fn write_ipc(
    height: usize,
    columns: Vec<Column>,
    frame_index: usize,
) -> Result<Vec<u8>, SnapshotError> {
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let ipc_err = |e| SnapshotError::new(format!("frame {frame_index}: writing IPC: {e}"));
    let mut df = DataFrame::new(height, columns).map_err(ipc_err)?;
    let mut out = Vec::new();
    IpcWriter::new(&mut out)
        .with_compression(Some(IpcCompression::LZ4))
        .finish(&mut df)
        .map_err(ipc_err)?;
    Ok(out)
}

/// The columns of a frame's IPC blob (none for an empty blob).
fn read_ipc(blob: &[u8], height: usize, frame_index: usize) -> Result<Vec<Column>, SnapshotError> {
    if blob.is_empty() {
        return Ok(Vec::new());
    }
    // The CRC catches damage; a crafted blob with a valid CRC could still
    // trip an assertion in the Arrow reader, which must not take the server
    // down with it.
    let read = catch_unwind(AssertUnwindSafe(|| {
        IpcReader::new(Cursor::new(blob)).finish()
    }));
    let df = match read {
        Ok(Ok(df)) => df,
        Ok(Err(e)) => {
            return Err(SnapshotError::new(format!(
                "frame {frame_index}: reading IPC: {e}"
            )));
        }
        Err(_) => {
            return Err(SnapshotError::new(format!(
                "frame {frame_index}: IPC reader failed on a malformed blob"
            )));
        }
    };
    if df.width() > 0 && df.height() != height {
        return Err(SnapshotError::new(format!(
            "frame {frame_index}: IPC blob has {} rows, table of contents says {height}",
            df.height()
        )));
    }
    Ok(df.into_columns())
}

/// Assembles a frame from its new columns and the previous frame.
fn build_frame(
    entry: &FrameEntry,
    new_columns: Vec<Column>,
    previous: Option<&DataFrame>,
    i: usize,
) -> Result<DataFrame, SnapshotError> {
    let mut used = vec![false; new_columns.len()];
    let mut columns = Vec::with_capacity(entry.columns.len());
    for (c, (source, name)) in entry.columns.iter().enumerate() {
        let column = match *source {
            Source::New(index) => {
                let index = index as usize;
                if index >= new_columns.len() || used[index] {
                    return Err(SnapshotError::new(format!(
                        "frame {i} column {c}: new column index {index} is out of range or \
                         used twice (blob holds {})",
                        new_columns.len()
                    )));
                }
                used[index] = true;
                &new_columns[index]
            }
            Source::Prev(index) => {
                let previous = previous.ok_or_else(|| {
                    SnapshotError::new(format!(
                        "frame {i} column {c}: reference in the first frame"
                    ))
                })?;
                previous.columns().get(index as usize).ok_or_else(|| {
                    SnapshotError::new(format!(
                        "frame {i} column {c}: reference to column {index}, previous frame has {}",
                        previous.width()
                    ))
                })?
            }
        };
        columns.push(column.clone().with_name(name.clone()));
    }
    if used.iter().any(|u| !u) {
        return Err(SnapshotError::new(format!(
            "frame {i}: blob holds columns the table of contents does not use"
        )));
    }
    DataFrame::new(entry.height, columns).map_err(|e| SnapshotError::new(format!("frame {i}: {e}")))
}
