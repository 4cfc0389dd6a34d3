//! One database: keys, values and expiry deadlines.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;

use super::lfu::{Lfu, LfuConfig};
use super::table::{KeyTable, Place};
use super::value::Value;
use crate::aof::Aof;
use crate::blocking::Waiter;
use crate::error::{CommandError, Result};

/// A key's slot: its value, its absolute expiry (ms since the Unix epoch),
/// the last time it was accessed (for `OBJECT IDLETIME` and LRU eviction)
/// and its LFU counter (`OBJECT FREQ`, LFU eviction). 40 bytes.
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Absolute expiry in ms since the epoch, [`NO_EXPIRY`] for none (8
    /// bytes where an `Option<i64>` takes 16); see [`Entry::expire_at`].
    deadline: i64,
    /// Last access on a 32-bit clock of [`ACCESS_TICK_MS`] ticks (see
    /// [`Entry::idle_ms`]).
    access: u32,
    /// The LFU access counter; updated only while an LFU policy is selected.
    pub lfu: Lfu,
    /// How a string value was made (its `OBJECT ENCODING`); `Encoded` for
    /// other types.
    pub string_form: StringForm,
}

/// How a string value was made, which decides its `OBJECT ENCODING` as in
/// Redis 7.0, where the encoding follows the object's history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringForm {
    /// Stored from a client argument (`SET`, `MSET`, `GETSET`, `INCR`,
    /// `APPEND` creating the key): `int` when it reads as a 64-bit integer
    /// in at most 20 bytes, else `embstr` up to 44 bytes, else `raw`.
    #[default]
    Encoded,
    /// Built as text without trying the integer encoding (`INCRBYFLOAT`):
    /// `embstr` up to 44 bytes, else `raw`.
    Text,
    /// Built or changed as a byte buffer (`APPEND` to an existing string,
    /// `SETRANGE`, `SETBIT`, `BITOP`, `BITFIELD`, `PFADD`, `PFMERGE`):
    /// always `raw`.
    Raw,
}

/// [`Entry::deadline`] of a key without a TTL.
const NO_EXPIRY: i64 = i64::MIN;

/// Milliseconds in one tick of [`Entry::access`]'s clock. Redis's LRU
/// clock ticks once a second and wraps after 194 days; at 10 ms this one
/// wraps after 497 days, and keeps `OBJECT IDLETIME`'s whole seconds exact
/// to 10 ms.
const ACCESS_TICK_MS: i64 = 10;

/// `now_ms` (ms since the epoch) on the access clock: ticks modulo 2^32.
fn access_ticks(now_ms: i64) -> u32 {
    (now_ms.max(0) / ACCESS_TICK_MS) as u32
}

/// `expire_at` as [`Entry::deadline`] stores it. A deadline of `i64::MIN`
/// ms (long past, like its neighbour) is kept as `i64::MIN + 1`.
fn deadline_of(expire_at: Option<i64>) -> i64 {
    expire_at.map_or(NO_EXPIRY, |at| at.max(NO_EXPIRY + 1))
}

impl Entry {
    /// Absolute expiry in ms since the epoch, or `None` for no TTL.
    pub fn expire_at(&self) -> Option<i64> {
        (self.deadline != NO_EXPIRY).then_some(self.deadline)
    }

    /// Milliseconds from the last access to `now_ms`, to [`ACCESS_TICK_MS`]
    /// (`OBJECT IDLETIME`, LRU eviction). Like Redis's LRU clock, the access
    /// clock wraps: a key idle longer than one period (497 days) reads as
    /// idle for the remainder.
    pub fn idle_ms(&self, now_ms: i64) -> i64 {
        i64::from(access_ticks(now_ms).wrapping_sub(self.access)) * ACCESS_TICK_MS
    }

    /// Records an access at `now_ms` (ms since the epoch).
    fn accessed(&mut self, now_ms: i64) {
        self.access = access_ticks(now_ms);
    }

    /// True when the entry has a deadline at or before `now_ms` (ms since
    /// the epoch): a key that reads as missing though not yet reclaimed.
    pub fn expired(&self, now_ms: i64) -> bool {
        self.deadline != NO_EXPIRY && self.deadline <= now_ms
    }

