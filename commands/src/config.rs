//! Config directives: the table of every directive framekv understands, with
//! its default, its type and whether `CONFIG SET` may change it, and the live
//! values. `src/config.rs` parses `redis.conf` files and command-line
//! overrides into this; `CONFIG GET/SET` read and write it.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering::Relaxed;

use parking_lot::RwLock;

use crate::glob::glob_match;

/// How a directive's value is validated and normalised.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `yes` / `no`.
    Bool,
    /// A decimal integer within the bounds.
    Int { min: i64, max: i64 },
    /// A byte count with an optional unit (`1gb`, `512mb`, `64k`), stored in
    /// bytes, within the bounds. `max` is at most `i64::MAX`: the value is
    /// read back with [`Config::get_i64`], which would turn anything larger
    /// into 0 (a `proto-max-bulk-len` or `client-query-buffer-limit` of 0
    /// refuses every request and disconnects every client).
    Memory { min: u64, max: u64 },
    /// One of the listed words (lower-case).
    Enum(&'static [&'static str]),
    /// Free text (paths, passwords, addresses).
    Text,
}

/// One config directive.
pub struct Directive {
    /// The directive's name, lower-case (`maxmemory-policy`).
    pub name: &'static str,
    /// Default value, in the form `CONFIG GET` shows.
    pub default: &'static str,
    /// Validation.
    pub kind: Kind,
    /// Whether `CONFIG SET` may change it at run time.
    pub mutable: bool,
    /// One line for `redis.conf.example`.
    pub doc: &'static str,
}

const fn d(
    name: &'static str,
    default: &'static str,
    kind: Kind,
    mutable: bool,
    doc: &'static str,
) -> Directive {
    Directive {
        name,
        default,
        kind,
        mutable,
        doc,
    }
}

const BOOL: Kind = Kind::Bool;
/// A memory directive with no lower bound (Redis: 0 ..= `LLONG_MAX`).
const MEM: Kind = mem(0);
const TEXT: Kind = Kind::Text;
/// Redis 7's protected-action setting (`enable-protected-configs`,
/// `enable-debug-command`, `enable-module-command`); see [`crate::protected`].
const PROTECTED_ACTION: Kind = Kind::Enum(&["no", "yes", "local"]);
const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}
/// A memory directive of at least `min` bytes, at most `i64::MAX`.
const fn mem(min: u64) -> Kind {
    Kind::Memory {
        min,
        max: i64::MAX as u64,
    }
}

