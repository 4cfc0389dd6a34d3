//! Encoding frames for `FRAME.ROWS` and `FRAME.EXPORT`, and where an export
//! file may go.
//!
//! Text formats (CSV, JSON, NDJSON) write dates and datetimes as ISO 8601
//! text (`2017-01-01T06:00:42`), the same in every format. Arrow IPC is
//! written at Polars' oldest compatibility level (plain `large_utf8`
//! strings rather than string views) so any pyarrow or Arrow reader can
//! read it.

use std::path::{Component, Path, PathBuf};

use polars::prelude::*;

use super::dtype::temporal_as_iso_text;
use super::engine_error;
use crate::error::{CommandError, Result};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    Csv,
    Json,
    Ndjson,
    Parquet,
    /// Arrow IPC stream format (`FRAME.ROWS`).
    IpcStream,
    /// Arrow IPC file format (`FRAME.EXPORT`; a `.arrow` / Feather v2 file).
    IpcFile,
}

impl OutFormat {
    /// `FRAME.ROWS FORMAT json|csv|ipc`.
    pub fn for_rows(word: &str) -> Result<OutFormat> {
        match word.to_ascii_lowercase().as_str() {
            "json" => Ok(OutFormat::Json),
            "csv" => Ok(OutFormat::Csv),
            "ipc" | "arrow" => Ok(OutFormat::IpcStream),
            _ => Err(CommandError::err(format!(
                "unknown format '{word}' (expected json, csv or ipc)"
            ))),
        }
    }

    /// `FRAME.EXPORT FORMAT csv|parquet|ipc|json|ndjson`.
    pub fn for_export(word: &str) -> Result<OutFormat> {
        match word.to_ascii_lowercase().as_str() {
            "csv" => Ok(OutFormat::Csv),
            "parquet" => Ok(OutFormat::Parquet),
            "ipc" | "arrow" => Ok(OutFormat::IpcFile),
            "json" => Ok(OutFormat::Json),
            "ndjson" | "jsonl" => Ok(OutFormat::Ndjson),
            _ => Err(CommandError::err(format!(
                "unknown format '{word}' (expected csv, parquet, ipc, json or ndjson)"
            ))),
        }
    }
}

/// `frame` encoded in `format`.
pub fn encode(frame: &DataFrame, format: OutFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let fail = |e: PolarsError| engine_error("cannot encode frame", e);
    match format {
        OutFormat::Csv => {
            let mut df = temporal_as_iso_text(frame).map_err(fail)?;
            CsvWriter::new(&mut out)
                .include_header(true)
                .finish(&mut df)
                .map_err(fail)?;
        }
        OutFormat::Json | OutFormat::Ndjson => {
            let mut df = temporal_as_iso_text(frame).map_err(fail)?;
            let json_format = if format == OutFormat::Json {
                JsonFormat::Json
            } else {
                JsonFormat::JsonLines
            };
            JsonWriter::new(&mut out)
                .with_json_format(json_format)
                .finish(&mut df)
                .map_err(fail)?;
            if format == OutFormat::Json && out.is_empty() {
                // No rows: still a JSON array.
                out.extend_from_slice(b"[]");
            }
        }
        OutFormat::Parquet => {
            let mut df = frame.clone();
            ParquetWriter::new(&mut out).finish(&mut df).map_err(fail)?;
        }
        OutFormat::IpcStream => {
            let mut df = frame.clone();
            IpcStreamWriter::new(&mut out)
                .with_compat_level(CompatLevel::oldest())
                .finish(&mut df)
                .map_err(fail)?;
        }
        OutFormat::IpcFile => {
            let mut df = frame.clone();
            IpcWriter::new(&mut out)
                .with_compat_level(CompatLevel::oldest())
                .finish(&mut df)
                .map_err(fail)?;
        }
    }
    Ok(out)
}

/// Where `FRAME.EXPORT ... FILE path` writes: `path` relative to
/// `export_dir` (or absolute inside it). The parent directory must exist
/// inside `export_dir` once symlinks are resolved; an existing file there
/// is replaced, unless it is a symlink.
///
/// Errors: `ERR FILE exports are disabled (set export-dir)`; `ERR path
/// '<p>' is outside export-dir`.
pub fn export_path(export_dir: &str, path: &str) -> Result<PathBuf> {
    if export_dir.is_empty() {
        return Err(CommandError::err(
            "FILE exports are disabled (set export-dir)",
        ));
    }
    let outside = || CommandError::err(format!("path '{path}' is outside export-dir"));
    let base = Path::new(export_dir)
        .canonicalize()
        .map_err(|e| CommandError::err(format!("export-dir '{export_dir}' is not usable: {e}")))?;
    let candidate = base.join(path);
    let Some(Component::Normal(file_name)) = candidate.components().next_back() else {
        return Err(outside());
    };
    let parent = candidate
        .parent()
        .ok_or_else(outside)?
        .canonicalize()
        .map_err(|e| CommandError::err(format!("cannot write '{path}': {e}")))?;
    if !parent.starts_with(&base) {
        return Err(outside());
    }
    let target = parent.join(file_name);
    if target
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink() || m.is_dir())
    {
        return Err(CommandError::err(format!(
            "cannot write '{path}': not a regular file"
        )));
    }
    Ok(target)
}

/// Writes `bytes` to `target` through a temporary file and a rename, so a
/// reader never sees half a file.
pub fn write_file(target: &Path, bytes: &[u8]) -> Result<()> {
    let fail =
        |e: std::io::Error| CommandError::err(format!("cannot write '{}': {e}", target.display()));
    let mut tmp = target.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, target).map_err(fail)
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    #[test]
    fn json_rows_are_objects_with_nulls_and_iso_dates() {
        let days =
            Int32Chunked::from_iter_options("d".into(), [Some(0), None].into_iter()).into_date();
        let mut df = df!("a" => [Some(1i64), None]).unwrap();
        df.with_column(days.into_series().into_column()).unwrap();
        let text = String::from_utf8(encode(&df, OutFormat::Json).unwrap()).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            serde_json::json!([{"a": 1, "d": "1970-01-01"}, {"a": null, "d": null}])
        );
        let empty = encode(&df.slice(5, 3), OutFormat::Json).unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&empty).unwrap(),
            serde_json::json!([])
        );
    }

    #[test]
    fn export_paths_stay_inside_the_export_dir() {
        let dir = std::env::temp_dir().join(format!("framekv-export-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let d = dir.to_str().unwrap();
        assert!(export_path(d, "out.csv").is_ok());
        assert!(export_path(d, "sub/out.csv").is_ok());
        assert!(export_path(d, "../out.csv").is_err());
        assert!(export_path(d, "/tmp/out.csv").is_err());
        assert!(export_path(d, "sub/..").is_err());
        assert!(export_path("", "x").unwrap_err().0.contains("disabled"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
