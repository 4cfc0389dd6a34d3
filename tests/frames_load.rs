//! FRAME.LOAD and FRAME.SUMMARY against the real server with the real
//! datasets: every format the data directory has, the shapes and null
//! counts of the data README, summary statistics computed here from the raw
//! files, and the load errors.

mod common;
mod support;

use common::{TestServer, data_dir, data_file};
use redis::Connection;
use support::*;

#[test]
fn titanic_summary_matches_statistics_computed_from_the_file() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s"]);
    let reply = load(&mut con, "s", "t", "csv", "titanic.csv");
    let names: Vec<String> = fields(&reply).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        ["table", "version", "rows", "columns", "memory_bytes"]
    );
    assert_eq!(
        (int(&field(&reply, "rows")), int(&field(&reply, "columns"))),
        (891, 15)
    );
    assert_eq!(int(&field(&reply, "version")), 0);
    assert!(int(&field(&reply, "memory_bytes")) > 10_000);

    let csv = Csv::titanic();
    let summary = ok(&mut con, &["FRAME.SUMMARY", "s", "t"]);
    let names: Vec<String> = fields(&summary).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "rows",
            "columns",
            "version",
            "memory_bytes",
            "schema",
            "stats"
        ]
    );
    let schema: Vec<(String, String)> = items(&field(&summary, "schema"))
        .iter()
        .map(|p| (text(&items(p)[0]), text(&items(p)[1])))
        .collect();
    assert_eq!(schema.len(), 15);
    assert_eq!(schema[0], ("survived".into(), "int64".into()));
    assert_eq!(schema[3], ("age".into(), "float64".into()));
    assert_eq!(schema[10], ("adult_male".into(), "bool".into()));
    assert_eq!(schema[11], ("deck".into(), "string".into()));

    let ages = csv.floats("age");
    let age = stats(&summary, "age");
    assert_eq!(int(&field(&age, "nulls")), 891 - ages.len() as i64);
    assert_eq!(int(&field(&age, "nulls")), 177);
    assert!(close(
        double(&field(&age, "null_pct")),
        177.0 * 100.0 / 891.0
    ));
    let mean = ages.iter().sum::<f64>() / ages.len() as f64;
    let std =
        (ages.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (ages.len() - 1) as f64).sqrt();
    assert!(close(double(&field(&age, "mean")), mean));
    assert!(close(double(&field(&age, "std")), std));
    assert!(close(double(&field(&age, "p50")), median(ages.clone())));
    assert_eq!(
        double(&field(&age, "min")),
        ages.iter().cloned().fold(f64::MAX, f64::min)
    );
    assert_eq!(
        double(&field(&age, "max")),
        ages.iter().cloned().fold(f64::MIN, f64::max)
    );
    let mut distinct = ages.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert_eq!(int(&field(&age, "unique")), distinct.len() as i64);

    let sex = stats(&summary, "sex");
    let males = csv.col("sex").iter().filter(|s| **s == "male").count() as i64;
    assert_eq!(text(&field(&sex, "top")), "male");
    assert_eq!(int(&field(&sex, "top_count")), males);
    assert_eq!(
        (int(&field(&sex, "min_len")), int(&field(&sex, "max_len"))),
        (4, 6)
    );
    assert_eq!(int(&field(&stats(&summary, "deck"), "nulls")), 688);
    assert_eq!(int(&field(&stats(&summary, "embarked"), "nulls")), 2);

    let two = ok(
        &mut con,
        &["FRAME.SUMMARY", "s", "t", "COLUMNS", "fare", "sex"],
    );
    let names: Vec<String> = items(&field(&two, "stats"))
        .iter()
        .map(|s| text(&field(s, "name")))
        .collect();
    assert_eq!(names, ["fare", "sex"]);
    assert_eq!(
        err(
            &mut con,
            &["FRAME.SUMMARY", "s", "t", "COLUMNS", "fare", "agee"]
        ),
        "ERR unknown column 'agee'"
    );
    assert_eq!(
        err(&mut con, &["FRAME.SUMMARY", "s", "nope"]),
        "ERR no such table 'nope' in session 's'"
    );
}

