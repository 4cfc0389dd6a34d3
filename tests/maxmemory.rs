//! `maxmemory` and `maxmemory-policy` against the real server: the OOM
//! refusal of Redis 7.0.15 (text checked on the reference server), eviction
//! per policy, `evicted_keys`, and sessions holding frames counted and
//! evicted like other keys. Memory figures are noisy, so limits are set as
//! the usage measured at test start plus a margin.

mod common;
mod support;

use common::TestServer;
use redis::Connection;
use support::{bulk, call, csv_session, err, ok, query_int as int};

const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
const MB: i64 = 1024 * 1024;

/// A field of `INFO <section>` as an integer.
fn info(con: &mut Connection, section: &str, name: &str) -> i64 {
    let text: String = support::cmd(&["INFO", section]).query(con).expect("INFO");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in INFO {section}"))
}

fn used(con: &mut Connection) -> i64 {
    info(con, "memory", "used_memory")
}

/// Sets the policy and a limit of current usage + `margin` bytes.
fn limit(con: &mut Connection, policy: &str, margin: i64) -> i64 {
    let max = used(con) + margin;
    ok(con, &["CONFIG", "SET", "maxmemory-policy", policy]);
    ok(con, &["CONFIG", "SET", "maxmemory", &max.to_string()]);
    max
}

fn value() -> String {
    "x".repeat(10_000)
}

#[test]
fn noeviction_refuses_denyoom_commands_but_reads_and_deletes_work() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "k0", "v"]);
    limit(&mut con, "noeviction", 4 * MB);
    let v = value();
    let mut refused = None;
    for i in 1..2_000 {
        if let Err(e) = call(
            &mut con,
            &[b"SET", format!("k{i}").as_bytes(), v.as_bytes()],
        ) {
            refused = Some(e);
            break;
        }
    }
    assert_eq!(refused.as_deref(), Some(OOM));
    // Well under current usage from here on: the refused command's own
    // argument no longer counts.
    let low = used(&mut con) - MB;
    ok(&mut con, &["CONFIG", "SET", "maxmemory", &low.to_string()]);
    assert_eq!(err(&mut con, &["SET", "again", "v"]), OOM);
    assert_eq!(ok(&mut con, &["GET", "k0"]), bulk("v"));
    assert_eq!(int(&mut con, &["DEL", "k0"]), 1);
    // Inside MULTI the refusal comes at queue time and EXEC aborts.
    ok(&mut con, &["MULTI"]);
    assert_eq!(err(&mut con, &["SET", "m", "v"]), OOM);
    assert_eq!(
        err(&mut con, &["EXEC"]),
        "EXECABORT Transaction discarded because of previous errors."
    );
    assert_eq!(info(&mut con, "stats", "evicted_keys"), 0);
    let stats: String = support::cmd(&["INFO", "commandstats"])
        .query(&mut con)
        .expect("INFO");
    let set = stats
        .lines()
        .find(|l| l.starts_with("cmdstat_set:"))
        .expect("set stats");
    assert!(!set.contains("rejected_calls=0"), "{set}");
    // Lifting the limit lets writes through again.
    ok(&mut con, &["CONFIG", "SET", "maxmemory", "0"]);
    assert_eq!(ok(&mut con, &["SET", "again", "v"]), redis::Value::Okay);
}

#[test]
fn exec_with_a_denyoom_command_queued_is_discarded_when_over() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let mut other = server.conn();
    ok(&mut con, &["MULTI"]);
    ok(&mut con, &["SET", "a", "b"]);
    ok(&mut other, &["CONFIG", "SET", "maxmemory", "1000"]);
    assert_eq!(
        err(&mut con, &["EXEC"]),
        format!("EXECABORT Transaction discarded because of: {OOM}")
    );
    assert_eq!(err(&mut con, &["EXEC"]), "ERR EXEC without MULTI");
    // A script's first write is refused; pcall sees the plain error.
    let e = err(&mut con, &["EVAL", "return redis.call('set','x','1')", "0"]);
    assert!(e.starts_with(OOM), "{e}");
    let pcall = "return redis.pcall('set','x','1')";
    assert_eq!(err(&mut con, &["EVAL", pcall, "0"]), OOM);
    // Once a script has written, later writes may go on (Redis 7.0).
    let after_write = "redis.call('del','nokey'); return redis.call('set','x','1')";
    assert_eq!(
        ok(&mut con, &["EVAL", after_write, "0"]),
        redis::Value::Okay
    );
    // A shebang script is denyoom as a whole unless it says otherwise.
    assert_eq!(err(&mut con, &["EVAL", "#!lua\nreturn 1", "0"]), OOM);
    let no_writes = "#!lua flags=no-writes\nreturn redis.call('get','x')";
    assert_eq!(ok(&mut con, &["EVAL", no_writes, "0"]), bulk("1"));
    let allow_oom = "#!lua flags=allow-oom\nreturn redis.call('set','y','1')";
    assert_eq!(ok(&mut con, &["EVAL", allow_oom, "0"]), redis::Value::Okay);
    // Reads inside MULTI are refused at queue time too, as in Redis.
    ok(&mut con, &["MULTI"]);
    assert_eq!(err(&mut con, &["GET", "x"]), OOM);
    ok(&mut con, &["DISCARD"]);
    ok(&mut other, &["CONFIG", "SET", "maxmemory", "0"]);
}

