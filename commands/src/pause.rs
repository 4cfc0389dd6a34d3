//! `CLIENT PAUSE timeout [WRITE | ALL]` and `CLIENT UNPAUSE`, with Redis
//! 7.0's semantics.
//!
//! While a pause is in force, the connection holds a client's command
//! (asynchronously, see `src/connection.rs`) until the pause ends, then runs
//! it. `ALL` holds every command, `CLIENT UNPAUSE` and the pausing client's
//! own commands included; `WRITE` holds commands flagged `write` and those
//! that may replicate (`EVAL`, `EVALSHA`, `FCALL`, `PUBLISH`, `SPUBLISH`,
//! `PFCOUNT`), a `MULTI` being queued included, and an `EXEC` whose queue
//! holds any of them. Commands refused before they would run (unknown,
//! wrong arity, `NOAUTH`, subscribed mode) are answered at once, and
//! monitors are never held. A later `CLIENT PAUSE` keeps the stricter mode
//! and the later end of the two. Held clients show `flags=b` in `CLIENT
//! LIST` and count in `blocked_clients`.
//!
//! Checking costs one atomic load while no pause is in force.
//!
//! Not done (Redis 7.0 does it during a pause): holding back key expiry and
//! eviction.

use std::sync::atomic::{AtomicU8, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::ctx::Ctx;
use crate::error::{CommandError, Result};
use crate::parse::{Parse, parse_i64};
use crate::reply::Reply;
use crate::table::{CommandSpec, Flag, table};

/// No pause in force.
const NONE: u8 = 0;
/// `WRITE`: writes and may-replicate commands are held.
const WRITE: u8 = 1;
/// `ALL`: every command is held.
const ALL: u8 = 2;

/// Commands Redis 7.0 flags `may_replicate` (a flag `COMMAND INFO` hides):
/// `WRITE` pauses hold them as writes.
const MAY_REPLICATE: &[&str] = &["eval", "evalsha", "fcall", "publish", "spublish", "pfcount"];

/// True for the commands Redis 7.0 flags `may_replicate` (`name` as in the
/// table, lower case).
pub fn may_replicate(name: &str) -> bool {
    MAY_REPLICATE.contains(&name)
}

/// The server's pause state.
#[derive(Default)]
pub struct Pause {
    /// The mode in force (`NONE`, `WRITE`, `ALL`), readable without the lock;
    /// `NONE` once the pause has ended or its end was seen passed.
    mode: AtomicU8,
    state: Mutex<State>,
    /// Woken when the pause ends.
    ended: Notify,
}

#[derive(Default)]
struct State {
    mode: u8,
    /// When the pause ends, ms since the epoch (Redis's `client_pause_end_time`).
    end_ms: i64,
}

impl Pause {
    /// True while a pause may be in force (one atomic load).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.mode.load(Ordering::Acquire) != NONE
    }

    /// Pauses until `end_ms` (ms since the epoch) in `mode`; an earlier
    /// pause still in force keeps its mode if stricter and its end if later.
    fn pause(&self, end_ms: i64, mode: u8) {
        let mut state = self.state.lock();
        state.mode = state.mode.max(mode);
        state.end_ms = state.end_ms.max(end_ms);
        self.mode.store(state.mode, Ordering::Release);
    }

    /// Ends the pause and wakes the held clients.
    fn unpause(&self) {
        let mut state = self.state.lock();
        *state = State::default();
        self.mode.store(NONE, Ordering::Release);
        drop(state);
        self.ended.notify_waiters();
    }

    /// The mode in force at `now_ms` and the pause's end, or `None`; a pause
    /// whose end has passed ends here (as Redis ends it at its next check).
    fn current(&self, now_ms: i64) -> Option<(u8, i64)> {
        if !self.is_active() {
            return None;
        }
        let state = self.state.lock();
        if state.mode == NONE {
            return None;
        }
        if state.end_ms < now_ms {
            drop(state);
            self.unpause();
            return None;
        }
        Some((state.mode, state.end_ms))
    }

    /// A future that completes when the pause next ends (by `CLIENT
    /// UNPAUSE`, or by a check that found its end passed). Create it, and
    /// `enable` it, before checking [`held`], so no wake-up is lost.
    pub fn ended(&self) -> Notified<'_> {
        self.ended.notified()
    }
}

/// If the pause in force holds `argv` for the client in `ctx`: the command
/// it holds and when the pause ends (ms since the epoch; it may be
/// extended or ended early, so check again on waking).
pub fn held(ctx: &Ctx, argv: &[Bytes]) -> Option<(&'static CommandSpec, i64)> {
    let (mode, end_ms) = ctx.server.pause.current(crate::keyspace::now_ms())?;
    let spec = lookup(argv)?;
    // Refused before the pause check in Redis: answered at once.
    if !ctx.client.authenticated && !spec.has_flag(Flag::NoAuth) {
        return None;
    }
    if ctx.client.resp < 3
        && crate::pubsub::is_subscribed(ctx)
        && !crate::pubsub::allowed_while_subscribed(spec.name)
    {
        return None;
    }
    if crate::monitor::is_monitor(ctx) {
        return None;
    }
    let holds = mode == ALL
        || writes(spec)
        || (spec.name == "exec"
            && ctx.client.multi.as_ref().is_some_and(|m| {
                m.queue
                    .iter()
                    .any(|queued| lookup(queued).is_some_and(writes))
            }));
    holds.then_some((spec, end_ms))
}