#[test]
fn medium_and_messy_csvs_load_with_the_readme_null_counts() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s"]);
    let stops = load(&mut con, "s", "stops", "csv", "mplsstops.csv");
    assert_eq!(
        (int(&field(&stops, "rows")), int(&field(&stops, "columns"))),
        (51_920, 15)
    );
    let pets = load(&mut con, "s", "pets", "csv", "seattlepets.csv");
    assert_eq!(
        (int(&field(&pets, "rows")), int(&field(&pets, "columns"))),
        (52_519, 8)
    );

    let summary = ok(&mut con, &["FRAME.SUMMARY", "s", "stops"]);
    for (column, nulls) in [
        ("citationIssued", 32_810),
        ("personSearch", 8_221),
        ("gender", 8_282),
        ("lat", 0),
    ] {
        assert_eq!(
            int(&field(&stats(&summary, column), "nulls")),
            nulls,
            "{column}"
        );
    }
    let summary = ok(&mut con, &["FRAME.SUMMARY", "s", "pets"]);
    for (column, nulls) in [
        ("secondary_breed", 29_517),
        ("animal_name", 483),
        ("zip_code", 397),
    ] {
        assert_eq!(
            int(&field(&stats(&summary, column), "nulls")),
            nulls,
            "{column}"
        );
    }
    // ZIP+4 values late in the file keep zip_code text, as pandas reads it.
    assert_eq!(
        text(&field(&stats(&summary, "zip_code"), "dtype")),
        "string"
    );
    let species = stats(&summary, "species");
    assert_eq!(
        (
            text(&field(&species, "top")),
            int(&field(&species, "top_count"))
        ),
        ("Dog".into(), 35_181)
    );
    let list: Vec<String> = items(&ok(&mut con, &["FRAME.LIST", "s"]))
        .iter()
        .map(text)
        .collect();
    assert_eq!(list, ["pets", "stops"]);
}

#[test]
fn every_workbook_sheet_loads_into_its_own_table() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "w"]);
    let reply = load(&mut con, "w", "*", "xlsx", "workbook.xlsx");
    let shapes: Vec<(String, i64, i64)> = items(&reply)
        .iter()
        .map(|m| {
            (
                text(&field(m, "table")),
                int(&field(m, "rows")),
                int(&field(m, "columns")),
            )
        })
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("passengers".into(), 891, 15),
            ("pets".into(), 5000, 8),
            ("stops".into(), 5000, 15)
        ]
    );
    let dtype = |con: &mut Connection, table: &str, column: &str| -> String {
        let schema = ok(con, &["FRAME.SCHEMA", "w", table]);
        let pair = items(&schema)
            .into_iter()
            .find(|p| text(&items(p)[0]) == column)
            .unwrap();
        text(&items(&pair)[1])
    };
    assert_eq!(dtype(&mut con, "passengers", "adult_male"), "bool");
    assert_eq!(dtype(&mut con, "passengers", "survived"), "int64");
    assert_eq!(dtype(&mut con, "passengers", "age"), "float64");
    assert_eq!(dtype(&mut con, "pets", "license_issue_date"), "date");
    assert_eq!(dtype(&mut con, "stops", "date"), "datetime");
    let summary = ok(
        &mut con,
        &["FRAME.SUMMARY", "w", "passengers", "COLUMNS", "age", "deck"],
    );
    assert_eq!(int(&field(&stats(&summary, "age"), "nulls")), 177);
    assert_eq!(int(&field(&stats(&summary, "deck"), "nulls")), 688);
    // The first pets row of the CSV: license issued 2018-11-16.
    let first = ok(
        &mut con,
        &[
            "FRAME.ROWS",
            "w",
            "pets",
            "LIMIT",
            "1",
            "COLUMNS",
            "license_issue_date",
            "species",
        ],
    );
    let rows: serde_json::Value = serde_json::from_slice(&bytes(&first)).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{"license_issue_date": "2018-11-16", "species": "Dog"}])
    );

    let again = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"w",
            b"*",
            b"FORMAT",
            b"xlsx",
            b"DATA",
            &data_file("workbook.xlsx"),
        ],
    );
    assert_eq!(
        again.unwrap_err(),
        "ERR table 'passengers' already exists (use REPLACE)"
    );
    let one = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"w",
            b"p2",
            b"FORMAT",
            b"xlsx",
            b"OPTIONS",
            br#"{"sheet":"pets"}"#,
            b"DATA",
            &data_file("workbook.xlsx"),
        ],
    )
    .unwrap();
    assert_eq!(int(&field(&one, "rows")), 5000);
    let bad = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"w",
            b"p3",
            b"FORMAT",
            b"xlsx",
            b"OPTIONS",
            br#"{"sheet":"nope"}"#,
            b"DATA",
            &data_file("workbook.xlsx"),
        ],
    );
    assert!(bad.unwrap_err().starts_with("ERR no sheet 'nope'"));
}

