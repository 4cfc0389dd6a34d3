//! Streams subset (stub: the family is being built for the Redis-families issue).

use bytes::Bytes;

use crate::keyspace::Container;
use crate::table::CommandSpec;

/// The value of a stream key.
#[derive(Clone, Default)]
pub struct StreamValue {
    /// Entries by id (ms, seq), oldest first: field/value pairs.
    pub entries: std::collections::BTreeMap<(u64, u64), Vec<(Bytes, Bytes)>>,
}

impl Container for StreamValue {
    fn encoding(&self) -> &'static str {
        "stream"
    }

    fn memory_bytes(&self) -> usize {
        self.entries
            .values()
            .map(|fields| fields.iter().map(|(f, v)| f.len() + v.len() + 16).sum::<usize>() + 32)
            .sum()
    }

    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        self.entries
            .iter()
            .map(|((ms, seq), fields)| {
                let mut argv = vec![
                    Bytes::from_static(b"XADD"),
                    key.clone(),
                    Bytes::from(format!("{ms}-{seq}")),
                ];
                for (f, v) in fields {
                    argv.push(f.clone());
                    argv.push(v.clone());
                }
                argv
            })
            .collect()
    }

    fn is_empty(&self) -> bool {
        // A stream key exists even when empty (XTRIM, XDEL keep it).
        false
    }
}

/// The family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
