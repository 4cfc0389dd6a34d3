//! `MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP` and the
//! `DEBUG` subset framekv supports (`SLEEP`, `OBJECT`, `HELP`).

use std::time::Duration;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::keyspace::{Entry, Value};
use crate::parse::{Parse, parse_f64};
use crate::reply::Reply;
use crate::table::{CommandSpec, KeySpecDef};

/// `MEMORY USAGE`'s key specification as Redis 7.0 declares it: the key
/// is read-only without `access`, since the value is measured, never returned.
const USAGE_KEY_SPECS: &[KeySpecDef] = &[KeySpecDef::range(&["RO"], 2, 0, 1)];

/// The `MEMORY` container, as Redis 7.0 declares it.
pub fn memory() -> CommandSpec {
    let plain = |name, handler, summary| {
        CommandSpec::new(name, 2, handler)
            .categories(&["slow"])
            .doc("server", "4.0.0", summary, "")
    };
    // Redis 7.0's tips: reports are per shard and merged specially.
    const REPORT_TIPS: &[&str] = &[
        "nondeterministic_output",
        "request_policy:all_shards",
        "response_policy:special",
    ];
    CommandSpec::container(
        "memory",
        vec![
            CommandSpec::new("memory|usage", -3, memory_usage)
                .flags(&["readonly"])
                .categories(&["read", "slow"])
                .keys(2, 2, 1)
                .key_specs(USAGE_KEY_SPECS)
                .doc(
                    "server",
                    "4.0.0",
                    "Estimate the memory usage of a key",
                    "key [SAMPLES count]",
                ),
            plain("memory|stats", memory_stats, "Show memory usage details").tips(REPORT_TIPS),
            plain(
                "memory|doctor",
                memory_doctor,
                "Outputs memory problems report",
            )
            .tips(REPORT_TIPS),
            plain(
                "memory|malloc-stats",
                memory_malloc_stats,
                "Show allocator internal stats",
            )
            .tips(REPORT_TIPS),
            plain(
                "memory|purge",
                memory_purge,
                "Ask the allocator to release memory",
            )
            .tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
            plain(
                "memory|help",
                memory_help,
                "Show helpful text about the different subcommands",
            )
            .flags(&["loading", "stale"]),
        ],
    )
    .categories(&["slow"])
    .doc(
        "server",
        "4.0.0",
        "A container for memory diagnostics commands",
        "",
    )
}

/// `MEMORY USAGE key [SAMPLES count]` — approximate bytes used by the key,
/// its value and its slot in the database. Does not count as an access.
///
/// Reply: integer, or null when the key does not exist. Errors:
/// `ERR value is not an integer or out of range` for a non-numeric count,
/// `ERR syntax error` for a negative one or any other argument (Redis 7.0).
fn memory_usage(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let key = args.next_bytes()?;
    if args.eat_keyword("samples") {
        // framekv measures values exactly, so the sample count is only validated.
        if args.next_i64()? < 0 {
            return Err(CommandError::syntax());
        }
    }
    args.finish()?;
    let mut db = ctx.db();
    let Some(entry) = db.peek(&key, ctx.now_ms) else {
        return Ok(Reply::Null);
    };
    let bytes = key.len() + entry.value.memory_bytes() + std::mem::size_of::<Entry>();
    Ok(Reply::Integer(bytes as i64))
}

/// `MEMORY STATS` — a map of allocator totals and key counts, a subset of
/// Redis 7.0's fields (`peak.allocated`, `total.allocated`, `keys.count`,
/// `peak.percentage`).
fn memory_stats(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let used = crate::memory::used_memory() as u64;
    let peak = (crate::memory::peak_memory() as u64).max(used);
    let keyspace = &ctx.server.keyspace;
    let keys: usize = (0..keyspace.len()).map(|i| keyspace.db(i).len()).sum();
    let peak_pct = if peak == 0 {
        0.0
    } else {
        used as f64 * 100.0 / peak as f64
    };
    Ok(Reply::map_of(vec![
        ("peak.allocated", Reply::Integer(peak as i64)),
        ("total.allocated", Reply::Integer(used as i64)),
        ("keys.count", Reply::Integer(keys as i64)),
        ("peak.percentage", Reply::Double(peak_pct)),
    ]))
}

