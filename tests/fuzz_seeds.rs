//! The fuzz targets' committed inputs (`fuzz/seeds/<target>/`: the seeds,
//! and every input a fuzzing run found to crash, kept there once fixed),
//! replayed against the real binary in the ordinary test suite, so that a
//! fixed crash stays fixed without libFuzzer.
//!
//! * `request`: each input's bytes are written to a fresh connection as a
//!   client would send them; afterwards another client still gets `PONG`.
//! * `aof`: each input becomes the AOF directory a server starts from
//!   (kinds as in `fuzz/fuzz_targets/aof.rs`: a manifest, a raw file, or
//!   commands framed as valid records); the server either starts and
//!   answers, or refuses to start with exit status 1 and a message, never
//!   with a panic or a signal.

mod common;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::path::PathBuf;
use std::time::Duration;

use common::{TestServer, temp_dir};

/// The inputs of one target, sorted by file name.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a readable seed"))
        })
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no inputs in {}", dir.display());
    found
}

fn assert_answers(server: &TestServer, after: &str) {
    let mut con = server.conn();
    let pong: String = redis::cmd("PING")
        .query(&mut con)
        .unwrap_or_else(|e| panic!("no PONG after {after}: {e}"));
    assert_eq!(pong, "PONG", "after {after}");
}

#[test]
fn request_inputs_leave_the_server_answering() {
    let server = TestServer::start(&[]);
    for (name, bytes) in inputs("request") {
        let mut stream = server.raw();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(&bytes)
            .expect("the server reads the input");
        // Half-close, then read until the server closes its side or stops
        // writing (a subscribed or blocked client stays open).
        let _ = stream.shutdown(Shutdown::Write);
        let mut sink = [0u8; 64 * 1024];
        while let Ok(n) = stream.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
        assert_answers(&server, &name);
    }
}

#[test]
fn aof_inputs_start_or_are_refused_cleanly() {
    let prefix = "appendonly.aof";
    for (name, bytes) in inputs("aof") {
        let Some((&kind, rest)) = bytes.split_first() else {
            continue;
        };
        let dir = temp_dir();
        let aof_dir = dir.join("appendonlydir");
        std::fs::create_dir_all(&aof_dir).unwrap();
        let base = format!("{prefix}.1.base.aof");
        let manifest = if kind % 2 == 0 {
            rest.to_vec()
        } else {
            format!("file {base} seq 1 type b\n").into_bytes()
        };
        std::fs::write(aof_dir.join(format!("{prefix}.manifest")), manifest).unwrap();
        let file = match kind % 4 {
            1 => rest.to_vec(),
            3 => records(rest),
            _ => Vec::new(),
        };
        std::fs::write(aof_dir.join(&base), file).unwrap();
        match TestServer::launch(dir, &["--appendonly", "yes"]) {
            Ok(server) => assert_answers(&server, &name),
            Err(failure) => assert_eq!(
                failure.code,
                Some(1),
                "{name}: a refused start exits with 1, output:\n{}",
                failure.output
            ),
        }
    }
}

/// RESP commands framed as valid AOF records, as the aof target does.
fn records(mut resp: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(argv) = next_multibulk(&mut resp) {
        persistence::record::encode(&argv, &mut out);
    }
    out
}

/// The next `*N` multibulk of canonical RESP (what the seeds hold), or
/// `None` at the end or at anything else.
fn next_multibulk(input: &mut &[u8]) -> Option<Vec<Vec<u8>>> {
    fn line(input: &mut &[u8], tag: u8) -> Option<usize> {
        let end = input.windows(2).position(|w| w == b"\r\n")?;
        let (head, rest) = input.split_at(end);
        *input = &rest[2..];
        let (&first, digits) = head.split_first()?;
        (first == tag).then_some(())?;
        std::str::from_utf8(digits).ok()?.parse().ok()
    }
    let count = line(input, b'*')?;
    let mut argv = Vec::with_capacity(count);
    for _ in 0..count {
        let len = line(input, b'$')?;
        if input.len() < len + 2 {
            return None;
        }
        argv.push(input[..len].to_vec());
        *input = &input[len + 2..];
    }
    (!argv.is_empty()).then_some(argv)
}
