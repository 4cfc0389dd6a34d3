//! The multi-part AOF manifest, in Redis 7's text format.
//!
//! One line per file, in this order: the base file (at most one), history
//! files awaiting deletion after a rewrite, then the incremental files in
//! increasing `seq`:
//!
//! ```text
//! file appendonly.aof.1.base.aof seq 1 type b
//! file appendonly.aof.1.incr.aof seq 1 type i
//! file appendonly.aof.2.incr.aof seq 2 type i
//! ```
//!
//! As in Redis 7, a line is whitespace-separated `key value` pairs; `file`,
//! `seq` and `type` are required, other keys are ignored, and blank lines and
//! lines starting with `#` are skipped. Unlike Redis, quoted names are not
//! supported: a name must be a plain file name (no whitespace, quotes,
//! control characters or path separators, not `.` or `..`). The manifest is
//! replaced with [`write_atomically`], never edited in place.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Redis 7's default `appendfilename`: the prefix of every AOF file name.
pub const DEFAULT_APPEND_FILENAME: &str = "appendonly.aof";

/// Redis 7's default `appenddirname`: the directory (under `dir`) holding the
/// manifest and the AOF files.
pub const DEFAULT_APPEND_DIRNAME: &str = "appendonlydir";

/// `<prefix>.<seq>.base.aof`, e.g. `appendonly.aof.1.base.aof`. Redis 7 names
/// an RDB-preamble base `.base.rdb`; framekv's base is in the record format of
/// [`crate::record`], hence `.aof`.
pub fn base_file_name(prefix: &str, seq: u64) -> String {
    format!("{prefix}.{seq}.base.aof")
}

/// `<prefix>.<seq>.incr.aof`, e.g. `appendonly.aof.1.incr.aof` (as Redis 7).
pub fn incr_file_name(prefix: &str, seq: u64) -> String {
    format!("{prefix}.{seq}.incr.aof")
}

/// `<prefix>.manifest`, e.g. `appendonly.aof.manifest` (as Redis 7).
pub fn manifest_file_name(prefix: &str) -> String {
    format!("{prefix}.manifest")
}

/// What a manifest line says a file is (`type b`, `type h`, `type i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `b`: the data set as of the last rewrite.
    Base,
    /// `h`: a file replaced by a rewrite, kept listed until it is deleted.
    History,
    /// `i`: commands appended after the base, replayed in `seq` order.
    Incr,
}

impl FileKind {
    /// The `type` value in the manifest.
    pub fn as_char(self) -> char {
        match self {
            FileKind::Base => 'b',
            FileKind::History => 'h',
            FileKind::Incr => 'i',
        }
    }

    fn from_str(value: &str) -> Option<FileKind> {
        match value {
            "b" => Some(FileKind::Base),
            "h" => Some(FileKind::History),
            "i" => Some(FileKind::Incr),
            _ => None,
        }
    }
}

/// One manifest line: a file name (relative to the AOF directory), its
/// sequence number and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// File name inside the AOF directory; passes [`check_file_name`].
    pub name: String,
    /// Sequence number (`seq`); incremental files replay in increasing order.
    pub seq: u64,
    /// Base, history or incremental (`type`).
    pub kind: FileKind,
}

/// The parsed manifest: which files make up the AOF, in replay order
/// (`base`, then `incrs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file, if a rewrite has produced one.
    pub base: Option<FileEntry>,
    /// Files awaiting deletion after a rewrite; not replayed.
    pub history: Vec<FileEntry>,
    /// Incremental files in strictly increasing `seq`.
    pub incrs: Vec<FileEntry>,
}

/// Why a manifest could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// 1-based line number; 0 when the problem concerns the whole manifest.
    pub line: usize,
    /// What is wrong, e.g. `missing 'seq'`.
    pub problem: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "invalid AOF manifest: {}", self.problem)
        } else {
            write!(
                f,
                "invalid AOF manifest, line {}: {}",
                self.line, self.problem
            )
        }
    }
}

impl std::error::Error for ManifestError {}

/// Checks that `name` can appear in a manifest and names a file directly in
/// the AOF directory. Returns the problem otherwise.
pub fn check_file_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(format!("bad file name {name:?}"));
    }
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '/' | '\\');
    if name.chars().any(bad) {
        return Err(format!(
            "file name {name:?} contains whitespace, a quote, a control character or a path separator"
        ));
    }
    Ok(())
}

