//! Reading a table's current version: `FRAME.SUMMARY`, `FRAME.ROWS`,
//! `FRAME.SCHEMA`, `FRAME.EXPORT`. Each takes the table's lock only to
//! clone the current frame (which shares every buffer), then works on the
//! clone, so reads never hold up an op for longer than that clone.

use std::panic::AssertUnwindSafe;

use bytes::Bytes;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::dtype::schema_reply;
use super::output::{OutFormat, encode, export_path, write_file};
use super::summary::column_stats;
use super::{check_columns, defer, find_table, memory, snapshot, table_arg};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::session::open;

/// `FRAME.SUMMARY id table [COLUMNS c ...]`
///
/// Reply: map `rows`, `columns`, `version`, `memory_bytes` (the current
/// frame), `schema` (`[[name, dtype], ...]` of the whole frame), `stats`
/// (one map a column, see [`super::summary::column_stats`]; only the
/// `COLUMNS` given, in that order). Error: `ERR unknown column '<c>'`.
pub fn summary(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    let columns = if args.is_empty() {
        None
    } else if args.next_keyword()? == "COLUMNS" && !args.is_empty() {
        Some(string_args(args.rest())?)
    } else {
        return Err(CommandError::syntax());
    };
    args.finish()?;
    let session = open(ctx, &id)?.session;
    let slot = find_table(&session, &id, &table)?;
    Ok(defer(move || {
        let (frame, version) = snapshot(&slot);
        let names = match &columns {
            Some(c) => check_columns(&frame, c)?,
            None => frame
                .get_column_names_owned()
                .into_iter()
                .map(|n| n.to_string())
                .collect(),
        };
        // Counting the bytes walks every row of a string column that an op
        // made (Polars caches the sum afterwards), so it runs on the pool
        // beside the statistics rather than after them.
        let (stats, bytes) = rayon::join(
            || summarise_columns(&frame, &names),
            || memory::frame_bytes(&frame),
        );
        let stats = stats?;
        Ok(Reply::map_of(vec![
            ("rows", Reply::Integer(frame.height() as i64)),
            ("columns", Reply::Integer(frame.width() as i64)),
            ("version", Reply::Integer(version as i64)),
            ("memory_bytes", Reply::Integer(bytes as i64)),
            ("schema", schema_reply(&frame)),
            ("stats", Reply::Array(stats)),
        ]))
    }))
}

/// [`column_stats`] of each of `names`, in that order, one column per task
/// on rayon's pool (which Polars already brings): the columns are
/// independent, and on the 105 MB benchmark table this halves the time on
/// two cores. Called on the blocking pool, like every deferred frame
/// command; a panic in one column is an error, not a lost connection.
fn summarise_columns(frame: &DataFrame, names: &[String]) -> Result<Vec<Reply>> {
    let stats = std::panic::catch_unwind(AssertUnwindSafe(|| {
        names
            .par_iter()
            .map(|name| {
                frame
                    .column(name)
                    .map_err(|e| super::engine_error("summary", e))
                    .and_then(column_stats)
            })
            .collect()
    }));
    stats.unwrap_or_else(|_| Err(CommandError::err("internal error in summary")))
}

fn string_args(args: Vec<Bytes>) -> Result<Vec<String>> {
    args.into_iter()
        .map(|b| String::from_utf8(b.to_vec()).map_err(|_| CommandError::syntax()))
        .collect()
}

/// A non-negative integer argument. Error: `ERR <what> must be a
/// non-negative integer`.
fn count_arg(args: &mut Parse, what: &str) -> Result<usize> {
    let n = args.next_i64()?;
    usize::try_from(n)
        .map_err(|_| CommandError::err(format!("{what} must be a non-negative integer")))
}

