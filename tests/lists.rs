//! The lists family against the real server: every non-blocking command's
//! normal path, its options and edge cases, its exact Redis 7.0 error
//! texts and reply shapes in RESP2 and RESP3 (all checked by hand against a
//! real redis-server 7.0.15), and the AOF: what each write logs, and a
//! restart before and after a rewrite.

mod aof_support;
mod common;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use aof_support::{bgrewrite_and_wait, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::{bulk, err, ok};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

/// An array reply of bulk strings.
fn bulks(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| bulk(s)).collect())
}

/// An array reply of integers.
fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|&n| Value::Int(n)).collect())
}

fn range(con: &mut Connection, key: &str) -> Value {
    ok(con, &["LRANGE", key, "0", "-1"])
}

/// A connection speaking raw RESP, to see the exact reply bytes (null
/// bulk versus null array, RESP3 `_`).
struct Raw(BufReader<TcpStream>);

impl Raw {
    fn new(server: &TestServer, resp3: bool) -> Raw {
        let mut raw = Raw(BufReader::new(server.raw()));
        if resp3 {
            raw.call(&["HELLO", "3"]);
        }
        raw
    }

    /// Sends `args` and returns the whole reply as sent.
    fn call(&mut self, args: &[&str]) -> String {
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.0.get_mut().write_all(req.as_bytes()).expect("send");
        self.reply()
    }

    fn reply(&mut self) -> String {
        let mut line = String::new();
        self.0.read_line(&mut line).expect("reply line");
        let n: i64 = line[1..line.len() - 2].parse().unwrap_or(0);
        match line.as_bytes()[0] {
            b'$' | b'=' | b'!' if n >= 0 => {
                let mut body = vec![0; n as usize + 2];
                self.0.read_exact(&mut body).expect("bulk body");
                line + &String::from_utf8_lossy(&body)
            }
            b'*' | b'~' | b'>' => (0..n).fold(line, |acc, _| acc + &self.reply()),
            b'%' | b'|' => (0..2 * n).fold(line, |acc, _| acc + &self.reply()),
            _ => line,
        }
    }
}

#[test]
fn pushes_create_lists_in_order() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["LPUSH", "l", "a", "b", "c"]), Value::Int(3));
    assert_eq!(ok(&mut con, &["RPUSH", "l", "x", "y"]), Value::Int(5));
    assert_eq!(range(&mut con, "l"), bulks(&["c", "b", "a", "x", "y"]));
    assert_eq!(ok(&mut con, &["LPUSHX", "l", "h"]), Value::Int(6));
    assert_eq!(ok(&mut con, &["RPUSHX", "l", "t1", "t2"]), Value::Int(8));
    assert_eq!(ok(&mut con, &["LPUSHX", "none", "a"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["RPUSHX", "none", "a"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["EXISTS", "none"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["LLEN", "l"]), Value::Int(8));
    assert_eq!(ok(&mut con, &["LLEN", "none"]), Value::Int(0));
    assert_eq!(
        ok(&mut con, &["TYPE", "l"]),
        Value::SimpleString("list".into())
    );
    // Redis 7.0 reports every list as a quicklist, small or large.
    assert_eq!(
        ok(&mut con, &["OBJECT", "ENCODING", "l"]),
        bulk("quicklist")
    );
    ok(&mut con, &["SET", "s", "x"]);
    for args in [
        &["LPUSH", "s", "a"][..],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LLEN", "s"],
    ] {
        assert_eq!(err(&mut con, args), WRONGTYPE, "{args:?}");
    }
    assert_eq!(
        err(&mut con, &["LPUSH", "l"]),
        "ERR wrong number of arguments for 'lpush' command"
    );
}

#[test]
fn lrange_and_lindex_count_from_either_end() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "a", "b", "c", "d", "e", "f", "g"]);
    let cases: &[(&str, &str, &[&str])] = &[
        ("0", "-1", &["a", "b", "c", "d", "e", "f", "g"]),
        ("-100", "-6", &["a", "b"]),
        ("3", "2", &[]),
        ("-1", "-1", &["g"]),
        ("5", "100", &["f", "g"]),
        ("7", "9", &[]),
        (
            "-9223372036854775808",
            "9223372036854775807",
            &["a", "b", "c", "d", "e", "f", "g"],
        ),
    ];
    for (start, stop, want) in cases {
        assert_eq!(
            ok(&mut con, &["LRANGE", "l", start, stop]),
            bulks(want),
            "{start} {stop}"
        );
    }
    assert_eq!(ok(&mut con, &["LRANGE", "none", "0", "-1"]), bulks(&[]));
    assert_eq!(err(&mut con, &["LRANGE", "l", "x", "1"]), NOT_INT);
    // The integers are parsed before the key is looked up.
    assert_eq!(err(&mut con, &["LRANGE", "none", "x", "1"]), NOT_INT);
    assert_eq!(ok(&mut con, &["LINDEX", "l", "0"]), bulk("a"));
    assert_eq!(ok(&mut con, &["LINDEX", "l", "-1"]), bulk("g"));
    assert_eq!(ok(&mut con, &["LINDEX", "l", "-7"]), bulk("a"));
    assert_eq!(ok(&mut con, &["LINDEX", "l", "-8"]), Value::Nil);
    assert_eq!(ok(&mut con, &["LINDEX", "l", "7"]), Value::Nil);
    assert_eq!(err(&mut con, &["LINDEX", "l", "x"]), NOT_INT);
    // LINDEX looks the key up first: no key means null, whatever the index.
    assert_eq!(ok(&mut con, &["LINDEX", "none", "x"]), Value::Nil);
    ok(&mut con, &["SET", "s", "x"]);
    assert_eq!(err(&mut con, &["LINDEX", "s", "x"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["LRANGE", "s", "0", "1"]), WRONGTYPE);
}

