//! Pub/Sub against the real binary, with Redis 7.0's exact bytes (checked
//! side by side with redis-server 7.0.15): SUBSCRIBE / PSUBSCRIBE
//! confirmations, message delivery to several clients, UNSUBSCRIBE counts,
//! PUBSUB CHANNELS / NUMSUB / NUMPAT, RESP3 pushes, the RESP2 subscribed-mode
//! restrictions, and cleanup on RESET and disconnect.

mod common;
mod support;

use std::io::Write;
use std::net::TcpStream;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{TestServer, read_exact_reply};
use support::*;

/// Sends one command as a RESP multibulk.
fn send(stream: &mut TcpStream, words: &[&str]) {
    let mut frame = format!("*{}\r\n", words.len());
    for w in words {
        frame.push_str(&format!("${}\r\n{w}\r\n", w.len()));
    }
    stream.write_all(frame.as_bytes()).unwrap();
}

/// Reads exactly `expected.len()` bytes and compares them with `expected`.
fn expect(stream: &mut TcpStream, expected: &str) {
    let got = read_exact_reply(stream, expected.len());
    assert_eq!(String::from_utf8_lossy(&got), expected);
}

/// Sends `words` and expects exactly `reply`.
fn round(stream: &mut TcpStream, words: &[&str], reply: &str) {
    send(stream, words);
    expect(stream, reply);
}

/// `*3 $kind $name :count` (RESP2) or `>3 ...` (RESP3).
fn confirm(head: char, kind: &str, name: &str, count: i64) -> String {
    format!(
        "{head}3\r\n${}\r\n{kind}\r\n${}\r\n{name}\r\n:{count}\r\n",
        kind.len(),
        name.len()
    )
}

fn message(head: char, channel: &str, payload: &str) -> String {
    format!(
        "{head}3\r\n$7\r\nmessage\r\n${}\r\n{channel}\r\n${}\r\n{payload}\r\n",
        channel.len(),
        payload.len()
    )
}

fn pmessage(pattern: &str, channel: &str, payload: &str) -> String {
    format!(
        "*4\r\n$8\r\npmessage\r\n${}\r\n{pattern}\r\n${}\r\n{channel}\r\n${}\r\n{payload}\r\n",
        pattern.len(),
        channel.len(),
        payload.len()
    )
}

/// Polls `PUBSUB NUMSUB channel` until it reads `want` (disconnects are
/// processed asynchronously).
fn wait_numsub(con: &mut redis::Connection, channel: &str, want: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let v = ok(con, &["PUBSUB", "NUMSUB", channel]);
        if int(&items(&v)[1]) == want || Instant::now() > deadline {
            assert_eq!(int(&items(&v)[1]), want, "numsub {channel}");
            return;
        }
        sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_subscribers_both_receive() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    let mut b = server.raw();
    round(
        &mut a,
        &["SUBSCRIBE", "news"],
        &confirm('*', "subscribe", "news", 1),
    );
    round(
        &mut b,
        &["SUBSCRIBE", "news", "other"],
        &(confirm('*', "subscribe", "news", 1) + &confirm('*', "subscribe", "other", 2)),
    );
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["PUBLISH", "news", "hello"]), 2);
    expect(&mut a, &message('*', "news", "hello"));
    expect(&mut b, &message('*', "news", "hello"));
    assert_eq!(query_int(&mut con, &["PUBLISH", "other", "x"]), 1);
    expect(&mut b, &message('*', "other", "x"));
    assert_eq!(query_int(&mut con, &["PUBLISH", "nobody", "x"]), 0);
}

#[test]
fn subscribe_repeats_and_unsubscribe_counts() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    // Nothing subscribed: one reply with a nil name.
    round(
        &mut a,
        &["UNSUBSCRIBE"],
        "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
    );
    round(
        &mut a,
        &["PUNSUBSCRIBE"],
        "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n",
    );
    let expected = confirm('*', "subscribe", "c1", 1)
        + &confirm('*', "subscribe", "c2", 2)
        + &confirm('*', "subscribe", "c1", 2);
    round(&mut a, &["SUBSCRIBE", "c1", "c2", "c1"], &expected);
    let expected = confirm('*', "psubscribe", "c*", 3) + &confirm('*', "psubscribe", "d?", 4);
    round(&mut a, &["PSUBSCRIBE", "c*", "d?"], &expected);
    // A channel not subscribed still gets its confirmation.
    let expected = confirm('*', "unsubscribe", "c1", 3) + &confirm('*', "unsubscribe", "zz", 3);
    round(&mut a, &["UNSUBSCRIBE", "c1", "zz"], &expected);
    round(
        &mut a,
        &["UNSUBSCRIBE"],
        &confirm('*', "unsubscribe", "c2", 2),
    );
    let expected = confirm('*', "punsubscribe", "c*", 1) + &confirm('*', "punsubscribe", "d?", 0);
    round(&mut a, &["PUNSUBSCRIBE"], &expected);
    // Back in normal mode.
    round(&mut a, &["GET", "k"], "$-1\r\n");
}

