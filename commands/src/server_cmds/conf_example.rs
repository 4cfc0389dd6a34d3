//! Keeps `redis.conf.example` (repository root) in step with
//! [`crate::config::DIRECTIVES`]: every directive is listed once with its
//! default, and nothing else is.
//!
//! To regenerate the file after changing the table:
//! `FRAMEKV_WRITE_CONF_EXAMPLE=1 cargo test -p framekv-commands conf_example`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::DIRECTIVES;

use super::config_rewrite::directive_line;

const HEADER: &str = "\
# framekv configuration example.
#
# Every directive framekv understands is listed below with its default
# value, preceded by a one-line description. The syntax is redis.conf's:
# one directive per line, `name value`, words separated by spaces, values
# with spaces or special characters in double quotes (\"\" is the empty
# value), lines starting with # are comments. Memory values take Redis's
# units: 1k = 1000 bytes, 1kb = 1024 bytes, likewise m/mb and g/gb.
#
# Start the server with a file: framekv-server /path/to/framekv.conf
# Any directive can also be given on the command line, which overrides the
# file: framekv-server /path/to/framekv.conf --port 7000 --appendonly no
# Directives marked mutable in the server can be changed at run time with
# CONFIG SET, and CONFIG REWRITE writes the live values back to the file.
#
# NOTE: `appendonly yes` (with `appendfsync everysec`) is framekv's default
# on purpose and differs from Redis, whose default is `appendonly no`: a
# session store must survive a restart without extra configuration.
";

fn example_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../redis.conf.example")
}

/// The file's text, generated from the table.
fn render() -> String {
    let mut text = String::from(HEADER);
    for directive in DIRECTIVES {
        text.push('\n');
        text.push_str(&format!("# {}\n", directive.doc));
        text.push_str(&directive_line(directive.name, directive.default));
        text.push('\n');
    }
    text
}

/// Reads one value written as a bare word list or a double-quoted string
/// (the only forms the example uses).
fn unquote(raw: &str) -> String {
    let raw = raw.trim();
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => raw.to_string(),
    }
}

#[test]
fn regenerate_when_asked() {
    if std::env::var_os("FRAMEKV_WRITE_CONF_EXAMPLE").is_some() {
        std::fs::write(example_path(), render()).expect("redis.conf.example writable");
    }
}

#[test]
fn example_lists_every_directive_once_with_its_default() {
    let text =
        std::fs::read_to_string(example_path()).expect("redis.conf.example at the repository root");
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line.split_once(' ').unwrap_or((line, ""));
        let previous = listed.insert(name.to_string(), unquote(value));
        assert!(previous.is_none(), "{name} is listed twice");
    }
    let expected: BTreeMap<String, String> = DIRECTIVES
        .iter()
        .map(|d| (d.name.to_string(), d.default.to_string()))
        .collect();
    assert_eq!(
        listed, expected,
        "redis.conf.example is out of step with config::DIRECTIVES"
    );
    for directive in DIRECTIVES {
        let comment = format!("# {}", directive.doc);
        assert!(
            text.contains(&comment),
            "{} has no description line",
            directive.name
        );
    }
    assert!(
        text.contains("appendonly yes"),
        "the framekv default must be visible"
    );
}
