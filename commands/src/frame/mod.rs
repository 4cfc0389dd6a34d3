//! Frames: each session table is a linear history of data-frame versions
//! with a cursor. `FRAME.*` commands live here.
//!
//! Every command follows one pattern so that no Polars work runs on the
//! async workers or under the database lock: the handler parses and checks
//! its arguments, locks the database just long enough to find the session
//! (and slide its TTL, see [`crate::session::open`]), and returns
//! [`Reply::deferred`] with the work. The connection runs that closure on the
//! blocking pool. A table's lock is held while an op computes, so two
//! `APPLY`s on one table are ordered; work on other tables goes on.
//!
//! `FRAME.*` commands are refused inside `MULTI` (`no_multi`): `EXEC` holds
//! every database lock, and a frame command may wait for a table's lock,
//! whose holder may be waiting for a database lock to commit.
//!
//! Files: [`history`] (versions and cursor), [`load`] and [`xlsx`]
//! (`FRAME.LOAD`), [`edit`] (`APPLY`, `UNDO`, `REDO`, `HISTORY`, `LIST`,
//! `DROP`, `COPY`), [`read`] (`SUMMARY`, `ROWS`, `SCHEMA`, `EXPORT`),
//! [`summary`] (column statistics), [`output`] (encoders and export paths),
//! [`dtype`] and [`memory`]; [`ops`] is the op engine.

mod commit;
pub mod dtype;
mod edit;
pub mod history;
mod load;
pub mod memory;
pub mod ops;
mod output;
mod read;
mod snapshot;
mod summary;
mod xlsx;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use parking_lot::Mutex;
use polars::prelude::DataFrame;

pub use commit::Target;
pub use history::{Table, Version};
pub use snapshot::{decode_table, encode_table, encode_version, restore_argv};

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::session::Session;
use crate::table::CommandSpec;

/// The frame family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const W: &[&str] = &["frame", "write"];
    const R: &[&str] = &["frame", "read"];
    vec![
        CommandSpec::new("frame.load", -7, load::load)
            .flags(&["write", "denyoom", "no_multi"])
            .categories(W)
            .keys(1, 1, 1)
            .doc(
                "frame",
                "0.1.0",
                "Loads a table into a session from CSV, TSV, Parquet, Arrow IPC, JSON, NDJSON or Excel bytes or a file.",
                "id table FORMAT <csv | tsv | parquet | ipc | json | ndjson | xlsx> [OPTIONS json] [REPLACE] <DATA payload | FILE path>",
            ),
        CommandSpec::new("frame.apply", -4, edit::apply)
            .flags(&["write", "denyoom", "no_multi"])
            .categories(W)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Applies an op (or an array of ops, as one step) to a table, adding a history version; HISTMAX overrides frame-history-max for this step (the AOF logs it).", "id table op [HISTMAX n]"),
        CommandSpec::new("frame.undo", -3, edit::undo)
            .flags(&["write", "fast", "no_multi"])
            .categories(W)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Moves a table's history cursor back.", "id table [steps]"),
        CommandSpec::new("frame.redo", -3, edit::redo)
            .flags(&["write", "fast", "no_multi"])
            .categories(W)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Moves a table's history cursor forward.", "id table [steps]"),
        CommandSpec::new("frame.history", 3, edit::history)
            .flags(&["readonly", "no_multi"])
            .categories(R)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Lists a table's versions, oldest first, marking the current one.", "id table"),
        CommandSpec::new("frame.summary", -3, read::summary)
            .flags(&["readonly", "no_multi"])
            .categories(R)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Describes a table: shape, schema and per-column statistics.", "id table [COLUMNS column [column ...]]"),
        CommandSpec::new("frame.rows", -3, read::rows)
            .flags(&["readonly", "no_multi"])
            .categories(R)
            .keys(1, 1, 1)
            .doc(
                "frame",
                "0.1.0",
                "Returns a page of a table's rows as JSON, CSV or Arrow IPC stream bytes.",
                "id table [OFFSET offset] [LIMIT limit] [COLUMNS column [column ...]] [FORMAT <json | csv | ipc>]",
            ),
        CommandSpec::new("frame.schema", 3, read::schema)
            .flags(&["readonly", "fast", "no_multi"])
            .categories(R)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Returns a table's column names and dtypes.", "id table"),
        CommandSpec::new("frame.export", -5, read::export)
            .flags(&["readonly", "no_multi"])
            .categories(R)
            .keys(1, 1, 1)
            .doc(
                "frame",
                "0.1.0",
                "Returns a table's current version as CSV, Parquet, Arrow IPC, JSON or NDJSON bytes, or writes it under export-dir.",
                "id table FORMAT <csv | parquet | ipc | json | ndjson> [FILE path]",
            ),
        CommandSpec::new("frame.list", 2, edit::list)
            .flags(&["readonly", "fast", "no_multi"])
            .categories(R)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Lists the tables of a session.", "id"),
        CommandSpec::new("frame.drop", 3, edit::drop_table)
            .flags(&["write", "no_multi"])
            .categories(W)
            .keys(1, 1, 1)
            .doc("frame", "0.1.0", "Removes a table and its history from a session.", "id table"),
        CommandSpec::new("frame.restore", 4, snapshot::restore)
            .flags(&["write", "denyoom", "no_multi"])
            .categories(W)
            .keys(1, 1, 1)
            .doc(
                "frame",
                "0.1.0",
                "Stores a table with its whole history from a snapshot blob (written by the AOF rewrite).",
                "id table blob",
            ),
        CommandSpec::new("frame.push", 6, snapshot::push)
            .flags(&["write", "denyoom", "no_multi"])
            .categories(W)
            .keys(1, 1, 1)
            .doc(
                "frame",
                "0.1.0",
                "Adds a version from a snapshot blob relative to the current one (how the AOF logs sql ops).",
                "id table blob HISTMAX n",
            ),
        CommandSpec::new("frame.copy", -5, edit::copy)
            .flags(&["write", "denyoom", "no_multi"])
            .categories(W)
            .keys(1, 3, 2)
            .doc(
                "frame",
                "0.1.0",
                "Copies a table's current version into a new table (a new history at version 0 sharing buffers).",
                "src_id src_table dst_id dst_table [REPLACE]",
            ),
    ]
}

