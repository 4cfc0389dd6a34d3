//! The slow log: commands that ran longer than `slowlog-log-slower-than`
//! microseconds, newest first, at most `slowlog-max-len` of them; and the
//! `SLOWLOG GET | LEN | RESET | HELP` commands that read it. Matches Redis 7.0.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::config::Config;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::table::CommandSpec;

/// Arguments kept per entry; the last kept slot says how many were left out.
pub const MAX_ARGS: usize = 32;
/// Bytes kept per argument; longer ones end with how many were left out.
const MAX_ARG_BYTES: usize = 128;

/// One logged command.
pub struct SlowlogEntry {
    /// Increasing id, never reused (not even after `SLOWLOG RESET`).
    pub id: u64,
    /// When it ran, Unix seconds.
    pub unix_time: i64,
    /// How long it ran, microseconds.
    pub duration_us: u64,
    /// Its arguments, truncated as described on [`Slowlog::record`].
    pub args: Vec<Bytes>,
    /// Client address, `ip:port`.
    pub addr: String,
    /// Client name (`CLIENT SETNAME`), possibly empty.
    pub name: String,
}

/// The slow log, shared by all connections (held by [`crate::state::Server`]).
pub struct Slowlog {
    entries: Mutex<VecDeque<SlowlogEntry>>,
    next_id: AtomicU64,
    /// Cached `slowlog-log-slower-than` (µs; negative = off), read on every
    /// command, so kept out of the config lock.
    threshold_us: AtomicI64,
    /// Cached `slowlog-max-len`.
    max_len: AtomicI64,
}

impl Slowlog {
    /// An empty slow log configured from `config`.
    pub fn new(config: &Config) -> Slowlog {
        let log = Slowlog {
            entries: Mutex::new(VecDeque::new()),
            next_id: AtomicU64::new(0),
            threshold_us: AtomicI64::new(10_000),
            max_len: AtomicI64::new(128),
        };
        log.configure(config);
        log
    }

    /// Re-reads `slowlog-log-slower-than` and `slowlog-max-len` (after
    /// `CONFIG SET`), trimming the log to the new length.
    pub fn configure(&self, config: &Config) {
        self.threshold_us
            .store(config.get_i64("slowlog-log-slower-than"), Relaxed);
        let max_len = config.get_i64("slowlog-max-len").max(0);
        self.max_len.store(max_len, Relaxed);
        self.entries.lock().truncate(max_len as usize);
    }

    /// True when commands may be logged at all (a non-negative threshold and
    /// room for at least one entry).
    pub fn enabled(&self) -> bool {
        self.threshold_us.load(Relaxed) >= 0 && self.max_len.load(Relaxed) > 0
    }

    /// True when a command that took `duration_us` belongs in the log.
    pub fn is_slow(&self, duration_us: u64) -> bool {
        let threshold = self.threshold_us.load(Relaxed);
        threshold >= 0 && self.max_len.load(Relaxed) > 0 && duration_us as i64 >= threshold
    }

