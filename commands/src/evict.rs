//! `maxmemory`: evicting keys per `maxmemory-policy` and refusing commands
//! flagged `denyoom` when nothing can be evicted, as Redis 7.0's
//! `processCommand` / `performEvictions` do.
//!
//! Used memory is [`crate::memory::used_memory`] (the counting allocator),
//! which counts sessions and their frames once however many histories share
//! a buffer, less the AOF writer's buffers (Redis 7's
//! `mem_not_counted_for_evict`). Before each command from a client (not
//! inside `EXEC` or a script, which Redis does not check either), when
//! `maxmemory` is set and exceeded, keys are evicted until the estimated
//! freed bytes cover the excess: each round samples `maxmemory-samples` keys per database and
//! evicts the best candidate: longest idle for the LRU policies; lowest
//! access counter for the LFU ones (Redis 7.0's logarithmic counter, decayed
//! by `lfu-decay-time`, see [`crate::keyspace::lfu`]; scored `255 - counter`
//! as Redis does); soonest deadline for `volatile-ttl`; a random key for the
//! random ones. `volatile-*` policies consider only keys with a TTL.
//! Sessions are keys and are evicted like any other.
//!
//! An evicted key is logged to the AOF as `DEL`, announced as `evicted`
//! (class `e`) and counted in `evicted_keys`; sessions are freed off the
//! async worker ([`crate::keyspace::free_values`]).

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::Rng;

use crate::ctx::Ctx;
use crate::state::Server;
use crate::table::{CommandSpec, Flag};

/// Redis 7.0's reply to a `denyoom` command over `maxmemory`.
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// Longest one command spends evicting; past it the command runs anyway
/// (Redis's `EVICT_RUNNING`) and the next command evicts more.
const TIME_BUDGET: Duration = Duration::from_millis(50);

/// Rough per-key overhead (map slot, key header) added to the value's size
/// when estimating what an eviction frees.
const KEY_OVERHEAD: usize = 64;

/// True when `maxmemory` is set and used memory exceeds it. One atomic load
/// when `maxmemory` is 0.
pub fn over_limit(server: &Server) -> bool {
    let max = server.config.maxmemory.load(Relaxed);
    max != 0 && over(server, max)
}

/// True when used memory as `maxmemory` counts it exceeds `max`:
/// [`crate::memory::used_memory`] less the AOF writer's buffers, as Redis 7
/// leaves its AOF buffer out (`mem_not_counted_for_evict`): evicting keys
/// cannot shrink them, and a burst of appends would otherwise evict keys
/// that did nothing. The buffers (behind the AOF's lock) are read only
/// when the allocator's count alone is over.
fn over(server: &Server, max: u64) -> bool {
    crate::memory::used_memory() as u64 > max && excess(server, max) > 0
}

/// How far used memory as [`over`] counts it exceeds `max`, in bytes.
fn excess(server: &Server, max: u64) -> u64 {
    let used = crate::memory::used_memory() as u64;
    used.saturating_sub(server.aof.buffered_bytes() as u64)
        .saturating_sub(max)
}

/// The check `dispatch` runs before a client's command (after ACL, before
/// `MULTI` queueing). Evicts when over `maxmemory`; returns the error line
/// to answer when memory stays over and the command must be refused:
/// `denyoom` commands, any command queued inside `MULTI` (except `EXEC`,
/// `DISCARD`, `QUIT`, `RESET`), and an `EXEC` whose queue holds a `denyoom`
/// command (that transaction is discarded, as Redis 7.0).
pub fn refusal(ctx: &mut Ctx, spec: &CommandSpec, argv: &[Bytes]) -> Option<String> {
    let max = ctx.server.config.maxmemory.load(Relaxed);
    if max == 0 || !over(ctx.server, max) {
        return None;
    }
    if ctx.client.aof_loader || ctx.client.in_script || ctx.server.keyspace.in_exclusive() {
        return None;
    }
    if perform_evictions(ctx.server, max, ctx.now_ms) {
        return None;
    }
    let in_multi = ctx.client.multi.is_some();
    if spec.name == "exec" {
        let queued_denyoom = ctx.client.multi.as_ref().is_some_and(|m| {
            m.queue
                .iter()
                .any(|argv| crate::dispatch::resolve(argv).is_ok_and(|s| s.has_flag(Flag::Denyoom)))
        });
        if !queued_denyoom {
            return None;
        }
        ctx.client.multi = None;
        crate::multi::unwatch_all(ctx);
        return Some(format!(
            "EXECABORT Transaction discarded because of: {OOM_ERROR}"
        ));
    }
    let always_allowed = matches!(spec.name, "discard" | "quit" | "reset");
    let denyoom = spec.has_flag(Flag::Denyoom) || (spec.name == "eval" && shebang_denyoom(argv));
    let refuse = denyoom || (in_multi && !always_allowed);
    refuse.then(|| {
        crate::multi::flag_error(ctx);
        OOM_ERROR.to_string()
    })
}