/// `MEMORY DOCTOR` — framekv has no memory advisor; the reply says where to look.
fn memory_doctor(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let text = "framekv has no memory doctor: see INFO memory, MEMORY STATS and INFO sessions.\n";
    Ok(if ctx.resp3() {
        Reply::Verbatim(text.into())
    } else {
        Reply::text(text)
    })
}

/// `MEMORY MALLOC-STATS` — Redis's text for an allocator it has no statistics
/// for (framekv does not read mimalloc's).
fn memory_malloc_stats(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    let text = "Stats not supported for the current allocator";
    Ok(if ctx.resp3() {
        Reply::Verbatim(text.into())
    } else {
        Reply::text(text)
    })
}

/// `MEMORY PURGE` — returns the freed pages that mimalloc still holds to
/// the system now ([`crate::memory::purge_freed`], forced), as Redis asks
/// jemalloc to purge its dirty pages. Reply: `+OK`.
fn memory_purge(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    crate::memory::purge_freed(true);
    Ok(Reply::ok())
}

/// `MEMORY HELP` — Redis 7.0's help text.
fn memory_help(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(crate::server_cmds::help_reply(&[
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ]))
}

/// `DEBUG`, as Redis 7.0 declares it (not a container: it parses its own
/// subcommand).
pub fn debug() -> CommandSpec {
    CommandSpec::new("debug", -2, debug_cmd)
        .flags(&["admin", "noscript", "loading", "stale"])
        .categories(&["admin", "slow", "dangerous"])
        .doc("server", "1.0.0", "A container for debugging commands", "")
}

/// `DEBUG SLEEP seconds | OBJECT key | HELP`.
///
/// `SLEEP` waits the given (fractional) seconds and replies `+OK`; unlike
/// Redis it blocks only the calling client, on a blocking-pool thread. The
/// number is read as `strtod` does, so a non-number sleeps 0 seconds.
/// `OBJECT` replies with Redis's status line `Value at:0x... refcount:1
/// encoding:... serializedlength:... lru:... lru_seconds_idle:...`, or
/// `ERR no such key`. Other subcommands or counts: `ERR unknown subcommand
/// or wrong number of arguments for 'x'. Try DEBUG HELP.`
fn debug_cmd(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let sub = args.next_bytes()?;
    let sub_text = String::from_utf8_lossy(&sub).into_owned();
    let rest = args.rest();
    match (sub_text.to_ascii_lowercase().as_str(), rest.as_slice()) {
        ("sleep", [seconds]) => {
            let seconds = parse_f64(seconds).filter(|s| *s > 0.0).unwrap_or(0.0);
            let duration =
                Duration::try_from_secs_f64(seconds.min(u32::MAX as f64)).unwrap_or_default();
            Ok(Reply::deferred(move || {
                std::thread::sleep(duration);
                Reply::ok()
            }))
        }
        ("object", [key]) => {
            let mut db = ctx.db();
            let entry = db
                .peek(key, ctx.now_ms)
                .ok_or_else(CommandError::no_such_key)?;
            Ok(Reply::Status(debug_object_line(entry, ctx.now_ms).into()))
        }
        ("help", []) => Ok(crate::server_cmds::help_reply(&[
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "OBJECT <key>",
            "    Show low-level info about the `key` and associated value.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "HELP",
            "    Prints this help.",
        ])),
        _ => Err(CommandError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            sub_text.chars().take(128).collect::<String>()
        ))),
    }
}

/// Redis's `DEBUG OBJECT` line for `entry`; a list adds its quicklist
/// figures ([`quicklist_stats`]).
fn debug_object_line(entry: &Entry, now_ms: i64) -> String {
    let address = &entry.value as *const Value as usize;
    let idle_s = entry.idle_ms(now_ms) / 1000;
    let mut line = format!(
        "Value at:0x{address:x} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{idle_s}",
        entry.refcount(),
        entry.encoding(),
        serialized_length(&entry.value),
        crate::server_cmds::lru_clock(now_ms - entry.idle_ms(now_ms)),
    );
    if let Value::List(list) = &entry.value {
        line.push_str(&quicklist_stats(list.items.iter().map(|i| &i[..])));
    }
    line
}

