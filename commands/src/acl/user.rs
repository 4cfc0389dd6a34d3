//! An ACL user as Redis 7.0 defines one: on/off, passwords (kept as
//! SHA-256), the commands it may run, the keys it may read or write and
//! the channels it may use; the `ACL SETUSER` rules that change it; and
//! the description `ACL LIST` prints.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use sha2::{Digest, Sha256};

use crate::glob::glob_match;
use crate::table::{CommandSpec, table};

/// The ACL categories, in `ACL CAT`'s order: Redis 7.0's, then framekv's
/// `session` and `frame`.
pub const CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
    "session",
    "frame",
];

/// `acl-pubsub-default allchannels`: new users may use every channel
/// (Redis 7.0's default, `resetchannels`, gives them none). One server
/// per process, so one setting.
pub static NEW_USERS_ALL_CHANNELS: AtomicBool = AtomicBool::new(false);

/// A key pattern and the access it grants (`~p` both, `%R~p`, `%W~p`).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyPattern {
    /// Glob pattern.
    pub pattern: Vec<u8>,
    /// Grants reads.
    pub read: bool,
    /// Grants writes.
    pub write: bool,
}

/// One user. A new user (as `ACL SETUSER name` makes it) is off, has no
/// password, may run no command and touch no key or channel.
#[derive(Clone, Debug)]
pub struct User {
    /// The user name.
    pub name: String,
    /// `on`: may authenticate.
    pub enabled: bool,
    /// `nopass`: any password authenticates.
    pub nopass: bool,
    /// SHA-256 of each password, in the order added.
    pub passwords: Vec<[u8; 32]>,
    /// The command rules start from `+@all` (else from `-@all`).
    all_commands_base: bool,
    /// The `+`/`-` rules given since the base, as written (lower-case).
    command_rules: Vec<String>,
    /// Every command and subcommand (`config|get`) the user may run.
    allowed: HashSet<&'static str>,
    /// `~*` / `allkeys`.
    pub all_keys: bool,
    /// Key patterns, in the order given.
    pub keys: Vec<KeyPattern>,
    /// `&*` / `allchannels`.
    pub all_channels: bool,
    /// Channel patterns, in the order given.
    pub channels: Vec<Vec<u8>>,
}

/// SHA-256 of a password.
pub fn hash_password(password: &[u8]) -> [u8; 32] {
    Sha256::digest(password).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads `#<hash>`'s 64 lower-case hex digits.
fn parse_hash(text: &str) -> Result<[u8; 32], String> {
    let valid = text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !valid {
        return Err("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters".into());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        // Valid hex digits, checked above.
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("checked hex");
    }
    Ok(out)
}

/// Compares two byte strings in time that depends only on their lengths, so
/// a wrong password's timing reveals nothing about the right one.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= (x ^ y) as usize;
    }
    diff == 0
}

/// Every command and subcommand spec of the table, with its full name.
fn every_spec() -> impl Iterator<Item = &'static CommandSpec> {
    table()
        .iter()
        .flat_map(|spec| std::iter::once(spec).chain(spec.subcommands.iter()))
}

impl User {
    /// A new user: off, no password, no commands or keys, and no channels
    /// (all of them under `acl-pubsub-default allchannels`).
    pub fn new(name: &str) -> User {
        User {
            name: name.to_string(),
            enabled: false,
            nopass: false,
            passwords: Vec::new(),
            all_commands_base: false,
            command_rules: Vec::new(),
            allowed: HashSet::new(),
            all_keys: false,
            keys: Vec::new(),
            all_channels: NEW_USERS_ALL_CHANNELS.load(Relaxed),
            channels: Vec::new(),
        }
    }

    /// Redis's default user: `on nopass ~* &* +@all`.
    pub fn default_user() -> User {
        let mut user = User::new("default");
        for rule in ["on", "nopass", "~*", "&*", "+@all"] {
            // Fixed, valid rules.
            user.apply(rule).expect("default user rules are valid");
        }
        user
    }

