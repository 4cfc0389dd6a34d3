use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::manifest::{base_file_name, incr_file_name, manifest_file_name};
use crate::record::encode;

const PREFIX: &str = "appendonly.aof";

/// A fresh, empty directory under the system temp dir, unique per test.
fn scratch_dir(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "framekv-loader-{label}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn encode_all(commands: &[&[&str]]) -> Vec<u8> {
    let mut out = Vec::new();
    for argv in commands {
        encode(argv, &mut out);
    }
    out
}

/// Writes base (seq 1) + incrementals (seq 1..) and the manifest; returns
/// the file paths in replay order.
fn write_aof(dir: &Path, base: &[u8], incrs: &[&[u8]]) -> Vec<PathBuf> {
    let mut manifest = format!("file {} seq 1 type b\n", base_file_name(PREFIX, 1));
    let mut paths = vec![dir.join(base_file_name(PREFIX, 1))];
    fs::write(&paths[0], base).expect("write base");
    for (i, bytes) in incrs.iter().enumerate() {
        let name = incr_file_name(PREFIX, i as u64 + 1);
        manifest.push_str(&format!("file {name} seq {} type i\n", i + 1));
        fs::write(dir.join(&name), bytes).expect("write incr");
        paths.push(dir.join(name));
    }
    fs::write(dir.join(manifest_file_name(PREFIX)), manifest).expect("write manifest");
    paths
}

fn load(dir: &Path, truncated_ok: bool) -> (Vec<Vec<String>>, Result<LoadReport, LoadError>) {
    let mut seen = Vec::new();
    let result = load_dir(dir, PREFIX, truncated_ok, |argv| {
        seen.push(
            argv.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
        );
        Ok(())
    });
    (seen, result)
}

