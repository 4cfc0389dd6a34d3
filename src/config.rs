//! Start-up configuration: a `redis.conf`-syntax file, then command-line
//! overrides (`--port 7000 --bind 127.0.0.1 ::1`), applied in that order to
//! the live [`Config`] (whose directive table is [`commands::config::DIRECTIVES`]).
//!
//! File syntax, as Redis: one directive per line followed by its arguments,
//! split like `sdssplitargs` (so `"quoted \"strings\""` and `'single'` work);
//! blank lines and lines starting with `#` are skipped; directive names are
//! case-insensitive. `bind` takes several addresses; every other directive
//! exactly one value. `dir` changes the working directory immediately (as
//! Redis), so it must exist.
//!
//! Any error stops the start: [`ConfigError`] renders Redis's
//! `*** FATAL CONFIG FILE ERROR ***` block naming the file, the line and the
//! offending directive, and the binary exits with status 1.

use std::fmt;
use std::path::{Path, PathBuf};

use commands::config::{Config, directive, io_reason};

use crate::protocol::splitargs::split_args;

/// Where a bad directive came from.
#[derive(Debug)]
pub enum Origin {
    /// Line `line` (1-based) of the config file `file`.
    File { file: PathBuf, line: usize },
    /// The command-line overrides.
    CommandLine,
}

