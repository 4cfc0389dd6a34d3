//! Ops that change which columns a frame has, or their names, without
//! touching any values: `rename_column`, `drop_columns`, `select`. Every
//! kept column keeps its buffers.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::Applied;
use super::support::{Pairs, applied, check_columns, column_index, engine, list_names, plural};
use crate::error::{CommandError, Result};

/// `rename_column`: `{"from": "age", "to": "age_years"}` or
/// `{"mapping": {"age": "age_years", "sex": "gender"}}`.
///
/// Renames are simultaneous, so a mapping may swap two names. Errors: an
/// unknown source column, an empty new name, a new name that clashes with
/// another column (`ERR column 'sex' already exists`), or both/neither forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameColumn {
    /// The column to rename (with `to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Its new name (with `from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Several renames at once: old name -> new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Pairs<String>>,
}

impl RenameColumn {
    /// The renames as `(old, new)` pairs, whichever form was used.
    fn renames(&self) -> Result<Vec<(String, String)>> {
        match (&self.from, &self.to, &self.mapping) {
            (Some(from), Some(to), None) => Ok(vec![(from.clone(), to.clone())]),
            (None, None, Some(mapping)) if !mapping.0.is_empty() => Ok(mapping.0.clone()),
            (None, None, Some(_)) => Err(CommandError::err("'mapping' must not be empty")),
            (Some(_), None, None) => Err(CommandError::err("rename_column needs 'to' with 'from'")),
            (None, Some(_), None) => Err(CommandError::err("rename_column needs 'from' with 'to'")),
            _ => Err(CommandError::err(
                "rename_column needs either 'from' and 'to', or 'mapping'",
            )),
        }
    }

    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let renames = self.renames()?;
        let mut names: Vec<String> = frame
            .get_column_names()
            .into_iter()
            .map(|n| n.to_string())
            .collect();
        for (from, to) in &renames {
            if to.is_empty() {
                return Err(CommandError::err("a column name must not be empty"));
            }
            let idx = column_index(frame, from)?;
            names[idx] = to.clone();
        }
        let mut seen = PlHashSet::new();
        if let Some(clash) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(CommandError::err(format!(
                "column '{clash}' already exists"
            )));
        }
        let mut out = frame.clone();
        // Only the names change: the columns keep their buffers.
        out.set_column_names(&names).map_err(engine)?;
        let summary = match renames.as_slice() {
            [(from, to)] => format!("Renamed column {from} to {to}"),
            many => format!(
                "Renamed {}: {}",
                plural(many.len(), "column"),
                list_names(
                    &many
                        .iter()
                        .map(|(f, t)| format!("{f} to {t}"))
                        .collect::<Vec<_>>()
                )
            ),
        };
        Ok(applied(out, summary))
    }
}

/// `drop_columns`: `{"columns": ["deck", "embark_town"]}`. A name listed
/// twice is dropped once. Errors: an unknown column, an empty list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropColumns {
    /// The columns to remove.
    pub columns: Vec<String>,
}

impl DropColumns {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        if self.columns.is_empty() {
            return Err(CommandError::err("'columns' must not be empty"));
        }
        check_columns(frame, &self.columns)?;
        let names = super::support::dedup(&self.columns);
        let out = frame.drop_many(names.iter().map(String::as_str));
        let summary = format!(
            "Dropped {}: {}",
            plural(names.len(), "column"),
            list_names(&names)
        );
        Ok(applied(out, summary))
    }
}

/// `select`: `{"columns": ["name", "age"]}` keeps these columns, in this
/// order. Errors: an unknown column, a column listed twice, an empty list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// The columns to keep, in their new order.
    pub columns: Vec<String>,
}

impl Select {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        if self.columns.is_empty() {
            return Err(CommandError::err("'columns' must not be empty"));
        }
        check_columns(frame, &self.columns)?;
        let mut seen = PlHashSet::new();
        if let Some(twice) = self.columns.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(CommandError::err(format!(
                "column '{twice}' is listed twice"
            )));
        }
        let out = frame
            .select(self.columns.iter().map(String::as_str))
            .map_err(engine)?;
        let summary = format!(
            "Selected {} of {} columns: {}",
            self.columns.len(),
            frame.width(),
            list_names(&self.columns)
        );
        Ok(applied(out, summary))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{apply_json, same_buffers, titanic};

    #[test]
    fn rename_single_column_keeps_buffers() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"rename_column","params":{"from":"age","to":"age_years"}}"#,
        )
        .unwrap();
        assert_eq!(out.change_summary, "Renamed column age to age_years");
        assert!(out.frame.column("age").is_err());
        assert!(same_buffers(
            df.column("age").unwrap(),
            out.frame.column("age_years").unwrap()
        ));
        assert_eq!(out.frame.width(), 15);
    }

    #[test]
    fn rename_mapping_can_swap_names() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"rename_column","params":{"mapping":{"sex":"who","who":"sex"}}}"#,
        )
        .unwrap();
        assert_eq!(
            out.change_summary,
            "Renamed 2 columns: sex to who, who to sex"
        );
        // Row 0 of titanic.csv: sex=male, who=man.
        let who = out
            .frame
            .column("who")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_string();
        assert_eq!(who, "male");
    }

    #[test]
    fn rename_errors_name_the_problem() {
        let df = titanic();
        let e = apply_json(
            &df,
            r#"{"action":"rename_column","params":{"from":"agee","to":"x"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "ERR unknown column 'agee'");
        let e = apply_json(
            &df,
            r#"{"action":"rename_column","params":{"from":"age","to":"sex"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "ERR column 'sex' already exists");
        let e =
            apply_json(&df, r#"{"action":"rename_column","params":{"from":"age"}}"#).unwrap_err();
        assert!(e.0.contains("'to'"), "{e}");
    }

    #[test]
    fn drop_columns_summary_lists_them() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"drop_columns","params":{"columns":["deck","embark_town"]}}"#,
        )
        .unwrap();
        assert_eq!(out.change_summary, "Dropped 2 columns: deck, embark_town");
        assert_eq!(out.frame.width(), 13);
        assert!(same_buffers(
            df.column("fare").unwrap(),
            out.frame.column("fare").unwrap()
        ));
        let e = apply_json(
            &df,
            r#"{"action":"drop_columns","params":{"columns":["nope"]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "ERR unknown column 'nope'");
    }

    #[test]
    fn select_keeps_and_reorders() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"select","params":{"columns":["fare","age"]}}"#,
        )
        .unwrap();
        assert_eq!(out.change_summary, "Selected 2 of 15 columns: fare, age");
        let names: Vec<String> = out
            .frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, ["fare", "age"]);
        assert_eq!(out.frame.height(), 891);
        let e = apply_json(
            &df,
            r#"{"action":"select","params":{"columns":["fare","fare"]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "ERR column 'fare' is listed twice");
    }
}
