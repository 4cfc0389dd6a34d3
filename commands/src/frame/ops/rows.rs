//! Ops that choose or reorder rows: `drop_missing`, `filter`, `sort`,
//! `drop_duplicates`. Column set and dtypes stay as they are.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::support::{
    OneOrMany, applied, check_columns, column_index, columns_or_all, engine, list_names,
    missing_mask, plural,
};
use super::{Applied, OpContext};
use crate::error::{CommandError, Result};

/// Which rows `drop_missing` drops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingHow {
    /// Rows with a missing value in any of the columns.
    #[default]
    Any,
    /// Rows missing in every one of the columns.
    All,
}

/// `drop_missing`: `{"columns": ["age"], "how": "any"}`. Missing means null,
/// or NaN in a float column. `columns` defaults to all, `how` to `any`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropMissing {
    /// The columns to look at (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// `any` (default) or `all`.
    #[serde(default)]
    pub how: MissingHow,
}

impl DropMissing {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let names = columns_or_all(frame, &self.columns)?;
        let mut to_drop: Option<BooleanChunked> = None;
        for name in &names {
            let mask = missing_mask(&frame.columns()[column_index(frame, name)?]);
            to_drop = Some(match (to_drop, self.how) {
                (None, _) => mask,
                (Some(acc), MissingHow::Any) => &acc | &mask,
                (Some(acc), MissingHow::All) => &acc & &mask,
            });
        }
        let dropped = to_drop.as_ref().map_or(0, |m| m.num_trues());
        let out = match (&to_drop, dropped) {
            (Some(mask), n) if n > 0 => frame.filter(&!mask).map_err(engine)?,
            // Nothing to drop: keep the very same buffers.
            _ => frame.clone(),
        };
        let scope = match (names.as_slice(), self.how) {
            ([one], _) => format!("a missing {one}"),
            (_, MissingHow::Any) if self.columns.is_none() => "a missing value".to_string(),
            (many, MissingHow::Any) => format!("a missing value in any of {}", list_names(many)),
            (many, MissingHow::All) => {
                format!("every one of {} missing", plural(many.len(), "column"))
            }
        };
        let summary = format!(
            "Dropped {} with {scope}; {} remain",
            plural(dropped, "row"),
            out.height()
        );
        Ok(applied(out, summary))
    }
}

/// `filter`: `{"where": "age > 30 AND sex = 'male'"}` keeps the rows for
/// which the SQL boolean expression (Polars SQL dialect) is true; rows where
/// it is null are dropped, as in SQL. Subqueries may read the session's
/// other tables by name. Errors: an expression that does not parse or is
/// not boolean (`ERR <engine message>`), an unknown column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// The SQL condition.
    #[serde(rename = "where")]
    pub condition: String,
}

impl Filter {
    pub(super) fn apply(&self, frame: &DataFrame, ctx: &OpContext) -> Result<Applied> {
        let out = super::sql::filter_rows(frame, &self.condition, ctx)?;
        let summary = format!(
            "Kept {} of {} rows matching {}",
            out.height(),
            frame.height(),
            super::support::one_line(&self.condition)
        );
        Ok(applied(out, summary))
    }
}

/// `sort`: `{"by": ["pclass", "fare"], "descending": [false, true],
/// "nulls_last": true}`. `by` may be one name; `descending` one bool for
/// all keys (default false) or one per key; nulls sort first unless
/// `nulls_last`. The sort is stable: equal keys keep their order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sort {
    /// The sort keys.
    pub by: OneOrMany<String>,
    /// Descending order, for all keys or per key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descending: Option<OneOrMany<bool>>,
    /// Put nulls after the values (default false: first).
    #[serde(default)]
    pub nulls_last: bool,
}

