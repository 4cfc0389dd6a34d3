//! Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, and
//! the CLIENT container (in [`client_cmd`]). Semantics, arity, flags and
//! error texts match Redis 7.0.

mod client_cmd;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::table::CommandSpec;

/// The version `HELLO` and `INFO` report: framekv behaves as this Redis release.
pub const REDIS_VERSION: &str = "7.0.15";

/// The connection family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const CONN: &[&str] = &["fast", "connection"];
    vec![
        CommandSpec::new("ping", -1, ping)
            .flags(&["fast"])
            .categories(CONN)
            .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
            .doc("connection", "1.0.0", "Returns the server's liveliness response.", "[message]"),
        CommandSpec::new("echo", 2, echo)
            .flags(&["loading", "stale", "fast"])
            .categories(CONN)
            .doc("connection", "1.0.0", "Returns the given string.", "message"),
        CommandSpec::new("hello", -1, hello)
            .flags(&["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"])
            .categories(CONN)
            .doc(
                "connection",
                "6.0.0",
                "Handshakes with the server: picks the protocol version, optionally authenticates and names the connection.",
                "[protover [AUTH username password] [SETNAME clientname]]",
            ),
        CommandSpec::new("auth", -2, auth)
            .flags(&["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"])
            .categories(CONN)
            .doc("connection", "1.0.0", "Authenticates the connection.", "[username] password"),
        CommandSpec::new("select", 2, select)
            .flags(&["loading", "stale", "fast"])
            .categories(CONN)
            .doc("connection", "1.0.0", "Changes the connection's selected database.", "index"),
        CommandSpec::new("quit", -1, quit)
            .flags(&["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"])
            .categories(CONN)
            .doc("connection", "1.0.0", "Closes the connection after replying OK.", ""),
        CommandSpec::new("reset", 1, reset)
            .flags(&["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"])
            .categories(CONN)
            .doc("connection", "6.2.0", "Returns the connection to its initial state.", ""),
        client_cmd::command(),
    ]
}

/// `PING [message]` — `+PONG`, or the message as a bulk string.
///
/// Matches Redis 7.0; a RESP2 client with subscriptions gets
/// `["pong", message]` (message `""` when absent).
fn ping(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let message = args.try_next();
    if !args.is_empty() {
        return Err(CommandError::wrong_arity("ping"));
    }
    if !ctx.resp3() && crate::pubsub::is_subscribed(ctx) {
        // Redis 7.0 in RESP2 subscribed mode: `["pong", message or ""]`.
        return Ok(Reply::Array(vec![
            Reply::text("pong"),
            Reply::Bulk(message.unwrap_or_default()),
        ]));
    }
    Ok(match message {
        Some(m) => Reply::Bulk(m),
        None => Reply::Status("PONG".into()),
    })
}

/// `ECHO message` — the message as a bulk string.
fn echo(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let message = args.next_bytes()?;
    args.finish()?;
    Ok(Reply::Bulk(message))
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
///
/// Switches the connection to RESP `protover` (2 or 3), optionally
/// authenticating and naming it first, and replies with a map:
/// `server: "redis"`, `version: "7.0.15"`, `proto`, `id`, `mode: "standalone"`,
/// `role: "master"`, `modules: []` (encoded in the new protocol).
///
/// Errors, as Redis 7.0: `ERR Protocol version is not an integer or out of
/// range`, `NOPROTO unsupported protocol version`, `ERR Syntax error in HELLO
/// option '<opt>'`, `WRONGPASS ...`, and `NOAUTH HELLO must be called ...` when
/// the client is not authenticated and gave no `AUTH`.
fn hello(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let mut protover = None;
    if let Some(v) = args.try_next() {
        let v = parse_i64(&v).ok_or_else(|| {
            CommandError::err("Protocol version is not an integer or out of range")
        })?;
        if !(2..=3).contains(&v) {
            return Err(CommandError::raw("NOPROTO unsupported protocol version"));
        }
        protover = Some(v as u8);
    }
    let mut credentials = None;
    let mut name = None;
    while let Some(opt) = args.try_next() {
        if opt.eq_ignore_ascii_case(b"AUTH") && args.remaining() >= 2 {
            credentials = Some((args.next_bytes()?, args.next_bytes()?));
        } else if opt.eq_ignore_ascii_case(b"SETNAME") && args.remaining() >= 1 {
            let candidate = args.next_bytes()?;
            client_cmd::validate_name(&candidate)?;
            name = Some(candidate);
        } else {
            return Err(CommandError::err(format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&opt)
            )));
        }
    }
    if let Some((user, password)) = credentials {
        authenticate(ctx, &user, &password, "HELLO")?;
    }
    if !ctx.client.authenticated {
        return Err(CommandError::raw(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
             the RESP protocol version at the same time",
        ));
    }
    if let Some(name) = name {
        client_cmd::set_name(ctx, &name);
    }
    if let Some(v) = protover {
        ctx.client.resp = v;
        ctx.client.handle.info.lock().resp = v;
    }
    Ok(Reply::map_of(vec![
        ("server", Reply::text("redis")),
        ("version", Reply::text(REDIS_VERSION)),
        ("proto", Reply::Integer(ctx.client.resp as i64)),
        ("id", Reply::Integer(ctx.client.id as i64)),
        ("mode", Reply::text("standalone")),
        ("role", Reply::text("master")),
        ("modules", Reply::Array(Vec::new())),
    ]))
}

