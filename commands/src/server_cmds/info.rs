//! `INFO [section ...]`: server state in Redis's text format.
//!
//! The text is `# Section\r\nfield:value\r\n...`, with a blank line between
//! sections, as Redis 7.0's `genRedisInfoString`. Sections come out in a
//! fixed order whatever order they were asked for. Fields Redis prints for
//! features framekv does not have (RDB saves, replication) carry Redis's
//! neutral values so that tools parsing them keep working.

mod sections;

use std::fmt::{Display, Write as _};

use crate::ctx::Ctx;
use crate::error::Result;
use crate::parse::Parse;
use crate::reply::Reply;
use crate::state::Server;
use sections::{
    clients_section, commandstats_section, cpu_section, keyspace_section, memory_section,
    persistence_section, replication_section, server_section, stats_section,
};

/// One `INFO` section, in output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Version, process and uptime.
    Server,
    /// Connected clients.
    Clients,
    /// Memory use and limits.
    Memory,
    /// AOF and snapshot state.
    Persistence,
    /// Counters since start (or `CONFIG RESETSTAT`).
    Stats,
    /// Always `role:master`: framekv does not replicate.
    Replication,
    /// CPU time used by the process.
    Cpu,
    /// Always empty: framekv has no modules.
    Modules,
    /// Per-command counters (not in the default set).
    Commandstats,
    /// Error replies per error code (`errorstat_ERR:count=N`).
    Errorstats,
    /// Always `cluster_enabled:0`.
    Cluster,
    /// Keys per database.
    Keyspace,
    /// framekv's sessions and frames (`SPEC.md` §7).
    Sessions,
}

const ALL: &[Section] = &[
    Section::Server,
    Section::Clients,
    Section::Memory,
    Section::Persistence,
    Section::Stats,
    Section::Replication,
    Section::Cpu,
    Section::Modules,
    Section::Commandstats,
    Section::Errorstats,
    Section::Cluster,
    Section::Keyspace,
    Section::Sessions,
];

impl Section {
    /// The section named `name` (case-insensitive), as `INFO` accepts it.
    pub fn parse(name: &str) -> Option<Section> {
        let lower = name.to_ascii_lowercase();
        ALL.iter().copied().find(|s| s.name() == lower)
    }

    /// The lower-case name used in `INFO <section>`.
    pub fn name(self) -> &'static str {
        match self {
            Section::Server => "server",
            Section::Clients => "clients",
            Section::Memory => "memory",
            Section::Persistence => "persistence",
            Section::Stats => "stats",
            Section::Replication => "replication",
            Section::Cpu => "cpu",
            Section::Modules => "modules",
            Section::Commandstats => "commandstats",
            Section::Errorstats => "errorstats",
            Section::Cluster => "cluster",
            Section::Keyspace => "keyspace",
            Section::Sessions => "sessions",
        }
    }

    /// The `# Title` header.
    fn title(self) -> &'static str {
        match self {
            Section::Server => "Server",
            Section::Clients => "Clients",
            Section::Memory => "Memory",
            Section::Persistence => "Persistence",
            Section::Stats => "Stats",
            Section::Replication => "Replication",
            Section::Cpu => "CPU",
            Section::Modules => "Modules",
            Section::Commandstats => "Commandstats",
            Section::Errorstats => "Errorstats",
            Section::Cluster => "Cluster",
            Section::Keyspace => "Keyspace",
            Section::Sessions => "Sessions",
        }
    }

    /// Sections shown by `INFO` and `INFO default`: all but `commandstats`, as Redis.
    fn is_default(self) -> bool {
        self != Section::Commandstats
    }
}

