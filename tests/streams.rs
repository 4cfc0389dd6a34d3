//! Streams against the real server: XADD (ids, NOMKSTREAM, MAXLEN/MINID
//! with `=`/`~` and LIMIT), XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XREAD
//! (without BLOCK) and XSETID — reply shapes in RESP2 and RESP3, Redis
//! 7.0's exact errors, approximate trims that remove what Redis removes,
//! and the AOF (generated ids logged explicitly, the last id kept across a
//! restart and a rewrite). Every expected value was checked by hand
//! against a real redis-server 7.0.15.

mod aof_support;
mod common;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use aof_support::{bgrewrite_and_wait, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::{bulk, err, ok, text};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const BAD_ID: &str = "ERR Invalid stream ID specified as stream command argument";
const TOO_SMALL: &str =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";

fn int(con: &mut Connection, args: &[&str]) -> i64 {
    match ok(con, args) {
        Value::Int(n) => n,
        other => panic!("{args:?}: not an integer: {other:?}"),
    }
}

/// One entry as XRANGE replies it.
fn entry(id: &str, fields: &[&str]) -> Value {
    Value::Array(vec![
        bulk(id),
        Value::Array(fields.iter().map(|f| bulk(f)).collect()),
    ])
}

/// The ids of an XRANGE-shaped reply.
fn ids(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|e| match e {
                Value::Array(parts) => text(&parts[0]),
                other => panic!("not an entry: {other:?}"),
            })
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

fn range_ids(con: &mut Connection, key: &str) -> Vec<String> {
    ids(&ok(con, &["XRANGE", key, "-", "+"]))
}

/// A RESP2 connection speaking raw RESP, for exact reply bytes (`*-1`
/// versus `*0`).
struct Raw(BufReader<TcpStream>);

impl Raw {
    fn new(server: &TestServer) -> Raw {
        Raw(BufReader::new(server.raw()))
    }

    /// Sends `args`; returns the reply's first line.
    fn call(&mut self, args: &[&str]) -> String {
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.0.get_mut().write_all(req.as_bytes()).expect("send");
        let mut line = String::new();
        self.0.read_line(&mut line).expect("reply");
        line
    }
}

#[test]
fn xadd_ids_explicit_partial_and_generated() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["XADD", "s", "1-1", "a", "1"]), bulk("1-1"));
    assert_eq!(err(&mut con, &["XADD", "s", "1-1", "a", "1"]), TOO_SMALL);
    assert_eq!(ok(&mut con, &["XADD", "s", "1-*", "a", "1"]), bulk("1-2"));
    assert_eq!(
        ok(&mut con, &["XADD", "s", "2", "a", "1", "b", "2"]),
        bulk("2-0")
    );
    assert_eq!(
        ok(&mut con, &["XADD", "s", "00003-0001", "d", "4"]),
        bulk("3-1")
    );
    assert_eq!(err(&mut con, &["XADD", "s", "3", "a", "1"]), TOO_SMALL);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let generated = text(&ok(&mut con, &["XADD", "s", "*", "f", "v"]));
    let (ms, seq) = generated.split_once('-').unwrap();
    assert!(ms.parse::<u64>().unwrap() >= before);
    assert_eq!(seq, "0");
    assert_eq!(int(&mut con, &["XLEN", "s"]), 5);
    // The last id is kept when entries are deleted.
    assert_eq!(int(&mut con, &["XDEL", "s", &generated]), 1);
    assert_eq!(
        err(&mut con, &["XADD", "s", &generated, "a", "1"]),
        TOO_SMALL
    );
    let next = text(&ok(&mut con, &["XADD", "s", &format!("{ms}-*"), "a", "1"]));
    assert_eq!(next, format!("{ms}-1"));
    // The largest id exhausts the stream.
    let max = "18446744073709551615-18446744073709551615";
    assert_eq!(ok(&mut con, &["XADD", "m", max, "a", "1"]), bulk(max));
    for id in ["*", "18446744073709551615-*"] {
        assert_eq!(
            err(&mut con, &["XADD", "m", id, "a", "1"]),
            "ERR The stream has exhausted the last possible ID, unable to add more items"
        );
    }
    // NOMKSTREAM on a missing key: null, nothing created.
    assert_eq!(
        ok(&mut con, &["XADD", "none", "NOMKSTREAM", "1-1", "a", "1"]),
        Value::Nil
    );
    assert_eq!(int(&mut con, &["EXISTS", "none"]), 0);
    ok(&mut con, &["XADD", "t", "1-1", "a", "1"]);
    assert_eq!(
        ok(&mut con, &["XADD", "t", "NOMKSTREAM", "9-9", "a", "1"]),
        bulk("9-9")
    );
}