#[test]
fn load_refuses_existing_tables_bad_formats_and_options() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s"]);
    load(&mut con, "s", "t", "csv", "titanic.csv");
    apply(
        &mut con,
        "s",
        "t",
        r#"{"action":"drop_columns","params":{"columns":["deck"]}}"#,
    );
    let again = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"s",
            b"t",
            b"FORMAT",
            b"csv",
            b"DATA",
            b"a\n1\n",
        ],
    );
    assert_eq!(
        again.unwrap_err(),
        "ERR table 't' already exists (use REPLACE)"
    );
    let replaced = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"s",
            b"t",
            b"FORMAT",
            b"csv",
            b"REPLACE",
            b"DATA",
            b"a;b\n1;x\n",
        ],
    )
    .unwrap();
    assert_eq!(
        (
            int(&field(&replaced, "rows")),
            int(&field(&replaced, "columns"))
        ),
        (1, 1)
    );
    assert_eq!(items(&ok(&mut con, &["FRAME.HISTORY", "s", "t"])).len(), 1);
    let opts = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"s",
            b"u",
            b"FORMAT",
            b"csv",
            b"OPTIONS",
            br#"{"delimiter":";","null_values":["x"]}"#,
            b"DATA",
            b"a;b\n1;x\n",
        ],
    )
    .unwrap();
    assert_eq!(int(&field(&opts, "columns")), 2);
    let e = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"s",
            b"v",
            b"FORMAT",
            b"xml",
            b"DATA",
            b"<a/>",
        ],
    )
    .unwrap_err();
    assert!(e.starts_with("ERR unknown format 'xml'"), "{e}");
    let e = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"s",
            b"v",
            b"FORMAT",
            b"csv",
            b"OPTIONS",
            br#"{"delim":";"}"#,
            b"DATA",
            b"a\n",
        ],
    )
    .unwrap_err();
    assert!(e.contains("delim"), "{e}");
    let e = call(
        &mut con,
        &[
            b"FRAME.LOAD",
            b"s",
            b"v",
            b"FORMAT",
            b"parquet",
            b"DATA",
            b"not parquet",
        ],
    )
    .unwrap_err();
    assert!(e.starts_with("ERR cannot read parquet"), "{e}");
    assert_eq!(
        err(
            &mut con,
            &["FRAME.LOAD", "s", "v", "FORMAT", "csv", "FILE", "x.csv"]
        ),
        "ERR FILE loads are disabled (set import-dir)"
    );
    let list: Vec<String> = items(&ok(&mut con, &["FRAME.LIST", "s"]))
        .iter()
        .map(text)
        .collect();
    assert_eq!(list, ["t", "u"]);
}

#[test]
fn file_loads_are_confined_to_the_import_dir() {
    let dir = data_dir();
    let server = TestServer::start(&["--import-dir", dir.to_str().unwrap()]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s"]);
    let reply = ok(
        &mut con,
        &[
            "FRAME.LOAD",
            "s",
            "t",
            "FORMAT",
            "csv",
            "FILE",
            "titanic.csv",
        ],
    );
    assert_eq!(int(&field(&reply, "rows")), 891);
    let e = err(
        &mut con,
        &[
            "FRAME.LOAD",
            "s",
            "u",
            "FORMAT",
            "csv",
            "FILE",
            "../../../../etc/passwd",
        ],
    );
    assert!(e.contains("outside import-dir"), "{e}");
    let e = err(
        &mut con,
        &[
            "FRAME.LOAD",
            "s",
            "u",
            "FORMAT",
            "csv",
            "FILE",
            "/etc/passwd",
        ],
    );
    assert!(e.contains("outside import-dir"), "{e}");
}
