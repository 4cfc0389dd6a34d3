//! The AOF switched at run time and under concurrency: `CONFIG SET
//! appendonly yes` on a server with data makes a base that holds it;
//! `CONFIG SET appendfsync` changes the policy while writes go on; a frame
//! op whose session is deleted while it runs changes nothing, in memory or
//! in the AOF; a second `BGREWRITEAOF` during one is refused, and `BGSAVE`
//! is refused or, with `SCHEDULE`, runs after it.

mod aof_support;
mod common;
mod support;

use std::thread;
use std::time::{Duration, Instant};

use aof_support::*;
use common::{TestServer, temp_dir};
use support::{call, csv_session, field, int, ok, query_int, text};

/// Polls `INFO persistence` until no rewrite runs (at most 30 s).
fn wait_no_rewrite(con: &mut redis::Connection) -> std::collections::HashMap<String, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let persistence = info(con, "persistence");
        if info_int(&persistence, "aof_rewrite_in_progress") == 0 {
            return persistence;
        }
        assert!(Instant::now() < deadline, "the rewrite did not finish");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn config_set_appendonly_yes_writes_a_base_with_the_existing_data() {
    let mut server = TestServer::launch_ok(temp_dir(), &[]);
    let mut con = server.conn();
    for i in 0..100 {
        ok(&mut con, &["SET", &format!("k{i}"), &i.to_string()]);
    }
    csv_session(&mut con, "s", "t", "titanic.csv");
    assert_eq!(info_int(&info(&mut con, "persistence"), "aof_enabled"), 0);
    ok(&mut con, &["CONFIG", "SET", "appendonly", "yes"]);
    let persistence = wait_no_rewrite(&mut con);
    assert_eq!(info_int(&persistence, "aof_enabled"), 1);
    assert_eq!(persistence["aof_last_bgrewrite_status"], "ok");
    assert!(base_entry(&server.dir).is_some(), "a base file is named");
    // Written after the switch: goes to the new incremental file.
    ok(&mut con, &["SET", "after", "1"]);
    ok(&mut con, &["CONFIG", "SET", "appendfsync", "always"]);
    ok(&mut con, &["INCR", "after"]);
    let history = ok(&mut con, &["FRAME.HISTORY", "s", "t"]);
    // The restart reads the AOF only when asked to on the command line.
    server.kill9();
    let mut server = TestServer::launch_ok(server.dir.clone(), &["--appendonly", "yes"]);
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 102);
    assert_eq!(text(&ok(&mut con, &["GET", "k42"])), "42");
    assert_eq!(text(&ok(&mut con, &["GET", "after"])), "2");
    assert_eq!(ok(&mut con, &["FRAME.HISTORY", "s", "t"]), history);
    server.kill9();
}

#[test]
fn an_op_whose_session_is_deleted_while_it_runs_changes_nothing() {
    let mut server = TestServer::launch_ok(temp_dir(), &["--appendonly", "yes"]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "mplsstops.csv");
    // 16 copies of the stops sorted on text columns: long enough to delete
    // the session while it runs.
    let union = vec!["SELECT * FROM self"; 16].join(" UNION ALL ");
    let op = format!(
        r#"[{{"action":"sql","params":{{"query":"{union}"}}}},{{"action":"sort","params":{{"by":["neighborhood","idNum"]}}}}]"#
    );
    let url = server.url();
    let applier = thread::spawn(move || {
        let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
        call(&mut con, &[b"FRAME.APPLY", b"s", b"t", op.as_bytes()])
    });
    thread::sleep(Duration::from_millis(200));
    assert_eq!(query_int(&mut con, &["DEL", "s"]), 1);
    let applied = applier.join().unwrap();
    assert!(
        !applier_finished_first(&applied),
        "the op finished before DEL: make it longer"
    );
    assert_eq!(applied, Err("ERR no such session 's'".to_string()));
    // Nothing in the AOF names the op: the restart has no session and no
    // replay error.
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["EXISTS", "s"]), 0);
    assert!(
        !server.log_text().contains("failed=1"),
        "{}",
        server.log_text()
    );
    let apply_records = replay_files(&server.dir)
        .iter()
        .flat_map(|f| read_records(f))
        .filter(|r| r.name().eq_ignore_ascii_case("FRAME.APPLY"))
        .count();
    assert_eq!(apply_records, 0);
    server.kill9();
}

/// True when the op replied with its result (it beat the `DEL`).
fn applier_finished_first(reply: &Result<redis::Value, String>) -> bool {
    reply.as_ref().is_ok_and(|v| int(&field(v, "version")) == 1)
}

#[test]
fn a_second_rewrite_during_one_is_refused() {
    let mut server = TestServer::launch_ok(temp_dir(), &["--appendonly", "yes"]);
    let mut con = server.conn();
    // A base big enough that the first rewrite is still running.
    let payload = "x".repeat(64 * 1024);
    for i in 0..800 {
        ok(&mut con, &["SET", &format!("big{i}"), &payload]);
    }
    let started = text(&ok(&mut con, &["BGREWRITEAOF"]));
    assert_eq!(started, "Background append only file rewriting started");
    // Writing and fsyncing 50 MB takes far longer than a few round trips.
    let second = call(&mut con, &[b"BGREWRITEAOF"]);
    assert_eq!(
        second,
        Err("ERR Background append only file rewriting already in progress".to_string())
    );
    // BGSAVE is a rewrite too: refused as Redis refuses it during an AOF
    // rewrite, or scheduled for after it.
    assert_eq!(
        call(&mut con, &[b"BGSAVE"]),
        Err("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.".to_string())
    );
    let scheduled = text(&ok(&mut con, &["BGSAVE", "SCHEDULE"]));
    assert_eq!(scheduled, "Background saving scheduled");
    assert_eq!(
        info_int(&info(&mut con, "persistence"), "aof_rewrite_scheduled"),
        1
    );
    // The scheduled one starts when the first ends (the server's cron runs
    // `hz` times a second).
    let deadline = Instant::now() + Duration::from_secs(30);
    let persistence = loop {
        let persistence = wait_no_rewrite(&mut con);
        if info_int(&persistence, "aof_rewrites") == 2 {
            break persistence;
        }
        assert!(
            Instant::now() < deadline,
            "the scheduled rewrite did not run"
        );
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(info_int(&persistence, "aof_rewrite_scheduled"), 0);
    assert_eq!(persistence["aof_last_bgrewrite_status"], "ok");
    server.kill9();
}
