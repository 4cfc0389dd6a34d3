//! The command table: the single source of truth for every command's name,
//! arity, flags, ACL categories, key positions and documentation.
//!
//! `COMMAND INFO/DOCS/COUNT/LIST/GETKEYS`, arity checks, `MULTI` queueing
//! and AOF propagation all read it. Each family module registers its entries
//! with a `commands()` function; [`table`] gathers them once.

use crate::shard::SHARDS;
use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ctx::Ctx;
use crate::error::Result;
use crate::parse::Parse;
use crate::reply::Reply;

/// A command implementation: reads its arguments from the cursor, runs, and
/// returns a reply or an error. Arity has already been checked.
pub type Handler = fn(&mut Ctx, &mut Parse) -> Result<Reply>;

/// Where a command's keys are, as Redis's legacy `(first, last, step)` triple
/// (`last` negative counts from the end: -1 is the last argument), or a key
/// count argument (`EVAL script numkeys key ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    /// The command takes no keys.
    None,
    /// Keys at `first`, `first + step`, ... up to `last` (argv indexes).
    Range { first: i32, last: i32, step: i32 },
    /// `argv[numkeys_at]` holds the key count; keys start at `first`.
    Keynum {
        numkeys_at: i32,
        first: i32,
        step: i32,
    },
}

/// One Redis 7 key specification, as `COMMAND INFO` reports it: the first
/// key is argument `index` (`begin_search` by index), the keys run to
/// `lastkey` (relative to `index`; negative counts from the end) by
/// `keystep` (`find_keys` by range), with the access `flags` (`RO`, `RW`,
/// `OW`, `RM`, `access`, `update`, `insert`, `delete`, `variable_flags`)
/// and optional `notes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpecDef {
    /// Access flags, in Redis's order.
    pub flags: &'static [&'static str],
    /// Argument index of the first key.
    pub index: i32,
    /// Last key, relative to `index`; -1 is the last argument.
    pub lastkey: i32,
    /// Distance between keys.
    pub keystep: i32,
    /// Redis's free-text note on the spec; empty for none.
    pub notes: &'static str,
    /// `Some((keynumidx, firstkey))` for a `find_keys` by key count
    /// (`LMPOP numkeys key ...`): the count is argument `index + keynumidx`,
    /// the first key `index + firstkey`, then every `keystep`. `None` for a
    /// `find_keys` by range.
    pub keynum: Option<(i32, i32)>,
    /// `Some((keyword, startfrom))` for a `begin_search` by keyword (`XREAD
    /// ... STREAMS key ...`): the keys start after `keyword`, searched
    /// from argument `startfrom` (negative: from the end). `None` for a
    /// `begin_search` by `index`.
    pub keyword: Option<(&'static str, i32)>,
    /// The `find_keys` range's `limit` (`XREAD`: 2, the keys are the first
    /// half of what follows); 0 for none.
    pub limit: i32,
}

impl KeySpecDef {
    /// A range spec without notes.
    pub const fn range(
        flags: &'static [&'static str],
        index: i32,
        lastkey: i32,
        keystep: i32,
    ) -> KeySpecDef {
        KeySpecDef {
            flags,
            index,
            lastkey,
            keystep,
            notes: "",
            keynum: None,
            keyword: None,
            limit: 0,
        }
    }

    /// A spec whose keys are counted by an argument: `begin_search` at
    /// `index`, `find_keys` by `keynum` (`keynumidx`, `firstkey`, `keystep`,
    /// relative to `index`), as Redis 7 declares `LMPOP`, `ZMPOP`,
    /// `SINTERCARD`. For key-flag look-ups it covers every argument from
    /// `index` on.
    pub const fn keynum(
        flags: &'static [&'static str],
        index: i32,
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    ) -> KeySpecDef {
        KeySpecDef {
            flags,
            index,
            lastkey: -1,
            keystep,
            notes: "",
            keynum: Some((keynumidx, firstkey)),
            keyword: None,
            limit: 0,
        }
    }

    /// The same spec found by `keyword` searched from argument `startfrom`
    /// instead of by index (see [`KeySpecDef::keyword`]).
    pub const fn after_keyword(mut self, keyword: &'static str, startfrom: i32) -> KeySpecDef {
        self.keyword = Some((keyword, startfrom));
        self
    }

    /// The same spec with a `find_keys` range `limit`.
    pub const fn limit(mut self, limit: i32) -> KeySpecDef {
        self.limit = limit;
        self
    }

    /// The same spec with Redis's notes.
    pub const fn notes(mut self, notes: &'static str) -> KeySpecDef {
        self.notes = notes;
        self
    }
}