#[test]
fn allkeys_lru_keeps_recently_used_keys() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["CONFIG", "SET", "maxmemory-samples", "10"]);
    for h in 0..5 {
        ok(&mut con, &["SET", &format!("hot{h}"), "v"]);
    }
    limit(&mut con, "allkeys-lru", 4 * MB);
    let v = value();
    for i in 0..1_000 {
        if i % 100 == 0 {
            // The access clock counts 10 ms ticks (Redis's counts seconds):
            // keys touched within one tick look equally recent, so each
            // batch of writes starts in a later tick than the last touch
            // of the hot keys, or a fast machine writes the whole keyspace
            // in one tick and LRU has nothing to go on.
            std::thread::sleep(std::time::Duration::from_millis(12));
        }
        ok(&mut con, &["SET", &format!("k{i}"), &v]);
        if i % 10 == 0 {
            for h in 0..5 {
                ok(&mut con, &["GET", &format!("hot{h}")]);
            }
        }
    }
    for h in 0..5 {
        assert_eq!(ok(&mut con, &["GET", &format!("hot{h}")]), bulk("v"));
    }
    assert!(info(&mut con, "stats", "evicted_keys") > 0);
    assert!(int(&mut con, &["DBSIZE"]) < 1_005);
}

#[test]
fn volatile_ttl_evicts_soonest_deadlines_and_never_persistent_keys() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let v = value();
    for i in 0..20 {
        ok(&mut con, &["SET", &format!("p{i}"), &v]);
    }
    limit(&mut con, "volatile-ttl", 3 * MB);
    let mut written = 0;
    for i in 0..600 {
        let ttl = (10_000 + i).to_string();
        if call(
            &mut con,
            &[
                b"SET",
                format!("t{i}").as_bytes(),
                v.as_bytes(),
                b"EX",
                ttl.as_bytes(),
            ],
        )
        .is_err()
        {
            break;
        }
        written = i + 1;
    }
    assert!(info(&mut con, "stats", "evicted_keys") > 0);
    for i in 0..20 {
        assert_eq!(int(&mut con, &["EXISTS", &format!("p{i}")]), 1, "p{i}");
    }
    // The survivors are the latest deadlines: no gap after the first one.
    let alive: Vec<i64> = (0..written)
        .map(|i| int(&mut con, &["EXISTS", &format!("t{i}")]))
        .collect();
    let first = alive.iter().position(|&a| a == 1).expect("some survive");
    assert!(first > 0);
    assert!(alive[first..].iter().all(|&a| a == 1), "{alive:?}");
}

#[test]
fn allkeys_random_keeps_memory_under_the_limit() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
    let mut sub = server.conn();
    sub.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    let mut pubsub = sub.as_pubsub();
    pubsub
        .subscribe("__keyevent@0__:evicted")
        .expect("subscribe");
    let max = limit(&mut con, "allkeys-random", 4 * MB);
    let v = value();
    for i in 0..2_000 {
        ok(&mut con, &["SET", &format!("k{i}"), &v]);
    }
    assert!(info(&mut con, "stats", "evicted_keys") > 0);
    assert!(used(&mut con) < max + MB, "{} vs {max}", used(&mut con));
    let message = pubsub.get_message().expect("an evicted event");
    let key: String = message.get_payload().expect("payload");
    assert!(key.starts_with('k'), "{key}");
}

#[test]
fn sessions_count_toward_memory_and_are_evicted_like_keys() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    let before = used(&mut con);
    csv_session(&mut con, "s1", "pets", "seattlepets.csv");
    let after = used(&mut con);
    assert!(after > before + MB, "{before} -> {after}");
    // Under noeviction, loading more over the limit is refused.
    let max = before + (after - before) / 2;
    ok(&mut con, &["CONFIG", "SET", "maxmemory", &max.to_string()]);
    let data = common::data_file("titanic.csv");
    let refused = support::load_data(&mut con, "s1", "more", "csv", &[], &data);
    assert_eq!(refused.err().as_deref(), Some(OOM));
    // Under allkeys-lru the session is evicted to make room.
    ok(
        &mut con,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
    );
    assert_eq!(ok(&mut con, &["SET", "x", "y"]), redis::Value::Okay);
    assert_eq!(int(&mut con, &["EXISTS", "s1"]), 0);
    assert!(info(&mut con, "stats", "evicted_keys") >= 1);
}

