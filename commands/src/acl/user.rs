//! An ACL user as Redis 7.0 defines one: on/off, passwords (kept as
//! SHA-256), a root selector and `(...)` selectors (the commands, keys and
//! channels each allows, see `selector.rs`); the `ACL SETUSER` rules that
//! change it; and the line `ACL LIST` prints.

use std::sync::atomic::AtomicBool;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::Refusal;
use super::selector::{Keys, Selector, every_spec, merge_selector_args};
use crate::table::CommandSpec;

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

/// One user. A new user (as `ACL SETUSER name` makes it) is off, has no
/// password, and its root selector allows nothing.
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
    /// The permissions of the plain rules.
    pub root: Selector,
    /// The `(...)` selectors, in the order given.
    pub selectors: Vec<Selector>,
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

impl User {
    /// A new user: off, no password, no commands or keys, and no channels
    /// (all of them under `acl-pubsub-default allchannels`).
    pub fn new(name: &str) -> User {
        User {
            name: name.to_string(),
            enabled: false,
            nopass: false,
            passwords: Vec::new(),
            root: Selector::new(),
            selectors: Vec::new(),
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
        self.root.unrestricted()
    }

    /// True when the user's own rules allow every `@admin` command: it
    /// sees every session (SPEC §3).
    pub fn is_admin(&self) -> bool {
        every_spec()
            .filter(|s| s.categories.contains(&"admin"))
            .all(|s| self.root.allowed.contains(s.name))
    }

    /// True when some selector restricts keys (a check needs their names).
    pub fn restricts_keys(&self) -> bool {
        !self.root.all_keys || self.selectors.iter().any(|s| !s.all_keys)
    }

    /// Applies `rules` in order, after joining `(...)` selectors given as
    /// several words. Error: the rule that failed (none for an unbalanced
    /// selector) and Redis 7.0's reason.
    pub fn apply_all(&mut self, rules: &[String]) -> Result<(), (Option<String>, String)> {
        let merged = merge_selector_args(rules).map_err(|start| {
            let reason = format!("Unmatched parenthesis in acl selector starting at '{start}'.");
            (None, reason)
        })?;
        for rule in merged {
            self.apply(&rule)
                .map_err(|reason| (Some(rule.clone()), reason))?;
        }
        Ok(())
    }

    /// Applies one `ACL SETUSER` rule. Error: the reason Redis 7.0 gives
    /// after `ERR Error in ACL SETUSER modifier '<rule>': `.
    pub fn apply(&mut self, rule: &str) -> Result<(), String> {
        match rule.to_ascii_lowercase().as_str() {
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
            "clearselectors" => self.selectors.clear(),
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
        } else if let Some(body) = rule.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            self.selectors.push(Selector::parse(body)?);
        } else {
            self.root.apply(rule)?;
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

    /// Checks `spec` with `argv` as Redis 7.0's
    /// `ACLCheckAllUserCommandPerm`: allowed when the root or any selector
    /// allows it whole; otherwise the most telling refusal (channel over
    /// key over command; the first selector's on a tie).
    pub fn check(&self, spec: &CommandSpec, argv: &[Bytes], keys: &Keys) -> Result<(), Refusal> {
        let mut worst: Option<Refusal> = None;
        for selector in std::iter::once(&self.root).chain(&self.selectors) {
            match selector.check(spec, argv, keys) {
                Ok(()) => return Ok(()),
                Err(refusal) => {
                    if worst.as_ref().is_none_or(|w| refusal.rank() > w.rank()) {
                        worst = Some(refusal);
                    }
                }
            }
        }
        Err(worst.unwrap_or(Refusal::Command))
    }

    /// True when `password` authenticates this user. Digests are compared
    /// in constant time, as Redis's `time_independent_strcmp`.
    pub fn password_ok(&self, password: &[u8]) -> bool {
        let hash = hash_password(password);
        self.nopass || self.passwords.iter().any(|p| constant_time_eq(p, &hash))
    }

    /// The password hashes in hex.
    pub fn password_hexes(&self) -> Vec<String> {
        self.passwords.iter().map(|p| hex(p)).collect()
    }

    /// The `ACL LIST` line: `user <name> on|off [nopass] [#hash ...]`, the
    /// root selector (keys, channels, commands), then ` (...)` per
    /// selector, as Redis 7.0 prints it.
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
        parts.push(self.root.describe());
        parts.extend(self.selectors.iter().map(|s| format!("({})", s.describe())));
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::table;

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
            "user u on nopass %R~r:* %W~w:* resetchannels &chan* -@all +@read +client|id -keys"
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
        let root = &bob.root;
        assert!(root.may_run(get, &[]));
        assert!(!root.may_run(set, &[]));
        assert!(!root.may_run(table().get("keys").unwrap(), &[]));
        assert!(root.may_access_key(b"r:1", true, false));
        assert!(!root.may_access_key(b"r:1", true, true));
        assert!(root.may_access_key(b"w:1", false, true));
        assert!(!root.may_access_key(b"other", true, false));
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
