//! The list value, its keyspace look-ups and the index arithmetic every list
//! command shares (Redis's `t_list.c` helpers and `listType*` API).

use std::collections::VecDeque;

use bytes::Bytes;

use crate::error::{CommandError, Result};
use crate::keys::read_with;
use crate::keyspace::{Container, Db, Value};
use crate::parse::parse_i64;

/// Elements per `RPUSH` in the AOF rewrite of a list (Redis's
/// `AOF_REWRITE_ITEMS_PER_CMD`).
const REWRITE_ITEMS_PER_CMD: usize = 64;

/// Approximate bytes a list element costs beyond its own bytes (the
/// `Bytes` handle and the deque slot).
const ELEMENT_OVERHEAD: usize = 40;

/// The value of a list key: elements from head (index 0, `LEFT`) to tail
/// (index -1, `RIGHT`). Never empty while stored in the keyspace: commands
/// remove the key when they take its last element.
#[derive(Clone, Default)]
pub struct ListValue {
    /// The elements, head first.
    pub items: VecDeque<Bytes>,
}

impl Container for ListValue {
    /// Always `quicklist`: Redis 7.0 stores every list as a quicklist (the
    /// `listpack` encoding for small lists came with 7.2).
    fn encoding(&self) -> &'static str {
        "quicklist"
    }

    fn memory_bytes(&self) -> usize {
        let elements: usize = self.items.iter().map(|i| i.len() + ELEMENT_OVERHEAD).sum();
        elements + std::mem::size_of::<ListValue>()
    }

    /// `RPUSH key e1 e2 ...`, at most [`REWRITE_ITEMS_PER_CMD`] elements a
    /// command, head first, so replay rebuilds the same order.
    fn rewrite_commands(&self, key: &Bytes) -> Vec<Vec<Bytes>> {
        let (front, back) = self.items.as_slices();
        let all: Vec<&Bytes> = front.iter().chain(back).collect();
        all.chunks(REWRITE_ITEMS_PER_CMD)
            .map(|chunk| {
                let mut argv = Vec::with_capacity(chunk.len() + 2);
                argv.push(Bytes::from_static(b"RPUSH"));
                argv.push(key.clone());
                argv.extend(chunk.iter().map(|&item| item.clone()));
                argv
            })
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// An end of a list: `LEFT` is the head (index 0), `RIGHT` the tail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The head (`LPUSH`, `LPOP`, `LEFT`).
    Left,
    /// The tail (`RPUSH`, `RPOP`, `RIGHT`).
    Right,
}

impl End {
    /// Parses `LEFT` / `RIGHT` (any case). Error: `ERR syntax error`.
    pub fn parse(raw: &[u8]) -> Result<End> {
        if raw.eq_ignore_ascii_case(b"left") {
            Ok(End::Left)
        } else if raw.eq_ignore_ascii_case(b"right") {
            Ok(End::Right)
        } else {
            Err(CommandError::syntax())
        }
    }

    /// `LEFT` or `RIGHT`, as the AOF writes it.
    pub fn keyword(self) -> Bytes {
        match self {
            End::Left => Bytes::from_static(b"LEFT"),
            End::Right => Bytes::from_static(b"RIGHT"),
        }
    }

    /// `LPOP` or `RPOP`: the pop at this end.
    pub fn pop_command(self) -> Bytes {
        match self {
            End::Left => Bytes::from_static(b"LPOP"),
            End::Right => Bytes::from_static(b"RPOP"),
        }
    }
}

impl ListValue {
    /// Adds `item` at `end`.
    pub fn push(&mut self, end: End, item: Bytes) {
        match end {
            End::Left => self.items.push_front(item),
            End::Right => self.items.push_back(item),
        }
    }

    /// Takes up to `count` elements from `end`, nearest first (so `RIGHT`
    /// gives the tail element first, as `RPOP key count` replies).
    pub fn pop(&mut self, end: End, count: usize) -> Vec<Bytes> {
        let n = count.min(self.items.len());
        match end {
            End::Left => self.items.drain(..n).collect(),
            End::Right => {
                let start = self.items.len() - n;
                self.items.drain(start..).rev().collect()
            }
        }
    }
}

/// The list at `key` for a write command (`lookupKeyWrite`: expires the key
/// lazily, counts no keyspace hit or miss); `None` when there is no key.
/// Error: WRONGTYPE for another type.
pub(crate) fn list_mut<'a>(
    db: &'a mut Db,
    key: &[u8],
    now_ms: i64,
) -> Result<Option<&'a mut ListValue>> {
    match db.get(key, now_ms) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::List(list) => Ok(Some(list.as_mut())),
            _ => Err(CommandError::wrong_type()),
        },
    }
}

/// Checks that `key` holds a list or nothing, as a write command does
/// before touching its other keys. Error: WRONGTYPE.
pub(crate) fn check_list(db: &mut Db, key: &[u8], now_ms: i64) -> Result<()> {
    list_mut(db, key, now_ms).map(|_| ())
}

