//! Lua scripting: `EVAL`, `EVALSHA`, `EVAL_RO`, `EVALSHA_RO`, `SCRIPT
//! LOAD / EXISTS / FLUSH / KILL / DEBUG / HELP`, and the `FUNCTION` /
//! `FCALL` commands' answers for a server with no function libraries, as
//! Redis 7.0 gives them.
//!
//! Scripts run in one Lua 5.1 interpreter ([`vm`]), atomically (every
//! database held, see [`run`]), off the async workers (the connection runs
//! them as it runs `EXEC`). While one runs, other clients wait, and after
//! `busy-reply-threshold` ms they get `BUSY` ([`status::admit`]) and may
//! `SCRIPT KILL` it if it has not written.

pub mod convert;
pub mod function;
pub mod libs;
pub mod run;
pub mod script_cmd;
pub mod status;
pub mod vm;

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, KeySpecDef};
use function::{
    fcall, function_flush, function_help, function_kill, function_list, function_stats,
};
use script_cmd::{
    script_debug, script_exists, script_flush, script_help, script_kill, script_load,
};
use status::ScriptStatus;
use vm::Vm;

/// Redis 7.0's reply to `EVALSHA` of a script not in the cache.
pub const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";

/// The server's scripting state: the interpreter with its script cache,
/// and the running script's status. One per server.
pub struct Scripts {
    /// What other connections see of the running script.
    pub status: Arc<ScriptStatus>,
    vm: Mutex<Option<Vm>>,
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts {
            status: Arc::new(ScriptStatus::default()),
            vm: Mutex::new(None),
        }
    }
}

impl Scripts {
    /// Runs `work` with the interpreter, creating it on first use (a
    /// server that never scripts never pays for one). Error: the sandbox
    /// failed to load, a bug reported as `ERR`.
    fn with_vm<T>(&self, work: impl FnOnce(&mut Vm) -> Result<T>) -> Result<T> {
        let mut slot = self.vm.lock();
        if slot.is_none() {
            let vm = Vm::new(self.status.clone())
                .map_err(|e| CommandError::err(format!("Lua interpreter failed to start: {e}")))?;
            *slot = Some(vm);
        }
        // Just filled when it was empty.
        let vm = slot.as_mut().expect("interpreter created above");
        work(vm)
    }

    /// Drops every cached script and the interpreter (`SCRIPT FLUSH`); the
    /// next script starts a fresh one.
    fn flush(&self) {
        let old = self.vm.lock().take();
        drop(old);
    }
}

