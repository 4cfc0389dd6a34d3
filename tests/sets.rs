//! The sets family against the real server: every command's normal path,
//! options and edge cases, the exact Redis 7.0 error texts, reply shapes in
//! RESP2 and RESP3, `OBJECT ENCODING` names (intset members listed in
//! numeric order), keyspace hit counting, and the AOF (`SPOP` logged as
//! its outcome, a restart before and after a rewrite). The expected values
//! were checked by hand against a real redis-server 7.0.15.

mod aof_support;
mod common;
mod support;

use std::collections::BTreeSet;

use aof_support::{bgrewrite_and_wait, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::{bulk, err, ok, query_int, text, texts};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";
const NOT_POSITIVE: &str = "ERR value is out of range, must be positive";

/// An array reply of bulk strings.
fn bulks(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| bulk(s)).collect())
}

/// An array reply of integers.
fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|&n| Value::Int(n)).collect())
}

/// The members of a reply, as a sorted set of text.
fn sorted(v: &Value) -> BTreeSet<String> {
    texts(v).into_iter().collect()
}

/// The text set of `items`.
fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn members(con: &mut Connection, key: &str) -> Value {
    ok(con, &["SMEMBERS", key])
}

fn encoding(con: &mut Connection, key: &str) -> String {
    text(&ok(con, &["OBJECT", "ENCODING", key]))
}

