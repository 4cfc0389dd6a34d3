//! SESSION.* against the real server: creation, info in RESP2 and RESP3,
//! TTLs (fixed, sliding, touch), expiry freeing the session, listing,
//! destroying, and the INFO sessions section.

mod common;
mod support;

use std::thread::sleep;
use std::time::Duration;

use common::{TestServer, data_file};
use redis::Value;
use support::*;

#[test]
fn create_generates_a_uuid_v4_and_info_describes_the_session() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let id = text(&ok(&mut con, &["SESSION.CREATE"]));
    // 8-4-4-4-12 hex digits, version nibble 4, variant 8..b.
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        vec![8, 4, 4, 4, 12],
        "{id}"
    );
    assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    assert!(parts[2].starts_with('4'));
    assert!("89ab".contains(&parts[3][..1]));

    let info = ok(&mut con, &["SESSION.INFO", &id]);
    let names: Vec<String> = fields(&info).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "id",
            "owner",
            "created_ms",
            "last_access_ms",
            "ttl_ms",
            "sliding",
            "tables",
            "memory_bytes",
            "meta"
        ]
    );
    assert_eq!(text(&field(&info, "id")), id);
    assert_eq!(text(&field(&info, "owner")), "default");
    // Default TTL: session-default-ttl = 86400 s.
    let ttl = int(&field(&info, "ttl_ms"));
    assert!(ttl > 86_390_000 && ttl <= 86_400_000, "{ttl}");
    assert_eq!(int(&field(&info, "sliding")), 0);
    assert_eq!(texts(&field(&info, "tables")), Vec::<String>::new());
    assert_eq!(int(&field(&info, "memory_bytes")), 0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now - int(&field(&info, "created_ms"))).abs() < 60_000);
}

#[test]
fn create_options_meta_and_duplicate_ids() {
    let server = TestServer::start(&[]);
    let mut con = server.conn_resp3();
    let id = ok(
        &mut con,
        &[
            "SESSION.CREATE",
            "ID",
            "s1",
            "TTL",
            "0",
            "OWNER",
            "alice",
            "META",
            "app",
            "shop",
            "cart",
            "42",
        ],
    );
    assert_eq!(text(&id), "s1");
    let info = ok(&mut con, &["SESSION.INFO", "s1"]);
    assert!(matches!(info, Value::Map(_)), "RESP3 gives a map: {info:?}");
    assert_eq!(text(&field(&info, "owner")), "alice");
    assert_eq!(int(&field(&info, "ttl_ms")), -1);
    assert_eq!(field(&info, "sliding"), Value::Boolean(false));
    let meta = field(&info, "meta");
    let meta: Vec<(String, String)> = fields(&meta)
        .into_iter()
        .map(|(k, v)| (k, text(&v)))
        .collect();
    assert_eq!(
        meta,
        vec![
            ("app".to_string(), "shop".to_string()),
            ("cart".to_string(), "42".to_string())
        ]
    );

    assert_eq!(
        err(&mut con, &["SESSION.CREATE", "ID", "s1"]),
        "ERR session 's1' already exists"
    );
    assert_eq!(
        err(&mut con, &["SESSION.CREATE", "TTL", "-5"]),
        "ERR invalid expire time in 'session.create' command"
    );
    assert_eq!(
        err(&mut con, &["SESSION.CREATE", "META", "odd"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut con, &["SESSION.CREATE", "BOGUS"]),
        "ERR syntax error"
    );
    // Nothing was created by the failed calls.
    assert_eq!(texts(&ok(&mut con, &["SESSION.LIST"])), vec!["s1"]);
}

#[test]
fn missing_sessions_and_wrong_types_are_errors() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(
        err(&mut con, &["SESSION.INFO", "nope"]),
        "ERR no such session 'nope'"
    );
    assert_eq!(
        err(&mut con, &["FRAME.LIST", "nope"]),
        "ERR no such session 'nope'"
    );
    assert_eq!(
        err(&mut con, &["SESSION.TOUCH", "nope"]),
        "ERR no such session 'nope'"
    );
    ok(&mut con, &["SET", "str", "v"]);
    assert!(err(&mut con, &["SESSION.INFO", "str"]).starts_with("WRONGTYPE"));
    assert!(err(&mut con, &["SESSION.DESTROY", "str"]).starts_with("WRONGTYPE"));
    assert_eq!(
        err(&mut con, &["SESSION.CREATE", "ID", "str"]),
        "ERR key 'str' already exists"
    );
    assert_eq!(text(&ok(&mut con, &["GET", "str"])), "v");
}

