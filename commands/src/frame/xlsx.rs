//! Excel workbooks (`FRAME.LOAD ... FORMAT xlsx`) read with calamine.
//!
//! The first row names the columns (unless `has_header` is false). Each
//! column's dtype is inferred from its non-empty cells, as pandas'
//! `read_excel` does: all booleans -> bool; all whole numbers -> int64;
//! numbers -> float64; all dates/datetimes -> date when every value is at
//! midnight, else datetime (ms, no zone: Excel stores wall-clock time);
//! anything mixed -> string. Empty cells, error cells and `null_values`
//! texts are null.

use std::io::Cursor;

use bytes::Bytes;
use calamine::{Data, Reader, open_workbook_auto_from_rs};
use polars::prelude::*;

use super::engine_error;
use super::load::LoadOptions;
use crate::error::{CommandError, Result};

/// Reads the sheets of the workbook in `bytes`: every sheet when `all`,
/// else the sheet named by `options.sheet` (default the first). Returns
/// `(sheet name, frame)` pairs in workbook order.
pub fn read(bytes: Bytes, options: &LoadOptions, all: bool) -> Result<Vec<(String, DataFrame)>> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| engine_error("cannot read xlsx", e))?;
    let names = workbook.sheet_names();
    let wanted: Vec<String> = if all {
        names.clone()
    } else {
        match &options.sheet {
            Some(sheet) if names.contains(sheet) => vec![sheet.clone()],
            Some(sheet) => {
                return Err(CommandError::err(format!(
                    "no sheet '{sheet}' in the workbook (sheets: {})",
                    names.join(", ")
                )));
            }
            None => names.first().cloned().into_iter().collect(),
        }
    };
    if wanted.is_empty() {
        return Err(CommandError::err(
            "cannot read xlsx: the workbook has no sheets",
        ));
    }
    let header = options.has_header.unwrap_or(true);
    let nulls: Vec<String> = match &options.null_values {
        Some(super::load::NullTexts::One(s)) => vec![s.clone()],
        Some(super::load::NullTexts::Many(v)) => v.clone(),
        None => Vec::new(),
    };
    wanted
        .into_iter()
        .map(|name| {
            let range = workbook
                .worksheet_range(&name)
                .map_err(|e| engine_error(&format!("cannot read sheet '{name}'"), e))?;
            let rows: Vec<&[Data]> = range.rows().collect();
            let frame = sheet_frame(&rows, header, &nulls)
                .map_err(|e| engine_error(&format!("cannot read sheet '{name}'"), e))?;
            Ok((name, frame))
        })
        .collect()
}

