//! BGREWRITEAOF and automatic rewrites: a rewrite while 20 clients write
//! keeps exactly what a model kept by the test says, across a SIGKILL and a
//! restart; the manifest moves to a new base and incremental file; INFO
//! persistence reports the sizes; a restart right after a rewrite loads the
//! base alone; and the AOF rewrites itself once it grows past its limits.

mod aof_support;
mod common;
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use aof_support::*;
use common::{TestServer, temp_dir};
use redis::Connection;
use support::{error_line, int, items, load, ok, query_int, text};

/// One key as the model has it: its value and, when it has a TTL, the
/// window its absolute deadline must lie in (ms since the epoch).
#[derive(Debug, Clone, Default)]
struct Model {
    value: Option<String>,
    deadline: Option<(i64, i64)>,
}

/// A small xorshift generator, seeded per client so runs differ by client.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Client `c` runs random SET/INCR/DEL/EXPIRE on its own five keys until
/// `stop`, checking every reply against its model; returns the model.
fn writer(
    url: String,
    c: usize,
    stop: Arc<AtomicBool>,
    ops: Arc<AtomicU64>,
) -> HashMap<String, Model> {
    let mut con = redis::Client::open(url)
        .and_then(|cl| cl.get_connection())
        .expect("connect");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1).wrapping_mul(0x1234_5678_9ABC_DEF1));
    let mut model: HashMap<String, Model> = HashMap::new();
    while !stop.load(Ordering::Relaxed) {
        let key = format!("c{c}:k{}", rng.below(5));
        let m = model.entry(key.clone()).or_default();
        match rng.below(10) {
            0..=3 => {
                let value = if rng.below(2) == 0 {
                    rng.below(1000).to_string()
                } else {
                    format!("text-{}", rng.below(1000))
                };
                assert_eq!(text(&ok(&mut con, &["SET", &key, &value])), "OK");
                *m = Model {
                    value: Some(value),
                    deadline: None,
                };
            }
            4..=6 => {
                let reply = redis::cmd("INCR").arg(&key).query::<i64>(&mut con);
                match m.value.as_deref().map(str::parse::<i64>) {
                    None | Some(Ok(_)) => {
                        let n = m.value.as_deref().map_or(0, |v| v.parse().expect("int")) + 1;
                        assert_eq!(reply.expect("INCR"), n, "INCR {key}");
                        m.value = Some(n.to_string());
                    }
                    Some(Err(_)) => assert_eq!(
                        error_line(&reply.expect_err("INCR of text")),
                        "ERR value is not an integer or out of range"
                    ),
                }
            }
            7 => {
                let existed = m.value.is_some();
                assert_eq!(query_int(&mut con, &["DEL", &key]), i64::from(existed));
                *m = Model::default();
            }
            _ => {
                let secs = 1000 + rng.below(1000) as i64;
                let sent = now_ms();
                let set = query_int(&mut con, &["EXPIRE", &key, &secs.to_string()]);
                assert_eq!(set, i64::from(m.value.is_some()), "EXPIRE {key}");
                if set == 1 {
                    m.deadline = Some((sent + secs * 1000, now_ms() + secs * 1000));
                }
            }
        }
        ops.fetch_add(1, Ordering::Relaxed);
    }
    model
}

/// Checks `key` against its model on the restarted server.
fn check_key(con: &mut Connection, key: &str, m: &Model) {
    let value: Option<String> = redis::cmd("GET").arg(key).query(con).expect("GET");
    assert_eq!(value, m.value, "value of {key}");
    if m.value.is_none() {
        return;
    }
    let now = now_ms();
    let pttl = query_int(con, &["PTTL", key]);
    match m.deadline {
        None => assert_eq!(pttl, -1, "{key} has no TTL"),
        Some((lo, hi)) => assert!(
            (lo - 5..=hi + 5).contains(&(now + pttl)),
            "{key}: deadline {} outside [{lo}, {hi}]",
            now + pttl
        ),
    }
}

