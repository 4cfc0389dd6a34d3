//! State shared by every connection: the keyspace, the live config, the
//! client registry, counters, and the shutdown signal.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::Notify;

use crate::client::ClientRegistry;
use crate::config::Config;
use crate::keyspace::Keyspace;

/// The server's shared state. One per process, behind an `Arc`.
pub struct Server {
    /// All databases.
    pub keyspace: Keyspace,
    /// Where write commands are logged (`appendonly`).
    pub aof: Arc<crate::aof::Aof>,
    /// Live configuration (`CONFIG GET/SET`).
    pub config: Config,
    /// Connected clients.
    pub clients: ClientRegistry,
    /// Server-wide counters (`INFO stats`).
    pub stats: Stats,
    /// Session and frame counters (`INFO sessions`).
    pub frame_stats: FrameStats,
    /// When the server started (`uptime_in_seconds`).
    pub started: Instant,
    /// 40 hex characters identifying this run (`run_id`).
    pub run_id: String,
    /// The config file given on the command line, if any (`config_file`).
    pub config_file: Option<PathBuf>,
    /// The port actually bound (differs from `port` when it was 0).
    pub tcp_port: AtomicU64,
    /// Commands slower than `slowlog-log-slower-than` (`SLOWLOG`).
    pub slowlog: crate::introspection::slowlog::Slowlog,
    /// Pub/Sub channel and pattern subscriptions (`SUBSCRIBE`, `PUBLISH`).
    pub pubsub: Arc<crate::pubsub::Registry>,
    /// Keyspace notifications (`notify-keyspace-events`).
    pub notifier: Arc<crate::notify::Notifier>,
    /// Clients in `MONITOR` mode.
    pub monitors: crate::monitor::Monitors,
    /// `CLIENT PAUSE` state.
    pub pause: crate::pause::Pause,
    /// Lua scripting: the interpreter, the script cache, the running script.
    pub scripts: crate::scripting::Scripts,
    /// ACL users and the ACL log.
    pub acl: crate::acl::Acl,
    /// Set by the binary when `tls-port` listens: see [`TlsReload`].
    pub tls_reload: std::sync::OnceLock<TlsReload>,
    shutdown_requested: AtomicBool,
    shutdown_notify: Notify,
}

/// Builds a new TLS context from candidate settings (`get(name)` gives the
/// value a `tls-*` directive would have after the `CONFIG SET`), without
/// putting it in use; the returned closure puts it in use for connections
/// accepted afterwards. Error: why the files cannot be used, for the log
/// (the client gets Redis 7's "Unable to update TLS configuration").
pub type TlsReload =
    Box<dyn Fn(&dyn Fn(&str) -> String) -> Result<Box<dyn FnOnce() + Send>, String> + Send + Sync>;

/// Counters for `INFO stats`.
#[derive(Default)]
pub struct Stats {
    /// Connections accepted since start.
    pub total_connections_received: AtomicU64,
    /// Commands executed since start.
    pub total_commands_processed: crate::shard::ShardedCounter,
    /// Connections refused because of `maxclients`.
    pub rejected_connections: AtomicU64,
    /// Bytes read from clients.
    pub total_net_input_bytes: crate::shard::ShardedCounter,
    /// Bytes written to clients.
    pub total_net_output_bytes: crate::shard::ShardedCounter,
    /// Error replies sent (`total_error_replies`).
    pub total_error_replies: AtomicU64,
    /// Keys removed to get under `maxmemory` (`evicted_keys`).
    pub evicted_keys: AtomicU64,
    /// Error replies per error code, the first word of the error line
    /// (`INFO errorstats`), in byte order as Redis lists them.
    pub error_counts: parking_lot::Mutex<std::collections::BTreeMap<String, u64>>,
}

/// The most distinct error codes `INFO errorstats` tracks; later new codes
/// are counted only in `total_error_replies` (bounds memory).
pub const MAX_ERROR_CODES: usize = 128;