/// Every directive framekv understands. `redis.conf.example` documents each one.
pub static DIRECTIVES: &[Directive] = &[
    d(
        "bind",
        "127.0.0.1",
        TEXT,
        false,
        "Addresses to listen on, space separated.",
    ),
    d(
        "port",
        "6379",
        int(0, 65535),
        false,
        "TCP port to listen on; 0 disables plain TCP when tls-port is set, else picks a free port.",
    ),
    d(
        "tls-port",
        "0",
        int(0, 65535),
        false,
        "TLS port to listen on besides port (0 = no TLS); needs tls-cert-file and tls-key-file.",
    ),
    d(
        "tls-cert-file",
        "",
        TEXT,
        true,
        "PEM certificate chain the server presents on tls-port (CONFIG SET reloads TLS for new connections).",
    ),
    d(
        "tls-key-file",
        "",
        TEXT,
        true,
        "PEM private key of tls-cert-file.",
    ),
    d(
        "tls-ca-cert-file",
        "",
        TEXT,
        true,
        "PEM CA bundle that client certificates must chain to (needed unless tls-auth-clients no).",
    ),
    d(
        "tls-auth-clients",
        "yes",
        Kind::Enum(&["yes", "no", "optional"]),
        true,
        "Client certificates on tls-port: yes requires one signed by the CA, optional checks one if sent, no ignores them.",
    ),
    d(
        "protected-mode",
        "yes",
        BOOL,
        true,
        "Refuse non-loopback clients when no password is set and bind is the default.",
    ),
    d(
        "enable-protected-configs",
        "no",
        PROTECTED_ACTION,
        false,
        "Whether CONFIG SET may change protected configs (dir, import-dir, export-dir): no, yes, or local (clients from 127.0.0.1 or ::1 only).",
    ),
    d(
        "enable-debug-command",
        "no",
        PROTECTED_ACTION,
        false,
        "Whether DEBUG may run: no, yes, or local (clients from 127.0.0.1 or ::1 only).",
    ),
    d(
        "enable-module-command",
        "no",
        PROTECTED_ACTION,
        false,
        "Accepted for Redis compatibility (no, yes, local); framekv has no MODULE command.",
    ),
    d(
        "dir",
        ".",
        TEXT,
        true,
        "Working directory: the AOF lives here (CONFIG SET needs enable-protected-configs).",
    ),
    d(
        "databases",
        "16",
        int(1, 1024),
        false,
        "Number of databases selectable with SELECT.",
    ),
    d(
        "logfile",
        "",
        TEXT,
        false,
        "Log file path; empty logs to stderr.",
    ),
    d(
        "loglevel",
        "notice",
        Kind::Enum(&["debug", "verbose", "notice", "warning"]),
        true,
        "Log verbosity.",
    ),
    d(
        "timeout",
        "0",
        int(0, i32::MAX as i64),
        true,
        "Close a client idle for this many seconds (0 = never).",
    ),
    d(
        "tcp-keepalive",
        "300",
        int(0, i32::MAX as i64),
        true,
        "TCP keepalive period in seconds (0 = off).",
    ),
    d(
        "maxclients",
        "10000",
        int(1, 1_000_000),
        true,
        "Maximum number of connected clients.",
    ),
    d(
        "requirepass",
        "",
        TEXT,
        true,
        "Password of the default user; empty means no password.",
    ),
    d(
        "proto-max-bulk-len",
        "536870912",
        // Redis 7's lower bound: below 1mb clients could not send ordinary
        // values. The upper bound is framekv's: a string value's length is
        // a u32 (Redis 7 allows up to 2^63 - 1).
        Kind::Memory {
            min: 1024 * 1024,
            max: crate::keyspace::StringValue::MAX_LEN as u64,
        },
        true,
        "Largest bulk string a client may send, in bytes (at most 4294967295).",
    ),
    d(
        "client-query-buffer-limit",
        "1073741824",
        // Redis 7's bounds: below 1mb every client is disconnected.
        mem(1024 * 1024),
        true,
        "Largest unparsed query buffer per client, in bytes.",
    ),
    d(
        crate::obuf::DIRECTIVE,
        crate::obuf::DEFAULT,
        TEXT,
        true,
        "Per client class (normal, replica, pubsub): <hard> <soft> <soft-seconds>; a client whose pending output passes hard, or stays over soft for soft-seconds, is closed (0 = no limit).",
    ),
    d(
        "maxmemory",
        "0",
        MEM,
        true,
        "Memory limit in bytes (0 = none).",
    ),
    d(
        "maxmemory-policy",
        "noeviction",
        Kind::Enum(&[
            "noeviction",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
        ]),
        true,
        "What to do when maxmemory is reached.",
    ),
    d(
        "maxmemory-samples",
        "5",
        int(1, 64),
        true,
        "Keys sampled per eviction.",
    ),
    d(
        "lfu-log-factor",
        "10",
        int(0, i32::MAX as i64),
        true,
        "LFU counter growth: an access increments it with probability 1/((counter-5)*factor+1); 0 counts every access.",
    ),
    d(
        "lfu-decay-time",
        "1",
        int(0, i32::MAX as i64),
        true,
        "Minutes after which an unaccessed key's LFU counter drops by one (0 = never decays).",
    ),
    d(
        "hz",
        "10",
        int(1, 500),
        true,
        "Background task frequency (active expiry cycles per second).",
    ),
    d(
        "save",
        "",
        TEXT,
        true,
        "RDB snapshot schedule: accepted and reported for compatibility (redis-benchmark reads it); framekv persists with the AOF only.",
    ),
    d(
        "appendonly",
        "yes",
        BOOL,
        true,
        "Log every write to the append-only file and load it at start (framekv default: yes).",
    ),
    d(
        "appendfilename",
        "appendonly.aof",
        TEXT,
        false,
        "Base name of the AOF files.",
    ),
    d(
        "appenddirname",
        "appendonlydir",
        TEXT,
        false,
        "Directory under dir holding the AOF files and manifest.",
    ),
    d(
        "appendfsync",
        "everysec",
        Kind::Enum(&["always", "everysec", "no"]),
        true,
        "When AOF records reach the disk: always (a reply waits for its fsync), everysec (at most ~1 s lost), no (the OS decides).",
    ),
    d(
        "aof-load-truncated",
        "yes",
        BOOL,
        true,
        "At start, cut a torn record off the end of the last AOF file and load the rest (no: refuse to start).",
    ),
    d(
        "auto-aof-rewrite-percentage",
        "100",
        int(0, i32::MAX as i64),
        true,
        "Rewrite the AOF in the background when it has grown by this percentage since the last rewrite (0 = never).",
    ),
    d(
        "auto-aof-rewrite-min-size",
        "67108864",
        MEM,
        true,
        "Smallest AOF size that triggers an automatic rewrite, in bytes.",
    ),
    d(
        "slowlog-log-slower-than",
        "10000",
        int(-1, i64::MAX),
        true,
        "Log commands slower than this many microseconds (-1 = never).",
    ),
    d(
        "acl-pubsub-default",
        "resetchannels",
        Kind::Enum(&["allchannels", "resetchannels"]),
        true,
        "The channels a new ACL user may use: none (resetchannels, Redis 7.0's default) or all (allchannels).",
    ),
    d(
        "aclfile",
        "",
        TEXT,
        false,
        "File of ACL users (`user <name> <rules...>` lines) loaded at start and by ACL LOAD, written by ACL SAVE (empty: none).",
    ),
    d(
        "busy-reply-threshold",
        "5000",
        int(0, i64::MAX),
        true,
        "Milliseconds a Lua script may run before other clients get BUSY and SCRIPT KILL may stop it (alias: lua-time-limit).",
    ),
    d(
        "slowlog-max-len",
        "128",
        int(0, i64::MAX),
        true,
        "Entries kept in the slow log.",
    ),
    d(
        "notify-keyspace-events",
        "",
        TEXT,
        true,
        "Keyspace notification classes (as Redis).",
    ),
    d(
        "session-default-ttl",
        "86400",
        int(0, i64::MAX / 1000),
        true,
        "Default SESSION.CREATE TTL in seconds (0 = never expire).",
    ),
    d(
        "frame-history-max",
        "50",
        int(1, 100_000),
        true,
        "Versions kept per table; the oldest go first.",
    ),
    d(
        "import-dir",
        "",
        TEXT,
        true,
        "Directory FRAME.LOAD ... FILE may read from; empty disables FILE loads.",
    ),
    d(
        "export-dir",
        "",
        TEXT,
        true,
        "Directory FRAME.EXPORT ... FILE may write to; empty disables FILE exports.",
    ),
];