    /// `OBJECT ENCODING` of the value, as Redis 7.0 reports it.
    pub fn encoding(&self) -> &'static str {
        match (&self.value, self.string_form) {
            (Value::String(_), StringForm::Raw) => "raw",
            (Value::String(s), StringForm::Text) if s.len() <= 44 => "embstr",
            (Value::String(_), StringForm::Text) => "raw",
            (value, _) => value.encoding(),
        }
    }

    /// The LFU counter decayed to `now_ms` (ms since the epoch) by one per
    /// `decay_minutes` minutes (`OBJECT FREQ`, LFU eviction); not stored.
    pub fn frequency(&self, now_ms: i64, decay_minutes: u32) -> u8 {
        self.lfu.decayed(now_ms, decay_minutes)
    }

    /// `OBJECT REFCOUNT` of the value: Redis shares the integers 0..=9999
    /// (reported as `2147483647`) when a string is stored encoded; every
    /// other value has one reference.
    pub fn refcount(&self) -> i64 {
        match &self.value {
            Value::String(s)
                if self.string_form == StringForm::Encoded
                    && s.len() <= 20
                    && crate::parse::parse_i64(s).is_some_and(|n| (0..10_000).contains(&n)) =>
            {
                i32::MAX as i64
            }
            _ => 1,
        }
    }
}

/// `key` as the deadline set holds it (only keys with a TTL are there).
fn deadline_key(key: &[u8]) -> Bytes {
    Bytes::copy_from_slice(key)
}

/// One database. Keys live in an insertion-ordered table (see
/// [`KeyTable`]) so that `SCAN` can use positions as cursors and
/// `RANDOMKEY` is O(1); deadlines live in an ordered set so the active
/// expiry cycle finds expired keys without scanning.
#[derive(Default)]
pub struct Db {
    entries: KeyTable,
    deadlines: BTreeSet<(i64, Bytes)>,
    /// Keys removed because they expired (lazily or actively) since start.
    pub expired_keys: u64,
    /// Sessions among `expired_keys` (`INFO sessions` `sessions_expired`).
    pub expired_sessions: u64,
    /// Successful / failed key look-ups by read commands (`INFO stats`).
    pub hits: u64,
    /// See `hits`.
    pub misses: u64,
    /// This database's number (`SELECT n`), for the AOF.
    index: usize,
    /// Where write commands log what they did.
    aof: Arc<Aof>,
    /// Where keyspace notifications go.
    notifier: Arc<crate::notify::Notifier>,
    /// Keys clients `WATCH`, with their modification counts.
    pub watched: super::watch::Watched,
    /// Clients blocked on keys of this database, in the order they blocked.
    blocked: std::collections::HashMap<Bytes, std::collections::VecDeque<Arc<Waiter>>>,
    /// Keys with waiters that a logged write named since the lock was taken:
    /// their waiters are served when the lock is released.
    ready: std::cell::RefCell<Vec<Bytes>>,
    /// Whether accesses update LFU counters, and how (shared with the config).
    lfu: Arc<LfuConfig>,
}

impl Db {
    /// An empty database numbered `index` whose writes go to `aof` and
    /// whose accesses follow the LFU settings `lfu`.
    pub fn new(
        index: usize,
        aof: Arc<Aof>,
        notifier: Arc<crate::notify::Notifier>,
        lfu: Arc<LfuConfig>,
    ) -> Db {
        Db {
            index,
            aof,
            notifier,
            lfu,
            ..Db::default()
        }
    }

    /// This database's number.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Appends `argv`, the deterministic form of a write this database just
    /// saw at `now_ms`, to the AOF (a no-op while it is off). Called with
    /// this database locked, so records land in the order of their effects.
    ///
    /// Also where watched keys learn they were modified (see
    /// [`super::watch`]).
    pub fn log(&self, now_ms: i64, argv: &[impl AsRef<[u8]>]) {
        let notify = self.notifier.enabled();
        if notify || !self.watched.is_empty() || !self.blocked.is_empty() {
            self.note_modified(argv, notify);
        }
        self.aof.log(self.index, now_ms, argv);
    }

