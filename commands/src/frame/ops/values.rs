//! Ops that rewrite values of named columns in place: `replace_values`
//! and `string_transform`. Other columns keep their buffers.

use std::borrow::Cow;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::Applied;
use super::convert::{convert_to, first_failure};
use super::support::{
    OneOrMany, Pairs, applied, column_index, dedup, dtype_name, engine, list_names, plural,
};
use crate::error::{CommandError, Result};

/// `replace_values`: `{"column": "sex", "mapping": {"male": "M", "female": "F"}}`.
///
/// Keys are JSON object keys, so always text: they are converted to the
/// column's dtype (`{"1": 100}` for an integer column). New values are JSON
/// values converted the same way; `null` makes the value missing. A key or
/// value that does not convert is an error naming it and the column.
/// Replacements are simultaneous (`{"a": "b", "b": "a"}` swaps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplaceValues {
    /// The column whose values are replaced.
    pub column: String,
    /// old value -> new value.
    pub mapping: Pairs<serde_json::Value>,
}

impl ReplaceValues {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let idx = column_index(frame, &self.column)?;
        if self.mapping.0.is_empty() {
            return Err(CommandError::err("'mapping' must not be empty"));
        }
        let original = frame.columns()[idx].as_materialized_series();
        // Categories are replaced as text and re-encoded afterwards.
        let work_dtype = if original.dtype().is_categorical() {
            DataType::String
        } else {
            original.dtype().clone()
        };
        let series = original.cast(&work_dtype).map_err(engine)?;
        let old: Vec<Option<String>> = self
            .mapping
            .0
            .iter()
            .map(|(k, _)| Some(k.clone()))
            .collect();
        let new: Vec<Option<String>> = self.mapping.0.iter().map(|(_, v)| json_text(v)).collect();
        let old = self
            .typed("key", &old, &work_dtype)?
            .implode()
            .map_err(engine)?;
        let new = self
            .typed("value", &new, &work_dtype)?
            .implode()
            .map_err(engine)?;
        let hits = is_in(&series, &old.clone().into_series(), false)
            .map_err(engine)?
            .num_trues();
        let replaced = replace(&series, &old, &new)
            .map_err(engine)?
            .cast(original.dtype())
            .map_err(engine)?
            .with_name(original.name().clone());
        let mut out = frame.clone();
        out.replace_column(idx, replaced.into_column())
            .map_err(engine)?;
        let summary = format!(
            "Replaced {} in {} ({})",
            plural(hits, "value"),
            self.column,
            plural(self.mapping.0.len(), "mapping")
        );
        Ok(applied(out, summary))
    }

    /// Converts keys or new values (as text, `None` for null) to `dtype`,
    /// failing on the first that does not fit.
    fn typed(&self, what: &str, values: &[Option<String>], dtype: &DataType) -> Result<Series> {
        let text = Series::new(PlSmallStr::from_static("mapping"), values);
        let typed = convert_to(&text, dtype, None).map_err(engine)?;
        if let Some(i) = first_failure(&text, &typed) {
            return Err(CommandError::err(format!(
                "mapping {what} '{}' does not fit column '{}' ({})",
                values[i].as_deref().unwrap_or("null"),
                self.column,
                dtype_name(dtype)
            )));
        }
        Ok(typed)
    }
}

/// A JSON value as the text it converts from; `None` for null. Arrays and
/// objects stay JSON text, which only a text column accepts.
fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The text transforms of `string_transform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Remove leading and trailing whitespace.
    Strip,
    /// Lower-case.
    Lower,
    /// Upper-case.
    Upper,
    /// Upper-case the first letter of each word, lower-case the rest; a word
    /// starts after anything that is neither a letter, a digit nor an
    /// apostrophe ("o'neil-smith" -> "O'neil-Smith").
    Title,
}

impl Transform {
    fn name(self) -> &'static str {
        match self {
            Transform::Strip => "strip",
            Transform::Lower => "lower",
            Transform::Upper => "upper",
            Transform::Title => "title",
        }
    }

    fn run(self, ca: &StringChunked) -> StringChunked {
        match self {
            Transform::Strip => ca.apply_mut(|s| s.trim()),
            Transform::Lower => ca.to_lowercase(),
            Transform::Upper => ca.to_uppercase(),
            Transform::Title => ca.apply_values(|s| Cow::Owned(title_case(s))),
        }
    }
}

/// Title case as documented on [`Transform::Title`].
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if in_word {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        in_word = c.is_alphanumeric() || c == '\'';
    }
    out
}

/// `string_transform`: `{"columns": ["animal_name"], "transform": "title"}`
/// (`columns` may be one name). Text and category columns only: any other
/// dtype is `ERR column 'age' is float64, not text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StringTransform {
    /// The text columns to transform.
    pub columns: OneOrMany<String>,
    /// `strip`, `lower`, `upper` or `title`.
    pub transform: Transform,
}

