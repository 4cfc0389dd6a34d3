//! The `ACL` container's subcommands, with Redis 7.0's replies and error
//! texts.

use bytes::Bytes;
use rand::RngCore;

use super::selector::Selector;
use super::{Refusal, check_user, user::CATEGORIES};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, table};

/// The `ACL` container and its subcommands.
pub fn commands() -> Vec<CommandSpec> {
    const ADMIN_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];
    const ADMIN_CATS: &[&str] = &["admin", "slow", "dangerous"];
    const OPEN_FLAGS: &[&str] = &["noscript", "loading", "stale"];
    const G: &str = "server";
    let admin = |name, arity, handler, since, summary, syntax| {
        CommandSpec::new(name, arity, handler)
            .flags(ADMIN_FLAGS)
            .categories(ADMIN_CATS)
            .doc(G, since, summary, syntax)
    };
    let open = |name, arity, handler, since, summary, syntax| {
        CommandSpec::new(name, arity, handler)
            .flags(OPEN_FLAGS)
            .categories(&["slow"])
            .doc(G, since, summary, syntax)
    };
    vec![
        CommandSpec::container(
            "acl",
            vec![
                admin("acl|setuser", -3, setuser, "6.0.0", "Modify or create the rules for a specific ACL user", "username [rule [rule ...]]"),
                admin("acl|getuser", 3, getuser, "6.0.0", "Get the rules for a specific ACL user", "username"),
                admin("acl|deluser", -3, deluser, "6.0.0", "Remove the specified ACL users and the associated rules", "username [username ...]"),
                admin("acl|list", 2, list, "6.0.0", "List the current ACL rules in ACL config file format", ""),
                admin("acl|users", 2, users, "6.0.0", "List the username of all the configured ACL rules", ""),
                admin("acl|log", -2, log, "6.0.0", "List latest events denied because of ACLs in place", "[count|RESET]"),
                admin("acl|dryrun", -4, dryrun, "7.0.0", "Returns whether the user can execute the given command without executing the command.", "username command [arg [arg ...]]"),
                admin("acl|load", 2, load, "6.0.0", "Reload the ACLs from the configured ACL file", ""),
                admin("acl|save", 2, save, "6.0.0", "Save the current ACL rules in the configured ACL file", ""),
                open("acl|whoami", 2, whoami, "6.0.0", "Return the name of the user associated to the current connection", ""),
                open("acl|cat", -2, cat, "6.0.0", "List the ACL categories or the commands inside a category", "[categoryname]"),
                open("acl|genpass", -2, genpass, "6.0.0", "Generate a pseudorandom secure password to use for ACL users", "[bits]"),
                CommandSpec::new("acl|help", 2, help)
                    .flags(&["loading", "stale"])
                    .categories(&["slow"])
                    .doc(G, "6.0.0", "Show helpful text about the different subcommands", ""),
            ],
        )
        .categories(&["slow"])
        .doc(G, "6.0.0", "A container for Access List Control commands ", ""),
    ]
}

fn strings(args: Vec<Bytes>) -> Vec<String> {
    args.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// `ACL SETUSER username [rule ...]` — `+OK`. Error: `ERR Error in ACL
/// SETUSER modifier '<rule>': <reason>`; nothing changes then.
fn setuser(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let name = args.next_string()?;
    let rules = strings(args.rest());
    ctx.server.acl.set_user(&name, &rules)?;
    Ok(Reply::ok())
}

/// `ACL GETUSER username` — a map of `flags`, `passwords`, `commands`,
/// `keys`, `channels`, `selectors`; null for an unknown user.
fn getuser(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let name = args.next_string()?;
    let Some(handle) = ctx.server.acl.get(&name) else {
        return Ok(Reply::Null);
    };
    let user = handle.user.read();
    let mut flags = vec![Reply::text(if user.enabled { "on" } else { "off" })];
    if user.nopass {
        flags.push(Reply::text("nopass"));
    }
    Ok(Reply::map_of(vec![
        // A set in RESP3, as Redis 7.0 replies.
        ("flags", Reply::Set(flags)),
        (
            "passwords",
            Reply::Array(user.password_hexes().into_iter().map(Reply::text).collect()),
        ),
        ("commands", Reply::text(user.root.commands_text())),
        ("keys", Reply::text(user.root.keys_text())),
        ("channels", Reply::text(user.root.channels_text())),
        (
            "selectors",
            Reply::Array(user.selectors.iter().map(selector_map).collect()),
        ),
    ]))
}

/// One entry of `ACL GETUSER`'s `selectors`: its `commands`, `keys` and
/// `channels`.
fn selector_map(selector: &Selector) -> Reply {
    Reply::map_of(vec![
        ("commands", Reply::text(selector.commands_text())),
        ("keys", Reply::text(selector.keys_text())),
        ("channels", Reply::text(selector.channels_text())),
    ])
}

/// `ACL DELUSER username [username ...]` — how many existed. Clients
/// authenticated as a deleted user are disconnected. Error: `ERR The
/// 'default' user cannot be removed`.
fn deluser(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let names = strings(args.rest());
    if names.iter().any(|n| n == "default") {
        return Err(CommandError::err("The 'default' user cannot be removed"));
    }
    let deleted = ctx.server.acl.delete_users(&names);
    for client in ctx.server.clients.all() {
        let user = client.info.lock().user.clone();
        if deleted.iter().any(|h| h.name() == user) {
            client.kill();
        }
    }
    Ok(Reply::Integer(deleted.len() as i64))
}

/// `ACL LIST` — one `user ...` line per user, by name.
fn list(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    Ok(Reply::Array(
        ctx.server
            .acl
            .users()
            .iter()
            .map(|h| Reply::text(h.user.read().describe()))
            .collect(),
    ))
}

/// `ACL USERS` — the user names, sorted.
fn users(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    Ok(Reply::Array(
        ctx.server
            .acl
            .users()
            .iter()
            .map(|h| Reply::text(h.name()))
            .collect(),
    ))
}

/// `ACL WHOAMI` — the connection's user name.
fn whoami(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    Ok(Reply::text(ctx.client.user.clone()))
}

/// `ACL CAT [category]` — the categories, or the commands (and
/// subcommands) in one. Error: `ERR Unknown category '<name>'`.
fn cat(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let Some(category) = args.try_next() else {
        return Ok(Reply::bulk_array(CATEGORIES.iter().map(|c| c.to_string())));
    };
    let category = String::from_utf8_lossy(&category).to_ascii_lowercase();
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(CommandError::err(format!("Unknown category '{category}'")));
    }
    let names: Vec<String> = table()
        .iter()
        .flat_map(|spec| std::iter::once(spec).chain(spec.subcommands.iter()))
        .filter(|spec| spec.categories.contains(&category.as_str()))
        .map(|spec| spec.name.to_string())
        .collect();
    Ok(Reply::bulk_array(names))
}