/// Bytes one element takes in a listpack: an integer in 2 to 10 bytes, a
/// string with a 1, 2 or 5 byte header, each plus its back-length bytes.
fn listpack_entry_bytes(item: &[u8]) -> usize {
    let body = match crate::parse::parse_i64(item) {
        Some(n) if (0..=127).contains(&n) => 1,
        Some(n) if (-4096..4096).contains(&n) => 2,
        Some(n) if (-32_768..32_768).contains(&n) => 3,
        Some(n) if (-8_388_608..8_388_608).contains(&n) => 4,
        Some(n) if (i32::MIN as i64..=i32::MAX as i64).contains(&n) => 5,
        Some(_) => 9,
        None if item.len() < 64 => 1 + item.len(),
        None if item.len() < 4096 => 2 + item.len(),
        None => 5 + item.len(),
    };
    let backlen = match body {
        0..128 => 1,
        128..16_384 => 2,
        16_384..2_097_152 => 3,
        2_097_152..268_435_456 => 4,
        _ => 5,
    };
    body + backlen
}

/// Redis 7.0's quicklist suffix of `DEBUG OBJECT` (` ql_nodes:... ql_avg_node:...
/// ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:...`), for
/// the elements pushed head to tail into 8 KiB listpack nodes
/// (`list-max-listpack-size -2`, no compression) as Redis fills them.
fn quicklist_stats<'a>(items: impl Iterator<Item = &'a [u8]>) -> String {
    const NODE_LIMIT: usize = 8192;
    const LISTPACK_OVERHEAD: usize = 7;
    const SIZE_ESTIMATE_OVERHEAD: usize = 8;
    let (mut nodes, mut count, mut total, mut node_bytes) = (0usize, 0usize, 0usize, 0usize);
    for item in items {
        let entry = listpack_entry_bytes(item);
        if nodes == 0 || node_bytes + item.len() + SIZE_ESTIMATE_OVERHEAD > NODE_LIMIT {
            nodes += 1;
            node_bytes = LISTPACK_OVERHEAD;
            total += LISTPACK_OVERHEAD;
        }
        node_bytes += entry;
        total += entry;
        count += 1;
    }
    let avg = if nodes == 0 {
        0.0
    } else {
        count as f64 / nodes as f64
    };
    format!(
        " ql_nodes:{nodes} ql_avg_node:{avg:.2} ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:{total}"
    )
}

/// Bytes the value would take in an RDB file: integers in 2, 3 or 5 bytes,
/// strings with a 1, 2 or 5 byte length prefix; other types by their memory.
fn serialized_length(value: &Value) -> usize {
    let Value::String(s) = value else {
        return value.memory_bytes();
    };
    match crate::parse::parse_i64(s) {
        Some(n) if (-128..=127).contains(&n) => 2,
        Some(n) if (-32_768..=32_767).contains(&n) => 3,
        Some(n) if (i32::MIN as i64..=i32::MAX as i64).contains(&n) => 5,
        _ if s.len() < 64 => s.len() + 1,
        _ if s.len() < 16_384 => s.len() + 2,
        _ => s.len() + 5,
    }
}

#[cfg(test)]
mod quicklist_tests {
    use super::quicklist_stats;

    /// Figures read from `DEBUG OBJECT` of a Redis 7.0.15.
    #[test]
    fn quicklist_figures_match_redis() {
        let one = [&b"a"[..]];
        assert_eq!(
            quicklist_stats(one.into_iter()),
            " ql_nodes:1 ql_avg_node:1.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:10"
        );
        let long = [b'y'; 100];
        let many: Vec<&[u8]> = (0..200).map(|_| &long[..]).collect();
        assert_eq!(
            quicklist_stats(many.into_iter()),
            " ql_nodes:3 ql_avg_node:66.67 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:20621"
        );
        let ints: [&[u8]; 5] = [b"1000", b"-5", b"70000", b"5000000", b"3000000000"];
        assert_eq!(
            quicklist_stats(ints.into_iter()),
            " ql_nodes:1 ql_avg_node:5.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:33"
        );
    }
}
