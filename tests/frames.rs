//! FRAME.APPLY / UNDO / REDO / HISTORY against the real server: realistic
//! editing sessions on the datasets, failing ops, history bounds, both
//! protocols, and the INFO sessions counters. Expected values are computed
//! here from the raw files, never taken from the server.

mod common;
mod support;

use std::io::Cursor;

use common::{TestServer, data_file};
use polars::prelude::{CsvReadOptions, SerReader};
use redis::Value;
use support::*;

#[test]
fn an_editing_session_on_titanic() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    let csv = Csv::titanic();

    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"drop_columns","params":{"columns":["deck","embark_town","alive"]}}"#,
    );
    assert_eq!(
        (
            int(&field(&r, "version")),
            int(&field(&r, "columns_before")),
            int(&field(&r, "columns_after"))
        ),
        (1, 15, 12)
    );
    apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"rename_column","params":{"from":"sex","to":"gender"}}"#,
    );
    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"fill_missing","params":{"columns":["age"],"method":"median"}}"#,
    );
    assert!(text(&field(&r, "change_summary")).contains("177"), "{r:?}");
    let ages = csv.floats("age");
    let med = median(ages.clone());
    let summary = ok(&mut con, &["FRAME.SUMMARY", "s", "t", "COLUMNS", "age"]);
    let age = stats(&summary, "age");
    assert_eq!(int(&field(&age, "nulls")), 0);
    let filled_mean = (ages.iter().sum::<f64>() + 177.0 * med) / 891.0;
    assert!(close(double(&field(&age, "mean")), filled_mean));

    // Independent count: males older than 30 once missing ages are the median.
    let expected = csv
        .col("sex")
        .iter()
        .zip(csv.col("age"))
        .filter(|(s, a)| **s == "male" && a.parse::<f64>().unwrap_or(med) > 30.0)
        .count() as i64;
    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"filter","params":{"where":"age > 30 AND gender = 'male'"}}"#,
    );
    assert_eq!(
        (
            int(&field(&r, "rows_before")),
            int(&field(&r, "rows_after"))
        ),
        (891, expected)
    );
    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"sort","params":{"by":["fare"],"descending":true}}"#,
    );
    assert_eq!(int(&field(&r, "version")), 5);
    let top = ok(
        &mut con,
        &["FRAME.ROWS", "s", "t", "LIMIT", "1", "COLUMNS", "fare"],
    );
    let max_fare = csv
        .col("sex")
        .iter()
        .zip(csv.col("age"))
        .zip(csv.col("fare"))
        .filter(|((s, a), _)| **s == "male" && a.parse::<f64>().unwrap_or(med) > 30.0)
        .map(|(_, f)| f.parse::<f64>().unwrap())
        .fold(f64::MIN, f64::max);
    let rows: serde_json::Value = serde_json::from_slice(&bytes(&top)).unwrap();
    assert_eq!(rows[0]["fare"].as_f64().unwrap(), max_fare);

    // Undo the sort and the filter, redo the filter.
    let u = ok(&mut con, &["FRAME.UNDO", "s", "t", "2"]);
    assert_eq!(
        (
            int(&field(&u, "version")),
            int(&field(&u, "undo_available")),
            int(&field(&u, "redo_available")),
            int(&field(&u, "rows"))
        ),
        (3, 3, 2, 891)
    );
    let r = ok(&mut con, &["FRAME.REDO", "s", "t"]);
    assert_eq!(
        (int(&field(&r, "version")), int(&field(&r, "rows"))),
        (4, expected)
    );
    // A new op after undo drops the redo version and takes a fresh number.
    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"add_column","params":{"name":"family","expr":"sibsp + parch + 1"}}"#,
    );
    assert_eq!(int(&field(&r, "version")), 6);
    assert_eq!(
        err(&mut con, &["FRAME.REDO", "s", "t"]),
        "ERR nothing to redo"
    );
    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"drop_duplicates","params":{"columns":["pclass","family"]}}"#,
    );
    assert!(int(&field(&r, "rows_after")) < expected);
    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"change_type","params":{"column":"pclass","dtype":"string"}}"#,
    );
    assert_eq!(int(&field(&r, "columns")), 13);

    let history = items(&ok(&mut con, &["FRAME.HISTORY", "s", "t"]));
    let actions: Vec<String> = history.iter().map(|h| text(&field(h, "action"))).collect();
    assert_eq!(
        actions,
        [
            "load",
            "drop_columns",
            "rename_column",
            "fill_missing",
            "filter",
            "add_column",
            "drop_duplicates",
            "change_type"
        ]
    );
    let numbers: Vec<i64> = history.iter().map(|h| int(&field(h, "version"))).collect();
    assert_eq!(numbers, [0, 1, 2, 3, 4, 6, 7, 8]);
    let current: Vec<i64> = history.iter().map(|h| int(&field(h, "current"))).collect();
    assert_eq!(current, [0, 0, 0, 0, 0, 0, 0, 1]);
    let params: serde_json::Value =
        serde_json::from_str(&text(&field(&history[4], "params"))).unwrap();
    assert_eq!(params["where"], "age > 30 AND gender = 'male'");
    let stamp = text(&field(&history[1], "timestamp"));
    assert!(
        stamp.len() >= 20 && stamp.as_bytes()[10] == b'T' && stamp.ends_with('Z'),
        "{stamp}"
    );
}

