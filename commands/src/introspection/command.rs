//! `COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | GETKEYSANDFLAGS | HELP]`.

use std::collections::HashSet;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::glob::glob_match;
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::table::{CommandSpec, KeySpec, table};

use super::command_entry::{docs_entry, info_entry, key_flags_at, lookup};

const FLAGS: &[&str] = &["loading", "stale"];
const CATEGORIES: &[&str] = &["slow", "connection"];
/// Redis 7.0's tip for the listing subcommands: the order of entries is
/// not part of the reply's meaning.
const ORDER_TIPS: &[&str] = &["nondeterministic_output_order"];

/// `COMMAND` with its subcommands. Unlike other containers it also runs on
/// its own (`COMMAND` alone lists every command), as in Redis 7.0.
pub fn command() -> CommandSpec {
    let sub = |name, arity, handler, since, summary, syntax| {
        CommandSpec::new(name, arity, handler)
            .flags(FLAGS)
            .categories(CATEGORIES)
            .doc("server", since, summary, syntax)
    };
    let subcommands = vec![
        sub(
            "command|count",
            2,
            count,
            "2.8.13",
            "Get total number of Redis commands",
            "",
        ),
        sub(
            "command|list",
            -2,
            list,
            "7.0.0",
            "Get an array of Redis command names",
            "[FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]",
        )
        .tips(ORDER_TIPS),
        sub(
            "command|info",
            -2,
            info,
            "2.8.13",
            "Get array of specific Redis command details, or all when no argument is given.",
            "[command-name [command-name ...]]",
        )
        .tips(ORDER_TIPS),
        sub(
            "command|docs",
            -2,
            docs,
            "7.0.0",
            "Get array of specific Redis command documentation",
            "[command-name [command-name ...]]",
        )
        .tips(ORDER_TIPS),
        sub(
            "command|getkeys",
            -4,
            getkeys,
            "2.8.13",
            "Extract keys given a full Redis command",
            "command [arg [arg ...]]",
        ),
        sub(
            "command|getkeysandflags",
            -4,
            getkeysandflags,
            "7.0.0",
            "Extract keys and access flags given a full Redis command",
            "command [arg [arg ...]]",
        ),
        sub(
            "command|help",
            2,
            help,
            "5.0.0",
            "Show helpful text about the different subcommands",
            "",
        ),
    ];
    CommandSpec {
        subcommands,
        ..CommandSpec::new("command", -1, all)
            .flags(FLAGS)
            .categories(CATEGORIES)
            .doc("server", "2.8.13", "Get array of Redis command details", "")
            .tips(ORDER_TIPS)
    }
}

/// Every top-level command, sorted by name so replies are stable.
fn sorted_commands() -> Vec<&'static CommandSpec> {
    let mut specs: Vec<&CommandSpec> = table().iter().collect();
    specs.sort_by_key(|s| s.name);
    specs
}

/// `COMMAND` — a `COMMAND INFO` entry for every command.
fn all(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Array(
        sorted_commands().into_iter().map(info_entry).collect(),
    ))
}