impl Manifest {
    /// Parses a manifest (rules in the module docs).
    ///
    /// Errors, each with its line number: a line that is not `key value`
    /// pairs; a missing or repeated `file`, `seq` or `type`; a bad name; a
    /// `seq` that is not a decimal `u64`; a `type` other than `b`, `h`, `i`;
    /// a second base; an incremental `seq` not above the previous one. With
    /// line 0: a manifest that lists no base and no incremental file (Redis 7
    /// also refuses an empty manifest).
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let mut manifest = Manifest::default();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let entry = parse_line(trimmed).map_err(|problem| ManifestError { line, problem })?;
            manifest
                .add(entry)
                .map_err(|problem| ManifestError { line, problem })?;
        }
        if manifest.base.is_none() && manifest.incrs.is_empty() {
            return Err(ManifestError {
                line: 0,
                problem: "no base and no incremental file".into(),
            });
        }
        Ok(manifest)
    }

    fn add(&mut self, entry: FileEntry) -> Result<(), String> {
        match entry.kind {
            FileKind::Base if self.base.is_some() => Err("a second base file".into()),
            FileKind::Base => {
                self.base = Some(entry);
                Ok(())
            }
            FileKind::History => {
                self.history.push(entry);
                Ok(())
            }
            FileKind::Incr => {
                if let Some(last) = self.incrs.last()
                    && entry.seq <= last.seq
                {
                    return Err(format!(
                        "incremental seq {} is not above the previous {}",
                        entry.seq, last.seq
                    ));
                }
                self.incrs.push(entry);
                Ok(())
            }
        }
    }

    /// The manifest text: base, history, then incremental lines, each
    /// `file <name> seq <n> type <b|h|i>\n`. Parses back to an equal
    /// manifest when every name passes [`check_file_name`] and incremental
    /// seqs increase (always so for a parsed manifest or names made by the
    /// naming helpers).
    pub fn render(&self) -> String {
        let entries = self.base.iter().chain(&self.history).chain(&self.incrs);
        entries
            .map(|e| format!("file {} seq {} type {}\n", e.name, e.seq, e.kind.as_char()))
            .collect()
    }
}

fn parse_line(line: &str) -> Result<FileEntry, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if !words.len().is_multiple_of(2) {
        return Err("expected 'key value' pairs, found an odd number of words".into());
    }
    let (mut name, mut seq, mut kind) = (None, None, None);
    for pair in words.chunks_exact(2) {
        let (key, value) = (pair[0], pair[1]);
        let slot_taken = match key {
            "file" => name.replace(value).is_some(),
            "seq" => seq.replace(value).is_some(),
            "type" => kind.replace(value).is_some(),
            // Redis 7 ignores keys it does not know, for forward compatibility.
            _ => false,
        };
        if slot_taken {
            return Err(format!("'{key}' given twice"));
        }
    }
    let name = name.ok_or("missing 'file'")?;
    let seq = seq.ok_or("missing 'seq'")?;
    let kind = kind.ok_or("missing 'type'")?;
    check_file_name(name)?;
    // u64::from_str accepts a leading '+'; a manifest number is digits only.
    if !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("seq {seq:?} is not a number"));
    }
    let seq = seq
        .parse::<u64>()
        .map_err(|_| format!("seq {seq:?} is not a number"))?;
    let kind = FileKind::from_str(kind).ok_or_else(|| format!("unknown type {kind:?}"))?;
    Ok(FileEntry {
        name: name.to_string(),
        seq,
        kind,
    })
}