/// True for an `EVAL` body with a Redis 7 shebang (`#!lua ...`) that names
/// neither `no-writes` nor `allow-oom`: Redis 7.0 then treats the `EVAL`
/// itself as `denyoom`. Scripts without a shebang are checked per write
/// command instead (see `scripting::run`).
fn shebang_denyoom(argv: &[Bytes]) -> bool {
    argv.get(1)
        .and_then(|body| crate::scripting::vm::parse_shebang(body).ok())
        .is_some_and(|(_, f)| f.present && !f.no_writes && !f.allow_oom)
}

/// Evicts keys per `maxmemory-policy` until the estimated freed bytes cover
/// the excess over `max`. Returns false when memory stays over and nothing
/// (more) can be evicted (`noeviction`, or no candidate key).
pub fn perform_evictions(server: &Server, max: u64, now_ms: i64) -> bool {
    let policy = Policy::parse(&server.config.get("maxmemory-policy"));
    let Some(policy) = policy else {
        return false;
    };
    let samples = server.config.get_i64("maxmemory-samples").max(1) as usize;
    let started = Instant::now();
    let to_free = excess(server, max);
    let mut freed: u64 = 0;
    let mut next_db = 0usize;
    while freed < to_free {
        if !over(server, max) {
            return true;
        }
        let Some((db, key)) = pick(server, policy, samples, now_ms, &mut next_db) else {
            return wait_for_lazy_frees(server, max);
        };
        let mut guard = server.keyspace.db(db);
        let Some(entry) = guard.remove(&key) else {
            continue;
        };
        guard.log_evicted(&key, now_ms);
        drop(guard);
        server.stats.evicted_keys.fetch_add(1, Relaxed);
        freed += (entry.value.memory_bytes() + key.len() + KEY_OVERHEAD) as u64;
        crate::keyspace::free_values(vec![entry.value], false);
        if started.elapsed() > TIME_BUDGET {
            // Redis's EVICT_RUNNING: the command runs; later ones go on.
            return true;
        }
    }
    true
}

/// With nothing left to evict, waits briefly for values background
/// threads are still freeing (an evicted session is freed on one), as
/// Redis 7's `performEvictions` does: up to 50 ms, polling each
/// millisecond. True once memory is back under `max`.
fn wait_for_lazy_frees(server: &Server, max: u64) -> bool {
    let started = Instant::now();
    while crate::keyspace::lazyfree_pending() > 0 && started.elapsed() < LAZYFREE_WAIT {
        if !over(server, max) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    !over(server, max)
}

/// The longest [`wait_for_lazy_frees`] waits (Redis's 50 ms).
const LAZYFREE_WAIT: Duration = Duration::from_millis(50);

/// `maxmemory-policy`, less `noeviction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    /// `allkeys-lru`: the longest idle key.
    AllLru,
    /// `volatile-lru`.
    VolatileLru,
    /// `allkeys-lfu`: the key with the lowest decayed access counter.
    AllLfu,
    /// `volatile-lfu`.
    VolatileLfu,
    /// `allkeys-random`.
    AllRandom,
    /// `volatile-random`.
    VolatileRandom,
    /// `volatile-ttl`.
    VolatileTtl,
}

