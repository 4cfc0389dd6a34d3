//! Runs the real `framekv-check-aof` binary on files built with the record
//! encoder and checks its exit status, its output and the file afterwards.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use persistence::record::{HEADER_LEN, Tail, decode_all, encode};

const BIN: &str = env!("CARGO_BIN_EXE_framekv-check-aof");

fn scratch_dir(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "framekv-check-aof-{label}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn three_records() -> Vec<u8> {
    let mut out = Vec::new();
    for argv in [["SET", "a", "1"], ["SET", "b", "2"], ["SET", "c", "3"]] {
        encode(&argv, &mut out);
    }
    out
}

/// Runs the tool with `args`, feeding `stdin`.
fn run(args: &[&str], path: &Path, stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start framekv-check-aof");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn valid_file_exits_zero() {
    let dir = scratch_dir("valid");
    let path = dir.join("a.aof");
    fs::write(&path, three_records()).expect("write");
    let output = run(&[], &path, "");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        format!("AOF {} is valid\n", path.display())
    );
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn corrupt_file_exits_one_naming_the_offset() {
    let dir = scratch_dir("corrupt");
    let path = dir.join("a.aof");
    let mut bytes = three_records();
    let mut first = Vec::new();
    encode(&["SET", "a", "1"], &mut first);
    // A payload byte of the second record; a third follows, so it is corruption.
    bytes[first.len() + HEADER_LEN + 5] ^= 0x20;
    fs::write(&path, &bytes).expect("write");
    let output = run(&[], &path, "");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = stdout(&output);
    let start = format!("AOF {} format error: ", path.display());
    assert!(text.starts_with(&start), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("at offset {}", first.len())),
        "{text}"
    );
    assert_eq!(
        fs::read(&path).expect("read"),
        bytes,
        "check alone changes nothing"
    );
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn fix_yes_cuts_a_torn_tail() {
    let dir = scratch_dir("fix");
    let path = dir.join("a.aof");
    let good = three_records();
    let mut torn = good.clone();
    torn.extend_from_slice(&[9, 0, 0, 0, 0, 0, 0, 0, 1, 2]); // a cut header
    fs::write(&path, &torn).expect("write");

    let plain = run(&[], &path, "");
    assert_eq!(plain.status.code(), Some(1));
    assert_eq!(
        stdout(&plain),
        format!(
            "AOF {} has a truncated tail at offset {} (10 bytes)\n",
            path.display(),
            good.len()
        )
    );

    let output = run(&["--fix", "--yes"], &path, "");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.contains(&format!(
            "This will shrink the AOF {} from {} bytes, with 10 bytes, to {} bytes",
            path.display(),
            torn.len(),
            good.len()
        )),
        "{text}"
    );
    assert!(text.contains(&format!("Successfully truncated AOF {}", path.display())));
    let after = fs::read(&path).expect("read");
    assert_eq!(after, good);
    let decoded = decode_all(&after);
    assert_eq!(decoded.tail, Tail::Clean);
    assert_eq!(decoded.records.len(), 3);
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn fix_answered_no_leaves_the_file() {
    let dir = scratch_dir("no");
    let path = dir.join("a.aof");
    let mut torn = three_records();
    torn.extend_from_slice(&[1, 2, 3]);
    fs::write(&path, &torn).expect("write");
    let output = run(&["--fix"], &path, "n\n");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stdout(&output).contains("Continue? [y/N]: "));
    assert_eq!(fs::read(&path).expect("read"), torn);
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn manifest_checks_each_file_and_fixes_the_last() {
    let dir = scratch_dir("manifest");
    let good = three_records();
    let mut torn = good.clone();
    torn.extend_from_slice(&[1, 2, 3]);
    fs::write(dir.join("x.aof.1.base.aof"), &good).expect("write");
    fs::write(dir.join("x.aof.1.incr.aof"), &torn).expect("write");
    let manifest = dir.join("x.aof.manifest");
    fs::write(
        &manifest,
        "file x.aof.1.base.aof seq 1 type b\nfile x.aof.1.incr.aof seq 1 type i\n",
    )
    .expect("write");
    let output = run(&["--fix", "--yes"], &manifest, "");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("x.aof.1.base.aof is valid"), "{text}");
    assert!(
        text.contains("x.aof.1.incr.aof has a truncated tail"),
        "{text}"
    );
    assert_eq!(fs::read(dir.join("x.aof.1.incr.aof")).expect("read"), good);
    assert_eq!(run(&[], &manifest, "").status.code(), Some(0));
    fs::remove_dir_all(&dir).expect("clean up");
}