#[test]
fn lset_and_linsert_edit_in_place() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "a", "b", "c", "b"]);
    assert_eq!(ok(&mut con, &["LSET", "l", "0", "A"]), Value::Okay);
    assert_eq!(ok(&mut con, &["LSET", "l", "-1", "Z"]), Value::Okay);
    assert_eq!(range(&mut con, "l"), bulks(&["A", "b", "c", "Z"]));
    assert_eq!(
        err(&mut con, &["LSET", "l", "4", "x"]),
        "ERR index out of range"
    );
    assert_eq!(
        err(&mut con, &["LSET", "l", "-5", "x"]),
        "ERR index out of range"
    );
    assert_eq!(err(&mut con, &["LSET", "l", "x", "x"]), NOT_INT);
    assert_eq!(
        err(&mut con, &["LSET", "none", "x", "x"]),
        "ERR no such key"
    );
    assert_eq!(
        ok(&mut con, &["LINSERT", "l", "BEFORE", "b", "1"]),
        Value::Int(5)
    );
    assert_eq!(
        ok(&mut con, &["LINSERT", "l", "after", "Z", "2"]),
        Value::Int(6)
    );
    assert_eq!(range(&mut con, "l"), bulks(&["A", "1", "b", "c", "Z", "2"]));
    assert_eq!(
        ok(&mut con, &["LINSERT", "l", "BEFORE", "nope", "x"]),
        Value::Int(-1)
    );
    assert_eq!(
        ok(&mut con, &["LINSERT", "none", "BEFORE", "a", "x"]),
        Value::Int(0)
    );
    // The position word is checked before the key.
    assert_eq!(
        err(&mut con, &["LINSERT", "none", "MIDDLE", "a", "x"]),
        SYNTAX
    );
    ok(&mut con, &["SET", "s", "x"]);
    assert_eq!(err(&mut con, &["LSET", "s", "0", "x"]), WRONGTYPE);
    assert_eq!(
        err(&mut con, &["LINSERT", "s", "BEFORE", "a", "x"]),
        WRONGTYPE
    );
}

