//! ACL users from files: the config file's `user <name> <rules...>` lines
//! and the `aclfile` (`ACL LOAD` / `ACL SAVE`), in Redis 7.0's format (the
//! lines `ACL LIST` prints; a `(...)` selector spans several words).

use std::path::Path;

use super::Acl;
use super::selector::merge_selector_args;
use super::user::User;

/// Checks one `user` line's words (name, then rules). Error: Redis 7.0's
/// `Error in user declaration '<name>': <reason>`.
pub fn check_user_line(words: &[String]) -> Result<(), String> {
    let Some((name, rules)) = words.split_first() else {
        return Err("wrong number of arguments".into());
    };
    if name.is_empty() || name.contains(' ') {
        return Err(format!(
            "Error in user declaration '{name}': Usernames can't contain spaces or null characters"
        ));
    }
    User::new(name)
        .apply_all(rules)
        .map_err(|(_, reason)| format!("Error in user declaration '{name}': {reason}"))
}

/// Reads an ACL file: every non-empty line that is not a comment must be
/// `user <name> <rules...>`. Error: `<file>:<line>: <reason>`.
pub fn read(path: &Path) -> Result<Vec<Vec<String>>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("Error loading ACLs, opening file '{}': {e}", path.display()))?;
    let mut users: Vec<Vec<String>> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |reason: String| format!("{}:{}: {reason}", path.display(), index + 1);
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        if words[0] != "user" || words.len() < 2 {
            return Err(at("line should start with user keyword".into()));
        }
        let words = words[1..].to_vec();
        if merge_selector_args(&words[1..]).is_err() {
            return Err(at("Unmatched parenthesis in selector definition.".into()));
        }
        check_user_line(&words).map_err(at)?;
        if users.iter().any(|u| u[0] == words[0]) {
            return Err(at(format!("Duplicate user '{}' found", words[0])));
        }
        users.push(words);
    }
    Ok(users)
}

impl Acl {
    /// Replaces every user with the file's (a default user `on nopass ~* &*
    /// +@all` when the file has none), all or nothing. Users no longer
    /// listed are deleted; their connections are refused every command.
    pub fn load_file(&self, path: &Path) -> Result<(), String> {
        let lines = read(path)?;
        let mut users = self.users.write();
        let mut fresh: Vec<(String, User)> = Vec::new();
        if !lines.iter().any(|l| l[0] == "default") {
            fresh.push(("default".into(), User::default_user()));
        }
        for words in &lines {
            let mut user = User::new(&words[0]);
            // Checked by `read`.
            user.apply_all(&words[1..]).map_err(|(_, reason)| reason)?;
            fresh.push((words[0].clone(), user));
        }
        let keep: Vec<&String> = fresh.iter().map(|(n, _)| n).collect();
        let gone: Vec<String> = users
            .keys()
            .filter(|n| !keep.contains(n))
            .cloned()
            .collect();
        for name in gone {
            if let Some(handle) = users.remove(&name) {
                handle.mark_deleted();
            }
        }
        for (name, user) in fresh {
            match users.get(&name) {
                Some(handle) => handle.replace(user),
                None => {
                    users.insert(name, super::UserHandle::new(user));
                }
            }
        }
        Ok(())
    }

    /// Writes every user as an `ACL LIST` line to `path`, through a
    /// temporary file renamed over it.
    pub fn save_file(&self, path: &Path) -> std::io::Result<()> {
        let mut text = String::new();
        for handle in self.users() {
            text.push_str(&handle.user.read().describe());
            text.push('\n');
        }
        let temp = path.with_extension("tmp-acl");
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, path)
    }
}
