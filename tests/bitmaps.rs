//! Bitmaps against the real server: SETBIT, GETBIT, BITCOUNT, BITPOS,
//! BITOP, BITFIELD and BITFIELD_RO — normal paths, BYTE/BIT ranges, string
//! growth and its limit, overflow handling, exact Redis 7.0 error texts,
//! RESP3 shapes, and the AOF. Every expected value was checked by hand
//! against a real redis-server 7.0.15.

mod aof_support;
mod common;
mod support;

use aof_support::{bgrewrite_and_wait, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::{bulk, call, cmd, err, ok};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";
const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BAD_TYPE: &str = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

fn int(con: &mut Connection, args: &[&str]) -> i64 {
    match ok(con, args) {
        Value::Int(n) => n,
        other => panic!("{args:?}: not an integer: {other:?}"),
    }
}

fn get(con: &mut Connection, key: &str) -> Vec<u8> {
    cmd(&["GET", key]).query(con).unwrap()
}

fn set_bytes(con: &mut Connection, key: &str, value: &[u8]) {
    call(con, &[b"SET", key.as_bytes(), value]).unwrap();
}

fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|&n| Value::Int(n)).collect())
}

#[test]
fn setbit_and_getbit_grow_the_string() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(int(&mut con, &["SETBIT", "b", "7", "1"]), 0);
    assert_eq!(int(&mut con, &["GETBIT", "b", "7"]), 1);
    assert_eq!(get(&mut con, "b"), vec![0x01]);
    assert_eq!(int(&mut con, &["SETBIT", "b", "7", "1"]), 1);
    assert_eq!(int(&mut con, &["SETBIT", "b", "0", "1"]), 0);
    assert_eq!(get(&mut con, "b"), vec![0x81]);
    assert_eq!(int(&mut con, &["SETBIT", "b", "100", "1"]), 0);
    assert_eq!(int(&mut con, &["STRLEN", "b"]), 13);
    assert_eq!(int(&mut con, &["GETBIT", "b", "100"]), 1);
    assert_eq!(int(&mut con, &["GETBIT", "b", "99"]), 0);
    assert_eq!(int(&mut con, &["GETBIT", "b", "5000"]), 0);
    assert_eq!(int(&mut con, &["GETBIT", "missing", "5"]), 0);
    // Clearing a bit past the end still grows the string, as Redis.
    assert_eq!(int(&mut con, &["SETBIT", "c", "15", "0"]), 0);
    assert_eq!(get(&mut con, "c"), vec![0, 0]);
    // The TTL survives.
    ok(&mut con, &["SET", "t", "a"]);
    ok(&mut con, &["EXPIRE", "t", "100"]);
    assert_eq!(int(&mut con, &["SETBIT", "t", "3", "1"]), 0);
    assert_eq!(get(&mut con, "t"), b"q".to_vec());
    assert!(int(&mut con, &["TTL", "t"]) > 0);
}

#[test]
fn bit_offsets_and_values_are_checked() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for bad in ["-1", "x", "4294967296", "1.5"] {
        assert_eq!(err(&mut con, &["SETBIT", "b", bad, "1"]), BAD_OFFSET);
        assert_eq!(err(&mut con, &["GETBIT", "b", bad]), BAD_OFFSET);
    }
    for bad in ["2", "-1", "x"] {
        assert_eq!(
            err(&mut con, &["SETBIT", "b", "1", bad]),
            "ERR bit is not an integer or out of range"
        );
    }
    assert_eq!(ok(&mut con, &["EXISTS", "b"]), Value::Int(0));
    // The largest offset is below proto-max-bulk-len bytes.
    ok(
        &mut con,
        &["CONFIG", "SET", "proto-max-bulk-len", "1048576"],
    );
    assert_eq!(
        err(&mut con, &["SETBIT", "big", "8388608", "1"]),
        BAD_OFFSET
    );
    assert_eq!(int(&mut con, &["SETBIT", "big", "8388607", "1"]), 0);
    assert_eq!(int(&mut con, &["STRLEN", "big"]), 1_048_576);
    ok(&mut con, &["XADD", "stream", "1-1", "f", "v"]);
    assert_eq!(err(&mut con, &["SETBIT", "stream", "1", "1"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["GETBIT", "stream", "1"]), WRONGTYPE);
    assert_eq!(
        err(&mut con, &["SETBIT", "b", "1"]),
        "ERR wrong number of arguments for 'setbit' command"
    );
}

