//! HyperLogLog against the real server: PFADD, PFCOUNT and PFMERGE give
//! the estimates Redis 7.0.15 gives for the same elements, store the very
//! bytes Redis stores (sparse and dense, cached cardinality included), read
//! values Redis wrote, refuse strings that are not HyperLogLogs with Redis's
//! errors, and survive a restart and a rewrite. The expected values and
//! bytes were taken from a real redis-server 7.0.15.

mod aof_support;
mod common;
mod support;

use aof_support::{bgrewrite_and_wait, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::{call, cmd, err, ok};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPT: &str = "INVALIDOBJ Corrupted HLL object detected";

/// Redis's value after `PFADD a x y z`.
const XYZ: &str = "48594c4c01000000000000000000008061848058cd8845a08408";
/// Redis's value after `PFADD h el:0` and `PFCOUNT h`.
const ONE: &str = "48594c4c0100000001000000000000006510885aed";
/// Redis's value after `PFADD h el:0 .. el:99` and `PFCOUNT h`.
const HUNDRED: &str = "48594c4c010000006400000000000000409a8440e980414780405e801b8840aa80405d8040738840b380188040a2840380178040fa8040e5804142840b801a84406780404284411c80405880405280404e841784405a804128802e8040b38840978440418440968821844047884078884212840d8041a880410a8041e680058040b180408e8c4076803d84409e8440fa8041a48041598440bf842980405b88278841859040758040468440c98440d7884100884133802d8041d0804095883080412c8c40408440818440689040f28840bf80358010801788407d80404388368440939000804092802184406488258c40f38840d68840818440b09012843680405c8427804155842184416980029041fc8041cf80409e84410280398442a68c408f";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// FNV-1a 64 of `bytes`, to compare 12 KiB dense values with Redis's.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn int(con: &mut Connection, args: &[&str]) -> i64 {
    match ok(con, args) {
        Value::Int(n) => n,
        other => panic!("{args:?}: not an integer: {other:?}"),
    }
}

fn get(con: &mut Connection, key: &str) -> Vec<u8> {
    cmd(&["GET", key]).query(con).unwrap()
}

/// `PFADD key el:0 .. el:<n-1>` in batches of 1000, as the reference run.
fn add_elements(con: &mut Connection, key: &str, n: usize) {
    let elements: Vec<String> = (0..n).map(|i| format!("el:{i}")).collect();
    for chunk in elements.chunks(1000) {
        let mut c = redis::cmd("PFADD");
        c.arg(key).arg(chunk);
        c.query::<i64>(con).unwrap();
    }
}

#[test]
fn estimates_and_bytes_equal_redis() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // (elements, PFCOUNT, length, FNV-1a of the value after PFCOUNT)
    let cases = [
        (1, 1, 21, 0xcf17_af4c_e832_9168u64),
        (100, 100, 289, 0xa521_bddb_7dde_b587),
        (10_000, 10_019, 12_304, 0xbcd9_d99f_071a_ad11),
        (100_000, 98_893, 12_304, 0x44f4_03e1_c04b_3f92),
    ];
    for (n, count, len, sum) in cases {
        let key = format!("h{n}");
        add_elements(&mut con, &key, n);
        assert_eq!(int(&mut con, &["PFCOUNT", &key]), count, "{n} elements");
        let value = get(&mut con, &key);
        assert_eq!(value.len(), len, "{n} elements");
        assert_eq!(fnv(&value), sum, "{n} elements");
    }
    assert_eq!(get(&mut con, "h1"), hex(ONE));
    assert_eq!(get(&mut con, "h100"), hex(HUNDRED));
    assert_eq!(int(&mut con, &["PFADD", "a", "x", "y", "z"]), 1);
    assert_eq!(get(&mut con, "a"), hex(XYZ));
    assert_eq!(int(&mut con, &["PFADD", "a", "x"]), 0);
    // Unions.
    assert_eq!(
        int(&mut con, &["PFCOUNT", "h10000", "h100000", "missing"]),
        98_893
    );
    assert_eq!(int(&mut con, &["PFCOUNT", "h1", "h100"]), 100);
    assert_eq!(int(&mut con, &["PFCOUNT", "missing"]), 0);
}

