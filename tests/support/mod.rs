//! Helpers shared by the SESSION/FRAME integration tests: send a command,
//! read maps in either protocol (RESP3 map or RESP2 flat array), pick typed
//! fields out of them, and read titanic.csv by hand for expected values.

#![allow(dead_code)]

use redis::{Connection, Value};

use super::common::data_file;

/// Sends `args` (`args[0]` is the command) and returns the reply, or the
/// error line as the server sent it (`ERR ...`, `WRONGTYPE ...`).
pub fn call(con: &mut Connection, args: &[&[u8]]) -> Result<Value, String> {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query::<Value>(con)
        .map_err(|e| format!("{} {}", e.code().unwrap_or("?"), e.detail().unwrap_or("")))
}

/// Like [`call`], panicking on an error reply.
pub fn ok(con: &mut Connection, args: &[&str]) -> Value {
    let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    call(con, &bytes).unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

/// The error line of a call that must fail.
pub fn err(con: &mut Connection, args: &[&str]) -> String {
    let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    match call(con, &bytes) {
        Ok(v) => panic!("{args:?} should fail, got {v:?}"),
        Err(e) => e,
    }
}

pub fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::BulkString(b) => b.clone(),
        other => panic!("not bulk: {other:?}"),
    }
}

pub fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Okay => "OK".into(),
        Value::VerbatimString { text, .. } => text.clone(),
        other => panic!("not text: {other:?}"),
    }
}

pub fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        Value::Boolean(b) => *b as i64,
        other => panic!("not an integer: {other:?}"),
    }
}

pub fn double(v: &Value) -> f64 {
    match v {
        Value::Double(d) => *d,
        Value::BulkString(b) => std::str::from_utf8(b).unwrap().parse().unwrap(),
        other => panic!("not a double: {other:?}"),
    }
}

/// Map fields in order, from a RESP3 map or a RESP2 flat array.
pub fn fields(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(items) => items.iter().map(|(k, v)| (text(k), v.clone())).collect(),
        Value::Array(items) => items
            .chunks(2)
            .map(|c| (text(&c[0]), c[1].clone()))
            .collect(),
        other => panic!("not a map: {other:?}"),
    }
}

pub fn field(v: &Value, name: &str) -> Value {
    fields(v)
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name} in {v:?}"))
        .1
}

pub fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => panic!("not an array: {other:?}"),
    }
}

/// The `INFO sessions` section as (field, integer) pairs.
pub fn info_sessions(con: &mut Connection) -> Vec<(String, i64)> {
    let body = text(&ok(con, &["INFO", "sessions"]));
    body.lines()
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k.to_string(), v)))
        .collect()
}

/// One field of [`info_sessions`].
pub fn info_field(fields: &[(String, i64)], name: &str) -> i64 {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {name} in INFO sessions"))
}

/// Texts of an array (or set) reply.
pub fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) | Value::Set(items) => items.iter().map(text).collect(),
        other => panic!("not an array: {other:?}"),
    }
}

/// `FRAME.LOAD id table FORMAT format DATA <bytes of the dataset file>`.
pub fn load(con: &mut Connection, id: &str, table: &str, format: &str, file: &str) -> Value {
    call(
        con,
        &[
            b"FRAME.LOAD",
            id.as_bytes(),
            table.as_bytes(),
            b"FORMAT",
            format.as_bytes(),
            b"DATA",
            &data_file(file),
        ],
    )
    .unwrap_or_else(|e| panic!("load {file}: {e}"))
}

/// `FRAME.APPLY id table op`, panicking on an error.
pub fn apply(con: &mut Connection, id: &str, table: &str, op: &str) -> Value {
    ok(con, &["FRAME.APPLY", id, table, op])
}

/// The stats map of `column` in a FRAME.SUMMARY reply.
pub fn stats(summary: &Value, column: &str) -> Value {
    items(&field(summary, "stats"))
        .into_iter()
        .find(|s| text(&field(s, "name")) == column)
        .unwrap_or_else(|| panic!("no stats for {column}"))
}

/// titanic.csv parsed by hand (it has no quoted fields).
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn titanic() -> Csv {
        let raw = String::from_utf8(data_file("titanic.csv")).unwrap();
        let mut lines = raw.lines();
        let header = lines.next().unwrap().split(',').map(String::from).collect();
        let rows = lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        Csv { header, rows }
    }

    pub fn col(&self, name: &str) -> Vec<&str> {
        let i = self.header.iter().position(|h| h == name).unwrap();
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    pub fn floats(&self, name: &str) -> Vec<f64> {
        self.col(name)
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().unwrap())
            .collect()
    }
}

/// The median (mean of the middle two for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Equal within a relative 1e-9.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}