#[test]
fn lrem_and_ltrim_remove_and_delete_empty_keys() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "r", "a", "b", "a", "c", "a", "d", "a"]);
    assert_eq!(ok(&mut con, &["LREM", "r", "2", "a"]), Value::Int(2));
    assert_eq!(range(&mut con, "r"), bulks(&["b", "c", "a", "d", "a"]));
    assert_eq!(ok(&mut con, &["LREM", "r", "-1", "a"]), Value::Int(1));
    assert_eq!(range(&mut con, "r"), bulks(&["b", "c", "a", "d"]));
    assert_eq!(
        ok(&mut con, &["LREM", "r", "-9223372036854775808", "a"]),
        Value::Int(1)
    );
    assert_eq!(ok(&mut con, &["LREM", "r", "0", "zz"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["LREM", "none", "1", "a"]), Value::Int(0));
    assert_eq!(err(&mut con, &["LREM", "none", "x", "a"]), NOT_INT);
    for e in ["b", "c", "d"] {
        assert_eq!(ok(&mut con, &["LREM", "r", "0", e]), Value::Int(1));
    }
    assert_eq!(ok(&mut con, &["EXISTS", "r"]), Value::Int(0));

    ok(&mut con, &["RPUSH", "t", "1", "2", "3", "4", "5", "6"]);
    assert_eq!(ok(&mut con, &["LTRIM", "t", "1", "-2"]), Value::Okay);
    assert_eq!(range(&mut con, "t"), bulks(&["2", "3", "4", "5"]));
    assert_eq!(ok(&mut con, &["LTRIM", "t", "-2", "100"]), Value::Okay);
    assert_eq!(range(&mut con, "t"), bulks(&["4", "5"]));
    assert_eq!(ok(&mut con, &["LTRIM", "none", "0", "1"]), Value::Okay);
    assert_eq!(err(&mut con, &["LTRIM", "t", "0", "x"]), NOT_INT);
    assert_eq!(ok(&mut con, &["LTRIM", "t", "5", "1"]), Value::Okay);
    assert_eq!(ok(&mut con, &["EXISTS", "t"]), Value::Int(0));
    ok(&mut con, &["SET", "s", "x"]);
    assert_eq!(err(&mut con, &["LREM", "s", "0", "a"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["LTRIM", "s", "0", "1"]), WRONGTYPE);
}

#[test]
fn lpop_and_rpop_with_and_without_count() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "a", "b", "c", "d", "e", "f"]);
    assert_eq!(ok(&mut con, &["LPOP", "l"]), bulk("a"));
    assert_eq!(ok(&mut con, &["RPOP", "l"]), bulk("f"));
    assert_eq!(ok(&mut con, &["LPOP", "l", "2"]), bulks(&["b", "c"]));
    // From the tail, the last element comes first.
    assert_eq!(ok(&mut con, &["RPOP", "l", "1"]), bulks(&["e"]));
    assert_eq!(ok(&mut con, &["LPOP", "l", "0"]), bulks(&[]));
    assert_eq!(
        ok(&mut con, &["RPOP", "l", "9223372036854775807"]),
        bulks(&["d"])
    );
    assert_eq!(ok(&mut con, &["EXISTS", "l"]), Value::Int(0));
    let positive = "ERR value is out of range, must be positive";
    assert_eq!(err(&mut con, &["LPOP", "l", "-1"]), positive);
    assert_eq!(err(&mut con, &["LPOP", "l", "x"]), positive);
    assert_eq!(
        err(&mut con, &["LPOP", "l", "1", "2"]),
        "ERR wrong number of arguments for 'lpop' command"
    );
    ok(&mut con, &["SET", "s", "x"]);
    assert_eq!(err(&mut con, &["LPOP", "s", "0"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["RPOP", "s"]), WRONGTYPE);
    // Null bulk without count, null array with count (any count, 0 too).
    let mut resp2 = Raw::new(&server, false);
    assert_eq!(resp2.call(&["LPOP", "none"]), "$-1\r\n");
    assert_eq!(resp2.call(&["RPOP", "none", "0"]), "*-1\r\n");
    let mut resp3 = Raw::new(&server, true);
    assert_eq!(resp3.call(&["LPOP", "none"]), "_\r\n");
    assert_eq!(resp3.call(&["LPOP", "none", "1"]), "_\r\n");
    resp3.call(&["RPUSH", "k", "a"]);
    assert_eq!(resp3.call(&["LPOP", "k", "0"]), "*0\r\n");
    assert_eq!(resp3.call(&["LPOP", "k", "5"]), "*1\r\n$1\r\na\r\n");
}

