//! Loading the AOF on start: manifest, then base, then incrementals, replayed
//! record by record into a caller-supplied `apply`.
//!
//! Every file is memory-mapped (`memmap2`) and decoded zero-copy with
//! [`record::decode_all_shared`], so the arguments handed to `apply` are
//! slices of the mapping. Keeping one keeps its file's mapping alive; the
//! loader never shrinks a file below a record it has handed out, but no other
//! process may shrink a file while its mapping lives (reading past end of
//! file raises `SIGBUS`).
//!
//! The rules of SPEC §5 (and Redis 7's `aof-load-truncated`): a torn tail
//! ([`Tail::Truncated`]) is accepted only in the last file of the manifest,
//! where it is cut off when `truncated_ok`; a torn tail anywhere else, or
//! corruption ([`Tail::Corrupt`]) anywhere, stops the load with the file and
//! offset named.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use memmap2::Mmap;

use crate::manifest::{self, Manifest};
use crate::record::{self, HEADER_LEN, Tail};

/// What [`load_dir`] replayed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Records handed to `apply`, over all files.
    pub records: u64,
    /// Bytes of valid records read, over all files (after any cut).
    pub bytes: u64,
    /// The files replayed, in order: base first, then incrementals.
    pub files: Vec<PathBuf>,
    /// When a torn tail was cut off the last file: the file, the offset
    /// (bytes) it was cut at (its new length), and how many bytes were cut.
    pub truncated: Option<(PathBuf, u64, u64)>,
}

/// What kind of failure a [`LoadError`] is; it picks the message prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// A corrupt record, or a torn one that may not be cut off.
    Format,
    /// `apply` refused a record.
    Apply,
    /// A file named in the manifest does not exist.
    Missing,
    /// The manifest is unreadable or invalid, or missing while AOF files exist.
    Manifest,
    /// Any other I/O error (open, map, truncate, sync).
    Io,
}

/// Why [`load_dir`] stopped; records applied before it stay applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// Which failure this is.
    pub kind: LoadErrorKind,
    /// The file at fault (the manifest itself for [`LoadErrorKind::Manifest`]).
    pub file: PathBuf,
    /// Byte offset in `file` of the bad record (0 when not about a record).
    pub offset: u64,
    /// What is wrong, e.g. `checksum mismatch: ...`.
    pub reason: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        let (offset, reason) = (self.offset, &self.reason);
        match self.kind {
            LoadErrorKind::Format => write!(
                f,
                "Bad file format reading the append only file {file} at offset {offset}: {reason}"
            ),
            LoadErrorKind::Apply => write!(
                f,
                "Error replaying the append only file {file} at offset {offset}: {reason}"
            ),
            LoadErrorKind::Missing => write!(f, "The append only file {file} doesn't exist"),
            LoadErrorKind::Manifest => {
                write!(f, "Error loading the AOF manifest {file}: {reason}")
            }
            LoadErrorKind::Io => {
                write!(f, "Error reading the append only file {file}: {reason}")
            }
        }
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    fn new(kind: LoadErrorKind, file: &Path, offset: u64, reason: impl Into<String>) -> Self {
        LoadError {
            kind,
            file: file.to_path_buf(),
            offset,
            reason: reason.into(),
        }
    }

    fn io(file: &Path, error: &io::Error) -> Self {
        Self::new(LoadErrorKind::Io, file, 0, error.to_string())
    }
}

/// Replays the AOF in `dir` (the `appenddirname` directory) whose files are
/// named after `prefix` (`appendfilename`, e.g. `appendonly.aof`).
///
/// Reads `dir/<prefix>.manifest`, then the base file and every incremental
/// file in manifest order, calling `apply(argv)` for each record in order.
/// History files (`type h`) are not read. `truncated_ok` is
/// `aof-load-truncated`: when the last file ends in a torn record, cut it off
/// (`set_len` to the valid length, then fsync) and report it in
/// [`LoadReport::truncated`] instead of failing.
///
/// Returns an empty report when the manifest is missing and `dir` holds no
/// `<prefix>.*.aof` file (or `dir` does not exist): a fresh data set.
///
/// Errors ([`LoadError`]; a file with a bad record is refused before any of
/// its records is applied, an `apply` error stops at that record, and no
/// file is changed unless the load succeeds): the manifest unreadable or invalid, or
/// missing while AOF files exist; a listed file missing or unreadable; a
/// corrupt record anywhere; a torn record in a file that is not the last, or
/// in the last without `truncated_ok`; `apply` returning `Err` (the error
/// names the command and the record's offset).
pub fn load_dir(
    dir: &Path,
    prefix: &str,
    truncated_ok: bool,
    mut apply: impl FnMut(Vec<Bytes>) -> Result<(), String>,
) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport::default();
    let Some(manifest) = read_manifest(dir, prefix)? else {
        return Ok(report);
    };
    let entries: Vec<_> = manifest.base.iter().chain(&manifest.incrs).collect();
    for (index, entry) in entries.iter().enumerate() {
        let path = dir.join(&entry.name);
        let is_last = index + 1 == entries.len();
        let buf = map_file(&path).map_err(|error| match error.kind() {
            io::ErrorKind::NotFound => {
                LoadError::new(LoadErrorKind::Missing, &path, 0, "listed in the manifest")
            }
            _ => LoadError::io(&path, &error),
        })?;
        let decoded = record::decode_all_shared(&buf);
        let cut = match decoded.tail {
            Tail::Clean => None,
            Tail::Truncated { offset } if is_last && truncated_ok => Some(offset as u64),
            Tail::Truncated { offset } => {
                let reason = if is_last {
                    format!(
                        "truncated record ({} bytes); set aof-load-truncated yes or run framekv-check-aof --fix",
                        buf.len() - offset
                    )
                } else {
                    "truncated record in a file that is not the last of the manifest".into()
                };
                return Err(LoadError::new(
                    LoadErrorKind::Format,
                    &path,
                    offset as u64,
                    reason,
                ));
            }
            Tail::Corrupt { offset, reason } => {
                return Err(LoadError::new(
                    LoadErrorKind::Format,
                    &path,
                    offset as u64,
                    reason,
                ));
            }
        };
        let mut offset = 0u64;
        for argv in decoded.records {
            let len = record_len(&argv);
            // Taken before `apply` consumes argv, for the error message.
            let command = describe(&argv);
            apply(argv).map_err(|why| {
                LoadError::new(
                    LoadErrorKind::Apply,
                    &path,
                    offset,
                    format!("command {command}: {why}"),
                )
            })?;
            offset += len;
            report.records += 1;
        }
        report.bytes += decoded.valid_len as u64;
        if let Some(valid_len) = cut {
            // Only bytes after the last record handed out go, so slices of
            // the mapping that `apply` kept stay inside the file.
            truncate_and_sync(&path, valid_len).map_err(|e| LoadError::io(&path, &e))?;
            let cut_bytes = buf.len() as u64 - valid_len;
            tracing::warn!(
                file = %path.display(),
                offset = valid_len,
                bytes = cut_bytes,
                "AOF ended with a torn record: truncated it (aof-load-truncated yes)"
            );
            report.truncated = Some((path.clone(), valid_len, cut_bytes));
        }
        report.files.push(path);
    }
    Ok(report)
}

