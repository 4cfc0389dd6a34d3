//! Helpers shared by the persistence tests (`aof_*.rs`): the server options
//! that turn the AOF on, reading the AOF directory (manifest, files, records)
//! with a decoder written here independently of the `persistence` crate,
//! `INFO persistence`, waiting for a rewrite, and the check tool's path.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redis::Connection;

use super::support::{ok, text};

/// Server options: AOF on, fsync before every reply.
pub const ALWAYS: &[&str] = &["--appendonly", "yes", "--appendfsync", "always"];

/// Server options: AOF on, fsync once a second.
pub const EVERYSEC: &[&str] = &["--appendonly", "yes", "--appendfsync", "everysec"];

/// The AOF directory under a server's `--dir` (`appenddirname` default).
pub fn aof_dir(dir: &Path) -> PathBuf {
    dir.join("appendonlydir")
}

/// The manifest's path under a server's `--dir`.
pub fn manifest_path(dir: &Path) -> PathBuf {
    aof_dir(dir).join("appendonly.aof.manifest")
}

/// One manifest line: `file <name> seq <seq> type <b|h|i>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestLine {
    /// The file name, relative to the AOF directory.
    pub file: String,
    /// Its sequence number.
    pub seq: u64,
    /// `b` (base), `h` (history) or `i` (incremental).
    pub kind: char,
}

/// The manifest's lines, in file order (comments and blank lines skipped).
/// Panics when a line lacks `file`, `seq` or `type`.
pub fn read_manifest(dir: &Path) -> Vec<ManifestLine> {
    let path = manifest_path(dir);
    let body = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let value = |key: &str| {
                words
                    .chunks(2)
                    .find(|pair| pair[0] == key && pair.len() == 2)
                    .map(|pair| pair[1].to_string())
                    .unwrap_or_else(|| panic!("manifest line without {key}: {line}"))
            };
            ManifestLine {
                file: value("file"),
                seq: value("seq").parse().expect("numeric seq"),
                kind: value("type").chars().next().expect("one-letter type"),
            }
        })
        .collect()
}

/// The base file's manifest line, if the manifest names one.
pub fn base_entry(dir: &Path) -> Option<ManifestLine> {
    read_manifest(dir).into_iter().find(|l| l.kind == 'b')
}

/// The newest file: the one named by the manifest's last `type i` line.
pub fn newest_file(dir: &Path) -> PathBuf {
    let last = read_manifest(dir)
        .into_iter()
        .rfind(|l| l.kind == 'i')
        .expect("the manifest names an incremental file");
    aof_dir(dir).join(last.file)
}

/// The files replayed on load, in order: the base, then every `type i`.
pub fn replay_files(dir: &Path) -> Vec<PathBuf> {
    let lines = read_manifest(dir);
    let base = lines.iter().filter(|l| l.kind == 'b');
    let incrs = lines.iter().filter(|l| l.kind == 'i');
    base.chain(incrs)
        .map(|l| aof_dir(dir).join(&l.file))
        .collect()
}

/// One AOF record as this decoder read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Offset of its first header byte in the file.
    pub start: usize,
    /// Offset just past its payload.
    pub end: usize,
    /// The command and its arguments.
    pub argv: Vec<Vec<u8>>,
}

impl Record {
    /// The command name in upper case.
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.argv[0]).to_ascii_uppercase()
    }

    /// Argument `i` (0 = the command name) as text.
    pub fn arg(&self, i: usize) -> String {
        String::from_utf8_lossy(&self.argv[i]).into_owned()
    }
}

/// Decodes a whole, undamaged AOF file: per record a u64 LE payload length,
/// a u32 LE CRC-32 of the payload, and the payload, a RESP multibulk.
/// Panics (naming the offset) on anything else, including a bad CRC.
pub fn parse_records(bytes: &[u8]) -> Vec<Record> {
    let mut records = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        assert!(bytes.len() - pos >= 12, "short header at offset {pos}");
        let len = u64::from_le_bytes(bytes[pos..pos + 8].try_into().expect("8 bytes")) as usize;
        let crc = u32::from_le_bytes(bytes[pos + 8..pos + 12].try_into().expect("4 bytes"));
        let end = pos + 12 + len;
        assert!(
            end <= bytes.len(),
            "record at offset {pos} runs past the end"
        );
        let payload = &bytes[pos + 12..end];
        assert_eq!(crc32(payload), crc, "CRC of the record at offset {pos}");
        records.push(Record {
            start: pos,
            end,
            argv: parse_multibulk(payload)
                .unwrap_or_else(|| panic!("bad RESP payload at offset {pos}")),
        });
        pos = end;
    }
    records
}