#[test]
fn lpos_ranks_counts_and_maxlen() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // Indexes:         0    1    2    3    4    5    6
    ok(&mut con, &["RPUSH", "l", "a", "b", "c", "a", "b", "c", "a"]);
    let cases: &[(&[&str], Value)] = &[
        (&[], Value::Int(0)),
        (&["RANK", "2"], Value::Int(3)),
        (&["RANK", "-1"], Value::Int(6)),
        (&["RANK", "-3"], Value::Int(0)),
        (&["RANK", "4"], Value::Nil),
        (&["COUNT", "0"], ints(&[0, 3, 6])),
        (&["COUNT", "2"], ints(&[0, 3])),
        (&["COUNT", "2", "RANK", "2"], ints(&[3, 6])),
        (&["RANK", "-1", "COUNT", "0"], ints(&[6, 3, 0])),
        (&["MAXLEN", "1"], Value::Int(0)),
        (&["MAXLEN", "1", "RANK", "-1"], Value::Int(6)),
        (&["RANK", "-2", "COUNT", "2", "MAXLEN", "3"], ints(&[])),
        (&["RANK", "-2", "COUNT", "2", "MAXLEN", "5"], ints(&[3])),
        // Redis negates the rank in C: LONG_MIN stays negative, so every
        // match from the tail counts and the COUNT test never stops.
        (&["RANK", "-9223372036854775808"], Value::Int(6)),
        (
            &["RANK", "-9223372036854775808", "COUNT", "1"],
            ints(&[6, 3, 0]),
        ),
        (
            &["count", "0", "rank", "1", "maxlen", "0", "count", "1"],
            ints(&[0]),
        ),
    ];
    for (opts, want) in cases {
        let mut args = vec!["LPOS", "l", "a"];
        args.extend_from_slice(opts);
        assert_eq!(&ok(&mut con, &args), want, "{opts:?}");
    }
    assert_eq!(ok(&mut con, &["LPOS", "l", "zz"]), Value::Nil);
    assert_eq!(ok(&mut con, &["LPOS", "none", "a"]), Value::Nil);
    assert_eq!(
        ok(&mut con, &["LPOS", "none", "a", "COUNT", "0"]),
        ints(&[])
    );
    let errors: &[(&[&str], &str)] = &[
        (
            &["RANK", "0"],
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        ),
        (&["RANK", "x"], NOT_INT),
        (&["COUNT", "-1"], "ERR COUNT can't be negative"),
        (&["COUNT", "x"], "ERR COUNT can't be negative"),
        (&["MAXLEN", "-1"], "ERR MAXLEN can't be negative"),
        (&["MAXLEN", "x"], "ERR MAXLEN can't be negative"),
        (&["FOO"], SYNTAX),
        (&["RANK"], SYNTAX),
    ];
    for (opts, want) in errors {
        let mut args = vec!["LPOS", "none", "a"];
        args.extend_from_slice(opts);
        assert_eq!(&err(&mut con, &args), want, "{opts:?}");
    }
    ok(&mut con, &["SET", "s", "x"]);
    assert_eq!(err(&mut con, &["LPOS", "s", "a"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["LPOS", "s", "a", "FOO"]), SYNTAX);
}

#[test]
fn lmove_and_rpoplpush_move_rotate_and_check_types() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "src", "a", "b", "c"]);
    assert_eq!(
        ok(&mut con, &["LMOVE", "src", "dst", "LEFT", "RIGHT"]),
        bulk("a")
    );
    assert_eq!(
        ok(&mut con, &["LMOVE", "src", "dst", "right", "left"]),
        bulk("c")
    );
    assert_eq!(range(&mut con, "dst"), bulks(&["c", "a"]));
    assert_eq!(ok(&mut con, &["RPOPLPUSH", "src", "dst"]), bulk("b"));
    assert_eq!(ok(&mut con, &["EXISTS", "src"]), Value::Int(0));
    assert_eq!(range(&mut con, "dst"), bulks(&["b", "c", "a"]));
    // Same key: a rotation.
    assert_eq!(
        ok(&mut con, &["LMOVE", "dst", "dst", "LEFT", "RIGHT"]),
        bulk("b")
    );
    assert_eq!(ok(&mut con, &["RPOPLPUSH", "dst", "dst"]), bulk("b"));
    assert_eq!(range(&mut con, "dst"), bulks(&["b", "c", "a"]));
    ok(&mut con, &["RPUSH", "one", "x"]);
    assert_eq!(
        ok(&mut con, &["LMOVE", "one", "one", "LEFT", "LEFT"]),
        bulk("x")
    );
    assert_eq!(range(&mut con, "one"), bulks(&["x"]));
    assert_eq!(ok(&mut con, &["RPOPLPUSH", "none", "dst"]), Value::Nil);
    ok(&mut con, &["SET", "s", "x"]);
    // A missing source answers null before the destination is looked at.
    assert_eq!(
        ok(&mut con, &["LMOVE", "none", "s", "LEFT", "LEFT"]),
        Value::Nil
    );
    assert_eq!(
        err(&mut con, &["LMOVE", "s", "dst", "LEFT", "LEFT"]),
        WRONGTYPE
    );
    assert_eq!(
        err(&mut con, &["LMOVE", "one", "s", "LEFT", "LEFT"]),
        WRONGTYPE
    );
    assert_eq!(range(&mut con, "one"), bulks(&["x"]));
    assert_eq!(err(&mut con, &["RPOPLPUSH", "one", "s"]), WRONGTYPE);
    assert_eq!(
        err(&mut con, &["LMOVE", "one", "dst", "UP", "LEFT"]),
        SYNTAX
    );
    assert_eq!(
        err(&mut con, &["LMOVE", "none", "dst", "LEFT", "DOWN"]),
        SYNTAX
    );
}

