//! SORT and SORT_RO against the real binary; expected replies checked side
//! by side with redis-server 7.0.15.

mod common;
mod support;

use common::{TestServer, temp_dir};
use support::*;

fn sorted(con: &mut redis::Connection, args: &str) -> Vec<String> {
    let mut argv = vec!["SORT"];
    argv.extend(args.split(' '));
    texts(&ok(con, &argv))
}

#[test]
fn sort_orders_projects_pages_and_stores() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "3", "1", "2", "10"]);
    ok(&mut con, &["SADD", "s", "b", "a", "c"]);
    ok(&mut con, &["ZADD", "z", "3", "x", "1", "y", "2", "w"]);
    ok(&mut con, &["MSET", "w_a", "3", "w_b", "1", "w_c", "2"]);
    for (member, value) in [("a", "30"), ("b", "10"), ("c", "20")] {
        ok(&mut con, &["HSET", &format!("h_{member}"), "f", value]);
    }
    ok(&mut con, &["RPUSH", "words", "b", "a", "c"]);
    assert_eq!(sorted(&mut con, "l"), ["1", "2", "3", "10"]);
    assert_eq!(sorted(&mut con, "l DESC"), ["10", "3", "2", "1"]);
    assert_eq!(sorted(&mut con, "l LIMIT 1 2"), ["2", "3"]);
    assert_eq!(sorted(&mut con, "l LIMIT -1 -1"), ["1", "2", "3", "10"]);
    assert_eq!(sorted(&mut con, "s ALPHA"), ["a", "b", "c"]);
    assert_eq!(sorted(&mut con, "s BY w_*"), ["b", "c", "a"]);
    assert_eq!(
        sorted(&mut con, "s BY w_* GET # GET w_*"),
        ["b", "1", "c", "2", "a", "3"]
    );
    assert_eq!(
        sorted(&mut con, "s BY h_*->f GET h_*->f"),
        ["10", "20", "30"]
    );
    assert_eq!(sorted(&mut con, "z BY nosort"), ["y", "w", "x"]);
    assert_eq!(sorted(&mut con, "z BY nosort DESC"), ["x", "w", "y"]);
    assert_eq!(sorted(&mut con, "words ALPHA DESC"), ["c", "b", "a"]);
    assert_eq!(
        err(&mut con, &["SORT", "words"]),
        "ERR One or more scores can't be converted into double"
    );
    assert_eq!(sorted(&mut con, "missing"), Vec::<String>::new());
    // GET of a pattern without `*` is nil for every element.
    let nils = ok(&mut con, &["SORT", "l", "GET", "nokey"]);
    assert_eq!(items(&nils), vec![redis::Value::Nil; 4]);
    assert_eq!(query_int(&mut con, &["SORT", "l", "STORE", "dst"]), 4);
    assert_eq!(
        texts(&ok(&mut con, &["LRANGE", "dst", "0", "-1"])),
        ["1", "2", "3", "10"]
    );
    // A set sorted for STORE with nosort is sorted by bytes (deterministic).
    assert_eq!(
        query_int(&mut con, &["SORT", "s", "BY", "nosort", "STORE", "dst2"]),
        3
    );
    assert_eq!(
        texts(&ok(&mut con, &["LRANGE", "dst2", "0", "-1"])),
        ["a", "b", "c"]
    );
    ok(&mut con, &["SET", "str", "x"]);
    assert!(err(&mut con, &["SORT", "str"]).starts_with("WRONGTYPE"));
    assert_eq!(
        err(&mut con, &["SORT_RO", "l", "STORE", "x"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["SORT", "l", "LIMIT", "a", "b"]),
        "ERR value is not an integer or out of range"
    );
}

#[test]
fn sort_store_is_logged_as_its_result() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );
    let mut con = server.conn();
    ok(&mut con, &["RPUSH", "l", "3", "1", "2"]);
    assert_eq!(
        query_int(&mut con, &["SORT", "l", "DESC", "STORE", "out"]),
        3
    );
    // An empty result deletes the destination.
    ok(&mut con, &["SET", "gone", "x"]);
    assert_eq!(
        query_int(&mut con, &["SORT", "nothing", "STORE", "gone"]),
        0
    );
    server.restart();
    let mut con = server.conn();
    assert_eq!(
        texts(&ok(&mut con, &["LRANGE", "out", "0", "-1"])),
        ["3", "2", "1"]
    );
    assert_eq!(query_int(&mut con, &["EXISTS", "gone"]), 0);
    server.kill9();
}
