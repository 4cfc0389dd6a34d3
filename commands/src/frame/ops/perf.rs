//! Timing of column-local ops on the ~100 MB, 882,640-row frame built by
//! `shared/data/make-large.sh`. Ignored by default (it builds the file and
//! reads 100 MB); run with
//! `cargo test -p framekv-commands frame::ops::perf -- --ignored --nocapture`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use polars::prelude::*;

use super::testdata::{apply_json, data_path};

/// Builds the large CSV once under the system temp dir.
fn large_csv() -> PathBuf {
    let out = std::env::temp_dir().join("framekv-large.csv");
    if !out.exists() {
        let status = std::process::Command::new("sh")
            .arg(data_path("make-large.sh"))
            .arg(&out)
            .status()
            .expect("run make-large.sh");
        assert!(status.success(), "make-large.sh failed");
    }
    out
}

#[test]
#[ignore = "builds and reads a 100 MB file"]
fn column_local_ops_on_large_frame_take_under_a_second() {
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(large_csv()))
        .and_then(|r| r.finish())
        .expect("read large csv");
    assert_eq!(frame.height(), 882_640);
    let ops = [
        r#"{"action":"fill_missing","params":{"columns":["gender"],"method":"mode"}}"#,
        r#"{"action":"fill_missing","params":{"columns":["citationIssued"],"value":"NO"}}"#,
        r#"{"action":"change_type","params":{"column":"policePrecinct","dtype":"float64"}}"#,
        r#"{"action":"change_type","params":{"column":"date","dtype":"datetime","strict":false}}"#,
        r#"{"action":"rename_column","params":{"from":"lat","to":"latitude"}}"#,
        r#"{"action":"drop_columns","params":{"columns":["MDC"]}}"#,
        r#"{"action":"replace_values","params":{"column":"problem","mapping":{"traffic":"T"}}}"#,
        r#"{"action":"string_transform","params":{"columns":["neighborhood"],"transform":"upper"}}"#,
        r#"{"action":"add_column","params":{"name":"lat2","expr":"lat * 2"}}"#,
        r#"{"action":"filter","params":{"where":"policePrecinct = 1"}}"#,
        r#"{"action":"sort","params":{"by":"row_id","descending":true}}"#,
        r#"{"action":"drop_missing","params":{"columns":["gender"]}}"#,
    ];
    for op in ops {
        let started = Instant::now();
        let out = apply_json(&frame, op).unwrap_or_else(|e| panic!("{op}: {e}"));
        let took = started.elapsed();
        tracing::info!(?took, op, summary = out.change_summary, "large-frame op");
        eprintln!("{took:>12?}  {op}\n              -> {}", out.change_summary);
        assert!(took < Duration::from_secs(2), "{op} took {took:?}");
    }
}
