//! The context a command runs in: the shared server state and the calling
//! client's own state.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::client::Client;
use crate::keyspace::{DbGuard, now_ms};
use crate::state::Server;

/// What a command handler can reach.
pub struct Ctx<'a> {
    /// Shared server state.
    pub server: &'a Arc<Server>,
    /// The calling connection's state.
    pub client: &'a mut Client,
    /// Wall-clock time at dispatch, ms since the epoch: one command sees one
    /// "now", as Redis's `commandTimeSnapshot`.
    pub now_ms: i64,
    /// When the command started, when the caller already read the clock
    /// for it (see [`CommandClock`]); `None`: dispatch reads it.
    pub started: Option<Instant>,
    /// When the command finished, set by dispatch after the handler ran (the
    /// next command of a batch starts then).
    pub finished: Option<Instant>,
}

impl<'a> Ctx<'a> {
    /// A context for one command, taking "now" from the clock.
    pub fn new(server: &'a Arc<Server>, client: &'a mut Client) -> Ctx<'a> {
        Ctx {
            server,
            client,
            now_ms: now_ms(),
            started: None,
            finished: None,
        }
    }

    /// A context for one command of a connection's batch, its start and
    /// "now" taken from `clock` (see [`CommandClock::start`]).
    pub fn timed(
        server: &'a Arc<Server>,
        client: &'a mut Client,
        clock: &mut CommandClock,
    ) -> Ctx<'a> {
        let (started, now_ms) = clock.start();
        Ctx {
            server,
            client,
            now_ms,
            started: Some(started),
            finished: None,
        }
    }

    /// Locks the client's selected database.
    pub fn db(&self) -> DbGuard<'a> {
        self.server.keyspace.db(self.client.db)
    }

    /// True when the client speaks RESP3.
    pub fn resp3(&self) -> bool {
        self.client.resp >= 3
    }
}

/// The clock reads of a connection's commands. Reading the clock costs
/// about 25 ns here (a vDSO call), and a command needs three readings: its
/// wall-clock "now" (expiry), and its start and end (command statistics,
/// slow log). Within one batch of pipelined commands the clock is read
/// once per command instead: a command starts when the previous one
/// finished, and its wall-clock time is derived from the monotonic clock
/// and one wall-clock reading at the start of the batch (so it is exact to
/// the microsecond, as if read). A command's measured duration therefore
/// includes decoding its request and encoding the previous reply (tens of
/// nanoseconds). The chain is broken ([`CommandClock::restart`]) whenever
/// the connection awaits something (a read, a flush, a blocked or deferred
/// command, a pause), so time spent waiting is never counted as running.
#[derive(Default)]
pub struct CommandClock {
    /// Wall-clock time (µs since the epoch) read at `base`.
    base_us: i64,
    /// The monotonic reading taken with `base_us`.
    base: Option<Instant>,
    /// When the previous command of the chain finished.
    last: Option<Instant>,
}

impl CommandClock {
    /// Breaks the chain: the next command reads the clock afresh.
    pub fn restart(&mut self) {
        self.base = None;
        self.last = None;
    }

    /// Records when a command finished (`Ctx::finished`), the next
    /// command's start; `None` (not measured) breaks the chain.
    pub fn finished(&mut self, at: Option<Instant>) {
        self.last = at;
        if at.is_none() {
            self.base = None;
        }
    }

    /// The next command's start and its wall-clock "now" (ms since the
    /// epoch).
    pub fn start(&mut self) -> (Instant, i64) {
        match (self.base, self.last) {
            (Some(base), Some(last)) => {
                let since = last.saturating_duration_since(base).as_micros() as i64;
                (last, (self.base_us + since).div_euclid(1000))
            }
            _ => {
                let now = Instant::now();
                self.base_us = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_micros() as i64);
                self.base = Some(now);
                self.last = None;
                (now, self.base_us.div_euclid(1000))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chained_commands_derive_now_from_the_monotonic_clock() {
        let mut clock = CommandClock::default();
        let (first, now) = clock.start();
        let wall = crate::keyspace::now_ms();
        assert!((wall - now).abs() <= 1, "{wall} vs {now}");
        let later = first + std::time::Duration::from_millis(2500);
        clock.finished(Some(later));
        let (second, derived) = clock.start();
        assert_eq!(second, later);
        // 2.5 s after the first reading, to the ms (the base's µs count).
        let expected = (clock.base_us + 2_500_000).div_euclid(1000);
        assert_eq!(derived, expected);
        assert!(derived - now >= 2499 && derived - now <= 2501);
        clock.finished(None);
        let (third, fresh) = clock.start();
        assert!(third >= first);
        assert!((crate::keyspace::now_ms() - fresh).abs() <= 1);
    }
}