#[test]
fn touch_resets_or_sets_the_ttl() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s", "TTL", "100"]);
    assert_eq!(
        int(&ok(&mut con, &["SESSION.TOUCH", "s", "TTL", "5"])),
        5000
    );
    let ttl = int(&field(&ok(&mut con, &["SESSION.INFO", "s"]), "ttl_ms"));
    assert!(ttl > 3000 && ttl <= 5000, "{ttl}");
    assert_eq!(int(&ok(&mut con, &["SESSION.TOUCH", "s"])), 5000);
    assert_eq!(int(&ok(&mut con, &["SESSION.TOUCH", "s", "TTL", "0"])), -1);
    assert_eq!(
        int(&field(&ok(&mut con, &["SESSION.INFO", "s"]), "ttl_ms")),
        -1
    );
    assert_eq!(
        err(&mut con, &["SESSION.TOUCH", "s", "TTL", "x"]),
        "ERR value is not an integer or out of range"
    );
    // A TTL past the last representable deadline is capped, and the reply
    // agrees with what PTTL reports rather than echoing the request.
    let huge = int(&ok(
        &mut con,
        &["SESSION.TOUCH", "s", "TTL", "9223372036854775"],
    ));
    let pttl: i64 = redis::cmd("PTTL").arg("s").query(&mut con).unwrap();
    assert!(huge < 9_223_372_036_854_775_000, "{huge}");
    assert!(
        (huge - pttl).abs() < 1_000,
        "TOUCH said {huge}, PTTL says {pttl}"
    );
}

#[test]
fn sliding_sessions_live_while_used_and_fixed_ones_expire() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(
        &mut con,
        &["SESSION.CREATE", "ID", "slide", "TTL", "2", "SLIDING"],
    );
    ok(&mut con, &["SESSION.CREATE", "ID", "fixed", "TTL", "2"]);
    for i in 0..3 {
        sleep(Duration::from_millis(900));
        // Any SESSION/FRAME access slides the TTL back to 2 s; accessing a
        // session without SLIDING does not extend it.
        ok(&mut con, &["FRAME.LIST", "slide"]);
        if i < 2 {
            ok(&mut con, &["FRAME.LIST", "fixed"]);
        }
    }
    // 2.7 s have passed: the fixed session is gone, the sliding one is not.
    assert_eq!(
        err(&mut con, &["SESSION.INFO", "fixed"]),
        "ERR no such session 'fixed'"
    );
    let info = ok(&mut con, &["SESSION.INFO", "slide"]);
    assert_eq!(int(&field(&info, "sliding")), 1);
    assert!(int(&field(&info, "ttl_ms")) > 1500);
    sleep(Duration::from_millis(2300));
    assert_eq!(int(&ok(&mut con, &["EXISTS", "slide"])), 0);
}

