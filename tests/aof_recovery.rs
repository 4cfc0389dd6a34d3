//! Damaged AOF files on start: a torn tail of the newest file (cut at every
//! offset inside its last records) is cut off and the server holds exactly
//! the complete prefix; a flipped byte before the tail refuses the start
//! naming the file and offset until `framekv-check-aof --fix --yes` repairs
//! it; and a large AOF answers `-LOADING` while it loads. Expected data sets
//! are computed here by decoding the files with `aof_support`'s own decoder.

mod aof_support;
mod common;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aof_support::*;
use common::{TestServer, temp_dir};
use support::{ok, query_int};

/// The data set a sequence of records leaves: key → value. Understands the
/// commands the tests here send (and the internal `SELECT`/clock records).
fn replay(records: &[Record], model: &mut BTreeMap<String, String>) {
    for r in records {
        match r.name().as_str() {
            "SELECT" => assert_eq!(r.arg(1), "0", "only db 0 is written"),
            "SET" => {
                model.insert(r.arg(1), r.arg(2));
            }
            "DEL" => {
                for i in 1..r.argv.len() {
                    model.remove(&r.arg(i));
                }
            }
            "INCR" => {
                let n: i64 = model
                    .get(&r.arg(1))
                    .map_or(0, |v| v.parse().expect("integer"));
                model.insert(r.arg(1), (n + 1).to_string());
            }
            name if name.ends_with("CLOCK") => {}
            _ => panic!("unexpected record {:?}", r.argv),
        }
    }
}

/// Whether a record changes data (not `SELECT` or a clock record).
fn is_data(r: &Record) -> bool {
    let name = r.name();
    name != "SELECT" && !name.ends_with("CLOCK")
}

/// Checks that the server holds exactly `model` in db 0.
fn assert_holds(con: &mut redis::Connection, model: &BTreeMap<String, String>, what: &str) {
    assert_eq!(
        query_int(con, &["DBSIZE"]) as usize,
        model.len(),
        "{what}: DBSIZE"
    );
    if model.is_empty() {
        return;
    }
    let keys: Vec<&String> = model.keys().collect();
    let values: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query(con).expect("MGET");
    for (key, value) in keys.iter().zip(values) {
        assert_eq!(value.as_ref(), model.get(*key), "{what}: key {key}");
    }
}

/// A server on a fresh directory that received `writes` (each a command),
/// SIGKILLed afterwards: returns it (dead), the newest file's path relative
/// to the directory, and the data set of the files before the newest.
fn crashed_after(writes: &[Vec<String>]) -> (TestServer, PathBuf, BTreeMap<String, String>) {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    for w in writes {
        let args: Vec<&str> = w.iter().map(String::as_str).collect();
        ok(&mut con, &args);
    }
    server.kill9();
    let newest = newest_file(&server.dir);
    let mut before = BTreeMap::new();
    for file in replay_files(&server.dir).iter().filter(|f| **f != newest) {
        replay(&read_records(file), &mut before);
    }
    let relative = newest
        .strip_prefix(&server.dir)
        .expect("under dir")
        .to_path_buf();
    (server, relative, before)
}

/// 30 SETs, then an INCR, a SET and a DEL as the last three data records.
fn writes() -> Vec<Vec<String>> {
    let mut w: Vec<Vec<String>> = (0..30)
        .map(|i| vec!["SET".into(), format!("k{i}"), format!("value-{i}")])
        .collect();
    w.push(vec!["INCR".into(), "counter".into()]);
    w.push(vec!["SET".into(), "last".into(), "x".repeat(40)]);
    w.push(vec!["DEL".into(), "k0".into()]);
    w
}

/// A copy of `dir` with `newest` (relative) cut to `len` bytes.
fn cut_copy(dir: &Path, newest: &Path, len: usize) -> PathBuf {
    let copy = temp_dir();
    copy_dir(dir, &copy);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(copy.join(newest))
        .expect("open the copy");
    file.set_len(len as u64).expect("cut");
    copy
}

#[test]
fn a_torn_tail_cut_at_any_offset_of_the_last_records_loads_the_complete_prefix() {
    let (server, newest, before) = crashed_after(&writes());
    let records = read_records(&server.dir.join(&newest));
    let file_len = records.last().expect("records").end;
    // Every offset from the end of the fourth-last data record to the end.
    let data: Vec<&Record> = records.iter().filter(|r| is_data(r)).collect();
    assert!(
        data.len() >= 4,
        "the newest file holds the writes: {records:?}"
    );
    let from = data[data.len() - 4].end;
    let cuts: Vec<usize> = (from..=file_len).collect();
    let boundaries: Vec<usize> = records.iter().map(|r| r.end).collect();

    let check = |cut: usize| {
        let mut model = before.clone();
        let complete: Vec<Record> = records.iter().filter(|r| r.end <= cut).cloned().collect();
        replay(&complete, &mut model);
        let prefix_len = complete.last().map_or(0, |r| r.end);
        let server = TestServer::launch(cut_copy(&server.dir, &newest, cut), ALWAYS)
            .unwrap_or_else(|f| panic!("start refused with the file cut at {cut}: {f:?}"));
        assert_holds(&mut server.conn(), &model, &format!("cut at {cut}"));
        let len = std::fs::metadata(server.dir.join(&newest))
            .expect("newest")
            .len();
        assert_eq!(
            len as usize, prefix_len,
            "the torn tail (cut at {cut}) is cut off"
        );
        if !boundaries.contains(&cut) {
            let log = server.log_text().to_lowercase();
            assert!(
                log.contains("truncat"),
                "cut at {cut}: nothing logged:\n{log}"
            );
        }
    };
    std::thread::scope(|s| {
        for lane in 0..8 {
            let (cuts, check) = (&cuts, &check);
            s.spawn(move || cuts.iter().skip(lane).step_by(8).for_each(|&c| check(c)));
        }
    });
}