#[test]
fn lmpop_takes_from_the_first_non_empty_list() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "a", "b", "c", "d", "e"]);
    let popped = |key: &str, items: &[&str]| Value::Array(vec![bulk(key), bulks(items)]);
    assert_eq!(
        ok(&mut con, &["LMPOP", "2", "none", "l", "LEFT"]),
        popped("l", &["a"])
    );
    assert_eq!(
        ok(&mut con, &["LMPOP", "1", "l", "RIGHT", "COUNT", "2"]),
        popped("l", &["e", "d"])
    );
    assert_eq!(
        ok(&mut con, &["LMPOP", "1", "l", "left", "count", "10"]),
        popped("l", &["b", "c"])
    );
    assert_eq!(ok(&mut con, &["EXISTS", "l"]), Value::Int(0));
    ok(&mut con, &["SET", "s", "x"]);
    ok(&mut con, &["RPUSH", "m", "1"]);
    // A wrong type before the first list is an error; after it, unseen.
    assert_eq!(err(&mut con, &["LMPOP", "2", "s", "m", "LEFT"]), WRONGTYPE);
    assert_eq!(
        ok(&mut con, &["LMPOP", "2", "m", "s", "LEFT"]),
        popped("m", &["1"])
    );
    let errors: &[(&[&str], &str)] = &[
        (&["0", "l", "LEFT"], "ERR numkeys should be greater than 0"),
        (&["x", "l", "LEFT"], "ERR numkeys should be greater than 0"),
        (&["2", "l", "LEFT"], SYNTAX),
        (&["9223372036854775807", "l", "LEFT"], SYNTAX),
        (&["1", "l", "MIDDLE"], SYNTAX),
        (
            &["1", "l", "LEFT", "COUNT", "0"],
            "ERR count should be greater than 0",
        ),
        (
            &["1", "l", "LEFT", "COUNT", "x"],
            "ERR count should be greater than 0",
        ),
        (&["1", "l", "LEFT", "COUNT", "1", "COUNT", "1"], SYNTAX),
        (&["1", "l", "LEFT", "COUNT"], SYNTAX),
        (&["1", "l", "LEFT", "FOO"], SYNTAX),
    ];
    for (rest, want) in errors {
        let mut args = vec!["LMPOP"];
        args.extend_from_slice(rest);
        assert_eq!(&err(&mut con, &args), want, "{rest:?}");
    }
    let mut resp2 = Raw::new(&server, false);
    assert_eq!(
        resp2.call(&["LMPOP", "2", "none", "none2", "LEFT"]),
        "*-1\r\n"
    );
    let mut resp3 = Raw::new(&server, true);
    assert_eq!(resp3.call(&["LMPOP", "1", "none", "LEFT"]), "_\r\n");
    resp3.call(&["RPUSH", "z", "a", "b"]);
    assert_eq!(
        resp3.call(&["LMPOP", "1", "z", "LEFT", "COUNT", "5"]),
        "*2\r\n$1\r\nz\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
}

#[test]
fn command_info_declares_the_lmpop_key_count() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        ok(
            &mut con,
            &["COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"]
        ),
        bulks(&["a", "b"])
    );
    let mut raw = Raw::new(&server, false);
    let info = raw.call(&["COMMAND", "INFO", "lmpop"]);
    assert!(
        info.contains("+movablekeys\r\n:0\r\n:0\r\n:0\r\n"),
        "{info}"
    );
    assert!(info.contains("+RW\r\n+access\r\n+delete\r\n"), "{info}");
    assert!(
        info.contains("$6\r\nkeynum\r\n$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n"),
        "{info}"
    );
}

#[test]
fn reads_count_keyspace_hits_and_writes_do_not() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "a", "b"]);
    ok(&mut con, &["CONFIG", "RESETSTAT"]);
    for args in [
        &["LLEN", "l"][..],
        &["LRANGE", "none", "0", "1"],
        &["LINDEX", "l", "0"],
        &["LPOS", "none", "a"],
        &["LPOP", "none"],
        &["LMOVE", "l", "d", "LEFT", "LEFT"],
        &["LRANGE", "l", "x", "1"],
    ] {
        let _ = support::call(
            &mut con,
            &args.iter().map(|a| a.as_bytes()).collect::<Vec<_>>(),
        );
    }
    let stats = aof_support::info(&mut con, "stats");
    assert_eq!(aof_support::info_int(&stats, "keyspace_hits"), 2);
    assert_eq!(aof_support::info_int(&stats, "keyspace_misses"), 2);
}