/// The records of the file at `path` (see [`parse_records`]).
pub fn read_records(path: &Path) -> Vec<Record> {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_records(&bytes)
}

fn parse_multibulk(payload: &[u8]) -> Option<Vec<Vec<u8>>> {
    fn line(p: &[u8], pos: &mut usize, prefix: u8) -> Option<usize> {
        let rest = &p[*pos..];
        let crlf = rest.windows(2).position(|w| w == b"\r\n")?;
        if rest.first() != Some(&prefix) {
            return None;
        }
        let n = std::str::from_utf8(&rest[1..crlf]).ok()?.parse().ok()?;
        *pos += crlf + 2;
        Some(n)
    }
    let mut pos = 0;
    let count = line(payload, &mut pos, b'*')?;
    let mut argv = Vec::with_capacity(count);
    for _ in 0..count {
        let len = line(payload, &mut pos, b'$')?;
        argv.push(payload.get(pos..pos + len)?.to_vec());
        if payload.get(pos + len..pos + len + 2)? != b"\r\n" {
            return None;
        }
        pos += len + 2;
    }
    (pos == payload.len() && count > 0).then_some(argv)
}

/// Appends one record holding `argv` to `out`, in the format
/// [`parse_records`] reads.
pub fn encode_record(argv: &[&[u8]], out: &mut Vec<u8>) {
    let mut payload = format!("*{}\r\n", argv.len()).into_bytes();
    for arg in argv {
        payload.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        payload.extend_from_slice(arg);
        payload.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
}

/// CRC-32 (IEEE 802.3, reflected, as zlib and `crc32fast` compute it).
pub fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (i, slot) in table.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        table
    });
    !bytes.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// `INFO <section>` as field → value.
pub fn info(con: &mut Connection, section: &str) -> HashMap<String, String> {
    text(&ok(con, &["INFO", section]))
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

/// One integer field of an [`info`] map; panics when absent.
pub fn info_int(info: &HashMap<String, String>, field: &str) -> i64 {
    info.get(field)
        .unwrap_or_else(|| panic!("no {field} in INFO: {info:?}"))
        .parse()
        .unwrap_or_else(|_| panic!("{field} is not an integer: {info:?}"))
}

/// Sends `BGREWRITEAOF`, checks Redis's reply, and waits (up to 30 s) until
/// `INFO persistence` shows the rewrite finished (`aof_rewrites` went up and
/// nothing is in progress or scheduled). Returns the final INFO persistence.
pub fn bgrewrite_and_wait(con: &mut Connection) -> HashMap<String, String> {
    let before = info_int(&info(con, "persistence"), "aof_rewrites");
    assert_eq!(
        text(&ok(con, &["BGREWRITEAOF"])),
        "Background append only file rewriting started"
    );
    wait_rewrites(con, before + 1, Duration::from_secs(30))
}

/// Waits until `aof_rewrites >= count` with no rewrite in progress or
/// scheduled; returns INFO persistence. Panics after `timeout`.
pub fn wait_rewrites(
    con: &mut Connection,
    count: i64,
    timeout: Duration,
) -> HashMap<String, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let p = info(con, "persistence");
        let idle = info_int(&p, "aof_rewrite_in_progress") == 0
            && p.get("aof_rewrite_scheduled").is_none_or(|v| v == "0");
        if idle && info_int(&p, "aof_rewrites") >= count {
            return p;
        }
        assert!(Instant::now() < deadline, "rewrite did not finish: {p:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Copies the directory tree `from` to `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// The `framekv-check-aof` binary (a bin of the persistence package), beside
/// the server binary. `cargo test --workspace` builds it. Not built from
/// here: a nested `cargo build -p framekv-persistence` would resolve
/// Polars' features differently and compile Polars a second time.
pub fn check_aof_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_framekv-server")).with_file_name("framekv-check-aof");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds it",
        bin.display()
    );
    bin
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}
