//! Keyspace notifications (`notify-keyspace-events`), as Redis 7.0 sends
//! them: `__keyspace@<db>__:<key>` with the event as the message (`K`), and
//! `__keyevent@<db>__:<event>` with the key as the message (`E`).
//!
//! Every write logs its deterministic form under the database lock
//! ([`crate::keyspace::Db::log`]); that is where its keys' events are
//! sent, so they go out in the order the writes happened. The event is the
//! command's name (with Redis's names where they differ: `expire` for
//! `PEXPIREAT`, `incrby` for `INCR`, `rename_from` / `rename_to`, ...) and
//! its class comes from the command's ACL category (`$` string, `l` list,
//! `s` set, `h` hash, `z` sorted set, `t` stream, `g` generic). A key
//! removed because it expired sends `expired` (class `x`), when it is
//! really removed (lazily or by the active cycle), which is what session
//! frameworks wait for.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;

use crate::pubsub::Registry;

/// `K`: keyspace channel.
const KEYSPACE: u32 = 1 << 0;
/// `E`: keyevent channel.
const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: strings.
pub const STRING: u32 = 1 << 3;
/// `l`: lists.
pub const LIST: u32 = 1 << 4;
/// `s`: sets.
pub const SET: u32 = 1 << 5;
/// `h`: hashes.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted sets.
pub const ZSET: u32 = 1 << 7;
/// `x`: expired events.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: evicted events.
pub const EVICTED: u32 = 1 << 9;
/// `t`: streams.
pub const STREAM: u32 = 1 << 10;
/// `m`: key misses.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module events.
pub const MODULE: u32 = 1 << 12;
/// `n`: new keys.
pub const NEW: u32 = 1 << 13;
/// `A`: `g$lshzxetd`.
const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Parses a `notify-keyspace-events` value as Redis 7.0's
/// `keyspaceEventsStringToFlags`. `None` for an unknown character.
pub fn parse_flags(text: &str) -> Option<u32> {
    let mut flags = 0;
    for c in text.chars() {
        flags |= match c {
            'A' => ALL,
            'g' => GENERIC,
            '$' => STRING,
            'l' => LIST,
            's' => SET,
            'h' => HASH,
            'z' => ZSET,
            'x' => EXPIRED,
            'e' => EVICTED,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            't' => STREAM,
            'm' => KEY_MISS,
            'd' => MODULE,
            'n' => NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// Sends keyspace events through the pub/sub registry.
#[derive(Default)]
pub struct Notifier {
    flags: AtomicU32,
    pubsub: Arc<Registry>,
}

impl Notifier {
    /// A notifier publishing through `pubsub`.
    pub fn new(pubsub: Arc<Registry>) -> Notifier {
        Notifier {
            flags: AtomicU32::new(0),
            pubsub,
        }
    }

    /// Applies a `notify-keyspace-events` value (unknown characters ignored).
    pub fn configure(&self, text: &str) {
        self.flags
            .store(parse_flags(text).unwrap_or(0), Ordering::Relaxed);
    }

    /// True when some class of event is enabled on some channel.
    pub fn enabled(&self) -> bool {
        let flags = self.flags.load(Ordering::Relaxed);
        flags & (KEYSPACE | KEYEVENT) != 0 && flags & !(KEYSPACE | KEYEVENT) != 0
    }

    /// Sends `event` of `class` on `key` of database `db`, if enabled.
    pub fn notify(&self, class: u32, event: &str, key: &[u8], db: usize) {
        let flags = self.flags.load(Ordering::Relaxed);
        if flags & class == 0 {
            return;
        }
        if flags & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            self.pubsub
                .publish(&Bytes::from(channel), &Bytes::from(event.to_string()));
        }
        if flags & KEYEVENT != 0 {
            let channel = Bytes::from(format!("__keyevent@{db}__:{event}"));
            self.pubsub.publish(&channel, &Bytes::copy_from_slice(key));
        }
    }
}

/// The class of a command's events, from its ACL categories.
pub fn class_of(categories: &[&str]) -> u32 {
    for (category, class) in [
        ("string", STRING),
        ("list", LIST),
        ("set", SET),
        ("hash", HASH),
        ("sortedset", ZSET),
        ("stream", STREAM),
        ("bitmap", STRING),
        ("hyperloglog", STRING),
    ] {
        if categories.contains(&category) {
            return class;
        }
    }
    GENERIC
}

/// The event a logged command sends for its key at position `index` (of
/// `argc` arguments): Redis's name where it differs from the command's.
pub fn event_name(command: &str, index: usize, args: &[impl AsRef<[u8]>]) -> String {
    let end = |i: usize| {
        args.get(i)
            .map(|a| a.as_ref().eq_ignore_ascii_case(b"LEFT"))
            .unwrap_or(true)
    };
    let name = match command {
        "set" | "mset" | "msetnx" | "setnx" | "getset" => "set",
        "incr" | "decr" | "incrby" | "decrby" => "incrby",
        "pexpireat" | "expire" | "pexpire" | "expireat" => "expire",
        "hmset" | "hsetnx" => "hset",
        "lpushx" => "lpush",
        "rpushx" => "rpush",
        "zincrby" => "zincr",
        "rename" | "renamenx" if index == 1 => "rename_from",
        "rename" | "renamenx" => "rename_to",
        "copy" if index == 2 => "copy_to",
        "lmove" if index == 1 => {
            if end(3) {
                "lpop"
            } else {
                "rpop"
            }
        }
        "lmove" => {
            if end(4) {
                "lpush"
            } else {
                "rpush"
            }
        }
        "smove" if index == 1 => "srem",
        "smove" => "sadd",
        other => return other.to_string(),
    };
    name.to_string()
}