    /// Logs a command that took `duration_us` if that reaches the threshold.
    /// `argv` holds up to [`MAX_ARGS`] leading arguments of a command that had
    /// `argc` in all. As Redis: with more than 32 arguments the 32nd slot
    /// reads `... (N more arguments)`, and an argument over 128 bytes keeps
    /// its first 128 followed by `... (N more bytes)`.
    pub fn record(&self, argv: &[Bytes], argc: usize, duration_us: u64, addr: &str, name: &str) {
        if !self.is_slow(duration_us) {
            return;
        }
        let max_len = self.max_len.load(Relaxed);
        let kept = if argc > MAX_ARGS {
            MAX_ARGS - 1
        } else {
            argc.min(argv.len())
        };
        let secret = redacted_positions(argv);
        let mut args: Vec<Bytes> = argv[..kept.min(argv.len())]
            .iter()
            .enumerate()
            .map(|(i, arg)| {
                if secret.contains(&i) {
                    Bytes::from_static(b"(redacted)")
                } else {
                    truncate_arg(arg)
                }
            })
            .collect();
        if argc > MAX_ARGS {
            args.push(Bytes::from(format!("... ({} more arguments)", argc - kept)));
        }
        let entry = SlowlogEntry {
            id: self.next_id.fetch_add(1, Relaxed),
            unix_time: crate::keyspace::now_ms() / 1000,
            duration_us,
            args,
            addr: addr.to_string(),
            name: name.to_string(),
        };
        let mut entries = self.entries.lock();
        entries.push_front(entry);
        entries.truncate(max_len as usize);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// True when the log is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every entry.
    pub fn reset(&self) {
        self.entries.lock().clear();
    }

    /// The `SLOWLOG GET` reply for the newest `count` entries (all when `None`).
    fn reply(&self, count: Option<usize>) -> Reply {
        let entries = self.entries.lock();
        let n = count.unwrap_or(entries.len()).min(entries.len());
        Reply::Array(
            entries
                .iter()
                .take(n)
                .map(|e| {
                    Reply::Array(vec![
                        Reply::Integer(e.id as i64),
                        Reply::Integer(e.unix_time),
                        Reply::Integer(e.duration_us as i64),
                        Reply::Array(e.args.iter().cloned().map(Reply::Bulk).collect()),
                        Reply::text(e.addr.clone()),
                        Reply::text(e.name.clone()),
                    ])
                })
                .collect(),
        )
    }
}

/// The argv indexes holding secrets that logs must not show, as Redis 7.0
/// redacts them: every `AUTH` argument, the user name and password after
/// `HELLO ... AUTH`, and the value of `CONFIG SET requirepass`.
pub fn redacted_positions(argv: &[Bytes]) -> Vec<usize> {
    let is = |i: usize, word: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
    };
    if is(0, "auth") {
        return (1..argv.len()).collect();
    }
    if is(0, "hello") {
        return match (2..argv.len()).find(|&i| is(i, "auth")) {
            Some(at) => vec![at + 1, at + 2],
            None => Vec::new(),
        };
    }
    if is(0, "config") && is(1, "set") {
        return (2..argv.len())
            .step_by(2)
            .filter(|&i| is(i, "requirepass"))
            .map(|i| i + 1)
            .collect();
    }
    Vec::new()
}

fn truncate_arg(arg: &Bytes) -> Bytes {
    if arg.len() <= MAX_ARG_BYTES {
        // A copy: the argument may be a slice of the client's read buffer,
        // which an entry should not keep alive.
        return Bytes::copy_from_slice(arg);
    }
    let mut out = arg[..MAX_ARG_BYTES].to_vec();
    out.extend_from_slice(format!("... ({} more bytes)", arg.len() - MAX_ARG_BYTES).as_bytes());
    Bytes::from(out)
}

/// The `SLOWLOG` container, as Redis 7.0 declares it.
pub fn slowlog() -> CommandSpec {
    const ADMIN: &[&str] = &["admin", "loading", "stale"];
    const CATEGORIES: &[&str] = &["admin", "slow", "dangerous"];
    CommandSpec::container(
        "slowlog",
        vec![
            CommandSpec::new("slowlog|get", -2, get)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(&["request_policy:all_nodes", "nondeterministic_output"])
                .doc("server", "2.2.12", "Get the slow log's entries", "[count]"),
            CommandSpec::new("slowlog|len", 2, len)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(&[
                    "request_policy:all_nodes",
                    "response_policy:agg_sum",
                    "nondeterministic_output",
                ])
                .doc("server", "2.2.12", "Get the slow log's length", ""),
            CommandSpec::new("slowlog|reset", 2, reset)
                .flags(ADMIN)
                .categories(CATEGORIES)
                .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
                .doc(
                    "server",
                    "2.2.12",
                    "Clear all entries from the slow log",
                    "",
                ),
            CommandSpec::new("slowlog|help", 2, help)
                .flags(&["loading", "stale"])
                .categories(&["slow"])
                .doc(
                    "server",
                    "6.2.0",
                    "Show helpful text about the different subcommands",
                    "",
                ),
        ],
    )
    .categories(&["slow"])
    .doc("server", "2.2.12", "A container for slow log commands", "")
}

