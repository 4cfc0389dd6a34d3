//! A selector as Redis 7.0 defines one: the commands a user may run, the
//! keys it may read or write and the channels it may use. Every user has a
//! root selector (its plain rules) and any number of `(...)` selectors; a
//! command runs when one of them allows the command and all its keys and
//! channels.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;

use super::Refusal;
use super::user::{CATEGORIES, NEW_USERS_ALL_CHANNELS};
use crate::glob::glob_match;
use crate::table::{CommandSpec, table};

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

/// The command resolved with its key positions in `argv`, when it names
/// keys (read once per check, shared by every selector and session access).
pub type Keys = Option<(&'static CommandSpec, Vec<usize>)>;

/// One selector. A new one (as `()` or a new user's root makes it) may run
/// no command and touch no key, and no channel unless `acl-pubsub-default`
/// is `allchannels`.
#[derive(Clone, Debug)]
pub struct Selector {
    /// The command rules start from `+@all` (else from `-@all`): the
    /// selector may run commands added later.
    pub(super) all_commands_base: bool,
    /// Every command and subcommand (`config|get`) the selector may run.
    pub(super) allowed: HashSet<&'static str>,
    /// `+select|0`: first arguments allowing a command that is otherwise
    /// refused, by command name, in the order given.
    pub(super) first_args: HashMap<&'static str, Vec<String>>,
    /// `~*` / `allkeys`.
    pub all_keys: bool,
    /// Key patterns, in the order given.
    pub keys: Vec<KeyPattern>,
    /// `&*` / `allchannels`.
    pub all_channels: bool,
    /// Channel patterns, in the order given.
    pub channels: Vec<Vec<u8>>,
}

/// Every command and subcommand spec of the table, with its full name.
pub(super) fn every_spec() -> impl Iterator<Item = &'static CommandSpec> {
    table()
        .iter()
        .flat_map(|spec| std::iter::once(spec).chain(spec.subcommands.iter()))
}

fn unknown() -> String {
    "Unknown command or category name in ACL".to_string()
}

impl Default for Selector {
    /// [`Selector::new`].
    fn default() -> Selector {
        Selector::new()
    }
}

impl Selector {
    /// A selector that allows nothing (channels per `acl-pubsub-default`).
    pub fn new() -> Selector {
        Selector {
            all_commands_base: false,
            allowed: HashSet::new(),
            first_args: HashMap::new(),
            all_keys: false,
            keys: Vec::new(),
            all_channels: NEW_USERS_ALL_CHANNELS.load(Relaxed),
            channels: Vec::new(),
        }
    }

    /// A selector made from the rules between `(` and `)` (split on
    /// spaces). Error: the reason for the first bad rule.
    pub fn parse(body: &str) -> Result<Selector, String> {
        let mut selector = Selector::new();
        for rule in body.split_whitespace() {
            selector.apply(rule)?;
        }
        Ok(selector)
    }

    /// True when the selector allows every command, key and channel.
    pub fn unrestricted(&self) -> bool {
        self.all_commands_base
            && self.all_keys
            && self.all_channels
            && every_spec().all(|s| self.allowed.contains(s.name))
    }

    /// Applies one selector rule (keys, channels, commands). Error: the
    /// reason Redis 7.0 gives.
    pub fn apply(&mut self, rule: &str) -> Result<(), String> {
        match rule.to_ascii_lowercase().as_str() {
            "allkeys" => self.add_key_pattern("*", true, true),
            "resetkeys" => {
                self.all_keys = false;
                self.keys.clear();
            }
            "allchannels" => self.add_channel("*"),
            "resetchannels" => {
                self.all_channels = false;
                self.channels.clear();
            }
            "allcommands" => self.set_all(true),
            "nocommands" => self.set_all(false),
            _ => return self.apply_prefixed(rule),
        }
        Ok(())
    }

