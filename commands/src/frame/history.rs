//! A table's history: a linear list of frame versions with a cursor.
//!
//! `FRAME.APPLY` pushes a version after the cursor (dropping the versions a
//! `REDO` could have reached), `FRAME.UNDO`/`FRAME.REDO` move the cursor, and
//! at most `frame-history-max` versions are kept (the oldest go first).
//! Versions are whole `DataFrame`s, but a version shares every column buffer
//! its op did not change with the version before it (Polars columns are
//! reference-counted), so a history of column-local edits costs little more
//! than one frame.
//!
//! Version numbers: the loaded frame is version 0 and every `APPLY` gets the
//! highest number this table ever used plus one. Numbers are never reused, so
//! after `UNDO` then `APPLY` the new version is not confused with the
//! discarded one it replaced (v0, v1, v2, UNDO 2, APPLY -> v3).

use std::collections::VecDeque;

use polars::prelude::DataFrame;

use crate::error::{CommandError, Result};

/// One state of a table and how it was reached.
#[derive(Clone)]
pub struct Version {
    /// Version number (0 at `LOAD`/`COPY`; never reused).
    pub number: u64,
    /// The frame of this version.
    pub frame: DataFrame,
    /// The op's action (`fill_missing`, ...), `batch` for an array of ops,
    /// `load` or `copy` for version 0.
    pub action: String,
    /// The op's params as JSON text (`{}` when none).
    pub params: String,
    /// When the version was made, RFC 3339 (UTC, milliseconds).
    pub timestamp: String,
    /// A sentence describing the change ("Filled 15 missing values in Price").
    pub change_summary: String,
    /// Shape before the op (0 x 0 for version 0).
    pub rows_before: usize,
    /// See `rows_before`.
    pub columns_before: usize,
}

impl Version {
    /// Rows of this version's frame.
    pub fn rows(&self) -> usize {
        self.frame.height()
    }

    /// Columns of this version's frame.
    pub fn columns(&self) -> usize {
        self.frame.width()
    }
}

/// The history of one table. Invariant: `versions` is never empty and
/// `cursor < versions.len()`.
#[derive(Clone)]
pub struct Table {
    versions: VecDeque<Version>,
    cursor: usize,
    next_number: u64,
}

/// `ms` (since the Unix epoch) as RFC 3339 in UTC with millisecond
/// precision. A version's time is its command's time (`Ctx::now_ms`), so
/// replaying the AOF, which pins each command's clock, reproduces it.
pub fn timestamp_at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Table {
    /// A new history whose only version (number 0) is `frame`, made by
    /// `action` (`load`, `copy`) with `params` (JSON text) at `now_ms`.
    pub fn new(
        frame: DataFrame,
        action: &str,
        params: String,
        change_summary: String,
        now_ms: i64,
    ) -> Table {
        let first = Version {
            number: 0,
            frame,
            action: action.to_string(),
            params,
            timestamp: timestamp_at(now_ms),
            change_summary,
            rows_before: 0,
            columns_before: 0,
        };
        Table {
            versions: VecDeque::from([first]),
            cursor: 0,
            next_number: 1,
        }
    }

    /// The version at the cursor.
    pub fn current(&self) -> &Version {
        // The invariant guarantees the cursor indexes a version.
        &self.versions[self.cursor]
    }

    /// The frame at the cursor (a cheap clone shares every buffer).
    pub fn frame(&self) -> &DataFrame {
        &self.current().frame
    }

    /// Every kept version, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = &Version> {
        self.versions.iter()
    }

    /// Number of kept versions.
    pub fn len(&self) -> usize {
        self.versions.len()
    }

    /// Always false: a table has at least one version.
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// Index of the current version among the kept ones (0 = oldest).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Steps `UNDO` can take.
    pub fn undo_available(&self) -> usize {
        self.cursor
    }

    /// Steps `REDO` can take.
    pub fn redo_available(&self) -> usize {
        self.versions.len() - 1 - self.cursor
    }

    /// Adds `frame` after the cursor as the new current version, dropping
    /// the redo versions and then the oldest ones beyond `history_max`
    /// (at least 1). `now_ms` is the version's time. Returns the new version.
    pub fn push(
        &mut self,
        frame: DataFrame,
        action: String,
        params: String,
        change_summary: String,
        history_max: usize,
        now_ms: i64,
    ) -> &Version {
        let before = self.current();
        let version = Version {
            number: self.next_number,
            rows_before: before.rows(),
            columns_before: before.columns(),
            frame,
            action,
            params,
            timestamp: timestamp_at(now_ms),
            change_summary,
        };
        self.next_number += 1;
        self.versions.truncate(self.cursor + 1);
        self.versions.push_back(version);
        while self.versions.len() > history_max.max(1) {
            self.versions.pop_front();
        }
        self.cursor = self.versions.len() - 1;
        self.current()
    }

    /// The number the next pushed version gets.
    pub fn next_number(&self) -> u64 {
        self.next_number
    }

    /// A table rebuilt from its parts (the AOF rewrite's snapshot).
    /// Errors: no versions, a cursor outside them, or version numbers not
    /// increasing and below `next_number`.
    pub fn from_parts(versions: Vec<Version>, cursor: usize, next_number: u64) -> Result<Table> {
        let increasing = versions.windows(2).all(|w| w[0].number < w[1].number);
        let below = versions.last().is_some_and(|v| v.number < next_number);
        if cursor >= versions.len() || !increasing || !below {
            return Err(CommandError::err("invalid table snapshot"));
        }
        Ok(Table {
            versions: versions.into(),
            cursor,
            next_number,
        })
    }

    /// Moves the cursor `steps` versions back. Errors: `ERR nothing to undo`
    /// when the cursor is at the oldest kept version; `ERR cannot undo N
    /// steps, only M available` when fewer than `steps` exist (the cursor
    /// does not move: a partial undo would leave the client unsure where it
    /// is).
    pub fn undo(&mut self, steps: usize) -> Result<()> {
        let available = self.undo_available();
        check_steps("undo", steps, available)?;
        self.cursor -= steps;
        Ok(())
    }

    /// Moves the cursor `steps` versions forward. Errors as [`Table::undo`]
    /// with `redo`.
    pub fn redo(&mut self, steps: usize) -> Result<()> {
        let available = self.redo_available();
        check_steps("redo", steps, available)?;
        self.cursor += steps;
        Ok(())
    }
}