/// The parsed manifest, or `None` for a fresh data set (no manifest, no files).
fn read_manifest(dir: &Path, prefix: &str) -> Result<Option<Manifest>, LoadError> {
    let path = dir.join(manifest::manifest_file_name(prefix));
    let manifest_error = |reason: String| LoadError::new(LoadErrorKind::Manifest, &path, 0, reason);
    match fs::read_to_string(&path) {
        Ok(text) => Manifest::parse(&text)
            .map(Some)
            .map_err(|e| manifest_error(e.to_string())),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            // Without a manifest nothing says which files hold the data; loading
            // nothing while some exist would silently drop it.
            if let Some(name) = stray_aof_file(dir, prefix) {
                return Err(manifest_error(format!(
                    "missing, but the directory holds the AOF file {name}"
                )));
            }
            Ok(None)
        }
        Err(error) => Err(manifest_error(error.to_string())),
    }
}

/// A `<prefix>.*.aof` file name in `dir`, if any (none when `dir` is absent).
fn stray_aof_file(dir: &Path, prefix: &str) -> Option<String> {
    let start = format!("{prefix}.");
    fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with(&start) && name.ends_with(".aof"))
}

/// The whole file as `Bytes` over a read-only memory map (an empty file as
/// empty `Bytes`: a zero-length mapping is not portable).
fn map_file(path: &Path) -> io::Result<Bytes> {
    let file = File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(Bytes::new());
    }
    // SAFETY: the map is read-only and AOF files are only ever appended to or
    // shrunk past the records already handed out (see the module docs), so
    // the bytes behind every slice stay valid and unchanged.
    let map = unsafe { Mmap::map(&file)? };
    Ok(Bytes::from_owner(map))
}

/// Cuts `path` to `len` bytes and fsyncs it, so the cut survives a crash.
fn truncate_and_sync(path: &Path, len: u64) -> io::Result<()> {
    let file = OpenOptions::new().write(true).open(path)?;
    file.set_len(len)?;
    file.sync_all()
}

/// Encoded length (bytes) of the record holding `argv`: the payload is
/// canonical RESP (checked by the decoder), so its size follows from argv.
fn record_len(argv: &[Bytes]) -> u64 {
    let digits = |n: usize| n.to_string().len() as u64;
    let args: u64 = argv
        .iter()
        .map(|arg| 1 + digits(arg.len()) + 2 + arg.len() as u64 + 2)
        .sum();
    HEADER_LEN as u64 + 1 + digits(argv.len()) + 2 + args
}

/// `'SET' with 3 arguments`-style text naming a record's command.
fn describe(argv: &[Bytes]) -> String {
    let name = argv
        .first()
        .map(|n| String::from_utf8_lossy(n).into_owned());
    format!(
        "'{}' with {} arguments",
        name.unwrap_or_default(),
        argv.len().saturating_sub(1)
    )
}

/// What [`check_file`] found in one AOF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Valid records before `valid_len`.
    pub records: u64,
    /// Length (bytes) of the valid prefix: where a fix cuts the file.
    pub valid_len: u64,
    /// Length (bytes) of the whole file.
    pub file_len: u64,
    /// How the file ends after the valid prefix (see [`record::decode_all`]).
    pub tail: Tail,
}

/// Decodes one AOF file (memory-mapped) and reports its valid prefix and
/// tail, without changing it. Errors: the file cannot be opened or mapped.
pub fn check_file(path: &Path) -> io::Result<CheckReport> {
    let buf = map_file(path)?;
    let decoded = record::decode_all_shared(&buf);
    Ok(CheckReport {
        records: decoded.records.len() as u64,
        valid_len: decoded.valid_len as u64,
        file_len: buf.len() as u64,
        tail: decoded.tail,
    })
}

/// Cuts `path` to `len` bytes (the valid prefix found by [`check_file`]) and
/// fsyncs it, as `framekv-check-aof --fix` does.
pub fn truncate_file(path: &Path, len: u64) -> io::Result<()> {
    truncate_and_sync(path, len)
}

#[cfg(test)]
mod tests;