/// `ACL GENPASS [bits]` — a random password of `bits` (default 256) bits
/// as hex. Error: Redis 7.0's for bits outside 1..=4096.
fn genpass(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let bits = match args.try_next() {
        None => 256,
        Some(raw) => crate::parse::parse_i64(&raw).ok_or_else(CommandError::not_integer)?,
    };
    if !(1..=4096).contains(&bits) {
        return Err(CommandError::err(
            "ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
        ));
    }
    let chars = (bits as usize).div_ceil(4);
    let mut bytes = vec![0u8; chars.div_ceil(2)];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Reply::text(hex[..chars].to_string()))
}

/// `ACL LOG [count | RESET]` — the newest entries (10 by default).
fn log(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let count = match args.try_next() {
        None => 10,
        Some(raw) if raw.eq_ignore_ascii_case(b"reset") => {
            ctx.server.acl.log.lock().reset();
            return Ok(Reply::ok());
        }
        Some(raw) => {
            let n = crate::parse::parse_i64(&raw).ok_or_else(CommandError::not_integer)?;
            if n < 0 {
                return Err(CommandError::not_integer());
            }
            n as usize
        }
    };
    Ok(ctx.server.acl.log.lock().reply(count))
}

/// `ACL DRYRUN username command [arg ...]` — `+OK`, or the reason as a
/// bulk string. Errors: `ERR User '<name>' not found`, unknown command,
/// wrong arity.
fn dryrun(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let name = args.next_string()?;
    let Some(handle) = ctx.server.acl.get(&name) else {
        return Err(CommandError::err(format!("User '{name}' not found")));
    };
    let argv = args.rest();
    let command = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let Some(spec) = table().get(&command) else {
        return Err(CommandError::err(format!("Command '{command}' not found")));
    };
    let spec = crate::dispatch::resolve(&argv).unwrap_or(spec);
    if !spec.arity_ok(argv.len()) {
        return Err(CommandError::err(format!(
            "wrong number of arguments for '{}' command",
            spec.name
        )));
    }
    let outcome = check_user(&handle.user.read(), spec, &argv);
    Ok(match outcome {
        Ok(()) => Reply::ok(),
        Err(Refusal::Command) => Reply::text(format!(
            "This user has no permissions to run the '{}' command",
            spec.name
        )),
        Err(Refusal::Key(key)) => Reply::text(format!(
            "This user has no permissions to access the '{}' key",
            String::from_utf8_lossy(&key)
        )),
        Err(Refusal::Channel(channel)) => Reply::text(format!(
            "This user has no permissions to access the '{}' channel",
            String::from_utf8_lossy(&channel)
        )),
    })
}

/// The `aclfile`. Error: Redis 7.0's for a server without one.
fn acl_file(ctx: &Ctx) -> Result<std::path::PathBuf> {
    let path = ctx.server.config.get("aclfile");
    if path.is_empty() {
        return Err(CommandError::err(
            "This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.",
        ));
    }
    Ok(path.into())
}

/// `ACL LOAD` — replaces every user with the `aclfile`'s, all or nothing.
/// Errors: no aclfile; `ERR <file>:<line>: <reason>` (nothing changes).
fn load(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    let path = acl_file(ctx)?;
    ctx.server.acl.load_file(&path).map_err(CommandError::err)?;
    Ok(Reply::ok())
}

/// `ACL SAVE` — writes every user to the `aclfile`. Errors: no aclfile;
/// `ERR There was an error trying to save the ACLs. Please check the server logs for more information`.
fn save(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    let path = acl_file(ctx)?;
    ctx.server.acl.save_file(&path).map_err(|e| {
        tracing::warn!(file = %path.display(), error = %e, "cannot save the ACL file");
        CommandError::err(
            "There was an error trying to save the ACLs. Please check the server logs for more information",
        )
    })?;
    Ok(Reply::ok())
}

/// `ACL HELP` — Redis 7.0's help lines.
fn help(_ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    const LINES: &[&str] = &[
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(
        LINES
            .iter()
            .map(|l| Reply::Status(l.to_string().into()))
            .collect(),
    ))
}