/// Declares [`Flag`] and its name table from one list, so a flag cannot
/// be added to one and missed in the other.
macro_rules! checked_flags {
    ($($flag:ident => $name:literal,)*) => {
        /// The Redis command flags that code checks (`COMMAND INFO` lists
        /// all of a command's flags from [`CommandSpec::flags`]). Each is a
        /// bit of [`CommandSpec`]'s mask, so that the checks dispatch makes
        /// on every command are a mask each, not a search of the flag names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Flag {
            $($flag,)*
        }

        impl Flag {
            /// Every checked flag with its name in Redis's flag list.
            const NAMED: &'static [(Flag, &'static str)] = &[$((Flag::$flag, $name),)*];
        }
    };
}

checked_flags! {
    Admin => "admin",
    AllowBusy => "allow_busy",
    Denyoom => "denyoom",
    Loading => "loading",
    Movablekeys => "movablekeys",
    NoAuth => "no_auth",
    NoMulti => "no_multi",
    Noscript => "noscript",
    Readonly => "readonly",
    SkipMonitor => "skip_monitor",
    SkipSlowlog => "skip_slowlog",
    Write => "write",
}

// Every flag's bit fits `CommandSpec::flag_bits`.
const _: () = assert!(Flag::NAMED.len() <= u16::BITS as usize);

impl Flag {
    /// This flag's bit in a mask.
    const fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The bits of the checked flags among `names`.
    fn bits_of(names: &[&str]) -> u16 {
        Flag::NAMED
            .iter()
            .filter(|(_, name)| names.contains(name))
            .fold(0, |bits, (flag, _)| bits | flag.bit())
    }
}

/// One command (or subcommand, named `parent|sub`).
pub struct CommandSpec {
    /// Lower-case name; `config|get` for a subcommand.
    pub name: &'static str,
    /// Redis arity: exact argument count including the name, or `-n` for at least n.
    pub arity: i32,
    /// Redis command flags (`write`, `readonly`, `denyoom`, `fast`, `admin`,
    /// `noscript`, `loading`, `stale`, `pubsub`, `blocking`, `no_auth`, ...).
    pub flags: &'static [&'static str],
    /// [`Flag`] bits of `flags`, set with them.
    pub(crate) flag_bits: u16,
    /// The top-level command's name: `name` up to any `|`.
    pub top_name: &'static str,
    /// ACL categories without the `@` (`string`, `keyspace`, `read`, `write`, ...).
    pub categories: &'static [&'static str],
    /// Key positions.
    pub keys: KeySpec,
    /// Redis 7 key specifications with their exact access flags; empty means
    /// "derive one from `keys`" (`COMMAND INFO` reads it).
    pub key_specs: &'static [KeySpecDef],
    /// Redis command tips (`nondeterministic_output`,
    /// `request_policy:multi_shard`, ...) for `COMMAND INFO`/`DOCS`.
    pub tips: &'static [&'static str],
    /// One-line summary for `COMMAND DOCS`.
    pub summary: &'static str,
    /// Syntax after the command name, for `COMMAND DOCS` and the README.
    pub syntax: &'static str,
    /// Redis version (or framekv version for `SESSION.*`/`FRAME.*`) it appeared in.
    pub since: &'static str,
    /// Command group for `COMMAND DOCS` (`string`, `generic`, `server`, `session`, `frame`, ...).
    pub group: &'static str,
    /// The implementation; `None` for a container whose subcommands do the work.
    pub handler: Option<Handler>,
    /// Subcommands (`CONFIG GET`, `CLIENT LIST`, ...).
    pub subcommands: Vec<CommandSpec>,
    /// `INFO commandstats` counters.
    pub stats: CommandStats,
}

/// Per-command counters for `INFO commandstats`, one cache line per
/// thread shard (see [`crate::shard`]): every command bumps two of them.
#[derive(Default)]
pub struct CommandStats([StatsShard; SHARDS]);

/// One shard's counters.
#[derive(Default)]
#[repr(align(64))]
struct StatsShard {
    calls: AtomicU64,
    usec: AtomicU64,
    rejected_calls: AtomicU64,
    failed_calls: AtomicU64,
}

impl CommandStats {
    fn mine(&self) -> &StatsShard {
        &self.0[crate::shard::thread_index() % SHARDS]
    }

    fn total(&self, field: impl Fn(&StatsShard) -> &AtomicU64) -> u64 {
        self.0
            .iter()
            .map(|s| field(s).load(Ordering::Relaxed))
            .sum()
    }