    /// True when no check can refuse this user anything (the fast path).
    pub fn unrestricted(&self) -> bool {
        self.all_commands_base
            && self.command_rules.is_empty()
            && self.all_keys
            && self.all_channels
    }

    /// True when the user may run every `@admin` command: it sees every
    /// session (SPEC §3).
    pub fn is_admin(&self) -> bool {
        every_spec()
            .filter(|s| s.categories.contains(&"admin"))
            .all(|s| self.allowed.contains(s.name))
    }

    /// Applies one `ACL SETUSER` rule. Error: the reason Redis 7.0 gives
    /// after `ERR Error in ACL SETUSER modifier '<rule>': `.
    pub fn apply(&mut self, rule: &str) -> Result<(), String> {
        let lower = rule.to_ascii_lowercase();
        match lower.as_str() {
            "on" => self.enabled = true,
            "off" => self.enabled = false,
            "nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            "resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            "allkeys" => return self.apply("~*"),
            "resetkeys" => {
                self.all_keys = false;
                self.keys.clear();
            }
            "allchannels" => return self.apply("&*"),
            "resetchannels" => {
                self.all_channels = false;
                self.channels.clear();
            }
            "allcommands" => return self.apply("+@all"),
            "nocommands" => return self.apply("-@all"),
            "sanitize-payload" | "skip-sanitize-payload" => {}
            "reset" => {
                let name = std::mem::take(&mut self.name);
                *self = User::new(&name);
            }
            _ => return self.apply_prefixed(rule),
        }
        Ok(())
    }

    fn apply_prefixed(&mut self, rule: &str) -> Result<(), String> {
        if let Some(password) = rule.strip_prefix('>') {
            self.add_password(hash_password(password.as_bytes()));
        } else if let Some(password) = rule.strip_prefix('<') {
            self.remove_password(&hash_password(password.as_bytes()))?;
        } else if let Some(hash) = rule.strip_prefix('#') {
            self.add_password(parse_hash(hash)?);
        } else if let Some(hash) = rule.strip_prefix('!') {
            self.remove_password(&parse_hash(hash)?)?;
        } else if let Some(pattern) = rule.strip_prefix('~') {
            self.add_key_pattern(pattern, true, true);
        } else if let Some(rest) = rule.strip_prefix('%') {
            let (perms, pattern) = rest.split_once('~').ok_or("Syntax error")?;
            let perms = perms.to_ascii_uppercase();
            if perms.is_empty() || !perms.chars().all(|c| c == 'R' || c == 'W') {
                return Err("Syntax error".into());
            }
            self.add_key_pattern(pattern, perms.contains('R'), perms.contains('W'));
        } else if let Some(pattern) = rule.strip_prefix('&') {
            if pattern == "*" {
                self.all_channels = true;
                self.channels.clear();
            } else if !self.all_channels {
                self.channels.push(pattern.as_bytes().to_vec());
            }
        } else if let Some(name) = rule.strip_prefix('+') {
            self.command_rule(name, true)?;
        } else if let Some(name) = rule.strip_prefix('-') {
            self.command_rule(name, false)?;
        } else {
            return Err("Syntax error".into());
        }
        Ok(())
    }

    fn add_password(&mut self, hash: [u8; 32]) {
        self.nopass = false;
        if !self.passwords.contains(&hash) {
            self.passwords.push(hash);
        }
    }

    fn remove_password(&mut self, hash: &[u8; 32]) -> Result<(), String> {
        let before = self.passwords.len();
        self.passwords.retain(|p| p != hash);
        if self.passwords.len() == before {
            return Err(
                "The password you are trying to remove from the user does not exist".into(),
            );
        }
        Ok(())
    }

    fn add_key_pattern(&mut self, pattern: &str, read: bool, write: bool) {
        if pattern == "*" && read && write {
            self.all_keys = true;
            self.keys.clear();
            return;
        }
        if self.all_keys {
            return;
        }
        self.keys.push(KeyPattern {
            pattern: pattern.as_bytes().to_vec(),
            read,
            write,
        });
    }

