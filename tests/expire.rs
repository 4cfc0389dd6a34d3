//! The EXPIRE family, TTL reads and key expiry (lazy and the active cycle)
//! against the real server, with exact Redis 7.0 error texts (taken from a
//! real redis-server 7.0.15).

mod common;
mod support;

use std::time::{Duration, Instant};

use common::TestServer;
use support::{bulk, err, ok, query_int as int, status};

#[test]
fn expire_family_and_ttl_reads() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    assert_eq!(int(&mut con, &["TTL", "nope"]), -2);
    assert_eq!(int(&mut con, &["PTTL", "nope"]), -2);
    assert_eq!(int(&mut con, &["EXPIRETIME", "nope"]), -2);
    assert_eq!(int(&mut con, &["PEXPIRETIME", "nope"]), -2);
    assert_eq!(int(&mut con, &["EXPIRE", "nope", "10"]), 0);
    ok(&mut con, &["SET", "k", "v"]);
    assert_eq!(int(&mut con, &["TTL", "k"]), -1);
    assert_eq!(int(&mut con, &["PTTL", "k"]), -1);
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), -1);
    assert_eq!(int(&mut con, &["EXPIRE", "k", "100"]), 1);
    assert_eq!(int(&mut con, &["TTL", "k"]), 100);
    let pttl = int(&mut con, &["PTTL", "k"]);
    assert!((99_000..=100_000).contains(&pttl), "{pttl}");
    assert_eq!(int(&mut con, &["PEXPIRE", "k", "200000"]), 1);
    assert_eq!(int(&mut con, &["TTL", "k"]), 200);
    assert_eq!(int(&mut con, &["EXPIREAT", "k", "4000000000"]), 1);
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), 4_000_000_000);
    assert_eq!(int(&mut con, &["PEXPIRETIME", "k"]), 4_000_000_000_000);
    assert_eq!(int(&mut con, &["PEXPIREAT", "k", "4000000000123"]), 1);
    assert_eq!(int(&mut con, &["PEXPIRETIME", "k"]), 4_000_000_000_123);
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), 4_000_000_000);
    assert_eq!(int(&mut con, &["PERSIST", "k"]), 1);
    assert_eq!(int(&mut con, &["PERSIST", "k"]), 0);
    assert_eq!(int(&mut con, &["PERSIST", "nope"]), 0);
    assert_eq!(int(&mut con, &["TTL", "k"]), -1);
}
#[test]
fn expire_conditions_follow_redis_7() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "a", "1"]);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "100", "XX"]), 0);
    assert_eq!(
        int(&mut con, &["EXPIRE", "a", "100", "GT"]),
        0,
        "no TTL counts as infinite"
    );
    assert_eq!(int(&mut con, &["TTL", "a"]), -1);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "100", "NX"]), 1);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "200", "NX"]), 0);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "200", "XX"]), 1);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "100", "GT"]), 0);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "300", "gt"]), 1);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "400", "LT"]), 0);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "50", "lt"]), 1);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "60", "XX", "GT"]), 1);
    assert_eq!(int(&mut con, &["TTL", "a"]), 60);
    assert_eq!(int(&mut con, &["EXPIRE", "a", "100", "NX", "NX"]), 0);

    assert_eq!(
        err(&mut con, &["EXPIRE", "a", "100", "NX", "XX"]),
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    );
    assert_eq!(
        err(&mut con, &["EXPIRE", "a", "100", "NX", "GT"]),
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    );
    assert_eq!(
        err(&mut con, &["EXPIRE", "a", "100", "GT", "LT"]),
        "ERR GT and LT options at the same time are not compatible"
    );
    assert_eq!(
        err(&mut con, &["EXPIRE", "a", "100", "foo"]),
        "ERR Unsupported option foo"
    );
    assert_eq!(
        err(&mut con, &["EXPIRE", "nope", "abc", "foo"]),
        "ERR Unsupported option foo"
    );
    assert_eq!(
        err(&mut con, &["EXPIRE", "a", "abc"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut con, &["EXPIRE", "a"]),
        "ERR wrong number of arguments for 'expire' command"
    );
    for (name, value) in [
        ("EXPIRE", "9223372036854775807"),
        ("EXPIRE", "92233720368547758"),
        ("EXPIRE", "-9223372036854775808"),
        ("PEXPIRE", "9223372036854775807"),
        ("EXPIREAT", "9223372036854775807"),
    ] {
        assert_eq!(
            err(&mut con, &[name, "a", value]),
            format!(
                "ERR invalid expire time in '{}' command",
                name.to_lowercase()
            )
        );
    }
    assert_eq!(
        int(&mut con, &["TTL", "a"]),
        60,
        "failed commands change nothing"
    );
    assert_eq!(int(&mut con, &["PEXPIREAT", "a", "9223372036854775807"]), 1);
    assert_eq!(int(&mut con, &["PEXPIRETIME", "a"]), i64::MAX);
}
#[test]
fn past_or_non_positive_times_delete_the_key() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "b", "1"]);
    assert_eq!(int(&mut con, &["EXPIRE", "b", "0"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "b"]), 0);
    ok(&mut con, &["SET", "b", "1"]);
    assert_eq!(int(&mut con, &["PEXPIRE", "b", "-5"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "b"]), 0);
    ok(&mut con, &["SET", "e", "1"]);
    assert_eq!(int(&mut con, &["PEXPIREAT", "e", "1"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "e"]), 0);
    // GT with a past time on a key with a TTL fails; LT deletes.
    ok(&mut con, &["SET", "b", "1", "EX", "10"]);
    assert_eq!(int(&mut con, &["EXPIRE", "b", "-5", "GT"]), 0);
    assert_eq!(int(&mut con, &["TTL", "b"]), 10);
    assert_eq!(int(&mut con, &["EXPIRE", "b", "-5", "LT"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "b"]), 0);
    // Without a TTL: GT fails, XX fails, NX and LT delete.
    ok(&mut con, &["MSET", "c", "1", "d", "1"]);
    assert_eq!(int(&mut con, &["EXPIRE", "c", "-5", "GT"]), 0);
    assert_eq!(int(&mut con, &["EXPIRE", "c", "-5", "XX"]), 0);
    assert_eq!(int(&mut con, &["EXISTS", "c"]), 1);
    assert_eq!(int(&mut con, &["EXPIRE", "c", "-5", "NX"]), 1);
    assert_eq!(int(&mut con, &["EXPIRE", "d", "-5", "LT"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "c", "d"]), 0);
}
#[test]
fn short_ttls_expire_and_ttl_counts_down() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "k", "v", "PX", "50"]);
    ok(&mut con, &["SET", "k2", "v"]);
    assert_eq!(int(&mut con, &["PEXPIRE", "k2", "50"]), 1);
    let pttl = int(&mut con, &["PTTL", "k"]);
    assert!((0..=50).contains(&pttl), "{pttl}");
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(int(&mut con, &["EXISTS", "k", "k2"]), 0);
    assert_eq!(int(&mut con, &["PTTL", "k"]), -2);
    assert_eq!(ok(&mut con, &["TYPE", "k2"]), status("none"));
    assert_eq!(int(&mut con, &["PERSIST", "k"]), 0);
    assert_eq!(int(&mut con, &["EXPIRE", "k", "100"]), 0);
}
/// Reclaiming many expired keys needs the server's active expiry cycle:
/// nobody reads these keys again, yet DBSIZE must drop to 0.
#[test]
fn active_expiry_reclaims_200k_keys() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let total = 200_000;
    for chunk in 0..(total / 10_000) {
        let mut pipe = redis::pipe();
        for i in 0..10_000 {
            pipe.cmd("SET")
                .arg(format!("tmp:{}", chunk * 10_000 + i))
                .arg("v")
                .arg("PX")
                .arg(100)
                .ignore();
        }
        pipe.query::<()>(&mut con).unwrap();
    }
    ok(&mut con, &["SET", "keeper", "v"]);
    let size = int(&mut con, &["DBSIZE"]);
    assert!(size > 1, "{size}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let size = int(&mut con, &["DBSIZE"]);
        if size == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "DBSIZE still {size} 5 s after the keys expired"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(ok(&mut con, &["GET", "keeper"]), bulk("v"));
}
