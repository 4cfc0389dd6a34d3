//! The value a key holds.

use std::sync::Arc;

use bytes::Bytes;

use super::StringValue;
use crate::hash::HashValue;
use crate::list::ListValue;
use crate::session::Session;
use crate::set::SetValue;
use crate::stream::StreamValue;
use crate::zset::ZSetValue;

/// What the keyspace needs from a container type (hash, list, set, sorted
/// set, stream); each family implements it for its value type.
pub trait Container: Clone + Send + Sync {
    /// `OBJECT ENCODING`, as Redis 7 reports it for this value.
    fn encoding(&self) -> &'static str;
    /// Approximate bytes used (`MEMORY USAGE`, eviction).
    fn memory_bytes(&self) -> usize;
    /// The commands that recreate this value at `key` (the AOF rewrite),
    /// each a whole argv.
    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>>;
    /// True when the value has no elements (Redis removes such keys).
    fn is_empty(&self) -> bool;
}

/// A key's value. Each Redis type is one variant; `TYPE` reports
/// [`Value::type_name`].
pub enum Value {
    /// A string (binary-safe): a 16-byte handle to one allocation holding
    /// a reference count and the bytes, exactly sized when written whole,
    /// with room to grow after `APPEND` or `SETRANGE` (as Redis's sds).
    String(StringValue),
    /// A data-editing session (`SESSION.*` / `FRAME.*`). Shared with frame
    /// jobs running off the keyspace lock.
    Session(Arc<Session>),
    /// A hash: field → value. Held inline, not boxed: its 16 bytes fit
    /// beside the string's, so a small hash is one allocation (its
    /// listpack), not two.
    Hash(HashValue),
    /// A list. Boxed: its deque's 32 bytes would make every key's value
    /// larger.
    List(Box<ListValue>),
    /// A set.
    Set(Box<SetValue>),
    /// A sorted set.
    ZSet(Box<ZSetValue>),
    /// A stream.
    Stream(Box<StreamValue>),
}

/// Calls `$f` on the container inside `$value`, or evaluates `$other` for a
/// string or session.
macro_rules! on_container {
    ($value:expr, $c:ident => $f:expr, $other:pat => $o:expr) => {
        match $value {
            Value::Hash($c) => $f,
            Value::List($c) => $f,
            Value::Set($c) => $f,
            Value::ZSet($c) => $f,
            Value::Stream($c) => $f,
            $other => $o,
        }
    };
}

impl Value {
    /// The name `TYPE` and `SCAN ... TYPE` use.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Session(_) => "session",
            Value::Hash(_) => "hash",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The commands that recreate a container value at `key` (the AOF
    /// rewrite); `None` for strings and sessions, which the rewrite writes
    /// itself.
    pub fn rewrite_commands(&self, key: &Bytes) -> Option<Vec<Vec<Bytes>>> {
        on_container!(self, c => Some(c.rewrite_commands(key)), _ => None)
    }

    /// `OBJECT ENCODING`, as Redis 7 reports it for this value.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::String(s) => {
                if s.len() <= 20 && crate::parse::parse_i64(s).is_some() {
                    "int"
                } else if s.len() <= 44 {
                    "embstr"
                } else {
                    "raw"
                }
            }
            Value::Session(_) => "session",
            other => on_container!(other, c => c.encoding(), _ => "raw"),
        }
    }

    /// Approximate bytes used by the value (for `MEMORY USAGE` and eviction).
    pub fn memory_bytes(&self) -> usize {
        match self {
            Value::String(s) => s.capacity() + 16,
            Value::Session(s) => s.memory_bytes(),
            other => on_container!(other, c => c.memory_bytes(), _ => 0),
        }
    }

    /// A deep copy for `COPY`; sessions are copied through their own
    /// `deep_copy` so the copy has independent tables.
    pub fn duplicate(&self) -> Value {
        match self {
            Value::String(s) => Value::String(s.clone()),
            Value::Session(s) => Value::Session(Arc::new(s.deep_copy())),
            Value::Hash(c) => Value::Hash(c.clone()),
            Value::List(c) => Value::List(c.clone()),
            Value::Set(c) => Value::Set(c.clone()),
            Value::ZSet(c) => Value::ZSet(c.clone()),
            Value::Stream(c) => Value::Stream(c.clone()),
        }
    }
}