#[test]
fn sadd_srem_and_membership() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        ok(&mut con, &["SADD", "s", "3", "1", "2", "-5", "10", "3"]),
        Value::Int(5)
    );
    // An intset lists its members in numeric order.
    assert_eq!(members(&mut con, "s"), bulks(&["-5", "1", "2", "3", "10"]));
    assert_eq!(ok(&mut con, &["SADD", "s", "3", "4"]), Value::Int(1));
    assert_eq!(ok(&mut con, &["SCARD", "s"]), Value::Int(6));
    assert_eq!(ok(&mut con, &["SCARD", "none"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["SISMEMBER", "s", "4"]), Value::Int(1));
    assert_eq!(ok(&mut con, &["SISMEMBER", "s", "04"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["SISMEMBER", "s", "x"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["SISMEMBER", "none", "1"]), Value::Int(0));
    assert_eq!(
        ok(&mut con, &["SMISMEMBER", "s", "1", "7", "x", "10"]),
        ints(&[1, 0, 0, 1])
    );
    assert_eq!(
        ok(&mut con, &["SMISMEMBER", "none", "1", "2"]),
        ints(&[0, 0])
    );
    assert_eq!(members(&mut con, "none"), Value::Array(vec![]));

    assert_eq!(
        ok(&mut con, &["SREM", "s", "1", "1", "x", "10"]),
        Value::Int(2)
    );
    assert_eq!(members(&mut con, "s"), bulks(&["-5", "2", "3", "4"]));
    assert_eq!(ok(&mut con, &["SREM", "none", "a"]), Value::Int(0));
    assert_eq!(
        ok(&mut con, &["SREM", "s", "-5", "2", "3", "4"]),
        Value::Int(4)
    );
    assert_eq!(ok(&mut con, &["EXISTS", "s"]), Value::Int(0));

    // Strings keep insertion order; binary members are kept as sent.
    ok(&mut con, &["SADD", "t", "b", "a", "c"]);
    assert_eq!(members(&mut con, "t"), bulks(&["b", "a", "c"]));
    let member: Vec<u8> = vec![0, 255, b'\r', b'\n'];
    redis::cmd("SADD")
        .arg("bin")
        .arg(&member)
        .query::<i64>(&mut con)
        .unwrap();
    let back: Vec<Vec<u8>> = redis::cmd("SMEMBERS").arg("bin").query(&mut con).unwrap();
    assert_eq!(back, vec![member]);
}

#[test]
fn encodings_follow_the_intset_rules_and_never_shrink_back() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SADD", "s", "1", "2"]);
    assert_eq!(encoding(&mut con, "s"), "intset");
    ok(&mut con, &["SADD", "s", "a"]);
    assert_eq!(encoding(&mut con, "s"), "hashtable");
    ok(&mut con, &["SREM", "s", "a"]);
    assert_eq!(encoding(&mut con, "s"), "hashtable");
    ok(
        &mut con,
        &["SADD", "ext", "9223372036854775807", "-9223372036854775808"],
    );
    assert_eq!(encoding(&mut con, "ext"), "intset");
    assert_eq!(
        members(&mut con, "ext"),
        bulks(&["-9223372036854775808", "9223372036854775807"])
    );
    // Not integers in Redis's canonical form.
    for (key, member) in [
        ("a", "01"),
        ("b", "+1"),
        ("c", "-0"),
        ("d", "9223372036854775808"),
        ("e", " 1"),
    ] {
        ok(&mut con, &["SADD", key, member]);
        assert_eq!(encoding(&mut con, key), "hashtable", "{member}");
    }
    // 512 integers (set-max-intset-entries) fit; one more converts.
    let numbers: Vec<String> = (1..=513).map(|i| i.to_string()).collect();
    let mut args = vec!["SADD", "many"];
    args.extend(numbers[..512].iter().map(String::as_str));
    ok(&mut con, &args);
    assert_eq!(encoding(&mut con, "many"), "intset");
    ok(&mut con, &["SADD", "many", &numbers[512]]);
    assert_eq!(encoding(&mut con, "many"), "hashtable");
}

#[test]
fn arity_and_type_errors_match_redis() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for (args, name) in [
        (&["SADD", "s"][..], "sadd"),
        (&["SREM", "s"], "srem"),
        (&["SISMEMBER", "s"], "sismember"),
        (&["SMISMEMBER", "s"], "smismember"),
        (&["SMOVE", "a", "b"], "smove"),
        (&["SINTER"], "sinter"),
        (&["SINTERSTORE", "d"], "sinterstore"),
        (&["SINTERCARD", "1"], "sintercard"),
        (&["SUNION"], "sunion"),
        (&["SDIFF"], "sdiff"),
        (&["SSCAN", "s"], "sscan"),
        (&["SPOP"], "spop"),
    ] {
        assert_eq!(
            err(&mut con, args),
            format!("ERR wrong number of arguments for '{name}' command")
        );
    }
    ok(&mut con, &["SET", "str", "x"]);
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SSCAN", "str", "0"],
        // A missing key before the string does not hide it.
        &["SINTER", "none", "str"],
        &["SUNION", "none", "str"],
        &["SDIFF", "none", "str"],
        &["SINTERSTORE", "d", "none", "str"],
        &["SINTERCARD", "2", "none", "str"],
    ] {
        assert_eq!(err(&mut con, args), WRONGTYPE, "{args:?}");
    }
    assert_eq!(text(&ok(&mut con, &["GET", "str"])), "x");
}