#[test]
fn values_written_by_redis_are_read() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    call(&mut con, &[b"SET", b"r", &hex(HUNDRED)]).unwrap();
    assert_eq!(int(&mut con, &["PFCOUNT", "r"]), 100);
    assert_eq!(int(&mut con, &["PFADD", "r", "el:5"]), 0);
    assert_eq!(int(&mut con, &["PFADD", "r", "el:100", "el:101"]), 1);
    assert_eq!(int(&mut con, &["PFCOUNT", "r"]), 102);
    // A stale cache (top bit of the last header byte) is recomputed.
    let mut stale = hex(XYZ);
    stale[15] |= 0x80;
    call(&mut con, &[b"SET", b"s", &stale]).unwrap();
    assert_eq!(int(&mut con, &["PFCOUNT", "s"]), 3);
    assert_eq!(get(&mut con, "s")[8..16], [3, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn pfmerge_unions_into_the_destination() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    add_elements(&mut con, "h100", 100);
    add_elements(&mut con, "h10000", 10_000);
    ok(&mut con, &["PFADD", "small", "el:0", "other"]);
    assert_eq!(
        ok(&mut con, &["PFMERGE", "m", "small", "h100"]),
        Value::Okay
    );
    assert_eq!(int(&mut con, &["PFCOUNT", "m"]), 101);
    assert!(get(&mut con, "m").len() < 12_304, "stays sparse");
    // The destination is one of the inputs; a dense input makes it dense.
    ok(&mut con, &["PFMERGE", "small", "h10000"]);
    assert_eq!(get(&mut con, "small").len(), 12_304);
    assert_eq!(int(&mut con, &["PFCOUNT", "small"]), 10_019);
    ok(&mut con, &["PFMERGE", "empty"]);
    assert_eq!(int(&mut con, &["PFCOUNT", "empty"]), 0);
    assert_eq!(get(&mut con, "empty").len(), 18);
    // TTLs are kept.
    ok(&mut con, &["EXPIRE", "m", "100"]);
    ok(&mut con, &["PFADD", "m", "new"]);
    ok(&mut con, &["PFMERGE", "m", "h100"]);
    assert!(int(&mut con, &["TTL", "m"]) > 0);
}

#[test]
fn non_hyperloglogs_are_refused() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "s", "foo"]);
    ok(&mut con, &["PFADD", "h", "a"]);
    assert_eq!(err(&mut con, &["PFADD", "s", "a"]), NOT_HLL);
    assert_eq!(err(&mut con, &["PFCOUNT", "s"]), NOT_HLL);
    assert_eq!(err(&mut con, &["PFCOUNT", "h", "s"]), NOT_HLL);
    assert_eq!(err(&mut con, &["PFMERGE", "h", "s"]), NOT_HLL);
    ok(&mut con, &["XADD", "x", "1-1", "f", "v"]);
    assert_eq!(err(&mut con, &["PFADD", "x", "a"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["PFCOUNT", "h", "x"]), WRONGTYPE);
    // Bad magic, unknown encoding, dense of the wrong length, too short.
    for bad in [&b"HYLX\x01"[..], b"HYLL\x02", b"HYLL\x00", b"HYLL"] {
        let mut value = bad.to_vec();
        if value.len() > 4 {
            value.resize(18, 0);
        }
        call(&mut con, &[b"SET", b"bad", &value]).unwrap();
        assert_eq!(err(&mut con, &["PFCOUNT", "bad"]), NOT_HLL);
    }
    // A sparse value one register short is corrupt (a valid cached
    // cardinality is answered without reading the registers, as Redis).
    let mut short = hex("48594c4c0100000000000000000000007ffe");
    call(&mut con, &[b"SET", b"c", &short]).unwrap();
    assert_eq!(int(&mut con, &["PFCOUNT", "c"]), 0);
    assert_eq!(err(&mut con, &["PFCOUNT", "c", "h"]), CORRUPT);
    assert_eq!(err(&mut con, &["PFMERGE", "d", "c"]), CORRUPT);
    assert_eq!(ok(&mut con, &["EXISTS", "d"]), Value::Int(0));
    short[15] = 0x80;
    call(&mut con, &[b"SET", b"c", &short]).unwrap();
    assert_eq!(err(&mut con, &["PFCOUNT", "c"]), CORRUPT);
    assert_eq!(
        err(&mut con, &["PFCOUNT"]),
        "ERR wrong number of arguments for 'pfcount' command"
    );
}

#[test]
fn hyperloglogs_survive_restart_and_rewrite() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    add_elements(&mut con, "dense", 5000);
    add_elements(&mut con, "sparse", 50);
    ok(&mut con, &["PFADD", "sparse", "el:1"]);
    int(&mut con, &["PFCOUNT", "sparse"]);
    ok(&mut con, &["PFMERGE", "merged", "sparse", "dense"]);
    int(&mut con, &["PFCOUNT", "dense"]);
    // The cached cardinality is a change of the value: logged as PFCOUNT.
    let logged: Vec<String> = replay_files(&server.dir)
        .iter()
        .flat_map(|f| read_records(f))
        .map(|r| r.name())
        .collect();
    assert_eq!(logged.iter().filter(|n| *n == "PFCOUNT").count(), 2);
    // PFADD of an element already counted changed nothing: not logged.
    assert_eq!(logged.iter().filter(|n| *n == "PFADD").count(), 5 + 1);
    let keys = ["dense", "sparse", "merged"];
    let before: Vec<Vec<u8>> = keys.iter().map(|k| get(&mut con, k)).collect();
    server.restart();
    let mut con = server.conn();
    assert_eq!(
        keys.iter().map(|k| get(&mut con, k)).collect::<Vec<_>>(),
        before
    );
    bgrewrite_and_wait(&mut con);
    server.restart();
    let mut con = server.conn();
    assert_eq!(
        keys.iter().map(|k| get(&mut con, k)).collect::<Vec<_>>(),
        before
    );
    assert_eq!(int(&mut con, &["PFCOUNT", "sparse"]), 50);
}