#[test]
fn bitcount_with_byte_and_bit_ranges() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "s", "foobar"]);
    let count = |con: &mut Connection, range: &[&str]| {
        let mut args = vec!["BITCOUNT", "s"];
        args.extend_from_slice(range);
        int(con, &args)
    };
    assert_eq!(count(&mut con, &[]), 26);
    assert_eq!(count(&mut con, &["0", "0"]), 4);
    assert_eq!(count(&mut con, &["1", "1"]), 6);
    assert_eq!(count(&mut con, &["1", "1", "BYTE"]), 6);
    assert_eq!(count(&mut con, &["5", "30", "BIT"]), 17);
    assert_eq!(count(&mut con, &["-1", "-1"]), 4);
    assert_eq!(count(&mut con, &["-1", "-5"]), 0);
    assert_eq!(count(&mut con, &["-5", "-1", "bit"]), 2);
    assert_eq!(count(&mut con, &["1", "-100"]), 0);
    assert_eq!(count(&mut con, &["0", "-1", "BIT"]), 26);
    assert_eq!(count(&mut con, &["100", "200"]), 0);
    // Both negative and reversed answers 0 before the unit is read.
    assert_eq!(count(&mut con, &["-1", "-5", "foo"]), 0);
    assert_eq!(err(&mut con, &["BITCOUNT", "s", "0"]), SYNTAX);
    assert_eq!(err(&mut con, &["BITCOUNT", "s", "0", "1", "foo"]), SYNTAX);
    assert_eq!(
        err(&mut con, &["BITCOUNT", "s", "0", "1", "bit", "x"]),
        SYNTAX
    );
    assert_eq!(err(&mut con, &["BITCOUNT", "s", "a", "1"]), NOT_INT);
    // A missing key answers 0 before its arguments are read.
    assert_eq!(int(&mut con, &["BITCOUNT", "missing", "a"]), 0);
    ok(&mut con, &["SET", "empty", ""]);
    assert_eq!(int(&mut con, &["BITCOUNT", "empty", "0", "-1"]), 0);
    ok(&mut con, &["XADD", "stream", "1-1", "f", "v"]);
    assert_eq!(err(&mut con, &["BITCOUNT", "stream"]), WRONGTYPE);
}

#[test]
fn bitpos_finds_set_and_clear_bits() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    set_bytes(&mut con, "z", &[0xff, 0xf0]);
    let pos = |con: &mut Connection, args: &[&str]| {
        let mut full = vec!["BITPOS", "z"];
        full.extend_from_slice(args);
        int(con, &full)
    };
    assert_eq!(pos(&mut con, &["0"]), 12);
    assert_eq!(pos(&mut con, &["1"]), 0);
    assert_eq!(pos(&mut con, &["0", "0"]), 12);
    assert_eq!(pos(&mut con, &["0", "2"]), -1);
    assert_eq!(pos(&mut con, &["0", "0", "0"]), -1);
    assert_eq!(pos(&mut con, &["1", "1", "-1"]), 8);
    assert_eq!(pos(&mut con, &["0", "0", "-1"]), 12);
    assert_eq!(pos(&mut con, &["0", "3", "8", "BIT"]), -1);
    assert_eq!(pos(&mut con, &["0", "0", "11", "bit"]), -1);
    assert_eq!(pos(&mut con, &["0", "0", "12", "BIT"]), 12);
    assert_eq!(pos(&mut con, &["1", "12", "23", "BIT"]), -1);
    assert_eq!(pos(&mut con, &["1", "5", "3"]), -1);
    // Without an end, the bit after an all-ones string counts as clear.
    set_bytes(&mut con, "ones", &[0xff, 0xff]);
    assert_eq!(int(&mut con, &["BITPOS", "ones", "0"]), 16);
    assert_eq!(int(&mut con, &["BITPOS", "ones", "0", "1"]), 16);
    assert_eq!(int(&mut con, &["BITPOS", "ones", "0", "0", "-1"]), -1);
    // A missing key is all zeros.
    assert_eq!(int(&mut con, &["BITPOS", "missing", "0"]), 0);
    assert_eq!(int(&mut con, &["BITPOS", "missing", "1"]), -1);
    assert_eq!(int(&mut con, &["BITPOS", "missing", "0", "a", "b"]), 0);
    ok(&mut con, &["SET", "empty", ""]);
    assert_eq!(int(&mut con, &["BITPOS", "empty", "0"]), -1);
    assert_eq!(
        err(&mut con, &["BITPOS", "z", "2"]),
        "ERR The bit argument must be 1 or 0."
    );
    assert_eq!(err(&mut con, &["BITPOS", "z", "x"]), NOT_INT);
    assert_eq!(err(&mut con, &["BITPOS", "z", "1", "a", "1", "x"]), NOT_INT);
    // The unit is read before the end, as Redis.
    assert_eq!(err(&mut con, &["BITPOS", "z", "1", "0", "b", "x"]), SYNTAX);
    assert_eq!(
        err(&mut con, &["BITPOS", "z", "1", "0", "1", "2", "3"]),
        SYNTAX
    );
}