impl Sort {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let by = self.by.to_vec();
        if by.is_empty() {
            return Err(CommandError::err("'by' must not be empty"));
        }
        check_columns(frame, &by)?;
        let descending = match &self.descending {
            None => vec![false; by.len()],
            Some(OneOrMany::One(d)) => vec![*d; by.len()],
            Some(OneOrMany::Many(d)) if d.len() == by.len() => d.clone(),
            Some(OneOrMany::Many(d)) => {
                return Err(CommandError::err(format!(
                    "'descending' has {} values for {} sort columns",
                    d.len(),
                    by.len()
                )));
            }
        };
        let options = SortMultipleOptions::default()
            .with_order_descending_multi(descending.clone())
            .with_nulls_last(self.nulls_last)
            .with_maintain_order(true);
        let out = frame
            .sort(by.iter().map(String::as_str), options)
            .map_err(engine)?;
        let keys: Vec<String> = by
            .iter()
            .zip(&descending)
            .map(|(name, desc)| {
                if *desc {
                    format!("{name} descending")
                } else {
                    name.clone()
                }
            })
            .collect();
        let nulls = if self.nulls_last { ", nulls last" } else { "" };
        let summary = format!(
            "Sorted {} by {}{nulls}",
            plural(frame.height(), "row"),
            keys.join(", then ")
        );
        Ok(applied(out, summary))
    }
}

/// Which row of a group of duplicates `drop_duplicates` keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The first (default).
    #[default]
    First,
    /// The last.
    Last,
    /// None: every row that has a duplicate goes.
    None,
}

/// `drop_duplicates`: `{"columns": ["sex", "pclass"], "keep": "first"}`.
/// Rows are duplicates when equal in `columns` (default all; nulls equal
/// nulls). Kept rows stay in their original order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropDuplicates {
    /// The columns compared (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// `first` (default), `last` or `none`.
    #[serde(default)]
    pub keep: Keep,
}

impl DropDuplicates {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let names = columns_or_all(frame, &self.columns)?;
        let keep = match self.keep {
            Keep::First => UniqueKeepStrategy::First,
            Keep::Last => UniqueKeepStrategy::Last,
            Keep::None => UniqueKeepStrategy::None,
        };
        let out = frame
            .unique_stable(Some(names.as_slice()), keep, None)
            .map_err(engine)?;
        let removed = frame.height() - out.height();
        let out = if removed == 0 { frame.clone() } else { out };
        let scope = match &self.columns {
            Some(_) => format!(" (compared on {})", list_names(&names)),
            None => String::new(),
        };
        let summary = format!(
            "Removed {}{scope}; {} remain",
            plural(removed, "duplicate row"),
            out.height()
        );
        Ok(applied(out, summary))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::testdata::{apply_json, raw_column, raw_text, titanic};

