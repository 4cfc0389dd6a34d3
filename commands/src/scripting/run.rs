//! Running a cached script: `KEYS`/`ARGV`, `redis.call`/`redis.pcall`
//! dispatching commands as the calling client, atomicity, the AOF, and the
//! error reply a failed script gets.
//!
//! A script runs with every database held
//! ([`crate::keyspace::Keyspace::exclusive`]), so no other client sees a
//! state in between. Its commands log their own deterministic effects
//! (effects replication, Redis 7's only mode), wrapped in `MULTI` ...
//! `EXEC` from its first write on so that a replay applies all of them or
//! none; inside a transaction, `EXEC`'s own wrapping serves.

use std::cell::RefCell;

use bytes::Bytes;
use mlua::{Lua, MultiValue, Table, Value};

use super::convert::{lua_to_reply, reply_to_lua};
use super::vm::{Vm, raise};
use crate::ctx::Ctx;
use crate::dispatch;
use crate::reply::Reply;

/// The state of one run that `redis.call` and `redis.setresp` share.
struct RunState {
    /// The script's protocol (`redis.setresp(3)`).
    resp3: bool,
    /// The script may not write (`EVAL_RO`, `#!lua flags=no-writes`).
    read_only: bool,
    /// Runs inside `EXEC`, which already wraps its records.
    in_transaction: bool,
    /// Shebang flag `allow-oom`: writes run over `maxmemory`.
    allow_oom: bool,
    /// `MULTI` has been logged for this run's writes.
    logged_multi: bool,
}

/// One script run: what `EVAL` and friends hand to [`run`].
pub struct Invocation {
    /// The script's SHA1 (named in error replies).
    pub sha: String,
    /// Its compiled main function.
    pub function: mlua::Function,
    /// `KEYS`.
    pub keys: Vec<Bytes>,
    /// `ARGV`.
    pub args: Vec<Bytes>,
    /// Write commands are refused (`EVAL_RO`, `#!lua flags=no-writes`).
    pub read_only: bool,
    /// Runs inside `EXEC`, which already wraps the records in `MULTI`/`EXEC`.
    pub in_transaction: bool,
    /// Shebang flag `allow-oom`: writes are not refused over `maxmemory`.
    pub allow_oom: bool,
}

/// Runs `invocation` for the client in `ctx`. Must be called with every
/// database held and the interpreter locked. Reply: the script's return
/// value converted (see [`super::convert`]), or an error `<message>
/// script: <sha>, on @user_script:<line>.` as Redis 7.0 words it.
pub fn run(vm: &Vm, ctx: &mut Ctx, invocation: Invocation) -> Reply {
    let Invocation {
        sha,
        function,
        keys,
        args,
        read_only,
        in_transaction,
        allow_oom,
    } = invocation;
    let saved_db = ctx.client.db;
    let saved_resp = ctx.client.resp;
    let state = RefCell::new(RunState {
        resp3: false,
        read_only,
        in_transaction,
        allow_oom,
        logged_multi: false,
    });
    let outcome = run_in_scope(vm, ctx, &state, function, keys, args);
    for name in ["call", "pcall", "setresp"] {
        let _ = vm.redis.raw_set(name, Value::Nil);
    }
    ctx.client.db = saved_db;
    ctx.client.resp = saved_resp;
    ctx.client.in_script = false;
    if state.borrow().logged_multi {
        ctx.db().log(ctx.now_ms, &[b"EXEC".as_slice()]);
    }
    match outcome {
        Ok((true, value)) => lua_to_reply(&value, state.borrow().resp3),
        Ok((false, Value::Table(info))) => Reply::Error(error_text(&info, &sha)),
        Ok((false, _)) => Reply::Error(format!("ERR Error running script script: {sha}")),
        Err(e) => Reply::Error(format!("ERR Error running script: {e}")),
    }
}

fn run_in_scope(
    vm: &Vm,
    ctx: &mut Ctx,
    state: &RefCell<RunState>,
    function: mlua::Function,
    keys: Vec<Bytes>,
    args: Vec<Bytes>,
) -> mlua::Result<(bool, Value)> {
    let lua = &vm.lua;
    let globals = lua.globals();
    let strings = |items: &[Bytes]| -> mlua::Result<Table> {
        let table = lua.create_table_with_capacity(items.len(), 0)?;
        for (i, item) in items.iter().enumerate() {
            table.raw_set(i + 1, lua.create_string(item)?)?;
        }
        Ok(table)
    };
    globals.raw_set("KEYS", strings(&keys)?)?;
    globals.raw_set("ARGV", strings(&args)?)?;
    let ctx = RefCell::new(ctx);
    lua.scope(|scope| {
        let call = scope.create_function(|lua, args: MultiValue| {
            let (value, failed) = redis_call(lua, &mut ctx.borrow_mut(), state, args)?;
            match failed {
                Some(text) => Err(raise(text)),
                None => Ok(value),
            }
        })?;
        vm.redis.raw_set("call", call)?;
        let pcall = scope.create_function(|lua, args: MultiValue| {
            Ok(redis_call(lua, &mut ctx.borrow_mut(), state, args)?.0)
        })?;
        vm.redis.raw_set("pcall", pcall)?;
        let setresp = scope.create_function(|_, args: MultiValue| {
            if args.len() != 1 {
                return Err(raise("ERR redis.setresp() requires one argument."));
            }
            let resp = match &args[0] {
                Value::Integer(n) => *n as f64,
                Value::Number(n) => *n,
                _ => 0.0,
            };
            if resp != 2.0 && resp != 3.0 {
                return Err(raise("ERR RESP version must be 2 or 3."));
            }
            state.borrow_mut().resp3 = resp == 3.0;
            Ok(())
        })?;
        vm.redis.raw_set("setresp", setresp)?;
        vm.runner
            .call::<(bool, Value)>((function, vm.handler.clone()))
    })
}

