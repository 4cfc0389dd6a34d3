//! `CLIENT` and its subcommands: ID, SETNAME, GETNAME, SETINFO, LIST, INFO,
//! KILL, NO-EVICT, NO-TOUCH, HELP (PAUSE and UNPAUSE are in
//! [`crate::pause`]). Replies and error texts match Redis 7.0 (SETINFO and
//! NO-TOUCH as Redis 7.2 added them).

use std::sync::Arc;

use bytes::Bytes;

use crate::client::ClientHandle;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::table::{CommandSpec, Handler};

/// The `CLIENT` container with its subcommands.
pub fn command() -> CommandSpec {
    const SLOW: &[&str] = &["slow", "connection"];
    const ADMIN: &[&str] = &["admin", "slow", "dangerous", "connection"];
    const PLAIN: &[&str] = &["noscript", "loading", "stale"];
    const ADMIN_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];
    #[allow(clippy::too_many_arguments)]
    fn sub(
        name: &'static str,
        arity: i32,
        handler: Handler,
        flags: &'static [&'static str],
        categories: &'static [&'static str],
        since: &'static str,
        summary: &'static str,
        syntax: &'static str,
    ) -> CommandSpec {
        CommandSpec::new(name, arity, handler)
            .flags(flags)
            .categories(categories)
            .doc("connection", since, summary, syntax)
    }
    let [pause, unpause] = crate::pause::subcommands();
    CommandSpec::container(
        "client",
        vec![
            sub("client|id", 2, id, PLAIN, SLOW, "5.0.0", "Returns the connection's unique id.", ""),
            sub("client|setname", 3, setname, PLAIN, SLOW, "2.6.9", "Names the connection.", "connection-name"),
            sub("client|getname", 2, getname, PLAIN, SLOW, "2.6.9", "Returns the connection's name.", ""),
            sub(
                "client|setinfo",
                4,
                setinfo,
                PLAIN,
                SLOW,
                "7.2.0",
                "Records the client library's name or version for CLIENT LIST.",
                "<LIB-NAME libname | LIB-VER libver>",
            ),
            sub(
                "client|list",
                -2,
                list,
                ADMIN_FLAGS,
                ADMIN,
                "2.4.0",
                "Lists the connected clients, one line each.",
                "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]",
            )
            .tips(&["nondeterministic_output"]),
            sub("client|info", 2, info, PLAIN, SLOW, "6.2.0", "Returns the calling connection's CLIENT LIST line.", "")
                .tips(&["nondeterministic_output"]),
            sub(
                "client|kill",
                -3,
                kill,
                ADMIN_FLAGS,
                ADMIN,
                "2.4.0",
                "Closes client connections chosen by address, id, type or user.",
                "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | \
                 [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> \
                 [[ID client-id] | ...]>",
            ),
            sub(
                "client|unblock",
                -3,
                unblock,
                ADMIN_FLAGS,
                ADMIN,
                "5.0.0",
                "Unblocks a client blocked by a blocking command from a different connection.",
                "client-id [TIMEOUT | ERROR]",
            ),
            sub(
                "client|no-evict",
                3,
                no_evict,
                ADMIN_FLAGS,
                ADMIN,
                "7.0.0",
                "Turns client eviction protection on or off for the connection.",
                "<ON | OFF>",
            ),
            sub(
                "client|no-touch",
                3,
                no_touch,
                PLAIN,
                SLOW,
                "7.2.0",
                "Stops (ON) or resumes (OFF) updating keys' access time for the connection's reads.",
                "<ON | OFF>",
            ),
            pause,
            unpause,
            sub("client|help", 2, help, &["loading", "stale"], SLOW, "5.0.0", "Lists the CLIENT subcommands.", ""),
        ],
    )
    .categories(&["slow"])
    .doc("connection", "2.4.0", "A container for client connection commands.", "<subcommand> [arg ...]")
}

/// Checks a connection name: every byte printable ASCII without spaces
/// (`!`..`~`). Error text as Redis 7.0's `validateClientName`.
pub fn validate_name(name: &[u8]) -> Result<()> {
    if name.iter().all(|b| (b'!'..=b'~').contains(b)) {
        Ok(())
    } else {
        Err(CommandError::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ))
    }
}

