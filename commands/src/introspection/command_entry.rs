//! The `COMMAND INFO` and `COMMAND DOCS` entries of one command, built from
//! its [`CommandSpec`], in Redis 7.0's shapes.

use crate::reply::Reply;
use crate::table::{CommandSpec, Flag, KeySpec, KeySpecDef, table};

use super::docs_args;

/// The command (`get`) or subcommand (`config|get`) named `name`,
/// case-insensitive.
pub fn lookup(name: &str) -> Option<&'static CommandSpec> {
    let lower = name.to_ascii_lowercase();
    match lower.split_once('|') {
        None => table().get(&lower),
        Some((parent, _)) => table()
            .get(parent)?
            .subcommands
            .iter()
            .find(|s| s.name == lower),
    }
}

/// A `COMMAND INFO` entry: `[name, arity, flags, first key, last key, step,
/// ACL categories, tips, key specifications, subcommands]`.
///
/// Flags, categories (with `@`), tips and key specifications are RESP3
/// sets; subcommands an array of entries of the same shape (an empty set
/// when there are none, as Redis 7.0 sends it). Commands whose
/// keys are counted by an argument (`EVAL`) report `0, 0, 0` as the legacy
/// triple and the `movablekeys` flag, as Redis 7.0.
pub fn info_entry(spec: &CommandSpec) -> Reply {
    let (first, last, step) = match spec.keys {
        KeySpec::Range { first, last, step } => (first, last, step),
        KeySpec::None | KeySpec::Keynum { .. } => (0, 0, 0),
    };
    let mut flags: Vec<Reply> = spec
        .flags
        .iter()
        .map(|f| Reply::Status((*f).into()))
        .collect();
    if matches!(spec.keys, KeySpec::Keynum { .. }) && !spec.has_flag(Flag::Movablekeys) {
        flags.push(Reply::Status("movablekeys".into()));
    }
    let categories = spec
        .categories
        .iter()
        .map(|c| Reply::Status(format!("@{c}").into()))
        .collect();
    let key_specs = if spec.key_specs.is_empty() {
        key_spec(spec).into_iter().collect()
    } else {
        spec.key_specs.iter().map(explicit_key_spec).collect()
    };
    let tips = spec
        .tips
        .iter()
        .map(|t| Reply::text((*t).to_string()))
        .collect();
    // Redis 7.0 sends no subcommands as an empty set, and some as an array.
    let subcommands = if spec.subcommands.is_empty() {
        Reply::Set(Vec::new())
    } else {
        Reply::Array(spec.subcommands.iter().map(info_entry).collect())
    };
    Reply::Array(vec![
        Reply::text(spec.name),
        Reply::Integer(spec.arity as i64),
        Reply::Set(flags),
        Reply::Integer(first as i64),
        Reply::Integer(last as i64),
        Reply::Integer(step as i64),
        Reply::Set(categories),
        Reply::Set(tips),
        Reply::Set(key_specs),
        subcommands,
    ])
}

/// The access flags of a command's keys (`COMMAND GETKEYSANDFLAGS`, key
/// specifications): `RO access` for read-only commands, otherwise Redis's
/// worst case `RW access update`.
pub fn key_flags(spec: &CommandSpec) -> &'static [&'static str] {
    if spec.has_flag(Flag::Readonly) && !spec.has_flag(Flag::Write) {
        &["RO", "access"]
    } else {
        &["RW", "access", "update"]
    }
}

/// The access flags of the key at argv index `pos` in a command line of
/// `argc` arguments (`COMMAND GETKEYSANDFLAGS`): those of the explicit key
/// specification whose range holds `pos` (as Redis 7.0 reports them), else
/// the derived [`key_flags`].
pub fn key_flags_at(spec: &CommandSpec, argc: usize, pos: usize) -> &'static [&'static str] {
    let (argc, pos) = (argc as i64, pos as i64);
    let covering = spec.key_specs.iter().find(|def| {
        let first = def.index as i64;
        let last = if def.lastkey < 0 {
            argc + def.lastkey as i64
        } else {
            first + def.lastkey as i64
        };
        let step = def.keystep.max(1) as i64;
        (first..=last).contains(&pos) && (pos - first) % step == 0
    });
    match covering.or(spec.key_specs.first()) {
        Some(def) => def.flags,
        None => key_flags(spec),
    }
}

