//! Sessions and frames across restarts: after SIGKILL (and after a rewrite)
//! FRAME.HISTORY, SUMMARY, ROWS, SCHEMA and LIST give the very same replies,
//! a fixed walk of UNDO/REDO gives the same replies and views at every step,
//! SESSION.INFO keeps its fields and TTL, and a session whose TTL passed
//! while the server was down does not come back.

mod aof_support;
mod common;
mod support;

use std::thread::sleep;
use std::time::{Duration, Instant};

use aof_support::{ALWAYS, base_entry, bgrewrite_and_wait, newest_file};
use common::{TestServer, temp_dir};
use redis::{Connection, Value};
use support::*;

/// Edits of titanic.csv, each one history step.
const OPS: &[&str] = &[
    r#"{"action":"drop_columns","params":{"columns":["deck","embark_town","alive"]}}"#,
    r#"{"action":"rename_column","params":{"from":"sex","to":"gender"}}"#,
    r#"{"action":"fill_missing","params":{"columns":["age"],"method":"median"}}"#,
    r#"{"action":"add_column","params":{"name":"fare2","expr":"fare * 2"}}"#,
    r#"{"action":"filter","params":{"where":"age > 30"}}"#,
    r#"{"action":"sort","params":{"by":["fare"],"descending":true}}"#,
    r#"{"action":"change_type","params":{"column":"pclass","dtype":"string"}}"#,
];

/// A labelled reply (or error line), compared whole before and after.
type View = (String, Result<Value, String>);

fn run(con: &mut Connection, args: &[String]) -> View {
    let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    (args.join(" "), call(con, &bytes))
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// HISTORY, SUMMARY, ROWS (all of them), SCHEMA of `id`/`table`, and
/// FRAME.LIST of `id`.
fn views(con: &mut Connection, id: &str, table: &str) -> Vec<View> {
    [
        vec!["FRAME.HISTORY", id, table],
        vec!["FRAME.SUMMARY", id, table],
        vec!["FRAME.ROWS", id, table, "LIMIT", "1000"],
        vec!["FRAME.SCHEMA", id, table],
        vec!["FRAME.LIST", id],
    ]
    .iter()
    .map(|args| run(con, &strings(args)))
    .collect()
}

/// A walk through the whole history that ends where it starts: REDO to the
/// newest version, UNDO one step at a time to the oldest, one UNDO too many
/// (an error), REDO back. The reply of each move, then ROWS and SUMMARY.
fn walk(con: &mut Connection, id: &str, table: &str) -> Vec<View> {
    let history = items(&ok(con, &["FRAME.HISTORY", id, table]));
    let current = history
        .iter()
        .position(|v| int(&field(v, "current")) == 1)
        .expect("one current version");
    let (undo, redo) = (current, history.len() - 1 - current);
    let mut moves = Vec::new();
    if redo > 0 {
        moves.push(strings(&["FRAME.REDO", id, table, &redo.to_string()]));
    }
    for _ in 0..=undo + redo {
        moves.push(strings(&["FRAME.UNDO", id, table, "1"]));
    }
    if undo > 0 {
        moves.push(strings(&["FRAME.REDO", id, table, &undo.to_string()]));
    }
    let mut out = Vec::new();
    for m in moves {
        out.push(run(con, &m));
        out.push(run(
            con,
            &strings(&["FRAME.ROWS", id, table, "LIMIT", "1000"]),
        ));
        out.push(run(con, &strings(&["FRAME.SUMMARY", id, table])));
    }
    out
}

/// Asserts equal views, showing the first difference briefly.
fn assert_same(what: &str, before: &[View], after: &[View]) {
    assert_eq!(before.len(), after.len(), "{what}: number of replies");
    for (b, a) in before.iter().zip(after) {
        if b != a {
            let (b, a) = (format!("{b:?}"), format!("{a:?}"));
            let at = b.bytes().zip(a.bytes()).take_while(|(x, y)| x == y).count();
            let from = at.saturating_sub(200);
            panic!(
                "{what}: {} differs at char {at}\nbefore: ...{}\nafter:  ...{}",
                before_label(&b),
                b.get(from..(at + 200).min(b.len())).unwrap_or(&b),
                a.get(from..(at + 200).min(a.len())).unwrap_or(&a)
            );
        }
    }
}

/// The label of a formatted [`View`] (`("FRAME.ROWS s t ...", ...)`).
fn before_label(formatted: &str) -> &str {
    formatted.split(", ").next().unwrap_or(formatted)
}

/// SESSION.INFO without the fields that move with time or reads, nor
/// `memory_bytes` (checked on its own by [`assert_memory_same`]).
fn stable_info(con: &mut Connection, id: &str) -> Vec<(String, Value)> {
    fields(&ok(con, &["SESSION.INFO", id]))
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "ttl_ms" | "last_access_ms" | "memory_bytes"))
        .collect()
}