#[test]
fn pattern_subscriptions_receive_pmessage() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    round(
        &mut a,
        &["SUBSCRIBE", "c1"],
        &confirm('*', "subscribe", "c1", 1),
    );
    let expected = confirm('*', "psubscribe", "c*", 2) + &confirm('*', "psubscribe", "d?", 3);
    round(&mut a, &["PSUBSCRIBE", "c*", "d?"], &expected);
    let mut con = server.conn();
    // The channel subscription and the matching pattern: two receivers.
    assert_eq!(query_int(&mut con, &["PUBLISH", "c1", "hi"]), 2);
    expect(
        &mut a,
        &(message('*', "c1", "hi") + &pmessage("c*", "c1", "hi")),
    );
    assert_eq!(query_int(&mut con, &["PUBLISH", "d1", "x"]), 1);
    expect(&mut a, &pmessage("d?", "d1", "x"));
    assert_eq!(query_int(&mut con, &["PUBLISH", "d12", "x"]), 0);
}

#[test]
fn pubsub_introspection() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    let mut b = server.raw();
    let expected = confirm('*', "subscribe", "c1", 1) + &confirm('*', "subscribe", "c2", 2);
    round(&mut a, &["SUBSCRIBE", "c1", "c2"], &expected);
    round(
        &mut b,
        &["SUBSCRIBE", "c1"],
        &confirm('*', "subscribe", "c1", 1),
    );
    let expected = confirm('*', "psubscribe", "p*", 2) + &confirm('*', "psubscribe", "q*", 3);
    round(&mut b, &["PSUBSCRIBE", "p*", "q*"], &expected);
    round(
        &mut a,
        &["PSUBSCRIBE", "p*"],
        &confirm('*', "psubscribe", "p*", 3),
    );
    let mut con = server.conn();
    let mut all = texts(&ok(&mut con, &["PUBSUB", "CHANNELS"]));
    all.sort();
    assert_eq!(all, ["c1", "c2"]);
    assert_eq!(texts(&ok(&mut con, &["PUBSUB", "CHANNELS", "*2"])), ["c2"]);
    assert!(items(&ok(&mut con, &["PUBSUB", "CHANNELS", "x*"])).is_empty());
    let numsub = items(&ok(&mut con, &["PUBSUB", "NUMSUB", "c1", "c2", "zz"]));
    let numsub: Vec<String> = numsub
        .iter()
        .map(|v| match v {
            redis::Value::Int(n) => n.to_string(),
            other => text(other),
        })
        .collect();
    assert_eq!(numsub, ["c1", "2", "c2", "1", "zz", "0"]);
    assert!(items(&ok(&mut con, &["PUBSUB", "NUMSUB"])).is_empty());
    // Distinct patterns.
    assert_eq!(query_int(&mut con, &["PUBSUB", "NUMPAT"]), 2);
    assert_eq!(
        err(&mut con, &["PUBSUB", "CHANNELS", "a", "b"]),
        "ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP."
    );
    assert_eq!(
        err(&mut con, &["PUBSUB", "NUMPAT", "x"]),
        "ERR wrong number of arguments for 'pubsub|numpat' command"
    );
    assert_eq!(
        err(&mut con, &["PUBSUB", "FOO"]),
        "ERR unknown subcommand 'FOO'. Try PUBSUB HELP."
    );
    assert_eq!(items(&ok(&mut con, &["PUBSUB", "HELP"])).len(), 14);
    let info = text(&ok(&mut con, &["INFO", "stats"]));
    assert!(info.contains("pubsub_channels:2\r\n"), "{info}");
    assert!(info.contains("pubsub_patterns:2\r\n"), "{info}");
    assert!(info.contains("pubsubshard_channels:0\r\n"), "{info}");
    // CLIENT LIST shows the counts and the P flag.
    let list = text(&ok(&mut con, &["CLIENT", "LIST", "TYPE", "pubsub"]));
    assert_eq!(list.lines().count(), 2);
    assert!(list.contains("flags=P db=0 sub=2 psub=1 ssub=0"), "{list}");
    let list = text(&ok(&mut con, &["CLIENT", "LIST", "TYPE", "normal"]));
    assert_eq!(list.lines().count(), 1);
}

#[test]
fn resp2_subscribed_mode_allows_only_pubsub_commands() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    round(
        &mut a,
        &["SUBSCRIBE", "x"],
        &confirm('*', "subscribe", "x", 1),
    );
    round(&mut a, &["PING"], "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    round(
        &mut a,
        &["PING", "hey"],
        "*2\r\n$4\r\npong\r\n$3\r\nhey\r\n",
    );
    let refused = |name: &str| {
        format!(
            "-ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
        )
    };
    round(&mut a, &["GET", "k"], &refused("get"));
    round(&mut a, &["PUBSUB", "NUMPAT"], &refused("pubsub|numpat"));
    round(&mut a, &["PUBLISH", "x", "y"], &refused("publish"));
    round(&mut a, &["MULTI"], &refused("multi"));
    round(&mut a, &["RESET"], "+RESET\r\n");
    // RESET left the channel.
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["PUBLISH", "x", "y"]), 0);
    round(&mut a, &["PING"], "+PONG\r\n");
}

