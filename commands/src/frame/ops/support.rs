//! Helpers shared by the ops: column lookup, missing-value masks, value and
//! dtype display, engine-error conversion and the small serde shapes
//! (`OneOrMany`, `Pairs`) that params use.

use std::fmt;
use std::marker::PhantomData;

use polars::prelude::*;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::CommandError;

/// Flattens a message onto one line: error replies must not contain CR/LF.
pub fn one_line(msg: &str) -> String {
    let flat: String = msg
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    flat.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An engine error as a reply: `ERR <engine message>` on one line.
pub fn engine(e: PolarsError) -> CommandError {
    CommandError::err(one_line(&e.to_string()))
}

/// `ERR unknown column 'name'`.
pub fn unknown_column(name: &str) -> CommandError {
    CommandError::err(format!("unknown column '{name}'"))
}

/// The position of column `name`, or `ERR unknown column 'name'`.
pub fn column_index(frame: &DataFrame, name: &str) -> Result<usize, CommandError> {
    frame
        .get_column_index(name)
        .ok_or_else(|| unknown_column(name))
}

/// Checks that every name is a column of `frame`.
pub fn check_columns(frame: &DataFrame, names: &[String]) -> Result<(), CommandError> {
    names
        .iter()
        .try_for_each(|name| column_index(frame, name).map(|_| ()))
}

/// `columns` if given (each checked to exist), else every column in order.
pub fn columns_or_all(
    frame: &DataFrame,
    columns: &Option<Vec<String>>,
) -> Result<Vec<String>, CommandError> {
    match columns {
        Some(names) => {
            if names.is_empty() {
                return Err(CommandError::err("'columns' must not be empty"));
            }
            check_columns(frame, names)?;
            Ok(dedup(names))
        }
        None => Ok(frame
            .get_column_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect()),
    }
}

/// The names without repeats, first occurrence kept.
pub fn dedup(names: &[String]) -> Vec<String> {
    let mut seen = PlHashSet::new();
    names
        .iter()
        .filter(|n| seen.insert(n.as_str()))
        .cloned()
        .collect()
}

/// True where a value is missing: null, or NaN in a float column (NaN is
/// how float data usually marks "no value").
pub fn missing_mask(column: &Column) -> BooleanChunked {
    let nulls = column.is_null();
    if column.dtype().is_float()
        && let Ok(nan) = column.is_nan()
    {
        // is_nan is null where the value is null; those already count.
        return &nulls | &nan.fill_null_with_values(false).unwrap_or(nan);
    }
    nulls
}

/// The column as a Series with NaN turned into null (float columns only;
/// others, and floats without NaN, come back unchanged and unshared).
pub fn nan_to_null(series: &Series) -> PolarsResult<Series> {
    match series.dtype() {
        DataType::Float64 => {
            let ca = series.f64()?;
            let nan = ca.is_nan();
            if nan.any() {
                return Ok(ca.set(&nan, None)?.into_series());
            }
            Ok(series.clone())
        }
        DataType::Float32 => {
            let ca = series.f32()?;
            let nan = ca.is_nan();
            if nan.any() {
                return Ok(ca.set(&nan, None)?.into_series());
            }
            Ok(series.clone())
        }
        _ => Ok(series.clone()),
    }
}

/// Dtype names as clients see them (`int64`, `string`, `category`, ...),
/// shared with `FRAME.SCHEMA`.
pub use crate::frame::dtype::dtype_name;

/// One value as a person would write it: text unquoted, floats with a
/// decimal point (`28.0`), null as `null`.
pub fn display_value(value: &AnyValue) -> String {
    match value {
        AnyValue::Null => "null".into(),
        AnyValue::String(s) => (*s).to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(v) => format!("{v:?}"),
        AnyValue::Float32(v) => format!("{v:?}"),
        other => other.to_string(),
    }
}

/// The value at `row` of `series`, displayed.
pub fn value_at(series: &Series, row: usize) -> String {
    series
        .get(row)
        .map(|v| display_value(&v))
        .unwrap_or_else(|_| "?".into())
}

/// `a, b, c`, or `a, b, ... (12 in all)` for long lists, so that a summary
/// stays one readable sentence.
pub fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 10;
    let shown: Vec<&str> = names.iter().take(SHOWN).map(|n| n.as_ref()).collect();
    if names.len() > SHOWN {
        format!("{}, ... ({} in all)", shown.join(", "), names.len())
    } else {
        shown.join(", ")
    }
}

/// `1 row` / `3 rows`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A param that is either one value or a list: `"by": "age"` or
/// `"by": ["age", "fare"]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a single value or a list of values")]
pub enum OneOrMany<T> {
    /// One value.
    One(T),
    /// A list.
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    /// The values as a list.
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A JSON object read as ordered `(key, value)` pairs: the client's order is
/// kept (a summary lists renames in the order given) and a repeated key is
/// an error rather than a silent overwrite.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Pairs<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
            type Value = Pairs<V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut pairs: Vec<(String, V)> = Vec::new();
                let mut seen = PlHashSet::new();
                while let Some((key, value)) = access.next_entry::<String, V>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!("duplicate key '{key}'")));
                    }
                    pairs.push((key, value));
                }
                Ok(Pairs(pairs))
            }
        }

        deserializer.deserialize_map(PairsVisitor(PhantomData))
    }
}

/// Builds an [`super::Applied`].
pub fn applied(frame: DataFrame, summary: impl Into<String>) -> super::Applied {
    super::Applied {
        frame,
        change_summary: summary.into(),
    }
}
