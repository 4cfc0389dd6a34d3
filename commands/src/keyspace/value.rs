//! The value a key holds.

use std::sync::Arc;

use bytes::Bytes;

use crate::session::Session;

/// A key's value. Each Redis type is one variant; `TYPE` reports
/// [`Value::type_name`].
pub enum Value {
    /// A string (binary-safe).
    String(Bytes),
    /// A data-editing session (`SESSION.*` / `FRAME.*`). Shared with frame
    /// jobs running off the keyspace lock.
    Session(Arc<Session>),
}

impl Value {
    /// The name `TYPE` and `SCAN ... TYPE` use.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Session(_) => "session",
        }
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
        }
    }

    /// Approximate bytes used by the value (for `MEMORY USAGE` and eviction).
    pub fn memory_bytes(&self) -> usize {
        match self {
            Value::String(s) => s.len() + 16,
            Value::Session(s) => s.memory_bytes(),
        }
    }

    /// A deep copy for `COPY`; sessions are copied through their own
    /// `deep_copy` so the copy has independent tables.
    pub fn duplicate(&self) -> Value {
        match self {
            Value::String(s) => Value::String(s.clone()),
            Value::Session(s) => Value::Session(Arc::new(s.deep_copy())),
        }
    }
}