#[test]
fn expiry_frees_the_session_and_counts_it() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "tmp", "TTL", "1"]);
    let csv = data_file("titanic.csv");
    redis::cmd("FRAME.LOAD")
        .arg("tmp")
        .arg("t")
        .arg("FORMAT")
        .arg("csv")
        .arg("DATA")
        .arg(csv)
        .query::<Value>(&mut con)
        .unwrap();
    let before = info_sessions(&mut con);
    assert_eq!(info_field(&before, "sessions"), 1);
    assert_eq!(info_field(&before, "tables"), 1);
    assert!(info_field(&before, "frame_memory_bytes") > 0);
    sleep(Duration::from_millis(1300));
    // Active expiry (or this access) removes it at once, tables and all.
    assert_eq!(int(&ok(&mut con, &["EXISTS", "tmp"])), 0);
    assert_eq!(
        err(&mut con, &["SESSION.INFO", "tmp"]),
        "ERR no such session 'tmp'"
    );
    let after = info_sessions(&mut con);
    assert_eq!(info_field(&after, "sessions"), 0);
    assert_eq!(info_field(&after, "tables"), 0);
    assert_eq!(info_field(&after, "frame_memory_bytes"), 0);
    assert_eq!(info_field(&after, "sessions_expired"), 1);
}

#[test]
fn list_and_scan_filter_by_owner_and_pattern() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    for (id, owner) in [
        ("cart:1", "ann"),
        ("cart:2", "bob"),
        ("cart:3", "ann"),
        ("report:1", "ann"),
    ] {
        ok(&mut con, &["SESSION.CREATE", "ID", id, "OWNER", owner]);
    }
    ok(&mut con, &["SET", "cart:str", "not a session"]);
    assert_eq!(
        texts(&ok(&mut con, &["SESSION.LIST"])),
        vec!["cart:1", "cart:2", "cart:3", "report:1"]
    );
    assert_eq!(
        texts(&ok(
            &mut con,
            &["SESSION.LIST", "OWNER", "ann", "MATCH", "cart:*"]
        )),
        vec!["cart:1", "cart:3"]
    );
    assert_eq!(
        texts(&ok(&mut con, &["SESSION.LIST", "COUNT", "2"])).len(),
        2
    );
    assert_eq!(
        err(&mut con, &["SESSION.LIST", "COUNT", "0"]),
        "ERR syntax error"
    );

    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    loop {
        let reply = ok(
            &mut con,
            &["SESSION.SCAN", &cursor, "COUNT", "2", "MATCH", "cart:*"],
        );
        let Value::Array(parts) = reply else {
            panic!("scan reply")
        };
        cursor = text(&parts[0]);
        seen.extend(texts(&parts[1]));
        if cursor == "0" {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, vec!["cart:1", "cart:2", "cart:3"]);
    // Other databases are separate.
    ok(&mut con, &["SELECT", "1"]);
    assert_eq!(
        texts(&ok(&mut con, &["SESSION.LIST"])),
        Vec::<String>::new()
    );
}

#[test]
fn destroy_removes_the_session_once() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "d"]);
    assert_eq!(text(&ok(&mut con, &["TYPE", "d"])), "session");
    assert_eq!(int(&ok(&mut con, &["SESSION.DESTROY", "d"])), 1);
    assert_eq!(int(&ok(&mut con, &["SESSION.DESTROY", "d"])), 0);
    assert_eq!(int(&ok(&mut con, &["EXISTS", "d"])), 0);
}

#[test]
fn command_docs_describe_the_session_commands() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let info = ok(&mut con, &["COMMAND", "INFO", "session.info", "frame.copy"]);
    let Value::Array(entries) = info else {
        panic!("COMMAND INFO")
    };
    let Value::Array(session_info) = &entries[0] else {
        panic!("entry")
    };
    assert_eq!(text(&session_info[0]), "session.info");
    assert_eq!(int(&session_info[1]), 2);
    assert_eq!(
        (
            int(&session_info[3]),
            int(&session_info[4]),
            int(&session_info[5])
        ),
        (1, 1, 1)
    );
    let Value::Array(copy) = &entries[1] else {
        panic!("entry")
    };
    assert_eq!((int(&copy[3]), int(&copy[4]), int(&copy[5])), (1, 3, 2));
}
