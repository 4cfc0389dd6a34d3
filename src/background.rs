//! The background task (Redis's `serverCron`, the parts framekv needs):
//! `hz` times a second it reclaims expired keys nobody reads (active expiry),
//! closes clients idle longer than `timeout`, samples `used_memory` for its
//! peak, returns freed memory to the system ([`commands::memory::purge_freed`])
//! and starts an automatic AOF rewrite when the file has grown enough.

use std::sync::Arc;
use std::time::{Duration, Instant};

use commands::Server;
use commands::keyspace::{free_values, now_ms};

/// Keys removed per lock acquisition: small enough that a client waiting for
/// the database lock waits well under a millisecond.
const KEYS_PER_CHUNK: usize = 1000;

/// Share of each cycle's period active expiry may use (Redis's
/// `ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC`, 25%).
const EXPIRE_TIME_SHARE: f64 = 0.25;

/// Runs until shutdown.
pub async fn run(server: Arc<Server>) {
    let mut backlog = false;
    loop {
        let hz = server.config.get_i64("hz").clamp(1, 500) as u64;
        let period = Duration::from_millis(1000 / hz);
        let budget = period.mul_f64(EXPIRE_TIME_SHARE);
        // With expired keys left over, the next cycle comes sooner: expiry
        // then takes half of the time instead of a quarter (clients are not
        // stalled either way: the lock is held per chunk).
        let pause = if backlog { budget } else { period };
        tokio::select! {
            _ = server.shutdown_signal() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        if server.aof.status.is_loading() {
            // Replay decides expiry at each record's own time; the real
            // clock must not remove keys a later record still extends.
            continue;
        }
        let expiring = server.clone();
        // The cycle takes database locks in short chunks; it runs on the
        // blocking pool so it never occupies an async worker for its budget.
        let cycle = tokio::task::spawn_blocking(move || {
            commands::memory::purge_freed(false);
            expire_cycle(&expiring, budget)
        })
        .await;
        backlog = match cycle {
            Ok(Cycle { removed, more }) => {
                if removed > 0 {
                    tracing::debug!(keys = removed, more, "active expiry reclaimed keys");
                }
                more
            }
            Err(_) => false,
        };
        close_idle_clients(&server);
        // Reading the figure records the peak (Redis samples it in its cron).
        commands::memory::used_memory();
        commands::memory::purge_freed(false);
        if commands::aof::rewrite::auto_rewrite_due(&server) {
            tracing::info!("Starting a scheduled or automatic AOF rewrite");
            if let Err(e) = commands::aof::rewrite::start(&server) {
                tracing::warn!(error = %e.0, "automatic AOF rewrite not started");
            }
        }
    }
}

/// What one expiry cycle did.
#[derive(Debug, PartialEq, Eq)]
struct Cycle {
    /// Keys removed.
    removed: usize,
    /// True when the budget ran out with expired keys left.
    more: bool,
}

/// Removes expired keys from every database, in deadline order, for at most
/// `budget`. The lock is released after every [`KEYS_PER_CHUNK`] keys (and
/// the thread yields, so a waiting client gets the lock), and values are
/// freed after it is released.
fn expire_cycle(server: &Server, budget: Duration) -> Cycle {
    let started = Instant::now();
    let mut removed = 0;
    for index in 0..server.keyspace.len() {
        loop {
            let (freed, more) = server
                .keyspace
                .db(index)
                .active_expire(now_ms(), KEYS_PER_CHUNK);
            removed += freed.len();
            free_values(freed, false);
            std::thread::yield_now();
            if !more {
                break;
            }
            if started.elapsed() >= budget {
                return Cycle {
                    removed,
                    more: true,
                };
            }
        }
    }
    Cycle {
        removed,
        more: false,
    }
}

/// Closes clients idle for longer than `timeout` seconds (0 disables),
/// sparing those waiting on a blocked command and pub/sub subscribers, as
/// Redis does.
fn close_idle_clients(server: &Server) {
    let timeout = server.config.get_i64("timeout");
    if timeout <= 0 {
        return;
    }
    let limit = Duration::from_secs(timeout as u64);
    for handle in server.clients.all() {
        let idle = {
            let info = handle.info.lock();
            !info.blocked && !info.is_pubsub() && info.last_interaction.elapsed() > limit
        };
        if idle {
            tracing::debug!(id = handle.id, addr = %handle.addr, "closing idle client");
            server.clients.kill(handle.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use commands::config::Config;
    use commands::keyspace::Value;

    use super::*;

    fn string(v: &'static [u8]) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn expire_cycle_reclaims_every_expired_key_and_keeps_live_ones() {
        let server = Server::new(Config::default(), None);
        let now = now_ms();
        {
            let mut db = server.keyspace.db(1);
            for i in 0..25_000 {
                db.insert(
                    Bytes::from(format!("gone:{i}")),
                    string(b"v"),
                    Some(now - 1 - i % 100),
                    now,
                );
            }
            db.insert(
                Bytes::from_static(b"live"),
                string(b"v"),
                Some(now + 60_000),
                now,
            );
            db.insert(Bytes::from_static(b"forever"), string(b"v"), None, now);
        }
        let cycle = expire_cycle(&server, Duration::from_secs(60));
        assert_eq!(
            cycle,
            Cycle {
                removed: 25_000,
                more: false
            }
        );
        let db = server.keyspace.db(1);
        assert_eq!(db.len(), 2);
        assert_eq!(db.expired_keys, 25_000);
    }

    #[test]
    fn expire_cycle_stops_at_its_budget_and_resumes_later() {
        let server = Server::new(Config::default(), None);
        let now = now_ms();
        {
            let mut db = server.keyspace.db(0);
            for i in 0..(KEYS_PER_CHUNK * 3) {
                db.insert(
                    Bytes::from(format!("k{i}")),
                    string(b""),
                    Some(now - 1),
                    now,
                );
            }
        }
        // A zero budget still does one chunk, then stops.
        let first = expire_cycle(&server, Duration::ZERO);
        assert_eq!(
            first,
            Cycle {
                removed: KEYS_PER_CHUNK,
                more: true
            }
        );
        let rest = expire_cycle(&server, Duration::from_secs(60));
        assert_eq!(
            rest,
            Cycle {
                removed: KEYS_PER_CHUNK * 2,
                more: false
            }
        );
        assert!(server.keyspace.db(0).is_empty());
    }
}
