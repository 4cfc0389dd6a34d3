//! The hashes family against the real server: every command's normal path,
//! options and edge cases, the exact Redis 7.0 error texts, reply shapes in
//! RESP2 and RESP3, `OBJECT ENCODING` names, keyspace hit counting, and the
//! AOF (what each write logs, a restart before and after a rewrite). The
//! expected values were checked by hand against a real redis-server 7.0.15.

mod aof_support;
mod common;
mod support;

use std::collections::BTreeMap;

use aof_support::{bgrewrite_and_wait, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::{bulk, err, ok, text, texts};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

/// An array reply of bulk strings.
fn bulks(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| bulk(s)).collect())
}

/// `HGETALL key` in RESP2 as (field, value) text pairs, in reply order.
fn pairs(con: &mut Connection, key: &str) -> Vec<(String, String)> {
    let flat = texts(&ok(con, &["HGETALL", key]));
    flat.chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect()
}

fn encoding(con: &mut Connection, key: &str) -> String {
    text(&ok(con, &["OBJECT", "ENCODING", key]))
}

#[test]
fn hset_family_writes_and_reads_fields_in_insertion_order() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        ok(&mut con, &["HSET", "h", "a", "1", "b", "2"]),
        Value::Int(2)
    );
    assert_eq!(
        ok(&mut con, &["HSET", "h", "a", "3", "c", "4"]),
        Value::Int(1)
    );
    assert_eq!(ok(&mut con, &["HSETNX", "h", "a", "5"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["HSETNX", "h", "d", "6"]), Value::Int(1));
    assert_eq!(
        ok(&mut con, &["HMSET", "h", "x", "1", "y", "2"]),
        Value::Okay
    );
    assert_eq!(
        ok(&mut con, &["HGETALL", "h"]),
        bulks(&["a", "3", "b", "2", "c", "4", "d", "6", "x", "1", "y", "2"])
    );
    assert_eq!(
        ok(&mut con, &["HKEYS", "h"]),
        bulks(&["a", "b", "c", "d", "x", "y"])
    );
    assert_eq!(
        ok(&mut con, &["HVALS", "h"]),
        bulks(&["3", "2", "4", "6", "1", "2"])
    );
    assert_eq!(ok(&mut con, &["HGET", "h", "a"]), bulk("3"));
    assert_eq!(ok(&mut con, &["HGET", "h", "zz"]), Value::Nil);
    assert_eq!(ok(&mut con, &["HGET", "none", "a"]), Value::Nil);
    assert_eq!(
        ok(&mut con, &["HMGET", "h", "a", "zz", "b"]),
        Value::Array(vec![bulk("3"), Value::Nil, bulk("2")])
    );
    assert_eq!(
        ok(&mut con, &["HMGET", "none", "a", "b"]),
        Value::Array(vec![Value::Nil, Value::Nil])
    );
    assert_eq!(ok(&mut con, &["HLEN", "h"]), Value::Int(6));
    assert_eq!(ok(&mut con, &["HLEN", "none"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["HEXISTS", "h", "a"]), Value::Int(1));
    assert_eq!(ok(&mut con, &["HEXISTS", "h", "zz"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["HEXISTS", "none", "a"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["HSTRLEN", "h", "a"]), Value::Int(1));
    assert_eq!(ok(&mut con, &["HSTRLEN", "h", "zz"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["HSTRLEN", "none", "a"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["HGETALL", "none"]), Value::Array(vec![]));
    assert_eq!(ok(&mut con, &["HKEYS", "none"]), Value::Array(vec![]));
    assert_eq!(ok(&mut con, &["HVALS", "none"]), Value::Array(vec![]));

    // HDEL counts each removed field once; a listpack keeps the order of
    // the others; the last field takes the key with it.
    assert_eq!(
        ok(&mut con, &["HDEL", "h", "b", "zz", "b", "x"]),
        Value::Int(2)
    );
    assert_eq!(ok(&mut con, &["HKEYS", "h"]), bulks(&["a", "c", "d", "y"]));
    assert_eq!(ok(&mut con, &["HDEL", "none", "a"]), Value::Int(0));
    assert_eq!(
        ok(&mut con, &["HDEL", "h", "a", "c", "d", "y"]),
        Value::Int(4)
    );
    assert_eq!(ok(&mut con, &["EXISTS", "h"]), Value::Int(0));

    // Binary-safe fields and values.
    let field: Vec<u8> = vec![0, 1, 2, 255];
    let value: Vec<u8> = (0..=255u8).collect();
    redis::cmd("HSET")
        .arg("bin")
        .arg(&field)
        .arg(&value)
        .query::<i64>(&mut con)
        .unwrap();
    let back: Vec<u8> = redis::cmd("HGET")
        .arg("bin")
        .arg(&field)
        .query(&mut con)
        .unwrap();
    assert_eq!(back, value);
}

#[test]
fn arity_and_type_errors_match_redis() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for (args, name) in [
        (&["HSET", "h", "a", "1", "b"][..], "hset"),
        (&["HSET", "h", "a"], "hset"),
        (&["HMSET", "h", "x"], "hmset"),
        (&["HMSET", "h", "a", "1", "b"], "hmset"),
        (&["HGET", "h"], "hget"),
        (&["HGETALL"], "hgetall"),
        (&["HDEL", "h"], "hdel"),
        (&["HINCRBY", "h", "a"], "hincrby"),
        (&["HSETNX", "h", "a"], "hsetnx"),
        (&["HSCAN", "h"], "hscan"),
        (&["HRANDFIELD"], "hrandfield"),
    ] {
        assert_eq!(
            err(&mut con, args),
            format!("ERR wrong number of arguments for '{name}' command")
        );
    }
    assert_eq!(ok(&mut con, &["EXISTS", "h"]), Value::Int(0));
    ok(&mut con, &["SET", "str", "x"]);
    for args in [
        &["HSET", "str", "a", "1"][..],
        &["HSETNX", "str", "a", "1"],
        &["HMSET", "str", "a", "1"],
        &["HGET", "str", "a"],
        &["HMGET", "str", "a"],
        &["HGETALL", "str"],
        &["HDEL", "str", "a"],
        &["HLEN", "str"],
        &["HEXISTS", "str", "a"],
        &["HKEYS", "str"],
        &["HVALS", "str"],
        &["HINCRBY", "str", "a", "1"],
        &["HINCRBYFLOAT", "str", "a", "1"],
        &["HSTRLEN", "str", "a"],
        &["HSCAN", "str", "0"],
        &["HRANDFIELD", "str"],
        &["HRANDFIELD", "str", "1"],
    ] {
        assert_eq!(err(&mut con, args), WRONGTYPE, "{args:?}");
    }
    // The increment and count are parsed before the key is looked up.
    assert_eq!(err(&mut con, &["HINCRBY", "str", "a", "x"]), NOT_INT);
    assert_eq!(err(&mut con, &["HRANDFIELD", "str", "x"]), NOT_INT);
    assert_eq!(err(&mut con, &["HSCAN", "str", "x"]), "ERR invalid cursor");
    assert_eq!(text(&ok(&mut con, &["GET", "str"])), "x");
}

#[test]
fn hincrby_adds_integers_and_refuses_overflow() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["HINCRBY", "h", "n", "5"]), Value::Int(5));
    assert_eq!(ok(&mut con, &["HINCRBY", "h", "n", "-10"]), Value::Int(-5));
    assert_eq!(err(&mut con, &["HINCRBY", "h", "n", "x"]), NOT_INT);
    assert_eq!(err(&mut con, &["HINCRBY", "h", "n", "1.5"]), NOT_INT);
    assert_eq!(
        ok(&mut con, &["HINCRBY", "h", "big", "9223372036854775807"]),
        Value::Int(i64::MAX)
    );
    assert_eq!(
        err(&mut con, &["HINCRBY", "h", "big", "1"]),
        "ERR increment or decrement would overflow"
    );
    ok(&mut con, &["HSET", "h", "s", "abc", "sp", " 1", "f", "1.5"]);
    for field in ["s", "sp", "f"] {
        assert_eq!(
            err(&mut con, &["HINCRBY", "h", field, "1"]),
            "ERR hash value is not an integer"
        );
    }
    assert_eq!(
        text(&ok(&mut con, &["HGET", "h", "big"])),
        i64::MAX.to_string()
    );
}

#[test]
fn hincrbyfloat_uses_long_double_arithmetic_and_text() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let incr = |con: &mut Connection, field: &str, by: &str| {
        text(&ok(con, &["HINCRBYFLOAT", "h", field, by]))
    };
    assert_eq!(incr(&mut con, "f", "0.1"), "0.1");
    // Redis's 80-bit long double: not 0.30000000000000004.
    assert_eq!(incr(&mut con, "f", "0.2"), "0.3");
    assert_eq!(incr(&mut con, "g", "10.5"), "10.5");
    assert_eq!(incr(&mut con, "g", "0.1"), "10.6");
    assert_eq!(incr(&mut con, "i", "1e3"), "1000");
    assert_eq!(incr(&mut con, "i", "5.0e3"), "6000");
    assert_eq!(incr(&mut con, "z", "1e-20"), "0");
    assert_eq!(
        incr(&mut con, "big", "1e30"),
        "1000000000000000000024696061952"
    );
    assert_eq!(
        incr(&mut con, "d", "123456789.123456789"),
        "123456789.12345678899873747"
    );
    assert_eq!(incr(&mut con, "x", "0x1.8p1"), "3");
    assert_eq!(
        incr(&mut con, "n", "-0.00000000000000001"),
        "-0.00000000000000001"
    );
    assert_eq!(text(&ok(&mut con, &["HGET", "h", "f"])), "0.3");

    for bad in ["x", "nan", "1e5000", "1e-5000", " 1", ""] {
        assert_eq!(
            err(&mut con, &["HINCRBYFLOAT", "h", "f", bad]),
            "ERR value is not a valid float",
            "{bad:?}"
        );
    }
    for inf in ["inf", "-inf", "+Infinity"] {
        assert_eq!(
            err(&mut con, &["HINCRBYFLOAT", "h", "f", inf]),
            "ERR value is NaN or Infinity"
        );
    }
    ok(
        &mut con,
        &["HSET", "h", "s", "abc", "e", "1e", "inf", "inf"],
    );
    for field in ["s", "e"] {
        assert_eq!(
            err(&mut con, &["HINCRBYFLOAT", "h", field, "1"]),
            "ERR hash value is not a float"
        );
    }
    assert_eq!(
        err(&mut con, &["HINCRBYFLOAT", "h", "inf", "1"]),
        "ERR increment would produce NaN or Infinity"
    );
    ok(
        &mut con,
        &["HSET", "h", "max", "1.18973149535723176502e4932"],
    );
    assert_eq!(
        err(
            &mut con,
            &["HINCRBYFLOAT", "h", "max", "1.18973149535723176502e4932"]
        ),
        "ERR increment would produce NaN or Infinity"
    );
}