/// Runs `f` on the list at `key` for a read command (`lookupKeyRead`:
/// counts a keyspace hit or miss, touches the access time); `None` when
/// there is no key. Error: WRONGTYPE for another type.
pub(crate) fn read_list<R>(
    db: &mut Db,
    key: &[u8],
    now_ms: i64,
    f: impl FnOnce(&ListValue) -> R,
) -> Result<Option<R>> {
    read_with(db, key, now_ms, |entry| match &entry.value {
        Value::List(list) => Ok(f(list)),
        _ => Err(CommandError::wrong_type()),
    })
    .transpose()
}

/// Pushes `items` one by one at `end` of the list at `key`, creating the
/// list when there is no key. Returns the new length. Error: WRONGTYPE
/// (nothing pushed).
pub(crate) fn push_all(
    db: &mut Db,
    key: &Bytes,
    end: End,
    items: impl IntoIterator<Item = Bytes>,
    now_ms: i64,
) -> Result<usize> {
    if let Some(list) = list_mut(db, key, now_ms)? {
        items.into_iter().for_each(|item| list.push(end, item));
        return Ok(list.items.len());
    }
    let mut list = ListValue::default();
    items.into_iter().for_each(|item| list.push(end, item));
    let len = list.items.len();
    if len > 0 {
        db.insert(key.clone(), Value::List(Box::new(list)), None, now_ms);
    }
    Ok(len)
}

/// The position of Redis index `index` (negative counts from the tail: -1
/// is the last element) in a list of `len` elements; `None` when outside.
pub(super) fn position(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let at = if index < 0 {
        len.checked_add(index)?
    } else {
        index
    };
    (0..len).contains(&at).then_some(at as usize)
}

/// The inclusive positions `start..=stop` selects in a list of `len`
/// elements, as `LRANGE` and `LTRIM` read them (negative from the tail,
/// clamped to the list); `None` when the range is empty.
pub(super) fn span(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = i64::try_from(len).ok()?;
    let start = if start < 0 { len + start } else { start }.max(0);
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    Some((start as usize, stop.min(len - 1) as usize))
}

/// A Redis integer argument at least `min` (`getRangeLongFromObjectOrReply`
/// with a message): `ERR <msg>` when it is not an integer or below `min`.
pub(super) fn parse_at_least(raw: &[u8], min: i64, msg: &str) -> Result<i64> {
    parse_i64(raw)
        .filter(|&n| n >= min)
        .ok_or_else(|| CommandError::err(msg))
}

/// A Redis integer argument (`getLongFromObjectOrReply`).
/// Error: `ERR value is not an integer or out of range`.
pub(super) fn parse_index(raw: &[u8]) -> Result<i64> {
    parse_i64(raw).ok_or_else(CommandError::not_integer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_negative_indexes_from_the_tail() {
        assert_eq!(position(0, 3), Some(0));
        assert_eq!(position(-1, 3), Some(2));
        assert_eq!(position(-3, 3), Some(0));
        assert_eq!(position(-4, 3), None);
        assert_eq!(position(3, 3), None);
        assert_eq!(position(i64::MIN, 3), None);
        assert_eq!(position(0, 0), None);
    }

    #[test]
    fn span_clamps_like_lrange() {
        assert_eq!(span(0, -1, 7), Some((0, 6)));
        assert_eq!(span(-100, -6, 7), Some((0, 1)));
        assert_eq!(span(3, 2, 7), None);
        assert_eq!(span(7, 10, 7), None);
        assert_eq!(span(i64::MIN, i64::MAX, 7), Some((0, 6)));
        assert_eq!(span(i64::MAX, i64::MIN, 7), None);
        assert_eq!(span(0, -1, 0), None);
    }

    #[test]
    fn pop_from_the_right_gives_the_tail_first() {
        let mut list = ListValue::default();
        for item in ["a", "b", "c", "d"] {
            list.push(End::Right, Bytes::from(item));
        }
        assert_eq!(
            list.pop(End::Right, 2),
            vec![Bytes::from("d"), Bytes::from("c")]
        );
        assert_eq!(
            list.pop(End::Left, 5),
            vec![Bytes::from("a"), Bytes::from("b")]
        );
        assert!(list.items.is_empty());
    }

    #[test]
    fn rewrite_chunks_rpush_commands_in_order() {
        let mut list = ListValue::default();
        for i in 0..130 {
            list.push(End::Right, Bytes::from(i.to_string()));
        }
        let cmds = list.rewrite_commands(&Bytes::from("k"));
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0].len(), 2 + 64);
        assert_eq!(cmds[2].len(), 2 + 2);
        assert_eq!(cmds[0][0], Bytes::from("RPUSH"));
        assert_eq!(cmds[0][2], Bytes::from("0"));
        assert_eq!(cmds[2][3], Bytes::from("129"));
    }
}