#[test]
fn xadd_errors_match_redis() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let cases: &[(&[&str], &str)] = &[
        (
            &["0-0", "a", "1"],
            "ERR The ID specified in XADD must be greater than 0-0",
        ),
        (
            &["0", "a", "1"],
            "ERR The ID specified in XADD must be greater than 0-0",
        ),
        (
            &["5", "a"],
            "ERR wrong number of arguments for 'xadd' command",
        ),
        (
            &["5", "a", "1", "b"],
            "ERR wrong number of arguments for 'xadd' command",
        ),
        (
            &["MAXLEN", "1"],
            "ERR wrong number of arguments for 'xadd' command",
        ),
        (
            &["MAXLEN", "-1", "5", "a", "1"],
            "ERR The MAXLEN argument must be >= 0.",
        ),
        (
            &["MAXLEN", "x", "5", "a", "1"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["LIMIT", "-1", "MAXLEN", "1", "5", "a", "1"],
            "ERR The LIMIT argument must be >= 0.",
        ),
        (
            &["LIMIT", "0", "*", "a", "1"],
            "ERR syntax error, LIMIT cannot be used without the special ~ option",
        ),
        (
            &["LIMIT", "5", "1-1", "a", "1"],
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ),
        (
            &["MAXLEN", "=", "5", "LIMIT", "10", "7", "a", "1"],
            "ERR syntax error, LIMIT cannot be used without the special ~ option",
        ),
        (
            &["MINID", "5", "MAXLEN", "3", "8", "a", "1"],
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
        ),
        (&["MAXLEN", "2", "foo", "a", "1"], BAD_ID),
        (&["-", "a", "1"], BAD_ID),
        (&["5-", "a", "1"], BAD_ID),
        (&["-1", "a", "1"], BAD_ID),
    ];
    for (args, expected) in cases {
        let mut full = vec!["XADD", "s"];
        full.extend_from_slice(args);
        assert_eq!(&err(&mut con, &full), expected, "{full:?}");
    }
    assert_eq!(int(&mut con, &["EXISTS", "s"]), 0);
    ok(&mut con, &["SET", "str", "x"]);
    assert_eq!(err(&mut con, &["XADD", "str", "1", "a", "1"]), WRONGTYPE);
    for c in [
        &["XLEN", "str"][..],
        &["XRANGE", "str", "-", "+"],
        &["XDEL", "str", "1"],
    ] {
        assert_eq!(err(&mut con, c), WRONGTYPE);
    }
    assert_eq!(err(&mut con, &["XTRIM", "str", "MAXLEN", "1"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["XREAD", "STREAMS", "str", "0"]), WRONGTYPE);
}

#[test]
fn xrange_and_xrevrange() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for (id, v) in [("1-1", "a"), ("1-2", "b"), ("2-0", "c"), ("3-1", "d")] {
        ok(&mut con, &["XADD", "s", id, "f", v]);
    }
    assert_eq!(
        ok(&mut con, &["XRANGE", "s", "-", "+", "COUNT", "2"]),
        Value::Array(vec![entry("1-1", &["f", "a"]), entry("1-2", &["f", "b"])])
    );
    assert_eq!(range_ids(&mut con, "s"), ["1-1", "1-2", "2-0", "3-1"]);
    let r = |con: &mut Connection, args: &[&str]| ids(&ok(con, args));
    assert_eq!(r(&mut con, &["XRANGE", "s", "(1-1", "(2-0"]), ["1-2"]);
    assert_eq!(r(&mut con, &["XRANGE", "s", "(1-1", "2"]), ["1-2", "2-0"]);
    assert_eq!(r(&mut con, &["XRANGE", "s", "1", "1"]), ["1-1", "1-2"]);
    assert_eq!(r(&mut con, &["XRANGE", "s", " 1", "+1"]), ["1-1", "1-2"]);
    assert!(r(&mut con, &["XRANGE", "s", "2", "1"]).is_empty());
    assert_eq!(
        r(
            &mut con,
            &["XRANGE", "s", "-", "+", "COUNT", "2", "COUNT", "1"]
        ),
        ["1-1"]
    );
    assert_eq!(
        r(&mut con, &["XREVRANGE", "s", "+", "-", "COUNT", "2"]),
        ["3-1", "2-0"]
    );
    // An exclusive end without a sequence excludes `3-<largest>` only.
    assert_eq!(
        r(&mut con, &["XREVRANGE", "s", "(3", "(1-1"]),
        ["3-1", "2-0", "1-2"]
    );
    assert_eq!(
        r(&mut con, &["XREVRANGE", "s", "(3-1", "(1-1"]),
        ["2-0", "1-2"]
    );
    assert!(r(&mut con, &["XREVRANGE", "s", "-", "+"]).is_empty());
    assert!(r(&mut con, &["XRANGE", "missing", "-", "+"]).is_empty());
    assert_eq!(err(&mut con, &["XRANGE", "s", "(-", "+"]), BAD_ID);
    assert_eq!(err(&mut con, &["XRANGE", "s", "a", "+"]), BAD_ID);
    assert_eq!(
        err(
            &mut con,
            &[
                "XRANGE",
                "s",
                "(18446744073709551615-18446744073709551615",
                "+"
            ]
        ),
        "ERR invalid start ID for the interval"
    );
    assert_eq!(
        err(&mut con, &["XRANGE", "s", "-", "(0-0"]),
        "ERR invalid end ID for the interval"
    );
    assert_eq!(
        err(&mut con, &["XRANGE", "s", "-", "+", "COUNT"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["XRANGE", "s", "-", "+", "FOO", "1"]),
        "ERR syntax error"
    );
    // COUNT 0 (or negative) is a null array on a stream, [] on a missing key.
    let mut raw = Raw::new(&server);
    assert_eq!(
        raw.call(&["XRANGE", "s", "-", "+", "COUNT", "0"]),
        "*-1\r\n"
    );
    assert_eq!(
        raw.call(&["XREVRANGE", "s", "+", "-", "COUNT", "-5"]),
        "*-1\r\n"
    );
    assert_eq!(
        raw.call(&["XRANGE", "missing", "-", "+", "COUNT", "0"]),
        "*0\r\n"
    );
    let mut con3 = server.conn_resp3();
    assert_eq!(
        ok(&mut con3, &["XRANGE", "s", "-", "+", "COUNT", "0"]),
        Value::Nil
    );
}

#[test]
fn xdel_deletes_by_id() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for id in ["1-1", "1-2", "2-0"] {
        ok(&mut con, &["XADD", "s", id, "f", "v"]);
    }
    assert_eq!(int(&mut con, &["XDEL", "s", "1-2", "1-2", "9-9", "2"]), 2);
    assert_eq!(range_ids(&mut con, "s"), ["1-1"]);
    // Nothing is deleted when an id is invalid.
    assert_eq!(err(&mut con, &["XDEL", "s", "1-1", "foo"]), BAD_ID);
    assert_eq!(err(&mut con, &["XDEL", "s", "-"]), BAD_ID);
    assert_eq!(int(&mut con, &["XLEN", "s"]), 1);
    // A missing key answers 0 before the ids are read.
    assert_eq!(int(&mut con, &["XDEL", "missing", "foo"]), 0);
    // An emptied stream stays.
    assert_eq!(int(&mut con, &["XDEL", "s", "1-1"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "s"]), 1);
    assert_eq!(int(&mut con, &["XLEN", "s"]), 0);
    assert_eq!(text(&ok(&mut con, &["TYPE", "s"])), "stream");
    assert_eq!(text(&ok(&mut con, &["OBJECT", "ENCODING", "s"])), "stream");
}