impl Stats {
    /// Counts one error reply under its code: the text before the first
    /// space when that lies within the first 31 bytes, else `ERR` (Redis
    /// 7.0's `afterErrorReply`).
    pub fn record_error(&self, line: &str) {
        let code = match line.as_bytes().iter().take(31).position(|&b| b == b' ') {
            Some(end) if end > 0 => &line[..end],
            _ => "ERR",
        };
        let mut counts = self.error_counts.lock();
        if let Some(count) = counts.get_mut(code) {
            *count += 1;
        } else if counts.len() < MAX_ERROR_CODES {
            counts.insert(code.to_string(), 1);
        }
    }
}

/// Counters for `INFO sessions`.
#[derive(Default)]
pub struct FrameStats {
    /// Successful `FRAME.APPLY` calls.
    pub ops_applied: AtomicU64,
    /// Successful `FRAME.UNDO` calls.
    pub undos: AtomicU64,
    /// Successful `FRAME.REDO` calls.
    pub redos: AtomicU64,
    /// Sessions removed because their TTL ran out.
    pub sessions_expired: AtomicU64,
    /// Recent `FRAME.APPLY` latencies in microseconds (bounded ring).
    pub op_latencies_us: parking_lot::Mutex<std::collections::VecDeque<u64>>,
}

impl FrameStats {
    /// Records one op's latency, keeping the last 1024.
    pub fn record_op_latency(&self, us: u64) {
        let mut ring = self.op_latencies_us.lock();
        if ring.len() == 1024 {
            ring.pop_front();
        }
        ring.push_back(us);
    }
}

impl Server {
    /// A server with the given configuration (already validated).
    pub fn new(config: Config, config_file: Option<PathBuf>) -> Server {
        let databases = config.get_i64("databases").max(1) as usize;
        let port = config.get_i64("port") as u64;
        let slowlog = crate::introspection::slowlog::Slowlog::new(&config);
        let aof = Arc::new(crate::aof::Aof::default());
        let pubsub = Arc::new(crate::pubsub::Registry::default());
        let notifier = Arc::new(crate::notify::Notifier::new(Arc::clone(&pubsub)));
        notifier.configure(&config.get("notify-keyspace-events"));
        crate::acl::Acl::set_pubsub_default(&config.get("acl-pubsub-default"));
        let acl = crate::acl::Acl::default();
        acl.set_requirepass(&config.get("requirepass"));
        for line in config.user_lines.lock().iter() {
            if let Some((name, rules)) = line.split_first() {
                // Checked when the config was read.
                let _ = acl.set_user(name, rules);
            }
        }
        Server {
            keyspace: Keyspace::new(databases, &aof, &notifier, &config.lfu),
            aof,
            config,
            clients: ClientRegistry::default(),
            stats: Stats::default(),
            frame_stats: FrameStats::default(),
            started: Instant::now(),
            run_id: uuid::Uuid::new_v4().simple().to_string()
                + &uuid::Uuid::new_v4().simple().to_string()[..8],
            config_file,
            tcp_port: AtomicU64::new(port),
            slowlog,
            pubsub,
            notifier,
            monitors: Default::default(),
            pause: Default::default(),
            scripts: crate::scripting::Scripts::default(),
            acl,
            tls_reload: Default::default(),
            shutdown_requested: AtomicBool::new(false),
            shutdown_notify: Notify::new(),
        }
    }

    /// Asks the server to stop (`SHUTDOWN`, SIGTERM, SIGINT). Wakes every
    /// connection's read loop, which then closes: a connection registers at
    /// accept, before its loop first checks the flag, so none misses both.
    pub fn request_shutdown(&self) {
        self.shutdown_requested.store(true, Ordering::SeqCst);
        self.shutdown_notify.notify_waiters();
        for client in self.clients.all() {
            client.wake();
        }
    }

    /// True once a shutdown was requested.
    pub fn shutdown_requested(&self) -> bool {
        self.shutdown_requested.load(Ordering::SeqCst)
    }

    /// Resolves when a shutdown is requested.
    pub async fn shutdown_signal(&self) {
        let notified = self.shutdown_notify.notified();
        if self.shutdown_requested() {
            return;
        }
        notified.await;
    }
}
