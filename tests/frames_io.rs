//! FRAME.ROWS / EXPORT / COPY / DROP against the real server, the memory
//! cost of history, and that a long op does not hold up other clients.
//! Expected values come from the raw files, not from the server.

mod common;
mod support;

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::TestServer;
use polars::prelude::{CsvReadOptions, IpcStreamReader, SerReader};
use redis::Value;
use support::*;

/// Checks a JSON cell against the CSV text it came from.
fn same_cell(json: &serde_json::Value, csv: &str) -> bool {
    match json {
        serde_json::Value::Null => csv.is_empty(),
        serde_json::Value::Bool(b) => csv == if *b { "True" } else { "False" },
        serde_json::Value::Number(n) => csv.parse::<f64>().ok() == n.as_f64(),
        serde_json::Value::String(s) => s == csv,
        _ => false,
    }
}

#[test]
fn rows_pages_match_the_file_in_json_csv_and_ipc() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    let file = Csv::titanic();

    let page: serde_json::Value = serde_json::from_slice(&bytes(&ok(
        &mut con,
        &["FRAME.ROWS", "s", "t", "OFFSET", "5", "LIMIT", "3"],
    )))
    .unwrap();
    let page = page.as_array().unwrap();
    assert_eq!(page.len(), 3);
    for (i, row) in page.iter().enumerate() {
        let raw = &file.rows[5 + i];
        let object = row.as_object().unwrap();
        assert_eq!(object.len(), 15);
        for (c, name) in file.header.iter().enumerate() {
            assert!(
                same_cell(&object[name], &raw[c]),
                "row {} column {name}: {:?} vs {:?}",
                5 + i,
                object[name],
                raw[c]
            );
        }
    }
    // Row 5 (the sixth passenger) has no age: JSON null.
    assert_eq!(page[0]["age"], serde_json::Value::Null);
    let default: serde_json::Value =
        serde_json::from_slice(&bytes(&ok(&mut con, &["FRAME.ROWS", "s", "t"]))).unwrap();
    assert_eq!(default.as_array().unwrap().len(), 100);
    let past: serde_json::Value = serde_json::from_slice(&bytes(&ok(
        &mut con,
        &["FRAME.ROWS", "s", "t", "OFFSET", "5000"],
    )))
    .unwrap();
    assert_eq!(past, serde_json::json!([]));

    let csv = text(&ok(
        &mut con,
        &[
            "FRAME.ROWS",
            "s",
            "t",
            "LIMIT",
            "2",
            "COLUMNS",
            "sex",
            "age",
            "FORMAT",
            "csv",
        ],
    ));
    let expected: Vec<String> = [0usize, 1, 2]
        .iter()
        .map(|&i| {
            if i == 0 {
                "sex,age".to_string()
            } else {
                format!("{},{}", file.rows[i - 1][2], file.rows[i - 1][3])
            }
        })
        .collect();
    assert_eq!(csv.lines().collect::<Vec<_>>(), expected);

    let ipc = bytes(&ok(
        &mut con,
        &[
            "FRAME.ROWS",
            "s",
            "t",
            "OFFSET",
            "10",
            "LIMIT",
            "20",
            "FORMAT",
            "ipc",
        ],
    ));
    let frame = IpcStreamReader::new(Cursor::new(ipc)).finish().unwrap();
    assert_eq!(frame.shape(), (20, 15));
    let fares: Vec<f64> = frame
        .column("fare")
        .unwrap()
        .as_materialized_series()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let expected: Vec<f64> = (10..30).map(|i| file.rows[i][6].parse().unwrap()).collect();
    assert_eq!(fares, expected);

    assert_eq!(
        err(
            &mut con,
            &["FRAME.ROWS", "s", "t", "COLUMNS", "sex", "nope"]
        ),
        "ERR unknown column 'nope'"
    );
    assert!(
        err(&mut con, &["FRAME.ROWS", "s", "t", "FORMAT", "xml"]).starts_with("ERR unknown format")
    );
    assert_eq!(
        err(&mut con, &["FRAME.ROWS", "s", "t", "LIMIT", "-1"]),
        "ERR LIMIT must be a non-negative integer"
    );
}

