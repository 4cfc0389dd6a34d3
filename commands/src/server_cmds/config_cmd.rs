//! `CONFIG GET | SET | RESETSTAT | REWRITE | HELP`.

use std::collections::HashSet;
use std::sync::atomic::Ordering::Relaxed;

use crate::config::{self, Directive};
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::state::Server;
use crate::table::{CommandSpec, table};

const SUBCOMMAND_FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];
const SUBCOMMAND_CATEGORIES: &[&str] = &["admin", "slow", "dangerous"];

/// The `CONFIG` container and its subcommands, as Redis 7.0 declares them.
pub fn config() -> CommandSpec {
    CommandSpec::container(
        "config",
        vec![
            CommandSpec::new("config|get", -3, get)
                .flags(SUBCOMMAND_FLAGS)
                .categories(SUBCOMMAND_CATEGORIES)
                .doc(
                    "server",
                    "2.0.0",
                    "Get the values of configuration parameters",
                    "parameter [parameter ...]",
                ),
            CommandSpec::new("config|set", -4, set)
                .flags(SUBCOMMAND_FLAGS)
                .categories(SUBCOMMAND_CATEGORIES)
                .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
                .doc(
                    "server",
                    "2.0.0",
                    "Set configuration parameters to the given values",
                    "parameter value [parameter value ...]",
                ),
            CommandSpec::new("config|resetstat", 2, resetstat)
                .flags(SUBCOMMAND_FLAGS)
                .categories(SUBCOMMAND_CATEGORIES)
                .doc("server", "2.0.0", "Reset the stats returned by INFO", ""),
            CommandSpec::new("config|rewrite", 2, rewrite)
                .flags(SUBCOMMAND_FLAGS)
                .categories(SUBCOMMAND_CATEGORIES)
                .doc(
                    "server",
                    "2.8.0",
                    "Rewrite the configuration file with the in memory configuration",
                    "",
                ),
            CommandSpec::new("config|help", 2, help)
                .flags(&["loading", "stale"])
                .categories(&["slow"])
                .doc(
                    "server",
                    "5.0.0",
                    "Show helpful text about the different subcommands",
                    "",
                ),
        ],
    )
    .categories(&["slow"])
    .doc(
        "server",
        "2.0.0",
        "A container for server configuration commands",
        "",
    )
}

/// `CONFIG GET parameter [parameter ...]` — the directives matching any of
/// the glob patterns (case-insensitive), each listed once.
///
/// Reply: map of name to value (RESP2: flat array), as Redis 7.0.
fn get(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let patterns = args.rest();
    let mut seen = HashSet::new();
    let mut fields = Vec::new();
    for pattern in &patterns {
        for (name, value) in ctx.server.config.matching(pattern) {
            if seen.insert(name) {
                fields.push((Reply::text(name), Reply::text(value)));
            }
        }
    }
    Ok(Reply::Map(fields))
}

/// `CONFIG SET parameter value [parameter value ...]` — changes directives,
/// all or none.
///
/// Reply: `+OK`. Errors (Redis 7.0 texts, checked in Redis's order: names
/// first, then values): `ERR syntax error` for an odd argument count;
/// `ERR Unknown option or number of arguments for CONFIG SET - 'x'`;
/// `ERR CONFIG SET failed (possibly related to argument 'x') - can't set
/// immutable config` / `- can't set protected config` (see
/// [`crate::protected`]) / `- duplicate parameter` / `- <why the value is bad>`.
fn set(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let words = args.rest();
    if !words.len().is_multiple_of(2) {
        return Err(CommandError::syntax());
    }
    let mut chosen: Vec<&'static Directive> = Vec::new();
    for pair in words.chunks(2) {
        let name = String::from_utf8_lossy(&pair[0]);
        let directive = config::directive(&name).ok_or_else(|| {
            CommandError::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{name}'"
            ))
        })?;
        // Redis names the argument as typed in these two errors (the
        // directive's own name in the others).
        if !directive.mutable {
            return Err(set_failed_arg(&name, "can't set immutable config"));
        }
        if config::is_protected(directive) && !crate::protected::may_set_protected(ctx) {
            return Err(set_failed_arg(&name, "can't set protected config"));
        }
        if chosen.iter().any(|d| d.name == directive.name) {
            return Err(set_failed(directive, "duplicate parameter"));
        }
        chosen.push(directive);
    }
    let mut values = Vec::with_capacity(chosen.len());
    for (directive, pair) in chosen.iter().zip(words.chunks(2)) {
        let raw = String::from_utf8_lossy(&pair[1]);
        values.push(config::normalise(directive, &raw).map_err(|e| set_failed(directive, &e))?);
    }
    for (directive, value) in chosen.iter().zip(&values) {
        if let Some(why) = crate::aof::config_refusal(ctx.server, directive.name, value) {
            return Err(set_failed(directive, why));
        }
    }
    let tls_switch = reload_tls(ctx, &chosen, &values)?;
    if let Some((directive, dir)) = chosen.iter().zip(&values).find(|(d, _)| d.name == "dir") {
        // Redis 7's `updateDir`: the only side effect that can fail, so it
        // goes first and a failure leaves every setting as it was. An AOF
        // already open keeps its directory (its paths are absolute).
        std::env::set_current_dir(dir)
            .map_err(|e| set_failed(directive, &config::io_reason(&e)))?;
    }
    for (directive, value) in chosen.iter().zip(&values) {
        // Validated above, so this cannot fail; an error here would mean the
        // table and `normalise` disagree, which is worth surfacing.
        ctx.server
            .config
            .set_at_runtime(directive.name, value)
            .map_err(CommandError::err)?;
    }
    if let Some(switch) = tls_switch {
        switch();
    }
    ctx.server.slowlog.configure(&ctx.server.config);
    let names: Vec<&str> = chosen.iter().map(|d| d.name).collect();
    if names.contains(&"acl-pubsub-default") {
        crate::acl::Acl::set_pubsub_default(&ctx.server.config.get("acl-pubsub-default"));
    }
    if names.contains(&"requirepass") {
        // Redis 7.0: requirepass is the default user's password.
        ctx.server
            .acl
            .set_requirepass(&ctx.server.config.get("requirepass"));
    }
    crate::aof::config_changed(ctx.server, &names)?;
    tracing::info!(params = ?names, "CONFIG SET");
    if names.contains(&"appendfsync") && ctx.server.aof.is_enabled() {
        // Reopening the AOF fsyncs it: done on the blocking pool, before the
        // reply, so this client's next write is under the new policy.
        let server = ctx.server.clone();
        return Ok(Reply::deferred(move || {
            match server.aof.reopen(crate::aof::policy(&server)) {
                Ok(()) => Reply::ok(),
                Err(e) => Reply::Error(format!("ERR {e}")),
            }
        }));
    }
    Ok(Reply::ok())
}

