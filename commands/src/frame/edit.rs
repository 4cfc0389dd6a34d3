//! Changing tables and their history: `FRAME.APPLY`, `FRAME.UNDO`,
//! `FRAME.REDO`, `FRAME.HISTORY`, `FRAME.LIST`, `FRAME.DROP`, `FRAME.COPY`.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use bytes::Bytes;
use parking_lot::Mutex;
use polars::prelude::DataFrame;

use super::ops::{Op, OpContext, apply_all, parse_ops};
use super::{Table, defer, find_table, no_such_table, table_arg, target};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::session::{Session, open, open_in};

/// `FRAME.APPLY id table op [HISTMAX n]`
///
/// `op` is one op object or an array of them (one history step, all or
/// nothing). The op runs with the table's lock held, so concurrent applies
/// on one table are ordered; the new version goes after the cursor
/// (dropping redo versions), and `HISTMAX` (default `frame-history-max`,
/// read now) bounds the history; the AOF logs the bound used.
///
/// Reply: map `version`, `rows`, `columns`, `change_summary`, `rows_before`,
/// `rows_after`, `columns_before`, `columns_after`, `elapsed_us` (the op's
/// own time). Errors: the op's (`ERR invalid op: ...`, `ERR unknown column
/// '<c>'`, engine errors); nothing changes on error.
pub fn apply(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    let op = args.next_bytes()?;
    let history_max = if args.eat_keyword("HISTMAX") {
        super::histmax_value(args)?
    } else {
        usize::try_from(ctx.server.config.get_i64("frame-history-max"))
            .unwrap_or(1)
            .max(1)
    };
    args.finish()?;
    let ops = parse_ops(&op)?;
    let target = target(ctx, &id)?;
    let slot = find_table(&target.session, &id, &table)?;
    // The bound in force is logged with the op, so a replay under another
    // `frame-history-max` keeps the same versions.
    let mut argv = args.argv()[..4].to_vec();
    argv.push(Bytes::from_static(b"HISTMAX"));
    argv.push(Bytes::from(history_max.to_string()));
    Ok(defer(move || {
        let session = &target.session;
        // Only `sql` can name other tables; other ops must not wait for a
        // table that another client is editing. They are read before this
        // one is locked: taking a second table's lock while holding ours
        // could deadlock with an apply on that table reading ours.
        let reads_others = ops.iter().any(|op| matches!(op, Op::Sql(_)));
        let others = if reads_others {
            other_frames(session, &table)
        } else {
            Vec::new()
        };
        let mut t = slot.lock();
        let started = Instant::now();
        let applied = apply_all(t.frame(), &ops, &OpContext { tables: &others })?;
        let elapsed_us = started.elapsed().as_micros() as u64;
        let (action, params) = match ops.as_slice() {
            [op] => (op.action().to_string(), op.params_json()),
            ops => ("batch".to_string(), batch_params(ops)),
        };
        // A `sql` op's rows may come in another order if it ran again
        // (grouping, UNION), and it reads other tables that may have moved
        // on by the time a replay reaches it: it is logged as its result.
        let argv = if reads_others {
            let current = t.current();
            let version = super::Version {
                number: t.next_number(),
                frame: applied.frame.clone(),
                action: action.clone(),
                params: params.clone(),
                timestamp: super::history::timestamp_at(target.now_ms),
                change_summary: applied.change_summary.clone(),
                rows_before: current.rows(),
                columns_before: current.columns(),
            };
            let blob = super::encode_version(t.frame(), &version)?;
            let mut push = vec![
                Bytes::from_static(b"FRAME.PUSH"),
                argv[1].clone(),
                argv[2].clone(),
                Bytes::from(blob),
            ];
            push.extend_from_slice(&argv[4..]);
            push
        } else {
            argv
        };
        let reply = target.commit_table(&table, &slot, &mut t, &argv, |t| {
            let v = t.push(
                applied.frame,
                action,
                params,
                applied.change_summary,
                history_max,
                target.now_ms,
            );
            tracing::debug!(table, version = v.number, elapsed_us, "frame op applied");
            Ok(Reply::map_of(vec![
                ("version", Reply::Integer(v.number as i64)),
                ("rows", Reply::Integer(v.rows() as i64)),
                ("columns", Reply::Integer(v.columns() as i64)),
                ("change_summary", Reply::text(v.change_summary.clone())),
                ("rows_before", Reply::Integer(v.rows_before as i64)),
                ("rows_after", Reply::Integer(v.rows() as i64)),
                ("columns_before", Reply::Integer(v.columns_before as i64)),
                ("columns_after", Reply::Integer(v.columns() as i64)),
                ("elapsed_us", Reply::Integer(elapsed_us as i64)),
            ]))
        })?;
        drop(t);
        target.server.frame_stats.ops_applied.fetch_add(1, Relaxed);
        target.server.frame_stats.record_op_latency(elapsed_us);
        Ok(reply)
    }))
}