#[test]
fn export_returns_or_writes_the_whole_table() {
    let out = std::env::temp_dir().join(format!("framekv-export-test-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let server = TestServer::start(&["--export-dir", out.to_str().unwrap()]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");

    let csv = bytes(&ok(&mut con, &["FRAME.EXPORT", "s", "t", "FORMAT", "csv"]));
    let back = CsvReadOptions::default()
        .with_infer_schema_length(None)
        .into_reader_with_file_handle(Cursor::new(csv.clone()))
        .finish()
        .unwrap();
    assert_eq!(back.shape(), (891, 15));
    assert_eq!(back.column("age").unwrap().null_count(), 177);
    assert_eq!(back.column("deck").unwrap().null_count(), 688);

    let ndjson = text(&ok(
        &mut con,
        &["FRAME.EXPORT", "s", "t", "FORMAT", "ndjson"],
    ));
    assert_eq!(ndjson.lines().count(), 891);
    let json: serde_json::Value = serde_json::from_slice(&bytes(&ok(
        &mut con,
        &["FRAME.EXPORT", "s", "t", "FORMAT", "json"],
    )))
    .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 891);
    assert!(
        bytes(&ok(
            &mut con,
            &["FRAME.EXPORT", "s", "t", "FORMAT", "parquet"]
        ))
        .starts_with(b"PAR1")
    );
    assert!(
        bytes(&ok(&mut con, &["FRAME.EXPORT", "s", "t", "FORMAT", "ipc"])).starts_with(b"ARROW1")
    );

    assert_eq!(
        ok(
            &mut con,
            &[
                "FRAME.EXPORT",
                "s",
                "t",
                "FORMAT",
                "csv",
                "FILE",
                "titanic-out.csv"
            ]
        ),
        Value::Okay
    );
    assert_eq!(std::fs::read(out.join("titanic-out.csv")).unwrap(), csv);
    let e = err(
        &mut con,
        &[
            "FRAME.EXPORT",
            "s",
            "t",
            "FORMAT",
            "csv",
            "FILE",
            "../escape.csv",
        ],
    );
    assert!(e.contains("outside export-dir"), "{e}");
    assert!(!out.parent().unwrap().join("escape.csv").exists());
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn exported_ipc_and_parquet_load_back() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "mplsstops.csv");
    for format in ["ipc", "parquet", "ndjson", "csv"] {
        let blob = bytes(&ok(&mut con, &["FRAME.EXPORT", "s", "t", "FORMAT", format]));
        let table = format!("back_{format}");
        let reply = load_data(&mut con, "s", &table, format, &[], &blob).unwrap();
        assert_eq!(shape(&reply), (51_920, 15), "{format}");
        let summary = ok(
            &mut con,
            &["FRAME.SUMMARY", "s", &table, "COLUMNS", "citationIssued"],
        );
        let stats = &items(&field(&summary, "stats"))[0];
        assert_eq!(int(&field(stats, "nulls")), 32_810, "{format}");
    }
    // What FRAME.ROWS sends in ipc is loadable too.
    let page = bytes(&ok(
        &mut con,
        &["FRAME.ROWS", "s", "t", "LIMIT", "7", "FORMAT", "ipc"],
    ));
    let reply = load_data(&mut con, "s", "page", "ipc", &[], &page).unwrap();
    assert_eq!(int(&field(&reply, "rows")), 7);
}

#[test]
fn copy_starts_a_new_history_and_shares_buffers() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "mplsstops.csv");
    ok(&mut con, &["SESSION.CREATE", "ID", "other"]);
    drop_column(&mut con, "s", "t", "idNum");
    let alone = session_memory(&mut con, "s");
    assert_eq!(
        ok(&mut con, &["FRAME.COPY", "s", "t", "s", "t2"]),
        Value::Okay
    );
    // A copy costs no new buffers.
    assert_eq!(session_memory(&mut con, "s"), alone);
    assert_eq!(
        ok(&mut con, &["FRAME.COPY", "s", "t", "other", "t"]),
        Value::Okay
    );
    let history = items(&ok(&mut con, &["FRAME.HISTORY", "other", "t"]));
    assert_eq!(history.len(), 1);
    assert_eq!(
        (
            int(&field(&history[0], "version")),
            text(&field(&history[0], "action"))
        ),
        (0, "copy".to_string())
    );
    assert_eq!(int(&field(&history[0], "columns_after")), 14);
    // Editing the copy leaves the source alone.
    ok(
        &mut con,
        &[
            "FRAME.APPLY",
            "other",
            "t",
            r#"{"action":"filter","params":{"where":"policePrecinct = 1"}}"#,
        ],
    );
    let source = ok(&mut con, &["FRAME.SUMMARY", "s", "t", "COLUMNS", "lat"]);
    assert_eq!(int(&field(&source, "rows")), 51_920);
    assert_eq!(
        err(&mut con, &["FRAME.COPY", "s", "t", "other", "t"]),
        "ERR table 't' already exists (use REPLACE)"
    );
    assert_eq!(
        ok(&mut con, &["FRAME.COPY", "s", "t", "other", "t", "REPLACE"]),
        Value::Okay
    );
    assert_eq!(
        items(&ok(&mut con, &["FRAME.HISTORY", "other", "t"])).len(),
        1
    );
    assert_eq!(
        err(&mut con, &["FRAME.COPY", "s", "nope", "other", "x"]),
        "ERR no such table 'nope' in session 's'"
    );
    assert_eq!(
        err(&mut con, &["FRAME.COPY", "s", "t", "missing", "x"]),
        "ERR no such session 'missing'"
    );
}

