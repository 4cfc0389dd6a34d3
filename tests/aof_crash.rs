//! SIGKILL during a stream of writes from several clients, then a restart
//! on the same directory: with `appendfsync always` every write that got
//! its reply is there (plus at most the one command per client whose reply
//! was in flight); with `everysec` at most the last second or two is lost.
//! The expected values come from what each client saw acknowledged.

mod aof_support;
mod common;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use aof_support::{ALWAYS, EVERYSEC};
use common::{TestServer, temp_dir};
use support::query_int;

/// Writer clients per test.
const CLIENTS: usize = 8;

/// What one writer client saw acknowledged. Client `c` alternates
/// `INCR ctr:c` (the n-th reply must be n) and `SET s:c:n vn`, one command
/// at a time, until its connection fails.
#[derive(Debug, Default)]
struct Acks {
    /// When the reply to each acknowledged INCR arrived (index n-1: n-th).
    incrs: Vec<Instant>,
    /// When the reply to each acknowledged SET arrived (index n-1: `s:c:n`).
    sets: Vec<Instant>,
    /// The first error and when it came (expected only after the kill).
    error: Option<(Instant, String)>,
}

impl Acks {
    /// Acknowledged INCRs whose reply arrived no later than `t`.
    fn incrs_by(&self, t: Instant) -> u64 {
        self.incrs.iter().filter(|&&at| at <= t).count() as u64
    }

    /// Acknowledged SETs whose reply arrived no later than `t`.
    fn sets_by(&self, t: Instant) -> u64 {
        self.sets.iter().filter(|&&at| at <= t).count() as u64
    }
}

fn writer(url: String, client: usize, stop: Arc<AtomicBool>) -> Acks {
    let mut con = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("writer connects");
    let mut acks = Acks::default();
    let counter = format!("ctr:{client}");
    while !stop.load(Ordering::Relaxed) {
        let n = acks.incrs.len() as i64 + 1;
        match redis::cmd("INCR").arg(&counter).query::<i64>(&mut con) {
            Ok(v) => {
                assert_eq!(v, n, "INCR {counter} before the kill");
                acks.incrs.push(Instant::now());
            }
            Err(e) => {
                acks.error = Some((Instant::now(), e.to_string()));
                break;
            }
        }
        let key = format!("s:{client}:{n}");
        match redis::cmd("SET")
            .arg(&key)
            .arg(format!("v{n}"))
            .query::<String>(&mut con)
        {
            Ok(reply) => {
                assert_eq!(reply, "OK");
                acks.sets.push(Instant::now());
            }
            Err(e) => {
                acks.error = Some((Instant::now(), e.to_string()));
                break;
            }
        }
    }
    acks
}

/// Starts a server with `args`, lets [`CLIENTS`] writers run for
/// `run_for`, SIGKILLs it, and returns it (dead), the kill instant and what
/// each client saw acknowledged.
fn write_then_kill(args: &[&str], run_for: Duration) -> (TestServer, Instant, Vec<Acks>) {
    let mut server = TestServer::launch_ok(temp_dir(), args);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<JoinHandle<Acks>> = (0..CLIENTS)
        .map(|c| {
            let (url, stop) = (server.url(), stop.clone());
            thread::spawn(move || writer(url, c, stop))
        })
        .collect();
    thread::sleep(run_for);
    let killed_at = Instant::now();
    server.kill9();
    // A writer blocked on a reply sees the connection close; the flag only
    // stops one that was between commands.
    stop.store(true, Ordering::Relaxed);
    let acks: Vec<Acks> = writers
        .into_iter()
        .map(|w| w.join().expect("writer thread"))
        .collect();
    for (c, a) in acks.iter().enumerate() {
        if let Some((at, e)) = &a.error {
            assert!(*at >= killed_at, "client {c} failed before the kill: {e}");
        }
        assert!(!a.sets.is_empty(), "client {c} got no write acknowledged");
    }
    (server, killed_at, acks)
}

/// What the restarted server holds for one client: the counter and how
/// many of `s:c:1..` exist (they must form a prefix, each with its value).
fn recovered(con: &mut redis::Connection, client: usize, acked_sets: u64) -> (u64, u64) {
    let counter: Option<u64> = redis::cmd("GET")
        .arg(format!("ctr:{client}"))
        .query(con)
        .expect("GET counter");
    // Look two past the acknowledged ones: one may have been in flight.
    let keys: Vec<String> = (1..=acked_sets + 2)
        .map(|n| format!("s:{client}:{n}"))
        .collect();
    let mut values: Vec<Option<String>> = Vec::new();
    for chunk in keys.chunks(1000) {
        let part: Vec<Option<String>> = redis::cmd("MGET").arg(chunk).query(con).expect("MGET");
        values.extend(part);
    }
    let present = values.iter().take_while(|v| v.is_some()).count();
    assert!(
        values[present..].iter().all(Option::is_none),
        "client {client}: the keys present are not a prefix of s:{client}:1.."
    );
    for (i, v) in values[..present].iter().enumerate() {
        assert_eq!(v.as_deref(), Some(format!("v{}", i + 1).as_str()));
    }
    (counter.unwrap_or(0), present as u64)
}