/// The current frames of the session's tables other than `table`, for ops
/// that join against them.
fn other_frames(session: &Session, table: &str) -> Vec<(String, DataFrame)> {
    let tables = session.tables.lock().clone();
    tables
        .into_iter()
        .filter(|(name, _)| name != table)
        .map(|(name, slot)| {
            let frame = slot.lock().frame().clone();
            (name, frame)
        })
        .collect()
}

/// History params of an array of ops: the array itself, as JSON text.
fn batch_params(ops: &[super::ops::Op]) -> String {
    let items: Vec<String> = ops
        .iter()
        .map(|op| {
            format!(
                "{{\"action\":{},\"params\":{}}}",
                serde_json::Value::from(op.action()),
                op.params_json()
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Optional `steps` argument of UNDO/REDO (default 1). Error: `ERR value is
/// out of range, must be positive`, Redis's text for counts.
fn steps_arg(args: &mut Parse) -> Result<usize> {
    if args.is_empty() {
        return Ok(1);
    }
    let n = args.next_i64()?;
    usize::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| CommandError::err("value is out of range, must be positive"))
}

/// `FRAME.UNDO id table [steps]`
///
/// Moves the cursor `steps` (default 1) versions back. Reply: map `version`,
/// `undo_available`, `redo_available` (steps each way), `rows`, `columns`.
/// Errors: `ERR nothing to undo`; `ERR cannot undo N steps, only M
/// available` (the cursor does not move).
pub fn undo(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    move_cursor(ctx, args, false)
}

/// `FRAME.REDO id table [steps]`: as [`undo`], forward.
pub fn redo(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    move_cursor(ctx, args, true)
}

fn move_cursor(ctx: &mut Ctx, args: &mut Parse, forward: bool) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    let steps = steps_arg(args)?;
    args.finish()?;
    let target = target(ctx, &id)?;
    let slot = find_table(&target.session, &id, &table)?;
    let argv = args.argv().to_vec();
    // Deferred although cheap: an op may hold the table's lock for seconds.
    Ok(defer(move || {
        let mut t = slot.lock();
        let reply = target.commit_table(&table, &slot, &mut t, &argv, |t| {
            if forward {
                t.redo(steps)?;
            } else {
                t.undo(steps)?;
            }
            let v = t.current();
            Ok(Reply::map_of(vec![
                ("version", Reply::Integer(v.number as i64)),
                ("undo_available", Reply::Integer(t.undo_available() as i64)),
                ("redo_available", Reply::Integer(t.redo_available() as i64)),
                ("rows", Reply::Integer(v.rows() as i64)),
                ("columns", Reply::Integer(v.columns() as i64)),
            ]))
        })?;
        let stats = &target.server.frame_stats;
        if forward {
            stats.redos.fetch_add(1, Relaxed);
        } else {
            stats.undos.fetch_add(1, Relaxed);
        }
        Ok(reply)
    }))
}

/// `FRAME.HISTORY id table`
///
/// Reply: array, oldest first, of maps `version`, `action`, `params` (JSON
/// text), `timestamp` (RFC 3339), `change_summary`, `rows_before`,
/// `rows_after`, `columns_before`, `columns_after`, `current` (bool).
pub fn history(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    args.finish()?;
    let session = open(ctx, &id)?.session;
    let slot = find_table(&session, &id, &table)?;
    Ok(defer(move || {
        let t = slot.lock();
        let cursor = t.cursor();
        let entries = t
            .versions()
            .enumerate()
            .map(|(i, v)| {
                Reply::map_of(vec![
                    ("version", Reply::Integer(v.number as i64)),
                    ("action", Reply::text(v.action.clone())),
                    ("params", Reply::text(v.params.clone())),
                    ("timestamp", Reply::text(v.timestamp.clone())),
                    ("change_summary", Reply::text(v.change_summary.clone())),
                    ("rows_before", Reply::Integer(v.rows_before as i64)),
                    ("rows_after", Reply::Integer(v.rows() as i64)),
                    ("columns_before", Reply::Integer(v.columns_before as i64)),
                    ("columns_after", Reply::Integer(v.columns() as i64)),
                    ("current", Reply::Bool(i == cursor)),
                ])
            })
            .collect();
        Ok(Reply::Array(entries))
    }))
}

/// `FRAME.LIST id`
///
/// Reply: array of the session's table names, sorted.
pub fn list(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    args.finish()?;
    let session = open(ctx, &id)?.session;
    Ok(Reply::bulk_array(session.table_names()))
}

/// `FRAME.DROP id table`
///
/// Reply: 1 when the table existed (it and its history are removed; an op
/// still running on it finishes into the void), else 0.
pub fn drop_table(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    args.finish()?;
    let mut db = ctx.db();
    let session = open_in(&mut db, &id, ctx.now_ms)?.session;
    let removed = session.tables.lock().remove(&table);
    session.forget(&table);
    Ok(match removed {
        Some(slot) => {
            db.log(ctx.now_ms, args.argv());
            drop(db);
            // Freeing a large history is left to the blocking pool.
            Reply::deferred(move || {
                drop(slot);
                Reply::Integer(1)
            })
        }
        None => Reply::Integer(0),
    })
}

/// `FRAME.COPY src_id src_table dst_id dst_table [REPLACE]`
///
/// Copies the current version of `src_table` into `dst_table` (both
/// sessions in the current database; they may be the same), as a new
/// history at version 0 that shares the source's column buffers. The
/// source is read as of its last committed change (an op still running on
/// it is not waited for). Reply: `+OK`. Errors: missing session or table;
/// `ERR table '<t>' already exists (use REPLACE)`.
pub fn copy(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let src_id = args.next_bytes()?;
    let src_table = table_arg(args)?;
    let dst_id = args.next_bytes()?;
    let dst_table = table_arg(args)?;
    let replace = match args.try_next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case(b"REPLACE") => true,
        Some(_) => return Err(CommandError::syntax()),
    };
    args.finish()?;
    let now_ms = ctx.now_ms;
    // Everything here is a cheap clone: done under the database lock, so
    // the copy and its AOF record match the source's committed state.
    let mut db = ctx.db();
    let src = open_in(&mut db, &src_id, now_ms)?.session;
    let dst = open_in(&mut db, &dst_id, now_ms)?.session;
    let source = src
        .published_tables()
        .into_iter()
        .find(|(name, _)| *name == src_table)
        .map(|(_, t)| t)
        .ok_or_else(|| no_such_table(&src_id, &src_table))?;
    let (frame, version) = (source.frame().clone(), source.current().number);
    let params = serde_json::json!({"session": String::from_utf8_lossy(&src_id), "table": src_table, "version": version}).to_string();
    let summary = format!(
        "Copied version {version} of {src_table} ({} rows, {} columns)",
        frame.height(),
        frame.width()
    );
    let table = Table::new(frame, "copy", params, summary, now_ms);
    let mut tables = dst.tables.lock();
    if !replace && tables.contains_key(&dst_table) {
        return Err(CommandError::err(format!(
            "table '{dst_table}' already exists (use REPLACE)"
        )));
    }
    dst.remember(&dst_table, &table);
    // A replaced table gets a new slot: an op still running on the old one
    // finds it gone at commit and changes nothing.
    let old = tables.insert(dst_table, Arc::new(Mutex::new(table)));
    drop(tables);
    db.log(now_ms, args.argv());
    drop(db);
    Ok(match old {
        Some(slot) => Reply::deferred(move || {
            drop(slot);
            Reply::ok()
        }),
        None => Reply::ok(),
    })
}
