//! The ops that run Polars SQL: `filter` (a `WHERE` condition), `add_column`
//! (a projection) and `sql` (a whole query). The frame being edited is the
//! table `self`; the session's other tables are registered by name.
//!
//! Polars SQL can read files through table functions (`read_csv('/etc/...')`,
//! `read_parquet`, `read_ipc`, `read_json`); a client must not reach the
//! server's file system that way, so queries naming them are refused.

use polars::prelude::*;
use polars::sql::{SQLContext, extract_table_identifiers};
use serde::{Deserialize, Serialize};

use super::support::{applied, dtype_name, engine, one_line, plural};
use super::{Applied, OpContext};
use crate::error::{CommandError, Result};

/// The name the edited frame has in SQL.
const SELF: &str = "self";

/// Table functions of Polars SQL that read files.
const FILE_READERS: [&str; 4] = ["read_csv", "read_parquet", "read_ipc", "read_json"];

/// `add_column`: `{"name": "fare_x2", "expr": "fare * 2"}` adds a column
/// computed by an SQL expression over the frame (or overwrites the column of
/// that name, in place). An aggregate (`AVG(fare)`) or a constant fills
/// every row with its one value. Errors: an expression that does not parse,
/// an unknown column, a result of the wrong length (`ERR <engine message>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    /// The new (or overwritten) column's name.
    pub name: String,
    /// The SQL expression.
    pub expr: String,
}

impl AddColumn {
    pub(super) fn apply(&self, frame: &DataFrame, ctx: &OpContext) -> Result<Applied> {
        if self.name.is_empty() {
            return Err(CommandError::err("a column name must not be empty"));
        }
        check_expression(&self.expr)?;
        // Newlines keep a trailing `--` comment from swallowing the rest.
        let query = format!("SELECT (\n{}\n)\nFROM {SELF}", self.expr);
        let result = run_query(frame, &query, ctx)?;
        if result.width() != 1 {
            return Err(CommandError::err(format!(
                "expression gives {} columns, expected 1",
                result.width()
            )));
        }
        let column = result.columns()[0]
            .clone()
            .with_name(self.name.as_str().into());
        let column = match column.len() {
            n if n == frame.height() => column,
            1 => column.new_from_index(0, frame.height()),
            n => {
                return Err(CommandError::err(format!(
                    "expression gives {n} values for {} rows",
                    frame.height()
                )));
            }
        };
        let dtype = dtype_name(column.dtype());
        let replaced = frame.get_column_index(&self.name).is_some();
        let mut out = frame.clone();
        // with_column replaces a same-named column in place, or appends;
        // the other columns keep their buffers either way.
        out.with_column(column).map_err(engine)?;
        let verb = if replaced { "Replaced" } else { "Added" };
        let summary = format!(
            "{verb} column {} ({dtype}) = {}",
            self.name,
            one_line(&self.expr)
        );
        Ok(applied(out, summary))
    }
}

/// `sql`: `{"query": "SELECT sex, AVG(age) AS mean_age FROM self GROUP BY sex"}`
/// replaces the frame with the query's result. The query may join the
/// session's other tables by name. Only queries (`SELECT`, `WITH`, `FROM`
/// first) are accepted; file-reading table functions are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sql {
    /// The query.
    pub query: String,
}

impl Sql {
    pub(super) fn apply(&self, frame: &DataFrame, ctx: &OpContext) -> Result<Applied> {
        let first = self
            .query
            .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if !matches!(first.as_str(), "select" | "with" | "from") {
            return Err(CommandError::err(
                "sql op needs a query (SELECT ... FROM self ...)",
            ));
        }
        let out = run_query(frame, &self.query, ctx)?;
        let summary = format!(
            "Replaced the frame with the query result: {} x {} (was {} x {})",
            plural(out.height(), "row"),
            plural(out.width(), "column"),
            plural(frame.height(), "row"),
            plural(frame.width(), "column")
        );
        Ok(applied(out, summary))
    }
}

/// The rows of `frame` where `condition` is true.
pub fn filter_rows(frame: &DataFrame, condition: &str, ctx: &OpContext) -> Result<DataFrame> {
    check_expression(condition)?;
    // Newlines keep a trailing `--` comment from swallowing the ")".
    run_query(
        frame,
        &format!("SELECT * FROM {SELF} WHERE (\n{condition}\n)"),
        ctx,
    )
}

