//! Redis 7.0's LFU access counter, for the `allkeys-lfu` / `volatile-lfu`
//! policies and `OBJECT FREQ`.
//!
//! Each key carries an 8-bit logarithmic counter and the minute (16 bits,
//! wrapping every 65536 minutes) it was last decremented. New keys start at
//! [`INIT`] so they are not evicted before they had a chance to be read. On
//! each access the counter first decays by one per `lfu-decay-time` minutes
//! elapsed (never when it is 0), then grows by one with probability
//! `1 / ((counter - INIT) * lfu-log-factor + 1)`, so a higher factor needs
//! more accesses to climb; it saturates at 255. Counters are only updated
//! while an LFU policy is selected, as Redis keeps either the LRU clock or
//! the LFU data in the same field.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

/// The counter of a new key (Redis's `LFU_INIT_VAL`).
pub const INIT: u8 = 5;

/// Milliseconds in one minute, the unit of decay.
const MINUTE_MS: i64 = 60_000;

/// The LFU settings a keyspace reads on every access: whether an LFU
/// `maxmemory-policy` is selected, `lfu-log-factor` and `lfu-decay-time`.
/// Kept in atomics by the config (see [`crate::config::Config`]) so lookups
/// take no lock.
pub struct LfuConfig {
    enabled: AtomicBool,
    log_factor: AtomicU32,
    decay_minutes: AtomicU32,
}

impl Default for LfuConfig {
    /// No LFU policy, `lfu-log-factor 10`, `lfu-decay-time 1` (Redis's
    /// defaults).
    fn default() -> Self {
        LfuConfig {
            enabled: AtomicBool::new(false),
            log_factor: AtomicU32::new(10),
            decay_minutes: AtomicU32::new(1),
        }
    }
}

impl LfuConfig {
    /// Follows `maxmemory-policy`: counters are kept under `*-lfu` only.
    pub fn set_policy(&self, policy: &str) {
        self.enabled.store(policy.ends_with("-lfu"), Relaxed);
    }

    /// Sets `lfu-log-factor` (values past `u32::MAX` saturate).
    pub fn set_log_factor(&self, factor: i64) {
        self.log_factor.store(saturate(factor), Relaxed);
    }

    /// Sets `lfu-decay-time`, in minutes (0 = counters never decay).
    pub fn set_decay_minutes(&self, minutes: i64) {
        self.decay_minutes.store(saturate(minutes), Relaxed);
    }

    /// True when an LFU policy is selected.
    pub fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    /// `lfu-decay-time`, in minutes.
    pub fn decay_minutes(&self) -> u32 {
        self.decay_minutes.load(Relaxed)
    }

    /// The parameters for an access, or `None` when no LFU policy is
    /// selected (counters are then left alone).
    pub fn params(&self) -> Option<LfuParams> {
        self.enabled().then(|| LfuParams {
            log_factor: self.log_factor.load(Relaxed),
            decay_minutes: self.decay_minutes(),
        })
    }
}

fn saturate(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

/// `lfu-log-factor` and `lfu-decay-time` (minutes) as one access reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LfuParams {
    /// `lfu-log-factor`: 0 makes every access count.
    pub log_factor: u32,
    /// `lfu-decay-time` in minutes: 0 disables decay.
    pub decay_minutes: u32,
}

/// One key's LFU data: 3 bytes, as Redis's 24-bit field (packed, so that
/// it fills the keyspace entry's spare bytes without padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed)]
pub struct Lfu {
    /// The logarithmic access counter, 0..=255.
    counter: u8,
    /// When the counter was last decremented (or accessed), in minutes since
    /// the epoch modulo 65536.
    decremented_at: u16,
}

impl Lfu {
    /// The data of a key created at `now_ms` (ms since the epoch): counter
    /// [`INIT`].
    pub fn new(now_ms: i64) -> Lfu {
        Lfu {
            counter: INIT,
            decremented_at: minutes(now_ms),
        }
    }

    /// The counter decayed to `now_ms` without storing it (`OBJECT FREQ`,
    /// eviction): one less per `decay_minutes` minutes elapsed since it was
    /// last decremented, not below 0; unchanged when `decay_minutes` is 0.
    pub fn decayed(self, now_ms: i64, decay_minutes: u32) -> u8 {
        if decay_minutes == 0 {
            return self.counter;
        }
        let periods = elapsed_minutes(self.decremented_at, minutes(now_ms)) / decay_minutes;
        let periods = u8::try_from(periods).unwrap_or(u8::MAX);
        self.counter.saturating_sub(periods)
    }

    /// Records one access at `now_ms`: decays, then increments with the
    /// logarithmic probability. `random` is uniform in `[0, 1)`, drawn by
    /// the caller (injected so tests are deterministic).
    pub fn touch(&mut self, now_ms: i64, params: LfuParams, random: f64) {
        let counter = self.decayed(now_ms, params.decay_minutes);
        self.counter = log_increment(counter, params.log_factor, random);
        self.decremented_at = minutes(now_ms);
    }
}