/// True for the commands that run scripts: `EXEC` treats them as writes
/// when deciding to wrap its records in `MULTI`/`EXEC`, and the
/// connection runs them off the async workers.
pub fn runs_script(name: &[u8]) -> bool {
    [b"eval".as_slice(), b"evalsha", b"eval_ro", b"evalsha_ro"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

/// The scripting family's commands.
pub fn commands() -> Vec<CommandSpec> {
    const GROUP: &str = "scripting";
    const NOTES: &str =
        "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
    const NOTES_RO: &str =
        "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";
    const RW: &[KeySpecDef] =
        &[KeySpecDef::keynum(&["RW", "access", "update"], 2, 0, 1, 1).notes(NOTES)];
    const RW_SHA: &[KeySpecDef] = &[KeySpecDef::keynum(&["RW", "access", "update"], 2, 0, 1, 1)];
    const RO: &[KeySpecDef] = &[KeySpecDef::keynum(&["RO", "access"], 2, 0, 1, 1).notes(NOTES_RO)];
    const RO_SHA: &[KeySpecDef] = &[KeySpecDef::keynum(&["RO", "access"], 2, 0, 1, 1)];
    const RUN: &[&str] = &[
        "noscript",
        "stale",
        "skip_monitor",
        "no_mandatory_keys",
        "movablekeys",
    ];
    const RUN_RO: &[&str] = &[
        "readonly",
        "noscript",
        "stale",
        "skip_monitor",
        "no_mandatory_keys",
        "movablekeys",
    ];
    const CATS: &[&str] = &["slow", "scripting"];
    const ADMIN: &[&str] = &["noscript"];
    let runner = |name, handler, flags, specs, since, summary, syntax| {
        CommandSpec::new(name, -3, handler)
            .flags(flags)
            .categories(CATS)
            .keynum(2, 3, 1)
            .key_specs(specs)
            .doc(GROUP, since, summary, syntax)
    };
    vec![
        runner("eval", eval, RUN, RW, "2.6.0", "Execute a Lua script server side", "script numkeys [key [key ...]] [arg [arg ...]]"),
        runner("evalsha", evalsha, RUN, RW_SHA, "2.6.0", "Execute a Lua script server side", "sha1 numkeys [key [key ...]] [arg [arg ...]]"),
        runner("eval_ro", eval_ro, RUN_RO, RO, "7.0.0", "Execute a read-only Lua script server side", "script numkeys [key [key ...]] [arg [arg ...]]"),
        runner("evalsha_ro", evalsha_ro, RUN_RO, RO_SHA, "7.0.0", "Execute a read-only Lua script server side", "sha1 numkeys [key [key ...]] [arg [arg ...]]"),
        runner("fcall", fcall, RUN, RW, "7.0.0", "Invoke a function", "function numkeys [key [key ...]] [arg [arg ...]]"),
        runner("fcall_ro", fcall, RUN_RO, RO, "7.0.0", "Invoke a read-only function", "function numkeys [key [key ...]] [arg [arg ...]]"),
        CommandSpec::container(
            "script",
            vec![
                CommandSpec::new("script|load", 3, script_load)
                    .flags(&["noscript", "stale"])
                    .categories(CATS)
                    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
                    .doc(GROUP, "2.6.0", "Load the specified Lua script into the script cache.", "script"),
                CommandSpec::new("script|exists", -3, script_exists)
                    .flags(ADMIN)
                    .categories(CATS)
                    .tips(&["request_policy:all_shards", "response_policy:agg_logical_and"])
                    .doc(GROUP, "2.6.0", "Check existence of scripts in the script cache.", "sha1 [sha1 ...]"),
                CommandSpec::new("script|flush", -2, script_flush)
                    .flags(ADMIN)
                    .categories(CATS)
                    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
                    .doc(GROUP, "2.6.0", "Remove all the scripts from the script cache.", "[ASYNC|SYNC]"),
                CommandSpec::new("script|kill", 2, script_kill)
                    .flags(&["noscript", "allow_busy"])
                    .categories(CATS)
                    .tips(&["request_policy:all_shards", "response_policy:one_succeeded"])
                    .doc(GROUP, "2.6.0", "Kill the script currently in execution.", ""),
                CommandSpec::new("script|debug", 3, script_debug)
                    .flags(ADMIN)
                    .categories(CATS)
                    .doc(GROUP, "3.2.0", "Set the debug mode for executed scripts.", "YES|SYNC|NO"),
                CommandSpec::new("script|help", 2, script_help)
                    .flags(&["loading", "stale"])
                    .categories(CATS)
                    .doc(GROUP, "5.0.0", "Show helpful text about the different subcommands", ""),
            ],
        )
        .categories(&["slow"])
        .doc(GROUP, "2.6.0", "A container for Lua scripts management commands", ""),
        CommandSpec::container(
            "function",
            vec![
                CommandSpec::new("function|list", -2, function_list)
                    .flags(ADMIN)
                    .categories(CATS)
                    .tips(&["nondeterministic_output_order"])
                    .doc(GROUP, "7.0.0", "List information about all the functions", "[LIBRARYNAME library-name-pattern] [WITHCODE]"),
                CommandSpec::new("function|flush", -2, function_flush)
                    .flags(&["write", "noscript"])
                    .categories(&["write", "slow", "scripting"])
                    .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
                    .doc(GROUP, "7.0.0", "Deleting all functions", "[ASYNC|SYNC]"),
                CommandSpec::new("function|stats", 2, function_stats)
                    .flags(&["noscript", "allow_busy"])
                    .categories(CATS)
                    .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
                    .doc(GROUP, "7.0.0", "Return information about the function currently running (name, description, duration)", ""),
                CommandSpec::new("function|kill", 2, function_kill)
                    .flags(&["noscript", "allow_busy"])
                    .categories(CATS)
                    .tips(&["request_policy:all_shards", "response_policy:one_succeeded"])
                    .doc(GROUP, "7.0.0", "Kill the function currently in execution.", ""),
                CommandSpec::new("function|help", 2, function_help)
                    .flags(&["loading", "stale"])
                    .categories(CATS)
                    .doc(GROUP, "7.0.0", "Show helpful text about the different subcommands", ""),
            ],
        )
        .categories(&["slow"])
        .doc(GROUP, "7.0.0", "A container for function commands", ""),
    ]
}

/// `EVAL script numkeys [key ...] [arg ...]`.
fn eval(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    eval_generic(ctx, args, false, false)
}

/// `EVALSHA sha1 numkeys [key ...] [arg ...]`.
fn evalsha(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    eval_generic(ctx, args, true, false)
}

/// `EVAL_RO`: as `EVAL`, refusing write commands.
fn eval_ro(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    eval_generic(ctx, args, false, true)
}

/// `EVALSHA_RO`: as `EVALSHA`, refusing write commands.
fn evalsha_ro(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    eval_generic(ctx, args, true, true)
}

/// Splits `numkeys key... arg...`. Errors, as Redis 7.0: `ERR value is not
/// an integer or out of range`, `ERR Number of keys can't be negative`,
/// `ERR Number of keys can't be greater than number of args`.
fn keys_and_args(args: &mut Parse) -> Result<(Vec<Bytes>, Vec<Bytes>)> {
    let numkeys = args.next_i64()?;
    if numkeys < 0 {
        return Err(CommandError::err("Number of keys can't be negative"));
    }
    if numkeys as u64 > args.remaining() as u64 {
        return Err(CommandError::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let mut rest = args.rest();
    let argv = rest.split_off(numkeys as usize);
    Ok((rest, argv))
}

/// The four script-running commands. Reply: the script's (see
/// [`convert`]). Errors: compile errors, `NOSCRIPT`, the numkeys errors of
/// [`keys_and_args`], and the script's own error.
fn eval_generic(ctx: &mut Ctx, args: &mut Parse, by_sha: bool, read_only: bool) -> Result<Reply> {
    // Monitors see the script's command before the commands it runs.
    crate::monitor::feed_argv(ctx, args.argv());
    let source = args.next_bytes()?;
    let (keys, argv) = keys_and_args(args)?;
    let server = ctx.server.clone();
    let scripts = &server.scripts;
    let in_transaction = server.keyspace.in_exclusive();
    let reply = server.keyspace.exclusive(|| {
        scripts.with_vm(|vm| {
            let sha = if by_sha {
                let sha = String::from_utf8_lossy(&source).to_ascii_lowercase();
                if vm.get(&sha).is_none() {
                    return Err(CommandError(NOSCRIPT.into()));
                }
                sha
            } else {
                vm.load(&source).map_err(CommandError)?
            };
            // Present: found or loaded just above.
            let script = vm.get(&sha).expect("script cached above");
            let function = script.function.clone();
            let read_only = read_only || script.flags.no_writes;
            let _running = scripts.status.begin();
            let invocation = run::Invocation {
                sha,
                function,
                keys,
                args: argv,
                read_only,
                in_transaction,
                allow_oom: script.flags.allow_oom,
            };
            Ok(run::run(vm, ctx, invocation))
        })
    })?;
    Ok(reply)
}
