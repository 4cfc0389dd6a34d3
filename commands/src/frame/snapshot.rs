//! A table's whole history as one blob, for the AOF: `FRAME.RESTORE id
//! table blob` is how the rewrite stores a table, and how a `FILE` load is
//! logged.
//!
//! Blob layout: a u32 (little-endian) length, that many bytes of JSON
//! metadata (`cursor`, `next_number`, and per version its `number`,
//! `action`, `params`, `timestamp`, `change_summary`, `rows_before`,
//! `columns_before`), then the versions' frames encoded by
//! [`persistence::snapshot::encode_frames`], which stores a column only in
//! the first version that has it, so a history of column-local edits costs
//! about one frame on disk, and decoded versions share buffers again.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{Table, Version};
use crate::error::{CommandError, Result};

#[derive(Serialize, Deserialize)]
struct Meta {
    cursor: usize,
    next_number: u64,
    versions: Vec<VersionMeta>,
}

#[derive(Serialize, Deserialize)]
struct VersionMeta {
    number: u64,
    action: String,
    params: String,
    timestamp: String,
    change_summary: String,
    rows_before: usize,
    columns_before: usize,
}

/// Encodes `table` (every kept version, the cursor, the next number).
/// Error: the frame codec's, as `ERR cannot encode table: ...`.
pub fn encode_table(table: &Table) -> Result<Vec<u8>> {
    let meta = Meta {
        cursor: table.cursor(),
        next_number: table.next_number(),
        versions: table
            .versions()
            .map(|v| VersionMeta {
                number: v.number,
                action: v.action.clone(),
                params: v.params.clone(),
                timestamp: v.timestamp.clone(),
                change_summary: v.change_summary.clone(),
                rows_before: v.rows_before,
                columns_before: v.columns_before,
            })
            .collect(),
    };
    let json = serde_json::to_vec(&meta).map_err(|e| encode_error(&e))?;
    let frames: Vec<_> = table.versions().map(|v| v.frame.clone()).collect();
    let encoded = persistence::snapshot::encode_frames(&frames).map_err(|e| encode_error(&e))?;
    let len = u32::try_from(json.len()).map_err(|e| encode_error(&e))?;
    let mut out = Vec::with_capacity(4 + json.len() + encoded.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&encoded);
    Ok(out)
}

/// Decodes a blob from [`encode_table`]. Error: `ERR invalid table
/// snapshot: ...` naming what is wrong; never panics on bad input.
pub fn decode_table(blob: &[u8]) -> Result<Table> {
    let bad =
        |what: &dyn std::fmt::Display| CommandError::err(format!("invalid table snapshot: {what}"));
    let Some((len, rest)) = blob.split_first_chunk::<4>() else {
        return Err(bad(&"too short"));
    };
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        return Err(bad(&"metadata length past the end"));
    }
    let (json, frames) = rest.split_at(len);
    let meta: Meta = serde_json::from_slice(json).map_err(|e| bad(&e))?;
    let frames = persistence::snapshot::decode_frames(frames).map_err(|e| bad(&e))?;
    if frames.len() != meta.versions.len() {
        return Err(bad(&"frame count differs from version count"));
    }
    let versions = meta
        .versions
        .into_iter()
        .zip(frames)
        .map(|(m, frame)| Version {
            number: m.number,
            frame,
            action: m.action,
            params: m.params,
            timestamp: m.timestamp,
            change_summary: m.change_summary,
            rows_before: m.rows_before,
            columns_before: m.columns_before,
        })
        .collect();
    Table::from_parts(versions, meta.cursor, meta.next_number)
}

/// The record that recreates `table` as `name` in session `id`:
/// `FRAME.RESTORE id name blob`.
pub fn restore_argv(id: &[u8], name: &str, table: &Table) -> Result<Vec<Bytes>> {
    Ok(vec![
        Bytes::from_static(b"FRAME.RESTORE"),
        Bytes::copy_from_slice(id),
        Bytes::copy_from_slice(name.as_bytes()),
        Bytes::from(encode_table(table)?),
    ])
}

fn encode_error(e: &dyn std::fmt::Display) -> CommandError {
    CommandError::err(format!("cannot encode table: {e}"))
}

/// `FRAME.RESTORE id table blob`
///
/// Stores the history in `blob` (from [`encode_table`]) as table `table` of
/// session `id`, replacing any table of that name. Written by the AOF
/// rewrite and for `FILE` loads. Reply: `+OK`. Errors: `ERR no such
/// session`; `ERR invalid table snapshot: ...` (nothing changes).
pub fn restore(
    ctx: &mut crate::ctx::Ctx,
    args: &mut crate::parse::Parse,
) -> Result<crate::reply::Reply> {
    let id = args.next_bytes()?;
    let name = super::table_arg(args)?;
    let blob = args.next_bytes()?;
    args.finish()?;
    let target = super::target(ctx, &id)?;
    let argv = args.argv().to_vec();
    Ok(super::defer(move || {
        let table = decode_table(&blob)?;
        let session = &target.session;
        let old = target.commit(|db| {
            session.remember(&name, &table);
            let slot = std::sync::Arc::new(parking_lot::Mutex::new(table));
            let old = session.tables.lock().insert(name, slot);
            db.log(target.now_ms, &argv);
            Ok(old)
        })?;
        drop(old);
        Ok(crate::reply::Reply::ok())
    }))
}