/// A configuration error that stops the server from starting.
#[derive(Debug)]
pub enum ConfigError {
    /// The config file could not be read.
    Unreadable { file: PathBuf, error: String },
    /// A directive was unknown, had the wrong number of arguments or a bad value.
    Directive {
        /// Where it was.
        origin: Origin,
        /// The offending line as written (`port abc`).
        text: String,
        /// What is wrong, in Redis's words.
        reason: String,
    },
    /// A command-line argument that is not a `--directive` nor its value.
    BadArgument(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unreadable { file, error } => {
                write!(
                    f,
                    "Fatal error, can't open config file '{}': {error}",
                    file.display()
                )
            }
            ConfigError::Directive {
                origin,
                text,
                reason,
            } => {
                writeln!(
                    f,
                    "\n*** FATAL CONFIG FILE ERROR (framekv {}) ***",
                    env!("CARGO_PKG_VERSION")
                )?;
                match origin {
                    Origin::File { file, line } => writeln!(
                        f,
                        "Reading the configuration file {}, at line {line}",
                        file.display()
                    )?,
                    Origin::CommandLine => writeln!(f, "Reading the command line arguments")?,
                }
                writeln!(f, ">>> '{text}'")?;
                write!(f, "{reason}")
            }
            ConfigError::BadArgument(arg) => {
                write!(
                    f,
                    "Invalid argument '{arg}': expected --<directive> <value> ..."
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Applies the config file (if any) and then the command-line `overrides`
/// to `config`.
pub fn load(config: &Config, file: Option<&Path>, overrides: &[String]) -> Result<(), ConfigError> {
    if let Some(file) = file {
        let text = std::fs::read(file).map_err(|e| ConfigError::Unreadable {
            file: file.to_path_buf(),
            error: e.to_string(),
        })?;
        apply_file(config, file, &text)?;
    }
    for (name, values) in group_overrides(overrides)? {
        let text = std::iter::once(name.as_str())
            .chain(values.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        apply(config, &name, &values).map_err(|reason| ConfigError::Directive {
            origin: Origin::CommandLine,
            text,
            reason,
        })?;
    }
    Ok(())
}

/// Applies every directive line of a config file's contents (`text`, read
/// from `file`, which only names the file in errors), in order, stopping at
/// the first bad line.
///
/// Errors: [`ConfigError::Directive`] naming the file, the line number and
/// Redis's reason (unbalanced quotes, a bad directive or value).
pub fn apply_file(config: &Config, file: &Path, text: &[u8]) -> Result<(), ConfigError> {
    for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = trim(raw);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let error = |reason: String| ConfigError::Directive {
            origin: Origin::File {
                file: file.to_path_buf(),
                line: index + 1,
            },
            text: String::from_utf8_lossy(line).into_owned(),
            reason,
        };
        let Some(args) = split_args(line) else {
            return Err(error("Unbalanced quotes in configuration line".into()));
        };
        let Some((name, values)) = args.split_first() else {
            continue;
        };
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        let values: Vec<String> = values
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        apply(config, &name, &values).map_err(error)?;
    }
    Ok(())
}

/// Redis's `sdstrim(line, " \t\r\n")`.
fn trim(line: &[u8]) -> &[u8] {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |i| i + 1);
    &line[start..end]
}

/// Groups `--name v1 v2 --other v` into `(name, values)` pairs.
fn group_overrides(args: &[String]) -> Result<Vec<(String, Vec<String>)>, ConfigError> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for arg in args {
        if let Some(name) = arg.strip_prefix("--").filter(|n| !n.is_empty()) {
            groups.push((name.to_ascii_lowercase(), Vec::new()));
        } else if let Some((_, values)) = groups.last_mut() {
            values.push(arg.clone());
        } else {
            return Err(ConfigError::BadArgument(arg.clone()));
        }
    }
    Ok(groups)
}

/// Validates and stores one directive. Error: Redis's reason text.
fn apply(config: &Config, name: &str, values: &[String]) -> Result<(), String> {
    if name == "user" {
        // `user <name> <rules...>`: checked now, applied when the server
        // starts (Redis 7.0's ACLAppendUserForLoading).
        commands::acl::file::check_user_line(values)?;
        config.user_lines.lock().push(values.to_vec());
        return Ok(());
    }
    let Some(spec) = directive(name) else {
        return Err("Bad directive or wrong number of arguments".into());
    };
    // `client-output-buffer-limit normal 0 0 0` takes its class's words on
    // the line (or all of them in one quoted word), as Redis.
    let value = if spec.name == "bind" || spec.name == commands::obuf::DIRECTIVE {
        if values.is_empty() {
            return Err("wrong number of arguments".into());
        }
        values.join(" ")
    } else {
        match values {
            [one] => one.clone(),
            _ => return Err("wrong number of arguments".into()),
        }
    };
    if spec.name == "dir" {
        std::env::set_current_dir(&value).map_err(|e| io_reason(&e))?;
    }
    config.set_at_startup(spec.name, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_error(text: &str) -> String {
        let config = Config::default();
        apply_file(&config, Path::new("/etc/x.conf"), text.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn file_directives_are_applied_with_quotes_and_comments() {
        let config = Config::default();
        let text = "# comment\n\n  port 7001\r\nBIND 127.0.0.1 ::1\nrequirepass \"p w\\\"d\"\nloglevel warning\n";
        apply_file(&config, Path::new("t.conf"), text.as_bytes()).unwrap();
        assert_eq!(config.get("port"), "7001");
        assert_eq!(config.get("bind"), "127.0.0.1 ::1");
        assert_eq!(config.get("requirepass"), "p w\"d");
        assert_eq!(config.get("loglevel"), "warning");
    }

    #[test]
    fn errors_name_file_line_and_directive() {
        let text = file_error("port 7001\n\nno-such-thing 1\n");
        assert!(text.contains("FATAL CONFIG FILE ERROR"), "{text}");
        assert!(text.contains("/etc/x.conf, at line 3"), "{text}");
        assert!(text.contains(">>> 'no-such-thing 1'"), "{text}");
        assert!(
            text.contains("Bad directive or wrong number of arguments"),
            "{text}"
        );
        let text = file_error("port abc\n");
        assert!(
            text.contains("line 1") && text.contains("couldn't be parsed into an integer"),
            "{text}"
        );
        assert!(file_error("port 1 2\n").contains("wrong number of arguments"));
        assert!(file_error("requirepass \"abc\n").contains("Unbalanced quotes"));
        assert!(file_error("dir /no/such/dir/anywhere\n").contains("No such file or directory"));
    }

    #[test]
    fn overrides_group_values_under_their_directive() {
        let args: Vec<String> = [
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "::1",
            "--slowlog-log-slower-than",
            "-1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let config = Config::default();
        load(&config, None, &args).unwrap();
        assert_eq!(config.get("bind"), "127.0.0.1 ::1");
        assert_eq!(config.get("slowlog-log-slower-than"), "-1");
        let bad = load(&config, None, &["--port".into(), "x".into()])
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("command line") && bad.contains(">>> 'port x'"),
            "{bad}"
        );
        assert!(matches!(
            load(&config, None, &["oops".into()]),
            Err(ConfigError::BadArgument(_))
        ));
    }
}