/// `FRAME.ROWS id table [OFFSET n] [LIMIT n] [COLUMNS c ...] [FORMAT json|csv|ipc]`
///
/// Reply: a bulk string holding rows `OFFSET..OFFSET+LIMIT` (default 0 and
/// 100) of the current version: a JSON array of row objects (nulls as
/// `null`, dates as ISO 8601 text), CSV with a header line, or Arrow IPC
/// stream bytes. `COLUMNS` takes the names up to the next `OFFSET`,
/// `LIMIT` or `FORMAT`. Error: `ERR unknown column '<c>'`.
pub fn rows(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    let mut offset = 0;
    let mut limit = 100;
    let mut columns: Option<Vec<String>> = None;
    let mut format = OutFormat::Json;
    while !args.is_empty() {
        match args.next_keyword()?.as_str() {
            "OFFSET" => offset = count_arg(args, "OFFSET")?,
            "LIMIT" => limit = count_arg(args, "LIMIT")?,
            "FORMAT" => format = OutFormat::for_rows(&args.next_string()?)?,
            "COLUMNS" => {
                let mut names = Vec::new();
                while let Some(next) = args.peek() {
                    let keyword = ["OFFSET", "LIMIT", "FORMAT"]
                        .iter()
                        .any(|k| next.eq_ignore_ascii_case(k.as_bytes()));
                    if keyword {
                        break;
                    }
                    names.push(args.next_string()?);
                }
                if names.is_empty() {
                    return Err(CommandError::syntax());
                }
                columns = Some(names);
            }
            _ => return Err(CommandError::syntax()),
        }
    }
    args.finish()?;
    let session = open(ctx, &id)?.session;
    let slot = find_table(&session, &id, &table)?;
    Ok(defer(move || {
        let (frame, _) = snapshot(&slot);
        let frame = match &columns {
            Some(c) => frame
                .select(check_columns(&frame, c)?)
                .map_err(|e| super::engine_error("rows", e))?,
            None => frame,
        };
        let offset = i64::try_from(offset.min(frame.height())).unwrap_or(i64::MAX);
        let page = frame.slice(offset, limit);
        Ok(Reply::bulk(encode(&page, format)?))
    }))
}

/// `FRAME.SCHEMA id table`
///
/// Reply: array of `[name, dtype]` pairs, in column order.
pub fn schema(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    args.finish()?;
    let session = open(ctx, &id)?.session;
    let slot = find_table(&session, &id, &table)?;
    Ok(defer(move || Ok(schema_reply(&snapshot(&slot).0))))
}

/// `FRAME.EXPORT id table FORMAT csv|parquet|ipc|json|ndjson [FILE path]`
///
/// Reply: the whole current version as bytes (ipc is the Arrow IPC file
/// format); with `FILE`, `+OK` after writing it under `export-dir`
/// (replacing an existing file). Errors: `ERR FILE exports are disabled
/// (set export-dir)`, a path outside `export-dir`.
pub fn export(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_bytes()?;
    let table = table_arg(args)?;
    let mut format = None;
    let mut file = None;
    while !args.is_empty() {
        match args.next_keyword()?.as_str() {
            "FORMAT" => format = Some(OutFormat::for_export(&args.next_string()?)?),
            "FILE" => file = Some(args.next_string()?),
            _ => return Err(CommandError::syntax()),
        }
    }
    args.finish()?;
    let format = format.ok_or_else(|| CommandError::err("FORMAT is required"))?;
    let export_dir = ctx.server.config.get("export-dir");
    if file.is_some() && export_dir.is_empty() {
        return Err(CommandError::err(
            "FILE exports are disabled (set export-dir)",
        ));
    }
    let session = open(ctx, &id)?.session;
    let slot = find_table(&session, &id, &table)?;
    Ok(defer(move || {
        let (frame, _) = snapshot(&slot);
        let bytes = encode(&frame, format)?;
        match file {
            Some(path) => {
                let target = export_path(&export_dir, &path)?;
                write_file(&target, &bytes)?;
                tracing::info!(table, path = %target.display(), bytes = bytes.len(), "frame exported");
                Ok(Reply::ok())
            }
            None => Ok(Reply::bulk(bytes)),
        }
    }))
}
