//! The stream value: entries by id, the id bookkeeping Redis keeps, and the
//! node layout approximate trimming depends on ([`super::nodes`]).

use std::collections::BTreeMap;
use std::ops::Bound;

use bytes::Bytes;

use super::id::StreamId;
use super::nodes::{MAX_ENTRY_BYTES, Node};
use crate::error::{CommandError, Result};
use crate::keyspace::Container;

/// An entry's field/value pairs, in the order they were added.
pub type Fields = Vec<(Bytes, Bytes)>;

/// How a trim picks what goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Drop entries with smaller ids.
    MinId(StreamId),
}

/// The value of a stream key.
#[derive(Clone, Default)]
pub struct StreamValue {
    /// Live entries by id.
    entries: BTreeMap<StreamId, Fields>,
    /// Redis's listpack nodes, by master (first stored) id.
    nodes: BTreeMap<StreamId, Node>,
    /// The largest id ever added (or set by XSETID), kept when entries go.
    pub last_id: StreamId,
    /// Entries ever added (XINFO's `entries-added`).
    pub entries_added: u64,
    /// The largest id XDEL removed.
    pub max_deleted_id: StreamId,
}

impl StreamValue {
    /// Number of live entries (`XLEN`).
    pub fn length(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The id of the last live entry, 0-0 when there is none (Redis's
    /// `streamLastValidID`).
    pub fn last_valid_id(&self) -> StreamId {
        self.entries.keys().next_back().copied().unwrap_or_default()
    }

    /// The first stored id, tombstones included; the largest id when no
    /// node is left (Redis's `streamGetEdgeID(s, 1, 0)`).
    pub fn first_stored_id(&self) -> StreamId {
        self.nodes.keys().next().copied().unwrap_or(StreamId::MAX)
    }

    /// The id XADD gives a new entry: `requested` when its sequence was
    /// given; `<ms>-*` continues the last id's sequence within the same
    /// ms; none means `<now_ms>-0` or, when the clock is not ahead, the
    /// last id plus one. Error: `ERR The ID specified in XADD is equal or
    /// smaller than the target stream top item`.
    pub fn next_id(&self, requested: Option<(StreamId, bool)>, now_ms: u64) -> Result<StreamId> {
        let too_small = || {
            CommandError::err(
                "The ID specified in XADD is equal or smaller than the target stream top item",
            )
        };
        let id = match requested {
            Some((id, true)) => id,
            Some((id, false)) if id.ms == self.last_id.ms => self
                .last_id
                .next()
                .filter(|n| n.ms == id.ms)
                .ok_or_else(too_small)?,
            Some((id, false)) => id,
            None if now_ms > self.last_id.ms => StreamId { ms: now_ms, seq: 0 },
            None => self.last_id.next().ok_or_else(too_small)?,
        };
        if id <= self.last_id {
            return Err(too_small());
        }
        Ok(id)
    }

    /// Appends an entry with an id from [`StreamValue::next_id`]. Error:
    /// `ERR Elements are too large to be stored` past 1 GiB of fields and
    /// values.
    pub fn append(&mut self, id: StreamId, fields: Fields) -> Result<()> {
        let entry_bytes: usize = fields.iter().map(|(f, v)| f.len() + v.len()).sum();
        if entry_bytes > MAX_ENTRY_BYTES {
            return Err(CommandError::err("Elements are too large to be stored"));
        }
        match self.nodes.iter_mut().next_back() {
            Some((master, tail)) if !tail.is_full_for(entry_bytes) => {
                tail.push(*master, id, &fields)
            }
            _ => {
                self.nodes.insert(id, Node::new(id, &fields));
            }
        }
        self.entries.insert(id, fields);
        self.last_id = id;
        self.entries_added += 1;
        Ok(())
    }

    /// The master id of the node holding `id`.
    fn node_of(&self, id: StreamId) -> Option<StreamId> {
        self.nodes
            .range(..=id)
            .next_back()
            .map(|(master, _)| *master)
    }

    /// Deletes the live entry `id` (XDEL). True when there was one.
    pub fn delete(&mut self, id: StreamId) -> bool {
        if self.entries.remove(&id).is_none() {
            return false;
        }
        if let Some(master) = self.node_of(id)
            && let Some(node) = self.nodes.get_mut(&master)
        {
            if node.live == 1 {
                self.nodes.remove(&master);
            } else {
                node.mark_deleted();
            }
        }
        self.max_deleted_id = self.max_deleted_id.max(id);
        true
    }

    /// Trims as Redis's `streamTrim`: whole nodes from the oldest while the
    /// rule allows (at most `limit` entries when non-zero); unless
    /// `approx`, then entries of the next node one by one. Returns how many
    /// entries went.
    pub fn trim(&mut self, rule: Trim, approx: bool, limit: u64) -> u64 {
        let mut removed = 0;
        while let Some((&master, node)) = self.nodes.iter().next() {
            if let Trim::MaxLen(max) = rule
                && self.length() <= max
            {
                break;
            }
            if limit != 0 && removed + node.live > limit {
                break;
            }
            let whole = match rule {
                Trim::MaxLen(max) => self.length() - node.live >= max,
                Trim::MinId(min) => node.last < min,
            };
            if whole {
                removed += node.live;
                self.remove_node(master);
                continue;
            }
            if !approx {
                removed += self.trim_within(master, rule);
            }
            break;
        }
        removed
    }

    fn remove_node(&mut self, master: StreamId) {
        let end = self
            .nodes
            .range((Bound::Excluded(master), Bound::Unbounded))
            .next()
            .map(|(next, _)| *next);
        let ids: Vec<StreamId> = match end {
            Some(end) => self.entries.range(master..end).map(|(id, _)| *id).collect(),
            None => self.entries.range(master..).map(|(id, _)| *id).collect(),
        };
        for id in ids {
            self.entries.remove(&id);
        }
        self.nodes.remove(&master);
    }

    /// Marks entries of node `master` deleted, oldest first, until the rule
    /// is met; the node stays even if none is left live.
    fn trim_within(&mut self, master: StreamId, rule: Trim) -> u64 {
        let mut removed = 0;
        while let Some((&id, _)) = self.entries.range(master..).next() {
            let stop = match rule {
                Trim::MaxLen(max) => self.length() <= max,
                Trim::MinId(min) => id >= min,
            };
            if stop || self.node_of(id) != Some(master) {
                break;
            }
            self.entries.remove(&id);
            if let Some(node) = self.nodes.get_mut(&master) {
                node.mark_deleted();
            }
            removed += 1;
        }
        removed
    }

    /// Live entries with ids in `start..=end`, ascending (or descending
    /// with `rev`), at most `count` of them (0: all).
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
        count: usize,
        rev: bool,
    ) -> Vec<(StreamId, &Fields)> {
        if start > end {
            return Vec::new();
        }
        let take = if count == 0 { usize::MAX } else { count };
        let iter = self.entries.range(start..=end).map(|(id, f)| (*id, f));
        if rev {
            iter.rev().take(take).collect()
        } else {
            iter.take(take).collect()
        }
    }
}

impl Container for StreamValue {
    fn encoding(&self) -> &'static str {
        "stream"
    }

