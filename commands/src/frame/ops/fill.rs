//! `fill_missing`: replacing nulls (and NaN in float columns) by a value, a
//! statistic of the column, or the neighbouring value.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::Applied;
use super::convert::json_value_as;
use super::support::{
    applied, column_index, columns_or_all, display_value, dtype_name, engine, nan_to_null, plural,
};
use crate::error::{CommandError, Result};

/// How `fill_missing` finds the value to put in a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillMethod {
    /// The `value` param, typed against the column.
    Value,
    /// The mean of the column's values (numeric columns).
    Mean,
    /// The median (numeric columns).
    Median,
    /// The most frequent value (ties: the smallest).
    Mode,
    /// The smallest value (numbers, text, dates, bools).
    Min,
    /// The largest value.
    Max,
    /// 0 (numeric columns).
    Zero,
    /// The previous non-missing value (leading gaps stay).
    Forward,
    /// The next non-missing value (trailing gaps stay).
    Backward,
}

impl FillMethod {
    fn name(self) -> &'static str {
        match self {
            FillMethod::Value => "value",
            FillMethod::Mean => "mean",
            FillMethod::Median => "median",
            FillMethod::Mode => "mode",
            FillMethod::Min => "min",
            FillMethod::Max => "max",
            FillMethod::Zero => "zero",
            FillMethod::Forward => "forward",
            FillMethod::Backward => "backward",
        }
    }

    /// Whether the method can fill a column of this dtype.
    fn applies_to(self, dtype: &DataType) -> bool {
        match self {
            FillMethod::Mean | FillMethod::Median | FillMethod::Zero => {
                dtype.is_primitive_numeric()
            }
            FillMethod::Min | FillMethod::Max => {
                dtype.is_primitive_numeric()
                    || dtype.is_string()
                    || dtype.is_temporal()
                    || dtype.is_bool()
            }
            FillMethod::Value | FillMethod::Mode | FillMethod::Forward | FillMethod::Backward => {
                true
            }
        }
    }
}

/// `fill_missing`: `{"columns": ["age"], "method": "median"}` or
/// `{"columns": ["embarked"], "method": "value", "value": "S"}`.
///
/// `columns` defaults to every column; then columns the method cannot fill
/// (mean of text, a text `value` for a number column) are skipped and the
/// summary names only what was filled. Named columns are checked: an unknown
/// column, a method that does not fit the dtype (`ERR cannot fill text
/// column 'sex' with mean`) or a `value` of the wrong type (`ERR value
/// 'x' does not fit column 'age' (float64)`) is an error. `method` defaults
/// to `value` when `value` is given. Mean and median of an integer column
/// that are not whole turn the column into float64 (the summary says so).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FillMissing {
    /// The columns to fill (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// How to fill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<FillMethod>,
    /// The fill value for method `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// What one column's fill did, for the summary.
struct Filled {
    column: String,
    count: usize,
    /// `(28.0)`, `'S'`, or empty for forward/backward/zero.
    with: String,
    remaining: usize,
    now_float: bool,
}

impl FillMissing {
    fn method(&self) -> Result<FillMethod> {
        // No column holds lists or objects: such a value fits nothing, and
        // with `columns` defaulted every column would be skipped silently.
        if matches!(
            self.value,
            Some(serde_json::Value::Array(_) | serde_json::Value::Object(_))
        ) {
            return Err(CommandError::err(
                "fill_missing 'value' must be a string, number or bool",
            ));
        }
        match (self.method, &self.value) {
            (Some(FillMethod::Value), None) => Err(CommandError::err(
                "fill_missing method 'value' needs a 'value' param",
            )),
            (Some(FillMethod::Value), Some(_)) => Ok(FillMethod::Value),
            (Some(m), Some(_)) => Err(CommandError::err(format!(
                "fill_missing 'value' is only used with method 'value', not '{}'",
                m.name()
            ))),
            (Some(m), None) => Ok(m),
            (None, Some(_)) => Ok(FillMethod::Value),
            (None, None) => Err(CommandError::err(
                "fill_missing needs a 'method' (or a 'value')",
            )),
        }
    }

    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let method = self.method()?;
        let explicit = self.columns.is_some();
        let names = columns_or_all(frame, &self.columns)?;
        let mut out = frame.clone();
        let mut done = Vec::new();
        for name in &names {
            let idx = column_index(frame, name)?;
            let column = &frame.columns()[idx];
            match self.fill_column(column, method) {
                Ok(Some((series, filled))) => {
                    out.replace_column(idx, series.into_column())
                        .map_err(engine)?;
                    done.push(filled);
                }
                Ok(None) => {}
                Err(e) if explicit => return Err(e),
                // Defaulted to all columns: skip what this method cannot fill.
                Err(_) => {}
            }
        }
        Ok(applied(out, summary(method, &done, &names, explicit)))
    }

    /// Fills one column: `None` when it has nothing missing.
    fn fill_column(&self, column: &Column, method: FillMethod) -> Result<Option<(Series, Filled)>> {
        let dtype = column.dtype().clone();
        if !method.applies_to(&dtype) {
            return Err(CommandError::err(format!(
                "cannot fill {} column '{}' with {}",
                kind(&dtype),
                column.name(),
                method.name()
            )));
        }
        // Typed before the early return so that a wrong value is an error
        // even on a column without gaps.
        let given = match (&self.value, method) {
            (Some(v), FillMethod::Value) => Some(json_value_as(v, column)?),
            _ => None,
        };
        let series = nan_to_null(column.as_materialized_series()).map_err(engine)?;
        let missing = series.null_count();
        if missing == 0 {
            return Ok(None);
        }
        let (filled, with, now_float) = match method {
            FillMethod::Forward => (
                series
                    .fill_null(FillNullStrategy::Forward(None))
                    .map_err(engine)?,
                String::new(),
                false,
            ),
            FillMethod::Backward => (
                series
                    .fill_null(FillNullStrategy::Backward(None))
                    .map_err(engine)?,
                String::new(),
                false,
            ),
            _ => {
                let (value, with) = match given {
                    Some(v) => {
                        let shown = quote_if_text(&v);
                        (v, shown)
                    }
                    None => {
                        let v = statistic(&series, method)?;
                        let shown = if method == FillMethod::Zero {
                            String::new()
                        } else {
                            format!("({})", display_value(&v.get(0).map_err(engine)?))
                        };
                        (v, shown)
                    }
                };
                let (target, now_float) = fill_target(&series, &value)?;
                let value = value.cast(target.dtype()).map_err(engine)?;
                let filler = value.new_from_index(0, target.len());
                let keep = target.is_not_null();
                (
                    target.zip_with(&keep, &filler).map_err(engine)?,
                    with,
                    now_float,
                )
            }
        };
        let remaining = filled.null_count();
        let done = Filled {
            column: column.name().to_string(),
            count: missing - remaining,
            with,
            remaining,
            now_float,
        };
        Ok(Some((filled.with_name(column.name().clone()), done)))
    }
}

