//! Blocking list commands against the real binary: a waiter is served by
//! the push that gives its key elements, several waiters in the order they
//! blocked, a timeout answers nil, CLIENT UNBLOCK ends a wait, a waiter
//! that disconnects loses nothing, and the AOF records what was served.

mod aof_support;
mod common;
mod support;

use std::thread;
use std::time::{Duration, Instant};

use common::{TestServer, temp_dir};
use redis::Value;
use support::*;

fn spawn_cmd(url: String, args: Vec<&'static str>) -> thread::JoinHandle<Result<Value, String>> {
    thread::spawn(move || {
        let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
        let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        call(&mut con, &bytes)
    })
}

/// Waits until `n` clients are blocked (`INFO clients` `blocked_clients`).
fn wait_blocked(con: &mut redis::Connection, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(con).unwrap();
        let blocked = info
            .lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(-1);
        if blocked == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "blocked_clients stayed {blocked}, wanted {n}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

fn pair(key: &str, item: &str) -> Value {
    Value::Array(vec![bulk(key), bulk(item)])
}

#[test]
fn a_push_serves_waiters_in_the_order_they_blocked() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let mut waiters = Vec::new();
    for n in 0..3 {
        waiters.push(spawn_cmd(server.url(), vec!["BLPOP", "none", "q", "0"]));
        wait_blocked(&mut con, n + 1);
    }
    // One push of three elements serves all three, oldest first.
    assert_eq!(query_int(&mut con, &["RPUSH", "q", "a", "b", "c"]), 3);
    let got: Vec<Value> = waiters
        .into_iter()
        .map(|w| w.join().unwrap().unwrap())
        .collect();
    assert_eq!(got, vec![pair("q", "a"), pair("q", "b"), pair("q", "c")]);
    assert_eq!(query_int(&mut con, &["EXISTS", "q"]), 0);
    // Elements already there: no wait.
    ok(&mut con, &["RPUSH", "r", "x", "y"]);
    assert_eq!(ok(&mut con, &["BRPOP", "r", "1"]), pair("r", "y"));
}

#[test]
fn timeouts_unblock_and_disconnects() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let started = Instant::now();
    assert_eq!(ok(&mut con, &["BLPOP", "empty", "0.2"]), Value::Nil);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(190) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    assert_eq!(
        ok(&mut con, &["BLMOVE", "empty", "d", "LEFT", "RIGHT", "0.05"]),
        Value::Nil
    );
    assert_eq!(
        err(&mut con, &["BLPOP", "k", "-1"]),
        "ERR timeout is negative"
    );
    assert_eq!(
        err(&mut con, &["BLPOP", "k", "abc"]),
        "ERR timeout is not a float or out of range"
    );
    // CLIENT UNBLOCK, as a timeout and as an error.
    for (how, expected) in [
        ("TIMEOUT", Ok(Value::Nil)),
        (
            "ERROR",
            Err("UNBLOCKED client unblocked via CLIENT UNBLOCK".to_string()),
        ),
    ] {
        let mut waiter = server.conn();
        let id = query_int(&mut waiter, &["CLIENT", "ID"]);
        let handle = thread::spawn(move || call(&mut waiter, &[b"BLPOP", b"never", b"0"]));
        wait_blocked(&mut con, 1);
        assert_eq!(
            query_int(&mut con, &["CLIENT", "UNBLOCK", &id.to_string(), how]),
            1
        );
        assert_eq!(handle.join().unwrap(), expected);
    }
    assert_eq!(query_int(&mut con, &["CLIENT", "UNBLOCK", "999999"]), 0);
    // A waiter that went away takes nothing.
    let quitter = {
        let mut raw = server.raw();
        std::io::Write::write_all(&mut raw, b"*3\r\n$5\r\nBLPOP\r\n$4\r\nlost\r\n$1\r\n0\r\n")
            .unwrap();
        wait_blocked(&mut con, 1);
        raw
    };
    drop(quitter);
    wait_blocked(&mut con, 0);
    ok(&mut con, &["RPUSH", "lost", "kept"]);
    assert_eq!(query_int(&mut con, &["LLEN", "lost"]), 1);
    // Inside MULTI a blocking pop does not wait.
    let mut pipe = redis::pipe();
    pipe.atomic().cmd("BLPOP").arg("nothing").arg("0");
    let replies: Vec<Value> = pipe.query(&mut con).unwrap();
    assert_eq!(replies, vec![Value::Nil]);
}

#[test]
fn blmove_and_blmpop_are_served_and_logged_as_their_effect() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    let mover = spawn_cmd(
        server.url(),
        vec!["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"],
    );
    wait_blocked(&mut con, 1);
    let mpop = spawn_cmd(
        server.url(),
        vec!["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "2"],
    );
    wait_blocked(&mut con, 2);
    ok(&mut con, &["RPUSH", "src", "1", "2"]);
    assert_eq!(mover.join().unwrap().unwrap(), bulk("2"));
    ok(&mut con, &["RPUSH", "b", "x", "y", "z"]);
    assert_eq!(
        mpop.join().unwrap().unwrap(),
        Value::Array(vec![bulk("b"), Value::Array(vec![bulk("x"), bulk("y")])])
    );
    let names: Vec<String> = aof_support::read_records(&aof_support::newest_file(&server.dir))
        .iter()
        .map(|r| r.name())
        .filter(|n| n != "FRAMEKV.CLOCK" && n != "SELECT")
        .collect();
    assert_eq!(names, ["RPUSH", "LMOVE", "RPUSH", "LPOP"]);
    server.restart();
    let mut con = server.conn();
    assert_eq!(texts(&ok(&mut con, &["LRANGE", "src", "0", "-1"])), ["1"]);
    assert_eq!(texts(&ok(&mut con, &["LRANGE", "dst", "0", "-1"])), ["2"]);
    assert_eq!(texts(&ok(&mut con, &["LRANGE", "b", "0", "-1"])), ["z"]);
    server.kill9();
}

#[test]
fn sorted_set_pops_and_xread_block_are_served_by_writes() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let zpop = spawn_cmd(server.url(), vec!["BZPOPMIN", "z", "0"]);
    wait_blocked(&mut con, 1);
    let reader = spawn_cmd(
        server.url(),
        vec!["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
    );
    wait_blocked(&mut con, 2);
    query_int(&mut con, &["ZADD", "z", "2", "b", "1.5", "a"]);
    assert_eq!(
        zpop.join().unwrap().unwrap(),
        Value::Array(vec![bulk("z"), bulk("a"), bulk("1.5")])
    );
    ok(&mut con, &["XADD", "s", "5-1", "f", "v"]);
    assert_eq!(
        reader.join().unwrap().unwrap(),
        Value::Array(vec![Value::Array(vec![
            bulk("s"),
            Value::Array(vec![Value::Array(vec![
                bulk("5-1"),
                Value::Array(vec![bulk("f"), bulk("v")]),
            ])]),
        ])])
    );
    // The member served went; the other stays.
    assert_eq!(query_int(&mut con, &["ZCARD", "z"]), 1);
    assert_eq!(ok(&mut con, &["BZPOPMAX", "none", "0.05"]), Value::Nil);
    assert_eq!(
        ok(&mut con, &["XREAD", "BLOCK", "50", "STREAMS", "s", "$"]),
        Value::Nil
    );
}