#[test]
fn sql_aggregates_and_joins_other_tables() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    load_data(
        &mut con,
        "s",
        "names",
        "csv",
        &[],
        b"pclass,label\n1,upper\n2,middle\n3,lower\n",
    )
    .unwrap();
    let csv = Csv::titanic();
    let r = apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"sql","params":{"query":"SELECT n.label, COUNT(*) AS n, SUM(s.survived) AS survivors FROM self s JOIN names n ON s.pclass = n.pclass GROUP BY n.label ORDER BY n.label"}}"#,
    );
    assert_eq!(int(&field(&r, "rows")), 3);
    let rows: serde_json::Value =
        serde_json::from_slice(&bytes(&ok(&mut con, &["FRAME.ROWS", "s", "t"]))).unwrap();
    for (label, class) in [("lower", "3"), ("middle", "2"), ("upper", "1")] {
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .unwrap();
        let in_class: Vec<usize> = (0..891)
            .filter(|&i| csv.col("pclass")[i] == class)
            .collect();
        let survivors = in_class
            .iter()
            .filter(|&&i| csv.col("survived")[i] == "1")
            .count();
        assert_eq!(
            row["n"].as_u64().unwrap() as usize,
            in_class.len(),
            "{label}"
        );
        assert_eq!(
            row["survivors"].as_u64().unwrap() as usize,
            survivors,
            "{label}"
        );
    }
}

#[test]
fn failing_ops_leave_the_version_unchanged() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "pets", "seattlepets.csv");
    apply(
        &mut con,
        "s",
        "pets",
        r#"{"action":"string_transform","params":{"columns":["animal_name"],"transform":"title"}}"#,
    );
    let e = err(
        &mut con,
        &[
            "FRAME.APPLY",
            "s",
            "pets",
            r#"{"action":"drop_columns","params":{"columns":["colour"]}}"#,
        ],
    );
    assert_eq!(e, "ERR unknown column 'colour'");
    // The first license number that is not all digits, found in the file.
    let first_bad = {
        let df = CsvReadOptions::default()
            .with_infer_schema_length(None)
            .into_reader_with_file_handle(Cursor::new(data_file("seattlepets.csv")))
            .finish()
            .unwrap();
        let col = df
            .column("license_number")
            .unwrap()
            .as_materialized_series()
            .clone();
        let values = col.str().unwrap();
        values
            .iter()
            .flatten()
            .find(|v| !v.chars().all(|c| c.is_ascii_digit()))
            .unwrap()
            .to_string()
    };
    let e = err(
        &mut con,
        &[
            "FRAME.APPLY",
            "s",
            "pets",
            r#"{"action":"change_type","params":{"column":"license_number","dtype":"int64"}}"#,
        ],
    );
    assert!(
        e.contains("license_number") && e.contains(&format!("'{first_bad}'")),
        "{e}"
    );
    let e = err(
        &mut con,
        &[
            "FRAME.APPLY",
            "s",
            "pets",
            r#"[{"action":"drop_columns","params":{"columns":["zip_code"]}},{"action":"filter","params":{"where":"nope > 1"}}]"#,
        ],
    );
    assert!(e.starts_with("ERR op 2 (filter)"), "{e}");
    assert!(err(&mut con, &["FRAME.APPLY", "s", "pets", "not json"]).starts_with("ERR invalid op"));
    // Still version 1 with every column.
    let summary = ok(
        &mut con,
        &["FRAME.SUMMARY", "s", "pets", "COLUMNS", "zip_code"],
    );
    assert_eq!(
        (
            int(&field(&summary, "version")),
            int(&field(&summary, "columns"))
        ),
        (1, 8)
    );
    assert_eq!(
        items(&ok(&mut con, &["FRAME.HISTORY", "s", "pets"])).len(),
        2
    );
    // Non-strict casting succeeds and counts the nulls it made.
    let r = apply(
        &mut con,
        "s",
        "pets",
        r#"{"action":"change_type","params":{"column":"license_number","dtype":"int64","strict":false}}"#,
    );
    assert_eq!(int(&field(&r, "version")), 2);
}