/// `SLOWLOG GET [count]` — the newest `count` entries (default 10, -1 for
/// all), each `[id, unix time, duration µs, [arg ...], addr, client name]`.
///
/// Error: `ERR count should be greater than or equal to -1`.
fn get(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    let count = match args.try_next() {
        None => Some(10),
        Some(raw) => match parse_i64(&raw) {
            Some(-1) => None,
            Some(n) if n >= 0 => Some(n as usize),
            _ => {
                return Err(CommandError::err(
                    "count should be greater than or equal to -1",
                ));
            }
        },
    };
    // Arity -2 lets extra words through; Redis answers those with its
    // generic subcommand error.
    if !args.is_empty() {
        return Err(unknown_subcommand("get"));
    }
    Ok(ctx.server.slowlog.reply(count))
}

/// `SLOWLOG LEN` — the number of entries. Reply: integer.
fn len(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(Reply::Integer(ctx.server.slowlog.len() as i64))
}

/// `SLOWLOG RESET` — empties the log. Reply: `+OK`.
fn reset(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    ctx.server.slowlog.reset();
    Ok(Reply::ok())
}

/// `SLOWLOG HELP` — Redis 7.0's help text.
fn help(_ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    Ok(crate::server_cmds::help_reply(&[
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ]))
}

fn unknown_subcommand(sub: &str) -> CommandError {
    CommandError::err(format!(
        "unknown subcommand or wrong number of arguments for '{sub}'. Try SLOWLOG HELP."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(threshold: &str, max_len: &str) -> Slowlog {
        let config = Config::default();
        config
            .set_at_runtime("slowlog-log-slower-than", threshold)
            .unwrap();
        config.set_at_runtime("slowlog-max-len", max_len).unwrap();
        Slowlog::new(&config)
    }

    #[test]
    fn records_only_at_or_over_the_threshold_newest_first_bounded() {
        let log = log("100", "2");
        let argv = |s: &str| vec![Bytes::from(s.to_string())];
        log.record(&argv("fast"), 1, 99, "1.2.3.4:5", "");
        log.record(&argv("a"), 1, 100, "1.2.3.4:5", "");
        log.record(&argv("b"), 1, 500, "1.2.3.4:5", "n");
        log.record(&argv("c"), 1, 500, "1.2.3.4:5", "n");
        let entries = log.entries.lock();
        let names: Vec<&[u8]> = entries.iter().map(|e| e.args[0].as_ref()).collect();
        assert_eq!(names, [b"c".as_ref(), b"b".as_ref()]);
        assert_eq!(entries[0].id, 2);
    }

    #[test]
    fn long_commands_and_arguments_are_truncated_like_redis() {
        let log = log("0", "10");
        let argv: Vec<Bytes> = (0..MAX_ARGS)
            .map(|i| Bytes::from(format!("a{i}")))
            .collect();
        log.record(&argv, 40, 1, "x:1", "");
        log.record(&[Bytes::from(vec![b'z'; 130])], 1, 1, "x:1", "");
        let entries = log.entries.lock();
        let first = &entries[1].args;
        assert_eq!(first.len(), 32);
        assert_eq!(first[31], Bytes::from("... (9 more arguments)"));
        let long = &entries[0].args[0];
        assert_eq!(long.len(), 128 + "... (2 more bytes)".len());
        assert!(long.ends_with(b"... (2 more bytes)"));
    }

    #[test]
    fn passwords_are_redacted() {
        let log = log("0", "10");
        let argv = |words: &[&str]| {
            words
                .iter()
                .map(|w| Bytes::from(w.to_string()))
                .collect::<Vec<_>>()
        };
        for words in [
            &["AUTH", "user", "secret"][..],
            &["HELLO", "3", "AUTH", "user", "secret", "SETNAME", "n"],
            &["CONFIG", "SET", "hz", "5", "requirepass", "secret"],
        ] {
            log.record(&argv(words), words.len(), 1, "x:1", "");
            let entries = log.entries.lock();
            let shown: Vec<&[u8]> = entries[0].args.iter().map(|a| a.as_ref()).collect();
            assert!(!shown.contains(&b"secret".as_ref()), "{words:?}");
            assert!(shown.contains(&b"(redacted)".as_ref()), "{words:?}");
        }
        let entries = log.entries.lock();
        assert_eq!(
            entries[0].args[3],
            Bytes::from("5"),
            "other values stay visible"
        );
    }

    #[test]
    fn negative_threshold_disables_logging() {
        let log = log("-1", "10");
        assert!(!log.enabled());
        log.record(&[Bytes::from("x")], 1, 1_000_000, "x:1", "");
        assert!(log.is_empty());
    }
}
