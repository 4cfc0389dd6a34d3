//! Lists (stub: the family is being built for the Redis-families issue).

use bytes::Bytes;

use crate::keyspace::Container;
use crate::table::CommandSpec;

/// The value of a list key.
#[derive(Clone, Default)]
pub struct ListValue {
    /// The elements.
    pub items: std::collections::VecDeque<Bytes>,
}

impl Container for ListValue {
    fn encoding(&self) -> &'static str {
        "listpack"
    }

    fn memory_bytes(&self) -> usize {
        self.items.iter().map(|i| i.len() + 16).sum()
    }

    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let mut argv = vec![Bytes::from_static(b"RPUSH"), key.clone()];
        argv.extend(self.items.iter().cloned());
        vec![argv]
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
