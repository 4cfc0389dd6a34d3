//! Frame ops: pure functions from a frame and an edit to a new frame and a
//! one-sentence change summary.
//!
//! An op arrives as JSON, `{"action": "fill_missing", "params": {...}}`, and
//! is parsed by [`parse_ops`] into [`Op`] values; [`apply_all`] applies a
//! list of them in order, all or nothing. Nothing here touches the keyspace:
//! the caller (`FRAME.APPLY`) stores the result as a new history version.
//!
//! Column buffers are shared, not copied: an op that changes one column
//! clones the frame (each column is an `Arc`) and replaces that column only,
//! so every other column of the new version points at the same memory as
//! the version before it.
//!
//! The actions and their params are those of SPEC §4 "Ops"; each params
//! struct documents its fields, defaults and errors.

mod cast;
mod columns;
mod convert;
mod fill;
mod rows;
mod sql;
pub(crate) mod support;
mod values;

#[cfg(test)]
mod perf;
#[cfg(test)]
mod testdata;

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::error::{CommandError, Result};

pub use cast::{ChangeType, TargetType};
pub use columns::{DropColumns, RenameColumn, Select};
pub use fill::{FillMethod, FillMissing};
pub use rows::{DropDuplicates, DropMissing, Filter, Keep, MissingHow, Sort};
pub use sql::{AddColumn, Sql};
pub use support::{OneOrMany, Pairs};
pub use values::{ReplaceValues, StringTransform, Transform};

/// One edit as clients send it:
/// `{"action": "fill_missing", "params": {"columns": ["age"], "method": "median"}}`.
///
/// Every params struct rejects unknown fields, so a misspelt param is an
/// error rather than silently ignored. `params` is required even when every
/// param is optional (`{"action": "drop_missing", "params": {}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "action",
    content = "params",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum Op {
    /// Rename one column (`from`, `to`) or several (`mapping`).
    RenameColumn(RenameColumn),
    /// Cast one column to another dtype.
    ChangeType(ChangeType),
    /// Fill nulls (and NaN in float columns).
    FillMissing(FillMissing),
    /// Remove columns.
    DropColumns(DropColumns),
    /// Remove rows with missing values.
    DropMissing(DropMissing),
    /// Keep the rows matching an SQL boolean expression.
    Filter(Filter),
    /// Sort rows.
    Sort(Sort),
    /// Keep and reorder columns.
    Select(Select),
    /// Remove duplicate rows.
    DropDuplicates(DropDuplicates),
    /// Replace values of one column through a mapping.
    ReplaceValues(ReplaceValues),
    /// Add or overwrite a column computed by an SQL expression.
    AddColumn(AddColumn),
    /// Strip or re-case text columns.
    StringTransform(StringTransform),
    /// Replace the frame with the result of an SQL query over `self`.
    Sql(Sql),
}

impl Op {
    /// The action name as clients write it (`"fill_missing"`), for
    /// `FRAME.HISTORY`.
    pub fn action(&self) -> &'static str {
        match self {
            Op::RenameColumn(_) => "rename_column",
            Op::ChangeType(_) => "change_type",
            Op::FillMissing(_) => "fill_missing",
            Op::DropColumns(_) => "drop_columns",
            Op::DropMissing(_) => "drop_missing",
            Op::Filter(_) => "filter",
            Op::Sort(_) => "sort",
            Op::Select(_) => "select",
            Op::DropDuplicates(_) => "drop_duplicates",
            Op::ReplaceValues(_) => "replace_values",
            Op::AddColumn(_) => "add_column",
            Op::StringTransform(_) => "string_transform",
            Op::Sql(_) => "sql",
        }
    }

    /// The params as compact JSON text (`{"columns":["age"],"method":"median"}`),
    /// for `FRAME.HISTORY`. Parsing `{"action": action(), "params": params_json()}`
    /// gives back an equal op; params left out by the client stay left out.
    pub fn params_json(&self) -> String {
        let value = match self {
            Op::RenameColumn(p) => serde_json::to_string(p),
            Op::ChangeType(p) => serde_json::to_string(p),
            Op::FillMissing(p) => serde_json::to_string(p),
            Op::DropColumns(p) => serde_json::to_string(p),
            Op::DropMissing(p) => serde_json::to_string(p),
            Op::Filter(p) => serde_json::to_string(p),
            Op::Sort(p) => serde_json::to_string(p),
            Op::Select(p) => serde_json::to_string(p),
            Op::DropDuplicates(p) => serde_json::to_string(p),
            Op::ReplaceValues(p) => serde_json::to_string(p),
            Op::AddColumn(p) => serde_json::to_string(p),
            Op::StringTransform(p) => serde_json::to_string(p),
            Op::Sql(p) => serde_json::to_string(p),
        };
        // Serialising plain structs of strings, numbers and JSON values into
        // a String cannot fail (no maps with non-string keys, no I/O).
        value.unwrap_or_else(|_| "{}".to_string())
    }

    /// Applies this one op to `frame`.
    fn apply(&self, frame: &DataFrame, ctx: &OpContext) -> Result<Applied> {
        match self {
            Op::RenameColumn(p) => p.apply(frame),
            Op::ChangeType(p) => p.apply(frame),
            Op::FillMissing(p) => p.apply(frame),
            Op::DropColumns(p) => p.apply(frame),
            Op::DropMissing(p) => p.apply(frame),
            Op::Filter(p) => p.apply(frame, ctx),
            Op::Sort(p) => p.apply(frame),
            Op::Select(p) => p.apply(frame),
            Op::DropDuplicates(p) => p.apply(frame),
            Op::ReplaceValues(p) => p.apply(frame),
            Op::AddColumn(p) => p.apply(frame, ctx),
            Op::StringTransform(p) => p.apply(frame),
            Op::Sql(p) => p.apply(frame, ctx),
        }
    }
}