/// `INFO [section [section ...]]` — server information.
///
/// Sections: `server`, `clients`, `memory`, `persistence`, `stats`,
/// `replication`, `cpu`, `modules`, `commandstats`, `errorstats`, `cluster`, `keyspace`,
/// `sessions`, plus `default` (all but `commandstats`), `all` and
/// `everything`. Names are case-insensitive; unknown names are ignored.
/// Reply: bulk string (RESP3: verbatim string of format `txt`). Matches
/// Redis 7.0.
pub fn info(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let mut wanted: Vec<Section> = Vec::new();
    if args.is_empty() {
        wanted.extend(ALL.iter().copied().filter(|s| s.is_default()));
    }
    while let Some(word) = args.try_next() {
        let word = String::from_utf8_lossy(&word).to_ascii_lowercase();
        match word.as_str() {
            "all" | "everything" => wanted.extend_from_slice(ALL),
            "default" => wanted.extend(ALL.iter().copied().filter(|s| s.is_default())),
            name => wanted.extend(Section::parse(name)),
        }
    }
    wanted.sort();
    wanted.dedup();
    let text = render_info(ctx.server, &wanted);
    Ok(if ctx.resp3() {
        Reply::Verbatim(text)
    } else {
        Reply::text(text)
    })
}

/// The `INFO` text for `sections` (any order; output follows [`Section`]'s order).
pub fn render_info(server: &Server, sections: &[Section]) -> String {
    let mut out = Info(String::new());
    for &section in ALL.iter().filter(|s| sections.contains(s)) {
        if !out.0.is_empty() {
            out.0.push_str("\r\n");
        }
        let _ = write!(out.0, "# {}\r\n", section.title());
        match section {
            Section::Server => server_section(&mut out, server),
            Section::Clients => clients_section(&mut out, server),
            Section::Memory => memory_section(&mut out, server),
            Section::Persistence => persistence_section(&mut out, server),
            Section::Stats => stats_section(&mut out, server),
            Section::Replication => replication_section(&mut out),
            Section::Cpu => cpu_section(&mut out),
            Section::Modules => {}
            Section::Commandstats => commandstats_section(&mut out),
            Section::Errorstats => {
                for (code, count) in server.stats.error_counts.lock().iter() {
                    out.field(&format!("errorstat_{code}"), format_args!("count={count}"));
                }
            }
            Section::Cluster => out.field("cluster_enabled", 0),
            Section::Keyspace => keyspace_section(&mut out, server),
            Section::Sessions => {
                for (name, value) in crate::session::info_fields(server) {
                    out.field(&name, value);
                }
            }
        }
    }
    out.0
}

/// The text being built; `field` appends `name:value\r\n`.
struct Info(String);

impl Info {
    fn field(&mut self, name: &str, value: impl Display) {
        let _ = write!(self.0, "{name}:{value}\r\n");
    }
}

/// Redis's `bytesToHuman`: `512B`, `1.50K`, `2.00M`, ... (powers of 1024).
pub fn bytes_to_human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2}{}", UNITS[unit])
}

/// Redis's LRU clock: Unix seconds modulo 2^24.
pub fn lru_clock(now_ms: i64) -> i64 {
    (now_ms / 1000) & ((1 << 24) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_to_human_matches_redis_units() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1536), "1.50K");
        assert_eq!(bytes_to_human(3 * 1024 * 1024), "3.00M");
        assert_eq!(bytes_to_human(5 * 1024 * 1024 * 1024), "5.00G");
    }

    #[test]
    fn sections_parse_case_insensitively_and_render_in_fixed_order() {
        assert_eq!(Section::parse("SeRvEr"), Some(Section::Server));
        assert_eq!(Section::parse("nosuch"), None);
        let server = Server::new(crate::config::Config::default(), None);
        let text = render_info(&server, &[Section::Keyspace, Section::Server]);
        let server_at = text.find("# Server\r\n").expect("server header");
        let keyspace_at = text
            .find("\r\n\r\n# Keyspace\r\n")
            .expect("keyspace header after a blank line");
        assert!(server_at == 0 && keyspace_at > server_at);
        assert!(text.contains("\r\nredis_version:7.0.15\r\n"));
        assert!(text.ends_with("\r\n"));
    }
}