    fn memory_bytes(&self) -> usize {
        self.nodes.values().map(Node::bytes).sum::<usize>() + self.nodes.len() * 48 + 64
    }

    /// Redis's AOF rewrite of a stream: one `XADD` per entry (an empty
    /// stream is made with `XADD key MAXLEN 0 0-1 x y`), then `XSETID`
    /// restoring the last id and counters. Tombstones are not carried, as
    /// in Redis's rewrite.
    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let word = Bytes::from_static;
        let mut out: Vec<Vec<Bytes>> = self
            .entries
            .iter()
            .map(|(id, fields)| {
                let mut argv = vec![word(b"XADD"), key.clone(), id.to_bytes()];
                for (f, v) in fields {
                    argv.push(f.clone());
                    argv.push(v.clone());
                }
                argv
            })
            .collect();
        if out.is_empty() {
            out.push(vec![
                word(b"XADD"),
                key.clone(),
                word(b"MAXLEN"),
                word(b"0"),
                word(b"0-1"),
                word(b"x"),
                word(b"y"),
            ]);
        }
        out.push(vec![
            word(b"XSETID"),
            key.clone(),
            self.last_id.to_bytes(),
            word(b"ENTRIESADDED"),
            Bytes::from(self.entries_added.to_string()),
            word(b"MAXDELETEDID"),
            self.max_deleted_id.to_bytes(),
        ]);
        out
    }

    fn is_empty(&self) -> bool {
        // A stream key exists even when empty (XTRIM, XDEL keep it).
        false
    }
}
