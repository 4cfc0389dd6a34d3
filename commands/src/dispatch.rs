//! Command dispatch: look-up, arity and permission checks, execution,
//! statistics, and the one place where errors become error replies.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use bytes::Bytes;

use crate::ctx::Ctx;
use crate::error::CommandError;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::{CommandSpec, Flag, table};

/// Executes one command (`argv[0]` is its name) for the client in `ctx` and
/// returns its reply. Never panics on any input; every failure is an error
/// reply.
pub fn execute(ctx: &mut Ctx, argv: Vec<Bytes>) -> Reply {
    ctx.server
        .stats
        .total_commands_processed
        .fetch_add(1, Relaxed);
    let reply = match resolve(&argv) {
        Ok(spec) => run(ctx, spec, argv),
        Err(e) => {
            crate::multi::flag_error(ctx);
            Reply::Error(e.0)
        }
    };
    if let Reply::Error(line) = &reply {
        ctx.server.stats.total_error_replies.fetch_add(1, Relaxed);
        ctx.server.stats.record_error(line);
    }
    reply
}

/// Finds the spec for `argv`, descending into subcommands, and checks arity.
/// Errors match Redis 7's texts for unknown commands and subcommands and for
/// wrong arity.
pub fn resolve(argv: &[Bytes]) -> Result<&'static CommandSpec, CommandError> {
    let Some(name) = argv.first() else {
        return Err(CommandError::err("empty command"));
    };
    let Some(spec) = table().get_bytes(name) else {
        return Err(unknown_command(&String::from_utf8_lossy(name), &argv[1..]));
    };
    if spec.subcommands.is_empty() {
        if !spec.arity_ok(argv.len()) {
            spec.stats.count_rejected();
            return Err(CommandError::wrong_arity(spec.name));
        }
        return Ok(spec);
    }
    let Some(sub) = argv.get(1) else {
        // A container that also runs on its own (`COMMAND` lists everything).
        if spec.handler.is_some() && spec.arity_ok(argv.len()) {
            return Ok(spec);
        }
        return Err(CommandError::wrong_arity(spec.name));
    };
    let full = format!(
        "{}|{}",
        spec.name,
        String::from_utf8_lossy(sub).to_ascii_lowercase()
    );
    let Some(sub_spec) = spec.subcommands.iter().find(|s| s.name == full) else {
        return Err(CommandError::err(format!(
            "unknown subcommand '{}'. Try {} HELP.",
            truncate(&String::from_utf8_lossy(sub), 128),
            spec.name.to_ascii_uppercase()
        )));
    };
    if !sub_spec.arity_ok(argv.len()) {
        sub_spec.stats.count_rejected();
        return Err(CommandError::wrong_arity(sub_spec.name));
    }
    Ok(sub_spec)
}

