//! Sets (stub: the family is being built for the Redis-families issue).

use bytes::Bytes;

use crate::keyspace::Container;
use crate::table::CommandSpec;

/// The value of a set key.
#[derive(Clone, Default)]
pub struct SetValue {
    /// The elements.
    pub members: indexmap::IndexSet<Bytes>,
}

impl Container for SetValue {
    fn encoding(&self) -> &'static str {
        "listpack"
    }

    fn memory_bytes(&self) -> usize {
        self.members.iter().map(|m| m.len() + 16).sum()
    }

    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let mut argv = vec![Bytes::from_static(b"SADD"), key.clone()];
        argv.extend(self.members.iter().cloned());
        vec![argv]
    }

    fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// The family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