/// `ERR no such table '<table>' in session '<id>'`. `id` is the session's
/// key as the client named it (a key `COPY`/`RENAME` can differ from the
/// id the session was created with).
pub fn no_such_table(id: &[u8], table: &str) -> CommandError {
    CommandError::err(format!(
        "no such table '{table}' in session '{}'",
        String::from_utf8_lossy(id)
    ))
}

/// The table `name` of `session` (key `id`). Error: [`no_such_table`].
pub fn find_table(session: &Session, id: &[u8], name: &str) -> Result<Arc<Mutex<Table>>> {
    session.table(name).ok_or_else(|| no_such_table(id, name))
}

/// Finds session `id` for a frame command (see [`crate::session::open`])
/// and records where and when, for the commit.
fn target(ctx: &Ctx, id: &bytes::Bytes) -> Result<Target> {
    target_and_previous_access(ctx, id).map(|(target, _)| target)
}

/// [`target`], also returning the session's access time before this one.
fn target_and_previous_access(ctx: &Ctx, id: &bytes::Bytes) -> Result<(Target, i64)> {
    let opened = crate::session::open(ctx, id)?;
    let target = Target {
        server: ctx.server.clone(),
        db: ctx.client.db,
        id: id.clone(),
        session: opened.session,
        now_ms: ctx.now_ms,
    };
    Ok((target, opened.previous_access_ms))
}

/// The value after `HISTMAX`: how many versions to keep. Error: `ERR
/// HISTMAX must be positive`.
fn histmax_value(args: &mut Parse) -> Result<usize> {
    usize::try_from(args.next_i64()?)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| CommandError::err("HISTMAX must be positive"))
}

/// Reads a table name argument. Error: `ERR syntax error` when it is not
/// UTF-8; `ERR invalid table name` when empty.
fn table_arg(args: &mut Parse) -> Result<String> {
    let name = args.next_string()?;
    if name.is_empty() {
        return Err(CommandError::err("invalid table name ''"));
    }
    Ok(name)
}

/// The current frame of `table` and its version number, taking the table's
/// lock only for the (cheap, buffer-sharing) clone.
fn snapshot(table: &Mutex<Table>) -> (DataFrame, u64) {
    let t = table.lock();
    (t.frame().clone(), t.current().number)
}

/// Runs `work` on the blocking pool and turns its error, or a panic inside
/// Polars, into an error reply, so that no input can take the server down.
fn defer(work: impl FnOnce() -> Result<Reply> + Send + 'static) -> Reply {
    Reply::deferred(move || match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => Reply::Error(e.0),
        Err(panic) => {
            let msg = ops::panic_message(&*panic);
            tracing::error!(msg, "frame command panicked");
            Reply::Error(format!(
                "ERR internal error: {}",
                ops::support::one_line(msg)
            ))
        }
    })
}

/// A Polars error (or any message) as one `ERR` line prefixed with `what`
/// (`cannot read csv: ...`).
fn engine_error(what: &str, e: impl std::fmt::Display) -> CommandError {
    CommandError::err(ops::support::one_line(&format!("{what}: {e}")))
}

/// Checks that every name in `columns` is a column of `frame` and returns
/// them without repeats. Error: `ERR unknown column '<name>'` (as the ops).
fn check_columns(frame: &DataFrame, columns: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(columns.len());
    for name in columns {
        if frame.get_column_index(name).is_none() {
            return Err(CommandError::err(format!("unknown column '{name}'")));
        }
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    Ok(out)
}