    /// For the keys `argv` names (all watched ones for a flush): bumps the
    /// watched ones and marks those with waiters ready.
    fn note_modified(&self, argv: &[impl AsRef<[u8]>], notify: bool) {
        let name = argv.first().map(|n| n.as_ref()).unwrap_or_default();
        if name.eq_ignore_ascii_case(b"FLUSHDB") || name.eq_ignore_ascii_case(b"FLUSHALL") {
            self.watched.touch_all();
            return;
        }
        if let Ok((spec, positions)) = crate::introspection::keys_of(argv) {
            // Keys the command only reads (a STORE's sources) did not change.
            let written = |&i: &usize| {
                !crate::introspection::key_flags_at(spec, argv.len(), i).contains(&"RO")
            };
            let class = crate::notify::class_of(spec.categories);
            let command = spec.name.to_ascii_lowercase();
            let mut positions: Vec<usize> = positions.into_iter().filter(written).collect();
            if command == "lmove" {
                // Redis announces the push on the destination first.
                positions.reverse();
            }
            for i in positions {
                let key = argv[i].as_ref();
                self.watched.touch(key);
                if self.blocked.contains_key(key) {
                    self.ready.borrow_mut().push(Bytes::copy_from_slice(key));
                }
                if notify {
                    self.announce(class, &command, i, argv);
                }
            }
        }
    }

    /// Sends the keyspace events of the key at `argv[i]` for a logged
    /// `command` of `class`: its event; `expire` too for a `SET` with a
    /// deadline; `del` when a container command emptied (removed) the key.
    fn announce(&self, class: u32, command: &str, i: usize, argv: &[impl AsRef<[u8]>]) {
        use crate::notify::{GENERIC, event_name};
        let key = argv[i].as_ref();
        let event = event_name(command, i, argv);
        self.notifier.notify(class, &event, key, self.index);
        let with_deadline = argv
            .iter()
            .skip(3)
            .any(|a| a.as_ref().eq_ignore_ascii_case(b"PXAT"));
        if command == "set" && with_deadline {
            self.notifier.notify(GENERIC, "expire", key, self.index);
        }
        let removes_itself = matches!(event.as_str(), "del" | "rename_from" | "expired");
        if class != GENERIC && !removes_itself && !self.entries.contains_key(key) {
            self.notifier.notify(GENERIC, "del", key, self.index);
        }
    }

    /// Registers `waiter` on each of its keys, after those already waiting.
    pub fn add_waiter(&mut self, waiter: &Arc<Waiter>) {
        for key in &waiter.keys {
            self.blocked
                .entry(key.clone())
                .or_default()
                .push_back(Arc::clone(waiter));
        }
    }

    /// Removes `waiter` from its keys (it timed out or was unblocked).
    pub fn remove_waiter(&mut self, waiter: &Arc<Waiter>) {
        for key in &waiter.keys {
            if let Some(queue) = self.blocked.get_mut(key) {
                queue.retain(|w| !Arc::ptr_eq(w, waiter));
                if queue.is_empty() {
                    self.blocked.remove(key);
                }
            }
        }
    }

    /// True when a logged write made keys with waiters ready.
    pub fn has_ready(&self) -> bool {
        !self.ready.borrow().is_empty()
    }

    /// Serves the waiters of ready keys, oldest first, until a key has
    /// nothing left for its next waiter (Redis's
    /// `handleClientsBlockedOnKeys`). A served waiter's effect logs its own
    /// write, which may make more keys ready: served in the same loop.
    pub fn serve_ready(&mut self, now_ms: i64) {
        loop {
            let Some(key) = self.ready.borrow_mut().pop() else {
                return;
            };
            loop {
                let Some(waiter) = self.blocked.get(&key).and_then(|q| q.front().cloned()) else {
                    break;
                };
                if !waiter.try_serve(self, now_ms) {
                    break;
                }
                // Served (or gone): off every key it waited on.
                self.remove_waiter(&waiter);
            }
        }
    }

    /// Number of keys, including expired ones not yet reclaimed (as Redis's
    /// `DBSIZE`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the database has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of keys with a TTL (`INFO keyspace` `expires=`).
    pub fn expires_count(&self) -> usize {
        self.deadlines.len()
    }

    /// Removes `key` if its deadline has passed. Returns true when it did.
    fn expire_if_needed(&mut self, key: &[u8], now_ms: i64) -> bool {
        let expired = matches!(self.entries.get(key), Some(e) if e.expired(now_ms));
        if expired && let Some(entry) = self.remove(key) {
            self.log_expired(key, now_ms);
            self.count_expired(&entry.value);
            // A session's tables may hold gigabytes: not freed under the lock.
            if matches!(entry.value, Value::Session(_)) {
                super::free_values(vec![entry.value], true);
            }
        }
        expired
    }

