//! `change_type`: casting a column, strictly (fail on the first value that
//! does not convert, naming it) or not (such values become null and are
//! counted). The conversions themselves live in [`super::convert`].

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::Applied;
use super::convert::{convert_to, failure_mask, first_true};
use super::support::{applied, column_index, dtype_name, engine, plural, value_at};
use crate::error::{CommandError, Result};

/// The dtypes `change_type` casts to, as clients spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    /// 64-bit signed integer.
    #[serde(alias = "int")]
    Int64,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit float.
    #[serde(alias = "float", alias = "double")]
    Float64,
    /// 32-bit float.
    Float32,
    /// UTF-8 text.
    #[serde(alias = "str", alias = "utf8", alias = "text")]
    String,
    /// Boolean; from text, `true/false`, `t/f`, `yes/no`, `y/n`, `1/0`,
    /// `on/off` in any case, surrounding spaces ignored.
    #[serde(alias = "boolean")]
    Bool,
    /// Calendar date; from text with `format` (chrono strftime) or an
    /// inferred ISO-like format.
    Date,
    /// Date and time in microseconds, naive unless the text carries an
    /// offset (then UTC); from text with `format` or inferred.
    Datetime,
    /// Categorical text.
    #[serde(alias = "categorical")]
    Category,
}

impl TargetType {
    /// The name as clients write it.
    pub fn name(self) -> &'static str {
        match self {
            TargetType::Int64 => "int64",
            TargetType::Int32 => "int32",
            TargetType::Float64 => "float64",
            TargetType::Float32 => "float32",
            TargetType::String => "string",
            TargetType::Bool => "bool",
            TargetType::Date => "date",
            TargetType::Datetime => "datetime",
            TargetType::Category => "category",
        }
    }

    /// The engine dtype.
    pub fn dtype(self) -> DataType {
        match self {
            TargetType::Int64 => DataType::Int64,
            TargetType::Int32 => DataType::Int32,
            TargetType::Float64 => DataType::Float64,
            TargetType::Float32 => DataType::Float32,
            TargetType::String => DataType::String,
            TargetType::Bool => DataType::Boolean,
            TargetType::Date => DataType::Date,
            TargetType::Datetime => DataType::Datetime(TimeUnit::Microseconds, None),
            TargetType::Category => DataType::from_categories(Categories::global()),
        }
    }

    /// Whether `dtype` already is this type (any time unit or zone for
    /// datetime, any categories for category).
    fn matches(self, dtype: &DataType) -> bool {
        match self {
            TargetType::Datetime => matches!(dtype, DataType::Datetime(_, _)),
            TargetType::Category => dtype.is_categorical(),
            other => other.dtype() == *dtype,
        }
    }
}

/// `change_type`: `{"column": "license_number", "dtype": "int64",
/// "strict": true, "format": "%Y-%m-%d"}`.
///
/// Strict (the default) fails on the first value that does not convert:
/// `ERR cannot convert value 'S124529' in column 'license_number' (row 1)
/// to int64` (rows count from 0). Non-strict turns such values into null
/// and the summary counts them. A float with a fractional part does not
/// convert to an integer type (no silent truncation); NaN counts as missing,
/// not as a failure. `format` (chrono strftime) parses text into `date` or
/// `datetime`, or formats a date/datetime column as `string`; any other use
/// is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeType {
    /// The column to cast.
    pub column: String,
    /// The target dtype.
    pub dtype: TargetType,
    /// Fail on the first unconvertible value (default true).
    #[serde(default = "strict_default")]
    pub strict: bool,
    /// strftime format for text <-> date/datetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

fn strict_default() -> bool {
    true
}