    #[test]
    fn drop_missing_any_and_all() {
        let df = titanic();
        // Rows with any empty field, counted on the raw text: a line has an
        // empty field when it has ",," or starts/ends with a comma.
        let text = raw_text("titanic.csv");
        let rows: Vec<&str> = text.lines().skip(1).collect();
        let with_gap = rows
            .iter()
            .filter(|l| l.contains(",,") || l.starts_with(',') || l.ends_with(','))
            .count();
        let out = apply_json(&df, r#"{"action":"drop_missing","params":{}}"#).unwrap();
        assert_eq!(out.frame.height(), 891 - with_gap);
        assert_eq!(
            out.change_summary,
            format!(
                "Dropped {with_gap} rows with a missing value; {} remain",
                891 - with_gap
            )
        );
        let out = apply_json(
            &df,
            r#"{"action":"drop_missing","params":{"columns":["age","deck"],"how":"all"}}"#,
        )
        .unwrap();
        let ages = raw_column("titanic.csv", "age");
        let decks = raw_column("titanic.csv", "deck");
        let both = ages
            .iter()
            .zip(&decks)
            .filter(|(a, d)| a.is_empty() && d.is_empty())
            .count();
        assert_eq!(out.frame.height(), 891 - both);
        let out = apply_json(
            &df,
            r#"{"action":"drop_missing","params":{"columns":["embarked"]}}"#,
        )
        .unwrap();
        assert_eq!(
            out.change_summary,
            "Dropped 2 rows with a missing embarked; 889 remain"
        );
    }

    #[test]
    fn filter_keeps_matching_rows() {
        let df = titanic();
        let ages = raw_column("titanic.csv", "age");
        let expected = ages
            .iter()
            .filter(|a| a.is_empty() || a.parse::<f64>().unwrap() > 30.0)
            .count();
        let out = apply_json(
            &df,
            r#"{"action":"filter","params":{"where":"age > 30 OR age IS NULL"}}"#,
        )
        .unwrap();
        assert_eq!(out.frame.height(), expected);
        assert_eq!(
            out.change_summary,
            format!("Kept {expected} of 891 rows matching age > 30 OR age IS NULL")
        );
        let sexes = raw_column("titanic.csv", "sex");
        let males_over_30 = ages
            .iter()
            .zip(&sexes)
            .filter(|(a, s)| !a.is_empty() && a.parse::<f64>().unwrap() > 30.0 && *s == "male")
            .count();
        let out = apply_json(
            &df,
            r#"{"action":"filter","params":{"where":"age > 30 AND sex = 'male'"}}"#,
        )
        .unwrap();
        assert_eq!(out.frame.height(), males_over_30);
    }

    #[test]
    fn filter_errors_are_single_line() {
        let df = titanic();
        for bad in [
            "agee > 3",
            "age >",
            "age + 1",
            "1=1) OR (1=1",
            "age > 1 ORDER BY fare",
        ] {
            let json = format!(r#"{{"action":"filter","params":{{"where":"{bad}"}}}}"#);
            let e = apply_json(&df, &json).unwrap_err();
            assert!(e.0.starts_with("ERR "), "{bad}: {e}");
            assert!(!e.0.contains('\n') && !e.0.contains('\r'), "{bad}: {e}");
        }
    }

    #[test]
    fn sort_descending_with_nulls_last_is_stable() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"sort","params":{"by":"age","descending":true,"nulls_last":true}}"#,
        )
        .unwrap();
        assert_eq!(
            out.change_summary,
            "Sorted 891 rows by age descending, nulls last"
        );
        let ages: Vec<Option<f64>> = out
            .frame
            .column("age")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        let max = raw_column("titanic.csv", "age")
            .iter()
            .filter(|a| !a.is_empty())
            .map(|a| a.parse::<f64>().unwrap())
            .fold(f64::MIN, f64::max);
        assert_eq!(ages[0], Some(max));
        assert!(ages[714..].iter().all(|a| a.is_none()));
        let e = apply_json(
            &df,
            r#"{"action":"sort","params":{"by":["age","fare"],"descending":[true]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "ERR 'descending' has 1 values for 2 sort columns");
    }

    #[test]
    fn drop_duplicates_counts_like_raw_lines() {
        let df = titanic();
        let text = raw_text("titanic.csv");
        let mut seen = HashSet::new();
        let distinct: Vec<&str> = text.lines().skip(1).filter(|l| seen.insert(*l)).collect();
        let removed = 891 - distinct.len();
        let out = apply_json(&df, r#"{"action":"drop_duplicates","params":{}}"#).unwrap();
        assert_eq!(
            out.change_summary,
            format!(
                "Removed {removed} duplicate rows; {} remain",
                distinct.len()
            )
        );
        // Order is stable: the first kept rows are the first distinct lines.
        let fares = raw_column("titanic.csv", "fare");
        let first_fare: f64 = fares[0].parse().unwrap();
        assert_eq!(
            out.frame.column("fare").unwrap().f64().unwrap().get(0),
            Some(first_fare)
        );

        let out = apply_json(
            &df,
            r#"{"action":"drop_duplicates","params":{"columns":["sex","pclass"],"keep":"last"}}"#,
        )
        .unwrap();
        assert_eq!(out.frame.height(), 6);
        let out = apply_json(
            &df,
            r#"{"action":"drop_duplicates","params":{"columns":["sex"],"keep":"none"}}"#,
        )
        .unwrap();
        assert_eq!(out.frame.height(), 0);
    }
}