    fn apply_prefixed(&mut self, rule: &str) -> Result<(), String> {
        if let Some(pattern) = rule.strip_prefix('~') {
            self.add_key_pattern(pattern, true, true);
        } else if let Some(rest) = rule.strip_prefix('%') {
            let (perms, pattern) = rest.split_once('~').ok_or("Syntax error")?;
            let perms = perms.to_ascii_uppercase();
            if perms.is_empty() || !perms.chars().all(|c| c == 'R' || c == 'W') {
                return Err("Syntax error".into());
            }
            self.add_key_pattern(pattern, perms.contains('R'), perms.contains('W'));
        } else if let Some(pattern) = rule.strip_prefix('&') {
            self.add_channel(pattern);
        } else if let Some(name) = rule.strip_prefix('+') {
            self.command_rule(name, true)?;
        } else if let Some(name) = rule.strip_prefix('-') {
            self.command_rule(name, false)?;
        } else {
            return Err("Syntax error".into());
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

    fn add_channel(&mut self, pattern: &str) {
        if pattern == "*" {
            self.all_channels = true;
            self.channels.clear();
        } else if !self.all_channels {
            self.channels.push(pattern.as_bytes().to_vec());
        }
    }

    /// `+@all` / `-@all`: every command, now and future; no first-args.
    pub(super) fn set_all(&mut self, allow: bool) {
        self.all_commands_base = allow;
        self.first_args.clear();
        self.allowed = if allow {
            every_spec().map(|s| s.name).collect()
        } else {
            HashSet::new()
        };
    }

    /// Allows or refuses `spec` and its subcommands, forgetting its
    /// first-args (Redis's `ACLChangeSelectorPerm`).
    pub(super) fn change(&mut self, spec: &'static CommandSpec, allow: bool) {
        self.first_args.remove(spec.name);
        for s in std::iter::once(spec).chain(spec.subcommands.iter()) {
            if allow {
                self.allowed.insert(s.name);
            } else {
                self.allowed.remove(s.name);
            }
        }
    }

    /// `+@category` / `-@category` (not `@all`).
    pub(super) fn change_category(&mut self, category: &str, allow: bool) {
        for spec in every_spec().filter(|s| s.categories.contains(&category)) {
            self.change(spec, allow);
        }
    }

    /// `+name` / `-name`: a command, a `command|subcommand`, a
    /// `command|first-arg` (allow only), or `@category`.
    fn command_rule(&mut self, name: &str, allow: bool) -> Result<(), String> {
        let lower = name.to_ascii_lowercase();
        if let Some(category) = lower.strip_prefix('@') {
            if category == "all" {
                self.set_all(allow);
            } else if CATEGORIES.contains(&category) {
                self.change_category(category, allow);
            } else {
                return Err(unknown());
            }
            return Ok(());
        }
        let Some((command, _)) = lower.split_once('|') else {
            let spec = table().get(&lower).ok_or_else(unknown)?;
            self.change(spec, allow);
            return Ok(());
        };
        let parent = table().get(command).ok_or_else(unknown)?;
        // The original case of the first-arg, as Redis keeps it.
        let first_arg = &name[command.len() + 1..];
        if allow && first_arg.is_empty() {
            return Err("Syntax error".into());
        }
        if !parent.subcommands.is_empty() || !allow {
            // `-cmd|x` names a subcommand, never a first-arg.
            let spec = parent
                .subcommands
                .iter()
                .find(|s| s.name == lower)
                .ok_or_else(unknown)?;
            self.change(spec, allow);
            return Ok(());
        }
        let args = self.first_args.entry(parent.name).or_default();
        if !args.iter().any(|a| a.eq_ignore_ascii_case(first_arg)) {
            args.push(first_arg.to_string());
        }
        Ok(())
    }

    /// True when the selector may run `spec` with `argv`: it allows the
    /// command, or the command's first argument is an allowed first-arg.
    pub fn may_run(&self, spec: &CommandSpec, argv: &[Bytes]) -> bool {
        if self.allowed.contains(spec.name) {
            return true;
        }
        let (Some(args), Some(first)) = (self.first_args.get(spec.name), argv.get(1)) else {
            return false;
        };
        args.iter()
            .any(|a| a.as_bytes().eq_ignore_ascii_case(first))
    }

    /// True when the selector may access `key` for reading and/or writing.
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

    /// True when the selector may publish to or subscribe to `channel`. A
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

    /// Checks `spec` with `argv` as Redis 7.0's `ACLSelectorCheckCmd`: the
    /// command, then its keys (read access for keys it reads, write access
    /// for keys it writes), then its channels.
    pub fn check(&self, spec: &CommandSpec, argv: &[Bytes], keys: &Keys) -> Result<(), Refusal> {
        if !self.may_run(spec, argv) {
            return Err(Refusal::Command);
        }
        if !self.all_keys
            && let Some((spec, positions)) = keys
        {
            // Redis 7.0's `setGetKeys`: SET only reads its key with GET.
            let set_without_get =
                spec.name == "set" && !argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
            for &i in positions {
                let flags = crate::introspection::key_flags_at(spec, argv.len(), i);
                let write = flags.iter().any(|f| matches!(*f, "RW" | "OW" | "RM"));
                let read = flags.iter().any(|f| matches!(*f, "RO" | "RW")) && !set_without_get;
                let read = read || !write;
                if !self.may_access_key(&argv[i], read, write) {
                    return Err(Refusal::Key(argv[i].clone()));
                }
            }
        }
        if !self.all_channels {
            let (channels, literal): (&[Bytes], bool) = match spec.name {
                "publish" | "spublish" => (&argv[1..2.min(argv.len())], false),
                "subscribe" | "ssubscribe" => (&argv[1..], false),
                "psubscribe" => (&argv[1..], true),
                _ => (&[], false),
            };
            for channel in channels {
                if !self.may_access_channel(channel, literal) {
                    return Err(Refusal::Channel(channel.clone()));
                }
            }
        }
        Ok(())
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
                    (true, true) => "~",
                    (true, false) => "%R~",
                    (false, true) => "%W~",
                    (false, false) => "%~",
                };
                format!("{prefix}{}", String::from_utf8_lossy(&p.pattern))
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

    /// The selector as `ACL LIST` prints it: keys, channels (after
    /// `resetchannels` unless `&*`), then the command rules.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
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

/// Joins the words of a `(...)` selector given as several arguments, as
/// Redis 7.0's `ACLMergeSelectorArguments`: an argument opening with `(`
/// and not closing with `)` takes the following ones, space-separated,
/// up to one that ends with `)`. Error: the argument left open.
pub fn merge_selector_args(args: &[String]) -> Result<Vec<String>, String> {
    let mut merged = Vec::new();
    let mut open: Option<(String, String)> = None;
    for arg in args {
        if arg.starts_with('(') && !arg.ends_with(')') {
            // A new opening drops one still open, as Redis does.
            open = Some((arg.clone(), arg.clone()));
            continue;
        }
        match open.take() {
            Some((start, mut joined)) => {
                joined.push(' ');
                joined.push_str(arg);
                if arg.ends_with(')') {
                    merged.push(joined);
                } else {
                    open = Some((start, joined));
                }
            }
            None => merged.push(arg.clone()),
        }
    }
    match open {
        Some((start, _)) => Err(start),
        None => Ok(merged),
    }
}