#[test]
fn spop_removes_random_members_and_the_empty_key() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["SPOP", "none"]), Value::Nil);
    assert_eq!(ok(&mut con, &["SPOP", "none", "3"]), Value::Array(vec![]));
    for (args, error) in [
        (&["SPOP", "none", "-1"][..], NOT_POSITIVE),
        (&["SPOP", "s", "x"], NOT_POSITIVE),
        (&["SPOP", "s", "1", "2"], SYNTAX),
        (&["SPOP", "s", "x", "y"], SYNTAX),
    ] {
        assert_eq!(err(&mut con, args), error, "{args:?}");
    }
    ok(
        &mut con,
        &[
            "SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
        ],
    );
    assert_eq!(ok(&mut con, &["SPOP", "s", "0"]), Value::Array(vec![]));
    let one = text(&ok(&mut con, &["SPOP", "s"]));
    let two = sorted(&ok(&mut con, &["SPOP", "s", "2"]));
    let seven = sorted(&ok(&mut con, &["SPOP", "s", "6"]));
    assert_eq!(two.len(), 2);
    assert_eq!(seven.len(), 6);
    let mut popped: BTreeSet<String> = two.union(&seven).cloned().collect();
    assert!(popped.insert(one));
    assert_eq!(popped.len(), 9);
    let last = sorted(&members(&mut con, "s"));
    assert_eq!(last.len(), 1);
    popped.extend(last.clone());
    assert_eq!(popped, (1..=10).map(|i| i.to_string()).collect());
    // A count at least the size takes everything and the key.
    assert_eq!(sorted(&ok(&mut con, &["SPOP", "s", "5"])), last);
    assert_eq!(ok(&mut con, &["EXISTS", "s"]), Value::Int(0));

    // Popping nearly everything rebuilds the set from what stays, as an
    // intset again when only integers stay.
    for _ in 0..5 {
        ok(
            &mut con,
            &[
                "SADD", "z", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9",
            ],
        );
        ok(&mut con, &["SPOP", "z", "9"]);
        let left = texts(&members(&mut con, "z"));
        let expected = if left == ["a"] { "hashtable" } else { "intset" };
        assert_eq!(encoding(&mut con, "z"), expected, "{left:?}");
        ok(&mut con, &["DEL", "z"]);
    }
}

#[test]
fn srandmember_counts_and_errors() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["SRANDMEMBER", "none"]), Value::Nil);
    assert_eq!(
        ok(&mut con, &["SRANDMEMBER", "none", "3"]),
        Value::Array(vec![])
    );
    assert_eq!(err(&mut con, &["SRANDMEMBER", "none", "x"]), NOT_INT);
    ok(&mut con, &["SADD", "s", "3", "1", "2"]);
    let one = text(&ok(&mut con, &["SRANDMEMBER", "s"]));
    assert!(["1", "2", "3"].contains(&one.as_str()));
    assert_eq!(
        ok(&mut con, &["SRANDMEMBER", "s", "0"]),
        Value::Array(vec![])
    );
    assert_eq!(
        ok(&mut con, &["SRANDMEMBER", "s", "100"]),
        bulks(&["1", "2", "3"])
    );
    let two = texts(&ok(&mut con, &["SRANDMEMBER", "s", "2"]));
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1]);
    let picks = texts(&ok(&mut con, &["SRANDMEMBER", "s", "-50"]));
    assert_eq!(picks.len(), 50);
    assert!(picks.iter().all(|p| ["1", "2", "3"].contains(&p.as_str())));
    assert_eq!(ok(&mut con, &["SCARD", "s"]), Value::Int(3));
    for (args, error) in [
        (&["SRANDMEMBER", "s", "x"][..], NOT_INT),
        (&["SRANDMEMBER", "s", "1", "2"], SYNTAX),
        (&["SRANDMEMBER", "s", "x", "y"], SYNTAX),
        (
            &["SRANDMEMBER", "s", "-9223372036854775808"],
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ),
    ] {
        assert_eq!(err(&mut con, args), error, "{args:?}");
    }
}