/// The series to fill into, and whether it had to become float64 because
/// the (mean/median) fill value of an integer column is not whole.
fn fill_target(series: &Series, value: &Series) -> Result<(Series, bool)> {
    if series.dtype().is_integer() && value.dtype().is_float() {
        let v = value.cast(&DataType::Float64).map_err(engine)?;
        let whole = v
            .f64()
            .map_err(engine)?
            .get(0)
            .is_some_and(|x| x.fract() == 0.0);
        if !whole {
            return Ok((series.cast(&DataType::Float64).map_err(engine)?, true));
        }
    }
    Ok((series.clone(), false))
}

/// The one-value series a statistic method fills with.
fn statistic(series: &Series, method: FillMethod) -> Result<Series> {
    let name = series.name().clone();
    let scalar = match method {
        FillMethod::Mean => series.mean_reduce().map_err(engine)?,
        FillMethod::Median => series.median_reduce().map_err(engine)?,
        FillMethod::Min => series.min_reduce().map_err(engine)?,
        FillMethod::Max => series.max_reduce().map_err(engine)?,
        FillMethod::Zero => Scalar::new(DataType::Int32, AnyValue::Int32(0)),
        FillMethod::Mode => {
            let modes = polars::prelude::mode::mode(&series.drop_nulls(), false).map_err(engine)?;
            // Ties: the smallest, so that the result does not depend on
            // hashing order.
            let modes = modes.sort(SortOptions::default()).map_err(engine)?;
            return if modes.is_empty() {
                Err(no_values(series, method))
            } else {
                Ok(modes.head(Some(1)))
            };
        }
        _ => unreachable!("statistic() is only called for statistic methods"),
    };
    if scalar.is_null() {
        return Err(no_values(series, method));
    }
    Ok(scalar.into_series(name))
}

fn no_values(series: &Series, method: FillMethod) -> CommandError {
    CommandError::err(format!(
        "column '{}' has no values to compute the {} from",
        series.name(),
        method.name()
    ))
}

/// `'S'` for text, `0` for numbers.
fn quote_if_text(value: &Series) -> String {
    let shown = value.get(0).map(|v| display_value(&v)).unwrap_or_default();
    if value.dtype().is_string() || value.dtype().is_categorical() || value.dtype().is_temporal() {
        format!("'{shown}'")
    } else {
        shown
    }
}

/// "text", "bool", "date" ... for error messages.
fn kind(dtype: &DataType) -> String {
    if dtype.is_string() {
        "text".into()
    } else {
        dtype_name(dtype)
    }
}

/// One sentence for all filled columns.
fn summary(method: FillMethod, done: &[Filled], names: &[String], explicit: bool) -> String {
    let how = match method {
        FillMethod::Forward => "forward fill".to_string(),
        FillMethod::Backward => "backward fill".to_string(),
        m => m.name().to_string(),
    };
    let total: usize = done.iter().map(|f| f.count).sum();
    match done {
        [] => match names {
            [one] if explicit => format!("No missing values to fill in {one}"),
            _ => "No missing values to fill".to_string(),
        },
        [f] => {
            let with = match method {
                FillMethod::Value => f.with.clone(),
                _ if f.with.is_empty() => how.clone(),
                _ => format!("{how} {}", f.with),
            };
            let mut s = format!(
                "Filled {} in {} with {with}",
                plural(f.count, "missing value"),
                f.column
            );
            s.push_str(&tail(f));
            s
        }
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|f| {
                    let with = if f.with.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", f.with)
                    };
                    format!("{} {}{with}{}", f.column, f.count, tail(f))
                })
                .collect();
            format!(
                "Filled {} in {} columns with {how}: {}",
                plural(total, "missing value"),
                many.len(),
                parts.join(", ")
            )
        }
    }
}

/// What a fill left behind: gaps without a neighbour, a dtype change.
fn tail(f: &Filled) -> String {
    let mut s = String::new();
    if f.remaining > 0 {
        s.push_str(&format!(" ({} left: no neighbouring value)", f.remaining));
    }
    if f.now_float {
        s.push_str(&format!(" ({} is now float64)", f.column));
    }
    s
}

#[cfg(test)]
mod tests;
