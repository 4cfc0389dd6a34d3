//! Hashes (stub: the family is being built for the Redis-families issue).

use bytes::Bytes;

use crate::keyspace::Container;
use crate::table::CommandSpec;

/// The value of a hash key.
#[derive(Clone, Default)]
pub struct HashValue {
    /// The elements.
    pub fields: indexmap::IndexMap<Bytes, Bytes>,
}

impl Container for HashValue {
    fn encoding(&self) -> &'static str {
        "listpack"
    }

    fn memory_bytes(&self) -> usize {
        self.fields.iter().map(|(f, v)| f.len() + v.len() + 16).sum()
    }

    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let mut argv = vec![Bytes::from_static(b"HSET"), key.clone()];
        for (f, v) in &self.fields {
            argv.push(f.clone());
            argv.push(v.clone());
        }
        vec![argv]
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// The family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
