//! Server commands: `INFO`, `CONFIG`, `DBSIZE`, `FLUSHDB`, `FLUSHALL`,
//! `TIME`, `SHUTDOWN`, `LASTSAVE`, `SAVE`, `BGSAVE`.
//!
//! Arity, flags, ACL categories and docs are Redis 7.0's, read from
//! `COMMAND INFO` / `COMMAND DOCS` of a Redis 7.0.15 server.

pub(crate) mod config_cmd;
mod config_rewrite;
mod db;
mod info;
mod lifecycle;

#[cfg(test)]
mod conf_example;

use crate::state::Server;
use crate::table::CommandSpec;

pub use config_cmd::{help_reply, reset_stats};
pub use info::{Section, bytes_to_human, lru_clock, render_info};

/// Redis 7.0's tips for `FLUSHDB` and `FLUSHALL`: sent to every shard,
/// successful when all shards succeed.
const FLUSH_TIPS: &[&str] = &["request_policy:all_shards", "response_policy:all_succeeded"];

/// The server family's commands.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec::new("info", -1, info::info)
            .flags(&["loading", "stale"])
            .categories(&["slow", "dangerous"])
            .tips(&[
                "nondeterministic_output",
                "request_policy:all_shards",
                "response_policy:special",
            ])
            .doc(
                "server",
                "1.0.0",
                "Get information and statistics about the server",
                "[section [section ...]]",
            ),
        config_cmd::config(),
        CommandSpec::new("dbsize", 1, db::dbsize)
            .flags(&["readonly", "fast"])
            .categories(&["keyspace", "read", "fast"])
            .tips(&["request_policy:all_shards", "response_policy:agg_sum"])
            .doc(
                "server",
                "1.0.0",
                "Return the number of keys in the selected database",
                "",
            ),
        CommandSpec::new("flushdb", -1, db::flushdb)
            .flags(&["write"])
            .categories(&["keyspace", "write", "slow", "dangerous"])
            .tips(FLUSH_TIPS)
            .doc(
                "server",
                "1.0.0",
                "Remove all keys from the current database",
                "[ASYNC | SYNC]",
            ),
        CommandSpec::new("flushall", -1, db::flushall)
            .flags(&["write"])
            .categories(&["keyspace", "write", "slow", "dangerous"])
            .tips(FLUSH_TIPS)
            .doc(
                "server",
                "1.0.0",
                "Remove all keys from all databases",
                "[ASYNC | SYNC]",
            ),
        CommandSpec::new("time", 1, lifecycle::time)
            .flags(&["loading", "stale", "fast"])
            .categories(&["fast"])
            .tips(&["nondeterministic_output"])
            .doc("server", "2.6.0", "Return the current server time", ""),
        CommandSpec::new("shutdown", -1, lifecycle::shutdown)
            .flags(&[
                "admin",
                "noscript",
                "loading",
                "stale",
                "no_multi",
                "allow_busy",
            ])
            .categories(&["admin", "slow", "dangerous"])
            .doc(
                "server",
                "1.0.0",
                "Synchronously save the dataset to disk and then shut down the server",
                "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
            ),
        CommandSpec::new("lastsave", 1, lifecycle::lastsave)
            .flags(&["loading", "stale", "fast"])
            .categories(&["admin", "fast", "dangerous"])
            .tips(&["nondeterministic_output"])
            .doc(
                "server",
                "1.0.0",
                "Get the UNIX time stamp of the last successful save to disk",
                "",
            ),
        CommandSpec::new("save", 1, lifecycle::save)
            .flags(&["admin", "noscript", "no_async_loading", "no_multi"])
            .categories(&["admin", "slow", "dangerous"])
            .doc(
                "server",
                "1.0.0",
                "Synchronously save the dataset to disk",
                "",
            ),
        CommandSpec::new("bgsave", -1, lifecycle::bgsave)
            .flags(&["admin", "noscript", "no_async_loading"])
            .categories(&["admin", "slow", "dangerous"])
            .doc(
                "server",
                "1.0.0",
                "Asynchronously save the dataset to disk",
                "[SCHEDULE]",
            ),
        CommandSpec::new("bgrewriteaof", 1, lifecycle::bgrewriteaof)
            .flags(&["admin", "noscript", "no_async_loading"])
            .categories(&["admin", "slow", "dangerous"])
            .doc(
                "server",
                "1.0.0",
                "Asynchronously rewrite the append-only file to disk",
                "",
            ),
    ]
}

/// When the server started, in ms since the Unix epoch (`LASTSAVE`,
/// `rdb_last_save_time`): derived from the monotonic start instant so it
/// never moves while the server runs.
pub fn start_unix_ms(server: &Server) -> i64 {
    crate::keyspace::now_ms() - server.started.elapsed().as_millis() as i64
}
