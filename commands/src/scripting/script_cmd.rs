//! `SCRIPT LOAD / EXISTS / FLUSH / KILL / DEBUG / HELP`, as Redis 7.0
//! answers them.

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;

use super::status::KillOutcome;

/// `SCRIPT LOAD script` — the script's SHA1 as a bulk string. Error: the
/// compile error.
pub fn script_load(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let source = args.next_bytes()?;
    let sha = ctx
        .server
        .scripts
        .with_vm(|vm| vm.load(&source).map_err(CommandError))?;
    Ok(Reply::text(sha))
}

/// `SCRIPT EXISTS sha1 [sha1 ...]` — an array of 1/0 (hex digits in any case).
pub fn script_exists(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let shas = args.rest();
    let vm = ctx.server.scripts.vm.lock();
    let found = shas
        .iter()
        .map(|sha| {
            let known = vm
                .as_ref()
                .is_some_and(|vm| std::str::from_utf8(sha).is_ok_and(|sha| vm.get(sha).is_some()));
            Reply::Integer(i64::from(known))
        })
        .collect();
    Ok(Reply::Array(found))
}

/// Reads an optional `ASYNC|SYNC` flush mode. Error: `ERR <what> only
/// support(s) SYNC|ASYNC option`.
pub fn flush_mode(args: &mut Parse, error: &str) -> Result<()> {
    if args.remaining() > 1 {
        return Err(CommandError::err(error));
    }
    if let Some(mode) = args.try_next()
        && !mode.eq_ignore_ascii_case(b"async")
        && !mode.eq_ignore_ascii_case(b"sync")
    {
        return Err(CommandError::err(error));
    }
    Ok(())
}

/// `SCRIPT FLUSH [ASYNC|SYNC]` — `+OK`; every cached script is dropped.
pub fn script_flush(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    flush_mode(args, "SCRIPT FLUSH only support SYNC|ASYNC option")?;
    ctx.server.scripts.flush();
    Ok(Reply::ok())
}

/// `SCRIPT KILL` — `+OK` when the running script will stop. Errors:
/// `NOTBUSY` (none runs), `UNKILLABLE` (it has written).
pub fn script_kill(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    match ctx.server.scripts.status.request_kill() {
        KillOutcome::Killed => Ok(Reply::ok()),
        KillOutcome::NotBusy => Err(not_busy()),
        KillOutcome::Unkillable => Err(unkillable()),
    }
}

pub fn not_busy() -> CommandError {
    CommandError("NOTBUSY No scripts in execution right now.".into())
}

pub fn unkillable() -> CommandError {
    CommandError(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
            .into(),
    )
}

/// `SCRIPT DEBUG YES|SYNC|NO` — `NO` is `+OK`; the Lua debugger is not
/// provided, so `YES`/`SYNC` are refused.
pub fn script_debug(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let mode = args.next_bytes()?;
    if mode.eq_ignore_ascii_case(b"no") {
        Ok(Reply::ok())
    } else if mode.eq_ignore_ascii_case(b"yes") || mode.eq_ignore_ascii_case(b"sync") {
        Err(CommandError::err(
            "SCRIPT DEBUG is not supported by framekv",
        ))
    } else {
        Err(CommandError::err("Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

pub fn help_lines(lines: &[&str]) -> Reply {
    Reply::Array(
        lines
            .iter()
            .map(|l| Reply::Status(l.to_string().into()))
            .collect(),
    )
}

/// `SCRIPT HELP` — Redis 7.0's help lines.
pub fn script_help(_ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    Ok(help_lines(&[
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ]))
}