#[test]
fn resp2_replies_are_flat_arrays_and_resp3_replies_are_maps() {
    let server = TestServer::start(&[]);
    let mut v2 = server.conn();
    let mut v3 = server.conn_resp3();
    csv_session(&mut v2, "s", "t", "titanic.csv");
    let op = r#"{"action":"fill_missing","params":{"columns":["embarked"],"method":"mode"}}"#;
    let r2 = apply(&mut v2, "s", "t", op);
    let Value::Array(flat) = &r2 else {
        panic!("RESP2 map is an array: {r2:?}")
    };
    let names: Vec<String> = flat.iter().step_by(2).map(text).collect();
    assert_eq!(
        names,
        [
            "version",
            "rows",
            "columns",
            "change_summary",
            "rows_before",
            "rows_after",
            "columns_before",
            "columns_after",
            "elapsed_us"
        ]
    );
    let r3 = apply(&mut v3, "s", "t", op);
    assert!(matches!(r3, Value::Map(_)), "{r3:?}");
    let u3 = ok(&mut v3, &["FRAME.UNDO", "s", "t"]);
    let names: Vec<String> = fields(&u3).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "version",
            "undo_available",
            "redo_available",
            "rows",
            "columns"
        ]
    );
    let h3 = items(&ok(&mut v3, &["FRAME.HISTORY", "s", "t"]));
    assert_eq!(field(&h3[1], "current"), Value::Boolean(true));
    let h2 = items(&ok(&mut v2, &["FRAME.HISTORY", "s", "t"]));
    assert_eq!(field(&h2[1], "current"), Value::Int(1));
    let s3 = ok(&mut v3, &["FRAME.SUMMARY", "s", "t", "COLUMNS", "fare"]);
    assert!(matches!(
        field(&stats(&s3, "fare"), "mean"),
        Value::Double(_)
    ));
    let s2 = ok(&mut v2, &["FRAME.SUMMARY", "s", "t", "COLUMNS", "fare"]);
    assert!(matches!(
        field(&stats(&s2, "fare"), "mean"),
        Value::BulkString(_)
    ));
}

