//! `OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP` and `DEBUG OBJECT`
//! / `DEBUG SLEEP` for every type, against the real binary. Every expected
//! encoding, conversion threshold and error text below was read from a
//! redis-server 7.0.15 given the same commands (its defaults:
//! hash-max-listpack-entries 512 / -value 64, set-max-intset-entries 512,
//! zset-max-listpack-entries 128 / -value 64; lists are always quicklists
//! and sets intset or hashtable in 7.0).

mod common;
mod support;

use std::time::{Duration, Instant};

use common::TestServer;
use redis::{Connection, Value};
use support::*;

const NOT_LFU: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
const IS_LFU: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

fn encoding(con: &mut Connection, key: &str) -> String {
    text(&ok(con, &["OBJECT", "ENCODING", key]))
}

/// Sends `words` (command first) built at run time.
fn run(con: &mut Connection, words: Vec<String>) -> Value {
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    ok(con, &refs)
}

/// `command key` followed by `items`.
fn with_items(command: &str, key: &str, items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut words = vec![command.to_string(), key.to_string()];
    words.extend(items);
    words
}

fn fields(n: usize) -> impl Iterator<Item = String> {
    (0..n).flat_map(|i| [format!("f{i}"), "v".to_string()])
}

fn members(n: usize, prefix: &str) -> impl Iterator<Item = String> {
    let prefix = prefix.to_string();
    (0..n).map(move |i| format!("{prefix}{i}"))
}

fn scored(n: usize) -> impl Iterator<Item = String> {
    (0..n).flat_map(|i| [i.to_string(), format!("m{i}")])
}

#[test]
fn strings_follow_how_the_value_was_made() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let x = |n: usize| "x".repeat(n);
    for (value, expected) in [
        ("123", "int"),
        ("-5", "int"),
        ("-1234567890123456789", "int"),
        ("12345678901234567890", "embstr"), // overflows i64
        ("007", "embstr"),
        ("-0", "embstr"),
        ("+1", "embstr"),
        (" 1", "embstr"),
        ("1.5", "embstr"),
        ("hello", "embstr"),
    ] {
        ok(&mut con, &["SET", "s", value]);
        assert_eq!(encoding(&mut con, "s"), expected, "SET s {value:?}");
    }
    ok(&mut con, &["SET", "s", &x(44)]);
    assert_eq!(encoding(&mut con, "s"), "embstr");
    ok(&mut con, &["SET", "s", &x(45)]);
    assert_eq!(encoding(&mut con, "s"), "raw");

    // APPEND creating the key stores the argument as SET does; appending
    // to an existing string makes it raw, however short.
    ok(&mut con, &["APPEND", "a", "12"]);
    assert_eq!(encoding(&mut con, "a"), "int");
    ok(&mut con, &["APPEND", "a", "3"]);
    assert_eq!(encoding(&mut con, "a"), "raw");
    assert_eq!(query_int(&mut con, &["OBJECT", "REFCOUNT", "a"]), 1);
    // INCR makes an integer again; INCRBYFLOAT text, never an integer.
    ok(&mut con, &["INCR", "a"]);
    assert_eq!(encoding(&mut con, "a"), "int");
    ok(&mut con, &["SET", "f", "1"]);
    assert_eq!(bytes(&ok(&mut con, &["INCRBYFLOAT", "f", "2"])), b"3");
    assert_eq!(encoding(&mut con, "f"), "embstr");
    assert_eq!(query_int(&mut con, &["OBJECT", "REFCOUNT", "f"]), 1);
    // SETRANGE, SETBIT, BITOP, BITFIELD, PFADD, PFMERGE build raw strings.
    ok(&mut con, &["SETRANGE", "n", "0", "12"]);
    assert_eq!(encoding(&mut con, "n"), "raw");
    ok(&mut con, &["SET", "c", "5"]);
    ok(&mut con, &["SETRANGE", "c", "0", "6"]);
    assert_eq!(encoding(&mut con, "c"), "raw");
    ok(&mut con, &["SETBIT", "b", "1", "1"]);
    assert_eq!(encoding(&mut con, "b"), "raw");
    ok(&mut con, &["BITOP", "OR", "bo", "b"]);
    assert_eq!(encoding(&mut con, "bo"), "raw");
    ok(&mut con, &["BITFIELD", "bf", "SET", "u8", "0", "1"]);
    assert_eq!(encoding(&mut con, "bf"), "raw");
    ok(&mut con, &["PFADD", "hll", "a", "b", "c"]);
    assert_eq!(encoding(&mut con, "hll"), "raw");
    ok(&mut con, &["PFMERGE", "hm", "hll"]);
    assert_eq!(encoding(&mut con, "hm"), "raw");
    // RENAME, COPY and MOVE keep the encoding; EXPIRE and GETEX do not
    // change it; MSET, SETEX, GETSET store encoded arguments.
    ok(&mut con, &["RENAME", "c", "c2"]);
    assert_eq!(encoding(&mut con, "c2"), "raw");
    ok(&mut con, &["COPY", "c2", "c3"]);
    assert_eq!(encoding(&mut con, "c3"), "raw");
    ok(&mut con, &["MOVE", "c3", "1"]);
    ok(&mut con, &["SELECT", "1"]);
    assert_eq!(encoding(&mut con, "c3"), "raw");
    ok(&mut con, &["SELECT", "0"]);
    ok(&mut con, &["SET", "t", "2"]);
    ok(&mut con, &["EXPIRE", "t", "100"]);
    assert_eq!(encoding(&mut con, "t"), "int");
    ok(&mut con, &["MSET", "q", "5", "w", "99999"]);
    assert_eq!(encoding(&mut con, "q"), "int");
    ok(&mut con, &["SETEX", "se", "100", "12"]);
    assert_eq!(encoding(&mut con, "se"), "int");
    ok(&mut con, &["GETSET", "gs", "42"]);
    assert_eq!(encoding(&mut con, "gs"), "int");

    // REFCOUNT: the shared integers 0..=9999 report INT_MAX.
    assert_eq!(
        query_int(&mut con, &["OBJECT", "REFCOUNT", "q"]),
        2147483647
    );
    assert_eq!(query_int(&mut con, &["OBJECT", "REFCOUNT", "w"]), 1);
    ok(&mut con, &["SET", "neg", "-1"]);
    assert_eq!(query_int(&mut con, &["OBJECT", "REFCOUNT", "neg"]), 1);
    ok(&mut con, &["SET", "e", "hello"]);
    assert_eq!(query_int(&mut con, &["OBJECT", "REFCOUNT", "e"]), 1);
}