/// Sets (or, with an empty name, clears) the connection's name. The caller
/// validated it with [`validate_name`].
pub fn set_name(ctx: &mut Ctx, name: &[u8]) {
    ctx.client.handle.info.lock().name = String::from_utf8_lossy(name).into_owned();
}

/// `CLIENT ID` — the connection's id as an integer.
fn id(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Integer(ctx.client.id as i64))
}

/// `CLIENT SETNAME name` — `+OK`; an empty name removes the name.
fn setname(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let name = args.next_bytes()?;
    args.finish()?;
    validate_name(&name)?;
    set_name(ctx, &name);
    Ok(Reply::ok())
}

/// `CLIENT GETNAME` — the name as a bulk string, or null when unnamed.
fn getname(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let name = ctx.client.handle.info.lock().name.clone();
    Ok(if name.is_empty() {
        Reply::Null
    } else {
        Reply::text(name)
    })
}

/// `CLIENT SETINFO LIB-NAME name | LIB-VER version` — `+OK`.
///
/// Errors, as Redis 7.2: `ERR Unrecognized option 'x'`, and `ERR <attr>
/// cannot contain spaces, newlines or special characters.`
fn setinfo(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let attr = args.next_bytes()?;
    let value = args.next_bytes()?;
    args.finish()?;
    let attr_text = String::from_utf8_lossy(&attr).into_owned();
    let is_name = attr.eq_ignore_ascii_case(b"lib-name");
    if !is_name && !attr.eq_ignore_ascii_case(b"lib-ver") {
        return Err(CommandError::err(format!(
            "Unrecognized option '{attr_text}'"
        )));
    }
    if validate_name(&value).is_err() {
        return Err(CommandError::err(format!(
            "{attr_text} cannot contain spaces, newlines or special characters."
        )));
    }
    let value = String::from_utf8_lossy(&value).into_owned();
    let mut info = ctx.client.handle.info.lock();
    if is_name {
        info.lib_name = value;
    } else {
        info.lib_ver = value;
    }
    Ok(Reply::ok())
}

/// A client type for `TYPE` filters. framekv's clients are `pubsub` while
/// they have subscriptions, else `normal` (no replication).
#[derive(PartialEq, Eq)]
enum ClientType {
    Normal,
    Master,
    Replica,
    PubSub,
}

/// The `TYPE` a connected client has.
fn type_of(handle: &ClientHandle) -> ClientType {
    if handle.info.lock().is_pubsub() {
        ClientType::PubSub
    } else {
        ClientType::Normal
    }
}

fn client_type(name: &[u8]) -> Result<ClientType> {
    let lower = name.to_ascii_lowercase();
    match lower.as_slice() {
        b"normal" => Ok(ClientType::Normal),
        b"master" => Ok(ClientType::Master),
        b"replica" | b"slave" => Ok(ClientType::Replica),
        b"pubsub" => Ok(ClientType::PubSub),
        _ => Err(CommandError::err(format!(
            "Unknown client type '{}'",
            String::from_utf8_lossy(name)
        ))),
    }
}

/// `CLIENT LIST [TYPE type] [ID id ...]` — one line per client, each
/// followed by `\n`, as a verbatim string (bulk string in RESP2).
///
/// Errors, as Redis 7.0: `ERR Unknown client type 'x'`, `ERR Invalid client
/// ID` for a non-integer id, `ERR syntax error` for anything else.
fn list(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let clients: Vec<Arc<ClientHandle>> = match args.remaining() {
        0 => ctx.server.clients.all(),
        2 if args.peek().is_some_and(|a| a.eq_ignore_ascii_case(b"type")) => {
            args.try_next();
            let wanted = client_type(&args.next_bytes()?)?;
            ctx.server
                .clients
                .all()
                .into_iter()
                .filter(|c| type_of(c) == wanted)
                .collect()
        }
        n if n >= 2 && args.peek().is_some_and(|a| a.eq_ignore_ascii_case(b"id")) => {
            args.try_next();
            let mut found = Vec::new();
            for raw in args.rest() {
                let id = parse_i64(&raw).ok_or_else(|| CommandError::err("Invalid client ID"))?;
                if let Some(handle) = u64::try_from(id)
                    .ok()
                    .and_then(|id| ctx.server.clients.get(id))
                {
                    found.push(handle);
                }
            }
            found
        }
        _ => return Err(CommandError::syntax()),
    };
    let mut text = String::new();
    for handle in clients {
        text.push_str(&handle.info_line());
        text.push('\n');
    }
    Ok(Reply::Verbatim(text))
}