/// SESSION.INFO `memory_bytes` of `id` equals `before`: a rewrite keeps
/// versions sharing their buffers, so a restart costs no memory.
fn assert_memory_same(con: &mut Connection, id: &str, before: i64) {
    let after = session_memory(con, id);
    assert_eq!(after, before, "{id}: memory_bytes {before} then {after}");
}

fn ttl_ms(con: &mut Connection, id: &str) -> i64 {
    int(&field(&ok(con, &["SESSION.INFO", id]), "ttl_ms"))
}

/// Everything compared across a restart for session `s` (table `t`) and
/// the generated-id session `gen` (table `g`).
fn snapshot(con: &mut Connection, generated: &str) -> Vec<View> {
    let mut all = views(con, "s", "t");
    all.extend(views(con, generated, "g"));
    let infos = [stable_info(con, "s"), stable_info(con, generated)];
    all.push((
        "SESSION.INFO".into(),
        Ok(Value::Array(
            infos
                .into_iter()
                .flatten()
                .flat_map(|(k, v)| [bulk(&k), v])
                .collect(),
        )),
    ));
    let mut list = texts(&ok(con, &["SESSION.LIST"]));
    list.sort();
    all.push((
        "SESSION.LIST".into(),
        Ok(Value::Array(list.iter().map(|s| bulk(s)).collect())),
    ));
    all
}

/// Builds the sessions `snapshot` compares; returns the generated id.
fn build_sessions(con: &mut Connection) -> String {
    ok(
        con,
        &[
            "SESSION.CREATE",
            "ID",
            "s",
            "TTL",
            "3600",
            "META",
            "app",
            "tests",
        ],
    );
    load(con, "s", "t", "csv", "titanic.csv");
    for op in OPS {
        apply(con, "s", "t", op);
    }
    ok(con, &["FRAME.UNDO", "s", "t", "2"]);
    load(con, "s", "scratch", "csv", "titanic.csv");
    assert_eq!(int(&ok(con, &["FRAME.DROP", "s", "scratch"])), 1);
    assert_eq!(
        int(&ok(con, &["SESSION.TOUCH", "s", "TTL", "7200"])) / 1000,
        7200
    );

    let generated = text(&ok(
        con,
        &["SESSION.CREATE", "TTL", "600", "SLIDING", "OWNER", "bob"],
    ));
    load(con, &generated, "g", "csv", "titanic.csv");
    apply(con, &generated, "g", OPS[0]);
    ok(con, &["SESSION.CREATE", "ID", "gone"]);
    assert_eq!(int(&ok(con, &["SESSION.DESTROY", "gone"])), 1);
    generated
}