impl ChangeType {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let idx = column_index(frame, &self.column)?;
        let original = frame.columns()[idx].as_materialized_series().clone();
        self.check_format(original.dtype())?;
        if self.format.is_none() && self.dtype.matches(original.dtype()) {
            let summary = format!(
                "{} is already {}; nothing changed",
                self.column,
                self.dtype.name()
            );
            return Ok(applied(frame.clone(), summary));
        }
        let converted =
            convert_to(&original, &self.dtype.dtype(), self.format.as_deref()).map_err(engine)?;
        let failed = failure_mask(&original, &converted);
        let failures = failed.num_trues();
        if failures > 0 && self.strict {
            let row = first_true(&failed).unwrap_or(0);
            return Err(self.cannot_convert(&value_at(&original, row), row));
        }
        let mut out = frame.clone();
        out.replace_column(idx, converted.into_column())
            .map_err(engine)?;
        let mut summary = format!("Converted {} to {}", self.column, self.dtype.name());
        if failures > 0 {
            summary.push_str(&format!(
                "; {} could not be converted and became null",
                plural(failures, "value")
            ));
        }
        Ok(applied(out, summary))
    }

    /// `format` only makes sense for text to date/datetime and for
    /// date/datetime to text.
    fn check_format(&self, source: &DataType) -> Result<()> {
        if self.format.is_none() {
            return Ok(());
        }
        let text_source = source.is_string() || source.is_categorical();
        let ok = match self.dtype {
            TargetType::Date | TargetType::Datetime => text_source,
            TargetType::String => matches!(source, DataType::Date | DataType::Datetime(_, _)),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(CommandError::err(format!(
                "'format' applies to text -> date/datetime or date/datetime -> string, not {} -> {}",
                dtype_name(source),
                self.dtype.name()
            )))
        }
    }

    fn cannot_convert(&self, value: &str, row: usize) -> CommandError {
        let with_format = self
            .format
            .as_ref()
            .map(|f| format!(" with format '{f}'"))
            .unwrap_or_default();
        CommandError::err(format!(
            "cannot convert value '{value}' in column '{}' (row {row}) to {}{with_format}",
            self.column,
            self.dtype.name()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{apply_json, raw_column, same_buffers, seattlepets, titanic};
    use polars::prelude::*;

    #[test]
    fn strict_cast_names_column_value_and_row() {
        let df = seattlepets();
        let e = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"license_number","dtype":"int64"}}"#,
        )
        .unwrap_err();
        // Independent: the first license_number that is not all digits.
        let raw = raw_column("seattlepets.csv", "license_number");
        let row = raw
            .iter()
            .position(|v| !v.chars().all(|c| c.is_ascii_digit()))
            .unwrap();
        assert_eq!(
            e.0,
            format!(
                "ERR cannot convert value '{}' in column 'license_number' (row {row}) to int64",
                raw[row]
            )
        );
    }

    #[test]
    fn non_strict_cast_counts_nulls_and_shares_other_columns() {
        let df = seattlepets();
        let out = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"license_number","dtype":"int64","strict":false}}"#,
        )
        .unwrap();
        // license_number is never quoted and never contains commas in the
        // CSV, so plain splitting reads it; every non-all-digit value fails.
        let raw = raw_column("seattlepets.csv", "license_number");
        let bad = raw
            .iter()
            .filter(|v| v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()))
            .count();
        assert_eq!(bad, 27106); // the figure the data README implies (52,519 - 25,413)
        assert_eq!(
            out.change_summary,
            format!(
                "Converted license_number to int64; {bad} values could not be converted and became null"
            )
        );
        let col = out.frame.column("license_number").unwrap();
        assert_eq!(col.dtype(), &DataType::Int64);
        assert_eq!(col.null_count(), bad);
        assert!(same_buffers(
            df.column("species").unwrap(),
            out.frame.column("species").unwrap()
        ));
    }

    #[test]
    fn float_with_fraction_does_not_silently_truncate() {
        let df = titanic();
        let e = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"age","dtype":"int64"}}"#,
        )
        .unwrap_err();
        // First non-integer age in titanic.csv, by plain splitting.
        let raw = raw_column("titanic.csv", "age");
        let row = raw
            .iter()
            .position(|v| !v.is_empty() && v.parse::<f64>().unwrap().fract() != 0.0)
            .unwrap();
        let shown = format!("{:?}", raw[row].parse::<f64>().unwrap());
        assert_eq!(
            e.0,
            format!("ERR cannot convert value '{shown}' in column 'age' (row {row}) to int64")
        );
    }

    #[test]
    fn text_to_bool_and_date() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"alive","dtype":"bool"}}"#,
        )
        .unwrap();
        let alive = out.frame.column("alive").unwrap();
        assert_eq!(alive.dtype(), &DataType::Boolean);
        let survived = df.column("survived").unwrap().i64().unwrap().sum().unwrap();
        assert_eq!(alive.bool().unwrap().num_trues() as i64, survived);

        let pets = seattlepets();
        let out = apply_json(
            &pets,
            r#"{"action":"change_type","params":{"column":"license_issue_date","dtype":"date","format":"%Y-%m-%d"}}"#,
        )
        .unwrap();
        let date = out.frame.column("license_issue_date").unwrap();
        assert_eq!(date.dtype(), &DataType::Date);
        assert_eq!(date.null_count(), 0);
        // Row 0: 2018-11-16 = 17851 days after 1970-01-01.
        assert_eq!(date.date().unwrap().phys.get(0), Some(17851));
    }

    #[test]
    fn bad_date_format_is_named_in_error() {
        let pets = seattlepets();
        let e = apply_json(
            &pets,
            r#"{"action":"change_type","params":{"column":"license_issue_date","dtype":"date","format":"%d/%m/%Y"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.0,
            "ERR cannot convert value '2018-11-16' in column 'license_issue_date' (row 0) to date with format '%d/%m/%Y'"
        );
    }

    #[test]
    fn unknown_dtype_is_invalid_op() {
        let df = titanic();
        let e = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"age","dtype":"int8"}}"#,
        )
        .unwrap_err();
        assert!(
            e.0.starts_with("ERR invalid op: unknown variant `int8`"),
            "{e}"
        );
    }

    #[test]
    fn iso_utc_text_reads_the_same_instants_on_the_fast_layouts() {
        for (texts, micros) in [
            (
                ["2017-01-01T06:00:42Z", "2017-01-02T00:00:00Z"],
                [1_483_250_442_000_000i64, 1_483_315_200_000_000],
            ),
            (
                ["2017-01-01 06:00:42.5Z", "2017-01-02 00:00:00.25Z"],
                [1_483_250_442_500_000, 1_483_315_200_250_000],
            ),
        ] {
            let df = df! { "at" => texts }.unwrap();
            let out = apply_json(
                &df,
                r#"{"action":"change_type","params":{"column":"at","dtype":"datetime"}}"#,
            )
            .unwrap();
            let at = out.frame.column("at").unwrap();
            assert!(
                matches!(at.dtype(), DataType::Datetime(TimeUnit::Microseconds, Some(z)) if z == &TimeZone::UTC),
                "{texts:?}: {:?}",
                at.dtype()
            );
            let got: Vec<Option<i64>> = at.datetime().unwrap().phys.iter().collect();
            assert_eq!(got, micros.map(Some), "{texts:?}");
        }
    }

    #[test]
    fn zoned_text_to_datetime_is_utc() {
        let df =
            df! { "at" => ["2017-01-01T06:00:42Z", "nonsense", "2017-01-02T00:00:00Z"] }.unwrap();
        let out = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"at","dtype":"datetime","strict":false}}"#,
        )
        .unwrap();
        assert_eq!(
            out.change_summary,
            "Converted at to datetime; 1 value could not be converted and became null"
        );
        let at = out.frame.column("at").unwrap();
        assert!(matches!(
            at.dtype(),
            DataType::Datetime(TimeUnit::Microseconds, Some(_))
        ));
        // 2017-01-01T06:00:42Z = 1483250442 s after the epoch.
        assert_eq!(
            at.datetime().unwrap().phys.get(0),
            Some(1_483_250_442_000_000)
        );
        let naive = df! { "at" => ["2017-01-01 06:00:42"] }.unwrap();
        let out = apply_json(
            &naive,
            r#"{"action":"change_type","params":{"column":"at","dtype":"datetime"}}"#,
        )
        .unwrap();
        assert!(matches!(
            out.frame.column("at").unwrap().dtype(),
            DataType::Datetime(_, None)
        ));
    }

    #[test]
    fn text_to_category_and_back() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"class","dtype":"category"}}"#,
        )
        .unwrap();
        assert_eq!(out.change_summary, "Converted class to category");
        assert!(out.frame.column("class").unwrap().dtype().is_categorical());
        let back = apply_json(
            &out.frame,
            r#"{"action":"change_type","params":{"column":"class","dtype":"string"}}"#,
        )
        .unwrap();
        assert!(
            back.frame
                .column("class")
                .unwrap()
                .equals(df.column("class").unwrap())
        );
        let e = apply_json(
            &df,
            r#"{"action":"change_type","params":{"column":"age","dtype":"float32","format":"%Y"}}"#,
        )
        .unwrap_err();
        assert!(e.0.starts_with("ERR 'format' applies to"), "{e}");
    }
}