    /// Logs the removal of an expired key as `DEL key`, as Redis propagates
    /// expiry: a command that ran on an earlier clock but after the removal
    /// (it waited for the lock) then replays against the missing key, as it
    /// ran.
    fn log_expired(&self, key: &[u8], now_ms: i64) {
        let argv = [b"DEL".as_slice(), key];
        // Watchers and waiters learn of it like any write; subscribers hear
        // `expired`, not the `del` it is logged as.
        if !self.watched.is_empty() || !self.blocked.is_empty() {
            self.note_modified(&argv, false);
        }
        self.aof.log(self.index, now_ms, &argv);
        self.notifier
            .notify(crate::notify::EXPIRED, "expired", key, self.index);
    }

    /// Logs the eviction of `key` (`maxmemory`) as Redis does: `DEL key`
    /// in the AOF, an `evicted` event (class `e`), watchers and waiters
    /// told as for any write. Call right after removing the key.
    pub fn log_evicted(&self, key: &[u8], now_ms: i64) {
        let argv = [b"DEL".as_slice(), key];
        if !self.watched.is_empty() || !self.blocked.is_empty() {
            self.note_modified(&argv, false);
        }
        self.aof.log(self.index, now_ms, &argv);
        self.notifier
            .notify(crate::notify::EVICTED, "evicted", key, self.index);
    }

    /// The key with the soonest deadline and that deadline (ms since the
    /// epoch), if any key has a TTL (`volatile-ttl` eviction).
    pub fn soonest_deadline(&self) -> Option<(i64, &Bytes)> {
        self.deadlines.first().map(|(at, key)| (*at, key))
    }

    fn count_expired(&mut self, value: &Value) {
        self.expired_keys += 1;
        if matches!(value, Value::Session(_)) {
            self.expired_sessions += 1;
        }
    }

    /// The live entry for `key`, updating its access time (and, under an
    /// LFU policy, its counter); expired keys are removed first and
    /// reported missing.
    pub fn get(&mut self, key: &[u8], now_ms: i64) -> Option<&mut Entry> {
        let index = self.live_index(key, now_ms)?;
        self.touched(index, now_ms)
    }

    /// The entry at `index`, with its access time and LFU counter updated
    /// for an access at `now_ms`.
    fn touched(&mut self, index: usize, now_ms: i64) -> Option<&mut Entry> {
        let lfu = self.lfu.params();
        let (_, entry) = self.entries.get_index_mut(index)?;
        entry.accessed(now_ms);
        if let Some(params) = lfu {
            entry.lfu.touch(now_ms, params, rand::random());
        }
        Some(entry)
    }

    /// The live entry for `key` without touching its access time or LFU
    /// counter (`OBJECT`, `TTL`, `TYPE`: Redis's `LOOKUP_NOTOUCH`).
    pub fn peek(&mut self, key: &[u8], now_ms: i64) -> Option<&Entry> {
        let index = self.live_index(key, now_ms)?;
        self.entries.get_index(index).map(|(_, entry)| entry)
    }

    /// The live entry at `key`, as [`Db::get`]; when there is none, a new
    /// entry with the value `make` returns and no TTL. One hash lookup for
    /// an existing key (a container command's usual case), where a `get`
    /// and then an `insert` would be two.
    pub fn get_or_insert_with(
        &mut self,
        key: &[u8],
        now_ms: i64,
        make: impl FnOnce() -> Value,
    ) -> &mut Entry {
        if let Some(index) = self.live_index(key, now_ms) {
            // `live_index` just found it there.
            return self.touched(index, now_ms).expect("live index");
        }
        self.insert(key, make(), None, now_ms);
        // A new key goes at the end of the map.
        let last = self.entries.len() - 1;
        self.entries.get_index_mut(last).expect("just inserted").1
    }

    /// The position of `key`'s live entry, with one hash lookup; an expired
    /// entry is removed first (see `expire_if_needed`) and reported missing.
    fn live_index(&mut self, key: &[u8], now_ms: i64) -> Option<usize> {
        let (index, entry) = self.entries.get_full(key)?;
        if entry.expired(now_ms) {
            self.expire_if_needed(key, now_ms);
            return None;
        }
        Some(index)
    }