/// Redis 7.0.15's refusals when the LFU data a subcommand needs is not kept.
const NOT_LFU: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
const NOT_LRU: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

#[test]
fn allkeys_lfu_keeps_frequently_read_keys_and_evicts_unread_ones() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    // Every read counts and nothing decays, so the hot keys' counters
    // (25) stay far above the cold ones' (5) however long the test runs.
    ok(&mut con, &["CONFIG", "SET", "lfu-log-factor", "0"]);
    ok(&mut con, &["CONFIG", "SET", "lfu-decay-time", "0"]);
    ok(
        &mut con,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    );
    ok(&mut con, &["CONFIG", "SET", "maxmemory-samples", "10"]);
    let v = value();
    for h in 0..10 {
        let key = format!("hot{h}");
        ok(&mut con, &["SET", &key, &v]);
        for _ in 0..20 {
            ok(&mut con, &["GET", &key]);
        }
        assert_eq!(int(&mut con, &["OBJECT", "FREQ", &key]), 25);
    }
    // About 400 values fit: a hot key goes only if all 10 draws of a round
    // hit the 10 hot keys among hundreds of cold ones (odds below 1e-15).
    limit(&mut con, "allkeys-lfu", 4 * MB);
    for i in 0..1_000 {
        ok(&mut con, &["SET", &format!("k{i}"), &v]);
    }
    for h in 0..10 {
        assert_eq!(int(&mut con, &["EXISTS", &format!("hot{h}")]), 1, "hot{h}");
    }
    let evicted = info(&mut con, "stats", "evicted_keys");
    assert!(evicted >= 300, "{evicted}");
    let cold_left = (0..1_000)
        .filter(|i| int(&mut con, &["EXISTS", &format!("k{i}")]) == 1)
        .count();
    assert!(cold_left <= 700, "{cold_left}");
}

#[test]
fn object_freq_counts_reads_not_introspection_and_needs_an_lfu_policy() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SET", "k", "v"]);
    assert_eq!(err(&mut con, &["OBJECT", "FREQ", "k"]), NOT_LFU);
    // A missing key answers null before the policy is checked, as Redis.
    assert_eq!(
        ok(&mut con, &["OBJECT", "FREQ", "nokey"]),
        redis::Value::Nil
    );
    assert_eq!(
        ok(&mut con, &["CONFIG", "GET", "lfu-*"])
            .as_sequence()
            .map(<[redis::Value]>::len),
        Some(4)
    );
    assert_eq!(
        err(&mut con, &["CONFIG", "SET", "lfu-log-factor", "-1"]),
        "ERR CONFIG SET failed (possibly related to argument 'lfu-log-factor') - argument must be between 0 and 2147483647 inclusive"
    );
    // No decay: a minute boundary during the test changes nothing.
    ok(&mut con, &["CONFIG", "SET", "lfu-decay-time", "0"]);
    ok(
        &mut con,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    );
    ok(&mut con, &["SET", "f", "v"]);
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "f"]), 5);
    // Introspection is no access (Redis's LOOKUP_NOTOUCH).
    for args in [&["TYPE", "f"][..], &["EXISTS", "f"], &["TTL", "f"]] {
        ok(&mut con, args);
    }
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "f"]), 5);
    assert_eq!(err(&mut con, &["OBJECT", "IDLETIME", "f"]), NOT_LRU);
    // At the initial value one read always counts (probability 1).
    ok(&mut con, &["GET", "f"]);
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "f"]), 6);
    ok(&mut con, &["CONFIG", "SET", "lfu-log-factor", "0"]);
    for _ in 0..10 {
        ok(&mut con, &["GET", "f"]);
    }
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "f"]), 16);
    // An overwrite keeps the counter and counts as an access (setKey).
    ok(&mut con, &["SET", "f", "w"]);
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "f"]), 17);
    // RENAME and MOVE keep the object, after counting the source lookup
    // as an access; COPY counts its source read and makes a new object.
    // (Checked against Redis 7.0.15: 17, 18, 5, 20.)
    ok(&mut con, &["RENAME", "f", "g"]);
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "g"]), 18);
    assert_eq!(int(&mut con, &["COPY", "g", "h"]), 1);
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "h"]), 5);
    assert_eq!(int(&mut con, &["MOVE", "g", "1"]), 1);
    ok(&mut con, &["SELECT", "1"]);
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "g"]), 20);
    ok(&mut con, &["SELECT", "0"]);
    // Under an LRU policy the counter is refused and idle time is back.
    ok(
        &mut con,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
    );
    assert_eq!(err(&mut con, &["OBJECT", "FREQ", "h"]), NOT_LFU);
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "h"]), 0);
}