#[test]
fn column_local_edits_cost_little_more_than_one_frame() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "mplsstops.csv");
    let loaded = session_memory(&mut con, "s");
    for op in [
        r#"{"action":"fill_missing","params":{"columns":["citationIssued"],"method":"value","value":"NO"}}"#,
        r#"{"action":"rename_column","params":{"from":"MDC","to":"mdc"}}"#,
        r#"{"action":"string_transform","params":{"columns":["problem"],"transform":"upper"}}"#,
        r#"{"action":"drop_columns","params":{"columns":["rownames"]}}"#,
    ] {
        ok(&mut con, &["FRAME.APPLY", "s", "t", op]);
    }
    let after = session_memory(&mut con, "s");
    assert!(after > loaded, "the new columns cost something");
    assert!(
        (after as f64) < loaded as f64 * 1.5,
        "5 versions of 15 columns: {after} vs {loaded}"
    );
}

#[test]
fn drop_removes_a_table_once() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    assert_eq!(int(&ok(&mut con, &["FRAME.DROP", "s", "t"])), 1);
    assert_eq!(int(&ok(&mut con, &["FRAME.DROP", "s", "t"])), 0);
    assert_eq!(
        texts(&ok(&mut con, &["FRAME.LIST", "s"])),
        Vec::<String>::new()
    );
    assert_eq!(session_memory(&mut con, "s"), 0);
    assert_eq!(
        err(&mut con, &["FRAME.ROWS", "s", "t"]),
        "ERR no such table 't' in session 's'"
    );
}

#[test]
fn a_long_op_does_not_delay_other_clients() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "mplsstops.csv");
    ok(&mut con, &["SET", "k", "v"]);
    // 24 copies of the stops (1.2 M rows) sorted on text columns.
    let union = vec!["SELECT * FROM self"; 24].join(" UNION ALL ");
    let op = format!(
        r#"[{{"action":"sql","params":{{"query":"{union}"}}}},{{"action":"sort","params":{{"by":["neighborhood","idNum","date"],"descending":[false,true,false]}}}}]"#
    );
    let running = Arc::new(AtomicBool::new(true));
    let flag = running.clone();
    let mut other = server.conn();
    let pinger = std::thread::spawn(move || {
        let mut worst = Duration::ZERO;
        let mut during = 0;
        while flag.load(Ordering::SeqCst) {
            let started = Instant::now();
            assert_eq!(text(&ok(&mut other, &["GET", "k"])), "v");
            assert_eq!(text(&ok(&mut other, &["PING"])), "PONG");
            worst = worst.max(started.elapsed());
            during += 1;
            std::thread::sleep(Duration::from_millis(5));
        }
        (worst, during)
    });
    // A COPY of the session issued while the op runs copies the tables as
    // of their last commit: it neither waits for the op nor holds the
    // database lock that GET needs.
    let mut copier_con = server.conn();
    let copier = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        int(&ok(&mut copier_con, &["COPY", "s", "s2"]))
    });
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    let reply = ok(&mut con, &["FRAME.APPLY", "s", "t", &op]);
    let op_time = started.elapsed();
    assert_eq!(copier.join().unwrap(), 1);
    running.store(false, Ordering::SeqCst);
    let (worst, during) = pinger.join().unwrap();
    assert_eq!(int(&field(&reply, "rows")), 51_920 * 24);
    let copied = ok(&mut con, &["FRAME.SUMMARY", "s2", "t"]);
    assert_eq!(int(&field(&copied, "rows")), 51_920);
    assert!(during >= 1, "pings ran while the op ran");
    assert!(
        worst < Duration::from_millis(500),
        "GET+PING took {worst:?} while a {op_time:?} op ran"
    );
}

#[test]
fn an_op_on_one_table_does_not_wait_for_a_long_op_on_another() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "big", "mplsstops.csv");
    load(&mut con, "s", "small", "csv", "titanic.csv");
    let union = vec!["SELECT * FROM self"; 24].join(" UNION ALL ");
    let op = format!(
        r#"[{{"action":"sql","params":{{"query":"{union}"}}}},{{"action":"sort","params":{{"by":["neighborhood","idNum","date"],"descending":[false,true,false]}}}}]"#
    );
    let mut other = server.conn();
    let quick = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let reply = ok(
            &mut other,
            &[
                "FRAME.APPLY",
                "s",
                "small",
                r#"{"action":"drop_columns","params":{"columns":["deck"]}}"#,
            ],
        );
        (started.elapsed(), int(&field(&reply, "columns")))
    });
    let started = Instant::now();
    ok(&mut con, &["FRAME.APPLY", "s", "big", &op]);
    let long_op = started.elapsed();
    let (quick_time, columns) = quick.join().unwrap();
    assert_eq!(columns, 14);
    assert!(
        quick_time < Duration::from_millis(500),
        "a drop on another table took {quick_time:?} while a {long_op:?} op ran"
    );
}
