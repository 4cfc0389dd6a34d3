//! Records that replay as their command ran, not as it would run again: a
//! `sql` op is logged as its result (its grouping order may differ on a
//! second run), an APPLY carries the history bound in force, and a key
//! removed because it expired is logged as `DEL`.

mod aof_support;
mod common;
mod support;

use std::thread::sleep;
use std::time::Duration;

use aof_support::{newest_file, read_records, replay_files};
use common::{TestServer, temp_dir};
use redis::Connection;
use support::*;

/// `always`: each record is in the file when its reply arrives, so a
/// SIGKILL right after the last reply loses nothing.
const ALWAYS: &[&str] = &["--appendonly", "yes", "--appendfsync", "always"];

fn record_names(server: &TestServer) -> Vec<String> {
    replay_files(&server.dir)
        .iter()
        .flat_map(|f| read_records(f))
        .map(|r| r.name().to_ascii_uppercase())
        .collect()
}

fn rows(con: &mut Connection, id: &str, table: &str) -> redis::Value {
    ok(con, &["FRAME.ROWS", id, table, "LIMIT", "100000"])
}

#[test]
fn a_sql_op_replays_as_its_result() {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "mplsstops.csv");
    // Grouping without ORDER BY: the engine gives the groups in any order.
    let group = r#"{"action":"sql","params":{"query":"SELECT neighborhood, COUNT(*) AS stops, AVG(lat) AS lat FROM self GROUP BY neighborhood"}}"#;
    apply(&mut con, "s", "t", group);
    // Order-dependent edits after it: the first rows only.
    apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"drop_duplicates","params":{"columns":["stops"],"keep":"first"}}"#,
    );
    let history = ok(&mut con, &["FRAME.HISTORY", "s", "t"]);
    let page = rows(&mut con, "s", "t");
    let summary = ok(&mut con, &["FRAME.SUMMARY", "s", "t"]);
    let names = record_names(&server);
    assert!(names.contains(&"FRAME.PUSH".to_string()), "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "FRAME.APPLY").count(), 1);
    server.restart();
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["FRAME.HISTORY", "s", "t"]), history);
    assert_eq!(rows(&mut con, "s", "t"), page);
    assert_eq!(ok(&mut con, &["FRAME.SUMMARY", "s", "t"]), summary);
    // The pushed version undoes and redoes like any other.
    ok(&mut con, &["FRAME.UNDO", "s", "t", "2"]);
    assert_eq!(shape(&ok(&mut con, &["FRAME.SUMMARY", "s", "t"])).0, 51_920);
    ok(&mut con, &["FRAME.REDO", "s", "t", "2"]);
    assert_eq!(rows(&mut con, "s", "t"), page);
    server.kill9();
}

#[test]
fn apply_logs_the_history_bound_in_force() {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    ok(&mut con, &["CONFIG", "SET", "frame-history-max", "3"]);
    for (from, to) in [("sex", "gender"), ("gender", "sex"), ("sex", "gender")] {
        let op =
            format!(r#"{{"action":"rename_column","params":{{"from":"{from}","to":"{to}"}}}}"#);
        apply(&mut con, "s", "t", &op);
    }
    let history = ok(&mut con, &["FRAME.HISTORY", "s", "t"]);
    assert_eq!(items(&history).len(), 3);
    // Restarted with the default bound (50): the history is as it was.
    server.restart();
    let mut con = server.conn();
    assert_eq!(ok(&mut con, &["FRAME.HISTORY", "s", "t"]), history);
    assert_eq!(
        err(&mut con, &["FRAME.UNDO", "s", "t", "3"]),
        "ERR cannot undo 3 steps, only 2 available"
    );
    server.kill9();
}

#[test]
fn an_expired_key_is_logged_as_del() {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    ok(&mut con, &["SET", "k", "5", "PX", "50"]);
    sleep(Duration::from_millis(120));
    // The lazy expiry of this read removes the key and logs it.
    assert_eq!(query_int(&mut con, &["EXISTS", "k"]), 0);
    ok(&mut con, &["INCR", "k"]);
    let records = read_records(&newest_file(&server.dir));
    let tail: Vec<String> = records
        .iter()
        .filter(|r| !matches!(r.name().as_str(), "SELECT" | "FRAMEKV.CLOCK"))
        .map(|r| format!("{} {}", r.name(), r.arg(1)))
        .collect();
    assert_eq!(tail, ["SET k", "DEL k", "INCR k"]);
    server.restart();
    let mut con = server.conn();
    assert_eq!(text(&ok(&mut con, &["GET", "k"])), "1");
    assert_eq!(query_int(&mut con, &["TTL", "k"]), -1);
    server.kill9();
}