/// Protected configs: `CONFIG SET` refuses them (`can't set protected
/// config`) unless `enable-protected-configs` allows the client (see
/// [`crate::protected`]). Redis 7.0 protects `dir` and `dbfilename`; framekv
/// adds every path directive. Names framekv does not have, and immutable
/// ones (refused anyway, immutability checked first as in Redis), are listed
/// so that making one of them mutable keeps it protected.
pub const PROTECTED: &[&str] = &[
    "dir",
    "dbfilename",
    "import-dir",
    "export-dir",
    "aclfile",
    "appenddirname",
    "appendfilename",
    "logfile",
];

/// True when `directive` is a protected config (see [`PROTECTED`]).
pub fn is_protected(directive: &Directive) -> bool {
    PROTECTED.contains(&directive.name)
}

/// The directive named `name` (case-insensitive).
pub fn directive(name: &str) -> Option<&'static Directive> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map_or(name, |(_, target)| target);
    DIRECTIVES
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Old directive names Redis 7.0 still accepts, with the directive each
/// one now names.
pub const ALIASES: &[(&str, &str)] = &[("lua-time-limit", "busy-reply-threshold")];

/// Parses a Redis memory value (`100`, `1k`, `1kb`, `5mb`, `2gb`; `k` = 1000,
/// `kb` = 1024, as Redis's `memtoull`). Returns bytes.
pub fn parse_memory(text: &str) -> Option<u64> {
    let lower = text.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mul)
}

