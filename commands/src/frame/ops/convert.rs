//! Value conversion between dtypes, shared by the ops: `change_type`'s
//! casts, JSON values typed against a column (`fill_missing`'s `value`,
//! `replace_values`' mapping). Conversions never fail on a value: what
//! does not convert becomes null, and [`failure_mask`] finds those, so each
//! op decides between an error naming the value and a count.

use polars::chunked_array::cast::CastOptions;
use polars::prelude::*;

use super::support::{dtype_name, engine, missing_mask};
use crate::error::{CommandError, Result};

/// Converts `series` to `dtype` without failing on values: a value that
/// does not convert becomes null ([`failure_mask`] finds them). Text parses
/// into bool, date and datetime (`format` or inferred); floats convert to
/// integers only when whole; date/datetime format into text with `format`.
pub fn convert_to(series: &Series, dtype: &DataType, format: Option<&str>) -> PolarsResult<Series> {
    let source = series.dtype();
    let text = source.is_string() || source.is_categorical();
    let name = series.name().clone();
    let out = match dtype {
        DataType::Boolean if text => parse_bools(&series.cast(&DataType::String)?)?,
        DataType::Date if text => series
            .cast(&DataType::String)?
            .str()?
            .as_date(format, true)?
            .into_series(),
        DataType::Datetime(unit, zone) if text => parse_datetimes(
            &series.cast(&DataType::String)?,
            *unit,
            zone.as_ref(),
            format,
        )?,
        DataType::String if format.is_some() => match source {
            DataType::Date => series
                .date()?
                .to_string(format.unwrap_or_default())?
                .into_series(),
            DataType::Datetime(_, _) => series
                .datetime()?
                .to_string(format.unwrap_or_default())?
                .into_series(),
            _ => series.cast(dtype)?,
        },
        DataType::Categorical(_, _) if !text => series.cast(&DataType::String)?.cast(dtype)?,
        d if d.is_integer() && source.is_float() => whole_floats_to_int(series, d)?,
        _ => series.cast_with_options(dtype, CastOptions::NonStrict)?,
    };
    Ok(out.with_name(name))
}

/// Text to datetime. With a format containing an offset (`%z`) the result
/// is in UTC; without a format the layout is inferred, and text that
/// carries an offset or `Z` (`2017-01-01T06:00:42Z`) is read as UTC.
fn parse_datetimes(
    text: &Series,
    unit: TimeUnit,
    zone: Option<&TimeZone>,
    format: Option<&str>,
) -> PolarsResult<Series> {
    let ca = text.str()?;
    let ambiguous = StringChunked::from_slice(PlSmallStr::from_static("ambiguous"), &["raise"]);
    let tz_aware =
        format.is_some_and(|f| f.contains("%z") || f.contains("%:z") || f.contains("%#z"));
    // Inference refuses zoned text unless told the zone to convert to:
    // when the first value carries an offset, ask for UTC straight away
    // (and as a fallback, when a later value does).
    let utc = Some(&TimeZone::UTC);
    let infer_utc = format.is_none() && zone.is_none();
    let first = ca.first_non_null().and_then(|i| ca.get(i));
    let zoned_first = first.is_some_and(has_offset);
    if infer_utc && let Some(layout) = first.and_then(iso_utc_layout) {
        // ISO 8601 text in UTC (`2017-01-01T06:00:42Z`): with the layout
        // spelled out the engine parses on its fast path (97 ms for
        // 882,640 values) instead of running chrono's format parser for
        // each zoned value (300 ms); the wall-clock times read are the UTC
        // instants. Any value it cannot read sends the column down the
        // general path below instead.
        if let Some(mut dt) = parse_layout_parallel(ca, layout, unit, &ambiguous) {
            dt.set_time_zone(TimeZone::UTC)?;
            return Ok(dt.into_series());
        }
    }
    let first_zone = if infer_utc && zoned_first { utc } else { zone };
    match ca.as_datetime(format, unit, true, tz_aware, first_zone, &ambiguous) {
        Ok(dt) => Ok(dt.into_series()),
        Err(_) if infer_utc && !zoned_first => Ok(ca
            .as_datetime(None, unit, true, false, utc, &ambiguous)?
            .into_series()),
        Err(e) => Err(e),
    }
}

/// Values per piece when [`parse_layout_parallel`] splits a column.
const PARSE_PIECE: usize = 65_536;

/// `ca` parsed with the fixed strptime `layout`, the column split into
/// pieces parsed side by side on the rayon pool (the engine parses one
/// column on one thread): 50 -> 28 ms for 882,640 values on two cores.
/// `None` when any non-null value does not read with `layout`.
fn parse_layout_parallel(
    ca: &StringChunked,
    layout: &str,
    unit: TimeUnit,
    ambiguous: &StringChunked,
) -> Option<DatetimeChunked> {
    use rayon::prelude::*;
    let pieces = ca
        .len()
        .div_ceil(PARSE_PIECE)
        .clamp(1, rayon::current_num_threads() * 4);
    let step = ca.len().div_ceil(pieces).max(1);
    let parsed: Vec<DatetimeChunked> = (0..pieces)
        .into_par_iter()
        .map(|i| {
            let piece = ca.slice((i * step) as i64, step);
            piece
                .as_datetime(Some(layout), unit, false, false, None, ambiguous)
                .ok()
                .filter(|dt| dt.null_count() == piece.null_count())
        })
        .collect::<Option<_>>()?;
    let mut parsed = parsed.into_iter();
    let mut out = parsed.next()?;
    for piece in parsed {
        out.physical_mut().append(piece.physical()).ok()?;
    }
    Some(out)
}

