//! Memory accounting for frames whose versions share column buffers.
//!
//! A history of column-local edits holds many `DataFrame`s that reference the
//! same Arrow buffers. Summing `DataFrame::estimated_size` over versions
//! would count a shared column once per version, so columns are identified by
//! their buffers ([`persistence::snapshot::column_key`]) and each distinct
//! column is counted once.

use std::collections::HashSet;

use persistence::snapshot::{ColumnKey, column_key};
use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;

/// Columns already counted, by their storage identity (the buffers of each
/// chunk, as the AOF's snapshot codec identifies shared columns).
#[derive(Default)]
pub struct SeenBuffers(HashSet<ColumnKey>);

impl SeenBuffers {
    /// Bytes of `frame`'s columns not counted before (Polars'
    /// `estimated_size`: values, offsets and validity of each column).
    pub fn add_frame(&mut self, frame: &DataFrame) -> usize {
        frame.columns().iter().map(|c| self.add_column(c)).sum()
    }

    /// Bytes of `column` unless an identical buffer set was counted before.
    /// Columns whose buffers cannot be identified are always counted.
    fn add_column(&mut self, column: &Column) -> usize {
        let counted_before = column_key(column).is_some_and(|key| !self.0.insert(key));
        if counted_before {
            0
        } else {
            column_bytes(column)
        }
    }
}

/// Bytes of a single frame (what `FRAME.LOAD` and `FRAME.SUMMARY` report),
/// one column per task on rayon's pool: a string column whose byte count
/// Polars has not cached yet (one a filter made, say) is counted row by
/// row. Call it from the blocking pool, not from an async worker.
pub fn frame_bytes(frame: &DataFrame) -> usize {
    frame.columns().par_iter().map(column_bytes).sum()
}

/// Polars' `estimated_size` of a column (values, offsets, validity), less
/// validity bitmaps of chunks without nulls: whether such a bitmap exists
/// is an accident of how the column was made (a fill keeps one, an AOF
/// snapshot drops it), and a table must report the same size before and
/// after a restart.
fn column_bytes(column: &Column) -> usize {
    let series = column.as_materialized_series();
    let all_valid_bitmaps: usize = series
        .chunks()
        .iter()
        .filter(|chunk| chunk.null_count() == 0)
        .filter_map(|chunk| chunk.validity())
        .map(|bitmap| bitmap.as_slice().0.len())
        .sum();
    series.estimated_size().saturating_sub(all_valid_bitmaps)
}

#[cfg(test)]
mod tests {
    use polars::df;
    use polars::prelude::*;

    use super::*;

    #[test]
    fn shared_columns_are_counted_once() {
        let base =
            df!("a" => (0..1000i64).collect::<Vec<_>>(), "b" => (0..1000i64).collect::<Vec<_>>())
                .unwrap();
        let single = frame_bytes(&base);
        // A version that replaced only column b shares column a.
        let mut edited = base.clone();
        edited
            .with_column(Column::new(
                "b".into(),
                (0..1000i64).map(|v| v * 2).collect::<Vec<_>>(),
            ))
            .unwrap();
        let mut seen = SeenBuffers::default();
        let total = seen.add_frame(&base) + seen.add_frame(&edited);
        assert_eq!(total, single + single / 2);
        // Renaming keeps the buffers.
        let mut renamed = edited.clone();
        renamed.rename("a", "z".into()).unwrap();
        assert_eq!(seen.add_frame(&renamed), 0);
    }
}
