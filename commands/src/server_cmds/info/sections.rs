//! The `INFO` section builders (Server, Clients, Memory, ... Keyspace) and
//! the process/OS probes and counters that feed them.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use super::{Info, bytes_to_human, lru_clock};
use crate::state::Server;
use crate::table::{CommandSpec, table};

pub(super) fn server_section(out: &mut Info, server: &Server) {
    let uptime = server.started.elapsed().as_secs();
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    let hz = server.config.get_i64("hz");
    out.field("redis_version", "7.0.15");
    out.field("server_name", "framekv");
    out.field("framekv_version", env!("CARGO_PKG_VERSION"));
    out.field("redis_git_sha1", "00000000");
    out.field("redis_git_dirty", 0);
    out.field("redis_build_id", build_id());
    out.field("redis_mode", "standalone");
    out.field("os", os_description());
    out.field("arch_bits", usize::BITS);
    out.field("monotonic_clock", "POSIX clock_gettime");
    out.field("multiplexing_api", "epoll");
    out.field("atomicvar_api", "c11-builtin");
    out.field("gcc_version", "0.0.0");
    out.field("process_id", std::process::id());
    out.field("process_supervised", "no");
    out.field("run_id", &server.run_id);
    out.field("tcp_port", server.tcp_port.load(Relaxed));
    out.field("server_time_usec", now_us);
    out.field("uptime_in_seconds", uptime);
    out.field("uptime_in_days", uptime / 86_400);
    out.field("hz", hz);
    out.field("configured_hz", hz);
    out.field("lru_clock", lru_clock(crate::keyspace::now_ms()));
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    out.field("executable", exe);
    let config_file = server
        .config_file
        .as_deref()
        .map(|p| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.to_path_buf())
                .display()
                .to_string()
        })
        .unwrap_or_default();
    out.field("config_file", config_file);
    out.field("io_threads_active", 0);
}

pub(super) fn clients_section(out: &mut Info, server: &Server) {
    let clients = server.clients.all();
    let (mut max_qbuf, mut blocked) = (0, 0);
    for client in &clients {
        let info = client.info.lock();
        max_qbuf = max_qbuf.max(info.qbuf);
        blocked += usize::from(info.blocked);
    }
    out.field("connected_clients", clients.len());
    out.field("cluster_connections", 0);
    out.field("maxclients", server.config.get_i64("maxclients"));
    out.field("client_recent_max_input_buffer", max_qbuf);
    out.field("client_recent_max_output_buffer", 0);
    out.field("blocked_clients", blocked);
    out.field("tracking_clients", 0);
    out.field("clients_in_timeout_table", 0);
}

pub(super) fn memory_section(out: &mut Info, server: &Server) {
    let used = crate::memory::used_memory() as u64;
    let peak = (crate::memory::peak_memory() as u64).max(used);
    let rss = process_rss_bytes();
    let system = total_system_memory();
    let maxmemory = server.config.get_i64("maxmemory").max(0) as u64;
    out.field("used_memory", used);
    out.field("used_memory_human", bytes_to_human(used));
    out.field("used_memory_rss", rss);
    out.field("used_memory_rss_human", bytes_to_human(rss));
    out.field("used_memory_peak", peak);
    out.field("used_memory_peak_human", bytes_to_human(peak));
    out.field(
        "used_memory_peak_perc",
        format!("{:.2}%", percent(used, peak)),
    );
    out.field("total_system_memory", system);
    out.field("total_system_memory_human", bytes_to_human(system));
    out.field("maxmemory", maxmemory);
    out.field("maxmemory_human", bytes_to_human(maxmemory));
    out.field("maxmemory_policy", server.config.get("maxmemory-policy"));
    let fragmentation = if used == 0 {
        0.0
    } else {
        rss as f64 / used as f64
    };
    out.field("mem_fragmentation_ratio", format!("{fragmentation:.2}"));
    // The AOF writer's buffers: what maxmemory leaves out, as Redis 7.
    let aof_buffer = server.aof.buffered_bytes();
    out.field("mem_not_counted_for_evict", aof_buffer);
    out.field("mem_aof_buffer", aof_buffer);
    out.field("mem_allocator", "mimalloc");
    out.field(
        "lazyfree_pending_objects",
        crate::keyspace::lazyfree_pending(),
    );
}