#[test]
fn bitop_combines_sources() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    set_bytes(&mut con, "a", &[0x0f, 0xf0]);
    set_bytes(&mut con, "c", &[0xff]);
    assert_eq!(int(&mut con, &["BITOP", "AND", "d", "a", "c"]), 2);
    assert_eq!(get(&mut con, "d"), vec![0x0f, 0x00]);
    assert_eq!(int(&mut con, &["BITOP", "or", "d", "a", "c", "missing"]), 2);
    assert_eq!(get(&mut con, "d"), vec![0xff, 0xf0]);
    assert_eq!(int(&mut con, &["BITOP", "XOR", "d", "a", "c"]), 2);
    assert_eq!(get(&mut con, "d"), vec![0xf0, 0xf0]);
    assert_eq!(int(&mut con, &["BITOP", "NOT", "d", "a"]), 2);
    assert_eq!(get(&mut con, "d"), vec![0xf0, 0x0f]);
    // An empty result deletes the destination, whatever it held.
    ok(&mut con, &["XADD", "stream", "1-1", "f", "v"]);
    assert_eq!(int(&mut con, &["BITOP", "AND", "stream", "missing"]), 0);
    assert_eq!(ok(&mut con, &["EXISTS", "stream"]), Value::Int(0));
    // The destination's TTL goes.
    ok(&mut con, &["SET", "t", "x", "EX", "100"]);
    int(&mut con, &["BITOP", "OR", "t", "a"]);
    assert_eq!(int(&mut con, &["TTL", "t"]), -1);
    assert_eq!(
        err(&mut con, &["BITOP", "NOT", "d", "a", "c"]),
        "ERR BITOP NOT must be called with a single source key."
    );
    assert_eq!(err(&mut con, &["BITOP", "NAND", "d", "a"]), SYNTAX);
    ok(&mut con, &["XADD", "stream", "1-1", "f", "v"]);
    assert_eq!(err(&mut con, &["BITOP", "OR", "d", "stream"]), WRONGTYPE);
}

#[test]
fn bitfield_reads_writes_and_overflows() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        ok(
            &mut con,
            &[
                "BITFIELD", "bf", "SET", "i8", "#1", "-5", "GET", "i8", "#1", "GET", "u4", "8",
                "INCRBY", "i5", "100", "7"
            ]
        ),
        ints(&[0, -5, 15, 7])
    );
    assert_eq!(
        ok(
            &mut con,
            &[
                "BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "i8", "0", "200", "OVERFLOW", "FAIL",
                "SET", "i8", "8", "-200", "GET", "i8", "0"
            ]
        ),
        Value::Array(vec![Value::Int(0), Value::Nil, Value::Int(127)])
    );
    assert_eq!(
        ok(
            &mut con,
            &[
                "BITFIELD", "u", "SET", "u8", "0", "255", "OVERFLOW", "FAIL", "INCRBY", "u8", "0",
                "1", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "1", "OVERFLOW", "SAT", "INCRBY",
                "u8", "0", "-5", "INCRBY", "u8", "0", "-300"
            ]
        ),
        Value::Array(vec![
            Value::Int(0),
            Value::Nil,
            Value::Int(0),
            Value::Int(0),
            Value::Int(0)
        ])
    );
    assert_eq!(
        ok(
            &mut con,
            &[
                "BITFIELD", "w", "SET", "i64", "0", "-1", "GET", "i64", "0", "GET", "u63", "0",
                "INCRBY", "i64", "0", "1"
            ]
        ),
        ints(&[0, -1, i64::MAX, 0])
    );
    assert_eq!(
        ok(
            &mut con,
            &[
                "BITFIELD",
                "w",
                "OVERFLOW",
                "SAT",
                "INCRBY",
                "i64",
                "0",
                "9223372036854775807",
                "INCRBY",
                "i64",
                "0",
                "9223372036854775807"
            ]
        ),
        ints(&[i64::MAX, i64::MAX])
    );
    // Writes grow the string to the farthest bit written.
    ok(&mut con, &["BITFIELD", "g", "INCRBY", "u2", "#1000", "1"]);
    assert_eq!(int(&mut con, &["STRLEN", "g"]), 251);
    // Reads of a missing key are zeros and create nothing.
    assert_eq!(
        ok(
            &mut con,
            &["BITFIELD", "none", "GET", "u8", "0", "GET", "i32", "100"]
        ),
        ints(&[0, 0])
    );
    assert_eq!(ok(&mut con, &["EXISTS", "none"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["BITFIELD", "bf"]), Value::Array(vec![]));
    assert_eq!(
        ok(
            &mut con,
            &["BITFIELD_RO", "bf", "GET", "u8", "0", "GET", "i4", "4"]
        ),
        ints(&[127, -1])
    );
    for bad in ["I8", "u64", "i65", "i0", "x8"] {
        assert_eq!(
            err(&mut con, &["BITFIELD", "bf", "GET", bad, "0"]),
            BAD_TYPE
        );
    }
    for bad in ["-1", "#-1", "#", "#a"] {
        assert_eq!(
            err(&mut con, &["BITFIELD", "bf", "GET", "i8", bad]),
            BAD_OFFSET
        );
    }
    assert_eq!(
        err(&mut con, &["BITFIELD", "bf", "SET", "i8", "0", "x"]),
        NOT_INT
    );
    assert_eq!(err(&mut con, &["BITFIELD", "bf", "SET", "i8", "0"]), SYNTAX);
    assert_eq!(err(&mut con, &["BITFIELD", "bf", "OVERFLOW"]), SYNTAX);
    assert_eq!(
        err(&mut con, &["BITFIELD", "bf", "OVERFLOW", "foo"]),
        "ERR Invalid OVERFLOW type specified"
    );
    assert_eq!(
        err(
            &mut con,
            &["BITFIELD_RO", "bf", "GET", "u8", "0", "SET", "u8", "0", "1"]
        ),
        "ERR BITFIELD_RO only supports the GET subcommand"
    );
    ok(&mut con, &["XADD", "stream", "1-1", "f", "v"]);
    assert_eq!(
        err(&mut con, &["BITFIELD", "stream", "GET", "u8", "0"]),
        WRONGTYPE
    );
    assert_eq!(
        err(&mut con, &["BITFIELD", "stream", "SET", "u8", "0", "1"]),
        WRONGTYPE
    );
}