/// `XADD key <i>-0 f v<i>` for i in 1..=n, with `value` when given.
fn fill(con: &mut Connection, key: &str, n: usize, value: Option<&str>) {
    let mut pipe = redis::pipe();
    for i in 1..=n {
        let v = value.map_or_else(|| format!("v{i}"), str::to_string);
        pipe.cmd("XADD")
            .arg(key)
            .arg(format!("{i}-0"))
            .arg("f")
            .arg(v)
            .ignore();
    }
    pipe.query::<()>(con).unwrap();
}

#[test]
fn trims_exact_and_approximate() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // Small entries: storage nodes of 100 entries.
    fill(&mut con, "s", 1000, None);
    assert_eq!(int(&mut con, &["XTRIM", "s", "MAXLEN", "~", "550"]), 400);
    assert_eq!(int(&mut con, &["XLEN", "s"]), 600);
    assert_eq!(int(&mut con, &["XTRIM", "s", "MAXLEN", "~", "550"]), 0);
    assert_eq!(
        int(
            &mut con,
            &["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "250"]
        ),
        200
    );
    assert_eq!(int(&mut con, &["XLEN", "s"]), 400);
    assert_eq!(
        ok(
            &mut con,
            &["XADD", "s", "MAXLEN", "~", "10", "2000-0", "f", "v"]
        ),
        bulk("2000-0")
    );
    assert_eq!(int(&mut con, &["XLEN", "s"]), 101);
    assert_eq!(range_ids(&mut con, "s")[0], "901-0");
    assert_eq!(int(&mut con, &["XTRIM", "s", "MINID", "~", "1950"]), 100);
    assert_eq!(int(&mut con, &["XTRIM", "s", "MINID", "1950"]), 0);
    assert_eq!(range_ids(&mut con, "s"), ["2000-0"]);
    // 100-byte values: nodes end at 4096 bytes, after 36 entries.
    fill(&mut con, "b", 200, Some(&"x".repeat(100)));
    assert_eq!(int(&mut con, &["XTRIM", "b", "MAXLEN", "~", "150"]), 36);
    assert_eq!(int(&mut con, &["XTRIM", "b", "MAXLEN", "~", "1"]), 144);
    assert_eq!(range_ids(&mut con, "b")[0], "181-0");
    // Exact trims.
    assert_eq!(int(&mut con, &["XTRIM", "b", "MAXLEN", "=", "5"]), 15);
    assert_eq!(
        range_ids(&mut con, "b"),
        ["196-0", "197-0", "198-0", "199-0", "200-0"]
    );
    assert_eq!(int(&mut con, &["XTRIM", "b", "MINID", "199"]), 3);
    assert_eq!(
        ok(&mut con, &["XADD", "b", "MAXLEN", "1", "300-0", "f", "v"]),
        bulk("300-0")
    );
    assert_eq!(range_ids(&mut con, "b"), ["300-0"]);
    assert_eq!(int(&mut con, &["XTRIM", "b", "MAXLEN", "0"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "b"]), 1);
    assert_eq!(int(&mut con, &["XTRIM", "missing", "MAXLEN", "0"]), 0);
    let syntax = |detail: &str| format!("ERR syntax error, {detail}");
    assert_eq!(
        err(&mut con, &["XTRIM", "s", "LIMIT", "2"]),
        syntax("LIMIT cannot be used without specifying a trimming strategy")
    );
    assert_eq!(
        err(&mut con, &["XTRIM", "s", "LIMIT", "0"]),
        syntax("XTRIM must be called with a trimming strategy")
    );
    assert_eq!(
        err(&mut con, &["XTRIM", "s", "MAXLEN", "1", "LIMIT", "2"]),
        syntax("LIMIT cannot be used without the special ~ option")
    );
    assert_eq!(
        err(&mut con, &["XTRIM", "s", "MAXLEN", "1", "MINID", "2"]),
        syntax("MAXLEN and MINID options at the same time are not compatible")
    );
    assert_eq!(
        err(&mut con, &["XTRIM", "s", "NOMKSTREAM", "MAXLEN", "1"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["XTRIM", "s", "MAXLEN", "1", "2"]),
        "ERR syntax error"
    );
    assert_eq!(err(&mut con, &["XTRIM", "s", "MINID", "-"]), BAD_ID);
}

#[test]
fn xread_reads_after_ids() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for id in ["1-1", "2-2", "3-3"] {
        ok(&mut con, &["XADD", "a", id, "f", id]);
    }
    ok(&mut con, &["XADD", "b", "5-0", "g", "h"]);
    let reply = ok(
        &mut con,
        &[
            "XREAD", "COUNT", "2", "STREAMS", "a", "missing", "b", "1-1", "0", "0",
        ],
    );
    assert_eq!(
        reply,
        Value::Array(vec![
            Value::Array(vec![
                bulk("a"),
                Value::Array(vec![
                    entry("2-2", &["f", "2-2"]),
                    entry("3-3", &["f", "3-3"])
                ]),
            ]),
            Value::Array(vec![
                bulk("b"),
                Value::Array(vec![entry("5-0", &["g", "h"])])
            ]),
        ])
    );
    // `$` is the last id: nothing newer.
    assert_eq!(ok(&mut con, &["XREAD", "STREAMS", "a", "$"]), Value::Nil);
    assert_eq!(ok(&mut con, &["XREAD", "STREAMS", "a", "3-3"]), Value::Nil);
    assert_eq!(
        ok(&mut con, &["XREAD", "BLOCK", "10", "STREAMS", "a", "3-3"]),
        Value::Nil
    );
    let mut raw = Raw::new(&server);
    assert_eq!(raw.call(&["XREAD", "STREAMS", "missing", "0"]), "*-1\r\n");
    // RESP3: a map of stream to entries.
    let mut con3 = server.conn_resp3();
    assert_eq!(
        ok(
            &mut con3,
            &["XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"]
        ),
        Value::Map(vec![
            (bulk("a"), Value::Array(vec![entry("1-1", &["f", "1-1"])])),
            (bulk("b"), Value::Array(vec![entry("5-0", &["g", "h"])])),
        ])
    );
    let errors: &[(&[&str], &str)] = &[
        (
            &["XREAD", "STREAMS", "a"],
            "ERR wrong number of arguments for 'xread' command",
        ),
        (
            &["XREAD", "COUNT", "1", "STREAMS", "a", "b", "0"],
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
        ),
        (&["XREAD", "FOO", "STREAMS", "a", "0"], "ERR syntax error"),
        (
            &["XREAD", "COUNT", "x", "STREAMS", "a", "0"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["XREAD", "BLOCK", "x", "STREAMS", "a", "0"],
            "ERR timeout is not an integer or out of range",
        ),
        (
            &["XREAD", "BLOCK", "-1", "STREAMS", "a", "0"],
            "ERR timeout is negative",
        ),
        (
            &["XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"],
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
        ),
        (
            &["XREAD", "STREAMS", "a", ">"],
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
        ),
        (&["XREAD", "STREAMS", "a", "-"], BAD_ID),
    ];
    for (args, expected) in errors {
        assert_eq!(&err(&mut con, args), expected, "{args:?}");
    }
}

#[test]
fn xsetid_sets_the_last_id() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["XADD", "s", "5", "a", "b"]);
    assert_eq!(ok(&mut con, &["XSETID", "s", "10"]), Value::Okay);
    assert_eq!(err(&mut con, &["XADD", "s", "10", "a", "b"]), TOO_SMALL);
    assert_eq!(ok(&mut con, &["XADD", "s", "10-*", "a", "b"]), bulk("10-1"));
    assert_eq!(
        err(&mut con, &["XSETID", "s", "5"]),
        "ERR The ID specified in XSETID is smaller than the target stream top item"
    );
    assert_eq!(
        err(&mut con, &["XSETID", "s", "20", "ENTRIESADDED", "1"]),
        "ERR The entries_added specified in XSETID is smaller than the target stream length"
    );
    assert_eq!(
        err(&mut con, &["XSETID", "s", "20", "MAXDELETEDID", "30"]),
        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
    );
    assert_eq!(
        err(&mut con, &["XSETID", "s", "20", "ENTRIESADDED", "-1"]),
        "ERR entries_added must be positive"
    );
    assert_eq!(
        err(&mut con, &["XSETID", "s", "20", "FOO"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["XSETID", "missing", "5"]),
        "ERR no such key"
    );
    assert_eq!(err(&mut con, &["XSETID", "s", "-"]), BAD_ID);
    // An empty stream takes any id.
    ok(&mut con, &["XTRIM", "s", "MAXLEN", "0"]);
    assert_eq!(ok(&mut con, &["XSETID", "s", "1"]), Value::Okay);
    assert_eq!(ok(&mut con, &["XADD", "s", "1-*", "a", "b"]), bulk("1-1"));
}