impl StringTransform {
    pub(super) fn apply(&self, frame: &DataFrame) -> Result<Applied> {
        let names = dedup(&self.columns.to_vec());
        if names.is_empty() {
            return Err(CommandError::err("'columns' must not be empty"));
        }
        let mut targets = Vec::with_capacity(names.len());
        for name in &names {
            let idx = column_index(frame, name)?;
            let dtype = frame.columns()[idx].dtype();
            if !(dtype.is_string() || dtype.is_categorical()) {
                return Err(CommandError::err(format!(
                    "column '{name}' is {}, not text",
                    dtype_name(dtype)
                )));
            }
            targets.push(idx);
        }
        let mut out = frame.clone();
        let mut changed = 0;
        for idx in targets {
            let original = frame.columns()[idx].as_materialized_series();
            let text = original.cast(&DataType::String).map_err(engine)?;
            let ca = text.str().map_err(engine)?;
            let result = self.transform.run(ca);
            changed += ca.not_equal_missing(&result).num_trues();
            let series = result
                .into_series()
                .cast(original.dtype())
                .map_err(engine)?
                .with_name(original.name().clone());
            out.replace_column(idx, series.into_column())
                .map_err(engine)?;
        }
        let summary = format!(
            "Applied {} to {}: {} changed",
            self.transform.name(),
            list_names(&names),
            plural(changed, "value")
        );
        Ok(applied(out, summary))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{apply_json, raw_column, same_buffers, seattlepets, titanic};
    use super::title_case;

    #[test]
    fn replace_values_maps_text_and_counts() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"replace_values","params":{"column":"sex","mapping":{"male":"M","female":"F"}}}"#,
        )
        .unwrap();
        assert_eq!(
            out.change_summary,
            "Replaced 891 values in sex (2 mappings)"
        );
        let raw = raw_column("titanic.csv", "sex");
        let males = raw.iter().filter(|s| *s == "male").count();
        let sex = out.frame.column("sex").unwrap().str().unwrap().clone();
        assert_eq!(sex.iter().filter(|s| *s == Some("M")).count(), males);
        assert!(same_buffers(
            df.column("age").unwrap(),
            out.frame.column("age").unwrap()
        ));
    }

    #[test]
    fn replace_values_types_keys_and_values() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"replace_values","params":{"column":"pclass","mapping":{"3":0,"1":null}}}"#,
        )
        .unwrap();
        let raw = raw_column("titanic.csv", "pclass");
        let thirds = raw.iter().filter(|s| *s == "3").count();
        let firsts = raw.iter().filter(|s| *s == "1").count();
        let pclass = out.frame.column("pclass").unwrap();
        assert_eq!(pclass.null_count(), firsts);
        assert_eq!(
            pclass
                .i64()
                .unwrap()
                .iter()
                .filter(|v| *v == Some(0))
                .count(),
            thirds
        );
        let e = apply_json(
            &df,
            r#"{"action":"replace_values","params":{"column":"pclass","mapping":{"3":"third"}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.0,
            "ERR mapping value 'third' does not fit column 'pclass' (int64)"
        );
        let e = apply_json(
            &df,
            r#"{"action":"replace_values","params":{"column":"pclass","mapping":{"x":1}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.0,
            "ERR mapping key 'x' does not fit column 'pclass' (int64)"
        );
    }

    #[test]
    fn string_transform_counts_changes() {
        let pets = seattlepets();
        let out = apply_json(
            &pets,
            r#"{"action":"string_transform","params":{"columns":"species","transform":"upper"}}"#,
        )
        .unwrap();
        // Every species value (Dog/Cat/Goat/Pig) changes when upper-cased.
        assert_eq!(
            out.change_summary,
            "Applied upper to species: 52519 values changed"
        );
        let e = apply_json(
            &pets,
            r#"{"action":"string_transform","params":{"columns":["rownames"],"transform":"lower"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "ERR column 'rownames' is int64, not text");
    }

    #[test]
    fn title_case_words() {
        assert_eq!(title_case("o'neil-smith JR"), "O'neil-Smith Jr");
        assert_eq!(title_case("  wall-e  "), "  Wall-E  ");
    }
}