#[test]
fn encodings_follow_the_listpack_limits_and_never_shrink_back() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let long = "x".repeat(65);
    let max = "x".repeat(64);
    ok(&mut con, &["HSET", "h", "a", &max]);
    assert_eq!(encoding(&mut con, "h"), "listpack");
    ok(&mut con, &["HSET", "h", "a", &long]);
    assert_eq!(encoding(&mut con, "h"), "hashtable");
    ok(&mut con, &["HSET", "h", "b", "1"]);
    ok(&mut con, &["HDEL", "h", "a"]);
    assert_eq!(encoding(&mut con, "h"), "hashtable");

    // HSETNX on an existing field does not convert; a new long field does.
    ok(&mut con, &["HSET", "h2", "a", "1"]);
    ok(&mut con, &["HSETNX", "h2", "a", &long]);
    assert_eq!(encoding(&mut con, "h2"), "listpack");
    ok(&mut con, &["HSETNX", "h2", &long, "1"]);
    assert_eq!(encoding(&mut con, "h2"), "hashtable");
    // So do the counters, for a long field name.
    ok(&mut con, &["HINCRBY", "h3", &long, "1"]);
    assert_eq!(encoding(&mut con, "h3"), "hashtable");
    ok(&mut con, &["HINCRBYFLOAT", "h4", &long, "1"]);
    assert_eq!(encoding(&mut con, "h4"), "hashtable");

    // 512 fields (Redis 7.0's built-in hash-max-listpack-entries) fit.
    let fields: Vec<String> = (0..513).map(|i| format!("f{i}")).collect();
    let mut args = vec!["HSET", "many"];
    for f in &fields[..512] {
        args.push(f);
        args.push("v");
    }
    assert_eq!(ok(&mut con, &args), Value::Int(512));
    assert_eq!(encoding(&mut con, "many"), "listpack");
    ok(&mut con, &["HSET", "many", &fields[512], "v"]);
    assert_eq!(encoding(&mut con, "many"), "hashtable");
}