/// A key specification declared in the command table (Redis 7's own
/// `begin_search` index and `find_keys` range or key count, with its access
/// flags).
fn explicit_key_spec(def: &KeySpecDef) -> Reply {
    let flags = Reply::Set(
        def.flags
            .iter()
            .map(|f| Reply::Status((*f).into()))
            .collect(),
    );
    let mut fields = Vec::new();
    if !def.notes.is_empty() {
        fields.push(("notes", Reply::text(def.notes)));
    }
    fields.push(("flags", flags));
    let begin_search = match def.keyword {
        Some((keyword, startfrom)) => Reply::map_of(vec![
            ("type", Reply::text("keyword")),
            (
                "spec",
                Reply::map_of(vec![
                    ("keyword", Reply::text(keyword)),
                    ("startfrom", Reply::Integer(startfrom as i64)),
                ]),
            ),
        ]),
        None => Reply::map_of(vec![
            ("type", Reply::text("index")),
            (
                "spec",
                Reply::map_of(vec![("index", Reply::Integer(def.index as i64))]),
            ),
        ]),
    };
    fields.push(("begin_search", begin_search));
    let find_keys = match def.keynum {
        Some((keynumidx, firstkey)) => Reply::map_of(vec![
            ("type", Reply::text("keynum")),
            (
                "spec",
                Reply::map_of(vec![
                    ("keynumidx", Reply::Integer(keynumidx as i64)),
                    ("firstkey", Reply::Integer(firstkey as i64)),
                    ("keystep", Reply::Integer(def.keystep as i64)),
                ]),
            ),
        ]),
        None => Reply::map_of(vec![
            ("type", Reply::text("range")),
            (
                "spec",
                Reply::map_of(vec![
                    ("lastkey", Reply::Integer(def.lastkey as i64)),
                    ("keystep", Reply::Integer(def.keystep as i64)),
                    ("limit", Reply::Integer(def.limit as i64)),
                ]),
            ),
        ]),
    };
    fields.push(("find_keys", find_keys));
    Reply::map_of(fields)
}

/// The Redis 7 key specification derived from the legacy key positions:
/// `begin_search` by index, then `find_keys` by range (`lastkey` relative
/// to the first key, or negative from the end) or by key count.
fn key_spec(spec: &CommandSpec) -> Option<Reply> {
    let flags = Reply::Set(
        key_flags(spec)
            .iter()
            .map(|f| Reply::Status((*f).into()))
            .collect(),
    );
    let (index, find_keys) = match spec.keys {
        KeySpec::None => return None,
        KeySpec::Range { first, last, step } => {
            let lastkey = if last < 0 { last } else { last - first };
            let find = Reply::map_of(vec![
                ("type", Reply::text("range")),
                (
                    "spec",
                    Reply::map_of(vec![
                        ("lastkey", Reply::Integer(lastkey as i64)),
                        ("keystep", Reply::Integer(step as i64)),
                        ("limit", Reply::Integer(0)),
                    ]),
                ),
            ]);
            (first, find)
        }
        KeySpec::Keynum {
            numkeys_at,
            first,
            step,
        } => {
            let find = Reply::map_of(vec![
                ("type", Reply::text("keynum")),
                (
                    "spec",
                    Reply::map_of(vec![
                        ("keynumidx", Reply::Integer(0)),
                        ("firstkey", Reply::Integer((first - numkeys_at) as i64)),
                        ("keystep", Reply::Integer(step as i64)),
                    ]),
                ),
            ]);
            (numkeys_at, find)
        }
    };
    let begin_search = Reply::map_of(vec![
        ("type", Reply::text("index")),
        (
            "spec",
            Reply::map_of(vec![("index", Reply::Integer(index as i64))]),
        ),
    ]);
    Some(Reply::map_of(vec![
        ("flags", flags),
        ("begin_search", begin_search),
        ("find_keys", find_keys),
    ]))
}

/// A `COMMAND DOCS` entry: a map of `summary`, `since`, `group`,
/// `arguments` (derived from the syntax line, when it has any) and
/// `subcommands` (a map of name to entry, for containers).
pub fn docs_entry(spec: &CommandSpec) -> Reply {
    let mut fields = vec![
        ("summary", Reply::text(spec.summary)),
        ("since", Reply::text(spec.since)),
        ("group", Reply::text(spec.group)),
    ];
    let arguments = docs_args::arguments(spec.syntax);
    if !arguments.is_empty() {
        fields.push(("arguments", Reply::Array(arguments)));
    }
    if !spec.subcommands.is_empty() {
        let subs = spec
            .subcommands
            .iter()
            .map(|sub| (Reply::text(sub.name), docs_entry(sub)))
            .collect();
        fields.push(("subcommands", Reply::Map(subs)));
    }
    Reply::map_of(fields)
}