/// Validates `value` for `directive` and returns its normalised form
/// (booleans lower-case, memory in bytes). Error: a message naming the problem.
pub fn normalise(directive: &Directive, value: &str) -> Result<String, String> {
    match directive.kind {
        Kind::Bool => match value.to_ascii_lowercase().as_str() {
            "yes" => Ok("yes".into()),
            "no" => Ok("no".into()),
            _ => Err("argument must be 'yes' or 'no'".into()),
        },
        Kind::Int { min, max } => {
            let n: i64 = value
                .parse()
                .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
            if n < min || n > max {
                return Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ));
            }
            Ok(n.to_string())
        }
        Kind::Memory { min, max } => {
            let n =
                parse_memory(value).ok_or_else(|| "argument must be a memory value".to_string())?;
            if n < min || n > max {
                return Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ));
            }
            Ok(n.to_string())
        }
        Kind::Enum(words) => {
            let lower = value.to_ascii_lowercase();
            if words.contains(&lower.as_str()) {
                Ok(lower)
            } else {
                Err("argument(s) must be one of the following: ".to_string() + &words.join(", "))
            }
        }
        Kind::Text => Ok(value.to_string()),
    }
}

/// The live configuration: every directive's current value.
pub struct Config {
    values: RwLock<BTreeMap<&'static str, Setting>>,
    /// `client-output-buffer-limit` as numbers, read without a lock.
    pub output_limits: std::sync::Arc<crate::obuf::Limits>,
    /// `maxmemory` in bytes (0 = none), read without a lock before every
    /// command (see [`crate::evict`]).
    pub maxmemory: std::sync::atomic::AtomicU64,
    /// `proto-max-bulk-len` and `client-query-buffer-limit` in bytes, read
    /// without a lock on every read from a client (see
    /// [`Config::proto_max_bulk_len`]).
    request_limits: RequestLimits,
    /// Whether an LFU `maxmemory-policy` is selected, `lfu-log-factor` and
    /// `lfu-decay-time`, read without a lock on every key access (shared
    /// with the keyspace).
    pub lfu: std::sync::Arc<crate::keyspace::LfuConfig>,
    /// The `user <name> <rules...>` lines of the config file, in order.
    pub user_lines: parking_lot::Mutex<Vec<Vec<String>>>,
}

/// A directive's value as `CONFIG GET` shows it, with its integer form parsed
/// once when set, since connections read some limits on every request.
struct Setting {
    text: String,
    /// `text` as an integer; 0 when it is not one.
    number: i64,
}

impl Setting {
    fn new(text: String) -> Setting {
        let number = text.parse().unwrap_or(0);
        Setting { text, number }
    }
}

/// The two limits a connection checks on every read, kept as atomics next
/// to their text so the hot path takes no lock and does no name lookup (two
/// `get_i64` calls were about 900 instructions a request at `-P 1`).
struct RequestLimits {
    /// `proto-max-bulk-len`, bytes.
    max_bulk_len: std::sync::atomic::AtomicI64,
    /// `client-query-buffer-limit`, bytes.
    query_buffer: std::sync::atomic::AtomicI64,
}