#[test]
fn writes_after_a_cut_tail_land_right_after_the_prefix() {
    let (server, newest, before) = crashed_after(&writes());
    let records = read_records(&server.dir.join(&newest));
    let last = records.last().expect("records");
    let cut = last.start + (last.end - last.start) / 2;
    let mut model = before;
    replay(&records[..records.len() - 1], &mut model);

    let mut again = TestServer::launch_ok(cut_copy(&server.dir, &newest, cut), ALWAYS);
    ok(&mut again.conn(), &["SET", "after", "cut"]);
    again.restart();
    model.insert("after".into(), "cut".into());
    assert_holds(&mut again.conn(), &model, "after the cut and a new write");
    // The file decodes cleanly: no garbage left between prefix and new record.
    let mut replayed = BTreeMap::new();
    for file in replay_files(&again.dir) {
        replay(&read_records(&file), &mut replayed);
    }
    assert_eq!(replayed, model);
}

#[test]
fn a_flipped_byte_in_the_middle_refuses_the_start_until_check_aof_fixes_it() {
    let (mut server, newest, before) = crashed_after(&writes());
    let path = server.dir.join(&newest);
    let records = read_records(&path);
    let middle = records.len() / 2;
    let bad = records[middle..]
        .iter()
        .position(|r| r.name() == "SET")
        .map(|i| i + middle)
        .expect("a SET in the second half");
    let mut bytes = std::fs::read(&path).expect("read");
    // The last byte of the value: the CRC no longer matches.
    bytes[records[bad].end - 3] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");

    let refused = server
        .try_restart()
        .expect_err("a corrupt AOF must refuse the start");
    assert_ne!(refused.code, Some(0), "{refused:?}");
    let name = newest
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        refused.output.contains(&name),
        "file not named: {refused:?}"
    );
    let offset = records[bad].start;
    assert!(
        ["offset ", "offset=", "offset: "]
            .iter()
            .any(|p| refused.output.contains(&format!("{p}{offset}"))),
        "offset {offset} not named: {refused:?}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes,
        "a refused start changes nothing"
    );

    let manifest = manifest_path(&server.dir);
    let tool = check_aof_bin();
    let check = Command::new(&tool).arg(&manifest).output().expect("check");
    assert_eq!(check.status.code(), Some(1), "{check:?}");
    let fix = Command::new(&tool)
        .args(["--fix", "--yes"])
        .arg(&manifest)
        .output()
        .expect("check --fix");
    assert_eq!(fix.status.code(), Some(0), "{fix:?}");
    assert_eq!(
        std::fs::metadata(&path).expect("fixed").len() as usize,
        offset
    );

    server.restart();
    let mut model = before;
    replay(&records[..bad], &mut model);
    assert_holds(&mut server.conn(), &model, "after check-aof --fix");
}

#[test]
fn clients_get_loading_while_a_large_aof_loads() {
    const KEYS: usize = 300_000;
    let dir = temp_dir();
    let aof = aof_dir(&dir);
    std::fs::create_dir_all(&aof).expect("aof dir");
    let mut incr = Vec::with_capacity(KEYS * 48);
    encode_record(&[b"SELECT", b"0"], &mut incr);
    encode_record(
        &[b"FRAMEKV.CLOCK", now_ms().to_string().as_bytes()],
        &mut incr,
    );
    for i in 0..KEYS {
        let (key, value) = (format!("key:{i}"), format!("v{i}"));
        encode_record(&[b"SET", key.as_bytes(), value.as_bytes()], &mut incr);
    }
    std::fs::write(aof.join("appendonly.aof.1.base.aof"), b"").expect("base");
    std::fs::write(aof.join("appendonly.aof.1.incr.aof"), &incr).expect("incr");
    std::fs::write(
        manifest_path(&dir),
        "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
    )
    .expect("manifest");

    let mut server = TestServer::spawn_logged(dir, EVERYSEC);
    let started = Instant::now();
    let mut con = loop {
        if let Ok(con) = redis::Client::open(server.url()).and_then(|c| c.get_connection()) {
            break con;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    let (mut saw_loading, mut saw_info_loading) = (false, false);
    loop {
        match redis::cmd("PING").query::<String>(&mut con) {
            Ok(pong) => {
                assert_eq!(pong, "PONG");
                break;
            }
            Err(e) => {
                assert_eq!(
                    support::error_line(&e),
                    "LOADING Redis is loading the dataset in memory"
                );
                saw_loading = true;
                let p = info(&mut con, "persistence");
                saw_info_loading |= p.get("loading").map(String::as_str) == Some("1");
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "load never ended"
        );
    }
    assert!(saw_loading, "no -LOADING while a 300k-record AOF loaded");
    assert!(saw_info_loading, "INFO persistence never showed loading:1");
    assert_eq!(
        info(&mut con, "persistence")
            .get("loading")
            .map(String::as_str),
        Some("0")
    );
    assert!(server.ready_within(Duration::from_secs(1), Duration::from_millis(5)));
    assert_eq!(query_int(&mut con, &["DBSIZE"]) as usize, KEYS);
    assert_eq!(
        support::text(&ok(&mut con, &["GET", "key:299999"])),
        "v299999"
    );
}
