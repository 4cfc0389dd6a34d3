//! Per-column statistics for `FRAME.SUMMARY`, computed as pandas'
//! `describe` does: missing values (null, and NaN in float columns) are
//! skipped, `std` is the sample standard deviation (ddof = 1), percentiles
//! interpolate linearly between the closest ranks, and `unique` counts
//! distinct non-missing values.

use polars::prelude::*;

use super::dtype::{date_text, datetime_text, dtype_name};
use super::engine_error;
use crate::error::Result;
use crate::reply::Reply;

/// One map for `column`: `name`, `dtype`, `nulls`, `null_pct` (0-100), `unique`,
/// then by kind: numbers `min`, `max`, `mean`, `std`, `p25`, `p50`, `p75`
/// (doubles; null when there are no values, `std` also with one value);
/// text and categories `min_len`, `max_len` (characters), `top`, `top_count`
/// (the most frequent value, ties to the first seen); bools `top`,
/// `top_count`; dates and datetimes `min`, `max` (ISO 8601 text).
pub fn column_stats(column: &Column) -> Result<Reply> {
    let series = column.as_materialized_series();
    let rows = series.len();
    let mut fields = vec![
        ("name", Reply::text(series.name().to_string())),
        ("dtype", Reply::text(dtype_name(series.dtype()))),
    ];
    let fail =
        |e: PolarsError| engine_error(&format!("cannot summarise column '{}'", series.name()), e);
    let (nulls, unique, extra) = match series.dtype() {
        dt if dt.is_primitive_numeric() => numeric(series).map_err(fail)?,
        DataType::Boolean => boolean(series.bool().map_err(fail)?),
        DataType::String => text(series.str().map_err(fail)?),
        DataType::Categorical(_, _) | DataType::Enum(_, _) => {
            let as_text = series.cast(&DataType::String).map_err(fail)?;
            text(as_text.str().map_err(fail)?)
        }
        DataType::Date => {
            let phys = &series.date().map_err(fail)?.phys;
            let values: Vec<i64> = phys.iter().flatten().map(i64::from).collect();
            temporal(rows, values, |v| date_text(v as i32))
        }
        DataType::Datetime(unit, _) => {
            let unit = *unit;
            let values: Vec<i64> = series
                .datetime()
                .map_err(fail)?
                .phys
                .iter()
                .flatten()
                .collect();
            temporal(rows, values, move |v| datetime_text(v, unit))
        }
        _ => {
            let nulls = series.null_count();
            let distinct = series.n_unique().map_err(fail)?;
            (nulls, distinct - usize::from(nulls > 0), Vec::new())
        }
    };
    let pct = if rows == 0 {
        0.0
    } else {
        nulls as f64 * 100.0 / rows as f64
    };
    fields.push(("nulls", Reply::Integer(nulls as i64)));
    fields.push(("null_pct", Reply::Double(pct)));
    fields.push(("unique", Reply::Integer(unique as i64)));
    fields.extend(extra);
    Ok(Reply::map_of(fields))
}

type Stats = (usize, usize, Vec<(&'static str, Reply)>);

fn double_or_null(value: Option<f64>) -> Reply {
    value.map_or(Reply::Null, Reply::Double)
}

fn numeric(series: &Series) -> PolarsResult<Stats> {
    let as_f64 = series.cast(&DataType::Float64)?;
    let mut values: Vec<f64> = as_f64
        .f64()?
        .iter()
        .flatten()
        .filter(|v| !v.is_nan())
        .collect();
    let nulls = series.len() - values.len();
    values.sort_unstable_by(f64::total_cmp);
    let distinct = values.chunk_by(|a, b| a == b).count();
    let n = values.len();
    let mean = (n > 0).then(|| values.iter().sum::<f64>() / n as f64);
    let std = match mean {
        Some(m) if n > 1 => {
            Some((values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt())
        }
        _ => None,
    };
    let extra = vec![
        ("min", double_or_null(values.first().copied())),
        ("max", double_or_null(values.last().copied())),
        ("mean", double_or_null(mean)),
        ("std", double_or_null(std)),
        ("p25", double_or_null(percentile(&values, 0.25))),
        ("p50", double_or_null(percentile(&values, 0.50))),
        ("p75", double_or_null(percentile(&values, 0.75))),
    ];
    Ok((nulls, distinct, extra))
}

/// The `q` quantile of ascending `sorted` values with linear interpolation
/// (pandas' default): position `q * (n - 1)` between the two closest ranks.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn boolean(ca: &BooleanChunked) -> Stats {
    let trues = ca.iter().filter(|v| *v == Some(true)).count();
    let falses = ca.iter().filter(|v| *v == Some(false)).count();
    let nulls = ca.len() - trues - falses;
    let unique = usize::from(trues > 0) + usize::from(falses > 0);
    let extra = if unique == 0 {
        vec![("top", Reply::Null), ("top_count", Reply::Integer(0))]
    } else {
        let (top, count) = if trues >= falses {
            ("true", trues)
        } else {
            ("false", falses)
        };
        vec![
            ("top", Reply::text(top)),
            ("top_count", Reply::Integer(count as i64)),
        ]
    };
    (nulls, unique, extra)
}

fn text(ca: &StringChunked) -> Stats {
    // value -> (count, first position) so ties go to the first value seen.
    // Values of at most 15 bytes (most of a categorical column's) are keyed
    // by their bytes packed into a u128: an integer hash and compare
    // instead of a string's, which halves the time of a text column.
    // Polars' hash map: a fast hasher, randomly seeded per process.
    let mut short: PlHashMap<u128, (usize, usize)> = PlHashMap::default();
    let mut long: PlHashMap<&str, (usize, usize)> = PlHashMap::default();
    for (i, value) in ca.iter().enumerate() {
        let Some(value) = value else { continue };
        let slot = match pack_short(value) {
            Some(key) => short.entry(key).or_insert((0, i)),
            None => long.entry(value).or_insert((0, i)),
        };
        slot.0 += 1;
    }
    let nulls = ca.null_count();
    let distinct = short.len() + long.len();
    // Lengths (in characters) per distinct value, not per row; only the
    // top value is copied out.
    let mut min_len = usize::MAX;
    let mut max_len = 0;
    let mut top: Option<(Key, (usize, usize))> = None;
    let short_keys = short.iter().map(|(&k, &seen)| (Key::Short(k), seen));
    let long_keys = long.iter().map(|(&v, &seen)| (Key::Long(v), seen));
    for (key, seen) in short_keys.chain(long_keys) {
        let len = key.with_str(|v| v.chars().count());
        min_len = min_len.min(len);
        max_len = max_len.max(len);
        let better = top
            .as_ref()
            .is_none_or(|(_, best)| seen.0 > best.0 || (seen.0 == best.0 && seen.1 < best.1));
        if better {
            top = Some((key, seen));
        }
    }
    let top = top.map(|(key, seen)| (key.with_str(str::to_string), seen));
    let extra = match top {
        Some((value, (count, _))) => vec![
            ("min_len", Reply::Integer(min_len as i64)),
            ("max_len", Reply::Integer(max_len as i64)),
            ("top", Reply::text(value)),
            ("top_count", Reply::Integer(count as i64)),
        ],
        None => vec![
            ("min_len", Reply::Null),
            ("max_len", Reply::Null),
            ("top", Reply::Null),
            ("top_count", Reply::Integer(0)),
        ],
    };
    (nulls, distinct, extra)
}

/// A distinct text value as [`text`] keys it.
#[derive(Clone, Copy)]
enum Key<'a> {
    /// Packed by [`pack_short`].
    Short(u128),
    /// Longer than 15 bytes.
    Long(&'a str),
}

impl Key<'_> {
    /// Calls `f` on the value, unpacking a short one on the stack.
    fn with_str<R>(self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            Key::Short(key) => {
                let buf = key.to_le_bytes();
                let len = usize::from(buf[15]).min(15);
                // The bytes came from a &str whole, so they are valid UTF-8.
                f(std::str::from_utf8(&buf[..len]).unwrap_or_default())
            }
            Key::Long(value) => f(value),
        }
    }
}

