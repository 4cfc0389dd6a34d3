//! Server commands against the real binary: CONFIG, DBSIZE, FLUSHDB,
//! FLUSHALL, TIME, LASTSAVE, SAVE/BGSAVE, SHUTDOWN, DEBUG, MEMORY, SLOWLOG
//! (INFO and its sections are in info.rs).
//! Expected values come from Redis 7.0's documented behaviour.

mod common;
mod info_text;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::TestServer;
use info_text::{info, parse_info};
use redis::{Connection, Value};

fn err_text(result: redis::RedisResult<Value>) -> String {
    match result {
        Err(e) => format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or("")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}
#[test]
fn config_get_set_round_trip_with_globs_and_dedupe() {
    let server = TestServer::start(&[]);
    for resp3 in [false, true] {
        let mut con = if resp3 {
            server.conn_resp3()
        } else {
            server.conn()
        };
        let ok: String = redis::cmd("CONFIG")
            .arg(&["SET", "maxmemory", "2mb", "HZ", "25"])
            .query(&mut con)
            .unwrap();
        assert_eq!(ok, "OK");
        let got: HashMap<String, String> = redis::cmd("CONFIG")
            .arg(&["GET", "maxmemory", "hz"])
            .query(&mut con)
            .unwrap();
        assert_eq!(got["maxmemory"], (2 * 1024 * 1024).to_string());
        assert_eq!(got["hz"], "25");
        let globbed: Vec<(String, String)> = redis::cmd("CONFIG")
            .arg(&["GET", "maxmemory*", "MAXMEMORY"])
            .query(&mut con)
            .unwrap();
        let mut names: Vec<&str> = globbed.iter().map(|(n, _)| n.as_str()).collect();
        names.sort();
        assert_eq!(
            names,
            ["maxmemory", "maxmemory-policy", "maxmemory-samples"]
        );
        let none: HashMap<String, String> = redis::cmd("CONFIG")
            .arg(&["GET", "nosuch*"])
            .query(&mut con)
            .unwrap();
        assert!(none.is_empty());
    }
}
#[test]
fn config_set_errors_match_redis_and_change_nothing() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let set = |con: &mut Connection, args: &[&str]| {
        err_text(redis::cmd("CONFIG").arg("SET").arg(args).query(con))
    };
    assert_eq!(
        set(&mut con, &["nosuch", "1"]),
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
    );
    assert_eq!(
        set(&mut con, &["port", "7000"]),
        "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"
    );
    assert_eq!(
        set(&mut con, &["hz", "abc"]),
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"
    );
    assert_eq!(
        set(&mut con, &["appendonly", "maybe"]),
        "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"
    );
    assert_eq!(
        set(&mut con, &["maxmemory", "10", "maxmemory", "20"]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"
    );
    assert_eq!(
        set(&mut con, &["maxmemory", "10", "hz"]),
        "ERR syntax error"
    );
    assert_eq!(
        set(&mut con, &["maxmemory"]),
        "ERR wrong number of arguments for 'config|set' command"
    );
    // Atomic: a bad second value leaves the first one unapplied.
    let _ = set(&mut con, &["maxmemory", "12345", "hz", "abc"]);
    let got: HashMap<String, String> = redis::cmd("CONFIG")
        .arg(&["GET", "maxmemory"])
        .query(&mut con)
        .unwrap();
    assert_eq!(got["maxmemory"], "0");
}
#[test]
fn config_resetstat_zeroes_counters() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for _ in 0..5 {
        let _: Value = redis::cmd("CONFIG")
            .arg(&["GET", "hz"])
            .query(&mut con)
            .unwrap();
    }
    let _ = err_text(redis::cmd("NOSUCHCOMMAND").query(&mut con));
    let before = parse_info(&info(&mut con, &["stats"]));
    assert!(
        before["Stats"]["total_commands_processed"]
            .parse::<u64>()
            .unwrap()
            >= 6
    );
    assert!(
        before["Stats"]["total_error_replies"]
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let ok: String = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut con)
        .unwrap();
    assert_eq!(ok, "OK");
    let after = parse_info(&info(&mut con, &["stats", "commandstats"]));
    assert!(!after["Commandstats"].contains_key("cmdstat_config|get"));
    assert_eq!(after["Stats"]["total_error_replies"], "0");
    // Only RESETSTAT itself (and possibly this INFO) ran since.
    assert!(
        after["Stats"]["total_commands_processed"]
            .parse::<u64>()
            .unwrap()
            <= 2
    );
    assert_eq!(after["Stats"]["keyspace_hits"], "0");
}
#[test]
fn config_rewrite_needs_a_config_file_and_updates_it() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        err_text(redis::cmd("CONFIG").arg("REWRITE").query(&mut con)),
        "ERR The server is running without a config file"
    );
    drop(server);

    let dir = common::temp_dir();
    let conf = dir.join("framekv.conf");
    std::fs::write(&conf, "# kept comment\nhz 15\nhz 16\n").unwrap();
    let server = TestServer::start_with_config(&conf, &[]);
    let mut con = server.conn();
    let hz: HashMap<String, String> = redis::cmd("CONFIG")
        .arg(&["GET", "hz"])
        .query(&mut con)
        .unwrap();
    assert_eq!(
        hz["hz"], "16",
        "the last occurrence in the file wins, as in Redis"
    );
    let _: String = redis::cmd("CONFIG")
        .arg(&["SET", "hz", "42", "maxmemory-policy", "allkeys-lru"])
        .query(&mut con)
        .unwrap();
    let ok: String = redis::cmd("CONFIG").arg("REWRITE").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(text.starts_with("# kept comment\nhz 42\n"), "{text}");
    assert_eq!(text.matches("\nhz ").count(), 1, "{text}");
    assert!(text.contains("\nmaxmemory-policy allkeys-lru\n"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
#[test]
fn dbsize_flushdb_and_flushall_count_and_remove_keys() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for i in 0..5 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query(&mut con)
            .unwrap();
    }
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    let _: () = redis::cmd("SET")
        .arg("other")
        .arg("x")
        .query(&mut con)
        .unwrap();
    let dbsize = |con: &mut Connection| -> i64 { redis::cmd("DBSIZE").query(con).unwrap() };
    assert_eq!(dbsize(&mut con), 1);
    let _: () = redis::cmd("SELECT").arg(0).query(&mut con).unwrap();
    assert_eq!(dbsize(&mut con), 5);
    let keyspace = parse_info(&info(&mut con, &["keyspace"]));
    assert_eq!(keyspace["Keyspace"]["db0"], "keys=5,expires=0,avg_ttl=0");
    assert_eq!(keyspace["Keyspace"]["db1"], "keys=1,expires=0,avg_ttl=0");

    assert_eq!(
        err_text(redis::cmd("FLUSHDB").arg("LATER").query(&mut con)),
        "ERR syntax error"
    );
    assert_eq!(
        err_text(
            redis::cmd("FLUSHDB")
                .arg(&["ASYNC", "SYNC"])
                .query(&mut con)
        ),
        "ERR syntax error"
    );
    assert_eq!(dbsize(&mut con), 5, "a syntax error flushes nothing");
    let ok: String = redis::cmd("FLUSHDB").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    assert_eq!(dbsize(&mut con), 0);
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    assert_eq!(dbsize(&mut con), 1, "FLUSHDB leaves other databases alone");
    let _: () = redis::cmd("SET")
        .arg("more")
        .arg("y")
        .query(&mut con)
        .unwrap();
    let ok: String = redis::cmd("FLUSHALL").arg("async").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    assert_eq!(dbsize(&mut con), 0);
    assert_eq!(
        err_text(redis::cmd("DBSIZE").arg("x").query(&mut con)),
        "ERR wrong number of arguments for 'dbsize' command"
    );
}
#[test]
fn time_and_lastsave_report_the_clock() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let value: Value = redis::cmd("TIME").query(&mut con).unwrap();
    let Value::Array(parts) = value else {
        panic!("TIME is an array, got {value:?}")
    };
    let text = |v: &Value| match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).unwrap(),
        other => panic!("bulk string expected, got {other:?}"),
    };
    let secs: i64 = text(&parts[0]).parse().unwrap();
    let micros: i64 = text(&parts[1]).parse().unwrap();
    assert!((secs - now).abs() <= 2, "{secs} vs {now}");
    assert!((0..1_000_000).contains(&micros));
    let lastsave: i64 = redis::cmd("LASTSAVE").query(&mut con).unwrap();
    assert!(
        lastsave <= secs && secs - lastsave < 120,
        "LASTSAVE is the start time: {lastsave}"
    );
    // SAVE is a rewrite of the AOF that returns once it is on disk; then
    // LASTSAVE moves to its end.
    std::thread::sleep(Duration::from_millis(1100));
    let saved: String = redis::cmd("SAVE").query(&mut con).unwrap();
    assert_eq!(saved, "OK");
    let after: i64 = redis::cmd("LASTSAVE").query(&mut con).unwrap();
    assert!(
        after > lastsave,
        "LASTSAVE after SAVE: {after} vs {lastsave}"
    );
    assert!(
        server
            .dir
            .join("appendonlydir/appendonly.aof.manifest")
            .exists()
    );
    assert_eq!(
        err_text(redis::cmd("BGSAVE").arg("NOW").query(&mut con)),
        "ERR syntax error"
    );
}
#[test]
fn shutdown_closes_the_connection_without_a_reply_and_exits_cleanly() {
    let mut server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        err_text(redis::cmd("SHUTDOWN").arg("ABORT").query(&mut con)),
        "ERR No shutdown in progress."
    );
    assert_eq!(
        err_text(
            redis::cmd("SHUTDOWN")
                .arg(&["NOSAVE", "SAVE"])
                .query(&mut con)
        ),
        "ERR syntax error"
    );
    assert_eq!(
        err_text(redis::cmd("SHUTDOWN").arg("SOON").query(&mut con)),
        "ERR syntax error"
    );
    let mut raw = server.raw();
    raw.write_all(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
        .unwrap();
    let mut buf = Vec::new();
    let _ = raw.read_to_end(&mut buf);
    assert!(
        buf.is_empty(),
        "Redis sends nothing before closing, got {:?}",
        String::from_utf8_lossy(&buf)
    );
    assert_eq!(server.wait_exit(Duration::from_secs(15)), Some(0));
}
#[test]
fn debug_sleep_blocks_only_the_caller_and_debug_object_describes_keys() {
    let server = TestServer::start(&[]);
    let mut sleeper = server.conn();
    let mut other = server.conn();
    let started = Instant::now();
    let handle = std::thread::spawn(move || {
        let ok: String = redis::cmd("DEBUG")
            .arg(&["SLEEP", "0.6"])
            .query(&mut sleeper)
            .unwrap();
        (ok, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(100));
    let ping_at = Instant::now();
    let pong: String = redis::cmd("PING").query(&mut other).unwrap();
    assert_eq!(pong, "PONG");
    assert!(
        ping_at.elapsed() < Duration::from_millis(300),
        "other clients are not blocked"
    );
    let (ok, slept) = handle.join().unwrap();
    assert_eq!(ok, "OK");
    assert!(slept >= Duration::from_millis(600), "slept {slept:?}");

    let _: () = redis::cmd("SET")
        .arg("n")
        .arg("12")
        .query(&mut other)
        .unwrap();
    let line: String = redis::cmd("DEBUG")
        .arg(&["OBJECT", "n"])
        .query(&mut other)
        .unwrap();
    assert!(
        line.starts_with("Value at:0x") && line.contains(" encoding:int serializedlength:2 "),
        "{line}"
    );
    assert_eq!(
        err_text(
            redis::cmd("DEBUG")
                .arg(&["OBJECT", "missing"])
                .query(&mut other)
        ),
        "ERR no such key"
    );
    assert_eq!(
        err_text(redis::cmd("DEBUG").arg(&["Frobnicate"]).query(&mut other)),
        "ERR unknown subcommand or wrong number of arguments for 'Frobnicate'. Try DEBUG HELP."
    );
}
#[test]
fn memory_usage_measures_existing_keys_only() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let _: () = redis::cmd("SET")
        .arg("small")
        .arg("x")
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg("y".repeat(10_000))
        .query(&mut con)
        .unwrap();
    let small: i64 = redis::cmd("MEMORY")
        .arg(&["USAGE", "small"])
        .query(&mut con)
        .unwrap();
    let big: i64 = redis::cmd("MEMORY")
        .arg(&["USAGE", "big", "SAMPLES", "0"])
        .query(&mut con)
        .unwrap();
    assert!(small > 0 && big >= 10_000 && big > small, "{small} {big}");
    let missing: Option<i64> = redis::cmd("MEMORY")
        .arg(&["USAGE", "nope"])
        .query(&mut con)
        .unwrap();
    assert_eq!(missing, None);
    assert_eq!(
        err_text(
            redis::cmd("MEMORY")
                .arg(&["USAGE", "small", "SAMPLES", "-1"])
                .query(&mut con)
        ),
        "ERR syntax error"
    );
}
#[test]
fn slowlog_records_commands_over_the_threshold() {
    let server = TestServer::start(&["--slowlog-log-slower-than", "0"]);
    let mut con = server.conn();
    let _: String = redis::cmd("CLIENT")
        .arg(&["SETNAME", "slowpoke"])
        .query(&mut con)
        .unwrap_or_default();
    let reset: String = redis::cmd("SLOWLOG").arg("RESET").query(&mut con).unwrap();
    assert_eq!(reset, "OK");
    let _: Value = redis::cmd("CONFIG")
        .arg(&["GET", "hz"])
        .query(&mut con)
        .unwrap();
    let long_arg = "z".repeat(200);
    let _: Value = redis::cmd("ECHO")
        .arg(&long_arg)
        .query(&mut con)
        .unwrap_or(Value::Nil);
    let entries: Value = redis::cmd("SLOWLOG")
        .arg(&["GET", "-1"])
        .query(&mut con)
        .unwrap();
    let Value::Array(entries) = entries else {
        panic!("array expected")
    };
    // Newest first: ECHO (or its error), then CONFIG GET, then SLOWLOG RESET.
    let args_of = |entry: &Value| -> Vec<String> {
        let Value::Array(fields) = entry else {
            panic!("entry is an array")
        };
        assert_eq!(fields.len(), 6);
        let Value::Array(args) = &fields[3] else {
            panic!("args array")
        };
        args.iter()
            .map(|a| match a {
                Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let config_entry = entries
        .iter()
        .find(|e| args_of(e) == ["CONFIG", "GET", "hz"])
        .expect("CONFIG GET logged");
    let Value::Array(fields) = config_entry else {
        unreachable!()
    };
    assert!(matches!(fields[0], Value::Int(id) if id >= 0));
    assert!(matches!(fields[2], Value::Int(us) if us >= 0));
    let echo = entries
        .iter()
        .map(args_of)
        .find(|a| a[0] == "ECHO")
        .expect("ECHO logged");
    assert_eq!(echo[1], format!("{}... (72 more bytes)", "z".repeat(128)));
    let len: i64 = redis::cmd("SLOWLOG").arg("LEN").query(&mut con).unwrap();
    assert!(len >= 3);
    assert_eq!(
        err_text(redis::cmd("SLOWLOG").arg(&["GET", "-2"]).query(&mut con)),
        "ERR count should be greater than or equal to -1"
    );
}