impl Default for RequestLimits {
    /// The directives' defaults, as [`Config::default`] stores them.
    fn default() -> Self {
        let default = |name| directive(name).map_or(0, |d| d.default.parse().unwrap_or(0));
        RequestLimits {
            max_bulk_len: default("proto-max-bulk-len").into(),
            query_buffer: default("client-query-buffer-limit").into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            values: RwLock::new(
                DIRECTIVES
                    .iter()
                    .map(|d| (d.name, Setting::new(d.default.to_string())))
                    .collect(),
            ),
            output_limits: Default::default(),
            maxmemory: Default::default(),
            request_limits: RequestLimits::default(),
            lfu: Default::default(),
            user_lines: Default::default(),
        }
    }
}

impl Config {
    /// The current value of `name`. Unknown names give an empty string.
    /// `dir` reads as the absolute working directory, as Redis's `getcwd`.
    pub fn get(&self, name: &str) -> String {
        if name == "dir" {
            return working_dir();
        }
        self.values
            .read()
            .get(name)
            .map(|v| v.text.clone())
            .unwrap_or_default()
    }

    /// `proto-max-bulk-len`: the largest bulk string a client may send, and
    /// the largest string a command may build, in bytes. Same value as
    /// `get_i64` (never negative), without its lock and lookup.
    pub fn proto_max_bulk_len(&self) -> u64 {
        self.request_limits.max_bulk_len.load(Relaxed).max(0) as u64
    }

    /// `client-query-buffer-limit`: the largest unparsed input a client may
    /// have buffered, in bytes. Same value as `get_i64` (never negative),
    /// without its lock and lookup.
    pub fn query_buffer_limit(&self) -> u64 {
        self.request_limits.query_buffer.load(Relaxed).max(0) as u64
    }

    /// The value of an integer or memory directive.
    pub fn get_i64(&self, name: &str) -> i64 {
        self.values.read().get(name).map_or(0, |v| v.number)
    }

    /// The value of a yes/no directive.
    pub fn get_bool(&self, name: &str) -> bool {
        self.values
            .read()
            .get(name)
            .is_some_and(|v| v.text == "yes")
    }

    /// Sets `name` to `value` after validation, ignoring `mutable` (start-up
    /// path). Error: unknown directive or invalid value, as a message.
    pub fn set_at_startup(&self, name: &str, value: &str) -> Result<(), String> {
        let directive = directive(name).ok_or_else(|| format!("unknown directive '{name}'"))?;
        let value = self.normalise_value(directive, value)?;
        self.values
            .write()
            .insert(directive.name, Setting::new(value));
        Ok(())
    }

