//! Tests of op parsing and of applying lists of ops.

use super::testdata::{apply_json, titanic};
use super::*;

#[test]
fn parse_single_object_and_array() {
    let one = parse_ops(br#"{"action":"drop_columns","params":{"columns":["deck"]}}"#).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].action(), "drop_columns");
    let two = parse_ops(
        br#"[{"action":"drop_columns","params":{"columns":["deck"]}},
             {"action":"sort","params":{"by":"age"}}]"#,
    )
    .unwrap();
    assert_eq!(
        two.iter().map(Op::action).collect::<Vec<_>>(),
        ["drop_columns", "sort"]
    );
}

#[test]
fn unknown_action_is_named() {
    let e = parse_ops(br#"{"action":"explode","params":{}}"#).unwrap_err();
    assert!(
        e.0.starts_with("ERR invalid op: unknown variant `explode`"),
        "{e}"
    );
    assert!(!e.0.contains('\n'));
}

#[test]
fn unknown_param_is_named() {
    let e = parse_ops(br#"{"action":"fill_missing","params":{"colums":["age"],"method":"mean"}}"#)
        .unwrap_err();
    assert!(
        e.0.starts_with("ERR invalid op: unknown field `colums`"),
        "{e}"
    );
}

#[test]
fn missing_param_and_bad_shapes_are_errors() {
    let e = parse_ops(br#"{"action":"drop_columns","params":{}}"#).unwrap_err();
    assert!(e.0.contains("missing field `columns`"), "{e}");
    let e = parse_ops(br#"{"action":"drop_columns","params":{"columns":["a"]},"extra":1}"#)
        .unwrap_err();
    assert!(
        e.0.starts_with("ERR invalid op: ") && e.0.contains(r#""extra""#),
        "{e}"
    );
    let e = parse_ops(b"[]").unwrap_err();
    assert_eq!(e.0, "ERR invalid op: empty list of ops");
    let e = parse_ops(b"42").unwrap_err();
    assert_eq!(
        e.0,
        "ERR invalid op: expected a JSON object or an array of objects"
    );
    let e = parse_ops(b"{not json").unwrap_err();
    assert!(e.0.starts_with("ERR invalid op: "), "{e}");
    let e =
        parse_ops(br#"[{"action":"sort","params":{"by":"age"}}, {"action":"nope","params":{}}]"#)
            .unwrap_err();
    assert!(
        e.0.starts_with("ERR invalid op: op 2: unknown variant `nope`"),
        "{e}"
    );
}

#[test]
fn params_json_round_trips() {
    let text =
        br#"[{"action":"change_type","params":{"column":"age","dtype":"int64","strict":false}},
                    {"action":"filter","params":{"where":"age > 3"}},
                    {"action":"rename_column","params":{"mapping":{"b":"a","a":"b"}}},
                    {"action":"fill_missing","params":{"columns":["age"],"value":1.5}}]"#;
    let ops = parse_ops(text).unwrap();
    assert_eq!(ops[1].params_json(), r#"{"where":"age > 3"}"#);
    assert_eq!(ops[2].params_json(), r#"{"mapping":{"b":"a","a":"b"}}"#);
    for op in &ops {
        let again = format!(
            r#"{{"action":"{}","params":{}}}"#,
            op.action(),
            op.params_json()
        );
        assert_eq!(&parse_ops(again.as_bytes()).unwrap()[0], op);
    }
}

#[test]
fn array_is_all_or_nothing() {
    let df = titanic();
    let ops = parse_ops(
        br#"[{"action":"drop_columns","params":{"columns":["deck"]}},
             {"action":"fill_missing","params":{"columns":["deck"],"method":"mode"}}]"#,
    )
    .unwrap();
    let e = apply_all(&df, &ops, &OpContext::empty()).unwrap_err();
    assert_eq!(e.0, "ERR op 2 (fill_missing): unknown column 'deck'");
    // The input is untouched (ops work on clones).
    assert_eq!(df.width(), 15);
    assert_eq!(df.column("deck").unwrap().null_count(), 688);
}

#[test]
fn array_summaries_are_joined() {
    let df = titanic();
    let out = apply_json(
        &df,
        r#"[{"action":"drop_columns","params":{"columns":["deck","embark_town"]}},
            {"action":"fill_missing","params":{"columns":["embarked"],"value":"S"}}]"#,
    )
    .unwrap();
    assert_eq!(
        out.change_summary,
        "Dropped 2 columns: deck, embark_town; Filled 2 missing values in embarked with 'S'"
    );
    assert_eq!(out.frame.width(), 13);
    assert_eq!(out.frame.column("embarked").unwrap().null_count(), 0);
}

#[test]
fn no_engine_error_spans_lines() {
    let df = titanic();
    for json in [
        r#"{"action":"sql","params":{"query":"SELECT nope FROM self"}}"#,
        r#"{"action":"add_column","params":{"name":"x","expr":"fare +"}}"#,
        r#"{"action":"change_type","params":{"column":"sex","dtype":"date"}}"#,
        r#"{"action":"sql","params":{"query":"SELECT * FROM self;\nSELECT 1"}}"#,
    ] {
        let e = apply_json(&df, json).unwrap_err();
        assert!(e.0.starts_with("ERR "), "{json}: {e}");
        assert!(!e.0.contains('\n') && !e.0.contains('\r'), "{json}: {e}");
    }
}