/// True for the commands a `WRITE` pause holds.
fn writes(spec: &CommandSpec) -> bool {
    spec.has_flag(Flag::Write) || may_replicate(spec.name)
}

/// The spec `argv` runs, when it names a command (and subcommand) with a
/// valid arity; as `dispatch::resolve`, without counting rejections.
fn lookup(argv: &[Bytes]) -> Option<&'static CommandSpec> {
    let name = String::from_utf8_lossy(argv.first()?);
    let spec = table().get(&name)?;
    if spec.subcommands.is_empty() || argv.len() < 2 {
        return spec.arity_ok(argv.len()).then_some(spec);
    }
    let full = format!(
        "{}|{}",
        spec.name,
        String::from_utf8_lossy(&argv[1]).to_ascii_lowercase()
    );
    let sub = spec.subcommands.iter().find(|s| s.name == full)?;
    sub.arity_ok(argv.len()).then_some(sub)
}

/// `CLIENT PAUSE` and `CLIENT UNPAUSE`, for the `CLIENT` container.
pub fn subcommands() -> [CommandSpec; 2] {
    const FLAGS: &[&str] = &["admin", "noscript", "loading", "stale"];
    const CATEGORIES: &[&str] = &["admin", "slow", "dangerous", "connection"];
    [
        CommandSpec::new("client|pause", -3, pause)
            .flags(FLAGS)
            .categories(CATEGORIES)
            .doc(
                "connection",
                "2.9.50",
                "Holds the commands of clients (all, or only writes) for some time.",
                "timeout [WRITE | ALL]",
            ),
        CommandSpec::new("client|unpause", 2, unpause)
            .flags(FLAGS)
            .categories(CATEGORIES)
            .doc(
                "connection",
                "6.2.0",
                "Ends a client pause, running the held commands.",
                "",
            ),
    ]
}

/// `CLIENT PAUSE timeout [WRITE | ALL]` — `+OK`; pauses for `timeout`
/// milliseconds (default mode `ALL`). Errors, as Redis 7.0 (checked in this
/// order): more arguments: `ERR unknown subcommand or wrong number of
/// arguments for 'pause'. Try CLIENT HELP.`; `ERR CLIENT PAUSE mode must be
/// WRITE or ALL`; `ERR timeout is not an integer or out of range`; `ERR
/// timeout is negative`. A timeout of 0, or one whose end overflows, ends
/// at once (but still makes a pause in force stricter, as in Redis).
fn pause(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    if args.remaining() > 2 {
        let sub = String::from_utf8_lossy(&args.argv()[1]).into_owned();
        return Err(CommandError::err(format!(
            "unknown subcommand or wrong number of arguments for '{sub}'. Try CLIENT HELP."
        )));
    }
    let timeout = args.next_bytes()?;
    let mode = match args.try_next() {
        None => ALL,
        Some(m) if m.eq_ignore_ascii_case(b"write") => WRITE,
        Some(m) if m.eq_ignore_ascii_case(b"all") => ALL,
        Some(_) => return Err(CommandError::err("CLIENT PAUSE mode must be WRITE or ALL")),
    };
    let timeout = parse_i64(&timeout)
        .ok_or_else(|| CommandError::err("timeout is not an integer or out of range"))?;
    if timeout < 0 {
        return Err(CommandError::err("timeout is negative"));
    }
    // Redis adds the current time without an overflow check: an end that
    // wraps is in the past.
    let end_ms = if timeout > 0 {
        timeout.wrapping_add(crate::keyspace::now_ms())
    } else {
        0
    };
    ctx.server.pause.pause(end_ms, mode);
    Ok(Reply::ok())
}

/// `CLIENT UNPAUSE` — `+OK`; ends the pause, if any, and runs the held
/// commands.
fn unpause(ctx: &mut Ctx, args: &mut Parse) -> Result<Reply> {
    args.finish()?;
    ctx.server.pause.unpause();
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_pause_keeps_the_stricter_mode_and_later_end() {
        let pause = Pause::default();
        assert!(!pause.is_active());
        pause.pause(5_000, ALL);
        pause.pause(9_000, WRITE);
        assert_eq!(pause.current(1_000), Some((ALL, 9_000)));
        pause.pause(0, WRITE);
        assert_eq!(pause.current(1_000), Some((ALL, 9_000)));
        assert_eq!(pause.current(9_001), None);
        assert!(!pause.is_active());
        pause.pause(0, WRITE);
        assert_eq!(pause.current(1), None);
    }

    #[test]
    fn unpause_ends_it() {
        let pause = Pause::default();
        pause.pause(i64::MAX, WRITE);
        assert!(pause.current(1).is_some());
        pause.unpause();
        assert!(!pause.is_active());
        assert_eq!(pause.current(1), None);
    }
}
