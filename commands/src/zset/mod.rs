//! Sorted sets (stub: the family is being built for the Redis-families issue).

use bytes::Bytes;

use crate::keyspace::Container;
use crate::table::CommandSpec;

/// The value of a zset key.
#[derive(Clone, Default)]
pub struct ZSetValue {
    /// Member to score.
    pub scores: std::collections::HashMap<Bytes, f64>,
}

impl Container for ZSetValue {
    fn encoding(&self) -> &'static str {
        "listpack"
    }

    fn memory_bytes(&self) -> usize {
        self.scores.keys().map(|m| m.len() + 24).sum()
    }

    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let mut argv = vec![Bytes::from_static(b"ZADD"), key.clone()];
        for (member, score) in &self.scores {
            argv.push(Bytes::from(score.to_string()));
            argv.push(member.clone());
        }
        vec![argv]
    }

    fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }
}

/// The family's commands.
pub fn commands() -> Vec<CommandSpec> {
    Vec::new()
}
