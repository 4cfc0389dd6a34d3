//! `MONITOR`: clients that see every command the server runs, as Redis 7.0
//! shows them.
//!
//! A monitoring client gets `+OK`, then one status line per command run by
//! any client (itself included), sent after the command has run:
//! `+<unix secs>.<usecs> [<db> <ip:port>] "cmd" "arg" ...`, with `lua` for
//! the address of commands a script runs. Arguments are quoted as Redis's
//! `sdscatrepr` does; the passwords of `AUTH` and `HELLO ... AUTH` show as
//! `(redacted)`. Commands flagged `admin` or `skip_monitor` are not shown,
//! nor commands refused before they run (unknown, wrong arity, `NOAUTH`,
//! queued in `MULTI`: those show when `EXEC` runs them).
//!
//! A monitor stays in that mode until `RESET` or until it disconnects; it
//! may still run commands that do not touch the keyspace (`PING`, `CLIENT
//! ID`, `SUBSCRIBE`...); the others get `ERR Replica can't interact with the
//! keyspace`, and `CLIENT PAUSE` never holds it (Redis treats a monitor as
//! a replica). A second `MONITOR` gets no reply.
//!
//! Nothing is formatted while nobody monitors: [`feed`] first loads one
//! counter.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::client::ClientHandle;
use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::table::{CommandSpec, Flag};

/// The clients in `MONITOR` mode.
#[derive(Default)]
pub struct Monitors {
    /// `list.len()`, readable without the lock.
    count: AtomicUsize,
    list: Mutex<Vec<Arc<ClientHandle>>>,
}

impl Monitors {
    /// True when at least one client monitors.
    #[inline]
    pub fn any(&self) -> bool {
        self.count.load(Relaxed) > 0
    }

    fn add(&self, handle: Arc<ClientHandle>) {
        let mut list = self.list.lock();
        list.push(handle);
        self.count.store(list.len(), Relaxed);
    }

    /// Stops client `id` monitoring (`RESET`, disconnect). False when it
    /// was not monitoring.
    pub fn remove(&self, id: u64) -> bool {
        let mut list = self.list.lock();
        let before = list.len();
        list.retain(|h| h.id != id);
        self.count.store(list.len(), Relaxed);
        list.len() != before
    }

    /// Sends `line` to every monitor, dropping those whose connection is gone.
    fn send(&self, line: &str) {
        let mut list = self.list.lock();
        list.retain(|h| h.push_status(line.to_string()));
        self.count.store(list.len(), Relaxed);
    }
}

/// The `MONITOR` command.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec::new("monitor", 1, monitor)
            .flags(&["admin", "noscript", "loading", "stale"])
            .categories(&["admin", "slow", "dangerous"])
            .doc(
                "server",
                "1.0.0",
                "Streams every command the server receives, as it runs them.",
                "",
            ),
    ]
}

/// `MONITOR` — `+OK`, then the monitor lines. Already monitoring: no reply
/// at all (Redis ignores the repeated command). Inside `EXEC`: `ERR MONITOR
/// isn't allowed for DENY BLOCKING client`, as Redis.
fn monitor(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    if ctx.server.keyspace.in_exclusive() {
        return Err(CommandError::err(
            "MONITOR isn't allowed for DENY BLOCKING client",
        ));
    }
    if is_monitor(ctx) {
        // No reply: an empty list of pushes encodes to nothing.
        return Ok(Reply::Pushes(Vec::new()));
    }
    ctx.client.handle.info.lock().monitor = true;
    ctx.server.monitors.add(ctx.client.handle.clone());
    Ok(Reply::ok())
}

/// True when the calling client is in `MONITOR` mode (one atomic load when
/// nobody monitors).
pub fn is_monitor(ctx: &Ctx) -> bool {
    ctx.server.monitors.any() && ctx.client.handle.info.lock().monitor
}

/// Ends the calling client's `MONITOR` mode, if on (`RESET`).
pub fn stop(ctx: &mut Ctx) {
    if is_monitor(ctx) {
        ctx.client.handle.info.lock().monitor = false;
        ctx.server.monitors.remove(ctx.client.id);
    }
}

/// The error a monitor gets for a command that reads or writes the
/// keyspace (Redis 7.0 refuses those from replicas, which monitors are):
/// `ERR Replica can't interact with the keyspace`. `None` for other
/// clients and commands.
pub fn keyspace_refusal(ctx: &Ctx, spec: &CommandSpec) -> Option<CommandError> {
    if !ctx.server.monitors.any() {
        return None;
    }
    let touches_keys = spec.has_flag(Flag::Write)
        || spec.has_flag(Flag::Readonly)
        || crate::pause::may_replicate(spec.name);
    (touches_keys && is_monitor(ctx))
        .then(|| CommandError::err("Replica can't interact with the keyspace"))
}