/// The argv of every AOF record, as text, in order.
fn records(server: &TestServer) -> Vec<Vec<String>> {
    replay_files(&server.dir)
        .iter()
        .flat_map(|f| read_records(f))
        .map(|r| (0..r.argv.len()).map(|i| r.arg(i)).collect())
        .collect()
}

#[test]
fn streams_survive_restart_and_rewrite() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    let generated = text(&ok(&mut con, &["XADD", "s", "*", "f", "v"]));
    fill(&mut con, "big", 300, None);
    ok(
        &mut con,
        &[
            "XADD", "big", "MAXLEN", "~", "150", "LIMIT", "100", "400-*", "f", "v",
        ],
    );
    ok(&mut con, &["XTRIM", "big", "MINID", "~", "250"]);
    ok(&mut con, &["XADD", "gone", "7-7", "f", "v"]);
    ok(&mut con, &["XDEL", "gone", "7-7"]);
    ok(&mut con, &["XADD", "kept", "1-1", "f", "v"]);
    ok(&mut con, &["XADD", "kept", "2-1", "f", "v"]);
    ok(&mut con, &["XDEL", "kept", "2-1"]);
    let logged = records(&server);
    assert!(logged.contains(&vec![
        "XADD".into(),
        "s".into(),
        generated.clone(),
        "f".into(),
        "v".into()
    ]));
    assert!(
        !logged
            .iter()
            .any(|r| r[0] == "XADD" && r.contains(&"*".to_string()))
    );
    let approx: Vec<&Vec<String>> = logged
        .iter()
        .filter(|r| r.contains(&"400-0".to_string()))
        .collect();
    assert_eq!(approx[0][2..5], ["MAXLEN", "=", "201"]);
    assert!(
        logged
            .iter()
            .any(|r| r.len() == 5 && r[..] == ["XTRIM", "big", "MINID", "=", "201-0"])
    );
    let check = |con: &mut Connection| {
        assert_eq!(range_ids(con, "s"), std::slice::from_ref(&generated));
        let big = range_ids(con, "big");
        assert_eq!((big.len(), big[0].as_str()), (101, "201-0"));
        assert_eq!(int(con, &["XLEN", "gone"]), 0);
        assert_eq!(err(con, &["XADD", "gone", "7-7", "f", "v"]), TOO_SMALL);
        assert_eq!(err(con, &["XADD", "kept", "2-1", "f", "v"]), TOO_SMALL);
        assert_eq!(range_ids(con, "kept"), ["1-1"]);
    };
    check(&mut con);
    server.restart();
    let mut con = server.conn();
    check(&mut con);
    bgrewrite_and_wait(&mut con);
    server.restart();
    let mut con = server.conn();
    check(&mut con);
    assert_eq!(
        ok(&mut con, &["XADD", "gone", "7-*", "f", "v"]),
        bulk("7-8")
    );
}