/// `COMMAND COUNT` — the number of top-level commands (subcommands not
/// counted, as Redis 7.0).
fn count(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Integer(table().len() as i64))
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`
/// — the names of every command and subcommand (`config|get`), optionally
/// filtered. framekv has no modules, so `MODULE` lists nothing; `ACLCAT`
/// and `PATTERN` match case-insensitively.
///
/// Reply: array of bulk strings. Error: `ERR syntax error`.
fn list(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    enum Filter {
        All,
        Module,
        AclCat(String),
        Pattern(Bytes),
    }
    let filter = if args.is_empty() {
        Filter::All
    } else {
        if !args.eat_keyword("filterby") || args.remaining() != 2 {
            return Err(CommandError::syntax());
        }
        let kind = args.next_keyword()?;
        let value = args.next_bytes()?;
        match kind.as_str() {
            "MODULE" => Filter::Module,
            "ACLCAT" => Filter::AclCat(String::from_utf8_lossy(&value).to_ascii_lowercase()),
            "PATTERN" => Filter::Pattern(value),
            _ => return Err(CommandError::syntax()),
        }
    };
    let names = sorted_commands()
        .into_iter()
        .flat_map(|spec| std::iter::once(spec).chain(spec.subcommands.iter()))
        .filter(|spec| match &filter {
            Filter::All => true,
            Filter::Module => false,
            Filter::AclCat(cat) => spec.categories.iter().any(|c| c.eq_ignore_ascii_case(cat)),
            Filter::Pattern(p) => glob_match(p, spec.name.as_bytes(), true),
        })
        .map(|spec| spec.name);
    Ok(Reply::bulk_array(names))
}

/// `COMMAND INFO [command-name ...]` — entries for the named commands (or
/// subcommands, `config|get`), null for unknown names; every command when
/// none is named.
fn info(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    if args.is_empty() {
        return Ok(Reply::Array(
            sorted_commands().into_iter().map(info_entry).collect(),
        ));
    }
    let entries = args
        .rest()
        .iter()
        .map(|name| lookup(&String::from_utf8_lossy(name)).map_or(Reply::Null, info_entry))
        .collect();
    Ok(Reply::Array(entries))
}

/// `COMMAND DOCS [command-name ...]` — a map of name to documentation for
/// the named commands (unknown names left out, each name once), or for
/// every command when none is named.
fn docs(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let specs: Vec<&CommandSpec> = if args.is_empty() {
        sorted_commands()
    } else {
        let mut seen = HashSet::new();
        args.rest()
            .iter()
            .filter_map(|name| lookup(&String::from_utf8_lossy(name)))
            .filter(|spec| seen.insert(spec.name))
            .collect()
    };
    Ok(Reply::Map(
        specs
            .into_iter()
            .map(|s| (Reply::text(s.name), docs_entry(s)))
            .collect(),
    ))
}

/// `COMMAND GETKEYS command [arg ...]` — the keys a full command line names.
///
/// Reply: array of bulk strings. Errors (Redis 7.0): `ERR Invalid command
/// specified`; `ERR Invalid number of arguments specified for command`;
/// `ERR The command has no key arguments`.
fn getkeys(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let argv = args.rest();
    let (_, keys) = keys_of(&argv)?;
    Ok(Reply::bulk_array(keys.into_iter().map(|i| argv[i].clone())))
}

/// `COMMAND GETKEYSANDFLAGS command [arg ...]` — like `GETKEYS`, each key
/// paired with its access flags: `[[key, [flag ...]], ...]`.
fn getkeysandflags(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let argv = args.rest();
    let (spec, keys) = keys_of(&argv)?;
    let flags = |i| {
        Reply::Set(
            key_flags_at(spec, argv.len(), i)
                .iter()
                .map(|f| Reply::Status((*f).into()))
                .collect(),
        )
    };
    let pairs = keys
        .into_iter()
        .map(|i| Reply::Array(vec![Reply::Bulk(argv[i].clone()), flags(i)]))
        .collect();
    Ok(Reply::Array(pairs))
}

/// Resolves `argv` to its command (descending into subcommands) and returns
/// the argv indexes of its keys.
pub(crate) fn keys_of<A: AsRef<[u8]>>(argv: &[A]) -> Result<(&'static CommandSpec, Vec<usize>)> {
    let invalid = || CommandError::err("Invalid command specified");
    let name =
        String::from_utf8_lossy(argv.first().ok_or_else(invalid)?.as_ref()).to_ascii_lowercase();
    let mut spec = table().get(&name).ok_or_else(invalid)?;
    if !spec.subcommands.is_empty() && (spec.handler.is_none() || argv.len() > 1) {
        let sub = argv.get(1).ok_or_else(invalid)?;
        let full = format!(
            "{}|{}",
            spec.name,
            String::from_utf8_lossy(sub.as_ref()).to_ascii_lowercase()
        );
        spec = spec
            .subcommands
            .iter()
            .find(|s| s.name == full)
            .ok_or_else(invalid)?;
    }
    if !spec.arity_ok(argv.len()) {
        return Err(CommandError::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let keys = match spec.keys {
        KeySpec::None => return Err(CommandError::err("The command has no key arguments")),
        KeySpec::Range { .. } => spec.key_positions(argv.len()),
        KeySpec::Keynum {
            numkeys_at,
            first,
            step,
        } => {
            // Redis answers with no keys when the count is not a usable
            // number or names more keys than there are arguments.
            let numkeys = argv
                .get(numkeys_at.max(0) as usize)
                .and_then(|n| parse_i64(n.as_ref()))
                .unwrap_or(0);
            let last = first as i64 + (numkeys - 1) * step.max(1) as i64;
            if numkeys <= 0 || last >= argv.len() as i64 {
                Vec::new()
            } else {
                spec.key_positions_with(argv.len(), Some(numkeys))
            }
        }
    };
    Ok((spec, keys))
}

/// `COMMAND HELP` — Redis 7.0's help text.
fn help(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(crate::server_cmds::help_reply(&[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    ]))
}