pub(super) fn persistence_section(out: &mut Info, server: &Server) {
    // framekv has no RDB snapshots: the rdb_* fields say so as Redis does
    // before its first save; a rewrite is what `BGSAVE` starts.
    use std::sync::atomic::Ordering::Relaxed;
    let aof = &server.aof;
    let status = &aof.status;
    let loading = status.is_loading();
    out.field("loading", u8::from(loading));
    out.field("async_loading", 0);
    out.field("rdb_changes_since_last_save", 0);
    // BGSAVE starts a rewrite: scripts that wait on this field see it end.
    let rewriting = status.rewrite_in_progress.load(Relaxed);
    out.field("rdb_bgsave_in_progress", u8::from(rewriting));
    out.field("rdb_last_save_time", status.last_save_unix.load(Relaxed));
    out.field("rdb_last_bgsave_status", "ok");
    out.field("rdb_last_bgsave_time_sec", -1);
    out.field("rdb_current_bgsave_time_sec", -1);
    out.field("rdb_saves", 0);
    out.field(
        "aof_enabled",
        u8::from(server.config.get_bool("appendonly")),
    );
    out.field("aof_rewrite_in_progress", u8::from(rewriting));
    out.field(
        "aof_rewrite_scheduled",
        u8::from(status.rewrite_scheduled.load(Relaxed)),
    );
    out.field(
        "aof_last_rewrite_time_sec",
        status.last_rewrite_time_sec.load(Relaxed),
    );
    let current = status
        .rewrite_started
        .lock()
        .map_or(-1, |t| t.elapsed().as_secs() as i64);
    out.field("aof_current_rewrite_time_sec", current);
    let ok = |good: bool| if good { "ok" } else { "err" };
    out.field(
        "aof_last_bgrewrite_status",
        ok(status.last_rewrite_ok.load(Relaxed)),
    );
    out.field("aof_rewrites", status.rewrites.load(Relaxed));
    out.field(
        "aof_rewrites_consecutive_failures",
        status.consecutive_failures.load(Relaxed),
    );
    let writer = aof.writer();
    let write_ok = writer
        .as_ref()
        .is_none_or(|w| w.last_write_status().is_ok());
    out.field("aof_last_write_status", ok(write_ok));
    if aof.is_enabled() {
        out.field("aof_current_size", crate::aof::current_size(server));
        out.field("aof_base_size", status.base_size.load(Relaxed));
        out.field("aof_pending_rewrite", 0);
        out.field("aof_buffer_length", 0);
        out.field("aof_pending_bio_fsync", 0);
        out.field("aof_delayed_fsync", 0);
    }
    if loading {
        let total = status.loading_total_bytes.load(Relaxed);
        out.field(
            "loading_start_time",
            status.loading_start_unix.load(Relaxed),
        );
        out.field("loading_total_bytes", total);
        out.field("loading_rdb_used_mem", 0);
        let loaded = status.loading_loaded_bytes.load(Relaxed).min(total);
        let perc = if total == 0 {
            0.0
        } else {
            loaded as f64 * 100.0 / total as f64
        };
        let elapsed =
            (crate::keyspace::now_ms() / 1000 - status.loading_start_unix.load(Relaxed)).max(0);
        let eta = if loaded == 0 {
            1
        } else {
            ((total - loaded) as f64 * elapsed as f64 / loaded as f64) as i64
        };
        out.field("loading_loaded_bytes", loaded);
        out.field("loading_loaded_perc", format!("{perc:.2}"));
        out.field("loading_eta_seconds", eta);
    }
}

pub(super) fn stats_section(out: &mut Info, server: &Server) {
    let s = &server.stats;
    let (mut expired, mut hits, mut misses) = (0u64, 0u64, 0u64);
    for index in 0..server.keyspace.len() {
        let db = server.keyspace.db(index);
        expired += db.expired_keys;
        hits += db.hits;
        misses += db.misses;
    }
    let processed = s.total_commands_processed.load(Relaxed);
    out.field(
        "total_connections_received",
        s.total_connections_received.load(Relaxed),
    );
    out.field("total_commands_processed", processed);
    out.field("instantaneous_ops_per_sec", ops_per_sec(processed));
    out.field(
        "total_net_input_bytes",
        s.total_net_input_bytes.load(Relaxed),
    );
    out.field(
        "total_net_output_bytes",
        s.total_net_output_bytes.load(Relaxed),
    );
    out.field("instantaneous_input_kbps", "0.00");
    out.field("instantaneous_output_kbps", "0.00");
    out.field("rejected_connections", s.rejected_connections.load(Relaxed));
    out.field("sync_full", 0);
    out.field("sync_partial_ok", 0);
    out.field("sync_partial_err", 0);
    out.field("expired_keys", expired);
    out.field("expired_stale_perc", "0.00");
    out.field("expired_time_cap_reached_count", 0);
    out.field("evicted_keys", server.stats.evicted_keys.load(Relaxed));
    out.field("evicted_clients", 0);
    out.field("keyspace_hits", hits);
    out.field("keyspace_misses", misses);
    out.field("pubsub_channels", server.pubsub.channel_count());
    out.field("pubsub_patterns", server.pubsub.numpat());
    out.field("pubsubshard_channels", 0);
    // framekv does not fork: the rewrite's snapshot under every database
    // lock is the stall Redis's fork causes.
    out.field(
        "latest_fork_usec",
        server.aof.status.latest_snapshot_usec.load(Relaxed),
    );
    out.field("total_forks", 0);
    out.field("unexpected_error_replies", 0);
    out.field("total_error_replies", s.total_error_replies.load(Relaxed));
}