/// Parses the `FRAME.APPLY` argument: a JSON object (one op) or a JSON array
/// of ops (one history step).
///
/// Errors: `ERR invalid op: <reason>` where the reason is serde's message,
/// which names the unknown action or param, the missing field or the wrong
/// type (`unknown field `colums`, expected one of `columns`, `method`,
/// `value``); an empty array is `ERR invalid op: empty list of ops`.
pub fn parse_ops(json: &[u8]) -> Result<Vec<Op>> {
    let value: serde_json::Value = serde_json::from_slice(json).map_err(invalid_op)?;
    let ops = match value {
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                return Err(CommandError::err("invalid op: empty list of ops"));
            }
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    serde_json::from_value(item).map_err(|e| {
                        CommandError::err(support::one_line(&format!(
                            "invalid op: op {}: {e}",
                            i + 1
                        )))
                    })
                })
                .collect::<Result<Vec<Op>>>()?
        }
        serde_json::Value::Object(_) => vec![serde_json::from_value(value).map_err(invalid_op)?],
        _ => {
            return Err(CommandError::err(
                "invalid op: expected a JSON object or an array of objects",
            ));
        }
    };
    Ok(ops)
}

fn invalid_op(e: serde_json::Error) -> CommandError {
    CommandError::err(support::one_line(&format!("invalid op: {e}")))
}

/// What an op may read besides the frame it edits: the other tables of the
/// same session, as `(table name, current frame)` pairs, for `sql` queries,
/// `filter` and `add_column` subqueries that join against them by name. The
/// name `self` is reserved for the frame being edited; a table called `self`
/// in this list is ignored.
#[derive(Clone, Copy, Default)]
pub struct OpContext<'a> {
    /// The session's tables, in any order.
    pub tables: &'a [(String, DataFrame)],
}

impl OpContext<'_> {
    /// A context without other tables.
    pub fn empty() -> OpContext<'static> {
        OpContext { tables: &[] }
    }
}

/// The result of applying ops: the new frame (sharing every untouched column
/// buffer with the input) and a one-sentence summary of what changed.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The new frame.
    pub frame: DataFrame,
    /// What changed, with counts ("Dropped 2 columns: deck, embark_town");
    /// for several ops the sentences joined with "; ".
    pub change_summary: String,
}

/// Applies `ops` in order to `frame`, all or nothing: on the first failing
/// op the error is returned and no new frame exists (`frame` itself is never
/// modified). With several ops the error names the failing op:
/// `ERR op 2 (fill_missing): unknown column 'agee'`.
///
/// Errors are single-line `ERR ...` texts; engine (Polars) errors come back
/// as `ERR <engine message>`. A panic inside the engine is caught and
/// reported as `ERR internal error in <action>: <message>` so that no input
/// can bring the server down.
pub fn apply_all(frame: &DataFrame, ops: &[Op], ctx: &OpContext) -> Result<Applied> {
    if ops.is_empty() {
        return Err(CommandError::err("invalid op: empty list of ops"));
    }
    let mut current = frame.clone();
    let mut summaries = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let applied = apply_guarded(op, &current, ctx).map_err(|e| {
            if ops.len() == 1 {
                e
            } else {
                let msg = e.0.strip_prefix("ERR ").unwrap_or(&e.0);
                CommandError::err(format!("op {} ({}): {msg}", i + 1, op.action()))
            }
        })?;
        tracing::debug!(
            action = op.action(),
            rows = applied.frame.height(),
            columns = applied.frame.width(),
            "frame op applied"
        );
        current = applied.frame;
        summaries.push(applied.change_summary);
    }
    Ok(Applied {
        frame: current,
        change_summary: summaries.join("; "),
    })
}

/// Runs one op, turning an engine panic into an error. The input frame is
/// only read (ops work on clones), so a panic cannot leave it half-changed:
/// asserting unwind safety is sound.
fn apply_guarded(op: &Op, frame: &DataFrame, ctx: &OpContext) -> Result<Applied> {
    match catch_unwind(AssertUnwindSafe(|| op.apply(frame, ctx))) {
        Ok(result) => result,
        Err(panic) => {
            let msg = panic_message(&*panic);
            tracing::error!(action = op.action(), msg, "frame op panicked");
            Err(CommandError::err(support::one_line(&format!(
                "internal error in {}: {msg}",
                op.action()
            ))))
        }
    }
}

/// The message of a caught panic: the `String` or `&str` it was raised
/// with (`panic!` and Polars' panics use one of the two), `panic` otherwise.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("panic")
}

#[cfg(test)]
mod tests;