/// The argv of every record the AOF holds, as text.
fn records(server: &TestServer) -> Vec<Vec<String>> {
    replay_files(&server.dir)
        .iter()
        .flat_map(|f| read_records(f))
        .map(|r| (0..r.argv.len()).map(|i| r.arg(i)).collect())
        .collect()
}

#[test]
fn the_aof_replays_every_write_and_survives_a_rewrite() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "a", "b", "c", "d", "e", "f"]);
    ok(&mut con, &["LPUSH", "l", "z"]);
    ok(&mut con, &["LPUSHX", "none", "x"]);
    ok(&mut con, &["LINSERT", "l", "AFTER", "c", "c2"]);
    ok(&mut con, &["LSET", "l", "-1", "F"]);
    ok(&mut con, &["LPOP", "l"]);
    ok(&mut con, &["RPOP", "l", "2"]);
    ok(
        &mut con,
        &["LMPOP", "2", "none", "l", "LEFT", "COUNT", "100"],
    );
    ok(&mut con, &["RPUSH", "m", "1", "2", "1", "3", "1", "4", "5"]);
    ok(&mut con, &["LREM", "m", "-2", "1"]);
    ok(&mut con, &["LTRIM", "m", "0", "-2"]);
    ok(&mut con, &["LTRIM", "m", "0", "-1"]);
    ok(&mut con, &["LMOVE", "m", "n", "LEFT", "RIGHT"]);
    ok(&mut con, &["RPOPLPUSH", "m", "n"]);
    ok(&mut con, &["LMOVE", "n", "n", "LEFT", "RIGHT"]);
    ok(&mut con, &["LPOP", "none", "3"]);
    let logged = records(&server);
    let names: Vec<&str> = logged.iter().map(|r| r[0].as_str()).collect();
    assert!(
        !names.contains(&"LPUSHX") && !names.contains(&"LMPOP"),
        "{logged:?}"
    );
    // LMPOP as the pop it did; RPOPLPUSH as its LMOVE; a no-op LTRIM not at all.
    assert!(
        logged.contains(&["LPOP", "l", "5"].map(String::from).to_vec()),
        "{logged:?}"
    );
    assert!(
        logged.contains(
            &["LMOVE", "m", "n", "RIGHT", "LEFT"]
                .map(String::from)
                .to_vec()
        ),
        "{logged:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "LTRIM").count(),
        1,
        "{logged:?}"
    );
    let m = range(&mut con, "m");
    let n = range(&mut con, "n");
    assert_eq!(m, bulks(&["2", "3"]));
    assert_eq!(n, bulks(&["1", "4"]));
    assert_eq!(ok(&mut con, &["EXISTS", "l"]), Value::Int(0));

    server.restart();
    let mut con = server.conn();
    assert_eq!(range(&mut con, "m"), m);
    assert_eq!(range(&mut con, "n"), n);
    assert_eq!(ok(&mut con, &["EXISTS", "l"]), Value::Int(0));

    // A list longer than one rewrite command (64 elements), and a TTL.
    let big: Vec<String> = (0..150).map(|i| format!("e{i}")).collect();
    let mut args = vec!["RPUSH", "big"];
    args.extend(big.iter().map(String::as_str));
    ok(&mut con, &args);
    ok(&mut con, &["PEXPIRE", "n", "100000000"]);
    bgrewrite_and_wait(&mut con);
    let chunks: Vec<usize> = records(&server)
        .iter()
        .filter(|r| r[0] == "RPUSH" && r[1] == "big")
        .map(|r| r.len() - 2)
        .collect();
    assert_eq!(chunks, [64, 64, 22]);
    ok(&mut con, &["LPUSH", "big", "after"]);
    server.restart();
    let mut con = server.conn();
    let mut want = vec!["after"];
    want.extend(big.iter().map(String::as_str));
    assert_eq!(range(&mut con, "big"), bulks(&want));
    assert_eq!(range(&mut con, "m"), m);
    assert_eq!(range(&mut con, "n"), n);
    assert!(support::int(&ok(&mut con, &["PTTL", "n"])) > 0);
}
