//! Keyspace notifications (`notify-keyspace-events`) over the real binary:
//! the events of writes, in order, on both channels; `expired` when a key
//! really expires, nobody reading it (Spring Session's indexed repository
//! waits for exactly that); nothing when notifications are off. Expected
//! sequences checked side by side with redis-server 7.0.15.

mod common;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::TestServer;
use support::*;

fn send(stream: &mut TcpStream, words: &[&str]) {
    let mut frame = format!("*{}\r\n", words.len());
    for w in words {
        frame.push_str(&format!("${}\r\n{w}\r\n", w.len()));
    }
    stream.write_all(frame.as_bytes()).unwrap();
}

/// The `(channel, message)` pairs of the `pmessage`s read within `wait`.
fn pmessages(stream: &mut TcpStream, wait: Duration) -> Vec<(String, String)> {
    let deadline = Instant::now() + wait;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    while Instant::now() < deadline {
        if let Ok(n) = stream.read(&mut buf) {
            raw.extend_from_slice(&buf[..n]);
        }
    }
    let text = String::from_utf8(raw).unwrap();
    let lines: Vec<&str> = text
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with(['*', '$', ':']))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == "pmessage" && i + 3 < lines.len() {
            out.push((lines[i + 2].to_string(), lines[i + 3].to_string()));
            i += 4;
        } else {
            i += 1;
        }
    }
    out
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, m)| (c.to_string(), m.to_string()))
        .collect()
}

#[test]
fn writes_and_expiries_are_announced_in_order() {
    let server = TestServer::start(&["--notify-keyspace-events", "KEA"]);
    let mut sub = server.raw();
    send(&mut sub, &["PSUBSCRIBE", "__key*__:*"]);
    std::thread::sleep(Duration::from_millis(100));
    let mut con = server.conn();
    // Spring Session's flow: a hash per session, with an expiry.
    ok(&mut con, &["HMSET", "spring:session:1", "a", "1", "b", "2"]);
    ok(&mut con, &["PEXPIRE", "spring:session:1", "200"]);
    ok(&mut con, &["RPUSH", "l", "x"]);
    ok(&mut con, &["LMOVE", "l", "d", "LEFT", "RIGHT"]);
    let events = pmessages(&mut sub, Duration::from_millis(800));
    assert_eq!(
        events,
        pairs(&[
            ("__keyspace@0__:spring:session:1", "hset"),
            ("__keyevent@0__:hset", "spring:session:1"),
            ("__keyspace@0__:spring:session:1", "expire"),
            ("__keyevent@0__:expire", "spring:session:1"),
            ("__keyspace@0__:l", "rpush"),
            ("__keyevent@0__:rpush", "l"),
            ("__keyspace@0__:d", "rpush"),
            ("__keyevent@0__:rpush", "d"),
            ("__keyspace@0__:l", "lpop"),
            ("__keyevent@0__:lpop", "l"),
            ("__keyspace@0__:l", "del"),
            ("__keyevent@0__:del", "l"),
            // Nobody read the session: the active expiry removed it.
            ("__keyspace@0__:spring:session:1", "expired"),
            ("__keyevent@0__:expired", "spring:session:1"),
        ])
    );
}

#[test]
fn classes_and_channels_follow_the_flags_and_config_set() {
    let server = TestServer::start(&[]);
    let mut sub = server.raw();
    send(&mut sub, &["PSUBSCRIBE", "__key*__:*"]);
    std::thread::sleep(Duration::from_millis(100));
    let mut con = server.conn();
    // Off by default.
    ok(&mut con, &["SET", "k", "v"]);
    assert_eq!(pmessages(&mut sub, Duration::from_millis(200)), vec![]);
    // Keyevent channel, string and expired classes only.
    ok(
        &mut con,
        &["CONFIG", "SET", "notify-keyspace-events", "E$x"],
    );
    ok(&mut con, &["SET", "k", "v", "PX", "100"]);
    ok(&mut con, &["SADD", "s", "m"]);
    let events = pmessages(&mut sub, Duration::from_millis(600));
    assert_eq!(
        events,
        pairs(&[("__keyevent@0__:set", "k"), ("__keyevent@0__:expired", "k")])
    );
}