/// Checks that `expr` cannot escape the parentheses it is wrapped in:
/// parentheses balance outside string literals, quoted identifiers and
/// comments, and there is no `;`. So a condition stays a condition (no
/// `ORDER BY`, `UNION` or second statement spliced after it). The engine
/// parses the expression itself when the query runs.
fn check_expression(expr: &str) -> Result<()> {
    if expr.trim().is_empty() {
        return Err(CommandError::err("empty SQL expression"));
    }
    let unbalanced = || {
        CommandError::err(format!(
            "unbalanced parentheses in SQL expression: {}",
            one_line(expr)
        ))
    };
    let mut depth = 0usize;
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // The guard skips past the closing quote (or fails on none); a
            // doubled quote ('it''s') closes and reopens: same result.
            '\'' | '"' | '`' if !chars.by_ref().any(|q| q == c) => {
                return Err(CommandError::err(format!(
                    "unterminated {c} in SQL expression"
                )));
            }
            '-' if chars.peek() == Some(&'-') => {
                chars.by_ref().find(|&q| q == '\n');
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                if !chars
                    .by_ref()
                    .any(|q| std::mem::replace(&mut last, q) == '*' && q == '/')
                {
                    return Err(CommandError::err("unterminated comment in SQL expression"));
                }
            }
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1).ok_or_else(unbalanced)?,
            ';' => return Err(CommandError::err("';' is not allowed in an SQL expression")),
            _ => {}
        }
    }
    if depth == 0 {
        Ok(())
    } else {
        Err(unbalanced())
    }
}

/// Runs a query with `self` and the session's tables registered; refuses
/// file-reading table functions.
fn run_query(frame: &DataFrame, query: &str, ctx: &OpContext) -> Result<DataFrame> {
    check_pad_widths(query)?;
    let relations = extract_table_identifiers(query, true, true).map_err(engine)?;
    for relation in &relations {
        let reads_files = relation
            .split('.')
            .any(|part| FILE_READERS.iter().any(|f| f.eq_ignore_ascii_case(part)));
        if reads_files {
            return Err(CommandError::err(format!(
                "SQL table function '{relation}' is not allowed"
            )));
        }
    }
    let mut sql = SQLContext::new();
    // Other tables first, so that `self` always means the edited frame.
    for (name, table) in ctx.tables {
        if name != SELF {
            sql.register(name, table.clone().lazy());
        }
    }
    sql.register(SELF, frame.clone().lazy());
    sql.execute(query)
        .and_then(|lf| lf.collect())
        .map_err(engine)
}

/// Widest result `LPAD`/`RPAD` may build, in characters.
const MAX_PAD_WIDTH: u64 = 65_536;

