//! Tests of `fill_missing`: each method on the titanic data and small
//! frames, checked against values computed from the raw CSV.

use super::super::testdata::{apply_json, buffer_addr, raw_column, same_buffers, titanic};

/// Ages from the CSV by plain splitting (no quoted commas before `age`).
fn raw_ages() -> Vec<Option<f64>> {
    raw_column("titanic.csv", "age")
        .iter()
        .map(|v| {
            if v.is_empty() {
                None
            } else {
                Some(v.parse().unwrap())
            }
        })
        .collect()
}

#[test]
fn median_fill_matches_independent_median() {
    let df = titanic();
    let ages = raw_ages();
    let mut known: Vec<f64> = ages.iter().flatten().copied().collect();
    known.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = known.len();
    let median = if n.is_multiple_of(2) {
        (known[n / 2 - 1] + known[n / 2]) / 2.0
    } else {
        known[n / 2]
    };
    let missing = ages.len() - n;
    assert_eq!(missing, 177); // data README
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["age"],"method":"median"}}"#,
    )
    .unwrap();
    assert_eq!(
        out.change_summary,
        format!("Filled 177 missing values in age with median ({median:?})")
    );
    let age = out.frame.column("age").unwrap();
    assert_eq!(age.null_count(), 0);
    let filled = age.f64().unwrap();
    let n_median = filled.iter().filter(|v| *v == Some(median)).count();
    let had_median = known.iter().filter(|v| **v == median).count();
    assert_eq!(n_median, had_median + 177);
}

#[test]
fn fill_one_column_shares_every_other_buffer() {
    let df = titanic();
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["age"],"method":"mean"}}"#,
    )
    .unwrap();
    for column in df.columns() {
        let after = out.frame.column(column.name()).unwrap();
        if column.name() == "age" {
            assert_ne!(buffer_addr(column), buffer_addr(after), "age was rewritten");
        } else {
            assert!(same_buffers(column, after), "{} was copied", column.name());
        }
    }
}

#[test]
fn mean_matches_independent_mean() {
    let df = titanic();
    let known: Vec<f64> = raw_ages().into_iter().flatten().collect();
    let mean = known.iter().sum::<f64>() / known.len() as f64;
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["age"],"method":"mean"}}"#,
    )
    .unwrap();
    let age = out.frame.column("age").unwrap().f64().unwrap().clone();
    let sum: f64 = age.iter().flatten().sum();
    assert!((sum - (known.iter().sum::<f64>() + 177.0 * mean)).abs() < 1e-6);
}

#[test]
fn value_fill_is_typed_against_the_column() {
    let df = titanic();
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["embarked"],"method":"value","value":"S"}}"#,
    )
    .unwrap();
    assert_eq!(
        out.change_summary,
        "Filled 2 missing values in embarked with 'S'"
    );
    let e = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["age"],"method":"value","value":"old"}}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.0,
        r#"ERR value "old" does not fit column 'age' (float64)"#
    );
    let e = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["age"],"method":"value"}}"#,
    )
    .unwrap_err();
    assert_eq!(e.0, "ERR fill_missing method 'value' needs a 'value' param");
}

#[test]
fn mean_of_text_column_is_a_clear_error() {
    let df = titanic();
    let e = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["deck"],"method":"mean"}}"#,
    )
    .unwrap_err();
    assert_eq!(e.0, "ERR cannot fill text column 'deck' with mean");
    let e = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["dek"],"method":"mode"}}"#,
    )
    .unwrap_err();
    assert_eq!(e.0, "ERR unknown column 'dek'");
}

#[test]
fn mode_over_all_columns_fills_every_gap() {
    let df = titanic();
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"method":"mode"}}"#,
    )
    .unwrap();
    // README: 177 + 2 + 688 + 2 = 869 nulls in titanic.csv.
    assert!(
        out.change_summary
            .starts_with("Filled 869 missing values in 4 columns with mode: "),
        "{}",
        out.change_summary
    );
    let nulls: usize = out.frame.columns().iter().map(|c| c.null_count()).sum();
    assert_eq!(nulls, 0);
    // The most frequent embarked value, counted independently.
    let raw = raw_column("titanic.csv", "embarked");
    let s = raw.iter().filter(|v| *v == "S").count();
    assert!(s > raw.len() / 2);
    assert!(
        out.change_summary.contains("embarked 2 (S)"),
        "{}",
        out.change_summary
    );
}

#[test]
fn forward_fill_leaves_leading_gap() {
    let df = titanic();
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["deck"],"method":"forward"}}"#,
    )
    .unwrap();
    let raw = raw_column("titanic.csv", "deck");
    let leading = raw.iter().take_while(|v| v.is_empty()).count();
    assert_eq!(out.frame.column("deck").unwrap().null_count(), leading);
    assert!(out.change_summary.starts_with(&format!(
        "Filled {} missing values in deck with forward fill",
        688 - leading
    )));
}

#[test]
fn nan_counts_as_missing_and_int_mean_becomes_float() {
    use polars::prelude::*;
    let df = df! {
        "x" => [Some(1.0), Some(f64::NAN), None, Some(3.0)],
        "n" => [Some(1i64), Some(2), None, Some(2)],
    }
    .unwrap();
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["x"],"method":"zero"}}"#,
    )
    .unwrap();
    assert_eq!(out.change_summary, "Filled 2 missing values in x with zero");
    let x: Vec<Option<f64>> = out
        .frame
        .column("x")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(x, [Some(1.0), Some(0.0), Some(0.0), Some(3.0)]);
    // Mean of 1, 2, 2 = 5/3: not whole, so n becomes float64.
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["n"],"method":"mean"}}"#,
    )
    .unwrap();
    let mean = 5.0_f64 / 3.0;
    assert_eq!(
        out.change_summary,
        format!("Filled 1 missing value in n with mean ({mean:?}) (n is now float64)")
    );
    assert_eq!(
        out.frame.column("n").unwrap().f64().unwrap().get(2),
        Some(mean)
    );
    // Median of 1, 2, 2 = 2: whole, so n stays int64.
    let out = apply_json(
        &df,
        r#"{"action":"fill_missing","params":{"columns":["n"],"method":"median"}}"#,
    )
    .unwrap();
    assert_eq!(
        out.frame.column("n").unwrap().i64().unwrap().get(2),
        Some(2)
    );
}