#[test]
fn hashes_convert_past_512_fields_or_64_bytes() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    run(&mut con, with_items("HSET", "h512", fields(512)));
    assert_eq!(encoding(&mut con, "h512"), "listpack");
    run(&mut con, with_items("HSET", "h513", fields(513)));
    assert_eq!(encoding(&mut con, "h513"), "hashtable");
    run(&mut con, with_items("HSET", "grow", fields(512)));
    ok(&mut con, &["HSET", "grow", "f512", "v"]);
    assert_eq!(encoding(&mut con, "grow"), "hashtable");
    ok(&mut con, &["HSET", "v64", "f", &"x".repeat(64)]);
    assert_eq!(encoding(&mut con, "v64"), "listpack");
    ok(&mut con, &["HSET", "v65", "f", &"x".repeat(65)]);
    assert_eq!(encoding(&mut con, "v65"), "hashtable");
    ok(&mut con, &["HSETNX", "k65", &"x".repeat(65), "v"]);
    assert_eq!(encoding(&mut con, "k65"), "hashtable");
    ok(&mut con, &["HINCRBYFLOAT", "hf", &"y".repeat(65), "1.5"]);
    assert_eq!(encoding(&mut con, "hf"), "hashtable");
    ok(&mut con, &["HINCRBY", "hi", "f", "1"]);
    assert_eq!(encoding(&mut con, "hi"), "listpack");
    // Removing fields never converts back.
    let dels = with_items("HDEL", "h513", (0..500).map(|i| format!("f{i}")));
    run(&mut con, dels);
    assert_eq!(encoding(&mut con, "h513"), "hashtable");
    assert_eq!(query_int(&mut con, &["OBJECT", "REFCOUNT", "h512"]), 1);
}

#[test]
fn lists_are_always_quicklists() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "a"]);
    assert_eq!(encoding(&mut con, "l"), "quicklist");
    run(&mut con, with_items("RPUSH", "l129", members(129, "")));
    assert_eq!(encoding(&mut con, "l129"), "quicklist");
    ok(&mut con, &["RPUSH", "big", &"x".repeat(9000)]);
    assert_eq!(encoding(&mut con, "big"), "quicklist");
    ok(&mut con, &["LMOVE", "l", "l2", "LEFT", "LEFT"]);
    assert_eq!(encoding(&mut con, "l2"), "quicklist");
    let line = text(&ok(&mut con, &["DEBUG", "OBJECT", "l2"]));
    assert!(line.contains(" encoding:quicklist "), "{line}");
    // Redis 7.0.15's quicklist figures for one one-byte element.
    assert!(
        line.ends_with(
            " ql_nodes:1 ql_avg_node:1.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:10"
        ),
        "{line}"
    );
}

