//! Dtype names as clients see them, and temporal values as ISO 8601 text.

use polars::prelude::*;

use crate::reply::Reply;

/// The name a client sees for `dtype`: the op vocabulary (`int64`, `int32`,
/// `float64`, `float32`, `string`, `bool`, `date`, `datetime`, `category`)
/// where it applies, otherwise a lower-case name (`uint8`, `time`,
/// `duration`, `list[int64]`, ...).
pub fn dtype_name(dtype: &DataType) -> String {
    match dtype {
        DataType::Boolean => "bool".into(),
        DataType::Int8 => "int8".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::UInt16 => "uint16".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::Float32 => "float32".into(),
        DataType::Float64 => "float64".into(),
        DataType::String => "string".into(),
        DataType::Binary => "binary".into(),
        DataType::Date => "date".into(),
        DataType::Datetime(_, _) => "datetime".into(),
        DataType::Duration(_) => "duration".into(),
        DataType::Time => "time".into(),
        DataType::Null => "null".into(),
        DataType::Categorical(_, _) | DataType::Enum(_, _) => "category".into(),
        DataType::List(inner) => format!("list[{}]", dtype_name(inner)),
        other => other.to_string().to_ascii_lowercase(),
    }
}

/// `[[name, dtype], ...]` for `FRAME.SCHEMA` and `FRAME.SUMMARY`.
pub fn schema_reply(frame: &DataFrame) -> Reply {
    Reply::Array(
        frame
            .columns()
            .iter()
            .map(|c| {
                Reply::Array(vec![
                    Reply::text(c.name().to_string()),
                    Reply::text(dtype_name(c.dtype())),
                ])
            })
            .collect(),
    )
}

/// chrono format for a datetime of `unit`: ISO 8601 with a `T`, fractional
/// seconds only when present, and the offset when the column has a zone.
pub fn datetime_format(zoned: bool) -> &'static str {
    if zoned {
        "%Y-%m-%dT%H:%M:%S%.f%:z"
    } else {
        "%Y-%m-%dT%H:%M:%S%.f"
    }
}

/// A copy of `frame` where date and datetime columns are ISO 8601 text, for
/// the text formats (JSON rows and exports) so clients get the same
/// representation everywhere. Other columns are shared, not copied.
pub fn temporal_as_iso_text(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let mut out = frame.clone();
    for column in frame.columns() {
        let text = match column.dtype() {
            DataType::Date => column
                .as_materialized_series()
                .date()?
                .to_string("%Y-%m-%d")?,
            DataType::Datetime(_, tz) => column
                .as_materialized_series()
                .datetime()?
                .to_string(datetime_format(tz.is_some()))?,
            _ => continue,
        };
        out.with_column(text.into_series().into_column())?;
    }
    Ok(out)
}

/// A physical datetime value (`value` in `unit` since the epoch) as ISO 8601
/// text; `None` when out of chrono's range.
pub fn datetime_text(value: i64, unit: TimeUnit) -> Option<String> {
    let (secs, nanos) = match unit {
        TimeUnit::Nanoseconds => (
            value.div_euclid(1_000_000_000),
            value.rem_euclid(1_000_000_000),
        ),
        TimeUnit::Microseconds => (
            value.div_euclid(1_000_000),
            value.rem_euclid(1_000_000) * 1_000,
        ),
        TimeUnit::Milliseconds => (value.div_euclid(1_000), value.rem_euclid(1_000) * 1_000_000),
    };
    let dt = chrono::DateTime::from_timestamp(secs, nanos as u32)?;
    Some(dt.naive_utc().format(datetime_format(false)).to_string())
}

/// A physical date value (days since the epoch) as `YYYY-MM-DD`.
pub fn date_text(days: i32) -> Option<String> {
    let dt = chrono::DateTime::from_timestamp(days as i64 * 86_400, 0)?;
    Some(dt.date_naive().format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_text_is_iso() {
        assert_eq!(date_text(0).unwrap(), "1970-01-01");
        assert_eq!(date_text(-1).unwrap(), "1969-12-31");
        assert_eq!(
            datetime_text(1_483_250_442_000, TimeUnit::Milliseconds).unwrap(),
            "2017-01-01T06:00:42"
        );
        assert_eq!(
            datetime_text(1_500, TimeUnit::Milliseconds).unwrap(),
            "1970-01-01T00:00:01.500"
        );
    }

    #[test]
    fn names_follow_the_op_vocabulary() {
        assert_eq!(dtype_name(&DataType::Int64), "int64");
        assert_eq!(dtype_name(&DataType::Boolean), "bool");
        assert_eq!(
            dtype_name(&DataType::Datetime(TimeUnit::Milliseconds, None)),
            "datetime"
        );
    }
}