    /// The entry stored at `key`, expired or not, untouched: for a command
    /// that already looked each of its keys up with [`Db::get`] (which
    /// removed the expired ones) and now reads several at once
    /// (`ZUNION`, `ZINTER`, ...).
    pub fn stored(&self, key: &[u8]) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// True when `key` exists and has not expired.
    pub fn contains(&mut self, key: &[u8], now_ms: i64) -> bool {
        self.peek(key, now_ms).is_some()
    }

    /// The deadline of `key` (ms since the epoch) if it has one, whether or
    /// not it has passed; does not expire or touch the key (`WATCH`).
    pub fn expire_at(&self, key: &[u8]) -> Option<i64> {
        self.entries.get(key).and_then(Entry::expire_at)
    }

    /// The string at `key`. Error: WRONGTYPE when it holds another type.
    pub fn get_string(&mut self, key: &[u8], now_ms: i64) -> Result<Option<&[u8]>> {
        match self.get(key, now_ms) {
            None => Ok(None),
            Some(Entry {
                value: Value::String(s),
                ..
            }) => Ok(Some(s)),
            Some(_) => Err(CommandError::wrong_type()),
        }
    }

    /// Stores `value` at `key` with expiry `expire_at`, replacing any old value
    /// and its TTL. Returns the old entry, if there was one. A new key is
    /// stored as a copy of `key`'s bytes (see [`kept`]).
    ///
    /// An overwritten key keeps its position in the map, so a `SCAN` in
    /// progress neither loses nor repeats it. Under an LFU policy it also
    /// keeps its counter, counting the write as one access (Redis's
    /// `setKey`: a write lookup, then `dbOverwrite` keeps the LFU data);
    /// otherwise, and for a new or expired key, the counter starts afresh.
    pub fn insert(
        &mut self,
        key: impl AsRef<[u8]>,
        value: Value,
        expire_at: Option<i64>,
        now_ms: i64,
    ) -> Option<Entry> {
        let key = key.as_ref();
        // Clamped once, so the deadline set holds what the entry stores.
        let deadline = deadline_of(expire_at);
        let expire_at = expire_at.map(|_| deadline);
        if let Some(at) = expire_at {
            self.deadlines.insert((at, deadline_key(key)));
        }
        let lfu_params = self.lfu.params();
        let fresh = |old_lfu: Option<Lfu>| {
            let lfu = match (old_lfu, lfu_params) {
                (Some(mut lfu), Some(params)) => {
                    lfu.touch(now_ms, params, rand::random());
                    lfu
                }
                _ => Lfu::new(now_ms),
            };
            Entry {
                value,
                deadline,
                access: access_ticks(now_ms),
                lfu,
                string_form: StringForm::Encoded,
            }
        };
        // One hash lookup: the key is copied only when it is new.
        let position = match self.entries.slot(key) {
            Place::Vacant(place) => {
                place.insert(key, fresh(None));
                return None;
            }
            Place::Occupied(position) => position,
        };
        // `slot` just found it there.
        let (_, old) = self.entries.get_index_mut(position).expect("occupied slot");
        let old_lfu = (!old.expired(now_ms)).then_some(old.lfu);
        let old_at = old.expire_at();
        let replaced = std::mem::replace(old, fresh(old_lfu));
        // A deadline kept unchanged is already in the set.
        if let Some(old_at) = old_at
            && Some(old_at) != expire_at
        {
            self.deadlines.remove(&(old_at, deadline_key(key)));
        }
        Some(replaced)
    }

    /// Stores `entry`, taken from another key or database (`RENAME`,
    /// `MOVE`), at `key`: its value, TTL, access time, LFU counter and
    /// string form travel with it, as the object does in Redis. Returns
    /// the entry it replaced, if any.
    pub fn insert_entry(&mut self, key: Bytes, entry: Entry) -> Option<Entry> {
        if let Some(old_at) = self.entries.get(&key[..]).and_then(Entry::expire_at) {
            self.deadlines.remove(&(old_at, key.clone()));
        }
        if let Some(at) = entry.expire_at() {
            self.deadlines.insert((at, deadline_key(&key)));
        }
        self.entries.insert(&key, entry)
    }