/// `AUTH [username] password` — authenticates the connection.
///
/// framekv has one user, `default`, whose password is `requirepass` (none
/// when empty). Replies `+OK`. Errors, as Redis 7.0: the one-argument form
/// without a configured password gives `ERR AUTH <password> called without
/// any password configured for the default user. Are you sure your
/// configuration is correct?`; wrong credentials give `WRONGPASS invalid
/// username-password pair or user is disabled.` and leave the connection's
/// state unchanged; more than two arguments give `ERR syntax error`.
fn auth(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    if args.remaining() > 2 {
        return Err(CommandError::syntax());
    }
    let (user, password) = if args.remaining() == 1 {
        if ctx.server.acl.default_user().user.read().nopass {
            return Err(CommandError::err(
                "AUTH <password> called without any password configured for the default user. \
                 Are you sure your configuration is correct?",
            ));
        }
        (bytes::Bytes::from_static(b"default"), args.next_bytes()?)
    } else {
        (args.next_bytes()?, args.next_bytes()?)
    };
    args.finish()?;
    authenticate(ctx, &user, &password, "AUTH")?;
    Ok(Reply::ok())
}

/// Checks `user`/`password` against the ACL users (passwords are compared
/// as SHA-256 digests, so the time taken says nothing about the password)
/// and makes the connection run as that user. A failure is logged in `ACL
/// LOG` (reason `auth`, object the command).
fn authenticate(ctx: &mut Ctx, user: &[u8], password: &[u8], command: &str) -> Result<()> {
    let name = String::from_utf8_lossy(user).into_owned();
    let Some(handle) = ctx.server.acl.authenticate(&name, password) else {
        crate::acl::log_auth_failure(ctx, &name, command);
        return Err(CommandError::raw(crate::acl::WRONGPASS));
    };
    ctx.client.authenticated = true;
    ctx.client.acl_user = handle;
    ctx.client.user = name.clone();
    ctx.client.handle.info.lock().user = name;
    Ok(())
}

/// `SELECT index` — selects database `index` (0 ..= `databases`-1).
///
/// Errors, as Redis 7.0: `ERR value is not an integer or out of range` for a
/// non-integer, `ERR value is out of range, value must between -2147483648 and
/// 2147483647` outside 32 bits, `ERR DB index is out of range` otherwise.
fn select(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let index = args.next_i64()?;
    args.finish()?;
    if i32::try_from(index).is_err() {
        return Err(CommandError::err(
            "value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    if index < 0 || index as usize >= ctx.server.keyspace.len() {
        return Err(CommandError::err("DB index is out of range"));
    }
    ctx.client.db = index as usize;
    ctx.client.handle.info.lock().db = index as usize;
    Ok(Reply::ok())
}

/// `QUIT` — replies `+OK` and closes the connection once the reply is
/// written. Extra arguments are ignored (Redis 7.0 arity -1).
fn quit(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    ctx.client.close_after_reply = true;
    Ok(Reply::ok())
}

/// `RESET` — replies `+RESET` after returning the connection to its state
/// at connect time: database 0, RESP2, no name, no library info, eviction and
/// touch flags off, and authenticated only when no password is configured
/// (as Redis 7.0's `clearClientConnectionState`).
fn reset(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let authenticated = ctx.server.acl.default_needs_no_auth();
    let default_user = ctx.server.acl.default_user();
    let client = &mut *ctx.client;
    client.acl_user = default_user;
    client.db = 0;
    client.resp = 2;
    client.user = "default".into();
    client.authenticated = authenticated;
    client.no_evict = false;
    client.no_touch = false;
    client.multi = None;
    crate::multi::unwatch_all(ctx);
    crate::pubsub::unsubscribe_all(ctx);
    crate::monitor::stop(ctx);
    let client = &mut *ctx.client;
    let mut info = client.handle.info.lock();
    info.db = 0;
    info.resp = 2;
    info.name.clear();
    info.lib_name.clear();
    info.lib_ver.clear();
    info.user = "default".into();
    Ok(Reply::Status("RESET".into()))
}
