//! Memory accounting for frames whose versions share column buffers.
//!
//! A history of column-local edits holds many `DataFrame`s that reference the
//! same Arrow buffers. Summing `DataFrame::estimated_size` over versions
//! would count a shared column once per version, so columns are identified by
//! the addresses of their value buffers and each distinct column is counted
//! once.

use std::collections::HashSet;

use polars::prelude::{Column, DataFrame, DataType};

/// Columns already counted, by the (address, length) of each chunk's values
/// buffer.
#[derive(Default)]
pub struct SeenBuffers(HashSet<Vec<(usize, usize)>>);

impl SeenBuffers {
    /// Bytes of `frame`'s columns not counted before (Polars'
    /// `estimated_size`: values, offsets and validity of each column).
    pub fn add_frame(&mut self, frame: &DataFrame) -> usize {
        frame.columns().iter().map(|c| self.add_column(c)).sum()
    }

    /// Bytes of `column` unless an identical buffer set was counted before.
    /// Columns whose buffers cannot be identified are always counted.
    fn add_column(&mut self, column: &Column) -> usize {
        let counted_before = buffer_key(column).is_some_and(|key| !self.0.insert(key));
        if counted_before {
            0
        } else {
            column_bytes(column)
        }
    }
}

/// Bytes of a single frame (what `FRAME.LOAD` and `FRAME.SUMMARY` report).
pub fn frame_bytes(frame: &DataFrame) -> usize {
    frame.columns().iter().map(column_bytes).sum()
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

/// The identity of a column's storage: one (values address, length) pair a
/// chunk. Two columns with the same key share their buffers (a version made
/// by an op that did not touch the column, or a renamed column).
fn buffer_key(column: &Column) -> Option<Vec<(usize, usize)>> {
    // Scalar (broadcast) columns have no buffer to share until materialised.
    let series = column.as_series()?;
    let phys = series.to_physical_repr();
    macro_rules! primitive {
        ($ca:expr) => {
            $ca.downcast_iter()
                .map(|a| (a.values().as_ptr() as usize, a.len()))
                .collect()
        };
    }
    let key = match phys.dtype() {
        DataType::Int8 => primitive!(phys.i8().ok()?),
        DataType::Int16 => primitive!(phys.i16().ok()?),
        DataType::Int32 => primitive!(phys.i32().ok()?),
        DataType::Int64 => primitive!(phys.i64().ok()?),
        DataType::UInt8 => primitive!(phys.u8().ok()?),
        DataType::UInt16 => primitive!(phys.u16().ok()?),
        DataType::UInt32 => primitive!(phys.u32().ok()?),
        DataType::UInt64 => primitive!(phys.u64().ok()?),
        DataType::Float32 => primitive!(phys.f32().ok()?),
        DataType::Float64 => primitive!(phys.f64().ok()?),
        DataType::Boolean => phys
            .bool()
            .ok()?
            .downcast_iter()
            .map(|a| (a.values().as_slice().0.as_ptr() as usize, a.len()))
            .collect(),
        DataType::String => phys
            .str()
            .ok()?
            .downcast_iter()
            .map(|a| (a.views().as_ptr() as usize, a.len()))
            .collect(),
        DataType::Binary => phys
            .binary()
            .ok()?
            .downcast_iter()
            .map(|a| (a.views().as_ptr() as usize, a.len()))
            .collect(),
        _ => return None,
    };
    Some(key)
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