/// The TLS context `CONFIG SET` of a `tls-*` file directive or
/// `tls-auth-clients` would give, built but not in use yet; `None` when no
/// such directive is set or TLS does not listen (then, as in Redis, the
/// values are only stored). Error, as Redis 7.0 words it, with the reason
/// in the log: the new files cannot be used, and nothing changes.
fn reload_tls(
    ctx: &Ctx,
    chosen: &[&'static Directive],
    values: &[String],
) -> Result<Option<Box<dyn FnOnce() + Send>>> {
    let Some(first) = chosen.iter().find(|d| d.name.starts_with("tls-")) else {
        return Ok(None);
    };
    let Some(reload) = ctx.server.tls_reload.get() else {
        return Ok(None);
    };
    let config = &ctx.server.config;
    let get = |name: &str| match chosen.iter().position(|d| d.name == name) {
        Some(i) => values[i].clone(),
        None => config.get(name),
    };
    reload(&get).map(Some).map_err(|why| {
        tracing::warn!(error = %why, "Failed applying new TLS configuration; keeping the previous one");
        set_failed(first, "Unable to update TLS configuration. Check server logs.")
    })
}

fn set_failed(directive: &Directive, why: &str) -> CommandError {
    set_failed_arg(directive.name, why)
}

fn set_failed_arg(argument: &str, why: &str) -> CommandError {
    CommandError::err(format!(
        "CONFIG SET failed (possibly related to argument '{argument}') - {why}"
    ))
}

/// `CONFIG RESETSTAT` — zeroes the counters `INFO` reports: server stats,
/// every command's and subcommand's `commandstats`, keyspace hits, misses
/// and expired keys, and the session/frame counters. The slow log is kept,
/// as in Redis 7.0.
///
/// Reply: `+OK`.
fn resetstat(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    reset_stats(ctx.server);
    Ok(Reply::ok())
}

/// Zeroes every `INFO` counter (see [`resetstat`]).
pub fn reset_stats(server: &Server) {
    let s = &server.stats;
    for counter in [
        &s.total_connections_received,
        &s.rejected_connections,
        &s.total_error_replies,
    ] {
        counter.store(0, Relaxed);
    }
    for counter in [
        &s.total_commands_processed,
        &s.total_net_input_bytes,
        &s.total_net_output_bytes,
    ] {
        counter.store(0, Relaxed);
    }
    s.error_counts.lock().clear();
    let f = &server.frame_stats;
    for counter in [&f.ops_applied, &f.undos, &f.redos, &f.sessions_expired] {
        counter.store(0, Relaxed);
    }
    f.op_latencies_us.lock().clear();
    for spec in table().iter() {
        spec.stats.reset();
        for sub in &spec.subcommands {
            sub.stats.reset();
        }
    }
    for index in 0..server.keyspace.len() {
        let mut db = server.keyspace.db(index);
        db.hits = 0;
        db.misses = 0;
        db.expired_keys = 0;
        db.expired_sessions = 0;
    }
}

/// `CONFIG REWRITE` — writes the live configuration into the config file the
/// server was started with (see [`super::config_rewrite`]).
///
/// Reply: `+OK`. Errors: `ERR The server is running without a config file`;
/// `ERR Rewriting config file: <OS error>`.
fn rewrite(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let Some(path) = ctx.server.config_file.as_deref() else {
        return Err(CommandError::err(
            "The server is running without a config file",
        ));
    };
    super::config_rewrite::rewrite_file(path, &ctx.server.config)
        .map_err(|e| CommandError::err(format!("Rewriting config file: {e}")))?;
    tracing::info!(path = %path.display(), "CONFIG REWRITE executed with success");
    Ok(Reply::ok())
}

/// `CONFIG HELP` — Redis 7.0's help text, one status line per element.
fn help(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(help_reply(&[
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ]))
}

/// A `... HELP` reply: an array of status lines, as Redis's `addReplyHelp`.
pub fn help_reply(lines: &[&str]) -> Reply {
    Reply::Array(
        lines
            .iter()
            .map(|l| Reply::Status((*l).to_string().into()))
            .collect(),
    )
}
