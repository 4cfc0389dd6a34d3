//! Helpers shared by the SESSION/FRAME integration tests: send a command,
//! read maps in either protocol (RESP3 map or RESP2 flat array), pick typed
//! fields out of them, and read titanic.csv by hand for expected values.

#![allow(dead_code)]

use redis::{Connection, Value};

use super::common::data_file;

/// A command built from `args` (`args[0]` is the command name; text or
/// byte arguments), ready to `query`.
pub fn cmd<A: redis::ToRedisArgs>(args: &[A]) -> redis::Cmd {
    let mut c = redis::Cmd::new();
    for a in args {
        c.arg(a);
    }
    c
}

/// Runs a command that must succeed and returns its integer reply.
pub fn query_int(con: &mut Connection, args: &[&str]) -> i64 {
    cmd(args)
        .query::<i64>(con)
        .unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

/// A simple-string (status) reply holding `s`.
pub fn status(s: &str) -> Value {
    Value::SimpleString(s.to_string())
}

/// The whole error line of an error reply as the server sent it
/// (`ERR syntax error`, `WRONGTYPE ...`); `?` stands for a missing code.
pub fn error_line(e: &redis::RedisError) -> String {
    format!("{} {}", e.code().unwrap_or("?"), e.detail().unwrap_or(""))
}

/// Sends `args` (`args[0]` is the command) and returns the reply, or the
/// error line as the server sent it (`ERR ...`, `WRONGTYPE ...`).
pub fn call(con: &mut Connection, args: &[&[u8]]) -> Result<Value, String> {
    cmd(args).query::<Value>(con).map_err(|e| error_line(&e))
}

/// Like [`call`] with text arguments, panicking on an error reply.
pub fn ok(con: &mut Connection, args: &[&str]) -> Value {
    cmd(args)
        .query::<Value>(con)
        .unwrap_or_else(|e| panic!("{args:?} failed: {}", error_line(&e)))
}

/// The error line of a call that must fail.
pub fn err(con: &mut Connection, args: &[&str]) -> String {
    match cmd(args).query::<Value>(con) {
        Ok(v) => panic!("{args:?} should fail, got {v:?}"),
        Err(e) => error_line(&e),
    }
}

/// A bulk string reply holding `s`, for comparing whole replies.
pub fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

/// The bytes of a bulk string reply.
pub fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::BulkString(b) => b.clone(),
        other => panic!("not bulk: {other:?}"),
    }
}

/// A text reply (bulk, simple, `OK` or verbatim) as a string.
pub fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Okay => "OK".into(),
        Value::VerbatimString { text, .. } => text.clone(),
        other => panic!("not text: {other:?}"),
    }
}

/// An integer reply (a RESP3 boolean counts as 0 or 1).
pub fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        Value::Boolean(b) => *b as i64,
        other => panic!("not an integer: {other:?}"),
    }
}

/// A double reply (RESP3 double, or its RESP2 bulk-string text).
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

/// The value of map field `name` (see [`fields`]); panics when absent.
pub fn field(v: &Value, name: &str) -> Value {
    fields(v)
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name} in {v:?}"))
        .1
}

/// The elements of an array reply.
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

/// `FRAME.LOAD id table FORMAT format <extra ...> DATA data`: the reply, or
/// the error line. `extra` holds the options between the format and the
/// data (`REPLACE`, `OPTIONS <json>`).
pub fn load_data(
    con: &mut Connection,
    id: &str,
    table: &str,
    format: &str,
    extra: &[&[u8]],
    data: &[u8],
) -> Result<Value, String> {
    let mut args: Vec<&[u8]> = vec![
        b"FRAME.LOAD",
        id.as_bytes(),
        table.as_bytes(),
        b"FORMAT",
        format.as_bytes(),
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[b"DATA", data]);
    call(con, &args)
}

/// `FRAME.LOAD id table FORMAT format DATA <bytes of the dataset file>`,
/// panicking on an error.
pub fn load(con: &mut Connection, id: &str, table: &str, format: &str, file: &str) -> Value {
    load_data(con, id, table, format, &[], &data_file(file))
        .unwrap_or_else(|e| panic!("load {file}: {e}"))
}

/// `SESSION.CREATE ID id`, then [`load`] of the CSV dataset `file` into
/// `table`; returns the load reply.
pub fn csv_session(con: &mut Connection, id: &str, table: &str, file: &str) -> Value {
    ok(con, &["SESSION.CREATE", "ID", id]);
    load(con, id, table, "csv", file)
}

/// The `(rows, columns)` fields of a FRAME.LOAD / SUMMARY / APPLY reply.
pub fn shape(v: &Value) -> (i64, i64) {
    (int(&field(v, "rows")), int(&field(v, "columns")))
}

/// The `memory_bytes` field of `SESSION.INFO id`.
pub fn session_memory(con: &mut Connection, id: &str) -> i64 {
    int(&field(&ok(con, &["SESSION.INFO", id]), "memory_bytes"))
}

/// `FRAME.APPLY id table op`, panicking on an error.
pub fn apply(con: &mut Connection, id: &str, table: &str, op: &str) -> Value {
    ok(con, &["FRAME.APPLY", id, table, op])
}

/// [`apply`] of the `drop_columns` op removing the one column `column`.
pub fn drop_column(con: &mut Connection, id: &str, table: &str, column: &str) -> Value {
    let op = format!(r#"{{"action":"drop_columns","params":{{"columns":["{column}"]}}}}"#);
    apply(con, id, table, &op)
}

/// The stats map of `column` in a FRAME.SUMMARY reply.
pub fn stats(summary: &Value, column: &str) -> Value {
    items(&field(summary, "stats"))
        .into_iter()
        .find(|s| text(&field(s, "name")) == column)
        .unwrap_or_else(|| panic!("no stats for {column}"))
}

/// The `nulls` count of `column` in a FRAME.SUMMARY reply.
pub fn nulls(summary: &Value, column: &str) -> i64 {
    int(&field(&stats(summary, column), "nulls"))
}

/// titanic.csv parsed by hand (it has no quoted fields).
pub struct Csv {
    /// The column names.
    pub header: Vec<String>,
    /// The data rows (header excluded), cells as text.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads titanic.csv from the shared datasets.
    pub fn titanic() -> Csv {
        let raw = String::from_utf8(data_file("titanic.csv")).unwrap();
        let mut lines = raw.lines();
        let header = lines.next().unwrap().split(',').map(String::from).collect();
        let rows = lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        Csv { header, rows }
    }

    /// The text cells of column `name` (empty for a missing value).
    pub fn col(&self, name: &str) -> Vec<&str> {
        let i = self.header.iter().position(|h| h == name).unwrap();
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    /// The non-missing cells of column `name` as numbers.
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