fn check_steps(what: &str, steps: usize, available: usize) -> Result<()> {
    if available == 0 {
        return Err(CommandError::err(format!("nothing to {what}")));
    }
    if steps > available {
        return Err(CommandError::err(format!(
            "cannot {what} {steps} steps, only {available} available"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    fn frame(n: i64) -> DataFrame {
        df!("a" => [n]).expect("valid frame")
    }

    fn value(t: &Table) -> i64 {
        t.frame()
            .column("a")
            .unwrap()
            .i64()
            .unwrap()
            .get(0)
            .unwrap()
    }

    fn apply(t: &mut Table, n: i64, max: usize) {
        t.push(frame(n), "op".into(), "{}".into(), String::new(), max, 0);
    }

    #[test]
    fn undo_then_apply_drops_redo_and_never_reuses_numbers() {
        let mut t = Table::new(frame(0), "load", "{}".into(), String::new(), 0);
        apply(&mut t, 1, 50);
        apply(&mut t, 2, 50);
        t.undo(2).unwrap();
        assert_eq!(value(&t), 0);
        assert_eq!(t.redo_available(), 2);
        apply(&mut t, 3, 50);
        assert_eq!(t.current().number, 3);
        assert_eq!(t.len(), 2);
        assert_eq!(t.redo_available(), 0);
        assert_eq!(t.redo(1).unwrap_err().0, "ERR nothing to redo");
    }

    #[test]
    fn history_max_drops_the_oldest_versions() {
        let mut t = Table::new(frame(0), "load", "{}".into(), String::new(), 0);
        for n in 1..=5 {
            apply(&mut t, n, 3);
        }
        let numbers: Vec<u64> = t.versions().map(|v| v.number).collect();
        assert_eq!(numbers, vec![3, 4, 5]);
        assert_eq!(t.undo_available(), 2);
        assert!(t.undo(3).unwrap_err().0.contains("only 2 available"));
        t.undo(2).unwrap();
        assert_eq!(value(&t), 3);
        assert_eq!(t.undo(1).unwrap_err().0, "ERR nothing to undo");
    }

    #[test]
    fn push_records_the_shape_before() {
        let mut t = Table::new(frame(0), "load", "{}".into(), String::new(), 0);
        let v = t.push(
            df!("a" => [1i64, 2], "b" => [3i64, 4]).unwrap(),
            "x".into(),
            "{}".into(),
            String::new(),
            5,
            0,
        );
        assert_eq!(
            (v.rows_before, v.columns_before, v.rows(), v.columns()),
            (1, 1, 2, 2)
        );
    }
}
