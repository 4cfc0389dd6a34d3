//! `FRAME.APPLY`'s argument: op JSON parsed into `Op`s, then applied to a
//! real frame (the first 200 rows of the shared titanic dataset: integer,
//! float, text and boolean columns with nulls), with a second table in the
//! context for SQL joins.
//!
//! Properties: nothing panics (libFuzzer's panic hook aborts even on a panic
//! that `apply_all` would catch and turn into an error reply, so an engine
//! panic counts as a finding too); every parsed op's `params_json` parses
//! back to an equal op (what `FRAME.HISTORY` shows can be replayed); and the
//! input frame is unchanged after apply, as ops are copy-on-write.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use commands::frame::ops::{OpContext, apply_all, parse_ops};
use libfuzzer_sys::fuzz_target;
use polars::prelude::*;

fuzz_target!(|data: &[u8]| run(data));

fn run(data: &[u8]) {
    let Ok(ops) = parse_ops(data) else {
        return;
    };
    for op in &ops {
        let json = format!(
            "{{\"action\":\"{}\",\"params\":{}}}",
            op.action(),
            op.params_json()
        );
        let back = parse_ops(json.as_bytes()).expect("params_json parses back");
        assert_eq!(back, vec![op.clone()], "{json}");
    }
    let (frame, tables) = fixtures();
    let ctx = OpContext { tables };
    if let Ok(applied) = apply_all(frame, &ops, &ctx) {
        // Reading every value of the result must not panic either.
        let _ = format!("{}", applied.frame.head(Some(5)));
    }
    assert!(
        frame.equals_missing(&fixtures().0),
        "apply changed its input"
    );
}

/// The frame ops are applied to, and the session's tables (`self` and
/// `people`, the same rows).
fn fixtures() -> (&'static DataFrame, &'static [(String, DataFrame)]) {
    static FIXTURES: OnceLock<(DataFrame, Vec<(String, DataFrame)>)> = OnceLock::new();
    let (frame, tables) = FIXTURES.get_or_init(|| {
        let frame = titanic().head(Some(200));
        let tables = vec![
            ("self".to_string(), frame.clone()),
            ("people".to_string(), frame.clone()),
        ];
        (frame, tables)
    });
    (frame, tables)
}

/// titanic.csv from `shared/data`, found from this crate's directory as the
/// tests find it (`../../shared` in the team checkout, `../shared` in CI's).
fn titanic() -> DataFrame {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = ["../../shared/data", "../shared/data"]
        .iter()
        .map(|dir| here.join(dir).join("titanic.csv"))
        .find(|p| p.exists())
        .expect("shared/data/titanic.csv next to the checkout");
    CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path))
        .and_then(|reader| reader.finish())
        .expect("titanic.csv reads")
}
