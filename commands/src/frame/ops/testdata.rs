//! Test fixtures: the shared CSV datasets read with the engine's CSV
//! reader, an `apply` shorthand taking op JSON, and a probe for whether two
//! columns share their value buffer.

use std::path::PathBuf;
use std::sync::OnceLock;

use polars::prelude::*;

use super::{Applied, OpContext, apply_all, parse_ops};
use crate::error::Result;

/// `shared/data/<name>`, found from the crate directory (`/work/main/commands`
/// in the team checkout: `../../shared/data`; a checkout with `shared/`
/// beside the crates: `../shared/data`).
pub fn data_path(name: &str) -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["../../shared/data", "../shared/data", "shared/data"]
        .iter()
        .map(|dir| here.join(dir).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("test data {name} not found near {}", here.display()))
}

fn read_csv(name: &str) -> DataFrame {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .try_into_reader_with_file_path(Some(data_path(name)))
        .and_then(|r| r.finish())
        .unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

/// titanic.csv: 891 rows x 15 columns.
pub fn titanic() -> DataFrame {
    static FRAME: OnceLock<DataFrame> = OnceLock::new();
    FRAME.get_or_init(|| read_csv("titanic.csv")).clone()
}

/// seattlepets.csv: 52,519 rows x 8 columns.
pub fn seattlepets() -> DataFrame {
    static FRAME: OnceLock<DataFrame> = OnceLock::new();
    FRAME.get_or_init(|| read_csv("seattlepets.csv")).clone()
}

/// The raw text of a dataset, for independent checks.
pub fn raw_text(name: &str) -> String {
    std::fs::read_to_string(data_path(name)).expect("test data readable")
}

/// The values of column `col` of a CSV without quoted commas before it,
/// read by plain string splitting (independent of the engine).
pub fn raw_column(name: &str, col: &str) -> Vec<String> {
    let text = raw_text(name);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let idx = header
        .iter()
        .position(|h| *h == col)
        .expect("column in header");
    lines
        .map(|l| l.split(',').nth(idx).unwrap_or("").to_string())
        .collect()
}

/// Parses op JSON and applies it without other tables.
pub fn apply_json(frame: &DataFrame, json: &str) -> Result<Applied> {
    let ops = parse_ops(json.as_bytes())?;
    apply_all(frame, &ops, &OpContext::empty())
}

/// The address of the first chunk's value buffer of a column.
pub fn buffer_addr(column: &Column) -> usize {
    let s = column.as_materialized_series();
    // Test probe: the dtypes of the fixtures are known, so the typed
    // accessors cannot fail.
    match s.dtype() {
        DataType::Float64 => numeric_addr(s.f64().unwrap()),
        DataType::Int64 => numeric_addr(s.i64().unwrap()),
        DataType::String => s
            .str()
            .unwrap()
            .downcast_iter()
            .next()
            .unwrap()
            .views()
            .as_ptr() as usize,
        DataType::Boolean => s
            .bool()
            .unwrap()
            .downcast_iter()
            .next()
            .unwrap()
            .values()
            .as_slice()
            .0
            .as_ptr() as usize,
        other => panic!("buffer_addr: unsupported dtype {other}"),
    }
}

/// The address of the first chunk's value buffer of a numeric array.
fn numeric_addr<T: PolarsNumericType>(ca: &ChunkedArray<T>) -> usize {
    // Test probe: the fixtures have at least one chunk.
    ca.downcast_iter().next().unwrap().values().as_ptr() as usize
}

/// Whether two columns have the same chunking and share the first chunk's
/// value buffer (no copy was made).
pub fn same_buffers(a: &Column, b: &Column) -> bool {
    a.n_chunks() == b.n_chunks() && buffer_addr(a) == buffer_addr(b)
}