/// `CLIENT INFO` — the calling connection's `CLIENT LIST` line with its `\n`.
fn info(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Verbatim(ctx.client.handle.info_line() + "\n"))
}

/// Which clients `CLIENT KILL` closes.
#[derive(Default)]
struct KillFilter {
    addr: Option<Bytes>,
    laddr: Option<Bytes>,
    id: Option<u64>,
    ty: Option<ClientType>,
    user: Option<String>,
    skip_me: bool,
}

impl KillFilter {
    fn matches(&self, handle: &ClientHandle, me: u64) -> bool {
        if self
            .addr
            .as_ref()
            .is_some_and(|a| a.as_ref() != handle.addr.as_bytes())
        {
            return false;
        }
        if self
            .laddr
            .as_ref()
            .is_some_and(|a| a.as_ref() != handle.laddr.as_bytes())
        {
            return false;
        }
        if self.id.is_some_and(|id| id != handle.id) {
            return false;
        }
        if self.ty.as_ref().is_some_and(|t| *t != type_of(handle)) {
            return false;
        }
        if self
            .user
            .as_ref()
            .is_some_and(|u| *u != handle.info.lock().user)
        {
            return false;
        }
        !(self.skip_me && handle.id == me)
    }
}

/// `CLIENT UNBLOCK client-id [TIMEOUT | ERROR]` — ends another client's
/// wait in a blocking command: it replies as on its timeout, or with
/// `-UNBLOCKED client unblocked via CLIENT UNBLOCK`. Reply: 1 when the
/// client was blocked, else 0. Errors (Redis 7.0): `ERR value is not an
/// integer or out of range`; `ERR CLIENT UNBLOCK reason should be TIMEOUT
/// or ERROR`.
fn unblock(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let id = args.next_i64()?;
    let error = match args.try_next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case(b"TIMEOUT") => false,
        Some(w) if w.eq_ignore_ascii_case(b"ERROR") => true,
        Some(_) => {
            return Err(CommandError::err(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ));
        }
    };
    args.finish()?;
    let unblocked = u64::try_from(id)
        .ok()
        .and_then(|id| ctx.server.clients.get(id))
        .is_some_and(|handle| handle.unblock(error));
    Ok(Reply::Integer(i64::from(unblocked)))
}

/// `CLIENT KILL ip:port` (old form: `+OK`, or `ERR No such client`; may
/// kill the caller) or `CLIENT KILL <filter value> ...` with filters `ID`,
/// `ADDR`, `LADDR`, `TYPE`, `USER`, `SKIPME yes|no` (new form: the number of
/// clients killed; the caller is skipped unless `SKIPME no`). A killed
/// caller is closed after this reply. Matches Redis 7.0.
fn kill(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let old_form = args.remaining() == 1;
    let filter = if old_form {
        KillFilter {
            addr: Some(args.next_bytes()?),
            ..KillFilter::default()
        }
    } else {
        parse_kill_filter(args)?
    };
    let me = ctx.client.id;
    let mut killed = 0;
    for handle in ctx.server.clients.all() {
        if !filter.matches(&handle, me) {
            continue;
        }
        if handle.id == me {
            ctx.client.close_after_reply = true;
        } else if !ctx.server.clients.kill(handle.id) {
            // Gone since the snapshot was taken: not killed by us.
            continue;
        }
        killed += 1;
    }
    if !old_form {
        return Ok(Reply::Integer(killed));
    }
    if killed == 0 {
        return Err(CommandError::err("No such client"));
    }
    Ok(Reply::ok())
}