/// The strptime layout of ISO 8601 UTC text like `first`:
/// `2017-01-01T06:00:42Z`, with `T` or a space, with or without fractional
/// seconds; `None` for anything else.
fn iso_utc_layout(first: &str) -> Option<&'static str> {
    let b = first.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let shaped = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[b.len() - 1] == b'Z';
    if !shaped {
        return None;
    }
    let fraction = b.len() > 20 && b[19] == b'.' && digits(20..b.len() - 1);
    match (b[10], b.len() == 20, fraction) {
        (b'T', true, _) => Some("%Y-%m-%dT%H:%M:%SZ"),
        (b' ', true, _) => Some("%Y-%m-%d %H:%M:%SZ"),
        (b'T', false, true) => Some("%Y-%m-%dT%H:%M:%S%.fZ"),
        (b' ', false, true) => Some("%Y-%m-%d %H:%M:%S%.fZ"),
        _ => None,
    }
}

/// Whether datetime text ends in a zone: `Z`, `+01:00`, `-0500`.
fn has_offset(text: &str) -> bool {
    let b = text.trim_end().as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let sign = |c: u8| c == b'+' || c == b'-';
    let n = b.len();
    let has_time = text.contains(':');
    matches!(b.last(), Some(b'Z' | b'z')) && has_time
        || n >= 6
            && sign(b[n - 6])
            && digits(&b[n - 5..n - 3])
            && b[n - 3] == b':'
            && digits(&b[n - 2..])
        || n >= 5 && has_time && sign(b[n - 5]) && digits(&b[n - 4..])
}

/// Float to integer, nulling values that are not whole (or out of range)
/// instead of truncating them.
fn whole_floats_to_int(series: &Series, dtype: &DataType) -> PolarsResult<Series> {
    let converted = series.cast_with_options(dtype, CastOptions::NonStrict)?;
    let back = converted.cast(&DataType::Float64)?;
    let original = series.cast(&DataType::Float64)?;
    let differs = back
        .f64()?
        .not_equal(original.f64()?)
        .fill_null_with_values(false)?;
    if !differs.any() {
        return Ok(converted);
    }
    let nulls = Series::full_null(series.name().clone(), series.len(), dtype);
    converted.zip_with(&!&differs, &nulls)
}

/// Text to bool: `true/false`, `t/f`, `yes/no`, `y/n`, `1/0`, `on/off`, any
/// case, spaces around ignored; anything else becomes null.
fn parse_bools(text: &Series) -> PolarsResult<Series> {
    let ca: BooleanChunked = text.str()?.iter().map(|v| v.and_then(parse_bool)).collect();
    Ok(ca.with_name(text.name().clone()).into_series())
}

/// One text value as a bool.
pub fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 6] = ["true", "t", "yes", "y", "1", "on"];
    const FALSE: [&str; 6] = ["false", "f", "no", "n", "0", "off"];
    let t = text.trim();
    if TRUE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

/// True where `original` had a value (not null, not NaN) and `converted`
/// has none: the values that did not convert.
pub fn failure_mask(original: &Series, converted: &Series) -> BooleanChunked {
    let had_value = !&missing_mask(&original.clone().into_column());
    let lost = converted.is_null();
    &had_value & &lost
}

/// The first row where the mask is true.
pub fn first_true(mask: &BooleanChunked) -> Option<usize> {
    mask.iter().position(|v| v == Some(true))
}

/// The row of the first value of `original` that did not convert, if any.
pub fn first_failure(original: &Series, converted: &Series) -> Option<usize> {
    first_true(&failure_mask(original, converted))
}

/// The JSON `value` as a one-value series of the column's dtype. Numbers
/// fill numeric columns (whole numbers only for integer columns), strings
/// fill text, category, date and datetime columns (parsed), bools fill bool
/// columns; anything else is `ERR value ... does not fit column ...`.
pub fn json_value_as(value: &serde_json::Value, column: &Column) -> Result<Series> {
    use serde_json::Value as J;
    let dtype = column.dtype();
    let name = column.name().clone();
    let mismatch = || {
        CommandError::err(format!(
            "value {value} does not fit column '{}' ({})",
            column.name(),
            dtype_name(dtype)
        ))
    };
    let raw = match value {
        J::Number(n) if dtype.is_integer() => match n.as_i64() {
            Some(i) => Series::new(name, [i]),
            None => return Err(mismatch()),
        },
        J::Number(n) if dtype.is_float() => Series::new(name, [n.as_f64().ok_or_else(mismatch)?]),
        J::String(s) if dtype.is_string() || dtype.is_categorical() || dtype.is_temporal() => {
            Series::new(name, [s.as_str()])
        }
        J::Bool(b) if dtype.is_bool() => Series::new(name, [*b]),
        _ => return Err(mismatch()),
    };
    let typed = convert_to(&raw, dtype, None).map_err(engine)?;
    if first_failure(&raw, &typed).is_some() {
        return Err(mismatch());
    }
    Ok(typed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn offsets_are_recognised() {
        use super::has_offset;
        assert!(has_offset("2017-01-01T06:00:42Z"));
        assert!(has_offset("2017-01-01 06:00:42+01:00"));
        assert!(has_offset("2017-01-01T06:00:42-0500"));
        assert!(!has_offset("2017-01-01T06:00:42"));
        assert!(!has_offset("2018-11-16"));
    }

    #[test]
    fn text_to_bool_words() {
        use super::parse_bool;
        for t in ["true", "True", " YES ", "y", "1", "on", "T"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "FALSE", "no", "n", "0", "off", "f"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