fn run(ctx: &mut Ctx, spec: &'static CommandSpec, argv: Vec<Bytes>) -> Reply {
    if let Some(why) = crate::protected::command_refusal(ctx, spec) {
        // Redis 7.0 checks protected commands (DEBUG) before authentication.
        spec.stats.count_rejected();
        crate::multi::flag_error(ctx);
        return Reply::Error(format!("ERR {why}"));
    }
    if !ctx.client.authenticated && !spec.has_flag(Flag::NoAuth) {
        spec.stats.count_rejected();
        return Reply::Error("NOAUTH Authentication required.".into());
    }
    if ctx.server.aof.status.is_loading() && !ctx.client.aof_loader && !spec.has_flag(Flag::Loading)
    {
        spec.stats.count_rejected();
        return Reply::Error("LOADING Redis is loading the dataset in memory".into());
    }
    if spec.has_flag(Flag::Write)
        && !ctx.client.aof_loader
        && let Some(error) = ctx.server.aof.write_error()
    {
        // Redis 7 refuses writes while the AOF cannot be written.
        spec.stats.count_rejected();
        return Reply::Error(format!("MISCONF Errors writing to the AOF file: {error}"));
    }
    if ctx.client.resp < 3
        && crate::pubsub::is_subscribed(ctx)
        && !crate::pubsub::allowed_while_subscribed(spec.name)
    {
        // Redis 7.0: a RESP2 connection in subscribed mode only (un)subscribes.
        spec.stats.count_rejected();
        crate::multi::flag_error(ctx);
        return Reply::Error(crate::pubsub::subscribed_mode_error(spec.name));
    }
    if let Some(e) = crate::monitor::keyspace_refusal(ctx, spec) {
        spec.stats.count_rejected();
        crate::multi::flag_error(ctx);
        return Reply::Error(e.0);
    }
    if !spec.has_flag(Flag::NoAuth)
        && let Err(e) = crate::acl::check(ctx, spec, &argv)
    {
        spec.stats.count_rejected();
        crate::multi::flag_error(ctx);
        return Reply::Error(e.0);
    }
    if let Some(line) = crate::evict::refusal(ctx, spec, &argv) {
        // `maxmemory`: one atomic load unless memory is over the limit.
        spec.stats.count_rejected();
        return Reply::Error(line);
    }
    if ctx.client.multi.is_some() && !crate::multi::runs_immediately(spec) {
        return crate::multi::queue(ctx, spec, argv);
    }
    // One clock read serves the client's activity time and the command's
    // duration.
    let started = ctx.started.unwrap_or_else(Instant::now);
    {
        let mut info = ctx.client.handle.info.lock();
        info.last_cmd = spec.name;
        info.last_interaction = started;
    }
    let Some(handler) = spec.handler else {
        return Reply::Error(CommandError::wrong_arity(spec.name).0);
    };
    // `resolve` found the spec by this name, so it is argv[0] lower-cased.
    let mut parse = Parse::resolved(argv, spec.top_name);
    if spec.top_name.len() < spec.name.len() {
        // The subcommand name was matched by `resolve`; handlers start after it.
        parse.try_next();
    }
    let result = handler(ctx, &mut parse);
    let finished = Instant::now();
    ctx.finished = Some(finished);
    let elapsed_us = finished.saturating_duration_since(started).as_micros() as u64;
    spec.stats.count_call(elapsed_us);
    // The cursor keeps the whole argv, so the slow log costs nothing unless
    // the command was slow.
    if ctx.server.slowlog.is_slow(elapsed_us) && !spec.has_flag(Flag::SkipSlowlog) {
        let argv = parse.argv();
        let shown = &argv[..argv.len().min(crate::introspection::slowlog::MAX_ARGS)];
        let name = ctx.client.handle.info.lock().name.clone();
        ctx.server.slowlog.record(
            shown,
            argv.len(),
            elapsed_us,
            &ctx.client.handle.addr,
            &name,
        );
    }
    crate::monitor::feed(ctx, spec, parse.argv());
    match result {
        Ok(reply) => reply,
        Err(e) => {
            spec.stats.count_failed();
            Reply::Error(e.0)
        }
    }
}

/// Runs `argv` (already resolved to `spec` by [`resolve`]) for the AOF
/// loader: the handler only, without the per-command book-keeping of
/// [`execute`] (statistics, slow log, the client's last command and
/// activity time), none of which a replayed command counts in, as Redis
/// loads without `call()`.
pub fn execute_loaded(ctx: &mut Ctx, spec: &'static CommandSpec, argv: Vec<Bytes>) -> Reply {
    let Some(handler) = spec.handler else {
        return Reply::Error(CommandError::wrong_arity(spec.name).0);
    };
    let mut parse = Parse::new(argv);
    if spec.name.contains('|') {
        parse.try_next();
    }
    match handler(ctx, &mut parse) {
        Ok(reply) => reply,
        Err(e) => Reply::Error(e.0),
    }
}

/// Redis 7's `ERR unknown command 'x', with args beginning with: 'a' 'b' `.
fn unknown_command(name: &str, args: &[Bytes]) -> CommandError {
    let mut text = format!(
        "unknown command '{}', with args beginning with: ",
        truncate(name, 128)
    );
    for arg in args {
        let arg = String::from_utf8_lossy(arg);
        if text.len() + arg.len() > 128 + 60 {
            break;
        }
        text.push_str(&format!("'{}' ", truncate(&arg, 128)));
    }
    CommandError::err(text)
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