#[test]
fn sets_are_intsets_up_to_512_integers() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    run(&mut con, with_items("SADD", "s512", members(512, "")));
    assert_eq!(encoding(&mut con, "s512"), "intset");
    run(&mut con, with_items("SADD", "s513", members(513, "")));
    assert_eq!(encoding(&mut con, "s513"), "hashtable");
    run(&mut con, with_items("SADD", "grow", members(512, "")));
    ok(&mut con, &["SADD", "grow", "512"]);
    assert_eq!(encoding(&mut con, "grow"), "hashtable");
    for (key, items, expected) in [
        ("small", vec!["a", "b"], "hashtable"),
        ("mixed", vec!["1", "2", "a"], "hashtable"),
        ("neg", vec!["-5", "7"], "intset"),
        ("huge", vec!["1", "99999999999999999999"], "hashtable"),
    ] {
        let mut words = vec!["SADD", key];
        words.extend(items);
        ok(&mut con, &words);
        assert_eq!(encoding(&mut con, key), expected, "{key}");
    }
    ok(&mut con, &["SADD", "conv", "1", "2"]);
    ok(&mut con, &["SADD", "conv", "a"]);
    ok(&mut con, &["SREM", "conv", "a"]);
    assert_eq!(encoding(&mut con, "conv"), "hashtable");
    // Stored results: integers only make an intset, whatever the sources.
    ok(&mut con, &["SADD", "i1", "1", "2", "3"]);
    ok(&mut con, &["SADD", "i2", "2", "3", "4"]);
    ok(&mut con, &["SADD", "h1", "a", "2", "3"]);
    ok(&mut con, &["SADD", "h2", "2", "3", "5"]);
    for (command, expected) in [
        (["SINTERSTORE", "d1", "h1", "h2"], "intset"),
        (["SUNIONSTORE", "d2", "i1", "i2"], "intset"),
        (["SDIFFSTORE", "d3", "h1", "i1"], "hashtable"),
        (["SINTERSTORE", "d4", "h1", "i1"], "intset"),
        (["SUNIONSTORE", "d5", "h1", "i1"], "hashtable"),
    ] {
        ok(&mut con, &command);
        assert_eq!(encoding(&mut con, command[1]), expected, "{command:?}");
    }
    ok(&mut con, &["SMOVE", "h1", "d6", "a"]);
    assert_eq!(encoding(&mut con, "d6"), "hashtable");
    ok(&mut con, &["SMOVE", "h2", "d7", "5"]);
    assert_eq!(encoding(&mut con, "d7"), "intset");
}

#[test]
fn sorted_sets_convert_past_128_members_or_64_bytes() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    run(&mut con, with_items("ZADD", "z128", scored(128)));
    assert_eq!(encoding(&mut con, "z128"), "listpack");
    run(&mut con, with_items("ZADD", "z129", scored(129)));
    assert_eq!(encoding(&mut con, "z129"), "skiplist");
    run(&mut con, with_items("ZADD", "grow", scored(128)));
    ok(&mut con, &["ZADD", "grow", "1000", "m128"]);
    assert_eq!(encoding(&mut con, "grow"), "skiplist");
    ok(&mut con, &["ZADD", "v64", "1", &"x".repeat(64)]);
    assert_eq!(encoding(&mut con, "v64"), "listpack");
    ok(&mut con, &["ZADD", "v65", "1", &"x".repeat(65)]);
    assert_eq!(encoding(&mut con, "v65"), "skiplist");
    ok(&mut con, &["ZINCRBY", "zi", "1", "a"]);
    assert_eq!(encoding(&mut con, "zi"), "listpack");
    ok(&mut con, &["ZREMRANGEBYRANK", "z129", "0", "100"]);
    assert_eq!(encoding(&mut con, "z129"), "skiplist");
    // Stored results.
    ok(&mut con, &["ZADD", "z1", "1", "a", "2", "b"]);
    run(&mut con, with_items("ZADD", "zbig", scored(200)));
    for (command, expected) in [
        (vec!["ZUNIONSTORE", "d1", "2", "z1", "v65"], "skiplist"),
        (vec!["ZINTERSTORE", "d2", "1", "v65"], "skiplist"),
        (vec!["ZRANGESTORE", "d3", "v65", "0", "-1"], "skiplist"),
        (vec!["ZUNIONSTORE", "d4", "1", "z1"], "listpack"),
        (vec!["ZRANGESTORE", "d5", "zbig", "0", "9"], "listpack"),
        (vec!["ZUNIONSTORE", "d6", "1", "zbig"], "skiplist"),
        (vec!["ZDIFFSTORE", "d7", "1", "zbig"], "skiplist"),
    ] {
        ok(&mut con, &command);
        assert_eq!(encoding(&mut con, command[1]), expected, "{command:?}");
    }
}