pub(super) fn replication_section(out: &mut Info) {
    static REPLID: LazyLock<String> = LazyLock::new(|| {
        let a = uuid::Uuid::new_v4().simple().to_string();
        let b = uuid::Uuid::new_v4().simple().to_string();
        format!("{a}{}", &b[..8])
    });
    out.field("role", "master");
    out.field("connected_slaves", 0);
    out.field("master_failover_state", "no-failover");
    out.field("master_replid", REPLID.as_str());
    out.field("master_replid2", "0".repeat(40));
    out.field("master_repl_offset", 0);
    out.field("second_repl_offset", -1);
    out.field("repl_backlog_active", 0);
    out.field("repl_backlog_size", 1_048_576);
    out.field("repl_backlog_first_byte_offset", 0);
    out.field("repl_backlog_histlen", 0);
}

pub(super) fn cpu_section(out: &mut Info) {
    let (user, sys) = process_cpu_seconds();
    out.field("used_cpu_sys", format!("{sys:.6}"));
    out.field("used_cpu_user", format!("{user:.6}"));
    out.field("used_cpu_sys_children", "0.000000");
    out.field("used_cpu_user_children", "0.000000");
}

/// `cmdstat_<name>:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..`
/// for every command and subcommand (`cmdstat_config|get`) that was called
/// or rejected, sorted by name.
pub(super) fn commandstats_section(out: &mut Info) {
    let mut specs: Vec<&CommandSpec> = table()
        .iter()
        .flat_map(|spec| std::iter::once(spec).chain(spec.subcommands.iter()))
        .collect();
    specs.sort_by_key(|spec| spec.name);
    for spec in specs {
        let calls = spec.stats.calls();
        let rejected = spec.stats.rejected_calls();
        if calls == 0 && rejected == 0 {
            continue;
        }
        let usec = spec.stats.usec();
        let per_call = if calls == 0 {
            0.0
        } else {
            usec as f64 / calls as f64
        };
        out.field(
            &format!("cmdstat_{}", spec.name),
            format!(
                "calls={calls},usec={usec},usec_per_call={per_call:.2},rejected_calls={rejected},failed_calls={}",
                spec.stats.failed_calls()
            ),
        );
    }
}

/// `db<N>:keys=..,expires=..,avg_ttl=0` for every non-empty database.
/// `avg_ttl` is 0 (Redis samples it; framekv does not estimate it).
pub(super) fn keyspace_section(out: &mut Info, server: &Server) {
    for index in 0..server.keyspace.len() {
        let (keys, expires) = {
            let db = server.keyspace.db(index);
            (db.len(), db.expires_count())
        };
        if keys > 0 {
            out.field(
                &format!("db{index}"),
                format!("keys={keys},expires={expires},avg_ttl=0"),
            );
        }
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// `Linux 6.1.0 x86_64`, as Redis prints `uname -s -r -m`.
fn os_description() -> String {
    let mut os = std::env::consts::OS.to_string();
    if let Some(first) = os.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let release = release.trim();
    if release.is_empty() {
        format!("{os} {}", std::env::consts::ARCH)
    } else {
        format!("{os} {release} {}", std::env::consts::ARCH)
    }
}

/// A stable 16-hex-digit id of this build (FNV-1a of the crate version and
/// target), standing in for Redis's `redis_build_id`.
fn build_id() -> String {
    let text = concat!(env!("CARGO_PKG_VERSION"), "-framekv");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes().chain(std::env::consts::ARCH.bytes()) {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Resident set size in bytes from `/proc/self/statm` (pages × 4096); 0
/// where that file does not exist.
fn process_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// `MemTotal` from `/proc/meminfo`, in bytes; 0 where unavailable.
fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// User and system CPU seconds of this process from `/proc/self/stat`
/// (`utime`, `stime`, in clock ticks of 1/100 s, Linux's USER_HZ); zeros
/// where unavailable.
fn process_cpu_seconds() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0.0);
    };
    // The command name (field 2) may contain spaces; fields after it are
    // plain numbers, starting with field 3 (state) at index 0.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return (0.0, 0.0);
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0) as f64
            / 100.0
    };
    (ticks(11), ticks(12))
}

/// Commands per second over the window since the previous sample (at least
/// one second old), shared by every `INFO` call in the process. The first
/// call, or one after a long pause, reports the rate since the last sample,
/// which Redis's 16-sample average approximates with more smoothing.
fn ops_per_sec(total_commands: u64) -> u64 {
    struct Sample {
        at: Instant,
        total: u64,
        rate: u64,
    }
    static LAST: Mutex<Option<Sample>> = Mutex::new(None);
    let now = Instant::now();
    let Ok(mut last) = LAST.lock() else {
        return 0;
    };
    match last.as_mut() {
        None => {
            *last = Some(Sample {
                at: now,
                total: total_commands,
                rate: 0,
            });
            0
        }
        Some(sample) if now.duration_since(sample.at) < Duration::from_secs(1) => sample.rate,
        Some(sample) => {
            let secs = now.duration_since(sample.at).as_secs_f64();
            let rate = (total_commands.saturating_sub(sample.total) as f64 / secs) as u64;
            *sample = Sample {
                at: now,
                total: total_commands,
                rate,
            };
            rate
        }
    }
}