/// `value`'s bytes in the low 15 bytes of a u128 (little-endian) and its
/// length in the top byte, when it is at most 15 bytes long: equal keys
/// exactly when the strings are equal.
fn pack_short(value: &str) -> Option<u128> {
    let bytes = value.as_bytes();
    if bytes.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    buf[15] = bytes.len() as u8;
    Some(u128::from_le_bytes(buf))
}

fn temporal(rows: usize, mut values: Vec<i64>, show: impl Fn(i64) -> Option<String>) -> Stats {
    let nulls = rows - values.len();
    values.sort_unstable();
    let text = |v: Option<&i64>| v.and_then(|v| show(*v)).map_or(Reply::Null, Reply::text);
    let extra = vec![("min", text(values.first())), ("max", text(values.last()))];
    values.dedup();
    (nulls, values.len(), extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_pandas() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.25), Some(1.75));
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 0.75), Some(3.25));
        assert_eq!(percentile(&[5.0], 0.75), Some(5.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn text_stats_agree_across_short_and_long_values() {
        // Short (packed) and long (string-keyed) values, multi-byte text,
        // the empty string and the 15/16-byte boundary, with a tie between
        // a long and a short value that the first seen (the long one) wins.
        let long = "a value of twenty bytes";
        let fifteen = "exactly15bytes!";
        let sixteen = "exactly 16 bytes";
        let rows = [
            Some(long),
            Some("日本"),
            Some(""),
            None,
            Some(fifteen),
            Some(sixteen),
            Some("日本"),
            Some(long),
            Some("éééééééé"),
            Some(fifteen),
        ];
        let ca = StringChunked::from_iter_options("s".into(), rows.into_iter());
        let (nulls, unique, extra) = text(&ca);
        assert_eq!((nulls, unique), (1, 6));
        let shown: Vec<String> = extra.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        // Counted by hand: "" has 0 characters, the 20-byte value 23.
        assert_eq!(
            shown,
            vec![
                "min_len=Integer(0)".to_string(),
                "max_len=Integer(23)".to_string(),
                format!("top=Bulk({long:?})"),
                "top_count=Integer(2)".to_string(),
            ]
        );
        assert_eq!(
            Key::Short(pack_short(fifteen).unwrap()).with_str(str::to_string),
            fifteen
        );
        assert_eq!(pack_short(sixteen), None);
        assert_ne!(pack_short(""), pack_short("\0"));
    }

    #[test]
    fn text_top_prefers_the_most_frequent_then_the_first_seen() {
        let ca = StringChunked::from_iter_options(
            "s".into(),
            [
                Some("b"),
                Some("a"),
                None,
                Some("a"),
                Some("b"),
                Some("ccc"),
            ]
            .into_iter(),
        );
        let (nulls, unique, extra) = text(&ca);
        assert_eq!((nulls, unique), (1, 3));
        let shown: Vec<String> = extra.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        assert_eq!(
            shown,
            vec![
                "min_len=Integer(1)",
                "max_len=Integer(3)",
                "top=Bulk(\"b\")",
                "top_count=Integer(2)"
            ]
        );
    }
}