fn parse_kill_filter(args: &mut Parse) -> Result<KillFilter> {
    let mut filter = KillFilter {
        skip_me: true,
        ..KillFilter::default()
    };
    while let Some(option) = args.try_next() {
        let Some(value) = args.try_next() else {
            return Err(CommandError::syntax());
        };
        match option.to_ascii_lowercase().as_slice() {
            b"id" => {
                let id = parse_i64(&value)
                    .filter(|&id| id >= 1)
                    .ok_or_else(|| CommandError::err("client-id should be greater than 0"))?;
                filter.id = Some(id as u64);
            }
            b"type" => filter.ty = Some(client_type(&value)?),
            b"addr" => filter.addr = Some(value),
            b"laddr" => filter.laddr = Some(value),
            b"user" => {
                // framekv has only the `default` user (no ACL users).
                if value.as_ref() != b"default" {
                    return Err(CommandError::err(format!(
                        "No such user '{}'",
                        String::from_utf8_lossy(&value)
                    )));
                }
                filter.user = Some("default".into());
            }
            b"skipme" => {
                filter.skip_me = if value.eq_ignore_ascii_case(b"yes") {
                    true
                } else if value.eq_ignore_ascii_case(b"no") {
                    false
                } else {
                    return Err(CommandError::syntax());
                };
            }
            _ => return Err(CommandError::syntax()),
        }
    }
    Ok(filter)
}

/// Parses `ON` / `OFF`. Error: `ERR syntax error`.
fn on_off(args: &mut Parse) -> Result<bool> {
    let value = args.next_bytes()?;
    args.finish()?;
    if value.eq_ignore_ascii_case(b"on") {
        Ok(true)
    } else if value.eq_ignore_ascii_case(b"off") {
        Ok(false)
    } else {
        Err(CommandError::syntax())
    }
}

/// `CLIENT NO-EVICT ON|OFF` — `+OK`.
fn no_evict(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    ctx.client.no_evict = on_off(args)?;
    Ok(Reply::ok())
}

/// `CLIENT NO-TOUCH ON|OFF` — `+OK`.
fn no_touch(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    ctx.client.no_touch = on_off(args)?;
    Ok(Reply::ok())
}

/// `CLIENT HELP` — the subcommands, one status line each (Redis's help shape).
fn help(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    const LINES: &[&str] = &[
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return the CLIENT LIST line of the current connection.",
        "KILL <ip:port>",
        "    Close the connection from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Close the connections matching every option. Options are:",
        "    * ADDR <ip:port>",
        "      Connections from this address.",
        "    * LADDR <ip:port>",
        "      Connections to this local address.",
        "    * ID <client-id>",
        "      The connection with this id.",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Connections of this type.",
        "    * USER <username>",
        "      Connections authenticated as this user.",
        "    * SKIPME (YES|NO)",
        "      Whether to spare the calling connection (default: yes).",
        "LIST [options ...]",
        "    Describe the connected clients. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Only clients of this type.",
        "    * ID <client-id> [<client-id> ...]",
        "      Only the clients with these ids.",
        "UNPAUSE",
        "    End the current client pause, running the held commands.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Hold the commands of all clients, or only their writes, for <timeout> milliseconds.",
        "SETNAME <name>",
        "    Name the current connection.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Record the client library's name or version.",
        "NO-EVICT (ON|OFF)",
        "    Protect the current connection from client eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Do not update the access time of keys this connection reads.",
        "HELP",
        "    Print this help.",
    ];
    Ok(Reply::Array(
        LINES.iter().map(|l| Reply::Status((*l).into())).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_printable_without_spaces() {
        assert!(validate_name(b"worker-1").is_ok());
        assert!(validate_name(b"").is_ok());
        assert!(validate_name(b"a b").is_err());
        assert!(validate_name(b"a\nb").is_err());
        assert!(validate_name("é".as_bytes()).is_err());
    }
}