fn strings(commands: &[&[&str]]) -> Vec<Vec<String>> {
    commands
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn base_and_two_incrementals_replay_in_order() {
    let dir = scratch_dir("order");
    let base: &[&[&str]] = &[&["SET", "a", "1"], &["SET", "b", "2"]];
    let incr1: &[&[&str]] = &[&["INCR", "a"]];
    let incr2: &[&[&str]] = &[&["DEL", "b"], &["SET", "c", "x y"]];
    let bytes = [encode_all(base), encode_all(incr1), encode_all(incr2)];
    let paths = write_aof(&dir, &bytes[0], &[&bytes[1], &bytes[2]]);
    let (seen, result) = load(&dir, false);
    let report = result.expect("clean AOF loads");
    let mut expected = strings(base);
    expected.extend(strings(incr1));
    expected.extend(strings(incr2));
    assert_eq!(seen, expected);
    assert_eq!(report.records, 5);
    let total: usize = bytes.iter().map(Vec::len).sum();
    assert_eq!(report.bytes, total as u64);
    assert_eq!(report.files, paths);
    assert_eq!(report.truncated, None);
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn empty_files_load_as_no_records() {
    let dir = scratch_dir("empty");
    let incr = encode_all(&[&["SET", "k", "v"]]);
    write_aof(&dir, b"", &[&incr, b""]);
    let (seen, result) = load(&dir, false);
    assert_eq!(result.expect("loads").records, 1);
    assert_eq!(seen, strings(&[&["SET", "k", "v"]]));
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn torn_last_file_is_cut_only_with_truncated_ok() {
    let dir = scratch_dir("torn-last");
    let base = encode_all(&[&["SET", "a", "1"]]);
    let good = encode_all(&[&["SET", "b", "2"], &["SET", "c", "3"]]);
    let mut torn = good.clone();
    let extra = encode_all(&[&["SET", "d", "4"]]);
    // All of the last record but its final 3 bytes: a torn write.
    torn.extend_from_slice(&extra[..extra.len() - 3]);
    let paths = write_aof(&dir, &base, &[&torn]);

    let (_, refused) = load(&dir, false);
    let error = refused.expect_err("torn tail refused without aof-load-truncated");
    assert_eq!(error.kind, LoadErrorKind::Format);
    assert_eq!(error.file, paths[1]);
    assert_eq!(error.offset, good.len() as u64);
    assert_eq!(
        fs::read(&paths[1]).expect("read"),
        torn,
        "refusal leaves the file"
    );

    let (seen, result) = load(&dir, true);
    let report = result.expect("torn tail cut with aof-load-truncated");
    assert_eq!(
        seen,
        strings(&[&["SET", "a", "1"], &["SET", "b", "2"], &["SET", "c", "3"]])
    );
    let cut = (extra.len() - 3) as u64;
    assert_eq!(
        report.truncated,
        Some((paths[1].clone(), good.len() as u64, cut))
    );
    assert_eq!(fs::read(&paths[1]).expect("read"), good);
    // Loading again finds a clean AOF.
    let (_, again) = load(&dir, false);
    assert_eq!(again.expect("clean now").truncated, None);
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn torn_file_that_is_not_last_is_refused() {
    let dir = scratch_dir("torn-middle");
    let mut base = encode_all(&[&["SET", "a", "1"]]);
    let valid = base.len() as u64;
    base.extend_from_slice(&[7, 0, 0]); // a cut header
    let incr = encode_all(&[&["SET", "b", "2"]]);
    let paths = write_aof(&dir, &base, &[&incr]);
    let (seen, result) = load(&dir, true);
    let error = result.expect_err("torn non-last file refused");
    assert_eq!(
        (error.kind, &error.file, error.offset),
        (LoadErrorKind::Format, &paths[0], valid)
    );
    assert!(error.reason.contains("not the last"), "{}", error.reason);
    assert!(
        seen.is_empty(),
        "a bad file is refused before any of its records: {seen:?}"
    );
    assert_eq!(fs::read(&paths[0]).expect("read"), base, "not cut");
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn flipped_byte_mid_file_names_file_and_offset() {
    let dir = scratch_dir("flip");
    let first = encode_all(&[&["SET", "a", "1"]]);
    let mut incr = first.clone();
    incr.extend(encode_all(&[&["SET", "b", "2"], &["SET", "c", "3"]]));
    // A payload byte of the second record (the '3' of `$3\r\nSET`): its CRC
    // no longer matches, and a third record follows, so this is corruption.
    incr[first.len() + HEADER_LEN + 5] ^= 0x20;
    let paths = write_aof(&dir, &encode_all(&[&["PING"]]), &[&incr]);
    let (_, result) = load(&dir, true);
    let error = result.expect_err("corruption refused even with truncated_ok");
    assert_eq!(error.kind, LoadErrorKind::Format);
    assert_eq!(error.file, paths[1]);
    assert_eq!(error.offset, first.len() as u64);
    assert!(error.reason.contains("checksum"), "{}", error.reason);
    assert_eq!(
        error.to_string(),
        format!(
            "Bad file format reading the append only file {} at offset {}: {}",
            paths[1].display(),
            first.len(),
            error.reason
        )
    );
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn missing_manifest_and_no_files_is_an_empty_data_set() {
    let dir = scratch_dir("fresh");
    let (seen, result) = load(&dir, false);
    assert_eq!(result.expect("empty load"), LoadReport::default());
    assert!(seen.is_empty());
    let (_, absent) = load(&dir.join("absent"), false);
    assert_eq!(absent.expect("absent dir loads empty").records, 0);
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn missing_manifest_with_aof_files_is_refused() {
    let dir = scratch_dir("orphan");
    fs::write(dir.join(incr_file_name(PREFIX, 1)), b"").expect("write");
    let (_, result) = load(&dir, true);
    assert_eq!(result.expect_err("refused").kind, LoadErrorKind::Manifest);
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn listed_but_missing_file_is_an_error() {
    let dir = scratch_dir("missing");
    let incr = encode_all(&[&["SET", "a", "1"]]);
    let paths = write_aof(&dir, &encode_all(&[&["PING"]]), &[&incr]);
    fs::remove_file(&paths[1]).expect("remove");
    let (_, result) = load(&dir, true);
    let error = result.expect_err("missing file refused");
    assert_eq!(
        (error.kind, &error.file),
        (LoadErrorKind::Missing, &paths[1])
    );
    assert!(error.to_string().contains("doesn't exist"));
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn apply_error_names_file_offset_and_command() {
    let dir = scratch_dir("apply");
    let first = encode_all(&[&["SET", "a", "1"]]);
    let mut incr = first.clone();
    incr.extend(encode_all(&[&["BOGUS", "x"], &["SET", "b", "2"]]));
    let paths = write_aof(&dir, b"", &[&incr]);
    let mut applied = 0;
    let result = load_dir(&dir, PREFIX, false, |argv| {
        if argv[0].as_ref() == b"BOGUS" {
            return Err("ERR unknown command".into());
        }
        applied += 1;
        Ok(())
    });
    let error = result.expect_err("apply error stops the load");
    assert_eq!(applied, 1, "nothing after the failing record");
    assert_eq!(error.kind, LoadErrorKind::Apply);
    assert_eq!((&error.file, error.offset), (&paths[1], first.len() as u64));
    assert!(error.reason.contains("'BOGUS'"), "{}", error.reason);
    assert!(error.reason.contains("ERR unknown command"));
    fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn record_len_matches_the_encoder() {
    for argv in [
        vec!["PING"],
        vec!["SET", "key", ""],
        vec!["X"; 12],
        vec!["SET", "k", &"v".repeat(1234)],
    ] {
        let mut out = Vec::new();
        encode(&argv, &mut out);
        let bytes: Vec<Bytes> = argv.iter().map(|a| Bytes::from(a.to_string())).collect();
        assert_eq!(record_len(&bytes), out.len() as u64, "{argv:?}");
    }
}

#[test]
fn check_file_reports_prefix_and_tail() {
    let dir = scratch_dir("check");
    let path = dir.join("one.aof");
    let good = encode_all(&[&["SET", "a", "1"], &["SET", "b", "2"]]);
    let mut torn = good.clone();
    torn.extend_from_slice(&[1, 2, 3, 4, 5]);
    fs::write(&path, &torn).expect("write");
    let report = check_file(&path).expect("readable");
    assert_eq!(report.records, 2);
    assert_eq!(report.valid_len, good.len() as u64);
    assert_eq!(report.file_len, torn.len() as u64);
    assert_eq!(report.tail, Tail::Truncated { offset: good.len() });
    assert!(check_file(&dir.join("absent.aof")).is_err());
    fs::remove_dir_all(&dir).expect("clean up");
}