    /// Counts one execution (successful or failed) that took `usec` µs.
    pub fn count_call(&self, usec: u64) {
        let shard = self.mine();
        shard.calls.fetch_add(1, Ordering::Relaxed);
        shard.usec.fetch_add(usec, Ordering::Relaxed);
    }

    /// Counts a call rejected before execution (arity, auth, OOM, ACL).
    pub fn count_rejected(&self) {
        self.mine().rejected_calls.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an execution that returned an error.
    pub fn count_failed(&self) {
        self.mine().failed_calls.fetch_add(1, Ordering::Relaxed);
    }

    /// Successful and failed executions.
    pub fn calls(&self) -> u64 {
        self.total(|s| &s.calls)
    }

    /// Total execution time in microseconds.
    pub fn usec(&self) -> u64 {
        self.total(|s| &s.usec)
    }

    /// Calls rejected before execution.
    pub fn rejected_calls(&self) -> u64 {
        self.total(|s| &s.rejected_calls)
    }

    /// Executions that returned an error.
    pub fn failed_calls(&self) -> u64 {
        self.total(|s| &s.failed_calls)
    }

    /// Zeroes every counter (`CONFIG RESETSTAT`).
    pub fn reset(&self) {
        for shard in &self.0 {
            for c in [
                &shard.calls,
                &shard.usec,
                &shard.rejected_calls,
                &shard.failed_calls,
            ] {
                c.store(0, Ordering::Relaxed);
            }
        }
    }
}

impl CommandSpec {
    /// A command with no flags, categories, keys or docs; the builder methods
    /// below fill those in.
    pub fn new(name: &'static str, arity: i32, handler: Handler) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags: &[],
            flag_bits: 0,
            top_name: name.split_once('|').map_or(name, |(top, _)| top),
            categories: &[],
            keys: KeySpec::None,
            key_specs: &[],
            tips: &[],
            summary: "",
            syntax: "",
            since: "1.0.0",
            group: "generic",
            handler: Some(handler),
            subcommands: Vec::new(),
            stats: CommandStats::default(),
        }
    }

    /// A container command (`CONFIG`, `CLIENT`) dispatching to `subcommands`.
    pub fn container(name: &'static str, subcommands: Vec<CommandSpec>) -> CommandSpec {
        CommandSpec {
            handler: None,
            subcommands,
            ..CommandSpec::new(name, -2, |_, _| {
                unreachable!("containers dispatch to subcommands")
            })
        }
    }

    /// Sets the flags.
    pub fn flags(mut self, flags: &'static [&'static str]) -> Self {
        self.flags = flags;
        self.flag_bits = Flag::bits_of(flags);
        self
    }

    /// Sets the ACL categories (without `@`).
    pub fn categories(mut self, categories: &'static [&'static str]) -> Self {
        self.categories = categories;
        self
    }

    /// Keys at `first..=last` by `step` (Redis's legacy triple).
    pub fn keys(mut self, first: i32, last: i32, step: i32) -> Self {
        self.keys = KeySpec::Range { first, last, step };
        self
    }

    /// Keys counted by the argument at `numkeys_at`, starting at `first`.
    pub fn keynum(mut self, numkeys_at: i32, first: i32, step: i32) -> Self {
        self.keys = KeySpec::Keynum {
            numkeys_at,
            first,
            step,
        };
        self
    }

    /// Explicit Redis 7 key specifications (see [`CommandSpec::key_specs`]).
    pub fn key_specs(mut self, specs: &'static [KeySpecDef]) -> Self {
        self.key_specs = specs;
        self
    }

    /// Redis command tips.
    pub fn tips(mut self, tips: &'static [&'static str]) -> Self {
        self.tips = tips;
        self
    }

    /// Documentation: group, version, summary and syntax.
    pub fn doc(
        mut self,
        group: &'static str,
        since: &'static str,
        summary: &'static str,
        syntax: &'static str,
    ) -> Self {
        self.group = group;
        self.since = since;
        self.summary = summary;
        self.syntax = syntax;
        self
    }

    /// True when the command has the flag (one mask).
    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flag_bits & flag.bit() != 0
    }

    /// True when `argc` (including the name) satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = self.arity as i64;
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The argv indexes of the keys in `argv`. Out-of-range positions are
    /// skipped, so this never panics on short input.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        self.key_positions_with(argc, None)
    }

    /// Like [`CommandSpec::key_positions`], reading the key count for
    /// [`KeySpec::Keynum`] from `numkeys` (the parsed argument).
    pub fn key_positions_with(&self, argc: usize, numkeys: Option<i64>) -> Vec<usize> {
        let argc = argc as i64;
        match self.keys {
            KeySpec::None => Vec::new(),
            KeySpec::Range { first, last, step } => {
                let last = if last < 0 {
                    argc + last as i64
                } else {
                    last as i64
                };
                let step = step.max(1) as i64;
                (first as i64..=last.min(argc - 1))
                    .step_by(step as usize)
                    .filter(|&i| i >= 1)
                    .map(|i| i as usize)
                    .collect()
            }
            KeySpec::Keynum { first, step, .. } => {
                let n = numkeys.unwrap_or(0).max(0);
                (0..n)
                    .map(|k| first as i64 + k * step.max(1) as i64)
                    .take_while(|&i| i < argc)
                    .map(|i| i as usize)
                    .collect()
            }
        }
    }
}