#[test]
fn a_rewrite_while_twenty_clients_write_keeps_what_the_model_says() {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    // Enough data that the rewrite takes a while: 100k keys and a 5.8 MB frame.
    for batch in 0..100 {
        let mut mset = redis::cmd("MSET");
        for i in batch * 1000..(batch + 1) * 1000 {
            mset.arg(format!("pop:{i}")).arg(i);
        }
        mset.query::<()>(&mut con).expect("MSET");
    }
    ok(&mut con, &["SESSION.CREATE", "ID", "big", "TTL", "0"]);
    load(&mut con, "big", "stops", "csv", "mplsstops.csv");
    let history = ok(&mut con, &["FRAME.HISTORY", "big", "stops"]);
    let manifest_before = read_manifest(&server.dir);

    let (stop, ops) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let writers: Vec<_> = (0..20)
        .map(|c| {
            let (url, stop, ops) = (server.url(), stop.clone(), ops.clone());
            thread::spawn(move || writer(url, c, stop, ops))
        })
        .collect();
    thread::sleep(Duration::from_millis(200));
    let ops_at_start = ops.load(Ordering::Relaxed);
    let p = bgrewrite_and_wait(&mut con);
    let ops_at_end = ops.load(Ordering::Relaxed);
    thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let model: HashMap<String, Model> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer"))
        .collect();
    assert!(ops_at_start > 0, "no writes before the rewrite");
    assert!(ops_at_end > ops_at_start, "no writes while the rewrite ran");
    assert!(
        ops.load(Ordering::Relaxed) > ops_at_end,
        "no writes after the rewrite"
    );
    assert_eq!(p.get("aof_enabled").map(String::as_str), Some("1"));
    assert_eq!(
        p.get("aof_last_bgrewrite_status").map(String::as_str),
        Some("ok")
    );
    assert!(info_int(&p, "aof_rewrites") >= 1);

    // The manifest moved on: a new base and a new incremental file.
    let seq =
        |lines: &[ManifestLine], kind| lines.iter().filter(|l| l.kind == kind).map(|l| l.seq).max();
    let manifest_after = read_manifest(&server.dir);
    assert!(
        seq(&manifest_after, 'b') > seq(&manifest_before, 'b'),
        "{manifest_after:?}"
    );
    assert!(
        seq(&manifest_after, 'i') > seq(&manifest_before, 'i'),
        "{manifest_after:?}"
    );
    for file in replay_files(&server.dir) {
        assert!(file.exists(), "{} is listed but missing", file.display());
    }

    server.restart();
    let mut con = server.conn();
    let live = model.values().filter(|m| m.value.is_some()).count() as i64;
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 100_000 + 1 + live);
    for (key, m) in &model {
        check_key(&mut con, key, m);
    }
    let pop: Vec<Option<i64>> = redis::cmd("MGET")
        .arg((0..100_000).map(|i| format!("pop:{i}")).collect::<Vec<_>>())
        .query(&mut con)
        .expect("MGET");
    assert!(pop.iter().enumerate().all(|(i, v)| *v == Some(i as i64)));
    assert_eq!(ok(&mut con, &["FRAME.HISTORY", "big", "stops"]), history);
}

/// Every key of dbs 0 and 3 with its value and PTTL.
fn dump(con: &mut Connection) -> Vec<(i64, String, String, i64)> {
    let mut out = Vec::new();
    for db in [0, 3] {
        ok(con, &["SELECT", &db.to_string()]);
        let mut keys: Vec<String> = items(&ok(con, &["KEYS", "*"])).iter().map(text).collect();
        keys.sort();
        for key in keys {
            let value = text(&ok(con, &["GET", &key]));
            let pttl = query_int(con, &["PTTL", &key]);
            out.push((db, key, value, pttl));
        }
    }
    ok(con, &["SELECT", "0"]);
    out
}

#[test]
fn a_restart_after_a_rewrite_loads_the_base_alone() {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    for i in 0..50 {
        ok(&mut con, &["SET", &format!("s{i}"), &format!("v{i}")]);
    }
    query_int(&mut con, &["INCRBY", "counter", "41"]);
    query_int(&mut con, &["INCR", "counter"]);
    ok(&mut con, &["SET", "ttl", "x", "EX", "1000"]);
    query_int(&mut con, &["PEXPIRE", "s1", "5000000"]);
    query_int(&mut con, &["DEL", "s2", "s3"]);
    ok(&mut con, &["SELECT", "3"]);
    ok(&mut con, &["SET", "in3", "three"]);
    ok(&mut con, &["SELECT", "0"]);
    let before = dump(&mut con);
    let first_base = base_entry(&server.dir).map_or(0, |b| b.seq);

    let p = bgrewrite_and_wait(&mut con);
    let base = base_entry(&server.dir).expect("a base");
    assert!(base.seq > first_base);
    let base_len = std::fs::metadata(aof_dir(&server.dir).join(&base.file))
        .expect("base")
        .len();
    let incr = newest_file(&server.dir);
    let total: u64 = replay_files(&server.dir)
        .iter()
        .map(|f| std::fs::metadata(f).expect("listed file").len())
        .sum();
    assert_eq!(info_int(&p, "aof_base_size") as u64, base_len, "{p:?}");
    assert_eq!(info_int(&p, "aof_current_size") as u64, total, "{p:?}");
    assert!(
        read_records(&incr)
            .iter()
            .all(|r| r.name() == "SELECT" || r.name().ends_with("CLOCK")),
        "no write came after the rewrite, yet the incremental file has data"
    );

    server.restart();
    let mut con = server.conn();
    let after = dump(&mut con);
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((b.0, &b.1, &b.2), (a.0, &a.1, &a.2));
        // Same TTL class, and deadlines that did not move (restart took < 5 s).
        assert_eq!(b.3 == -1, a.3 == -1, "{b:?} {a:?}");
        assert!(
            b.3 == -1 || (b.3 - 5000..=b.3).contains(&a.3),
            "{b:?} {a:?}"
        );
    }
    assert_eq!(query_int(&mut con, &["GET", "counter"]), 42);
}

#[test]
fn the_aof_rewrites_itself_when_it_grows_past_its_limits() {
    let args = [
        ALWAYS,
        &[
            "--auto-aof-rewrite-percentage",
            "100",
            "--auto-aof-rewrite-min-size",
            "200000",
        ],
    ]
    .concat();
    let mut server = TestServer::launch_ok(temp_dir(), &args);
    let mut con = server.conn();
    let value = "x".repeat(1000);
    for i in 0..300 {
        ok(&mut con, &["SET", &format!("k{}", i % 100), &value]);
    }
    let p = wait_rewrites(&mut con, 1, Duration::from_secs(10));
    assert_eq!(
        p.get("aof_last_bgrewrite_status").map(String::as_str),
        Some("ok")
    );
    assert!(base_entry(&server.dir).is_some());
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 100);
    assert_eq!(int(&ok(&mut con, &["STRLEN", "k99"])), 1000);
}