#[test]
fn hscan_answers_a_listpack_whole_and_walks_a_hashtable() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let empty = Value::Array(vec![bulk("0"), Value::Array(vec![])]);
    assert_eq!(ok(&mut con, &["HSCAN", "none", "0"]), empty);
    // A missing key answers before the options are read.
    assert_eq!(ok(&mut con, &["HSCAN", "none", "0", "foo"]), empty);
    assert_eq!(err(&mut con, &["HSCAN", "none", "x"]), "ERR invalid cursor");

    ok(&mut con, &["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    let whole = Value::Array(vec![bulk("0"), bulks(&["a", "1", "b", "2", "c", "3"])]);
    assert_eq!(ok(&mut con, &["HSCAN", "h", "0", "COUNT", "1"]), whole);
    assert_eq!(ok(&mut con, &["HSCAN", "h", "-1"]), whole);
    assert_eq!(ok(&mut con, &["HSCAN", "h", "18446744073709551615"]), whole);
    assert_eq!(
        ok(&mut con, &["HSCAN", "h", "0", "match", "b*"]),
        Value::Array(vec![bulk("0"), bulks(&["b", "2"])])
    );
    for (args, error) in [
        (&["HSCAN", "h", "0", "TYPE", "string"][..], SYNTAX),
        (&["HSCAN", "h", "0", "COUNT", "0"], SYNTAX),
        (&["HSCAN", "h", "0", "COUNT", "x"], NOT_INT),
        (&["HSCAN", "h", "0", "MATCH"], SYNTAX),
        (&["HSCAN", "h", "0", "NOVALUES"], SYNTAX),
        (&["HSCAN", "h", "x"], "ERR invalid cursor"),
        (
            &["HSCAN", "h", "18446744073709551616"],
            "ERR invalid cursor",
        ),
    ] {
        assert_eq!(err(&mut con, args), error, "{args:?}");
    }

    // A hashtable: the cursor walks in COUNT-sized steps and every field
    // comes back once, with its value.
    let mut expected = BTreeMap::new();
    let mut args = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..600 {
        expected.insert(format!("f{i}"), format!("v{i}"));
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    ok(
        &mut con,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    let mut seen = BTreeMap::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let reply = ok(&mut con, &["HSCAN", "big", &cursor, "COUNT", "50"]);
        let parts = support::items(&reply);
        cursor = text(&parts[0]);
        for pair in texts(&parts[1]).chunks(2) {
            assert!(seen.insert(pair[0].clone(), pair[1].clone()).is_none());
        }
        calls += 1;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen, expected);
    assert!(calls > 10, "{calls} calls");
    // MATCH filters on the field.
    let reply = ok(
        &mut con,
        &["HSCAN", "big", "0", "MATCH", "f59?", "COUNT", "1000"],
    );
    let fields = texts(&support::items(&reply)[1]);
    assert_eq!(fields.len(), 20);
    assert!(
        fields
            .chunks(2)
            .all(|p| p[0].starts_with("f59") && p[0].len() == 4)
    );
}

#[test]
fn hrandfield_counts_values_and_errors() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["HRANDFIELD", "none"]), Value::Nil);
    assert_eq!(
        ok(&mut con, &["HRANDFIELD", "none", "5"]),
        Value::Array(vec![])
    );
    assert_eq!(
        ok(&mut con, &["HRANDFIELD", "none", "-5", "WITHVALUES"]),
        Value::Array(vec![])
    );
    ok(&mut con, &["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    let field = text(&ok(&mut con, &["HRANDFIELD", "h"]));
    assert!(["a", "b", "c"].contains(&field.as_str()));
    assert_eq!(
        ok(&mut con, &["HRANDFIELD", "h", "0"]),
        Value::Array(vec![])
    );
    // A count at least the size: the whole hash, in its order.
    assert_eq!(
        ok(&mut con, &["HRANDFIELD", "h", "100"]),
        bulks(&["a", "b", "c"])
    );
    assert_eq!(
        ok(&mut con, &["HRANDFIELD", "h", "3", "withvalues"]),
        bulks(&["a", "1", "b", "2", "c", "3"])
    );
    // Fewer: distinct fields.
    let two = texts(&ok(&mut con, &["HRANDFIELD", "h", "2"]));
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1]);
    // Negative: that many picks, repeats allowed, values matching fields.
    let picks = texts(&ok(&mut con, &["HRANDFIELD", "h", "-20", "WITHVALUES"]));
    assert_eq!(picks.len(), 40);
    for pair in picks.chunks(2) {
        let expected = match pair[0].as_str() {
            "a" => "1",
            "b" => "2",
            "c" => "3",
            other => panic!("unknown field {other}"),
        };
        assert_eq!(pair[1], expected);
    }
    for (args, error) in [
        (&["HRANDFIELD", "h", "x"][..], NOT_INT),
        (&["HRANDFIELD", "h", "x", "foo"], NOT_INT),
        (&["HRANDFIELD", "h", "1", "WITHVALUE"], SYNTAX),
        (&["HRANDFIELD", "h", "1", "WITHVALUES", "x"], SYNTAX),
        (&["HRANDFIELD", "none", "1", "foo"], SYNTAX),
        (&["HRANDFIELD", "h", "9223372036854775808"], NOT_INT),
        (
            &["HRANDFIELD", "h", "-9223372036854775808"],
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ),
        (
            &["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"],
            "ERR value is out of range",
        ),
        (
            &["HRANDFIELD", "none", "-4611686018427387904", "WITHVALUES"],
            "ERR value is out of range",
        ),
    ] {
        assert_eq!(err(&mut con, args), error, "{args:?}");
    }
}