#[test]
fn smove_moves_between_sets() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SADD", "src", "1", "2", "3"]);
    assert_eq!(ok(&mut con, &["SMOVE", "src", "dst", "1"]), Value::Int(1));
    assert_eq!(encoding(&mut con, "dst"), "intset");
    assert_eq!(ok(&mut con, &["SMOVE", "src", "dst", "9"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["SMOVE", "none", "dst", "1"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["SMOVE", "src", "src", "2"]), Value::Int(1));
    assert_eq!(ok(&mut con, &["SMOVE", "src", "src", "9"]), Value::Int(0));
    ok(&mut con, &["SET", "str", "x"]);
    assert_eq!(err(&mut con, &["SMOVE", "src", "str", "2"]), WRONGTYPE);
    assert_eq!(err(&mut con, &["SMOVE", "str", "src", "2"]), WRONGTYPE);
    // A missing source answers 0 before the destination's type is checked.
    assert_eq!(ok(&mut con, &["SMOVE", "none", "str", "2"]), Value::Int(0));
    ok(&mut con, &["SADD", "words", "a"]);
    assert_eq!(ok(&mut con, &["SMOVE", "src", "words", "2"]), Value::Int(1));
    // Already in the destination: still removed from the source.
    ok(&mut con, &["SADD", "words", "3"]);
    assert_eq!(ok(&mut con, &["SMOVE", "src", "words", "3"]), Value::Int(1));
    assert_eq!(ok(&mut con, &["EXISTS", "src"]), Value::Int(0));
    assert_eq!(
        sorted(&members(&mut con, "words")),
        set_of(&["a", "2", "3"])
    );
    assert_eq!(members(&mut con, "dst"), bulks(&["1"]));
}

#[test]
fn intersections_unions_and_differences() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SADD", "i1", "5", "4", "3", "2", "1"]);
    ok(&mut con, &["SADD", "i2", "7", "6", "5", "4"]);
    ok(&mut con, &["SADD", "i3", "9", "7", "5"]);
    ok(&mut con, &["SADD", "w", "a", "b", "c", "1", "2"]);
    assert_eq!(ok(&mut con, &["SINTER", "i1", "i2"]), bulks(&["4", "5"]));
    assert_eq!(ok(&mut con, &["SINTER", "i1", "i2", "i3"]), bulks(&["5"]));
    assert_eq!(
        ok(&mut con, &["SINTER", "i1", "none"]),
        Value::Array(vec![])
    );
    assert_eq!(
        ok(&mut con, &["SINTER", "i1"]),
        bulks(&["1", "2", "3", "4", "5"])
    );
    assert_eq!(
        ok(&mut con, &["SUNION", "i1", "i2", "i3", "none"]),
        bulks(&["1", "2", "3", "4", "5", "6", "7", "9"])
    );
    assert_eq!(
        ok(&mut con, &["SDIFF", "i1", "i2"]),
        bulks(&["1", "2", "3"])
    );
    assert_eq!(
        ok(&mut con, &["SDIFF", "i1", "i2", "i3"]),
        bulks(&["1", "2", "3"])
    );
    assert_eq!(ok(&mut con, &["SDIFF", "none", "i1"]), Value::Array(vec![]));
    assert_eq!(
        ok(&mut con, &["SDIFF", "i1", "none"]),
        bulks(&["1", "2", "3", "4", "5"])
    );
    assert_eq!(
        sorted(&ok(&mut con, &["SINTER", "w", "i1"])),
        set_of(&["1", "2"])
    );
    assert_eq!(
        sorted(&ok(&mut con, &["SDIFF", "w", "i1"])),
        set_of(&["a", "b", "c"])
    );

    // STORE: the result's encoding is Redis's; an empty result deletes the
    // destination; any old value and TTL are replaced.
    assert_eq!(
        ok(&mut con, &["SINTERSTORE", "d", "w", "i1"]),
        Value::Int(2)
    );
    assert_eq!(encoding(&mut con, "d"), "intset");
    assert_eq!(
        ok(&mut con, &["SUNIONSTORE", "d", "w", "i1"]),
        Value::Int(8)
    );
    assert_eq!(encoding(&mut con, "d"), "hashtable");
    assert_eq!(
        ok(&mut con, &["SDIFFSTORE", "d", "i1", "i2"]),
        Value::Int(3)
    );
    assert_eq!(members(&mut con, "d"), bulks(&["1", "2", "3"]));
    assert_eq!(
        ok(&mut con, &["SINTERSTORE", "d", "i1", "none"]),
        Value::Int(0)
    );
    assert_eq!(ok(&mut con, &["EXISTS", "d"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["SDIFFSTORE", "d", "w", "w"]), Value::Int(0));
    assert_eq!(ok(&mut con, &["EXISTS", "d"]), Value::Int(0));
    ok(&mut con, &["SET", "str", "x", "EX", "100"]);
    assert_eq!(ok(&mut con, &["SUNIONSTORE", "str", "i3"]), Value::Int(3));
    assert_eq!(text(&ok(&mut con, &["TYPE", "str"])), "set");
    assert_eq!(query_int(&mut con, &["TTL", "str"]), -1);
    // The destination may be a source.
    assert_eq!(
        ok(&mut con, &["SUNIONSTORE", "i1", "i1", "i3"]),
        Value::Int(7)
    );
    assert_eq!(
        members(&mut con, "i1"),
        bulks(&["1", "2", "3", "4", "5", "7", "9"])
    );

    assert_eq!(ok(&mut con, &["SINTERCARD", "1", "i1"]), Value::Int(7));
    assert_eq!(
        ok(&mut con, &["SINTERCARD", "2", "i1", "i2"]),
        Value::Int(3)
    );
    assert_eq!(
        ok(&mut con, &["SINTERCARD", "2", "i1", "none"]),
        Value::Int(0)
    );
    assert_eq!(
        ok(&mut con, &["SINTERCARD", "2", "i1", "i2", "LIMIT", "1"]),
        Value::Int(1)
    );
    assert_eq!(
        ok(&mut con, &["SINTERCARD", "2", "i1", "i2", "limit", "0"]),
        Value::Int(3)
    );
    assert_eq!(
        ok(
            &mut con,
            &["SINTERCARD", "1", "i1", "LIMIT", "2", "LIMIT", "5"]
        ),
        Value::Int(5)
    );
    for (args, error) in [
        (
            &["SINTERCARD", "0", "i1"][..],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "x", "i1"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "-1", "i1"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "3", "i1"],
            "ERR Number of keys can't be greater than number of args",
        ),
        (
            &["SINTERCARD", "1", "i1", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (
            &["SINTERCARD", "1", "i1", "LIMIT", "x"],
            "ERR LIMIT can't be negative",
        ),
        (&["SINTERCARD", "1", "i1", "LIMIT"], SYNTAX),
        (&["SINTERCARD", "1", "i1", "FOO", "1"], SYNTAX),
    ] {
        assert_eq!(err(&mut con, args), error, "{args:?}");
    }
}

#[test]
fn sscan_answers_an_intset_whole_and_walks_a_hashtable() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let empty = Value::Array(vec![bulk("0"), Value::Array(vec![])]);
    assert_eq!(ok(&mut con, &["SSCAN", "none", "0", "foo"]), empty);
    assert_eq!(err(&mut con, &["SSCAN", "none", "x"]), "ERR invalid cursor");
    ok(&mut con, &["SADD", "s", "9", "7", "5", "15"]);
    assert_eq!(
        ok(&mut con, &["SSCAN", "s", "0", "COUNT", "1"]),
        Value::Array(vec![bulk("0"), bulks(&["5", "7", "9", "15"])])
    );
    assert_eq!(
        ok(&mut con, &["SSCAN", "s", "0", "MATCH", "1*"]),
        Value::Array(vec![bulk("0"), bulks(&["15"])])
    );
    for (args, error) in [
        (&["SSCAN", "s", "0", "COUNT", "0"][..], SYNTAX),
        (&["SSCAN", "s", "0", "TYPE", "set"], SYNTAX),
        (&["SSCAN", "s", "0", "COUNT", "x"], NOT_INT),
        (&["SSCAN", "s", "0", "MATCH"], SYNTAX),
    ] {
        assert_eq!(err(&mut con, args), error, "{args:?}");
    }
    let expected: BTreeSet<String> = (0..700).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD"];
    args.push("big");
    args.extend(expected.iter().map(String::as_str));
    ok(&mut con, &args);
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    loop {
        let reply = support::items(&ok(&mut con, &["SSCAN", "big", &cursor, "COUNT", "64"]));
        cursor = text(&reply[0]);
        for member in texts(&reply[1]) {
            assert!(seen.insert(member));
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen, expected);
}

#[test]
fn resp3_replies_use_sets_where_redis_does() {
    let server = TestServer::start(&[]);
    let mut con = server.conn_resp3();
    ok(&mut con, &["SADD", "s", "3", "1", "2"]);
    let set = |items: &[&str]| Value::Set(items.iter().map(|s| bulk(s)).collect());
    assert_eq!(members(&mut con, "s"), set(&["1", "2", "3"]));
    assert_eq!(members(&mut con, "none"), set(&[]));
    assert_eq!(ok(&mut con, &["SINTER", "s"]), set(&["1", "2", "3"]));
    assert_eq!(
        ok(&mut con, &["SUNION", "s", "none"]),
        set(&["1", "2", "3"])
    );
    assert_eq!(ok(&mut con, &["SDIFF", "s", "none"]), set(&["1", "2", "3"]));
    assert_eq!(ok(&mut con, &["SPOP", "none", "2"]), set(&[]));
    assert_eq!(ok(&mut con, &["SPOP", "s", "0"]), set(&[]));
    // SRANDMEMBER and SMISMEMBER stay arrays.
    assert_eq!(
        ok(&mut con, &["SRANDMEMBER", "s", "100"]),
        bulks(&["1", "2", "3"])
    );
    assert_eq!(
        ok(&mut con, &["SRANDMEMBER", "none", "2"]),
        Value::Array(vec![])
    );
    assert_eq!(ok(&mut con, &["SMISMEMBER", "s", "1", "5"]), ints(&[1, 0]));
    assert_eq!(ok(&mut con, &["SINTERCARD", "1", "s"]), Value::Int(3));
    assert_eq!(
        ok(&mut con, &["SSCAN", "s", "0"]),
        Value::Array(vec![bulk("0"), bulks(&["1", "2", "3"])])
    );
    assert_eq!(ok(&mut con, &["SPOP", "s", "5"]), set(&["1", "2", "3"]));
}

#[test]
fn reads_count_keyspace_hits_and_writes_do_not() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SADD", "s", "1", "2"]);
    ok(&mut con, &["SADD", "p", "1", "2"]);
    ok(&mut con, &["CONFIG", "RESETSTAT"]);
    for args in [
        &["SISMEMBER", "s", "1"][..],
        &["SCARD", "none"],
        &["SINTER", "s", "none", "s"],
        &["SUNIONSTORE", "d", "s"],
        &["SADD", "s", "3"],
        &["SMOVE", "s", "t", "3"],
        &["SPOP", "s", "1"],
        // The whole set: Redis answers it with a read look-up.
        &["SPOP", "p", "5"],
    ] {
        ok(&mut con, args);
    }
    let stats = aof_support::info(&mut con, "stats");
    assert_eq!(aof_support::info_int(&stats, "keyspace_hits"), 5);
    assert_eq!(aof_support::info_int(&stats, "keyspace_misses"), 2);
}

#[test]
fn command_info_declares_keys_as_redis() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let info = support::items(&ok(
        &mut con,
        &["COMMAND", "INFO", "sintercard", "sinterstore"],
    ));
    let sintercard = support::items(&info[0]);
    assert_eq!(sintercard[1], Value::Int(-3));
    assert_eq!(texts(&sintercard[2]), ["readonly", "movablekeys"]);
    assert_eq!(
        &sintercard[3..6],
        &[Value::Int(0), Value::Int(0), Value::Int(0)]
    );
    let spec = support::fields(&support::items(&sintercard[8])[0]);
    let find_keys = support::fields(&spec[2].1);
    assert_eq!(text(&find_keys[0].1), "keynum");
    let sinterstore = support::items(&info[1]);
    let specs = support::items(&sinterstore[8]);
    assert_eq!(texts(&support::fields(&specs[0])[0].1), ["RW", "update"]);
    assert_eq!(texts(&support::fields(&specs[1])[0].1), ["RO", "access"]);
    assert_eq!(
        ok(
            &mut con,
            &[
                "COMMAND",
                "GETKEYS",
                "SINTERCARD",
                "2",
                "a",
                "b",
                "LIMIT",
                "1"
            ]
        ),
        bulks(&["a", "b"])
    );
    assert_eq!(
        ok(&mut con, &["COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"]),
        bulks(&["a", "b"])
    );
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
fn the_aof_logs_spop_as_its_outcome_and_survives_a_rewrite() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    ok(
        &mut con,
        &["SADD", "s", "1", "2", "3", "4", "5", "6", "a", "b"],
    );
    ok(&mut con, &["SADD", "s", "1"]);
    ok(&mut con, &["SREM", "s", "6", "zz"]);
    ok(&mut con, &["SREM", "s", "zz"]);
    let one = text(&ok(&mut con, &["SPOP", "s"]));
    let two = texts(&ok(&mut con, &["SPOP", "s", "2"]));
    // A member still there after the random pops.
    let moved = texts(&members(&mut con, "s"))[0].clone();
    assert_eq!(ok(&mut con, &["SMOVE", "s", "t", &moved]), Value::Int(1));
    ok(&mut con, &["SADD", "u", "x", "y"]);
    ok(&mut con, &["SPOP", "u", "10"]);
    ok(&mut con, &["SADD", "i", "5", "6"]);
    ok(&mut con, &["SUNIONSTORE", "d", "s", "i"]);
    ok(&mut con, &["SINTERSTORE", "none", "nokey"]);
    let logged = records(&server);
    let names: Vec<&str> = logged.iter().map(|r| r[0].as_str()).collect();
    assert!(!names.contains(&"SPOP"), "{logged:?}");
    assert!(!names.contains(&"SINTERSTORE"), "{logged:?}");
    assert_eq!(
        names.iter().filter(|n| **n == "SADD").count(),
        3,
        "{logged:?}"
    );
    assert!(logged.contains(&vec!["SREM".to_string(), "s".into(), one]));
    let mut popped_two = vec!["SREM".to_string(), "s".into()];
    popped_two.extend(two);
    assert!(logged.contains(&popped_two), "{logged:?}");
    assert!(logged.contains(&vec!["DEL".to_string(), "u".into()]));
    let s = members(&mut con, "s");
    let t = members(&mut con, "t");
    let d = members(&mut con, "d");

    server.restart();
    let mut con = server.conn();
    assert_eq!(members(&mut con, "s"), s);
    assert_eq!(members(&mut con, "t"), t);
    assert_eq!(sorted(&members(&mut con, "d")), sorted(&d));
    assert_eq!(ok(&mut con, &["EXISTS", "u"]), Value::Int(0));

    // A set longer than one rewrite command (64 members), and a TTL.
    let many: Vec<String> = (0..300).map(|i| i.to_string()).collect();
    let mut args = vec!["SADD", "many"];
    args.extend(many.iter().map(String::as_str));
    ok(&mut con, &args);
    ok(&mut con, &["SADD", "words", "b", "a", "c"]);
    ok(&mut con, &["PEXPIRE", "t", "100000000"]);
    let many_members = members(&mut con, "many");
    bgrewrite_and_wait(&mut con);
    let chunks: Vec<usize> = records(&server)
        .iter()
        .filter(|r| r[0] == "SADD" && r[1] == "many")
        .map(|r| r.len() - 2)
        .collect();
    assert_eq!(chunks.iter().sum::<usize>(), 300);
    assert!(chunks.iter().all(|&n| n <= 64), "{chunks:?}");
    ok(&mut con, &["SADD", "words", "z"]);

    server.restart();
    let mut con = server.conn();
    assert_eq!(members(&mut con, "many"), many_members);
    assert_eq!(encoding(&mut con, "many"), "intset");
    assert_eq!(members(&mut con, "words"), bulks(&["b", "a", "c", "z"]));
    assert_eq!(members(&mut con, "t"), t);
    let ttl = query_int(&mut con, &["PTTL", "t"]);
    assert!(ttl > 99_000_000, "{ttl}");
    server.kill9();
}
