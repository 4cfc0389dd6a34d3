//! The keys (generic) family against the real server: each command's normal
//! path, options and exact Redis 7.0 error texts (taken from a real
//! redis-server 7.0.15). The EXPIRE family, TTL and expiry are in expire.rs.

mod common;
mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use common::TestServer;
use redis::{Connection, Value};
use support::{bulk, cmd, err, ok, query_int as int, status};

/// Creates a session key when the session family is available.
fn session(con: &mut Connection, key: &str) -> bool {
    cmd(&["SESSION.CREATE", "ID", key, "TTL", "0"])
        .query::<Value>(con)
        .is_ok()
}
/// Every key SCAN returns for `extra` options, following cursors to the end.
fn scan_all(con: &mut Connection, extra: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    let mut rounds = 0;
    loop {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(extra);
        let (next, batch): (String, Vec<String>) = cmd(&args).query(con).unwrap();
        keys.extend(batch);
        rounds += 1;
        assert!(rounds < 100_000, "SCAN never finished");
        if next == "0" {
            return keys;
        }
        cursor = next;
    }
}
#[test]
fn del_unlink_exists_touch_type() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["MSET", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(int(&mut con, &["EXISTS", "a", "a", "b", "nope"]), 3);
    assert_eq!(int(&mut con, &["TOUCH", "a", "a", "nope"]), 2);
    assert_eq!(int(&mut con, &["DEL", "a", "a", "nope"]), 1);
    assert_eq!(int(&mut con, &["UNLINK", "b", "c", "b"]), 2);
    assert_eq!(int(&mut con, &["EXISTS", "a", "b", "c"]), 0);
    ok(&mut con, &["SET", "s", "v"]);
    assert_eq!(ok(&mut con, &["TYPE", "s"]), status("string"));
    assert_eq!(ok(&mut con, &["TYPE", "nope"]), status("none"));
    for name in ["del", "unlink", "exists", "touch", "type"] {
        assert_eq!(
            err(&mut con, &[name]),
            format!("ERR wrong number of arguments for '{name}' command")
        );
    }
}
#[test]
fn generic_commands_work_on_session_keys() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    if !session(&mut con, "sess:1") {
        eprintln!("SESSION.CREATE not available yet; skipping");
        return;
    }
    ok(&mut con, &["SET", "str", "v"]);
    assert_eq!(ok(&mut con, &["TYPE", "sess:1"]), status("session"));
    assert_eq!(int(&mut con, &["EXISTS", "sess:1"]), 1);
    assert_eq!(int(&mut con, &["EXPIRE", "sess:1", "100"]), 1);
    assert_eq!(int(&mut con, &["TTL", "sess:1"]), 100);
    assert_eq!(int(&mut con, &["PERSIST", "sess:1"]), 1);
    assert_eq!(int(&mut con, &["TTL", "sess:1"]), -1);
    assert_eq!(
        scan_all(&mut con, &["TYPE", "session"]),
        vec!["sess:1".to_string()]
    );
    assert_eq!(
        scan_all(&mut con, &["TYPE", "string"]),
        vec!["str".to_string()]
    );
    assert_eq!(ok(&mut con, &["RENAME", "sess:1", "sess:2"]), Value::Okay);
    assert_eq!(ok(&mut con, &["TYPE", "sess:2"]), status("session"));
    assert_eq!(int(&mut con, &["UNLINK", "sess:2"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "sess:1", "sess:2"]), 0);
    assert!(session(&mut con, "sess:3"));
    assert_eq!(int(&mut con, &["DEL", "sess:3"]), 1);
}
#[test]
fn keys_and_scan() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let names: Vec<String> = (0..250).map(|i| format!("user:{i}")).collect();
    for n in &names {
        ok(&mut con, &["SET", n, "v"]);
    }
    ok(
        &mut con,
        &["MSET", "other", "1", "hello", "1", "hallo", "1"],
    );
    ok(&mut con, &["SET", "dying", "v", "PX", "20"]);
    std::thread::sleep(Duration::from_millis(60));

    let mut all: Vec<String> = cmd(&["KEYS", "*"]).query(&mut con).unwrap();
    all.sort();
    let mut want: Vec<String> = names.clone();
    want.extend(["other", "hello", "hallo"].map(String::from));
    want.sort();
    assert_eq!(all, want, "KEYS skips the expired key");
    let mut h: Vec<String> = cmd(&["KEYS", "h[ae]llo"]).query(&mut con).unwrap();
    h.sort();
    assert_eq!(h, vec!["hallo", "hello"]);
    let none: Vec<String> = cmd(&["KEYS", "zzz*"]).query(&mut con).unwrap();
    assert!(none.is_empty());

    let scanned: BTreeSet<String> = scan_all(&mut con, &[]).into_iter().collect();
    assert_eq!(scanned, want.iter().cloned().collect::<BTreeSet<_>>());
    let users = scan_all(&mut con, &["MATCH", "user:*", "COUNT", "7"]);
    assert_eq!(users.len(), 250);
    assert_eq!(
        scan_all(&mut con, &["MATCH", "h?llo", "TYPE", "STRING"]).len(),
        2
    );
    assert!(scan_all(&mut con, &["TYPE", "list"]).is_empty());
    assert!(scan_all(&mut con, &["TYPE", "foo"]).is_empty());

    // One call with a COUNT covering everything finishes at once.
    let (cursor, batch): (String, Vec<String>) = cmd(&["SCAN", "0", "COUNT", "1000"])
        .query(&mut con)
        .unwrap();
    assert_eq!((cursor.as_str(), batch.len()), ("0", 253));
    // The largest cursor strtoul accepts is valid (it restarts the walk).
    let (cursor, _): (String, Vec<String>) =
        cmd(&["SCAN", "18446744073709551615", "COUNT", "1000"])
            .query(&mut con)
            .unwrap();
    assert_eq!(cursor, "0");

    assert_eq!(err(&mut con, &["SCAN", "abc"]), "ERR invalid cursor");
    assert_eq!(
        err(&mut con, &["SCAN", "18446744073709551616"]),
        "ERR invalid cursor"
    );
    assert_eq!(
        err(&mut con, &["SCAN", "0", "COUNT", "0"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["SCAN", "0", "COUNT", "-1"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["SCAN", "0", "COUNT", "abc"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(err(&mut con, &["SCAN", "0", "MATCH"]), "ERR syntax error");
    assert_eq!(
        err(&mut con, &["SCAN", "0", "foo", "bar"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["KEYS"]),
        "ERR wrong number of arguments for 'keys' command"
    );
    assert_eq!(
        err(&mut con, &["KEYS", "a", "b"]),
        "ERR wrong number of arguments for 'keys' command"
    );
}
#[test]
fn randomkey_skips_expired_and_is_null_when_empty() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["RANDOMKEY"]), Value::Nil);
    for i in 0..50 {
        ok(&mut con, &["SET", &format!("dead:{i}"), "v", "PX", "20"]);
    }
    ok(&mut con, &["SET", "alive", "v"]);
    std::thread::sleep(Duration::from_millis(60));
    for _ in 0..20 {
        assert_eq!(ok(&mut con, &["RANDOMKEY"]), bulk("alive"));
    }
    ok(&mut con, &["SET", "other", "v"]);
    let mut seen = BTreeSet::new();
    for _ in 0..200 {
        let key: String = cmd(&["RANDOMKEY"]).query(&mut con).unwrap();
        seen.insert(key);
    }
    assert_eq!(
        seen,
        BTreeSet::from(["alive".to_string(), "other".to_string()])
    );
    assert_eq!(
        err(&mut con, &["RANDOMKEY", "x"]),
        "ERR wrong number of arguments for 'randomkey' command"
    );
}
#[test]
fn rename_and_renamenx() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(err(&mut con, &["RENAME", "nope", "x"]), "ERR no such key");
    assert_eq!(err(&mut con, &["RENAMENX", "nope", "x"]), "ERR no such key");
    ok(&mut con, &["SET", "a", "1", "EX", "100"]);
    assert_eq!(ok(&mut con, &["RENAME", "a", "a"]), Value::Okay);
    assert_eq!(int(&mut con, &["RENAMENX", "a", "a"]), 0);
    assert_eq!(ok(&mut con, &["RENAME", "a", "b"]), Value::Okay);
    assert_eq!(int(&mut con, &["EXISTS", "a"]), 0);
    assert_eq!(ok(&mut con, &["GET", "b"]), bulk("1"));
    assert_eq!(int(&mut con, &["TTL", "b"]), 100, "RENAME keeps the TTL");
    ok(&mut con, &["SET", "c", "3"]);
    assert_eq!(int(&mut con, &["RENAMENX", "b", "c"]), 0);
    assert_eq!(ok(&mut con, &["GET", "c"]), bulk("3"));
    assert_eq!(int(&mut con, &["RENAMENX", "b", "d"]), 1);
    assert_eq!(ok(&mut con, &["RENAME", "d", "c"]), Value::Okay);
    assert_eq!(ok(&mut con, &["GET", "c"]), bulk("1"));
    assert_eq!(int(&mut con, &["TTL", "c"]), 100);
}
#[test]
fn copy_and_move() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "x", "8", "EX", "100"]);
    assert_eq!(int(&mut con, &["COPY", "x", "y"]), 1);
    assert_eq!(ok(&mut con, &["GET", "y"]), bulk("8"));
    assert_eq!(int(&mut con, &["TTL", "y"]), 100, "COPY keeps the TTL");
    ok(&mut con, &["SET", "x", "9"]);
    assert_eq!(int(&mut con, &["COPY", "x", "y"]), 0);
    assert_eq!(ok(&mut con, &["GET", "y"]), bulk("8"));
    assert_eq!(int(&mut con, &["COPY", "x", "y", "REPLACE"]), 1);
    assert_eq!(ok(&mut con, &["GET", "y"]), bulk("9"));
    assert_eq!(int(&mut con, &["COPY", "nope", "y"]), 0);
    assert_eq!(
        err(&mut con, &["COPY", "x", "x"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&mut con, &["COPY", "x", "x", "DB", "0"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&mut con, &["COPY", "x", "y", "DB", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut con, &["COPY", "x", "y", "DB", "abc"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut con, &["COPY", "x", "y", "DB", "99999999999"]),
        "ERR value is out of range, value must between -2147483648 and 2147483647"
    );
    assert_eq!(
        err(&mut con, &["COPY", "x", "y", "foo"]),
        "ERR syntax error"
    );
    assert_eq!(err(&mut con, &["COPY", "x", "y", "DB"]), "ERR syntax error");

    // Across databases.
    assert_eq!(int(&mut con, &["COPY", "x", "x", "DB", "1"]), 1);
    assert_eq!(int(&mut con, &["MOVE", "y", "1"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "y"]), 0);
    assert_eq!(
        int(&mut con, &["MOVE", "x", "1"]),
        0,
        "x already exists in db 1"
    );
    assert_eq!(int(&mut con, &["MOVE", "nope", "1"]), 0);
    assert_eq!(
        err(&mut con, &["MOVE", "x", "0"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&mut con, &["MOVE", "x", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut con, &["MOVE", "x", "-1"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut con, &["MOVE", "x", "abc"]),
        "ERR value is not an integer or out of range"
    );
    ok(&mut con, &["SET", "t", "v", "EX", "100"]);
    assert_eq!(int(&mut con, &["MOVE", "t", "2"]), 1);
    ok(&mut con, &["SELECT", "1"]);
    assert_eq!(ok(&mut con, &["GET", "x"]), bulk("9"));
    assert_eq!(ok(&mut con, &["GET", "y"]), bulk("9"));
    ok(&mut con, &["SELECT", "2"]);
    assert_eq!(int(&mut con, &["TTL", "t"]), 100, "MOVE keeps the TTL");
}
#[test]
fn object_subcommands() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(
        &mut con,
        &[
            "MSET",
            "i",
            "12345",
            "s",
            "hello",
            "big",
            &"x".repeat(100),
            "small",
            "7",
        ],
    );
    assert_eq!(ok(&mut con, &["OBJECT", "ENCODING", "i"]), bulk("int"));
    assert_eq!(ok(&mut con, &["OBJECT", "encoding", "s"]), bulk("embstr"));
    assert_eq!(ok(&mut con, &["OBJECT", "ENCODING", "big"]), bulk("raw"));
    assert_eq!(ok(&mut con, &["OBJECT", "ENCODING", "nope"]), Value::Nil);
    assert_eq!(
        int(&mut con, &["OBJECT", "REFCOUNT", "small"]),
        2_147_483_647
    );
    assert_eq!(int(&mut con, &["OBJECT", "REFCOUNT", "s"]), 1);
    assert_eq!(ok(&mut con, &["OBJECT", "IDLETIME", "nope"]), Value::Nil);
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "s"]), 0);
    std::thread::sleep(Duration::from_millis(2100));
    // OBJECT itself does not refresh the access time; GET does.
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "s"]), 2);
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "s"]), 2);
    ok(&mut con, &["GET", "s"]);
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "s"]), 0);
    assert!(
        err(&mut con, &["OBJECT", "FREQ", "s"]).starts_with(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked."
        )
    );
    let help: Vec<String> = cmd(&["OBJECT", "HELP"]).query(&mut con).unwrap();
    assert_eq!(
        help.first().map(String::as_str),
        Some("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(help.len(), 15);
    assert_eq!(
        err(&mut con, &["OBJECT", "foo"]),
        "ERR unknown subcommand 'foo'. Try OBJECT HELP."
    );
    assert_eq!(
        err(&mut con, &["OBJECT", "ENCODING", "a", "b"]),
        "ERR wrong number of arguments for 'object|encoding' command"
    );
    assert_eq!(
        err(&mut con, &["OBJECT"]),
        "ERR wrong number of arguments for 'object' command"
    );
}
#[test]
fn command_info_matches_redis_for_a_sample() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let Ok(info) = cmd(&["COMMAND", "INFO", "expire", "keys", "copy"]).query::<Value>(&mut con)
    else {
        eprintln!("COMMAND INFO not available yet; skipping");
        return;
    };
    let Value::Array(entries) = info else {
        panic!("{info:?}")
    };
    let head = |v: &Value| -> (String, i64, Vec<String>, i64, i64, i64, Vec<String>) {
        let Value::Array(f) = v else { panic!("{v:?}") };
        let text = |v: &Value| match v {
            Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            Value::SimpleString(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        let list = |v: &Value| match v {
            Value::Array(items) | Value::Set(items) => items.iter().map(text).collect(),
            other => panic!("{other:?}"),
        };
        let n = |v: &Value| match v {
            Value::Int(n) => *n,
            other => panic!("{other:?}"),
        };
        (
            text(&f[0]),
            n(&f[1]),
            list(&f[2]),
            n(&f[3]),
            n(&f[4]),
            n(&f[5]),
            list(&f[6]),
        )
    };
    // Values from redis-server 7.0.15's COMMAND INFO.
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        head(&entries[0]),
        (
            "expire".into(),
            -3,
            s(&["write", "fast"]),
            1,
            1,
            1,
            s(&["@keyspace", "@write", "@fast"])
        )
    );
    assert_eq!(
        head(&entries[1]),
        (
            "keys".into(),
            2,
            s(&["readonly"]),
            0,
            0,
            0,
            s(&["@keyspace", "@read", "@slow", "@dangerous"])
        )
    );
    assert_eq!(
        head(&entries[2]),
        (
            "copy".into(),
            -3,
            s(&["write", "denyoom"]),
            1,
            2,
            1,
            s(&["@keyspace", "@write", "@slow"])
        )
    );
}
#[test]
fn scan_returns_every_key_present_throughout_while_others_change() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let mut pipe = redis::pipe();
    for i in 0..2_000 {
        pipe.cmd("SET").arg(format!("stay:{i}")).arg("v").ignore();
        pipe.cmd("SET").arg(format!("go:{i}")).arg("v").ignore();
    }
    pipe.query::<()>(&mut con).unwrap();
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    let mut round = 0;
    loop {
        let (next, batch): (String, Vec<String>) = cmd(&["SCAN", &cursor, "COUNT", "50"])
            .query(&mut con)
            .unwrap();
        seen.extend(batch);
        // Between calls: delete some keys, overwrite some kept ones, add new ones.
        for j in 0..20 {
            let n = (round * 20 + j) % 2_000;
            ok(&mut con, &["DEL", &format!("go:{n}")]);
            ok(
                &mut con,
                &["SET", &format!("stay:{}", (n * 7) % 2_000), "w"],
            );
            ok(&mut con, &["SET", &format!("new:{round}:{j}"), "v"]);
        }
        round += 1;
        if next == "0" {
            break;
        }
        cursor = next;
    }
    for i in 0..2_000 {
        assert!(
            seen.contains(&format!("stay:{i}")),
            "stay:{i} was never returned"
        );
    }
}
