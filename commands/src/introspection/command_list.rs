//! The README's list of supported commands, rendered from the command table
//! ([`crate::table::table`]) so it never drifts from what the server serves.
//!
//! `README.md` (repository root) holds the rendered text between the
//! [`BEGIN`] and [`END`] marker comments; a test fails when the two differ.
//! To regenerate the section after adding or changing commands:
//! `FRAMEKV_WRITE_README=1 cargo test -p framekv-commands readme_command_list`.

use std::collections::BTreeMap;

use crate::table::{CommandSpec, table};

/// The marker line that opens the generated section in `README.md`.
pub const BEGIN: &str = "<!-- commands:begin -->";
/// The marker line that closes the generated section in `README.md`.
pub const END: &str = "<!-- commands:end -->";

/// The doc groups in the order the README lists them, with their headings.
/// A group missing here (a new one) follows these, by name.
const GROUPS: &[(&str, &str)] = &[
    ("string", "Strings"),
    ("bitmap", "Bitmaps"),
    ("hash", "Hashes"),
    ("list", "Lists"),
    ("set", "Sets"),
    ("sorted-set", "Sorted sets"),
    ("stream", "Streams"),
    ("hyperloglog", "HyperLogLog"),
    ("generic", "Keys (generic)"),
    ("transactions", "Transactions"),
    ("pubsub", "Pub/Sub"),
    ("scripting", "Scripting"),
    ("connection", "Connection"),
    ("server", "Server"),
    ("session", "Sessions (`SESSION.*`)"),
    ("frame", "Frames (`FRAME.*`)"),
];

/// One listed command: its display name (`CLIENT LIST`), syntax after the
/// name, and summary.
struct Entry {
    name: String,
    syntax: &'static str,
    summary: &'static str,
}

/// A command's (or subcommand's) name as a client types it: upper case,
/// `client|list` as `CLIENT LIST`.
fn display_name(spec: &CommandSpec) -> String {
    spec.name.replace('|', " ").to_ascii_uppercase()
}

/// Escapes text for a markdown table cell (a `|` would end the cell, also
/// inside a code span).
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Every command by doc group: a container's subcommands are listed in its
/// place, under the container's group; each group sorted by name.
fn entries_by_group() -> BTreeMap<&'static str, Vec<Entry>> {
    let mut groups: BTreeMap<&'static str, Vec<Entry>> = BTreeMap::new();
    for spec in table().iter() {
        let listed: Vec<&CommandSpec> = if spec.subcommands.is_empty() {
            vec![spec]
        } else {
            spec.subcommands.iter().collect()
        };
        let entries = groups.entry(spec.group).or_default();
        for command in listed {
            entries.push(Entry {
                name: display_name(command),
                syntax: command.syntax,
                summary: command.summary,
            });
        }
    }
    for entries in groups.values_mut() {
        entries.sort_by(|a, b| a.name.cmp(&b.name));
    }
    groups
}

/// The markdown between the markers (the markers excluded): a count, then
/// one table a doc group (`| command | summary |`, the command with its
/// syntax in a code span). Ends with a newline.
pub fn render_command_list() -> String {
    let mut groups = entries_by_group();
    let total: usize = groups.values().map(Vec::len).sum();
    let mut order: Vec<(&str, String)> = GROUPS
        .iter()
        .filter(|(group, _)| groups.contains_key(group))
        .map(|&(group, heading)| (group, heading.to_string()))
        .collect();
    for group in groups.keys() {
        if !GROUPS.iter().any(|(known, _)| known == group) {
            order.push((group, group.to_string()));
        }
    }
    let mut text = format!(
        "<!-- Generated from the command table; do not edit by hand. Regenerate with:\n     \
         FRAMEKV_WRITE_README=1 cargo test -p framekv-commands readme_command_list -->\n\n\
         {total} commands ({} top-level, subcommands listed under their container), \
         grouped as `COMMAND DOCS` groups them.\n",
        table().len()
    );
    for (group, heading) in order {
        let Some(entries) = groups.remove(group) else {
            continue;
        };
        text.push_str(&format!(
            "\n### {heading}\n\n| command | summary |\n| --- | --- |\n"
        ));
        for entry in entries {
            let usage = if entry.syntax.is_empty() {
                entry.name
            } else {
                format!("{} {}", entry.name, entry.syntax)
            };
            text.push_str(&format!(
                "| `{}` | {} |\n",
                cell(&usage),
                cell(entry.summary)
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn readme_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md")
    }

    /// `(before, section, after)` of the README around the markers, each
    /// marker line kept with `before`/`after`.
    fn split(readme: &str) -> (&str, &str, &str) {
        let begin = readme.find(BEGIN).expect("README.md has the begin marker") + BEGIN.len();
        let begin = begin + usize::from(readme[begin..].starts_with('\n'));
        let end = begin
            + readme[begin..]
                .find(END)
                .expect("README.md has the end marker");
        (&readme[..begin], &readme[begin..end], &readme[end..])
    }

    #[test]
    fn readme_command_list_matches_the_table() {
        let path = readme_path();
        let readme = std::fs::read_to_string(&path).expect("README.md at the repository root");
        let (before, section, after) = split(&readme);
        let rendered = render_command_list();
        if std::env::var_os("FRAMEKV_WRITE_README").is_some() {
            std::fs::write(&path, format!("{before}{rendered}{after}"))
                .expect("README.md writable");
            return;
        }
        assert!(
            section == rendered,
            "README.md's command list is out of step with the command table; regenerate it with\n  \
             FRAMEKV_WRITE_README=1 cargo test -p framekv-commands readme_command_list"
        );
    }

    #[test]
    fn every_command_and_subcommand_is_listed() {
        let rendered = render_command_list();
        for spec in table().iter() {
            if spec.subcommands.is_empty() {
                assert!(rendered.contains(&format!("| `{}", display_name(spec))));
            }
            for sub in &spec.subcommands {
                assert!(rendered.contains(&format!("| `{}", display_name(sub))));
            }
        }
        assert!(rendered.contains("| `CLIENT LIST"));
        assert!(rendered.contains("### Strings"));
    }
}