/// Replaces `dir/file_name` with `contents` so that a crash leaves either the
/// old or the new file, never a mix: writes `dir/<file_name>.tmp`, fsyncs it,
/// renames it over `dir/file_name`, then fsyncs `dir` so the rename itself is
/// durable (as Redis 7 does for its manifest). On error the temp file is
/// removed where possible and the old file is untouched.
pub fn write_atomically(dir: &Path, file_name: &str, contents: &[u8]) -> io::Result<()> {
    let target = dir.join(file_name);
    let temp = dir.join(format!("{file_name}.tmp"));
    let written = write_and_sync(&temp, contents).and_then(|()| fs::rename(&temp, &target));
    if let Err(error) = written {
        // Best effort: the write error is what the caller needs to see.
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    sync_dir(dir)
}

fn write_and_sync(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened as files elsewhere; the rename is the best
/// the platform offers.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, seq: u64, kind: FileKind) -> FileEntry {
        FileEntry {
            name: name.into(),
            seq,
            kind,
        }
    }

    #[test]
    fn naming_helpers_follow_redis_7() {
        assert_eq!(
            base_file_name(DEFAULT_APPEND_FILENAME, 1),
            "appendonly.aof.1.base.aof"
        );
        assert_eq!(
            incr_file_name(DEFAULT_APPEND_FILENAME, 12),
            "appendonly.aof.12.incr.aof"
        );
        assert_eq!(
            manifest_file_name(DEFAULT_APPEND_FILENAME),
            "appendonly.aof.manifest"
        );
    }

    #[test]
    fn render_then_parse_round_trips() {
        let manifest = Manifest {
            base: Some(entry("appendonly.aof.2.base.aof", 2, FileKind::Base)),
            history: vec![entry("appendonly.aof.1.base.aof", 1, FileKind::History)],
            incrs: vec![
                entry("appendonly.aof.3.incr.aof", 3, FileKind::Incr),
                entry("appendonly.aof.4.incr.aof", 4, FileKind::Incr),
            ],
        };
        let text = manifest.render();
        assert_eq!(
            text,
            "file appendonly.aof.2.base.aof seq 2 type b\n\
             file appendonly.aof.1.base.aof seq 1 type h\n\
             file appendonly.aof.3.incr.aof seq 3 type i\n\
             file appendonly.aof.4.incr.aof seq 4 type i\n"
        );
        assert_eq!(Manifest::parse(&text), Ok(manifest));
    }

    #[test]
    fn parses_redis_style_sample_with_comments_and_extra_keys() {
        let text = "# written by a newer server\n\
                    \n\
                    file appendonly.aof.1.base.aof seq 1 type b startoffset 0\r\n\
                    file appendonly.aof.1.incr.aof type i seq 1\n\
                    endoffset 42 file appendonly.aof.2.incr.aof seq 2 type i";
        let manifest = Manifest::parse(text).expect("valid manifest");
        assert_eq!(
            manifest.base,
            Some(entry("appendonly.aof.1.base.aof", 1, FileKind::Base))
        );
        assert!(manifest.history.is_empty());
        assert_eq!(
            manifest.incrs,
            vec![
                entry("appendonly.aof.1.incr.aof", 1, FileKind::Incr),
                entry("appendonly.aof.2.incr.aof", 2, FileKind::Incr),
            ]
        );
    }

    #[test]
    fn manifest_without_base_is_accepted() {
        let manifest = Manifest::parse("file a.1.incr.aof seq 1 type i\n").expect("valid");
        assert_eq!(manifest.base, None);
        assert_eq!(manifest.incrs.len(), 1);
    }

    fn error_of(text: &str) -> ManifestError {
        match Manifest::parse(text) {
            Ok(manifest) => panic!("{text:?} parsed as {manifest:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let ok = "file a.1.base.aof seq 1 type b\n";
        let cases: [(&str, usize, &str); 10] = [
            ("file a seq 1 type", 2, "odd number"),
            ("file a type i", 2, "missing 'seq'"),
            ("seq 1 type i", 2, "missing 'file'"),
            ("file a seq 1", 2, "missing 'type'"),
            ("file a seq x1 type i", 2, "not a number"),
            ("file a seq +1 type i", 2, "not a number"),
            ("file a seq 1 type r", 2, "unknown type"),
            ("file b seq 2 type b", 2, "second base"),
            ("file a seq 1 seq 2 type i", 2, "given twice"),
            ("file ../a seq 1 type i", 2, "path separator"),
        ];
        for (line, number, problem) in cases {
            let error = error_of(&format!("{ok}{line}\n"));
            assert_eq!(error.line, number, "{line}");
            assert!(error.problem.contains(problem), "{line}: {}", error.problem);
        }
        let error =
            error_of("# c\nfile a.2.incr.aof seq 2 type i\nfile a.1.incr.aof seq 1 type i\n");
        assert_eq!(error.line, 3);
        assert!(error.problem.contains("not above"));
        assert_eq!(
            error.to_string(),
            "invalid AOF manifest, line 3: incremental seq 1 is not above the previous 2"
        );
        assert_eq!(error_of("# nothing\n\n").line, 0);
    }

    #[test]
    fn names_with_spaces_quotes_or_separators_are_refused() {
        for name in [
            "", ".", "..", "a b", "a\tb", "a\nb", "\"a\"", "dir/a", "dir\\a", "a\u{7f}",
        ] {
            assert!(check_file_name(name).is_err(), "{name:?}");
        }
        assert!(check_file_name("appendonly.aof.1.base.aof").is_ok());
    }

    /// A fresh, empty directory under the system temp dir.
    fn scratch_dir(label: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "framekv-persistence-{label}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    #[test]
    fn write_atomically_replaces_contents_and_leaves_no_temp_file() {
        let dir = scratch_dir("atomic");
        let name = manifest_file_name(DEFAULT_APPEND_FILENAME);
        write_atomically(&dir, &name, b"old\n").expect("first write");
        write_atomically(&dir, &name, b"file a seq 1 type b\n").expect("second write");
        assert_eq!(
            fs::read(dir.join(&name)).expect("read back"),
            b"file a seq 1 type b\n"
        );
        let mut names: Vec<String> = fs::read_dir(&dir)
            .expect("list dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(names, vec![name]);
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn write_atomically_into_missing_dir_fails_without_panicking() {
        let dir = scratch_dir("missing").join("absent");
        assert!(write_atomically(&dir, "m", b"x").is_err());
    }
}