    /// `+name` / `-name`: a command, a `command|subcommand`, or `@category`.
    fn command_rule(&mut self, name: &str, allow: bool) -> Result<(), String> {
        let unknown = || "Unknown command or category name in ACL".to_string();
        let lower = name.to_ascii_lowercase();
        let specs: Vec<&'static CommandSpec> = if let Some(category) = lower.strip_prefix('@') {
            if category == "all" {
                self.all_commands_base = allow;
                self.command_rules.clear();
                self.allowed = if allow {
                    every_spec().map(|s| s.name).collect()
                } else {
                    HashSet::new()
                };
                return Ok(());
            }
            if !CATEGORIES.contains(&category) {
                return Err(unknown());
            }
            every_spec()
                .filter(|s| s.categories.contains(&category))
                .collect()
        } else if let Some((command, sub)) = lower.split_once('|') {
            let parent = table().get(command).ok_or_else(unknown)?;
            if parent.subcommands.is_empty() {
                // Redis 7.0 accepts `+get|x` on a command without
                // subcommands and ignores it.
                return Ok(());
            }
            let full = format!("{command}|{sub}");
            let spec = parent
                .subcommands
                .iter()
                .find(|s| s.name == full)
                .ok_or_else(unknown)?;
            vec![spec]
        } else {
            let spec = table().get(&lower).ok_or_else(unknown)?;
            std::iter::once(spec)
                .chain(spec.subcommands.iter())
                .collect()
        };
        for spec in specs {
            if allow {
                self.allowed.insert(spec.name);
            } else {
                self.allowed.remove(spec.name);
            }
        }
        self.command_rules
            .push(format!("{}{}", if allow { '+' } else { '-' }, lower));
        Ok(())
    }

    /// True when the user may run `spec` (a command or subcommand).
    pub fn may_run(&self, spec: &CommandSpec) -> bool {
        self.allowed.contains(spec.name)
    }

    /// True when the user may access `key` for reading and/or writing.
    pub fn may_access_key(&self, key: &[u8], read: bool, write: bool) -> bool {
        if self.all_keys {
            return true;
        }
        let (mut can_read, mut can_write) = (!read, !write);
        for p in &self.keys {
            if glob_match(&p.pattern, key, false) {
                can_read |= p.read;
                can_write |= p.write;
            }
        }
        can_read && can_write
    }

    /// True when the user may publish to or subscribe to `channel`. A
    /// `PSUBSCRIBE` pattern (`literal`) must equal an allowed pattern.
    pub fn may_access_channel(&self, channel: &[u8], literal: bool) -> bool {
        self.all_channels
            || self.channels.iter().any(|p| {
                if literal {
                    p.as_slice() == channel
                } else {
                    glob_match(p, channel, false)
                }
            })
    }

    /// True when `password` authenticates this user. Digests are compared
    /// in constant time, as Redis's `time_independent_strcmp`.
    pub fn password_ok(&self, password: &[u8]) -> bool {
        let hash = hash_password(password);
        self.nopass || self.passwords.iter().any(|p| constant_time_eq(p, &hash))
    }

    /// The command rules as `ACL GETUSER` shows them.
    pub fn commands_text(&self) -> String {
        let mut parts = vec![
            if self.all_commands_base {
                "+@all"
            } else {
                "-@all"
            }
            .to_string(),
        ];
        parts.extend(self.command_rules.iter().cloned());
        parts.join(" ")
    }

    /// The key patterns as `ACL GETUSER` shows them (`~*` for all keys).
    pub fn keys_text(&self) -> String {
        if self.all_keys {
            return "~*".into();
        }
        self.keys
            .iter()
            .map(|p| {
                let prefix = match (p.read, p.write) {
                    (true, true) => "~".to_string(),
                    (true, false) => "%R~".to_string(),
                    (false, true) => "%W~".to_string(),
                    (false, false) => "%~".to_string(),
                };
                prefix + &String::from_utf8_lossy(&p.pattern)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The channel patterns as `ACL GETUSER` shows them (`&*` for all).
    pub fn channels_text(&self) -> String {
        if self.all_channels {
            return "&*".into();
        }
        self.channels
            .iter()
            .map(|c| format!("&{}", String::from_utf8_lossy(c)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The password hashes in hex.
    pub fn password_hexes(&self) -> Vec<String> {
        self.passwords.iter().map(|p| hex(p)).collect()
    }

    /// The `ACL LIST` line: `user <name> on|off [nopass] [#hash ...] <keys>
    /// <channels> <commands>`, with `resetchannels` before the channel
    /// patterns of a user without `&*`, as Redis 7.0 prints it.
    pub fn describe(&self) -> String {
        let mut parts = vec![
            "user".to_string(),
            self.name.clone(),
            if self.enabled { "on" } else { "off" }.to_string(),
        ];
        if self.nopass {
            parts.push("nopass".into());
        }
        parts.extend(self.password_hexes().into_iter().map(|h| format!("#{h}")));
        let keys = self.keys_text();
        if !keys.is_empty() {
            parts.push(keys);
        }
        if self.all_channels {
            parts.push("&*".into());
        } else {
            parts.push("resetchannels".into());
            let channels = self.channels_text();
            if !channels.is_empty() {
                parts.push(channels);
            }
        }
        parts.push(self.commands_text());
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret1"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    fn user(rules: &[&str]) -> User {
        let mut u = User::new("u");
        for r in rules {
            u.apply(r).unwrap();
        }
        u
    }

    #[test]
    fn descriptions_match_redis_7() {
        assert_eq!(
            User::default_user().describe(),
            "user default on nopass ~* &* +@all"
        );
        assert_eq!(
            User::new("newbie").describe(),
            "user newbie off resetchannels -@all"
        );
        let alice = user(&["on", ">pw", "~cached:*", "+get", "+set"]);
        assert_eq!(
            alice.describe(),
            "user u on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 \
             ~cached:* resetchannels -@all +get +set"
        );
        let bob = user(&[
            "on",
            "nopass",
            "%R~r:*",
            "%W~w:*",
            "&chan*",
            "+@read",
            "-keys",
            "+client|id",
        ]);
        assert_eq!(
            bob.describe(),
            "user u on nopass %R~r:* %W~w:* resetchannels &chan* -@all +@read -keys +client|id"
        );
    }

    #[test]
    fn rules_grant_what_they_name() {
        let bob = user(&[
            "on",
            "nopass",
            "%R~r:*",
            "%W~w:*",
            "+@read",
            "-keys",
            "+client|id",
        ]);
        let get = table().get("get").unwrap();
        let set = table().get("set").unwrap();
        assert!(bob.may_run(get));
        assert!(!bob.may_run(set));
        assert!(!bob.may_run(table().get("keys").unwrap()));
        assert!(bob.may_access_key(b"r:1", true, false));
        assert!(!bob.may_access_key(b"r:1", true, true));
        assert!(bob.may_access_key(b"w:1", false, true));
        assert!(!bob.may_access_key(b"other", true, false));
        assert!(!bob.is_admin());
        assert!(User::default_user().is_admin());
        assert!(User::default_user().unrestricted());
    }

    #[test]
    fn bad_rules_give_redis_reasons() {
        let mut u = User::new("u");
        assert_eq!(u.apply("bogus").unwrap_err(), "Syntax error");
        assert_eq!(
            u.apply("+nosuch").unwrap_err(),
            "Unknown command or category name in ACL"
        );
        assert_eq!(
            u.apply("+@nosuch").unwrap_err(),
            "Unknown command or category name in ACL"
        );
        assert!(
            u.apply("#abc")
                .unwrap_err()
                .starts_with("The password hash must be exactly 64")
        );
        assert!(u.apply("<nope").unwrap_err().contains("does not exist"));
    }
}
