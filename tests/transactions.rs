//! MULTI / EXEC / DISCARD / WATCH / UNWATCH against the real binary, with
//! Redis 7.0's replies (checked side by side with redis-server 7.0.15):
//! queueing, EXECABORT after a queued error, WATCH aborting on a write by
//! another client, on a flush and on an expiry, atomicity, and the AOF
//! (a transaction is replayed whole, or not at all when it was cut short).

mod aof_support;
mod common;
mod support;

use std::io::{Read, Write};
use std::thread::sleep;
use std::time::Duration;

use aof_support::{newest_file, read_records};
use common::{TestServer, temp_dir};
use redis::Value;
use support::*;

/// Sends `commands` (space-separated words) on one raw connection and
/// returns everything the server answered.
fn raw_session(server: &TestServer, commands: &[&str]) -> String {
    let mut stream = server.raw();
    for command in commands {
        let words: Vec<&str> = command.split(' ').collect();
        let mut frame = format!("*{}\r\n", words.len());
        for w in &words {
            frame.push_str(&format!("${}\r\n{w}\r\n", w.len()));
        }
        stream.write_all(frame.as_bytes()).unwrap();
        sleep(Duration::from_millis(5));
    }
    sleep(Duration::from_millis(50));
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn queued_commands_run_on_exec_and_errors_abort() {
    let server = TestServer::start(&[]);
    assert_eq!(
        raw_session(&server, &["SET a 1", "MULTI", "INCR a", "SET b 2", "EXEC"]),
        "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:2\r\n+OK\r\n"
    );
    assert_eq!(
        raw_session(&server, &["MULTI", "FOO", "INCR a", "EXEC", "GET a"]),
        "+OK\r\n-ERR unknown command 'FOO', with args beginning with: \r\n+QUEUED\r\n\
         -EXECABORT Transaction discarded because of previous errors.\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        raw_session(&server, &["MULTI", "INCR", "EXEC"]),
        "+OK\r\n-ERR wrong number of arguments for 'incr' command\r\n\
         -EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    assert_eq!(
        raw_session(
            &server,
            &["EXEC", "DISCARD", "MULTI", "MULTI", "WATCH x", "DISCARD"]
        ),
        "-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n+OK\r\n\
         -ERR MULTI calls can not be nested\r\n-ERR WATCH inside MULTI is not allowed\r\n+OK\r\n"
    );
    // A command failing at EXEC time does not stop the others.
    assert_eq!(
        raw_session(
            &server,
            &["SET s text", "MULTI", "INCR b", "INCR s", "INCR b", "EXEC"]
        ),
        "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n\
         *3\r\n:3\r\n-ERR value is not an integer or out of range\r\n:4\r\n"
    );
    // Frame commands wait for tables: not allowed inside a transaction.
    assert_eq!(
        raw_session(&server, &["MULTI", "FRAME.LIST s", "EXEC"]),
        "+OK\r\n-ERR Command not allowed inside a transaction\r\n\
         -EXECABORT Transaction discarded because of previous errors.\r\n"
    );
}

#[test]
fn watch_aborts_on_writes_flushes_and_expiry_but_not_on_other_keys() {
    let server = TestServer::start(&[]);
    let mut other = server.conn();
    let mut con = server.conn();
    let exec_after = |con: &mut redis::Connection, watch: &str, between: &mut dyn FnMut()| {
        ok(con, &["WATCH", watch]);
        between();
        ok(con, &["MULTI"]);
        ok(con, &["INCR", "counter"]);
        ok(con, &["EXEC"])
    };
    ok(&mut con, &["SET", "w", "1"]);
    let aborted = exec_after(&mut con, "w", &mut || {
        ok(&mut other, &["SET", "w", "2"]);
    });
    assert_eq!(aborted, Value::Nil);
    let untouched = exec_after(&mut con, "w", &mut || {
        ok(&mut other, &["SET", "unrelated", "2"]);
    });
    assert_eq!(untouched, Value::Array(vec![Value::Int(1)]));
    let flushed = exec_after(&mut con, "w", &mut || {
        ok(&mut other, &["FLUSHALL"]);
    });
    assert_eq!(flushed, Value::Nil);
    // A key alive at WATCH whose deadline passes before EXEC aborts it,
    // even if nobody touched it meanwhile.
    ok(&mut con, &["SET", "e", "1", "PX", "100"]);
    let expired = exec_after(&mut con, "e", &mut || sleep(Duration::from_millis(150)));
    assert_eq!(expired, Value::Nil);
    // UNWATCH forgets: the next transaction runs.
    ok(&mut con, &["WATCH", "w"]);
    ok(&mut other, &["SET", "w", "3"]);
    ok(&mut con, &["UNWATCH"]);
    ok(&mut con, &["MULTI"]);
    ok(&mut con, &["INCR", "counter"]);
    assert_eq!(ok(&mut con, &["EXEC"]), Value::Array(vec![Value::Int(1)]));
}

#[test]
fn exec_is_atomic_to_other_clients() {
    let server = TestServer::start(&[]);
    // Each transaction moves one unit from a to b; a reader sums them and
    // must never see a unit in flight.
    let mut con = server.conn();
    ok(&mut con, &["SET", "a", "1000"]);
    ok(&mut con, &["SET", "b", "0"]);
    let url = server.url();
    let mover = std::thread::spawn(move || {
        let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
        for _ in 0..300 {
            let mut pipe = redis::pipe();
            pipe.atomic().cmd("DECR").arg("a").cmd("INCR").arg("b");
            let _: Vec<i64> = pipe.query(&mut con).unwrap();
        }
    });
    let mut seen = 0;
    while !mover.is_finished() {
        let sums: Vec<i64> = redis::cmd("MGET").arg(&["a", "b"]).query(&mut con).unwrap();
        assert_eq!(sums[0] + sums[1], 1000, "saw a transaction half done");
        seen += 1;
    }
    mover.join().unwrap();
    assert!(seen > 0);
    assert_eq!(text(&ok(&mut con, &["GET", "b"])), "300");
}

#[test]
fn the_aof_replays_a_transaction_whole_or_not_at_all() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("SET")
        .arg("x")
        .arg("1")
        .cmd("INCR")
        .arg("x");
    let _: Vec<Value> = pipe.query(&mut con).unwrap();
    let names: Vec<String> = read_records(&newest_file(&server.dir))
        .iter()
        .map(|r| r.name())
        .filter(|n| n != "FRAMEKV.CLOCK" && n != "SELECT")
        .collect();
    assert_eq!(names, ["MULTI", "SET", "INCR", "EXEC"]);
    server.restart();
    let mut con = server.conn();
    assert_eq!(text(&ok(&mut con, &["GET", "x"])), "2");
    // Cut the EXEC record off: the transaction is not applied at all.
    let path = newest_file(&server.dir);
    let records = read_records(&path);
    let exec = records.iter().rposition(|r| r.name() == "EXEC").unwrap();
    let cut_at = records[exec].start as u64;
    server.kill9();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(cut_at).unwrap();
    drop(file);
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["EXISTS", "x"]), 0);
    assert!(
        server
            .log_text()
            .contains("inside a MULTI/EXEC transaction")
    );
    server.kill9();
}
