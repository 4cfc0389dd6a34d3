//! `framekv-check-aof [--fix] [--yes] PATH`: checks an AOF file, or every
//! file a manifest names, and with `--fix` cuts a damaged file back to its
//! last valid record. Modelled on Redis 7's `redis-check-aof`.
//!
//! `PATH` ending in `.manifest` means the base and incremental files it lists
//! (relative to the manifest's directory), checked in order; otherwise it is
//! one AOF file. Output, one line per file checked (stdout: this is a
//! command-line tool whose result is its output, so no `tracing`):
//!
//! ```text
//! AOF <path> is valid
//! AOF <path> format error: <reason> at offset <n>
//! AOF <path> has a truncated tail at offset <n> (<k> bytes)
//! ```
//!
//! With `--fix`, a bad file that may be cut (a single file, or the last file
//! of a manifest) is shrunk after asking `Continue? [y/N]: ` on stdin
//! (`--yes` skips the question). A torn file that is not the last of a
//! manifest is not fixed: later files were written after it, so cutting it
//! would replay them against missing data.
//!
//! Exit status: 0 when every file is valid or was fixed; 1 on a bad file left
//! as is, an aborted fix, a usage or I/O error.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use persistence::loader::{self, CheckReport};
use persistence::manifest::Manifest;
use persistence::record::Tail;

const USAGE: &str = "Usage: framekv-check-aof [--fix] [--yes] <file.aof|file.manifest>";

struct Options {
    fix: bool,
    yes: bool,
    path: PathBuf,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut fix, mut yes, mut path) = (false, false, None);
    for arg in args {
        match arg.as_str() {
            "--fix" => fix = true,
            "--yes" | "-y" => yes = true,
            "-h" | "--help" => return Err("framekv-check-aof: check or repair an AOF".into()),
            flag if flag.starts_with("--") => return Err(format!("Unknown option {flag}")),
            _ if path.is_some() => return Err("Only one path may be given".into()),
            _ => path = Some(PathBuf::from(arg)),
        }
    }
    let path = path.ok_or("Missing path")?;
    Ok(Options { fix, yes, path })
}

/// Checks every file; `Ok(true)` when all are valid or fixed.
fn run(options: &Options) -> Result<bool, String> {
    let files = files_to_check(&options.path)?;
    for (index, file) in files.iter().enumerate() {
        let is_last = index + 1 == files.len();
        let report = loader::check_file(file)
            .map_err(|e| format!("Cannot read the AOF {}: {e}", file.display()))?;
        let shown = file.display();
        match &report.tail {
            Tail::Clean => {
                println!("AOF {shown} is valid");
                continue;
            }
            Tail::Truncated { offset } => println!(
                "AOF {shown} has a truncated tail at offset {offset} ({} bytes)",
                report.file_len - report.valid_len
            ),
            Tail::Corrupt { offset, reason } => {
                println!("AOF {shown} format error: {reason} at offset {offset}")
            }
        }
        if !options.fix {
            return Ok(false);
        }
        if !is_last {
            println!(
                "AOF {shown} is not the last file of the manifest: it cannot be fixed by cutting it"
            );
            return Ok(false);
        }
        return fix(file, &report, options.yes);
    }
    Ok(true)
}

/// The file itself, or the base and incremental files of a manifest.
fn files_to_check(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.to_string_lossy().ends_with(".manifest") {
        return Ok(vec![path.to_path_buf()]);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("Cannot read the manifest {}: {e}", path.display()))?;
    let manifest = Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    Ok(manifest
        .base
        .iter()
        .chain(&manifest.incrs)
        .map(|entry| dir.join(&entry.name))
        .collect())
}

/// Asks (unless `yes`), then cuts `file` to its valid prefix and fsyncs it.
fn fix(file: &Path, report: &CheckReport, yes: bool) -> Result<bool, String> {
    let shown = file.display();
    println!(
        "This will shrink the AOF {shown} from {} bytes, with {} bytes, to {} bytes",
        report.file_len,
        report.file_len - report.valid_len,
        report.valid_len
    );
    if !yes && !confirm()? {
        println!("Aborting...");
        return Ok(false);
    }
    loader::truncate_file(file, report.valid_len)
        .map_err(|e| format!("Failed to truncate AOF {shown}: {e}"))?;
    println!("Successfully truncated AOF {shown}");
    Ok(true)
}

/// Prints `Continue? [y/N]: ` and reads one line: `y` or `yes` (any case).
fn confirm() -> Result<bool, String> {
    print!("Continue? [y/N]: ");
    io::stdout().flush().map_err(|e| e.to_string())?;
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer == "y" || answer == "yes")
}