#[test]
fn bitfield_fail_is_a_resp3_null() {
    let server = TestServer::start(&[]);
    let mut con = server.conn_resp3();
    assert_eq!(
        ok(
            &mut con,
            &[
                "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9", "GET", "u2", "0"
            ]
        ),
        Value::Array(vec![Value::Nil, Value::Int(0)])
    );
    // The key is created all the same (Redis grows it before running).
    assert_eq!(get(&mut con, "k"), vec![0]);
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
fn bitmaps_survive_restart_and_rewrite() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    int(&mut con, &["SETBIT", "b", "100", "1"]);
    // Changes nothing: not logged.
    int(&mut con, &["SETBIT", "b", "100", "1"]);
    int(&mut con, &["SETBIT", "b", "3", "1"]);
    ok(
        &mut con,
        &[
            "BITFIELD", "f", "SET", "i16", "#3", "-1234", "INCRBY", "u5", "0", "7",
        ],
    );
    set_bytes(&mut con, "x", &[0x0f]);
    int(&mut con, &["BITOP", "XOR", "d", "b", "x"]);
    // Deletes nothing: not logged.
    int(&mut con, &["BITOP", "AND", "nothing", "missing"]);
    let setbits = records(&server)
        .iter()
        .filter(|r| r[0].eq_ignore_ascii_case("setbit"))
        .count();
    assert_eq!(setbits, 2);
    assert!(
        !records(&server)
            .iter()
            .any(|r| r.contains(&"nothing".to_string()))
    );
    let keys = ["b", "f", "x", "d"];
    let before: Vec<Vec<u8>> = keys.iter().map(|k| get(&mut con, k)).collect();
    server.restart();
    let mut con = server.conn();
    let after: Vec<Vec<u8>> = keys.iter().map(|k| get(&mut con, k)).collect();
    assert_eq!(after, before);
    bgrewrite_and_wait(&mut con);
    server.restart();
    let mut con = server.conn();
    let after: Vec<Vec<u8>> = keys.iter().map(|k| get(&mut con, k)).collect();
    assert_eq!(after, before);
    assert_eq!(
        ok(
            &mut con,
            &["BITFIELD_RO", "f", "GET", "i16", "#3", "GET", "u5", "0"]
        ),
        ints(&[-1234, 7])
    );
    assert_eq!(ok(&mut con, &["GET", "nothing"]), Value::Nil);
    assert_eq!(ok(&mut con, &["GETBIT", "b", "100"]), Value::Int(1));
    assert_eq!(ok(&mut con, &["GET", "x"]), bulk("\x0f"));
}