#[test]
fn history_is_bounded_by_frame_history_max() {
    let server = TestServer::start(&["--frame-history-max", "3"]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    assert_eq!(
        err(&mut con, &["FRAME.UNDO", "s", "t"]),
        "ERR nothing to undo"
    );
    for column in ["deck", "alive", "who", "class", "embark_town"] {
        drop_column(&mut con, "s", "t", column);
    }
    let history = items(&ok(&mut con, &["FRAME.HISTORY", "s", "t"]));
    let numbers: Vec<i64> = history.iter().map(|h| int(&field(h, "version"))).collect();
    assert_eq!(numbers, [3, 4, 5]);
    assert!(err(&mut con, &["FRAME.UNDO", "s", "t", "3"]).contains("only 2 available"));
    assert_eq!(
        err(&mut con, &["FRAME.UNDO", "s", "t", "0"]),
        "ERR value is out of range, must be positive"
    );
    let u = ok(&mut con, &["FRAME.UNDO", "s", "t", "2"]);
    assert_eq!(
        (int(&field(&u, "version")), int(&field(&u, "columns"))),
        (3, 12)
    );
    assert_eq!(
        err(&mut con, &["FRAME.UNDO", "s", "t"]),
        "ERR nothing to undo"
    );
    // CONFIG SET takes effect at the next APPLY.
    ok(&mut con, &["CONFIG", "SET", "frame-history-max", "2"]);
    drop_column(&mut con, "s", "t", "alone");
    let numbers: Vec<i64> = items(&ok(&mut con, &["FRAME.HISTORY", "s", "t"]))
        .iter()
        .map(|h| int(&field(h, "version")))
        .collect();
    assert_eq!(numbers, [3, 6]);
}

#[test]
fn info_sessions_counts_ops_undos_and_redos() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    drop_column(&mut con, "s", "t", "deck");
    drop_column(&mut con, "s", "t", "alive");
    ok(&mut con, &["FRAME.UNDO", "s", "t", "2"]);
    ok(&mut con, &["FRAME.REDO", "s", "t"]);
    let info = info_sessions(&mut con);
    let get = |k: &str| info_field(&info, k);
    assert_eq!(
        (get("sessions"), get("tables"), get("frame_versions")),
        (1, 1, 3)
    );
    assert_eq!(
        (
            get("frame_ops_applied"),
            get("frame_undos"),
            get("frame_redos")
        ),
        (2, 1, 1)
    );
    assert!(get("frame_memory_bytes") > 0);
    assert!(get("frame_op_latency_p99_us") >= get("frame_op_latency_p50_us"));
    assert!(get("frame_op_latency_p50_us") > 0);
}

#[test]
fn pad_widths_that_could_exhaust_memory_are_refused() {
    // LPAD(b, 9223372036854775807, 'x') made the engine grow one string
    // until the allocator failed, which aborted the whole server.
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s"]);
    load_data(&mut con, "s", "t", "csv", &[], b"a,b\n1,x\n2,yy\n").unwrap();
    let refused = [
        (
            r#"{"action":"add_column","params":{"name":"c","expr":"LPAD(b, 9223372036854775807, 'x')"}}"#,
            "LPAD",
        ),
        (
            r#"{"action":"add_column","params":{"name":"c","expr":"rpad(b, a * 1000000000000)"}}"#,
            "RPAD",
        ),
        (
            r#"{"action":"filter","params":{"where":"LPAD(b, 65537) = b"}}"#,
            "LPAD",
        ),
        (
            r#"{"action":"sql","params":{"query":"SELECT lpad(',5,', 99999999999) AS c FROM self"}}"#,
            "LPAD",
        ),
        (
            r#"{"action":"sql","params":{"query":"SELECT RPAD(b -- ,5\n, 99999999999) AS c FROM self"}}"#,
            "RPAD",
        ),
    ];
    for (op, name) in refused {
        assert_eq!(
            err(&mut con, &["FRAME.APPLY", "s", "t", op]),
            format!("ERR {name} width must be an integer literal of at most 65536"),
            "{op}"
        );
    }
    assert_eq!(
        int(&field(
            &ok(&mut con, &["FRAME.SUMMARY", "s", "t"]),
            "version"
        )),
        0
    );
    // A literal width within the bound still pads.
    apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"add_column","params":{"name":"c","expr":"LPAD(b, 4, '0')"}}"#,
    );
    let rows = text(&ok(&mut con, &["FRAME.ROWS", "s", "t", "COLUMNS", "c"]));
    assert_eq!(rows, r#"[{"c":"000x"},{"c":"00yy"}]"#);
    assert_eq!(ok(&mut con, &["PING"]), Value::SimpleString("PONG".into()));
}

#[test]
fn fill_missing_refuses_list_and_object_values() {
    // With columns defaulted, a value no column can hold skipped every
    // column and recorded a do-nothing version ("No missing values to fill")
    // although the frame had gaps.
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s"]);
    load_data(&mut con, "s", "t", "csv", &[], b"a,b\n1,x\n,\n").unwrap();
    for value in ["[1]", r#"{"x":1}"#] {
        let op =
            format!(r#"{{"action":"fill_missing","params":{{"method":"value","value":{value}}}}}"#);
        assert_eq!(
            err(&mut con, &["FRAME.APPLY", "s", "t", &op]),
            "ERR fill_missing 'value' must be a string, number or bool"
        );
    }
    assert_eq!(items(&ok(&mut con, &["FRAME.HISTORY", "s", "t"])).len(), 1);
}
