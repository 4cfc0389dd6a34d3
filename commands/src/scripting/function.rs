//! What Redis 7.0 answers to `FUNCTION LIST / FLUSH / STATS / KILL /
//! HELP` and `FCALL` on a server with no function libraries: framekv runs
//! `EVAL` scripts only (`FUNCTION LOAD` is not provided).

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;

use super::script_cmd::{flush_mode, help_lines, not_busy, unkillable};

/// `FCALL` / `FCALL_RO`: no function libraries exist, so `ERR Function not found`.
pub fn fcall(_ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    Err(CommandError::err("Function not found"))
}

/// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]` — an empty array (no
/// libraries). Errors, as Redis 7.0: `ERR library name argument was not
/// given`, `ERR Unknown argument x`.
pub fn function_list(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    while let Some(arg) = args.try_next() {
        if arg.eq_ignore_ascii_case(b"withcode") {
            continue;
        }
        if arg.eq_ignore_ascii_case(b"libraryname") {
            if args.try_next().is_none() {
                return Err(CommandError::err("library name argument was not given"));
            }
            continue;
        }
        return Err(CommandError::err(format!(
            "Unknown argument {}",
            String::from_utf8_lossy(&arg)
        )));
    }
    Ok(Reply::Array(Vec::new()))
}

/// `FUNCTION FLUSH [ASYNC|SYNC]` — `+OK` (there is nothing to delete).
pub fn function_flush(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    flush_mode(args, "FUNCTION FLUSH only supports SYNC|ASYNC option")?;
    Ok(Reply::ok())
}

/// `FUNCTION STATS` — no function is running, and the Lua engine has no
/// libraries.
pub fn function_stats(_ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    let lua = Reply::map_of(vec![
        ("libraries_count", Reply::Integer(0)),
        ("functions_count", Reply::Integer(0)),
    ]);
    Ok(Reply::map_of(vec![
        ("running_script", Reply::Null),
        ("engines", Reply::map_of(vec![("LUA", lua)])),
    ]))
}

/// `FUNCTION KILL` — no function ever runs: `NOTBUSY`, or, as Redis 7.0
/// answers while a script that has written runs, `UNKILLABLE`.
pub fn function_kill(ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    let status = &ctx.server.scripts.status;
    if status.running_for().is_some() && status.has_written() {
        return Err(unkillable());
    }
    Err(not_busy())
}

/// `FUNCTION HELP` — Redis 7.0's help lines.
pub fn function_help(_ctx: &mut Ctx, _args: &mut Parse) -> Result<Reply> {
    Ok(help_lines(&[
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ]))
}