/// Shows a command that has just run (`argv` as the client sent it) to the
/// monitors, unless it is flagged `admin` or `skip_monitor`. Costs one
/// atomic load when nobody monitors.
#[inline]
pub fn feed(ctx: &Ctx, spec: &CommandSpec, argv: &[Bytes]) {
    if !ctx.server.monitors.any() || spec.has_flag(Flag::Admin) || spec.has_flag(Flag::SkipMonitor)
    {
        return;
    }
    feed_argv(ctx, argv);
}

/// Shows `argv` to the monitors whatever its flags (`EVAL`, flagged
/// `skip_monitor`, is shown this way before its script runs, as Redis does).
pub fn feed_argv(ctx: &Ctx, argv: &[Bytes]) {
    if !ctx.server.monitors.any() || argv.is_empty() {
        return;
    }
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let source = if ctx.client.in_script {
        "lua"
    } else {
        ctx.client.handle.addr.as_str()
    };
    let line = format_line(
        since_epoch.as_secs(),
        since_epoch.subsec_micros(),
        ctx.client.db,
        source,
        argv,
    );
    ctx.server.monitors.send(&line);
}

/// One monitor line without the `+` and line end:
/// `<secs>.<usecs, 6 digits> [<db> <source>] "arg0" "arg1" ...`.
pub fn format_line(secs: u64, micros: u32, db: usize, source: &str, argv: &[Bytes]) -> String {
    let mut line = String::with_capacity(48 + argv.iter().map(|a| a.len() + 3).sum::<usize>());
    // Writing to a String cannot fail.
    let _ = write!(line, "{secs}.{micros:06} [{db} {source}]");
    let redacted = redacted_args(argv);
    for (i, arg) in argv.iter().enumerate() {
        line.push(' ');
        if redacted.contains(&i) {
            line.push_str("\"(redacted)\"");
        } else {
            crate::repr::sdscatrepr(&mut line, arg);
        }
    }
    line
}

/// The positions of `argv` that Redis 7.0 shows as `(redacted)`: `AUTH`'s
/// arguments (only in its valid one- and two-argument forms), and the user
/// and password after each `AUTH` option of `HELLO` that its parser
/// reached (a bad protocol version or an unknown option stops it).
fn redacted_args(argv: &[Bytes]) -> Vec<usize> {
    let name = &argv[0];
    if name.eq_ignore_ascii_case(b"auth") {
        return if argv.len() <= 3 {
            (1..argv.len()).collect()
        } else {
            Vec::new()
        };
    }
    let mut out = Vec::new();
    if !name.eq_ignore_ascii_case(b"hello") || argv.len() < 2 {
        return out;
    }
    if !parse_i64(&argv[1]).is_some_and(|v| (2..=3).contains(&v)) {
        return out;
    }
    let mut j = 2;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if argv[j].eq_ignore_ascii_case(b"auth") && more >= 2 {
            out.extend([j + 1, j + 2]);
            j += 3;
        } else if argv[j].eq_ignore_ascii_case(b"setname") && more >= 1 {
            j += 2;
        } else {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(parts: &[&[u8]]) -> Vec<Bytes> {
        parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
    }

    #[test]
    fn formats_a_line() {
        let line = format_line(17, 42, 5, "127.0.0.1:5000", &argv(&[b"set", b"k", b"123"]));
        assert_eq!(line, r#"17.000042 [5 127.0.0.1:5000] "set" "k" "123""#);
    }

    #[test]
    fn redacts_auth_and_hello_as_redis() {
        assert_eq!(redacted_args(&argv(&[b"AUTH", b"pw"])), vec![1]);
        assert_eq!(redacted_args(&argv(&[b"auth", b"u", b"pw"])), vec![1, 2]);
        assert!(redacted_args(&argv(&[b"auth", b"u", b"pw", b"x"])).is_empty());
        assert_eq!(
            redacted_args(&argv(&[
                b"hello", b"3", b"auth", b"u", b"p", b"setname", b"n"
            ])),
            vec![3, 4]
        );
        assert_eq!(
            redacted_args(&argv(&[
                b"hello", b"2", b"setname", b"n", b"AUTH", b"u", b"p"
            ])),
            vec![5, 6]
        );
        assert!(redacted_args(&argv(&[b"hello", b"2", b"auth", b"u"])).is_empty());
        assert!(redacted_args(&argv(&[b"hello", b"x", b"auth", b"u", b"p"])).is_empty());
        assert!(redacted_args(&argv(&[b"hello", b"2", b"bad", b"auth", b"u", b"p"])).is_empty());
    }
}