    /// Sets `name` at run time (`CONFIG SET`). Error texts match Redis 7's
    /// `ERR Unknown option or number of arguments for CONFIG SET - 'x'` and
    /// `ERR CONFIG SET failed (possibly related to argument 'x') - ...`.
    pub fn set_at_runtime(&self, name: &str, value: &str) -> Result<(), String> {
        let Some(directive) = directive(name) else {
            return Err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{name}'"
            ));
        };
        if !directive.mutable {
            return Err(format!(
                "CONFIG SET failed (possibly related to argument '{}') - can't set immutable config",
                directive.name
            ));
        }
        let value = self.normalise_value(directive, value).map_err(|e| {
            format!(
                "CONFIG SET failed (possibly related to argument '{}') - {e}",
                directive.name
            )
        })?;
        self.values
            .write()
            .insert(directive.name, Setting::new(value));
        Ok(())
    }

    /// [`normalise`], except that `client-output-buffer-limit` updates only
    /// the classes named (as Redis) and refreshes [`Config::output_limits`].
    fn normalise_value(&self, directive: &Directive, value: &str) -> Result<String, String> {
        if directive.name == "maxmemory" {
            // Both setters store what this returns, so the cache follows.
            let text = normalise(directive, value)?;
            let bytes = text.parse().unwrap_or(0);
            self.maxmemory.store(bytes, Relaxed);
            return Ok(text);
        }
        if directive.name != crate::obuf::DIRECTIVE {
            let text = normalise(directive, value)?;
            // Both setters store what this returns, so the atomics follow.
            match directive.name {
                "maxmemory-policy" => self.lfu.set_policy(&text),
                "lfu-log-factor" => self.lfu.set_log_factor(text.parse().unwrap_or(0)),
                "lfu-decay-time" => self.lfu.set_decay_minutes(text.parse().unwrap_or(0)),
                "proto-max-bulk-len" => self
                    .request_limits
                    .max_bulk_len
                    .store(text.parse().unwrap_or(0), Relaxed),
                "client-query-buffer-limit" => self
                    .request_limits
                    .query_buffer
                    .store(text.parse().unwrap_or(0), Relaxed),
                _ => {}
            }
            return Ok(text);
        }
        let merged = crate::obuf::merge(&self.get(directive.name), value)?;
        self.output_limits.store(&merged);
        Ok(merged)
    }

    /// `(name, value)` for every directive matching the glob `pattern`
    /// (case-insensitive), sorted by name.
    pub fn matching(&self, pattern: &[u8]) -> Vec<(&'static str, String)> {
        let mut found = self
            .values
            .read()
            .iter()
            .filter(|(name, _)| glob_match(pattern, name.as_bytes(), true))
            .map(|(name, value)| match *name {
                "dir" => (*name, working_dir()),
                _ => (*name, value.text.clone()),
            })
            .collect::<Vec<_>>();
        // After the read guard is gone: `get` takes it again.
        for (alias, target) in ALIASES {
            if glob_match(pattern, alias.as_bytes(), true) {
                found.push((*alias, self.get(target)));
            }
        }
        found
    }
}

/// An I/O error as C's `strerror` words it ("No such file or directory"),
/// for the config errors Redis words that way.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// The process's working directory (what `dir` was last set to), or `.`
/// when it cannot be read (it was removed).
fn working_dir() -> String {
    std::env::current_dir().map_or_else(|_| ".".to_string(), |d| d.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_limits_follow_both_setters() {
        let config = Config::default();
        for name in ["proto-max-bulk-len", "client-query-buffer-limit"] {
            let cached = |c: &Config| match name {
                "proto-max-bulk-len" => c.proto_max_bulk_len(),
                _ => c.query_buffer_limit(),
            };
            let stored = |c: &Config| c.get_i64(name) as u64;
            assert_eq!(cached(&config), stored(&config), "{name} default");
            config.set_at_startup(name, "3mb").unwrap();
            assert_eq!(cached(&config), 3 * 1024 * 1024, "{name} at start-up");
            config.set_at_runtime(name, "2097152").unwrap();
            assert_eq!(cached(&config), 2 * 1024 * 1024, "{name} by CONFIG SET");
            // A refused value changes neither form.
            assert!(config.set_at_runtime(name, "1k").is_err());
            assert_eq!(cached(&config), stored(&config), "{name} after a refusal");
        }
    }

    #[test]
    fn memory_units_follow_redis_memtoull() {
        assert_eq!(parse_memory("512mb"), Some(512 * 1024 * 1024));
        assert_eq!(parse_memory("1k"), Some(1000));
        assert_eq!(parse_memory("1KB"), Some(1024));
        assert_eq!(parse_memory("12x"), None);
    }

    #[test]
    fn runtime_set_refuses_immutable_and_bad_values() {
        let c = Config::default();
        assert!(c.set_at_runtime("port", "1").is_err());
        assert!(c.set_at_runtime("frame-history-max", "zero").is_err());
        c.set_at_runtime("FRAME-HISTORY-MAX", "7").unwrap();
        assert_eq!(c.get_i64("frame-history-max"), 7);
        assert_eq!(c.matching(b"frame-*").len(), 1);
    }
}