#[test]
fn resp3_replies_use_maps_and_pairs() {
    let server = TestServer::start(&[]);
    let mut con = server.conn_resp3();
    ok(&mut con, &["HSET", "h", "a", "1", "b", "2"]);
    assert_eq!(
        ok(&mut con, &["HGETALL", "h"]),
        Value::Map(vec![(bulk("a"), bulk("1")), (bulk("b"), bulk("2"))])
    );
    assert_eq!(ok(&mut con, &["HGETALL", "none"]), Value::Map(vec![]));
    assert_eq!(
        ok(&mut con, &["HRANDFIELD", "h", "5", "WITHVALUES"]),
        Value::Array(vec![bulks(&["a", "1"]), bulks(&["b", "2"])])
    );
    let picks = support::items(&ok(&mut con, &["HRANDFIELD", "h", "-3", "WITHVALUES"]));
    assert_eq!(picks.len(), 3);
    assert!(picks.iter().all(|p| support::items(p).len() == 2));
    assert_eq!(
        support::items(&ok(&mut con, &["HRANDFIELD", "h", "-3"])).len(),
        3
    );
    assert_eq!(
        ok(&mut con, &["HMGET", "h", "a", "zz"]),
        Value::Array(vec![bulk("1"), Value::Nil])
    );
    assert_eq!(ok(&mut con, &["HGET", "h", "zz"]), Value::Nil);
    assert_eq!(
        ok(&mut con, &["HINCRBYFLOAT", "h", "a", "1.5"]),
        bulk("2.5")
    );
    assert_eq!(
        ok(&mut con, &["HSCAN", "h", "0"]),
        Value::Array(vec![bulk("0"), bulks(&["a", "2.5", "b", "2"])])
    );
}