/// Builds a frame from a sheet's rows.
fn sheet_frame(rows: &[&[Data]], header: bool, nulls: &[String]) -> PolarsResult<DataFrame> {
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let (names, body) = match (header, rows.split_first()) {
        (true, Some((first, body))) => (column_names(first, width), body),
        _ => ((1..=width).map(|i| format!("column_{i}")).collect(), rows),
    };
    let columns = names
        .into_iter()
        .enumerate()
        .map(|(c, name)| {
            let cells: Vec<Option<&Data>> = body
                .iter()
                .map(|row| row.get(c).filter(|cell| !is_null(cell, nulls)))
                .collect();
            build_column(&name, &cells)
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new_infer_height(columns)
}

/// Header texts; blank ones become `column_<n>` and repeats get `_<k>`
/// suffixes, since a frame's column names must be unique.
fn column_names(first: &[Data], width: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(width);
    for i in 0..width {
        let base = match first.get(i).map(|d| d.to_string()) {
            Some(text) if !text.trim().is_empty() => text,
            _ => format!("column_{}", i + 1),
        };
        let mut name = base.clone();
        let mut k = 1;
        while names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        names.push(name);
    }
    names
}

fn is_null(cell: &Data, nulls: &[String]) -> bool {
    match cell {
        Data::Empty | Data::Error(_) => true,
        Data::String(s) => nulls.iter().any(|n| n == s),
        _ => false,
    }
}

/// Largest magnitude an f64 holds exactly as an integer (2^53).
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

fn whole(f: f64) -> bool {
    f.fract() == 0.0 && f.abs() <= EXACT_INT
}

/// What the non-null cells of a column are.
#[derive(Default)]
struct Kinds {
    bools: bool,
    ints: bool,
    floats: bool,
    datetimes: bool,
    times_of_day: bool,
    other: bool,
}

fn kinds(cells: &[Option<&Data>]) -> Kinds {
    let mut k = Kinds::default();
    for cell in cells.iter().flatten() {
        match cell {
            Data::Bool(_) => k.bools = true,
            Data::Int(_) => k.ints = true,
            Data::Float(f) if whole(*f) => k.ints = true,
            Data::Float(_) => k.floats = true,
            Data::DateTime(dt) if dt.is_datetime() => {
                k.datetimes = true;
                let (_, _, _, h, m, s, ms) = dt.to_ymd_hms_milli();
                k.times_of_day |= (h, m, s, ms) != (0, 0, 0, 0);
            }
            _ => k.other = true,
        }
    }
    k
}

fn build_column(name: &str, cells: &[Option<&Data>]) -> PolarsResult<Column> {
    let k = kinds(cells);
    let name = PlSmallStr::from(name);
    let numeric = k.ints || k.floats;
    let series = if k.other
        || [k.bools, numeric, k.datetimes]
            .iter()
            .filter(|&&b| b)
            .count()
            > 1
    {
        let values: Vec<Option<String>> = cells.iter().map(|c| c.map(cell_text)).collect();
        Series::new(name, values)
    } else if k.bools {
        let values: Vec<Option<bool>> = cells
            .iter()
            .map(|c| match c {
                Some(Data::Bool(b)) => Some(*b),
                _ => None,
            })
            .collect();
        Series::new(name, values)
    } else if k.floats {
        let values: Vec<Option<f64>> = cells.iter().map(|c| c.and_then(number)).collect();
        Series::new(name, values)
    } else if k.ints {
        let values: Vec<Option<i64>> = cells
            .iter()
            .map(|c| c.and_then(number).map(|f| f as i64))
            .collect();
        Series::new(name, values)
    } else if k.datetimes && !k.times_of_day {
        let days = cells
            .iter()
            .map(|c| c.and_then(epoch_ms).map(|ms| (ms / 86_400_000) as i32));
        Int32Chunked::from_iter_options(name, days)
            .into_date()
            .into_series()
    } else if k.datetimes {
        let ms = cells.iter().map(|c| c.and_then(epoch_ms));
        Int64Chunked::from_iter_options(name, ms)
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_series()
    } else {
        // Every cell is null.
        Series::full_null(name, cells.len(), &DataType::String)
    };
    Ok(series.into_column())
}

fn number(cell: &Data) -> Option<f64> {
    match cell {
        Data::Int(i) => Some(*i as f64),
        Data::Float(f) => Some(*f),
        _ => None,
    }
}

/// A date/datetime cell as ms since the Unix epoch (wall-clock as UTC).
fn epoch_ms(cell: &Data) -> Option<i64> {
    let Data::DateTime(dt) = cell else {
        return None;
    };
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)?;
    let time = date.and_hms_milli_opt(h as u32, mi as u32, s as u32, ms as u32)?;
    Some(time.and_utc().timestamp_millis())
}

/// A cell as text for a mixed column: whole numbers without `.0`, dates in
/// ISO 8601.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(f) if whole(*f) => format!("{}", *f as i64),
        Data::DateTime(_) => match epoch_ms(cell) {
            Some(ms) => super::dtype::datetime_text(ms, TimeUnit::Milliseconds)
                .unwrap_or_else(|| cell.to_string()),
            None => cell.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    use super::*;

    fn dt(serial: f64) -> Data {
        Data::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            false,
        ))
    }

    #[test]
    fn columns_get_pandas_like_dtypes() {
        let header = [
            Data::String("i".into()),
            Data::String("f".into()),
            Data::String("b".into()),
            Data::String("d".into()),
            Data::String("t".into()),
            Data::String("m".into()),
        ];
        let r1 = [
            Data::Float(1.0),
            Data::Float(1.5),
            Data::Bool(true),
            dt(45943.0),
            dt(45943.5),
            Data::Float(2.0),
        ];
        let r2 = [
            Data::Empty,
            Data::Float(2.0),
            Data::Bool(false),
            dt(45944.0),
            Data::Empty,
            Data::String("x".into()),
        ];
        let rows: Vec<&[Data]> = vec![&header, &r1, &r2];
        let df = sheet_frame(&rows, true, &[]).unwrap();
        let dtypes: Vec<DataType> = df.dtypes();
        assert_eq!(
            dtypes,
            vec![
                DataType::Int64,
                DataType::Float64,
                DataType::Boolean,
                DataType::Date,
                DataType::Datetime(TimeUnit::Milliseconds, None),
                DataType::String
            ]
        );
        assert_eq!(df.column("i").unwrap().null_count(), 1);
        assert_eq!(
            df.column("m")
                .unwrap()
                .as_materialized_series()
                .str()
                .unwrap()
                .get(0),
            Some("2")
        );
        // 45943.5 is 2025-10-13 12:00.
        let d = df
            .column("t")
            .unwrap()
            .as_materialized_series()
            .datetime()
            .unwrap()
            .phys
            .get(0)
            .unwrap();
        assert_eq!(
            super::super::dtype::datetime_text(d, TimeUnit::Milliseconds).unwrap(),
            "2025-10-13T12:00:00"
        );
    }
}