/// All commands by lower-case name. The names are fixed, so the map uses
/// foldhash (a few nanoseconds a lookup) rather than SipHash: nothing a
/// client sends can grow it.
pub struct CommandTable {
    by_name: HashMap<&'static [u8], CommandSpec, foldhash::fast::FixedState>,
}

impl CommandTable {
    /// The top-level command named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&CommandSpec> {
        self.get_bytes(name.as_bytes())
    }

    /// The top-level command named `name` (case-insensitive ASCII; any
    /// bytes). Names are stored lower-case and clients mostly send upper
    /// case (redis-benchmark does): a short name is lower-cased on the
    /// stack, one hash lookup and no allocation per command.
    pub fn get_bytes(&self, name: &[u8]) -> Option<&CommandSpec> {
        let mut buf = [0u8; 32];
        if let Some(lower) = buf.get_mut(..name.len()) {
            lower.copy_from_slice(name);
            lower.make_ascii_lowercase();
            return self.by_name.get(&*lower);
        }
        self.by_name.get(name.to_ascii_lowercase().as_slice())
    }

    /// Every top-level command, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &CommandSpec> {
        self.by_name.values()
    }

    /// Number of top-level commands (`COMMAND COUNT`).
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Always false: the table has at least `PING`.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The command table, built once on first use.
pub fn table() -> &'static CommandTable {
    static TABLE: LazyLock<CommandTable> = LazyLock::new(|| {
        let mut by_name = HashMap::with_hasher(foldhash::fast::FixedState::default());
        for spec in crate::families::all_commands() {
            let previous = by_name.insert(spec.name.as_bytes(), spec);
            // A duplicate registration is a programming error caught by the
            // table test below, never by user input.
            assert!(previous.is_none(), "command registered twice");
        }
        CommandTable { by_name }
    });
    &TABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_bits_agree_with_the_flag_names() {
        let specs = table()
            .iter()
            .flat_map(|spec| std::iter::once(spec).chain(spec.subcommands.iter()));
        let mut seen = 0;
        for spec in specs {
            for &(flag, name) in Flag::NAMED {
                assert_eq!(
                    spec.has_flag(flag),
                    spec.flags.contains(&name),
                    "{} {name}",
                    spec.name
                );
                seen |= spec.flag_bits & flag.bit();
            }
            assert_eq!(
                spec.top_name,
                spec.name.split('|').next().unwrap_or_default()
            );
        }
        let all = Flag::NAMED
            .iter()
            .fold(0, |bits, (flag, _)| bits | flag.bit());
        assert_eq!(seen, all, "every checked flag is on some command");
    }

    #[test]
    fn every_command_is_lower_case_and_documented() {
        for spec in table().iter() {
            assert_eq!(spec.name, spec.name.to_ascii_lowercase());
            assert!(!spec.summary.is_empty(), "{} has no summary", spec.name);
            for sub in &spec.subcommands {
                assert!(
                    sub.name.starts_with(&format!("{}|", spec.name)),
                    "{}",
                    sub.name
                );
                assert!(!sub.summary.is_empty(), "{} has no summary", sub.name);
            }
        }
    }

    #[test]
    fn key_positions_follow_the_legacy_triple() {
        let mset = CommandSpec::new("mset", -3, |_, _| Ok(Reply::ok())).keys(1, -1, 2);
        assert_eq!(mset.key_positions(5), vec![1, 3]);
        let get = CommandSpec::new("get", 2, |_, _| Ok(Reply::ok())).keys(1, 1, 1);
        assert_eq!(get.key_positions(2), vec![1]);
        assert_eq!(get.key_positions(1), Vec::<usize>::new());
    }
}