#[test]
fn streams_hyperloglogs_and_sessions() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["XADD", "st", "*", "a", "1"]);
    assert_eq!(encoding(&mut con, "st"), "stream");
    ok(&mut con, &["PFADD", "hll", "a"]);
    assert_eq!(encoding(&mut con, "hll"), "raw");
    ok(&mut con, &["SESSION.CREATE", "ID", "sess"]);
    assert_eq!(encoding(&mut con, "sess"), "session");
    for key in ["st", "hll", "sess"] {
        assert_eq!(query_int(&mut con, &["OBJECT", "REFCOUNT", key]), 1);
        assert_eq!(query_int(&mut con, &["OBJECT", "IDLETIME", key]), 0);
        let line = text(&ok(&mut con, &["DEBUG", "OBJECT", key]));
        assert!(line.starts_with("Value at:0x"), "{line}");
        assert!(line.contains(" refcount:1 encoding:"), "{line}");
    }
}

#[test]
fn missing_keys_errors_and_help() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for sub in ["ENCODING", "REFCOUNT", "IDLETIME"] {
        assert_eq!(ok(&mut con, &["OBJECT", sub, "nokey"]), Value::Nil, "{sub}");
    }
    ok(&mut con, &["SET", "k", "v"]);
    assert_eq!(err(&mut con, &["OBJECT", "FREQ", "k"]), NOT_LFU);
    // The key is looked up before the policy is checked.
    assert_eq!(ok(&mut con, &["OBJECT", "FREQ", "nokey"]), Value::Nil);
    assert_eq!(
        err(&mut con, &["OBJECT", "FOO"]),
        "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
    );
    assert_eq!(
        err(&mut con, &["OBJECT", "ENCODING"]),
        "ERR wrong number of arguments for 'object|encoding' command"
    );
    assert_eq!(
        err(&mut con, &["OBJECT", "ENCODING", "a", "b"]),
        "ERR wrong number of arguments for 'object|encoding' command"
    );
    let help = texts(&ok(&mut con, &["OBJECT", "HELP"]));
    assert_eq!(help.len(), 15);
    assert_eq!(
        help[0],
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
    assert_eq!(help[14], "    Prints this help.");

    // Under an LFU policy FREQ answers and IDLETIME refuses.
    ok(
        &mut con,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    );
    assert_eq!(ok(&mut con, &["OBJECT", "FREQ", "nokey"]), Value::Nil);
    assert!(matches!(
        ok(&mut con, &["OBJECT", "FREQ", "k"]),
        Value::Int(_)
    ));
    assert_eq!(err(&mut con, &["OBJECT", "IDLETIME", "k"]), IS_LFU);
    assert_eq!(ok(&mut con, &["OBJECT", "IDLETIME", "nokey"]), Value::Nil);
    ok(
        &mut con,
        &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    );

    // DEBUG OBJECT and DEBUG SLEEP.
    assert_eq!(
        err(&mut con, &["DEBUG", "OBJECT", "nokey"]),
        "ERR no such key"
    );
    assert_eq!(
        err(&mut con, &["DEBUG", "OBJECT"]),
        "ERR unknown subcommand or wrong number of arguments for 'OBJECT'. Try DEBUG HELP."
    );
    ok(&mut con, &["SET", "i", "123"]);
    let line = text(&ok(&mut con, &["DEBUG", "OBJECT", "i"]));
    assert!(
        line.contains(" refcount:2147483647 encoding:int serializedlength:2 lru:"),
        "{line}"
    );
    let line = text(&ok(&mut con, &["DEBUG", "OBJECT", "k"]));
    assert!(
        line.contains(" refcount:1 encoding:embstr serializedlength:2 lru:"),
        "{line}"
    );
    assert!(line.ends_with(" lru_seconds_idle:0"), "{line}");
    for arg in ["0", "x", "-1"] {
        assert_eq!(ok(&mut con, &["DEBUG", "SLEEP", arg]), Value::Okay);
    }
    let started = Instant::now();
    assert_eq!(ok(&mut con, &["DEBUG", "SLEEP", "0.3"]), Value::Okay);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn idletime_counts_seconds_since_the_last_access() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["HSET", "h", "f", "v"]);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(query_int(&mut con, &["OBJECT", "IDLETIME", "h"]), 1);
    // OBJECT itself does not touch the key; a read does.
    assert_eq!(query_int(&mut con, &["OBJECT", "IDLETIME", "h"]), 1);
    ok(&mut con, &["HGET", "h", "f"]);
    assert_eq!(query_int(&mut con, &["OBJECT", "IDLETIME", "h"]), 0);
}
