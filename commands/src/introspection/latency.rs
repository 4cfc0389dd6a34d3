//! `LATENCY` (the subset framekv has: latency monitoring is off, as in a
//! Redis whose `latency-monitor-threshold` is 0) and `WAIT` (no replicas).

use std::time::Duration;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::Parse;
use crate::reply::Reply;
use crate::table::CommandSpec;

/// The `LATENCY` container, as Redis 7.0 declares it.
pub fn latency() -> CommandSpec {
    const ADMIN: &[&str] = &["admin", "noscript", "loading", "stale"];
    const CATEGORIES: &[&str] = &["admin", "slow", "dangerous"];
    const READ_TIPS: &[&str] = &[
        "nondeterministic_output",
        "request_policy:all_nodes",
        "response_policy:special",
    ];
    CommandSpec::container(
        "latency",
        vec![
            CommandSpec::new("latency|latest", 2, latest)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(READ_TIPS)
                .doc("server", "2.8.13", "Return the latest latency samples for all events.", ""),
            CommandSpec::new("latency|history", 3, history)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(READ_TIPS)
                .doc("server", "2.8.13", "Return timestamp-latency samples for the event.", "event"),
            CommandSpec::new("latency|reset", -2, reset)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
                .doc("server", "2.8.13", "Reset latency data for one or more events.", "[event [event ...]]"),
            CommandSpec::new("latency|doctor", 2, doctor)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(READ_TIPS)
                .doc("server", "2.8.13", "Return a human readable latency analysis report.", ""),
            CommandSpec::new("latency|graph", 3, graph)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(READ_TIPS)
                .doc("server", "2.8.13", "Return a latency graph for the event.", "event"),
            CommandSpec::new("latency|histogram", -2, histogram)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(READ_TIPS)
                .doc(
                    "server",
                    "7.0.0",
                    "Return the cumulative distribution of latencies of a subset of commands or all.",
                    "[command [command ...]]",
                ),
            CommandSpec::new("latency|help", 2, help)
                .flags(&["loading", "stale"])
                .categories(&["slow"])
                .doc("server", "2.8.13", "Show helpful text about the different subcommands.", ""),
        ],
    )
    .categories(&["slow"])
    .doc("server", "2.8.13", "A container for latency diagnostics commands", "")
}

/// `WAIT numreplicas timeout`, as Redis 7.0 declares it.
pub fn wait_command() -> CommandSpec {
    CommandSpec::new("wait", 3, wait)
        .flags(&["noscript"])
        .categories(&["slow", "connection"])
        .tips(&["request_policy:all_shards", "response_policy:agg_min"])
        .doc(
            "generic",
            "3.0.0",
            "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
            "numreplicas timeout",
        )
}

/// `LATENCY LATEST`: no event was recorded (monitoring is off). Reply: `*0`.
fn latest(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Array(Vec::new()))
}

/// `LATENCY HISTORY event`: no samples. Reply: `*0`.
fn history(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.next_bytes()?;
    Ok(Reply::Array(Vec::new()))
}

/// `LATENCY RESET [event ...]`: the number of events reset (0).
fn reset(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.rest();
    Ok(Reply::Integer(0))
}

/// `LATENCY GRAPH event`. Error, as Redis without samples: `ERR No samples
/// available for event '<event>'`.
fn graph(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let event = args.next_string()?;
    Err(CommandError::err(format!(
        "No samples available for event '{event}'"
    )))
}

/// `LATENCY HISTOGRAM [command ...]`: framekv keeps no per-command
/// histograms yet. Reply: an empty map.
fn histogram(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.rest();
    Ok(Reply::Map(Vec::new()))
}

/// `LATENCY DOCTOR`: Redis's report for an instance with monitoring off.
fn doctor(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Verbatim(
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into(),
    ))
}

fn help(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(crate::server_cmds::help_reply(&[
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Print this help.",
    ]))
}

/// `WAIT numreplicas timeout` — framekv has no replicas: 0 at once when no
/// replica is asked for, else after `timeout` ms (0 waits forever), as
/// Redis with none connected. Errors: `ERR value is not an integer or out
/// of range`; `ERR timeout is negative`.
fn wait(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let replicas = args.next_i64()?;
    let timeout = args.next_i64()?;
    if timeout < 0 {
        return Err(CommandError::err("timeout is negative"));
    }
    if replicas <= 0 || ctx.server.keyspace.in_exclusive() {
        return Ok(Reply::Integer(0));
    }
    let timeout = (timeout > 0).then(|| Duration::from_millis(timeout as u64));
    let mut db = ctx.db();
    // Waiting on no key: only the timeout (or CLIENT UNBLOCK) ends it.
    Ok(crate::blocking::block(
        &mut db,
        ctx.client.db,
        Vec::new(),
        Box::new(|_, _| None),
        timeout,
        Reply::Integer(0),
    ))
}