impl Policy {
    fn parse(name: &str) -> Option<Policy> {
        Some(match name {
            "allkeys-lru" => Policy::AllLru,
            "volatile-lru" => Policy::VolatileLru,
            "allkeys-lfu" => Policy::AllLfu,
            "volatile-lfu" => Policy::VolatileLfu,
            "allkeys-random" => Policy::AllRandom,
            "volatile-random" => Policy::VolatileRandom,
            "volatile-ttl" => Policy::VolatileTtl,
            _ => return None,
        })
    }

    fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }
}

/// The key to evict next, as `(database, key)`. LRU, LFU and TTL policies
/// take the best candidate over every database; random ones take a random key
/// of the next non-empty database in turn (Redis's `next_db`).
fn pick(
    server: &Server,
    policy: Policy,
    samples: usize,
    now_ms: i64,
    next_db: &mut usize,
) -> Option<(usize, Bytes)> {
    let count = server.keyspace.len();
    let decay_minutes = server.config.lfu.decay_minutes();
    let mut rng = rand::rng();
    // (score: higher evicts first, db, key)
    let mut best: Option<(i64, usize, Bytes)> = None;
    for step in 0..count {
        let index = (*next_db + step) % count;
        let db = server.keyspace.db(index);
        if db.is_empty() || (policy.volatile() && db.expires_count() == 0) {
            continue;
        }
        if policy == Policy::VolatileTtl {
            // The deadline set is ordered: the soonest is exact, not sampled.
            if let Some((at, key)) = db.soonest_deadline()
                && best.as_ref().is_none_or(|b| -at > b.0)
            {
                best = Some((-at, index, key.clone()));
            }
            continue;
        }
        // Volatile policies may need more draws to find keys with a TTL.
        let draws = if policy.volatile() {
            samples * 8
        } else {
            samples
        };
        let mut taken = 0;
        for _ in 0..draws {
            let Some((key, entry)) = db.key_at(rng.random_range(0..db.len())) else {
                continue;
            };
            if policy.volatile() && entry.expire_at().is_none() {
                continue;
            }
            let score = match policy {
                Policy::AllRandom | Policy::VolatileRandom => {
                    *next_db = index + 1;
                    return Some((index, Bytes::copy_from_slice(key)));
                }
                Policy::AllLfu | Policy::VolatileLfu => {
                    255 - i64::from(entry.frequency(now_ms, decay_minutes))
                }
                _ => entry.idle_ms(now_ms),
            };
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, index, Bytes::copy_from_slice(key)));
            }
            taken += 1;
            if taken == samples {
                break;
            }
        }
        if taken == 0
            && policy.volatile()
            && best.is_none()
            && let Some((_, key)) = db.soonest_deadline()
        {
            // The draws missed the few keys with a TTL: take one anyway.
            best = Some((0, index, key.clone()));
        }
    }
    best.map(|(_, db, key)| (db, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_scripts_without_oom_flags_are_denyoom() {
        let eval = |body: &str| vec![Bytes::from("EVAL"), Bytes::from(body.to_string())];
        assert!(shebang_denyoom(&eval("#!lua\nreturn 1")));
        assert!(shebang_denyoom(&eval("#!lua flags=allow-stale\nreturn 1")));
        assert!(!shebang_denyoom(&eval("#!lua flags=no-writes\nreturn 1")));
        assert!(!shebang_denyoom(&eval(
            "#!lua flags=allow-oom,no-cluster\nreturn 1"
        )));
        assert!(!shebang_denyoom(&eval("return 1")));
    }

    #[test]
    fn policies_parse_and_noeviction_is_none() {
        assert_eq!(Policy::parse("noeviction"), None);
        assert_eq!(Policy::parse("allkeys-lfu"), Some(Policy::AllLfu));
        assert_eq!(Policy::parse("volatile-lfu"), Some(Policy::VolatileLfu));
        assert_eq!(Policy::parse("allkeys-lru"), Some(Policy::AllLru));
        assert!(Policy::parse("volatile-ttl").is_some_and(Policy::volatile));
        assert!(!Policy::AllRandom.volatile());
    }
}
