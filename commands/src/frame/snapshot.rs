//! A table's whole history as one blob, for the AOF: `FRAME.RESTORE id
//! table blob` is how the rewrite stores a table, and how a `FILE` load is
//! logged; and one new version as a blob relative to the current one:
//! `FRAME.PUSH`, how an op whose result could differ on a second run is
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
use polars::prelude::DataFrame;
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

impl VersionMeta {
    fn of(v: &Version) -> VersionMeta {
        VersionMeta {
            number: v.number,
            action: v.action.clone(),
            params: v.params.clone(),
            timestamp: v.timestamp.clone(),
            change_summary: v.change_summary.clone(),
            rows_before: v.rows_before,
            columns_before: v.columns_before,
        }
    }

    fn with_frame(self, frame: DataFrame) -> Version {
        Version {
            number: self.number,
            frame,
            action: self.action,
            params: self.params,
            timestamp: self.timestamp,
            change_summary: self.change_summary,
            rows_before: self.rows_before,
            columns_before: self.columns_before,
        }
    }
}

/// `len` (u32, little-endian) + `meta` as JSON + `frames`, the layout of
/// both blobs.
fn join_blob(meta: &impl Serialize, frames: Vec<u8>) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(meta).map_err(|e| encode_error(&e))?;
    let len = u32::try_from(json.len()).map_err(|e| encode_error(&e))?;
    let mut out = Vec::with_capacity(4 + json.len() + frames.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&frames);
    Ok(out)
}

/// Splits a blob from [`join_blob`] into its metadata and frame bytes.
/// Error: `ERR invalid <what> snapshot: ...`.
fn split_blob<'a, M: serde::de::DeserializeOwned>(
    blob: &'a [u8],
    what: &str,
) -> Result<(M, &'a [u8])> {
    let Some((len, rest)) = blob.split_first_chunk::<4>() else {
        return Err(invalid(what, &"too short"));
    };
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        return Err(invalid(what, &"metadata length past the end"));
    }
    let (json, frames) = rest.split_at(len);
    let meta = serde_json::from_slice(json).map_err(|e| invalid(what, &e))?;
    Ok((meta, frames))
}

fn invalid(what: &str, why: &dyn std::fmt::Display) -> CommandError {
    CommandError::err(format!("invalid {what} snapshot: {why}"))
}

/// Encodes `table` (every kept version, the cursor, the next number).
/// Error: the frame codec's, as `ERR cannot encode table: ...`.
pub fn encode_table(table: &Table) -> Result<Vec<u8>> {
    let meta = Meta {
        cursor: table.cursor(),
        next_number: table.next_number(),
        versions: table.versions().map(VersionMeta::of).collect(),
    };
    let frames: Vec<_> = table.versions().map(|v| v.frame.clone()).collect();
    let encoded = persistence::snapshot::encode_frames(&frames).map_err(|e| encode_error(&e))?;
    join_blob(&meta, encoded)
}

/// Decodes a blob from [`encode_table`]. Error: `ERR invalid table
/// snapshot: ...` naming what is wrong; never panics on bad input.
pub fn decode_table(blob: &[u8]) -> Result<Table> {
    let (meta, frames): (Meta, _) = split_blob(blob, "table")?;
    let frames = persistence::snapshot::decode_frames(frames).map_err(|e| invalid("table", &e))?;
    if frames.len() != meta.versions.len() {
        return Err(invalid("table", &"frame count differs from version count"));
    }
    let versions = meta
        .versions
        .into_iter()
        .zip(frames)
        .map(|(m, frame)| m.with_frame(frame))
        .collect();
    Table::from_parts(versions, meta.cursor, meta.next_number)
}

/// One new version as a blob relative to `base`, the table's current frame:
/// a u32 (little-endian) length, the version's JSON metadata (as in a
/// table blob), then [`persistence::snapshot::encode_frames_after`] of its
/// frame, which stores only the columns it does not share with `base`.
pub fn encode_version(base: &DataFrame, version: &Version) -> Result<Vec<u8>> {
    let frame = std::slice::from_ref(&version.frame);
    let encoded = persistence::snapshot::encode_frames_after(Some(base), frame)
        .map_err(|e| encode_error(&e))?;
    join_blob(&VersionMeta::of(version), encoded)
}

/// Decodes a blob from [`encode_version`] against the same `base`.
/// Error: `ERR invalid version snapshot: ...`; never panics on bad input.
pub fn decode_version(base: &DataFrame, blob: &[u8]) -> Result<Version> {
    let (meta, frames): (VersionMeta, _) = split_blob(blob, "version")?;
    let mut frames = persistence::snapshot::decode_frames_after(Some(base), frames)
        .map_err(|e| invalid("version", &e))?;
    match (frames.pop(), frames.is_empty()) {
        (Some(frame), true) => Ok(meta.with_frame(frame)),
        _ => Err(invalid("version", &"expected exactly one frame")),
    }
}

/// `FRAME.PUSH id table blob HISTMAX n`
///
/// Adds the version in `blob` (from [`encode_version`], relative to the
/// table's current frame) after the cursor, as `FRAME.APPLY` adds one, at
/// most `n` versions kept. How the AOF logs an op whose result may differ
/// if it ran again (`sql`: its row order and the other tables it reads).
/// Reply: `+OK`. Errors: missing session or table; `ERR invalid version
/// snapshot: ...`; `ERR HISTMAX must be positive` (nothing changes).
pub fn push(
    ctx: &mut crate::ctx::Ctx,
    args: &mut crate::parse::Parse,
) -> Result<crate::reply::Reply> {
    let id = args.next_bytes()?;
    let name = super::table_arg(args)?;
    let blob = args.next_bytes()?;
    if !args.eat_keyword("HISTMAX") {
        return Err(CommandError::syntax());
    }
    let history_max = super::histmax_value(args)?;
    args.finish()?;
    let target = super::target(ctx, &id)?;
    let slot = super::find_table(&target.session, &id, &name)?;
    let argv = args.argv().to_vec();
    Ok(super::defer(move || {
        let mut t = slot.lock();
        let version = decode_version(t.frame(), &blob)?;
        target.commit_table(&name, &slot, &mut t, &argv, |t| {
            t.push(
                version.frame,
                version.action,
                version.params,
                version.change_summary,
                history_max,
                target.now_ms,
            );
            Ok(())
        })?;
        Ok(crate::reply::Reply::ok())
    }))
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
    let (target, previous_access) = super::target_and_previous_access(ctx, &id)?;
    // Restoring is not an access: the rewrite's SESSION.RESTORE set the
    // access time this must keep.
    target.session.touch(previous_access);
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
