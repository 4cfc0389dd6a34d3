//! `LATENCY` (monitoring off) and `WAIT` (no replicas) over the real
//! binary, with redis-server 7.0.15's replies.

mod common;
mod support;

use std::time::{Duration, Instant};

use common::TestServer;
use redis::Value;
use support::*;

#[test]
fn latency_reports_no_samples_and_wait_counts_no_replicas() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["LATENCY", "LATEST"]), Value::Array(vec![]));
    assert_eq!(
        ok(&mut con, &["LATENCY", "HISTORY", "command"]),
        Value::Array(vec![])
    );
    assert_eq!(query_int(&mut con, &["LATENCY", "RESET"]), 0);
    assert_eq!(
        err(&mut con, &["LATENCY", "GRAPH", "x"]),
        "ERR No samples available for event 'x'"
    );
    assert!(text(&ok(&mut con, &["LATENCY", "DOCTOR"])).starts_with("I'm sorry, Dave"));
    assert_eq!(
        err(&mut con, &["LATENCY", "FOO"]),
        "ERR unknown subcommand 'FOO'. Try LATENCY HELP."
    );
    assert_eq!(query_int(&mut con, &["WAIT", "0", "0"]), 0);
    assert_eq!(
        err(&mut con, &["WAIT", "1", "-1"]),
        "ERR timeout is negative"
    );
    assert_eq!(
        err(&mut con, &["WAIT", "a", "0"]),
        "ERR value is not an integer or out of range"
    );
    // Asking for a replica waits out the timeout, then counts none.
    let started = Instant::now();
    assert_eq!(query_int(&mut con, &["WAIT", "1", "150"]), 0);
    assert!(started.elapsed() >= Duration::from_millis(140));
}