/// `<message> script: <sha>, on <source>:<line>.` from the message
/// handler's `{err=, source=, line=}`.
fn error_text(info: &Table, sha: &str) -> String {
    let message: String = info.raw_get("err").unwrap_or_default();
    let source: Option<String> = info.raw_get("source").unwrap_or_default();
    let line: Option<i64> = info.raw_get("line").unwrap_or_default();
    match (source, line) {
        (Some(source), Some(line)) => format!("{message} script: {sha}, on {source}:{line}."),
        _ => format!("{message} script: {sha}"),
    }
}

/// `{err=text}`, the value a failed command gives the script.
fn error_table(lua: &Lua, text: &str) -> mlua::Result<(Value, Option<String>)> {
    let table = lua.create_table_with_capacity(0, 1)?;
    table.raw_set("err", text)?;
    Ok((Value::Table(table), Some(text.to_string())))
}

/// `redis.call` / `redis.pcall`: runs one command as the script's client.
/// Returns the converted reply and, when it failed, the error text that
/// `redis.call` raises (`redis.pcall` returns the `{err=...}` table). Checks and texts follow Redis 7.0's
/// `scriptCall`.
fn redis_call(
    lua: &Lua,
    ctx: &mut Ctx,
    state: &RefCell<RunState>,
    args: MultiValue,
) -> mlua::Result<(Value, Option<String>)> {
    if args.is_empty() {
        return error_table(
            lua,
            "ERR Please specify at least one argument for this redis lib call",
        );
    }
    let mut argv = Vec::with_capacity(args.len());
    for arg in args {
        argv.push(match arg {
            Value::String(s) => Bytes::copy_from_slice(&s.as_bytes()),
            Value::Integer(n) => Bytes::from(n.to_string()),
            Value::Number(n) => Bytes::from(super::libs::format_g(n, 17)),
            _ => {
                return error_table(
                    lua,
                    "ERR Lua redis lib command arguments must be strings or integers",
                );
            }
        });
    }
    let spec = match dispatch::resolve(&argv) {
        Ok(spec) => spec,
        Err(e) if e.0.contains("wrong number of arguments") => {
            return error_table(
                lua,
                "ERR Wrong number of args calling Redis command from script",
            );
        }
        Err(_) => return error_table(lua, "ERR Unknown Redis command called from script"),
    };
    // `no_multi` commands (FRAME.*) take table locks, which must never be
    // waited for while every database is held.
    if spec.has_flag(crate::table::Flag::Noscript) || spec.has_flag(crate::table::Flag::NoMulti) {
        return error_table(lua, "ERR This Redis command is not allowed from script");
    }
    if spec.name == "xread" && argv.iter().any(|a| a.eq_ignore_ascii_case(b"block")) {
        return error_table(
            lua,
            "ERR xread command is not allowed with BLOCK option from scripts",
        );
    }
    let resp3 = {
        let mut state = state.borrow_mut();
        if spec.has_flag(crate::table::Flag::Write) {
            if state.read_only {
                drop(state);
                return error_table(
                    lua,
                    "ERR Write commands are not allowed from read-only scripts.",
                );
            }
            if spec.has_flag(crate::table::Flag::Denyoom)
                && !state.allow_oom
                && !ctx.server.scripts.status.has_written()
                && crate::evict::over_limit(ctx.server)
            {
                // Redis 7.0: a script over maxmemory may not start writing.
                drop(state);
                return error_table(lua, crate::evict::OOM_ERROR);
            }
            ctx.server.scripts.status.note_write();
            if !state.in_transaction && !state.logged_multi {
                ctx.db().log(ctx.now_ms, &[b"MULTI".as_slice()]);
                state.logged_multi = true;
            }
        }
        state.resp3
    };
    ctx.client.resp = if resp3 { 3 } else { 2 };
    ctx.client.in_script = true;
    let reply = dispatch::execute(ctx, argv);
    ctx.client.in_script = false;
    let reply = match reply {
        // Heavy work runs here and now: the script already runs off the
        // async workers, with every database held.
        Reply::Deferred(work) => (work.0)(),
        // Blocking commands never block with every database held (see
        // `crate::blocking`); nothing can reach here.
        Reply::Block(_) => Reply::Error("ERR internal error: blocking inside a script".into()),
        reply => reply,
    };
    let failed = match &reply {
        Reply::Error(text) => Some(text.clone()),
        _ => None,
    };
    Ok((reply_to_lua(lua, reply, resp3)?, failed))
}