/// `counter` after one access: plus one with probability
/// `1 / ((counter - INIT) * log_factor + 1)` (certain below [`INIT`] or with
/// factor 0), given `random` uniform in `[0, 1)`; 255 stays 255.
fn log_increment(counter: u8, log_factor: u32, random: f64) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = f64::from(counter.saturating_sub(INIT));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if random < p { counter + 1 } else { counter }
}

/// Minutes since the epoch, modulo 65536 (Redis's `LFUGetTimeInMinutes`).
fn minutes(now_ms: i64) -> u16 {
    ((now_ms.max(0) / MINUTE_MS) & 0xFFFF) as u16
}

/// Minutes from `since` to `now` on the 16-bit wrapping clock. Across a
/// wrap this is one short, as Redis's `LFUTimeElapsed` computes it.
fn elapsed_minutes(since: u16, now: u16) -> u32 {
    if now >= since {
        u32::from(now - since)
    } else {
        u32::from(u16::MAX - since) + u32::from(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = MINUTE_MS;

    fn with_counter(counter: u8, now_ms: i64) -> Lfu {
        Lfu {
            counter,
            decremented_at: minutes(now_ms),
        }
    }

    fn params(log_factor: u32, decay_minutes: u32) -> LfuParams {
        LfuParams {
            log_factor,
            decay_minutes,
        }
    }

    #[test]
    fn new_keys_start_at_init() {
        assert_eq!(Lfu::new(123 * MIN).decayed(123 * MIN, 1), INIT);
    }

    #[test]
    fn factor_zero_increments_on_every_access_until_255() {
        let mut lfu = Lfu::new(0);
        for i in 1..=300u32 {
            // The largest draw below 1 still increments.
            lfu.touch(0, params(0, 1), 1.0 - f64::EPSILON);
            assert_eq!(u32::from(lfu.decayed(0, 1)), (u32::from(INIT) + i).min(255));
        }
    }

    #[test]
    fn increment_probability_falls_with_counter_and_factor() {
        // At INIT the probability is 1 whatever the factor.
        assert_eq!(log_increment(INIT, 10, 0.999), INIT + 1);
        assert_eq!(log_increment(0, 100, 0.999), 1);
        // Counter 6, factor 10: p = 1/11.
        assert_eq!(log_increment(6, 10, 1.0 / 11.0 - 1e-9), 7);
        assert_eq!(log_increment(6, 10, 1.0 / 11.0), 6);
        // Counter 15, factor 10: p = 1/101; factor 1: p = 1/11.
        assert_eq!(log_increment(15, 10, 0.05), 15);
        assert_eq!(log_increment(15, 1, 0.05), 16);
        assert_eq!(log_increment(255, 0, 0.0), 255);
    }

    #[test]
    fn many_accesses_climb_logarithmically() {
        // A fixed-seed sequence (deterministic): 1000 accesses at factor 10
        // land near 18, as the table in Redis's redis.conf says, since it
        // takes about 10 * (c - 5) accesses to climb from c; runs with other
        // seeds spread over 13..=24.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut lfu = Lfu::new(0);
        for _ in 0..1_000 {
            lfu.touch(0, params(10, 0), next());
        }
        let counter = lfu.decayed(0, 0);
        assert!((13..=25).contains(&counter), "{counter}");
    }

    #[test]
    fn decay_drops_one_per_period_and_zero_never_decays() {
        let lfu = with_counter(20, 0);
        assert_eq!(lfu.decayed(59_999, 1), 20);
        assert_eq!(lfu.decayed(MIN, 1), 19);
        assert_eq!(lfu.decayed(7 * MIN + 30_000, 1), 13);
        assert_eq!(lfu.decayed(7 * MIN, 2), 17);
        assert_eq!(lfu.decayed(1_000 * MIN, 1), 0);
        assert_eq!(lfu.decayed(1_000 * MIN, 0), 20);
    }

    #[test]
    fn access_decays_first_and_restarts_the_decay_clock() {
        let mut lfu = with_counter(20, 0);
        // Three minutes later: 20 - 3 = 17, then factor 0 adds one.
        lfu.touch(3 * MIN, params(0, 1), 0.5);
        assert_eq!(lfu.decayed(3 * MIN, 1), 18);
        assert_eq!(lfu.decayed(4 * MIN, 1), 17);
    }

    #[test]
    fn minute_clock_wraps_after_65536_minutes_as_redis() {
        assert_eq!(elapsed_minutes(65_530, 65_535), 5);
        // Redis counts 65535 - since + now across the wrap.
        assert_eq!(elapsed_minutes(65_530, 4), 9);
        let lfu = with_counter(30, 65_530 * MIN);
        assert_eq!(lfu.decayed((65_536 + 4) * MIN, 1), 21);
    }
}
