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
    let reply = csv_session(&mut con, "s", "t", "titanic.csv");
    let names: Vec<String> = fields(&reply).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        ["table", "version", "rows", "columns", "memory_bytes"]
    );
    assert_eq!(shape(&reply), (891, 15));
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
    assert_eq!(nulls(&summary, "deck"), 688);
    assert_eq!(nulls(&summary, "embarked"), 2);

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
    let stops = csv_session(&mut con, "s", "stops", "mplsstops.csv");
    assert_eq!(shape(&stops), (51_920, 15));
    let pets = load(&mut con, "s", "pets", "csv", "seattlepets.csv");
    assert_eq!(shape(&pets), (52_519, 8));

    let summary = ok(&mut con, &["FRAME.SUMMARY", "s", "stops"]);
    for (column, expected) in [
        ("citationIssued", 32_810),
        ("personSearch", 8_221),
        ("gender", 8_282),
        ("lat", 0),
    ] {
        assert_eq!(nulls(&summary, column), expected, "{column}");
    }
    let summary = ok(&mut con, &["FRAME.SUMMARY", "s", "pets"]);
    for (column, expected) in [
        ("secondary_breed", 29_517),
        ("animal_name", 483),
        ("zip_code", 397),
    ] {
        assert_eq!(nulls(&summary, column), expected, "{column}");
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
    let list = texts(&ok(&mut con, &["FRAME.LIST", "s"]));
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
    assert_eq!(nulls(&summary, "age"), 177);
    assert_eq!(nulls(&summary, "deck"), 688);
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

    let workbook = data_file("workbook.xlsx");
    let again = load_data(&mut con, "w", "*", "xlsx", &[], &workbook);
    assert_eq!(
        again.unwrap_err(),
        "ERR table 'passengers' already exists (use REPLACE)"
    );
    let one = load_data(
        &mut con,
        "w",
        "p2",
        "xlsx",
        &[b"OPTIONS", br#"{"sheet":"pets"}"#],
        &workbook,
    )
    .unwrap();
    assert_eq!(int(&field(&one, "rows")), 5000);
    let bad = load_data(
        &mut con,
        "w",
        "p3",
        "xlsx",
        &[b"OPTIONS", br#"{"sheet":"nope"}"#],
        &workbook,
    );
    assert!(bad.unwrap_err().starts_with("ERR no sheet 'nope'"));
}

#[test]
fn load_refuses_existing_tables_bad_formats_and_options() {
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    csv_session(&mut con, "s", "t", "titanic.csv");
    drop_column(&mut con, "s", "t", "deck");
    let again = load_data(&mut con, "s", "t", "csv", &[], b"a\n1\n");
    assert_eq!(
        again.unwrap_err(),
        "ERR table 't' already exists (use REPLACE)"
    );
    let replaced = load_data(&mut con, "s", "t", "csv", &[b"REPLACE"], b"a;b\n1;x\n").unwrap();
    assert_eq!(shape(&replaced), (1, 1));
    assert_eq!(items(&ok(&mut con, &["FRAME.HISTORY", "s", "t"])).len(), 1);
    let opts = load_data(
        &mut con,
        "s",
        "u",
        "csv",
        &[b"OPTIONS", br#"{"delimiter":";","null_values":["x"]}"#],
        b"a;b\n1;x\n",
    )
    .unwrap();
    assert_eq!(int(&field(&opts, "columns")), 2);
    let e = load_data(&mut con, "s", "v", "xml", &[], b"<a/>").unwrap_err();
    assert!(e.starts_with("ERR unknown format 'xml'"), "{e}");
    let e = load_data(
        &mut con,
        "s",
        "v",
        "csv",
        &[b"OPTIONS", br#"{"delim":";"}"#],
        b"a\n",
    )
    .unwrap_err();
    assert!(e.contains("delim"), "{e}");
    let e = load_data(&mut con, "s", "v", "parquet", &[], b"not parquet").unwrap_err();
    assert!(e.starts_with("ERR cannot read parquet"), "{e}");
    assert_eq!(
        err(
            &mut con,
            &["FRAME.LOAD", "s", "v", "FORMAT", "csv", "FILE", "x.csv"]
        ),
        "ERR FILE loads are disabled (set import-dir)"
    );
    let list = texts(&ok(&mut con, &["FRAME.LIST", "s"]));
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
    for outside in ["../../../../etc/passwd", "/etc/passwd"] {
        let e = err(
            &mut con,
            &["FRAME.LOAD", "s", "u", "FORMAT", "csv", "FILE", outside],
        );
        assert!(e.contains("outside import-dir"), "{e}");
    }
}

#[test]
fn a_huge_infer_schema_rows_reads_every_row() {
    // 18446744073709551615 made the CSV reader panic ("capacity overflow")
    // sizing its buffers; it means "every row", as any count above the
    // number of rows does.
    let server = TestServer::start(&[]);
    let mut con = server.conn();
    ok(&mut con, &["SESSION.CREATE", "ID", "s"]);
    let loaded = load_data(
        &mut con,
        "s",
        "t",
        "csv",
        &[b"OPTIONS", br#"{"infer_schema_rows":18446744073709551615}"#],
        b"a,b\n1,x\n2,y\n98126-2920,z\n",
    )
    .unwrap();
    assert_eq!(shape(&loaded), (3, 2));
    // The late non-number was seen by inference: the column is text.
    let schema = ok(&mut con, &["FRAME.SCHEMA", "s", "t"]);
    let dtypes: Vec<Vec<String>> = items(&schema).iter().map(texts).collect();
    assert_eq!(dtypes, [["a", "string"], ["b", "string"]]);
}