#[test]
fn reads_count_keyspace_hits_and_writes_do_not() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["HSET", "h", "a", "1"]);
    ok(&mut con, &["CONFIG", "RESETSTAT"]);
    for args in [
        &["HGET", "h", "a"][..],
        &["HGET", "none", "a"],
        &["HLEN", "h"],
        &["HSCAN", "none", "0"],
        &["HRANDFIELD", "h", "2"],
        &["HSET", "h", "b", "2"],
        &["HINCRBY", "h", "c", "1"],
        &["HDEL", "none", "a"],
    ] {
        ok(&mut con, args);
    }
    let stats = aof_support::info(&mut con, "stats");
    assert_eq!(aof_support::info_int(&stats, "keyspace_hits"), 3);
    assert_eq!(aof_support::info_int(&stats, "keyspace_misses"), 2);
}

#[test]
fn command_info_matches_redis() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let info = support::items(&ok(
        &mut con,
        &["COMMAND", "INFO", "hincrbyfloat", "hgetall"],
    ));
    let hincrbyfloat = support::items(&info[0]);
    assert_eq!(text(&hincrbyfloat[0]), "hincrbyfloat");
    assert_eq!(hincrbyfloat[1], Value::Int(4));
    assert_eq!(texts(&hincrbyfloat[2]), ["write", "denyoom", "fast"]);
    assert_eq!(texts(&hincrbyfloat[6]), ["@write", "@hash", "@fast"]);
    let spec = support::fields(&support::items(&hincrbyfloat[8])[0]);
    assert_eq!(texts(&spec[0].1), ["RW", "access", "update"]);
    let hgetall = support::items(&info[1]);
    assert_eq!(texts(&hgetall[2]), ["readonly"]);
    assert_eq!(texts(&hgetall[6]), ["@read", "@hash", "@slow"]);
    assert_eq!(texts(&hgetall[7]), ["nondeterministic_output_order"]);
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
    ok(&mut con, &["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    ok(&mut con, &["HMSET", "h", "d", "4"]);
    ok(&mut con, &["HSETNX", "h", "a", "9"]);
    ok(&mut con, &["HSETNX", "h", "e", "5"]);
    ok(&mut con, &["HINCRBY", "h", "a", "10"]);
    ok(&mut con, &["HINCRBYFLOAT", "h", "f", "0.1"]);
    ok(&mut con, &["HINCRBYFLOAT", "h", "f", "0.2"]);
    ok(&mut con, &["HDEL", "h", "b", "zz"]);
    ok(&mut con, &["HDEL", "h", "zz"]);
    ok(&mut con, &["HSET", "gone", "x", "1"]);
    ok(&mut con, &["HDEL", "gone", "x"]);
    let logged = records(&server);
    let names: Vec<&str> = logged.iter().map(|r| r[0].as_str()).collect();
    assert!(!names.contains(&"HINCRBYFLOAT"), "{logged:?}");
    // HINCRBYFLOAT as the HSET of its result; no-op writes not at all.
    assert!(logged.contains(&["HSET", "h", "f", "0.3"].map(String::from).to_vec()));
    assert_eq!(names.iter().filter(|n| **n == "HSETNX").count(), 1);
    assert_eq!(names.iter().filter(|n| **n == "HDEL").count(), 2);
    let h = pairs(&mut con, "h");
    assert_eq!(
        h,
        [
            ("a", "11"),
            ("c", "3"),
            ("d", "4"),
            ("e", "5"),
            ("f", "0.3")
        ]
        .map(|(f, v)| (f.to_string(), v.to_string()))
    );

    server.restart();
    let mut con = server.conn();
    assert_eq!(pairs(&mut con, "h"), h);
    assert_eq!(ok(&mut con, &["EXISTS", "gone"]), Value::Int(0));

    // A hash longer than one rewrite command (64 pairs), and a TTL.
    let mut args = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..600 {
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    ok(
        &mut con,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    ok(&mut con, &["PEXPIRE", "h", "100000000"]);
    let big: BTreeMap<_, _> = pairs(&mut con, "big").into_iter().collect();
    bgrewrite_and_wait(&mut con);
    let chunks: Vec<usize> = records(&server)
        .iter()
        .filter(|r| r[0] == "HSET" && r[1] == "big")
        .map(|r| (r.len() - 2) / 2)
        .collect();
    assert_eq!(chunks.iter().sum::<usize>(), 600);
    assert!(chunks.iter().all(|&n| n <= 64), "{chunks:?}");
    ok(&mut con, &["HSET", "h", "after", "rewrite"]);

    server.restart();
    let mut con = server.conn();
    let mut h_after = h.clone();
    h_after.push(("after".into(), "rewrite".into()));
    assert_eq!(pairs(&mut con, "h"), h_after);
    let big_after: BTreeMap<_, _> = pairs(&mut con, "big").into_iter().collect();
    assert_eq!(big_after, big);
    assert_eq!(encoding(&mut con, "big"), "hashtable");
    assert_eq!(encoding(&mut con, "h"), "listpack");
    let ttl = support::query_int(&mut con, &["PTTL", "h"]);
    assert!(ttl > 99_000_000, "{ttl}");
    server.kill9();
}