#[test]
fn frames_history_and_sessions_are_identical_after_sigkill() {
    let mut server = TestServer::launch_ok(
        temp_dir(),
        &[ALWAYS, &["--frame-history-max", "5"]].concat(),
    );
    let mut con = server.conn();
    let generated = build_sessions(&mut con);
    let before = snapshot(&mut con, &generated);
    let walk_before = walk(&mut con, "s", "t");
    assert_same(
        "the walk ends where it starts",
        &before,
        &snapshot(&mut con, &generated),
    );
    let memory = session_memory(&mut con, "s");
    let ttl_before = ttl_ms(&mut con, "s");
    let measured = Instant::now();

    server.restart();
    let mut con = server.conn();
    let ttl_after = ttl_ms(&mut con, "s");
    let elapsed = measured.elapsed().as_millis() as i64;
    assert!(
        (ttl_before - elapsed - 20..=ttl_before).contains(&ttl_after),
        "ttl {ttl_before} ms, {elapsed} ms later {ttl_after} ms"
    );
    let sliding = ttl_ms(&mut con, &generated);
    assert!(
        (590_000..=600_000).contains(&sliding),
        "sliding ttl {sliding}"
    );
    assert_same("after restart", &before, &snapshot(&mut con, &generated));
    assert_same(
        "UNDO/REDO walk after restart",
        &walk_before,
        &walk(&mut con, "s", "t"),
    );
    assert_memory_same(&mut con, "s", memory);
    assert_eq!(query_int(&mut con, &["EXISTS", "gone"]), 0);
}

#[test]
fn a_session_whose_ttl_passed_while_down_is_gone() {
    let mut server = TestServer::launch_ok(temp_dir(), ALWAYS);
    let mut con = server.conn();
    let created = Instant::now();
    ok(&mut con, &["SESSION.CREATE", "ID", "brief", "TTL", "2"]);
    load(&mut con, "brief", "t", "csv", "titanic.csv");
    apply(&mut con, "brief", "t", OPS[0]);
    ok(&mut con, &["SESSION.CREATE", "ID", "stays", "TTL", "3600"]);
    server.kill9();
    sleep(Duration::from_millis(2300).saturating_sub(created.elapsed()));
    server.restart();
    let mut con = server.conn();
    assert_eq!(query_int(&mut con, &["EXISTS", "brief"]), 0);
    assert_eq!(
        err(&mut con, &["SESSION.INFO", "brief"]),
        "ERR no such session 'brief'"
    );
    assert_eq!(texts(&ok(&mut con, &["SESSION.LIST"])), vec!["stays"]);
    assert_eq!(query_int(&mut con, &["DBSIZE"]), 1);
}

#[test]
fn history_survives_a_rewrite_then_edits_then_a_base_only_restart() {
    let args = [ALWAYS, &["--frame-history-max", "4"]].concat();
    let mut server = TestServer::launch_ok(temp_dir(), &args);
    let mut con = server.conn();
    let generated = build_sessions(&mut con);
    let first_base = base_entry(&server.dir).map_or(0, |b| b.seq);
    let p = bgrewrite_and_wait(&mut con);
    assert_eq!(
        p.get("aof_last_bgrewrite_status").map(String::as_str),
        Some("ok")
    );
    let base = base_entry(&server.dir).expect("a base after the rewrite");
    assert!(
        base.seq > first_base,
        "new base seq {} after {first_base}",
        base.seq
    );

    // Edits after the rewrite go to the new incremental file.
    apply(&mut con, "s", "t", OPS[6]);
    ok(&mut con, &["FRAME.UNDO", "s", "t", "1"]);
    apply(&mut con, &generated, "g", OPS[1]);
    let before = snapshot(&mut con, &generated);
    let walk_before = walk(&mut con, "s", "t");
    let memory = session_memory(&mut con, "s");
    server.restart();
    let mut con = server.conn();
    assert_same("base + incr", &before, &snapshot(&mut con, &generated));
    assert_same("walk, base + incr", &walk_before, &walk(&mut con, "s", "t"));
    assert_memory_same(&mut con, "s", memory);

    // A second rewrite with no edits after it: the base alone is loaded.
    bgrewrite_and_wait(&mut con);
    let newest = std::fs::metadata(newest_file(&server.dir))
        .expect("incr")
        .len();
    server.restart();
    let mut con = server.conn();
    assert_same("base only", &before, &snapshot(&mut con, &generated));
    assert_same("walk, base only", &walk_before, &walk(&mut con, "s", "t"));
    assert_memory_same(&mut con, "s", memory);
    assert!(
        newest < 200,
        "the incremental file after the last rewrite holds {newest} bytes"
    );
}
