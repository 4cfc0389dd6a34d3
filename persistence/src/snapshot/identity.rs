//! Storage identity of a column: which Arrow buffers it is made of.
//!
//! The address and length of each chunk's physical values buffer (the
//! views buffer for strings), plus each chunk's validity bitmap, because an
//! op can give the same values a new null mask. Frame memory accounting
//! (`commands::frame::memory`) counts columns by this key too. The dtype is not part of the key (it is not
//! hashable in a way that respects Polars' equality); callers compare it.

use polars::prelude::{Column, DataType, StaticArray};

/// One chunk's buffers: values address, values bit offset (booleans; 0
/// otherwise), length in elements, and the validity bitmap's address and bit
/// offset (`None` without nulls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ChunkKey {
    values: usize,
    values_offset: usize,
    len: usize,
    validity: Option<(usize, usize)>,
}

/// The buffers of a column, chunk by chunk. Equal keys (and equal dtypes)
/// mean the two columns hold the very same data in the very same memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnKey(Vec<ChunkKey>);

/// The key of `column`, or `None` when its storage cannot be identified:
/// broadcast scalar columns (no buffer until materialised) and dtypes whose
/// physical type is not a number, boolean, string or binary (nested types).
pub fn column_key(column: &Column) -> Option<ColumnKey> {
    let series = column.as_series()?;
    let phys = series.to_physical_repr();
    macro_rules! primitive {
        ($ca:expr) => {
            $ca.downcast_iter()
                .map(|a| ChunkKey {
                    values: a.values().as_ptr() as usize,
                    values_offset: 0,
                    len: a.len(),
                    validity: validity_key(a),
                })
                .collect()
        };
    }
    // A view array's views point into its data buffers: same views, same data.
    macro_rules! views {
        ($ca:expr) => {
            $ca.downcast_iter()
                .map(|a| ChunkKey {
                    values: a.views().as_ptr() as usize,
                    values_offset: 0,
                    len: a.len(),
                    validity: validity_key(a),
                })
                .collect()
        };
    }
    let chunks = match phys.dtype() {
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
            .map(|a| {
                let (bytes, values_offset, _len) = a.values().as_slice();
                ChunkKey {
                    values: bytes.as_ptr() as usize,
                    values_offset,
                    len: a.len(),
                    validity: validity_key(a),
                }
            })
            .collect(),
        DataType::String => views!(phys.str().ok()?),
        DataType::Binary => views!(phys.binary().ok()?),
        _ => return None,
    };
    Some(ColumnKey(chunks))
}

/// The (address, bit offset) of an array's validity bitmap, if it has one.
/// Generic so that the `Array` trait, which Polars does not re-export, is
/// reachable through its `StaticArray` subtrait.
fn validity_key<A: StaticArray>(array: &A) -> Option<(usize, usize)> {
    array.validity().map(|bitmap| {
        let (bytes, offset, _len) = bitmap.as_slice();
        (bytes.as_ptr() as usize, offset)
    })
}
