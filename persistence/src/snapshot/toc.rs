//! The table of contents of a snapshot and the byte-level helpers: a
//! bounds-checked reader for untrusted input and little-endian writers.

use polars::prelude::PlSmallStr;

use super::SnapshotError;

const KIND_NEW: u8 = 0;
const KIND_PREV: u8 = 1;
/// Fewest TOC bytes a frame takes (height and column count).
const MIN_FRAME_TOC: usize = 12;
/// Fewest TOC bytes a column takes (kind, index, name length).
const MIN_COLUMN_TOC: usize = 9;

/// Where a column of a frame comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// Position in this frame's IPC file.
    New(u32),
    /// Position in the previous frame.
    Prev(u32),
}

/// Appends one column entry: kind, index, name length and name.
pub(super) fn put_column(
    toc: &mut Vec<u8>,
    source: Source,
    name: &str,
) -> Result<(), SnapshotError> {
    let (kind, index) = match source {
        Source::New(index) => (KIND_NEW, index),
        Source::Prev(index) => (KIND_PREV, index),
    };
    toc.push(kind);
    put_u32(toc, index);
    put_u32(toc, to_u32(name.len(), "column name length")?);
    toc.extend_from_slice(name.as_bytes());
    Ok(())
}

/// One frame of the table of contents.
pub(super) struct FrameEntry {
    pub(super) height: usize,
    pub(super) columns: Vec<(Source, PlSmallStr)>,
}

/// Parses and bounds-checks the table of contents (not its indices, which
/// need the blobs).
pub(super) fn parse_toc(toc: &[u8]) -> Result<Vec<FrameEntry>, SnapshotError> {
    let mut r = Reader::new(toc);
    let frame_count = r.u32("frame count")? as usize;
    if frame_count > r.remaining() / MIN_FRAME_TOC {
        return Err(SnapshotError::new(format!(
            "frame count {frame_count} exceeds the table of contents"
        )));
    }
    let mut entries = Vec::with_capacity(frame_count);
    for i in 0..frame_count {
        let height = usize::try_from(r.u64(&format!("frame {i} height"))?)
            .map_err(|_| SnapshotError::new(format!("frame {i}: height too large")))?;
        let column_count = r.u32(&format!("frame {i} column count"))? as usize;
        if column_count > r.remaining() / MIN_COLUMN_TOC {
            return Err(SnapshotError::new(format!(
                "frame {i}: column count {column_count} exceeds the table of contents"
            )));
        }
        let mut columns = Vec::with_capacity(column_count);
        for c in 0..column_count {
            let what = format!("frame {i} column {c}");
            let kind = r.u8(&format!("{what} kind"))?;
            let index = r.u32(&format!("{what} index"))?;
            let source = match kind {
                KIND_NEW => Source::New(index),
                KIND_PREV => Source::Prev(index),
                other => {
                    return Err(SnapshotError::new(format!("{what}: unknown kind {other}")));
                }
            };
            let name_len = r.u32(&format!("{what} name length"))? as usize;
            let name = std::str::from_utf8(r.take(name_len, &format!("{what} name"))?)
                .map_err(|_| SnapshotError::new(format!("{what}: name is not UTF-8")))?;
            columns.push((source, PlSmallStr::from_str(name)));
        }
        entries.push(FrameEntry { height, columns });
    }
    if r.remaining() != 0 {
        return Err(SnapshotError::new(format!(
            "{} unexpected bytes at the end of the table of contents",
            r.remaining()
        )));
    }
    Ok(entries)
}

/// A bounds-checked cursor over untrusted bytes.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    pub(super) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(super) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], SnapshotError> {
        if n > self.remaining() {
            return Err(SnapshotError::new(format!(
                "{what} at offset {} needs {n} bytes, {} left",
                self.pos,
                self.remaining()
            )));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], SnapshotError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub(super) fn u8(&mut self, what: &str) -> Result<u8, SnapshotError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub(super) fn u32(&mut self, what: &str) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub(super) fn u64(&mut self, what: &str) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A u64 length that must fit in the bytes left.
    pub(super) fn len(&mut self, what: &str) -> Result<usize, SnapshotError> {
        let at = self.pos;
        let n = self.u64(what)?;
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(SnapshotError::new(format!(
                "{what} {n} at offset {at} runs past the end ({} bytes left)",
                self.remaining()
            ))),
        }
    }
}

pub(super) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub(super) fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub(super) fn to_u32(n: usize, what: &str) -> Result<u32, SnapshotError> {
    u32::try_from(n).map_err(|_| SnapshotError::new(format!("{what} {n} exceeds u32")))
}