/// Refuses `LPAD`/`RPAD` calls whose width is not an integer literal of at
/// most [`MAX_PAD_WIDTH`]. The engine builds the padded text before it
/// could fail, so `LPAD(s, 9223372036854775807)` (or a width read from a
/// column) exhausts memory, and a failed allocation aborts the whole
/// server: no `catch_unwind` stops that.
///
/// Every occurrence of the names is checked, inside literals too (a literal
/// containing `lpad(` is refused rather than risk missing a call). The
/// arguments are split at top-level commas outside quotes; a call whose
/// arguments hold `\`, `$`, `--` or `/*` is refused, since escapes,
/// dollar quotes and comments could make the engine split them otherwise.
fn check_pad_widths(query: &str) -> Result<()> {
    let lower = query.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    for name in ["lpad", "rpad"] {
        for (at, _) in lower.match_indices(name) {
            let word_start = at == 0 || !is_word_byte(bytes[at - 1]);
            let end = at + name.len();
            let word_end = end == bytes.len() || !is_word_byte(bytes[end]);
            if !(word_start && word_end) {
                continue;
            }
            let open = end + (lower[end..].len() - lower[end..].trim_start().len());
            if bytes.get(open) != Some(&b'(') {
                continue;
            }
            let width = call_args(&lower[open + 1..]).and_then(|args| {
                args.get(1)
                    .and_then(|w| w.trim().parse::<u64>().ok())
                    .filter(|&w| (2..=3).contains(&args.len()) && w <= MAX_PAD_WIDTH)
            });
            if width.is_none() {
                return Err(CommandError::err(format!(
                    "{} width must be an integer literal of at most {MAX_PAD_WIDTH}",
                    name.to_ascii_uppercase()
                )));
            }
        }
    }
    Ok(())
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The top-level arguments of a call, `text` starting after its `(`; `None`
/// when the call does not close or its arguments hold an escape, a dollar
/// quote or a comment (see [`check_pad_widths`]).
fn call_args(text: &str) -> Option<Vec<&str>> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        // Byte slices: `i` may fall inside a multi-byte character.
        let rest = &bytes[i..];
        if b == b'\\' || b == b'$' || rest.starts_with(b"--") || rest.starts_with(b"/*") {
            return None;
        }
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"' | b'`') => quote = Some(b),
            (None, b'(') => depth += 1,
            (None, b')') if depth == 0 => {
                args.push(&text[start..i]);
                return Some(args);
            }
            (None, b')') => depth -= 1,
            (None, b',') if depth == 0 => {
                args.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::super::testdata::{apply_json, raw_column, same_buffers, titanic};
    use super::super::{OpContext, apply_all, parse_ops};

    #[test]
    fn add_column_computes_and_shares_others() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"add_column","params":{"name":"fare2","expr":"fare * 2"}}"#,
        )
        .unwrap();
        assert_eq!(
            out.change_summary,
            "Added column fare2 (float64) = fare * 2"
        );
        assert_eq!(out.frame.width(), 16);
        let fares = raw_column("titanic.csv", "fare");
        let f0: f64 = fares[0].parse().unwrap();
        assert_eq!(
            out.frame.column("fare2").unwrap().f64().unwrap().get(0),
            Some(f0 * 2.0)
        );
        assert!(same_buffers(
            df.column("fare").unwrap(),
            out.frame.column("fare").unwrap()
        ));

        let out = apply_json(
            &df,
            r#"{"action":"add_column","params":{"name":"age","expr":"age > 30"}}"#,
        )
        .unwrap();
        assert_eq!(out.change_summary, "Replaced column age (bool) = age > 30");
        assert_eq!(out.frame.width(), 15);
        assert_eq!(
            out.frame.get_column_index("age"),
            df.get_column_index("age")
        );
    }

    #[test]
    fn add_column_broadcasts_aggregates() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"add_column","params":{"name":"n","expr":"COUNT(*)"}}"#,
        )
        .unwrap();
        let n = out.frame.column("n").unwrap();
        assert_eq!(n.len(), 891);
        assert_eq!(n.get(890).unwrap().extract::<i64>(), Some(891));
    }

    #[test]
    fn sql_aggregates_and_joins_other_tables() {
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"sql","params":{"query":"SELECT sex, COUNT(*) AS n FROM self GROUP BY sex ORDER BY sex"}}"#,
        )
        .unwrap();
        assert_eq!(out.frame.shape(), (2, 2));
        let raw = raw_column("titanic.csv", "sex");
        let females = raw.iter().filter(|s| *s == "female").count() as u32;
        let n = out
            .frame
            .column("n")
            .unwrap()
            .cast(&DataType::UInt32)
            .unwrap();
        assert_eq!(n.u32().unwrap().get(0), Some(females));
        assert_eq!(
            out.change_summary,
            "Replaced the frame with the query result: 2 rows x 2 columns (was 891 rows x 15 columns)"
        );

        let decks = df! { "deck" => ["A", "B"], "level" => [1i64, 2] }.unwrap();
        let tables = vec![("decks".to_string(), decks)];
        let ops = parse_ops(
            br#"{"action":"sql","params":{"query":"SELECT self.deck, decks.level FROM self JOIN decks ON self.deck = decks.deck"}}"#,
        )
        .unwrap();
        let out = apply_all(&df, &ops, &OpContext { tables: &tables }).unwrap();
        let in_a_or_b = raw_column("titanic.csv", "deck")
            .iter()
            .filter(|d| *d == "A" || *d == "B")
            .count();
        assert_eq!(out.frame.height(), in_a_or_b);
    }

    #[test]
    fn sql_refuses_file_reading_table_functions() {
        let df = titanic();
        for query in [
            "SELECT * FROM read_csv('/etc/passwd')",
            "SELECT * FROM self WHERE sex IN (SELECT column_1 FROM READ_CSV('/etc/passwd'))",
            "WITH x AS (SELECT * FROM read_parquet('/tmp/x.parquet')) SELECT * FROM x",
            "SELECT * FROM \"read_ipc\"('/tmp/x.ipc')",
            "SELECT * FROM self UNION ALL SELECT * FROM some.read_json('/tmp/x.json')",
        ] {
            let json = serde_json::json!({"action": "sql", "params": {"query": query}}).to_string();
            let e = apply_json(&df, &json).unwrap_err();
            assert!(e.0.contains("is not allowed"), "{query}: {e}");
        }
        let json = serde_json::json!({"action": "filter", "params": {
            "where": "sex IN (SELECT column_1 FROM read_csv('/etc/passwd'))"}})
        .to_string();
        let e = apply_json(&df, &json).unwrap_err();
        assert!(e.0.contains("is not allowed"), "{e}");
        let e = apply_json(
            &df,
            r#"{"action":"sql","params":{"query":"DROP TABLE self"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.0, "ERR sql op needs a query (SELECT ... FROM self ...)");
    }

    #[test]
    fn expressions_cannot_escape_their_parentheses() {
        use super::check_expression;
        assert!(check_expression("sex = ')' OR name = 'it''s'").is_ok());
        assert!(check_expression("(age > 3) -- a comment with )").is_ok());
        assert!(check_expression("age > 3 /* ) */").is_ok());
        for bad in [
            "1=1) UNION SELECT * FROM t WHERE (1=1",
            "age > 3)",
            "(age",
            "'open",
            "1; SELECT 1",
            "a /* b",
            " ",
        ] {
            assert!(check_expression(bad).is_err(), "{bad}");
        }
        let df = titanic();
        let out = apply_json(
            &df,
            r#"{"action":"filter","params":{"where":"sex = ')' OR fare > 500 -- rich"}}"#,
        )
        .unwrap();
        let rich = raw_column("titanic.csv", "fare")
            .iter()
            .filter(|f| f.parse::<f64>().unwrap() > 500.0)
            .count();
        assert_eq!(out.frame.height(), rich);
    }
}
