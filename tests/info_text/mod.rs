//! INFO text helpers shared by the INFO and server-command integration
//! tests: run INFO and parse its `# Section` / `field:value` text.

use std::collections::HashMap;

use redis::Connection;

/// The `INFO` text for `args` (section names; none for the default set).
pub fn info(con: &mut Connection, args: &[&str]) -> String {
    redis::cmd("INFO").arg(args).query(con).expect("INFO")
}

/// `INFO` text as section title -> (field -> value). Asserts the Redis text
/// format on the way: `# Title` headers, `field:value` lines, CRLF endings,
/// one blank line between sections.
pub fn parse_info(text: &str) -> HashMap<String, HashMap<String, String>> {
    assert!(
        text.ends_with("\r\n") || text.is_empty(),
        "INFO text ends with CRLF"
    );
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.split("\r\n") {
        if line.is_empty() {
            continue;
        }
        if let Some(title) = line.strip_prefix("# ") {
            sections.insert(title.to_string(), HashMap::new());
            current = Some(title.to_string());
            continue;
        }
        let (field, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("field:value line, got {line:?}"));
        let title = current.as_ref().expect("a field after a section header");
        sections
            .get_mut(title)
            .unwrap()
            .insert(field.to_string(), value.to_string());
    }
    sections
}