    /// Sets the LFU data of `key` (a fresh counter for `COPY`'s new
    /// object). No effect when the key is absent.
    pub fn set_lfu(&mut self, key: &[u8], lfu: Lfu) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.lfu = lfu;
        }
    }

    /// Replaces the value at an existing `key`, keeping its TTL (`SET ... KEEPTTL`,
    /// `APPEND`, `INCR`); inserts it without TTL when absent.
    pub fn set_keep_ttl(&mut self, key: Bytes, value: Value, now_ms: i64) {
        match self.get(&key, now_ms) {
            Some(entry) => {
                entry.value = value;
                entry.string_form = StringForm::Encoded;
            }
            None => {
                self.insert(key, value, None, now_ms);
            }
        }
    }

    /// Records how the string at `key` was made (see [`StringForm`]); call
    /// right after storing it. No effect when the key is absent.
    pub fn set_string_form(&mut self, key: &[u8], form: StringForm) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.string_form = form;
        }
    }

    /// Removes `key` whether or not it expired. Returns its entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let entry = self.entries.swap_remove(key)?;
        if let Some(at) = entry.expire_at() {
            self.deadlines.remove(&(at, deadline_key(key)));
        }
        Some(entry)
    }

    /// Sets or clears the expiry of an existing live `key`. Returns false when
    /// the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], expire_at: Option<i64>, now_ms: i64) -> bool {
        self.expire_if_needed(key, now_ms);
        let Some((_, stored_key, entry)) = self.entries.get_full_mut(key) else {
            return false;
        };
        let stored_key = deadline_key(stored_key);
        if let Some(old) = entry.expire_at() {
            self.deadlines.remove(&(old, stored_key.clone()));
        }
        entry.deadline = deadline_of(expire_at);
        if let Some(at) = entry.expire_at() {
            self.deadlines.insert((at, stored_key));
        }
        true
    }

    /// Removes every key (`FLUSHDB`). Returns the removed values so the caller
    /// can free large ones off the lock.
    pub fn clear(&mut self) -> Vec<Value> {
        self.deadlines.clear();
        self.entries.drain().map(|e| e.value).collect()
    }

    /// Removes up to `budget` keys whose deadline is at or before `now_ms`, in
    /// deadline order. Returns the removed values (to be dropped off the lock)
    /// and whether more expired keys remain.
    pub fn active_expire(&mut self, now_ms: i64, budget: usize) -> (Vec<Value>, bool) {
        let mut freed = Vec::new();
        while freed.len() < budget {
            let Some((at, _)) = self.deadlines.first() else {
                return (freed, false);
            };
            if *at > now_ms {
                return (freed, false);
            }
            // first() was Some just above, so pop_first() is too.
            let (_, key) = self.deadlines.pop_first().expect("non-empty deadline set");
            if let Some(entry) = self.entries.swap_remove(&key[..]) {
                self.log_expired(&key, now_ms);
                self.count_expired(&entry.value);
                freed.push(entry.value);
            }
        }
        (freed, true)
    }

    /// The key at position `index` (cursor-based `SCAN`, `RANDOMKEY`).
    pub fn key_at(&self, index: usize) -> Option<(&[u8], &Entry)> {
        self.entries.get_index(index)
    }

    /// Iterates over all keys and entries, expired ones included (callers filter).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Entry)> {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{StringValue, lfu};
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(StringValue::from_slice(v.as_bytes()))
    }

    fn lfu_db() -> Db {
        let config = LfuConfig::default();
        config.set_policy("allkeys-lfu");
        config.set_log_factor(0);
        Db {
            lfu: Arc::new(config),
            ..Db::default()
        }
    }

    #[test]
    fn entry_stays_small() {
        // The value's 24 bytes, the deadline (8), the access clock (4), the
        // LFU data (3) and the string form (1): each byte here is 1 MB at a
        // million keys.
        assert_eq!(std::mem::size_of::<Entry>(), 40);
        // The string's 16-byte handle and a tag: the inline hash must not
        // grow past it.
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn positions_follow_keys_through_removals_and_growth() {
        // Short (inline) and long (boxed) keys; removals from the middle
        // move the last key into the hole, and the index must follow it.
        let name = |i: usize| {
            if i.is_multiple_of(3) {
                format!("a-long-key-past-the-inline-limit:{i}")
            } else {
                format!("k{i}")
            }
        };
        let mut db = Db::default();
        for i in 0..5_000 {
            db.insert(name(i), s(&i.to_string()), None, 0);
        }
        for i in (0..5_000).filter(|i| i % 7 == 2 || i % 5 == 0) {
            assert!(db.remove(name(i).as_bytes()).is_some(), "{i}");
        }
        assert!(db.remove(b"k2").is_none());
        let kept: Vec<usize> = (0..5_000).filter(|i| i % 7 != 2 && i % 5 != 0).collect();
        assert_eq!(db.len(), kept.len());
        for &i in &kept {
            let key = name(i);
            let Some(Entry {
                value: Value::String(v),
                ..
            }) = db.stored(key.as_bytes())
            else {
                panic!("{key} missing");
            };
            assert_eq!(&v[..], i.to_string().as_bytes());
        }
        // Every position holds a distinct kept key.
        let mut seen: Vec<Vec<u8>> = (0..db.len())
            .map(|p| db.key_at(p).expect("in range").0.to_vec())
            .collect();
        seen.sort();
        let mut expected: Vec<Vec<u8>> = kept.iter().map(|&i| name(i).into_bytes()).collect();
        expected.sort();
        assert_eq!(seen, expected);
        assert!(db.key_at(db.len()).is_none());
    }

    #[test]
    fn deadlines_round_trip_through_the_sentinel() {
        let mut db = Db::default();
        db.insert(Bytes::from("none"), s("v"), None, 0);
        db.insert(Bytes::from("later"), s("v"), Some(500), 0);
        db.insert(Bytes::from("past"), s("v"), Some(-7), 0);
        assert_eq!(db.expire_at(b"none"), None);
        assert_eq!(db.expire_at(b"later"), Some(500));
        // The one value the sentinel takes is stored as its neighbour:
        // both are long past, and the key still has a TTL.
        db.set_expire(b"later", Some(i64::MIN), 0);
        assert_eq!(db.expire_at(b"later"), Some(i64::MIN + 1));
        assert!(!db.contains(b"later", 0));
        assert!(!db.contains(b"past", 0));
        db.set_expire(b"none", Some(900), 0);
        db.set_expire(b"none", None, 0);
        assert_eq!(db.expire_at(b"none"), None);
        assert!(db.contains(b"none", i64::MAX));
        assert_eq!(db.expires_count(), 0);
    }

    #[test]
    fn reads_count_under_lfu_and_peeks_do_not() {
        let mut db = lfu_db();
        db.insert(Bytes::from("a"), s("1"), None, 0);
        for _ in 0..3 {
            db.get(b"a", 0);
        }
        db.peek(b"a", 0);
        let freq = |db: &mut Db| db.peek(b"a", 0).map(|e| e.frequency(0, 1));
        assert_eq!(freq(&mut db), Some(lfu::INIT + 3));
        // An overwrite keeps the counter and counts as an access.
        db.insert(Bytes::from("a"), s("2"), None, 0);
        assert_eq!(freq(&mut db), Some(lfu::INIT + 4));
        db.lfu.set_policy("allkeys-lru");
        db.get(b"a", 0);
        db.insert(Bytes::from("a"), s("3"), None, 0);
        assert_eq!(freq(&mut db), Some(lfu::INIT));
    }

    #[test]
    fn expired_keys_are_invisible_and_removed_on_access() {
        let mut db = Db::default();
        db.insert(Bytes::from("a"), s("1"), Some(100), 0);
        assert!(db.contains(b"a", 99));
        assert!(!db.contains(b"a", 100));
        assert_eq!(db.len(), 0);
        assert_eq!(db.expires_count(), 0);
        assert_eq!(db.expired_keys, 1);
    }

    #[test]
    fn active_expire_reclaims_in_deadline_order_within_budget() {
        let mut db = Db::default();
        for i in 0..10 {
            db.insert(Bytes::from(format!("k{i}")), s("v"), Some(i), 0);
        }
        db.insert(Bytes::from("live"), s("v"), Some(1_000), 0);
        let (freed, more) = db.active_expire(50, 4);
        assert_eq!((freed.len(), more), (4, true));
        let (freed, more) = db.active_expire(50, 100);
        assert_eq!((freed.len(), more), (6, false));
        assert_eq!(db.len(), 1);
    }

    #[test]
    fn insert_replaces_ttl_and_set_expire_moves_deadline() {
        let mut db = Db::default();
        db.insert(Bytes::from("a"), s("1"), Some(10), 0);
        db.insert(Bytes::from("a"), s("2"), None, 0);
        assert_eq!(db.expires_count(), 0);
        assert!(db.set_expire(b"a", Some(5), 0));
        assert!(db.set_expire(b"a", Some(50), 0));
        assert_eq!(db.expires_count(), 1);
        assert!(db.contains(b"a", 20));
    }
}