/// Restarts `server` and checks every client against the bounds
/// `lower(acks) = (min counter, min SET prefix)`; the upper bounds are the
/// acknowledged counts plus the one command that may have been in flight.
fn restart_and_check(server: &mut TestServer, acks: &[Acks], lower: impl Fn(&Acks) -> (u64, u64)) {
    server.restart();
    let mut con = server.conn();
    let mut expected_keys = 0;
    for (c, a) in acks.iter().enumerate() {
        let (counter, sets) = recovered(&mut con, c, a.sets.len() as u64);
        let (min_counter, min_sets) = lower(a);
        let (acked_incrs, acked_sets) = (a.incrs.len() as u64, a.sets.len() as u64);
        assert!(
            (min_counter..=acked_incrs + 1).contains(&counter),
            "client {c}: counter {counter}, acknowledged {acked_incrs}, at least {min_counter}"
        );
        assert!(
            (min_sets..=acked_sets + 1).contains(&sets),
            "client {c}: {sets} SETs kept, acknowledged {acked_sets}, at least {min_sets}"
        );
        // SET n is sent only after INCR n was acknowledged.
        assert!(
            sets <= counter,
            "client {c}: SET {sets} kept without INCR {sets}"
        );
        expected_keys += u64::from(counter > 0) + sets;
    }
    // Nothing else came back.
    assert_eq!(query_int(&mut con, &["DBSIZE"]) as u64, expected_keys);
}

#[test]
fn sigkill_under_always_keeps_every_acknowledged_write() {
    let (mut server, _killed_at, acks) = write_then_kill(ALWAYS, Duration::from_millis(400));
    restart_and_check(&mut server, &acks, |a| {
        (a.incrs.len() as u64, a.sets.len() as u64)
    });
}

#[test]
fn sigkill_under_everysec_loses_at_most_the_last_two_seconds() {
    let (mut server, killed_at, acks) = write_then_kill(EVERYSEC, Duration::from_millis(2600));
    let horizon = killed_at - Duration::from_secs(2);
    for (c, a) in acks.iter().enumerate() {
        // Otherwise the bound below would check nothing.
        assert!(
            a.sets_by(horizon) > 0,
            "client {c}: nothing acknowledged 2 s before the kill"
        );
    }
    restart_and_check(&mut server, &acks, |a| {
        (a.incrs_by(horizon), a.sets_by(horizon))
    });
}

#[test]
fn sigkill_right_after_a_restart_keeps_both_generations_of_writes() {
    // Writes, crash, restart, more writes appended to the reopened file,
    // crash again: both generations come back, in order.
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    for i in 0..50 {
        query_int(&mut con, &["INCR", "gen"]);
        support::ok(&mut con, &["SET", &format!("a{i}"), &i.to_string()]);
    }
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["INCR", "gen"]), 51);
    for i in 0..50 {
        support::ok(&mut con, &["SET", &format!("b{i}"), &i.to_string()]);
    }
    support::ok(&mut con, &["DEL", "a0"]);
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["GET", "gen"]), 51);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1 + 49 + 50);
    assert_eq!(query_int(&mut con, &["EXISTS", "a0"]), 0);
    assert_eq!(query_int(&mut con, &["GET", "a49"]), 49);
    assert_eq!(query_int(&mut con, &["GET", "b49"]), 49);
}

#[test]
fn expiries_keep_their_absolute_deadline_and_passed_ones_stay_gone() {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    support::ok(&mut con, &["SET", "short", "1", "PX", "300"]);
    support::ok(&mut con, &["SET", "relative", "2"]);
    query_int(&mut con, &["PEXPIRE", "relative", "300"]);
    support::ok(&mut con, &["SET", "persisted", "3", "EX", "100"]);
    query_int(&mut con, &["PERSIST", "persisted"]);
    let sent = aof_support::now_ms();
    support::ok(&mut con, &["SET", "long", "4", "EX", "1000"]);
    query_int(&mut con, &["EXPIRE", "long2", "1000"]); // no such key: a no-op
    let acked = aof_support::now_ms();
    server.kill9();
    // Down for longer than the short TTLs.
    thread::sleep(Duration::from_millis(450));
    server.restart();
    let mut con = server.conn();
    // Expired while down: not brought back at all, not even as keys waiting
    // for lazy or active expiry, which DBSIZE would count. (Asked first:
    // EXISTS would delete them lazily.)
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 2);
    assert_eq!(query_int(&mut con, &["EXISTS", "short", "relative"]), 0);
    assert_eq!(query_int(&mut con, &["TTL", "persisted"]), -1);
    // EX 1000 was logged as an absolute time: the deadline did not move.
    let deadline = aof_support::now_ms() + query_int(&mut con, &["PTTL", "long"]);
    assert!(
        (sent + 1_000_000 - 5..=acked + 1_000_000 + 5).contains(&deadline),
        "deadline {deadline} outside [{sent}, {acked}] + 1000 s"
    );
}

#[test]
fn shutdown_under_everysec_flushes_every_write() {
    let mut server = TestServer::launch_ok(temp_dir(), EVERYSEC);
    let mut con = server.conn();
    let mut pipe = redis::pipe();
    for i in 0..2000 {
        pipe.cmd("SET").arg(format!("k{i}")).arg(i).ignore();
    }
    pipe.query::<()>(&mut con).expect("pipeline");
    // The connection closes without a reply: the result is an error.
    let _ = redis::cmd("SHUTDOWN").query::<()>(&mut con);
    assert_eq!(
        server.wait_exit(Duration::from_secs(15)),
        Some(0),
        "{}",
        server.log_text()
    );
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 2000);
    assert_eq!(query_int(&mut con, &["GET", "k1999"]), 1999);
}