#[test]
fn resp3_uses_pushes_and_allows_every_command() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    send(&mut a, &["HELLO", "3"]);
    // Skip the HELLO map: read until the modules entry ends it.
    let mut seen = Vec::new();
    while !seen.ends_with(b"$7\r\nmodules\r\n*0\r\n") {
        seen.extend(read_exact_reply(&mut a, 1));
    }
    round(
        &mut a,
        &["SUBSCRIBE", "x"],
        &confirm('>', "subscribe", "x", 1),
    );
    round(&mut a, &["PING"], "+PONG\r\n");
    round(&mut a, &["GET", "k"], "_\r\n");
    // A message to itself comes before PUBLISH's reply.
    round(
        &mut a,
        &["PUBLISH", "x", "self"],
        &(message('>', "x", "self") + ":1\r\n"),
    );
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["PUBLISH", "x", "other"]), 1);
    expect(&mut a, &message('>', "x", "other"));
    round(
        &mut a,
        &["UNSUBSCRIBE"],
        &confirm('>', "unsubscribe", "x", 0),
    );
    round(
        &mut a,
        &["UNSUBSCRIBE"],
        ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n",
    );
    round(
        &mut a,
        &["PSUBSCRIBE", "p*"],
        &confirm('>', "psubscribe", "p*", 1),
    );
}

#[test]
fn disconnect_removes_subscriptions() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    let mut b = server.raw();
    round(
        &mut a,
        &["SUBSCRIBE", "ch"],
        &confirm('*', "subscribe", "ch", 1),
    );
    round(
        &mut b,
        &["SUBSCRIBE", "ch"],
        &confirm('*', "subscribe", "ch", 1),
    );
    round(
        &mut b,
        &["PSUBSCRIBE", "c*"],
        &confirm('*', "psubscribe", "c*", 2),
    );
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["PUBLISH", "ch", "1"]), 3);
    drop(b);
    wait_numsub(&mut con, "ch", 1);
    assert_eq!(query_int(&mut con, &["PUBSUB", "NUMPAT"]), 0);
    assert_eq!(query_int(&mut con, &["PUBLISH", "ch", "2"]), 1);
    expect(
        &mut a,
        &(message('*', "ch", "1") + &message('*', "ch", "2")),
    );
    drop(a);
    wait_numsub(&mut con, "ch", 0);
    assert_eq!(query_int(&mut con, &["PUBLISH", "ch", "3"]), 0);
    assert!(items(&ok(&mut con, &["PUBSUB", "CHANNELS"])).is_empty());
}

#[test]
fn subscribe_inside_multi_matches_redis() {
    let server = TestServer::start(&[]);
    let mut a = server.raw();
    round(&mut a, &["MULTI"], "+OK\r\n");
    round(&mut a, &["SUBSCRIBE", "m1", "m2"], "+QUEUED\r\n");
    // Redis writes both confirmations inside EXEC's one-element array.
    let expected = "*1\r\n".to_string()
        + &confirm('*', "subscribe", "m1", 1)
        + &confirm('*', "subscribe", "m2", 2);
    round(&mut a, &["EXEC"], &expected);
}

#[test]
fn command_info_shapes() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let info = items(&ok(&mut con, &["COMMAND", "INFO", "publish", "subscribe"]));
    let publish = items(&info[0]);
    assert_eq!(text(&publish[0]), "publish");
    assert_eq!(int(&publish[1]), 3);
    let flags: Vec<String> = items(&publish[2]).iter().map(text).collect();
    assert_eq!(flags, ["pubsub", "loading", "stale", "fast"]);
    let subscribe = items(&info[1]);
    assert_eq!(int(&subscribe[1]), -2);
    let flags: Vec<String> = items(&subscribe[2]).iter().map(text).collect();
    assert_eq!(flags, ["pubsub", "noscript", "loading", "stale"]);
    // Channels are not keys.
    assert_eq!(int(&subscribe[3]), 0);
    assert!(items(&subscribe[8]).is_empty());
}

#[test]
fn idle_timeout_spares_subscribers() {
    let server = TestServer::start(&["--timeout", "1"]);
    let mut sub = server.raw();
    round(
        &mut sub,
        &["SUBSCRIBE", "ch"],
        &confirm('*', "subscribe", "ch", 1),
    );
    let mut idle = server.raw();
    round(&mut idle, &["PING"], "+PONG\r\n");
    // The plain client is closed once idle for a second...
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut idle, &mut rest).expect("closed before the read timeout");
    sleep(Duration::from_millis(1500));
    // ...the subscriber, idle as long, still receives.
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["PUBLISH", "ch", "still"]), 1);
    expect(&mut sub, &message('*', "ch", "still"));
}
